// Stride-1 convolution by Winograd on 6x6 input windows: F(4x4, 3x3) makes a 4x4 output tile
// with 36 multiplies per input/output channel pair instead of 144 (2.25 instead of 9 per
// output), F(3x3, 4x4) a 3x3 tile with 36 instead of 144 (4 instead of 16), F(2x2, 5x5) a 2x2
// tile with 36 instead of 100 (9 instead of 25). All share the input transform and the GEMMs;
// they differ in the filter and output transforms. Steps, per block of
// tiles:
//   1. the input is copied once, zero-padded, into channel blocks of `lanes` (NCHWc), so a tile's
//      transform is vector work across channels (kernels/winograd);
//   2. input transform V[xi][tile][c] = B^T d B, for the block's tiles;
//   3. 36 GEMMs M[xi] = V[xi] (tiles x C) * U[xi] (C x K) on the GEMM microkernel, reading V
//      row-major; U = G g G^T was computed once at pack time, in NR-column panels;
//   4. output transform A^T m A + bias, scattered into the NCHW output (4x4, 3x3 or 2x2 pixels).
// Residual and activation follow in one pass per plane, in the unfused order. Every tile's
// arithmetic is independent of the blocking and thread count, so results are bitwise stable.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "ops/conv_gemm.h"
#include "ops/op_util.h"
#include "ops/padded_plane.h"

namespace cnncore::ops {
namespace {

constexpr int kXi = 36;             // transformed tile size (6 x 6)
constexpr int64_t kKc = 256;         // input-channel chunk of the GEMMs
constexpr int64_t kBlockBytes = 384 << 10;  // V of one tile block: about a third of L2, but
// at least 32 tiles: each task reads its U panels once per block, and U (36 x C x K floats) is
// 2-38 MB in ResNet and VGG, so blocks of 6-8 tiles (256 channels and up) left the GEMM waiting
// on U from L3 or memory. Measured in-process against the L2 rule alone, 2 threads: VGG-16
// 0.89-0.93x the time (AVX2 0.67-0.69x), ResNet-50 0.97-1.00x (AVX2 0.92x), ResNet-18 and
// GoogLeNet 0.99-1.00x (AVX2 0.95x).
constexpr int64_t kMinBlockTiles = 32;

struct Tiles {
  int64_t m, ty, tx, per_image, total;  // m: output tile side (4 for 3x3 filters, 3 for 4x4, 2 for 5x5)
};

Tiles tiles_of(const ConvPlan& plan) {
  const int64_t m = 7 - plan.p.kh;  // 6x6 windows: 4x4 tiles at 3x3, 3x3 at 4x4, 2x2 at 5x5
  const int64_t ty = div_up(plan.p.OH, m), tx = div_up(plan.p.OW, m);
  return {m, ty, tx, ty * tx, plan.N * ty * tx};
}

std::string algo_name(int64_t k) {
  return k == 3 ? "winograd F(4x4,3x3)" : k == 4 ? "winograd F(3x3,4x4)" : "winograd F(2x2,5x5)";
}

std::string describe(const ConvPlan& plan) {
  const auto& p = plan.p;
  return "conv2d:n" + str(plan.N) + "ic" + str(p.C) + "ih" + str(p.H) + "iw" + str(p.W) + "_oc" + str(p.K) + "_" +
         str(p.kh) + "x" + str(p.kw) + "s1";
}

}  // namespace

namespace {
// min_channels: input channels below which the transforms are not amortised (16; 8 for a
// space-to-depth fold, measured below).
bool choose(const ConvPlan& plan, bool once, bool log, int64_t min_channels = 16);
}  // namespace

bool choose_winograd(const ConvPlan& plan, bool once) { return choose(plan, once, true); }
bool winograd_chosen(const ConvPlan& plan) { return choose(plan, true, false); }

namespace {
bool choose(const ConvPlan& plan, bool once, bool log, int64_t min_channels) {
  const auto& p = plan.p;
  const bool fits = !plan.transposed && p.groups == 1 && p.kh == p.kw && p.kh >= 3 && p.kh <= 5 && p.sh == 1 &&
                    p.sw == 1 && p.dh == 1 && p.dw == 1;
  if (!fits) return false;
  std::string mode = "auto";
  if (const char* env = std::getenv("CNNCORE_CONV_ALGO")) mode = env;
  if (mode != "auto" && mode != "gemm" && mode != "winograd")
    throw InvalidArgument("CNNCORE_CONV_ALGO must be auto, gemm or winograd, got '" + mode + "'");
  const Tiles t = tiles_of(plan);
  // Winograd does 36 multiplies per 4x4 tile where the GEMM does 144 (per 2x2 tile: 100), but
  // pays for transforms (a cost per tile and channel that few channels do not amortise), for the
  // tile grid's overhang past the output edge, and for reading U, 4x (1.44x) the weights' size.
  const double waste = static_cast<double>(t.m * t.m * t.per_image) / static_cast<double>(p.OH * p.OW);
  const char* why = nullptr;
  bool use = false;
  if (mode != "auto") {
    use = mode == "winograd";
    why = "set by CNNCORE_CONV_ALGO";
  } else if (!once) {
    why = "weights packed per call: transforming the filters costs more than it saves";
  } else if (p.C < min_channels || p.K < 16) {
    why = "too few channels to amortise the transforms";
  } else if (t.per_image < 16) {
    // Small planes: U (4x the weights) streams from memory for few tiles; measured no faster in
    // ResNet-18/50 at 7x7, whatever the batch. Deciding per image keeps batch rows identical.
    why = "fewer than 16 tiles per image (a 13x13 output at 3x3, 7x7 at 5x5)";
  } else if (waste > 1.6) {  // 13x13 (1.51) still measured 1.6-3x faster (AlexNet conv3-5)
    why = "the 4x4 tile grid overhangs the output by more than 60%";
  } else {
    use = true;
    why = "stride 1 with enough channels and tiles";
  }
  if (log && core::verbose("dispatch"))
    core::log_line("dispatch conv-algo " + describe(plan) + " -> " +
                   (use ? algo_name(p.kh) : "gemm") + " (" + why + ")");
  return use;
}
}  // namespace

void pack_winograd(const ConvPlan& plan, const float* w, PackedConv& pw) {
  const auto& p = plan.p;
  const auto& k = core::select_kernel(
      "winograd", kernels::kWinogradKernels,
      [](const core::Kernel<const kernels::WinogradKernel*>& c) -> const char* {
        return c.isa == Isa::scalar ? "the reference convolution runs at the scalar level" : nullptr;
      },
      [&] { return describe(plan); });
  pw.wk = k.fn;
  if (static_cast<int>(k.isa) > static_cast<int>(pw.isa)) pw.isa = k.isa;
  const int nr = pw.uk->nr;
  const int64_t npan = div_up(p.K, nr);
  const int64_t n = kXi * npan * p.C * nr;
  pw.data = aligned_floats(n);
  float* u = pw.data.get();
  std::fill(u, u + n, 0.f);
  float t[kXi];
  // U[xi] in NR-column panels: panel np of xi starts at (xi*npan + np)*C*NR, row c holds NR channels
  const int r = static_cast<int>(p.kh);
  for (int64_t oc = 0; oc < p.K; ++oc)
    for (int64_t c = 0; c < p.C; ++c) {
      kernels::winograd_filter(w + (oc * p.C + c) * r * r, r, t);
      for (int xi = 0; xi < kXi; ++xi) u[((xi * npan + oc / nr) * p.C + c) * nr + oc % nr] = t[xi];
    }
}

void run_conv_winograd(const ConvPlan& plan, const PackedConv& pw, const float* x, const float* b, float* y,
                       const Epilogue& e, bool blocked) {
  const auto& p = plan.p;
  const kernels::GemmUkernel& uk = *pw.uk;
  const kernels::WinogradKernel& wk = *pw.wk;
  const int L = wk.lanes, mr = uk.mr, nr = uk.nr;
  const Tiles tl = tiles_of(plan);
  const int64_t tm = tl.m;  // output tile side; windows are tm + kh - 1 = 6 wide
  const int64_t C = p.C, K = p.K, Cb = div_up(C, L), Cv = Cb * L;
  const int64_t Hp = tm * tl.ty + p.kh - 1, Wp = tm * tl.tx + p.kw - 1, plane_c = Hp * Wp * L;  // one channel block
  const auto out_tile = tm == 4 ? wk.output : tm == 3 ? wk.output3 : wk.output2;
  const auto out_px = tm == 4 ? wk.output_px : tm == 3 ? wk.output3_px : wk.output2_px;
  const int64_t Kb = div_up(K, L);
  const int64_t npan = div_up(K, nr), OHW = p.OH * p.OW;

  // 1. zero-padded NCHWc copy; one task per (image, channel block, padded row)
  thread_local std::vector<float> xc_buf;  // the caller's; workers use the pointer
  float* const xc = aligned_scratch(xc_buf, plan.N * Cb * plane_c);
  core::parallel_for(plan.N * Cb * Hp, grain(Wp * L), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t row = r % Hp, cb = (r / Hp) % Cb, img = r / (Hp * Cb);
      float* dst = xc + r * Wp * L;
      if (blocked) {  // the row is already in blocks of L channels
        copy_padded_row_blocked(x + r / Hp * p.H * p.W * L, p.H, p.W, p.pt, p.pl, row, Wp, L, dst);
        continue;
      }
      const PaddedRow pr = zero_row_padding(row, p.H, p.W, p.pt, p.pl, Wp, L, dst);
      if (pr.c1 <= pr.c0) continue;
      const int nch = static_cast<int>(std::min<int64_t>(L, C - cb * L));
      wk.pack(x + ((img * C + cb * L) * p.H + pr.iy) * p.W + (pr.c0 - p.pl), p.H * p.W, nch, pr.c1 - pr.c0, L,
              dst + pr.c0 * L);
    }
  });

  // ReLU and clip (ReLU6) fuse into the output transform as a clamp when no residual comes
  // between them and the bias; otherwise the activation runs in the pass after.
  const Activation ak = e.act.kind;
  const bool fuse_act = !e.residual && (ak == Activation::relu || ak == Activation::clip);
  const float inf = std::numeric_limits<float>::infinity();
  const float lo = !fuse_act ? -inf : ak == Activation::relu ? 0.f : e.act.alpha;
  const float hi = !fuse_act ? inf : ak == Activation::relu ? inf : e.act.beta;

  // Bias per output channel, zero-padded to whole panels (the output transform adds a vector).
  std::vector<float> bias(static_cast<size_t>(npan * nr), 0.f);
  if (b) std::copy(b, b + K, bias.begin());

  // 2-4. tasks: blocks of whole tile panels and of output-channel panels. A task reads all its
  // channels' U and all its tiles' V, so the split goes first along the axis whose repeat costs
  // less: channels when U (C x K per xi) outweighs V (tiles x C per xi), as in late, small layers.
  // A block's V and accumulators stay within L2 unless that would leave fewer than 32 tiles.
  const int64_t threads = get_num_threads(), want = 2 * threads, tpan = div_up(tl.total, mr);
  const int64_t per_block = std::max(div_up(kMinBlockTiles, mr), std::min(kBlockBytes / (kXi * 4 * Cv * mr),
                                                                          kBlockBytes / (kXi * 4 * nr * mr)));
  int64_t tblocks = div_up(tpan, per_block), kblocks = 1;
  auto split = [&](int64_t& blocks, int64_t panels) {
    while (tblocks * kblocks < want && blocks < panels) ++blocks;
  };
  if (K > tl.total) {
    split(kblocks, npan);
    split(tblocks, tpan);
  } else {
    split(tblocks, tpan);
    split(kblocks, npan);
  }
  if ((tblocks * kblocks) % threads != 0 && tblocks < tpan) {
    int64_t t2 = tblocks;
    while ((t2 * kblocks) % threads != 0 && t2 < tpan) ++t2;
    if ((t2 * kblocks) % threads == 0) tblocks = t2;
  }
  const int64_t tb_max = div_up(tpan, tblocks) * mr;  // tiles in the largest block
  // The 36 transformed values of a tile are written (V) and read (acc) 36 strides apart; one extra
  // cache line per stride spreads them over the L1 sets instead of piling them into a few.
  const int64_t ldv = tb_max * Cv + 16, ldm = tb_max * nr + 16;
  const int64_t work = tb_max * C * kXi * std::min(K, div_up(npan, kblocks) * nr);

  core::parallel_for(tblocks * kblocks, grain(work), [&](int64_t q0, int64_t q1) {
    thread_local std::vector<float> v, acc, yt;
    float* const vd = aligned_scratch(v, kXi * ldv);
    float* const accd = aligned_scratch(acc, kXi * ldm);
    float* const ytd = aligned_scratch(yt, 16 * L);
    for (int64_t q = q0; q < q1; ++q) {
      const int64_t tb = q / kblocks, kb = q % kblocks;
      const int64_t t0 = tb * tpan / tblocks * mr, t1 = std::min(tl.total, (tb + 1) * tpan / tblocks * mr);
      const int64_t np0 = kb * npan / kblocks, np1 = (kb + 1) * npan / kblocks;
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t img = t / tl.per_image, ty = (t % tl.per_image) / tl.tx, tx = t % tl.tx;
        const float* src = xc + img * Cb * plane_c + (tm * ty * Wp + tm * tx) * L;
        for (int64_t cb = 0; cb < Cb; ++cb)
          wk.input(src + cb * plane_c, Wp * L, L, vd + (t - t0) * Cv + cb * L, ldv);
      }
      for (int64_t np = np0; np < np1; ++np) {
        const int64_t k0 = np * nr;
        const int n = static_cast<int>(std::min<int64_t>(nr, K - k0));
        // each U panel (kc x NR) is read once per task and used for all the block's tile panels
        for (int64_t c0 = 0; c0 < C; c0 += kKc) {
          const int64_t kc = std::min(kKc, C - c0);
          for (int xi = 0; xi < kXi; ++xi) {
            const float* u = pw.data.get() + ((xi * npan + np) * C + c0) * nr;
            for (int64_t i0 = t0; i0 < t1; i0 += mr)
              uk.run_rows(kc, vd + xi * ldv + (i0 - t0) * Cv + c0, Cv, u, accd + xi * ldm + (i0 - t0) * nr,
                          nr, static_cast<int>(std::min<int64_t>(mr, t1 - i0)), n, c0 > 0);
          }
        }
        for (int64_t i0 = t0; i0 < t1; i0 += mr) {
          const int m = static_cast<int>(std::min<int64_t>(mr, t1 - i0));
          for (int i = 0; i < m; ++i) {
            const int64_t t = i0 + i, img = t / tl.per_image, ty = (t % tl.per_image) / tl.tx, tx = t % tl.tx;
            const int64_t rows = std::min(tm, p.OH - tm * ty), cols = std::min(tm, p.OW - tm * tx);
            for (int j = 0; j * L < n; ++j) {
              const float* mj = accd + (i0 - t0 + i) * nr + j * L;
              if (blocked) {  // pixel vectors into block (k0 + j*L) / L; lanes past K are zero
                const int lanes = static_cast<int>(std::min<int64_t>(L, n - j * L));
                float* yo = y + (((img * Kb + (k0 + j * L) / L) * p.OH + tm * ty) * p.OW + tm * tx) * L;
                if (rows == tm && cols == tm && lanes == L) {
                  out_px(mj, ldm, bias.data() + k0 + j * L, lo, hi, L, yo, p.OW * L);
                  continue;
                }
                out_px(mj, ldm, bias.data() + k0 + j * L, lo, hi, L, ytd, tm * L);
                for (int64_t r = 0; r < rows; ++r)
                  for (int64_t c = 0; c < cols; ++c)
                    for (int l = 0; l < L; ++l) yo[(r * p.OW + c) * L + l] = l < lanes ? ytd[(r * tm + c) * L + l] : 0.f;
                continue;
              }
              float* yo = y + ((img * K + k0 + j * L) * p.OH + tm * ty) * p.OW + tm * tx;
              const int lanes = static_cast<int>(std::min<int64_t>(L, n - j * L));
              if (rows == tm && cols == tm && lanes == L) {
                out_tile(mj, ldm, bias.data() + k0 + j * L, lo, hi, L, yo, OHW, p.OW);
                continue;
              }
              out_tile(mj, ldm, bias.data() + k0 + j * L, lo, hi, L, ytd, tm * tm, tm);  // edge tile: keep what fits
              for (int l = 0; l < lanes; ++l)
                for (int64_t r = 0; r < rows; ++r)
                  for (int64_t c = 0; c < cols; ++c) yo[l * OHW + r * p.OW + c] = ytd[l * tm * tm + tm * r + c];
            }
          }
        }
      }
    }
  });

  trim_scratch(xc_buf);

  if (e.active() && !fuse_act && blocked) {  // the same, over the blocked tensor as one array
    const int64_t total = plan.N * Kb * OHW * L, chunk = 16 * 1024;
    const kernels::BiasAct& epi = select_bias_act(e.act, chunk);
    core::parallel_for(div_up(total, chunk), 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        const int64_t o = c * chunk, len = std::min(chunk, total - o);
        epi.run(y + o, y + o, len, e.residual ? e.residual + o : nullptr, 1, e.act);
      }
    });
    return;
  }
  if (e.active() && !fuse_act) {  // + residual, then the activation (bias is already in)
    const kernels::BiasAct& epi = select_bias_act(e.act, OHW);
    core::parallel_for(plan.N * K, grain(OHW), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c)
        epi.run(y + c * OHW, y + c * OHW, OHW, e.residual ? e.residual + c * OHW : nullptr, 1, e.act);
    });
  }
}

// ------------------------------------------------------------ strided: space to depth first
// A stride-s convolution whose filter spans 2s < k <= 4s (AlexNet's 11x11 at stride 4, ResNet's
// 7x7 at stride 2) is a stride-1 f x f convolution, f = ceil(k/s) = 3 or 4, over s*s times the
// channels: folded channel (c, ry, rx) is the phase of zero-padded plane c at rows i*s + ry,
// columns j*s + rx, and its tap (ty, tx) is tap (ty*s + ry, tx*s + rx) of the filter (zero past
// k). Winograd F(4x4,3x3) or F(3x3,4x4) then does 36/16 or 36/9 multiplies per output and folded
// channel pair: AlexNet conv1 36 against the GEMM's 121 per channel, ResNet conv1 16 against 49.

namespace {
bool s2d_fits(const ConvPlan& plan) {
  const auto& p = plan.p;
  const int64_t s = p.sh;
  return !plan.transposed && p.groups == 1 && s >= 2 && p.sw == s && p.dh == 1 && p.dw == 1 && p.kh == p.kw &&
         2 * s < p.kh && p.kh <= 4 * s;
}

int64_t folded_size(const ConvPlan& plan) { return div_up(plan.p.kh, plan.p.sh); }
}  // namespace

ConvPlan s2d_plan(const ConvPlan& plan) {
  ConvPlan f = plan;  // same batch, output channels, output size
  auto& q = f.p;
  const int64_t s = plan.p.sh;
  const PhasePlanes ph = phase_planes(plan.p);  // s x s phases (k > 2s), OH + fk - 1 rows each
  q.C = plan.p.C * s * s;
  q.H = ph.Hq;
  q.W = ph.Wq;
  q.kh = q.kw = folded_size(plan);
  q.sh = q.sw = 1;
  q.pt = q.pl = 0;
  return f;
}

bool choose_s2d_winograd(const ConvPlan& plan, bool once) {
  if (!s2d_fits(plan)) return false;
  const ConvPlan f = s2d_plan(plan);
  // Folded channels from 8 up: RGB first layers fold into 12 at stride 2. Against the GEMM,
  // in-process: 7x7 stride 2 (ResNet, GoogLeNet) 0.72-0.85x at batch 1 and 0.69-0.78x at 8,
  // 5x5 0.69-0.85x, 6x6 0.62-0.69x, two channels (8 folded) 0.90x; one channel (4) 1.44x.
  const bool use = choose(f, once, false, 8);
  if (core::verbose("dispatch")) {
    const auto& p = plan.p;
    core::log_line("dispatch conv-algo conv2d:n" + str(plan.N) + "ic" + str(p.C) + "ih" + str(p.H) + "iw" + str(p.W) +
                   "_oc" + str(p.K) + "_" + str(p.kh) + "x" + str(p.kw) + "s" + str(p.sh) + " -> " +
                   (use ? "space-to-depth (" + str(f.p.C) + " channels at stride 1), then " + algo_name(f.p.kh)
                        : "gemm (its space-to-depth form, " + describe(f) + ", would not take Winograd)"));
  }
  return use;
}

void pack_s2d_winograd(const ConvPlan& plan, const float* w, PackedConv& pw) {
  const auto& p = plan.p;
  const int64_t s = p.sh, k = p.kh, Cf = p.C * s * s, fk = folded_size(plan);
  std::vector<float> wf(static_cast<size_t>(p.K * Cf * fk * fk), 0.f);
  for (int64_t oc = 0; oc < p.K; ++oc)
    for (int64_t c = 0; c < p.C; ++c)
      for (int64_t ky = 0; ky < k; ++ky)
        for (int64_t kx = 0; kx < k; ++kx) {
          const int64_t cf = (c * s + ky % s) * s + kx % s;
          wf[static_cast<size_t>(((oc * Cf + cf) * fk + ky / s) * fk + kx / s)] = w[((oc * p.C + c) * k + ky) * k + kx];
        }
  pack_winograd(s2d_plan(plan), wf.data(), pw);
  pw.s2d = s;
}

void run_conv_s2d_winograd(const ConvPlan& plan, const PackedConv& pw, const float* x, const float* b, float* y,
                           const Epilogue& e) {
  const auto& p = plan.p;
  // The GEMM's phase planes of the input are the folded input (s2d_plan's H x W): phase (ry, rx)
  // of plane c is channel (c*s + ry)*s + rx.
  const ConvPlan f = s2d_plan(plan);
  const PhasePlanes ph = phase_planes(p);
  thread_local std::vector<float> folded;  // the caller's; workers use the pointer
  folded.resize(static_cast<size_t>(plan.N * p.C * ph.floats()));
  float* const xf = folded.data();
  copy_phase_planes(plan, ph, x, xf);
  run_conv_winograd(f, pw, xf, b, y, e);
  trim_scratch(folded);
}

}  // namespace cnncore::ops
