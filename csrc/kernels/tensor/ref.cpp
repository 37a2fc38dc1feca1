#include <cmath>

#include "kernels/tensor/tensor_ops.h"

namespace cnncore::kernels::ref {
namespace {
template <class F>
void loop(const float* a, int64_t as, const float* b, int64_t bs, float* y, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) y[i] = f(a[i * as], b[i * bs]);
}
}  // namespace

void binary_row(const float* a, int64_t as, const float* b, int64_t bs, float* y, int64_t n, BinaryOp op) {
  switch (op) {
    case BinaryOp::add: return loop(a, as, b, bs, y, n, [](float u, float v) { return u + v; });
    case BinaryOp::sub: return loop(a, as, b, bs, y, n, [](float u, float v) { return u - v; });
    case BinaryOp::mul: return loop(a, as, b, bs, y, n, [](float u, float v) { return u * v; });
    case BinaryOp::div: return loop(a, as, b, bs, y, n, [](float u, float v) { return u / v; });
    case BinaryOp::max: return loop(a, as, b, bs, y, n, [](float u, float v) { return std::isnan(u) || u > v ? u : v; });
    case BinaryOp::min: return loop(a, as, b, bs, y, n, [](float u, float v) { return std::isnan(u) || u < v ? u : v; });
  }
}

void permute_rows(const float* x, float* y, const int64_t* out_dims, const int64_t* in_strides, int rank, int64_t r0,
                  int64_t r1) {
  const int64_t inner = rank ? out_dims[rank - 1] : 1, inner_stride = rank ? in_strides[rank - 1] : 0;
  for (int64_t r = r0; r < r1; ++r) {
    int64_t off = 0, rem = r;
    for (int i = rank - 2; i >= 0; --i) {
      off += (rem % out_dims[i]) * in_strides[i];
      rem /= out_dims[i];
    }
    float* yr = y + r * inner;
    for (int64_t j = 0; j < inner; ++j) yr[j] = x[off + j * inner_stride];
  }
}

}  // namespace cnncore::kernels::ref
