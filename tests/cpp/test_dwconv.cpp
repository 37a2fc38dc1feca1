// Every depthwise variant against the reference plane (the SIMD variants fuse multiply-adds, so
// within a 9- or 25-term sum's rounding; NaN where the reference has NaN), over kernel sizes,
// strides, dilations, heights (odd and even: rows go in pairs) and widths that exercise the
// vector tails, with the fused ReLU / ReLU6 and a NaN input; then the blocked and direct paths
// bitwise against the plane kernel.
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "check.h"
#include "cnncore/runtime.h"
#include "kernels/dwconv/dwconv.h"

using namespace cnncore;

// The padded copy the plane kernel reads (dwconv.h): `rows` rows of ldx floats holding the H x W
// plane x at row pt and column pl, zeros elsewhere.
static std::vector<float> padded_plane(const float* x, int64_t H, int64_t W, int64_t pt, int64_t pl, int64_t rows,
                                       int64_t width, int64_t ldx) {
  std::vector<float> xp(rows * ldx, 0.f);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t q = 0; q < width; ++q) {
      const int64_t iy = r - pt, ix = q - pl;
      if (iy >= 0 && iy < H && ix >= 0 && ix < W) xp[r * ldx + q] = x[iy * W + ix];
    }
  return xp;
}

int main() {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> ud(-1.f, 1.f);
  int tested = 0;
  for (int ki = 0; ki < kernels::kDwCount; ++ki) {
    const auto& k = kernels::kDwKernels[ki];
    if (static_cast<int>(k.isa) > static_cast<int>(cpu_isa())) continue;
    ++tested;
    for (int64_t kh : {1, 3, 5})
      for (int64_t s : {1, 2})
        for (int64_t d : {1, 2})
          for (int64_t OW : {1, 7, 8, 15, 16, 17, 33})
            for (int64_t OH : {1, 2, 3, 6}) {
              kernels::DwParams p{OH, OW, kh, kh, s, s, d, d, 0};
              p.ldx = (OW - 1) * s + (kh - 1) * d + 1 + 32 * s;
              if (!k.fn.supports(p) && k.isa != Isa::scalar) continue;
              const int64_t rows = (p.OH - 1) * s + (kh - 1) * d + 1;
              std::vector<float> xp(rows * p.ldx), w(kh * kh), y(p.OH * OW + 1, 9.f), want(p.OH * OW);
              for (auto& v : xp) v = ud(rng);
              for (auto& v : w) v = ud(rng);
              xp[xp.size() / 3] = NAN;  // propagates through the sum and the activation alike
              for (int a = 0; a < 3; ++a) {
                kernels::DwAct act;
                if (a == 1) act.kind = kernels::DwAct::relu;
                if (a == 2) act = {kernels::DwAct::clip, -0.25f, 0.5f};
                kernels::ref::dwconv_plane(p, xp.data(), w.data(), 0.25f, act, want.data());
                k.fn.run(p, xp.data(), w.data(), 0.25f, act, y.data());
                const float tol = 4 * 1.2e-7f * static_cast<float>(kh * kh + 1);  // |x|, |w| <= 1
                bool ok = y.back() == 9.f;
                for (size_t i = 0; i < want.size(); ++i)
                  ok = ok && (std::isnan(want[i]) ? std::isnan(y[i]) : std::fabs(y[i] - want[i]) <= tol);
                CHECK(ok);
                if (!ok)
                  std::fprintf(stderr, "  dwconv %s k%lld s%lld d%lld OH%lld OW%lld act%d\n", k.name, (long long)kh,
                               (long long)s, (long long)d, (long long)OH, (long long)OW, a);
              }
            }
  }
  // The channel-blocked 3x3 and 5x5 path (small planes): bitwise the plane kernel on each
  // channel, read straight from NCHW planes, for partial blocks, odd sizes, stride 1 and 2,
  // paddings 0-2.
  for (int ki = 0; ki < kernels::kDwCount; ++ki) {
    const auto& k = kernels::kDwKernels[ki];
    if (static_cast<int>(k.isa) > static_cast<int>(cpu_isa()) || !k.fn.blocked) continue;
    const int L = k.fn.lanes;
    for (int64_t K : {3, 5})
      for (int nch : {1, L - 1, L})
        for (int64_t H : {1, 2, 7, 14, 17})
          for (int64_t s : {1, 2})
            for (int64_t pad : {0, 1, 2}) {
              const int64_t W = H + 3, OH = (H + 2 * pad - K) / s + 1, OW = (W + 2 * pad - K) / s + 1;
              if (H + 2 * pad < K || OH < 1 || OW < 1) continue;
              const kernels::DwBlockParams bp{H, W, OH, OW, s, pad, pad, H * W, K};
              std::vector<float> x(nch * H * W), w(nch * K * K), bias(nch), y(nch * OH * OW + 1, 7.f);
              std::vector<float> scratch(kernels::blocked_scratch_floats(bp, L));
              for (auto& v : x) v = ud(rng);
              for (auto& v : w) v = ud(rng);
              for (auto& v : bias) v = ud(rng);
              x[x.size() / 2] = NAN;
              const kernels::DwAct act{kernels::DwAct::clip, -0.5f, 0.5f};
              k.fn.blocked(bp, x.data(), w.data(), bias.data(), nch, act, scratch.data(), y.data());
              bool ok = y.back() == 7.f;  // nothing past the block's planes
              kernels::DwParams p{OH, OW, K, K, s, s, 1, 1, 0};
              const int64_t rows = (OH - 1) * s + K, width = (OW - 1) * s + K;
              p.ldx = width + 32 * s;
              for (int c = 0; c < nch; ++c) {
                const std::vector<float> xp = padded_plane(x.data() + c * H * W, H, W, pad, pad, rows, width, p.ldx);
                std::vector<float> want(OH * OW);
                k.fn.run(p, xp.data(), w.data() + c * K * K, bias[c], act, want.data());
                ok = ok && std::memcmp(want.data(), y.data() + c * OH * OW, want.size() * sizeof(float)) == 0;
              }
              CHECK(ok);
              if (!ok)
                std::fprintf(stderr, "  dwconv blocked %s k=%lld nch=%d H=%lld s=%lld pad=%lld\n", k.name, (long long)K,
                             nch, (long long)H, (long long)s, (long long)pad);
            }
  }
  // The 3x3 path read straight from the NCHW plane: bitwise the plane kernel on the padded copy
  // (zeros, NaN, -0 bias included), for widths around the vector length, every top and bottom
  // padding up to 2 rows, left padding 0 or 1 and right padding up to 2 columns; rows wide enough
  // for interior column groups at every stride and padding.
  for (int ki = 0; ki < kernels::kDwCount; ++ki) {
    const auto& k = kernels::kDwKernels[ki];
    if (static_cast<int>(k.isa) > static_cast<int>(cpu_isa()) || !k.fn.direct) continue;
    int cases = 0;
    for (int64_t W : {1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 56, 57, 64, 65, 100})
      for (int64_t H : {1, 2, 3, 6, 9})
        for (int64_t s : {1, 2})
          for (int64_t pt : {0, 1, 2})
            for (int64_t pb : {0, 1, 2})
              for (int64_t pl : {0, 1})
                for (int64_t pr : {0, 1, 2}) {
                  const int64_t OH = (H + pt + pb - 3) / s + 1, OW = (W + pl + pr - 3) / s + 1;
                  if (H + pt + pb < 3 || W + pl + pr < 3) continue;
                  // NaN on both sides of the plane: a read outside it shows in the output
                  constexpr int64_t guard = 64;
                  std::vector<float> xg(H * W + 2 * guard, NAN), w(9), y(OH * OW + 1, 7.f);
                  float* x = xg.data() + guard;
                  for (int64_t i = 0; i < H * W; ++i) x[i] = ud(rng) < -0.5f ? 0.f : ud(rng);
                  for (auto& v : w) v = ud(rng);
                  if (cases % 7 == 0) x[H * W / 2] = NAN;
                  const float bias = cases % 2 ? 0.25f : -0.f;
                  kernels::DwAct act;
                  if (cases % 3 == 1) act.kind = kernels::DwAct::relu;
                  if (cases % 3 == 2) act = {kernels::DwAct::clip, -0.5f, 0.5f};
                  k.fn.direct({H, W, OH, OW, s, pt, pl}, x, w.data(), bias, act, y.data());
                  kernels::DwParams p{OH, OW, 3, 3, s, s, 1, 1, 0};
                  const int64_t rows = (OH - 1) * s + 3, width = (OW - 1) * s + 3;
                  p.ldx = width + 32 * s;
                  const std::vector<float> xp = padded_plane(x, H, W, pt, pl, rows, width, p.ldx);
                  std::vector<float> want(OH * OW);
                  k.fn.run(p, xp.data(), w.data(), bias, act, want.data());
                  const bool ok = y.back() == 7.f && std::memcmp(want.data(), y.data(), want.size() * sizeof(float)) == 0;
                  CHECK(ok);
                  if (!ok)
                    std::fprintf(stderr, "  dwconv direct %s H=%lld W=%lld s=%lld pads %lld %lld %lld %lld\n", k.name,
                                 (long long)H, (long long)W, (long long)s, (long long)pt, (long long)pl, (long long)pb,
                                 (long long)pr);
                  ++cases;
                }
    CHECK(cases > 1000);
  }
  CHECK(tested >= 1);
  std::printf("dwconv variants tested on this CPU: %d of %d\n", tested, kernels::kDwCount);
  return report("test_dwconv");
}
