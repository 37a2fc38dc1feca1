#pragma once
/// \file functional.h
/// Stateless ops on float32 NCHW tensors, the C++ counterpart of cnncore.functional.
/// Every function validates its arguments and throws InvalidArgument (see error.h) naming the
/// op and the offending values; outputs are new tensors.
#include <array>
#include <cstdint>
#include <vector>

#include "cnncore/tensor.h"

namespace cnncore {

/// How a window op pads. explicit_pads uses `pads`; same_upper/same_lower choose pads so that
/// out = ceil(in / stride), putting an odd extra pad at the end (upper) or the beginning (lower),
/// as ONNX auto_pad does; valid means no padding.
enum class PadMode { explicit_pads, same_upper, same_lower, valid };

/// conv2d: x [N, C, H, W], weight [K, C/groups, kH, kW], bias [K] or undefined -> [N, K, OH, OW]
/// with OH = (H + pad_top + pad_bottom - dilation*(kH-1) - 1) / stride + 1 (floor).
struct Conv2dOptions {
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 4> pads{0, 0, 0, 0};  ///< top, left, bottom, right (ONNX order)
  PadMode pad_mode = PadMode::explicit_pads;
  std::array<int64_t, 2> dilation{1, 1};
  int64_t groups = 1;
};
/// conv1d: x [N, C, L], weight [K, C/groups, k]. pads = {left, right}.
struct Conv1dOptions {
  int64_t stride = 1;
  std::array<int64_t, 2> pads{0, 0};
  PadMode pad_mode = PadMode::explicit_pads;
  int64_t dilation = 1;
  int64_t groups = 1;
};
/// conv_transpose2d: x [N, C, H, W], weight [C, K/groups, kH, kW] -> [N, K, OH, OW] with
/// OH = (H - 1)*stride - pad_top - pad_bottom + dilation*(kH - 1) + output_padding + 1.
struct ConvTranspose2dOptions {
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 4> pads{0, 0, 0, 0};  ///< top, left, bottom, right
  std::array<int64_t, 2> output_padding{0, 0};
  std::array<int64_t, 2> dilation{1, 1};
  int64_t groups = 1;
};
/// Max/average pooling window. OH = floor_or_ceil((H + pads - dilation*(kH-1) - 1) / stride) + 1;
/// in ceil mode a last window that would start in the bottom/right padding is dropped (PyTorch).
struct Pool2dOptions {
  std::array<int64_t, 2> kernel{1, 1};
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 4> pads{0, 0, 0, 0};  ///< top, left, bottom, right
  PadMode pad_mode = PadMode::explicit_pads;
  std::array<int64_t, 2> dilation{1, 1};  ///< max pooling only
  bool ceil_mode = false;
  bool count_include_pad = true;  ///< average pooling only
  int64_t divisor_override = 0;   ///< average pooling only; 0 = none
};

enum class Activation {
  identity,
  relu,
  leaky_relu,   ///< x < 0 ? alpha*x : x
  clip,         ///< min(max(x, alpha), beta): hardtanh, relu6, clamp
  hardsigmoid,  ///< clip(alpha*x + beta, 0, 1)
  hardswish,    ///< x * clip(x/6 + 1/2, 0, 1)
  elu,          ///< beta * (x > 0 ? x : alpha*(exp(x) - 1)); selu uses beta = scale
  sigmoid,
  tanh,
  silu,       ///< x * sigmoid(x)
  gelu,       ///< x * Phi(x) (erf form)
  gelu_tanh,  ///< tanh approximation of gelu
  softplus,   ///< log(1 + exp(alpha*x)) / alpha, linear above beta (threshold)
};
struct ActivationSpec {
  Activation kind = Activation::identity;
  float alpha = 0.f;
  float beta = 0.f;
};

/// LRN across channels: y = x / (k + alpha/size * sum_{c' in window} x[c']^2)^beta, window
/// [c - pre, c - pre + size). pre < 0 means size/2 (PyTorch); ONNX uses (size-1)/2.
struct LrnOptions {
  int64_t size = 5;
  float alpha = 1e-4f;
  float beta = 0.75f;
  float k = 1.f;
  int64_t pre = -1;
};

enum class BinaryOp { add, sub, mul, div, max, min };

namespace functional {

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dOptions& opt);
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv1dOptions& opt);
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const ConvTranspose2dOptions& opt);

Tensor max_pool2d(const Tensor& x, const Pool2dOptions& opt);
Tensor avg_pool2d(const Tensor& x, const Pool2dOptions& opt);
/// Adaptive pooling to [out_h, out_w]: window i covers [floor(i*H/out), ceil((i+1)*H/out)).
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);
Tensor adaptive_max_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);
/// 1-D pooling on [N, C, L] (PyTorch max_pool1d/avg_pool1d): kernel, stride, dilation use the
/// width entries of opt; pads are {0, left, 0, right}.
Tensor max_pool1d(const Tensor& x, const Pool2dOptions& opt);
Tensor avg_pool1d(const Tensor& x, const Pool2dOptions& opt);
Tensor adaptive_avg_pool1d(const Tensor& x, int64_t out_l);
Tensor adaptive_max_pool1d(const Tensor& x, int64_t out_l);

/// x [..., in], weight [out, in], bias [out] or undefined -> [..., out]
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);

Tensor activation(const Tensor& x, const ActivationSpec& act);
/// slope has 1 element or x.dim(1) elements (one per channel).
Tensor prelu(const Tensor& x, const Tensor& slope);
/// Numerically stable (max-subtracted) softmax over `axis` (negative counts from the end).
Tensor softmax(const Tensor& x, int axis);
Tensor log_softmax(const Tensor& x, int axis);

/// Inference batch norm over dim 1 of [N, C, ...]; weight/bias may be undefined (1 and 0).
Tensor batch_norm(const Tensor& x, const Tensor& mean, const Tensor& var, const Tensor& weight,
                  const Tensor& bias, float eps);
Tensor local_response_norm(const Tensor& x, const LrnOptions& opt);

/// Elementwise op with NumPy broadcasting.
Tensor binary(const Tensor& a, const Tensor& b, BinaryOp op);
Tensor concat(const std::vector<Tensor>& xs, int axis);
/// Shape of a reshape: one -1 is inferred; with zero_copies (ONNX), a 0 copies the input dim.
Shape reshape_shape(const Shape& in, const Shape& spec, bool zero_copies = false);
Tensor reshape(const Tensor& x, const Shape& spec);
/// Shape after merging dims start..end (inclusive, negative counts from the end).
Shape flatten_shape(const Shape& in, int start_dim, int end_dim);
/// Merges dims start..end (inclusive, negative counts from the end) into one.
Tensor flatten(const Tensor& x, int start_dim, int end_dim);
/// Copy with dims reordered: output dim i is input dim perm[i] (torch.permute / ONNX Transpose).
Tensor permute(const Tensor& x, const std::vector<int64_t>& perm);
/// Rows of weight [V, D] picked by `indices` -> indices_shape + [D]. Throws on an index outside [0, V).
Tensor embedding(const int64_t* indices, const Shape& indices_shape, const Tensor& weight);

}  // namespace functional
}  // namespace cnncore
