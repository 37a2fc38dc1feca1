// Pooling ops: max/avg (also 1-D via H = 1), adaptive avg/max.
#include <limits>
#include <vector>

#include "kernels/separable_pool/separable_pool.h"
#include "kernels/pool/pool.h"
#include "ops/op_util.h"
#include "ops/ops.h"

namespace cnncore::ops {
namespace {

using core::WindowAxis;

void check_input(const Shape& x, const char* op) {
  if (x.size() != 4) throw InvalidArgument(std::string(op) + ": input must be 4-D [N, C, H, W], got " + shape_str(x));
  for (int64_t d : x)
    if (d < 1) throw InvalidArgument(std::string(op) + ": input has an empty dimension: " + shape_str(x));
}

}  // namespace

PoolPlan plan_pool2d(const Shape& x, const Pool2dOptions& o, PoolKind kind, const char* op) {
  check_input(x, op);
  const bool is_max = kind == PoolKind::max;
  if (!is_max && (o.dilation[0] != 1 || o.dilation[1] != 1))
    throw InvalidArgument(std::string(op) + ": dilation is not defined for average pooling, got " + core::dims_str(o.dilation));
  if (o.divisor_override < 0) throw InvalidArgument(std::string(op) + ": divisor_override must be > 0");
  WindowAxis ah{x[2], o.kernel[0], o.stride[0], o.dilation[0], o.pads[0], o.pads[2], o.ceil_mode};
  WindowAxis aw{x[3], o.kernel[1], o.stride[1], o.dilation[1], o.pads[1], o.pads[3], o.ceil_mode};
  core::resolve_pads(ah, o.pad_mode);
  core::resolve_pads(aw, o.pad_mode);
  const int64_t OH = core::window_out_size(ah, op, "H"), OW = core::window_out_size(aw, op, "W");
  for (const WindowAxis* a : {&ah, &aw})
    if (a->pad_begin >= a->kernel || a->pad_end >= a->kernel)
      throw InvalidArgument(std::string(op) + ": padding must be smaller than the kernel, got padding " +
                            str(a->pad_begin) + "/" + str(a->pad_end) + " with kernel " + str(a->kernel) + " (axis " +
                            (a == &ah ? "H" : "W") + ")");
  PoolPlan plan;
  plan.kind = kind;
  plan.planes = x[0] * x[1];
  plan.out = {x[0], x[1], OH, OW};
  core::checked_numel(plan.out, op);
  plan.p = {x[2], x[3], OH, OW, ah.kernel, aw.kernel, ah.stride, aw.stride, ah.pad_begin, aw.pad_begin,
            ah.pad_end, aw.pad_end, ah.dilation, aw.dilation, o.count_include_pad, o.divisor_override};
  return plan;
}

PoolPlan plan_adaptive_pool2d(const Shape& x, int64_t OH, int64_t OW, PoolKind kind, const char* op) {
  check_input(x, op);
  if (OH < 1 || OW < 1)
    throw InvalidArgument(std::string(op) + ": output size must be >= 1, got (" + str(OH) + ", " + str(OW) + ")");
  PoolPlan plan;
  plan.kind = kind;
  plan.planes = x[0] * x[1];
  plan.out = {x[0], x[1], OH, OW};
  core::checked_numel(plan.out, op);
  plan.p = {};
  plan.p.H = x[2];
  plan.p.W = x[3];
  plan.p.OH = OH;
  plan.p.OW = OW;
  return plan;
}

Pool2dOptions pool1d_as_2d(const Pool2dOptions& o) {
  Pool2dOptions o2 = o;
  o2.kernel[0] = o2.stride[0] = o2.dilation[0] = 1;
  o2.pads[0] = o2.pads[2] = 0;
  return o2;
}

namespace {
// Max and average pooling on the separable family (no padded copy); false when the reference
// runs. A plane the kernel reports (a max plane holding a NaN, whose rule the reference defines)
// is redone by the reference.
bool run_pool_simd(const PoolPlan& plan, const float* x, float* y) {
  const kernels::PoolParams& p = plan.p;
  if (active_isa() == Isa::scalar || (plan.kind != PoolKind::max && plan.kind != PoolKind::avg)) return false;
  const bool is_max = plan.kind == PoolKind::max;
  const auto& k = core::select_kernel(
      is_max ? "maxpool" : "avgpool", is_max ? kernels::kMaxPoolKernels : kernels::kAvgPoolKernels,
      [&](const core::Kernel<kernels::SeparablePool>& c) -> const char* {
        if (c.isa == Isa::scalar) return "the reference pooling runs at the scalar level";
        return c.fn.supports(p) ? nullptr : "stride not supported";
      },
      [&] { return std::string(is_max ? "max" : "avg") + "_pool2d:ih" + std::to_string(p.H) + "iw" +
                   std::to_string(p.W) + "_k" + std::to_string(p.kh) + "x" + std::to_string(p.kw) + "_s" +
                   std::to_string(p.sh) + "x" + std::to_string(p.sw); });
  if (k.isa == Isa::scalar) return false;
  const auto reference = is_max ? kernels::ref::max_pool2d_plane : kernels::ref::avg_pool2d_plane;
  const int64_t in_plane = p.H * p.W, out_plane = p.OH * p.OW;
  core::parallel_for(plan.planes, grain(out_plane * p.kh * p.kw), [&](int64_t t0, int64_t t1) {
    thread_local std::vector<float> scratch;
    scratch.resize(static_cast<size_t>(kernels::pool_scratch(p)));
    for (int64_t t = t0; t < t1; ++t)
      if (!k.fn.run(p, x + t * in_plane, y + t * out_plane, scratch.data()))
        reference(p, x + t * in_plane, y + t * out_plane);
  });
  return true;
}
}  // namespace

void run_pool(const PoolPlan& plan, const float* x, float* y) {
  if (run_pool_simd(plan, x, y)) return;
  const kernels::PoolParams& p = plan.p;
  const int64_t in_plane = p.H * p.W, out_plane = p.OH * p.OW;
  const bool adaptive = plan.kind == PoolKind::adaptive_avg || plan.kind == PoolKind::adaptive_max;
  const int64_t window = adaptive ? (p.H / p.OH + 2) * (p.W / p.OW + 2) : p.kh * p.kw;
  core::parallel_for(plan.planes, grain(out_plane * window), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const float* xp = x + t * in_plane;
      float* yp = y + t * out_plane;
      switch (plan.kind) {
        case PoolKind::max: kernels::ref::max_pool2d_plane(p, xp, yp); break;
        case PoolKind::avg: kernels::ref::avg_pool2d_plane(p, xp, yp); break;
        case PoolKind::adaptive_max: kernels::ref::adaptive_max_pool2d_plane(p.H, p.W, p.OH, p.OW, xp, yp); break;
        case PoolKind::adaptive_avg: kernels::ref::adaptive_avg_pool2d_plane(p.H, p.W, p.OH, p.OW, xp, yp); break;
      }
    }
  });
}

}  // namespace cnncore::ops
