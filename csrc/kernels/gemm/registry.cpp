#include <algorithm>
#include <cstring>

#include "kernels/gemm/gemm.h"

namespace cnncore::kernels {

const core::Kernel<const GemmUkernel*> kGemmKernels[kGemmCount] = {
#define CNNCORE_KERNEL(ns, level) {#ns, Isa::level, &ns::gemm_ukernel},
#include "kernels/gemm/gemm.inc"
#undef CNNCORE_KERNEL
};

void pack_a(const float* A, int64_t lda, int64_t m0, int m, int64_t k0, int64_t kc, int mr, float* out) {
  for (int64_t k = 0; k < kc; ++k) {
    float* o = out + k * mr;
    for (int i = 0; i < m; ++i) o[i] = A[(m0 + i) * lda + k0 + k];
    for (int i = m; i < mr; ++i) o[i] = 0.f;
  }
}

void pack_b(const float* B, int64_t ldb, int64_t k0, int64_t kc, int64_t n0, int n, int nr, float* out) {
  for (int64_t k = 0; k < kc; ++k) {
    const float* src = B + (k0 + k) * ldb + n0;
    float* o = out + k * nr;
    std::memcpy(o, src, static_cast<size_t>(n) * sizeof(float));
    if (n < nr) std::fill(o + n, o + nr, 0.f);
  }
}

}  // namespace cnncore::kernels
