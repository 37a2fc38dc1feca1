// AVX-512 Winograd transforms: 16 channels per vector.
#include <immintrin.h>

#include "kernels/simd/avx512.h"
#include "kernels/winograd/transform.h"
#include "kernels/winograd/winograd.h"

namespace cnncore::kernels::avx512 {
namespace {

// 128-bit lane k of v (k a constant once the callers' loops unroll).
inline __m128 lane128(__m512 v, int k) {
  switch (k) {
    case 0: return _mm512_castps512_ps128(v);
    case 1: return _mm512_extractf32x4_ps(v, 1);
    case 2: return _mm512_extractf32x4_ps(v, 2);
    default: return _mm512_extractf32x4_ps(v, 3);
  }
}

struct Vec {
  using T = __m512;
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static T set1(float v) { return _mm512_set1_ps(v); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T sub(T a, T b) { return _mm512_sub_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T fnma(T a, T b, T c) { return _mm512_fnmadd_ps(a, b, c); }
  static T max(T a, T b) { return _mm512_max_ps(a, b); }
  static T min(T a, T b) { return _mm512_min_ps(a, b); }
  // 4x4 transposes inside each 128-bit lane: q[j] lane k holds channel 4k+j's four pixels, which
  // a masked store of that lane alone puts in place.
  static void transpose4(T o0, T o1, T o2, T o3, T q[4]) {
    const T a = _mm512_unpacklo_ps(o0, o1), b = _mm512_unpackhi_ps(o0, o1);
    const T c = _mm512_unpacklo_ps(o2, o3), d = _mm512_unpackhi_ps(o2, o3);
    q[0] = _mm512_shuffle_ps(a, c, 0x44);
    q[1] = _mm512_shuffle_ps(a, c, 0xEE);
    q[2] = _mm512_shuffle_ps(b, d, 0x44);
    q[3] = _mm512_shuffle_ps(b, d, 0xEE);
  }
  static void store_row4(const T o[4], float* y, int64_t ldc) {
    T q[4];
    transpose4(o[0], o[1], o[2], o[3], q);
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k)
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j)
        _mm512_mask_storeu_ps(y + (4 * k + j) * ldc - 4 * k, static_cast<__mmask16>(0xF << (4 * k)), q[j]);
  }
  // Three pixels: the same transposes with a copy of the third as the fourth; each channel's
  // three as a pair and a single (masked 12-byte stores: the output transform took 1.3x the
  // time, ResNet conv1's fold on one thread).
  static void store_row3(const T o[3], float* y, int64_t ldc) {
    T q[4];
    transpose4(o[0], o[1], o[2], o[2], q);
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k)
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) {
        const __m128 v = lane128(q[j], k);
        float* p = y + (4 * k + j) * ldc;
        _mm_storel_pi(reinterpret_cast<__m64*>(p), v);
        _mm_store_ss(p + 2, _mm_movehl_ps(v, v));
      }
  }
  // Pairs interleaved inside each 128-bit lane: unpacklo holds channels 4k, 4k+1, unpackhi 4k+2, 4k+3.
  static void store_row2(const T o[2], float* y, int64_t ldc) {
    const T a = _mm512_unpacklo_ps(o[0], o[1]), b = _mm512_unpackhi_ps(o[0], o[1]);
    const __m128 al[4] = {_mm512_extractf32x4_ps(a, 0), _mm512_extractf32x4_ps(a, 1), _mm512_extractf32x4_ps(a, 2),
                          _mm512_extractf32x4_ps(a, 3)};
    const __m128 bl[4] = {_mm512_extractf32x4_ps(b, 0), _mm512_extractf32x4_ps(b, 1), _mm512_extractf32x4_ps(b, 2),
                          _mm512_extractf32x4_ps(b, 3)};
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) {
      _mm_storel_pi(reinterpret_cast<__m64*>(y + (4 * k) * ldc), al[k]);
      _mm_storeh_pi(reinterpret_cast<__m64*>(y + (4 * k + 1) * ldc), al[k]);
      _mm_storel_pi(reinterpret_cast<__m64*>(y + (4 * k + 2) * ldc), bl[k]);
      _mm_storeh_pi(reinterpret_cast<__m64*>(y + (4 * k + 3) * ldc), bl[k]);
    }
  }
};

void pack(const float* x, int64_t ld, int nch, int64_t n, int, float* out) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 r[16];
#pragma GCC unroll 16
    for (int l = 0; l < 16; ++l) r[l] = l < nch ? _mm512_loadu_ps(x + l * ld + i) : _mm512_setzero_ps();
    transpose16(r);
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j) _mm512_storeu_ps(out + (i + j) * 16, r[j]);
  }
  for (; i < n; ++i)
    for (int l = 0; l < 16; ++l) out[i * 16 + l] = l < nch ? x[l * ld + i] : 0.f;
}

void input(const float* x, int64_t ldx, int, float* v, int64_t ldv) { Winograd6<Vec>::input(x, ldx, 16, v, ldv); }
void output(const float* m, int64_t ldm, const float* bias, float lo, float hi, int, float* y, int64_t ldc,
            int64_t ldr) {
  Winograd6<Vec>::output<4>(m, ldm, bias, lo, hi, y, ldc, ldr);
}
void output2(const float* m, int64_t ldm, const float* bias, float lo, float hi, int, float* y, int64_t ldc,
             int64_t ldr) {
  Winograd6<Vec>::output<2>(m, ldm, bias, lo, hi, y, ldc, ldr);
}

void output3(const float* m, int64_t ldm, const float* bias, float lo, float hi, int, float* y, int64_t ldc,
             int64_t ldr) {
  Winograd6<Vec>::output<3>(m, ldm, bias, lo, hi, y, ldc, ldr);
}

void output_px(const float* m, int64_t ldm, const float* bias, float lo, float hi, int, float* y, int64_t ldr) {
  Winograd6<Vec>::output<4, 16>(m, ldm, bias, lo, hi, y, 0, ldr);
}
void output2_px(const float* m, int64_t ldm, const float* bias, float lo, float hi, int, float* y, int64_t ldr) {
  Winograd6<Vec>::output<2, 16>(m, ldm, bias, lo, hi, y, 0, ldr);
}
void output3_px(const float* m, int64_t ldm, const float* bias, float lo, float hi, int, float* y, int64_t ldr) {
  Winograd6<Vec>::output<3, 16>(m, ldm, bias, lo, hi, y, 0, ldr);
}

}  // namespace

extern const WinogradKernel winograd_kernel{16, pack, input, output, output2, output3, output_px, output2_px, output3_px};

}  // namespace cnncore::kernels::avx512
