// AVX-512 GEMM microkernel: 8 x 32 tile in 16 zmm accumulators (2 vectors per row); per k step
// two B loads, eight broadcasts of A and sixteen FMAs.
#include <immintrin.h>

#include "kernels/gemm/gemm.h"
#include "kernels/simd/avx512.h"

namespace cnncore::kernels::avx512 {
namespace {
constexpr int MR = 8, NR = 32;

// One output row i of a tile: its first n (<= NR) columns, added to what is there when
// accumulating, then the epilogue with the eltwise kernels' instructions (bitwise equal).
inline void store_row(float* ci, __m512 v0, __m512 v1, int n, bool accumulate, const TileEpilogue* ep = nullptr,
                      int i = 0) {
  const __mmask16 m0 = tail_mask(n), m1 = tail_mask(n - 16);
  if (accumulate) {
    v0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, ci), v0);
    v1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, ci + 16), v1);
  }
  if (ep) {
    if (ep->bias) {
      const __m512 b = _mm512_set1_ps(ep->bias[i]);
      v0 = _mm512_add_ps(v0, b);
      v1 = _mm512_add_ps(v1, b);
    }
    if (ep->res) {
      const float* r = ep->res + i * ep->ldr;
      v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, r));
      v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, r + 16));
    }
    if (ep->act == TileEpilogue::relu) {
      v0 = _mm512_max_ps(_mm512_setzero_ps(), v0);
      v1 = _mm512_max_ps(_mm512_setzero_ps(), v1);
    } else if (ep->act == TileEpilogue::clip) {
      const __m512 lo = _mm512_set1_ps(ep->lo), hi = _mm512_set1_ps(ep->hi);
      v0 = _mm512_min_ps(hi, _mm512_max_ps(lo, v0));
      v1 = _mm512_min_ps(hi, _mm512_max_ps(lo, v1));
    }
  }
  _mm512_mask_storeu_ps(ci, m0, v0);
  _mm512_mask_storeu_ps(ci + 16, m1, v1);
}

// Column `t` of a tile held as one vector along its rows (lane i = row i), stored for rows
// i < m with the epilogue in store_row's order and instructions (bitwise equal).
inline void store_col(float* c, int64_t ldc, __m256 v, int m, bool accumulate, const TileEpilogue* ep, int t) {
  alignas(32) float buf[8] = {};
  if (accumulate) {
    for (int i = 0; i < m; ++i) buf[i] = c[i * ldc + t];
    v = _mm256_add_ps(_mm256_load_ps(buf), v);
  }
  if (ep) {
    if (ep->bias) v = _mm256_add_ps(v, _mm256_maskz_loadu_ps(static_cast<__mmask8>((1u << m) - 1), ep->bias));
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

// kRows: A row-major with stride lda (rows past m alias row 0 and are never stored), else packed.
// kVec: vectors of 16 columns computed per row: 2, or 1 when n <= 16 (a panel's ragged last
// columns, e.g. 196 = 6*32 + 4 pixels): half the FMAs, each column's chain unchanged.
// kTail (packed A only): the tile's last kTail columns (n = 16*kVec + kTail) as column vectors
// along the 8 rows instead, one FMA per column and k step instead of a 16-wide vector per row: a
// 7x7 plane's 49 = 32 + 16 + 1 columns cost 32 + 16 + 1, not 32 + 32. Every element's chain of
// FMAs is the same in all three forms, so the sums are bitwise equal.
template <bool kRows, int kVec, int kTail = 0>
inline void run_impl(int64_t k, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, int m, int n,
                     bool accumulate, const TileEpilogue* ep) {
  static_assert(!kRows || kTail == 0, "column tails read the packed A panel");
  const float* ar[MR];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) ar[i] = a + (kRows && i < m ? i * lda : 0);
  __m512 acc[MR][2];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  __m256 tail[kTail > 0 ? kTail : 1];
#pragma GCC unroll 4
  for (int t = 0; t < kTail; ++t) tail[t] = _mm256_setzero_ps();
  for (int64_t p = 0; p < k; ++p) {
    const float* ap = a + p * MR;
    if (!kRows) _mm_prefetch(reinterpret_cast<const char*>(ap + 16 * MR), _MM_HINT_T0);  // A streams from memory in late layers
    if (kVec > 0) {
      const __m512 b0 = _mm512_loadu_ps(b + p * NR), b1 = kVec == 1 ? b0 : _mm512_loadu_ps(b + p * NR + 16);
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i) {
        const __m512 ai = _mm512_set1_ps(kRows ? ar[i][p] : ap[i]);
        acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
        if (kVec == 2) acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
      }
    }
    if (kTail > 0) {
      const __m256 acol = _mm256_loadu_ps(ap);
#pragma GCC unroll 4
      for (int t = 0; t < kTail; ++t)
        tail[t] = _mm256_fmadd_ps(acol, _mm256_set1_ps(b[p * NR + 16 * kVec + t]), tail[t]);
    }
  }
  if (kVec > 0) {
    // compile-time row indices keep acc[][] in registers (a runtime index spills it every k step)
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      if (i >= m) break;
      store_row(c + i * ldc, acc[i][0], acc[i][1], n - kTail, accumulate, ep, i);
    }
  }
#pragma GCC unroll 4
  for (int t = 0; t < kTail; ++t) store_col(c, ldc, tail[t], m, accumulate, ep, 16 * kVec + t);
}

// A tail of up to 4 columns takes the column form: with 4, 4 + 8 FMAs per k step against 16.
template <int kVec>
inline void run_tail(int64_t k, const float* a, const float* b, float* c, int64_t ldc, int m, int n, bool accumulate,
                     const TileEpilogue* ep) {
  switch (n - 16 * kVec) {
    case 1: return run_impl<false, kVec, 1>(k, a, 0, b, c, ldc, m, n, accumulate, ep);
    case 2: return run_impl<false, kVec, 2>(k, a, 0, b, c, ldc, m, n, accumulate, ep);
    case 3: return run_impl<false, kVec, 3>(k, a, 0, b, c, ldc, m, n, accumulate, ep);
    default: return run_impl<false, kVec, 4>(k, a, 0, b, c, ldc, m, n, accumulate, ep);
  }
}

void run(int64_t k, const float* a, const float* b, float* c, int64_t ldc, int m, int n, bool accumulate,
         const TileEpilogue* ep) {
  if (n <= 4) return run_tail<0>(k, a, b, c, ldc, m, n, accumulate, ep);
  if (n <= 16) return run_impl<false, 1>(k, a, 0, b, c, ldc, m, n, accumulate, ep);
  if (n <= 20) return run_tail<1>(k, a, b, c, ldc, m, n, accumulate, ep);
  run_impl<false, 2>(k, a, 0, b, c, ldc, m, n, accumulate, ep);
}
void run_rows(int64_t k, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, int m, int n,
              bool accumulate) {
  if (n <= 16) return run_impl<true, 1>(k, a, lda, b, c, ldc, m, n, accumulate, nullptr);
  run_impl<true, 2>(k, a, lda, b, c, ldc, m, n, accumulate, nullptr);
}

// np panels at once: 2*np independent FMA chains hide the FMA latency that one row of the
// MR-row tile would leave exposed; each column's chain is run()'s, so the sums are bitwise equal.
template <int NP>
void gemv_np(int64_t k, const float* x, const float* b, int64_t ldp, float* y, int n_last, bool accumulate) {
  __m512 acc[NP][2];
#pragma GCC unroll 4
  for (int q = 0; q < NP; ++q) acc[q][0] = acc[q][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < k; ++p) {
    const __m512 xp = _mm512_set1_ps(x[p]);
#pragma GCC unroll 4
    for (int q = 0; q < NP; ++q) {
      const float* bq = b + q * ldp + p * NR;
      acc[q][0] = _mm512_fmadd_ps(xp, _mm512_loadu_ps(bq), acc[q][0]);
      acc[q][1] = _mm512_fmadd_ps(xp, _mm512_loadu_ps(bq + 16), acc[q][1]);
    }
  }
#pragma GCC unroll 4
  for (int q = 0; q < NP; ++q) {
    store_row(y + q * NR, acc[q][0], acc[q][1], q == NP - 1 ? n_last : NR, accumulate);
  }
}

void gemv(int64_t k, const float* x, const float* b, int64_t ldp, int np, float* y, int n_last, bool accumulate) {
  switch (np) {
    case 1: return gemv_np<1>(k, x, b, ldp, y, n_last, accumulate);
    case 2: return gemv_np<2>(k, x, b, ldp, y, n_last, accumulate);
    case 3: return gemv_np<3>(k, x, b, ldp, y, n_last, accumulate);
    default: return gemv_np<4>(k, x, b, ldp, y, n_last, accumulate);
  }
}
}  // namespace

extern const GemmUkernel gemm_ukernel{MR, NR, run, run_rows, gemv};

}  // namespace cnncore::kernels::avx512
