#pragma once
// Helpers for AVX2 translation units only (compiled with the AVX2 flags). They live in an
// anonymous namespace, so each file gets its own copy and none can ever be shared with code
// built for another ISA.
#include <immintrin.h>

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

}  // namespace
}  // namespace cnncore::kernels::avx2
