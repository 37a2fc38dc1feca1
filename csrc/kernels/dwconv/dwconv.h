#pragma once
// Depthwise convolution (one filter per channel) over one plane. For DwFn the op copies the plane
// into a zero-padded buffer first, so kernels read without bounds checks (DwBlockedFn and
// DwDirectFn, below, read the NCHW planes themselves):
//   xp: (OH-1)*sh + (kh-1)*dh + 1 rows of `ldx` floats, already padded on every side, with at
//       least 32*sw floats of slack past the last column a kernel reads;
//   y[oy*OW + ox] = act(sum_{ky,kx} w[ky*kw + kx] * xp[(oy*sh + ky*dh)*ldx + ox*sw + kx*dw] + bias),
// summed in (ky, kx) order from 0 (the reference multiplies and adds; the SIMD variants fuse
// them, so they agree within the sum's rounding); act (none, ReLU or clip/ReLU6) applied as the
// outputs are stored, with the eltwise kernels' comparisons (max(0, v), min(hi, max(lo, v)):
// NaN propagates).
#include <cstdint>

#include "core/dispatch.h"

namespace cnncore::kernels {

struct DwParams {
  int64_t OH, OW, kh, kw, sh, sw, dh, dw, ldx;
};

/// The activation applied as outputs are stored.
struct DwAct {
  enum Kind : int { none = 0, relu = 1, clip = 2 };
  Kind kind = none;
  float lo = 0.f, hi = 0.f;
};

using DwFn = void (*)(const DwParams& p, const float* xp, const float* w, float bias, DwAct act, float* y);
using DwSupportsFn = bool (*)(const DwParams& p);

/// A block of up to `lanes` channels of a k x k (3 or 5) undilated depthwise convolution at
/// stride 1 or 2, read straight from NCHW planes (no padded copy): x points at the block's first
/// input plane (planes in_plane apart), w at its first filter, bias at its first bias, y at its
/// first output plane. scratch holds blocked_scratch_floats(p, lanes) floats. Bitwise what DwFn
/// gives for each plane. For small planes, where a row fills few lanes.
struct DwBlockParams {
  int64_t H, W, OH, OW, sh, pt, pl, in_plane, k;
};
using DwBlockedFn = void (*)(const DwBlockParams& p, const float* x, const float* w, const float* bias, int nch,
                             DwAct act, float* scratch, float* y);
inline int64_t blocked_scratch_floats(const DwBlockParams& p, int lanes) {
  return ((p.OH - 1) * p.sh + p.k) * ((p.OW - 1) * p.sh + p.k) * lanes + p.OH * p.OW * lanes;
}

/// A 3x3 undilated depthwise plane at stride s (1 or 2) read straight from the NCHW plane x
/// (H x W), which sits at row pt and column pl (0 or 1) of the padded plane: rows and columns
/// outside it read as zero. Bitwise what DwFn gives on the padded copy. For the planes too large
/// for the blocks, where the copy cost a quarter of the time.
struct DwDirectParams {
  int64_t H, W, OH, OW, s, pt, pl;
};
using DwDirectFn = void (*)(const DwDirectParams& p, const float* x, const float* w, float bias, DwAct act, float* y);

struct DwConv {
  DwFn run;
  DwSupportsFn supports;
  DwBlockedFn blocked;  // nullptr where there is none (the reference)
  DwDirectFn direct;    // nullptr where there is none (the reference)
  int lanes;            // channels per block
};

#define CNNCORE_KERNEL(ns, isa)                                                          \
  namespace ns {                                                                         \
  void dwconv_plane(const DwParams& p, const float* xp, const float* w, float bias, DwAct act, float* y); \
  bool dwconv_supports(const DwParams& p);                                               \
  extern const DwBlockedFn dwconv_blocked;                                               \
  extern const DwDirectFn dwconv_direct;                                                 \
  extern const int dwconv_lanes;                                                         \
  }
#include "kernels/dwconv/dwconv.inc"
#undef CNNCORE_KERNEL

#define CNNCORE_KERNEL(ns, isa) +1
constexpr int kDwCount = 0
#include "kernels/dwconv/dwconv.inc"
    ;
#undef CNNCORE_KERNEL
extern const core::Kernel<DwConv> kDwKernels[kDwCount];

}  // namespace cnncore::kernels
