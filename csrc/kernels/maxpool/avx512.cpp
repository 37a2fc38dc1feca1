// AVX-512 max pooling over a padded plane: 16 outputs per vector, strides 1 and 2; NaN inputs
// are tracked in a mask so they propagate exactly as in the reference.
#include <immintrin.h>

#include "kernels/simd/avx512.h"
#include "kernels/maxpool/maxpool.h"

namespace cnncore::kernels::avx512 {

bool maxpool_supports(const DwParams& p) { return p.sw == 1 || p.sw == 2; }

void maxpool_plane(const DwParams& p, const float* xp, float* y) {
  const __m512 qnan = _mm512_set1_ps(__builtin_nanf(""));
  for (int64_t oy = 0; oy < p.OH; ++oy) {
    float* yr = y + oy * p.OW;
    for (int64_t ox = 0; ox < p.OW; ox += 16) {
      __m512 m = _mm512_set1_ps(-__builtin_inff());
      __mmask16 nan = 0;
      for (int64_t ky = 0; ky < p.kh; ++ky) {
        const float* xr = xp + (oy * p.sh + ky * p.dh) * p.ldx + ox * p.sw;
        for (int64_t kx = 0; kx < p.kw; ++kx) {
          const __m512 v = load_strided(xr + kx * p.dw, p.sw);
          nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
          m = _mm512_max_ps(m, v);
        }
      }
      m = _mm512_mask_blend_ps(nan, m, qnan);
      _mm512_mask_storeu_ps(yr + ox, tail_mask(p.OW - ox), m);
    }
  }
}

}  // namespace cnncore::kernels::avx512
