// Every blocked-layout variant against the reference (kernels/nchwc/ref.cpp, the spec), bitwise:
// pointwise over channel counts that leave partial blocks, pixel ranges that end in partial
// register tiles and odd ranges of output blocks; depthwise over windows, strides, dilations and
// paddings that put every pixel of small planes on a border, and bands of rows; both with and
// without a residual, with each fused activation, and with NaN and Inf in the input; the direct
// first-layer kernel likewise; the squeeze-excitation pool and scale. The reorders round-trip
// and zero the padding lanes.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "check.h"
#include "cnncore/runtime.h"
#include "kernels/nchwc/nchwc.h"

using namespace cnncore;

namespace {

// Equal bits, or both NaN (which NaN an operation returns may differ between instructions).
bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!(std::isnan(a[i]) && std::isnan(b[i])) && std::memcmp(&a[i], &b[i], sizeof(float)) != 0) return false;
  return true;
}

std::vector<float> random_vec(std::mt19937& rng, size_t n) {
  std::uniform_real_distribution<float> ud(-2.f, 2.f);
  std::vector<float> v(n);
  for (auto& f : v) f = ud(rng);
  return v;
}

// The activations the kernels apply as they store (the piecewise-linear ones).
const ActivationSpec kActs[] = {{Activation::identity, 0.f, 0.f},   {Activation::relu, 0.f, 0.f},
                                {Activation::clip, 0.f, 6.f},       {Activation::leaky_relu, 0.1f, 0.f},
                                {Activation::hardsigmoid, 0.2f, 0.5f}, {Activation::hardswish, 0.f, 0.f}};

// For every activation, with and without the residual `res`: the reference over output rows
// [0, OH) against the kernel over [0, OH/2) then [OH/2, OH) (two bands), bitwise.
// run(use_ref, res or null, act, y, oy0, oy1) calls one of them; describe(act, with_res) prints
// the failing case.
template <class Run, class Describe>
void check_row_bands(size_t out_size, int64_t OH, const std::vector<float>& res, Run&& run, Describe&& describe) {
  const int64_t mid = OH / 2;
  for (const ActivationSpec& act : kActs)
    for (bool with_res : {false, true}) {
      std::vector<float> want(out_size, 7.f), got(want);
      const float* r = with_res ? res.data() : nullptr;
      run(true, r, act, want.data(), 0, OH);
      run(false, r, act, got.data(), 0, mid);
      run(false, r, act, got.data(), mid, OH);
      const bool ok = same_bits(want, got);
      CHECK(ok);
      if (!ok) describe(act, with_res);
    }
}

}  // namespace

int main() {
  std::mt19937 rng(11);
  int tested = 0;
  const auto& ref = kernels::kNchwcKernels[kernels::kNchwcCount - 1].fn;
  CHECK(ref.lanes == 0);
  for (int ki = 0; ki + 1 < kernels::kNchwcCount; ++ki) {
    const auto& k = kernels::kNchwcKernels[ki];
    if (static_cast<int>(k.isa) > static_cast<int>(cpu_isa())) continue;
    ++tested;
    const int L = k.fn.lanes;
    CHECK(L == 8 || L == 16);

    // Pointwise.
    for (int64_t C : {1, 3, 16, 17, 40})
      for (int64_t K : {1, 5, 16, 24, 33})
        for (int64_t HW : {1, 7, 14, 15, 29, 100}) {
          const int64_t Cb = (C + L - 1) / L, Kb = (K + L - 1) / L;
          const kernels::NchwcPwParams p{C, K, HW, L};
          auto x = random_vec(rng, Cb * HW * L), w = random_vec(rng, Kb * C * L), bias = random_vec(rng, Kb * L);
          auto res = random_vec(rng, Kb * HW * L);
          x[0] = NAN;
          x[x.size() - 1] = INFINITY;
          std::uniform_int_distribution<int64_t> pix(0, HW), blk(0, Kb);
          int64_t p0 = pix(rng), p1 = pix(rng), kb0 = blk(rng), kb1 = blk(rng);
          if (p0 > p1) std::swap(p0, p1);
          if (kb0 > kb1) std::swap(kb0, kb1);
          if (HW < 20) p0 = 0, p1 = HW;  // the whole of small planes, also the full ranges
          if (K < 20) kb0 = 0, kb1 = Kb;
          for (const ActivationSpec& act : kActs)
            for (bool with_res : {false, true}) {
              std::vector<float> want(Kb * HW * L, 7.f), got(want);
              const float* r = with_res ? res.data() : nullptr;
              ref.pointwise(p, x.data(), w.data(), bias.data(), r, act, want.data(), p0, p1, kb0, kb1);
              k.fn.pointwise(p, x.data(), w.data(), bias.data(), r, act, got.data(), p0, p1, kb0, kb1);
              const bool ok = same_bits(want, got);
              CHECK(ok);
              if (!ok)
                std::fprintf(stderr, "  pointwise %s C%lld K%lld HW%lld pixels [%lld,%lld) blocks [%lld,%lld) act%d res%d\n",
                             k.name, (long long)C, (long long)K, (long long)HW, (long long)p0, (long long)p1,
                             (long long)kb0, (long long)kb1, static_cast<int>(act.kind), with_res);
            }
        }

    // Pointwise into a buffer whose blocks lie ystride pixels apart (a band of rows in the fused
    // pointwise -> depthwise scratch): the plane's values at the new stride, the gaps untouched.
    for (int64_t HW : {7, 37})
      for (int64_t gap : {1, 16}) {
        const int64_t C = 24, K = 40, Cb = (C + L - 1) / L, Kb = (K + L - 1) / L, ys = HW + gap;
        kernels::NchwcPwParams p{C, K, HW, L};
        auto x = random_vec(rng, Cb * HW * L), w = random_vec(rng, Kb * C * L), bias = random_vec(rng, Kb * L);
        std::vector<float> plain(Kb * HW * L);
        ref.pointwise(p, x.data(), w.data(), bias.data(), nullptr, kActs[2], plain.data(), 0, HW, 0, Kb);
        p.ystride = ys;
        std::vector<float> want(Kb * ys * L, 7.f), got(want);
        ref.pointwise(p, x.data(), w.data(), bias.data(), nullptr, kActs[2], want.data(), 2, HW, 0, Kb);
        k.fn.pointwise(p, x.data(), w.data(), bias.data(), nullptr, kActs[2], got.data(), 2, HW, 0, Kb);
        bool ok = same_bits(want, got);
        for (int64_t kb = 0; kb < Kb; ++kb)
          for (int64_t q = 0; q < ys; ++q)
            for (int64_t l = 0; l < L; ++l) {
              const float v = want[(kb * ys + q) * L + l];
              ok = ok && (q >= 2 && q < HW ? v == plain[(kb * HW + q) * L + l] : v == 7.f);
            }
        CHECK(ok);
        if (!ok) std::fprintf(stderr, "  pointwise %s HW%lld ystride %lld\n", k.name, (long long)HW, (long long)ys);
      }

    // Pointwise at stride 2 and 3 (downsampling): output rows of odd widths, ranges crossing rows.
    for (int64_t S : {2, 3})
      for (int64_t H : {1, 5, 8})
        for (int64_t W : {1, 7, 30}) {
          const int64_t C = 20, K = 40, OH = (H - 1) / S + 1, OW = (W - 1) / S + 1;
          const int64_t Cb = (C + L - 1) / L, Kb = (K + L - 1) / L;
          kernels::NchwcPwParams p{C, K, H * W, L};
          p.S = S;
          p.W = W;
          p.OW = OW;
          p.HWo = OH * OW;
          auto x = random_vec(rng, Cb * H * W * L), w = random_vec(rng, Kb * C * L), bias = random_vec(rng, Kb * L);
          auto res = random_vec(rng, Kb * OH * OW * L);
          std::vector<float> want(Kb * OH * OW * L, 7.f), got(want);
          const int64_t mid = OH * OW / 2 + (OW > 1 ? 1 : 0);  // a range boundary inside a row
          ref.pointwise(p, x.data(), w.data(), bias.data(), res.data(), kActs[1], want.data(), 0, OH * OW, 0, Kb);
          k.fn.pointwise(p, x.data(), w.data(), bias.data(), res.data(), kActs[1], got.data(), 0, mid, 0, Kb);
          k.fn.pointwise(p, x.data(), w.data(), bias.data(), res.data(), kActs[1], got.data(), mid, OH * OW, 0, Kb);
          const bool ok = same_bits(want, got);
          CHECK(ok);
          if (!ok)
            std::fprintf(stderr, "  pointwise %s stride %lld H%lld W%lld\n", k.name, (long long)S, (long long)H,
                         (long long)W);
        }

    // Depthwise.
    struct Win {
      int64_t kh, kw, sh, sw, dh, dw;
    };
    const Win wins[] = {{3, 3, 1, 1, 1, 1}, {3, 3, 2, 2, 1, 1}, {5, 5, 1, 1, 1, 1}, {5, 5, 2, 2, 1, 1},
                        {1, 1, 1, 1, 1, 1}, {3, 3, 1, 1, 2, 2}, {3, 5, 1, 2, 1, 1}, {3, 3, 3, 3, 1, 1},
                        {7, 7, 2, 2, 1, 1}, {3, 3, 2, 1, 1, 1}};
    for (const Win& wn : wins)
      for (int64_t H : {1, 2, 5, 8, 13})
        for (int64_t W : {1, 3, 7, 12, 21})
          for (int64_t pad : {0, 1, 2}) {
            const int64_t pb = (H + W) % 3;  // end padding differs from the start's
            const int64_t OH = (H + pad + pb - wn.dh * (wn.kh - 1) - 1) / wn.sh + 1;
            const int64_t OW = (W + pad + pb - wn.dw * (wn.kw - 1) - 1) / wn.sw + 1;
            if (H + pad + pb < wn.dh * (wn.kh - 1) + 1 || W + pad + pb < wn.dw * (wn.kw - 1) + 1) continue;
            const kernels::NchwcDwParams p{H, W, OH, OW, wn.kh, wn.kw, wn.sh, wn.sw, pad, pad, wn.dh, wn.dw, L};
            auto x = random_vec(rng, H * W * L), w = random_vec(rng, wn.kh * wn.kw * L), bias = random_vec(rng, L);
            auto res = random_vec(rng, OH * OW * L);
            x[L / 2] = NAN;
            x[x.size() - 1] = -INFINITY;
            check_row_bands(
                OH * OW * L, OH, res,
                [&](bool use_ref, const float* r, const ActivationSpec& act, float* y, int64_t oy0, int64_t oy1) {
                  (use_ref ? ref.depthwise : k.fn.depthwise)(p, x.data(), w.data(), bias.data(), r, act, y, oy0, oy1);
                },
                [&](const ActivationSpec& act, bool with_res) {
                  std::fprintf(stderr, "  depthwise %s %lldx%lld s%lldx%lld d%lldx%lld H%lld W%lld pad%lld/%lld act%d res%d\n",
                               k.name, (long long)wn.kh, (long long)wn.kw, (long long)wn.sh, (long long)wn.sw,
                               (long long)wn.dh, (long long)wn.dw, (long long)H, (long long)W, (long long)pad,
                               (long long)pb, static_cast<int>(act.kind), with_res);
                });
          }

    // Direct (NCHW input, a first layer): windows, strides and paddings with border columns and
    // rows, plane widths that end in partial register tiles, odd output block ranges.
    struct Dir {
      int64_t C, kh, kw, sh, sw, pad;
    };
    const Dir dirs[] = {{3, 3, 3, 2, 2, 1}, {3, 3, 3, 1, 1, 1}, {1, 5, 5, 1, 1, 2}, {3, 7, 7, 2, 2, 3},
                        {4, 11, 11, 4, 4, 2}, {2, 3, 1, 1, 2, 0}, {3, 2, 2, 2, 2, 0}};
    for (const Dir& d : dirs)
      for (int64_t K : {1, 16, 20, 33})
        for (int64_t H : {1, 6, 19})
          for (int64_t W : {2, 17, 40}) {
            const int64_t OH = (H + 2 * d.pad - d.kh) / d.sh + 1, OW = (W + 2 * d.pad - d.kw) / d.sw + 1;
            if (H + 2 * d.pad < d.kh || W + 2 * d.pad < d.kw) continue;
            const int64_t Kb = (K + L - 1) / L;
            const kernels::NchwcDirectParams p{d.C, H, W, K, OH, OW, d.kh, d.kw, d.sh, d.sw, d.pad, d.pad, L};
            auto x = random_vec(rng, d.C * H * W), w = random_vec(rng, Kb * d.C * d.kh * d.kw * L);
            auto bias = random_vec(rng, Kb * L), res = random_vec(rng, Kb * OH * OW * L);
            x[x.size() / 2] = NAN;
            const int64_t kb0 = Kb > 2 ? 1 : 0;
            check_row_bands(
                Kb * OH * OW * L, OH, res,
                [&](bool use_ref, const float* r, const ActivationSpec& act, float* y, int64_t oy0, int64_t oy1) {
                  (use_ref ? ref.direct : k.fn.direct)(p, x.data(), w.data(), bias.data(), r, act, y, oy0, oy1, kb0, Kb);
                },
                [&](const ActivationSpec& act, bool with_res) {
                  std::fprintf(stderr, "  direct %s C%lld %lldx%lld s%lldx%lld pad%lld K%lld H%lld W%lld act%d res%d\n",
                               k.name, (long long)d.C, (long long)d.kh, (long long)d.kw, (long long)d.sh,
                               (long long)d.sw, (long long)d.pad, (long long)K, (long long)H, (long long)W,
                               static_cast<int>(act.kind), with_res);
                });
          }

    // General k x k on blocked input (padded by the op): windows, strides, dilations; channel
    // counts that leave partial input and output blocks; output widths that end in partial
    // register tiles; a padded input wider and taller than the taps reach.
    struct Gen {
      int64_t C, kh, kw, sh, sw, dh, dw;
    };
    const Gen gens[] = {{20, 3, 3, 2, 2, 1, 1}, {16, 3, 3, 1, 1, 1, 1}, {5, 5, 5, 1, 1, 1, 1}, {33, 3, 3, 1, 1, 2, 2},
                        {7, 7, 7, 2, 2, 1, 1}, {9, 3, 1, 1, 2, 1, 1}, {17, 2, 2, 2, 2, 1, 1}};
    for (const Gen& d : gens)
      for (int64_t K : {1, 16, 20, 33})
        for (int64_t OH : {1, 7})
          for (int64_t OW : {1, 7, 14, 29}) {
            const int64_t Hp = (OH - 1) * d.sh + (d.kh - 1) * d.dh + 1 + (OW % 2), Wp = (OW - 1) * d.sw + (d.kw - 1) * d.dw + 2;
            const int64_t Cb = (d.C + L - 1) / L, Kb = (K + L - 1) / L;
            const kernels::NchwcConvParams p{d.C, Hp, Wp, K, OH, OW, d.kh, d.kw, d.sh, d.sw, d.dh, d.dw, L};
            auto x = random_vec(rng, Cb * Hp * Wp * L), w = random_vec(rng, Kb * d.C * d.kh * d.kw * L);
            auto bias = random_vec(rng, Kb * L), res = random_vec(rng, Kb * OH * OW * L);
            x[x.size() / 3] = NAN;
            const int64_t kb0 = Kb > 2 ? 1 : 0;
            check_row_bands(
                Kb * OH * OW * L, OH, res,
                [&](bool use_ref, const float* r, const ActivationSpec& act, float* y, int64_t oy0, int64_t oy1) {
                  (use_ref ? ref.conv : k.fn.conv)(p, x.data(), w.data(), bias.data(), r, act, y, oy0, oy1, kb0, Kb);
                },
                [&](const ActivationSpec& act, bool with_res) {
                  std::fprintf(stderr, "  conv %s C%lld %lldx%lld s%lldx%lld d%lldx%lld K%lld OH%lld OW%lld act%d res%d\n",
                               k.name, (long long)d.C, (long long)d.kh, (long long)d.kw, (long long)d.sh,
                               (long long)d.sw, (long long)d.dh, (long long)d.dw, (long long)K, (long long)OH,
                               (long long)OW, static_cast<int>(act.kind), with_res);
                });
          }

    // Squeeze-excitation: global average pool (partial last blocks) and per-channel scale.
    for (int64_t HW : {1, 3, 4, 49, 50, 196})
      for (int64_t nch : {int64_t{1}, int64_t{L / 2 + 1}, int64_t{L}}) {
        auto x = random_vec(rng, HW * L), s = random_vec(rng, L);
        x[0] = HW > 3 ? NAN : x[0];
        std::vector<float> want(L, 7.f), got(want);
        ref.global_avg_pool(x.data(), HW, L, nch, want.data());
        k.fn.global_avg_pool(x.data(), HW, L, nch, got.data());
        CHECK(same_bits(want, got));
        std::vector<float> ws(HW * L, 7.f), gs(ws);
        ref.scale(x.data(), s.data(), HW, L, ws.data());
        k.fn.scale(x.data(), s.data(), HW, L, gs.data());
        CHECK(same_bits(ws, gs));
      }

    // Reorders: against the reference, a round trip, padding lanes zero.
    for (int64_t C : {1, 5, 16, 17, 33})
      for (int64_t HW : {1, 7, 16, 17, 40}) {
        const int64_t Cb = (C + L - 1) / L;
        auto x = random_vec(rng, C * HW);
        std::vector<float> want(Cb * HW * L, 7.f), got(want), back(C * HW, 7.f);
        for (int64_t cb = 0; cb < Cb; ++cb) {
          ref.to_blocked(x.data(), C, HW, L, want.data(), cb, 0, HW);
          k.fn.to_blocked(x.data(), C, HW, L, got.data(), cb, 0, HW / 3);  // two ranges
          k.fn.to_blocked(x.data(), C, HW, L, got.data(), cb, HW / 3, HW);
        }
        CHECK(same_bits(want, got));
        bool pad_zero = true;
        for (int64_t q = 0; q < HW; ++q)
          for (int64_t l = C % L ? C % L : L; l < L; ++l) pad_zero = pad_zero && got[((Cb - 1) * HW + q) * L + l] == 0.f;
        CHECK(pad_zero);
        for (int64_t cb = 0; cb < Cb; ++cb) k.fn.from_blocked(got.data(), C, HW, L, back.data(), cb, 0, HW);
        CHECK(same_bits(back, x));
      }
  }
  std::printf("nchwc variants tested on this CPU: %d of %d\n", tested, kernels::kNchwcCount - 1);
  return report("test_nchwc");
}
