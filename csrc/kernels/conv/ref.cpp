// Scalar reference convolution: the spec that every fast variant is tested against.
#include <algorithm>

#include "kernels/conv/conv.h"

namespace cnncore::kernels::ref {
namespace {

int64_t ceil_div_nonneg(int64_t a, int64_t b) { return a <= 0 ? 0 : (a + b - 1) / b; }
// Largest o with o*s + off <= hi, plus one (i.e. the exclusive end), or 0 when none.
int64_t end_index(int64_t hi, int64_t off, int64_t s) { return hi - off < 0 ? 0 : (hi - off) / s + 1; }

}  // namespace

void conv2d_plane(const ConvParams& p, const float* x, const float* w, const float* bias, int64_t oc, float* y) {
  const int64_t cpg = p.C / p.groups, kpg = p.K / p.groups, g = oc / kpg;
  std::fill(y, y + p.OH * p.OW, 0.f);
  for (int64_t icl = 0; icl < cpg; ++icl) {
    const float* xc = x + (g * cpg + icl) * p.H * p.W;
    for (int64_t ky = 0; ky < p.kh; ++ky) {
      for (int64_t kx = 0; kx < p.kw; ++kx) {
        const float wv = w[((oc * cpg + icl) * p.kh + ky) * p.kw + kx];
        const int64_t xoff = kx * p.dw - p.pl;  // ix = ox*sw + xoff
        const int64_t ox0 = ceil_div_nonneg(-xoff, p.sw);
        const int64_t ox1 = std::min(p.OW, end_index(p.W - 1, xoff, p.sw));
        for (int64_t oy = 0; oy < p.OH; ++oy) {
          const int64_t iy = oy * p.sh - p.pt + ky * p.dh;
          if (iy < 0 || iy >= p.H) continue;
          const float* xr = xc + iy * p.W;
          float* yr = y + oy * p.OW;
          for (int64_t ox = ox0; ox < ox1; ++ox) yr[ox] += wv * xr[ox * p.sw + xoff];
        }
      }
    }
  }
  if (bias)
    for (int64_t i = 0; i < p.OH * p.OW; ++i) y[i] += bias[oc];
}

void conv_transpose2d_plane(const ConvParams& p, const float* x, const float* w, const float* bias, int64_t oc,
                            float* y) {
  const int64_t cpg = p.C / p.groups, kpg = p.K / p.groups, g = oc / kpg, ocl = oc % kpg;
  std::fill(y, y + p.OH * p.OW, 0.f);
  for (int64_t icl = 0; icl < cpg; ++icl) {
    const int64_t ic = g * cpg + icl;
    const float* xc = x + ic * p.H * p.W;
    for (int64_t ky = 0; ky < p.kh; ++ky) {
      for (int64_t kx = 0; kx < p.kw; ++kx) {
        const float wv = w[((ic * kpg + ocl) * p.kh + ky) * p.kw + kx];
        const int64_t xoff = kx * p.dw - p.pl;  // ox = ix*sw + xoff
        const int64_t ix0 = ceil_div_nonneg(-xoff, p.sw);
        const int64_t ix1 = std::min(p.W, end_index(p.OW - 1, xoff, p.sw));
        for (int64_t iy = 0; iy < p.H; ++iy) {
          const int64_t oy = iy * p.sh - p.pt + ky * p.dh;
          if (oy < 0 || oy >= p.OH) continue;
          const float* xr = xc + iy * p.W;
          float* yr = y + oy * p.OW;
          for (int64_t ix = ix0; ix < ix1; ++ix) yr[ix * p.sw + xoff] += wv * xr[ix];
        }
      }
    }
  }
  if (bias)
    for (int64_t i = 0; i < p.OH * p.OW; ++i) y[i] += bias[oc];
}

}  // namespace cnncore::kernels::ref
