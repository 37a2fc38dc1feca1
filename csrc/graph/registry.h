#pragma once
// The op registry: what the graph knows of each op. For one node and its input shapes, an op
// compiles to an output shape, a MAC count and a run function over raw pointers (weights
// arrive as inputs). Every op of the graph format is listed in registry.cpp.
#include <functional>
#include <memory>
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

/// A weight in the layout a kernel reads, and, when that layout holds every value, how to
/// rebuild the raw weight from it (which lets the model release the raw copy).
struct PackedWeight {
  std::shared_ptr<const void> data;
  std::function<Tensor()> unpack;
};
/// Told by a packer that it has read the raw weight's first `floats` values for the last time.
using ConsumedFn = std::function<void(int64_t floats)>;
using PackFn = std::function<PackedWeight(const float* w, const ConsumedFn& consumed)>;

struct CompileCtx;

/// The model's store of packed weights: each is made once per weight, layout (`kind`) and ISA,
/// and shared by every plan the model compiles (one per input shape).
class WeightPacks {
 public:
  virtual ~WeightPacks() = default;
  virtual std::shared_ptr<const void> get(const CompileCtx& c, size_t input, const std::string& kind,
                                          const PackFn& make) = 0;
};

struct CompileCtx {
  const Node& node;
  const std::vector<Shape>& shapes;         ///< per input (empty for an absent input)
  const std::vector<const Tensor*>& consts;  ///< per input: the weight, or nullptr
  bool pack = true;  ///< false when only the output shape is wanted: skip packing weights
  WeightPacks* packs = nullptr;  ///< the model's store; null: pack for this plan alone
  bool has(size_t i) const { return i < node.inputs.size() && !node.inputs[i].empty(); }

  /// Constant input `i` packed by `make` (through the model's store when there is one), or
  /// null when packing is off or the input is computed.
  template <class T>
  std::shared_ptr<const T> packed(size_t i, const std::string& kind, const PackFn& make) const {
    if (!pack || i >= consts.size() || !consts[i]) return nullptr;
    return std::static_pointer_cast<const T>(packs ? packs->get(*this, i, kind, make)
                                                   : make(consts[i]->data(), ConsumedFn{}).data);
  }
};

/// max_inputs of an op that takes any number of inputs (concat): its run reads exactly the
/// inputs its node lists.
constexpr int kVariadicInputs = 1 << 16;

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
/// A conv2d node's stride, pads, pad_mode, dilation and groups (attribute names after `prefix`:
/// a fused node's parts); a bad attribute throws InvalidArgument.
Conv2dOptions conv2d_options(const Attrs& a, const std::string& prefix = "");
/// Writes `act` as fused attributes (activation, act_alpha, act_beta) on a conv/linear node.
void set_fused_activation(Node& n, const ActivationSpec& act);

}  // namespace cnncore::graph
