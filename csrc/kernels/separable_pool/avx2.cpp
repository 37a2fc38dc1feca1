// AVX2 instance of the separable max and average pooling: 8 outputs per vector, strides 1 and 2.
#include <immintrin.h>

#include "kernels/separable_pool/separable.h"
#include "kernels/simd/avx2.h"

namespace cnncore::kernels::avx2 {
namespace {

struct V256 {
  using T = __m256;
  static constexpr int64_t L = 8;
  static constexpr bool kSplitStride2 = false;
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static T load_n(const float* p, int64_t n) { return n >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, tail_mask(n)); }
  static T load_s(const float* p, int64_t s) { return load_strided(p, s); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static void store_n(float* p, T v, int64_t n) {
    if (n >= 8)
      _mm256_storeu_ps(p, v);
    else
      _mm256_maskstore_ps(p, tail_mask(n), v);
  }
  static T max(T a, T b) { return _mm256_max_ps(a, b); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T div(T a, float s) { return _mm256_div_ps(a, _mm256_set1_ps(s)); }
  static bool has_nan(const float* p, int64_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
      const __m256 a = _mm256_loadu_ps(p + i), b = _mm256_loadu_ps(p + i + 8);
      const __m256 c = _mm256_loadu_ps(p + i + 16), d = _mm256_loadu_ps(p + i + 24);
      a0 = _mm256_or_ps(a0, _mm256_cmp_ps(a, a, _CMP_UNORD_Q));
      a1 = _mm256_or_ps(a1, _mm256_cmp_ps(b, b, _CMP_UNORD_Q));
      a2 = _mm256_or_ps(a2, _mm256_cmp_ps(c, c, _CMP_UNORD_Q));
      a3 = _mm256_or_ps(a3, _mm256_cmp_ps(d, d, _CMP_UNORD_Q));
    }
    for (; i < n; i += 8) {
      const __m256 v = _mm256_maskload_ps(p + i, tail_mask(n - i));
      a0 = _mm256_or_ps(a0, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    }
    return _mm256_movemask_ps(_mm256_or_ps(_mm256_or_ps(a0, a1), _mm256_or_ps(a2, a3))) != 0;
  }
};

}  // namespace

bool pool_supports(const PoolParams& p) { return p.sw == 1 || p.sw == 2; }

bool maxpool_plane(const PoolParams& p, const float* x, float* y, float* scratch) {
  return maxpool_separable<V256>(p, x, y, scratch);
}

bool avgpool_plane(const PoolParams& p, const float* x, float* y, float* scratch) {
  return avgpool_separable<V256>(p, x, y, scratch);
}

}  // namespace cnncore::kernels::avx2
