// AVX2 max pooling over a padded plane: 8 outputs per vector, strides 1 and 2, NaN-exact.
#include <immintrin.h>

#include "kernels/simd/avx2.h"
#include "kernels/maxpool/maxpool.h"

namespace cnncore::kernels::avx2 {

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
