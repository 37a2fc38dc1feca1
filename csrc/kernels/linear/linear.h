#pragma once
// Fully connected: for one input row x[IN], y[o] = bias[o] + dot(w[o, :], x) for o in [o0, o1).
#include <cstdint>

namespace cnncore::kernels::ref {
void linear_row(const float* x, const float* w, const float* bias, int64_t in, int64_t o0, int64_t o1, float* y);
}  // namespace cnncore::kernels::ref
