#pragma once
// The blocked channel layout inside the graph (graph/passes.cpp assigns it): an image's C
// channels as ceil(C/L) blocks of [H][W][L] (NCHW16c for AVX-512, NCHW8c for AVX2), channel c
// of pixel p at ((c / L) * H*W + p) * L + c % L; a last block's lanes past C are padding (zero
// from the reorder; later ops keep them finite, and the weights that read them are zero).
// Kernels of this family: the reorders to and from NCHW, the pointwise (1x1), the depthwise and
// the general (k x k, one group) convolution on blocked tensors, a direct convolution of few
// input channels (a first layer) from NCHW to blocked, and the global average pool and per-channel scale of squeeze-excitation.
// Per output the arithmetic is fixed, so every variant gives the same bits as the reference
// (ref.cpp, the spec): a convolution sums w*x with fused multiply-adds from 0, over input
// channels in order (pointwise), over the in-range taps in (ky, kx) order (depthwise), or over
// (c, ky, kx) (direct); then + bias, + residual, the activation.
#include <cstdint>

#include "core/dispatch.h"
#include "kernels/eltwise/eltwise.h"

namespace cnncore::kernels {

/// Every kernel applies `act` as outputs are stored: a piecewise-linear activation
/// (is_piecewise_linear: identity, ReLU, clip / ReLU6, leaky ReLU, hardsigmoid, hardswish) with
/// the eltwise family's arithmetic, bitwise its reference (kernels::ref::activate). The op runs
/// the exp-based ones as a pass after.

/// Pointwise convolution of one image: C input and K output channels; input planes of HW pixels.
/// S > 1 (ResNet's downsampling): output pixel (oy, ox) of an OW-wide plane of HWo pixels reads
/// input pixel (oy*S, ox*S) of a W-wide one; S = 1: HWo = HW, pixel q reads pixel q. ystride:
/// the output's block stride in pixels when it is not the plane (a band of rows in a scratch
/// buffer, run_separable_nchwc); 0: the plane.
struct NchwcPwParams {
  int64_t C, K, HW;
  int L;
  int64_t S = 1, W = 0, OW = 0, HWo = 0;
  int64_t ystride = 0;
};
/// The output's block stride in pixels.
inline int64_t pw_out_stride(const NchwcPwParams& p) { return p.ystride ? p.ystride : p.S == 1 ? p.HW : p.HWo; }
/// y's blocks [kb0, kb1), output pixels [p0, p1). w: packed [ceil(K/L)][C][L] (w[(kb*C + c)*L + l]
/// = weight of output channel kb*L + l, input c; zero past K); bias: ceil(K/L)*L floats; res:
/// a blocked tensor shaped as y, or null.
using NchwcPwFn = void (*)(const NchwcPwParams& p, const float* x, const float* w, const float* bias,
                           const float* res, const ActivationSpec& act, float* y, int64_t p0, int64_t p1, int64_t kb0,
                           int64_t kb1);

/// Depthwise convolution of one channel block's plane (any window, stride, dilation, padding).
struct NchwcDwParams {
  int64_t H, W, OH, OW, kh, kw, sh, sw, pt, pl, dh, dw;
  int L;
};
/// Output rows [oy0, oy1) of one block: x [H][W][L], w [kh*kw][L], bias [L], res [OH][OW][L] or
/// null, y [OH][OW][L].
using NchwcDwFn = void (*)(const NchwcDwParams& p, const float* x, const float* w, const float* bias,
                           const float* res, const ActivationSpec& act, float* y, int64_t oy0, int64_t oy1);

/// A convolution of few input channels (a first layer) from an NCHW image to blocked output.
struct NchwcDirectParams {
  int64_t C, H, W, K, OH, OW, kh, kw, sh, sw, pt, pl;
  int L;
};
/// Output rows [oy0, oy1) of output blocks [kb0, kb1): x [C][H][W], w packed [ceil(K/L)][C][kh][kw][L]
/// (zero past K), bias ceil(K/L)*L floats, res blocked as y or null; sums w*x over (c, ky, kx)
/// in order, in-range taps only, then + bias, + residual, the activation.
using NchwcDirectFn = void (*)(const NchwcDirectParams& p, const float* x, const float* w, const float* bias,
                               const float* res, const ActivationSpec& act, float* y, int64_t oy0, int64_t oy1, int64_t kb0,
                               int64_t kb1);

/// A convolution of one group, any k x k window, stride and dilation, from a blocked input to
/// blocked output (the stride-2 3x3 and small-plane 3x3 layers of ResNet's bottlenecks). The op
/// passes the input zero-padded: Hp x Wp pixels per block, covering every tap
/// (Hp >= (OH-1)*sh + (kh-1)*dh + 1, and so for Wp), so kernels read without bounds checks.
struct NchwcConvParams {
  int64_t C, Hp, Wp, K, OH, OW, kh, kw, sh, sw, dh, dw;
  int L;
};
/// Output rows [oy0, oy1) of output blocks [kb0, kb1): x [ceil(C/L)][Hp][Wp][L] (tap (ky, kx) of
/// output (oy, ox) at pixel (oy*sh + ky*dh, ox*sw + kx*dw)), w packed [ceil(K/L)][C][kh][kw][L]
/// (zero past K), bias ceil(K/L)*L floats, res blocked as y or null; sums w*x over (c, ky, kx) in
/// order, then + bias, + residual, the activation.
using NchwcConvFn = void (*)(const NchwcConvParams& p, const float* x, const float* w, const float* bias,
                             const float* res, const ActivationSpec& act, float* y, int64_t oy0, int64_t oy1, int64_t kb0,
                             int64_t kb1);

/// Global average pool of one block of one image: y[l] = mean of lane l over the HW pixels, for
/// l < nch; summed in four partial sums (pixel j into sum j % 4), combined (s0 + s1) + (s2 + s3).
using NchwcPoolFn = void (*)(const float* x, int64_t HW, int L, int64_t nch, float* y);
/// One block of one image scaled per channel (a squeeze-excitation gate): y[p][l] = x[p][l] * s[l].
using NchwcScaleFn = void (*)(const float* x, const float* s, int64_t HW, int L, float* y);

/// Reorders of one image, pixels [p0, p1) of block cb: NCHW x ([C][HW]) to blocked y (padding
/// lanes set to zero), and back.
using NchwcReorderFn = void (*)(const float* x, int64_t C, int64_t HW, int L, float* y, int64_t cb, int64_t p0,
                                int64_t p1);

struct Nchwc {
  NchwcPwFn pointwise;
  NchwcDwFn depthwise;
  NchwcReorderFn to_blocked, from_blocked;
  NchwcDirectFn direct;
  NchwcConvFn conv;
  NchwcPoolFn global_avg_pool;
  NchwcScaleFn scale;
  int lanes;  // the L a SIMD variant handles; 0: any (the reference)
};

#define CNNCORE_KERNEL(ns, isa)                                                                        \
  namespace ns {                                                                                       \
  void nchwc_pointwise(const NchwcPwParams& p, const float* x, const float* w, const float* bias,     \
                       const float* res, const ActivationSpec& act, float* y, int64_t p0, int64_t p1, int64_t kb0, \
                       int64_t kb1);                                                                   \
  void nchwc_depthwise(const NchwcDwParams& p, const float* x, const float* w, const float* bias,     \
                       const float* res, const ActivationSpec& act, float* y, int64_t oy0, int64_t oy1);           \
  void nchwc_to_blocked(const float* x, int64_t C, int64_t HW, int L, float* y, int64_t cb, int64_t p0, int64_t p1); \
  void nchwc_from_blocked(const float* x, int64_t C, int64_t HW, int L, float* y, int64_t cb, int64_t p0, int64_t p1); \
  void nchwc_direct(const NchwcDirectParams& p, const float* x, const float* w, const float* bias,     \
                    const float* res, const ActivationSpec& act, float* y, int64_t oy0, int64_t oy1, int64_t kb0,     \
                    int64_t kb1);                                                                        \
  void nchwc_conv(const NchwcConvParams& p, const float* x, const float* w, const float* bias,         \
                  const float* res, const ActivationSpec& act, float* y, int64_t oy0, int64_t oy1, int64_t kb0, \
                  int64_t kb1);                                                                        \
  void nchwc_global_avg_pool(const float* x, int64_t HW, int L, int64_t nch, float* y);               \
  void nchwc_scale(const float* x, const float* s, int64_t HW, int L, float* y);                      \
  extern const int nchwc_vector_lanes;                                                                 \
  }
#include "kernels/nchwc/nchwc.inc"
#undef CNNCORE_KERNEL

#define CNNCORE_KERNEL(ns, isa) +1
constexpr int kNchwcCount = 0
#include "kernels/nchwc/nchwc.inc"
    ;
#undef CNNCORE_KERNEL
/// Best first. A SIMD entry handles L = its lanes only; the reference (last) any L.
extern const core::Kernel<Nchwc> kNchwcKernels[kNchwcCount];

}  // namespace cnncore::kernels
