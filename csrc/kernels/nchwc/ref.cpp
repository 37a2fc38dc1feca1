// Scalar reference of the blocked-layout family (the spec the SIMD variants are tested
// against), for any block width L.
#include <algorithm>
#include <cmath>

#include "kernels/nchwc/nchwc.h"

namespace cnncore::kernels::ref {
namespace {

// + bias, + residual, the activation: output o of y.
inline void store(float acc, float bias, const float* res, const ActivationSpec& act, float* y, int64_t o) {
  acc = acc + bias;
  if (res) acc = acc + res[o];
  y[o] = activate(acc, act);
}

// Every output (kb, oy, ox, l) of blocks [kb0, kb1) and rows [oy0, oy1) of a blocked y
// ([Kb][OH][OW][L]): sum(kb, oy, ox, l), then stored as above.
template <class Sum>
void each_output(int64_t L, int64_t OH, int64_t OW, int64_t oy0, int64_t oy1, int64_t kb0, int64_t kb1,
                 const float* bias, const float* res, const ActivationSpec& act, float* y, Sum&& sum) {
  for (int64_t kb = kb0; kb < kb1; ++kb)
    for (int64_t oy = oy0; oy < oy1; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox)
        for (int64_t l = 0; l < L; ++l)
          store(sum(kb, oy, ox, l), bias[kb * L + l], res, act, y, ((kb * OH + oy) * OW + ox) * L + l);
}

}  // namespace

extern const int nchwc_vector_lanes = 0;

void nchwc_pointwise(const NchwcPwParams& p, const float* x, const float* w, const float* bias, const float* res,
                     const ActivationSpec& act, float* y, int64_t p0, int64_t p1, int64_t kb0, int64_t kb1) {
  const int64_t L = p.L, HWo = pw_out_stride(p);
  for (int64_t kb = kb0; kb < kb1; ++kb)
    for (int64_t q = p0; q < p1; ++q)
      for (int64_t l = 0; l < L; ++l) {
        const int64_t qi = p.S == 1 ? q : (q / p.OW) * p.S * p.W + (q % p.OW) * p.S;  // the input pixel
        float acc = 0.f;
        for (int64_t c = 0; c < p.C; ++c) acc = std::fma(w[(kb * p.C + c) * L + l], x[((c / L) * p.HW + qi) * L + c % L], acc);
        store(acc, bias[kb * L + l], res, act, y, (kb * HWo + q) * L + l);
      }
}

void nchwc_depthwise(const NchwcDwParams& p, const float* x, const float* w, const float* bias, const float* res,
                     const ActivationSpec& act, float* y, int64_t oy0, int64_t oy1) {
  const int64_t L = p.L;
  for (int64_t oy = oy0; oy < oy1; ++oy)
    for (int64_t ox = 0; ox < p.OW; ++ox)
      for (int64_t l = 0; l < L; ++l) {
        float acc = 0.f;
        for (int64_t ky = 0; ky < p.kh; ++ky) {
          const int64_t iy = oy * p.sh - p.pt + ky * p.dh;
          if (iy < 0 || iy >= p.H) continue;
          for (int64_t kx = 0; kx < p.kw; ++kx) {
            const int64_t ix = ox * p.sw - p.pl + kx * p.dw;
            if (ix < 0 || ix >= p.W) continue;
            acc = std::fma(w[(ky * p.kw + kx) * L + l], x[(iy * p.W + ix) * L + l], acc);
          }
        }
        store(acc, bias[l], res, act, y, (oy * p.OW + ox) * L + l);
      }
}

void nchwc_direct(const NchwcDirectParams& p, const float* x, const float* w, const float* bias, const float* res,
                  const ActivationSpec& act, float* y, int64_t oy0, int64_t oy1, int64_t kb0, int64_t kb1) {
  const int64_t L = p.L;
  each_output(L, p.OH, p.OW, oy0, oy1, kb0, kb1, bias, res, act, y, [&](int64_t kb, int64_t oy, int64_t ox, int64_t l) {
    float acc = 0.f;
    for (int64_t c = 0; c < p.C; ++c)
      for (int64_t ky = 0; ky < p.kh; ++ky) {
        const int64_t iy = oy * p.sh - p.pt + ky;
        if (iy < 0 || iy >= p.H) continue;
        for (int64_t kx = 0; kx < p.kw; ++kx) {
          const int64_t ix = ox * p.sw - p.pl + kx;
          if (ix < 0 || ix >= p.W) continue;
          acc = std::fma(w[(((kb * p.C + c) * p.kh + ky) * p.kw + kx) * L + l], x[(c * p.H + iy) * p.W + ix], acc);
        }
      }
    return acc;
  });
}

void nchwc_conv(const NchwcConvParams& p, const float* x, const float* w, const float* bias, const float* res,
                const ActivationSpec& act, float* y, int64_t oy0, int64_t oy1, int64_t kb0, int64_t kb1) {
  const int64_t L = p.L, taps = p.kh * p.kw;
  each_output(L, p.OH, p.OW, oy0, oy1, kb0, kb1, bias, res, act, y, [&](int64_t kb, int64_t oy, int64_t ox, int64_t l) {
    float acc = 0.f;
    for (int64_t c = 0; c < p.C; ++c)
      for (int64_t ky = 0; ky < p.kh; ++ky)
        for (int64_t kx = 0; kx < p.kw; ++kx) {
          const int64_t iy = oy * p.sh + ky * p.dh, ix = ox * p.sw + kx * p.dw;
          acc = std::fma(w[((kb * p.C + c) * taps + ky * p.kw + kx) * L + l],
                         x[(((c / L) * p.Hp + iy) * p.Wp + ix) * L + c % L], acc);
        }
    return acc;
  });
}

void nchwc_global_avg_pool(const float* x, int64_t HW, int L, int64_t nch, float* y) {
  for (int64_t l = 0; l < nch; ++l) {
    float s[4] = {0.f, 0.f, 0.f, 0.f};
    for (int64_t j = 0; j < HW; ++j) s[j % 4] += x[j * L + l];
    y[l] = ((s[0] + s[1]) + (s[2] + s[3])) / static_cast<float>(HW);
  }
}

void nchwc_scale(const float* x, const float* s, int64_t HW, int L, float* y) {
  for (int64_t j = 0; j < HW; ++j)
    for (int64_t l = 0; l < L; ++l) y[j * L + l] = x[j * L + l] * s[l];
}

void nchwc_to_blocked(const float* x, int64_t C, int64_t HW, int L, float* y, int64_t cb, int64_t p0, int64_t p1) {
  for (int64_t q = p0; q < p1; ++q)
    for (int64_t l = 0; l < L; ++l) {
      const int64_t c = cb * L + l;
      y[(cb * HW + q) * L + l] = c < C ? x[c * HW + q] : 0.f;
    }
}

void nchwc_from_blocked(const float* x, int64_t C, int64_t HW, int L, float* y, int64_t cb, int64_t p0, int64_t p1) {
  for (int64_t q = p0; q < p1; ++q)
    for (int64_t l = 0; l < L && cb * L + l < C; ++l) y[(cb * L + l) * HW + q] = x[(cb * HW + q) * L + l];
}

}  // namespace cnncore::kernels::ref
