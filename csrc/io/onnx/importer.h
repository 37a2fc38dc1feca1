#pragma once
// The ONNX importer's state and converters (internal to csrc/io/onnx: importer.cpp holds the
// driver, converters.cpp one function per ONNX op family).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <set>

#include "cnncore/error.h"
#include "cnncore/model.h"
#include "core/shape.h"
#include "graph/registry.h"
#include "io/onnx/proto.h"

namespace cnncore::io::onnx::detail {

struct IntConst {
  Shape dims;
  std::vector<int64_t> v[2];
};

struct Skip {};  // a node depends on an unsupported one: not converted, not reported again

[[noreturn]] inline void unsupported(const std::string& why) { throw Unsupported(why); }

class Importer {
 public:
  Importer(const ModelProto& m, std::string dir, bool from_mapping)
      : m_(m), dir_(std::move(dir)), from_mapping_(from_mapping) {}
  Graph run();

 private:
  using Converter = void (Importer::*)();
  static const std::map<std::string, Converter>& converters();

  // ---- values
  bool has(size_t i) const { return i < n_->inputs.size() && !n_->inputs[i].empty(); }
  const std::string& in(size_t i) const { return n_->inputs.at(i); }
  std::string resolve(const std::string& name) const {
    if (poisoned_.count(name)) throw Skip{};
    auto a = alias_.find(name);
    return a == alias_.end() ? name : a->second;
  }
  bool is_int(size_t i) const { return has(i) && ints_.count(resolve(in(i))); }
  const IntConst& int_in(size_t i, const char* what) const {
    if (!has(i)) unsupported(std::string(what) + " is missing");
    auto it = ints_.find(resolve(in(i)));
    if (it == ints_.end()) unsupported(std::string(what) + " must be a constant known at load time");
    return it->second;
  }
  const Tensor* weight_of(const std::string& v) const {
    auto it = g_.weights.find(v);
    return it == g_.weights.end() ? nullptr : &it->second;
  }
  // A float value (activation or weight); integer constants are turned into float weights.
  std::string fval(size_t i) {
    const std::string v = resolve(in(i));
    if (shapes_[0].count(v)) return v;
    auto it = ints_.find(v);
    if (it != ints_.end()) {
      if (it->second.v[0] != it->second.v[1]) unsupported("a shape-dependent integer used as float data");
      Tensor t = Tensor::empty(it->second.dims);
      for (int64_t k = 0; k < t.numel(); ++k) t.data()[k] = static_cast<float>(it->second.v[0][k]);
      return add_weight(v + "#f", t);
    }
    throw ModelFormatError("onnx: node '" + n_->name + "' (" + n_->op_type + ") uses '" + in(i) +
                           "', which is not a graph input, an initializer or an output of an earlier node");
  }
  const Tensor& const_in(size_t i, const char* what) {
    const Tensor* t = has(i) ? weight_of(fval(i)) : nullptr;
    if (!t) unsupported(std::string(what) + " must be a constant (initializer)");
    return *t;
  }
  std::string add_weight(const std::string& base, const Tensor& t) {
    std::string name = base;
    for (int k = 1; g_.weights.count(name) || shapes_[0].count(name); ++k) name = base + "#" + std::to_string(k);
    g_.weights[name] = t;
    shapes_[0][name] = shapes_[1][name] = t.shape();
    return name;
  }
  const Shape& shape(const std::string& v, int w) const { return shapes_[w].at(v); }
  void set_int(const std::string& name, IntConst c) {
    define(name);
    ints_[name] = std::move(c);
  }
  void define(const std::string& name) {
    if (!defined_.insert(name).second) throw ModelFormatError("onnx: value '" + name + "' is produced twice");
  }

  // ---- attributes
  int64_t ai(const char* k, int64_t d) const { auto a = n_->attr(k); return a ? a->i : d; }
  double af(const char* k, double d) const { auto a = n_->attr(k); return a ? a->f : d; }
  std::string as(const char* k, const std::string& d) const { auto a = n_->attr(k); return a ? a->s : d; }
  std::vector<int64_t> aints(const char* k, std::vector<int64_t> d) const { auto a = n_->attr(k); return a ? a->ints : d; }

  // ---- emitting cnncore nodes
  std::string emit(const std::string& op, const std::vector<std::string>& inputs, std::map<std::string, AttrValue> attrs,
                   const std::string& out) {
    Node node;
    std::string base = n_->name.empty() ? n_->op_type : n_->name;
    node.name = base;
    for (int k = 1; node_names_.count(node.name); ++k) node.name = base + "#" + std::to_string(k);
    node_names_.insert(node.name);
    node.op = op;
    node.inputs = inputs;
    node.outputs = {out};
    node.attrs = std::move(attrs);
    for (int w = 0; w < 2; ++w) {
      std::vector<Shape> in_shapes;
      std::vector<const Tensor*> consts;
      for (const std::string& v : inputs) {
        in_shapes.push_back(v.empty() ? Shape{} : shapes_[w].at(v));
        consts.push_back(v.empty() ? nullptr : weight_of(v));
      }
      try {
        shapes_[w][out] = graph::find_op(op)->compile({node, in_shapes, consts, false}).out;  // shapes only
      } catch (const InvalidArgument& e) {
        throw InvalidArgument("onnx node '" + n_->name + "' (" + n_->op_type + "): " + e.what());
      }
    }
    if (!temps_.count(out)) define(out);  // ONNX values are defined once; converter temporaries are private
    g_.nodes.push_back(std::move(node));
    return out;
  }
  std::string tmp(const char* what) {
    std::string name = n_->outputs.at(0) + "#" + what + std::to_string(tmp_counter_++);
    temps_.insert(name);
    return name;
  }
  const std::string& out0() const { return n_->outputs.at(0); }
  std::string emit_reshape(const std::string& x, const Shape& o0, const Shape& o1, const std::string& out);
  void fold_ints(const std::function<std::vector<int64_t>(int w)>& f, Shape dims) {
    IntConst c{std::move(dims), {f(0), f(1)}};
    set_int(out0(), std::move(c));
  }

  // ---- converters
  void conv();
  void conv_transpose();
  void pool();
  void global_pool();
  void gemm();
  void matmul();
  void activation();
  void clip();
  void prelu();
  void softmax();
  void batch_norm();
  void lrn();
  void binary();
  void concat();
  void flatten();
  void reshape();
  void transpose();
  void squeeze_unsqueeze();
  void pad();
  void identity();
  void constant();
  void constant_of_shape();
  void shape_of();
  void gather();
  void cast();
  void slice();
  void split();
  void reduce();
  void resize();

  const ModelProto& m_;
  std::string dir_;
  bool from_mapping_;  // tensor bytes lie in a file mapping (pages may be released after copying)
  int64_t opset_ = 0;
  Graph g_;
  const NodeProto* n_ = nullptr;
  std::map<std::string, std::string> alias_;
  std::map<std::string, IntConst> ints_;
  std::map<std::string, Shape> shapes_[2];
  std::set<std::string> poisoned_, defined_, node_names_, used_;
  std::vector<std::string> unsupported_;
  int tmp_counter_ = 0;
  std::set<std::string> temps_;  // names made by tmp(), never ONNX values
};

inline std::string pad_mode(const std::string& auto_pad) {
  if (auto_pad.empty() || auto_pad == "NOTSET") return "explicit";
  if (auto_pad == "SAME_UPPER") return "same_upper";
  if (auto_pad == "SAME_LOWER") return "same_lower";
  if (auto_pad == "VALID") return "valid";
  throw ModelFormatError("onnx: unknown auto_pad '" + auto_pad + "'");
}

}  // namespace cnncore::io::onnx::detail
