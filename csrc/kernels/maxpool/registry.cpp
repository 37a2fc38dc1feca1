#include "kernels/maxpool/maxpool.h"

namespace cnncore::kernels {

const core::Kernel<MaxPool> kMaxPoolKernels[kMaxPoolCount] = {
#define CNNCORE_KERNEL(ns, level) {#ns, Isa::level, {&ns::maxpool_plane, &ns::maxpool_supports}},
#include "kernels/maxpool/maxpool.inc"
#undef CNNCORE_KERNEL
};

}  // namespace cnncore::kernels
