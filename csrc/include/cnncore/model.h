#pragma once
/// \file model.h
/// A model: a graph of ops over named values plus its weights, compiled per input shape
/// (shapes inferred, batch norm folded into the preceding convolution, activations and residual
/// adds fused into the producing op, activation memory planned) and run on float32 tensors.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "cnncore/tensor.h"

namespace cnncore {

/// A node attribute: int, float, string, list of ints or list of floats.
using AttrValue = std::variant<int64_t, double, std::string, std::vector<int64_t>, std::vector<double>>;

/// One op application. inputs/outputs name values: graph inputs, weights or other nodes'
/// outputs; an empty input name means an absent optional input (e.g. no bias). Every node
/// has exactly one output.
struct Node {
  std::string name;
  std::string op;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::map<std::string, AttrValue> attrs;
};

/// The stored, unfused form of a model. Nodes are in topological order.
struct Graph {
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::vector<Node> nodes;
  std::map<std::string, Tensor> weights;
  std::map<std::string, std::string> metadata;
};

/// Per-node facts for a given input shape (from the unoptimised graph), for summaries.
struct LayerInfo {
  std::string name, op;
  std::vector<Shape> input_shapes;  ///< one per input, weights included; empty for absent
  Shape output_shape;
  int64_t params = 0;  ///< elements of the node's learned weights (batch-norm running stats excluded)
  int64_t macs = 0;    ///< multiply-accumulates (conv, linear); elementwise ops count 0
};

class Model {
 public:
  /// Validates the graph (known ops, every input defined before use, unique outputs, attribute
  /// types); throws InvalidArgument or Unsupported naming the node.
  explicit Model(Graph graph);
  ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;

  /// Loads a .cnnc file (docs/format.md). Corrupt or truncated files throw ModelFormatError;
  /// weights are memory-mapped, not copied.
  static Model load(const std::string& path);
  static Model from_bytes(const void* data, size_t size);
  /// Imports an ONNX model (docs/onnx.md) with cnncore's own protobuf decoder. Ops cnncore
  /// lacks raise Unsupported listing every one; malformed files raise ModelFormatError. External
  /// data must stay inside the model's folder.
  static Model load_onnx(const std::string& path);
  /// As load_onnx, from bytes (a model with external data needs a path).
  static Model load_onnx_bytes(const void* data, size_t size);
  void save(const std::string& path) const;
  std::vector<uint8_t> to_bytes() const;

  /// Runs a single-input, single-output model.
  Tensor run(const Tensor& x);
  /// Runs with named inputs; returns every graph output by name. Thread-safe (runs serialise).
  std::map<std::string, Tensor> run(const std::map<std::string, Tensor>& inputs);

  /// The graph with its weights. A weight that the compiled plans read only in packed form (a
  /// fully connected layer's) has its raw copy released once packed; this call rebuilds such
  /// weights exactly and keeps them from then on.
  const Graph& graph() const;
  /// Inputs, outputs and nodes, without the weights (releases and rebuilds nothing).
  Graph topology() const;
  /// Per-node shapes, parameters and MACs for these input shapes.
  std::vector<LayerInfo> layer_info(const std::map<std::string, Shape>& input_shapes);
  /// Bytes of activation memory the compiled plan uses (after buffer reuse) for these shapes.
  int64_t planned_bytes(const std::map<std::string, Shape>& input_shapes);
  /// The graph as compiled for these input shapes (after folding and fusion), for inspection.
  Graph optimized_graph(const std::map<std::string, Shape>& input_shapes);
  /// Graph optimisation (batch-norm folding, fusion) on (default) or off; clears compiled plans.
  void set_optimize(bool on);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cnncore
