#pragma once
// Helpers for AVX-512 translation units only (see simd/avx2.h for why the anonymous namespace).
#include <immintrin.h>

#include <climits>
#include <cstdint>

namespace cnncore::kernels::avx512 {
namespace {

/// Mask of the first r lanes (r clamped to [0, 16]).
inline __mmask16 tail_mask(int64_t r) {
  return r >= 16 ? static_cast<__mmask16>(0xFFFF) : r <= 0 ? static_cast<__mmask16>(0) : static_cast<__mmask16>((1u << r) - 1);
}

/// 16 floats starting at p with stride s in {1, 2} (stride 2 keeps the even lanes of 32).
inline __m512 load_strided(const float* p, int64_t s) {
  if (s == 1) return _mm512_loadu_ps(p);
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  return _mm512_permutex2var_ps(_mm512_loadu_ps(p), even, _mm512_loadu_ps(p + 16));
}

/// In-place 16x16 transpose: afterwards r[j] lane i holds what r[i] lane j held. Pairs of rows
/// are interleaved, then quads, then 128-bit lanes across quads.
inline void transpose16(__m512 r[16]) {
  __m512 t[16], s[16];
#pragma GCC unroll 8
  for (int l = 0; l < 16; l += 2) {
    t[l] = _mm512_unpacklo_ps(r[l], r[l + 1]);
    t[l + 1] = _mm512_unpackhi_ps(r[l], r[l + 1]);
  }
#pragma GCC unroll 4
  for (int q = 0; q < 16; q += 4) {  // s[q + j]: rows q..q+3, column 4k+j in 128-bit lane k
    s[q] = _mm512_shuffle_ps(t[q], t[q + 2], 0x44);
    s[q + 1] = _mm512_shuffle_ps(t[q], t[q + 2], 0xEE);
    s[q + 2] = _mm512_shuffle_ps(t[q + 1], t[q + 3], 0x44);
    s[q + 3] = _mm512_shuffle_ps(t[q + 1], t[q + 3], 0xEE);
  }
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    const __m512 u0 = _mm512_shuffle_f32x4(s[j], s[4 + j], 0x44), u1 = _mm512_shuffle_f32x4(s[j], s[4 + j], 0xEE);
    const __m512 u2 = _mm512_shuffle_f32x4(s[8 + j], s[12 + j], 0x44), u3 = _mm512_shuffle_f32x4(s[8 + j], s[12 + j], 0xEE);
    r[j] = _mm512_shuffle_f32x4(u0, u2, 0x88);
    r[4 + j] = _mm512_shuffle_f32x4(u0, u2, 0xDD);
    r[8 + j] = _mm512_shuffle_f32x4(u1, u3, 0x88);
    r[12 + j] = _mm512_shuffle_f32x4(u1, u3, 0xDD);
  }
}

/// Float vector adapter for the templates written once over a vector type (eltwise, simd/vexp.h,
/// softmax, lrn, nchwc): arithmetic, compares as masks (not_le: !(a <= b), true for NaN), tails,
/// reductions, an L x L transpose.
struct VecF {
  using T = __m512;
  using M = __mmask16;
  static constexpr int64_t L = 16;
  static void transpose(T r[L]) { transpose16(r); }
  static T set1(float f) { return _mm512_set1_ps(f); }
  static T load_n(const float* p, int64_t n) { return n >= 16 ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(tail_mask(n), p); }
  static void store_n(float* p, T v, int64_t n) { _mm512_mask_storeu_ps(p, tail_mask(n), v); }
  static M first_n(int64_t n) { return tail_mask(n); }
  static float hmax(T a) { return _mm512_reduce_max_ps(a); }
  static float hsum(T a) { return _mm512_reduce_add_ps(a); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T sub(T a, T b) { return _mm512_sub_ps(a, b); }
  static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static T div(T a, T b) { return _mm512_div_ps(a, b); }
  static T sqrt(T a) { return _mm512_sqrt_ps(a); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T min(T a, T b) { return _mm512_min_ps(a, b); }
  static T max(T a, T b) { return _mm512_max_ps(a, b); }
  static T abs(T a) { return _mm512_abs_ps(a); }
  static T neg(T a) { return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_set1_epi32(INT32_MIN))); }
  static T round(T a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // p * 2^n for integral n, rounded once (vexp.h)
  static T scale(T p, T n) { return _mm512_scalef_ps(p, n); }
  static T scale_normal(T p, T n) { return _mm512_scalef_ps(p, n); }
  static M lt(T a, T b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static bool any(M m) { return m != 0; }
  static M eq(T a, T b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  static M not_le(T a, T b) { return _mm512_cmp_ps_mask(a, b, _CMP_NLE_UQ); }
  static T select(M m, T a, T b) { return _mm512_mask_blend_ps(m, b, a); }
  static T copysign(T mag, T sgn) {
    const __m512i s = _mm512_set1_epi32(INT32_MIN);
    return _mm512_castsi512_ps(_mm512_ternarylogic_epi32(s, _mm512_castps_si512(sgn), _mm512_castps_si512(mag), 0xCA));  // s ? sgn : mag, per bit
  }
};

}  // namespace
}  // namespace cnncore::kernels::avx512
