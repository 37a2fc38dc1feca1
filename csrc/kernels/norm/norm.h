#pragma once
// Normalisation kernels: softmax along one strided lane and per-channel affine (inference batch
// norm). Cross-channel LRN is its own family (kernels/lrn).
#include <cstdint>

namespace cnncore::kernels::ref {
/// Softmax (or log-softmax) of x[i*stride], i < len: max-subtracted, sums in double.
void softmax_lane(const float* x, float* y, int64_t len, int64_t stride, bool log);
/// y[i] = x[i] * scale + shift
void affine(const float* x, float* y, int64_t n, float scale, float shift);
}  // namespace cnncore::kernels::ref
