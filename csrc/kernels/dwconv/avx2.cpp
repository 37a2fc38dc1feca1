// AVX2 depthwise plane: 8 outputs of a row per vector, strides 1 and 2 (stride 2 keeps the
// even lanes of two loads). Per output: fused multiply-adds in (ky, kx) order, then + bias.
#include <immintrin.h>

#include "kernels/simd/avx2.h"
#include "kernels/dwconv/dwconv.h"
#include "kernels/dwconv/blocked.h"
#include "kernels/dwconv/plane.h"

namespace cnncore::kernels::avx2 {
namespace {

// The activation as the eltwise kernels apply it (NaN propagates: it is the second operand).
inline __m256 activate(__m256 v, const DwAct& a) {
  if (a.kind == DwAct::relu) return _mm256_max_ps(_mm256_setzero_ps(), v);
  if (a.kind == DwAct::clip) return _mm256_min_ps(_mm256_set1_ps(a.hi), _mm256_max_ps(_mm256_set1_ps(a.lo), v));
  return v;
}

struct Vec {
  using T = __m256;
  static constexpr int kLanes = 8;
  static T set1(float v) { return _mm256_set1_ps(v); }
  static T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  template <int S>
  static T load(const float* p) { return load_strided(p, S); }
  // Even and odd columns of p[0, 16) by two shuffles and two lane permutes; the third tap is
  // the even one rotated down a lane, with p[16] blended into the last.
  static void taps_s2(const float* p, T x[3]) {
    const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
    const __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)), o = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
    x[0] = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
    x[1] = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), _MM_SHUFFLE(3, 1, 2, 0)));
    const __m256 down = _mm256_permutevar8x32_ps(x[0], _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 0));
    x[2] = _mm256_blend_ps(down, _mm256_broadcast_ss(p + 16), 0x80);
  }
  // A masked store costs about ten cycles on AMD cores (gemm/avx2.cpp): only the tail takes one.
  static void store(float* p, T v, int n) {
    if (n >= 8) return _mm256_storeu_ps(p, v);
    _mm256_maskstore_ps(p, tail_mask(n), v);
  }
  static T zero() { return _mm256_setzero_ps(); }
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static T load_n(const float* p, int64_t n) { return n >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, tail_mask(n)); }
  static void deinterleave(T a, T b, T& e, T& o) {
    e = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))),
                                               _MM_SHUFFLE(3, 1, 2, 0)));
    o = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1))),
                                               _MM_SHUFFLE(3, 1, 2, 0)));
  }
  // Lanes k .. k + 8 of lo:hi: the middle 128-bit halves, then a byte shift within each half.
  template <int k>
  static T shift(T lo, T hi) {
    const __m256i mid = _mm256_castps_si256(_mm256_permute2f128_ps(lo, hi, 0x21));
    if constexpr (k < 4) return _mm256_castsi256_ps(_mm256_alignr_epi8(mid, _mm256_castps_si256(lo), 4 * k));
    else return _mm256_castsi256_ps(_mm256_alignr_epi8(_mm256_castps_si256(hi), mid, 4 * (k - 4)));
  }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static void transpose(T r[8]) { transpose8(r); }
  static T activate(T v, const DwAct& a) { return avx2::activate(v, a); }
};

void blocked(const DwBlockParams& p, const float* x, const float* w, const float* bias, int nch, DwAct act,
             float* scratch, float* y) {
  if (p.k == 5) {
    if (p.sh == 1) return dw_blocked<Vec, 5, 1>(p, x, w, bias, nch, act, scratch, y);
    return dw_blocked<Vec, 5, 2>(p, x, w, bias, nch, act, scratch, y);
  }
  if (p.sh == 1) return dw_blocked<Vec, 3, 1>(p, x, w, bias, nch, act, scratch, y);
  dw_blocked<Vec, 3, 2>(p, x, w, bias, nch, act, scratch, y);
}

}  // namespace

extern const DwBlockedFn dwconv_blocked = blocked;
extern const DwDirectFn dwconv_direct = dw_direct<Vec>;
extern const int dwconv_lanes = 8;

bool dwconv_supports(const DwParams& p) { return p.sw == 1 || p.sw == 2; }

void dwconv_plane(const DwParams& p, const float* xp, const float* w, float bias, DwAct act, float* y) {
  if (p.kh == 3 && p.kw == 3 && p.dh == 1 && p.dw == 1 && p.sh == p.sw)
    return p.sw == 1 ? dw_plane_3x3<Vec, 1>(p, xp, w, bias, act, y) : dw_plane_3x3<Vec, 2>(p, xp, w, bias, act, y);
  if (p.sw == 1) return dw_plane_any<Vec, 1>(p, xp, w, bias, act, y);
  dw_plane_any<Vec, 2>(p, xp, w, bias, act, y);
}

}  // namespace cnncore::kernels::avx2
