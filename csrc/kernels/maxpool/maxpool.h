#pragma once
// Max pooling of one plane, separably and straight from the unpadded input (separable.h): per
// output row, the column maxima of its window's rows, then the row's windows along those.
// Windows are clipped to the plane, as in the reference (kernels/pool/pool.h: padding never
// wins; a window with no input element gives -inf). The maxima are plain max instructions, so a
// plane that holds a NaN anywhere is reported instead: run() returns false and the op runs the
// reference, whose NaN rule is the spec.
#include "core/dispatch.h"
#include "kernels/pool/pool.h"

namespace cnncore::kernels {

/// Scratch floats run() needs for one plane: two rows of W columns, each with room for whole
/// vectors past its end (at stride 2: two halves, each with that room).
inline int64_t maxpool_scratch(const PoolParams& p) { return 2 * ((p.W + 2 * p.kw * p.dw + 128 + 31) / 32 * 32); }

using MaxPoolFn = bool (*)(const PoolParams& p, const float* x, float* y, float* scratch);
struct MaxPool {
  MaxPoolFn run;
  bool (*supports)(const PoolParams& p);
};

#define CNNCORE_KERNEL(ns, isa)                                                 \
  namespace ns {                                                                \
  bool maxpool_plane(const PoolParams& p, const float* x, float* y, float* scratch); \
  bool maxpool_supports(const PoolParams& p);                                   \
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
