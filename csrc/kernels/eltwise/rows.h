#pragma once
// The eltwise family's SIMD row kernel, written once over the float vector type VecF of
// simd/avx2.h and simd/avx512.h: y[i] = act(x[i] + bias) for the piecewise-linear activations
// (the reference's exact arithmetic, so every ISA gives its bits) and the exp-based ones of
// transcendental.h. Included only by ISA files (this family's, and nchwc's, which applies
// activate_vec as it stores); the anonymous namespace gives each ISA its own copy.
#include <cstdint>

#include "kernels/eltwise/eltwise.h"
#include "kernels/eltwise/transcendental.h"

namespace cnncore::kernels {
namespace {

/// The activations the SIMD variants implement.
inline bool eltwise_simd_supports(Activation k) { return is_piecewise_linear(k) || is_exp_based(k); }

template <class V, Activation K>
typename V::T activate_vec(typename V::T v, typename V::T a, typename V::T b) {
  const typename V::T zero = V::set1(0.f), one = V::set1(1.f);
  if constexpr (K == Activation::relu) {
    return V::max(zero, v);  // the second operand on NaN: NaN propagates
  } else if constexpr (K == Activation::leaky_relu) {
    return V::select(V::lt(v, zero), V::mul(v, a), v);
  } else if constexpr (K == Activation::clip) {
    return V::min(b, V::max(a, v));
  } else if constexpr (K == Activation::hardsigmoid) {
    return V::min(one, V::max(zero, V::add(V::mul(a, v), b)));
  } else if constexpr (K == Activation::hardswish) {
    const typename V::T t = V::add(V::mul(v, V::set1(1.f / 6.f)), V::set1(0.5f));
    // as the reference: 0 where t <= 0 (not_le keeps NaN lanes, which then propagate)
    return V::select(V::not_le(t, zero), V::mul(v, V::min(one, t)), zero);
  } else if constexpr (K == Activation::sigmoid) {
    return vsigmoid<V>(v);
  } else if constexpr (K == Activation::silu) {
    return vsilu<V>(v);
  } else if constexpr (K == Activation::tanh) {
    return vtanh<V>(v);
  } else if constexpr (K == Activation::gelu) {
    return vgelu<V>(v);
  } else if constexpr (K == Activation::gelu_tanh) {
    return vgelu_tanh<V>(v);
  } else if constexpr (K == Activation::elu) {
    return velu<V>(v, a, b);
  } else {
    return v;
  }
}

template <class V, Activation K>
void bias_act_rows(const float* x, float* y, int64_t n, const float* bias, int64_t bias_stride,
                   const ActivationSpec& p) {
  using T = typename V::T;
  constexpr int64_t L = V::L;
  const T a = V::set1(p.alpha), b = V::set1(p.beta);
  const T row_bias = V::set1(bias && bias_stride == 0 ? bias[0] : 0.f);
  const bool per_elem = bias && bias_stride != 0;
  auto step = [&](int64_t i, int64_t m) {  // m lanes from i; m == L folds to plain loads and stores
    T v = V::load_n(x + i, m);
    if (bias) v = V::add(v, per_elem ? V::load_n(bias + i, m) : row_bias);
    V::store_n(y + i, activate_vec<V, K>(v, a, b), m);
  };
  int64_t i = 0;
  for (; i + L <= n; i += L) step(i, L);
  if (i < n) step(i, n - i);
}

template <class V>
void bias_act_simd(const float* x, float* y, int64_t n, const float* bias, int64_t bias_stride,
                   const ActivationSpec& p) {
  switch (p.kind) {
#define CNNCORE_ACT(k) \
  case Activation::k: return bias_act_rows<V, Activation::k>(x, y, n, bias, bias_stride, p);
    CNNCORE_ACT(relu)
    CNNCORE_ACT(leaky_relu)
    CNNCORE_ACT(clip)
    CNNCORE_ACT(hardsigmoid)
    CNNCORE_ACT(hardswish)
    CNNCORE_ACT(sigmoid)
    CNNCORE_ACT(silu)
    CNNCORE_ACT(tanh)
    CNNCORE_ACT(gelu)
    CNNCORE_ACT(gelu_tanh)
    CNNCORE_ACT(elu)
#undef CNNCORE_ACT
    default: return bias_act_rows<V, Activation::identity>(x, y, n, bias, bias_stride, p);
  }
}

}  // namespace
}  // namespace cnncore::kernels
