#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/norm/norm.h"

namespace cnncore::kernels::ref {

void softmax_lane(const float* x, float* y, int64_t len, int64_t stride, bool log) {
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < len; ++i) m = std::max(m, x[i * stride]);
  if (std::isinf(m) && m < 0) m = 0.f;  // all -inf: avoid (-inf) - (-inf)
  double s = 0.0;
  for (int64_t i = 0; i < len; ++i) s += std::exp(static_cast<double>(x[i * stride]) - m);
  if (log) {
    const double ls = std::log(s);
    for (int64_t i = 0; i < len; ++i) y[i * stride] = static_cast<float>(x[i * stride] - m - ls);
  } else {
    const double inv = 1.0 / s;
    for (int64_t i = 0; i < len; ++i) y[i * stride] = static_cast<float>(std::exp(static_cast<double>(x[i * stride]) - m) * inv);
  }
}

void affine(const float* x, float* y, int64_t n, float scale, float shift) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale + shift;
}

void lrn_channels(const float* x, float* y, int64_t C, int64_t HW, int64_t c0_, int64_t c1_, int64_t size,
                  int64_t pre, float alpha, float beta, float k) {
  const double a = static_cast<double>(alpha) / static_cast<double>(size);
  for (int64_t c = c0_; c < c1_; ++c) {
    const int64_t c0 = std::max<int64_t>(0, c - pre), c1 = std::min(C, c - pre + size);
    for (int64_t i = 0; i < HW; ++i) {
      double s = 0.0;
      for (int64_t cc = c0; cc < c1; ++cc) {
        const double v = x[cc * HW + i];
        s += v * v;
      }
      y[c * HW + i] = static_cast<float>(x[c * HW + i] / std::pow(k + a * s, static_cast<double>(beta)));
    }
  }
}

}  // namespace cnncore::kernels::ref
