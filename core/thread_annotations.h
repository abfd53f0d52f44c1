// Clang thread-safety annotations (after LevelDB's port/thread_annotations.h
// and Abseil's base/thread_annotations.h): the locking rules of a class are
// written on its fields and methods, and clang's -Wthread-safety checks them
// at compile time (the fuzzing build, scripts/fuzz, compiles with clang and
// -Werror=thread-safety). With GCC every macro expands to nothing.
//
//   GUARDED_BY(mu)       the field is read and written only with mu held
//   PT_GUARDED_BY(mu)    what the pointer points to, the same
//   REQUIRES(mu)         callers hold mu (exclusively)
//   REQUIRES_SHARED(mu)  callers hold mu at least shared
//   EXCLUDES(mu)         callers do not hold mu (the function takes it)
//   ACQUIRE(mu) / RELEASE(mu) / ACQUIRE_SHARED / RELEASE_SHARED
//                        the function locks / unlocks mu
//   TRY_ACQUIRE(ok) / TRY_ACQUIRE_SHARED(ok)
//                        the function locks mu when it returns `ok`
//   CAPABILITY("mutex")  the class is a lock
//   SCOPED_CAPABILITY    the class holds a lock for its lifetime (RAII)
//   NO_THREAD_SAFETY_ANALYSIS  the function is not checked (say why)
#pragma once

// Abseil (which gRPC's headers include) defines the same names with the
// same meaning; ours replace them wherever both are seen.

#if defined(__clang__)
#define ACCORD_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define ACCORD_THREAD_ANNOTATION(x)
#endif

#undef CAPABILITY
#define CAPABILITY(x) ACCORD_THREAD_ANNOTATION(capability(x))
#undef SCOPED_CAPABILITY
#define SCOPED_CAPABILITY ACCORD_THREAD_ANNOTATION(scoped_lockable)
#undef GUARDED_BY
#define GUARDED_BY(x) ACCORD_THREAD_ANNOTATION(guarded_by(x))
#undef PT_GUARDED_BY
#define PT_GUARDED_BY(x) ACCORD_THREAD_ANNOTATION(pt_guarded_by(x))
#undef ACQUIRED_BEFORE
#define ACQUIRED_BEFORE(...) ACCORD_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#undef ACQUIRED_AFTER
#define ACQUIRED_AFTER(...) ACCORD_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#undef REQUIRES
#define REQUIRES(...) ACCORD_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#undef REQUIRES_SHARED
#define REQUIRES_SHARED(...) ACCORD_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#undef ACQUIRE
#define ACQUIRE(...) ACCORD_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#undef ACQUIRE_SHARED
#define ACQUIRE_SHARED(...) ACCORD_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#undef RELEASE
#define RELEASE(...) ACCORD_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#undef RELEASE_SHARED
#define RELEASE_SHARED(...) ACCORD_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#undef RELEASE_GENERIC
#define RELEASE_GENERIC(...) ACCORD_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#undef TRY_ACQUIRE
#define TRY_ACQUIRE(...) ACCORD_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#undef TRY_ACQUIRE_SHARED
#define TRY_ACQUIRE_SHARED(...) ACCORD_THREAD_ANNOTATION(try_acquire_shared_capability(__VA_ARGS__))
#undef EXCLUDES
#define EXCLUDES(...) ACCORD_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#undef ASSERT_CAPABILITY
#define ASSERT_CAPABILITY(x) ACCORD_THREAD_ANNOTATION(assert_capability(x))
#undef RETURN_CAPABILITY
#define RETURN_CAPABILITY(x) ACCORD_THREAD_ANNOTATION(lock_returned(x))
#undef NO_THREAD_SAFETY_ANALYSIS
#define NO_THREAD_SAFETY_ANALYSIS ACCORD_THREAD_ANNOTATION(no_thread_safety_analysis)
