// Scalar reference pooling.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/pool/pool.h"

namespace cnncore::kernels::ref {

constexpr float kInf = std::numeric_limits<float>::infinity();

void max_pool2d_plane(const PoolParams& p, const float* x, float* y) {
  for (int64_t oy = 0; oy < p.OH; ++oy) {
    for (int64_t ox = 0; ox < p.OW; ++ox) {
      float m = -kInf;
      for (int64_t ky = 0; ky < p.kh; ++ky) {
        const int64_t iy = oy * p.sh - p.pt + ky * p.dh;
        if (iy < 0 || iy >= p.H) continue;
        for (int64_t kx = 0; kx < p.kw; ++kx) {
          const int64_t ix = ox * p.sw - p.pl + kx * p.dw;
          if (ix < 0 || ix >= p.W) continue;
          const float v = x[iy * p.W + ix];
          if (v > m || std::isnan(v)) m = v;
          if (std::isnan(m)) break;
        }
      }
      y[oy * p.OW + ox] = m;
    }
  }
}

void avg_pool2d_plane(const PoolParams& p, const float* x, float* y) {
  for (int64_t oy = 0; oy < p.OH; ++oy) {
    int64_t y0 = oy * p.sh - p.pt;
    int64_t y1 = std::min(y0 + p.kh, p.H + p.pb);
    const int64_t ph = y1 - y0;
    y0 = std::max<int64_t>(y0, 0);
    y1 = std::min(y1, p.H);
    for (int64_t ox = 0; ox < p.OW; ++ox) {
      int64_t x0 = ox * p.sw - p.pl;
      int64_t x1 = std::min(x0 + p.kw, p.W + p.pr);
      const int64_t pw = x1 - x0;
      x0 = std::max<int64_t>(x0, 0);
      x1 = std::min(x1, p.W);
      // Each column's rows summed first, then the columns (from the first one on): the separable
      // kernels' order, so they give these bits.
      float s = 0.f;
      for (int64_t ix = x0; ix < x1 && y0 < y1; ++ix) {
        float c = x[y0 * p.W + ix];
        for (int64_t iy = y0 + 1; iy < y1; ++iy) c += x[iy * p.W + ix];
        s = ix == x0 ? c : s + c;
      }
      const int64_t div = p.divisor_override ? p.divisor_override
                          : p.count_include_pad ? ph * pw
                                                : (y1 - y0) * (x1 - x0);
      y[oy * p.OW + ox] = s / static_cast<float>(div);
    }
  }
}

namespace {
// Sum of n floats as eight interleaved partial sums (element i into sum i % 8), added pairwise at
// the end: eight independent chains instead of one n long (a global pool's 49-2048 elements).
float sum8(const float* x, int64_t n) {
  float s[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) s[j] += x[i + j];
  for (int j = 0; i < n; ++i, ++j) s[j] += x[i];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}
}  // namespace

void adaptive_avg_pool2d_plane(int64_t H, int64_t W, int64_t OH, int64_t OW, const float* x, float* y) {
  for (int64_t oy = 0; oy < OH; ++oy) {
    const int64_t y0 = oy * H / OH, y1 = ((oy + 1) * H + OH - 1) / OH;
    for (int64_t ox = 0; ox < OW; ++ox) {
      const int64_t x0 = ox * W / OW, x1 = ((ox + 1) * W + OW - 1) / OW;
      float s = 0.f;
      if (x1 - x0 == W) {  // whole rows: one contiguous run (a global pool: the whole plane)
        s = sum8(x + y0 * W, (y1 - y0) * W);
      } else {
        for (int64_t iy = y0; iy < y1; ++iy) s += sum8(x + iy * W + x0, x1 - x0);
      }
      y[oy * OW + ox] = s / static_cast<float>((y1 - y0) * (x1 - x0));
    }
  }
}

void adaptive_max_pool2d_plane(int64_t H, int64_t W, int64_t OH, int64_t OW, const float* x, float* y) {
  for (int64_t oy = 0; oy < OH; ++oy) {
    const int64_t y0 = oy * H / OH, y1 = ((oy + 1) * H + OH - 1) / OH;
    for (int64_t ox = 0; ox < OW; ++ox) {
      const int64_t x0 = ox * W / OW, x1 = ((ox + 1) * W + OW - 1) / OW;
      // Four running maxima per window row break the compare-select chain (a text CNN's
      // max over time is one window of 46-48); a NaN anywhere makes the window a NaN, the last
      // one met, found by the plain scan.
      float m4[4] = {-kInf, -kInf, -kInf, -kInf};
      bool nan = false;
      for (int64_t iy = y0; iy < y1; ++iy) {
        const float* row = x + iy * W;
        int64_t ix = x0;
        for (; ix + 4 <= x1; ix += 4)
          for (int l = 0; l < 4; ++l) {
            const float v = row[ix + l];
            m4[l] = v > m4[l] ? v : m4[l];
            nan |= v != v;
          }
        for (; ix < x1; ++ix) {
          const float v = row[ix];
          m4[0] = v > m4[0] ? v : m4[0];
          nan |= v != v;
        }
      }
      float m = m4[0];
      for (int l = 1; l < 4; ++l) m = m4[l] > m ? m4[l] : m;
      if (nan)
        for (int64_t iy = y0; iy < y1; ++iy)
          for (int64_t ix = x0; ix < x1; ++ix)
            if (std::isnan(x[iy * W + ix])) m = x[iy * W + ix];
      y[oy * OW + ox] = m;
    }
  }
}

}  // namespace cnncore::kernels::ref
