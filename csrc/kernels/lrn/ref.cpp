// Scalar reference LRN: the spec every variant is tested against (sums in double, pow).
#include <algorithm>
#include <cmath>

#include "kernels/lrn/lrn.h"

namespace cnncore::kernels::ref {

bool lrn_supports(const LrnParams&) { return true; }

void lrn_channels(const LrnParams& p, const float* x, float* y, int64_t c0_, int64_t c1_) {
  const double a = static_cast<double>(p.alpha) / static_cast<double>(p.size);
  for (int64_t c = c0_; c < c1_; ++c) {
    const int64_t c0 = std::max<int64_t>(0, c - p.pre), c1 = std::min(p.C, c - p.pre + p.size);
    for (int64_t i = 0; i < p.HW; ++i) {
      double s = 0.0;
      for (int64_t cc = c0; cc < c1; ++cc) {
        const double v = x[cc * p.HW + i];
        s += v * v;
      }
      y[c * p.HW + i] = static_cast<float>(x[c * p.HW + i] / std::pow(p.k + a * s, static_cast<double>(p.beta)));
    }
  }
}

}  // namespace cnncore::kernels::ref
