#pragma once
// exp over a float vector type V (simd/avx2.h, simd/avx512.h VecF), for the kernel families that
// need it (eltwise's activations, softmax). Every step is an IEEE operation or an FMA both ISAs
// have, so AVX2 and AVX-512 give the same bits. Include only from ISA translation units: the
// anonymous namespace gives each its own copy.
//
// V provides: T, set1, add, sub, mul, fma(a, b, c) = a*b + c, min(a, b) / max(a, b) (the second
// operand where either is NaN), round (to nearest even), exp2i(n) (2^n for integral n in
// [-126, 127], from its bits), lt (a mask) and any(mask).

namespace cnncore::kernels {
namespace {

// exp(x): x = n*ln2 + r, |r| <= ln2/2, e^r by a degree-7 polynomial (Cephes' expf, within about
// 1 ulp), times 2^n in two exact steps so results below 2^-126 round once into the subnormals.
// The clamp keeps NaN (min/max return the second operand) and sends -inf to 0, +inf to inf.
// x = n*ln2 + r and e^r (the polynomial) for x already clamped to [-104, 89].
template <class V>
typename V::T vexp_reduced(typename V::T x, typename V::T& n) {
  using T = typename V::T;
  n = V::round(V::mul(x, V::set1(1.44269504088896341f)));
  T r = V::fma(n, V::set1(-0.693359375f), x);
  r = V::fma(n, V::set1(2.12194440e-4f), r);
  T p = V::set1(1.9875691500e-4f);
  p = V::fma(p, r, V::set1(1.3981999507e-3f));
  p = V::fma(p, r, V::set1(8.3334519073e-3f));
  p = V::fma(p, r, V::set1(4.1665795894e-2f));
  p = V::fma(p, r, V::set1(1.6666665459e-1f));
  p = V::fma(p, r, V::set1(5.0000001201e-1f));
  return V::add(V::fma(p, V::mul(r, r), r), V::set1(1.f));
}

template <class V>
typename V::T vexp(typename V::T x) {
  using T = typename V::T;
  x = V::min(V::set1(89.f), V::max(V::set1(-104.f), x));
  T n;
  const T p = vexp_reduced<V>(x, n);
  const T n1 = V::min(V::set1(127.f), V::max(V::set1(-126.f), n));
  return V::mul(V::mul(p, V::exp2i(n1)), V::exp2i(V::sub(n, n1)));
}

// exp(x) for x <= 0 (sigmoid's exp(-|v|), softmax's shifted inputs), the same bits as vexp: when
// no lane is below -87 (2^n stays normal, n >= -126), one scaling step gives them, exactly, so
// the clamps and the second step are skipped (V::any: whether a mask has a lane set).
template <class V>
typename V::T vexp_nonpositive(typename V::T x) {
  if (V::any(V::lt(x, V::set1(-87.f)))) return vexp<V>(x);
  typename V::T n;
  const typename V::T p = vexp_reduced<V>(x, n);
  return V::mul(p, V::exp2i(n));
}

}  // namespace
}  // namespace cnncore::kernels
