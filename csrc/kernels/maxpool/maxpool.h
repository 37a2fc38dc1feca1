#pragma once
// Max pooling over one plane that the op has copied into a -inf-padded buffer (see dwconv.h for
// the layout): y[oy*OW + ox] = max_{ky,kx} xp[(oy*sh + ky*dh)*ldx + ox*sw + kx*dw]; NaN
// propagates. Reuses DwParams for the window geometry.
#include "kernels/dwconv/dwconv.h"

namespace cnncore::kernels {

using MaxPoolFn = void (*)(const DwParams& p, const float* xp, float* y);
struct MaxPool {
  MaxPoolFn run;
  DwSupportsFn supports;
};

#define CNNCORE_KERNEL(ns, isa)                                            \
  namespace ns {                                                           \
  void maxpool_plane(const DwParams& p, const float* xp, float* y);        \
  bool maxpool_supports(const DwParams& p);                                \
  }
#include "kernels/maxpool/maxpool.inc"
#undef CNNCORE_KERNEL

#define CNNCORE_KERNEL(ns, isa) +1
constexpr int kMaxPoolCount = 0
#include "kernels/maxpool/maxpool.inc"
    ;
#undef CNNCORE_KERNEL
extern const core::Kernel<MaxPool> kMaxPoolKernels[kMaxPoolCount];

}  // namespace cnncore::kernels
