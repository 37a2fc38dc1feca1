#include "kernels/nchwc/nchwc.h"

namespace cnncore::kernels {

const core::Kernel<Nchwc> kNchwcKernels[kNchwcCount] = {
#define CNNCORE_KERNEL(ns, level)                                                                    \
  {#ns, Isa::level, {&ns::nchwc_pointwise, &ns::nchwc_depthwise, &ns::nchwc_to_blocked, &ns::nchwc_from_blocked, \
                     &ns::nchwc_direct, &ns::nchwc_conv, &ns::nchwc_global_avg_pool, &ns::nchwc_scale, \
                     ns::nchwc_vector_lanes}},
#include "kernels/nchwc/nchwc.inc"
#undef CNNCORE_KERNEL
};

}  // namespace cnncore::kernels
