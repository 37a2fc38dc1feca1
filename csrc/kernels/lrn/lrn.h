#pragma once
// Cross-channel local response normalisation of one image [C, HW], channels [c0, c1):
//   y = x / (k + alpha/size * sum_{c' in [c - pre, c - pre + size) within [0, C)} x[c']^2)^beta
// The reference (ref.cpp, the spec) sums in double and calls pow. The SIMD variants (window.h)
// sum in float and take the power with square roots, so they support beta = 0.5, 0.75 and 1
// (AlexNet's and GoogLeNet's 0.75 among them); other betas run the reference.
#include <cstdint>

#include "core/dispatch.h"

namespace cnncore::kernels {

struct LrnParams {
  int64_t C, HW, size, pre;
  float alpha, beta, k;
};

using LrnFn = void (*)(const LrnParams& p, const float* x, float* y, int64_t c0, int64_t c1);
struct Lrn {
  LrnFn run;
  bool (*supports)(const LrnParams& p);
};

#define CNNCORE_KERNEL(ns, isa)                                                    \
  namespace ns {                                                                   \
  void lrn_channels(const LrnParams& p, const float* x, float* y, int64_t c0, int64_t c1); \
  bool lrn_supports(const LrnParams& p);                                           \
  }
#include "kernels/lrn/lrn.inc"
#undef CNNCORE_KERNEL

#define CNNCORE_KERNEL(ns, isa) +1
constexpr int kLrnCount = 0
#include "kernels/lrn/lrn.inc"
    ;
#undef CNNCORE_KERNEL
extern const core::Kernel<Lrn> kLrnKernels[kLrnCount];

}  // namespace cnncore::kernels
