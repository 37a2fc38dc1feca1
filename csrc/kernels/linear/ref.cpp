#include "kernels/linear/linear.h"

namespace cnncore::kernels::ref {

void linear_row(const float* x, const float* w, const float* bias, int64_t in, int64_t o0, int64_t o1, float* y) {
  for (int64_t o = o0; o < o1; ++o) {
    const float* wr = w + o * in;
    float s = 0.f;
    for (int64_t i = 0; i < in; ++i) s += wr[i] * x[i];
    y[o] = bias ? s + bias[o] : s;
  }
}

}  // namespace cnncore::kernels::ref
