// Runs each in-process fuzz target's entry point over every file of its seed
// corpus (tests/fuzz/corpus/TARGET/), as libFuzzer would run them first,
// but in the ordinary build: a seed that once crashed a target (each crash
// found is kept there) fails this test if the bug comes back. A property a
// target checks (FUZZ_CHECK) aborts the test binary, naming the property.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_target.h"

namespace accord::fuzz {
namespace {

struct Target {
  const char* name;
  int (*run)(const uint8_t*, size_t);
};
// So that test listings name the target rather than print its bytes.
void PrintTo(const Target& target, std::ostream* out) { *out << target.name; }

class FuzzCorpusReplay : public testing::TestWithParam<Target> {};

TEST_P(FuzzCorpusReplay, EverySeedRunsClean) {
  std::filesystem::path dir = std::filesystem::path(ACCORD_FUZZ_CORPUS_DIR) / GetParam().name;
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  std::vector<std::filesystem::path> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) seeds.push_back(entry.path());
  std::sort(seeds.begin(), seeds.end());
  EXPECT_GE(seeds.size(), 5u) << "a corpus of a few seeds at least";
  for (const auto& path : seeds) {
    SCOPED_TRACE(path.string());
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    const std::string input = bytes.str();
    EXPECT_EQ(GetParam().run(reinterpret_cast<const uint8_t*>(input.data()), input.size()), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(InProcessTargets, FuzzCorpusReplay,
                         testing::Values(Target{"fuzz_frame_decoder", FuzzFrameDecoder},
                                         Target{"fuzz_request_decoder", FuzzRequestDecoder},
                                         Target{"fuzz_decider", FuzzDecider},
                                         Target{"fuzz_command_json", FuzzCommandJson},
                                         Target{"fuzz_fuzzy_date", FuzzFuzzyDate},
                                         Target{"fuzz_http_request", FuzzHttpRequest}),
                         [](const testing::TestParamInfo<Target>& param) {
                           return std::string(param.param.name);
                         });

}  // namespace
}  // namespace accord::fuzz
