#include "kernels/eltwise/eltwise.h"

namespace cnncore::kernels {

const core::Kernel<BiasAct> kBiasActKernels[kBiasActCount] = {
#define CNNCORE_KERNEL(ns, level) {#ns, Isa::level, {&ns::bias_act, &ns::bias_act_supports}},
#include "kernels/eltwise/eltwise.inc"
#undef CNNCORE_KERNEL
};

}  // namespace cnncore::kernels
