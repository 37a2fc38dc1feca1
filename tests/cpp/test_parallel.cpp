// parallel_for: each index exactly once, for any n, chunk and thread count (more threads than
// chunks; more than the 64 that get regions of their own); nesting runs serially.
#include <atomic>
#include <vector>

#include "check.h"
#include "cnncore/error.h"
#include "cnncore/runtime.h"
#include "core/parallel.h"

using namespace cnncore;

int main() {
  const int n0 = get_num_threads();
  CHECK(n0 >= 1 && n0 == available_cpus());
  CHECK_THROWS(set_num_threads(0), InvalidArgument);
  for (int threads : {1, 2, 3, 8, 65}) {
    set_num_threads(threads);
    for (int64_t n : {0, 1, 2, 7, 64, 1000, 100003}) {
      for (int64_t chunk : {1, 16, 5000}) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        core::parallel_for(n, chunk, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) hits[i].fetch_add(1);
        });
        bool once = true;
        for (auto& h : hits) once = once && h.load() == 1;
        CHECK(once);
      }
    }
  }
  set_num_threads(4);
  std::atomic<int> inner_calls{0};
  core::parallel_for(4, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      core::parallel_for(10, 1, [&](int64_t b2, int64_t e2) {
        if (b2 == 0 && e2 == 10) inner_calls.fetch_add(1);  // nested: one serial call
      });
  });
  CHECK(inner_calls.load() == 4);
  set_num_threads(n0);
  return report("test_parallel");
}
