// cnncore::functional: plan, allocate the output, run. The graph executor uses the same
// plan_/run_ pairs (ops/ops.h) with planned buffers instead.
#include "cnncore/functional.h"

#include "core/tensor_pool.h"
#include "ops/op_util.h"
#include "ops/ops.h"

namespace cnncore::functional {
namespace {

const Shape* shape_or_null(const Tensor& t) { return t.defined() ? &t.shape() : nullptr; }
const float* data_or_null(const Tensor& t) { return t.defined() ? t.data() : nullptr; }

void require(const Tensor& t, const char* op, const char* what) { core::expect_defined(t, op, what); }

// Renames the op in a message ("conv2d: ..." -> "conv1d: ...") when a 1-D op runs as 2-D.
template <class F>
auto as_1d_op(const char* op2d, const char* op1d, F&& f) {
  try {
    return f();
  } catch (const InvalidArgument& e) {
    std::string m = e.what();
    const std::string from(op2d);
    if (m.rfind(from, 0) == 0) m = op1d + m.substr(from.size());
    throw InvalidArgument(m);
  }
}

Tensor conv(const Tensor& x, const Tensor& w, const Tensor& b, const ops::ConvPlan& plan) {
  Tensor y = core::output_tensor(plan.out);
  ops::run_conv(plan, x.data(), w.data(), data_or_null(b), y.data());
  return y;
}

Tensor pool(const Tensor& x, const ops::PoolPlan& plan) {
  Tensor y = core::output_tensor(plan.out);
  ops::run_pool(plan, x.data(), y.data());
  return y;
}

Tensor as_4d(const Tensor& x, const char* op) {
  if (!x.defined() || x.rank() != 3)
    throw InvalidArgument(std::string(op) + ": input must be 3-D [N, C, L], got shape " +
                          (x.defined() ? shape_str(x.shape()) : std::string("undefined")));
  return x.reshaped({x.dim(0), x.dim(1), 1, x.dim(2)});
}
Tensor as_3d(const Tensor& y) { return y.reshaped({y.dim(0), y.dim(1), y.dim(3)}); }

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dOptions& o) {
  require(x, "conv2d", "input");
  require(w, "conv2d", "weight");
  return conv(x, w, b, ops::plan_conv2d(x.shape(), w.shape(), shape_or_null(b), o));
}

Tensor conv1d(const Tensor& x, const Tensor& w, const Tensor& b, const Conv1dOptions& o) {
  require(x, "conv1d", "input");
  require(w, "conv1d", "weight");
  if (x.rank() != 3 || w.rank() != 3)
    throw InvalidArgument("conv1d: input and weight must be 3-D, got " + shape_str(x.shape()) + " and " +
                          shape_str(w.shape()));
  const Tensor x4 = as_4d(x, "conv1d"), w4 = w.reshaped({w.dim(0), w.dim(1), 1, w.dim(2)});
  const auto plan = as_1d_op("conv2d", "conv1d", [&] {
    return ops::plan_conv2d(x4.shape(), w4.shape(), shape_or_null(b), ops::conv1d_as_2d(o), "conv2d");
  });
  return as_3d(conv(x4, w4, b, plan));
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, const ConvTranspose2dOptions& o) {
  require(x, "conv_transpose2d", "input");
  require(w, "conv_transpose2d", "weight");
  return conv(x, w, b, ops::plan_conv_transpose2d(x.shape(), w.shape(), shape_or_null(b), o));
}

Tensor max_pool2d(const Tensor& x, const Pool2dOptions& o) {
  require(x, "max_pool2d", "input");
  return pool(x, ops::plan_pool2d(x.shape(), o, ops::PoolKind::max, "max_pool2d"));
}
Tensor avg_pool2d(const Tensor& x, const Pool2dOptions& o) {
  require(x, "avg_pool2d", "input");
  return pool(x, ops::plan_pool2d(x.shape(), o, ops::PoolKind::avg, "avg_pool2d"));
}
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t oh, int64_t ow) {
  require(x, "adaptive_avg_pool2d", "input");
  return pool(x, ops::plan_adaptive_pool2d(x.shape(), oh, ow, ops::PoolKind::adaptive_avg, "adaptive_avg_pool2d"));
}
Tensor adaptive_max_pool2d(const Tensor& x, int64_t oh, int64_t ow) {
  require(x, "adaptive_max_pool2d", "input");
  return pool(x, ops::plan_adaptive_pool2d(x.shape(), oh, ow, ops::PoolKind::adaptive_max, "adaptive_max_pool2d"));
}
Tensor max_pool1d(const Tensor& x, const Pool2dOptions& o) {
  const Tensor x4 = as_4d(x, "max_pool1d");
  return as_3d(pool(x4, ops::plan_pool2d(x4.shape(), ops::pool1d_as_2d(o), ops::PoolKind::max, "max_pool1d")));
}
Tensor avg_pool1d(const Tensor& x, const Pool2dOptions& o) {
  const Tensor x4 = as_4d(x, "avg_pool1d");
  return as_3d(pool(x4, ops::plan_pool2d(x4.shape(), ops::pool1d_as_2d(o), ops::PoolKind::avg, "avg_pool1d")));
}
Tensor adaptive_avg_pool1d(const Tensor& x, int64_t out) {
  const Tensor x4 = as_4d(x, "adaptive_avg_pool1d");
  return as_3d(pool(x4, ops::plan_adaptive_pool2d(x4.shape(), 1, out, ops::PoolKind::adaptive_avg, "adaptive_avg_pool1d")));
}
Tensor adaptive_max_pool1d(const Tensor& x, int64_t out) {
  const Tensor x4 = as_4d(x, "adaptive_max_pool1d");
  return as_3d(pool(x4, ops::plan_adaptive_pool2d(x4.shape(), 1, out, ops::PoolKind::adaptive_max, "adaptive_max_pool1d")));
}

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  require(x, "linear", "input");
  require(w, "linear", "weight");
  const auto plan = ops::plan_linear(x.shape(), w.shape(), shape_or_null(b));
  Tensor y = core::output_tensor(plan.out_shape);
  ops::run_linear(plan, x.data(), w.data(), data_or_null(b), y.data());
  return y;
}

Tensor activation(const Tensor& x, const ActivationSpec& act) {
  require(x, ops::activation_name(act.kind), "input");
  ops::check_activation(act);
  Tensor y = core::output_tensor(x.shape());
  ops::run_activation(act, x.data(), y.data(), x.numel());
  return y;
}

Tensor prelu(const Tensor& x, const Tensor& slope) {
  require(x, "prelu", "input");
  require(slope, "prelu", "weight");
  ops::check_prelu(x.shape(), slope.numel());
  Tensor y = core::output_tensor(x.shape());
  ops::run_prelu(x.shape(), x.data(), slope.data(), slope.numel(), y.data());
  return y;
}

Tensor softmax(const Tensor& x, int axis) {
  require(x, "softmax", "input");
  const auto plan = ops::plan_softmax(x.shape(), axis, false);
  Tensor y = core::output_tensor(x.shape());
  ops::run_softmax(plan, x.data(), y.data());
  return y;
}
Tensor log_softmax(const Tensor& x, int axis) {
  require(x, "log_softmax", "input");
  const auto plan = ops::plan_softmax(x.shape(), axis, true);
  Tensor y = core::output_tensor(x.shape());
  ops::run_softmax(plan, x.data(), y.data());
  return y;
}

Tensor batch_norm(const Tensor& x, const Tensor& mean, const Tensor& var, const Tensor& weight, const Tensor& bias,
                  float eps) {
  require(x, "batch_norm", "input");
  const auto affine = ops::batch_norm_affine(x.shape(), mean, var, weight, bias, eps);
  Tensor y = core::output_tensor(x.shape());
  ops::run_channel_affine(x.shape(), affine, x.data(), y.data());
  return y;
}

Tensor local_response_norm(const Tensor& x, const LrnOptions& o) {
  require(x, "local_response_norm", "input");
  const int64_t pre = ops::check_lrn(x.shape(), o);
  Tensor y = core::output_tensor(x.shape());
  ops::run_lrn(x.shape(), o, pre, x.data(), y.data());
  return y;
}

Tensor binary(const Tensor& a, const Tensor& b, BinaryOp op) {
  require(a, "binary", "first operand");
  require(b, "binary", "second operand");
  const auto plan = ops::plan_binary(a.shape(), b.shape());
  Tensor y = core::output_tensor(plan.out);
  ops::run_binary(plan, a.data(), b.data(), y.data(), op);
  return y;
}

Tensor concat(const std::vector<Tensor>& xs, int axis) {
  std::vector<Shape> shapes;
  std::vector<const float*> ptrs;
  for (const Tensor& t : xs) {
    require(t, "concat", "input");
    shapes.push_back(t.shape());
    ptrs.push_back(t.data());
  }
  const auto plan = ops::plan_concat(shapes, axis);
  Tensor y = core::output_tensor(plan.out);
  ops::run_concat(plan, ptrs, y.data());
  return y;
}

Shape reshape_shape(const Shape& in, const Shape& spec, bool zero_copies) {
  const int64_t n = core::checked_numel(in, "reshape");
  Shape out(spec.size());
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < spec.size(); ++i) {
    int64_t d = spec[i];
    if (d == -1) {
      if (infer >= 0) throw InvalidArgument("reshape: only one dimension can be -1, got " + shape_str(spec));
      infer = static_cast<int>(i);
      continue;
    }
    if (d == 0 && zero_copies) {
      if (i >= in.size())
        throw InvalidArgument("reshape: 0 at position " + ops::str(static_cast<int64_t>(i)) + " has no input dimension to copy");
      d = in[i];
    }
    if (d < 0) throw InvalidArgument("reshape: invalid dimension " + ops::str(d) + " in " + shape_str(spec));
    out[i] = d;
    known = core::checked_mul(known, d, "reshape");
  }
  if (infer >= 0) {
    if (known == 0 || n % known != 0)
      throw InvalidArgument("reshape: cannot infer -1 in " + shape_str(spec) + " for " + ops::str(n) + " elements");
    out[infer] = n / known;
  } else if (known != n) {
    throw InvalidArgument("reshape: shape " + shape_str(spec) + " has " + ops::str(known) + " elements, input " +
                          shape_str(in) + " has " + ops::str(n));
  }
  return out;
}

Tensor reshape(const Tensor& x, const Shape& spec) {
  require(x, "reshape", "input");
  return x.reshaped(reshape_shape(x.shape(), spec));
}

Shape flatten_shape(const Shape& in, int start_dim, int end_dim) {
  const int rank = static_cast<int>(in.size());
  if (rank == 0) return {1};
  const int s = core::normalize_axis(start_dim, rank, "flatten");
  const int e = core::normalize_axis(end_dim, rank, "flatten");
  if (s > e)
    throw InvalidArgument("flatten: start_dim " + ops::str(start_dim) + " comes after end_dim " + ops::str(end_dim));
  Shape out;
  int64_t merged = 1;
  for (int i = 0; i < rank; ++i) {
    if (i < s || i > e) {
      out.push_back(in[i]);
    } else {
      merged = core::checked_mul(merged, in[i], "flatten");
      if (i == e) out.push_back(merged);
    }
  }
  return out;
}

Tensor flatten(const Tensor& x, int start_dim, int end_dim) {
  require(x, "flatten", "input");
  return x.reshaped(flatten_shape(x.shape(), start_dim, end_dim));
}

Tensor permute(const Tensor& x, const std::vector<int64_t>& perm) {
  require(x, "permute", "input");
  const auto plan = ops::plan_permute(x.shape(), perm);
  Tensor y = core::output_tensor(plan.out);
  ops::run_permute(plan, x.data(), y.data());
  return y;
}

Tensor embedding(const int64_t* idx, const Shape& idx_shape, const Tensor& weight) {
  require(weight, "embedding", "weight");
  const Shape out = ops::plan_embedding(idx_shape, weight.shape());
  Tensor y = core::output_tensor(out);
  ops::run_embedding(idx, core::checked_numel(idx_shape, "embedding"), weight.data(), weight.dim(0), weight.dim(1),
                     y.data());
  return y;
}

}  // namespace cnncore::functional
