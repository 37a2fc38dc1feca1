// AVX-512 instance of the SIMD LRN (window.h): 16 pixels per vector.
#include <immintrin.h>

#include "kernels/lrn/window.h"
#include "kernels/simd/avx512.h"

namespace cnncore::kernels::avx512 {
namespace {

struct V512 {
  using T = __m512;
  static constexpr int64_t L = 16;
  static T set1(float f) { return _mm512_set1_ps(f); }
  static T load_n(const float* p, int64_t n) { return n >= 16 ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(tail_mask(n), p); }
  static void store_n(float* p, T v, int64_t n) { _mm512_mask_storeu_ps(p, tail_mask(n), v); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static T div(T a, T b) { return _mm512_div_ps(a, b); }
  static T sqrt(T a) { return _mm512_sqrt_ps(a); }
};

}  // namespace

bool lrn_supports(const LrnParams& p) { return lrn_beta_supported(p); }

void lrn_channels(const LrnParams& p, const float* x, float* y, int64_t c0, int64_t c1) {
  lrn_simd<V512>(p, x, y, c0, c1);
}

}  // namespace cnncore::kernels::avx512
