#pragma once
// A plane copied into a [rows x ldx] buffer with the input at (pt, pl) and `fill` around it,
// so window kernels (depthwise convolution) read without bounds checks.
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

/// Only the first `width` (<= ldx) columns of each row are written: the rest is slack a kernel
/// may read into lanes it never stores.
inline void copy_padded(const float* x, int64_t H, int64_t W, int64_t pt, int64_t pl, int64_t rows, int64_t ldx,
                        float fill, float* out, int64_t width = -1) {
  if (width < 0) width = ldx;
  const int64_t c0 = std::min(pl, width), n = std::max<int64_t>(0, std::min(W, width - pl));
  for (int64_t r = 0; r < rows; ++r) {
    float* dst = out + r * ldx;
    const int64_t iy = r - pt;
    if (iy < 0 || iy >= H) {
      std::fill(dst, dst + width, fill);
      continue;
    }
    std::fill(dst, dst + c0, fill);
    if (n) std::memcpy(dst + c0, x + iy * W, static_cast<size_t>(n) * sizeof(float));
    std::fill(dst + c0 + n, dst + width, fill);
  }
}

}  // namespace cnncore::ops
