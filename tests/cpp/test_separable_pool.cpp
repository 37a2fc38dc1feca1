// Every max and average pooling variant against the reference planes of kernels/pool (the spec):
// bitwise, over kernel sizes, strides, dilations (max only), paddings (windows clipped at every
// edge, ceil-mode windows past the end), count_include_pad and divisor_override, and widths that
// exercise the vector tails, signed zeros included; a max plane with a NaN in a window must be
// reported, not pooled (one whose NaN no window covers may be pooled), and an average plane must
// carry the NaN as the reference does.
#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "check.h"
#include "cnncore/runtime.h"
#include "kernels/separable_pool/separable_pool.h"

using namespace cnncore;

namespace {

// Output size as the pooling op computes it; in ceil mode, a last partial window that starts
// inside the input or its left padding.
int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pad, bool ceil) {
  const int64_t span = in + 2 * pad - d * (k - 1) - 1;
  if (span < 0) return 0;
  const int64_t n = span / s + 1;
  return ceil && span % s != 0 && n * s < in + pad ? n + 1 : n;
}

}  // namespace

int main() {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> ud(-1.f, 1.f);
  int tested = 0;
  for (int ki = 0; ki < kernels::kPoolCount; ++ki) {
    if (static_cast<int>(kernels::kMaxPoolKernels[ki].isa) > static_cast<int>(cpu_isa())) continue;
    ++tested;
    for (bool avg : {false, true}) {
      const auto& k = (avg ? kernels::kAvgPoolKernels : kernels::kMaxPoolKernels)[ki];
      const auto reference = avg ? kernels::ref::avg_pool2d_plane : kernels::ref::max_pool2d_plane;
      for (int64_t kw : {1, 2, 3, 5})
        for (int64_t s : {1, 2, 3})
          for (int64_t d : {1, 2})
            for (int64_t pad : {int64_t(0), (kw - 1) * d / 2, int64_t(1)})
              for (bool ceil : {false, true})
                for (int64_t W : {1, 2, 5, 16, 17, 31, 33, 64, 70, 97}) {
                  if (pad >= kw || (avg && d > 1)) continue;  // the op's rule: padding below the kernel
                  kernels::PoolParams p{};
                  p.H = 1 + W % 7;
                  p.W = W;
                  p.kh = kw == 5 ? 3 : kw;
                  p.kw = kw;
                  p.sh = s;
                  p.sw = s;
                  p.dh = p.dw = d;
                  p.pt = p.pb = pad > 0 && p.kh > 1 ? std::min<int64_t>(pad, (p.kh - 1) * d / 2) : 0;
                  p.pl = p.pr = pad;
                  p.OH = out_size(p.H, p.kh, s, d, p.pt, ceil);
                  p.OW = out_size(W, kw, s, d, pad, ceil);
                  p.count_include_pad = (W + s) % 2 == 0;
                  p.divisor_override = avg && W == 33 && s == 2 ? 7 : 0;
                  if (p.OH < 1 || p.OW < 1 || !k.fn.supports(p)) continue;
                  std::vector<float> x(p.H * W), y(p.OH * p.OW + 1, 9.f), want(p.OH * p.OW);
                  std::vector<float> scratch(kernels::pool_scratch(p));
                  for (auto& v : x) v = ud(rng);
                  if (!avg) {
                    x[0] = -INFINITY;
                    x[x.size() / 2] = INFINITY;
                  }
                  // Every value -0 first: the sums' signed zeros must be the reference's too.
                  auto same = [](float a, float b) { return a == b && std::signbit(a) == std::signbit(b); };
                  std::vector<float> zeros(x.size(), -0.f);
                  reference(p, zeros.data(), want.data());
                  bool ok = k.fn.run(p, zeros.data(), y.data(), scratch.data()) && y.back() == 9.f;
                  for (size_t i = 0; i < want.size(); ++i) ok = ok && same(y[i], want[i]);
                  reference(p, x.data(), want.data());
                  ok = ok && k.fn.run(p, x.data(), y.data(), scratch.data()) && y.back() == 9.f;
                  for (size_t i = 0; i < want.size(); ++i) ok = ok && same(y[i], want[i]);
                  // A NaN in the last element, which some windows cover and others skip.
                  x[x.size() - 1] = NAN;
                  reference(p, x.data(), want.data());
                  const bool in_window = std::any_of(want.begin(), want.end(), [](float v) { return std::isnan(v); });
                  const bool pooled = k.fn.run(p, x.data(), y.data(), scratch.data());
                  if (avg || (pooled && !in_window)) {
                    ok = ok && pooled;
                    for (size_t i = 0; i < want.size(); ++i) ok = ok && (y[i] == want[i] || (std::isnan(y[i]) && std::isnan(want[i])));
                  } else {
                    ok = ok && !pooled;  // a max window holding a NaN is the reference's to pool
                  }
                  CHECK(ok);
                  if (!ok)
                    std::fprintf(stderr, "  %s %s k%lldx%lld s%lld d%lld pad%lld ceil%d H%lld W%lld\n",
                                 avg ? "avgpool" : "maxpool", k.name, (long long)p.kh, (long long)kw, (long long)s,
                                 (long long)d, (long long)pad, int(ceil), (long long)p.H, (long long)W);
                }
    }
  }
  CHECK(tested >= 1);
  std::printf("separable pooling variants tested on this CPU: %d of %d\n", tested, kernels::kPoolCount);
  return report("test_separable_pool");
}
