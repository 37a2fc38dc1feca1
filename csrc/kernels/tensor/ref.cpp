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

}  // namespace cnncore::kernels::ref
