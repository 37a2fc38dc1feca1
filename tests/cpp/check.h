#pragma once
// Minimal test harness: CHECK(cond), CHECK_THROWS(expr, Type), then `return report();` from main.
#include <cstdio>

namespace check {
inline int failures = 0;
inline int checks = 0;
}  // namespace check

#define CHECK(cond)                                                                 \
  do {                                                                              \
    ++check::checks;                                                                \
    if (!(cond)) {                                                                  \
      ++check::failures;                                                            \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                               \
  } while (0)

#define CHECK_THROWS(expr, Type)                                                                \
  do {                                                                                          \
    ++check::checks;                                                                            \
    bool thrown_ = false;                                                                       \
    try {                                                                                       \
      (void)(expr);                                                                             \
    } catch (const Type&) {                                                                     \
      thrown_ = true;                                                                           \
    } catch (...) {                                                                             \
    }                                                                                           \
    if (!thrown_) {                                                                             \
      ++check::failures;                                                                        \
      std::fprintf(stderr, "%s:%d: expected %s from: %s\n", __FILE__, __LINE__, #Type, #expr);  \
    }                                                                                           \
  } while (0)

inline int report(const char* name) {
  std::printf("%s: %d checks, %d failed\n", name, check::checks, check::failures);
  return check::failures ? 1 : 0;
}
