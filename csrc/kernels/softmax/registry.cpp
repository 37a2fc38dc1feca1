#include "kernels/softmax/softmax.h"

namespace cnncore::kernels {

const core::Kernel<Softmax> kSoftmaxKernels[kSoftmaxCount] = {
#define CNNCORE_KERNEL(ns, level) {#ns, Isa::level, {&ns::softmax_lanes, ns::softmax_vector_lanes}},
#include "kernels/softmax/softmax.inc"
#undef CNNCORE_KERNEL
};

}  // namespace cnncore::kernels
