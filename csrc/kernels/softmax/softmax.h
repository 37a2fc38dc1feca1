#pragma once
// Softmax (or log-softmax) along one axis. A call handles `lanes` neighbouring lanes: lane j holds
// x[j + i*stride], i < len (stride 1 and lanes 1: one contiguous row; stride = the inner size:
// lanes side by side, as channels of NCHW are). The reference (ref.cpp, the spec) subtracts the
// max and sums exp in double. The SIMD variants (lanes.h) work in float with simd/vexp.h: a
// contiguous row as vectors along it with four vectors of partial sums, side-by-side lanes one
// per vector lane (the same bits at either ISA); within a few float roundings of the reference.
#include <cstdint>

#include "core/dispatch.h"

namespace cnncore::kernels {

using SoftmaxFn = void (*)(const float* x, float* y, int64_t len, int64_t stride, int64_t lanes, bool log);
struct Softmax {
  SoftmaxFn run;
  int lanes;  // side-by-side lanes a call should get: the vector width (1 for the reference)
};

#define CNNCORE_KERNEL(ns, isa)                                                                   \
  namespace ns {                                                                                  \
  void softmax_lanes(const float* x, float* y, int64_t len, int64_t stride, int64_t lanes, bool log); \
  extern const int softmax_vector_lanes;                                                          \
  }
#include "kernels/softmax/softmax.inc"
#undef CNNCORE_KERNEL

#define CNNCORE_KERNEL(ns, isa) +1
constexpr int kSoftmaxCount = 0
#include "kernels/softmax/softmax.inc"
    ;
#undef CNNCORE_KERNEL
/// Best first; every entry takes every problem.
extern const core::Kernel<Softmax> kSoftmaxKernels[kSoftmaxCount];

namespace ref {
/// One lane: softmax (or log-softmax) of x[i*stride], i < len.
void softmax_lane(const float* x, float* y, int64_t len, int64_t stride, bool log);
}  // namespace ref

}  // namespace cnncore::kernels
