#include "graph/passes.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <set>

#include "cnncore/error.h"
#include "core/dispatch.h"
#include "graph/registry.h"
#include "ops/conv_nchwc.h"

namespace cnncore::graph {
namespace {

bool is_producer_with_epilogue(const Node& n) {
  return n.op == "conv2d" || n.op == "conv1d" || n.op == "conv_transpose2d" || n.op == "linear";
}
bool has_epilogue(const Node& n) {
  return n.attrs.count("activation") || (n.inputs.size() > 3 && !n.inputs[3].empty());
}

struct Uses {
  std::map<std::string, int> count;
  std::set<std::string> graph_outputs;
  Uses(const Graph& g) {
    for (const Node& n : g.nodes)
      for (const std::string& i : n.inputs)
        if (!i.empty()) ++count[i];
    graph_outputs.insert(g.outputs.begin(), g.outputs.end());
  }
  bool single_internal_use(const std::string& v) const {
    auto it = count.find(v);
    return it != count.end() && it->second == 1 && !graph_outputs.count(v);
  }
};

int producer(const Graph& g, const std::string& value) {
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].outputs[0] == value) return static_cast<int>(i);
  return -1;
}

const Tensor* weight(const Graph& g, const Node& n, size_t i) {
  if (i >= n.inputs.size() || n.inputs[i].empty()) return nullptr;
  auto it = g.weights.find(n.inputs[i]);
  return it == g.weights.end() ? nullptr : &it->second;
}

std::string fresh_name(const Graph& g, const std::string& base) {
  std::string name = base;
  for (int k = 1; g.weights.count(name); ++k) name = base + "." + std::to_string(k);
  return name;
}

void fold_batchnorm(Graph& g) {
  for (size_t bi = 0; bi < g.nodes.size(); ++bi) {
    Node& bn = g.nodes[bi];
    if (bn.op != "batch_norm") continue;
    const int pi = producer(g, bn.inputs[0]);
    if (pi < 0) continue;
    Node& conv = g.nodes[pi];
    if ((conv.op != "conv2d" && conv.op != "conv1d") || has_epilogue(conv)) continue;
    if (!Uses(g).single_internal_use(conv.outputs[0])) continue;
    const Tensor *w = weight(g, conv, 1), *b = weight(g, conv, 2);
    const Tensor *mean = weight(g, bn, 1), *var = weight(g, bn, 2), *gamma = weight(g, bn, 3), *beta = weight(g, bn, 4);
    const bool bias_ok = conv.inputs.size() < 3 || conv.inputs[2].empty() || b;
    if (!w || !mean || !var || !bias_ok || (bn.inputs.size() > 3 && !bn.inputs[3].empty() && !gamma) ||
        (bn.inputs.size() > 4 && !bn.inputs[4].empty() && !beta))
      continue;
    const int64_t K = w->dim(0);
    if (mean->numel() != K || var->numel() != K || (gamma && gamma->numel() != K) || (beta && beta->numel() != K) ||
        (b && b->numel() != K))
      continue;  // mismatched shapes: leave for the ops to report
    const double eps = Attrs(bn).f("eps", 1e-5);
    Tensor nw = Tensor::empty(w->shape()), nb = Tensor::empty({K});
    const int64_t per = w->numel() / K;
    bool ok = true;
    for (int64_t k = 0; k < K && ok; ++k) {
      const double v = var->data()[k];
      if (!(v + eps > 0)) ok = false;  // leave invalid statistics for batch_norm to report
      const double s = (gamma ? gamma->data()[k] : 1.0) / std::sqrt(v + eps);
      for (int64_t j = 0; j < per; ++j) nw.data()[k * per + j] = static_cast<float>(w->data()[k * per + j] * s);
      nb.data()[k] = static_cast<float>(((b ? b->data()[k] : 0.0) - mean->data()[k]) * s + (beta ? beta->data()[k] : 0.0));
    }
    if (!ok) continue;
    const std::string wn = fresh_name(g, conv.inputs[1] + "#bn"), bname = fresh_name(g, conv.name + ".bias#bn");
    g.weights[wn] = nw;
    g.weights[bname] = nb;
    conv.inputs.resize(std::max<size_t>(conv.inputs.size(), 3));
    conv.inputs[1] = wn;
    conv.inputs[2] = bname;
    conv.outputs[0] = bn.outputs[0];
    g.nodes.erase(g.nodes.begin() + bi);
    --bi;
  }
}

void fuse_residual(Graph& g, const std::map<std::string, Shape>& shapes) {
  for (size_t ai = 0; ai < g.nodes.size(); ++ai) {
    Node& add = g.nodes[ai];
    if (add.op != "add") continue;
    for (int side = 0; side < 2; ++side) {
      const std::string& mine = add.inputs[side];
      const std::string& other = add.inputs[1 - side];
      const int pi = producer(g, mine);
      if (pi < 0 || pi >= static_cast<int>(ai)) continue;
      Node& p = g.nodes[pi];
      if (!is_producer_with_epilogue(p) || has_epilogue(p) || !Uses(g).single_internal_use(mine)) continue;
      auto sm = shapes.find(mine), so = shapes.find(other), sa = shapes.find(add.outputs[0]);
      if (sm == shapes.end() || so == shapes.end() || sa == shapes.end() || sm->second != so->second ||
          sm->second != sa->second)
        continue;
      Node fused = p;
      fused.inputs.resize(4);
      fused.inputs[3] = other;
      fused.outputs = add.outputs;
      // The producer moves to the add's place: its own inputs exist there, and so does `other`.
      g.nodes[ai] = fused;
      g.nodes.erase(g.nodes.begin() + pi);
      --ai;
      break;
    }
  }
}

void fuse_activation(Graph& g) {
  for (size_t ai = 0; ai < g.nodes.size(); ++ai) {
    Node& act = g.nodes[ai];
    ActivationSpec spec;
    if (!activation_of(act, &spec)) continue;
    const int pi = producer(g, act.inputs[0]);
    if (pi < 0) continue;
    Node& p = g.nodes[pi];
    if (!is_producer_with_epilogue(p) || p.attrs.count("activation") || !Uses(g).single_internal_use(p.outputs[0]))
      continue;
    set_fused_activation(p, spec);
    p.outputs = act.outputs;
    g.nodes.erase(g.nodes.begin() + ai);
    --ai;
  }
}

// x * sigmoid(x), as exporters write SiLU (two nodes, two passes over the tensor), becomes one
// silu node, which fuse_activation can then move into the producer of x. Same values, except at
// x = -inf, where silu gives its limit 0 instead of -inf * 0 = NaN.
void fuse_silu(Graph& g) {
  for (size_t mi = 0; mi < g.nodes.size(); ++mi) {
    Node& mul = g.nodes[mi];
    if (mul.op != "mul" || mul.inputs.size() != 2) continue;
    for (int side = 0; side < 2; ++side) {
      const std::string s = mul.inputs[side], x = mul.inputs[1 - side];
      const int si = producer(g, s);
      if (si < 0 || g.nodes[si].op != "sigmoid" || g.nodes[si].inputs[0] != x || !Uses(g).single_internal_use(s))
        continue;
      mul.op = "silu";
      mul.inputs = {x};
      mul.attrs.clear();
      g.nodes.erase(g.nodes.begin() + si);
      if (si < static_cast<int>(mi)) --mi;
      break;
    }
  }
}

// GELU as exporters write it before ONNX opset 20, x * 0.5 * (1 + erf(x / sqrt(2))) (the erf's
// argument also as x * (1/sqrt(2)); the 0.5 applied last or to x first), becomes one gelu node,
// which fuse_activation can then move into the producer of x. Every intermediate must have no
// other reader. Same value, rounded once instead of at each step.
void fuse_gelu(Graph& g) {
  auto scalar = [&](const Node& n, size_t i, double want, double tol) {
    const Tensor* t = weight(g, n, i);
    return t && t->numel() == 1 && std::abs(static_cast<double>(t->data()[0]) - want) <= tol;
  };
  const Uses uses(g);
  auto node_of = [&](const std::string& v, const char* op) -> int {  // v's producer, if `op` and v is read once
    const int i = producer(g, v);
    return i >= 0 && g.nodes[i].op == op && uses.single_internal_use(v) ? i : -1;
  };
  // The other input of a two-input node than the constant `want` (or "" when it has none).
  auto operand = [&](const Node& n, double want, double tol, bool either) -> std::string {
    if (n.inputs.size() != 2) return "";
    if (scalar(n, 1, want, tol)) return n.inputs[0];
    if (either && scalar(n, 0, want, tol)) return n.inputs[1];
    return "";
  };
  // 1 + erf(x / sqrt(2)) from its add node's output: x, or "".
  auto one_plus_erf = [&](const std::string& v) -> std::string {
    const int a = node_of(v, "add");
    if (a < 0) return "";
    const int e = node_of(operand(g.nodes[a], 1.0, 1e-6, true), "erf");
    if (e < 0) return "";
    const std::string d = g.nodes[e].inputs[0];
    int q = node_of(d, "div");
    if (q >= 0) return operand(g.nodes[q], 1.4142135623730951, 1e-5, false);
    q = node_of(d, "mul");
    return q >= 0 ? operand(g.nodes[q], 0.7071067811865476, 1e-6, true) : "";
  };
  std::set<std::string> dead;  // outputs of the nodes a fusion replaced
  for (Node& t : g.nodes) {
    if (t.op != "mul" || t.inputs.size() != 2) continue;
    std::string x, p, m;  // x, the 1 + erf value, the inner product
    // (x * (1 + erf)) * 0.5
    m = operand(t, 0.5, 1e-6, true);
    if (const int i = m.empty() ? -1 : node_of(m, "mul"); i >= 0) {
      const Node& mn = g.nodes[i];
      for (int side = 0; side < 2 && x.empty(); ++side)
        if (one_plus_erf(mn.inputs[1 - side]) == mn.inputs[side]) x = mn.inputs[side], p = mn.inputs[1 - side];
    }
    // (x * 0.5) * (1 + erf)
    for (int side = 0; side < 2 && x.empty(); ++side) {
      const int i = node_of(t.inputs[side], "mul");
      if (i < 0) continue;
      const std::string xh = operand(g.nodes[i], 0.5, 1e-6, true);
      if (!xh.empty() && one_plus_erf(t.inputs[1 - side]) == xh) x = xh, m = t.inputs[side], p = t.inputs[1 - side];
    }
    if (x.empty()) continue;
    // the add, erf and scaling nodes behind p, and the inner product m
    const Node& add = g.nodes[producer(g, p)];
    const std::string e = add.inputs[weight(g, add, 1) ? 0 : 1];
    dead.insert({m, p, e, g.nodes[producer(g, e)].inputs[0]});
    t.op = "gelu";
    t.inputs = {x};
    t.attrs = {{"approximate", std::string("none")}};
  }
  if (dead.empty()) return;
  std::vector<Node> kept;
  for (Node& n : g.nodes)
    if (!dead.count(n.outputs[0])) kept.push_back(std::move(n));
  g.nodes = std::move(kept);
}

// How a node can take part in the blocked layout (assign_layout).
enum class Role {
  none,
  pointwise,  // conv 1x1 unpadded (any equal stride): blocked in and out, when joined to the region
  depthwise,  // conv: blocked in and out, always (the region's seeds)
  direct,     // conv of <= 4 input channels: NCHW in, blocked out, when its output feeds the region
  winograd,   // conv 3x3 / 5x5 stride 1 on Winograd: blocked in and out, when joined to the region
  general,    // any other one-group conv of > 4 input channels: blocked in and out, when joined
  pool,       // global average pool: blocked in, NCHW [N, C, 1, 1] out
  scale,      // x * s, s [N, C, 1, 1]: x blocked, out blocked (a squeeze-excitation gate)
};

Role conv_role(const Node& c, const std::map<std::string, Shape>& shapes, bool weights_const) {
  auto x = shapes.find(c.inputs[0]), w = shapes.find(c.inputs[1]);
  if (x == shapes.end() || w == shapes.end() || x->second.size() != 4) return Role::none;
  if (c.inputs.size() > 3 && !c.inputs[3].empty() && !shapes.count(c.inputs[3])) return Role::none;
  try {
    const Conv2dOptions o = conv2d_options(Attrs(c));
    const Shape* b = c.inputs.size() > 2 && !c.inputs[2].empty() ? &shapes.at(c.inputs[2]) : nullptr;
    const ops::ConvPlan plan = ops::plan_conv2d(x->second, w->second, b, o);
    if (ops::nchwc_conv_supported(plan))
      return plan.p.groups > 1 || plan.p.kh * plan.p.kw > 1 ? Role::depthwise : Role::pointwise;
    if (ops::nchwc_winograd_supported(plan) && weights_const) return Role::winograd;
    if (plan.p.C <= 4 && ops::nchwc_direct_supported(plan)) return Role::direct;
    // The k x k kernel where its tiles see enough pixels per weight: on 7x7 outputs (ResNet's
    // stage 4) it measured 1.00x the GEMM between reorders at the AVX-512 cap and 1.075x at AVX2.
    if (ops::nchwc_general_supported(plan) && weights_const && plan.p.OH * plan.p.OW >= 14 * 14)
      return Role::general;
  } catch (const std::exception&) {
  }
  return Role::none;  // invalid ones are left for the conv2d op to report
}

Role role_of(const Graph& g, const Node& c, const std::map<std::string, Shape>& shapes) {
  auto shape = [&](size_t i) -> const Shape* {
    if (i >= c.inputs.size() || c.inputs[i].empty()) return nullptr;
    auto it = shapes.find(c.inputs[i]);
    return it == shapes.end() ? nullptr : &it->second;
  };
  if (c.op == "conv2d" && c.inputs.size() >= 2)
    return conv_role(c, shapes, g.weights.count(c.inputs[1]) && (c.inputs.size() < 3 || c.inputs[2].empty() ||
                                                                 g.weights.count(c.inputs[2])));
  if (c.op == "adaptive_avg_pool2d" && shape(0) && shape(0)->size() == 4) {
    try {
      if (Attrs(c).ints("output_size", {1, 1}) == std::vector<int64_t>{1, 1}) return Role::pool;
    } catch (const std::exception&) {
    }
  }
  if (c.op == "mul" && c.inputs.size() == 2 && shape(0) && shape(1)) {
    const Shape &a = *shape(0), &b = *shape(1);
    auto gate = [](const Shape& x, const Shape& s) {
      return x.size() == 4 && s.size() == 4 && s[0] == x[0] && s[1] == x[1] && s[2] == 1 && s[3] == 1 && x[2] * x[3] > 1;
    };
    if (gate(a, b) || gate(b, a)) return Role::scale;
  }
  return Role::none;
}

// A blocked depthwise convolution and the blocked convolutions beside it (MobileNet's
// expand -> depthwise -> project, or first layer -> depthwise -> project) become one
// separable_conv2d node, which makes the tensors between them a few rows at a time in L2
// (ops::run_separable_nchwc) instead of writing and reading them whole: the expansion (1x1,
// stride 1, or a first layer reading NCHW; no residual) whose output only the depthwise conv
// reads, and the projection (1x1, stride 1) that alone reads the depthwise output (which then
// has no residual). `blocked`: the values in the blocked layout. Each only where the tensor it saves is large (at least
// kSeparableMinBytes per image): smaller ones stay in cache between the nodes anyway. Measured
// in-process on MobileNetV2, 2 threads, expansions alone: 0.96-0.99x at batch 1, 0.86x at batch 8
// (from 512 KB; from 1 MB 0.92-0.95x in runs where 512 KB gave 0.90-0.91x). `shapes`: the NCHW
// shape of each blocked output.
constexpr int64_t kSeparableMinBytes = 512 << 10;

void fuse_separable(Graph& g, const std::map<std::string, Shape>& shapes, const std::set<std::string>& blocked) {
  const Uses uses(g);
  std::map<std::string, size_t> prod, reader;  // a value -> its producer; a value read once -> its reader
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    prod[g.nodes[i].outputs[0]] = i;
    for (const std::string& v : g.nodes[i].inputs)
      if (uses.single_internal_use(v)) reader[v] = i;
  }
  auto weight = [&](const Node& n) -> const Shape* {  // a blocked conv2d's constant weight shape
    if (n.op != "conv2d" || !n.attrs.count("layout") || n.inputs.size() < 2 || !shapes.count(n.outputs[0])) return nullptr;
    auto w = g.weights.find(n.inputs[1]);
    return w == g.weights.end() || w->second.shape().size() != 4 ? nullptr : &w->second.shape();
  };
  auto input = [](const Node& n, size_t k) { return k < n.inputs.size() ? n.inputs[k] : std::string(); };
  auto big = [&](const std::string& v) {
    const Shape& s = shapes.at(v);
    return s[1] * s[2] * s[3] * 4 >= kSeparableMinBytes;
  };
  // A 1x1 stride-1 one-group conv (any pads would change the plane, so the planner's check of
  // the output plane covers them).
  auto pointwise = [&](const Node& n) {
    const Shape* w = weight(n);
    if (!w || (*w)[2] != 1 || (*w)[3] != 1) return false;
    try {
      const Conv2dOptions o = conv2d_options(Attrs(n));
      return o.stride == std::array<int64_t, 2>{1, 1} && o.groups == 1 && o.pads == std::array<int64_t, 4>{0, 0, 0, 0};
    } catch (const std::exception&) {
      return false;  // left for the conv2d op to report
    }
  };
  std::vector<bool> gone(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& d = g.nodes[i];
    const Shape* wd = weight(d);
    if (!wd || (*wd)[1] != 1 || (*wd)[0] != shapes.at(d.outputs[0])[1]) continue;
    Conv2dOptions od;
    try {
      od = conv2d_options(Attrs(d));
    } catch (const std::exception&) {
      continue;  // left for the conv2d op to report
    }
    if (od.groups != (*wd)[0]) continue;
    // The fused node's bands of rows (one per thread at batch 1) make again the expansion rows
    // their windows share at each band's edge: no expansion where that is more than an eighth of
    // the plane at two bands (EfficientNet's 5x5 stride-1 layers on 28x28 and 14x14 planes: the
    // model 0.97x the time without fusing those; MobileNetV2 and MobileNetV3-Large unchanged).
    const int64_t reach = ((*wd)[2] - 1) * od.dilation[0] + 1;
    const bool few_shared = 8 * (reach - od.stride[0]) <= shapes.at(d.outputs[0])[2] * od.stride[0];
    int ex = -1, pj = -1;
    auto p = prod.find(d.inputs[0]);
    // The expansion: a blocked 1x1 stride-1 conv, or a first layer reading NCHW (the layout
    // pass gave it its blocked output: at most 4 input channels, undilated, one group).
    auto expansion = [&](const Node& n) {
      if (!weight(n) || !input(n, 3).empty()) return false;
      return !blocked.count(n.inputs[0]) || pointwise(n);
    };
    if (few_shared && p != prod.end() && !gone[p->second] && expansion(g.nodes[p->second]) &&
        reader.count(d.inputs[0]) && reader[d.inputs[0]] == i && big(d.inputs[0]))
      ex = static_cast<int>(p->second);
    auto r = reader.find(d.outputs[0]);
    if (r != reader.end() && input(d, 3).empty() && pointwise(g.nodes[r->second]) &&
        g.nodes[r->second].inputs[0] == d.outputs[0] && big(d.outputs[0]))
      pj = static_cast<int>(r->second);
    if (ex < 0 && pj < 0) continue;
    const Node* e = ex >= 0 ? &g.nodes[ex] : nullptr;
    const Node* q = pj >= 0 ? &g.nodes[pj] : nullptr;
    Node f;
    f.op = "separable_conv2d";
    f.name = (e ? e->name + "+" : "") + d.name + (q ? "+" + q->name : "");
    f.inputs = {e ? e->inputs[0] : d.inputs[0], d.inputs[1], input(d, 2), q ? input(*q, 3) : input(d, 3),
                e ? e->inputs[1] : "", e ? input(*e, 2) : "", q ? q->inputs[1] : "", q ? input(*q, 2) : ""};
    while (f.inputs.back().empty()) f.inputs.pop_back();
    f.outputs = q ? q->outputs : d.outputs;
    f.attrs = d.attrs;
    for (const char* k : {"activation", "act_alpha", "act_beta", "stride", "pads", "pad_mode", "dilation"}) {
      if (e && e->attrs.count(k)) f.attrs[std::string("expand_") + k] = e->attrs.at(k);
      if (q && q->attrs.count(k)) f.attrs[std::string("project_") + k] = q->attrs.at(k);
    }
    if (core::verbose("dispatch")) {
      auto kb = [&](const std::string& v) {
        const Shape& sh = shapes.at(v);
        return std::to_string(sh[1]) + "x" + std::to_string(sh[2]) + "x" + std::to_string(sh[3]) + " (" +
               std::to_string(sh[1] * sh[2] * sh[3] * 4 >> 10) + " KB per image)";
      };
      std::string saved = e ? "the expansion's " + kb(d.inputs[0]) : "";
      if (q) saved += std::string(e ? " and " : "") + "the depthwise " + kb(d.outputs[0]);
      core::log_line("dispatch fuse " + f.name + " -> separable_conv2d (" + saved +
                     " output made a few rows at a time in L2)");
    }
    if (e) gone[ex] = true;
    if (q) {
      gone[i] = true;
      g.nodes[pj] = std::move(f);
    } else {
      g.nodes[i] = std::move(f);
    }
  }
  std::vector<Node> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!gone[i]) kept.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(kept);
}

// The blocked layout (kernels/nchwc/nchwc.h) for depthwise convolutions and the pointwise ones
// joined to them by data edges through other pointwise ones (MobileNet's expand -> depthwise ->
// project chains): those run blocked, with reorders only where a value enters from or leaves
// for NCHW ops. A convolution of at most 4 input channels (a first layer) whose output feeds
// the region reads its NCHW input directly and writes blocked output, in place of a reorder; a
// global average pool or squeeze-excitation scale of a blocked value reads it blocked. ResNet-style
// bottlenecks (1x1, 3x3 on Winograd, 1x1 + residual) run blocked end to end. Lone pointwise
// layers (GoogLeNet's, before a concat) keep the NCHW GEMM and need no reorders. L is the vector
// width of the active ISA; none at the scalar level.
void assign_layout(Graph& g, std::map<std::string, Shape> shapes) {
  for (const auto& [name, t] : g.weights) shapes[name] = t.shape();  // with those folding made
  const Isa isa = active_isa();
  if (isa == Isa::scalar) return;
  if (const char* env = std::getenv("CNNCORE_LAYOUT")) {
    const std::string m = env;
    if (m == "nchw") return;
    if (m != "auto") throw InvalidArgument("CNNCORE_LAYOUT must be auto or nchw, got '" + m + "'");
  }
  const int64_t L = isa == Isa::avx512 ? 16 : 8;
  const size_t n = g.nodes.size();
  std::vector<Role> role(n);
  for (size_t i = 0; i < n; ++i) role[i] = role_of(g, g.nodes[i], shapes);
  // Which inputs a blocked node reads blocked, and whether its output is blocked.
  auto reads_blocked = [&](size_t i, size_t k) {
    const Node& c = g.nodes[i];
    switch (role[i]) {
      case Role::pointwise:
      case Role::winograd:
      case Role::general:
      case Role::depthwise: return k == 0 || k == 3;
      case Role::direct: return k == 3;
      case Role::pool: return k == 0;
      case Role::scale: return shapes.at(c.inputs[k])[2] * shapes.at(c.inputs[k])[3] > 1;  // x, not the gate
      default: return false;
    }
  };
  auto writes_blocked = [&](size_t i) { return role[i] != Role::pool; };
  std::map<std::string, size_t> prod;
  std::map<std::string, std::vector<std::pair<size_t, size_t>>> readers;  // value -> (node, input)
  for (size_t i = 0; i < n; ++i) {
    prod[g.nodes[i].outputs[0]] = i;
    for (size_t k = 0; k < g.nodes[i].inputs.size(); ++k) readers[g.nodes[i].inputs[k]].push_back({i, k});
  }
  std::vector<bool> blocked(n);
  // Whether some node reads v blocked (true), or some node reads it as NCHW (false).
  auto read_blocked_by_some = [&](const std::string& v, bool blocked_readers) {
    return readers.count(v) > 0 &&
           std::any_of(readers[v].begin(), readers[v].end(), [&](const std::pair<size_t, size_t>& r) {
             return blocked_readers == (blocked[r.first] && reads_blocked(r.first, r.second));
           });
  };
  // Seeds: depthwise convolutions, and the last convolution of ResNet-style bottlenecks: a
  // pointwise one that adds a residual and reads a Winograd or pointwise convolution. In-process
  // on ResNet-50 (1x1 layers on the blocked kernel, 3x3 on Winograd reading and writing blocks,
  // reorders only at the stride-2 3x3 and 7x7 layers): 0.88-1.00x at batch 1, 0.95x at batch 8.
  auto bottleneck_end = [&](size_t i) {
    const Node& c = g.nodes[i];
    if (role[i] != Role::pointwise || c.inputs.size() < 4 || c.inputs[3].empty()) return false;
    auto it = prod.find(c.inputs[0]);
    return it != prod.end() && (role[it->second] == Role::winograd || role[it->second] == Role::pointwise);
  };
  for (size_t i = 0; i < n; ++i) blocked[i] = role[i] == Role::depthwise || bottleneck_end(i);
  // Grow the region: a pointwise, Winograd or general conv, pool or scale joins when a value it
  // would read blocked comes blocked; a pointwise, Winograd, general or direct conv when a
  // blocked node reads its output blocked.
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < n; ++i) {
      if (blocked[i] || role[i] == Role::none || role[i] == Role::depthwise) continue;
      bool join = false;
      const Node& c = g.nodes[i];
      for (size_t k = 0; k < c.inputs.size() && !join && role[i] != Role::direct; ++k) {
        auto it = prod.find(c.inputs[k]);
        join = reads_blocked(i, k) && it != prod.end() && blocked[it->second] && writes_blocked(it->second);
      }
      const bool by_consumer = role[i] == Role::pointwise || role[i] == Role::direct || role[i] == Role::winograd ||
                               role[i] == Role::general;
      if (!join && by_consumer) join = read_blocked_by_some(c.outputs[0], true);
      if (join) blocked[i] = changed = true;
    }
  }
  // A region of depthwise convolutions alone (with their pools and scales) reads and writes NCHW
  // through reorders on both sides: the NCHW depthwise kernel measured 1.1-1.8x faster on every
  // lone layer of the benchmarks (dw3x3 s1/s2, 14x14 to 112x112). Such regions are dropped.
  std::vector<size_t> comp(n);
  for (size_t i = 0; i < n; ++i) comp[i] = i;
  std::function<size_t(size_t)> root = [&](size_t i) { return comp[i] == i ? i : comp[i] = root(comp[i]); };
  for (size_t i = 0; i < n; ++i) {
    if (!blocked[i]) continue;
    const Node& c = g.nodes[i];
    for (size_t k = 0; k < c.inputs.size(); ++k) {
      auto it = prod.find(c.inputs[k]);
      if (it != prod.end() && blocked[it->second] && writes_blocked(it->second) && reads_blocked(i, k))
        comp[root(i)] = root(it->second);
    }
  }
  std::set<size_t> with_dense;  // regions holding a pointwise, Winograd, k x k or first-layer conv
  for (size_t i = 0; i < n; ++i)
    if (blocked[i] && (role[i] == Role::pointwise || role[i] == Role::winograd || role[i] == Role::direct ||
                       role[i] == Role::general))
      with_dense.insert(root(i));
  for (size_t i = 0; i < n; ++i)
    if (blocked[i] && !with_dense.count(root(i))) blocked[i] = false;

  std::set<std::string> names;
  for (const auto& [k, v] : shapes) names.insert(k);
  auto fresh = [&](const std::string& base) {
    std::string s = base + "#nchwc";
    for (int k = 1; names.count(s); ++k) s = base + "#nchwc." + std::to_string(k);
    names.insert(s);
    return s;
  };
  const std::set<std::string> outputs(g.outputs.begin(), g.outputs.end());
  std::map<std::string, std::string> bname;  // NCHW value -> its blocked copy
  std::map<std::string, Shape> bshapes;      // a blocked output -> its NCHW shape
  std::vector<Node> out;
  const std::string lname = "nchw" + std::to_string(L) + "c";
  for (size_t i = 0; i < n; ++i) {
    Node node = g.nodes[i];
    if (!blocked[i]) {
      out.push_back(std::move(node));
      continue;
    }
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      if (node.inputs[k].empty() || !reads_blocked(i, k)) continue;
      const std::string v = node.inputs[k];
      if (!bname.count(v)) {
        Node r;
        r.op = "to_nchwc";
        r.name = v + "/to_" + lname;
        r.inputs = {v};
        r.outputs = {fresh(v)};
        r.attrs["block"] = L;
        bname[v] = r.outputs[0];
        out.push_back(std::move(r));
      }
      node.inputs[k] = bname[v];
    }
    node.attrs["layout"] = lname;
    if (core::verbose("dispatch")) {
      const char* why = role[i] == Role::depthwise ? "depthwise"
                        : role[i] == Role::direct  ? "few input channels, read from NCHW, feeding the blocked region"
                        : role[i] == Role::pool    ? "global average pool of a blocked value"
                        : role[i] == Role::scale   ? "channel scale of a blocked value"
                        : role[i] == Role::winograd ? "Winograd next to the blocked region"
                        : role[i] == Role::general  ? "k x k next to the blocked region"
                                                   : "pointwise next to the blocked region";
      core::log_line("dispatch layout " + node.name + " -> " + lname + " (" + why + ")");
    }
    const std::string v = node.outputs[0];
    if (role[i] == Role::pool || role[i] == Role::scale) node.attrs["channels"] = shapes.at(v)[1];
    if (!writes_blocked(i)) {
      out.push_back(std::move(node));
      continue;
    }
    node.outputs[0] = bname[v] = fresh(v);
    bshapes[node.outputs[0]] = shapes.at(v);
    out.push_back(node);
    if (outputs.count(v) || read_blocked_by_some(v, false)) {  // a graph output, or read by an NCHW op
      Node r;
      r.op = "from_nchwc";
      r.name = v + "/from_" + lname;
      r.inputs = {node.outputs[0]};
      r.outputs = {v};
      r.attrs["channels"] = shapes.at(v)[1];
      out.push_back(std::move(r));
    }
  }
  g.nodes = std::move(out);
  std::set<std::string> blocked_values;
  for (const auto& [v, b] : bname) blocked_values.insert(b);
  fuse_separable(g, bshapes, blocked_values);
}

}  // namespace

void optimize(Graph& g, const std::map<std::string, Shape>& shapes) {
  fold_batchnorm(g);
  fuse_silu(g);
  fuse_gelu(g);
  fuse_residual(g, shapes);
  fuse_activation(g);
  assign_layout(g, shapes);
}

}  // namespace cnncore::graph
