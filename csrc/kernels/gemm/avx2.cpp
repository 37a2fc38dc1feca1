// AVX2 GEMM microkernel: 6 x 16 tile in 12 ymm accumulators.
#include <immintrin.h>

#include "kernels/gemm/gemm.h"
#include "kernels/simd/avx2.h"

namespace cnncore::kernels::avx2 {
namespace {
constexpr int MR = 6, NR = 16;

// kRows: A row-major with stride lda (rows past m alias row 0 and are never stored), else packed.
template <bool kRows>
inline void run_impl(int64_t k, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, int m, int n,
                     bool accumulate) {
  const float* ar[MR];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) ar[i] = a + (kRows && i < m ? i * lda : 0);
  __m256 acc[MR][2];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int64_t p = 0; p < k; ++p) {
    const __m256 b0 = _mm256_loadu_ps(b + p * NR), b1 = _mm256_loadu_ps(b + p * NR + 8);
    const float* ap = a + p * MR;
    if (!kRows) _mm_prefetch(reinterpret_cast<const char*>(ap + 16 * MR), _MM_HINT_T0);  // A streams from memory in late layers
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m256 ai = _mm256_broadcast_ss(kRows ? ar[i] + p : ap + i);
      acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
    }
  }
  const __m256i m0 = tail_mask(n), m1 = tail_mask(n - 8);
  // compile-time row indices keep acc[][] in registers (a runtime index spills it every k step)
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    if (i >= m) break;
    float* ci = c + i * ldc;
    __m256 v0 = acc[i][0], v1 = acc[i][1];
    if (accumulate) {
      v0 = _mm256_add_ps(_mm256_maskload_ps(ci, m0), v0);
      v1 = _mm256_add_ps(_mm256_maskload_ps(ci + 8, m1), v1);
    }
    _mm256_maskstore_ps(ci, m0, v0);
    _mm256_maskstore_ps(ci + 8, m1, v1);
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

}  // namespace cnncore::kernels::avx2
