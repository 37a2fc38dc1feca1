// Every depthwise variant against the reference plane (the SIMD variants fuse multiply-adds, so
// within a 9- or 25-term sum's rounding; NaN where the reference has NaN), over kernel sizes,
// strides, dilations, heights (odd and even: rows go in pairs) and widths that exercise the
// vector tails, with the fused ReLU / ReLU6 and a NaN input.
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "check.h"
#include "cnncore/runtime.h"
#include "kernels/dwconv/dwconv.h"

using namespace cnncore;

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
  CHECK(tested >= 1);
  std::printf("dwconv variants tested on this CPU: %d of %d\n", tested, kernels::kDwCount);
  return report("test_dwconv");
}
