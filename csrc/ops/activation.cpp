// Activation ops, prelu, softmax / log_softmax.
#include <cmath>

#include "kernels/softmax/softmax.h"
#include "ops/op_util.h"
#include "ops/ops.h"

namespace cnncore::ops {

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::identity: return "identity";
    case Activation::relu: return "relu";
    case Activation::leaky_relu: return "leaky_relu";
    case Activation::clip: return "clip";
    case Activation::hardsigmoid: return "hardsigmoid";
    case Activation::hardswish: return "hardswish";
    case Activation::elu: return "elu";
    case Activation::sigmoid: return "sigmoid";
    case Activation::tanh: return "tanh";
    case Activation::silu: return "silu";
    case Activation::gelu: return "gelu";
    case Activation::gelu_tanh: return "gelu_tanh";
    case Activation::softplus: return "softplus";
  }
  return "?";
}

const kernels::BiasAct& select_bias_act(const ActivationSpec& act, int64_t n) {
  return core::select_kernel(
             "eltwise", kernels::kBiasActKernels,
             [&](const core::Kernel<kernels::BiasAct>& k) -> const char* {
               return k.fn.supports(act.kind) ? nullptr : "activation not implemented in this variant";
             },
             [&] { return std::string(activation_name(act.kind)) + " n=" + std::to_string(n); })
      .fn;
}

void check_activation(const ActivationSpec& act) {
  if (act.kind == Activation::clip && (std::isnan(act.alpha) || std::isnan(act.beta)))
    throw InvalidArgument("clip: min and max must not be NaN");
  if (act.kind == Activation::softplus && !(act.alpha != 0.f && std::isfinite(act.alpha)))
    throw InvalidArgument("softplus: beta must be a finite non-zero number");
  if (!std::isfinite(act.alpha) && act.kind != Activation::clip)
    throw InvalidArgument(std::string(activation_name(act.kind)) + ": parameter must be finite");
}

void run_activation(const ActivationSpec& act, const float* x, float* y, int64_t n) {
  if (n <= 0) return;
  const auto& k = select_bias_act(act, n);
  constexpr int64_t kBlock = 4096;
  core::parallel_for((n + kBlock - 1) / kBlock, grain(kBlock), [&](int64_t b0, int64_t b1) {
    const int64_t i0 = b0 * kBlock, i1 = std::min(n, b1 * kBlock);
    k.run(x + i0, y + i0, i1 - i0, nullptr, 0, act);
  });
}

void run_erf(const float* x, float* y, int64_t n) {
  constexpr int64_t kBlock = 4096;
  core::parallel_for((n + kBlock - 1) / kBlock, grain(kBlock * 8), [&](int64_t b0, int64_t b1) {
    for (int64_t i = b0 * kBlock, i1 = std::min(n, b1 * kBlock); i < i1; ++i) y[i] = std::erf(x[i]);
  });
}

void check_prelu(const Shape& x, int64_t slope_numel) {
  const int64_t C = x.size() >= 2 ? x[1] : 1;
  if (slope_numel != 1 && slope_numel != C)
    throw InvalidArgument("prelu: weight has " + str(slope_numel) + " elements; expected 1 or the " + str(C) +
                          " channels of input " + shape_str(x));
}

void run_prelu(const Shape& x, const float* xp, const float* slope, int64_t slope_numel, float* y) {
  const int64_t n = core::checked_numel(x, "prelu");
  if (n == 0) return;
  const int64_t C = x.size() >= 2 ? x[1] : 1;
  const int64_t inner = x.size() >= 2 ? n / (x[0] * C) : 1;
  const int64_t rows = n / inner;  // one row per (n, c) plane: the slope is constant along it
  const auto& k = select_bias_act({Activation::leaky_relu, 0.f, 0.f}, n);
  core::parallel_for(rows, grain(inner), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float a = slope_numel == 1 ? slope[0] : slope[r % C];
      k.run(xp + r * inner, y + r * inner, inner, nullptr, 0, {Activation::leaky_relu, a, 0.f});
    }
  });
}

SoftmaxPlan plan_softmax(const Shape& x, int axis, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  const int ax = core::normalize_axis(axis, static_cast<int>(x.size()), op);
  SoftmaxPlan p;
  p.log = log;
  p.len = x[ax];
  p.inner = 1;
  for (size_t i = ax + 1; i < x.size(); ++i) p.inner *= x[i];
  p.outer = 1;
  for (int i = 0; i < ax; ++i) p.outer *= x[i];
  return p;
}

void run_softmax(const SoftmaxPlan& p, const float* x, float* y) {
  if (p.outer * p.len * p.inner == 0) return;
  const auto& k = core::select_kernel(
      "softmax", kernels::kSoftmaxKernels, [](const core::Kernel<kernels::Softmax>&) -> const char* { return nullptr; },
      [&] { return "softmax:len" + str(p.len) + "_inner" + str(p.inner); });
  // A task is one lane (inner 1: a contiguous row) or a group of side-by-side lanes, one per
  // vector lane of the kernel.
  const int64_t group = p.inner == 1 ? 1 : k.fn.lanes;
  const int64_t groups = (p.inner + group - 1) / group;
  core::parallel_for(p.outer * groups, grain(p.len * group), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t o = t / groups, j0 = t % groups * group, off = o * p.len * p.inner + j0;
      k.fn.run(x + off, y + off, p.len, p.inner, std::min(group, p.inner - j0), p.log);
    }
  });
}

}  // namespace cnncore::ops
