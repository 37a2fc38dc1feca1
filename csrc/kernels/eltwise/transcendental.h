#pragma once
// The eltwise family's exp-based activations (sigmoid, SiLU, tanh, GELU in both forms, ELU),
// written once over the float vector type VecF of simd/avx2.h and simd/avx512.h (what vexp needs,
// plus div, abs, neg, lt / eq (ordered compares, as masks), select(m, a, b) (a where m) and
// copysign). Included only by the files of this family; the anonymous namespace gives each ISA
// its own copy. Every step is an IEEE operation or an FMA that both ISAs have, so AVX2 and
// AVX-512 give the same bits; against the reference (std::exp, std::tanh) they differ by a few
// float roundings.
#include "kernels/eltwise/eltwise.h"
#include "kernels/simd/vexp.h"

namespace cnncore::kernels {
namespace {

// As the reference: 1/(1 + e^-v) for v >= 0, e^v/(1 + e^v) below, with e = exp(-|v|); one
// division (r = 1/(1 + e), then e*r below 0), not one per side: the division is the slowest
// instruction here (SiLU over 1.2M values: 392 -> 340 us), for one more rounding below 0.
template <class V>
CNNCORE_ALWAYS_INLINE typename V::T vsigmoid(typename V::T v) {
  using T = typename V::T;
  const T e = vexp_nonpositive<V>(V::neg(V::abs(v)));
  const T r = V::div(V::set1(1.f), V::add(V::set1(1.f), e));
  return V::select(V::lt(v, V::set1(0.f)), V::mul(e, r), r);
}

// v * sigmoid(v), 0 at v = -inf (the limit, not -inf * 0).
template <class V>
CNNCORE_ALWAYS_INLINE typename V::T vsilu(typename V::T v) {
  const auto minf = V::eq(v, V::set1(-__builtin_inff()));
  return V::select(minf, V::set1(0.f), V::mul(v, vsigmoid<V>(v)));
}

// tanh: an odd polynomial below |v| = 0.625 (Cephes' tanhf), 1 - 2/(e^2|v| + 1) above, with v's
// sign; NaN fails the compare and propagates through exp.
template <class V>
CNNCORE_ALWAYS_INLINE typename V::T vtanh(typename V::T v) {
  using T = typename V::T;
  const T a = V::abs(v), z = V::mul(v, v);
  T p = V::set1(-5.70498872745e-3f);
  p = V::fma(p, z, V::set1(2.06390887954e-2f));
  p = V::fma(p, z, V::set1(-5.37397155531e-2f));
  p = V::fma(p, z, V::set1(1.33314422036e-1f));
  p = V::fma(p, z, V::set1(-3.33332819422e-1f));
  const T small = V::fma(V::mul(p, z), v, v);
  const T big = V::sub(V::set1(1.f), V::div(V::set1(2.f), V::add(vexp<V>(V::add(a, a)), V::set1(1.f))));
  return V::select(V::lt(a, V::set1(0.625f)), small, V::copysign(big, v));
}

// GELU with the tanh approximation, as the reference: v / (1 + exp(-2z)),
// z = sqrt(2/pi) * (v + 0.044715 v^3); the limits at +-inf.
template <class V>
CNNCORE_ALWAYS_INLINE typename V::T vgelu_tanh(typename V::T v) {
  using T = typename V::T;
  const T c = V::mul(V::mul(V::mul(V::set1(0.044715f), v), v), v);
  const T z = V::mul(V::set1(0.79788456080286536f), V::add(v, c));
  const T g = V::div(v, V::add(V::set1(1.f), vexp<V>(V::mul(V::set1(-2.f), z))));
  const T inf = V::set1(__builtin_inff());
  return V::select(V::eq(v, inf), inf, V::select(V::eq(v, V::neg(inf)), V::set1(0.f), g));
}

// GELU (erf form) as the reference, 0.5 v erfc(-v / sqrt 2). With x = |v| / sqrt 2 (below 10),
// erfc(x) = exp(-x^2) * R(x), R = P/Q a rational minimax fit of erfc(x) exp(x^2) on [0, 10]
// (relative error 7e-8), and x^2 split exactly into hi + lo by an FMA so that exp(-x^2) keeps its
// accuracy. Below 0 the result is 0.5 v erfc(x), above 0.5 v (2 - erfc(x)): no cancellation on
// either side (within 4e-7 of the reference in float, where 1 + erf would lose the negative tail).
template <class V>
CNNCORE_ALWAYS_INLINE typename V::T vgelu(typename V::T v) {
  using T = typename V::T;
  const T xr = V::abs(V::mul(v, V::set1(0.70710678118654752f)));
  const T x = V::min(V::set1(10.f), xr);  // NaN stays
  const T hi = V::mul(x, x), lo = V::fma(x, x, V::neg(hi));
  T e = vexp_nonpositive<V>(V::neg(hi));
  e = V::fma(V::neg(lo), e, e);  // exp(-hi - lo), to first order in lo
  T p = V::set1(7.32527842046693e-05f);
  p = V::fma(p, x, V::set1(-0.0030889229383319616f));
  p = V::fma(p, x, V::set1(0.056433722376823425f));
  p = V::fma(p, x, V::set1(0.366135835647583f));
  p = V::fma(p, x, V::set1(0.8843459486961365f));
  p = V::fma(p, x, V::set1(0.9999999403953552f));
  T q = V::set1(0.0001302826130995527f);
  q = V::fma(q, x, V::set1(-0.00549300154671073f));
  q = V::fma(q, x, V::set1(0.10040466487407684f));
  q = V::fma(q, x, V::set1(0.6431044340133667f));
  q = V::fma(q, x, V::set1(1.6373202800750732f));
  q = V::fma(q, x, V::set1(2.0127193927764893f));
  q = V::fma(q, x, V::set1(1.f));
  // erfc(x) < 2.1e-45 past 10: 0, so that huge negative v give -0 (not v times erfc(10))
  const T erfc = V::select(V::lt(xr, V::set1(10.f)), V::mul(e, V::div(p, q)), V::set1(0.f));
  const T g = V::mul(V::mul(V::set1(0.5f), v), V::select(V::lt(v, V::set1(0.f)), erfc, V::sub(V::set1(2.f), erfc)));
  return V::select(V::eq(v, V::set1(-__builtin_inff())), V::set1(0.f), g);  // the limit, not -inf * 0
}

// expm1(v) for v <= 0: the Taylor series to v^8 above -0.5 (where exp(v) - 1 would cancel;
// truncation below 2e-8 relative), exp(v) - 1 below (|expm1| >= 0.39 there).
template <class V>
CNNCORE_ALWAYS_INLINE typename V::T vexpm1_neg(typename V::T v) {
  using T = typename V::T;
  T p = V::set1(1.f / 40320.f);
  p = V::fma(p, v, V::set1(1.f / 5040.f));
  p = V::fma(p, v, V::set1(1.f / 720.f));
  p = V::fma(p, v, V::set1(1.f / 120.f));
  p = V::fma(p, v, V::set1(1.f / 24.f));
  p = V::fma(p, v, V::set1(1.f / 6.f));
  p = V::fma(p, v, V::set1(0.5f));
  const T small = V::fma(V::mul(p, v), v, v);
  const T big = V::sub(vexp<V>(v), V::set1(1.f));
  return V::select(V::lt(V::set1(-0.5f), v), small, big);
}

// ELU (SELU with its constants) as the reference: beta * (v > 0 ? v : alpha * expm1(v)).
template <class V>
CNNCORE_ALWAYS_INLINE typename V::T velu(typename V::T v, typename V::T alpha, typename V::T beta) {
  const auto pos = V::lt(V::set1(0.f), v);
  return V::mul(beta, V::select(pos, v, V::mul(alpha, vexpm1_neg<V>(V::min(V::set1(0.f), v)))));
}

/// The activations computed with the functions above.
inline bool is_exp_based(Activation k) {
  return k == Activation::sigmoid || k == Activation::silu || k == Activation::tanh || k == Activation::gelu ||
         k == Activation::gelu_tanh || k == Activation::elu;
}

}  // namespace
}  // namespace cnncore::kernels
