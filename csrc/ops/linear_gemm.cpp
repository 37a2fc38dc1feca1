// Fully connected as GEMM: A = input rows (packed per call into MR-row panels), B = W^T
// (packed once), C = the output itself. Tasks split output features (so batch 1 uses every core
// and each weight is read once per call) and row blocks; one thread reduces each output.
#include "ops/linear_gemm.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "ops/op_util.h"

namespace cnncore::ops {
namespace {

constexpr int64_t kKc = 256;  // K chunk
constexpr int64_t kNb = 256;  // output features per task (a multiple of every NR)
constexpr int64_t kRb = 64;   // input rows per task (a multiple of every MR)

}  // namespace

const float* PackedLinear::panel(int64_t npanel, int64_t chunk) const {
  const int64_t k0 = chunk * kc;
  return data.get() + npanel * in * uk->nr + k0 * uk->nr;
}

std::shared_ptr<const PackedLinear> pack_linear(const LinearPlan& plan, const float* w,
                                                const std::function<void(int64_t)>& consumed) {
  if (active_isa() == Isa::scalar) return nullptr;  // the reference is the spec
  const auto& k = core::select_kernel(
      "gemm", kernels::kGemmKernels,
      [](const core::Kernel<const kernels::GemmUkernel*>& c) -> const char* {
        return c.isa == Isa::scalar ? "the reference linear runs at the scalar level" : nullptr;
      },
      [&] { return "linear:ic" + std::to_string(plan.in) + "_oc" + std::to_string(plan.out); });
  if (k.isa == Isa::scalar) return nullptr;
  auto pw = std::make_shared<PackedLinear>();
  pw->uk = k.fn;
  pw->isa = k.isa;
  pw->in = plan.in;
  pw->out = plan.out;
  pw->kc = kKc;
  const int nr = pw->uk->nr;
  const int64_t npanels = div_up(plan.out, nr);
  pw->data = aligned_floats(npanels * plan.in * nr);
  float* d = pw->data.get();
  for (int64_t p = 0; p < npanels; ++p) {
    const int64_t j0 = p * nr;
    const int cols = static_cast<int>(std::min<int64_t>(nr, plan.out - j0));
    for (int64_t k0 = 0; k0 < plan.in; k0 += kKc) {  // chunk-major within a panel: [kc x NR] blocks
      const int64_t kc_len = std::min(kKc, plan.in - k0);
      float* o = d + p * plan.in * nr + k0 * nr;
      for (int64_t kk = 0; kk < kc_len; ++kk) {
        for (int j = 0; j < cols; ++j) o[kk * nr + j] = w[(j0 + j) * plan.in + k0 + kk];
        for (int j = cols; j < nr; ++j) o[kk * nr + j] = 0.f;
      }
    }
    if (consumed) consumed((j0 + cols) * plan.in);
  }
  return pw;
}

Tensor unpack_linear(const PackedLinear& pw) {
  Tensor w = Tensor::empty({pw.out, pw.in});
  const int nr = pw.uk->nr;
  float* d = w.data();
  for (int64_t j = 0; j < pw.out; ++j) {
    const float* col = pw.data.get() + (j / nr) * pw.in * nr + j % nr;
    for (int64_t k = 0; k < pw.in; ++k) d[j * pw.in + k] = col[k * nr];
  }
  return w;
}

void run_linear_gemm(const LinearPlan& plan, const PackedLinear& pw, const float* x, const float* b, float* y,
                     const Epilogue& e) {
  const int mr = pw.uk->mr, nr = pw.uk->nr;
  const int64_t R = plan.rows, K = plan.in, N = plan.out;
  const int64_t nblocks = div_up(N, kNb), rblocks = div_up(R, kRb);
  const kernels::BiasAct* epi = &select_bias_act(e.act, N);
  const kernels::BiasAct* add_bias = &select_bias_act({}, N);
  core::parallel_for(nblocks * rblocks, grain(std::min(kNb, N) * K), [&](int64_t t0, int64_t t1) {
    thread_local std::vector<float> abuf;  // packed rows: all of K for one panel, else one K chunk
    float* const ab = aligned_scratch(abuf, R == 1 ? 0 : std::max(div_up(kRb, mr) * kKc, div_up(K, kKc) * kKc) * mr);
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t nb = t % nblocks, rb = t / nblocks;
      const int64_t n0 = nb * kNb, n1 = std::min(N, n0 + kNb), r0 = rb * kRb, r1 = std::min(R, r0 + kRb);
      if (r1 - r0 <= mr) {
        // One row panel (small batch): the weights dominate, so each weight panel is read in one
        // sequential sweep over K instead of one K chunk of every panel at a time. Same chunks,
        // same order of sums as below.
        const int m = static_cast<int>(r1 - r0);
        if (m == 1) {  // one row: up to four panels at a time, no idle tile rows
          for (int64_t j0 = n0; j0 < n1; j0 += 4 * nr) {
            const int np = static_cast<int>(std::min<int64_t>(4, div_up(n1 - j0, nr)));
            const int n_last = static_cast<int>(std::min<int64_t>(nr, n1 - (j0 + (np - 1) * nr)));
            for (int64_t k0 = 0, c = 0; k0 < K; k0 += kKc, ++c)
              pw.uk->gemv(std::min(kKc, K - k0), x + r0 * K + k0, pw.panel(j0 / nr, c), K * nr, np, y + r0 * N + j0,
                          n_last, c > 0);
          }
        } else {
          for (int64_t k0 = 0; k0 < K; k0 += kKc)
            kernels::pack_a(x, K, r0, m, k0, std::min(kKc, K - k0), mr, ab + k0 * mr);
          for (int64_t j0 = n0; j0 < n1; j0 += nr)
            for (int64_t k0 = 0, c = 0; k0 < K; k0 += kKc, ++c)
              pw.uk->run(std::min(kKc, K - k0), ab + k0 * mr, pw.panel(j0 / nr, c), nr, y + r0 * N + j0, N, m,
                         static_cast<int>(std::min<int64_t>(nr, n1 - j0)), c > 0, nullptr);
        }
      } else {
        for (int64_t k0 = 0, c = 0; k0 < K; k0 += kKc, ++c) {
          const int64_t kc_len = std::min(kKc, K - k0);
          for (int64_t i0 = r0, ip = 0; i0 < r1; i0 += mr, ++ip)
            kernels::pack_a(x, K, i0, static_cast<int>(std::min<int64_t>(mr, r1 - i0)), k0, kc_len, mr,
                            ab + ip * kc_len * mr);
          for (int64_t j0 = n0; j0 < n1; j0 += nr) {
            const float* bp = pw.panel(j0 / nr, c);
            for (int64_t i0 = r0, ip = 0; i0 < r1; i0 += mr, ++ip)
              pw.uk->run(kc_len, ab + ip * kc_len * mr, bp, nr, y + i0 * N + j0, N,
                         static_cast<int>(std::min<int64_t>(mr, r1 - i0)),
                         static_cast<int>(std::min<int64_t>(nr, n1 - j0)), c > 0, nullptr);
          }
        }
      }
      // Epilogue in the unfused order: + bias, then + residual, then the activation.
      for (int64_t r = r0; r < r1; ++r) {
        float* row = y + r * N + n0;
        const int64_t len = n1 - n0;
        const float* res = e.residual ? e.residual + r * N + n0 : nullptr;
        if (res) {
          if (b) add_bias->run(row, row, len, b + n0, 1, {});
          epi->run(row, row, len, res, 1, e.act);
        } else if (b || e.act.kind != Activation::identity) {
          epi->run(row, row, len, b ? b + n0 : nullptr, 1, e.act);
        }
      }
    }
  });
}

}  // namespace cnncore::ops
