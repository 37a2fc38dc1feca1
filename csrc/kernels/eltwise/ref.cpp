// Scalar reference of the eltwise family: the definition of every activation.
#include <cmath>

#include "kernels/eltwise/eltwise.h"

namespace cnncore::kernels::ref {

float activate(float v, const ActivationSpec& a) {
  switch (a.kind) {
    case Activation::identity: return v;
    case Activation::relu: return v < 0.f ? 0.f : v;  // NaN propagates
    case Activation::leaky_relu: return v < 0.f ? a.alpha * v : v;
    case Activation::clip: {  // min(max(v, lo), hi): hi when lo > hi, as ONNX Clip and torch.clamp
      const float t = v < a.alpha ? a.alpha : v;
      return t > a.beta ? a.beta : t;
    }
    case Activation::hardsigmoid: {
      const float t = a.alpha * v + a.beta;
      return t < 0.f ? 0.f : (t > 1.f ? 1.f : t);
    }
    case Activation::hardswish: {
      // t <= 0 gives 0 (not -inf * 0 = NaN at v = -inf); NaN fails the test and propagates.
      const float t = v * (1.f / 6.f) + 0.5f;
      return t <= 0.f ? 0.f : v * (t > 1.f ? 1.f : t);
    }
    case Activation::elu: return a.beta * (v > 0.f ? v : a.alpha * std::expm1(v));
    case Activation::sigmoid:
      if (v >= 0.f) return 1.f / (1.f + std::exp(-v));
      else {
        const float e = std::exp(v);
        return e / (1.f + e);
      }
    case Activation::tanh: return std::tanh(v);
    // x * (something -> 0) at x = -inf: return the limit, 0, instead of NaN.
    case Activation::silu: {
      if (std::isinf(v)) return v > 0.f ? v : 0.f;
      const float s = v >= 0.f ? 1.f / (1.f + std::exp(-v)) : std::exp(v) / (1.f + std::exp(v));
      return v * s;
    }
    case Activation::gelu:  // 1 + erf(z) = erfc(-z): no cancellation for negative z
      if (std::isinf(v)) return v > 0.f ? v : 0.f;
      return 0.5f * v * std::erfc(v * -0.70710678118654752f);
    case Activation::gelu_tanh: {  // 0.5 * (1 + tanh(z)) = sigmoid(2z)
      if (std::isinf(v)) return v > 0.f ? v : 0.f;
      const float z = 0.79788456080286536f * (v + 0.044715f * v * v * v);
      return v / (1.f + std::exp(-2.f * z));
    }
    case Activation::softplus: {
      const float z = a.alpha * v;
      return z > a.beta ? v : std::log1p(std::exp(z)) / a.alpha;
    }
  }
  return v;
}

bool bias_act_supports(Activation) { return true; }

void bias_act(const float* x, float* y, int64_t n, const float* bias, int64_t bias_stride,
              const ActivationSpec& act) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = bias ? x[i] + bias[i * bias_stride] : x[i];
    y[i] = activate(v, act);
  }
}

}  // namespace cnncore::kernels::ref
