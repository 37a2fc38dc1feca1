#pragma once
// Internal op interface shared by cnncore::functional and the graph executor. Each op is split
// into plan_<op> (validate arguments, infer the output shape; throws InvalidArgument naming the
// op and the values) and run_<op> (compute into caller-provided memory, tiled over threads;
// never throws). The executor plans once per input shape and runs into planned buffers.
#include <string>
#include <vector>

#include "cnncore/functional.h"
#include "kernels/conv/conv.h"
#include "kernels/pool/pool.h"

namespace cnncore::ops {

/// Fused epilogue of conv/linear: y = act(y + residual); residual has y's shape, or is null.
struct Epilogue {
  ActivationSpec act{};
  const float* residual = nullptr;
  bool active() const { return residual || act.kind != Activation::identity; }
};

struct ConvPlan {
  kernels::ConvParams p{};
  int64_t N = 0;
  bool transposed = false;
  Shape out;
};
ConvPlan plan_conv2d(const Shape& x, const Shape& w, const Shape* bias, const Conv2dOptions& o,
                     const char* op = "conv2d");
ConvPlan plan_conv_transpose2d(const Shape& x, const Shape& w, const Shape* bias, const ConvTranspose2dOptions& o);
/// Conv2dOptions of the 2-D problem that computes conv1d (H = 1).
Conv2dOptions conv1d_as_2d(const Conv1dOptions& o);
struct PackedConv;
/// Runs a planned convolution. `packed` (from pack_conv, conv_gemm.h) selects the GEMM path with
/// pre-packed weights; without it the weights are packed per call when a SIMD GEMM applies, and
/// the reference kernel runs otherwise.
void run_conv(const ConvPlan& plan, const float* x, const float* w, const float* b, float* y, const Epilogue& e = {},
              const PackedConv* packed = nullptr);

enum class PoolKind { max, avg, adaptive_max, adaptive_avg };
struct PoolPlan {
  PoolKind kind = PoolKind::max;
  kernels::PoolParams p{};
  int64_t planes = 0;  // N * C
  Shape out;
};
PoolPlan plan_pool2d(const Shape& x, const Pool2dOptions& o, PoolKind kind, const char* op);
PoolPlan plan_adaptive_pool2d(const Shape& x, int64_t out_h, int64_t out_w, PoolKind kind, const char* op);
/// Pool2dOptions of the 2-D problem that computes a 1-D pooling (H = 1).
Pool2dOptions pool1d_as_2d(const Pool2dOptions& o);
void run_pool(const PoolPlan& plan, const float* x, float* y);

struct LinearPlan {
  int64_t rows = 0, in = 0, out = 0;
  Shape out_shape;
};
LinearPlan plan_linear(const Shape& x, const Shape& w, const Shape* bias);
struct PackedLinear;
/// Runs a planned linear layer; `packed` (pack_linear, linear_gemm.h) selects the GEMM path with
/// pre-packed weights, otherwise weights are packed per call when a SIMD GEMM applies.
void run_linear(const LinearPlan& plan, const float* x, const float* w, const float* b, float* y,
                const Epilogue& e = {}, const PackedLinear* packed = nullptr);

void check_activation(const ActivationSpec& act);
/// y = act(x) over n elements (x may equal y).
void run_activation(const ActivationSpec& act, const float* x, float* y, int64_t n);
/// y = erf(x) over n elements (ONNX Erf; inside a GELU the graph fuses it into gelu).
void run_erf(const float* x, float* y, int64_t n);
void check_prelu(const Shape& x, int64_t slope_numel);
void run_prelu(const Shape& x, const float* xp, const float* slope, int64_t slope_numel, float* y);

struct SoftmaxPlan {
  int64_t outer = 0, len = 0, inner = 0;
  bool log = false;
};
SoftmaxPlan plan_softmax(const Shape& x, int axis, bool log);
void run_softmax(const SoftmaxPlan& plan, const float* x, float* y);

/// Inference batch norm as y = x * scale[c] + shift[c] (scale/shift computed in double).
struct ChannelAffine {
  std::vector<float> scale, shift;
};
ChannelAffine batch_norm_affine(const Shape& x, const Tensor& mean, const Tensor& var, const Tensor& weight,
                                const Tensor& bias, float eps);
void run_channel_affine(const Shape& x, const ChannelAffine& a, const float* xp, float* y);

int64_t check_lrn(const Shape& x, const LrnOptions& o);  // returns the resolved window start offset
void run_lrn(const Shape& x, const LrnOptions& o, int64_t pre, const float* xp, float* y);

struct BinaryPlan {
  Shape out;
  // The loop run_binary walks: out's dims with neighbours merged where both inputs step through
  // them as one (a same-shape add is one dim; [N,C,H,W] * [N,C,1,1] is [N*C, H*W]), and the
  // inputs' element strides along them, 0 where broadcast.
  Shape dims, a_strides, b_strides;
};
BinaryPlan plan_binary(const Shape& a, const Shape& b);
void run_binary(const BinaryPlan& plan, const float* a, const float* b, float* y, BinaryOp op);

struct ConcatPlan {
  Shape out;
  int64_t outer = 1, inner = 1, total = 0;
  std::vector<int64_t> dims;  // each input's size along the axis
};
ConcatPlan plan_concat(const std::vector<Shape>& xs, int axis);
void run_concat(const ConcatPlan& plan, const std::vector<const float*>& xs, float* y);

struct PermutePlan {
  Shape out, in_strides;  // in output order
};
PermutePlan plan_permute(const Shape& x, const std::vector<int64_t>& perm);
void run_permute(const PermutePlan& plan, const float* x, float* y);

/// ONNX Slice with constant bounds: along each listed axis, elements start, start + step, ...
/// up to (not including) end. Negative starts/ends count from the end; both are clamped as ONNX
/// does ([0, dim] for a positive step, [-1, dim - 1] for a negative one); steps are non-zero.
/// Axes not listed are kept whole. Runs as a permute-style copy of a strided view.
struct SlicePlan {
  PermutePlan view;    // output dims and the input strides along them
  int64_t offset = 0;  // the first element, in elements from x
};
SlicePlan plan_slice(const Shape& x, const std::vector<int64_t>& starts, const std::vector<int64_t>& ends,
                     const std::vector<int64_t>& axes, const std::vector<int64_t>& steps);
void run_slice(const SlicePlan& plan, const float* x, float* y);

/// Constant padding: pads = begin values for every dim, then end values (ONNX order), >= 0.
struct PadPlan {
  Shape in, out;
  std::vector<int64_t> begin;
  float value = 0.f;
};
PadPlan plan_pad(const Shape& x, const std::vector<int64_t>& pads, float value);
void run_pad(const PadPlan& plan, const float* x, float* y);

/// Nearest-neighbour resize (ONNX Resize, mode nearest). Per dim the source coordinate of
/// output i is, by `coord`: asymmetric i/scale, half_pixel (i+0.5)/scale-0.5, pytorch_half_pixel
/// (the same, 0 when out = 1), align_corners i*(in-1)/(out-1); `rounding` is floor, ceil,
/// round_prefer_floor or round_prefer_ceil; the result is clamped to [0, in-1].
struct ResizePlan {
  Shape in, out;
  std::vector<double> scales;
  std::string coord = "asymmetric", rounding = "floor";
};
ResizePlan plan_resize_nearest(const Shape& x, const std::vector<double>& scales, const std::vector<int64_t>& sizes,
                               const std::string& coord = "asymmetric", const std::string& rounding = "floor");
void run_resize_nearest(const ResizePlan& plan, const float* x, float* y);

Shape plan_embedding(const Shape& indices, const Shape& weight);
/// Throws InvalidArgument for an index outside [0, V) before writing anything.
void run_embedding(const int64_t* idx, int64_t n, const float* w, int64_t V, int64_t D, float* y);

}  // namespace cnncore::ops
