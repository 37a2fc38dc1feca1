// AVX-512 GEMM microkernel: 8 x 32 tile in 16 zmm accumulators (2 vectors per row); per k step
// two B loads, eight broadcasts of A and sixteen FMAs.
#include <immintrin.h>

#include "kernels/gemm/gemm.h"

namespace cnncore::kernels::avx512 {
namespace {
constexpr int MR = 8, NR = 32;

// kRows: A row-major with stride lda (rows past m alias row 0 and are never stored), else packed.
template <bool kRows>
inline void run_impl(int64_t k, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, int m, int n,
                     bool accumulate) {
  const float* ar[MR];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) ar[i] = a + (kRows && i < m ? i * lda : 0);
  __m512 acc[MR][2];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < k; ++p) {
    const __m512 b0 = _mm512_loadu_ps(b + p * NR), b1 = _mm512_loadu_ps(b + p * NR + 16);
    const float* ap = a + p * MR;
    if (!kRows) _mm_prefetch(reinterpret_cast<const char*>(ap + 16 * MR), _MM_HINT_T0);  // A streams from memory in late layers
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m512 ai = _mm512_set1_ps(kRows ? ar[i][p] : ap[i]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
  }
  const __mmask16 m0 = n >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << n) - 1);
  const __mmask16 m1 = n >= 32 ? 0xFFFF : n <= 16 ? 0 : static_cast<__mmask16>((1u << (n - 16)) - 1);
  // compile-time row indices keep acc[][] in registers (a runtime index spills it every k step)
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    if (i >= m) break;
    float* ci = c + i * ldc;
    __m512 v0 = acc[i][0], v1 = acc[i][1];
    if (accumulate) {
      v0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, ci), v0);
      v1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, ci + 16), v1);
    }
    _mm512_mask_storeu_ps(ci, m0, v0);
    _mm512_mask_storeu_ps(ci + 16, m1, v1);
  }
}

void run(int64_t k, const float* a, const float* b, float* c, int64_t ldc, int m, int n, bool accumulate) {
  run_impl<false>(k, a, 0, b, c, ldc, m, n, accumulate);
}
void run_rows(int64_t k, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, int m, int n,
              bool accumulate) {
  run_impl<true>(k, a, lda, b, c, ldc, m, n, accumulate);
}
}  // namespace

extern const GemmUkernel gemm_ukernel{MR, NR, run, run_rows};

}  // namespace cnncore::kernels::avx512
