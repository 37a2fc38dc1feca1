// AVX-512 instance of the blocked-layout kernels (blocked.h): pointwise, k x k and first-layer tiles of
// 14 pixels by two output blocks (28 accumulators of the 32 vector registers).
#include <immintrin.h>

#include "kernels/nchwc/blocked.h"
#include "kernels/simd/avx512.h"

namespace cnncore::kernels::avx512 {

extern const int nchwc_vector_lanes = static_cast<int>(VecF::L);

void nchwc_pointwise(const NchwcPwParams& p, const float* x, const float* w, const float* bias, const float* res,
                     const ActivationSpec& act, float* y, int64_t p0, int64_t p1, int64_t kb0, int64_t kb1) {
  pw_run<VecF, 14>(p, x, w, bias, res, act, y, p0, p1, kb0, kb1);
}

void nchwc_depthwise(const NchwcDwParams& p, const float* x, const float* w, const float* bias, const float* res,
                     const ActivationSpec& act, float* y, int64_t oy0, int64_t oy1) {
  dw_run<VecF>(p, x, w, bias, res, act, y, oy0, oy1);
}

void nchwc_direct(const NchwcDirectParams& p, const float* x, const float* w, const float* bias, const float* res,
                  const ActivationSpec& act, float* y, int64_t oy0, int64_t oy1, int64_t kb0, int64_t kb1) {
  direct_run<VecF, 14>(p, x, w, bias, res, act, y, oy0, oy1, kb0, kb1);
}

void nchwc_conv(const NchwcConvParams& p, const float* x, const float* w, const float* bias, const float* res,
                const ActivationSpec& act, float* y, int64_t oy0, int64_t oy1, int64_t kb0, int64_t kb1) {
  conv_run<VecF, 14>(p, x, w, bias, res, act, y, oy0, oy1, kb0, kb1);
}

void nchwc_global_avg_pool(const float* x, int64_t HW, int, int64_t nch, float* y) {
  global_avg_pool_run<VecF>(x, HW, nch, y);
}

void nchwc_scale(const float* x, const float* s, int64_t HW, int, float* y) { scale_run<VecF>(x, s, HW, y); }

void nchwc_to_blocked(const float* x, int64_t C, int64_t HW, int, float* y, int64_t cb, int64_t p0, int64_t p1) {
  to_blocked_run<VecF>(x, C, HW, y, cb, p0, p1);
}

void nchwc_from_blocked(const float* x, int64_t C, int64_t HW, int, float* y, int64_t cb, int64_t p0, int64_t p1) {
  from_blocked_run<VecF>(x, C, HW, y, cb, p0, p1);
}

}  // namespace cnncore::kernels::avx512
