#pragma once
// Convolution as GEMM (patch panels copied from padded phase planes) for the SIMD microkernels.
#include <memory>

#include "kernels/eltwise/eltwise.h"
#include "kernels/gemm/gemm.h"
#include "kernels/winograd/winograd.h"
#include "ops/linear_gemm.h"
#include "ops/ops.h"

namespace cnncore::ops {

/// Weights packed for one GEMM microkernel: per group and K chunk, MR-row panels; or, when `wk`
/// is set, the Winograd-transformed filters (conv_winograd.cpp).
struct PackedConv {
  const kernels::GemmUkernel* uk = nullptr;
  const kernels::WinogradKernel* wk = nullptr;
  Isa isa = Isa::scalar;
  /// Transposed convolution (conv_transpose.cpp): M = K/groups*kh*kw rows (output channel, tap),
  /// K = C/groups.
  bool transposed = false;
  int64_t groups = 1, M = 0, K = 0, kc = 0;  // per group: M output channels, K = C/groups*kh*kw
  /// With `wk`: the stride folded into channels first (space to depth, conv_winograd.cpp), or 0.
  int64_t s2d = 0;
  /// A 1x1 convolution of 1x1 planes (squeeze-excitation layers) as the fully connected layer it
  /// is, [N, C] x W^T: set instead of the panels (see pack_conv).
  std::shared_ptr<const PackedLinear> lin;
  /// The GEMM reads its patch rows from the (padded) input in place instead of packing them
  /// (short reductions: first layers; see rows_in_place in conv_gemm.cpp).
  bool rows_in_place = false;
  std::shared_ptr<float> data;
  /// Layout: group, then chunk, then M panel; a chunk of every panel holds kc_len * MR floats.
  /// Inline: it is called once per microkernel call.
  const float* panel(int64_t g, int64_t chunk, int64_t mpanel) const {
    const int64_t mr = uk->mr, mpanels = (M + mr - 1) / mr;
    const int64_t k0 = chunk * kc, kc_len = kc < K - k0 ? kc : K - k0;
    return data.get() + g * mpanels * K * mr + mpanels * k0 * mr + mpanel * kc_len * mr;
  }
};

/// The packed weights for the best GEMM kernel the ISA cap allows, or null when the reference
/// path runs this problem (scalar cap or depthwise convolution). `once`: the weights
/// are packed once for many runs (a compiled model), so filter transforms that cost more than one
/// run saves (Winograd) may be chosen.
std::shared_ptr<const PackedConv> pack_conv(const ConvPlan& plan, const float* w, bool once = false);
/// Runs the planned convolution with packed weights (see run_conv for the epilogue).
void run_conv_gemm(const ConvPlan& plan, const PackedConv& pw, const float* x, const float* b, float* y,
                   const Epilogue& e);

/// The zero-padded "phase planes" a strided window reads (run_conv_gemm): phase (ry, rx), for
/// ry < ny, rx < nx, of a padded plane holds its rows i*sh + ry and columns j*sw + rx, on a grid
/// of Hq x Wq. Each input plane c gives ny*nx of them, phase (ry, rx) at rows
/// (c*ny*nx + ry*nx + rx)*Hq of the buffer.
struct PhasePlanes {
  int64_t ny, nx, Hq, Wq;
  int64_t floats() const { return ny * nx * Hq * Wq; }  // per input plane
};
PhasePlanes phase_planes(const kernels::ConvParams& p);
/// The phase planes of every input plane of every image of x into out (N*C*floats() floats).
void copy_phase_planes(const ConvPlan& plan, const PhasePlanes& ph, const float* x, float* out);

/// Which algorithm a 3x3 stride-1 convolution takes (CNNCORE_CONV_ALGO=auto|gemm|winograd);
/// the reason is logged under CNNCORE_VERBOSE=dispatch.
bool choose_winograd(const ConvPlan& plan, bool once);
/// Replaces pw's GEMM panels with Winograd-transformed filters for the best transform variant.
void pack_winograd(const ConvPlan& plan, const float* w, PackedConv& pw);
/// Transposed convolution as a GEMM over the input plane followed by a scatter (col2im).
void run_conv_transpose_gemm(const ConvPlan& plan, const PackedConv& pw, const float* x, const float* b, float* y,
                             const Epilogue& e);
/// The unfused epilogue on one output row of a channel: + bias, then + residual (or null), then
/// the activation; `epi` is select_bias_act(e.act, ...), `add_bias` select_bias_act({}, ...).
inline void epilogue_row(const Epilogue& e, const kernels::BiasAct& epi, const kernels::BiasAct& add_bias, float* row,
                         int64_t len, const float* bias, const float* res) {
  if (res) {
    if (bias) add_bias.run(row, row, len, bias, 0, {});
    epi.run(row, row, len, res, 1, e.act);
  } else {
    epi.run(row, row, len, bias, 0, e.act);
  }
}

/// `blocked`: x, y and the residual are in the blocked layout with the transform's lane count
/// (kernels/nchwc/nchwc.h), not NCHW.
void run_conv_winograd(const ConvPlan& plan, const PackedConv& pw, const float* x, const float* b, float* y,
                       const Epilogue& e, bool blocked = false);
/// Whether choose_winograd picks Winograd for this problem in a compiled model, without logging.
bool winograd_chosen(const ConvPlan& plan);
/// Space to depth first: whether a stride-s convolution with a filter of 2s < k <= 3s runs as
/// the stride-1 3x3 convolution over s*s times the channels (s2d_plan) by Winograd; logged.
bool choose_s2d_winograd(const ConvPlan& plan, bool once);
ConvPlan s2d_plan(const ConvPlan& plan);
/// Winograd filters of the folded problem, with pw.s2d set; run by run_conv_s2d_winograd.
void pack_s2d_winograd(const ConvPlan& plan, const float* w, PackedConv& pw);
void run_conv_s2d_winograd(const ConvPlan& plan, const PackedConv& pw, const float* x, const float* b, float* y,
                           const Epilogue& e);

}  // namespace cnncore::ops
