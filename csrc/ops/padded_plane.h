#pragma once
// A plane copied into a zero-padded buffer, so window kernels read without bounds checks: an
// NCHW plane for the depthwise kernels, rows of a blocked plane for Winograd and the blocked
// k x k convolution.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/dwconv/dwconv.h"

namespace cnncore::ops {

/// Geometry of a window kernel (depthwise convolution) over a padded plane, as
/// kernels/dwconv/dwconv.h lays it out: the padded rows the windows cover, and the row stride
/// with the slack of 32*sw floats that the SIMD variants may read past the last window.
struct PaddedWindow {
  kernels::DwParams dp;
  int64_t rows;
  int64_t width;  // the columns the windows read (the rest of ldx is slack)
};
template <class Params>  // ConvParams: output size and window of one plane
PaddedWindow padded_window(const Params& p) {
  kernels::DwParams dp{p.OH, p.OW, p.kh, p.kw, p.sh, p.sw, p.dh, p.dw, 0};
  const int64_t width = (p.OW - 1) * p.sw + (p.kw - 1) * p.dw + 1;
  dp.ldx = width + 32 * p.sw;
  return {dp, (p.OH - 1) * p.sh + (p.kh - 1) * p.dh + 1, width};
}

/// The plane zero-padded into `rows` rows of `ldx` floats with the input at (pt, pl). Only the
/// first `width` (<= ldx) columns of each row are written: the rest is slack a kernel may read
/// into lanes it never stores.
inline void copy_padded(const float* x, int64_t H, int64_t W, int64_t pt, int64_t pl, int64_t rows, int64_t ldx,
                        int64_t width, float* out) {
  const int64_t c0 = std::min(pl, width), n = std::max<int64_t>(0, std::min(W, width - pl));
  for (int64_t r = 0; r < rows; ++r) {
    float* dst = out + r * ldx;
    const int64_t iy = r - pt;
    if (iy < 0 || iy >= H) {
      std::fill(dst, dst + width, 0.f);
      continue;
    }
    std::fill(dst, dst + c0, 0.f);
    if (n) std::memcpy(dst + c0, x + iy * W, static_cast<size_t>(n) * sizeof(float));
    std::fill(dst + c0 + n, dst + width, 0.f);
  }
}

/// Row `row` of a plane (H x W pixels of L floats) zero-padded by pt rows on top and pl columns
/// on the left, cut to Wp pixels, in dst: its padding zeroed. Returns the plane row it shows and
/// the columns [c0, c1) holding the plane's pixels (none when c1 <= c0), for the caller to fill.
struct PaddedRow {
  int64_t iy, c0, c1;
};
inline PaddedRow zero_row_padding(int64_t row, int64_t H, int64_t W, int64_t pt, int64_t pl, int64_t Wp, int64_t L,
                                  float* dst) {
  const int64_t iy = row - pt;
  if (iy < 0 || iy >= H) {
    std::fill(dst, dst + Wp * L, 0.f);
    return {iy, 0, 0};
  }
  const int64_t c0 = std::min(pl, Wp), c1 = std::clamp<int64_t>(W + pl, c0, Wp);
  std::fill(dst, dst + c0 * L, 0.f);
  std::fill(dst + c1 * L, dst + Wp * L, 0.f);
  return {iy, c0, c1};
}

/// The same row of one channel block of a blocked plane x ([H][W][L]), its pixels copied.
inline void copy_padded_row_blocked(const float* x, int64_t H, int64_t W, int64_t pt, int64_t pl, int64_t row,
                                    int64_t Wp, int64_t L, float* dst) {
  const PaddedRow r = zero_row_padding(row, H, W, pt, pl, Wp, L, dst);
  if (r.c1 > r.c0)
    std::memcpy(dst + r.c0 * L, x + (r.iy * W + (r.c0 - pl)) * L, static_cast<size_t>((r.c1 - r.c0) * L) * sizeof(float));
}

}  // namespace cnncore::ops
