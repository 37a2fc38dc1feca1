// AVX2 max pooling over a padded plane: 8 outputs per vector, strides 1 and 2, NaN-exact.
#include <immintrin.h>

#include "kernels/maxpool/maxpool.h"

namespace cnncore::kernels::avx2 {
namespace {
inline __m256 load_strided(const float* p, int64_t s) {
  if (s == 1) return _mm256_loadu_ps(p);
  const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
  const __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
}
inline __m256i tail_mask(int64_t r) {
  alignas(32) static const int kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask + 8 - (r > 8 ? 8 : r)));
}
}  // namespace

bool maxpool_supports(const DwParams& p) { return p.sw == 1 || p.sw == 2; }

void maxpool_plane(const DwParams& p, const float* xp, float* y) {
  const __m256 qnan = _mm256_set1_ps(__builtin_nanf(""));
  for (int64_t oy = 0; oy < p.OH; ++oy) {
    float* yr = y + oy * p.OW;
    for (int64_t ox = 0; ox < p.OW; ox += 8) {
      __m256 m = _mm256_set1_ps(-__builtin_inff()), nan = _mm256_setzero_ps();
      for (int64_t ky = 0; ky < p.kh; ++ky) {
        const float* xr = xp + (oy * p.sh + ky * p.dh) * p.ldx + ox * p.sw;
        for (int64_t kx = 0; kx < p.kw; ++kx) {
          const __m256 v = load_strided(xr + kx * p.dw, p.sw);
          nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
          m = _mm256_max_ps(m, v);
        }
      }
      _mm256_maskstore_ps(yr + ox, tail_mask(p.OW - ox), _mm256_blendv_ps(m, qnan, nan));
    }
  }
}

}  // namespace cnncore::kernels::avx2
