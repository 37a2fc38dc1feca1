#include "graph/passes.h"

#include <cmath>
#include <set>

#include "graph/registry.h"

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

}  // namespace

void optimize(Graph& g, const std::map<std::string, Shape>& shapes) {
  fold_batchnorm(g);
  fuse_silu(g);
  fuse_residual(g, shapes);
  fuse_activation(g);
}

}  // namespace cnncore::graph
