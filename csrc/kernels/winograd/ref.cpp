// Scalar reference Winograd transforms: the shared transform code on one lane at a time.
#include <cmath>

#include "kernels/winograd/transform.h"
#include "kernels/winograd/winograd.h"

namespace cnncore::kernels {

void winograd_filter(const float* g, float* u) {
  static const double G[6][3] = {{1.0 / 4, 0, 0},           {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                 {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1}};
  double t[6][3];
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 3; ++j) t[i][j] = G[i][0] * g[j] + G[i][1] * g[3 + j] + G[i][2] * g[6 + j];
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j) u[i * 6 + j] = static_cast<float>(t[i][0] * G[j][0] + t[i][1] * G[j][1] + t[i][2] * G[j][2]);
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
};

void pack(const float* x, int64_t ld, int nch, int64_t n, int lanes, float* out) {
  for (int64_t i = 0; i < n; ++i)
    for (int l = 0; l < lanes; ++l) out[i * lanes + l] = l < nch ? x[l * ld + i] : 0.f;
}

void input(const float* x, int64_t ldx, int lanes, float* v, int64_t ldv) {
  for (int l = 0; l < lanes; ++l) Winograd43<Scalar>::input(x + l, ldx, lanes, v + l, ldv);
}

void output(const float* m, int64_t ldm, const float* bias, float lo, float hi, int lanes, float* y, int64_t ldc,
            int64_t ldr) {
  for (int l = 0; l < lanes; ++l) Winograd43<Scalar>::output(m + l, ldm, bias + l, lo, hi, y + l * ldc, ldc, ldr);
}

}  // namespace

extern const WinogradKernel winograd_kernel{1, pack, input, output};

}  // namespace ref
}  // namespace cnncore::kernels
