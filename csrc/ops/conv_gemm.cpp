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

namespace cnncore::ops {
namespace {

constexpr int64_t kKc = 256;  // K chunk
constexpr int64_t kNb = 192;  // largest spatial block (a multiple of every NR)

std::shared_ptr<float> aligned_floats(int64_t n) {
  void* p = std::aligned_alloc(64, static_cast<size_t>((n * 4 + 63) / 64 * 64 + 64));
  if (!p) throw std::bad_alloc();
  return std::shared_ptr<float>(static_cast<float*>(p), [](float* q) { std::free(q); });
}

int64_t div_up(int64_t a, int64_t b) { return (a + b - 1) / b; }

// im2col of rows [k0, k0+kc) (row = (c, ky, kx)) and columns [n0, n0+n) (column = (oy, ox))
// of one image and group, into an NR-column panel.
void pack_im2col(const kernels::ConvParams& p, const float* xg, int64_t k0, int64_t kc, int64_t n0, int n, int nr,
                 float* out) {
  const bool pointwise = p.kh == 1 && p.kw == 1 && p.sh == 1 && p.sw == 1 && p.pt == 0 && p.pl == 0;
  if (pointwise) {  // 1x1, stride 1, no padding: X itself is the matrix
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

}  // namespace

const float* PackedConv::panel(int64_t g, int64_t chunk, int64_t mpanel) const {
  const int64_t mpanels = div_up(M, uk->mr);
  const int64_t k0 = chunk * kc, kc_len = std::min(kc, K - k0);
  // layout: group, then chunk, then m panel; a chunk of every panel holds kc_len * mr floats
  return data.get() + g * mpanels * K * uk->mr + mpanels * k0 * uk->mr + mpanel * kc_len * uk->mr;
}

std::shared_ptr<const PackedConv> pack_conv(const ConvPlan& plan, const float* w) {
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
  const auto& p = plan.p;
  const int mr = pw.uk->mr, nr = pw.uk->nr;
  const int64_t N = p.OH * p.OW, M = pw.M, K = pw.K;
  // Blocks: spatial blocks shrink (down to one panel) before output channels are split, since
  // every channel block repeats its spatial block's im2col. The K chunking is fixed, so each
  // output's summation order, and the result, do not depend on the blocking or thread count.
  const int64_t want = 2 * static_cast<int64_t>(get_num_threads());
  const int64_t images = plan.N * p.groups;
  int64_t nb = kNb;
  while (nb > nr && images * div_up(N, nb) < want) nb -= nr;
  const int64_t nblocks = div_up(N, nb);
  int64_t mb = div_up(M, mr) * mr;  // one block: all channels
  if (images * nblocks < want) mb = std::max<int64_t>(mr, div_up(div_up(M, div_up(want, images * nblocks)), mr) * mr);
  const int64_t mblocks = div_up(M, mb);
  const int64_t tasks = plan.N * p.groups * mblocks * nblocks;
  const kernels::BiasAct* epi = &select_bias_act(e.act, N);
  const kernels::BiasAct* add_bias = &select_bias_act({}, N);
  const int64_t work = std::min(mb, M) * std::min(nb, N) * K;
  core::parallel_for(tasks, grain(work), [&](int64_t t0, int64_t t1) {
    thread_local std::vector<float> buf;
    const size_t need = static_cast<size_t>(div_up(nb, nr) * nr * kKc);
    if (buf.size() < need) buf.resize(need);
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t nbi = t % nblocks, mbi = (t / nblocks) % mblocks, g = (t / (nblocks * mblocks)) % p.groups,
                    img = t / (nblocks * mblocks * p.groups);
      const int64_t n0 = nbi * nb, n1 = std::min(N, n0 + nb), m0 = mbi * mb, m1 = std::min(M, m0 + mb);
      const float* xg = x + (img * p.C + g * (p.C / p.groups)) * p.H * p.W;
      float* yg = y + (img * p.K + g * M) * N;
      for (int64_t c = 0; c * kKc < K; ++c) {
        const int64_t k0 = c * kKc, kc_len = std::min(kKc, K - k0);
        for (int64_t j0 = n0, jp = 0; j0 < n1; j0 += nr, ++jp)
          pack_im2col(p, xg, k0, kc_len, j0, static_cast<int>(std::min<int64_t>(nr, n1 - j0)), nr,
                      buf.data() + jp * kc_len * nr);
        for (int64_t i0 = m0; i0 < m1; i0 += mr) {
          const float* a = pw.panel(g, c, i0 / mr);
          const int m = static_cast<int>(std::min<int64_t>(mr, m1 - i0));
          for (int64_t j0 = n0, jp = 0; j0 < n1; j0 += nr, ++jp)
            pw.uk->run(kc_len, a, buf.data() + jp * kc_len * nr, yg + i0 * N + j0, N, m,
                       static_cast<int>(std::min<int64_t>(nr, n1 - j0)), c > 0);
        }
      }
      // Epilogue in the unfused order: + bias, then + residual, then the activation.
      for (int64_t i = m0; i < m1; ++i) {
        float* row = yg + i * N + n0;
        const int64_t len = n1 - n0, oc = g * M + i;
        const float* res = e.residual ? e.residual + ((img * p.K + oc) * N + n0) : nullptr;
        if (res) {
          if (b) add_bias->run(row, row, len, b + oc, 0, {});
          epi->run(row, row, len, res, 1, e.act);
        } else if (b || e.act.kind != Activation::identity) {
          epi->run(row, row, len, b ? b + oc : nullptr, 0, e.act);
        }
      }
    }
  });
}

}  // namespace cnncore::ops
