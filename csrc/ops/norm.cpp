// batch_norm (inference) and local_response_norm.
#include <cmath>
#include <vector>

#include "kernels/lrn/lrn.h"
#include "kernels/norm/norm.h"
#include "ops/op_util.h"
#include "ops/ops.h"

namespace cnncore::ops {

ChannelAffine batch_norm_affine(const Shape& x, const Tensor& mean, const Tensor& var, const Tensor& weight,
                                const Tensor& bias, float eps) {
  if (x.size() < 2) throw InvalidArgument("batch_norm: input must be at least 2-D [N, C, ...], got " + shape_str(x));
  const int64_t C = x[1];
  auto check = [&](const Tensor& t, const char* what, bool required) {
    if (!t.defined()) {
      if (required) throw InvalidArgument(std::string("batch_norm: ") + what + " is required");
      return;
    }
    if (t.rank() != 1 || t.dim(0) != C)
      throw InvalidArgument(std::string("batch_norm: ") + what + " must have shape [" + str(C) + "] for input " +
                            shape_str(x) + ", got " + shape_str(t.shape()));
  };
  check(mean, "running_mean", true);
  check(var, "running_var", true);
  check(weight, "weight", false);
  check(bias, "bias", false);
  if (!(eps >= 0.f) || !std::isfinite(eps))
    throw InvalidArgument("batch_norm: eps must be finite and >= 0, got " + std::to_string(eps));
  ChannelAffine a;
  a.scale.resize(C);
  a.shift.resize(C);
  for (int64_t c = 0; c < C; ++c) {
    const double v = var.data()[c];
    if (v < 0) throw InvalidArgument("batch_norm: running_var[" + str(c) + "] is negative (" + std::to_string(v) + ")");
    const double s = (weight.defined() ? weight.data()[c] : 1.0) / std::sqrt(v + eps);
    a.scale[c] = static_cast<float>(s);
    a.shift[c] = static_cast<float>((bias.defined() ? bias.data()[c] : 0.0) - mean.data()[c] * s);
  }
  return a;
}

void run_channel_affine(const Shape& x, const ChannelAffine& a, const float* xp, float* y) {
  const int64_t n = core::checked_numel(x, "batch_norm");
  if (n == 0) return;
  const int64_t C = x[1], inner = n / (x[0] * C);
  core::parallel_for(x[0] * C, grain(inner), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) kernels::ref::affine(xp + r * inner, y + r * inner, inner, a.scale[r % C], a.shift[r % C]);
  });
}

int64_t check_lrn(const Shape& x, const LrnOptions& o) {
  if (x.size() < 3)
    throw InvalidArgument("local_response_norm: input must be at least 3-D [N, C, ...], got " + shape_str(x));
  if (o.size < 1) throw InvalidArgument("local_response_norm: size must be >= 1, got " + str(o.size));
  if (!std::isfinite(o.alpha) || !std::isfinite(o.beta) || !std::isfinite(o.k))
    throw InvalidArgument("local_response_norm: alpha, beta and k must be finite");
  const int64_t pre = o.pre < 0 ? o.size / 2 : o.pre;
  if (pre >= o.size) throw InvalidArgument("local_response_norm: window start offset must be < size");
  return pre;
}

void run_lrn(const Shape& x, const LrnOptions& o, int64_t pre, const float* xp, float* y) {
  const int64_t n = core::checked_numel(x, "local_response_norm");
  if (n == 0) return;
  const int64_t N = x[0], C = x[1], HW = n / (N * C);
  const kernels::LrnParams p{C, HW, o.size, pre, o.alpha, o.beta, o.k};
  const auto& k = core::select_kernel(
      "lrn", kernels::kLrnKernels,
      [&](const core::Kernel<kernels::Lrn>& c) -> const char* {
        return c.fn.supports(p) ? nullptr : "beta is not 0.5, 0.75 or 1";
      },
      [&] { return "lrn:c" + str(C) + "_hw" + str(HW) + "_size" + str(o.size) + "_beta" + std::to_string(o.beta); });
  core::parallel_for(N * C, grain(HW * o.size), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t img = t / C, c = t % C;
      k.fn.run(p, xp + img * C * HW, y + img * C * HW, c, c + 1);
    }
  });
}

}  // namespace cnncore::ops
