#include "kernels/softmax/softmax.h"

namespace cnncore::kernels {

const core::Kernel<SoftmaxFn> kSoftmaxKernels[kSoftmaxCount] = {
#define CNNCORE_KERNEL(ns, level) {#ns, Isa::level, &ns::softmax_lanes},
#include "kernels/softmax/softmax.inc"
#undef CNNCORE_KERNEL
};

int softmax_lanes_per_call(Isa isa) { return isa == Isa::avx512 ? 16 : isa == Isa::avx2 ? 8 : 1; }

}  // namespace cnncore::kernels
