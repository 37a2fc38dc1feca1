#pragma once
// Winograd F(4x4, 3x3), F(3x3, 4x4) and F(2x2, 5x5) tile transforms (Lavin & Gray, points 0, +-1, +-2, inf,
// 6x6 tiles for both) on channel-blocked
// data: `lanes` channels of a pixel are contiguous (NCHWc), so every transform step is one vector
// operation across channels. The convolution op (ops/conv_winograd.cpp) runs
//   y = A^T [ (G g G^T) . (B^T d B) ] A
// with the elementwise product summed over input channels as 36 GEMMs.
//   input:  v[xi*ldv + l] = (B^T d B)[xi] for the 6x6 window d with pixel (r, c), lane l at
//           x[r*ldx + c*lanes + l]; xi = 6*row + col.
//   output: y[l*ldc + r*ldr + c] = min(hi, max(lo, (A^T m A)[r][c] + bias[l])), m[xi] at
//           (a 4x4 tile of F(4x4, 3x3); output3: the 3x3 tile of F(3x3, 4x4); output2: the 2x2
//           tile of F(2x2, 5x5))
//           m[xi*ldm + l]: straight into `lanes` NCHW output planes (ldc apart, rows ldr apart).
//           The clamp is ReLU (0, inf), ReLU6 (0, 6) or nothing (-inf, inf), with the eltwise
//           kernels' max/min, so it is bitwise the separate activation pass. output_px /
//           output3_px / output2_px store the same values as pixel vectors (the blocked layout).
// Every variant performs the same operations in the same order (transform.h), so results are
// bitwise equal across ISA levels.
#include <cstdint>

#include "core/dispatch.h"

namespace cnncore::kernels {

struct WinogradKernel {
  int lanes;  // channels per vector; the ref handles any count
  /// One row into channel-blocked form: out[i*lanes + l] = l < nch ? x[l*ld + i] : 0, i < n.
  void (*pack)(const float* x, int64_t ld, int nch, int64_t n, int lanes, float* out);
  void (*input)(const float* x, int64_t ldx, int lanes, float* v, int64_t ldv);
  void (*output)(const float* m, int64_t ldm, const float* bias, float lo, float hi, int lanes, float* y, int64_t ldc,
                 int64_t ldr);
  void (*output2)(const float* m, int64_t ldm, const float* bias, float lo, float hi, int lanes, float* y,
                  int64_t ldc, int64_t ldr);
  void (*output3)(const float* m, int64_t ldm, const float* bias, float lo, float hi, int lanes, float* y,
                  int64_t ldc, int64_t ldr);
  /// output / output2 into the blocked layout: pixel (r, c) lane l at y[r*ldr + c*lanes + l].
  void (*output_px)(const float* m, int64_t ldm, const float* bias, float lo, float hi, int lanes, float* y,
                    int64_t ldr);
  void (*output2_px)(const float* m, int64_t ldm, const float* bias, float lo, float hi, int lanes, float* y,
                     int64_t ldr);
  void (*output3_px)(const float* m, int64_t ldm, const float* bias, float lo, float hi, int lanes, float* y,
                     int64_t ldr);
};

#define CNNCORE_KERNEL(ns, isa) \
  namespace ns {                \
  extern const WinogradKernel winograd_kernel; \
  }
#include "kernels/winograd/winograd.inc"
#undef CNNCORE_KERNEL

#define CNNCORE_KERNEL(ns, isa) +1
constexpr int kWinogradCount = 0
#include "kernels/winograd/winograd.inc"
    ;
#undef CNNCORE_KERNEL
extern const core::Kernel<const WinogradKernel*> kWinogradKernels[kWinogradCount];

/// The 6x6 transformed filter G g G^T of one r x r filter g (row-major; r = 3 for F(4x4, 3x3),
/// 4 for F(3x3, 4x4), 5 for F(2x2, 5x5)), computed in double.
void winograd_filter(const float* g, int r, float* u);

}  // namespace cnncore::kernels
