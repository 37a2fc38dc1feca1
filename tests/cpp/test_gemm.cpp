// Every GEMM microkernel in the dispatch list against the reference microkernel's definition
// (plain sums in double), for every edge tile shape, with and without accumulation, at each
// ISA level the CPU has.
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "check.h"
#include "cnncore/runtime.h"
#include "kernels/gemm/gemm.h"

using namespace cnncore;

// B rows for run_offs: row p of the first n columns of B (stride nr) at base + off[p], rows in
// reverse order with 3 NaN floats between them, the last one in memory ending where a page that
// may not be read begins, so a load past column n faults.
struct GuardedRows {
  size_t bytes = 0;
  char* map = nullptr;
  float* base = nullptr;
  std::vector<int64_t> off;
  GuardedRows(const std::vector<float>& B, int64_t K, int nr, int n) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const int64_t stride = n + 3, floats = K * stride;
    bytes = (static_cast<size_t>(floats) * sizeof(float) + page - 1) / page * page + page;
    map = static_cast<char*>(mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    mprotect(map + bytes - page, page, PROT_NONE);
    base = reinterpret_cast<float*>(map + bytes - page) - floats;
    for (int64_t i = 0; i < floats; ++i) base[i] = NAN;
    off.resize(static_cast<size_t>(K));
    for (int64_t p = 0; p < K; ++p) {
      off[p] = (K - 1 - p) * stride + 3;  // row K-1 first; row 0 ends at the guard page
      std::memcpy(base + off[p], B.data() + p * nr, n * sizeof(float));
    }
  }
  ~GuardedRows() { munmap(map, bytes); }
};

int main() {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> ud(-1.f, 1.f);
  int tested = 0;
  for (int ki = 0; ki < kernels::kGemmCount; ++ki) {
    const auto& k = kernels::kGemmKernels[ki];
    if (static_cast<int>(k.isa) > static_cast<int>(cpu_isa())) continue;
    ++tested;
    const kernels::GemmUkernel& uk = *k.fn;
    for (int64_t K : {1, 2, 7, 64, 300}) {
      // A [mr x K] and B [K x nr] full panels, packed through the shared packing code.
      std::vector<float> A(uk.mr * K), B(K * uk.nr), ap(uk.mr * K), bp(K * uk.nr);
      for (auto& v : A) v = ud(rng);
      for (auto& v : B) v = ud(rng);
      for (int m = 1; m <= uk.mr; ++m) {
        for (int n = 1; n <= uk.nr; ++n) {
          kernels::pack_a(A.data(), K, 0, m, 0, K, uk.mr, ap.data());
          kernels::pack_b(B.data(), uk.nr, 0, K, 0, n, uk.nr, bp.data());
          for (int accumulate = 0; accumulate < 2; ++accumulate) {
            const int64_t ldc = uk.nr + 3;
            std::vector<float> C(uk.mr * ldc, 0.5f);
            uk.run(K, ap.data(), bp.data(), uk.nr, C.data(), ldc, m, n, accumulate != 0, nullptr);
            bool ok = true;
            for (int i = 0; i < uk.mr; ++i)
              for (int64_t j = 0; j < ldc; ++j) {
                if (i >= m || j >= n) {
                  ok = ok && C[i * ldc + j] == 0.5f;  // nothing outside the tile is written
                  continue;
                }
                double s = accumulate ? 0.5 : 0.0;
                for (int64_t p = 0; p < K; ++p) s += static_cast<double>(A[i * K + p]) * B[p * uk.nr + j];
                ok = ok && std::fabs(C[i * ldc + j] - s) <= 4 * 1.2e-7 * (K + 1);
              }
            CHECK(ok);
            if (!ok) std::fprintf(stderr, "  gemm %s K=%lld m=%d n=%d acc=%d\n", k.name, (long long)K, m, n, accumulate);
            // B rows read in place through offsets (a convolution's patch rows), columns < n
            // only: bitwise the packed panel's tile
            if (!accumulate) {
              GuardedRows g(B, K, uk.nr, n);
              std::vector<float> C5(uk.mr * ldc, 0.5f);
              uk.run_offs(K, ap.data(), g.base, g.off.data(), C5.data(), ldc, m, n, nullptr);
              CHECK(C5 == C);
              if (C5 != C) std::fprintf(stderr, "  run_offs %s K=%lld m=%d n=%d\n", k.name, (long long)K, m, n);
            }
            // run_rows reads A row-major (stride K + 2) and must give the same sums, bitwise
            std::vector<float> Ar(m * (K + 2), 0.f), C2(uk.mr * ldc, 0.5f);
            for (int i = 0; i < m; ++i)
              for (int64_t p = 0; p < K; ++p) Ar[i * (K + 2) + p] = A[i * K + p];
            uk.run_rows(K, Ar.data(), K + 2, bp.data(), C2.data(), ldc, m, n, accumulate != 0);
            CHECK(C2 == C);
            // a narrow tile (the half path, n <= nr/2, and the column tails) gives the full-width
            // tile's columns, bitwise
            std::vector<float> C3(uk.mr * ldc, 0.5f);
            uk.run(K, ap.data(), bp.data(), uk.nr, C3.data(), ldc, m, uk.nr, accumulate != 0, nullptr);
            bool same = true;
            for (int i = 0; i < m; ++i)
              for (int j = 0; j < n; ++j) same = same && C3[i * ldc + j] == C[i * ldc + j];
            CHECK(same);
            // B read in place (row stride wider than NR, as a 1x1 convolution's input rows):
            // bitwise the packed panel's full-width tile
            if (n == uk.nr) {
              const int64_t ldb = uk.nr + 5;
              std::vector<float> Bw(K * ldb, NAN), C4(uk.mr * ldc, 0.5f);
              for (int64_t p = 0; p < K; ++p)
                for (int j = 0; j < uk.nr; ++j) Bw[p * ldb + j] = B[p * uk.nr + j];
              uk.run(K, ap.data(), Bw.data(), ldb, C4.data(), ldc, m, uk.nr, accumulate != 0, nullptr);
              CHECK(C4 == C3);
            }
          }
        }
      }
    }
  }
  // the fused tile epilogue: bitwise the unfused order (+ bias, + residual, activation) done after
  for (int ki = 0; ki < kernels::kGemmCount; ++ki) {
    const auto& k = kernels::kGemmKernels[ki];
    if (static_cast<int>(k.isa) > static_cast<int>(cpu_isa())) continue;
    const kernels::GemmUkernel& uk = *k.fn;
    const int64_t K = 37, ldc = uk.nr + 5;
    std::vector<float> A(uk.mr * K), B(K * uk.nr), ap(uk.mr * K), bp(K * uk.nr), bias(uk.mr), res(uk.mr * ldc);
    for (auto& v : A) v = ud(rng);
    for (auto& v : B) v = ud(rng);
    for (auto& v : bias) v = ud(rng);
    for (auto& v : res) v = ud(rng);
    res[3] = std::nanf("");
    kernels::pack_a(A.data(), K, 0, uk.mr, 0, K, uk.mr, ap.data());
    kernels::pack_b(B.data(), uk.nr, 0, K, 0, uk.nr, uk.nr, bp.data());
    for (int act = 0; act < 3; ++act)
      for (int with_res = 0; with_res < 2; ++with_res)
        for (int n : {1, 3, uk.nr / 2, uk.nr / 2 + 1, uk.nr / 2 + 4, uk.nr - 3, uk.nr}) {
          kernels::TileEpilogue ep;
          ep.bias = bias.data();
          ep.res = with_res ? res.data() : nullptr;
          ep.ldr = ldc;
          ep.act = static_cast<kernels::TileEpilogue::Act>(act);
          ep.lo = -0.25f;
          ep.hi = 0.5f;
          std::vector<float> got(uk.mr * ldc, 0.5f), want(got);
          uk.run(K, ap.data(), bp.data(), uk.nr, got.data(), ldc, uk.mr, n, true, &ep);
          uk.run(K, ap.data(), bp.data(), uk.nr, want.data(), ldc, uk.mr, n, true, nullptr);
          bool ok = true;
          for (int i = 0; i < uk.mr; ++i)
            for (int64_t j = 0; j < ldc; ++j) {
              float v = want[i * ldc + j];
              if (j < n) {
                v = v + bias[i];
                if (with_res) v = v + res[i * ldc + j];
                if (act == 1) v = v < 0.f ? 0.f : v;
                if (act == 2) v = v < ep.lo ? ep.lo : (v > ep.hi ? ep.hi : v);
              }
              const float g = got[i * ldc + j];
              ok = ok && (g == v || (std::isnan(g) && std::isnan(v)));
            }
          CHECK(ok);
          if (!ok) std::fprintf(stderr, "  epilogue %s act=%d res=%d n=%d\n", k.name, act, with_res, n);
          // run_offs fuses the same epilogue: bitwise run()'s tile when not accumulating
          std::vector<float> fresh(uk.mr * ldc, 0.5f), offs(fresh);
          uk.run(K, ap.data(), bp.data(), uk.nr, fresh.data(), ldc, uk.mr, n, false, &ep);
          GuardedRows g(B, K, uk.nr, n);
          uk.run_offs(K, ap.data(), g.base, g.off.data(), offs.data(), ldc, uk.mr, n, &ep);
          bool same = true;
          for (size_t i = 0; i < offs.size(); ++i)
            same = same && (offs[i] == fresh[i] || (std::isnan(offs[i]) && std::isnan(fresh[i])));
          CHECK(same);
        }
  }
  // gemv: one row against up to four panels, bitwise run()'s with m = 1
  for (int ki = 0; ki < kernels::kGemmCount; ++ki) {
    const auto& k = kernels::kGemmKernels[ki];
    if (static_cast<int>(k.isa) > static_cast<int>(cpu_isa())) continue;
    const kernels::GemmUkernel& uk = *k.fn;
    for (int64_t K : {1, 5, 64, 257})
      for (int np = 1; np <= 4; ++np)
        for (int n_last : {1, uk.nr / 2 + 1, uk.nr})
          for (int accumulate = 0; accumulate < 2; ++accumulate) {
            const int64_t ldp = K * uk.nr + 7;
            std::vector<float> x(K), ap(K * uk.mr, 0.f), b(np * ldp);
            for (auto& v : x) v = ud(rng);
            for (auto& v : b) v = ud(rng);
            for (int64_t p = 0; p < K; ++p) ap[p * uk.mr] = x[p];
            std::vector<float> want(np * uk.nr + 3, 0.25f), got(want);
            for (int q = 0; q < np; ++q)
              uk.run(K, ap.data(), b.data() + q * ldp, uk.nr, want.data() + q * uk.nr, 0, 1, q == np - 1 ? n_last : uk.nr,
                     accumulate != 0, nullptr);
            uk.gemv(K, x.data(), b.data(), ldp, np, got.data(), n_last, accumulate != 0);
            CHECK(got == want);
            if (got != want)
              std::fprintf(stderr, "  gemv %s K=%lld np=%d n_last=%d acc=%d\n", k.name, (long long)K, np, n_last,
                           accumulate);
          }
  }
  CHECK(tested >= 1);
  std::printf("gemm microkernels tested on this CPU: %d of %d\n", tested, kernels::kGemmCount);
  return report("test_gemm");
}
