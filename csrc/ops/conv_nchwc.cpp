// Convolutions (depthwise, pointwise, a first layer), squeeze-excitation pool and scale, and the
// reorders on the blocked layout: checks, weight packing, and the split of the work over threads
// (kernels/nchwc does the arithmetic).
#include "ops/conv_nchwc.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "kernels/nchwc/nchwc.h"
#include "ops/conv_gemm.h"
#include "ops/op_util.h"
#include "ops/padded_plane.h"

namespace cnncore::ops {
namespace {

// The variant for block width L: the first SIMD entry of that width within the ISA cap, else
// the reference (which takes any L).
const kernels::Nchwc& select_nchwc(int64_t L, const char* what) {
  return core::select_kernel(
             "nchwc", kernels::kNchwcKernels,
             [&](const core::Kernel<kernels::Nchwc>& k) -> const char* {
               return k.fn.lanes == 0 || k.fn.lanes == L ? nullptr : "another block width";
             },
             [&] { return std::string(what) + ":L" + std::to_string(L); })
      .fn;
}

// The activation the kernels apply as they store: the piecewise-linear ones; the exp-based ones
// run as a pass after (identity here).
ActivationSpec fused_act(const Epilogue& e) { return kernels::is_piecewise_linear(e.act.kind) ? e.act : ActivationSpec{}; }

}  // namespace

Shape nchwc_shape(const Shape& s, int64_t L) { return {s[0], div_up(s[1], L), s[2], s[3], L}; }

bool nchwc_conv_supported(const ConvPlan& plan) {
  const auto& p = plan.p;
  if (plan.transposed) return false;
  const bool depthwise = p.groups == p.C && p.K == p.C;
  // 1x1 unpadded, stride 1 or (ResNet's downsampling) the same stride on both axes
  const bool pointwise = p.groups == 1 && p.kh == 1 && p.kw == 1 && p.sh == p.sw && p.pt == 0 && p.pl == 0 &&
                         p.OH == (p.H - 1) / p.sh + 1 && p.OW == (p.W - 1) / p.sw + 1;
  return depthwise || pointwise;
}

bool nchwc_winograd_supported(const ConvPlan& plan) { return !plan.transposed && winograd_chosen(plan); }

bool nchwc_general_supported(const ConvPlan& plan) { return !plan.transposed && plan.p.groups == 1; }

bool nchwc_direct_supported(const ConvPlan& plan) {
  const auto& p = plan.p;
  return !plan.transposed && p.groups == 1 && p.dh == 1 && p.dw == 1;
}

NchwcConvPlan plan_conv2d_nchwc(const Shape& x, const Shape& w, const Shape* bias, const Conv2dOptions& o,
                                int64_t L) {
  const char* op = "conv2d";
  if (L < 1 || L > 64) throw InvalidArgument(std::string(op) + ": block width must be in [1, 64], got " + str(L));
  NchwcConvPlan plan;
  plan.L = L;
  if (x.size() == 4) {  // NCHW input: the direct kernel
    plan.conv = plan_conv2d(x, w, bias, o, op);
    if (!nchwc_direct_supported(plan.conv))
      throw Unsupported(std::string(op) + ": a blocked convolution of an NCHW input must have one group, no dilation");
    plan.kind = NchwcConvPlan::direct;
  } else {
    if (x.size() != 5 || w.size() != 4 || x[4] != L)
      throw InvalidArgument(std::string(op) + ": input must be blocked 5-D with block " + str(L) +
                            " and weight 4-D, got " + shape_str(x) + " and " + shape_str(w));
    const int64_t C = w[1] * std::max<int64_t>(1, o.groups);
    if (div_up(C, L) != x[1])
      throw InvalidArgument(std::string(op) + ": weight " + shape_str(w) + " expects " + str(C) +
                            " input channels, but the blocked input " + shape_str(x) + " holds " + str(x[1]) +
                            " blocks of " + str(L));
    plan.conv = plan_conv2d({x[0], C, x[2], x[3]}, w, bias, o, op);
    const auto& p = plan.conv.p;
    if (nchwc_conv_supported(plan.conv)) {
      const bool pointwise = p.groups == 1 && p.kh == 1 && p.kw == 1;
      plan.kind = pointwise ? NchwcConvPlan::pointwise : NchwcConvPlan::depthwise;
    } else if (nchwc_winograd_supported(plan.conv)) {
      plan.kind = NchwcConvPlan::winograd;
    } else if (nchwc_general_supported(plan.conv)) {
      plan.kind = NchwcConvPlan::general;
    } else {
      throw Unsupported(std::string(op) + ": a blocked input takes depthwise and one-group convolutions only, got " +
                        str(p.groups) + " groups of " + str(p.C / p.groups) + " channels");
    }
  }
  plan.out = nchwc_shape(plan.conv.out, L);
  return plan;
}

std::shared_ptr<const PackedNchwc> pack_conv_nchwc(const NchwcConvPlan& plan, const float* w, const float* b) {
  const auto& p = plan.conv.p;
  const int64_t L = plan.L, Kb = div_up(p.K, L);
  auto pw = std::make_shared<PackedNchwc>();
  pw->bias.assign(static_cast<size_t>(Kb * L), 0.f);
  if (b) std::copy(b, b + p.K, pw->bias.begin());
  // [Kb][C/groups][kh][kw][L]: the weight of output channel kb*L + l (zero past K) per tap
  const int64_t taps = p.kh * p.kw * (plan.kind == NchwcConvPlan::depthwise ? 1 : p.C);
  pw->w = aligned_floats(Kb * taps * L);
  float* d = pw->w.get();
  for (int64_t kb = 0; kb < Kb; ++kb)
    for (int64_t t = 0; t < taps; ++t)
      for (int64_t l = 0; l < L; ++l) {
        const int64_t k = kb * L + l;
        d[(kb * taps + t) * L + l] = k < p.K ? w[k * taps + t] : 0.f;
      }
  return pw;
}

Tensor unpack_conv_nchwc(const NchwcConvPlan& plan, const PackedNchwc& pw) {
  const auto& p = plan.conv.p;
  const int64_t L = plan.L, cpg = p.C / p.groups, taps = p.kh * p.kw * cpg;
  Tensor w = Tensor::empty({p.K, cpg, p.kh, p.kw});
  for (int64_t k = 0; k < p.K; ++k)
    for (int64_t t = 0; t < taps; ++t) w.data()[k * taps + t] = pw.w.get()[((k / L) * taps + t) * L + k % L];
  return w;
}

void run_conv_nchwc(const NchwcConvPlan& plan, const PackedNchwc& pw, const float* x, float* y, const Epilogue& e) {
  const auto& p = plan.conv.p;
  const int64_t L = plan.L, N = plan.conv.N, Kb = div_up(p.K, L), Cb = div_up(p.C, L);
  const auto& k = select_nchwc(L, plan.kind == NchwcConvPlan::depthwise ? "conv2d:dw"
                                 : plan.kind == NchwcConvPlan::direct  ? "conv2d:direct"
                                 : plan.kind == NchwcConvPlan::general ? "conv2d:kxk"
                                                                       : "conv2d:pw");
  const ActivationSpec act = fused_act(e);
  // Activations the kernels do not apply run as a pass over each stored range (the padding
  // lanes stay finite: every activation maps 0 to a finite value).
  const bool after = !kernels::is_piecewise_linear(e.act.kind);
  const kernels::BiasAct* epi = after ? &select_bias_act(e.act, L * p.OW) : nullptr;
  const int64_t out_plane = p.OH * p.OW * L, in_plane = p.H * p.W * L;
  const int64_t threads = get_num_threads();
  // Tasks (image, pair of output blocks, band of rows), bands enough for every thread, for the
  // kernels that make a pair of blocks at once: run(n, res, y, oy0, oy1, kb0, kb1) on image n's
  // residual and output, then the activation pass over what it stored.
  auto by_block_pairs = [&](int64_t images, const auto& run) {
    const int64_t pairs = div_up(Kb, 2), bands = std::min(p.OH, div_up(4 * threads, images * pairs));
    const int64_t work = out_plane * 2 * p.C * p.kh * p.kw;
    core::parallel_for(images * pairs * bands, grain(work / bands), [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t band = t % bands, pr = (t / bands) % pairs, n = t / (bands * pairs);
        const int64_t oy0 = band * p.OH / bands, oy1 = (band + 1) * p.OH / bands;
        const int64_t kb0 = 2 * pr, kb1 = std::min(Kb, kb0 + 2);
        float* yn = y + n * Kb * out_plane;
        run(n, e.residual ? e.residual + n * Kb * out_plane : nullptr, yn, oy0, oy1, kb0, kb1);
        if (epi)
          for (int64_t kb = kb0; kb < kb1; ++kb) {
            float* r = yn + kb * out_plane + oy0 * p.OW * L;
            epi->run(r, r, (oy1 - oy0) * p.OW * L, nullptr, 0, e.act);
          }
      }
    });
  };
  if (plan.kind == NchwcConvPlan::direct) {
    const kernels::NchwcDirectParams dp{p.C, p.H, p.W, p.K, p.OH, p.OW, p.kh, p.kw, p.sh, p.sw, p.pt, p.pl,
                                        static_cast<int>(L)};
    by_block_pairs(N, [&](int64_t n, const float* res, float* yn, int64_t oy0, int64_t oy1, int64_t kb0, int64_t kb1) {
      k.direct(dp, x + n * p.C * p.H * p.W, pw.w.get(), pw.bias.data(), res, act, yn, oy0, oy1, kb0, kb1);
    });
    return;
  }
  if (plan.kind == NchwcConvPlan::general) {
    // The input zero-padded once per call (rows the taps reach, in parallel), so the kernel reads
    // without bounds checks; unpadded problems read x as it is.
    const int64_t Hp = (p.OH - 1) * p.sh + (p.kh - 1) * p.dh + 1, Wp = (p.OW - 1) * p.sw + (p.kw - 1) * p.dw + 1;
    const bool copy = p.pt > 0 || p.pl > 0 || Hp > p.H || Wp > p.W;
    const kernels::NchwcConvParams cp{p.C, copy ? Hp : p.H, copy ? Wp : p.W, p.K, p.OH, p.OW, p.kh, p.kw,
                                      p.sh, p.sw, p.dh, p.dw, static_cast<int>(L)};
    const int64_t xplane = cp.Hp * cp.Wp * L;
    thread_local std::vector<float> xpad_buf;  // the caller's; workers use the pointer
    const float* xs = x;
    if (copy) {
      float* const xp = aligned_scratch(xpad_buf, N * Cb * xplane);
      core::parallel_for(N * Cb * Hp, grain(Wp * L), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r)
          copy_padded_row_blocked(x + r / Hp * p.H * p.W * L, p.H, p.W, p.pt, p.pl, r % Hp, Wp, L, xp + r * Wp * L);
      });
      xs = xp;
    }
    by_block_pairs(N, [&](int64_t n, const float* res, float* yn, int64_t oy0, int64_t oy1, int64_t kb0, int64_t kb1) {
      k.conv(cp, xs + n * Cb * xplane, pw.w.get(), pw.bias.data(), res, act, yn, oy0, oy1, kb0, kb1);
    });
    trim_scratch(xpad_buf);
    return;
  }
  if (plan.kind == NchwcConvPlan::depthwise) {
    const kernels::NchwcDwParams dp{p.H, p.W, p.OH, p.OW, p.kh, p.kw, p.sh, p.sw, p.pt, p.pl, p.dh, p.dw,
                                    static_cast<int>(L)};
    // Tasks: (image, block, band of rows), bands only when blocks alone are too few to share.
    // At batch 1 on planes of enough rows, one band per thread, band-major: a thread's own region
    // (core/parallel.h) is then its rows of every block, the pixels a pointwise layer before or
    // after splits to the same thread (its tasks go by pixel ranges), so its input is in its own
    // L2. Measured in-process: MobileNetV2 0.976-0.988x, EfficientNet-style 0.98x.
    const bool rows_first = N == 1 && threads > 1 && p.OH >= 4 * threads;
    const int64_t bands = rows_first ? threads : std::min(p.OH, div_up(4 * threads, N * Kb));
    const int64_t taps = p.kh * p.kw;
    core::parallel_for(N * Kb * bands, grain(out_plane / bands * taps), [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        int64_t band = t % bands, kb = (t / bands) % Kb, n = t / (bands * Kb);
        if (rows_first) band = t / Kb, kb = t % Kb;
        const int64_t oy0 = band * p.OH / bands, oy1 = (band + 1) * p.OH / bands;
        const int64_t plane = n * Kb + kb;
        const float* res = e.residual ? e.residual + plane * out_plane : nullptr;
        float* yp = y + plane * out_plane;
        k.depthwise(dp, x + (n * Cb + kb) * in_plane, pw.w.get() + kb * taps * L, pw.bias.data() + kb * L, res, act,
                    yp, oy0, oy1);
        if (epi) epi->run(yp + oy0 * p.OW * L, yp + oy0 * p.OW * L, (oy1 - oy0) * p.OW * L, nullptr, 0, e.act);
      }
    });
    return;
  }
  const int64_t HW = p.H * p.W, HWo = p.OH * p.OW;
  kernels::NchwcPwParams pp{p.C, p.K, HW, static_cast<int>(L)};
  pp.S = p.sh;
  pp.W = p.W;
  pp.OW = p.OW;
  pp.HWo = HWo;
  // Tasks: (image, output pixel range, range of output block pairs). Pixel ranges of about 128
  // keep a range's input (128 x C floats) in L2 while each pair of output blocks passes over it;
  // small planes (7x7, 14x14) split the output blocks instead.
  const int64_t pairs = div_up(Kb, 2);
  const int64_t pchunks = std::max<int64_t>(1, std::min(div_up(HWo, 128), HWo / 16));
  const int64_t kgroups = std::min(pairs, div_up(4 * threads, N * pchunks));
  core::parallel_for(N * pchunks * kgroups, grain(HWo / pchunks * Kb / kgroups * L * p.C), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t kg = t % kgroups, pc = (t / kgroups) % pchunks, n = t / (kgroups * pchunks);
      const int64_t q0 = pc * HWo / pchunks, q1 = (pc + 1) * HWo / pchunks;
      const int64_t kb0 = std::min(Kb, kg * pairs / kgroups * 2), kb1 = std::min(Kb, (kg + 1) * pairs / kgroups * 2);
      const float* res = e.residual ? e.residual + n * Kb * HWo * L : nullptr;
      float* yn = y + n * Kb * HWo * L;
      k.pointwise(pp, x + n * Cb * HW * L, pw.w.get(), pw.bias.data(), res, act, yn, q0, q1, kb0, kb1);
      if (epi)
        for (int64_t kb = kb0; kb < kb1; ++kb) {
          float* r = yn + (kb * HWo + q0) * L;
          epi->run(r, r, (q1 - q0) * L, nullptr, 0, e.act);
        }
    }
  });
}

// Scratch per thread for a separable block: the expansion's rows and the depthwise output's
// rows of every block, so they stay in L2 between the kernel that writes them and the one that
// reads them.
constexpr int64_t kSeparableScratchBytes = 384 << 10;

void run_separable_nchwc(const NchwcStage& ex, const NchwcStage& dw, const NchwcStage& pj, const float* x, float* y,
                         const float* residual) {
  const auto& p = dw.plan->conv.p;  // the depthwise problem; its input plane is the expansion's output
  const int64_t L = dw.plan->L, N = dw.plan->conv.N, Kb = div_up(p.K, L);
  // A first layer as the expansion reads x as NCHW (direct kernel), a pointwise one blocked.
  const bool stem = ex.plan && ex.plan->kind == NchwcConvPlan::direct;
  const auto& q = ex.plan ? ex.plan->conv.p : p;
  const int64_t x_image = stem ? q.C * q.H * q.W : div_up(q.C, L) * q.H * q.W * L;
  const int64_t Pb = pj.plan ? div_up(pj.plan->conv.p.K, L) : Kb;      // blocks of y
  const auto& k = select_nchwc(L, "conv2d:separable");
  auto epi_of = [](const NchwcStage& st, int64_t n) {
    return st.plan && !kernels::is_piecewise_linear(st.e.act.kind) ? &select_bias_act(st.e.act, n) : nullptr;
  };
  const ActivationSpec act_ex = fused_act(ex.e), act_dw = fused_act(dw.e), act_pj = fused_act(pj.e);
  const kernels::BiasAct *epi_ex = epi_of(ex, L * p.W), *epi_dw = epi_of(dw, L * p.OW), *epi_pj = epi_of(pj, L * p.OW);
  const int64_t in_plane = p.H * p.W * L, out_plane = p.OH * p.OW * L, row = p.W * L, orow = p.OW * L;
  const int64_t taps = p.kh * p.kw, reach = (p.kh - 1) * p.dh + 1;
  // Output rows per step, as many as fit the scratch (at least one): the expansion's rows they
  // read, (step - 1) * sh + reach of them, and the step's depthwise rows.
  const int64_t ex_row = ex.plan ? Kb * row * 4 : 0, dw_row = pj.plan ? Kb * orow * 4 : 0;
  const int64_t step = std::max<int64_t>(
      1, (kSeparableScratchBytes - (reach - p.sh) * ex_row) / std::max<int64_t>(1, p.sh * ex_row + dw_row));
  const int64_t span = (step - 1) * p.sh + reach;  // expansion rows per block
  // Tasks: (image, band of output rows), a multiple of the thread count where the rows allow;
  // each task walks its band top to bottom, so the rows two steps share are made once (bands
  // repeat only their edge rows).
  const int64_t threads = get_num_threads();
  const int64_t bands = std::min(p.OH, threads / std::gcd(N, threads));
  kernels::NchwcPwParams epp{q.C, p.C, p.H * p.W, static_cast<int>(L)};  // a pointwise expansion
  epp.ystride = span * p.W;
  kernels::NchwcPwParams ppp{p.K, pj.plan ? pj.plan->conv.p.K : p.K, step * p.OW, static_cast<int>(L)};
  ppp.ystride = p.OH * p.OW;
  core::parallel_for(N * bands, 1, [&](int64_t t0, int64_t t1) {
    thread_local std::vector<float> ex_buf, dw_buf;
    float* const se = ex.plan ? aligned_scratch(ex_buf, Kb * span * row) : nullptr;
    float* const sd = pj.plan ? aligned_scratch(dw_buf, Kb * step * orow) : nullptr;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t n = t / bands, band = t % bands;
      const int64_t oy0 = band * p.OH / bands, oy1 = (band + 1) * p.OH / bands;
      const float* xn = x + n * x_image;
      float* const yn = y + n * Pb * out_plane;
      const float* const rn = residual ? residual + n * Pb * out_plane : nullptr;
      int64_t have0 = 0, have1 = 0;  // expansion rows [have0, have1) are in its scratch rows 0..
      for (int64_t o0 = oy0; o0 < oy1; o0 += step) {
        const int64_t o1 = std::min(oy1, o0 + step);
        const int64_t top = o0 * p.sh - p.pt;  // input row of tap 0 of output row o0
        const int64_t i0 = std::clamp<int64_t>(top, 0, p.H);
        const int64_t i1 = std::clamp<int64_t>((o1 - 1) * p.sh - p.pt + reach, i0, p.H);
        // The depthwise input rows i0.. : the expansion's, made into the scratch (rows the last
        // step made and this one reads again move to the top of each block), or x's own.
        const float* src = xn + i0 * row;
        int64_t src_block = in_plane;
        if (ex.plan) {
          const int64_t keep = have1 > i0 && i0 >= have0 ? have1 - i0 : 0;
          if (keep && i0 > have0)
            for (int64_t kb = 0; kb < Kb; ++kb) {
              float* sb = se + kb * span * row;
              std::memmove(sb, sb + (i0 - have0) * row, static_cast<size_t>(keep * row) * sizeof(float));
            }
          if (i1 > i0 + keep) {
            if (stem) {  // its output rows i0.. as rows 0.. of a span-row plane: padding moved up by i0 rows
              const kernels::NchwcDirectParams sp{q.C, q.H, q.W, q.K, span, q.OW, q.kh, q.kw, q.sh, q.sw,
                                                  q.pt - i0 * q.sh, q.pl, static_cast<int>(L)};
              k.direct(sp, xn, ex.w->w.get(), ex.w->bias.data(), nullptr, act_ex, se, keep, i1 - i0, 0, Kb);
            } else {
              k.pointwise(epp, xn + i0 * row, ex.w->w.get(), ex.w->bias.data(), nullptr, act_ex, se, keep * p.W,
                          (i1 - i0) * p.W, 0, Kb);
            }
            if (epi_ex)
              for (int64_t kb = 0; kb < Kb; ++kb) {
                float* r = se + kb * span * row + keep * row;
                epi_ex->run(r, r, (i1 - i0 - keep) * row, nullptr, 0, ex.e.act);
              }
          }
          have0 = i0, have1 = i1;
          src = se, src_block = span * row;
        }
        // The depthwise rows [o0, o1): into the projection's scratch, or y.
        const kernels::NchwcDwParams dp{i1 - i0, p.W, o1 - o0, p.OW, p.kh, p.kw, p.sh, p.sw,
                                        i1 > i0 ? i0 - top : 0, p.pl, p.dh, p.dw, static_cast<int>(L)};
        for (int64_t kb = 0; kb < Kb; ++kb) {
          float* d = pj.plan ? sd + kb * step * orow : yn + kb * out_plane + o0 * orow;
          const float* r = !pj.plan && rn ? rn + kb * out_plane + o0 * orow : nullptr;
          k.depthwise(dp, src + kb * src_block, dw.w->w.get() + kb * taps * L, dw.w->bias.data() + kb * L, r, act_dw,
                      d, 0, o1 - o0);
          if (epi_dw) epi_dw->run(d, d, (o1 - o0) * orow, nullptr, 0, dw.e.act);
        }
        if (!pj.plan) continue;
        // The projection of those rows, into y.
        k.pointwise(ppp, sd, pj.w->w.get(), pj.w->bias.data(), rn ? rn + o0 * orow : nullptr, act_pj, yn + o0 * orow,
                    0, (o1 - o0) * p.OW, 0, Pb);
        if (epi_pj)
          for (int64_t kb = 0; kb < Pb; ++kb) {
            float* r = yn + kb * out_plane + o0 * orow;
            epi_pj->run(r, r, (o1 - o0) * orow, nullptr, 0, pj.e.act);
          }
      }
    }
  });
}

namespace {

template <bool To>
void run_reorder(int64_t N, int64_t C, int64_t HW, int64_t L, const float* x, float* y) {
  const auto& k = select_nchwc(L, To ? "to_nchwc" : "from_nchwc");
  const int64_t Cb = div_up(C, L);
  // Tasks: (image, block, range of pixels), ranges of 512 pixels (a multiple of every L).
  const int64_t ranges = div_up(HW, 512);
  core::parallel_for(N * Cb * ranges, grain(512 * L), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t r = t % ranges, cb = (t / ranges) % Cb, n = t / (ranges * Cb);
      const int64_t q0 = r * 512, q1 = std::min(HW, q0 + 512);
      if (To)
        k.to_blocked(x + n * C * HW, C, HW, static_cast<int>(L), y + n * Cb * HW * L, cb, q0, q1);
      else
        k.from_blocked(x + n * Cb * HW * L, C, HW, static_cast<int>(L), y + n * C * HW, cb, q0, q1);
    }
  });
}

}  // namespace

void run_global_avg_pool_nchwc(int64_t N, int64_t C, int64_t HW, int64_t L, const float* x, float* y) {
  const auto& k = select_nchwc(L, "global_avg_pool");
  const int64_t Cb = div_up(C, L);
  core::parallel_for(N * Cb, grain(HW * L), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t cb = t % Cb, n = t / Cb;
      k.global_avg_pool(x + t * HW * L, HW, static_cast<int>(L), std::min(L, C - cb * L), y + n * C + cb * L);
    }
  });
}

void run_scale_nchwc(int64_t N, int64_t C, int64_t HW, int64_t L, const float* x, const float* s, float* y) {
  const auto& k = select_nchwc(L, "scale");
  const int64_t Cb = div_up(C, L);
  core::parallel_for(N * Cb, grain(HW * L), [&](int64_t t0, int64_t t1) {
    float sb[64] = {};  // the block's scales, zero past C (L <= 64)
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t cb = t % Cb, n = t / Cb, nch = std::min(L, C - cb * L);
      std::copy(s + n * C + cb * L, s + n * C + cb * L + nch, sb);
      std::fill(sb + nch, sb + L, 0.f);
      k.scale(x + t * HW * L, sb, HW, static_cast<int>(L), y + t * HW * L);
    }
  });
}

void run_to_nchwc(int64_t N, int64_t C, int64_t HW, int64_t L, const float* x, float* y) {
  run_reorder<true>(N, C, HW, L, x, y);
}
void run_from_nchwc(int64_t N, int64_t C, int64_t HW, int64_t L, const float* x, float* y) {
  run_reorder<false>(N, C, HW, L, x, y);
}

}  // namespace cnncore::ops
