// Measured peak FMA throughput (for "% of peak" in benchmarks, never assumed).
#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "cnncore/error.h"
#include "cnncore/runtime.h"
#include "core/parallel.h"
#include "kernels/probe/probe.h"

namespace cnncore {

double measure_peak_gflops(Isa isa, int threads) {
  if (static_cast<int>(isa) > static_cast<int>(cpu_isa())) throw Unsupported("peak probe: this CPU lacks " + std::string(isa_name(isa)));
  const int64_t iters = 4'000'000;
  double flops_per_iter;
  float (*probe)(int64_t) = nullptr;
#if CNNCORE_HAVE_AVX512
  if (isa == Isa::avx512) { probe = kernels::avx512::fma_probe; flops_per_iter = 2.0 * 16 * 24; }
#endif
#if CNNCORE_HAVE_AVX2
  if (isa == Isa::avx2) { probe = kernels::avx2::fma_probe; flops_per_iter = 2.0 * 8 * 12; }
#endif
  if (!probe) throw Unsupported(std::string("peak probe: no probe for ") + isa_name(isa));
  const int saved = get_num_threads();
  set_num_threads(threads);
  std::atomic<float> sink{0.f};
  double best = 0, best_any = 0;
  // One probe per thread; a round in which one thread ran two probes (the other's core was
  // taken when the round began) measured one core twice over, not the machine, and is dropped.
  // The best of up to ten rounds, stopping at three valid ones, is the peak.
  std::vector<std::thread::id> ran(static_cast<size_t>(threads));
  for (int rep = 0, valid = 0; rep < 10 && valid < 3; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    core::parallel_for(threads, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        ran[static_cast<size_t>(i)] = std::this_thread::get_id();
        sink.store(sink.load() + probe(iters));
      }
    });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best_any = std::max(best_any, flops_per_iter * iters * threads / s / 1e9);
    if (std::set<std::thread::id>(ran.begin(), ran.end()).size() != ran.size()) continue;
    ++valid;
    best = std::max(best, flops_per_iter * iters * threads / s / 1e9);
  }
  set_num_threads(saved);
  return best > 0 ? best : best_any;  // no valid round: what the threads could get
}

}  // namespace cnncore
