// Convolution ops: validation and shape inference (plan), tiling over output planes (run).
#include <cstring>
#include <vector>

#include "kernels/conv/conv.h"
#include "kernels/dwconv/dwconv.h"
#include "ops/op_util.h"
#include "ops/padded_plane.h"
#include "ops/conv_gemm.h"
#include "ops/ops.h"

namespace cnncore::ops {
namespace {

using core::WindowAxis;

void check_bias(const Shape* bias, int64_t K, const char* op) {
  if (!bias) return;
  if (bias->size() != 1 || (*bias)[0] != K)
    throw InvalidArgument(std::string(op) + ": bias must have shape [" + str(K) + "] (one per output channel), got " +
                          shape_str(*bias));
}

void check_groups(int64_t C, int64_t K, int64_t groups, const char* op) {
  if (groups < 1) throw InvalidArgument(std::string(op) + ": groups must be >= 1, got " + str(groups));
  if (C % groups != 0)
    throw InvalidArgument(std::string(op) + ": groups=" + str(groups) + " does not divide the " + str(C) +
                          " input channels");
  if (K % groups != 0)
    throw InvalidArgument(std::string(op) + ": groups=" + str(groups) + " does not divide the " + str(K) +
                          " output channels");
}

void check_shapes(const Shape& x, const Shape& w, const char* op, size_t rank) {
  auto rank_err = [&](const char* what, const Shape& s) {
    throw InvalidArgument(std::string(op) + ": " + what + " must be " + std::to_string(rank) + "-D, got shape " +
                          shape_str(s));
  };
  if (x.size() != rank) rank_err("input", x);
  if (w.size() != rank) rank_err("weight", w);
  if (x[0] < 1) throw InvalidArgument(std::string(op) + ": batch size must be >= 1, got input " + shape_str(x));
  if (x[1] < 1) throw InvalidArgument(std::string(op) + ": input must have >= 1 channel, got " + shape_str(x));
  for (int64_t d : w)
    if (d < 1) throw InvalidArgument(std::string(op) + ": weight has an empty dimension: " + shape_str(w));
}

// Depthwise (one filter per channel) on the dwconv family: each plane is copied into a
// zero-padded scratch buffer so the kernel reads without bounds checks; small planes go by
// blocks of channels instead (kernels/dwconv/blocked.h). Returns false when the
// scalar reference should run (scalar cap, or no variant supports the stride).
bool run_depthwise(const ConvPlan& plan, const float* x, const float* w, const float* b, float* y, const Epilogue& e) {
  const kernels::ConvParams& p = plan.p;
  if (active_isa() == Isa::scalar) return false;
  const PaddedWindow win = padded_window(p);
  const kernels::DwParams& dp = win.dp;
  const int64_t rows = win.rows;
  const auto& k = core::select_kernel(
      "dwconv", kernels::kDwKernels,
      [&](const core::Kernel<kernels::DwConv>& c) -> const char* {
        if (c.isa == Isa::scalar) return "the reference convolution runs at the scalar level";
        return c.fn.supports(dp) ? nullptr : "not faster than the reference for this stride";
      },
      [&] {
        return "conv2d:dw_ic" + std::to_string(p.C) + "ih" + std::to_string(p.H) + "iw" + std::to_string(p.W) + "_k" +
               std::to_string(p.kh) + "x" + std::to_string(p.kw) + "_s" + std::to_string(p.sh) + "x" + std::to_string(p.sw);
      });
  if (k.isa == Isa::scalar) return false;
  const int64_t plane = p.OH * p.OW, in_plane = p.H * p.W;
  // ReLU/ReLU6 without a residual are applied as outputs are stored; other epilogues in a pass after.
  kernels::DwAct act;
  const bool fused = !e.residual && (e.act.kind == Activation::relu || e.act.kind == Activation::clip);
  if (fused) act = {e.act.kind == Activation::relu ? kernels::DwAct::relu : kernels::DwAct::clip, e.act.alpha, e.act.beta};
  const kernels::BiasAct* epi = !fused && e.active() ? &select_bias_act(e.act, plane) : nullptr;
  // Output planes up to 16x16 (MobileNetV2's 14x14 and 7x7 layers) run a block of channels at
  // once, one vector per pixel across the channels, straight from x (no padded copy per plane).
  // Measured, with ReLU6, 2 threads: 960x7x7 42-54 -> 21 us, 576x14x14 43-54 -> 32-36 us,
  // 576x14x14 s2 38-47 -> 20 us; but 192x28x28 38 -> 48-60 us, so larger 3x3 planes keep the
  // rows. 5x5 windows (EfficientNet, MobileNetV3) take the blocks at every size measured, so up
  // to 64x64 outputs (scratch at most 1.4 MB per thread): against the row kernel, 672x14x14
  // 210 -> 124 us, 240x28x28 182 -> 133, 144x56x56 570 -> 280, 40x56x56 s2 55 -> 44.
  const int64_t max_blocked_plane = p.kh == 5 ? 64 * 64 : 256;
  if (k.fn.blocked && p.kh == p.kw && (p.kh == 3 || p.kh == 5) && p.dh == 1 && p.dw == 1 && p.sh == p.sw &&
      (p.sh == 1 || p.sh == 2) && plane <= max_blocked_plane) {
    const int L = k.fn.lanes;
    const int64_t blocks = div_up(p.K, L);
    const kernels::DwBlockParams bp{p.H, p.W, p.OH, p.OW, p.sh, p.pt, p.pl, in_plane, p.kh};
    const size_t need = static_cast<size_t>(kernels::blocked_scratch_floats(bp, L));
    core::parallel_for(plan.N * blocks, grain(L * plane * p.kh * p.kw), [&](int64_t t0, int64_t t1) {
      thread_local std::vector<float> scratch;
      scratch.resize(need);
      alignas(64) const float no_bias[64] = {};
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t img = t / blocks, c0 = t % blocks * L;
        const int nch = static_cast<int>(std::min<int64_t>(L, p.K - c0));
        float* yb = y + (img * p.K + c0) * plane;
        k.fn.blocked(bp, x + (img * p.C + c0) * in_plane, w + c0 * p.kh * p.kw, b ? b + c0 : no_bias, nch, act,
                     scratch.data(), yb);
        if (epi)
          for (int l = 0; l < nch; ++l)
            epi->run(yb + l * plane, yb + l * plane, plane,
                     e.residual ? e.residual + (img * p.K + c0 + l) * plane : nullptr, 1, e.act);
      }
    });
    return true;
  }
  // Larger 3x3 planes with at most one column of left padding read x in place, each input row
  // loaded once and shifted across lanes. Measured in-process, one thread, AVX-512: 144x56x56
  // 1.34x, 96x112x112 s2 1.57x, 32x112x112 1.62x faster than the padded copy + row kernel (the
  // copy alone was a quarter of the time); AVX2 1.01-1.08x.
  if (k.fn.direct && p.kh == 3 && p.kw == 3 && p.dh == 1 && p.dw == 1 && p.sh == p.sw && (p.sh == 1 || p.sh == 2) &&
      p.pl <= 1) {
    const kernels::DwDirectParams ddp{p.H, p.W, p.OH, p.OW, p.sh, p.pt, p.pl};
    core::parallel_for(plan.N * p.K, grain(plane * 9), [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        float* yp = y + t * plane;
        k.fn.direct(ddp, x + t * in_plane, w + t % p.K * 9, b ? b[t % p.K] : 0.f, act, yp);
        if (epi) epi->run(yp, yp, plane, e.residual ? e.residual + t * plane : nullptr, 1, e.act);
      }
    });
    return true;
  }
  core::parallel_for(plan.N * p.K, grain(plane * p.kh * p.kw), [&](int64_t t0, int64_t t1) {
    thread_local std::vector<float> scratch;  // copy_padded writes every column a window reads
    scratch.resize(static_cast<size_t>(rows * dp.ldx));
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t c = t % p.K;
      // one input plane per output plane (multiplier 1), zero-padded
      copy_padded(x + t * in_plane, p.H, p.W, p.pt, p.pl, rows, dp.ldx, win.width, scratch.data());
      float* yp = y + t * plane;
      k.fn.run(dp, scratch.data(), w + c * p.kh * p.kw, b ? b[c] : 0.f, act, yp);
      if (epi) epi->run(yp, yp, plane, e.residual ? e.residual + t * plane : nullptr, 1, e.act);
    }
  });
  return true;
}

}  // namespace

ConvPlan plan_conv2d(const Shape& x, const Shape& w, const Shape* bias, const Conv2dOptions& o, const char* op) {
  check_shapes(x, w, op, 4);
  const int64_t C = x[1], K = w[0];
  check_groups(C, K, o.groups, op);
  if (w[1] != C / o.groups)
    throw InvalidArgument(std::string(op) + ": weight " + shape_str(w) + " expects " + str(w[1] * o.groups) +
                          " input channels (weight.shape[1] * groups), but input " + shape_str(x) + " has " + str(C));
  check_bias(bias, K, op);
  WindowAxis ah{x[2], w[2], o.stride[0], o.dilation[0], o.pads[0], o.pads[2], false};
  WindowAxis aw{x[3], w[3], o.stride[1], o.dilation[1], o.pads[1], o.pads[3], false};
  core::resolve_pads(ah, o.pad_mode);
  core::resolve_pads(aw, o.pad_mode);
  const int64_t OH = core::window_out_size(ah, op, "H"), OW = core::window_out_size(aw, op, "W");
  ConvPlan plan;
  plan.N = x[0];
  plan.out = {x[0], K, OH, OW};
  core::checked_numel(plan.out, op);
  core::checked_mul(core::checked_mul(OH * OW, w[1] * w[2], op), w[3], op);
  plan.p = {C, x[2], x[3], K, OH, OW, ah.kernel, aw.kernel, ah.stride, aw.stride,
            ah.pad_begin, aw.pad_begin, ah.dilation, aw.dilation, o.groups};
  return plan;
}

Conv2dOptions conv1d_as_2d(const Conv1dOptions& o) {
  Conv2dOptions o2;
  o2.stride = {1, o.stride};
  o2.pads = {0, o.pads[0], 0, o.pads[1]};
  o2.pad_mode = o.pad_mode;
  o2.dilation = {1, o.dilation};
  o2.groups = o.groups;
  return o2;
}

ConvPlan plan_conv_transpose2d(const Shape& x, const Shape& w, const Shape* bias, const ConvTranspose2dOptions& o) {
  const char* op = "conv_transpose2d";
  check_shapes(x, w, op, 4);
  const int64_t C = x[1];
  if (w[0] != C)
    throw InvalidArgument(std::string(op) + ": weight " + shape_str(w) + " expects " + str(w[0]) +
                          " input channels (weight.shape[0]), but input " + shape_str(x) + " has " + str(C));
  if (o.groups < 1) throw InvalidArgument(std::string(op) + ": groups must be >= 1, got " + str(o.groups));
  const int64_t K = core::checked_mul(w[1], o.groups, op);
  check_groups(C, K, o.groups, op);
  check_bias(bias, K, op);
  int64_t out[2];
  for (int a = 0; a < 2; ++a) {
    const char* axis = a == 0 ? "H" : "W";
    const int64_t in = x[2 + a], k = w[2 + a], s = o.stride[a], d = o.dilation[a];
    const int64_t pb = o.pads[a], pe = o.pads[a + 2], op_ = o.output_padding[a];
    auto fail = [&](const std::string& what) {
      throw InvalidArgument(std::string(op) + ": " + what + " (axis " + axis + ": input " + str(in) + ", kernel " +
                            str(k) + ", stride " + str(s) + ", dilation " + str(d) + ", padding " + str(pb) + "/" +
                            str(pe) + ", output_padding " + str(op_) + ")");
    };
    if (s < 1) fail("stride must be >= 1");
    if (d < 1) fail("dilation must be >= 1");
    if (pb < 0 || pe < 0) fail("padding must be >= 0");
    if (op_ < 0 || (op_ >= s && op_ >= d)) fail("output_padding must be >= 0 and smaller than stride or dilation");
    int64_t full = core::checked_add(core::checked_mul(in - 1, s, op), core::checked_mul(d, k - 1, op), op);
    full = core::checked_add(full, 1 + op_, op);
    out[a] = full - pb - pe;
    if (out[a] < 1) fail("output would be empty (size " + str(out[a]) + ")");
  }
  ConvPlan plan;
  plan.N = x[0];
  plan.transposed = true;
  plan.out = {x[0], K, out[0], out[1]};
  core::checked_numel(plan.out, op);
  plan.p = {C, x[2], x[3], K, out[0], out[1], w[2], w[3], o.stride[0], o.stride[1],
            o.pads[0], o.pads[1], o.dilation[0], o.dilation[1], o.groups};
  return plan;
}

void run_conv(const ConvPlan& plan, const float* x, const float* w, const float* b, float* y, const Epilogue& e,
              const PackedConv* packed) {
  if (packed && static_cast<int>(packed->isa) <= static_cast<int>(active_isa())) {
    run_conv_gemm(plan, *packed, x, b, y, e);
    return;
  }
  if (auto pw = pack_conv(plan, w)) {  // packed per call (the graph packs once at compile time)
    run_conv_gemm(plan, *pw, x, b, y, e);
    return;
  }
  const kernels::ConvParams& p = plan.p;
  if (!plan.transposed && p.groups == p.C && p.K == p.C && run_depthwise(plan, x, w, b, y, e)) return;
  const int64_t plane = p.OH * p.OW;
  const int64_t work = plane * (p.C / p.groups) * p.kh * p.kw;
  const kernels::BiasAct* epi = e.active() ? &select_bias_act(e.act, plane) : nullptr;
  const auto kernel = plan.transposed ? kernels::ref::conv_transpose2d_plane : kernels::ref::conv2d_plane;
  core::parallel_for(plan.N * p.K, grain(work), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t n = t / p.K, oc = t % p.K;
      float* yp = y + t * plane;
      kernel(p, x + n * p.C * p.H * p.W, w, b, oc, yp);
      if (epi) epi->run(yp, yp, plane, e.residual ? e.residual + t * plane : nullptr, 1, e.act);
    }
  });
}

}  // namespace cnncore::ops
