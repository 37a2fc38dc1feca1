#pragma once
// exp over a float vector type V (simd/avx2.h, simd/avx512.h VecF), for the kernel families that
// need it (eltwise's activations, softmax). Every step is an IEEE operation or an FMA both ISAs
// have, so AVX2 and AVX-512 give the same bits. Include only from ISA translation units: the
// anonymous namespace gives each its own copy.
//
// V provides: T, set1, add, sub, mul, fma(a, b, c) = a*b + c, min(a, b) / max(a, b) (the second
// operand where either is NaN), round (to nearest even), exp2i(n) (2^n for integral n in
// [-126, 127], from its bits).

namespace cnncore::kernels {
namespace {

// exp(x): x = n*ln2 + r, |r| <= ln2/2, e^r by a degree-7 polynomial (Cephes' expf, within about
// 1 ulp), times 2^n in two exact steps so results below 2^-126 round once into the subnormals.
// The clamp keeps NaN (min/max return the second operand) and sends -inf to 0, +inf to inf.
template <class V>
typename V::T vexp(typename V::T x) {
  using T = typename V::T;
  x = V::min(V::set1(89.f), V::max(V::set1(-104.f), x));
  const T n = V::round(V::mul(x, V::set1(1.44269504088896341f)));
  T r = V::fma(n, V::set1(-0.693359375f), x);
  r = V::fma(n, V::set1(2.12194440e-4f), r);
  T p = V::set1(1.9875691500e-4f);
  p = V::fma(p, r, V::set1(1.3981999507e-3f));
  p = V::fma(p, r, V::set1(8.3334519073e-3f));
  p = V::fma(p, r, V::set1(4.1665795894e-2f));
  p = V::fma(p, r, V::set1(1.6666665459e-1f));
  p = V::fma(p, r, V::set1(5.0000001201e-1f));
  p = V::add(V::fma(p, V::mul(r, r), r), V::set1(1.f));
  const T n1 = V::min(V::set1(127.f), V::max(V::set1(-126.f), n));
  return V::mul(V::mul(p, V::exp2i(n1)), V::exp2i(V::sub(n, n1)));
}

}  // namespace
}  // namespace cnncore::kernels
