// AVX-512 Winograd transforms: 16 channels per vector.
#include <immintrin.h>

#include "kernels/winograd/transform.h"
#include "kernels/winograd/winograd.h"

namespace cnncore::kernels::avx512 {
namespace {

struct Vec {
  using T = __m512;
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static T set1(float v) { return _mm512_set1_ps(v); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T sub(T a, T b) { return _mm512_sub_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T fnma(T a, T b, T c) { return _mm512_fnmadd_ps(a, b, c); }
  // 4x4 transposes inside each 128-bit lane: q[j] lane k holds channel 4k+j's four pixels, which
  // a masked store of that lane alone puts in place.
  static void store_row4(const T o[4], float* y, int64_t ldc) {
    const T a = _mm512_unpacklo_ps(o[0], o[1]), b = _mm512_unpackhi_ps(o[0], o[1]);
    const T c = _mm512_unpacklo_ps(o[2], o[3]), d = _mm512_unpackhi_ps(o[2], o[3]);
    const T q[4] = {_mm512_shuffle_ps(a, c, 0x44), _mm512_shuffle_ps(a, c, 0xEE), _mm512_shuffle_ps(b, d, 0x44),
                    _mm512_shuffle_ps(b, d, 0xEE)};
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k)
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j)
        _mm512_mask_storeu_ps(y + (4 * k + j) * ldc - 4 * k, static_cast<__mmask16>(0xF << (4 * k)), q[j]);
  }
};

// 16x16 transposes: pairs of rows interleaved, then quads, then 128-bit lanes across quads.
void pack(const float* x, int64_t ld, int nch, int64_t n, int, float* out) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 r[16], t[16], s[16];
#pragma GCC unroll 16
    for (int l = 0; l < 16; ++l) r[l] = l < nch ? _mm512_loadu_ps(x + l * ld + i) : _mm512_setzero_ps();
#pragma GCC unroll 8
    for (int l = 0; l < 16; l += 2) {
      t[l] = _mm512_unpacklo_ps(r[l], r[l + 1]);
      t[l + 1] = _mm512_unpackhi_ps(r[l], r[l + 1]);
    }
#pragma GCC unroll 4
    for (int q = 0; q < 16; q += 4) {  // s[q + j]: rows q..q+3, column 4k+j in 128-bit lane k
      s[q] = _mm512_shuffle_ps(t[q], t[q + 2], 0x44);
      s[q + 1] = _mm512_shuffle_ps(t[q], t[q + 2], 0xEE);
      s[q + 2] = _mm512_shuffle_ps(t[q + 1], t[q + 3], 0x44);
      s[q + 3] = _mm512_shuffle_ps(t[q + 1], t[q + 3], 0xEE);
    }
    float* o = out + i * 16;
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      const __m512 u0 = _mm512_shuffle_f32x4(s[j], s[4 + j], 0x44), u1 = _mm512_shuffle_f32x4(s[j], s[4 + j], 0xEE);
      const __m512 u2 = _mm512_shuffle_f32x4(s[8 + j], s[12 + j], 0x44), u3 = _mm512_shuffle_f32x4(s[8 + j], s[12 + j], 0xEE);
      _mm512_storeu_ps(o + j * 16, _mm512_shuffle_f32x4(u0, u2, 0x88));
      _mm512_storeu_ps(o + (4 + j) * 16, _mm512_shuffle_f32x4(u0, u2, 0xDD));
      _mm512_storeu_ps(o + (8 + j) * 16, _mm512_shuffle_f32x4(u1, u3, 0x88));
      _mm512_storeu_ps(o + (12 + j) * 16, _mm512_shuffle_f32x4(u1, u3, 0xDD));
    }
  }
  for (; i < n; ++i)
    for (int l = 0; l < 16; ++l) out[i * 16 + l] = l < nch ? x[l * ld + i] : 0.f;
}

void input(const float* x, int64_t ldx, int, float* v, int64_t ldv) { Winograd43<Vec>::input(x, ldx, 16, v, ldv); }
void output(const float* m, int64_t ldm, const float* bias, int, float* y, int64_t ldc, int64_t ldr) {
  Winograd43<Vec>::output(m, ldm, bias, y, ldc, ldr);
}

}  // namespace

extern const WinogradKernel winograd_kernel{16, pack, input, output};

}  // namespace cnncore::kernels::avx512
