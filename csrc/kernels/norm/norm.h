#pragma once
// Normalisation kernels: softmax along one strided lane, per-channel affine (inference batch
// norm), and cross-channel LRN for one image.
#include <cstdint>

namespace cnncore::kernels::ref {
/// Softmax (or log-softmax) of x[i*stride], i < len: max-subtracted, sums in double.
void softmax_lane(const float* x, float* y, int64_t len, int64_t stride, bool log);
/// y[i] = x[i] * scale + shift
void affine(const float* x, float* y, int64_t n, float scale, float shift);
/// Channels [c0, c1) of one image [C, HW]:
/// y = x / (k + alpha/size * sum_{c' in [c-pre, c-pre+size)} x[c']^2)^beta
void lrn_channels(const float* x, float* y, int64_t C, int64_t HW, int64_t c0, int64_t c1, int64_t size,
                  int64_t pre, float alpha, float beta, float k);
}  // namespace cnncore::kernels::ref
