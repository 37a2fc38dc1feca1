// ONNX op converters: one member of Importer per op family (see importer.h for the helpers).
#include "io/onnx/importer.h"

namespace cnncore::io::onnx::detail {

void Importer::conv() {
  const std::string x = fval(0);
  const Tensor& w = const_in(1, "Conv weight");
  const int nsp = w.rank() - 2;
  if (nsp != 1 && nsp != 2) unsupported("Conv with " + std::to_string(nsp) + " spatial dims");
  const auto ks = aints("kernel_shape", {});
  if (!ks.empty() && ks != Shape(w.shape().begin() + 2, w.shape().end()))
    throw InvalidArgument("onnx node '" + n_->name + "' (Conv): kernel_shape does not match the weight " + shape_str(w.shape()));
  std::map<std::string, AttrValue> a{{"stride", aints("strides", Shape(nsp, 1))},
                                     {"dilation", aints("dilations", Shape(nsp, 1))},
                                     {"pads", aints("pads", Shape(2 * nsp, 0))},
                                     {"pad_mode", pad_mode(as("auto_pad", "NOTSET"))},
                                     {"groups", ai("group", 1)}};
  emit(nsp == 2 ? "conv2d" : "conv1d", {x, fval(1), has(2) ? fval(2) : ""}, a, out0());
}

void Importer::conv_transpose() {
  const std::string x = fval(0);
  const Tensor& w = const_in(1, "ConvTranspose weight");
  if (w.rank() != 4) unsupported("ConvTranspose with " + std::to_string(w.rank() - 2) + " spatial dims");
  const Shape strides = aints("strides", {1, 1}), dil = aints("dilations", {1, 1});
  Shape pads = aints("pads", {0, 0, 0, 0}), outpad = aints("output_padding", {0, 0});
  const std::string mode = pad_mode(as("auto_pad", "NOTSET"));
  const Shape out_shape = aints("output_shape", {});
  if (!out_shape.empty() || mode == "same_upper" || mode == "same_lower") {
    // ONNX: total_padding = stride*(in-1) + output_padding + (k-1)*dilation + 1 - output_shape
    const Shape& xs = shape(x, 0);
    if (shape(x, 1) != xs) unsupported("ConvTranspose with output_shape/auto_pad and a dynamic input size");
    for (int a = 0; a < 2; ++a) {
      const int64_t in_sz = xs[2 + a], k = w.dim(2 + a);
      const int64_t target = out_shape.empty() ? in_sz * strides[a] : out_shape[out_shape.size() - 2 + a];
      const int64_t total = strides[a] * (in_sz - 1) + outpad[a] + (k - 1) * dil[a] + 1 - target;
      if (total < 0) {  // the output is longer than the full result: extend through output_padding
        outpad[a] -= total;
        pads[a] = pads[a + 2] = 0;
        continue;
      }
      const bool upper = mode == "same_upper";
      pads[a] = upper ? total / 2 : total - total / 2;
      pads[a + 2] = total - pads[a];
    }
  } else if (mode == "valid") {
    pads = {0, 0, 0, 0};
  }
  emit("conv_transpose2d", {x, fval(1), has(2) ? fval(2) : ""},
       {{"stride", strides}, {"dilation", dil}, {"pads", pads}, {"output_padding", outpad}, {"groups", ai("group", 1)}},
       out0());
}

void Importer::pool() {
  const bool is_max = n_->op_type == "MaxPool";
  if (n_->outputs.size() > 1 && used_.count(n_->outputs[1])) unsupported("MaxPool's Indices output");
  const std::string x = fval(0);
  const auto k = aints("kernel_shape", {});
  const int nsp = static_cast<int>(k.size());
  if (nsp != 1 && nsp != 2) unsupported("pooling over " + std::to_string(nsp) + " spatial dims");
  if (static_cast<int>(shape(x, 0).size()) != nsp + 2) throw InvalidArgument("onnx node '" + n_->name + "': kernel_shape does not match the input rank");
  std::map<std::string, AttrValue> a{{"kernel", k}, {"stride", aints("strides", Shape(nsp, 1))},
                                     {"pads", aints("pads", Shape(2 * nsp, 0))},
                                     {"pad_mode", pad_mode(as("auto_pad", "NOTSET"))}, {"ceil_mode", ai("ceil_mode", 0)}};
  const auto d = aints("dilations", Shape(nsp, 1));
  if (is_max) a["dilation"] = d;
  else if (d != Shape(nsp, 1)) unsupported("AveragePool with dilations");
  if (!is_max) a["count_include_pad"] = ai("count_include_pad", 0);
  emit(std::string(is_max ? "max" : "avg") + (nsp == 2 ? "_pool2d" : "_pool1d"), {x}, a, out0());
}

void Importer::global_pool() {
  const std::string x = fval(0);
  const size_t r = shape(x, 0).size();
  const std::string kind = n_->op_type == "GlobalMaxPool" ? "max" : "avg";
  if (r == 4) emit("adaptive_" + kind + "_pool2d", {x}, {{"output_size", Shape{1, 1}}}, out0());
  else if (r == 3) emit("adaptive_" + kind + "_pool1d", {x}, {{"output_size", Shape{1}}}, out0());
  else unsupported(n_->op_type + " on a " + std::to_string(r) + "-D input");
}

void Importer::gemm() {
  std::string a = fval(0);
  if (ai("transA", 0)) {
    if (shape(a, 0).size() != 2) throw InvalidArgument("onnx node '" + n_->name + "' (Gemm): A must be 2-D");
    a = emit("permute", {a}, {{"perm", Shape{1, 0}}}, tmp("At"));
  }
  const Tensor& b = const_in(1, "Gemm B");
  if (b.rank() != 2) throw InvalidArgument("onnx node '" + n_->name + "' (Gemm): B must be 2-D, got " + shape_str(b.shape()));
  const bool trans_b = ai("transB", 0) != 0;
  const float alpha = static_cast<float>(af("alpha", 1.0)), beta = static_cast<float>(af("beta", 1.0));
  const int64_t N = trans_b ? b.dim(0) : b.dim(1), K = trans_b ? b.dim(1) : b.dim(0);
  std::string wname = fval(1);
  if (!trans_b || alpha != 1.f) {
    Tensor w = Tensor::empty({N, K});
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k) w.data()[n * K + k] = alpha * (trans_b ? b.data()[n * K + k] : b.data()[k * N + n]);
    wname = add_weight(in(1) + "#gemm", w);
  }
  std::string bias, extra;  // C as a bias vector, or as a broadcast addend after the product
  if (has(2)) {
    const std::string cv = fval(2);
    const Tensor* c = weight_of(cv);
    const bool vector_c = c && (c->numel() == 1 || (c->numel() == N && c->shape().back() == N && c->rank() <= 2 &&
                                                    (c->rank() < 2 || c->dim(0) == 1)));
    if (vector_c) {
      Tensor bv = Tensor::empty({N});
      for (int64_t n = 0; n < N; ++n) bv.data()[n] = beta * c->data()[c->numel() == 1 ? 0 : n];
      bias = beta == 1.f && c->rank() == 1 && c->numel() == N ? cv : add_weight(in(2) + "#gemm", bv);
    } else if (beta == 1.f) {
      extra = cv;
    } else if (c) {
      Tensor scaled = c->clone();
      for (int64_t i = 0; i < scaled.numel(); ++i) scaled.data()[i] *= beta;
      extra = add_weight(in(2) + "#beta", scaled);
    } else {
      unsupported("Gemm with a computed C and beta != 1");
    }
  }
  if (extra.empty()) {
    emit("linear", {a, wname, bias}, {}, out0());
  } else {
    emit("add", {emit("linear", {a, wname, ""}, {}, tmp("mm")), extra}, {}, out0());
  }
}

void Importer::matmul() {
  const std::string a = fval(0);
  const Tensor* b = weight_of(fval(1));
  if (!b || b->rank() != 2) unsupported("MatMul other than activation x 2-D constant");
  const int64_t K = b->dim(0), N = b->dim(1);
  Tensor w = Tensor::empty({N, K});
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n) w.data()[n * K + k] = b->data()[k * N + n];
  emit("linear", {a, add_weight(in(1) + "#T", w), ""}, {}, out0());
}

void Importer::activation() {
  const std::string& t = n_->op_type;
  const std::string x = fval(0);
  if (t == "Relu") emit("relu", {x}, {}, out0());
  else if (t == "LeakyRelu") emit("leaky_relu", {x}, {{"alpha", af("alpha", 0.01)}}, out0());
  else if (t == "Elu") emit("elu", {x}, {{"alpha", af("alpha", 1.0)}, {"scale", 1.0}}, out0());
  else if (t == "Selu") emit("elu", {x}, {{"alpha", af("alpha", 1.67326319217681884765625)}, {"scale", af("gamma", 1.05070102214813232421875)}}, out0());
  else if (t == "Sigmoid") emit("sigmoid", {x}, {}, out0());
  else if (t == "Tanh") emit("tanh", {x}, {}, out0());
  else if (t == "HardSigmoid") emit("hardsigmoid", {x}, {{"alpha", af("alpha", 0.2)}, {"beta", af("beta", 0.5)}}, out0());
  else if (t == "HardSwish") emit("hardswish", {x}, {}, out0());
  else if (t == "Softplus") emit("softplus", {x}, {{"beta", 1.0}, {"threshold", 20.0}}, out0());
  else if (t == "Gelu") emit("gelu", {x}, {{"approximate", as("approximate", "none")}}, out0());
  else if (t == "Erf") emit("erf", {x}, {}, out0());  // GELU exported before opset 20: fused by the graph
}

void Importer::clip() {
  const std::string x = fval(0);
  double lo = -INFINITY, hi = INFINITY;
  if (opset_ < 11) {
    lo = af("min", lo);
    hi = af("max", hi);
  } else {
    auto scalar = [&](size_t i, double d) -> double {
      if (!has(i)) return d;
      if (is_int(i)) return static_cast<double>(int_in(i, "Clip bound").v[0].at(0));
      const Tensor& t = const_in(i, "Clip bound");
      if (t.numel() != 1) throw InvalidArgument("onnx node '" + n_->name + "' (Clip): bounds must be scalars");
      return t.data()[0];
    };
    lo = scalar(1, lo);
    hi = scalar(2, hi);
  }
  emit("clip", {x}, {{"min", lo}, {"max", hi}}, out0());
}

void Importer::prelu() {
  const std::string x = fval(0);
  const std::string sv = fval(1);
  const Tensor* s = weight_of(sv);
  const Shape& xs = shape(x, 0);
  const int64_t C = xs.size() >= 2 ? xs[1] : 1;
  // The per-channel form ([C], [C,1,...], or one value) maps to prelu; anything else broadcasts
  // as relu(x) + slope * min(x, 0).
  bool per_channel = s && (s->numel() == 1 || (s->numel() == C && xs.size() >= 2 && s->rank() <= static_cast<int>(xs.size()) - 1 &&
                                                s->dim(0) == C));
  if (per_channel) {
    emit("prelu", {x, add_weight(in(1) + "#flat", s->reshaped({s->numel()}))}, {}, out0());
    return;
  }
  Tensor zero({});
  const std::string neg = emit("min", {x, add_weight(out0() + "#zero", zero)}, {}, tmp("neg"));
  const std::string pos = emit("relu", {x}, {}, tmp("pos"));
  emit("add", {pos, emit("mul", {neg, sv}, {}, tmp("scaled"))}, {}, out0());
}

void Importer::softmax() {
  const bool log = n_->op_type == "LogSoftmax";
  const std::string x = fval(0);
  const int r = static_cast<int>(shape(x, 0).size());
  int64_t axis = ai("axis", opset_ < 13 ? 1 : -1);
  if (axis < -r || axis >= r) throw InvalidArgument("onnx node '" + n_->name + "': axis out of range");
  if (axis < 0) axis += r;
  const std::string op = log ? "log_softmax" : "softmax";
  if (opset_ >= 13 || axis == r - 1) {
    emit(op, {x}, {{"axis", axis}}, out0());
    return;
  }
  // opset < 13: softmax over the input coerced to 2-D [prod(dims < axis), prod(dims >= axis)]
  std::string v = emit("flatten", {x}, {{"start_dim", axis}, {"end_dim", int64_t(-1)}}, tmp("flat"));
  if (axis > 1) v = emit("flatten", {v}, {{"start_dim", int64_t(0)}, {"end_dim", axis - 1}}, tmp("flat"));
  else if (axis == 0) v = emit("reshape", {v}, {{"shape", Shape{1, -1}}}, tmp("flat"));
  v = emit(op, {v}, {{"axis", int64_t(1)}}, tmp("sm"));
  emit_reshape(v, shape(x, 0), shape(x, 1), out0());
}

void Importer::batch_norm() {
  if (ai("training_mode", 0)) unsupported("BatchNormalization in training mode");
  for (size_t k = 1; k < n_->outputs.size(); ++k)
    if (used_.count(n_->outputs[k])) unsupported("BatchNormalization's running-statistics outputs");
  for (size_t i = 1; i <= 4; ++i) const_in(i, "BatchNormalization parameter");
  emit("batch_norm", {fval(0), fval(3), fval(4), fval(1), fval(2)}, {{"eps", af("epsilon", 1e-5)}}, out0());
}

void Importer::lrn() {
  const int64_t size = ai("size", 0);
  if (size < 1) throw InvalidArgument("onnx node '" + n_->name + "' (LRN): size must be >= 1");
  emit("lrn", {fval(0)}, {{"size", size}, {"alpha", af("alpha", 1e-4)}, {"beta", af("beta", 0.75)}, {"k", af("bias", 1.0)},
                          {"pre", (size - 1) / 2}},
       out0());
}

void Importer::binary() {
  static const std::map<std::string, std::string> ops{{"Add", "add"}, {"Sub", "sub"}, {"Mul", "mul"}, {"Div", "div"},
                                                      {"Max", "max"}, {"Min", "min"}};
  const std::string& t = n_->op_type;
  if ((t == "Max" || t == "Min") && n_->inputs.size() != 2) {  // variadic: a chain of pairs
    if (n_->inputs.empty()) throw ModelFormatError("onnx: " + t + " '" + n_->name + "' has no inputs");
    std::string acc = fval(0);
    for (size_t i = 1; i < n_->inputs.size(); ++i)
      acc = emit(ops.at(t), {acc, fval(i)}, {}, i + 1 == n_->inputs.size() ? out0() : tmp("chain"));
    if (n_->inputs.size() == 1) {
      alias_[out0()] = acc;
      define(out0());
    }
    return;
  }
  if (n_->inputs.size() != 2) unsupported(t + " with " + std::to_string(n_->inputs.size()) + " inputs");
  if (is_int(0) && is_int(1)) {  // shape arithmetic
    const IntConst &a = int_in(0, "a"), &b = int_in(1, "b");
    if (a.v[0].size() != b.v[0].size() && a.v[0].size() != 1 && b.v[0].size() != 1) unsupported("broadcast integer arithmetic");
    fold_ints([&](int w) {
      const auto &x = a.v[w], &y = b.v[w];
      std::vector<int64_t> r(std::max(x.size(), y.size()));
      for (size_t i = 0; i < r.size(); ++i) {
        const int64_t u = x[x.size() == 1 ? 0 : i], v = y[y.size() == 1 ? 0 : i];
        if ((t == "Div") && v == 0) throw ModelFormatError("onnx: integer division by zero in '" + n_->name + "'");
        r[i] = t == "Add" ? u + v : t == "Sub" ? u - v : t == "Mul" ? u * v : t == "Div" ? u / v : t == "Max" ? std::max(u, v) : std::min(u, v);
      }
      return r;
    }, a.v[0].size() >= b.v[0].size() ? a.dims : b.dims);
    return;
  }
  const std::string a = fval(0), b = fval(1);
  const Tensor *ca = weight_of(a), *cb = weight_of(b);
  if (ca && cb) {  // constant folding of float arithmetic
    static const std::map<std::string, BinaryOp> k{{"add", BinaryOp::add}, {"sub", BinaryOp::sub}, {"mul", BinaryOp::mul},
                                                   {"div", BinaryOp::div}, {"max", BinaryOp::max}, {"min", BinaryOp::min}};
    const Tensor r = functional::binary(*ca, *cb, k.at(ops.at(t)));
    define(out0());
    g_.weights[out0()] = r;
    shapes_[0][out0()] = shapes_[1][out0()] = r.shape();
    return;
  }
  emit(ops.at(t), {a, b}, {}, out0());
}

void Importer::concat() {
  int64_t axis = ai("axis", 0);
  bool all_int = true;
  for (size_t i = 0; i < n_->inputs.size(); ++i) all_int = all_int && is_int(i);
  if (all_int) {
    for (size_t i = 0; i < n_->inputs.size(); ++i)
      if (int_in(i, "Concat input").dims.size() != 1) unsupported("Concat of multi-dimensional integer tensors");
    int64_t total = 0;
    for (size_t i = 0; i < n_->inputs.size(); ++i) total += static_cast<int64_t>(int_in(i, "x").v[0].size());
    fold_ints([&](int w) {
      std::vector<int64_t> r;
      for (size_t i = 0; i < n_->inputs.size(); ++i) {
        const auto& v = int_in(i, "x").v[w];
        r.insert(r.end(), v.begin(), v.end());
      }
      return r;
    }, {total});
    return;
  }
  std::vector<std::string> xs;
  for (size_t i = 0; i < n_->inputs.size(); ++i) xs.push_back(fval(i));
  emit("concat", xs, {{"axis", axis}}, out0());
}

std::string Importer::emit_reshape(const std::string& x, const Shape& o0, const Shape& o1, const std::string& out) {
  const Shape &i0 = shape(x, 0), &i1 = shape(x, 1);
  if (o0.size() != o1.size()) throw InvalidArgument("onnx node '" + n_->name + "': output rank depends on the input size");
  Shape spec;
  bool copies = false, inferred = false, literal_zero = false;
  for (size_t i = 0; i < o0.size(); ++i) {
    if (o0[i] == o1[i]) {
      spec.push_back(o0[i]);
      literal_zero = literal_zero || o0[i] == 0;
    } else if (i < i0.size() && i0[i] == o0[i] && i1[i] == o1[i]) {
      spec.push_back(0);
      copies = true;
    } else if (!inferred) {
      spec.push_back(-1);
      inferred = true;
    } else {
      unsupported("a reshape with two dims that depend on the input size");
    }
  }
  if (copies && literal_zero) unsupported("a reshape mixing empty dims with dynamic ones");
  return emit("reshape", {x}, {{"shape", spec}, {"zero_copies", int64_t(copies ? 1 : 0)}}, out);
}

void Importer::flatten() {
  const std::string x = fval(0);
  const int64_t r = static_cast<int64_t>(shape(x, 0).size());
  int64_t axis = ai("axis", 1);
  if (axis < -r || axis > r) throw InvalidArgument("onnx node '" + n_->name + "' (Flatten): axis out of range");
  if (axis < 0) axis += r;
  Shape o[2];
  for (int w = 0; w < 2; ++w) {
    const Shape& s = shape(x, w);
    int64_t a = 1, b = 1;
    for (int64_t i = 0; i < r; ++i) (i < axis ? a : b) *= s[i];
    o[w] = {a, b};
  }
  if (axis == 1 && r >= 2) emit("flatten", {x}, {{"start_dim", int64_t(1)}, {"end_dim", int64_t(-1)}}, out0());
  else emit_reshape(x, o[0], o[1], out0());
}

void Importer::reshape() {
  const bool allowzero = ai("allowzero", 0) != 0;
  if (is_int(0)) {
    const IntConst& x = int_in(0, "data");
    const IntConst& s = int_in(1, "shape");
    Shape d = functional::reshape_shape(x.dims, s.v[0], !allowzero);
    fold_ints([&](int w) { return x.v[w]; }, d);
    return;
  }
  const std::string x = fval(0);
  Shape o[2];
  for (int w = 0; w < 2; ++w) {
    const std::vector<int64_t> target = opset_ < 5 ? aints("shape", {}) : int_in(1, "Reshape shape").v[w];
    try {
      o[w] = functional::reshape_shape(shape(x, w), target, !allowzero);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument("onnx node '" + n_->name + "' (Reshape): " + e.what());
    }
  }
  emit_reshape(x, o[0], o[1], out0());
}

void Importer::transpose() {
  const std::string x = fval(0);
  const int64_t r = static_cast<int64_t>(shape(x, 0).size());
  Shape perm = aints("perm", {});
  if (perm.empty())
    for (int64_t i = r - 1; i >= 0; --i) perm.push_back(i);
  emit("permute", {x}, {{"perm", perm}}, out0());
}

void Importer::squeeze_unsqueeze() {
  const bool sq = n_->op_type == "Squeeze";
  Shape axes = opset_ >= 13 ? (has(1) ? int_in(1, "axes").v[0] : Shape{}) : aints("axes", {});
  const bool ints = is_int(0);
  auto out_dims = [&](const Shape& s) {
    const int64_t r = static_cast<int64_t>(s.size()), orank = sq ? r : r + static_cast<int64_t>(axes.size());
    std::set<int64_t> ax;
    for (int64_t a : axes) {
      if (a < -orank || a >= orank) throw InvalidArgument("onnx node '" + n_->name + "': axis " + std::to_string(a) + " out of range");
      ax.insert(a < 0 ? a + orank : a);
    }
    Shape o;
    if (sq) {
      for (int64_t i = 0; i < r; ++i)
        if (!(axes.empty() ? s[i] == 1 : ax.count(i) > 0)) o.push_back(s[i]);
        else if (s[i] != 1) throw InvalidArgument("onnx node '" + n_->name + "' (Squeeze): dim " + std::to_string(i) + " is not 1");
    } else {
      for (int64_t i = 0, j = 0; i < orank; ++i) o.push_back(ax.count(i) ? 1 : s[j++]);
    }
    return o;
  };
  if (ints) {
    const IntConst& x = int_in(0, "data");
    fold_ints([&](int w) { return x.v[w]; }, out_dims(x.dims));
    return;
  }
  const std::string x = fval(0);
  emit_reshape(x, out_dims(shape(x, 0)), out_dims(shape(x, 1)), out0());
}

void Importer::pad() {
  if (as("mode", "constant") != "constant") unsupported("Pad in mode '" + as("mode", "") + "'");
  const std::string x = fval(0);
  Shape pads;
  double value = 0;
  if (opset_ < 11) {
    pads = aints("pads", {});
    value = af("value", 0.0);
  } else {
    pads = int_in(1, "Pad pads").v[0];
    if (int_in(1, "Pad pads").v[1] != pads) unsupported("Pad with input-size-dependent pads");
    if (has(2) && !n_->inputs[2].empty()) {
      const Tensor& v = const_in(2, "Pad constant_value");
      if (v.numel() != 1) throw InvalidArgument("onnx node '" + n_->name + "' (Pad): constant_value must be a scalar");
      value = v.data()[0];
    }
    if (has(3)) unsupported("Pad with axes");
  }
  emit("pad", {x}, {{"pads", pads}, {"value", value}}, out0());
}

void Importer::identity() {
  const std::string v = resolve(in(0));
  for (size_t k = 1; k < n_->outputs.size(); ++k)
    if (used_.count(n_->outputs[k])) unsupported(n_->op_type + "'s mask output");
  auto it = ints_.find(v);
  if (it != ints_.end()) {
    IntConst c = it->second;
    set_int(out0(), c);
    return;
  }
  if (!shapes_[0].count(v)) fval(0);  // reports an undefined input
  alias_[out0()] = v;
  define(out0());
}

void Importer::constant() {
  const AttributeProto* a = nullptr;
  for (const char* k : {"value", "value_float", "value_floats", "value_int", "value_ints"})
    if ((a = n_->attr(k))) break;
  if (!a) unsupported("Constant other than value / value_float(s) / value_int(s)");
  if (a->name == "value") {
    if (!a->t) throw ModelFormatError("onnx: Constant '" + n_->name + "' has no tensor");
    if (is_int_type(a->t->dtype)) {
      const auto v = int_tensor(*a->t, dir_);
      set_int(out0(), {Shape(a->t->dims.begin(), a->t->dims.end()), {v, v}});
    } else {
      define(out0());
      Tensor t = float_tensor(*a->t, dir_);
      g_.weights[out0()] = t;
      shapes_[0][out0()] = shapes_[1][out0()] = t.shape();
    }
  } else if (a->name == "value_int" || a->name == "value_ints") {
    const std::vector<int64_t> v = a->name == "value_int" ? std::vector<int64_t>{a->i} : a->ints;
    set_int(out0(), {a->name == "value_int" ? Shape{} : Shape{static_cast<int64_t>(v.size())}, {v, v}});
  } else {
    const std::vector<float> v = a->name == "value_float" ? std::vector<float>{a->f} : a->floats;
    Tensor t = Tensor::empty(a->name == "value_float" ? Shape{} : Shape{static_cast<int64_t>(v.size())});
    if (!v.empty()) std::memcpy(t.data(), v.data(), v.size() * sizeof(float));
    define(out0());
    g_.weights[out0()] = t;
    shapes_[0][out0()] = shapes_[1][out0()] = t.shape();
  }
}

void Importer::constant_of_shape() {
  const IntConst& s = int_in(0, "ConstantOfShape shape");
  if (s.v[0] != s.v[1]) unsupported("ConstantOfShape with an input-size-dependent shape");
  const Shape dims = s.v[0];
  const AttributeProto* a = n_->attr("value");
  const bool is_i = a && a->t && is_int_type(a->t->dtype);
  if (is_i) {
    const int64_t v = int_tensor(*a->t, dir_).at(0);
    const int64_t n = core::checked_numel(dims, "ConstantOfShape");
    if (n > (1 << 24)) unsupported("a huge integer ConstantOfShape");
    std::vector<int64_t> vals(static_cast<size_t>(n), v);
    set_int(out0(), {dims, {vals, vals}});
    return;
  }
  Tensor t(dims);
  const float v = a && a->t ? float_tensor(*a->t, dir_).data()[0] : 0.f;
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = v;
  define(out0());
  g_.weights[out0()] = t;
  shapes_[0][out0()] = shapes_[1][out0()] = t.shape();
}

void Importer::shape_of() {
  const std::string v = resolve(in(0));
  Shape s[2];
  auto it = ints_.find(v);
  for (int w = 0; w < 2; ++w) s[w] = it != ints_.end() ? it->second.dims : shape(fval(0), w);
  const int64_t r = static_cast<int64_t>(s[0].size());
  int64_t start = ai("start", 0), end = ai("end", r);
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::clamp<int64_t>(start, 0, r);
  end = std::clamp<int64_t>(end, start, r);
  fold_ints([&](int w) { return Shape(s[w].begin() + start, s[w].begin() + end); }, {end - start});
}

void Importer::gather() {
  const int64_t axis = ai("axis", 0);
  if (is_int(0) && is_int(1)) {
    const IntConst &d = int_in(0, "data"), &ix = int_in(1, "indices");
    if (d.dims.size() != 1 || axis != 0) unsupported("Gather on multi-dimensional integer data");
    fold_ints([&](int w) {
      std::vector<int64_t> r;
      for (int64_t i : ix.v[w]) {
        const int64_t n = static_cast<int64_t>(d.v[w].size());
        if (i < -n || i >= n) throw InvalidArgument("onnx node '" + n_->name + "' (Gather): index " + std::to_string(i) + " out of range");
        r.push_back(d.v[w][i < 0 ? i + n : i]);
      }
      return r;
    }, ix.dims);
    return;
  }
  const std::string data = fval(0);
  const Tensor* table = weight_of(data);
  const std::string idx = resolve(in(1));
  if (table && table->rank() == 2 && axis == 0 && shapes_[0].count(idx) && !weight_of(idx)) {
    emit("embedding", {idx, data}, {}, out0());
    return;
  }
  unsupported("Gather other than an embedding lookup or shape arithmetic");
}

void Importer::cast() {
  const int64_t to = ai("to", 0);
  if (is_int(0)) {
    const IntConst& c = int_in(0, "input");
    if (is_int_type(static_cast<int32_t>(to))) set_int(out0(), c);
    else if (is_float_type(static_cast<int32_t>(to))) {
      if (c.v[0] != c.v[1]) unsupported("Cast of an input-size-dependent integer to float");
      alias_[out0()] = fval(0);
      define(out0());
    } else unsupported("Cast to type " + std::to_string(to));
    return;
  }
  if (!is_float_type(static_cast<int32_t>(to))) unsupported("Cast of float data to type " + std::to_string(to));
  alias_[out0()] = fval(0);
  define(out0());
}

void Importer::slice() {
  if (!is_int(0)) {  // float data: a slice node with the bounds as attributes
    const std::string x = fval(0);
    auto bound = [&](size_t i, const char* attr) -> Shape {
      if (opset_ < 10) return aints(attr, {});
      if (!has(i)) return {};
      const IntConst& c = int_in(i, attr);
      if (c.v[0] != c.v[1]) unsupported(std::string("Slice of float data whose ") + attr + " depend on the input size");
      return c.v[0];
    };
    emit("slice", {x}, {{"starts", bound(1, "starts")}, {"ends", bound(2, "ends")}, {"axes", bound(3, "axes")},
                       {"steps", bound(4, "steps")}}, out0());
    return;
  }
  const IntConst& d = int_in(0, "data");
  if (d.dims.size() != 1) unsupported("Slice of multi-dimensional integer data");
  auto arg = [&](size_t i, const char* attr, int w) -> std::vector<int64_t> {
    if (opset_ < 10) return aints(attr, {});
    return has(i) ? int_in(i, attr).v[w] : std::vector<int64_t>{};
  };
  fold_ints([&](int w) {
    const auto starts = arg(1, "starts", w), ends = arg(2, "ends", w), axes = arg(3, "axes", w), steps = arg(4, "steps", w);
    if (starts.size() != 1 || ends.size() != 1 || (!axes.empty() && axes[0] != 0 && axes[0] != -1) ||
        (!steps.empty() && steps[0] != 1))
      unsupported("Slice with several axes or a step");
    const int64_t n = static_cast<int64_t>(d.v[w].size());
    int64_t s = starts[0] < 0 ? starts[0] + n : starts[0], e = ends[0] < 0 ? ends[0] + n : ends[0];
    s = std::clamp<int64_t>(s, 0, n);
    e = std::clamp<int64_t>(e, s, n);
    return std::vector<int64_t>(d.v[w].begin() + s, d.v[w].begin() + e);
  }, {});
  IntConst& c = ints_[out0()];
  c.dims = {static_cast<int64_t>(c.v[0].size())};
  if (c.v[0].size() != c.v[1].size()) unsupported("Slice whose length depends on the input size");
}

// Split into slices along one axis: sizes from the 'split' input (opset 13+) or attribute, else
// equal parts (opset 18: num_outputs parts of ceil(dim / n), the last one smaller).
void Importer::split() {
  const std::string x = fval(0);
  const int64_t r = static_cast<int64_t>(shape(x, 0).size());
  int64_t axis = ai("axis", 0);
  if (axis < -r || axis >= r) throw InvalidArgument("onnx node '" + n_->name + "' (Split): axis out of range");
  if (axis < 0) axis += r;
  const int64_t d = shape(x, 0)[axis], n = static_cast<int64_t>(n_->outputs.size());
  if (shape(x, 1)[axis] != d) unsupported("Split along a dim that depends on the input size");
  Shape sizes = opset_ >= 13 ? (has(1) ? int_in(1, "split").v[0] : Shape{}) : aints("split", {});
  if (sizes.empty()) {
    const int64_t part = (d + n - 1) / n;
    for (int64_t k = 0; k < n; ++k) sizes.push_back(std::max<int64_t>(0, std::min(part, d - k * part)));
  }
  int64_t total = 0;
  for (int64_t v : sizes) total += v;
  if (static_cast<int64_t>(sizes.size()) != n || total != d)
    throw InvalidArgument("onnx node '" + n_->name + "' (Split): split sizes do not add up to the dim (" +
                          std::to_string(d) + ") over " + std::to_string(n) + " outputs");
  int64_t begin = 0;
  for (int64_t k = 0; k < n; ++k) {
    if (!n_->outputs[k].empty())
      emit("slice", {x}, {{"starts", Shape{begin}}, {"ends", Shape{begin + sizes[k]}}, {"axes", Shape{axis}}},
           n_->outputs[k]);
    begin += sizes[k];
  }
}

void Importer::reduce() {
  const std::string x = fval(0);
  const int64_t r = static_cast<int64_t>(shape(x, 0).size());
  // opset 18 moved ReduceMean/ReduceMax's axes from an attribute to an input
  Shape axes = opset_ >= 18 && has(1) ? int_in(1, "axes").v[0] : aints("axes", {});
  for (auto& a : axes) a = a < 0 ? a + r : a;
  std::sort(axes.begin(), axes.end());
  const bool keep = ai("keepdims", 1) != 0;
  const std::string kind = n_->op_type == "ReduceMax" ? "max" : "avg";
  std::string v;
  if (r == 4 && axes == Shape{2, 3}) v = emit("adaptive_" + kind + "_pool2d", {x}, {{"output_size", Shape{1, 1}}}, keep ? out0() : tmp("pool"));
  else if (r == 3 && axes == Shape{2}) v = emit("adaptive_" + kind + "_pool1d", {x}, {{"output_size", Shape{1}}}, keep ? out0() : tmp("pool"));
  else unsupported(n_->op_type + " other than over the spatial dims of an NCHW/NCL tensor");
  if (!keep) emit("flatten", {v}, {{"start_dim", int64_t(1)}, {"end_dim", int64_t(-1)}}, out0());
}

void Importer::resize() {
  const bool upsample = n_->op_type == "Upsample";
  if (as("mode", "nearest") != "nearest") unsupported(n_->op_type + " in mode '" + as("mode", "") + "' (only nearest)");
  const std::string x = fval(0);
  std::vector<double> scales;
  Shape sizes;
  if (upsample && opset_ < 9) {
    for (float f : n_->attr("scales") ? n_->attr("scales")->floats : std::vector<float>{}) scales.push_back(f);
  } else {
    const size_t si = upsample || opset_ < 11 ? 1 : 2;
    if (has(si) && !weight_of(fval(si))) unsupported("Resize with computed scales");
    if (has(si) && weight_of(fval(si))->numel() > 0)
      for (int64_t i = 0; i < weight_of(fval(si))->numel(); ++i) scales.push_back(weight_of(fval(si))->data()[i]);
    if (!upsample && opset_ >= 11 && has(3)) {
      const IntConst& s = int_in(3, "Resize sizes");
      if (s.v[0] != s.v[1]) unsupported("Resize with input-size-dependent sizes");
      sizes = s.v[0];
    }
  }
  std::string ct = "asymmetric", nm = "floor";
  if (!upsample && opset_ >= 11) {
    ct = as("coordinate_transformation_mode", "half_pixel");
    nm = as("nearest_mode", "round_prefer_floor");
    if (ct == "tf_crop_and_resize" || ct == "tf_half_pixel_for_nn" || ct == "half_pixel_symmetric")
      unsupported("Resize with coordinate_transformation_mode '" + ct + "'");
    if (ai("keep_aspect_ratio_policy", 0) && as("keep_aspect_ratio_policy", "stretch") != "stretch")
      unsupported("Resize with keep_aspect_ratio_policy");
    const auto axes = aints("axes", {});
    if (!axes.empty()) {  // opset 18: scales/sizes given for these axes only
      const int64_t r = static_cast<int64_t>(shape(x, 0).size());
      std::vector<double> s2(r, 1.0);
      Shape z2 = shape(x, 0);
      for (size_t k = 0; k < axes.size(); ++k) {
        const int64_t ax = axes[k] < 0 ? axes[k] + r : axes[k];
        if (ax < 0 || ax >= r) throw InvalidArgument("onnx node '" + n_->name + "' (Resize): axis out of range");
        if (!scales.empty()) s2[ax] = scales.at(k);
        if (!sizes.empty()) z2[ax] = sizes.at(k);
      }
      if (!scales.empty()) scales = s2;
      if (!sizes.empty()) sizes = z2;
    }
  }
  if (!sizes.empty() && opset_ >= 18 && n_->attr("keep_aspect_ratio_policy") &&
      as("keep_aspect_ratio_policy", "stretch") != "stretch")
    unsupported("Resize with keep_aspect_ratio_policy '" + as("keep_aspect_ratio_policy", "") + "'");
  std::map<std::string, AttrValue> a{{"coord", ct}, {"rounding", nm}};
  if (!sizes.empty()) a["sizes"] = sizes;
  else a["scales"] = scales;
  emit("resize_nearest", {x}, a, out0());
}

}  // namespace cnncore::io::onnx::detail
