// Scalar reference softmax: the spec every variant is tested against (max-subtracted, exp and
// sums in double).
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/softmax/softmax.h"

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

extern const int softmax_vector_lanes = 1;

void softmax_lanes(const float* x, float* y, int64_t len, int64_t stride, int64_t lanes, bool log) {
  for (int64_t j = 0; j < lanes; ++j) softmax_lane(x + j, y + j, len, stride, log);
}

}  // namespace cnncore::kernels::ref
