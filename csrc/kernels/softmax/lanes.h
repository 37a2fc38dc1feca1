#pragma once
// The SIMD softmax of softmax.h, written once over a float vector type V (simd/avx2.h,
// simd/avx512.h VecF). Included only by the files of this family; the anonymous namespace gives
// each ISA its own copy.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/simd/vexp.h"
#include "kernels/softmax/softmax.h"

namespace cnncore::kernels {
namespace {

// One contiguous row: vectors along it, four accumulators of partial sums (64 with AVX-512).
// Exponentials are stored in the first pass and divided by the sum in the second (log-softmax:
// x - max - log(sum)). A partial last vector's unused lanes take -inf for the max, 0 for the sum.
template <class V>
void softmax_row(const float* x, float* y, int64_t len, bool log) {
  using T = typename V::T;
  constexpr int64_t L = V::L;
  const T minf = V::set1(-__builtin_inff()), zero = V::set1(0.f);
  T m = minf;
  for (int64_t i = 0; i < len; i += L) {
    const int64_t n = std::min(L, len - i);
    m = V::max(n == L ? V::load_n(x + i, L) : V::select(V::first_n(n), V::load_n(x + i, n), minf), m);
  }
  float mx = V::hmax(m);
  if (mx == -__builtin_inff()) mx = 0.f;  // all -inf: avoid (-inf) - (-inf)
  const T vm = V::set1(mx);
  T s[4] = {zero, zero, zero, zero};
  int64_t k = 0;
  for (int64_t i = 0; i < len; i += L, k = (k + 1) & 3) {
    const int64_t n = std::min(L, len - i);
    const T e = vexp<V>(V::sub(V::load_n(x + i, n), vm));
    if (!log) V::store_n(y + i, e, n);
    s[k] = V::add(s[k], n == L ? e : V::select(V::first_n(n), e, zero));
  }
  const float sum = V::hsum(V::add(V::add(s[0], s[1]), V::add(s[2], s[3])));
  if (log) {
    const T c = V::set1(mx + std::log(sum));
    for (int64_t i = 0; i < len; i += L) {
      const int64_t n = std::min(L, len - i);
      V::store_n(y + i, V::sub(V::load_n(x + i, n), c), n);
    }
    return;
  }
  const T vs = V::set1(sum);
  for (int64_t i = 0; i < len; i += L) {
    const int64_t n = std::min(L, len - i);
    V::store_n(y + i, V::div(V::load_n(y + i, n), vs), n);
  }
}

// Up to L side-by-side lanes (lane j at x + j, elements `stride` apart), one per vector lane.
template <class V>
void softmax_side_by_side(const float* x, float* y, int64_t len, int64_t stride, int64_t lanes, bool log) {
  using T = typename V::T;
  T m = V::set1(-__builtin_inff());
  for (int64_t i = 0; i < len; ++i) m = V::max(V::load_n(x + i * stride, lanes), m);
  m = V::select(V::eq(m, V::set1(-__builtin_inff())), V::set1(0.f), m);  // all -inf: avoid (-inf) - (-inf)
  T s = V::set1(0.f);
  for (int64_t i = 0; i < len; ++i) {
    const T e = vexp<V>(V::sub(V::load_n(x + i * stride, lanes), m));
    if (!log) V::store_n(y + i * stride, e, lanes);
    s = V::add(s, e);
  }
  if (log) {
    alignas(64) float sv[V::L], mv[V::L];
    V::store_n(sv, s, V::L);
    V::store_n(mv, m, V::L);
    for (int64_t j = 0; j < V::L; ++j) sv[j] = mv[j] + std::log(sv[j]);
    const T c = V::load_n(sv, V::L);
    for (int64_t i = 0; i < len; ++i) V::store_n(y + i * stride, V::sub(V::load_n(x + i * stride, lanes), c), lanes);
    return;
  }
  for (int64_t i = 0; i < len; ++i) V::store_n(y + i * stride, V::div(V::load_n(y + i * stride, lanes), s), lanes);
}

template <class V>
void softmax_simd(const float* x, float* y, int64_t len, int64_t stride, int64_t lanes, bool log) {
  if (stride == 1 && lanes == 1) return softmax_row<V>(x, y, len, log);
  for (int64_t j = 0; j < lanes; j += V::L)
    softmax_side_by_side<V>(x + j, y + j, len, stride, std::min<int64_t>(V::L, lanes - j), log);
}

}  // namespace
}  // namespace cnncore::kernels
