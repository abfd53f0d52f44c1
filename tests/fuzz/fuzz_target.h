// What the in-process fuzz targets share.
//
// Each target is a plain function `int Fuzz...(const uint8_t*, size_t)` that
// must never crash, leak or misread memory on any input, and that checks its
// properties with FUZZ_CHECK (a failure prints why and aborts, which
// libFuzzer reports as a crash and saves the input). ACCORD_FUZZ_ENTRY makes
// it libFuzzer's entry point in the fuzzing build (ACCORD_FUZZ_MAIN);
// in the ordinary build the same function is linked into the corpus replay
// test (tests/fuzz/corpus_replay_test.cc), so every seed runs in CTest.
#pragma once

#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(condition, ...)                                                            \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: ", __FILE__, __LINE__, #condition); \
      std::fprintf(stderr, __VA_ARGS__);                                                      \
      std::fprintf(stderr, "\n");                                                             \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)

// Protobuf logs each string that is not UTF-8 as it refuses it: millions
// of lines, and most of the time, when fuzzing. The refusal is what counts.
#ifdef ACCORD_FUZZ_MAIN
#define ACCORD_FUZZ_ENTRY(function)                                         \
  extern "C" int LLVMFuzzerInitialize(int*, char***) {                      \
    google::protobuf::SetLogHandler(nullptr);                               \
    return 0;                                                               \
  }                                                                         \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { \
    return function(data, size);                                            \
  }
#else
#define ACCORD_FUZZ_ENTRY(function)
#endif

namespace accord::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

int FuzzFrameDecoder(const uint8_t* data, size_t size);
int FuzzRequestDecoder(const uint8_t* data, size_t size);
int FuzzDecider(const uint8_t* data, size_t size);
int FuzzCommandJson(const uint8_t* data, size_t size);
int FuzzFuzzyDate(const uint8_t* data, size_t size);
int FuzzHttpRequest(const uint8_t* data, size_t size);

}  // namespace accord::fuzz
