// linear (fully connected): x [..., in] @ weight[out, in]^T + bias.
#include "kernels/linear/linear.h"
#include "ops/op_util.h"

namespace cnncore::functional {

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias) {
  const char* op = "linear";
  core::expect_defined(x, op, "input");
  core::expect_rank(w, 2, op, "weight");
  if (x.rank() < 1) throw InvalidArgument("linear: input must have at least 1 dimension");
  const int64_t in = w.dim(1), out = w.dim(0);
  if (in < 1 || out < 1) throw InvalidArgument("linear: weight has an empty dimension: " + shape_str(w.shape()));
  if (x.dim(-1) != in)
    throw InvalidArgument("linear: input " + shape_str(x.shape()) + " has " + ops::str(x.dim(-1)) +
                          " features in its last dimension, but weight " + shape_str(w.shape()) + " expects " +
                          ops::str(in));
  if (bias.defined() && (bias.rank() != 1 || bias.dim(0) != out))
    throw InvalidArgument("linear: bias must have shape [" + ops::str(out) + "], got " + shape_str(bias.shape()));
  Shape ys = x.shape();
  ys.back() = out;
  Tensor y = Tensor::empty(ys);
  const int64_t rows = x.numel() / in;
  if (rows == 0) return y;
  const float* bp = bias.defined() ? bias.data() : nullptr;
  // Tiles of (row, block of outputs) so batch 1 still uses every thread.
  constexpr int64_t kBlock = 64;
  const int64_t blocks = (out + kBlock - 1) / kBlock;
  core::parallel_for(rows * blocks, ops::grain(kBlock * in), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t r = t / blocks, b = t % blocks;
      kernels::ref::linear_row(x.data() + r * in, w.data(), bp, in, b * kBlock, std::min(out, (b + 1) * kBlock),
                               y.data() + r * out);
    }
  });
  return y;
}

}  // namespace cnncore::functional
