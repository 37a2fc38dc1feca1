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

// kRows: A row-major with stride lda (rows past m alias row 0 and are never stored), else packed.
// kHalf: n <= 16, so only the first vector of each row is computed (a panel's ragged last
// columns, e.g. 196 = 6*32 + 4 pixels): half the FMAs, each column's chain unchanged.
template <bool kRows, bool kHalf>
inline void run_impl(int64_t k, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, int m, int n,
                     bool accumulate, const TileEpilogue* ep) {
  const float* ar[MR];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) ar[i] = a + (kRows && i < m ? i * lda : 0);
  __m512 acc[MR][2];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < k; ++p) {
    const __m512 b0 = _mm512_loadu_ps(b + p * NR), b1 = kHalf ? b0 : _mm512_loadu_ps(b + p * NR + 16);
    const float* ap = a + p * MR;
    if (!kRows) _mm_prefetch(reinterpret_cast<const char*>(ap + 16 * MR), _MM_HINT_T0);  // A streams from memory in late layers
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m512 ai = _mm512_set1_ps(kRows ? ar[i][p] : ap[i]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      if (!kHalf) acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
  }
  // compile-time row indices keep acc[][] in registers (a runtime index spills it every k step)
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    if (i >= m) break;
    store_row(c + i * ldc, acc[i][0], acc[i][1], n, accumulate, ep, i);
  }
}

void run(int64_t k, const float* a, const float* b, float* c, int64_t ldc, int m, int n, bool accumulate,
         const TileEpilogue* ep) {
  if (n <= 16) return run_impl<false, true>(k, a, 0, b, c, ldc, m, n, accumulate, ep);
  run_impl<false, false>(k, a, 0, b, c, ldc, m, n, accumulate, ep);
}
void run_rows(int64_t k, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, int m, int n,
              bool accumulate) {
  if (n <= 16) return run_impl<true, true>(k, a, lda, b, c, ldc, m, n, accumulate, nullptr);
  run_impl<true, false>(k, a, lda, b, c, ldc, m, n, accumulate, nullptr);
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
