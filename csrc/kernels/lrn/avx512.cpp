// AVX-512 instance of the SIMD LRN (window.h): 16 pixels per vector.
#include <immintrin.h>

#include "kernels/lrn/window.h"
#include "kernels/simd/avx512.h"

namespace cnncore::kernels::avx512 {

bool lrn_supports(const LrnParams& p) { return lrn_beta_supported(p); }

void lrn_channels(const LrnParams& p, const float* x, float* y, int64_t c0, int64_t c1) {
  lrn_simd<VecF>(p, x, y, c0, c1);
}

}  // namespace cnncore::kernels::avx512
