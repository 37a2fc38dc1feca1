// Scalar reference GEMM microkernel (4 x 8 tile): the spec for the SIMD variants.
#include "kernels/gemm/gemm.h"

namespace cnncore::kernels::ref {
namespace {
constexpr int MR = 4, NR = 8;

// A element (i, p) at a[i*si + p*sp]: packed (1, MR) or row-major (lda, 1); B row p at
// b + p*ldb, or at b + boff[p] when boff is given (only its first n columns are read).
void run_any(int64_t k, const float* a, int64_t si, int64_t sp, const float* b, int64_t ldb, float* c, int64_t ldc,
             int m, int n, bool accumulate, const TileEpilogue* ep = nullptr, const int64_t* boff = nullptr) {
  float acc[MR][NR] = {};
  const int nb = boff ? n : NR;
  for (int64_t p = 0; p < k; ++p)
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < nb; ++j) acc[i][j] += a[i * si + p * sp] * b[(boff ? boff[p] : p * ldb) + j];
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      float v = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
      if (ep) {  // as the reference eltwise ops (eltwise/ref.cpp)
        if (ep->bias) v = v + ep->bias[i];
        if (ep->res) v = v + ep->res[i * ep->ldr + j];
        if (ep->act == TileEpilogue::relu) v = v < 0.f ? 0.f : v;
        if (ep->act == TileEpilogue::clip) {
          v = v < ep->lo ? ep->lo : v;
          v = v > ep->hi ? ep->hi : v;
        }
      }
      c[i * ldc + j] = v;
    }
}

void run(int64_t k, const float* a, const float* b, int64_t ldb, float* c, int64_t ldc, int m, int n, bool accumulate,
         const TileEpilogue* ep) {
  run_any(k, a, 1, MR, b, ldb, c, ldc, m, n, accumulate, ep);
}

void run_rows(int64_t k, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, int m, int n,
              bool accumulate) {
  run_any(k, a, lda, 1, b, NR, c, ldc, m, n, accumulate);
}

void gemv(int64_t k, const float* x, const float* b, int64_t ldp, int np, float* y, int n_last, bool accumulate) {
  for (int q = 0; q < np; ++q)
    run_any(k, x, 0, 1, b + q * ldp, NR, y + q * NR, 0, 1, q == np - 1 ? n_last : NR, accumulate);
}
void run_offs(int64_t k, const float* a, const float* b, const int64_t* boff, float* c, int64_t ldc, int m, int n,
              const TileEpilogue* ep) {
  run_any(k, a, 1, MR, b, 0, c, ldc, m, n, false, ep, boff);
}
}  // namespace

extern const GemmUkernel gemm_ukernel{MR, NR, run, run_rows, gemv, run_offs};

}  // namespace cnncore::kernels::ref
