// AVX2 instance of the SIMD LRN (window.h): 8 pixels per vector.
#include <immintrin.h>

#include "kernels/lrn/window.h"
#include "kernels/simd/avx2.h"

namespace cnncore::kernels::avx2 {
namespace {

struct V256 {
  using T = __m256;
  static constexpr int64_t L = 8;
  static T set1(float f) { return _mm256_set1_ps(f); }
  static T load_n(const float* p, int64_t n) { return n >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, tail_mask(n)); }
  static void store_n(float* p, T v, int64_t n) {
    if (n >= 8)
      _mm256_storeu_ps(p, v);
    else
      _mm256_maskstore_ps(p, tail_mask(n), v);
  }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static T div(T a, T b) { return _mm256_div_ps(a, b); }
  static T sqrt(T a) { return _mm256_sqrt_ps(a); }
};

}  // namespace

bool lrn_supports(const LrnParams& p) { return lrn_beta_supported(p); }

void lrn_channels(const LrnParams& p, const float* x, float* y, int64_t c0, int64_t c1) {
  lrn_simd<V256>(p, x, y, c0, c1);
}

}  // namespace cnncore::kernels::avx2
