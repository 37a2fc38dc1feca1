// AVX-512 instance of the separable max and average pooling: 16 outputs per vector, strides 1
// and 2; stride-2 rows split by parity (512-bit two-source shuffles per tap measured slower on
// this machine).
#include <immintrin.h>

#include "kernels/separable_pool/separable.h"
#include "kernels/simd/avx512.h"

namespace cnncore::kernels::avx512 {
namespace {

struct V512 {
  using T = __m512;
  static constexpr int64_t L = 16;
  static constexpr bool kSplitStride2 = true;
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static T load_n(const float* p, int64_t n) { return n >= 16 ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(tail_mask(n), p); }
  static T load_s(const float* p, int64_t s) { return load_strided(p, s); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static void store_n(float* p, T v, int64_t n) { _mm512_mask_storeu_ps(p, tail_mask(n), v); }
  static T even(T a, T b) {
    return _mm512_permutex2var_ps(a, _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), b);
  }
  static T odd(T a, T b) {
    return _mm512_permutex2var_ps(a, _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), b);
  }
  static T set1(float v) { return _mm512_set1_ps(v); }
  static T load_or(const float* p, int64_t n, T fill) {
    return n >= 16 ? _mm512_loadu_ps(p) : _mm512_mask_loadu_ps(fill, tail_mask(n), p);
  }
  static T shift_in(T cur, T prev) {  // prev's last lane, then cur's first 15
    return _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(cur), _mm512_castps_si512(prev), 15));
  }
  static T shift_next(T cur, T next) {  // cur's last 15 lanes, then next's first
    return _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(next), _mm512_castps_si512(cur), 1));
  }
  using M = __mmask16;
  static M no_nan() { return 0; }
  static M add_nan(M m, T a, T b) { return _kor_mask16(m, _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q)); }
  static bool any_nan(M m) { return m != 0; }
  static T max(T a, T b) { return _mm512_max_ps(a, b); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static T div(T a, T b) { return _mm512_div_ps(a, b); }
  static bool has_nan(const float* p, int64_t n) {
    __mmask16 k0 = 0, k1 = 0, k2 = 0, k3 = 0;
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
      const __m512 a = _mm512_loadu_ps(p + i), b = _mm512_loadu_ps(p + i + 16);
      const __m512 c = _mm512_loadu_ps(p + i + 32), d = _mm512_loadu_ps(p + i + 48);
      k0 = _kor_mask16(k0, _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q));
      k1 = _kor_mask16(k1, _mm512_cmp_ps_mask(b, b, _CMP_UNORD_Q));
      k2 = _kor_mask16(k2, _mm512_cmp_ps_mask(c, c, _CMP_UNORD_Q));
      k3 = _kor_mask16(k3, _mm512_cmp_ps_mask(d, d, _CMP_UNORD_Q));
    }
    for (; i < n; i += 16) {
      const __m512 v = _mm512_maskz_loadu_ps(tail_mask(n - i), p + i);
      k0 = _kor_mask16(k0, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q));
    }
    return (k0 | k1 | k2 | k3) != 0;
  }
};

}  // namespace

bool pool_supports(const PoolParams& p) { return p.sw == 1 || p.sw == 2; }

bool maxpool_plane(const PoolParams& p, const float* x, float* y, float* scratch) {
  return maxpool_separable<V512>(p, x, y, scratch);
}

bool avgpool_plane(const PoolParams& p, const float* x, float* y, float* scratch) {
  return avgpool_separable<V512>(p, x, y, scratch);
}

}  // namespace cnncore::kernels::avx512
