#pragma once
// Normalisation kernels: per-channel affine (inference batch norm). Softmax (kernels/softmax) and
// cross-channel LRN (kernels/lrn) are families of their own.
#include <cstdint>

namespace cnncore::kernels::ref {
/// y[i] = x[i] * scale + shift
void affine(const float* x, float* y, int64_t n, float scale, float shift);
}  // namespace cnncore::kernels::ref
