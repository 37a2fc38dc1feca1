// AVX2 Winograd transforms: 8 channels per vector.
#include <immintrin.h>

#include "kernels/simd/avx2.h"
#include "kernels/winograd/transform.h"
#include "kernels/winograd/winograd.h"

namespace cnncore::kernels::avx2 {
namespace {

struct Vec {
  using T = __m256;
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static T set1(float v) { return _mm256_set1_ps(v); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T sub(T a, T b) { return _mm256_sub_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T fnma(T a, T b, T c) { return _mm256_fnmadd_ps(a, b, c); }
  static T max(T a, T b) { return _mm256_max_ps(a, b); }
  static T min(T a, T b) { return _mm256_min_ps(a, b); }
  // 4x4 transposes inside each 128-bit lane: q[j] lane k holds channel 4k+j's four pixels.
  static void store_row4(const T o[4], float* y, int64_t ldc) { store_rows<4>(o[0], o[1], o[2], o[3], y, ldc); }
  // Three pixels: the same transposes with a copy of the third as the fourth; each channel's
  // three as a pair and a single (as AVX-512's: masked stores are slow on this machine).
  static void store_row3(const T o[3], float* y, int64_t ldc) { store_rows<3>(o[0], o[1], o[2], o[2], y, ldc); }
  static void store3(float* p, __m128 v) {
    _mm_storel_pi(reinterpret_cast<__m64*>(p), v);
    _mm_store_ss(p + 2, _mm_movehl_ps(v, v));
  }
  template <int N>
  static void store_rows(T o0, T o1, T o2, T o3, float* y, int64_t ldc) {
    const T a = _mm256_unpacklo_ps(o0, o1), b = _mm256_unpackhi_ps(o0, o1);
    const T c = _mm256_unpacklo_ps(o2, o3), d = _mm256_unpackhi_ps(o2, o3);
    const T q[4] = {_mm256_shuffle_ps(a, c, 0x44), _mm256_shuffle_ps(a, c, 0xEE), _mm256_shuffle_ps(b, d, 0x44),
                    _mm256_shuffle_ps(b, d, 0xEE)};
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      if constexpr (N == 4) {
        _mm_storeu_ps(y + j * ldc, _mm256_castps256_ps128(q[j]));
        _mm_storeu_ps(y + (4 + j) * ldc, _mm256_extractf128_ps(q[j], 1));
      } else {
        store3(y + j * ldc, _mm256_castps256_ps128(q[j]));
        store3(y + (4 + j) * ldc, _mm256_extractf128_ps(q[j], 1));
      }
    }
  }
  // Pairs interleaved inside each 128-bit lane: unpacklo holds channels 4k, 4k+1, unpackhi 4k+2, 4k+3.
  static void store_row2(const T o[2], float* y, int64_t ldc) {
    const T a = _mm256_unpacklo_ps(o[0], o[1]), b = _mm256_unpackhi_ps(o[0], o[1]);
#pragma GCC unroll 2
    for (int k = 0; k < 2; ++k) {
      const __m128 ak = k ? _mm256_extractf128_ps(a, 1) : _mm256_castps256_ps128(a);
      const __m128 bk = k ? _mm256_extractf128_ps(b, 1) : _mm256_castps256_ps128(b);
      _mm_storel_pi(reinterpret_cast<__m64*>(y + (4 * k) * ldc), ak);
      _mm_storeh_pi(reinterpret_cast<__m64*>(y + (4 * k + 1) * ldc), ak);
      _mm_storel_pi(reinterpret_cast<__m64*>(y + (4 * k + 2) * ldc), bk);
      _mm_storeh_pi(reinterpret_cast<__m64*>(y + (4 * k + 3) * ldc), bk);
    }
  }
};

void pack(const float* x, int64_t ld, int nch, int64_t n, int, float* out) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 r[8];
#pragma GCC unroll 8
    for (int l = 0; l < 8; ++l) r[l] = l < nch ? _mm256_loadu_ps(x + l * ld + i) : _mm256_setzero_ps();
    transpose8(r);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) _mm256_storeu_ps(out + (i + j) * 8, r[j]);
  }
  for (; i < n; ++i)
    for (int l = 0; l < 8; ++l) out[i * 8 + l] = l < nch ? x[l * ld + i] : 0.f;
}

void input(const float* x, int64_t ldx, int, float* v, int64_t ldv) { Winograd6<Vec>::input(x, ldx, 8, v, ldv); }
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
  Winograd6<Vec>::output<4, 8>(m, ldm, bias, lo, hi, y, 0, ldr);
}
void output2_px(const float* m, int64_t ldm, const float* bias, float lo, float hi, int, float* y, int64_t ldr) {
  Winograd6<Vec>::output<2, 8>(m, ldm, bias, lo, hi, y, 0, ldr);
}
void output3_px(const float* m, int64_t ldm, const float* bias, float lo, float hi, int, float* y, int64_t ldr) {
  Winograd6<Vec>::output<3, 8>(m, ldm, bias, lo, hi, y, 0, ldr);
}

}  // namespace

extern const WinogradKernel winograd_kernel{8, pack, input, output, output2, output3, output_px, output2_px, output3_px};

}  // namespace cnncore::kernels::avx2
