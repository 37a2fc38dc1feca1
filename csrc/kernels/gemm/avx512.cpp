// AVX-512 GEMM microkernel (tile.h): 8 x 32 tile in 16 zmm accumulators (2 vectors per row); per
// k step two B loads, eight broadcasts of A and sixteen FMAs.
#include <immintrin.h>

#include "kernels/gemm/gemm.h"
#include "kernels/gemm/tile.h"
#include "kernels/simd/avx512.h"

namespace cnncore::kernels::avx512 {
namespace {

struct Vec {
  using T = __m512;
  using Mask = __mmask16;
  static constexpr int kLanes = 16, MR = 8;
  static Mask mask(int n) { return tail_mask(n); }
  static T zero() { return _mm512_setzero_ps(); }
  static T set1(float v) { return _mm512_set1_ps(v); }
  static T bcast(const float* p) { return _mm512_set1_ps(*p); }
  static T loadu(const float* p) { return _mm512_loadu_ps(p); }
  static T load_n(const float* p, Mask m) { return _mm512_maskz_loadu_ps(m, p); }
  static void store_n(float* p, Mask m, T v) { _mm512_mask_storeu_ps(p, m, v); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T max(T a, T b) { return _mm512_max_ps(a, b); }
  static T min(T a, T b) { return _mm512_min_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static __m256 col_a(const float* ap) { return _mm256_loadu_ps(ap); }  // MR = 8: a whole ymm
  static __m256 col_bias(const float* bias, int m) {
    return _mm256_maskz_loadu_ps(static_cast<__mmask8>((1u << m) - 1), bias);
  }
};

}  // namespace

extern const GemmUkernel gemm_ukernel = make_gemm_ukernel<Vec>();

}  // namespace cnncore::kernels::avx512
