#pragma once
// GEMM microkernels: C[m x n] (+)= A_panel * B_panel for one register tile. A is packed in
// panels of MR rows (k-major: a[k*MR + i]), B in panels of NR columns (b[k*NR + j]); m <= MR and
// n <= NR cover edge tiles. Each variant fixes its MR x NR; pack_a / pack_b (pack.cpp) lay out
// panels for any MR / NR, so every variant shares the same packing code.
#include <cstdint>

#include "core/dispatch.h"

namespace cnncore::kernels {

/// Applied to a tile as it is stored for the last time, in the order of the unfused ops (so the
/// result is bitwise that of the separate eltwise pass): + bias[i] (one per tile row), then
/// + res[i*ldr + j], then max(0, v) (relu) or min(hi, max(lo, v)) (clip, e.g. ReLU6).
struct TileEpilogue {
  enum Act : int { none = 0, relu = 1, clip = 2 };
  const float* bias = nullptr;
  const float* res = nullptr;
  int64_t ldr = 0;
  Act act = none;
  float lo = 0.f, hi = 0.f;
};

struct GemmUkernel {
  int mr, nr;
  /// C[i*ldc + j] = (accumulate ? C : 0) + sum_k a[k*MR + i] * b[k*ldb + j], i < m, j < n, then
  /// the epilogue `ep` when given. ldb is NR for a packed panel; a wider stride reads B in place
  /// (a 1x1 convolution's input rows), which needs n == NR: all NR columns of a row are read.
  void (*run)(int64_t k, const float* a, const float* b, int64_t ldb, float* c, int64_t ldc, int m, int n,
              bool accumulate, const TileEpilogue* ep);
  /// The same with A row-major (a[i*lda + k]) instead of packed; rows i >= m are not read.
  void (*run_rows)(int64_t k, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, int m, int n,
                   bool accumulate);
  /// One row of A (x, unpacked) times np <= 4 B panels, panel q at b + q*ldp, into y + q*NR; the
  /// last panel stores n_last columns. Bitwise what run() gives for a one-row A, without the MR-1
  /// idle rows: a batch-1 fully connected layer.
  void (*gemv)(int64_t k, const float* x, const float* b, int64_t ldp, int np, float* y, int n_last,
               bool accumulate);
  /// run() (not accumulating) with B row p read in place at b + boff[p], columns [0, n) only,
  /// n <= NR: a convolution's patch rows straight from its (padded) input, unpacked.
  void (*run_offs)(int64_t k, const float* a, const float* b, const int64_t* boff, float* c, int64_t ldc, int m, int n,
                   const TileEpilogue* ep);
};

#define CNNCORE_KERNEL(ns, isa) \
  namespace ns {                \
  extern const GemmUkernel gemm_ukernel; \
  }
#include "kernels/gemm/gemm.inc"
#undef CNNCORE_KERNEL

#define CNNCORE_KERNEL(ns, isa) +1
constexpr int kGemmCount = 0
#include "kernels/gemm/gemm.inc"
    ;
#undef CNNCORE_KERNEL
extern const core::Kernel<const GemmUkernel*> kGemmKernels[kGemmCount];

/// Packs rows [m0, m0+m) x cols [k0, k0+kc) of row-major A (lda) into one MR-row panel,
/// zero-filling rows past m.
void pack_a(const float* A, int64_t lda, int64_t m0, int m, int64_t k0, int64_t kc, int mr, float* out);
/// Packs rows [k0, k0+kc) x cols [n0, n0+n) of row-major B (ldb) into one NR-column panel,
/// zero-filling columns past n.
void pack_b(const float* B, int64_t ldb, int64_t k0, int64_t kc, int64_t n0, int n, int nr, float* out);

}  // namespace cnncore::kernels
