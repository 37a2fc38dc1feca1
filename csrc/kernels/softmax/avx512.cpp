// AVX-512 instance of the SIMD softmax (lanes.h).
#include <immintrin.h>

#include "kernels/simd/avx512.h"
#include "kernels/softmax/lanes.h"

namespace cnncore::kernels::avx512 {

extern const int softmax_vector_lanes = static_cast<int>(VecF::L);

void softmax_lanes(const float* x, float* y, int64_t len, int64_t stride, int64_t lanes, bool log) {
  softmax_simd<VecF>(x, y, len, stride, lanes, log);
}

}  // namespace cnncore::kernels::avx512
