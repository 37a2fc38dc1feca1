// Convolution as GEMM: per image and group, Y[M, OH*OW] = W[M, K] x im2col(X)[K, OH*OW].
// Weights are packed once into MR-row panels; the patch matrix is never formed: its NR-column
// panels are copied from zero-padded phase planes of the input ("shifted rows", or X itself for
// a plain 1x1) into a thread-local buffer, K blocked in chunks of kKc so a chunk's panels stay
// in cache, or run as one chunk (one_chunk). Work is split over (image, group, channel block,
// spatial block); every output element is reduced by one thread, in the same order for any
// thread count.
#include "ops/conv_gemm.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "ops/op_util.h"
#include "ops/padded_plane.h"

namespace cnncore::ops {
namespace {

constexpr int64_t kKc = 256;  // K chunk
constexpr int64_t kNb = 192;  // largest spatial block (a multiple of every NR)

// Whether K runs as one chunk instead of kKc-row chunks. One chunk is the A-outer order of
// run_conv_gemm: each weight panel is read once, and its output rows are written in long runs.
// Measured in-process against 256-row chunks (one layer, 2 threads): K <= 1152 0.91-0.99x the
// time (AlexNet conv1, 1x1s of 320-1024 channels, 3x3 stride 2 on 64-128 channels); outputs of
// at most 64 pixels 0.82-0.96x (3x3 on 512 channels at 7x7: 0.82), where with the B panel outer
// every weight is streamed once per panel. Larger K on larger planes measured 1.02-1.04x.
bool one_chunk(const kernels::ConvParams& p, int64_t K) { return K <= 1152 || p.OH * p.OW <= 64; }

// A 1x1 convolution whose input and output planes are 1x1 (no padding): a fully connected layer.
bool is_linear(const ConvPlan& plan) {
  const auto& p = plan.p;
  return !plan.transposed && p.groups == 1 && p.kh == 1 && p.kw == 1 && p.H == 1 && p.W == 1 && p.OH == 1 &&
         p.OW == 1 && p.pt == 0 && p.pl == 0;
}

// That layer: x [N, C, 1, 1] is [N, C], w [K, C, 1, 1] the [out, in] matrix, y [N, K].
LinearPlan as_linear(const ConvPlan& plan) { return plan_linear({plan.N, plan.p.C}, {plan.p.K, plan.p.C}, nullptr); }

// 1x1, stride 1, no padding: the input plane itself is the GEMM's B matrix. (Padding only at the
// end also counts as padding: it makes OH, OW larger than H, W.)
bool is_pointwise(const kernels::ConvParams& p) {
  return p.kh == 1 && p.kw == 1 && p.sh == 1 && p.sw == 1 && p.pt == 0 && p.pl == 0 && p.OH == p.H && p.OW == p.W;
}

// Patch rows [k0, k0+kc) for output columns [j0, j0+n) (column = oy*OW + ox) from the phase
// planes of one image and group: row (c, ky, kx) of output row oy is a contiguous run of the
// phase plane at c*in_plane + tap[ky*kw + kx] + oy*Wq (see run_conv_gemm), so a panel is a copy
// of one run per output row it spans. Columns n..NR-1 are left as they are (never stored).
template <int NR>
void pack_shifted_nr(const kernels::ConvParams& p, const float* xg, int64_t in_plane, const int64_t* tap, int64_t Wq,
                     int64_t k0, int64_t kc, int64_t j0, int n, bool exact, float* out) {
  const int64_t taps = p.kh * p.kw;
  int64_t src[NR], dst[NR], len[NR];  // the panel's runs: one per output row it spans
  int runs = 0;
  for (int64_t j = j0; j < j0 + n;) {
    const int64_t oy = j / p.OW, ox = j % p.OW, l = std::min<int64_t>(p.OW - ox, j0 + n - j);
    if (runs > 0 && src[runs - 1] + len[runs - 1] == oy * Wq + ox) {
      len[runs - 1] += l;  // rows that meet in the source (Wq == OW: a 1x1 stride-2 layer) are one run
    } else {
      src[runs] = oy * Wq + ox;
      dst[runs] = j - j0;
      len[runs++] = l;
    }
    j += l;
  }
  int64_t t = k0 % taps, c = k0 / taps;
  if (runs == 1 && n == NR) {  // one whole run: fixed-size copies, inlined as vector moves
    for (int64_t kk = 0; kk < kc; ++kk) {
      std::memcpy(out + kk * NR, xg + c * in_plane + tap[t] + src[0], NR * sizeof(float));
      if (++t == taps) t = 0, ++c;
    }
    return;
  }
  // Runs (a 7x7 plane's are 7 long) copy in fixed blocks of 8, inlined instead of a library call
  // per run: a block may read up to 7 floats past its run (the phase planes have that slack) and
  // write up to 7 past it, over the next run's start (copied after it) or columns past n (the
  // panel buffer has that slack). `exact`: the source is the caller's input, with no slack.
  if (exact) {
    for (int64_t kk = 0; kk < kc; ++kk) {
      const float* base = xg + c * in_plane + tap[t];
      for (int r = 0; r < runs; ++r) std::memcpy(out + kk * NR + dst[r], base + src[r], len[r] * sizeof(float));
      if (++t == taps) t = 0, ++c;
    }
    return;
  }
  for (int64_t kk = 0; kk < kc; ++kk) {
    const float* base = xg + c * in_plane + tap[t];
    for (int r = 0; r < runs; ++r)
      for (int64_t q = 0; q < len[r]; q += 8) std::memcpy(out + kk * NR + dst[r] + q, base + src[r] + q, 8 * sizeof(float));
    if (++t == taps) t = 0, ++c;
  }
}

void pack_shifted(const kernels::ConvParams& p, const float* xg, int64_t in_plane, const int64_t* tap, int64_t Wq,
                  int64_t k0, int64_t kc, int64_t j0, int n, int nr, bool exact, float* out) {
  switch (nr) {
    case 32: return pack_shifted_nr<32>(p, xg, in_plane, tap, Wq, k0, kc, j0, n, exact, out);
    case 16: return pack_shifted_nr<16>(p, xg, in_plane, tap, Wq, k0, kc, j0, n, exact, out);
    case 8: return pack_shifted_nr<8>(p, xg, in_plane, tap, Wq, k0, kc, j0, n, exact, out);
    default: throw Unsupported("pack_shifted: unsupported panel width " + str(nr));
  }
}

template <int S>
void gather_strided(const float* src, int64_t n, float* dst) {
  for (int64_t j = 0; j < n; ++j) dst[j] = src[j * S];
}

// Which columns of a phase row come from the input: for column phase rx, columns [j0, j1) hold
// input columns j*sw + rx - pl (from `off` = j0*sw + rx - pl on); the rest are padding.
struct PhaseCols {
  int64_t j0, j1, off;
};

PhaseCols phase_cols(const kernels::ConvParams& p, int64_t rx, int64_t Wq) {
  const int64_t j0 = std::min(Wq, std::max<int64_t>(0, div_up(p.pl - rx, p.sw)));
  const int64_t j1 = std::max(j0, std::min(Wq, div_up(p.W + p.pl - rx, p.sw)));
  return {j0, j1, j0 * p.sw + rx - p.pl};
}

// Row i of phase (ry, rx) of one input plane (see run_conv_gemm) from input row `src` (null: a
// padding row): column j holds the zero-padded input at column j*sw + rx.
void copy_phase_row(const kernels::ConvParams& p, const float* src, const PhaseCols& pc, int64_t Wq, float* dst) {
  if (!src) {
    std::fill(dst, dst + Wq, 0.f);
    return;
  }
  std::fill(dst, dst + pc.j0, 0.f);
  const int64_t n = pc.j1 - pc.j0;
  if (n > 0) {
    src += pc.off;  // column j0's source
    // compile-time strides let the compiler vectorise the gather (a runtime stride stays scalar)
    switch (p.sw) {
      case 1: std::memcpy(dst + pc.j0, src, n * sizeof(float)); break;
      case 2: gather_strided<2>(src, n, dst + pc.j0); break;
      case 4: gather_strided<4>(src, n, dst + pc.j0); break;
      default:
        for (int64_t j = 0; j < n; ++j) dst[pc.j0 + j] = src[j * p.sw];
    }
  }
  std::fill(dst + pc.j1, dst + Wq, 0.f);
}

// The GEMM with patch rows read in place: tiles of MR channels by up to NR pixels of one output
// row; row (c, ky, kx) of the tile at output (oy, ox) starts at xs + c*in_plane + tap[ky*kw + kx]
// + oy*Wq + ox. Same tiles, k order and epilogue as the packed path, so the same bits. Tasks are
// blocks of output rows.
void run_taps_in_place(const ConvPlan& plan, const PackedConv& pw, const float* xs, int64_t in_plane,
                       const std::vector<int64_t>& tap, int64_t Wq, const float* b, float* y, const Epilogue& e,
                       const kernels::TileEpilogue& ep0, bool fuse, const kernels::BiasAct& epi,
                       const kernels::BiasAct& add_bias) {
  const auto& p = plan.p;
  const int mr = pw.uk->mr, nr = pw.uk->nr;
  const int64_t M = pw.M, K = pw.K, OHW = p.OH * p.OW, taps = p.kh * p.kw;
  std::vector<int64_t> boff(static_cast<size_t>(K));
  for (int64_t k = 0; k < K; ++k) boff[k] = k / taps * in_plane + tap[k % taps];
  const int64_t images = plan.N * p.groups;
  const int64_t rblocks = std::min(p.OH, div_up(2 * get_num_threads(), images));
  core::parallel_for(images * rblocks, grain(M * K * OHW / rblocks), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t rb = t % rblocks, g = (t / rblocks) % p.groups, img = t / (rblocks * p.groups);
      const int64_t r0 = rb * p.OH / rblocks, r1 = (rb + 1) * p.OH / rblocks;
      const float* xg = xs + (img * p.C + g * (p.C / p.groups)) * in_plane;
      float* yg = y + (img * p.K + g * M) * OHW;
      for (int64_t oy = r0; oy < r1; ++oy)
        for (int64_t i0 = 0; i0 < M; i0 += mr) {
          const int m = static_cast<int>(std::min<int64_t>(mr, M - i0));
          const int64_t oc0 = g * M + i0;
          for (int64_t ox = 0; ox < p.OW; ox += nr) {
            const int n = static_cast<int>(std::min<int64_t>(nr, p.OW - ox));
            kernels::TileEpilogue ep = ep0;
            ep.bias = b ? b + oc0 : nullptr;
            ep.res = e.residual ? e.residual + (img * p.K + oc0) * OHW + oy * p.OW + ox : nullptr;
            pw.uk->run_offs(K, pw.panel(g, 0, i0 / mr), xg + oy * Wq + ox, boff.data(),
                            yg + i0 * OHW + oy * p.OW + ox, OHW, m, n, fuse ? &ep : nullptr);
          }
        }
      if (fuse) continue;
      for (int64_t i = 0; i < M; ++i) {  // the unfused order, as run_conv_gemm
        const int64_t oc = g * M + i, j0 = r0 * p.OW;
        epilogue_row(e, epi, add_bias, yg + i * OHW + j0, (r1 - r0) * p.OW, b ? b + oc : nullptr,
                     e.residual ? e.residual + (img * p.K + oc) * OHW + j0 : nullptr);
      }
    }
  });
}

// Whether the patch rows are read in place (run_offs) instead of packed into panels. In place,
// a tile covers pixels of one output row only, so a row of OW pixels costs ceil(OW/L) vectors of
// FMAs per channel where packed panels cost OW/L; packing costs a copy per patch element, which
// matters when the reduction is short (few input channels: first layers) and few output channels
// share each copy. So: a tile's K rows of NR columns fit in L1 (16 KB, half of it), and the extra
// FMAs of the row tiles, (ceil(OW/L)*L/OW - 1) per patch element and output channel, over all
// channels cost at most a quarter vector. Measured in-process against the packed panels (one layer
// + ReLU, 1 and 2 threads): LeNet conv1 0.69-0.79x the time, VGG conv1_1 0.91-0.95x, 3 -> 32 3x3
// stride 2 at 224x224 0.89-0.94x, 8 -> 32 at 112x112 0.79-0.88x; but 14 -> 64 at 56x56 (56 = 64
// columns of work) 1.02-1.08x and 3 -> 24 at 20x20 0.98-1.08x, which the rule keeps packed.
bool rows_in_place(const ConvPlan& plan, const PackedConv& pw) {
  const auto& p = plan.p;
  const int64_t L = pw.uk->nr / 2, mr = pw.uk->mr;
  const double waste = static_cast<double>(div_up(p.OW, L) * L) / static_cast<double>(p.OW) - 1.0;
  const bool fits = pw.kc == pw.K && pw.K * pw.uk->nr * int64_t(sizeof(float)) <= (16 << 10);
  const bool use = fits && waste * static_cast<double>(div_up(pw.M, mr) * mr) / static_cast<double>(L) <= 0.25;
  if (core::verbose("dispatch"))
    core::log_line("dispatch conv-patches conv2d:ic" + str(p.C) + "ih" + str(p.H) + "iw" + str(p.W) + "_oc" +
                   str(p.K) + "_" + str(p.kh) + "x" + str(p.kw) + "s" + str(p.sh) + " -> " +
                   (use ? "read in place (" + str(pw.K) + "-row reduction, " + str(p.OW) + "-pixel rows)"
                        : "packed panels (" + str(pw.K) + "-row reduction, " + str(p.OW) + "-pixel rows)"));
  return use;
}

}  // namespace

PhasePlanes phase_planes(const kernels::ConvParams& p) {
  return {std::min(p.sh, (p.kh - 1) * p.dh + 1), std::min(p.sw, (p.kw - 1) * p.dw + 1),
          p.OH + (p.kh - 1) * p.dh / p.sh, p.OW + (p.kw - 1) * p.dw / p.sw};
}

void copy_phase_planes(const ConvPlan& plan, const PhasePlanes& ph, const float* x, float* out) {
  const auto& p = plan.p;
  const int64_t planes = plan.N * p.C, nph = ph.ny * ph.nx, Hq = ph.Hq, Wq = ph.Wq;
  // A task is one input row (plane c, row phase ry, phase row i) copied into its nx column
  // phases; rows are the unit so that a first layer's three planes still split evenly over the
  // threads.
  PhaseCols cols[8];  // per column phase; strides over 8 compute theirs per row
  const bool few = ph.nx <= 8;
  for (int64_t rx = 0; few && rx < ph.nx; ++rx) cols[rx] = phase_cols(p, rx, Wq);
  core::parallel_for(planes * ph.ny * Hq, grain(Wq * ph.nx), [&](int64_t r0, int64_t r1) {
    int64_t i = r0 % Hq, ry = (r0 / Hq) % ph.ny, c = r0 / (ph.ny * Hq);  // advanced, not divided, per row
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t iy = i * p.sh + ry - p.pt;
      const float* src = iy >= 0 && iy < p.H ? x + (c * p.H + iy) * p.W : nullptr;
      float* dst = out + ((c * nph + ry * ph.nx) * Hq + i) * Wq;
      for (int64_t rx = 0; rx < ph.nx; ++rx, dst += Hq * Wq)
        copy_phase_row(p, src, few ? cols[rx] : phase_cols(p, rx, Wq), Wq, dst);
      if (++i == Hq) {
        i = 0;
        if (++ry == ph.ny) ry = 0, ++c;
      }
    }
  });
}

std::shared_ptr<const PackedConv> pack_conv(const ConvPlan& plan, const float* w, bool once) {
  const auto& p = plan.p;
  const int64_t cpg = p.C / p.groups;
  if (!plan.transposed && cpg == 1 && p.groups > 1) return nullptr;  // depthwise: not a GEMM shape
  if (active_isa() == Isa::scalar) return nullptr;                   // the reference is the spec
  const auto& k = core::select_kernel(
      "gemm", kernels::kGemmKernels,
      [](const core::Kernel<const kernels::GemmUkernel*>& c) -> const char* {
        return c.isa == Isa::scalar ? "the reference convolution runs at the scalar level" : nullptr;
      },
      [&] {
        return std::string(plan.transposed ? "conv_transpose2d" : "conv2d") + ":ic" + std::to_string(p.C) + "ih" +
               std::to_string(p.H) + "iw" + std::to_string(p.W) + "_oc" + std::to_string(p.K) + "_kh" +
               std::to_string(p.kh) + "kw" + std::to_string(p.kw) + "_g" + std::to_string(p.groups);
      });
  if (k.isa == Isa::scalar) return nullptr;
  auto pw = std::make_shared<PackedConv>();
  pw->uk = k.fn;
  pw->isa = k.isa;
  // One output pixel per image: the GEMM's columns would be one pixel in panels of NR (1/NR of
  // its work useful). As a fully connected layer the images are the rows and the weights stream
  // once: EfficientNet-B0's squeeze-excitation 1x1s on 7x7 stages took 30 and 49 us, now 16-19
  // (reading their weights from memory).
  if (is_linear(plan)) {
    pw->lin = pack_linear(as_linear(plan), w);
    if (core::verbose("dispatch"))
      core::log_line("dispatch conv-algo conv2d:ic" + str(p.C) + "_oc" + str(p.K) +
                     "_1x1 on 1x1 planes -> linear (one output pixel per image)");
    return pw;
  }
  if (!plan.transposed && choose_winograd(plan, once)) {
    pack_winograd(plan, w, *pw);
    return pw;
  }
  if (choose_s2d_winograd(plan, once)) {
    pack_s2d_winograd(plan, w, *pw);
    return pw;
  }
  pw->groups = p.groups;
  pw->transposed = plan.transposed;
  const int64_t taps = p.kh * p.kw;
  pw->M = p.K / p.groups * (plan.transposed ? taps : 1);
  pw->K = cpg * (plan.transposed ? 1 : taps);
  pw->kc = plan.transposed ? (pw->K <= 1152 ? pw->K : kKc) : one_chunk(p, pw->K) ? pw->K : kKc;
  pw->rows_in_place = !plan.transposed && !is_pointwise(p) && rows_in_place(plan, *pw);
  const int mr = pw->uk->mr;
  const int64_t mpanels = div_up(pw->M, mr);
  pw->data = aligned_floats(p.groups * mpanels * pw->K * mr);
  std::vector<float> wt;  // a transposed convolution's weights of one group as the row-major [M, K] matrix
  if (plan.transposed) wt.resize(static_cast<size_t>(pw->M * pw->K));
  for (int64_t g = 0; g < p.groups; ++g) {
    const float* wg = w + g * pw->M * pw->K;  // [M, K] row-major; transposed: [K, M] (w is [C, K/groups, kh, kw])
    if (plan.transposed) {
      for (int64_t c = 0; c < pw->K; ++c)
        for (int64_t m = 0; m < pw->M; ++m) wt[m * pw->K + c] = wg[c * pw->M + m];
      wg = wt.data();
    }
    for (int64_t c = 0; c * pw->kc < pw->K; ++c) {
      const int64_t k0 = c * pw->kc, kc_len = std::min(pw->kc, pw->K - k0);
      for (int64_t mp = 0; mp < mpanels; ++mp) {
        const int m = static_cast<int>(std::min<int64_t>(mr, pw->M - mp * mr));
        kernels::pack_a(wg, pw->K, mp * mr, m, k0, kc_len, mr, const_cast<float*>(pw->panel(g, c, mp)));
      }
    }
  }
  return pw;
}

void run_conv_gemm(const ConvPlan& plan, const PackedConv& pw, const float* x, const float* b, float* y,
                   const Epilogue& e) {
  if (pw.lin) return run_linear_gemm(as_linear(plan), *pw.lin, x, b, y, e);
  if (pw.wk) return pw.s2d ? run_conv_s2d_winograd(plan, pw, x, b, y, e) : run_conv_winograd(plan, pw, x, b, y, e);
  if (pw.transposed) return run_conv_transpose_gemm(plan, pw, x, b, y, e);
  const auto& p = plan.p;
  const int mr = pw.uk->mr, nr = pw.uk->nr;
  const int64_t M = pw.M, K = pw.K, OHW = p.OH * p.OW, kc = pw.kc;  // K chunk
  // Windows read the input through zero-padded "phase planes" instead of an im2col ("shifted
  // rows"): phase (ry, rx) of a plane holds the padded input at rows i*sh + ry, columns j*sw + rx,
  // on a grid of Wq columns (one phase, the padded plane itself, at stride 1). Patch row
  // (c, ky, kx) of output row oy is then one contiguous run of the phase (ky*dh % sh, kx*dw % sw)
  // of plane c, from row oy + ky*dh / sh, column kx*dw / sw on: packing copies runs instead of
  // gathering, and the GEMM's columns are the outputs themselves, so tiles are stored straight
  // into y (the epilogue fuses as on the pointwise path). 1x1 stride-1 unpadded convolutions read
  // X itself.
  const PhasePlanes ph = phase_planes(p);
  const int64_t nph_x = ph.nx, Hq = ph.Hq, Wq = ph.Wq;
  const bool shifted = !is_pointwise(p);
  const int64_t N = OHW;  // GEMM columns
  const int64_t in_plane = shifted ? ph.floats() : p.H * p.W;
  std::vector<int64_t> tap(static_cast<size_t>(p.kh * p.kw));
  for (int64_t ky = 0; ky < p.kh; ++ky)
    for (int64_t kx = 0; kx < p.kw; ++kx) {
      const int64_t dy = ky * p.dh, dx = kx * p.dw;
      tap[ky * p.kw + kx] = (((dy % p.sh) * nph_x + dx % p.sw) * Hq + dy / p.sh) * Wq + dx / p.sw;
    }
  // Blocks: enough tasks for every thread (two each, so dynamic scheduling can even out a busy
  // core). Splitting the spatial axis re-reads the weights once per block; splitting the channel
  // axis repeats the packing once per block, so the axis whose split repeats less data goes first:
  // channels when the weights (M x K) outweigh the patches (K x N), as in late, small layers.
  // The K chunking is fixed, so each output's summation order, and the result, do not depend on
  // the blocking or thread count.
  const int64_t threads = get_num_threads(), want = 2 * threads;
  const int64_t images = plan.N * p.groups;
  const int64_t npanels = div_up(N, nr), mpanels = div_up(M, mr);
  int64_t nblocks = div_up(npanels, kNb / nr), mblocks = 1;  // spatial blocks fit the B buffer
  auto split = [&](int64_t& blocks, int64_t panels) {
    while (images * nblocks * mblocks < want && blocks < panels) ++blocks;
  };
  if (M >= N) {
    split(mblocks, mpanels);
    split(nblocks, npanels);
  } else {
    split(nblocks, npanels);
    split(mblocks, mpanels);
  }
  // Blocks are ranges of whole panels differing by at most one panel; a task count that is a
  // multiple of the thread count keeps the threads evenly loaded.
  if (nblocks > 1 && (images * nblocks * mblocks) % threads != 0 && nblocks < npanels) {
    const int64_t per = images * mblocks;
    int64_t nb2 = nblocks;
    while ((per * nb2) % threads != 0 && nb2 < npanels) ++nb2;
    if ((per * nb2) % threads == 0) nblocks = nb2;
  }
  // panels of block i: [i * panels / blocks, (i + 1) * panels / blocks)
  const int64_t nb = div_up(npanels, nblocks) * nr, mb = div_up(mpanels, mblocks) * mr;  // largest block
  const int64_t tasks = plan.N * p.groups * mblocks * nblocks;
  const kernels::BiasAct* epi = &select_bias_act(e.act, OHW);
  const kernels::BiasAct* add_bias = &select_bias_act({}, OHW);
  // Bias, residual and ReLU / clip (ReLU6) are applied by the microkernel as it stores a tile for
  // the last time, saving a pass over the output; other activations keep the separate pass.
  const Activation ak = e.act.kind;
  const bool fuse = ak == Activation::identity || ak == Activation::relu || ak == Activation::clip;
  kernels::TileEpilogue ep0;
  ep0.act = ak == Activation::relu ? kernels::TileEpilogue::relu
            : ak == Activation::clip ? kernels::TileEpilogue::clip : kernels::TileEpilogue::none;
  ep0.lo = e.act.alpha;
  ep0.hi = e.act.beta;
  ep0.ldr = OHW;

  // The phase planes of every input plane, with 8 floats of slack for the packing's block copies.
  // Owned by the calling thread, reused across calls. Unpadded at stride 1 (text convolutions,
  // LeNet), the one phase plane is the input plane itself: runs are then read from x, copied
  // exactly (x has no slack), and the copy's parallel region goes to packing B once instead.
  const bool direct = shifted && p.sh == 1 && p.sw == 1 && Hq == p.H && Wq == p.W;
  thread_local std::vector<float> padded;
  const float* xs = x;
  if (shifted && !direct) {
    float* const pd = aligned_scratch(padded, plan.N * p.C * in_plane + 8);
    copy_phase_planes(plan, ph, x, pd);
    xs = pd;
  }

  if (shifted && pw.rows_in_place) {
    run_taps_in_place(plan, pw, xs, in_plane, tap, Wq, b, y, e, ep0, fuse, *epi, *add_bias);
    trim_scratch(padded);
    return;
  }

  // Panel j of chunk c of one image and group, packed into `out` (kc_len x NR).
  auto pack = [&](const float* xg, int64_t k0, int64_t kc_len, int64_t j0, float* out) {
    const int n = static_cast<int>(std::min<int64_t>(nr, N - j0));
    if (shifted)
      pack_shifted(p, xg, in_plane, tap.data(), Wq, k0, kc_len, j0, n, nr, direct, out);
    else
      kernels::pack_b(xg, OHW, k0, kc_len, j0, n, nr, out);  // pointwise: X itself is the matrix
  };
  // With the output channels split into blocks, every block would pack the same panels again
  // (a late 3x3 layer on a 7x7 plane: four copies of 4608 patch rows in runs of 7): those are
  // then packed once, in parallel, before the tasks. Channels are split only while there are
  // fewer tasks than twice the threads, so this holds at most a few images' patches. Below 2 MB
  // of repeated packing the extra parallel region costs more than it saves (text convolutions:
  // 69 against 78 us, measured), and a 1x1's panels are a plain copy (measured on MobileNetV2),
  // unless the layer has no padded copy to make (`direct`): then it is the only extra region.
  const int64_t nchunks = div_up(K, kc), slot = kc * nr + 8;  // + the block copies' overrun
  const bool share_b = shifted && mblocks > 1 && (direct || (mblocks - 1) * K * N >= (int64_t(1) << 19));
  thread_local std::vector<float> bshared;  // the calling thread's; workers use the pointer
  float* const bsh = share_b ? aligned_scratch(bshared, images * nchunks * npanels * slot) : nullptr;
  if (share_b)
    core::parallel_for(images * nchunks * npanels, grain(kc * nr), [&](int64_t q0, int64_t q1) {
      for (int64_t q = q0; q < q1; ++q) {
        const int64_t P = q % npanels, c = (q / npanels) % nchunks, ig = q / (npanels * nchunks);
        const int64_t img = ig / p.groups, g = ig % p.groups, k0 = c * kc;
        pack(xs + (img * p.C + g * (p.C / p.groups)) * in_plane, k0, std::min(kc, K - k0), P * nr, bsh + q * slot);
      }
    });

  // A 1x1's whole B panels are X's rows as they are (the microkernel takes their stride): no
  // copy, only the ragged last panel is packed. Measured in-process against packing every panel:
  // 0.94-0.99x the time on ResNet/GoogLeNet 1x1 shapes at 1 and 2 threads, except 1024->256 at
  // 14x14 on one thread (1.05-1.10x).
  const bool in_place = !shifted;
  const int64_t work = std::min(mb, M) * std::min(nb, N) * K;
  core::parallel_for(tasks, grain(work), [&](int64_t t0, int64_t t1) {
    thread_local std::vector<float> buf;
    float* const bufd = aligned_scratch(buf, nb * kc + 8);  // + the block copies' overrun
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t nbi = t % nblocks, mbi = (t / nblocks) % mblocks, g = (t / (nblocks * mblocks)) % p.groups,
                    img = t / (nblocks * mblocks * p.groups);
      const int64_t n0 = nbi * npanels / nblocks * nr, n1 = std::min(N, (nbi + 1) * npanels / nblocks * nr);
      const int64_t m0 = mbi * mpanels / mblocks * mr, m1 = std::min(M, (mbi + 1) * mpanels / mblocks * mr);
      const float* xg = xs + (img * p.C + g * (p.C / p.groups)) * in_plane;
      float* yg = y + (img * p.K + g * M) * OHW;
      float* ct = yg + m0 * OHW + n0;  // C tile at (m0, n0)
      const int64_t ldc = OHW;
      for (int64_t c = 0; c * kc < K; ++c) {
        const int64_t k0 = c * kc, kc_len = std::min(kc, K - k0);
        const float* bpanels = bufd;  // panel jp at bpanels + jp * bstep
        int64_t bstep = kc_len * nr;
        if (share_b) {
          bpanels = bsh + (((img * p.groups + g) * nchunks + c) * npanels + n0 / nr) * slot;
          bstep = slot;
        } else {
          for (int64_t j0 = n0, jp = 0; j0 < n1; j0 += nr, ++jp)
            if (!(in_place && j0 + nr <= n1)) pack(xg, k0, kc_len, j0, bufd + jp * kc_len * nr);
        }
        const bool last = k0 + kc_len == K;
        auto tile = [&](int64_t i0, int64_t j0, int64_t jp) {
          kernels::TileEpilogue ep = ep0;
          const int64_t oc0 = g * M + i0;
          ep.bias = b ? b + oc0 : nullptr;
          ep.res = e.residual ? e.residual + (img * p.K + oc0) * OHW + j0 : nullptr;
          const bool whole = in_place && j0 + nr <= n1;  // X's rows themselves, stride OHW
          pw.uk->run(kc_len, pw.panel(g, c, i0 / mr), whole ? xg + k0 * OHW + j0 : bpanels + jp * bstep,
                     whole ? OHW : nr, ct + (i0 - m0) * ldc + (j0 - n0), ldc,
                     static_cast<int>(std::min<int64_t>(mr, m1 - i0)), static_cast<int>(std::min<int64_t>(nr, n1 - j0)),
                     c > 0, fuse && last ? &ep : nullptr);
        };
        // One K chunk (one_chunk): A panel outer, so each A panel is read once and its eight
        // output rows are written as long runs while the block's B panels stay in L2 or L3; with
        // B outer every tile lands on MR rows spread over the whole output. Measured in-process,
        // alternating, with 256-row chunks: ResNet conv1 0.94x the time, 64->256 1x1 at 56x56
        // 0.89x. Several chunks: B panel outer, so the panel (kc x NR) stays in L1 while A panels
        // stream (A outer there measured 1.00-1.03x).
        if (nchunks == 1) {
          for (int64_t i0 = m0; i0 < m1; i0 += mr)
            for (int64_t j0 = n0, jp = 0; j0 < n1; j0 += nr, ++jp) tile(i0, j0, jp);
        } else {
          for (int64_t j0 = n0, jp = 0; j0 < n1; j0 += nr, ++jp)
            for (int64_t i0 = m0; i0 < m1; i0 += mr) tile(i0, j0, jp);
        }
      }
      if (fuse) continue;  // done in the tiles
      // Epilogue in the unfused order (other activations): + bias, then + residual, then the
      // activation.
      for (int64_t i = m0; i < m1; ++i) {
        const int64_t oc = g * M + i;
        epilogue_row(e, *epi, *add_bias, yg + i * OHW + n0, n1 - n0, b ? b + oc : nullptr,
                     e.residual ? e.residual + (img * p.K + oc) * OHW + n0 : nullptr);
      }
    }
    trim_scratch(buf);  // one K chunk on a small plane holds up to 64 x K floats per thread
  });
  trim_scratch(padded);
  trim_scratch(bshared);
}

}  // namespace cnncore::ops
