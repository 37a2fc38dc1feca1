#pragma once
// The SIMD LRN of lrn.h, written once over a vector type V (avx2.cpp, avx512.cpp). Included only
// by the files of this family; the anonymous namespace gives each ISA its own copy.
//
// V (simd/avx2.h, simd/avx512.h VecF) provides: T, L (lanes), set1(f), load_n(p, n) (first n
// lanes, reading nothing past them), store_n(p, v, n), fma(a, b, c) = a*b + c, mul, div, sqrt.
#include <algorithm>
#include <cstdint>

#include "kernels/lrn/lrn.h"

namespace cnncore::kernels {
namespace {

inline bool lrn_beta_supported(const LrnParams& p) { return p.beta == 0.5f || p.beta == 0.75f || p.beta == 1.f; }

// base^beta for the supported betas, from correctly rounded square roots.
template <class V>
typename V::T power(typename V::T base, float beta) {
  if (beta == 1.f) return base;
  const typename V::T r = V::sqrt(base);
  return beta == 0.5f ? r : V::mul(r, V::sqrt(r));  // 0.75: base^(1/2) * base^(1/4)
}

template <class V>
void lrn_simd(const LrnParams& p, const float* x, float* y, int64_t c0, int64_t c1) {
  using T = typename V::T;
  constexpr int64_t L = V::L;
  const T a = V::set1(p.alpha / static_cast<float>(p.size)), k = V::set1(p.k);
  for (int64_t c = c0; c < c1; ++c) {
    const int64_t w0 = std::max<int64_t>(0, c - p.pre), w1 = std::min(p.C, c - p.pre + p.size);
    for (int64_t i = 0; i < p.HW; i += L) {
      const int64_t n = std::min(L, p.HW - i);
      T s = V::set1(0.f);
      for (int64_t cc = w0; cc < w1; ++cc) {
        const T v = V::load_n(x + cc * p.HW + i, n);
        s = V::fma(v, v, s);
      }
      const T d = power<V>(V::fma(a, s, k), p.beta);
      V::store_n(y + c * p.HW + i, V::div(V::load_n(x + c * p.HW + i, n), d), n);
    }
  }
}

}  // namespace
}  // namespace cnncore::kernels
