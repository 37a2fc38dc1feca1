// AVX-512 depthwise plane: 16 outputs of a row per vector, strides 1 and 2 (stride 2 keeps the
// even lanes of two loads). Per output: fused multiply-adds in (ky, kx) order, then + bias.
#include <immintrin.h>

#include "kernels/simd/avx512.h"
#include "kernels/dwconv/dwconv.h"
#include "kernels/dwconv/blocked.h"
#include "kernels/dwconv/plane.h"

namespace cnncore::kernels::avx512 {
namespace {

// The activation as the eltwise kernels apply it (NaN propagates: it is the second operand).
inline __m512 activate(__m512 v, const DwAct& a) {
  if (a.kind == DwAct::relu) return _mm512_max_ps(_mm512_setzero_ps(), v);
  if (a.kind == DwAct::clip) return _mm512_min_ps(_mm512_set1_ps(a.hi), _mm512_max_ps(_mm512_set1_ps(a.lo), v));
  return v;
}

struct Vec {
  using T = __m512;
  static constexpr int kLanes = 16;
  static T set1(float v) { return _mm512_set1_ps(v); }
  static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  template <int S>
  static T load(const float* p) { return load_strided(p, S); }
  // Even and odd columns of p[0, 32) by two permutes; the third tap is the even one moved down a
  // lane, with p[32] in the last (loads and permutes per row: 3 and 3, against 6 and 3).
  static void taps_s2(const float* p, T x[3]) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const __m512 a = _mm512_loadu_ps(p), b = _mm512_loadu_ps(p + 16);
    x[0] = _mm512_permutex2var_ps(a, even, b);
    x[1] = _mm512_permutex2var_ps(a, odd, b);
    x[2] = _mm512_castsi512_ps(
        _mm512_alignr_epi32(_mm512_castps_si512(_mm512_set1_ps(p[32])), _mm512_castps_si512(x[0]), 1));
  }
  static void store(float* p, T v, int n) { _mm512_mask_storeu_ps(p, tail_mask(n), v); }
  static T zero() { return _mm512_setzero_ps(); }
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static T load_n(const float* p, int64_t n) { return n >= 16 ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(tail_mask(n), p); }
  static void deinterleave(T a, T b, T& e, T& o) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    e = _mm512_permutex2var_ps(a, even, b);
    o = _mm512_permutex2var_ps(a, odd, b);
  }
  template <int k>
  static T shift(T lo, T hi) {
    return _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(hi), _mm512_castps_si512(lo), k));
  }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static void transpose(T r[16]) { transpose16(r); }
  static T activate(T v, const DwAct& a) { return avx512::activate(v, a); }
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
extern const int dwconv_lanes = 16;

bool dwconv_supports(const DwParams& p) { return p.sw == 1 || p.sw == 2; }

void dwconv_plane(const DwParams& p, const float* xp, const float* w, float bias, DwAct act, float* y) {
  if (p.kh == 3 && p.kw == 3 && p.dh == 1 && p.dw == 1 && p.sh == p.sw)
    return p.sw == 1 ? dw_plane_3x3<Vec, 1>(p, xp, w, bias, act, y) : dw_plane_3x3<Vec, 2>(p, xp, w, bias, act, y);
  if (p.sw == 1) return dw_plane_any<Vec, 1>(p, xp, w, bias, act, y);
  dw_plane_any<Vec, 2>(p, xp, w, bias, act, y);
}

}  // namespace cnncore::kernels::avx512
