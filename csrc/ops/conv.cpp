// conv2d, conv1d, conv_transpose2d: validation, shape inference, tiling over output planes.
#include "kernels/conv/conv.h"
#include "ops/op_util.h"

namespace cnncore::functional {
namespace {

using core::WindowAxis;
using ops::str;

void check_bias(const Tensor& bias, int64_t K, const char* op) {
  if (!bias.defined()) return;
  if (bias.rank() != 1 || bias.dim(0) != K)
    throw InvalidArgument(std::string(op) + ": bias must have shape [" + str(K) + "] (one per output channel), got " +
                          shape_str(bias.shape()));
}

void check_groups(int64_t C, int64_t K, int64_t groups, const char* op) {
  if (groups < 1) throw InvalidArgument(std::string(op) + ": groups must be >= 1, got " + str(groups));
  if (C % groups != 0)
    throw InvalidArgument(std::string(op) + ": groups=" + str(groups) + " does not divide the " + str(C) +
                          " input channels");
  if (K % groups != 0)
    throw InvalidArgument(std::string(op) + ": groups=" + str(groups) + " does not divide the " + str(K) +
                          " output channels");
}

void check_input(const Tensor& x, const Tensor& w, const char* op, int rank) {
  core::expect_rank(x, rank, op, "input");
  core::expect_rank(w, rank, op, "weight");
  if (x.dim(0) < 1) throw InvalidArgument(std::string(op) + ": batch size must be >= 1, got input " + shape_str(x.shape()));
  if (x.dim(1) < 1) throw InvalidArgument(std::string(op) + ": input must have >= 1 channel, got " + shape_str(x.shape()));
  for (int i = 0; i < rank; ++i)
    if (w.dim(i) < 1) throw InvalidArgument(std::string(op) + ": weight has an empty dimension: " + shape_str(w.shape()));
}

template <class Kernel>
Tensor run_planes(const Tensor& x, const Tensor& w, const Tensor& bias, const kernels::ConvParams& p, Kernel kernel) {
  const int64_t N = x.dim(0);
  Tensor y = Tensor::empty({N, p.K, p.OH, p.OW});
  const int64_t plane = p.OH * p.OW;
  const int64_t work = core::checked_mul(plane, (p.C / p.groups) * p.kh * p.kw, "conv");
  const float* bp = bias.defined() ? bias.data() : nullptr;
  core::parallel_for(N * p.K, ops::grain(work), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t n = t / p.K, oc = t % p.K;
      kernel(p, x.data() + n * p.C * p.H * p.W, w.data(), bp, oc, y.data() + t * plane);
    }
  });
  return y;
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dOptions& o) {
  const char* op = "conv2d";
  check_input(x, w, op, 4);
  const int64_t C = x.dim(1), K = w.dim(0);
  check_groups(C, K, o.groups, op);
  if (w.dim(1) != C / o.groups)
    throw InvalidArgument(std::string(op) + ": weight " + shape_str(w.shape()) + " expects " + str(w.dim(1) * o.groups) +
                          " input channels (weight.shape[1] * groups), but input " + shape_str(x.shape()) + " has " +
                          str(C));
  check_bias(bias, K, op);
  WindowAxis ah{x.dim(2), w.dim(2), o.stride[0], o.dilation[0], o.pads[0], o.pads[2], false};
  WindowAxis aw{x.dim(3), w.dim(3), o.stride[1], o.dilation[1], o.pads[1], o.pads[3], false};
  core::resolve_pads(ah, o.pad_mode);
  core::resolve_pads(aw, o.pad_mode);
  const int64_t OH = core::window_out_size(ah, op, "H"), OW = core::window_out_size(aw, op, "W");
  core::checked_numel({x.dim(0), K, OH, OW}, op);
  kernels::ConvParams p{C, x.dim(2), x.dim(3), K, OH, OW, ah.kernel, aw.kernel, ah.stride, aw.stride,
                        ah.pad_begin, aw.pad_begin, ah.dilation, aw.dilation, o.groups};
  return run_planes(x, w, bias, p, kernels::ref::conv2d_plane);
}

Tensor conv1d(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv1dOptions& o) {
  check_input(x, w, "conv1d", 3);
  Conv2dOptions o2;
  o2.stride = {1, o.stride};
  o2.pads = {0, o.pads[0], 0, o.pads[1]};
  o2.pad_mode = o.pad_mode;
  o2.dilation = {1, o.dilation};
  o2.groups = o.groups;
  try {
    Tensor y = conv2d(x.reshaped({x.dim(0), x.dim(1), 1, x.dim(2)}), w.reshaped({w.dim(0), w.dim(1), 1, w.dim(2)}),
                      bias, o2);
    return y.reshaped({y.dim(0), y.dim(1), y.dim(3)});
  } catch (const InvalidArgument& e) {
    std::string m = e.what();
    if (m.rfind("conv2d", 0) == 0) m = "conv1d" + m.substr(6);
    throw InvalidArgument(m);
  }
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvTranspose2dOptions& o) {
  const char* op = "conv_transpose2d";
  check_input(x, w, op, 4);
  const int64_t C = x.dim(1);
  if (w.dim(0) != C)
    throw InvalidArgument(std::string(op) + ": weight " + shape_str(w.shape()) + " expects " + str(w.dim(0)) +
                          " input channels (weight.shape[0]), but input " + shape_str(x.shape()) + " has " + str(C));
  if (o.groups < 1) throw InvalidArgument(std::string(op) + ": groups must be >= 1, got " + str(o.groups));
  const int64_t K = core::checked_mul(w.dim(1), o.groups, op);
  check_groups(C, K, o.groups, op);
  check_bias(bias, K, op);
  int64_t out[2];
  for (int a = 0; a < 2; ++a) {
    const char* axis = a == 0 ? "H" : "W";
    const int64_t in = x.dim(2 + a), k = w.dim(2 + a), s = o.stride[a], d = o.dilation[a];
    const int64_t pb = o.pads[a], pe = o.pads[a + 2], op_ = o.output_padding[a];
    auto fail = [&](const std::string& what) {
      throw InvalidArgument(std::string(op) + ": " + what + " (axis " + axis + ": input " + str(in) + ", kernel " +
                            str(k) + ", stride " + str(s) + ", dilation " + str(d) + ", padding " + str(pb) + "/" +
                            str(pe) + ", output_padding " + str(op_) + ")");
    };
    if (s < 1) fail("stride must be >= 1");
    if (d < 1) fail("dilation must be >= 1");
    if (pb < 0 || pe < 0) fail("padding must be >= 0");
    if (op_ < 0 || (op_ >= s && op_ >= d)) fail("output_padding must be >= 0 and smaller than stride or dilation");
    // (in - 1)*s + d*(k - 1) + 1 + output_padding - pads
    int64_t full = core::checked_add(core::checked_mul(in - 1, s, op), core::checked_mul(d, k - 1, op), op);
    full = core::checked_add(full, 1 + op_, op);
    out[a] = full - pb - pe;
    if (out[a] < 1) fail("output would be empty (size " + str(out[a]) + ")");
  }
  core::checked_numel({x.dim(0), K, out[0], out[1]}, op);
  kernels::ConvParams p{C, x.dim(2), x.dim(3), K, out[0], out[1], w.dim(2), w.dim(3), o.stride[0], o.stride[1],
                        o.pads[0], o.pads[1], o.dilation[0], o.dilation[1], o.groups};
  return run_planes(x, w, bias, p, kernels::ref::conv_transpose2d_plane);
}

}  // namespace cnncore::functional
