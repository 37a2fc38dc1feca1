// AVX2 eltwise: the row kernel of rows.h over this ISA's float vectors.
#include <immintrin.h>

#include "kernels/eltwise/rows.h"
#include "kernels/simd/avx2.h"

namespace cnncore::kernels::avx2 {

bool bias_act_supports(Activation k) { return eltwise_simd_supports(k); }

void bias_act(const float* x, float* y, int64_t n, const float* bias, int64_t bias_stride, const ActivationSpec& p) {
  bias_act_simd<VecF>(x, y, n, bias, bias_stride, p);
}

}  // namespace cnncore::kernels::avx2
