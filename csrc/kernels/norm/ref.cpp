#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/norm/norm.h"

namespace cnncore::kernels::ref {

void affine(const float* x, float* y, int64_t n, float scale, float shift) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale + shift;
}

}  // namespace cnncore::kernels::ref
