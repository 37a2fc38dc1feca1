#include "kernels/eltwise/eltwise.h"

namespace cnncore::kernels {

bool is_piecewise_linear(Activation k) {
  switch (k) {
    case Activation::identity: case Activation::relu: case Activation::leaky_relu:
    case Activation::clip: case Activation::hardsigmoid: case Activation::hardswish:
      return true;
    default:
      return false;
  }
}

const core::Kernel<BiasAct> kBiasActKernels[kBiasActCount] = {
#define CNNCORE_KERNEL(ns, level) {#ns, Isa::level, {&ns::bias_act, &ns::bias_act_supports}},
#include "kernels/eltwise/eltwise.inc"
#undef CNNCORE_KERNEL
};

}  // namespace cnncore::kernels
