// Pooling ops: max/avg (2-D and 1-D), adaptive avg/max.
#include "kernels/pool/pool.h"
#include "ops/op_util.h"

namespace cnncore::functional {
namespace {

using core::WindowAxis;
using ops::str;

void check_pool_input(const Tensor& x, int rank, const char* op) {
  core::expect_rank(x, rank, op, "input");
  for (int i = 0; i < rank; ++i)
    if (x.dim(i) < 1) throw InvalidArgument(std::string(op) + ": input has an empty dimension: " + shape_str(x.shape()));
}

template <class Kernel>
Tensor run_planes(const Tensor& x, int64_t OH, int64_t OW, int64_t work_per_out, Kernel kernel) {
  const int64_t N = x.dim(0), C = x.dim(1), HW = x.dim(2) * x.dim(3);
  Tensor y = Tensor::empty({N, C, OH, OW});
  core::parallel_for(N * C, ops::grain(OH * OW * work_per_out), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) kernel(x.data() + t * HW, y.data() + t * OH * OW);
  });
  return y;
}

Tensor window_pool(const Tensor& x, const Pool2dOptions& o, bool is_max, const char* op) {
  check_pool_input(x, 4, op);
  if (!is_max && (o.dilation[0] != 1 || o.dilation[1] != 1))
    throw InvalidArgument(std::string(op) + ": dilation is not defined for average pooling, got " + core::dims_str(o.dilation));
  if (o.divisor_override < 0) throw InvalidArgument(std::string(op) + ": divisor_override must be > 0");
  WindowAxis ah{x.dim(2), o.kernel[0], o.stride[0], o.dilation[0], o.pads[0], o.pads[2], o.ceil_mode};
  WindowAxis aw{x.dim(3), o.kernel[1], o.stride[1], o.dilation[1], o.pads[1], o.pads[3], o.ceil_mode};
  core::resolve_pads(ah, o.pad_mode);
  core::resolve_pads(aw, o.pad_mode);
  const int64_t OH = core::window_out_size(ah, op, "H"), OW = core::window_out_size(aw, op, "W");
  for (const WindowAxis* a : {&ah, &aw})
    if (a->pad_begin >= a->kernel || a->pad_end >= a->kernel)
      throw InvalidArgument(std::string(op) + ": padding must be smaller than the kernel, got padding " +
                            str(a->pad_begin) + "/" + str(a->pad_end) + " with kernel " + str(a->kernel) +
                            " (axis " + (a == &ah ? "H" : "W") + ")");
  core::checked_numel({x.dim(0), x.dim(1), OH, OW}, op);
  kernels::PoolParams p{x.dim(2), x.dim(3), OH, OW, ah.kernel, aw.kernel, ah.stride, aw.stride,
                        ah.pad_begin, aw.pad_begin, ah.pad_end, aw.pad_end, ah.dilation, aw.dilation,
                        o.count_include_pad, o.divisor_override};
  const int64_t work = ah.kernel * aw.kernel;
  if (is_max)
    return run_planes(x, OH, OW, work, [&](const float* xp, float* yp) { kernels::ref::max_pool2d_plane(p, xp, yp); });
  return run_planes(x, OH, OW, work, [&](const float* xp, float* yp) { kernels::ref::avg_pool2d_plane(p, xp, yp); });
}

Tensor adaptive(const Tensor& x, int64_t OH, int64_t OW, bool is_max, const char* op) {
  check_pool_input(x, 4, op);
  if (OH < 1 || OW < 1)
    throw InvalidArgument(std::string(op) + ": output size must be >= 1, got (" + str(OH) + ", " + str(OW) + ")");
  core::checked_numel({x.dim(0), x.dim(1), OH, OW}, op);
  const int64_t H = x.dim(2), W = x.dim(3);
  const int64_t work = (H / OH + 2) * (W / OW + 2);
  if (is_max)
    return run_planes(x, OH, OW, work, [&](const float* xp, float* yp) { kernels::ref::adaptive_max_pool2d_plane(H, W, OH, OW, xp, yp); });
  return run_planes(x, OH, OW, work, [&](const float* xp, float* yp) { kernels::ref::adaptive_avg_pool2d_plane(H, W, OH, OW, xp, yp); });
}

Tensor as_2d(const Tensor& x, const char* op) {
  check_pool_input(x, 3, op);
  return x.reshaped({x.dim(0), x.dim(1), 1, x.dim(2)});
}
Tensor as_1d(const Tensor& y) { return y.reshaped({y.dim(0), y.dim(1), y.dim(3)}); }

Pool2dOptions options_1d(const Pool2dOptions& o) {
  Pool2dOptions o2 = o;
  o2.kernel[0] = o2.stride[0] = o2.dilation[0] = 1;
  o2.pads[0] = o2.pads[2] = 0;
  return o2;
}

}  // namespace

Tensor max_pool2d(const Tensor& x, const Pool2dOptions& o) { return window_pool(x, o, true, "max_pool2d"); }
Tensor avg_pool2d(const Tensor& x, const Pool2dOptions& o) { return window_pool(x, o, false, "avg_pool2d"); }
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t oh, int64_t ow) { return adaptive(x, oh, ow, false, "adaptive_avg_pool2d"); }
Tensor adaptive_max_pool2d(const Tensor& x, int64_t oh, int64_t ow) { return adaptive(x, oh, ow, true, "adaptive_max_pool2d"); }

Tensor max_pool1d(const Tensor& x, const Pool2dOptions& o) {
  return as_1d(window_pool(as_2d(x, "max_pool1d"), options_1d(o), true, "max_pool1d"));
}
Tensor avg_pool1d(const Tensor& x, const Pool2dOptions& o) {
  return as_1d(window_pool(as_2d(x, "avg_pool1d"), options_1d(o), false, "avg_pool1d"));
}
Tensor adaptive_avg_pool1d(const Tensor& x, int64_t out) {
  return as_1d(adaptive(as_2d(x, "adaptive_avg_pool1d"), 1, out, false, "adaptive_avg_pool1d"));
}
Tensor adaptive_max_pool1d(const Tensor& x, int64_t out) {
  return as_1d(adaptive(as_2d(x, "adaptive_max_pool1d"), 1, out, true, "adaptive_max_pool1d"));
}

}  // namespace cnncore::functional
