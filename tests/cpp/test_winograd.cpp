// Winograd F(4x4, 3x3), F(3x3, 4x4) and F(2x2, 5x5) transforms: the reference against the definition (B^T d B,
// A^T m A and the full identity A^T[(G g G^T) . (B^T d B)]A = r x r correlation, in double), and every SIMD
// variant against the reference, bitwise (the same operations in the same order), including the
// channel-blocking pack with channel and column tails.
#include <cmath>
#include <random>
#include <vector>

#include "check.h"
#include "cnncore/runtime.h"
#include "kernels/winograd/winograd.h"

using namespace cnncore;

namespace {
const double BT[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                         {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
const double AT[4][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
const double AT2[2][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 1}};  // F(2x2, 5x5)
const double AT3[3][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 1}};  // F(3x3, 4x4)
}  // namespace

int main() {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> ud(-1.f, 1.f);
  const kernels::WinogradKernel& ref = *kernels::kWinogradKernels[kernels::kWinogradCount - 1].fn;

  // The reference, one lane, against the definition.
  for (int trial = 0; trial < 20; ++trial) {
    float d[36], g[9], v[36], u[36], y[16];
    for (float& e : d) e = ud(rng);
    for (float& e : g) e = ud(rng);
    ref.input(d, 6, 1, v, 1);
    kernels::winograd_filter(g, 3, u);
    bool ok_in = true;
    for (int i = 0; i < 6; ++i)
      for (int j = 0; j < 6; ++j) {
        double s = 0;
        for (int a = 0; a < 6; ++a)
          for (int b = 0; b < 6; ++b) s += BT[i][a] * d[a * 6 + b] * BT[j][b];
        ok_in = ok_in && std::fabs(v[i * 6 + j] - s) <= 1e-5;
      }
    CHECK(ok_in);
    float m[36], zero = 0.f;
    for (int i = 0; i < 36; ++i) m[i] = u[i] * v[i];
    ref.output(m, 1, &zero, -INFINITY, INFINITY, 1, y, 16, 4);
    bool ok_conv = true;
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 4; ++c) {
        double s = 0;
        for (int ky = 0; ky < 3; ++ky)
          for (int kx = 0; kx < 3; ++kx) s += static_cast<double>(d[(r + ky) * 6 + c + kx]) * g[ky * 3 + kx];
        ok_conv = ok_conv && std::fabs(y[r * 4 + c] - s) <= 1e-4;
      }
    CHECK(ok_conv);
    // F(2x2, 5x5): the same input transform, its own filter and output transforms
    float g5[25], u5[36], y2[4];
    for (float& e : g5) e = ud(rng);
    kernels::winograd_filter(g5, 5, u5);
    for (int i = 0; i < 36; ++i) m[i] = u5[i] * v[i];
    ref.output2(m, 1, &zero, -INFINITY, INFINITY, 1, y2, 4, 2);
    bool ok_conv5 = true;
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 2; ++c) {
        double s = 0;
        for (int ky = 0; ky < 5; ++ky)
          for (int kx = 0; kx < 5; ++kx) s += static_cast<double>(d[(r + ky) * 6 + c + kx]) * g5[ky * 5 + kx];
        ok_conv5 = ok_conv5 && std::fabs(y2[r * 2 + c] - s) <= 1e-4;
      }
    CHECK(ok_conv5);
    // F(3x3, 4x4): the same input transform, a 4x4 filter, a 3x3 output tile
    float g4[16], u4[36], y3[9];
    for (float& e : g4) e = ud(rng);
    kernels::winograd_filter(g4, 4, u4);
    for (int i = 0; i < 36; ++i) m[i] = u4[i] * v[i];
    ref.output3(m, 1, &zero, -INFINITY, INFINITY, 1, y3, 9, 3);
    bool ok_conv4 = true;
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) {
        double s4 = 0;
        for (int ky = 0; ky < 4; ++ky)
          for (int kx = 0; kx < 4; ++kx) s4 += static_cast<double>(d[(r + ky) * 6 + c + kx]) * g4[ky * 4 + kx];
        ok_conv4 = ok_conv4 && std::fabs(y3[r * 3 + c] - s4) <= 1e-4;
      }
    CHECK(ok_conv4);
    double s = 0;  // A^T m A of a one-hot m picks out a product of A's entries
    float oh[36] = {}, yo[16], yo2[4];
    oh[6 * 3 + 4] = 1.f;
    ref.output(oh, 1, &zero, -INFINITY, INFINITY, 1, yo, 16, 4);
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 4; ++c) s += std::fabs(yo[r * 4 + c] - AT[r][3] * AT[c][4]);
    oh[6 * 3 + 4] = 0.f;
    oh[6 * 5 + 2] = 1.f;
    ref.output2(oh, 1, &zero, -INFINITY, INFINITY, 1, yo2, 4, 2);
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 2; ++c) s += std::fabs(yo2[r * 2 + c] - AT2[r][5] * AT2[c][2]);
    float yo3[9];
    ref.output3(oh, 1, &zero, -INFINITY, INFINITY, 1, yo3, 9, 3);
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) s += std::fabs(yo3[r * 3 + c] - AT3[r][5] * AT3[c][2]);
    CHECK(s == 0);
  }

  int tested = 0;
  for (int ki = 0; ki < kernels::kWinogradCount; ++ki) {
    const auto& k = kernels::kWinogradKernels[ki];
    if (static_cast<int>(k.isa) > static_cast<int>(cpu_isa()) || k.isa == Isa::scalar) continue;
    ++tested;
    const int L = k.fn->lanes;
    // pack: channel tails (nch < L) and column tails (n not a multiple of L)
    for (int nch : {1, L / 2 + 1, L})
      for (int64_t n : {int64_t{1}, int64_t{L - 1}, int64_t{L}, int64_t{2 * L + 3}}) {
        const int64_t ld = n + 5;
        std::vector<float> x(L * ld), a(n * L + 7, 9.f), b(n * L + 7, 9.f);
        for (float& e : x) e = ud(rng);
        k.fn->pack(x.data(), ld, nch, n, L, a.data());
        ref.pack(x.data(), ld, nch, n, L, b.data());
        CHECK(a == b);
        if (a != b) std::fprintf(stderr, "  pack %s nch=%d n=%lld\n", k.name, nch, (long long)n);
      }
    // input/output transforms, bitwise, with strided layouts as the op uses them
    for (int trial = 0; trial < 10; ++trial) {
      const int64_t ldx = 7 * L + 3, ldv = 3 * L + 1;
      std::vector<float> x(6 * ldx), va(36 * ldv, 0.f), vb(36 * ldv, 0.f), bias(L);
      for (float& e : x) e = ud(rng) * 10.f;
      for (float& e : bias) e = ud(rng);
      k.fn->input(x.data(), ldx, L, va.data(), ldv);
      ref.input(x.data(), ldx, L, vb.data(), ldv);
      CHECK(va == vb);
      const int64_t ldc = 37, ldr = 9;  // L planes, rows 9 floats apart
      const float clamps[3][2] = {{-INFINITY, INFINITY}, {0.f, INFINITY}, {0.f, 6.f}};  // none, ReLU, ReLU6
      for (const auto& c : clamps) {
        std::vector<float> ya(L * ldc, 5.f), yb(L * ldc, 5.f);
        k.fn->output(va.data(), ldv, bias.data(), c[0], c[1], L, ya.data(), ldc, ldr);
        ref.output(vb.data(), ldv, bias.data(), c[0], c[1], L, yb.data(), ldc, ldr);
        CHECK(ya == yb);  // also: nothing outside the 4x4 tiles written (both start at 5)
        std::vector<float> za(L * ldc, 5.f), zb(L * ldc, 5.f);
        k.fn->output2(va.data(), ldv, bias.data(), c[0], c[1], L, za.data(), ldc, ldr);
        ref.output2(vb.data(), ldv, bias.data(), c[0], c[1], L, zb.data(), ldc, ldr);
        CHECK(za == zb);  // and outside the 2x2 tiles
        std::vector<float> wa(L * ldc, 5.f), wb(L * ldc, 5.f);
        k.fn->output3(va.data(), ldv, bias.data(), c[0], c[1], L, wa.data(), ldc, ldr);
        ref.output3(vb.data(), ldv, bias.data(), c[0], c[1], L, wb.data(), ldc, ldr);
        CHECK(wa == wb);  // and outside the 3x3 tiles
        // the blocked layout: pixel vectors, rows 5 pixels apart; also equal to the planes' values
        const int64_t ldp = 5 * L;
        std::vector<float> pa(4 * ldp, 5.f), pb(4 * ldp, 5.f), qa(2 * ldp, 5.f), qb(2 * ldp, 5.f);
        k.fn->output_px(va.data(), ldv, bias.data(), c[0], c[1], L, pa.data(), ldp);
        ref.output_px(vb.data(), ldv, bias.data(), c[0], c[1], L, pb.data(), ldp);
        CHECK(pa == pb);
        k.fn->output2_px(va.data(), ldv, bias.data(), c[0], c[1], L, qa.data(), ldp);
        ref.output2_px(vb.data(), ldv, bias.data(), c[0], c[1], L, qb.data(), ldp);
        CHECK(qa == qb);
        std::vector<float> ra(3 * ldp, 5.f), rb(3 * ldp, 5.f);
        k.fn->output3_px(va.data(), ldv, bias.data(), c[0], c[1], L, ra.data(), ldp);
        ref.output3_px(vb.data(), ldv, bias.data(), c[0], c[1], L, rb.data(), ldp);
        CHECK(ra == rb);
        bool same = true;
        for (int l = 0; l < L; ++l)
          for (int r = 0; r < 4; ++r)
            for (int cc = 0; cc < 4; ++cc) same = same && pa[r * ldp + cc * L + l] == ya[l * ldc + r * ldr + cc];
        CHECK(same);
      }
    }
  }
  std::printf("winograd variants tested on this CPU: %d of %d\n", tested, kernels::kWinogradCount - 1);
  return report("test_winograd");
}
