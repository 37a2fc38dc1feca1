#pragma once
// Depthwise convolution (one filter per channel) over one plane. The op copies the plane into a
// zero-padded buffer first, so kernels read without bounds checks:
//   xp: (OH-1)*sh + (kh-1)*dh + 1 rows of `ldx` floats, already padded on every side, with at
//       least 32*sw floats of slack past the last column a kernel reads;
//   y[oy*OW + ox] = bias + sum_{ky,kx} w[ky*kw + kx] * xp[(oy*sh + ky*dh)*ldx + ox*sw + kx*dw].
#include <cstdint>

#include "core/dispatch.h"

namespace cnncore::kernels {

struct DwParams {
  int64_t OH, OW, kh, kw, sh, sw, dh, dw, ldx;
};

using DwFn = void (*)(const DwParams& p, const float* xp, const float* w, float bias, float* y);
using DwSupportsFn = bool (*)(const DwParams& p);
struct DwConv {
  DwFn run;
  DwSupportsFn supports;
};

#define CNNCORE_KERNEL(ns, isa)                                                          \
  namespace ns {                                                                         \
  void dwconv_plane(const DwParams& p, const float* xp, const float* w, float bias, float* y); \
  bool dwconv_supports(const DwParams& p);                                               \
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
