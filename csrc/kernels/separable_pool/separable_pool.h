#pragma once
// Max and average pooling of one plane, separably and straight from the unpadded input
// (separable.h): per output row, the column maxima (sums) of its window's rows, then the row's
// windows along those. Windows are clipped to the plane, as in the reference (kernels/pool/pool.h:
// padding never wins a max and adds nothing to a sum; a max window with no input element gives
// -inf). The maxima are plain max instructions, so a plane that holds a NaN anywhere is reported
// instead: run() returns false and the op runs the reference, whose NaN rule is the spec. The
// averages equal the reference bitwise (same order of sums, same division); an average window
// with no input row, which the op's checks rule out, is reported the same way.
#include "core/dispatch.h"
#include "kernels/pool/pool.h"

namespace cnncore::kernels {

/// One scratch row of column maxima (sums): W columns with padding columns before them and room
/// for whole vectors past their end (at stride 2: two halves, each with that room).
inline int64_t pool_scratch_row(const PoolParams& p) { return (p.W + 2 * p.kw * p.dw + 128 + 31) / 32 * 32; }
/// Scratch floats run() needs for one plane: two rows, then an average pool's count of window
/// columns per output column.
inline int64_t pool_scratch(const PoolParams& p) { return 2 * pool_scratch_row(p) + (p.OW + 64 + 31) / 32 * 32; }

using PoolPlaneFn = bool (*)(const PoolParams& p, const float* x, float* y, float* scratch);
struct SeparablePool {
  PoolPlaneFn run;
  bool (*supports)(const PoolParams& p);
};

#define CNNCORE_KERNEL(ns, isa)                                                      \
  namespace ns {                                                                     \
  bool maxpool_plane(const PoolParams& p, const float* x, float* y, float* scratch); \
  bool avgpool_plane(const PoolParams& p, const float* x, float* y, float* scratch); \
  bool pool_supports(const PoolParams& p);                                           \
  }
#include "kernels/separable_pool/separable_pool.inc"
#undef CNNCORE_KERNEL

#define CNNCORE_KERNEL(ns, isa) +1
constexpr int kPoolCount = 0
#include "kernels/separable_pool/separable_pool.inc"
    ;
#undef CNNCORE_KERNEL
/// Best first, one entry per ISA: the max and the average pooling.
extern const core::Kernel<SeparablePool> kMaxPoolKernels[kPoolCount];
extern const core::Kernel<SeparablePool> kAvgPoolKernels[kPoolCount];

}  // namespace cnncore::kernels
