// Scalar reference Winograd transforms: the shared transform code on one lane at a time.
#include <cmath>

#include "kernels/winograd/transform.h"
#include "kernels/winograd/winograd.h"

namespace cnncore::kernels {

void winograd_filter(const float* g, int r, float* u) {
  // G[i][j] = s_i * p_i^j for the finite points p_i, and the leading coefficient for inf; the
  // scales s_i pair with B^T (transform.h) and are the same for both filter sizes.
  static const double pts[5] = {0, 1, -1, 2, -2}, scale[5] = {1.0 / 4, -1.0 / 6, -1.0 / 6, 1.0 / 24, 1.0 / 24};
  double G[6][5] = {};
  for (int i = 0; i < 5; ++i) {
    double pw = 1;
    for (int j = 0; j < r; ++j, pw *= pts[i]) G[i][j] = scale[i] * pw;
  }
  G[5][r - 1] = 1;
  double t[6][5];
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < r; ++j) {
      double s = 0;
      for (int b = 0; b < r; ++b) s += G[i][b] * g[b * r + j];
      t[i][j] = s;
    }
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j) {
      double s = 0;
      for (int b = 0; b < r; ++b) s += t[i][b] * G[j][b];
      u[i * 6 + j] = static_cast<float>(s);
    }
}

namespace ref {
namespace {

struct Scalar {
  using T = float;
  static T load(const float* p) { return *p; }
  static void store(float* p, T v) { *p = v; }
  static T set1(float v) { return v; }
  static T add(T a, T b) { return a + b; }
  static T sub(T a, T b) { return a - b; }
  static T fma(T a, T b, T c) { return std::fma(a, b, c); }
  static T fnma(T a, T b, T c) { return std::fma(-a, b, c); }
  static T max(T a, T b) { return a > b ? a : b; }
  static T min(T a, T b) { return a < b ? a : b; }
  static void store_row4(const T o[4], float* y, int64_t) {
    for (int c = 0; c < 4; ++c) y[c] = o[c];
  }
  static void store_row3(const T o[3], float* y, int64_t) {
    for (int c = 0; c < 3; ++c) y[c] = o[c];
  }
  static void store_row2(const T o[2], float* y, int64_t) {
    y[0] = o[0];
    y[1] = o[1];
  }
};

void pack(const float* x, int64_t ld, int nch, int64_t n, int lanes, float* out) {
  for (int64_t i = 0; i < n; ++i)
    for (int l = 0; l < lanes; ++l) out[i * lanes + l] = l < nch ? x[l * ld + i] : 0.f;
}

void input(const float* x, int64_t ldx, int lanes, float* v, int64_t ldv) {
  for (int l = 0; l < lanes; ++l) Winograd6<Scalar>::input(x + l, ldx, lanes, v + l, ldv);
}

void output(const float* m, int64_t ldm, const float* bias, float lo, float hi, int lanes, float* y, int64_t ldc,
            int64_t ldr) {
  for (int l = 0; l < lanes; ++l) Winograd6<Scalar>::output<4>(m + l, ldm, bias + l, lo, hi, y + l * ldc, ldc, ldr);
}

void output2(const float* m, int64_t ldm, const float* bias, float lo, float hi, int lanes, float* y, int64_t ldc,
             int64_t ldr) {
  for (int l = 0; l < lanes; ++l) Winograd6<Scalar>::output<2>(m + l, ldm, bias + l, lo, hi, y + l * ldc, ldc, ldr);
}

void output3(const float* m, int64_t ldm, const float* bias, float lo, float hi, int lanes, float* y, int64_t ldc,
             int64_t ldr) {
  for (int l = 0; l < lanes; ++l) Winograd6<Scalar>::output<3>(m + l, ldm, bias + l, lo, hi, y + l * ldc, ldc, ldr);
}

template <int M>
void output_px(const float* m, int64_t ldm, const float* bias, float lo, float hi, int lanes, float* y, int64_t ldr) {
  // One lane at a time: Px = 1 writes its pixels 1 apart, so they are spread by `lanes` after.
  float t[16];
  for (int l = 0; l < lanes; ++l) {
    Winograd6<Scalar>::output<M, 1>(m + l, ldm, bias + l, lo, hi, t, 0, M);
    for (int r = 0; r < M; ++r)
      for (int c = 0; c < M; ++c) y[r * ldr + c * lanes + l] = t[r * M + c];
  }
}

}  // namespace

extern const WinogradKernel winograd_kernel{1,       pack,          input,        output, output2, output3,
                                            output_px<4>, output_px<2>, output_px<3>};

}  // namespace ref
}  // namespace cnncore::kernels
