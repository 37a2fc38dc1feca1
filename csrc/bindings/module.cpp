// cnncore._core: the only code that includes pybind11. Thin: converts arrays, releases the GIL,
// calls the C++ API, maps exceptions to cnncore.errors. Argument normalisation (ints vs
// tuples, defaults) happens in python/cnncore/functional.py.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <cstring>
#include <map>
#include <variant>
#include <optional>
#include <string>
#include <vector>

#include "cnncore/cnncore.h"
#include "core/cpu_features.h"

namespace py = pybind11;
using namespace cnncore;

namespace {

using FArray = py::array_t<float, py::array::c_style>;

Shape shape_of(const py::array& a) { return Shape(a.shape(), a.shape() + a.ndim()); }

Tensor wrap(const FArray& a) { return Tensor::wrap(a.data(), shape_of(a)); }
Tensor wrap_opt(const std::optional<FArray>& a) { return a ? wrap(*a) : Tensor(); }

py::array to_numpy(Tensor t) {
  auto* owner = new Tensor(std::move(t));
  py::capsule cap(owner, [](void* p) { delete static_cast<Tensor*>(p); });
  std::vector<py::ssize_t> shape(owner->shape().begin(), owner->shape().end()), strides(shape.size());
  py::ssize_t s = sizeof(float);
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= shape[i] > 0 ? shape[i] : 1;
  }
  return py::array_t<float>(shape, strides, owner->data(), cap);
}

// Runs f with the GIL released and returns its tensor as a numpy array.
template <class F>
py::array compute(F&& f) {
  Tensor y;
  {
    py::gil_scoped_release nogil;
    y = f();
  }
  return to_numpy(std::move(y));
}

PadMode pad_mode(const std::string& m) {
  if (m == "explicit") return PadMode::explicit_pads;
  if (m == "same" || m == "same_upper") return PadMode::same_upper;
  if (m == "same_lower") return PadMode::same_lower;
  if (m == "valid") return PadMode::valid;
  throw InvalidArgument("padding mode must be 'same', 'same_lower', 'valid' or explicit, got '" + m + "'");
}

Activation activation_kind(const std::string& k) {
  static const std::pair<const char*, Activation> table[] = {
      {"identity", Activation::identity}, {"relu", Activation::relu},       {"leaky_relu", Activation::leaky_relu},
      {"clip", Activation::clip},         {"hardsigmoid", Activation::hardsigmoid},
      {"hardswish", Activation::hardswish}, {"elu", Activation::elu},       {"sigmoid", Activation::sigmoid},
      {"tanh", Activation::tanh},         {"silu", Activation::silu},       {"gelu", Activation::gelu},
      {"gelu_tanh", Activation::gelu_tanh}, {"softplus", Activation::softplus}};
  for (const auto& [name, a] : table)
    if (k == name) return a;
  throw InvalidArgument("unknown activation '" + k + "'");
}

BinaryOp binary_op(const std::string& k) {
  if (k == "add") return BinaryOp::add;
  if (k == "sub") return BinaryOp::sub;
  if (k == "mul") return BinaryOp::mul;
  if (k == "div") return BinaryOp::div;
  if (k == "max") return BinaryOp::max;
  if (k == "min") return BinaryOp::min;
  throw InvalidArgument("unknown binary op '" + k + "'");
}

void raise_as(const char* cls, const char* msg) {
  py::object c = py::module_::import("cnncore.errors").attr(cls);
  PyErr_SetString(c.ptr(), msg);
}

using A2 = std::array<int64_t, 2>;
using A4 = std::array<int64_t, 4>;

// ----------------------------------------------------------------------------- models

AttrValue to_attr(const std::string& key, const py::handle& v) {
  if (py::isinstance<py::bool_>(v)) return static_cast<int64_t>(v.cast<bool>());
  if (py::isinstance<py::int_>(v)) return v.cast<int64_t>();
  if (py::isinstance<py::float_>(v)) return v.cast<double>();
  if (py::isinstance<py::str>(v)) return v.cast<std::string>();
  if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
    bool all_int = true;
    for (auto e : v) all_int = all_int && (py::isinstance<py::int_>(e) || py::isinstance<py::bool_>(e));
    if (all_int) return v.cast<std::vector<int64_t>>();
    return v.cast<std::vector<double>>();
  }
  throw InvalidArgument("attribute '" + key + "' has an unsupported type " + std::string(py::str(v.get_type())));
}

py::object from_attr(const AttrValue& v) {
  return std::visit([](const auto& x) -> py::object { return py::cast(x); }, v);
}

Tensor copy_array(const FArray& a) {
  Tensor t = Tensor::empty(shape_of(a));
  if (t.numel()) std::memcpy(t.data(), a.data(), static_cast<size_t>(t.numel()) * sizeof(float));
  return t;
}

Graph graph_from_dict(const py::dict& d, const py::dict& weights) {
  Graph g;
  g.inputs = d["inputs"].cast<std::vector<std::string>>();
  g.outputs = d["outputs"].cast<std::vector<std::string>>();
  for (auto item : d["nodes"]) {
    py::dict nd = item.cast<py::dict>();
    Node n;
    n.name = nd["name"].cast<std::string>();
    n.op = nd["op"].cast<std::string>();
    n.inputs = nd["inputs"].cast<std::vector<std::string>>();
    n.outputs = nd["outputs"].cast<std::vector<std::string>>();
    if (nd.contains("attrs"))
      for (auto kv : nd["attrs"].cast<py::dict>()) {
        const std::string key = kv.first.cast<std::string>();
        n.attrs[key] = to_attr(key, kv.second);
      }
    g.nodes.push_back(std::move(n));
  }
  if (d.contains("metadata"))
    for (auto kv : d["metadata"].cast<py::dict>()) g.metadata[kv.first.cast<std::string>()] = kv.second.cast<std::string>();
  for (auto kv : weights) g.weights[kv.first.cast<std::string>()] = copy_array(kv.second.cast<FArray>());
  return g;
}

py::dict graph_to_dict(const Graph& g) {
  py::list nodes;
  for (const Node& n : g.nodes) {
    py::dict attrs;
    for (const auto& [k, v] : n.attrs) attrs[py::str(k)] = from_attr(v);
    py::dict nd;
    nd["name"] = n.name;
    nd["op"] = n.op;
    nd["inputs"] = n.inputs;
    nd["outputs"] = n.outputs;
    nd["attrs"] = attrs;
    nodes.append(nd);
  }
  py::dict d;
  d["inputs"] = g.inputs;
  d["outputs"] = g.outputs;
  d["nodes"] = nodes;
  d["metadata"] = g.metadata;
  return d;
}

// A read-only numpy view of a tensor (kept alive by the array).
py::array readonly_view(const Tensor& t) {
  py::array a = to_numpy(t);
  a.attr("flags").attr("writeable") = false;
  return a;
}

std::map<std::string, Shape> shapes_from(const py::dict& d) {
  std::map<std::string, Shape> s;
  for (auto kv : d) s[kv.first.cast<std::string>()] = kv.second.cast<Shape>();
  return s;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "cnncore C++ core";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InvalidArgument& e) {
      raise_as("InvalidArgumentError", e.what());
    } catch (const Unsupported& e) {
      raise_as("UnsupportedError", e.what());
    } catch (const ModelFormatError& e) {
      raise_as("ModelFormatError", e.what());
    } catch (const DeviceError& e) {
      raise_as("DeviceError", e.what());
    } catch (const IoError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    }
  });

  m.attr("__version__") = version();
  m.def("set_num_threads", &set_num_threads);
  m.def("get_num_threads", &get_num_threads);
  m.def("available_cpus", &available_cpus);
  m.def("peak_gflops", [](const std::string& isa, int threads) {
    py::gil_scoped_release nogil;
    return measure_peak_gflops(parse_isa(isa), threads);
  });
  m.def("set_max_isa", [](const std::string& isa) { set_max_isa(parse_isa(isa)); });
  m.def("get_max_isa", [] { return std::string(isa_name(max_isa())); });
  m.def("active_isa", [] { return std::string(isa_name(active_isa())); });
  m.def("build_info", [] {
    const BuildInfo b = build_info();
    const auto& f = core::cpu_features();
    py::list compiled;
    for (Isa i : compiled_isas()) compiled.append(isa_name(i));
    py::dict cpu;
    cpu["avx2"] = f.avx2;
    cpu["avx512"] = f.avx512;
    cpu["avx512_vnni"] = f.avx512_vnni;
    cpu["avx512_bf16"] = f.avx512_bf16;
    cpu["avx512_fp16"] = f.avx512_fp16;
    cpu["amx"] = f.amx;
    py::dict d;
    d["version"] = b.version;
    d["compiler"] = b.compiler;
    d["isa_compiled"] = compiled;
    py::list usable;  // compiled and supported by this CPU/OS: what set_max_isa can select
    for (Isa i : compiled_isas())
      if (static_cast<int>(i) <= static_cast<int>(cpu_isa())) usable.append(isa_name(i));
    d["isa_available"] = usable;
    d["isa_detected"] = isa_name(cpu_isa());
    d["isa_max"] = isa_name(max_isa());
    d["isa_active"] = isa_name(active_isa());
    d["cpu_features"] = cpu;
    d["openmp"] = b.openmp;
    d["openmp_version"] = b.openmp_version;
    d["cuda"] = b.cuda;
    d["cuda_built"] = b.cuda;
    d["cuda_devices"] = b.cuda_devices;
    d["num_threads"] = get_num_threads();
    d["threads"] = get_num_threads();
    d["available_cpus"] = available_cpus();
    return d;
  });

  m.def("conv2d", [](const FArray& x, const FArray& w, const std::optional<FArray>& b, A2 stride, A4 pads,
                     const std::string& mode, A2 dilation, int64_t groups) {
    Conv2dOptions o{stride, pads, pad_mode(mode), dilation, groups};
    Tensor tx = wrap(x), tw = wrap(w), tb = wrap_opt(b);
    return compute([&] { return functional::conv2d(tx, tw, tb, o); });
  });
  m.def("conv1d", [](const FArray& x, const FArray& w, const std::optional<FArray>& b, int64_t stride, A2 pads,
                     const std::string& mode, int64_t dilation, int64_t groups) {
    Conv1dOptions o{stride, pads, pad_mode(mode), dilation, groups};
    Tensor tx = wrap(x), tw = wrap(w), tb = wrap_opt(b);
    return compute([&] { return functional::conv1d(tx, tw, tb, o); });
  });
  m.def("conv_transpose2d", [](const FArray& x, const FArray& w, const std::optional<FArray>& b, A2 stride, A4 pads,
                               A2 output_padding, A2 dilation, int64_t groups) {
    ConvTranspose2dOptions o{stride, pads, output_padding, dilation, groups};
    Tensor tx = wrap(x), tw = wrap(w), tb = wrap_opt(b);
    return compute([&] { return functional::conv_transpose2d(tx, tw, tb, o); });
  });
  m.def("pool2d", [](const std::string& kind, const FArray& x, A2 kernel, A2 stride, A4 pads, const std::string& mode,
                     A2 dilation, bool ceil_mode, bool count_include_pad, int64_t divisor_override) {
    Pool2dOptions o{kernel, stride, pads, pad_mode(mode), dilation, ceil_mode, count_include_pad, divisor_override};
    Tensor tx = wrap(x);
    if (kind == "max") return compute([&] { return functional::max_pool2d(tx, o); });
    if (kind == "avg") return compute([&] { return functional::avg_pool2d(tx, o); });
    if (kind == "max1d") return compute([&] { return functional::max_pool1d(tx, o); });
    if (kind == "avg1d") return compute([&] { return functional::avg_pool1d(tx, o); });
    throw InvalidArgument("unknown pooling '" + kind + "'");
  });
  m.def("adaptive_pool", [](const std::string& kind, const FArray& x, std::vector<int64_t> out) {
    Tensor tx = wrap(x);
    if (out.size() == 2 && kind == "avg") return compute([&] { return functional::adaptive_avg_pool2d(tx, out[0], out[1]); });
    if (out.size() == 2 && kind == "max") return compute([&] { return functional::adaptive_max_pool2d(tx, out[0], out[1]); });
    if (out.size() == 1 && kind == "avg") return compute([&] { return functional::adaptive_avg_pool1d(tx, out[0]); });
    if (out.size() == 1 && kind == "max") return compute([&] { return functional::adaptive_max_pool1d(tx, out[0]); });
    throw InvalidArgument("adaptive_pool: bad arguments");
  });
  m.def("linear", [](const FArray& x, const FArray& w, const std::optional<FArray>& b) {
    Tensor tx = wrap(x), tw = wrap(w), tb = wrap_opt(b);
    return compute([&] { return functional::linear(tx, tw, tb); });
  });
  m.def("activation", [](const FArray& x, const std::string& kind, float alpha, float beta) {
    ActivationSpec a{activation_kind(kind), alpha, beta};
    Tensor tx = wrap(x);
    return compute([&] { return functional::activation(tx, a); });
  });
  m.def("prelu", [](const FArray& x, const FArray& w) {
    Tensor tx = wrap(x), tw = wrap(w);
    return compute([&] { return functional::prelu(tx, tw); });
  });
  m.def("softmax", [](const FArray& x, int axis, bool log) {
    Tensor tx = wrap(x);
    return compute([&] { return log ? functional::log_softmax(tx, axis) : functional::softmax(tx, axis); });
  });
  m.def("batch_norm", [](const FArray& x, const FArray& mean, const FArray& var, const std::optional<FArray>& w,
                         const std::optional<FArray>& b, float eps) {
    Tensor tx = wrap(x), tm = wrap(mean), tv = wrap(var), tw = wrap_opt(w), tb = wrap_opt(b);
    return compute([&] { return functional::batch_norm(tx, tm, tv, tw, tb, eps); });
  });
  m.def("local_response_norm", [](const FArray& x, int64_t size, float alpha, float beta, float k, int64_t pre) {
    LrnOptions o{size, alpha, beta, k, pre};
    Tensor tx = wrap(x);
    return compute([&] { return functional::local_response_norm(tx, o); });
  });
  m.def("binary", [](const FArray& a, const FArray& b, const std::string& op) {
    const BinaryOp o = binary_op(op);
    Tensor ta = wrap(a), tb = wrap(b);
    return compute([&] { return functional::binary(ta, tb, o); });
  });
  m.def("concat", [](const std::vector<FArray>& xs, int axis) {
    std::vector<Tensor> ts;
    for (const auto& x : xs) ts.push_back(wrap(x));
    return compute([&] { return functional::concat(ts, axis); });
  });
  m.def("reshape_shape", &functional::reshape_shape, py::arg("shape"), py::arg("spec"), py::arg("zero_copies") = false);
  m.def("flatten_shape", &functional::flatten_shape);
  py::class_<Model>(m, "Model")
      .def(py::init([](const py::dict& graph, const py::dict& weights) { return Model(graph_from_dict(graph, weights)); }))
      .def("run",
           [](Model& self, const py::dict& inputs) {
             std::map<std::string, Tensor> in;
             std::vector<FArray> keep;  // the arrays stay alive while C++ reads them
             for (auto kv : inputs) {
               keep.push_back(kv.second.cast<FArray>());
               in[kv.first.cast<std::string>()] = wrap(keep.back());
             }
             std::map<std::string, Tensor> out;
             {
               py::gil_scoped_release nogil;
               out = self.run(in);
             }
             py::dict d;
             for (auto& [k, v] : out) d[py::str(k)] = to_numpy(std::move(v));
             return d;
           })
      .def("layer_info",
           [](Model& self, const py::dict& shapes) {
             py::list rows;
             for (const LayerInfo& li : self.layer_info(shapes_from(shapes))) {
               py::dict r;
               r["name"] = li.name;
               r["op"] = li.op;
               r["input_shapes"] = li.input_shapes;
               r["output_shape"] = li.output_shape;
               r["params"] = li.params;
               r["macs"] = li.macs;
               rows.append(r);
             }
             return rows;
           })
      .def("planned_bytes", [](Model& self, const py::dict& shapes) { return self.planned_bytes(shapes_from(shapes)); })
      .def("set_optimize", &Model::set_optimize)
      .def("optimized_graph", [](Model& self, const py::dict& shapes) { return graph_to_dict(self.optimized_graph(shapes_from(shapes))); })
      .def("save", &Model::save)
      .def("to_bytes",
           [](const Model& self) {
             const std::vector<uint8_t> b = self.to_bytes();
             return py::bytes(reinterpret_cast<const char*>(b.data()), b.size());
           })
      .def("graph", [](const Model& self) { return graph_to_dict(self.topology()); })
      .def("weights", [](const Model& self) {
        py::dict d;
        for (const auto& [k, t] : self.graph().weights) d[py::str(k)] = readonly_view(t);
        return d;
      });
  m.def("load_model", [](const std::string& path) {
    py::gil_scoped_release nogil;
    return Model::load(path);
  });
  m.def("model_from_bytes", [](const py::bytes& b) {
    const std::string s = b;  // one copy out of the bytes object; parse makes the aligned one
    py::gil_scoped_release nogil;
    return Model::from_bytes(s.data(), s.size());
  });
  m.def("load_onnx", [](const std::string& path) {
    py::gil_scoped_release nogil;
    return Model::load_onnx(path);
  });
  m.def("load_onnx_bytes", [](const py::bytes& b) {
    const std::string_view s = b;
    py::gil_scoped_release nogil;
    return Model::load_onnx_bytes(s.data(), s.size());
  });
  m.def("permute", [](const FArray& x, std::vector<int64_t> perm) {
    Tensor tx = wrap(x);
    return compute([&] { return functional::permute(tx, perm); });
  });

  m.def("embedding", [](const py::array_t<int64_t, py::array::c_style>& idx, const FArray& w) {
    Tensor tw = wrap(w);
    const Shape s = shape_of(idx);
    const int64_t* p = idx.data();
    return compute([&] { return functional::embedding(p, s, tw); });
  });
}
