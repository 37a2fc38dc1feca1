#pragma once
// The GEMM microkernel (gemm.h), written once over a vector type V (avx2.cpp, avx512.cpp): an
// MR x 2L register tile (L = V::kLanes), two B loads, MR broadcasts of A and 2*MR FMAs per k step.
// Included only by the files of this family; the anonymous namespace gives each ISA its own copy.
//
// V provides: T (L floats), Mask, kLanes, MR, mask(n) (the first n lanes, n clamped to [0, L]),
// zero(), set1(v), bcast(p) (*p in every lane), loadu(p), load_n(p, m), store_n(p, m, v) (masked
// lanes neither read nor written), add, max, min, fma(a, b, c) = a*b + c; and for a tile column
// held along the MR rows (one __m256, MR <= 8): col_a(ap) (a packed A row, MR floats, reading
// none past them) and col_bias(bias, m) (bias[0, m), zeros after).
#include <immintrin.h>

#include <cstdint>

#include "kernels/gemm/gemm.h"

namespace cnncore::kernels {
namespace {

// One output row i of a tile: its first n (<= 2L) columns, added to what is there when
// accumulating, then the epilogue with the eltwise kernels' instructions (bitwise equal).
template <class V>
inline void store_row(float* ci, typename V::T v0, typename V::T v1, int n, bool accumulate,
                      const TileEpilogue* ep = nullptr, int i = 0) {
  using T = typename V::T;
  constexpr int L = V::kLanes;
  const typename V::Mask m0 = V::mask(n), m1 = V::mask(n - L);
  if (accumulate) {
    v0 = V::add(V::load_n(ci, m0), v0);
    v1 = V::add(V::load_n(ci + L, m1), v1);
  }
  if (ep) {
    if (ep->bias) {
      const T b = V::set1(ep->bias[i]);
      v0 = V::add(v0, b);
      v1 = V::add(v1, b);
    }
    if (ep->res) {
      const float* r = ep->res + i * ep->ldr;
      v0 = V::add(v0, V::load_n(r, m0));
      v1 = V::add(v1, V::load_n(r + L, m1));
    }
    if (ep->act == TileEpilogue::relu) {
      v0 = V::max(V::zero(), v0);
      v1 = V::max(V::zero(), v1);
    } else if (ep->act == TileEpilogue::clip) {
      const T lo = V::set1(ep->lo), hi = V::set1(ep->hi);
      v0 = V::min(hi, V::max(lo, v0));
      v1 = V::min(hi, V::max(lo, v1));
    }
  }
  V::store_n(ci, m0, v0);
  V::store_n(ci + L, m1, v1);
}

// Column `t` of a tile held as one vector along its rows (lane i = row i < MR), stored for rows
// i < m with the epilogue in store_row's order and instructions (bitwise equal).
template <class V>
inline void store_col(float* c, int64_t ldc, __m256 v, int m, bool accumulate, const TileEpilogue* ep, int t) {
  alignas(32) float buf[8] = {};
  if (accumulate) {
    for (int i = 0; i < m; ++i) buf[i] = c[i * ldc + t];
    v = _mm256_add_ps(_mm256_load_ps(buf), v);
  }
  if (ep) {
    if (ep->bias) v = _mm256_add_ps(v, V::col_bias(ep->bias, m));
    if (ep->res) {
      for (int i = 0; i < m; ++i) buf[i] = ep->res[i * ep->ldr + t];
      v = _mm256_add_ps(v, _mm256_load_ps(buf));
    }
    if (ep->act == TileEpilogue::relu) {
      v = _mm256_max_ps(_mm256_setzero_ps(), v);
    } else if (ep->act == TileEpilogue::clip) {
      v = _mm256_min_ps(_mm256_set1_ps(ep->hi), _mm256_max_ps(_mm256_set1_ps(ep->lo), v));
    }
  }
  _mm256_store_ps(buf, v);
  for (int i = 0; i < m; ++i) c[i * ldc + t] = buf[i];
}

// Where B row p is: b + p*ldb (a packed panel, or X's rows in place), or b + boff[p] (patch rows
// read in place from a convolution's input, run_offs), with the vectors past n loaded masked
// (kOffsMasked: the input has no slack past a row's end) or whole (kOffsFull: n = kVec*L + kTail).
enum BRows { kStrided, kOffsFull, kOffsMasked };

// kRows: A row-major with stride lda (rows past m alias row 0 and are never stored), else packed.
// kVec: vectors of L columns computed per row: 2, or 1 when n <= L (a panel's ragged last
// columns, e.g. 196 = 6*32 + 4 pixels): half the FMAs, each column's chain unchanged.
// kTail (packed A only): the tile's last kTail columns (n = L*kVec + kTail) as column vectors
// along the MR rows instead, one FMA per column and k step instead of an L-wide vector per row:
// a 7x7 plane's 49 = 32 + 16 + 1 columns cost 32 + 16 + 1, not 32 + 32 (AVX-512). Every
// element's chain of FMAs is the same in all three forms, so the sums are bitwise equal.
template <class V, bool kRows, int kVec, int kTail = 0, BRows kB = kStrided>
inline void run_impl(int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int m,
                     int n, bool accumulate, const TileEpilogue* ep, const int64_t* boff = nullptr) {
  static_assert(!kRows || kTail == 0, "column tails read the packed A panel");
  using T = typename V::T;
  constexpr int MR = V::MR, L = V::kLanes;
  const typename V::Mask mb0 = V::mask(n - kTail), mb1 = V::mask(n - kTail - L);
  const float* ar[MR];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) ar[i] = a + (kRows && i < m ? i * lda : 0);
  T acc[MR][2];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = V::zero();
  __m256 tail[kTail > 0 ? kTail : 1];
#pragma GCC unroll 4
  for (int t = 0; t < kTail; ++t) tail[t] = _mm256_setzero_ps();
  for (int64_t p = 0; p < k; ++p) {
    const float* ap = a + p * MR;
    if (!kRows) _mm_prefetch(reinterpret_cast<const char*>(ap + 16 * MR), _MM_HINT_T0);  // A streams from memory in late layers
    const float* bp = kB == kStrided ? b + p * ldb : b + boff[p];
    if (kVec > 0) {
      T b0, b1;
      if (kB == kOffsMasked) {
        b0 = V::load_n(bp, mb0);
        b1 = kVec == 1 ? b0 : V::load_n(bp + L, mb1);
      } else {
        b0 = V::loadu(bp);
        b1 = kVec == 1 ? b0 : V::loadu(bp + L);
      }
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i) {
        const T ai = V::bcast(kRows ? ar[i] + p : ap + i);
        acc[i][0] = V::fma(ai, b0, acc[i][0]);
        if (kVec == 2) acc[i][1] = V::fma(ai, b1, acc[i][1]);
      }
    }
    if (kTail > 0) {
      const __m256 acol = V::col_a(ap);
#pragma GCC unroll 4
      for (int t = 0; t < kTail; ++t)
        tail[t] = _mm256_fmadd_ps(acol, _mm256_broadcast_ss(bp + L * kVec + t), tail[t]);
    }
  }
  if (kVec > 0) {
    // compile-time row indices keep acc[][] in registers (a runtime index spills it every k step)
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      if (i >= m) break;
      store_row<V>(c + i * ldc, acc[i][0], acc[i][1], n - kTail, accumulate, ep, i);
    }
  }
#pragma GCC unroll 4
  for (int t = 0; t < kTail; ++t) store_col<V>(c, ldc, tail[t], m, accumulate, ep, L * kVec + t);
}

// A tail of up to 4 columns takes the column form: with 4, 4 + 2*MR FMAs per k step against 4*MR.
template <class V, int kVec, BRows kB = kStrided>
inline void run_tail(int64_t k, const float* a, const float* b, const int64_t* boff, float* c, int64_t ldc, int m,
                     int n, bool accumulate, const TileEpilogue* ep) {
  constexpr int64_t ldb = V::kLanes * 2;
  switch (n - V::kLanes * kVec) {
    case 1: return run_impl<V, false, kVec, 1, kB>(k, a, 0, b, ldb, c, ldc, m, n, accumulate, ep, boff);
    case 2: return run_impl<V, false, kVec, 2, kB>(k, a, 0, b, ldb, c, ldc, m, n, accumulate, ep, boff);
    case 3: return run_impl<V, false, kVec, 3, kB>(k, a, 0, b, ldb, c, ldc, m, n, accumulate, ep, boff);
    default: return run_impl<V, false, kVec, 4, kB>(k, a, 0, b, ldb, c, ldc, m, n, accumulate, ep, boff);
  }
}

// Narrow tiles (packed panels only: n < NR never reads B in place) take the half and column forms.
template <class V>
void gemm_run(int64_t k, const float* a, const float* b, int64_t ldb, float* c, int64_t ldc, int m, int n,
              bool accumulate, const TileEpilogue* ep) {
  constexpr int L = V::kLanes;
  if (n <= 4) return run_tail<V, 0>(k, a, b, nullptr, c, ldc, m, n, accumulate, ep);
  if (n <= L) return run_impl<V, false, 1>(k, a, 0, b, ldb, c, ldc, m, n, accumulate, ep);
  if (n <= L + 4) return run_tail<V, 1>(k, a, b, nullptr, c, ldc, m, n, accumulate, ep);
  run_impl<V, false, 2>(k, a, 0, b, ldb, c, ldc, m, n, accumulate, ep);
}

// B rows in place at b + boff[p], in the same forms as gemm_run (the same sums, bitwise). A vector
// only partly inside the n columns loads masked, as nothing past them may be read; a tail of
// 1-4 columns is read as scalars.
template <class V>
void gemm_run_offs(int64_t k, const float* a, const float* b, const int64_t* boff, float* c, int64_t ldc, int m, int n,
                   const TileEpilogue* ep) {
  constexpr int L = V::kLanes;
  if (n <= 4) return run_tail<V, 0, kOffsFull>(k, a, b, boff, c, ldc, m, n, false, ep);
  if (n < L) return run_impl<V, false, 1, 0, kOffsMasked>(k, a, 0, b, 0, c, ldc, m, n, false, ep, boff);
  if (n == L) return run_impl<V, false, 1, 0, kOffsFull>(k, a, 0, b, 0, c, ldc, m, n, false, ep, boff);
  if (n <= L + 4) return run_tail<V, 1, kOffsFull>(k, a, b, boff, c, ldc, m, n, false, ep);
  if (n < 2 * L) return run_impl<V, false, 2, 0, kOffsMasked>(k, a, 0, b, 0, c, ldc, m, n, false, ep, boff);
  run_impl<V, false, 2, 0, kOffsFull>(k, a, 0, b, 0, c, ldc, m, n, false, ep, boff);
}

template <class V>
void gemm_run_rows(int64_t k, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, int m, int n,
                   bool accumulate) {
  if (n <= V::kLanes) return run_impl<V, true, 1>(k, a, lda, b, 2 * V::kLanes, c, ldc, m, n, accumulate, nullptr);
  run_impl<V, true, 2>(k, a, lda, b, 2 * V::kLanes, c, ldc, m, n, accumulate, nullptr);
}

// np panels at once: 2*np independent FMA chains hide the FMA latency that one row of the
// MR-row tile would leave exposed; each column's chain is run()'s, so the sums are bitwise equal.
template <class V, int NP>
void gemv_np(int64_t k, const float* x, const float* b, int64_t ldp, float* y, int n_last, bool accumulate) {
  using T = typename V::T;
  constexpr int L = V::kLanes, NR = 2 * L;
  T acc[NP][2];
#pragma GCC unroll 4
  for (int q = 0; q < NP; ++q) acc[q][0] = acc[q][1] = V::zero();
  for (int64_t p = 0; p < k; ++p) {
    const T xp = V::set1(x[p]);
#pragma GCC unroll 4
    for (int q = 0; q < NP; ++q) {
      const float* bq = b + q * ldp + p * NR;
      acc[q][0] = V::fma(xp, V::loadu(bq), acc[q][0]);
      acc[q][1] = V::fma(xp, V::loadu(bq + L), acc[q][1]);
    }
  }
#pragma GCC unroll 4
  for (int q = 0; q < NP; ++q) store_row<V>(y + q * NR, acc[q][0], acc[q][1], q == NP - 1 ? n_last : NR, accumulate);
}

template <class V>
void gemm_gemv(int64_t k, const float* x, const float* b, int64_t ldp, int np, float* y, int n_last, bool accumulate) {
  switch (np) {
    case 1: return gemv_np<V, 1>(k, x, b, ldp, y, n_last, accumulate);
    case 2: return gemv_np<V, 2>(k, x, b, ldp, y, n_last, accumulate);
    case 3: return gemv_np<V, 3>(k, x, b, ldp, y, n_last, accumulate);
    default: return gemv_np<V, 4>(k, x, b, ldp, y, n_last, accumulate);
  }
}

/// The microkernel of vector type V, for the family's dispatch table.
template <class V>
constexpr GemmUkernel make_gemm_ukernel() {
  return GemmUkernel{V::MR, 2 * V::kLanes, gemm_run<V>, gemm_run_rows<V>, gemm_gemv<V>, gemm_run_offs<V>};
}

}  // namespace
}  // namespace cnncore::kernels
