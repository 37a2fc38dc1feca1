#pragma once
// Helpers for AVX2 translation units only (compiled with the AVX2 flags). They live in an
// anonymous namespace, so each file gets its own copy and none can ever be shared with code
// built for another ISA.
#include <immintrin.h>

#include <climits>
#include <cstdint>

namespace cnncore::kernels::avx2 {
namespace {

/// Mask of the first r lanes (r clamped to [0, 8]) for maskload / maskstore.
inline __m256i tail_mask(int64_t r) {
  alignas(32) static const int kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask + 8 - (r < 0 ? 0 : r > 8 ? 8 : r)));
}

/// 8 floats starting at p with stride s in {1, 2} (stride 2 keeps the even lanes of 16).
inline __m256 load_strided(const float* p, int64_t s) {
  if (s == 1) return _mm256_loadu_ps(p);
  const __m256 e = _mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), _MM_SHUFFLE(2, 0, 2, 0));
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
}

/// In-place 8x8 transpose: afterwards r[j] lane i holds what r[i] lane j held.
inline void transpose8(__m256 r[8]) {
  __m256 t[8], s[8];
#pragma GCC unroll 4
  for (int l = 0; l < 8; l += 2) {
    t[l] = _mm256_unpacklo_ps(r[l], r[l + 1]);
    t[l + 1] = _mm256_unpackhi_ps(r[l], r[l + 1]);
  }
#pragma GCC unroll 2
  for (int q = 0; q < 8; q += 4) {  // s[q + j]: rows q..q+3, column 4k+j in 128-bit half k
    s[q] = _mm256_shuffle_ps(t[q], t[q + 2], 0x44);
    s[q + 1] = _mm256_shuffle_ps(t[q], t[q + 2], 0xEE);
    s[q + 2] = _mm256_shuffle_ps(t[q + 1], t[q + 3], 0x44);
    s[q + 3] = _mm256_shuffle_ps(t[q + 1], t[q + 3], 0xEE);
  }
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    r[j] = _mm256_permute2f128_ps(s[j], s[4 + j], 0x20);
    r[4 + j] = _mm256_permute2f128_ps(s[j], s[4 + j], 0x31);
  }
}

/// Float vector adapter for the templates written once over a vector type (eltwise, simd/vexp.h,
/// softmax, lrn, nchwc): arithmetic, compares as masks (not_le: !(a <= b), true for NaN), tails,
/// reductions, an L x L transpose.
struct VecF {
  using T = __m256;
  using M = __m256;
  static constexpr int64_t L = 8;
  static void transpose(T r[L]) { transpose8(r); }
  static T set1(float f) { return _mm256_set1_ps(f); }
  static T load_n(const float* p, int64_t n) { return n >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, tail_mask(n)); }
  static void store_n(float* p, T v, int64_t n) {
    if (n >= 8)
      _mm256_storeu_ps(p, v);
    else
      _mm256_maskstore_ps(p, tail_mask(n), v);
  }
  static M first_n(int64_t n) { return _mm256_castsi256_ps(tail_mask(n)); }
  static float hmax(T a) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    return _mm_cvtss_f32(_mm_max_ss(m, _mm_shuffle_ps(m, m, 1)));
  }
  static float hsum(T a) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
  }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T sub(T a, T b) { return _mm256_sub_ps(a, b); }
  static T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static T div(T a, T b) { return _mm256_div_ps(a, b); }
  static T sqrt(T a) { return _mm256_sqrt_ps(a); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T min(T a, T b) { return _mm256_min_ps(a, b); }
  static T max(T a, T b) { return _mm256_max_ps(a, b); }
  static T abs(T a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.f), a); }
  static T neg(T a) { return _mm256_xor_ps(_mm256_set1_ps(-0.f), a); }
  static T round(T a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // p * 2^n for integral n (vexp.h): one exact step for n in [-126, 127]; two below, so that a
  // subnormal result is rounded once
  static T scale_normal(T p, T n) { return mul(p, exp2i(n)); }
  static T scale(T p, T n) {
    const T n1 = min(set1(127.f), max(set1(-126.f), n));
    return mul(mul(p, exp2i(n1)), exp2i(sub(n, n1)));
  }
  static T exp2i(T n) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23));
  }
  static M lt(T a, T b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static bool any(M m) { return _mm256_movemask_ps(m) != 0; }
  static M eq(T a, T b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  static M not_le(T a, T b) { return _mm256_cmp_ps(a, b, _CMP_NLE_UQ); }
  static T select(M m, T a, T b) { return _mm256_blendv_ps(b, a, m); }
  static T copysign(T mag, T sgn) {
    const __m256 s = _mm256_set1_ps(-0.f);
    return _mm256_or_ps(_mm256_andnot_ps(s, mag), _mm256_and_ps(s, sgn));
  }
};

}  // namespace
}  // namespace cnncore::kernels::avx2
