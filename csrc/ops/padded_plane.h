#pragma once
// A plane copied into a [rows x ldx] buffer with the input at (pt, pl) and `fill` around it,
// so window kernels (depthwise convolution, max pooling) read without bounds checks.
#include <algorithm>
#include <cstdint>
#include <cstring>

namespace cnncore::ops {

inline void copy_padded(const float* x, int64_t H, int64_t W, int64_t pt, int64_t pl, int64_t rows, int64_t ldx,
                        float fill, float* out) {
  const int64_t c0 = std::min(pl, ldx), n = std::max<int64_t>(0, std::min(W, ldx - pl));
  for (int64_t r = 0; r < rows; ++r) {
    float* dst = out + r * ldx;
    const int64_t iy = r - pt;
    if (iy < 0 || iy >= H) {
      std::fill(dst, dst + ldx, fill);
      continue;
    }
    std::fill(dst, dst + c0, fill);
    if (n) std::memcpy(dst + c0, x + iy * W, static_cast<size_t>(n) * sizeof(float));
    std::fill(dst + c0 + n, dst + ldx, fill);
  }
}

}  // namespace cnncore::ops
