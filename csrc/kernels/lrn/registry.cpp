#include "kernels/lrn/lrn.h"

namespace cnncore::kernels {

const core::Kernel<Lrn> kLrnKernels[kLrnCount] = {
#define CNNCORE_KERNEL(ns, level) {#ns, Isa::level, {&ns::lrn_channels, &ns::lrn_supports}},
#include "kernels/lrn/lrn.inc"
#undef CNNCORE_KERNEL
};

}  // namespace cnncore::kernels
