#pragma once
// Helpers for AVX-512 translation units only (see simd/avx2.h for why the anonymous namespace).
#include <immintrin.h>

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

}  // namespace
}  // namespace cnncore::kernels::avx512
