#pragma once
// The op registry: what the graph knows of each op. For one node and its input shapes, an op
// compiles to an output shape, a MAC count and a run function over raw pointers (weights
// arrive as inputs). Every op of the graph format is listed in registry.cpp.
#include <functional>
#include <string>
#include <vector>

#include "cnncore/functional.h"
#include "cnncore/model.h"

namespace cnncore::graph {

using RunFn = std::function<void(const float* const* inputs, float* out)>;

struct CompiledNode {
  Shape out;
  int64_t macs = 0;
  RunFn run;
  bool alias = false;  ///< output is input 0 reinterpreted (flatten, reshape, identity): no run
};

struct CompileCtx {
  const Node& node;
  const std::vector<Shape>& shapes;         ///< per input (empty for an absent input)
  const std::vector<const Tensor*>& consts;  ///< per input: the weight, or nullptr
  bool pack = true;  ///< false when only the output shape is wanted: skip packing weights
  bool has(size_t i) const { return i < node.inputs.size() && !node.inputs[i].empty(); }
};

struct OpDef {
  const char* name;
  int min_inputs, max_inputs;
  CompiledNode (*compile)(const CompileCtx&);
};

/// nullptr when the op is unknown.
const OpDef* find_op(const std::string& name);

/// Typed attribute access; a wrong type or length throws InvalidArgument naming the node.
class Attrs {
 public:
  explicit Attrs(const Node& n) : n_(n) {}
  int64_t i(const char* key, int64_t def) const;
  double f(const char* key, double def) const;
  std::string s(const char* key, const std::string& def) const;
  std::vector<int64_t> ints(const char* key, const std::vector<int64_t>& def) const;
  bool has(const char* key) const { return n_.attrs.count(key) != 0; }

 private:
  [[noreturn]] void bad(const char* key, const char* expected) const;
  const Node& n_;
};

/// The activation a node applies: an activation op itself, or the fused "activation" attrs
/// of a conv/linear node. Returns false when the op is not an eltwise activation.
bool activation_of(const Node& n, ActivationSpec* out);
/// Writes `act` as fused attributes (activation, act_alpha, act_beta) on a conv/linear node.
void set_fused_activation(Node& n, const ActivationSpec& act);

}  // namespace cnncore::graph
