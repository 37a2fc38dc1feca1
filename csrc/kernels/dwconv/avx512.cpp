// AVX-512 depthwise plane: 16 outputs of a row per vector, strides 1 and 2 (stride 2 keeps the
// even lanes of two loads). Summation order per output matches the reference (ky, kx, then bias).
#include <immintrin.h>

#include "kernels/simd/avx512.h"
#include "kernels/dwconv/dwconv.h"

namespace cnncore::kernels::avx512 {

// Stride 1 stays on the reference convolution, which the compiler vectorises and which skips
// the padded copy: measured faster there (3x3, 32x112x112: 0.37 ms vs 0.74 ms with this kernel).
bool dwconv_supports(const DwParams& p) { return p.sw == 2; }

void dwconv_plane(const DwParams& p, const float* xp, const float* w, float bias, float* y) {
  const __m512 vb = _mm512_set1_ps(bias);
  for (int64_t oy = 0; oy < p.OH; ++oy) {
    float* yr = y + oy * p.OW;
    for (int64_t ox = 0; ox < p.OW; ox += 16) {
      __m512 acc = _mm512_setzero_ps();
      for (int64_t ky = 0; ky < p.kh; ++ky) {
        const float* xr = xp + (oy * p.sh + ky * p.dh) * p.ldx + ox * p.sw;
        for (int64_t kx = 0; kx < p.kw; ++kx)
          acc = _mm512_add_ps(acc, _mm512_mul_ps(_mm512_set1_ps(w[ky * p.kw + kx]), load_strided(xr + kx * p.dw, p.sw)));
      }
      acc = _mm512_add_ps(acc, vb);
      _mm512_mask_storeu_ps(yr + ox, tail_mask(p.OW - ox), acc);
    }
  }
}

}  // namespace cnncore::kernels::avx512
