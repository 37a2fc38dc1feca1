// linear (fully connected): x [..., in] @ weight[out, in]^T + bias, with a fused epilogue.
#include "kernels/linear/linear.h"
#include "ops/op_util.h"
#include "ops/linear_gemm.h"
#include "ops/ops.h"

namespace cnncore::ops {

LinearPlan plan_linear(const Shape& x, const Shape& w, const Shape* bias) {
  if (w.size() != 2) throw InvalidArgument("linear: weight must be 2-D, got shape " + shape_str(w));
  if (x.empty()) throw InvalidArgument("linear: input must have at least 1 dimension");
  const int64_t in = w[1], out = w[0];
  if (in < 1 || out < 1) throw InvalidArgument("linear: weight has an empty dimension: " + shape_str(w));
  if (x.back() != in)
    throw InvalidArgument("linear: input " + shape_str(x) + " has " + str(x.back()) +
                          " features in its last dimension, but weight " + shape_str(w) + " expects " + str(in));
  if (bias && (bias->size() != 1 || (*bias)[0] != out))
    throw InvalidArgument("linear: bias must have shape [" + str(out) + "], got " + shape_str(*bias));
  LinearPlan plan;
  plan.in = in;
  plan.out = out;
  plan.rows = core::checked_numel(x, "linear") / in;
  plan.out_shape = x;
  plan.out_shape.back() = out;
  core::checked_numel(plan.out_shape, "linear");
  return plan;
}

void run_linear(const LinearPlan& plan, const float* x, const float* w, const float* b, float* y, const Epilogue& e,
                const PackedLinear* packed) {
  if (plan.rows == 0) return;
  if (packed && static_cast<int>(packed->isa) <= static_cast<int>(active_isa())) {
    run_linear_gemm(plan, *packed, x, b, y, e);
    return;
  }
  if (auto pw = pack_linear(plan, w)) {  // packed per call (the graph packs once at compile time)
    run_linear_gemm(plan, *pw, x, b, y, e);
    return;
  }
  const int64_t in = plan.in, out = plan.out;
  // Tiles of (row, block of outputs) so batch 1 still uses every thread.
  constexpr int64_t kBlock = 64;
  const int64_t blocks = (out + kBlock - 1) / kBlock;
  const kernels::BiasAct* epi = e.active() ? &select_bias_act(e.act, out) : nullptr;
  core::parallel_for(plan.rows * blocks, grain(kBlock * in), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t r = t / blocks, o0 = (t % blocks) * kBlock, o1 = std::min(out, o0 + kBlock);
      float* yr = y + r * out;
      kernels::ref::linear_row(x + r * in, w, b, in, o0, o1, yr);
      if (epi) epi->run(yr + o0, yr + o0, o1 - o0, e.residual ? e.residual + r * out + o0 : nullptr, 1, e.act);
    }
  });
}

}  // namespace cnncore::ops
