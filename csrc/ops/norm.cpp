// batch_norm (inference) and local_response_norm.
#include <cmath>
#include <vector>

#include "kernels/norm/norm.h"
#include "ops/op_util.h"

namespace cnncore::functional {

Tensor batch_norm(const Tensor& x, const Tensor& mean, const Tensor& var, const Tensor& weight, const Tensor& bias,
                  float eps) {
  const char* op = "batch_norm";
  core::expect_defined(x, op, "input");
  if (x.rank() < 2) throw InvalidArgument("batch_norm: input must be at least 2-D [N, C, ...], got " + shape_str(x.shape()));
  const int64_t C = x.dim(1);
  auto check = [&](const Tensor& t, const char* what, bool required) {
    if (!t.defined()) {
      if (required) throw InvalidArgument(std::string("batch_norm: ") + what + " is required");
      return;
    }
    if (t.rank() != 1 || t.dim(0) != C)
      throw InvalidArgument(std::string("batch_norm: ") + what + " must have shape [" + ops::str(C) + "] for input " +
                            shape_str(x.shape()) + ", got " + shape_str(t.shape()));
  };
  check(mean, "running_mean", true);
  check(var, "running_var", true);
  check(weight, "weight", false);
  check(bias, "bias", false);
  if (!(eps >= 0.f) || !std::isfinite(eps)) throw InvalidArgument("batch_norm: eps must be finite and >= 0, got " + std::to_string(eps));
  std::vector<float> scale(C), shift(C);
  for (int64_t c = 0; c < C; ++c) {
    const double v = var.data()[c];
    if (v < 0) throw InvalidArgument("batch_norm: running_var[" + ops::str(c) + "] is negative (" + std::to_string(v) + ")");
    const double s = (weight.defined() ? weight.data()[c] : 1.0) / std::sqrt(v + eps);
    scale[c] = static_cast<float>(s);
    shift[c] = static_cast<float>((bias.defined() ? bias.data()[c] : 0.0) - mean.data()[c] * s);
  }
  Tensor y = Tensor::empty(x.shape());
  if (x.numel() == 0) return y;
  const int64_t inner = x.numel() / (x.dim(0) * C);
  core::parallel_for(x.dim(0) * C, ops::grain(inner), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r)
      kernels::ref::affine(x.data() + r * inner, y.data() + r * inner, inner, scale[r % C], shift[r % C]);
  });
  return y;
}

Tensor local_response_norm(const Tensor& x, const LrnOptions& o) {
  const char* op = "local_response_norm";
  core::expect_defined(x, op, "input");
  if (x.rank() < 3)
    throw InvalidArgument("local_response_norm: input must be at least 3-D [N, C, ...], got " + shape_str(x.shape()));
  if (o.size < 1) throw InvalidArgument("local_response_norm: size must be >= 1, got " + ops::str(o.size));
  if (!std::isfinite(o.alpha) || !std::isfinite(o.beta) || !std::isfinite(o.k))
    throw InvalidArgument("local_response_norm: alpha, beta and k must be finite");
  const int64_t pre = o.pre < 0 ? o.size / 2 : o.pre;
  if (pre >= o.size) throw InvalidArgument("local_response_norm: window start offset must be < size");
  Tensor y = Tensor::empty(x.shape());
  if (x.numel() == 0) return y;
  const int64_t N = x.dim(0), C = x.dim(1), HW = x.numel() / (N * C);
  core::parallel_for(N * C, ops::grain(HW * o.size), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t n = t / C, c = t % C;
      kernels::ref::lrn_channels(x.data() + n * C * HW, y.data() + n * C * HW, C, HW, c, c + 1, o.size, pre, o.alpha,
                                 o.beta, o.k);
    }
  });
  return y;
}

}  // namespace cnncore::functional
