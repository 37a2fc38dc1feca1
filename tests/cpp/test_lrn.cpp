// Every LRN variant against the reference (kernels/lrn/ref.cpp, the spec: double sums, pow):
// within a few float roundings, over channel counts, window sizes and offsets, plane sizes that
// exercise the vector tails, and the supported betas; NaN and Inf propagate as in the spec.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "check.h"
#include "cnncore/runtime.h"
#include "kernels/lrn/lrn.h"

using namespace cnncore;

int main() {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> ud(-4.f, 4.f);
  int tested = 0;
  for (int ki = 0; ki < kernels::kLrnCount; ++ki) {
    const auto& k = kernels::kLrnKernels[ki];
    if (static_cast<int>(k.isa) > static_cast<int>(cpu_isa())) continue;
    ++tested;
    CHECK(k.fn.supports({8, 8, 5, 2, 1e-4f, 0.75f, 1.f}));
    if (k.isa != Isa::scalar) CHECK(!k.fn.supports({8, 8, 5, 2, 1e-4f, 0.6f, 1.f}));
    for (int64_t C : {1, 3, 16, 17})
      for (int64_t HW : {1, 7, 16, 17, 33, 100})
        for (int64_t size : {1, 2, 5, 11})
          for (float beta : {0.5f, 0.75f, 1.f}) {
            const int64_t pre = size / 2 + (HW % 2 && size > 2 ? 1 : 0);  // PyTorch's and a later start
            const kernels::LrnParams p{C, HW, size, pre, HW == 33 ? 2.f : 1e-2f, beta, HW == 7 ? 2.f : 1.f};
            std::vector<float> x(C * HW), y(C * HW + 1, 9.f), want(C * HW);
            for (auto& v : x) v = ud(rng);
            bool ok = true;
            for (int pass = 0; pass < 2; ++pass) {
              if (pass == 1) {
                x[0] = NAN;
                x[x.size() - 1] = INFINITY;
              }
              kernels::ref::lrn_channels(p, x.data(), want.data(), 0, C);
              k.fn.run(p, x.data(), y.data(), 0, C);
              ok = ok && y.back() == 9.f;
              for (size_t i = 0; i < want.size(); ++i) {
                const double w = want[i], g = y[i];
                const bool same = std::isnan(w) ? std::isnan(g) : std::fabs(g - w) <= 4e-6 * std::fabs(w) + 1e-37;
                ok = ok && same;
              }
            }
            CHECK(ok);
            if (!ok)
              std::fprintf(stderr, "  lrn %s C%lld HW%lld size%lld pre%lld beta%g\n", k.name, (long long)C,
                           (long long)HW, (long long)size, (long long)pre, beta);
          }
  }
  CHECK(tested >= 1);
  std::printf("lrn variants tested on this CPU: %d of %d\n", tested, kernels::kLrnCount);
  return report("test_lrn");
}
