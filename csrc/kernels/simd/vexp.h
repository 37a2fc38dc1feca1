#pragma once
// exp over a float vector type V (simd/avx2.h, simd/avx512.h VecF), for the kernel families that
// need it (eltwise's activations, softmax). Every step is an IEEE operation or an FMA both ISAs
// have, so AVX2 and AVX-512 give the same bits. Include only from ISA translation units: the
// anonymous namespace gives each its own copy.
//
// V provides: T, set1, add, sub, mul, fma(a, b, c) = a*b + c, min(a, b) / max(a, b) (the second
// operand where either is NaN), round (to nearest even), scale(p, n) (p * 2^n rounded once, for
// integral n in [-150, 128]; AVX-512: vscalefps, AVX2: two exact steps, so results below 2^-126
// round once into the subnormals), scale_normal(p, n) (the same for n in [-126, 127], where
// one exact step is enough), lt (a mask) and any(mask).

// Each step runs once per vector in the callers' loops: as an out-of-line call, every live vector
// register of the caller is spilled around it (SiLU over 1.2M floats, one thread: 539 -> 504 us).
#ifndef CNNCORE_ALWAYS_INLINE
#define CNNCORE_ALWAYS_INLINE inline __attribute__((always_inline))
#endif

namespace cnncore::kernels {
namespace {

// exp(x): x = n*ln2 + r, |r| <= ln2/2, e^r by a degree-7 polynomial (Cephes' expf, within about
// 1 ulp), times 2^n (V::scale).
// The clamp keeps NaN (min/max return the second operand) and sends -inf to 0, +inf to inf.
// x = n*ln2 + r and e^r (the polynomial) for x already clamped to [-104, 89].
template <class V>
CNNCORE_ALWAYS_INLINE typename V::T vexp_reduced(typename V::T x, typename V::T& n) {
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
CNNCORE_ALWAYS_INLINE typename V::T vexp(typename V::T x) {
  using T = typename V::T;
  x = V::min(V::set1(89.f), V::max(V::set1(-104.f), x));
  T n;
  const T p = vexp_reduced<V>(x, n);
  return V::scale(p, n);
}

// exp(x) for x <= 0 (sigmoid's exp(-|v|), softmax's shifted inputs), the same bits as vexp: when
// no lane is below -87 (2^n stays normal, n >= -126), the clamps are skipped and the scaling
// needs one exact step (V::any: whether a mask has a lane set).
template <class V>
CNNCORE_ALWAYS_INLINE typename V::T vexp_nonpositive(typename V::T x) {
  if (V::any(V::lt(x, V::set1(-87.f)))) return vexp<V>(x);
  typename V::T n;
  const typename V::T p = vexp_reduced<V>(x, n);
  return V::scale_normal(p, n);
}

}  // namespace
}  // namespace cnncore::kernels
