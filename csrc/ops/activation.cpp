// Activation ops, softmax / log_softmax.
#include <cmath>

#include "kernels/norm/norm.h"
#include "ops/op_util.h"

namespace cnncore {
namespace ops {

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

}  // namespace ops

namespace functional {
namespace {

void check_activation(const ActivationSpec& act) {
  if (act.kind == Activation::clip && !(act.alpha <= act.beta))
    throw InvalidArgument("clip: min (" + std::to_string(act.alpha) + ") must be <= max (" + std::to_string(act.beta) + ")");
  if (act.kind == Activation::softplus && !(act.alpha != 0.f && std::isfinite(act.alpha)))
    throw InvalidArgument("softplus: beta must be a finite non-zero number");
  if (!std::isfinite(act.alpha) && act.kind != Activation::clip)
    throw InvalidArgument(std::string(ops::activation_name(act.kind)) + ": parameter must be finite");
}

}  // namespace

Tensor activation(const Tensor& x, const ActivationSpec& act) {
  core::expect_defined(x, ops::activation_name(act.kind), "input");
  check_activation(act);
  Tensor y = Tensor::empty(x.shape());
  const int64_t n = x.numel();
  if (n == 0) return y;
  const auto& k = ops::select_bias_act(act, n);
  const float* xp = x.data();
  float* yp = y.data();
  constexpr int64_t kBlock = 4096;  // blocks keep chunk boundaries independent of thread count
  core::parallel_for((n + kBlock - 1) / kBlock, ops::grain(kBlock), [&](int64_t b0, int64_t b1) {
    const int64_t i0 = b0 * kBlock, i1 = std::min(n, b1 * kBlock);
    k.run(xp + i0, yp + i0, i1 - i0, nullptr, 0, act);
  });
  return y;
}

Tensor prelu(const Tensor& x, const Tensor& slope) {
  core::expect_defined(x, "prelu", "input");
  core::expect_defined(slope, "prelu", "weight");
  const int64_t C = x.rank() >= 2 ? x.dim(1) : 1;
  if (slope.numel() != 1 && slope.numel() != C)
    throw InvalidArgument("prelu: weight has " + ops::str(slope.numel()) + " elements; expected 1 or the " +
                          ops::str(C) + " channels of input " + shape_str(x.shape()));
  Tensor y = Tensor::empty(x.shape());
  if (x.numel() == 0) return y;
  const int64_t N = x.rank() >= 1 ? x.dim(0) : 1;
  const int64_t inner = x.rank() >= 2 ? x.numel() / (N * C) : (x.rank() == 1 ? 1 : 1);
  const int64_t rows = x.numel() / inner;  // one row per (n, c) plane; slope constant along it
  const ActivationSpec probe{Activation::leaky_relu, 0.f, 0.f};
  const auto& k = ops::select_bias_act(probe, x.numel());
  const float* sp = slope.data();
  core::parallel_for(rows, ops::grain(inner), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float a = slope.numel() == 1 ? sp[0] : sp[r % C];
      k.run(x.data() + r * inner, y.data() + r * inner, inner, nullptr, 0, {Activation::leaky_relu, a, 0.f});
    }
  });
  return y;
}

namespace {
Tensor softmax_impl(const Tensor& x, int axis, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  core::expect_defined(x, op, "input");
  const int ax = core::normalize_axis(axis, x.rank(), op);
  Tensor y = Tensor::empty(x.shape());
  if (x.numel() == 0) return y;
  const int64_t len = x.dim(ax);
  int64_t inner = 1;
  for (int i = ax + 1; i < x.rank(); ++i) inner *= x.dim(i);
  const int64_t outer = x.numel() / (len * inner);
  core::parallel_for(outer * inner, ops::grain(len), [&](int64_t l0, int64_t l1) {
    for (int64_t l = l0; l < l1; ++l) {
      const int64_t o = l / inner, i = l % inner;
      const int64_t off = o * len * inner + i;
      kernels::ref::softmax_lane(x.data() + off, y.data() + off, len, inner, log);
    }
  });
  return y;
}
}  // namespace

Tensor softmax(const Tensor& x, int axis) { return softmax_impl(x, axis, false); }
Tensor log_softmax(const Tensor& x, int axis) { return softmax_impl(x, axis, true); }

}  // namespace functional
}  // namespace cnncore
