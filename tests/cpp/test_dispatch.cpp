// Dispatch: the ISA cap, and every eltwise variant in the .inc list against the scalar
// reference on random data with every tail length, with each ISA level forced in turn.
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "check.h"
#include "cnncore/error.h"
#include "cnncore/runtime.h"
#include "kernels/eltwise/eltwise.h"
#include "ops/op_util.h"

using namespace cnncore;

static bool same_bits(float a, float b) {
  return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
}

int main() {
  CHECK(parse_isa("avx2") == Isa::avx2);
  CHECK_THROWS(parse_isa("sse"), InvalidArgument);
  const Isa cpu = cpu_isa();
  set_max_isa(Isa::scalar);
  CHECK(active_isa() == Isa::scalar);
  const ActivationSpec relu{Activation::relu, 0.f, 0.f};
  CHECK(std::string(core::select_kernel("eltwise", kernels::kBiasActKernels,
                                        [](const auto&) -> const char* { return nullptr; }, [] { return std::string(); })
                        .name) == "ref");
  set_max_isa(Isa::avx512);
  CHECK(static_cast<int>(active_isa()) <= static_cast<int>(cpu));
  CHECK(kernels::kBiasActKernels[kernels::kBiasActCount - 1].isa == Isa::scalar);

  std::mt19937 rng(42);
  std::normal_distribution<float> nd(0.f, 4.f);
  const ActivationSpec acts[] = {{Activation::identity, 0, 0},  {Activation::relu, 0, 0},
                                 {Activation::leaky_relu, 0.1f, 0}, {Activation::clip, -1.f, 2.5f},
                                 {Activation::clip, 0.f, 6.f},   {Activation::hardsigmoid, 0.2f, 0.5f},
                                 {Activation::hardswish, 0, 0}};
  int variants_tested = 0;
  for (int ki = 0; ki < kernels::kBiasActCount; ++ki) {
    const auto& k = kernels::kBiasActKernels[ki];
    if (static_cast<int>(k.isa) > static_cast<int>(cpu)) continue;  // cannot run here
    set_max_isa(k.isa);
    ++variants_tested;
    for (const auto& act : acts) {
      CHECK(k.fn.supports(act.kind));
      for (int n = 0; n <= 70; ++n) {
        std::vector<float> x(n), bias(n), y(n + 1, 7.f), want(n);
        for (auto& v : x) v = nd(rng);
        for (auto& v : bias) v = nd(rng);
        if (n > 3) x[3] = NAN;
        for (int mode = 0; mode < 3; ++mode) {  // no bias, row bias, per-element bias
          const float* b = mode == 0 ? nullptr : bias.data();
          const int64_t bs = mode == 2 ? 1 : 0;
          kernels::ref::bias_act(x.data(), want.data(), n, b, bs, act);
          k.fn.run(x.data(), y.data(), n, b, bs, act);
          bool ok = y[n] == 7.f;  // nothing written past the end
          for (int i = 0; i < n; ++i) ok = ok && same_bits(y[i], want[i]);
          CHECK(ok);
          if (!ok) std::fprintf(stderr, "  variant %s act %d n %d bias mode %d\n", k.name, int(act.kind), n, mode);
        }
      }
    }
  }
  set_max_isa(Isa::avx512);
  CHECK(variants_tested >= 1);
  std::printf("eltwise variants tested on this CPU: %d of %d\n", variants_tested, kernels::kBiasActCount);
  return report("test_dispatch");
}
