#include <cmath>

#include "kernels/tensor/tensor_ops.h"

namespace cnncore::kernels::ref {
namespace {
template <int AS, int BS, class F>
void loop_fixed(const float* a, const float* b, float* y, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) y[i] = f(a[i * AS], b[i * BS]);
}

// Compile-time strides for the common rows (both inputs dense, or one a broadcast scalar) let
// the compiler vectorise them; a runtime stride stays scalar.
template <class F>
void loop(const float* a, int64_t as, const float* b, int64_t bs, float* y, int64_t n, F f) {
  if (as == 1 && bs == 1) return loop_fixed<1, 1>(a, b, y, n, f);
  if (as == 1 && bs == 0) return loop_fixed<1, 0>(a, b, y, n, f);
  if (as == 0 && bs == 1) return loop_fixed<0, 1>(a, b, y, n, f);
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
