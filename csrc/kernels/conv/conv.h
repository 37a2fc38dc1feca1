#pragma once
// Convolution kernels. A problem is fully resolved by the op (pads applied, output size known);
// a kernel computes one output plane (image n, output channel oc). conv1d is conv2d with H = 1.
#include <cstdint>

namespace cnncore::kernels {

struct ConvParams {
  int64_t C, H, W;        // input channels and size
  int64_t K, OH, OW;      // output channels and size
  int64_t kh, kw, sh, sw, pt, pl, dh, dw;
  int64_t groups;
};

namespace ref {
/// y[OH*OW] = bias + sum_{ic in group(oc), ky, kx} w[oc, ic, ky, kx] * x[ic, oy*sh - pt + ky*dh, ...]
/// x: one image [C, H, W]; w: [K, C/groups, kh, kw]; bias: [K] or null.
void conv2d_plane(const ConvParams& p, const float* x, const float* w, const float* bias, int64_t oc, float* y);
/// Transposed convolution (the adjoint of conv2d): each input pixel scatters
/// w[ic, oc_in_group, ky, kx] * x into y[iy*sh - pt + ky*dh, ix*sw - pl + kx*dw].
/// Here C/H/W describe the input, K/OH/OW the output; w: [C, K/groups, kh, kw].
void conv_transpose2d_plane(const ConvParams& p, const float* x, const float* w, const float* bias, int64_t oc,
                            float* y);
}  // namespace ref

}  // namespace cnncore::kernels
