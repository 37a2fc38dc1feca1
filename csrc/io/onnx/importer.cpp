// ONNX -> cnncore graph. Float tensors become weights (copied once, aligned); integer tensors
// and shape arithmetic (Shape, Gather, Concat, Unsqueeze, ...) are folded at import time.
//
// Dynamic dims: every value's shape is tracked in two "worlds" in which the model's symbolic
// input dims take different probe values. A dim equal in both worlds is static; one that differs
// depends on a symbolic dim, and a Reshape/Flatten/Squeeze target then copies it from the input
// (0) or infers it (-1), so a model exported with a symbolic batch runs at any batch size.
#include "io/onnx/importer.h"

namespace cnncore::io::onnx {
namespace detail {

const std::map<std::string, Importer::Converter>& Importer::converters() {
  static const std::map<std::string, Converter> m{
      {"Conv", &Importer::conv}, {"ConvTranspose", &Importer::conv_transpose}, {"MaxPool", &Importer::pool},
      {"AveragePool", &Importer::pool}, {"GlobalAveragePool", &Importer::global_pool},
      {"GlobalMaxPool", &Importer::global_pool}, {"Gemm", &Importer::gemm}, {"MatMul", &Importer::matmul},
      {"Relu", &Importer::activation}, {"LeakyRelu", &Importer::activation}, {"Elu", &Importer::activation},
      {"Selu", &Importer::activation}, {"Sigmoid", &Importer::activation}, {"Tanh", &Importer::activation},
      {"HardSigmoid", &Importer::activation}, {"HardSwish", &Importer::activation},
      {"Softplus", &Importer::activation}, {"Gelu", &Importer::activation}, {"Erf", &Importer::activation},
      {"Clip", &Importer::clip},
      {"PRelu", &Importer::prelu}, {"Softmax", &Importer::softmax}, {"LogSoftmax", &Importer::softmax},
      {"BatchNormalization", &Importer::batch_norm}, {"LRN", &Importer::lrn}, {"Add", &Importer::binary},
      {"Sub", &Importer::binary}, {"Mul", &Importer::binary}, {"Div", &Importer::binary}, {"Max", &Importer::binary},
      {"Min", &Importer::binary}, {"Concat", &Importer::concat}, {"Flatten", &Importer::flatten},
      {"Reshape", &Importer::reshape}, {"Transpose", &Importer::transpose},
      {"Squeeze", &Importer::squeeze_unsqueeze}, {"Unsqueeze", &Importer::squeeze_unsqueeze},
      {"Pad", &Importer::pad}, {"Dropout", &Importer::identity}, {"Identity", &Importer::identity},
      {"Constant", &Importer::constant}, {"ConstantOfShape", &Importer::constant_of_shape},
      {"Shape", &Importer::shape_of}, {"Gather", &Importer::gather}, {"Cast", &Importer::cast},
      {"Slice", &Importer::slice}, {"Split", &Importer::split}, {"ReduceMean", &Importer::reduce}, {"ReduceMax", &Importer::reduce},
      {"Resize", &Importer::resize}, {"Upsample", &Importer::resize}};
  return m;
}

Graph Importer::run() {
  const GraphProto& gp = m_.graph;
  auto op = m_.opsets.find("");
  opset_ = op == m_.opsets.end() ? 1 : op->second;
  if (opset_ < 7) throw Unsupported("onnx: opset " + std::to_string(opset_) + " is older than supported (7 to 21)");
  for (const NodeProto& n : gp.nodes)
    for (const std::string& i : n.inputs) used_.insert(i);
  for (const ValueInfo& o : gp.outputs) used_.insert(o.name);
  std::set<std::string> init_names;
  for (const TensorProto& t : gp.initializers) {
    if (t.name.empty()) throw ModelFormatError("onnx: an initializer has no name");
    if (!init_names.insert(t.name).second) throw ModelFormatError("onnx: initializer '" + t.name + "' appears twice");
    if (!used_.count(t.name)) continue;
    define(t.name);
    if (is_float_type(t.dtype)) {
      g_.weights[t.name] = float_tensor(t, dir_, from_mapping_);
      shapes_[0][t.name] = shapes_[1][t.name] = g_.weights[t.name].shape();
    } else if (is_int_type(t.dtype)) {
      const auto v = int_tensor(t, dir_);
      ints_[t.name] = {Shape(t.dims.begin(), t.dims.end()), {v, v}};
    } else {
      poisoned_.insert(t.name);
      unsupported_.push_back("initializer '" + t.name + "' of data type " + std::to_string(t.dtype));
    }
  }
  for (const ValueInfo& v : gp.inputs) {
    if (init_names.count(v.name)) continue;  // IR < 4 lists initializers as inputs too
    if (!v.has_shape) throw Unsupported("onnx: model input '" + v.name + "' has no shape information");
    if (!is_float_type(v.elem_type) && !is_int_type(v.elem_type))
      throw Unsupported("onnx: model input '" + v.name + "' has data type " + std::to_string(v.elem_type));
    define(v.name);
    g_.inputs.push_back(v.name);
    for (int w = 0; w < 2; ++w) {
      Shape s;
      for (size_t i = 0; i < v.dims.size(); ++i)
        s.push_back(v.dims[i] >= 0 ? v.dims[i] : (i == 0 ? (w ? 3 : 2) : (w ? 96 : 64)));  // probes
      shapes_[w][v.name] = s;
    }
    if (is_int_type(v.elem_type)) g_.metadata["input_dtype." + v.name] = "int64";
  }
  if (g_.inputs.empty()) throw Unsupported("onnx: the model has no (non-constant) inputs");
  for (const NodeProto& n : gp.nodes) {
    n_ = &n;
    if (n.outputs.empty()) throw ModelFormatError("onnx: node '" + n.name + "' has no outputs");
    const std::string where = n.op_type + " (node '" + n.name + "', opset " + std::to_string(opset_) + ")";
    try {
      if (!n.domain.empty() && n.domain != "ai.onnx") unsupported("operator domain '" + n.domain + "'");
      auto conv = converters().find(n.op_type);
      if (conv == converters().end()) unsupported("op type not implemented");
      (this->*conv->second)();
    } catch (const Skip&) {
      for (const std::string& o : n.outputs) poisoned_.insert(o);
    } catch (const Unsupported& e) {
      unsupported_.push_back(where + ": " + e.what());
      for (const std::string& o : n.outputs) poisoned_.insert(o);
    }
  }
  if (!unsupported_.empty()) {
    std::string msg = "onnx: " + std::to_string(unsupported_.size()) + " node(s) cannot be imported:";
    for (const auto& u : unsupported_) msg += "\n  " + u;
    throw Unsupported(msg);
  }
  for (const ValueInfo& o : gp.outputs) {
    if (!defined_.count(o.name)) throw ModelFormatError("onnx: graph output '" + o.name + "' is not produced by any node");
    const std::string v = alias_.count(o.name) ? alias_.at(o.name) : o.name;
    if (ints_.count(v) || g_.weights.count(v)) throw Unsupported("onnx: graph output '" + o.name + "' is a constant");
    if (v != o.name || std::find(g_.inputs.begin(), g_.inputs.end(), v) != g_.inputs.end()) {
      std::string name = o.name;
      while (node_names_.count(name)) name += "#out";
      node_names_.insert(name);
      g_.nodes.push_back(Node{name, "identity", {v}, {o.name}, {}});
    }
    g_.outputs.push_back(o.name);
  }
  // Dead-node removal: keep what the outputs need.
  std::set<std::string> needed(g_.outputs.begin(), g_.outputs.end());
  std::vector<Node> kept;
  for (auto it = g_.nodes.rbegin(); it != g_.nodes.rend(); ++it) {
    if (!needed.count(it->outputs[0])) continue;
    for (const std::string& i : it->inputs) needed.insert(i);
    kept.push_back(*it);
  }
  g_.nodes.assign(kept.rbegin(), kept.rend());
  for (auto it = g_.weights.begin(); it != g_.weights.end();)
    it = needed.count(it->first) ? std::next(it) : g_.weights.erase(it);
  g_.metadata["producer"] = "onnx";
  g_.metadata["onnx.opset"] = std::to_string(opset_);
  return g_;
}

}  // namespace detail

Model import_model(const uint8_t* data, size_t size, const std::string& dir, bool from_mapping) {
  const ModelProto m = parse_model(data, size);
  Graph g = detail::Importer(m, dir, from_mapping).run();
  try {
    return Model(std::move(g));
  } catch (const InvalidArgument& e) {
    throw ModelFormatError(std::string("onnx: invalid graph: ") + e.what());
  }
}

}  // namespace cnncore::io::onnx
