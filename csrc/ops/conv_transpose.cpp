// Transposed convolution as GEMM + col2im. Per image and group, the GEMM
//   cols[(o, ky, kx), iy*W + ix] = sum_c w[c, o, ky, kx] * x[c, iy, ix]
// (A: the weights, transposed and packed once by pack_conv; B: the input plane itself, as for a
// 1x1 convolution) gives every input pixel's contribution to every tap, and the scatter adds
// cols[(o, ky, kx), iy*W + ix] into y[o, iy*sh - pt + ky*dh, ix*sw - pl + kx*dw]. Any stride,
// dilation, padding, output padding and groups take the same path.
//
// A task owns a block of output channels of one image and group, so its output planes are
// written by one thread only. The input is walked in fixed blocks of columns, so every output
// sums its contributions in the same order (column block, then K chunk, then tap) for any
// thread count and blocking of the channels.
#include <algorithm>
#include <numeric>
#include <vector>

#include "ops/conv_gemm.h"
#include "ops/op_util.h"

namespace cnncore::ops {
namespace {

// Input columns per block: the block's B panels (kc x 96) and its rows of cols (a task's
// channels x taps x 96) stay in L2. A multiple of every microkernel's NR.
constexpr int64_t kColBlock = 96;

template <int S>
void add_strided(const float* __restrict v, int64_t n, float* __restrict d) {
  for (int64_t i = 0; i < n; ++i) d[i * S] += v[i];
}

// At stride 2 (dilation 1), taps kx and kx + 1 of one input column land on neighbouring output
// columns: adding both in one pass keeps the stores contiguous (the compiler interleaves the two
// rows) instead of two strided passes.
void add_pair(const float* __restrict v0, const float* __restrict v1, int64_t n, float* __restrict d) {
  for (int64_t i = 0; i < n; ++i) {
    d[2 * i] += v0[i];
    d[2 * i + 1] += v1[i];
  }
}

// Input columns [lo, hi) of any input row whose output column ix*sw + xoff lies in [0, OW).
struct TapCols {
  int64_t xoff, lo, hi;
};
TapCols tap_cols(const kernels::ConvParams& p, int64_t kx) {
  const int64_t xoff = kx * p.dw - p.pl;
  const int64_t lo = std::min(p.W, xoff >= 0 ? 0 : (-xoff + p.sw - 1) / p.sw);
  const int64_t hi = p.OW - 1 - xoff < 0 ? 0 : std::min(p.W, (p.OW - 1 - xoff) / p.sw + 1);
  return {xoff, lo, std::max(lo, hi)};
}

// Adds input columns [a, e) of tap row v (v[i - ix0]: input column i) into output row yr.
void add_tap(const kernels::ConvParams& p, const float* v, int64_t ix0, int64_t xoff, int64_t a, int64_t e,
             float* yr) {
  if (a >= e) return;
  float* d = yr + a * p.sw + xoff;
  v += a - ix0;
  // compile-time strides let the compiler vectorise the adds (a runtime stride stays scalar)
  switch (p.sw) {
    case 1: add_strided<1>(v, e - a, d); break;
    case 2: add_strided<2>(v, e - a, d); break;
    default:
      for (int64_t i = 0; i < e - a; ++i) d[i * p.sw] += v[i];
  }
}

// Adds the rows of cols of output channel o (`rows`: tap (ky, kx) at rows + (ky*kw + kx)*ld),
// input columns [j0, j0 + n), into its output plane y.
void scatter(const kernels::ConvParams& p, const TapCols* tc, const float* rows, int64_t ld, int64_t j0, int64_t n,
             float* y) {
  for (int64_t j = j0; j < j0 + n;) {
    const int64_t iy = j / p.W, ix = j % p.W, len = std::min(p.W - ix, j0 + n - j);
    for (int64_t ky = 0; ky < p.kh; ++ky) {
      const int64_t oy = iy * p.sh - p.pt + ky * p.dh;
      if (oy < 0 || oy >= p.OH) continue;
      float* yr = y + oy * p.OW;
      const float* v = rows + ky * p.kw * ld + (j - j0);  // tap (ky, 0); v[i - ix]: input column i
      for (int64_t kx = 0; kx < p.kw; ++kx) {
        const TapCols& t0 = tc[kx];
        const int64_t a0 = std::max(ix, t0.lo), e0 = std::min(ix + len, t0.hi);
        if (p.sw == 2 && p.dw == 1 && kx + 1 < p.kw) {
          const TapCols& t1 = tc[kx + 1];
          const int64_t a1 = std::max(ix, t1.lo), e1 = std::min(ix + len, t1.hi);
          const int64_t a = std::max(a0, a1), e = std::max(a, std::min(e0, e1));
          const float* v1 = v + ld;
          if (a < e) add_pair(v + (a - ix), v1 + (a - ix), e - a, yr + a * 2 + t0.xoff);
          add_tap(p, v, ix, t0.xoff, a0, std::min(e0, a), yr);  // the ends outside the common range
          add_tap(p, v, ix, t0.xoff, std::max(a0, e), e0, yr);
          add_tap(p, v1, ix, t1.xoff, a1, std::min(e1, a), yr);
          add_tap(p, v1, ix, t1.xoff, std::max(a1, e), e1, yr);
          v += 2 * ld;
          ++kx;
          continue;
        }
        add_tap(p, v, ix, t0.xoff, a0, e0, yr);
        v += ld;
      }
    }
    j += len;
  }
}

}  // namespace

void run_conv_transpose_gemm(const ConvPlan& plan, const PackedConv& pw, const float* x, const float* b, float* y,
                             const Epilogue& e) {
  const auto& p = plan.p;
  const int mr = pw.uk->mr, nr = pw.uk->nr;
  const int64_t taps = p.kh * p.kw, kpg = p.K / p.groups, cpg = p.C / p.groups;
  const int64_t HW = p.H * p.W, OHW = p.OH * p.OW, Kd = pw.K, kc = pw.kc;
  // Channel blocks start on a weight panel: their first row o * taps is a multiple of MR.
  const int64_t step = mr / std::gcd<int64_t>(mr, taps), units = div_up(kpg, step);
  const int64_t threads = get_num_threads(), images = plan.N * p.groups;
  int64_t cblocks = 1;
  while (images * cblocks < 2 * threads && cblocks < units) ++cblocks;
  const int64_t max_rows = div_up(units, cblocks) * step * taps;  // rows of cols in the largest block
  const int64_t nb = std::min(kColBlock, div_up(HW, nr) * nr);
  std::vector<TapCols> tc(static_cast<size_t>(p.kw));
  for (int64_t kx = 0; kx < p.kw; ++kx) tc[kx] = tap_cols(p, kx);
  const kernels::BiasAct& epi = select_bias_act(e.act, OHW);
  const kernels::BiasAct& add_bias = select_bias_act({}, OHW);
  core::parallel_for(images * cblocks, grain(max_rows * HW * Kd), [&](int64_t t0, int64_t t1) {
    thread_local std::vector<float> bbuf, cols;
    bbuf.resize(static_cast<size_t>(kc * nb));
    cols.resize(static_cast<size_t>(max_rows * nb));
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t cb = t % cblocks, ig = t / cblocks, img = ig / p.groups, g = ig % p.groups;
      const int64_t o0 = std::min(kpg, cb * units / cblocks * step), o1 = std::min(kpg, (cb + 1) * units / cblocks * step);
      if (o0 == o1) continue;
      const int64_t r0 = o0 * taps, r1 = o1 * taps;  // rows of A
      const float* xg = x + (img * p.C + g * cpg) * HW;
      float* yg = y + (img * p.K + g * kpg) * OHW;
      std::fill(yg + o0 * OHW, yg + o1 * OHW, 0.f);
      for (int64_t j0 = 0; j0 < HW; j0 += nb) {
        const int64_t n = std::min(nb, HW - j0);
        for (int64_t c = 0; c * kc < Kd; ++c) {
          const int64_t k0 = c * kc, kc_len = std::min(kc, Kd - k0);
          for (int64_t jj = 0; jj < n; jj += nr)
            kernels::pack_b(xg, HW, k0, kc_len, j0 + jj, static_cast<int>(std::min<int64_t>(nr, n - jj)), nr,
                            bbuf.data() + jj * kc_len);
          for (int64_t i0 = r0; i0 < r1; i0 += mr)
            for (int64_t jj = 0; jj < n; jj += nr)
              pw.uk->run(kc_len, pw.panel(g, c, i0 / mr), bbuf.data() + jj * kc_len, nr, cols.data() + (i0 - r0) * nb + jj,
                         nb, static_cast<int>(std::min<int64_t>(mr, r1 - i0)),
                         static_cast<int>(std::min<int64_t>(nr, n - jj)), c > 0, nullptr);
        }
        for (int64_t o = o0; o < o1; ++o)
          scatter(p, tc.data(), cols.data() + (o - o0) * taps * nb, nb, j0, n, yg + o * OHW);
      }
      for (int64_t o = o0; o < o1; ++o) {
        const int64_t oc = g * kpg + o;
        epilogue_row(e, epi, add_bias, yg + o * OHW, OHW, b ? b + oc : nullptr,
                     e.residual ? e.residual + (img * p.K + oc) * OHW : nullptr);
      }
    }
    trim_scratch(bbuf);
    trim_scratch(cols);
  });
}

}  // namespace cnncore::ops
