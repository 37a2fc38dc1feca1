// Convolution as GEMM: per image and group, Y[M, OH*OW] = W[M, K] x im2col(X)[K, OH*OW].
// Weights are packed once into MR-row panels; im2col writes straight into NR-column panels of
// a thread-local buffer, K is blocked in chunks of kKc so a chunk's panels stay in cache. Work is
// split over (image, group, channel block, spatial block); every output element is reduced by
// one thread, in the same order for any thread count.
#include "ops/conv_gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ops/op_util.h"
#include "ops/padded_plane.h"

namespace cnncore::ops {
namespace {

constexpr int64_t kKc = 256;  // K chunk
constexpr int64_t kNb = 192;  // largest spatial block (a multiple of every NR)

// 1x1, stride 1, no padding: the input plane itself is the GEMM's B matrix. (Padding only at the
// end also counts as padding: it makes OH, OW larger than H, W.)
bool is_pointwise(const kernels::ConvParams& p) {
  return p.kh == 1 && p.kw == 1 && p.sh == 1 && p.sw == 1 && p.pt == 0 && p.pl == 0 && p.OH == p.H && p.OW == p.W;
}

// im2col of rows [k0, k0+kc) (row = (c, ky, kx)) and columns [n0, n0+n) (column = (oy, ox))
// of one image and group, into an NR-column panel.
void pack_im2col(const kernels::ConvParams& p, const float* xg, int64_t k0, int64_t kc, int64_t n0, int n, int nr,
                 float* out) {
  if (is_pointwise(p)) {  // 1x1, stride 1, no padding: X itself is the matrix
    kernels::pack_b(xg, p.H * p.W, k0, kc, n0, n, nr, out);
    return;
  }
  for (int64_t kk = 0; kk < kc; ++kk) {
    const int64_t r = k0 + kk, kx = r % p.kw, ky = (r / p.kw) % p.kh, c = r / (p.kw * p.kh);
    const float* xc = xg + c * p.H * p.W;
    float* o = out + kk * nr;
    // Walk the panel's columns one output row (oy) at a time: the valid ox range of a row is
    // known in closed form, so the inner loop is a plain strided copy.
    const int64_t xoff = kx * p.dw - p.pl;  // ix = ox*sw + xoff
    const int64_t ox_lo = xoff >= 0 ? 0 : (-xoff + p.sw - 1) / p.sw;
    const int64_t ox_hi = p.W - 1 - xoff < 0 ? 0 : std::min(p.OW, (p.W - 1 - xoff) / p.sw + 1);
    int64_t col = n0;
    int j = 0;
    while (j < n) {
      const int64_t oy = col / p.OW, ox0 = col % p.OW;
      const int64_t len = std::min<int64_t>(n - j, p.OW - ox0);
      const int64_t iy = oy * p.sh - p.pt + ky * p.dh;
      float* oj = o + j;
      if (iy < 0 || iy >= p.H) {
        std::fill(oj, oj + len, 0.f);
      } else {
        const float* xr = xc + iy * p.W;
        const int64_t a = std::clamp(ox_lo, ox0, ox0 + len), b = std::clamp(ox_hi, a, ox0 + len);
        std::fill(oj, oj + (a - ox0), 0.f);
        if (p.sw == 1) {
          std::memcpy(oj + (a - ox0), xr + a + xoff, static_cast<size_t>(b - a) * sizeof(float));
        } else {
          for (int64_t ox = a; ox < b; ++ox) oj[ox - ox0] = xr[ox * p.sw + xoff];
        }
        std::fill(oj + (b - ox0), oj + len, 0.f);
      }
      j += static_cast<int>(len);
      col += len;
    }
    for (int q = n; q < nr; ++q) o[q] = 0.f;
  }
}

// Patch rows [k0, k0+kc) for grid columns [j0, j0+nr) from the phase planes of one image and
// group: row (c, ky, kx) is a contiguous run starting at c*in_plane + tap[ky*kw + kx] (see
// run_conv_gemm).
template <int NR>
void pack_shifted_nr(const kernels::ConvParams& p, const float* xg, int64_t in_plane, const int64_t* tap, int64_t k0,
                     int64_t kc, int64_t j0, float* out) {
  const int64_t taps = p.kh * p.kw;
  int64_t t = k0 % taps, c = k0 / taps;
  for (int64_t kk = 0; kk < kc; ++kk) {
    // fixed-size copy: inlined as vector moves, no library call per row
    std::memcpy(out + kk * NR, xg + c * in_plane + tap[t] + j0, NR * sizeof(float));
    if (++t == taps) t = 0, ++c;
  }
}

void pack_shifted(const kernels::ConvParams& p, const float* xg, int64_t in_plane, const int64_t* tap, int64_t k0,
                  int64_t kc, int64_t j0, int nr, float* out) {
  switch (nr) {
    case 32: return pack_shifted_nr<32>(p, xg, in_plane, tap, k0, kc, j0, out);
    case 16: return pack_shifted_nr<16>(p, xg, in_plane, tap, k0, kc, j0, out);
    case 8: return pack_shifted_nr<8>(p, xg, in_plane, tap, k0, kc, j0, out);
    default: throw Unsupported("pack_shifted: unsupported panel width " + str(nr));
  }
}

// Phase planes of one input plane (see run_conv_gemm): phase (ry, rx), row i, column j holds the
// zero-padded input at (i*sh + ry, j*sw + rx).
void copy_phases(const kernels::ConvParams& p, const float* x, int64_t nph_y, int64_t nph_x, int64_t Hq, int64_t Wq,
                 float* out) {
  if (p.sh == 1 && p.sw == 1) return copy_padded(x, p.H, p.W, p.pt, p.pl, Hq, Wq, 0.f, out);
  for (int64_t ry = 0; ry < nph_y; ++ry)
    for (int64_t rx = 0; rx < nph_x; ++rx)
      for (int64_t i = 0; i < Hq; ++i) {
        float* dst = out + ((ry * nph_x + rx) * Hq + i) * Wq;
        const int64_t iy = i * p.sh + ry - p.pt;
        if (iy < 0 || iy >= p.H) {
          std::fill(dst, dst + Wq, 0.f);
          continue;
        }
        const float* src = x + iy * p.W;
        for (int64_t j = 0; j < Wq; ++j) {
          const int64_t ix = j * p.sw + rx - p.pl;
          dst[j] = ix >= 0 && ix < p.W ? src[ix] : 0.f;
        }
      }
}

}  // namespace

const float* PackedConv::panel(int64_t g, int64_t chunk, int64_t mpanel) const {
  const int64_t mpanels = div_up(M, uk->mr);
  const int64_t k0 = chunk * kc, kc_len = std::min(kc, K - k0);
  // layout: group, then chunk, then m panel; a chunk of every panel holds kc_len * mr floats
  return data.get() + g * mpanels * K * uk->mr + mpanels * k0 * uk->mr + mpanel * kc_len * uk->mr;
}

std::shared_ptr<const PackedConv> pack_conv(const ConvPlan& plan, const float* w, bool once) {
  const auto& p = plan.p;
  const int64_t cpg = p.C / p.groups;
  if (plan.transposed || (cpg == 1 && p.groups > 1)) return nullptr;  // depthwise: not a GEMM shape
  if (active_isa() == Isa::scalar) return nullptr;                  // the reference is the spec
  const auto& k = core::select_kernel(
      "gemm", kernels::kGemmKernels,
      [](const core::Kernel<const kernels::GemmUkernel*>& c) -> const char* {
        return c.isa == Isa::scalar ? "the reference convolution runs at the scalar level" : nullptr;
      },
      [&] {
        return "conv2d:ic" + std::to_string(p.C) + "ih" + std::to_string(p.H) + "iw" + std::to_string(p.W) + "_oc" +
               std::to_string(p.K) + "_kh" + std::to_string(p.kh) + "kw" + std::to_string(p.kw) + "_g" +
               std::to_string(p.groups);
      });
  if (k.isa == Isa::scalar) return nullptr;
  auto pw = std::make_shared<PackedConv>();
  pw->uk = k.fn;
  pw->isa = k.isa;
  if (choose_winograd(plan, once)) {
    pack_winograd(plan, w, *pw);
    return pw;
  }
  pw->groups = p.groups;
  pw->M = p.K / p.groups;
  pw->K = cpg * p.kh * p.kw;
  pw->kc = kKc;
  const int mr = pw->uk->mr;
  const int64_t mpanels = div_up(pw->M, mr);
  pw->data = aligned_floats(p.groups * mpanels * pw->K * mr);
  for (int64_t g = 0; g < p.groups; ++g) {
    const float* wg = w + g * pw->M * pw->K;  // weights [M, K] of this group, row-major
    for (int64_t c = 0; c * kKc < pw->K; ++c) {
      const int64_t k0 = c * kKc, kc_len = std::min(kKc, pw->K - k0);
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
  if (pw.wk) return run_conv_winograd(plan, pw, x, b, y, e);
  const auto& p = plan.p;
  const int mr = pw.uk->mr, nr = pw.uk->nr;
  const int64_t M = pw.M, K = pw.K, OHW = p.OH * p.OW;
  // Windows can read the input through zero-padded "phase planes" instead of an im2col ("shifted
  // rows"): phase (ry, rx) of a plane holds the padded input at rows i*sh + ry, columns j*sw + rx,
  // on a grid of Wq columns (one phase, the padded plane itself, at stride 1). Output (oy, ox) is
  // grid column oy*Wq + ox, and patch row (c, ky, kx) is one contiguous run of the phase
  // (ky*dh % sh, kx*dw % sw) of plane c, from row ky*dh / sh, column kx*dw / sw on. Packing is then
  // a copy instead of a gather; the columns past OW in each grid row are computed and dropped.
  // It pays where packing is a large share: few output channels per patch panel, and strided
  // windows, whose im2col gathers. Estimated in register-tile units per K chunk (an im2col panel
  // about 1.5 tiles, 3 when strided, a copy about 0.2), against the extra grid columns; small
  // planes with many channels keep the im2col.
  const bool strided = p.sh > 1 || p.sw > 1;
  const int64_t nph_y = std::min(p.sh, (p.kh - 1) * p.dh + 1), nph_x = std::min(p.sw, (p.kw - 1) * p.dw + 1);
  const int64_t Hq = p.OH + (p.kh - 1) * p.dh / p.sh, Wq = p.OW + (p.kw - 1) * p.dw / p.sw;
  bool shifted = !is_pointwise(p);
  if (shifted) {
    const int64_t mpan = div_up(M, mr);
    const double cost_shift = static_cast<double>(div_up((p.OH - 1) * Wq + p.OW, nr)) * (mpan + 0.2);
    const double cost_im2col = static_cast<double>(div_up(OHW, nr)) * (mpan + (strided ? 3.0 : 1.5));
    shifted = cost_shift < cost_im2col;
  }
  const int64_t Wp = shifted ? Wq : p.W;
  // GEMM columns; on the grid, the last row's columns past OW are not computed (a text
  // convolution's single row: 46 columns instead of 50, so its last panel takes the half path)
  const int64_t N = shifted ? (p.OH - 1) * Wq + p.OW : OHW;
  const int64_t in_plane = shifted ? nph_y * nph_x * Hq * Wq : p.H * p.W;
  std::vector<int64_t> tap(static_cast<size_t>(p.kh * p.kw));
  for (int64_t ky = 0; ky < p.kh; ++ky)
    for (int64_t kx = 0; kx < p.kw; ++kx) {
      const int64_t dy = ky * p.dh, dx = kx * p.dw;
      tap[ky * p.kw + kx] = (((dy % p.sh) * nph_x + dx % p.sw) * Hq + dy / p.sh) * Wq + dx / p.sw;
    }
  // Blocks: enough tasks for every thread (two each, so dynamic scheduling can even out a busy
  // core). Splitting the spatial axis re-reads the weights once per block; splitting the channel
  // axis repeats the im2col once per block, so the axis whose split repeats less data goes first:
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
  // the last time, saving a pass over the output; other activations keep the separate pass. The
  // shifted path stores into a grid tile, where the residual (laid out as y) does not line up:
  // there only bias and activation fuse.
  const Activation ak = e.act.kind;
  const bool fuse = (ak == Activation::identity || ak == Activation::relu || ak == Activation::clip) &&
                    !(shifted && e.residual);
  kernels::TileEpilogue ep0;
  ep0.act = ak == Activation::relu ? kernels::TileEpilogue::relu
            : ak == Activation::clip ? kernels::TileEpilogue::clip : kernels::TileEpilogue::none;
  ep0.lo = e.act.alpha;
  ep0.hi = e.act.beta;
  ep0.ldr = OHW;

  // The phase planes of every input plane, with slack for the last panel's overrun (its columns
  // past N are never stored). Owned by the calling thread, reused across calls.
  thread_local std::vector<float> padded;
  const float* xs = x;
  if (shifted) {
    const int64_t planes = plan.N * p.C;
    padded.resize(static_cast<size_t>(planes * in_plane + nb + *std::max_element(tap.begin(), tap.end())));
    float* out = padded.data();
    core::parallel_for(planes, grain(in_plane), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) copy_phases(p, x + c * p.H * p.W, nph_y, nph_x, Hq, Wq, out + c * in_plane);
    });
    std::fill(padded.begin() + planes * in_plane, padded.end(), 0.f);
    xs = padded.data();
  }

  const int64_t work = std::min(mb, M) * std::min(nb, N) * K;
  core::parallel_for(tasks, grain(work), [&](int64_t t0, int64_t t1) {
    thread_local std::vector<float> buf, acc;
    const size_t need = static_cast<size_t>(nb * kKc);
    if (buf.size() < need) buf.resize(need);
    if (shifted && acc.size() < static_cast<size_t>(mb * nb)) acc.resize(static_cast<size_t>(mb * nb));
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t nbi = t % nblocks, mbi = (t / nblocks) % mblocks, g = (t / (nblocks * mblocks)) % p.groups,
                    img = t / (nblocks * mblocks * p.groups);
      const int64_t n0 = nbi * npanels / nblocks * nr, n1 = std::min(N, (nbi + 1) * npanels / nblocks * nr);
      const int64_t m0 = mbi * mpanels / mblocks * mr, m1 = std::min(M, (mbi + 1) * mpanels / mblocks * mr);
      const float* xg = xs + (img * p.C + g * (p.C / p.groups)) * in_plane;
      float* yg = y + (img * p.K + g * M) * OHW;
      // shifted: accumulate in a [mb x nb] grid tile, then drop the extra columns while storing
      float* ct = shifted ? acc.data() : yg + m0 * OHW + n0;  // C tile at (m0, n0)
      const int64_t ldc = shifted ? nb : OHW;
      for (int64_t c = 0; c * kKc < K; ++c) {
        const int64_t k0 = c * kKc, kc_len = std::min(kKc, K - k0);
        for (int64_t j0 = n0, jp = 0; j0 < n1; j0 += nr, ++jp) {
          const int n = static_cast<int>(std::min<int64_t>(nr, n1 - j0));
          float* panel = buf.data() + jp * kc_len * nr;
          if (shifted)
            pack_shifted(p, xg, in_plane, tap.data(), k0, kc_len, j0, nr, panel);
          else
            pack_im2col(p, xg, k0, kc_len, j0, n, nr, panel);
        }
        // B panel outer, A panels inner: the B panel (kc x NR) stays in L1 while A panels stream
        const bool last = k0 + kc_len == K;
        for (int64_t j0 = n0, jp = 0; j0 < n1; j0 += nr, ++jp) {
          const int n = static_cast<int>(std::min<int64_t>(nr, n1 - j0));
          for (int64_t i0 = m0; i0 < m1; i0 += mr) {
            kernels::TileEpilogue ep = ep0;
            const int64_t oc0 = g * M + i0;
            ep.bias = b ? b + oc0 : nullptr;
            ep.res = e.residual ? e.residual + (img * p.K + oc0) * OHW + j0 : nullptr;
            pw.uk->run(kc_len, pw.panel(g, c, i0 / mr), buf.data() + jp * kc_len * nr,
                       ct + (i0 - m0) * ldc + (j0 - n0), ldc, static_cast<int>(std::min<int64_t>(mr, m1 - i0)), n, c > 0,
                       fuse && last ? &ep : nullptr);
          }
        }
      }
      if (fuse && !shifted) continue;  // done in the tiles
      // Epilogue in the unfused order (when not fused): + bias, then + residual, then the
      // activation; on the shifted path it also moves each output row segment from the grid tile
      // into y.
      for (int64_t i = m0; i < m1; ++i) {
        const int64_t oc = g * M + i;
        const float* res_row = e.residual ? e.residual + (img * p.K + oc) * OHW : nullptr;
        auto finish = [&](const float* src, int64_t out0, int64_t len) {  // y[out0, out0+len) of channel oc
          float* dst = yg + i * OHW + out0;
          if (fuse) {
            std::memcpy(dst, src, static_cast<size_t>(len) * sizeof(float));
          } else if (res_row) {
            if (b) add_bias->run(src, dst, len, b + oc, 0, {}), src = dst;
            epi->run(src, dst, len, res_row + out0, 1, e.act);
          } else if (b || e.act.kind != Activation::identity || src != dst) {
            epi->run(src, dst, len, b ? b + oc : nullptr, 0, e.act);
          }
        };
        if (!shifted) {
          finish(yg + i * OHW + n0, n0, n1 - n0);
          continue;
        }
        for (int64_t j = n0; j < n1;) {  // grid row segments inside [n0, n1)
          const int64_t oy = j / Wp, ox = j % Wp, end = std::min(n1, oy * Wp + p.OW);
          if (ox < p.OW) finish(ct + (i - m0) * ldc + (j - n0), oy * p.OW + ox, end - j);
          j = (oy + 1) * Wp;
        }
      }
    }
  });
  trim_scratch(padded);
}

}  // namespace cnncore::ops
