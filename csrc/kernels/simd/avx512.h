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

}  // namespace
}  // namespace cnncore::kernels::avx512
