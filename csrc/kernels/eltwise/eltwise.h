#pragma once
// eltwise family: y[i] = act(x[i] + bias[i * bias_stride]) over one contiguous row.
// bias may be null; bias_stride is 0 (one bias for the row, e.g. a conv channel) or 1 (one per
// element, e.g. a linear layer). x may equal y. Used by activation ops and as the epilogue of
// conv/linear. Pure, single-threaded, no allocation, no throw.
#include <cstdint>

#include "cnncore/functional.h"
#include "core/dispatch.h"

namespace cnncore::kernels {

using BiasActFn = void (*)(const float* x, float* y, int64_t n, const float* bias, int64_t bias_stride,
                           const ActivationSpec& act);
using BiasActSupportsFn = bool (*)(Activation kind);
struct BiasAct {
  BiasActFn run;
  BiasActSupportsFn supports;
};

#define CNNCORE_KERNEL(ns, isa)                                                                  \
  namespace ns {                                                                                 \
  void bias_act(const float* x, float* y, int64_t n, const float* bias, int64_t bias_stride,     \
                const ActivationSpec& act);                                                      \
  bool bias_act_supports(Activation kind);                                                       \
  }
#include "kernels/eltwise/eltwise.inc"
#undef CNNCORE_KERNEL

/// The activations the SIMD variants implement: piecewise-linear ones, exact in any ISA.
/// (Defined in baseline code, registry.cpp, so ISA files may call it safely.)
bool is_piecewise_linear(Activation kind);

namespace ref {
/// The activation spec of one value: the definition every variant must match.
float activate(float v, const ActivationSpec& act);
}  // namespace ref

#define CNNCORE_KERNEL(ns, isa) +1
constexpr int kBiasActCount = 0
#include "kernels/eltwise/eltwise.inc"
    ;
#undef CNNCORE_KERNEL
extern const core::Kernel<BiasAct> kBiasActKernels[kBiasActCount];

}  // namespace cnncore::kernels
