#pragma once
// Pooling kernels: each computes one [OH, OW] plane from one [H, W] plane.
#include <cstdint>

namespace cnncore::kernels {

struct PoolParams {
  int64_t H, W, OH, OW;
  int64_t kh, kw, sh, sw, pt, pl, pb, pr, dh, dw;
  bool count_include_pad;
  int64_t divisor_override;  // 0 = none
};

namespace ref {
/// Max over the window's input elements (padding never wins; NaN propagates). A window that
/// holds no input element (possible with dilation) gives -inf.
void max_pool2d_plane(const PoolParams& p, const float* x, float* y);
/// Mean over the window: per column the sum of its rows, those sums added in column order, then
/// divided by the divisor (PyTorch's): the window clipped to the padded input when
/// count_include_pad, else clipped to the input; divisor_override replaces both.
void avg_pool2d_plane(const PoolParams& p, const float* x, float* y);
/// Adaptive windows [floor(i*H/OH), ceil((i+1)*H/OH)). The mean sums each row of the window (the
/// whole window when it spans whole rows) as eight interleaved partial sums, added pairwise.
void adaptive_avg_pool2d_plane(int64_t H, int64_t W, int64_t OH, int64_t OW, const float* x, float* y);
void adaptive_max_pool2d_plane(int64_t H, int64_t W, int64_t OH, int64_t OW, const float* x, float* y);
}  // namespace ref

}  // namespace cnncore::kernels
