#include "kernels/separable_pool/separable_pool.h"

namespace cnncore::kernels {

const core::Kernel<SeparablePool> kMaxPoolKernels[kPoolCount] = {
#define CNNCORE_KERNEL(ns, level) {#ns, Isa::level, {&ns::maxpool_plane, &ns::pool_supports}},
#include "kernels/separable_pool/separable_pool.inc"
#undef CNNCORE_KERNEL
};

const core::Kernel<SeparablePool> kAvgPoolKernels[kPoolCount] = {
#define CNNCORE_KERNEL(ns, level) {#ns, Isa::level, {&ns::avgpool_plane, &ns::pool_supports}},
#include "kernels/separable_pool/separable_pool.inc"
#undef CNNCORE_KERNEL
};

}  // namespace cnncore::kernels
