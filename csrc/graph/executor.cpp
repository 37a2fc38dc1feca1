// Model: validation, compilation per input shape (passes, shape inference, memory plan) and
// execution. A compiled plan is a list of steps, each an op's run function with its inputs and
// output resolved to a graph input, a weight, a fresh output tensor or an offset in the arena.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iterator>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <mutex>
#include <set>

#include "cnncore/error.h"
#include "cnncore/model.h"
#include "core/dispatch.h"
#include "core/shape.h"
#include "core/tensor_pool.h"
#include "graph/passes.h"
#include "graph/registry.h"
#include "io/mapped_file.h"

namespace cnncore {
namespace io {
Model load_cnnc_file(const std::string& path);
Model load_cnnc_bytes(const void* data, size_t size);
std::vector<uint8_t> save_cnnc(const Graph& g);
void save_cnnc_file(const Graph& g, const std::string& path);
Model load_onnx_file(const std::string& path);
Model load_onnx_bytes(const void* data, size_t size);
}  // namespace io

namespace {

enum class Where { input, weight, arena, output, absent };

struct Value {
  Shape shape;
  Where where = Where::absent;
  int index = -1;      // graph input / output slot
  int64_t offset = 0;  // bytes, arena
  const Tensor* weight = nullptr;
  int root = -1;  // storage owner (self unless an alias)
};

struct Step {
  graph::RunFn run;
  std::vector<int> inputs;  // value ids, -1 for absent
  int output;
  std::string label;  // "name (op)", for CNNCORE_VERBOSE=profile
};

struct Plan {
  std::vector<Value> values;
  std::vector<Step> steps;
  std::vector<int> outputs;  // value id per graph output
  std::vector<int> output_roots;
  int64_t arena_bytes = 0;
  std::shared_ptr<float> arena;
  Graph optimized;  // keeps folded weights alive
};

constexpr int64_t kAlign = 64;
int64_t aligned_bytes(const Shape& s) {
  const int64_t b = core::checked_mul(core::checked_numel(s, "plan"), 4, "plan");
  return (b + kAlign - 1) / kAlign * kAlign;
}

[[noreturn]] void rethrow_for_node(const Node& n, const std::exception& e, bool unsupported) {
  const std::string msg = "node '" + n.name + "' (" + n.op + "): " + e.what();
  if (unsupported) throw Unsupported(msg);
  throw InvalidArgument(msg);
}

graph::CompiledNode compile_node(const Node& n, const std::map<std::string, Shape>& shapes,
                                 const std::map<std::string, Tensor>& weights, bool pack, graph::WeightPacks* packs) {
  const graph::OpDef* def = graph::find_op(n.op);
  std::vector<Shape> in_shapes;
  std::vector<const Tensor*> consts;
  for (const std::string& name : n.inputs) {
    if (name.empty()) {
      in_shapes.emplace_back();
      consts.push_back(nullptr);
      continue;
    }
    auto w = weights.find(name);
    consts.push_back(w == weights.end() ? nullptr : &w->second);
    in_shapes.push_back(shapes.at(name));
  }
  try {
    return def->compile({n, in_shapes, consts, pack, packs});
  } catch (const Unsupported& e) {
    rethrow_for_node(n, e, true);
  } catch (const InvalidArgument& e) {
    rethrow_for_node(n, e, false);
  }
}

// Shapes of every value of g for the given input shapes; with `compiled`, each node compiled
// too, its weights packed when `packs` is given (else left unpacked).
std::map<std::string, Shape> infer_shapes(const Graph& g, const std::map<std::string, Shape>& inputs,
                                          std::vector<graph::CompiledNode>* compiled = nullptr,
                                          graph::WeightPacks* packs = nullptr) {
  std::map<std::string, Shape> shapes;
  for (const std::string& in : g.inputs) {
    auto it = inputs.find(in);
    if (it == inputs.end()) throw InvalidArgument("model input '" + in + "' was not given");
    for (int64_t d : it->second)
      if (d < 0) throw InvalidArgument("model input '" + in + "' has a negative dimension: " + shape_str(it->second));
    core::checked_numel(it->second, "model input");
    shapes[in] = it->second;
  }
  for (const auto& [name, t] : g.weights) shapes[name] = t.shape();
  for (const Node& n : g.nodes) {
    graph::CompiledNode c = compile_node(n, shapes, g.weights, packs != nullptr, packs);
    shapes[n.outputs[0]] = c.out;
    if (compiled) compiled->push_back(std::move(c));
  }
  return shapes;
}

}  // namespace

// Packed weights live in the model, not in a plan: a plan per input shape (or ISA cap) shares
// them. A weight that every node reads only through a packed copy that can rebuild it (the fully
// connected layers' panels) has its raw copy released once packed, so it is held once, not twice;
// graph() rebuilds it exactly on request and keeps it from then on.
struct Model::Impl : graph::WeightPacks {
  Graph graph;
  bool optimize = true;
  std::mutex mu;
  std::map<std::vector<Shape>, std::shared_ptr<Plan>> plans;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const void>> packs;  // by (weight, "kind|isa")
  std::map<std::string, std::function<Tensor()>> unpackers;  // by weight
  std::set<std::string> released;     // graph.weights holds their shape only
  std::set<std::string> raw_readers;  // some plan reads the raw copy (no packed form at its ISA)
  std::map<std::string, Tensor> derived;  // weights made by graph passes, shared by the plans
  bool keep_raw = false;           // the raw weights were handed out: never release them again
  Graph* building = nullptr;       // the graph of the plan being compiled

  std::shared_ptr<const void> get(const graph::CompileCtx& c, size_t i, const std::string& kind,
                                  const graph::PackFn& make) override {
    const std::string& name = c.node.inputs[i];
    const Tensor* t = c.consts[i];
    auto orig = graph.weights.find(name);
    auto der = derived.find(name);
    const Tensor* own = orig != graph.weights.end() ? &orig->second : der != derived.end() ? &der->second : nullptr;
    if (!own || own->data() != t->data()) return make(t->data(), {}).data;  // not the model's: this plan's alone
    const std::pair<std::string, std::string> key{name, kind + "|" + isa_name(active_isa())};
    auto hit = packs.find(key);
    if (hit != packs.end()) return hit->second;
    if (released.count(name)) restore(name);  // a layout or ISA not packed before
    const bool drop = !keep_raw && !raw_readers.count(name) && orig != graph.weights.end() &&
                      read_only_as(name, c.node.op, i);
    graph::ConsumedFn consumed;
    if (drop && sole_owner(name)) {
      // Nobody else can read these pages again: return them to the system as the packer goes,
      // so the raw and packed copies of a large weight are never both resident.
      const float* base = t->data();
      consumed = [base](int64_t n) { io::release_pages(base, static_cast<size_t>(n) * sizeof(float)); };
    }
    graph::PackedWeight pw = make(t->data(), consumed);
    packs[key] = pw.data;
    if (!pw.data) raw_readers.insert(name);  // this plan's kernel reads the raw weight
    if (pw.data && pw.unpack) {
      unpackers[name] = pw.unpack;
      if (drop) release(name);
    }
    return pw.data;
  }

  // True when every node that reads `name` reads it as input `index` of `op` (a fused
  // separable_conv2d reads its convolutions' weights as conv2d input 1).
  bool read_only_as(const std::string& name, std::string op, size_t index) const {
    if (op == "separable_conv2d" && (index == 1 || index == 4 || index == 6)) op = "conv2d", index = 1;
    for (const Node& n : graph.nodes)
      for (size_t k = 0; k < n.inputs.size(); ++k)
        if (n.inputs[k] == name && (n.op != op || k != index)) return false;
    return true;
  }

  // Every holder of a weight's storage: the model's graph, each plan's graph and the one being built.
  template <class F>
  void for_each_holder(const std::string& name, F f) {
    f(graph.weights.at(name));
    for (auto& [key, plan] : plans) {
      auto it = plan->optimized.weights.find(name);
      if (it != plan->optimized.weights.end()) f(it->second);
    }
    if (building) {
      auto it = building->weights.find(name);
      if (it != building->weights.end()) f(it->second);
    }
  }

  // True when nothing but the model's graphs holds the weight's storage, which Tensor allocated
  // (wrap()ped memory belongs to the caller, whatever the count says).
  bool sole_owner(const std::string& name) {
    if (!graph.weights.at(name).owns_data()) return false;
    const std::shared_ptr<float> storage = graph.weights.at(name).storage();
    long ours = 0;
    for_each_holder(name, [&](Tensor& t) { ours += t.data() == storage.get(); });
    return storage.use_count() - 1 == ours;  // less the copy just taken
  }

  void release(const std::string& name) {
    const float* raw = graph.weights.at(name).data();
    const Tensor placeholder = Tensor::shape_only(graph.weights.at(name).shape());
    for_each_holder(name, [&](Tensor& t) {
      if (t.data() == raw) t = placeholder;
    });
    released.insert(name);
  }

  void restore(const std::string& name) {
    const Tensor raw = unpackers.at(name)();
    for_each_holder(name, [&](Tensor& t) {
      if (!t.data()) t = raw;
    });
    released.erase(name);
  }

  // Rebuilds every released weight and keeps the raw copies from now on (caller holds mu).
  void restore_all() {
    keep_raw = true;
    while (!released.empty()) restore(*released.begin());
  }

  std::map<std::string, Shape> shapes_of(const std::map<std::string, Tensor>& inputs) const {
    std::map<std::string, Shape> s;
    for (const auto& [k, v] : inputs) s[k] = v.shape();
    return s;
  }

  std::shared_ptr<Plan> compile(const std::map<std::string, Shape>& input_shapes) {
    for (const auto& [name, s] : input_shapes)
      if (std::find(graph.inputs.begin(), graph.inputs.end(), name) == graph.inputs.end())
        throw InvalidArgument("'" + name + "' is not an input of this model (inputs: " + join(graph.inputs) + ")");
    std::vector<Shape> key;
    for (const std::string& in : graph.inputs) {
      auto it = input_shapes.find(in);
      if (it == input_shapes.end()) throw InvalidArgument("model input '" + in + "' was not given");
      key.push_back(it->second);
    }
    key.push_back({static_cast<int64_t>(active_isa())});  // packed weights are per ISA
    auto hit = plans.find(key);
    if (hit != plans.end()) return hit->second;

    auto plan = std::make_shared<Plan>();
    plan->optimized = graph;
    Graph& g = plan->optimized;
    if (optimize) graph::optimize(g, infer_shapes(graph, input_shapes));
    // Weights made by graph passes (batch norm folded into a convolution) depend on the weights
    // alone, so every plan makes the same ones: it adopts the first plan's copy (checked equal),
    // which also lets the plans share their packs.
    for (auto& [name, t] : g.weights) {
      if (graph.weights.count(name)) continue;
      auto d = derived.find(name);
      const bool same = d != derived.end() && d->second.shape() == t.shape() &&
                        (t.numel() == 0 || std::memcmp(d->second.data(), t.data(), t.numel() * sizeof(float)) == 0);
      if (same)
        t = d->second;
      else if (d == derived.end())
        derived[name] = t;
    }
    std::vector<graph::CompiledNode> compiled;
    building = &g;
    std::map<std::string, Shape> shapes;
    try {
      shapes = infer_shapes(g, input_shapes, &compiled, this);
    } catch (...) {
      building = nullptr;
      throw;
    }
    building = nullptr;

    // Values and where they live.
    std::map<std::string, int> id;
    auto add_value = [&](const std::string& name) {
      id[name] = static_cast<int>(plan->values.size());
      Value v;
      v.shape = shapes.at(name);
      v.root = id[name];
      plan->values.push_back(v);
      return id[name];
    };
    for (size_t i = 0; i < g.inputs.size(); ++i) {
      Value& v = plan->values[add_value(g.inputs[i])];
      v.where = Where::input;
      v.index = static_cast<int>(i);
    }
    for (const auto& [name, t] : g.weights) {
      if (id.count(name)) continue;
      Value& v = plan->values[add_value(name)];
      v.where = Where::weight;
      v.weight = &t;
    }
    std::vector<int> def_step(g.nodes.size());
    for (size_t s = 0; s < g.nodes.size(); ++s) {
      const int out = add_value(g.nodes[s].outputs[0]);
      if (compiled[s].alias) plan->values[out].root = plan->values[id.at(g.nodes[s].inputs[0])].root;
    }
    // Graph outputs own their storage (returned to the caller); intermediate roots go in the arena.
    std::set<int> output_roots;
    for (const std::string& o : g.outputs) {
      const int r = plan->values[id.at(o)].root;
      if (plan->values[r].where == Where::absent) output_roots.insert(r);
    }
    int next_out = 0;
    for (int r : output_roots) {
      plan->values[r].where = Where::output;
      plan->values[r].index = next_out++;
    }
    // Lifetimes of arena roots: [defining step, last step that reads any alias of them].
    const int S = static_cast<int>(g.nodes.size());
    std::vector<int> first(plan->values.size(), -1), last(plan->values.size(), -1);
    for (int s = 0; s < S; ++s) {
      const Node& n = g.nodes[s];
      const int r = plan->values[id.at(n.outputs[0])].root;
      if (first[r] < 0) first[r] = s;
      last[r] = std::max(last[r], s);
      for (const std::string& in : n.inputs)
        if (!in.empty()) {
          const int ri = plan->values[id.at(in)].root;
          last[ri] = std::max(last[ri], s);
        }
    }
    struct Block {
      int root;
      int64_t bytes;
    };
    std::vector<Block> blocks;
    for (size_t v = 0; v < plan->values.size(); ++v)
      if (plan->values[v].root == static_cast<int>(v) && plan->values[v].where == Where::absent && first[v] >= 0)
        blocks.push_back({static_cast<int>(v), aligned_bytes(plan->values[v].shape)});
    // Greedy by size: biggest first, each at the lowest offset free for its whole lifetime.
    std::stable_sort(blocks.begin(), blocks.end(), [](const Block& a, const Block& b) { return a.bytes > b.bytes; });
    std::vector<Block> placed;
    for (const Block& b : blocks) {
      std::vector<std::pair<int64_t, int64_t>> busy;
      for (const Block& p : placed)
        if (!(last[p.root] < first[b.root] || last[b.root] < first[p.root]))
          busy.push_back({plan->values[p.root].offset, plan->values[p.root].offset + p.bytes});
      std::sort(busy.begin(), busy.end());
      int64_t off = 0;
      for (const auto& [lo, hi] : busy) {
        if (off + b.bytes <= lo) break;
        off = std::max(off, hi);
      }
      plan->values[b.root].where = Where::arena;
      plan->values[b.root].offset = off;
      plan->arena_bytes = std::max(plan->arena_bytes, off + b.bytes);
      placed.push_back(b);
    }
    if (plan->arena_bytes > 0) {
      float* p = static_cast<float*>(std::aligned_alloc(kAlign, static_cast<size_t>(plan->arena_bytes)));
      if (!p) throw std::bad_alloc();
      plan->arena = std::shared_ptr<float>(p, [](float* q) { std::free(q); });
    }
    for (int s = 0; s < S; ++s) {
      if (compiled[s].alias) continue;
      Step st{compiled[s].run, {}, id.at(g.nodes[s].outputs[0]), g.nodes[s].name + " (" + g.nodes[s].op + ")"};
      for (const std::string& in : g.nodes[s].inputs) st.inputs.push_back(in.empty() ? -1 : id.at(in));
      // Optional inputs left off the end (a linear or conv node without bias) read as absent. A
      // variadic op reads only what its node lists (padding it would cost every run 64K slots).
      const int max_in = graph::find_op(g.nodes[s].op)->max_inputs;
      if (max_in < graph::kVariadicInputs) st.inputs.resize(std::max<size_t>(st.inputs.size(), max_in), -1);
      plan->steps.push_back(std::move(st));
    }
    for (const std::string& o : g.outputs) plan->outputs.push_back(id.at(o));
    plan->output_roots.assign(output_roots.begin(), output_roots.end());
    plans[key] = plan;
#ifdef __GLIBC__
    // Compiling frees what it folded and packed for this plan only (batch-norm folding before the
    // shared copy is adopted, say): glibc would keep those pages, so a second batch size would
    // hold tens of MB of RSS that no one uses.
    malloc_trim(0);
#endif
    return plan;
  }

  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  }
};

namespace {

void validate(const Graph& g) {
  if (g.inputs.empty()) throw InvalidArgument("model: the graph has no inputs");
  if (g.outputs.empty()) throw InvalidArgument("model: the graph has no outputs");
  std::set<std::string> defined;
  for (const std::string& in : g.inputs) {
    if (in.empty() || !defined.insert(in).second) throw InvalidArgument("model: duplicate or empty input name '" + in + "'");
    if (g.weights.count(in)) throw InvalidArgument("model: input '" + in + "' is also a weight");
  }
  for (const auto& [name, t] : g.weights) {
    if (!t.defined() || (t.numel() > 0 && !t.data()))
      throw InvalidArgument("model: weight '" + name + "' has no data");
    defined.insert(name);
  }
  std::string unknown;
  std::set<std::string> node_names;
  for (const Node& n : g.nodes) {
    if (!node_names.insert(n.name).second) throw InvalidArgument("model: duplicate node name '" + n.name + "'");
    const graph::OpDef* def = graph::find_op(n.op);
    if (!def) {
      unknown += (unknown.empty() ? "" : ", ") + n.op + " (node '" + n.name + "')";
      continue;
    }
    const int k = static_cast<int>(n.inputs.size());
    if (k < def->min_inputs || k > def->max_inputs || n.inputs.empty() || n.inputs[0].empty())
      throw InvalidArgument("node '" + n.name + "' (" + n.op + "): takes " + std::to_string(def->min_inputs) + " to " +
                            std::to_string(def->max_inputs) + " inputs, got " + std::to_string(k));
    for (const std::string& in : n.inputs)
      if (!in.empty() && !defined.count(in))
        throw InvalidArgument("node '" + n.name + "' (" + n.op + "): input '" + in +
                              "' is not a model input, a weight or the output of an earlier node (nodes must be in "
                              "topological order; a cycle shows up here too)");
    if (n.outputs.size() != 1 || n.outputs[0].empty())
      throw InvalidArgument("node '" + n.name + "' (" + n.op + "): must have exactly one named output");
    if (!defined.insert(n.outputs[0]).second)
      throw InvalidArgument("node '" + n.name + "' (" + n.op + "): output '" + n.outputs[0] + "' is already defined");
  }
  if (!unknown.empty()) throw Unsupported("model uses ops cnncore does not implement: " + unknown);
  for (const std::string& o : g.outputs)
    if (!defined.count(o) || g.weights.count(o)) throw InvalidArgument("model: output '" + o + "' is not computed by any node");
}

}  // namespace

Model::Model(Graph graph) : impl_(std::make_unique<Impl>()) {
  validate(graph);
  impl_->graph = std::move(graph);
}
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

const Graph& Model::graph() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->restore_all();
  return impl_->graph;
}

Graph Model::topology() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Graph g;
  g.inputs = impl_->graph.inputs;
  g.outputs = impl_->graph.outputs;
  g.nodes = impl_->graph.nodes;
  return g;
}

void Model::set_optimize(bool on) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->optimize = on;
  impl_->plans.clear();
  for (auto it = impl_->packs.begin(); it != impl_->packs.end();)  // packs of derived weights go too
    it = impl_->derived.count(it->first.first) ? impl_->packs.erase(it) : std::next(it);
  impl_->derived.clear();
}

Tensor Model::run(const Tensor& x) {
  if (impl_->graph.inputs.size() != 1 || impl_->graph.outputs.size() != 1)
    throw InvalidArgument("Model::run(Tensor) needs a model with one input and one output; use run(map)");
  return run(std::map<std::string, Tensor>{{impl_->graph.inputs[0], x}}).begin()->second;
}

std::map<std::string, Tensor> Model::run(const std::map<std::string, Tensor>& inputs) {
  for (const auto& [name, t] : inputs)
    if (!t.defined()) throw InvalidArgument("model input '" + name + "' has no data");
  std::lock_guard<std::mutex> lock(impl_->mu);
  const std::shared_ptr<Plan> plan = impl_->compile(impl_->shapes_of(inputs));
  std::vector<const Tensor*> in_tensors;
  for (const std::string& name : impl_->graph.inputs) in_tensors.push_back(&inputs.at(name));
  std::vector<Tensor> outs;
  for (int r : plan->output_roots) outs.push_back(core::output_tensor(plan->values[r].shape));
  auto ptr = [&](int v) -> float* {
    const Value& root = plan->values[plan->values[v].root];
    switch (root.where) {
      case Where::input: return const_cast<float*>(in_tensors[root.index]->data());
      case Where::weight: return const_cast<float*>(root.weight->data());
      case Where::arena: return reinterpret_cast<float*>(reinterpret_cast<char*>(plan->arena.get()) + root.offset);
      case Where::output: return outs[root.index].data();
      case Where::absent: break;
    }
    return nullptr;
  };
  std::vector<const float*> args;
  const bool profile = core::verbose("profile");
  std::vector<double> step_ms;  // printed after the run: writing between steps would let the
                                // OpenMP workers fall asleep and bill their wake-up to the next step
  for (const Step& st : plan->steps) {
    args.clear();
    for (int v : st.inputs) args.push_back(v < 0 ? nullptr : ptr(v));
    const auto t0 = std::chrono::steady_clock::now();
    st.run(args.data(), ptr(st.output));
    if (profile) step_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  if (profile) {
    double total_ms = 0;
    for (size_t i = 0; i < step_ms.size(); ++i) {
      const Step& st = plan->steps[i];
      total_ms += step_ms[i];
      char line[64];
      std::snprintf(line, sizeof line, "%9.3f ms  ", step_ms[i]);
      core::log_line("profile " + std::string(line) + st.label + " -> " + shape_str(plan->values[st.output].shape));
    }
    core::log_line("profile total " + std::to_string(total_ms) + " ms over " + std::to_string(plan->steps.size()) + " steps");
  }
  std::map<std::string, Tensor> result;
  for (size_t i = 0; i < plan->outputs.size(); ++i) {
    const Value& v = plan->values[plan->outputs[i]];
    const Value& root = plan->values[v.root];
    if (root.where == Where::output) {
      result[impl_->graph.outputs[i]] = outs[root.index].reshaped(v.shape);
    } else {  // an output that is (a view of) a model input or a weight: hand out a copy
      Tensor t = core::output_tensor(v.shape);
      if (t.numel()) std::memcpy(t.data(), ptr(plan->outputs[i]), static_cast<size_t>(t.numel()) * sizeof(float));
      result[impl_->graph.outputs[i]] = t;
    }
  }
  return result;
}

std::vector<LayerInfo> Model::layer_info(const std::map<std::string, Shape>& input_shapes) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<graph::CompiledNode> compiled;
  const Graph& g = impl_->graph;
  const auto shapes = infer_shapes(g, input_shapes, &compiled);
  std::vector<LayerInfo> out;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    LayerInfo li;
    li.name = n.name;
    li.op = n.op;
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const std::string& in = n.inputs[k];
      li.input_shapes.push_back(in.empty() ? Shape{} : shapes.at(in));
      const bool statistic = n.op == "batch_norm" && (k == 1 || k == 2);  // running mean/var: buffers
      auto w = g.weights.find(in);
      if (w != g.weights.end() && !statistic) li.params += w->second.numel();
    }
    li.output_shape = compiled[i].out;
    li.macs = compiled[i].macs;
    out.push_back(std::move(li));
  }
  return out;
}

Graph Model::optimized_graph(const std::map<std::string, Shape>& input_shapes) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  const auto plan = impl_->compile(input_shapes);
  impl_->restore_all();
  return plan->optimized;
}

int64_t Model::planned_bytes(const std::map<std::string, Shape>& input_shapes) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->compile(input_shapes)->arena_bytes;
}

Model Model::load(const std::string& path) { return io::load_cnnc_file(path); }
Model Model::load_onnx(const std::string& path) { return io::load_onnx_file(path); }
Model Model::load_onnx_bytes(const void* data, size_t size) { return io::load_onnx_bytes(data, size); }
Model Model::from_bytes(const void* data, size_t size) { return io::load_cnnc_bytes(data, size); }
void Model::save(const std::string& path) const { io::save_cnnc_file(graph(), path); }
std::vector<uint8_t> Model::to_bytes() const { return io::save_cnnc(graph()); }

}  // namespace cnncore
