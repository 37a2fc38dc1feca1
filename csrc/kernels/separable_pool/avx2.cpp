// AVX2 instance of the separable max and average pooling: 8 outputs per vector, strides 1 and 2.
#include <immintrin.h>

#include "kernels/separable_pool/separable.h"
#include "kernels/simd/avx2.h"

namespace cnncore::kernels::avx2 {
namespace {

// 64-bit lanes 0, 2, 1, 3: after a per-128-bit shuffle of a and b, a's picks then b's.
inline __m256 lanes_0213(__m256 v) {
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), _MM_SHUFFLE(3, 1, 2, 0)));
}

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
  static T set1(float v) { return _mm256_set1_ps(v); }
  static T load_or(const float* p, int64_t n, T fill) {
    if (n >= 8) return _mm256_loadu_ps(p);
    const __m256i m = tail_mask(n);
    return _mm256_blendv_ps(fill, _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
  }
  static T even(T a, T b) { return lanes_0213(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))); }
  static T odd(T a, T b) { return lanes_0213(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1))); }
  static T shift_in(T cur, T prev) {  // prev's last lane, then cur's first 7
    const __m256i t = _mm256_castps_si256(_mm256_permute2f128_ps(prev, cur, 0x21));
    return _mm256_castsi256_ps(_mm256_alignr_epi8(_mm256_castps_si256(cur), t, 12));
  }
  static T shift_next(T cur, T next) {  // cur's last 7 lanes, then next's first
    const __m256i t = _mm256_castps_si256(_mm256_permute2f128_ps(cur, next, 0x21));
    return _mm256_castsi256_ps(_mm256_alignr_epi8(t, _mm256_castps_si256(cur), 4));
  }
  using M = __m256;
  static M no_nan() { return _mm256_setzero_ps(); }
  static M add_nan(M m, T a, T b) { return _mm256_or_ps(m, _mm256_cmp_ps(a, b, _CMP_UNORD_Q)); }
  static bool any_nan(M m) { return _mm256_movemask_ps(m) != 0; }
  static T max(T a, T b) { return _mm256_max_ps(a, b); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static T div(T a, T b) { return _mm256_div_ps(a, b); }
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
