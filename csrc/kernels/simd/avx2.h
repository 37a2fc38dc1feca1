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

}  // namespace
}  // namespace cnncore::kernels::avx2
