#pragma once
// Convolutions and reorders on the blocked channel layout (kernels/nchwc/nchwc.h), which the
// layout pass (graph/passes.cpp) assigns to runs of depthwise and pointwise convolutions.
#include <memory>
#include <vector>

#include "cnncore/tensor.h"
#include "ops/ops.h"

namespace cnncore::ops {

/// The blocked shape [N, ceil(C/L), H, W, L] of an NCHW shape.
Shape nchwc_shape(const Shape& nchw, int64_t L);

struct NchwcConvPlan {
  enum Kind { pointwise, depthwise, direct, winograd, general };
  ConvPlan conv;  // the NCHW problem (shape math and checks of plan_conv2d)
  int64_t L = 0;
  Kind kind = pointwise;
  Shape out;  // blocked
};
/// Plans a convolution with blocked output (block width L). Its input `x` is blocked
/// ([N, Cb, H, W, L]; the weight's shape says how many of the Cb*L channels are real) for a
/// depthwise, pointwise (1x1, unpadded, any equal stride), Winograd or other one-group problem
/// (general), or NCHW for a direct one (one group, undilated: a first layer). Throws Unsupported
/// for other problems (grouped, not depthwise).
NchwcConvPlan plan_conv2d_nchwc(const Shape& x, const Shape& w, const Shape* bias, const Conv2dOptions& o,
                                int64_t L);
/// Whether this NCHW problem is depthwise or pointwise (1x1 unpadded, equal strides), which the
/// blocked kernels run with a blocked input.
bool nchwc_conv_supported(const ConvPlan& plan);
/// Whether it takes it with the input left NCHW (direct).
bool nchwc_direct_supported(const ConvPlan& plan);
/// Whether it takes it with a blocked input on the general k x k kernel (one group): what the
/// others do not take.
bool nchwc_general_supported(const ConvPlan& plan);
/// Whether it runs it blocked on Winograd (3x3 / 5x5 stride 1 where the op would pick Winograd;
/// conv_winograd.cpp, with constant weights packed by pack_conv).
bool nchwc_winograd_supported(const ConvPlan& plan);

/// Weights and bias in the kernels' blocked order, zero past the real channels.
struct PackedNchwc {
  std::shared_ptr<float> w;
  std::vector<float> bias;  // ceil(K/L)*L
};
std::shared_ptr<const PackedNchwc> pack_conv_nchwc(const NchwcConvPlan& plan, const float* w, const float* b);
/// The weight [K, C/groups, kh, kw] rebuilt exactly from its packed form (so the model can
/// release the raw copy).
Tensor unpack_conv_nchwc(const NchwcConvPlan& plan, const PackedNchwc& pw);

/// y = conv(x) + bias, + residual (blocked, as y), then the activation.
void run_conv_nchwc(const NchwcConvPlan& plan, const PackedNchwc& pw, const float* x, float* y, const Epilogue& e);

/// One convolution of a fused separable block: plan, packed weights, activation (null plan:
/// the stage is absent).
struct NchwcStage {
  const NchwcConvPlan* plan = nullptr;
  const PackedNchwc* w = nullptr;
  Epilogue e;  // its activation (the block's residual is passed apart)
};
/// A depthwise convolution with the ones beside it (graph/passes.cpp fuses them): an expansion
/// before it (1x1, stride 1, on a blocked x; or a first layer's direct convolution of an NCHW x)
/// and/or a projection after it (1x1, stride 1), in one pass without the tensors between them.
/// Each thread walks a band of output rows; per step it makes the expansion rows the next
/// depthwise rows read and those depthwise rows in L2-sized scratch, then projects them into y.
/// x: the block's input; residual (blocked, as y, or null): added by the last convolution. Same
/// bits as the convolutions one after the other.
void run_separable_nchwc(const NchwcStage& expand, const NchwcStage& dw, const NchwcStage& project, const float* x,
                         float* y, const float* residual);

/// Global average pool of a blocked tensor [N, ceil(C/L), HW, L] into NCHW [N, C] (1x1 planes).
void run_global_avg_pool_nchwc(int64_t N, int64_t C, int64_t HW, int64_t L, const float* x, float* y);
/// y = x * s per channel: x and y blocked [N, ceil(C/L), HW, L], s NCHW [N, C].
void run_scale_nchwc(int64_t N, int64_t C, int64_t HW, int64_t L, const float* x, const float* s, float* y);

/// NCHW [N, C, H*W] to blocked (padding lanes zero), and back.
void run_to_nchwc(int64_t N, int64_t C, int64_t HW, int64_t L, const float* x, float* y);
void run_from_nchwc(int64_t N, int64_t C, int64_t HW, int64_t L, const float* x, float* y);

}  // namespace cnncore::ops
