// Scalar reference GEMM microkernel (4 x 8 tile): the spec for the SIMD variants.
#include "kernels/gemm/gemm.h"

namespace cnncore::kernels::ref {
namespace {
constexpr int MR = 4, NR = 8;

void run(int64_t k, const float* a, const float* b, float* c, int64_t ldc, int m, int n, bool accumulate) {
  float acc[MR][NR] = {};
  for (int64_t p = 0; p < k; ++p)
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j) acc[i][j] += a[p * MR + i] * b[p * NR + j];
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}
}  // namespace

extern const GemmUkernel gemm_ukernel{MR, NR, run};

}  // namespace cnncore::kernels::ref
