// AVX2 depthwise plane: 8 outputs of a row per vector, strides 1 and 2 (stride 2 keeps the
// even lanes of two loads). Summation order per output matches the reference (ky, kx, then bias).
#include <immintrin.h>

#include "kernels/simd/avx2.h"
#include "kernels/dwconv/dwconv.h"

namespace cnncore::kernels::avx2 {
namespace {

// The activation as the eltwise kernels apply it (NaN propagates: it is the second operand).
inline __m256 activate(__m256 v, const DwAct& a) {
  if (a.kind == DwAct::relu) return _mm256_max_ps(_mm256_setzero_ps(), v);
  if (a.kind == DwAct::clip) return _mm256_min_ps(_mm256_set1_ps(a.hi), _mm256_max_ps(_mm256_set1_ps(a.lo), v));
  return v;
}

// 3x3 undilated windows (nearly every depthwise layer in practice): the nine weights stay in
// registers and the tap loops are unrolled at compile time.
template <int S>
void plane_3x3(const DwParams& p, const float* xp, const float* w, float bias, const DwAct& act, float* y) {
  __m256 wv[9];
  for (int t = 0; t < 9; ++t) wv[t] = _mm256_set1_ps(w[t]);
  const __m256 vb = _mm256_set1_ps(bias);
  for (int64_t oy = 0; oy < p.OH; ++oy) {
    const float* r0 = xp + oy * S * p.ldx;
    const float* r1 = r0 + p.ldx;
    const float* r2 = r1 + p.ldx;
    float* yr = y + oy * p.OW;
    for (int64_t ox = 0; ox < p.OW; ox += 8) {
      const int64_t o = ox * S;
      __m256 acc = _mm256_add_ps(_mm256_setzero_ps(), _mm256_mul_ps(wv[0], load_strided(r0 + o, S)));  // 0 + w*x, as the reference
      acc = _mm256_add_ps(acc, _mm256_mul_ps(wv[1], load_strided(r0 + o + 1, S)));
      acc = _mm256_add_ps(acc, _mm256_mul_ps(wv[2], load_strided(r0 + o + 2, S)));
      acc = _mm256_add_ps(acc, _mm256_mul_ps(wv[3], load_strided(r1 + o, S)));
      acc = _mm256_add_ps(acc, _mm256_mul_ps(wv[4], load_strided(r1 + o + 1, S)));
      acc = _mm256_add_ps(acc, _mm256_mul_ps(wv[5], load_strided(r1 + o + 2, S)));
      acc = _mm256_add_ps(acc, _mm256_mul_ps(wv[6], load_strided(r2 + o, S)));
      acc = _mm256_add_ps(acc, _mm256_mul_ps(wv[7], load_strided(r2 + o + 1, S)));
      acc = _mm256_add_ps(acc, _mm256_mul_ps(wv[8], load_strided(r2 + o + 2, S)));
      _mm256_maskstore_ps(yr + ox, tail_mask(p.OW - ox), activate(_mm256_add_ps(acc, vb), act));
    }
  }
}

}  // namespace

bool dwconv_supports(const DwParams& p) {
  return p.sw == 2 || (p.sw == 1 && p.kh == 3 && p.kw == 3 && p.dh == 1 && p.dw == 1 && p.sh == 1);
}

void dwconv_plane(const DwParams& p, const float* xp, const float* w, float bias, DwAct act, float* y) {
  if (p.kh == 3 && p.kw == 3 && p.dh == 1 && p.dw == 1 && p.sh == p.sw && (p.sw == 1 || p.sw == 2))
    return p.sw == 1 ? plane_3x3<1>(p, xp, w, bias, act, y) : plane_3x3<2>(p, xp, w, bias, act, y);
  const __m256 vb = _mm256_set1_ps(bias);
  for (int64_t oy = 0; oy < p.OH; ++oy) {
    float* yr = y + oy * p.OW;
    for (int64_t ox = 0; ox < p.OW; ox += 8) {
      __m256 acc = _mm256_setzero_ps();
      for (int64_t ky = 0; ky < p.kh; ++ky) {
        const float* xr = xp + (oy * p.sh + ky * p.dh) * p.ldx + ox * p.sw;
        for (int64_t kx = 0; kx < p.kw; ++kx)
          acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_set1_ps(w[ky * p.kw + kx]), load_strided(xr + kx * p.dw, p.sw)));
      }
      _mm256_maskstore_ps(yr + ox, tail_mask(p.OW - ox), activate(_mm256_add_ps(acc, vb), act));
    }
  }
}

}  // namespace cnncore::kernels::avx2
