// Every graph op: attribute schema, shape inference and execution over ops/ops.h.
#include "graph/registry.h"

#include <cmath>
#include <array>
#include <cstring>
#include <optional>

#include "cnncore/error.h"
#include "ops/conv_gemm.h"
#include "ops/conv_nchwc.h"
#include "ops/linear_gemm.h"
#include "ops/op_util.h"
#include "ops/ops.h"

namespace cnncore::graph {

// ----------------------------------------------------------------------------- attributes

void Attrs::bad(const char* key, const char* expected) const {
  throw InvalidArgument("attribute '" + std::string(key) + "' must be " + expected);
}

int64_t Attrs::i(const char* key, int64_t def) const {
  auto it = n_.attrs.find(key);
  if (it == n_.attrs.end()) return def;
  if (auto v = std::get_if<int64_t>(&it->second)) return *v;
  bad(key, "an int");
}

double Attrs::f(const char* key, double def) const {
  auto it = n_.attrs.find(key);
  if (it == n_.attrs.end()) return def;
  if (auto v = std::get_if<double>(&it->second)) return *v;
  if (auto v = std::get_if<int64_t>(&it->second)) return static_cast<double>(*v);
  bad(key, "a number");
}

std::string Attrs::s(const char* key, const std::string& def) const {
  auto it = n_.attrs.find(key);
  if (it == n_.attrs.end()) return def;
  if (auto v = std::get_if<std::string>(&it->second)) return *v;
  bad(key, "a string");
}

std::vector<int64_t> Attrs::ints(const char* key, const std::vector<int64_t>& def) const {
  auto it = n_.attrs.find(key);
  if (it == n_.attrs.end()) return def;
  const auto* v = std::get_if<std::vector<int64_t>>(&it->second);
  if (!v) {
    if (auto one = std::get_if<int64_t>(&it->second)) return std::vector<int64_t>(def.empty() ? 1 : def.size(), *one);
    bad(key, "a list of ints");
  }
  if (!def.empty() && v->size() != def.size())
    throw InvalidArgument("attribute '" + std::string(key) + "' must have " + std::to_string(def.size()) +
                          " values, got " + std::to_string(v->size()));
  return *v;
}

namespace {

template <size_t N>
std::array<int64_t, N> arr(const std::vector<int64_t>& v) {
  std::array<int64_t, N> a{};
  for (size_t k = 0; k < N; ++k) a[k] = v[k];
  return a;
}

PadMode pad_mode(const std::string& m) {
  if (m == "explicit" || m == "notset") return PadMode::explicit_pads;
  if (m == "same_upper" || m == "same") return PadMode::same_upper;
  if (m == "same_lower") return PadMode::same_lower;
  if (m == "valid") return PadMode::valid;
  throw InvalidArgument("attribute 'pad_mode' must be explicit, same_upper, same_lower or valid, got '" + m + "'");
}

const std::pair<const char*, Activation> kActNames[] = {
    {"identity", Activation::identity}, {"relu", Activation::relu},       {"leaky_relu", Activation::leaky_relu},
    {"clip", Activation::clip},         {"hardsigmoid", Activation::hardsigmoid},
    {"hardswish", Activation::hardswish}, {"elu", Activation::elu},       {"sigmoid", Activation::sigmoid},
    {"tanh", Activation::tanh},         {"silu", Activation::silu},       {"gelu", Activation::gelu},
    {"gelu_tanh", Activation::gelu_tanh}, {"softplus", Activation::softplus}};

// The fused activation of attributes <prefix>activation, <prefix>act_alpha, <prefix>act_beta.
ActivationSpec fused_activation(const Attrs& a, const std::string& prefix) {
  const std::string key = prefix + "activation";
  if (!a.has(key.c_str())) return {};
  const std::string k = a.s(key.c_str(), "identity");
  for (const auto& [name, kind] : kActNames)
    if (k == name) {
      const ActivationSpec act{kind, static_cast<float>(a.f((prefix + "act_alpha").c_str(), 0)),
                               static_cast<float>(a.f((prefix + "act_beta").c_str(), 0))};
      ops::check_activation(act);
      return act;
    }
  throw InvalidArgument("unknown fused activation '" + k + "'");
}

ops::Epilogue epilogue(const CompileCtx& c, size_t residual_index, const Shape& out) {
  ops::Epilogue e;
  e.act = fused_activation(Attrs(c.node), "");
  if (c.has(residual_index) && c.shapes[residual_index] != out)
    throw InvalidArgument("residual input " + shape_str(c.shapes[residual_index]) + " does not match output " +
                          shape_str(out));
  return e;
}

// ----------------------------------------------------------------------------- ops

// The packed form depends on the problem but not on the batch (Winograd is chosen per image),
// so plans for other batch sizes share it.
std::shared_ptr<const ops::PackedConv> packed_conv(const CompileCtx& c, const ops::ConvPlan& plan) {
  const auto& p = plan.p;
  std::string kind = plan.transposed ? "conv_transpose" : "conv";
  for (int64_t v : {p.C, p.H, p.W, p.K, p.OH, p.OW, p.kh, p.kw, p.sh, p.sw, p.pt, p.pl, p.dh, p.dw, p.groups})
    kind += " " + std::to_string(v);
  return c.packed<ops::PackedConv>(1, kind, [plan](const float* w, const ConsumedFn&) {
    return PackedWeight{ops::pack_conv(plan, w, true), {}};
  });
}

// The block width of a node the layout pass gave attribute layout = "nchw<L>c" (0 when absent).
int64_t layout_block(const Attrs& a, const char* op) {
  if (!a.has("layout")) return 0;
  const std::string layout = a.s("layout", "");
  int64_t L = 0;
  if (layout.size() > 5 && layout.rfind("nchw", 0) == 0 && layout.back() == 'c') {
    const std::string digits = layout.substr(4, layout.size() - 5);
    if (digits.size() <= 2 && digits.find_first_not_of("0123456789") == std::string::npos) L = std::stoll(digits);
  }
  if (L < 1 || L > 64)
    throw InvalidArgument(std::string(op) + ": layout must be nchw<L>c with L in [1, 64] (e.g. nchw16c), got '" +
                          layout + "'");
  return L;
}

// The real channel count of a blocked value [N, Cb, H, W, L] (attribute channels).
int64_t blocked_channels(const Attrs& a, const Shape& x, int64_t L, const char* op) {
  const int64_t C = a.i("channels", -1);
  if (x.size() != 5 || x[4] != L || C < 1 || (C + L - 1) / L != x[1])
    throw InvalidArgument(std::string(op) + ": channels=" + std::to_string(C) + " does not fit the blocked input " +
                          shape_str(x) + " of layout nchw" + std::to_string(L) + "c");
  return C;
}


// Weights (and bias) of a blocked convolution packed once when they are constants, else null.
std::shared_ptr<const ops::PackedNchwc> packed_nchwc(const CompileCtx& c, const ops::NchwcConvPlan& plan, size_t wi,
                                                     size_t bi) {
  const bool bias = c.has(bi);
  if (!c.pack || !c.consts[wi] || (bias && !c.consts[bi])) return nullptr;
  const float* b = bias ? c.consts[bi]->data() : nullptr;
  return c.packed<ops::PackedNchwc>(wi, "conv_nchwc " + std::to_string(plan.L) + (bias ? " " + c.node.inputs[bi] : ""),
                                    [plan, b](const float* w, const ConsumedFn&) {
                                      auto pw = ops::pack_conv_nchwc(plan, w, b);
                                      return PackedWeight{pw, [plan, pw] { return ops::unpack_conv_nchwc(plan, *pw); }};
                                    });
}

CompiledNode conv2d_nchwc(const CompileCtx& c);

CompiledNode conv2d(const CompileCtx& c) {
  if (Attrs(c.node).has("layout")) return conv2d_nchwc(c);
  const Conv2dOptions o = conv2d_options(Attrs(c.node));
  const auto plan = ops::plan_conv2d(c.shapes[0], c.shapes[1], c.has(2) ? &c.shapes[2] : nullptr, o);
  const ops::Epilogue e0 = epilogue(c, 3, plan.out);
  const bool res = c.has(3);
  const auto& p = plan.p;
  // Weights known at compile time are packed once for the GEMM kernel.
  const auto packed = packed_conv(c, plan);
  return {plan.out, plan.N * p.K * p.OH * p.OW * (p.C / p.groups) * p.kh * p.kw,
          [plan, e0, res, packed](const float* const* in, float* out) {
            ops::Epilogue e = e0;
            e.residual = res ? in[3] : nullptr;
            ops::run_conv(plan, in[0], in[1], in[2], out, e, packed.get());
          }};
}

// A conv2d the layout pass gave attribute layout = "nchw<L>c": output and residual blocked
// ([N, C/L, H, W, L]); input blocked too (depthwise, pointwise) or NCHW (a first layer);
// weights and bias as conv2d's.
CompiledNode conv2d_nchwc(const CompileCtx& c) {
  const int64_t L = layout_block(Attrs(c.node), "conv2d");
  const auto plan = ops::plan_conv2d_nchwc(c.shapes[0], c.shapes[1], c.has(2) ? &c.shapes[2] : nullptr,
                                           conv2d_options(Attrs(c.node)), L);
  const ops::Epilogue e0 = epilogue(c, 3, plan.out);
  const bool res = c.has(3);
  const auto& p = plan.conv.p;
  if (plan.kind == ops::NchwcConvPlan::winograd) {  // the Winograd op, reading and writing blocks
    const auto wpack = packed_conv(c, plan.conv);
    if (c.pack && (!wpack || !wpack->wk || wpack->wk->lanes != plan.L || wpack->s2d))
      throw Unsupported("conv2d: a blocked Winograd convolution needs constant weights and the ISA of its layout");
    return {plan.out, plan.conv.N * p.K * p.OH * p.OW * p.C * p.kh * p.kw,
            [plan, e0, res, wpack](const float* const* in, float* out) {
              ops::Epilogue e = e0;
              e.residual = res ? in[3] : nullptr;
              ops::run_conv_winograd(plan.conv, *wpack, in[0], in[2], out, e, true);
            }};
  }
  // Packed once when the weights (and bias) are constants, else per call.
  const auto packed = packed_nchwc(c, plan, 1, 2);
  return {plan.out, plan.conv.N * p.K * p.OH * p.OW * (p.C / p.groups) * p.kh * p.kw,
          [plan, e0, res, packed](const float* const* in, float* out) {
            ops::Epilogue e = e0;
            e.residual = res ? in[3] : nullptr;
            auto pw = packed ? packed : ops::pack_conv_nchwc(plan, in[1], in[2]);
            ops::run_conv_nchwc(plan, *pw, in[0], out, e);
          }};
}

// A depthwise convolution with the convolutions beside it, fused by the layout pass
// (graph/passes.cpp): inputs x (blocked, or NCHW for a first-layer expansion), the depthwise
// weight and bias, the residual (added by the last convolution), the expansion's weight and bias,
// the projection's weight and bias (either pair may be absent, not both); attributes layout, the
// depthwise's conv2d attributes and activation, and the expansion's and projection's as
// expand_activation, expand_act_alpha, expand_stride, ... and project_activation, ....
// Output as the last convolution's.
CompiledNode separable_conv2d(const CompileCtx& c) {
  const Attrs a(c.node);
  const char* op = "separable_conv2d";
  if (!a.has("layout")) throw InvalidArgument(std::string(op) + ": needs attribute layout (nchw<L>c)");
  if (!c.has(4) && !c.has(6)) throw InvalidArgument(std::string(op) + ": needs an expansion or a projection weight");
  const int64_t L = layout_block(a, op);
  // A 1x1 stride-1 conv on a blocked input, or (the expansion only) a first layer's conv on an
  // NCHW input (x 4-D; its stride, pads and dilation as attributes expand_stride, ...).
  auto stage = [&](const Shape& x, size_t w, const char* what) {
    const auto plan = ops::plan_conv2d_nchwc(x, c.shapes[w], c.has(w + 1) ? &c.shapes[w + 1] : nullptr,
                                             conv2d_options(a, w == 4 ? "expand_" : "project_"), L);
    const auto& q = plan.conv.p;
    if (plan.kind != ops::NchwcConvPlan::direct &&
        (plan.kind != ops::NchwcConvPlan::pointwise || q.sh != 1 || q.sw != 1))
      throw InvalidArgument(std::string(op) + ": the " + what + " weight " + shape_str(c.shapes[w]) +
                            " must be 1x1 at stride 1 on a blocked input");
    return plan;
  };
  std::optional<ops::NchwcConvPlan> ex, pj;
  if (c.has(4)) ex = stage(c.shapes[0], 4, "expansion");
  const auto dw = ops::plan_conv2d_nchwc(ex ? ex->out : c.shapes[0], c.shapes[1], c.has(2) ? &c.shapes[2] : nullptr,
                                         conv2d_options(a), L);
  if (dw.kind != ops::NchwcConvPlan::depthwise)
    throw InvalidArgument(std::string(op) + ": weight " + shape_str(c.shapes[1]) + " is not depthwise over " +
                          std::to_string(dw.conv.p.C) + " channels");
  if (c.has(6)) pj = stage(dw.out, 6, "projection");
  const Shape out = pj ? pj->out : dw.out;
  if (c.has(3) && c.shapes[3] != out)
    throw InvalidArgument(std::string(op) + ": residual input " + shape_str(c.shapes[3]) + " does not match output " +
                          shape_str(out));
  ops::Epilogue ee, de, pe;
  ee.act = fused_activation(a, "expand_");
  de.act = fused_activation(a, "");
  pe.act = fused_activation(a, "project_");
  const auto dwpack = packed_nchwc(c, dw, 1, 2);
  const auto expack = ex ? packed_nchwc(c, *ex, 4, 5) : nullptr, pjpack = pj ? packed_nchwc(c, *pj, 6, 7) : nullptr;
  const auto& q = dw.conv.p;
  int64_t macs = dw.conv.N * q.K * q.OH * q.OW * q.kh * q.kw;
  for (const auto* s : {ex ? &*ex : nullptr, pj ? &*pj : nullptr})
    if (s) macs += s->conv.N * s->conv.p.K * s->conv.p.OH * s->conv.p.OW * s->conv.p.C;
  const bool res = c.has(3);
  return {out, macs, [ex, dw, pj, ee, de, pe, res, expack, dwpack, pjpack](const float* const* in, float* y) {
            auto dww = dwpack ? dwpack : ops::pack_conv_nchwc(dw, in[1], in[2]);
            auto exw = ex && !expack ? ops::pack_conv_nchwc(*ex, in[4], in[5]) : expack;
            auto pjw = pj && !pjpack ? ops::pack_conv_nchwc(*pj, in[6], in[7]) : pjpack;
            const ops::NchwcStage se{ex ? &*ex : nullptr, exw.get(), ee}, sd{&dw, dww.get(), de},
                se2{pj ? &*pj : nullptr, pjw.get(), pe};
            ops::run_separable_nchwc(se, sd, se2, in[0], y, res ? in[3] : nullptr);
          }};
}

// NCHW [N, C, H, W] to blocked [N, ceil(C/block), H, W, block], padding lanes zero.
CompiledNode to_nchwc(const CompileCtx& c) {
  const int64_t L = Attrs(c.node).i("block", 16);
  const Shape& x = c.shapes[0];
  if (x.size() != 4) throw InvalidArgument("to_nchwc: input must be 4-D NCHW, got " + shape_str(x));
  if (L < 1 || L > 64) throw InvalidArgument("to_nchwc: block must be in [1, 64], got " + std::to_string(L));
  return {ops::nchwc_shape(x, L), 0, [x, L](const float* const* in, float* y) {
            ops::run_to_nchwc(x[0], x[1], x[2] * x[3], L, in[0], y);
          }};
}

// Blocked [N, Cb, H, W, L] back to NCHW [N, channels, H, W].
CompiledNode from_nchwc(const CompileCtx& c) {
  const Shape& x = c.shapes[0];
  const int64_t C = Attrs(c.node).i("channels", -1);
  if (x.size() != 5) throw InvalidArgument("from_nchwc: input must be blocked 5-D, got " + shape_str(x));
  if (C < 1 || (C + x[4] - 1) / x[4] != x[1])
    throw InvalidArgument("from_nchwc: channels=" + std::to_string(C) + " does not fit the blocked input " + shape_str(x));
  const Shape out{x[0], C, x[2], x[3]};
  return {out, 0, [x, C](const float* const* in, float* y) {
            ops::run_from_nchwc(x[0], C, x[2] * x[3], x[4], in[0], y);
          }};
}

CompiledNode conv1d(const CompileCtx& c) {
  Attrs a(c.node);
  Conv1dOptions o;
  o.stride = a.ints("stride", {1})[0];
  o.pads = arr<2>(a.ints("pads", {0, 0}));
  o.pad_mode = pad_mode(a.s("pad_mode", "explicit"));
  o.dilation = a.ints("dilation", {1})[0];
  o.groups = a.i("groups", 1);
  const Shape& x = c.shapes[0];
  const Shape& w = c.shapes[1];
  if (x.size() != 3 || w.size() != 3)
    throw InvalidArgument("conv1d: input and weight must be 3-D, got " + shape_str(x) + " and " + shape_str(w));
  const auto plan = ops::plan_conv2d({x[0], x[1], 1, x[2]}, {w[0], w[1], 1, w[2]}, c.has(2) ? &c.shapes[2] : nullptr,
                                     ops::conv1d_as_2d(o), "conv1d");
  const Shape out{plan.out[0], plan.out[1], plan.out[3]};
  const ops::Epilogue e0 = epilogue(c, 3, out);
  const bool res = c.has(3);
  const auto& p = plan.p;
  const auto packed = packed_conv(c, plan);
  return {out, plan.N * p.K * p.OW * (p.C / p.groups) * p.kw, [plan, e0, res, packed](const float* const* in, float* y) {
            ops::Epilogue e = e0;
            e.residual = res ? in[3] : nullptr;
            ops::run_conv(plan, in[0], in[1], in[2], y, e, packed.get());
          }};
}

CompiledNode conv_transpose2d(const CompileCtx& c) {
  Attrs a(c.node);
  ConvTranspose2dOptions o;
  o.stride = arr<2>(a.ints("stride", {1, 1}));
  o.pads = arr<4>(a.ints("pads", {0, 0, 0, 0}));
  o.output_padding = arr<2>(a.ints("output_padding", {0, 0}));
  o.dilation = arr<2>(a.ints("dilation", {1, 1}));
  o.groups = a.i("groups", 1);
  const auto plan = ops::plan_conv_transpose2d(c.shapes[0], c.shapes[1], c.has(2) ? &c.shapes[2] : nullptr, o);
  const ops::Epilogue e0 = epilogue(c, 3, plan.out);
  const bool res = c.has(3);
  const auto& p = plan.p;
  const auto packed = packed_conv(c, plan);
  return {plan.out, plan.N * p.C * p.H * p.W * (p.K / p.groups) * p.kh * p.kw,
          [plan, e0, res, packed](const float* const* in, float* out) {
            ops::Epilogue e = e0;
            e.residual = res ? in[3] : nullptr;
            ops::run_conv(plan, in[0], in[1], in[2], out, e, packed.get());
          }};
}

Pool2dOptions pool_options(const Attrs& a, bool one_d) {
  Pool2dOptions o;
  if (one_d) {
    const int64_t k = a.ints("kernel", {1})[0];
    o.kernel = {1, k};
    o.stride = {1, a.ints("stride", {k})[0]};
    const auto p = a.ints("pads", {0, 0});
    o.pads = {0, p[0], 0, p[1]};
    o.dilation = {1, a.ints("dilation", {1})[0]};
  } else {
    o.kernel = arr<2>(a.ints("kernel", {1, 1}));
    o.stride = arr<2>(a.ints("stride", {o.kernel[0], o.kernel[1]}));
    o.pads = arr<4>(a.ints("pads", {0, 0, 0, 0}));
    o.dilation = arr<2>(a.ints("dilation", {1, 1}));
  }
  o.pad_mode = pad_mode(a.s("pad_mode", "explicit"));
  o.ceil_mode = a.i("ceil_mode", 0) != 0;
  o.count_include_pad = a.i("count_include_pad", 1) != 0;
  o.divisor_override = a.i("divisor_override", 0);
  return o;
}

CompiledNode pool_common(const CompileCtx& c, ops::PoolKind kind, bool one_d, const char* op) {
  Attrs a(c.node);
  const Shape& x = c.shapes[0];
  if (one_d && x.size() != 3) throw InvalidArgument(std::string(op) + ": input must be 3-D [N, C, L], got " + shape_str(x));
  const Shape x4 = one_d ? Shape{x[0], x[1], 1, x[2]} : x;
  const auto plan = ops::plan_pool2d(x4, pool_options(a, one_d), kind, op);
  const Shape out = one_d ? Shape{plan.out[0], plan.out[1], plan.out[3]} : plan.out;
  return {out, 0, [plan](const float* const* in, float* y) { ops::run_pool(plan, in[0], y); }};
}
CompiledNode max_pool2d(const CompileCtx& c) { return pool_common(c, ops::PoolKind::max, false, "max_pool2d"); }
CompiledNode avg_pool2d(const CompileCtx& c) { return pool_common(c, ops::PoolKind::avg, false, "avg_pool2d"); }
CompiledNode max_pool1d(const CompileCtx& c) { return pool_common(c, ops::PoolKind::max, true, "max_pool1d"); }
CompiledNode avg_pool1d(const CompileCtx& c) { return pool_common(c, ops::PoolKind::avg, true, "avg_pool1d"); }

// Global average pool of a blocked input (layout pass): NCHW [N, C, 1, 1] out.
CompiledNode global_avg_pool_nchwc(const CompileCtx& c, int64_t L) {
  Attrs a(c.node);
  const Shape& x = c.shapes[0];
  const int64_t C = blocked_channels(a, x, L, "adaptive_avg_pool2d");
  if (a.ints("output_size", {1, 1}) != std::vector<int64_t>{1, 1})
    throw Unsupported("adaptive_avg_pool2d: a blocked input takes output_size (1, 1) only");
  if (x[2] * x[3] < 1) throw InvalidArgument("adaptive_avg_pool2d: empty input plane " + shape_str(x));
  return {{x[0], C, 1, 1}, 0, [x, C, L](const float* const* in, float* y) {
            ops::run_global_avg_pool_nchwc(x[0], C, x[2] * x[3], L, in[0], y);
          }};
}

CompiledNode adaptive_common(const CompileCtx& c, ops::PoolKind kind, bool one_d, const char* op) {
  Attrs a(c.node);
  if (const int64_t L = layout_block(a, op); L && kind == ops::PoolKind::adaptive_avg && !one_d)
    return global_avg_pool_nchwc(c, L);
  const Shape& x = c.shapes[0];
  if (x.size() != (one_d ? 3u : 4u))
    throw InvalidArgument(std::string(op) + ": input must be " + (one_d ? "3" : "4") + "-D, got " + shape_str(x));
  const Shape x4 = one_d ? Shape{x[0], x[1], 1, x[2]} : x;
  auto size = a.ints("output_size", one_d ? std::vector<int64_t>{1} : std::vector<int64_t>{1, 1});
  if (one_d) size = {1, size[0]};
  for (int k = 0; k < 2; ++k)
    if (size[k] == -1) size[k] = x4[2 + k];
  const auto plan = ops::plan_adaptive_pool2d(x4, size[0], size[1], kind, op);
  const Shape out = one_d ? Shape{plan.out[0], plan.out[1], plan.out[3]} : plan.out;
  return {out, 0, [plan](const float* const* in, float* y) { ops::run_pool(plan, in[0], y); }};
}
CompiledNode adaptive_avg_pool2d(const CompileCtx& c) { return adaptive_common(c, ops::PoolKind::adaptive_avg, false, "adaptive_avg_pool2d"); }
CompiledNode adaptive_max_pool2d(const CompileCtx& c) { return adaptive_common(c, ops::PoolKind::adaptive_max, false, "adaptive_max_pool2d"); }
CompiledNode adaptive_avg_pool1d(const CompileCtx& c) { return adaptive_common(c, ops::PoolKind::adaptive_avg, true, "adaptive_avg_pool1d"); }
CompiledNode adaptive_max_pool1d(const CompileCtx& c) { return adaptive_common(c, ops::PoolKind::adaptive_max, true, "adaptive_max_pool1d"); }

CompiledNode linear(const CompileCtx& c) {
  const auto plan = ops::plan_linear(c.shapes[0], c.shapes[1], c.has(2) ? &c.shapes[2] : nullptr);
  const ops::Epilogue e0 = epilogue(c, 3, plan.out_shape);
  const bool res = c.has(3);
  const auto packed = c.packed<ops::PackedLinear>(1, "linear", [plan](const float* w, const ConsumedFn& consumed) {
    auto pw = ops::pack_linear(plan, w, consumed);
    return PackedWeight{pw, pw ? [pw] { return ops::unpack_linear(*pw); } : std::function<Tensor()>{}};
  });
  return {plan.out_shape, plan.rows * plan.in * plan.out, [plan, e0, res, packed](const float* const* in, float* y) {
            ops::Epilogue e = e0;
            e.residual = res ? in[3] : nullptr;
            ops::run_linear(plan, in[0], in[1], in[2], y, e, packed.get());
          }};
}

CompiledNode activation(const CompileCtx& c) {
  ActivationSpec act;
  activation_of(c.node, &act);
  ops::check_activation(act);
  const int64_t n = core::checked_numel(c.shapes[0], c.node.op.c_str());
  return {c.shapes[0], 0, [act, n](const float* const* in, float* y) { ops::run_activation(act, in[0], y, n); }};
}

CompiledNode erf(const CompileCtx& c) {
  const int64_t n = core::checked_numel(c.shapes[0], "erf");
  return {c.shapes[0], 0, [n](const float* const* in, float* y) { ops::run_erf(in[0], y, n); }};
}

CompiledNode prelu(const CompileCtx& c) {
  const Shape x = c.shapes[0];
  const int64_t sn = core::checked_numel(c.shapes[1], "prelu");
  ops::check_prelu(x, sn);
  return {x, 0, [x, sn](const float* const* in, float* y) { ops::run_prelu(x, in[0], in[1], sn, y); }};
}

CompiledNode softmax_common(const CompileCtx& c, bool log) {
  const auto plan = ops::plan_softmax(c.shapes[0], static_cast<int>(Attrs(c.node).i("axis", -1)), log);
  return {c.shapes[0], 0, [plan](const float* const* in, float* y) { ops::run_softmax(plan, in[0], y); }};
}
CompiledNode softmax(const CompileCtx& c) { return softmax_common(c, false); }
CompiledNode log_softmax(const CompileCtx& c) { return softmax_common(c, true); }

const Tensor& const_input(const CompileCtx& c, size_t i, const char* what) {
  if (!c.consts[i])
    throw Unsupported(c.node.op + ": " + what + " must be a weight (constant), got the computed value '" +
                      c.node.inputs[i] + "'");
  return *c.consts[i];
}

CompiledNode batch_norm(const CompileCtx& c) {
  const Tensor none;
  const auto affine = ops::batch_norm_affine(c.shapes[0], const_input(c, 1, "running_mean"),
                                             const_input(c, 2, "running_var"),
                                             c.has(3) ? const_input(c, 3, "weight") : none,
                                             c.has(4) ? const_input(c, 4, "bias") : none,
                                             static_cast<float>(Attrs(c.node).f("eps", 1e-5)));
  const Shape x = c.shapes[0];
  return {x, 0, [x, affine](const float* const* in, float* y) { ops::run_channel_affine(x, affine, in[0], y); }};
}

CompiledNode lrn(const CompileCtx& c) {
  Attrs a(c.node);
  LrnOptions o{a.i("size", 5), static_cast<float>(a.f("alpha", 1e-4)), static_cast<float>(a.f("beta", 0.75)),
               static_cast<float>(a.f("k", 1.0)), a.i("pre", -1)};
  const int64_t pre = ops::check_lrn(c.shapes[0], o);
  const Shape x = c.shapes[0];
  return {x, 0, [x, o, pre](const float* const* in, float* y) { ops::run_lrn(x, o, pre, in[0], y); }};
}

CompiledNode binary_common(const CompileCtx& c, BinaryOp op) {
  const auto plan = ops::plan_binary(c.shapes[0], c.shapes[1]);
  return {plan.out, 0, [plan, op](const float* const* in, float* y) { ops::run_binary(plan, in[0], in[1], y, op); }};
}
CompiledNode add(const CompileCtx& c) { return binary_common(c, BinaryOp::add); }
CompiledNode sub(const CompileCtx& c) { return binary_common(c, BinaryOp::sub); }
// x * s of a blocked x and a per-channel s [N, C, 1, 1] (layout pass): blocked out.
CompiledNode scale_nchwc(const CompileCtx& c, int64_t L) {
  Attrs a(c.node);
  const bool x_first = c.shapes[0].size() == 5;
  const Shape& x = c.shapes[x_first ? 0 : 1];
  const Shape& s = c.shapes[x_first ? 1 : 0];
  const int64_t C = blocked_channels(a, x, L, "mul");
  if (s != Shape{x[0], C, 1, 1})
    throw InvalidArgument("mul: a blocked input " + shape_str(x) + " is scaled by a [N, C, 1, 1] tensor, got " +
                          shape_str(s));
  const int xi = x_first ? 0 : 1;
  return {x, 0, [x, C, L, xi](const float* const* in, float* y) {
            ops::run_scale_nchwc(x[0], C, x[2] * x[3], L, in[xi], in[1 - xi], y);
          }};
}

CompiledNode mul(const CompileCtx& c) {
  if (const int64_t L = layout_block(Attrs(c.node), "mul")) return scale_nchwc(c, L);
  return binary_common(c, BinaryOp::mul);
}
CompiledNode div(const CompileCtx& c) { return binary_common(c, BinaryOp::div); }
CompiledNode max(const CompileCtx& c) { return binary_common(c, BinaryOp::max); }
CompiledNode min(const CompileCtx& c) { return binary_common(c, BinaryOp::min); }

CompiledNode concat(const CompileCtx& c) {
  for (size_t i = 0; i < c.shapes.size(); ++i)
    if (!c.has(i)) throw InvalidArgument("concat: input " + std::to_string(i) + " is empty");
  const auto plan = ops::plan_concat(c.shapes, static_cast<int>(Attrs(c.node).i("axis", 1)));
  const size_t n = c.shapes.size();
  return {plan.out, 0, [plan, n](const float* const* in, float* y) {
            ops::run_concat(plan, std::vector<const float*>(in, in + n), y);
          }};
}

CompiledNode flatten(const CompileCtx& c) {
  Attrs a(c.node);
  CompiledNode r;
  r.out = functional::flatten_shape(c.shapes[0], static_cast<int>(a.i("start_dim", 1)), static_cast<int>(a.i("end_dim", -1)));
  r.alias = true;
  return r;
}

CompiledNode reshape(const CompileCtx& c) {
  Attrs a(c.node);
  CompiledNode r;
  r.out = functional::reshape_shape(c.shapes[0], a.ints("shape", {}), a.i("zero_copies", 0) != 0);
  r.alias = true;
  return r;
}

CompiledNode identity(const CompileCtx& c) {
  CompiledNode r;
  r.out = c.shapes[0];
  r.alias = true;
  return r;
}

CompiledNode permute(const CompileCtx& c) {
  const auto plan = ops::plan_permute(c.shapes[0], Attrs(c.node).ints("perm", {}));
  return {plan.out, 0, [plan](const float* const* in, float* y) { ops::run_permute(plan, in[0], y); }};
}

CompiledNode slice(const CompileCtx& c) {
  Attrs a(c.node);
  const auto plan = ops::plan_slice(c.shapes[0], a.ints("starts", {}), a.ints("ends", {}), a.ints("axes", {}),
                                    a.ints("steps", {}));
  return {plan.view.out, 0, [plan](const float* const* in, float* y) { ops::run_slice(plan, in[0], y); }};
}

CompiledNode pad(const CompileCtx& c) {
  Attrs a(c.node);
  const auto plan = ops::plan_pad(c.shapes[0], a.ints("pads", {}), static_cast<float>(a.f("value", 0.0)));
  return {plan.out, 0, [plan](const float* const* in, float* y) { ops::run_pad(plan, in[0], y); }};
}

CompiledNode resize_nearest(const CompileCtx& c) {
  Attrs a(c.node);
  std::vector<double> scales;
  if (a.has("scales")) {
    auto it = c.node.attrs.find("scales");
    if (auto v = std::get_if<std::vector<double>>(&it->second)) scales = *v;
    else for (int64_t s : a.ints("scales", {})) scales.push_back(static_cast<double>(s));
  }
  const auto plan = ops::plan_resize_nearest(c.shapes[0], scales, a.ints("sizes", {}), a.s("coord", "asymmetric"),
                                             a.s("rounding", "floor"));
  return {plan.out, 0, [plan](const float* const* in, float* y) { ops::run_resize_nearest(plan, in[0], y); }};
}

CompiledNode embedding(const CompileCtx& c) {
  const Shape out = ops::plan_embedding(c.shapes[0], c.shapes[1]);
  const int64_t n = core::checked_numel(c.shapes[0], "embedding"), V = c.shapes[1][0], D = c.shapes[1][1];
  return {out, 0, [n, V, D](const float* const* in, float* y) {
            // Token ids arrive as float32 model inputs; each must be an integer in [0, V).
            std::vector<int64_t> idx(static_cast<size_t>(n));
            for (int64_t i = 0; i < n; ++i) {
              const float v = in[0][i];
              if (!(v >= 0.f && v < static_cast<float>(V) && v == std::floor(v)))
                throw InvalidArgument("embedding: token id " + std::to_string(v) + " at position " + std::to_string(i) +
                                      " is not an integer in [0, " + std::to_string(V) + ")");
              idx[static_cast<size_t>(i)] = static_cast<int64_t>(v);
            }
            ops::run_embedding(idx.data(), n, in[1], V, D, y);
          }};
}

const OpDef kOps[] = {
    {"conv2d", 2, 4, conv2d},
    {"separable_conv2d", 2, 8, separable_conv2d},
    {"to_nchwc", 1, 1, to_nchwc},
    {"from_nchwc", 1, 1, from_nchwc},
    {"conv1d", 2, 4, conv1d},
    {"conv_transpose2d", 2, 4, conv_transpose2d},
    {"max_pool2d", 1, 1, max_pool2d},
    {"avg_pool2d", 1, 1, avg_pool2d},
    {"max_pool1d", 1, 1, max_pool1d},
    {"avg_pool1d", 1, 1, avg_pool1d},
    {"adaptive_avg_pool2d", 1, 1, adaptive_avg_pool2d},
    {"adaptive_max_pool2d", 1, 1, adaptive_max_pool2d},
    {"adaptive_avg_pool1d", 1, 1, adaptive_avg_pool1d},
    {"adaptive_max_pool1d", 1, 1, adaptive_max_pool1d},
    {"linear", 2, 4, linear},
    {"relu", 1, 1, activation},
    {"leaky_relu", 1, 1, activation},
    {"clip", 1, 1, activation},
    {"hardsigmoid", 1, 1, activation},
    {"hardswish", 1, 1, activation},
    {"elu", 1, 1, activation},
    {"sigmoid", 1, 1, activation},
    {"tanh", 1, 1, activation},
    {"silu", 1, 1, activation},
    {"gelu", 1, 1, activation},
    {"erf", 1, 1, erf},
    {"softplus", 1, 1, activation},
    {"prelu", 2, 2, prelu},
    {"softmax", 1, 1, softmax},
    {"log_softmax", 1, 1, log_softmax},
    {"batch_norm", 3, 5, batch_norm},
    {"lrn", 1, 1, lrn},
    {"add", 2, 2, add},
    {"sub", 2, 2, sub},
    {"mul", 2, 2, mul},
    {"div", 2, 2, div},
    {"max", 2, 2, max},
    {"min", 2, 2, min},
    {"concat", 1, kVariadicInputs, concat},
    {"flatten", 1, 1, flatten},
    {"reshape", 1, 1, reshape},
    {"identity", 1, 1, identity},
    {"dropout", 1, 1, identity},
    {"permute", 1, 1, permute},
    {"pad", 1, 1, pad},
    {"slice", 1, 1, slice},
    {"resize_nearest", 1, 1, resize_nearest},
    {"embedding", 2, 2, embedding},
};

}  // namespace

Conv2dOptions conv2d_options(const Attrs& a, const std::string& prefix) {
  auto key = [&](const char* k) { return prefix + k; };
  Conv2dOptions o;
  o.stride = arr<2>(a.ints(key("stride").c_str(), {1, 1}));
  o.pads = arr<4>(a.ints(key("pads").c_str(), {0, 0, 0, 0}));
  o.pad_mode = pad_mode(a.s(key("pad_mode").c_str(), "explicit"));
  o.dilation = arr<2>(a.ints(key("dilation").c_str(), {1, 1}));
  o.groups = a.i(key("groups").c_str(), 1);
  return o;
}

const OpDef* find_op(const std::string& name) {
  for (const OpDef& d : kOps)
    if (name == d.name) return &d;
  return nullptr;
}

bool activation_of(const Node& n, ActivationSpec* out) {
  Attrs a(n);
  const std::string& op = n.op;
  ActivationSpec s;
  if (op == "relu") s = {Activation::relu, 0, 0};
  else if (op == "leaky_relu") s = {Activation::leaky_relu, static_cast<float>(a.f("alpha", 0.01)), 0};
  else if (op == "clip") s = {Activation::clip, static_cast<float>(a.f("min", -INFINITY)), static_cast<float>(a.f("max", INFINITY))};
  else if (op == "hardsigmoid") s = {Activation::hardsigmoid, static_cast<float>(a.f("alpha", 1.0 / 6.0)), static_cast<float>(a.f("beta", 0.5))};
  else if (op == "hardswish") s = {Activation::hardswish, 0, 0};
  else if (op == "elu") s = {Activation::elu, static_cast<float>(a.f("alpha", 1.0)), static_cast<float>(a.f("scale", 1.0))};
  else if (op == "sigmoid") s = {Activation::sigmoid, 0, 0};
  else if (op == "tanh") s = {Activation::tanh, 0, 0};
  else if (op == "silu") s = {Activation::silu, 0, 0};
  else if (op == "gelu") s = {a.s("approximate", "none") == "tanh" ? Activation::gelu_tanh : Activation::gelu, 0, 0};
  else if (op == "softplus") s = {Activation::softplus, static_cast<float>(a.f("beta", 1.0)), static_cast<float>(a.f("threshold", 20.0))};
  else return false;
  if (out) *out = s;
  return true;
}

void set_fused_activation(Node& n, const ActivationSpec& act) {
  n.attrs["activation"] = std::string(ops::activation_name(act.kind));
  n.attrs["act_alpha"] = static_cast<double>(act.alpha);
  n.attrs["act_beta"] = static_cast<double>(act.beta);
}

}  // namespace cnncore::graph
