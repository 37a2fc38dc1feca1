#pragma once
// The blocked-layout kernels (nchwc.h), written once over the float vector type VecF of
// simd/avx2.h and simd/avx512.h, one vector per pixel's block of L channels. Included only by
// the files of this family; the anonymous namespace gives each ISA its own copy.
#include <algorithm>
#include <cstdint>

#include "kernels/eltwise/rows.h"
#include "kernels/nchwc/nchwc.h"

namespace cnncore::kernels {
namespace {

// The eltwise SIMD kernels' activation (kernels/eltwise/rows.h), so the bits are its reference's.
template <class V>
typename V::T nchwc_activate(typename V::T v, const ActivationSpec& a) {
  const typename V::T va = V::set1(a.alpha), vb = V::set1(a.beta);
  switch (a.kind) {
    case Activation::relu: return activate_vec<V, Activation::relu>(v, va, vb);
    case Activation::clip: return activate_vec<V, Activation::clip>(v, va, vb);
    case Activation::leaky_relu: return activate_vec<V, Activation::leaky_relu>(v, va, vb);
    case Activation::hardsigmoid: return activate_vec<V, Activation::hardsigmoid>(v, va, vb);
    case Activation::hardswish: return activate_vec<V, Activation::hardswish>(v, va, vb);
    default: return v;  // identity (the op passes no other kind)
  }
}

// + bias, + residual, the activation, store: one output vector at offset o of y (and res).
template <class V>
inline void nchwc_store(typename V::T acc, typename V::T vb, const float* res, const ActivationSpec& act, float* y,
                        int64_t o) {
  acc = V::add(acc, vb);
  if (res) acc = V::add(acc, V::load_n(res + o, V::L));
  V::store_n(y + o, nchwc_activate<V>(acc, act), V::L);
}

// nchwc_store with the activation fixed at compile time (its parameters broadcast once), for the
// depthwise kernels, whose few FMAs per output left the per-vector switch a fifth of their time.
template <class V, Activation A>
inline void nchwc_store_as(typename V::T acc, typename V::T vb, const float* res, typename V::T va,
                           typename V::T vbeta, float* y, int64_t o) {
  acc = V::add(acc, vb);
  if (res) acc = V::add(acc, V::load_n(res + o, V::L));
  V::store_n(y + o, activate_vec<V, A>(acc, va, vbeta), V::L);
}

// A register tile of R consecutive pixels from q0 on, blocks kb .. kb+NB-1 of `plane` pixels each.
template <class V, int R, int NB>
inline void store_tile(typename V::T (&acc)[NB][R], const float* bias, const float* res, const ActivationSpec& act,
                       float* y, int64_t kb, int64_t plane, int64_t q0) {
  constexpr int64_t L = V::L;
#pragma GCC unroll 4
  for (int b = 0; b < NB; ++b) {
    const typename V::T vb = V::load_n(bias + (kb + b) * L, L);
    const int64_t o = ((kb + b) * plane + q0) * L;
#pragma GCC unroll 32
    for (int r = 0; r < R; ++r) nchwc_store<V>(acc[b][r], vb, res, act, y, o + r * L);
  }
}

// ---------------------------------------------------------------------------- pointwise
// A register tile: R pixels from q0 on, NB output blocks from kb on, summed over every input
// channel (2R accumulators with two blocks: each broadcast input value feeds NB FMAs).
// qi0: the input pixel of output pixel q0; the tile's pixels are S input pixels apart (one row).
template <class V, int R, int NB>
void pw_tile(const NchwcPwParams& p, const float* x, const float* w, const float* bias, const float* res,
             const ActivationSpec& act, float* y, int64_t q0, int64_t qi0, int64_t kb) {
  using T = typename V::T;
  constexpr int64_t L = V::L;
  T acc[NB][R];
#pragma GCC unroll 64
  for (int i = 0; i < NB * R; ++i) acc[i / R][i % R] = V::set1(0.f);
  const float* wk = w + kb * p.C * L;
  for (int64_t cb = 0; cb * L < p.C; ++cb) {
    const float* xb = x + (cb * p.HW + qi0) * L;
    const int64_t step = p.S * L;
    const int64_t n = std::min<int64_t>(L, p.C - cb * L);
    for (int64_t l = 0; l < n; ++l) {
      const int64_t c = cb * L + l;
      T wv[NB];
#pragma GCC unroll 4
      for (int b = 0; b < NB; ++b) wv[b] = V::load_n(wk + (b * p.C + c) * L, L);
#pragma GCC unroll 32
      for (int r = 0; r < R; ++r) {
        const T xv = V::set1(xb[r * step + l]);
#pragma GCC unroll 4
        for (int b = 0; b < NB; ++b) acc[b][r] = V::fma(wv[b], xv, acc[b][r]);
      }
    }
  }
  store_tile<V, R, NB>(acc, bias, res, act, y, kb, pw_out_stride(p), q0);
}

// A tile of rn < R pixels (the last of a range).
template <class V, int R, int NB>
void pw_tail(int rn, const NchwcPwParams& p, const float* x, const float* w, const float* bias, const float* res,
             const ActivationSpec& act, float* y, int64_t q0, int64_t qi0, int64_t kb) {
  if (rn == R) return pw_tile<V, R, NB>(p, x, w, bias, res, act, y, q0, qi0, kb);
  if constexpr (R > 1) pw_tail<V, R - 1, NB>(rn, p, x, w, bias, res, act, y, q0, qi0, kb);
}

// Output pixels [q0, q1) of one output row (or any range at stride 1) in tiles of R.
template <class V, int R, int NB>
void pw_span(const NchwcPwParams& p, const float* x, const float* w, const float* bias, const float* res,
             const ActivationSpec& act, float* y, int64_t q0, int64_t q1, int64_t qi0, int64_t kb) {
  int64_t q = q0, qi = qi0;
  for (; q + R <= q1; q += R, qi += R * p.S) pw_tile<V, R, NB>(p, x, w, bias, res, act, y, q, qi, kb);
  if (q < q1) pw_tail<V, R - 1, NB>(static_cast<int>(q1 - q), p, x, w, bias, res, act, y, q, qi, kb);
}

// Output blocks two at a time (the last one alone when their count is odd), each pair over the
// pixel range in tiles of R, so the pair's weights stay in L1 while the input streams.
template <class V, int R>
void pw_run(const NchwcPwParams& p, const float* x, const float* w, const float* bias, const float* res,
            const ActivationSpec& act, float* y, int64_t p0, int64_t p1, int64_t kb0, int64_t kb1) {
  for (int64_t kb = kb0; kb < kb1; kb += 2) {
    const bool two = kb + 1 < kb1;
    auto span = [&](int64_t q0, int64_t q1, int64_t qi0) {
      if (two)
        pw_span<V, R, 2>(p, x, w, bias, res, act, y, q0, q1, qi0, kb);
      else
        pw_span<V, R, 1>(p, x, w, bias, res, act, y, q0, q1, qi0, kb);
    };
    if (p.S == 1) {
      span(p0, p1, p0);
      continue;
    }
    for (int64_t q = p0; q < p1;) {  // strided: tiles stay within an output row
      const int64_t oy = q / p.OW, ox = q % p.OW, end = std::min(p1, (oy + 1) * p.OW);
      span(q, end, oy * p.S * p.W + ox * p.S);
      q = end;
    }
  }
}

// ---------------------------------------------------------------------------- depthwise
// One output pixel with bounds checks (borders, and windows without a specialised path).
template <class V>
typename V::T dw_checked(const NchwcDwParams& p, const float* x, const float* w, int64_t oy, int64_t ox) {
  using T = typename V::T;
  constexpr int64_t L = V::L;
  T acc = V::set1(0.f);
  for (int64_t ky = 0; ky < p.kh; ++ky) {
    const int64_t iy = oy * p.sh - p.pt + ky * p.dh;
    if (iy < 0 || iy >= p.H) continue;
    for (int64_t kx = 0; kx < p.kw; ++kx) {
      const int64_t ix = ox * p.sw - p.pl + kx * p.dw;
      if (ix < 0 || ix >= p.W) continue;
      acc = V::fma(V::load_n(w + (ky * p.kw + kx) * L, L), V::load_n(x + (iy * p.W + ix) * L, L), acc);
    }
  }
  return acc;
}

// Interior pixels [oxa, oxb) of row oy, every tap in range: K x K undilated window at column
// stride S, the weights in registers, four pixels at a time (four independent FMA chains).
template <class V, int K, int S, Activation A>
void dw_interior(const NchwcDwParams& p, const float* x, const typename V::T* wv, typename V::T vb,
                 const float* res, typename V::T va, typename V::T vbeta, float* y, int64_t oy, int64_t oxa,
                 int64_t oxb) {
  using T = typename V::T;
  constexpr int64_t L = V::L;
  const int64_t o0 = ((oy * p.sh - p.pt) * p.W - p.pl) * L;  // tap (0, 0) of column 0 (may be < 0)
  int64_t ox = oxa;
  for (; ox + 4 <= oxb; ox += 4) {
    T acc[4] = {V::set1(0.f), V::set1(0.f), V::set1(0.f), V::set1(0.f)};
#pragma GCC unroll 5
    for (int ky = 0; ky < K; ++ky)
#pragma GCC unroll 5
      for (int kx = 0; kx < K; ++kx) {
        const float* src = x + (o0 + (ky * p.W + ox * S + kx) * L);
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j) acc[j] = V::fma(wv[ky * K + kx], V::load_n(src + j * S * L, L), acc[j]);
      }
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) nchwc_store_as<V, A>(acc[j], vb, res, va, vbeta, y, (oy * p.OW + ox + j) * L);
  }
  for (; ox < oxb; ++ox) {
    T acc = V::set1(0.f);
#pragma GCC unroll 5
    for (int ky = 0; ky < K; ++ky)
#pragma GCC unroll 5
      for (int kx = 0; kx < K; ++kx) acc = V::fma(wv[ky * K + kx], V::load_n(x + (o0 + (ky * p.W + ox * S + kx) * L), L), acc);
    nchwc_store_as<V, A>(acc, vb, res, va, vbeta, y, (oy * p.OW + ox) * L);
  }
}

// One border pixel of a K x K undilated window at column stride S, the weights in registers:
// dw_checked's taps in its order, with the window's loops unrolled.
template <class V, int K, int S>
typename V::T dw_border(const NchwcDwParams& p, const float* x, const typename V::T* wv, int64_t oy, int64_t ox) {
  using T = typename V::T;
  constexpr int64_t L = V::L;
  T acc = V::set1(0.f);
  const int64_t iy0 = oy * p.sh - p.pt, ix0 = ox * S - p.pl;
#pragma GCC unroll 5
  for (int ky = 0; ky < K; ++ky) {
    const int64_t iy = iy0 + ky;
    if (iy < 0 || iy >= p.H) continue;
#pragma GCC unroll 5
    for (int kx = 0; kx < K; ++kx) {
      const int64_t ix = ix0 + kx;
      if (ix < 0 || ix >= p.W) continue;
      acc = V::fma(wv[ky * K + kx], V::load_n(x + (iy * p.W + ix) * L, L), acc);
    }
  }
  return acc;
}

template <class V, int K, int S, Activation A>
void dw_rows(const NchwcDwParams& p, const float* x, const float* w, const float* bias, const float* res,
             const ActivationSpec& act, float* y, int64_t oy0, int64_t oy1) {
  using T = typename V::T;
  constexpr int64_t L = V::L;
  const T va = V::set1(act.alpha), vbeta = V::set1(act.beta);
  T wv[K * K];
#pragma GCC unroll 25
  for (int t = 0; t < K * K; ++t) wv[t] = V::load_n(w + t * L, L);
  const T vb = V::load_n(bias, L);
  // Columns whose window lies inside the input: ox*S - pl >= 0 and ox*S - pl + K - 1 < W.
  const int64_t oxa = std::min(p.OW, (p.pl + S - 1) / S);
  const int64_t oxb = std::max(oxa, std::min(p.OW, p.W - K + p.pl >= 0 ? (p.W - K + p.pl) / S + 1 : 0));
  for (int64_t oy = oy0; oy < oy1; ++oy) {
    const int64_t iy = oy * p.sh - p.pt;
    const bool rows_in = iy >= 0 && iy + K - 1 < p.H;
    const int64_t a = rows_in ? oxa : p.OW, b = rows_in ? oxb : p.OW;
    for (int64_t ox = 0; ox < a; ++ox)
      nchwc_store_as<V, A>(dw_border<V, K, S>(p, x, wv, oy, ox), vb, res, va, vbeta, y, (oy * p.OW + ox) * L);
    if (rows_in) dw_interior<V, K, S, A>(p, x, wv, vb, res, va, vbeta, y, oy, a, b);
    for (int64_t ox = b; ox < p.OW; ++ox)
      nchwc_store_as<V, A>(dw_border<V, K, S>(p, x, wv, oy, ox), vb, res, va, vbeta, y, (oy * p.OW + ox) * L);
  }
}

// dw_rows with the activation as a template argument (the ones the blocked kernels store with).
template <class V, int K, int S>
void dw_rows(const NchwcDwParams& p, const float* x, const float* w, const float* bias, const float* res,
             const ActivationSpec& act, float* y, int64_t oy0, int64_t oy1) {
  switch (act.kind) {
    case Activation::relu: return dw_rows<V, K, S, Activation::relu>(p, x, w, bias, res, act, y, oy0, oy1);
    case Activation::clip: return dw_rows<V, K, S, Activation::clip>(p, x, w, bias, res, act, y, oy0, oy1);
    case Activation::leaky_relu: return dw_rows<V, K, S, Activation::leaky_relu>(p, x, w, bias, res, act, y, oy0, oy1);
    case Activation::hardsigmoid:
      return dw_rows<V, K, S, Activation::hardsigmoid>(p, x, w, bias, res, act, y, oy0, oy1);
    case Activation::hardswish: return dw_rows<V, K, S, Activation::hardswish>(p, x, w, bias, res, act, y, oy0, oy1);
    default: return dw_rows<V, K, S, Activation::identity>(p, x, w, bias, res, act, y, oy0, oy1);
  }
}

template <class V>
void dw_run(const NchwcDwParams& p, const float* x, const float* w, const float* bias, const float* res,
            const ActivationSpec& act, float* y, int64_t oy0, int64_t oy1) {
  const bool plain = p.dh == 1 && p.dw == 1 && p.kh == p.kw && (p.sw == 1 || p.sw == 2);
  if (plain && p.kh == 3 && p.sw == 1) return dw_rows<V, 3, 1>(p, x, w, bias, res, act, y, oy0, oy1);
  if (plain && p.kh == 3 && p.sw == 2) return dw_rows<V, 3, 2>(p, x, w, bias, res, act, y, oy0, oy1);
  if (plain && p.kh == 5 && p.sw == 1) return dw_rows<V, 5, 1>(p, x, w, bias, res, act, y, oy0, oy1);
  if (plain && p.kh == 5 && p.sw == 2) return dw_rows<V, 5, 2>(p, x, w, bias, res, act, y, oy0, oy1);
  constexpr int64_t L = V::L;
  const typename V::T vb = V::load_n(bias, L);
  for (int64_t oy = oy0; oy < oy1; ++oy)
    for (int64_t ox = 0; ox < p.OW; ++ox)
      nchwc_store<V>(dw_checked<V>(p, x, w, oy, ox), vb, res, act, y, (oy * p.OW + ox) * L);
}

// ---------------------------------------------------------------------------- direct (first layer)
// One output pixel of NB blocks, taps bounds-checked (the plane's left and right borders).
template <class V, int NB>
void direct_pixel(const NchwcDirectParams& p, const float* x, const float* w, const float* bias, const float* res,
                  const ActivationSpec& act, float* y, int64_t oy, int64_t ox, int64_t kb) {
  using T = typename V::T;
  constexpr int64_t L = V::L;
  T acc[NB];
#pragma GCC unroll 4
  for (int b = 0; b < NB; ++b) acc[b] = V::set1(0.f);
  for (int64_t c = 0; c < p.C; ++c)
    for (int64_t ky = 0; ky < p.kh; ++ky) {
      const int64_t iy = oy * p.sh - p.pt + ky;
      if (iy < 0 || iy >= p.H) continue;
      for (int64_t kx = 0; kx < p.kw; ++kx) {
        const int64_t ix = ox * p.sw - p.pl + kx;
        if (ix < 0 || ix >= p.W) continue;
        const T xv = V::set1(x[(c * p.H + iy) * p.W + ix]);
#pragma GCC unroll 4
        for (int b = 0; b < NB; ++b)
          acc[b] = V::fma(V::load_n(w + ((((kb + b) * p.C + c) * p.kh + ky) * p.kw + kx) * L, L), xv, acc[b]);
      }
    }
#pragma GCC unroll 4
  for (int b = 0; b < NB; ++b)
    nchwc_store<V>(acc[b], V::load_n(bias + (kb + b) * L, L), res, act, y, (((kb + b) * p.OH + oy) * p.OW + ox) * L);
}

// R pixels of row oy from ox0 on, every column of their windows inside the input, rows ky in
// [ky0, ky1) (the others fall outside it): each broadcast input value feeds NB blocks.
template <class V, int R, int NB>
void direct_tile(const NchwcDirectParams& p, const float* x, const float* w, const float* bias, const float* res,
                 const ActivationSpec& act, float* y, int64_t oy, int64_t ox0, int64_t kb, int64_t ky0, int64_t ky1) {
  using T = typename V::T;
  constexpr int64_t L = V::L;
  T acc[NB][R];
#pragma GCC unroll 64
  for (int i = 0; i < NB * R; ++i) acc[i / R][i % R] = V::set1(0.f);
  const int64_t sw = p.sw;
  for (int64_t c = 0; c < p.C; ++c)
    for (int64_t ky = ky0; ky < ky1; ++ky) {
      const float* xr = x + (c * p.H + oy * p.sh - p.pt + ky) * p.W + ox0 * sw - p.pl;  // tap kx = 0 of pixel 0
      const float* wr = w + ((kb * p.C + c) * p.kh + ky) * p.kw * L;
      for (int64_t kx = 0; kx < p.kw; ++kx) {
        T wv[NB];
#pragma GCC unroll 4
        for (int b = 0; b < NB; ++b) wv[b] = V::load_n(wr + (b * p.C * p.kh * p.kw + kx) * L, L);
#pragma GCC unroll 32
        for (int r = 0; r < R; ++r) {
          const T xv = V::set1(xr[r * sw + kx]);
#pragma GCC unroll 4
          for (int b = 0; b < NB; ++b) acc[b][r] = V::fma(wv[b], xv, acc[b][r]);
        }
      }
    }
  store_tile<V, R, NB>(acc, bias, res, act, y, kb, p.OH * p.OW, oy * p.OW + ox0);
}

template <class V, int R, int NB>
void direct_tail(int rn, const NchwcDirectParams& p, const float* x, const float* w, const float* bias,
                 const float* res, const ActivationSpec& act, float* y, int64_t oy, int64_t ox0, int64_t kb, int64_t ky0,
                 int64_t ky1) {
  if (rn == R) return direct_tile<V, R, NB>(p, x, w, bias, res, act, y, oy, ox0, kb, ky0, ky1);
  if constexpr (R > 1) direct_tail<V, R - 1, NB>(rn, p, x, w, bias, res, act, y, oy, ox0, kb, ky0, ky1);
}

template <class V, int R, int NB>
void direct_row(const NchwcDirectParams& p, const float* x, const float* w, const float* bias, const float* res,
                const ActivationSpec& act, float* y, int64_t oy, int64_t kb, int64_t oxa, int64_t oxb) {
  const int64_t ky0 = std::max<int64_t>(0, p.pt - oy * p.sh), ky1 = std::min(p.kh, p.H + p.pt - oy * p.sh);
  for (int64_t ox = 0; ox < oxa; ++ox) direct_pixel<V, NB>(p, x, w, bias, res, act, y, oy, ox, kb);
  int64_t ox = oxa;
  for (; ox + R <= oxb; ox += R) direct_tile<V, R, NB>(p, x, w, bias, res, act, y, oy, ox, kb, ky0, ky1);
  if (ox < oxb)
    direct_tail<V, R - 1, NB>(static_cast<int>(oxb - ox), p, x, w, bias, res, act, y, oy, ox, kb, ky0, ky1);
  for (ox = oxb; ox < p.OW; ++ox) direct_pixel<V, NB>(p, x, w, bias, res, act, y, oy, ox, kb);
}

template <class V, int R>
void direct_run(const NchwcDirectParams& p, const float* x, const float* w, const float* bias, const float* res,
                const ActivationSpec& act, float* y, int64_t oy0, int64_t oy1, int64_t kb0, int64_t kb1) {
  // Columns whose window lies inside the input: ox*sw - pl >= 0 and ox*sw - pl + kw - 1 < W.
  const int64_t oxa = std::min(p.OW, (p.pl + p.sw - 1) / p.sw);
  const int64_t oxb = std::max(oxa, std::min(p.OW, p.W - p.kw + p.pl >= 0 ? (p.W - p.kw + p.pl) / p.sw + 1 : 0));
  for (int64_t kb = kb0; kb < kb1; kb += 2)
    for (int64_t oy = oy0; oy < oy1; ++oy) {
      if (kb + 1 < kb1)
        direct_row<V, R, 2>(p, x, w, bias, res, act, y, oy, kb, oxa, oxb);
      else
        direct_row<V, R, 1>(p, x, w, bias, res, act, y, oy, kb, oxa, oxb);
    }
}

// ---------------------------------------------------------------------------- k x k (blocked input)
// A register tile: R consecutive output pixels from q0 on (row-major, so on small planes a tile
// spans rows and every weight loaded still feeds R pixels), NB output blocks from kb on, summed
// over channels in order and, per channel, the taps in (ky, kx) order, from the zero-padded input
// (every tap in range). Each broadcast input value feeds NB FMAs, as in the pointwise tile.
template <class V, int R, int NB>
void conv_tile(const NchwcConvParams& p, const float* x, const float* w, const float* bias, const float* res,
               const ActivationSpec& act, float* y, int64_t q0, int64_t kb) {
  using T = typename V::T;
  constexpr int64_t L = V::L;
  T acc[NB][R];
#pragma GCC unroll 64
  for (int i = 0; i < NB * R; ++i) acc[i / R][i % R] = V::set1(0.f);
  int64_t off[R];  // tap (0, 0) of each pixel
  for (int r = 0; r < R; ++r) {
    const int64_t oy = (q0 + r) / p.OW, ox = (q0 + r) % p.OW;
    off[r] = (oy * p.sh * p.Wp + ox * p.sw) * L;
  }
  const int64_t taps = p.kh * p.kw, wblock = p.C * taps * L, plane = p.Hp * p.Wp * L;
  for (int64_t cb = 0; cb * L < p.C; ++cb) {
    const int64_t n = std::min<int64_t>(L, p.C - cb * L);
    for (int64_t l = 0; l < n; ++l) {
      const float* wc = w + ((kb * p.C + cb * L + l) * taps) * L;
      const float* xc = x + cb * plane + l;
      for (int64_t ky = 0; ky < p.kh; ++ky)
        for (int64_t kx = 0; kx < p.kw; ++kx) {
          const float* xt = xc + (ky * p.dh * p.Wp + kx * p.dw) * L;
          const float* wt = wc + (ky * p.kw + kx) * L;
          T wv[NB];
#pragma GCC unroll 4
          for (int b = 0; b < NB; ++b) wv[b] = V::load_n(wt + b * wblock, L);
#pragma GCC unroll 32
          for (int r = 0; r < R; ++r) {
            const T xv = V::set1(xt[off[r]]);
#pragma GCC unroll 4
            for (int b = 0; b < NB; ++b) acc[b][r] = V::fma(wv[b], xv, acc[b][r]);
          }
        }
    }
  }
  store_tile<V, R, NB>(acc, bias, res, act, y, kb, p.OH * p.OW, q0);
}

template <class V, int R, int NB>
void conv_tail(int rn, const NchwcConvParams& p, const float* x, const float* w, const float* bias,
               const float* res, const ActivationSpec& act, float* y, int64_t q0, int64_t kb) {
  if (rn == R) return conv_tile<V, R, NB>(p, x, w, bias, res, act, y, q0, kb);
  if constexpr (R > 1) conv_tail<V, R - 1, NB>(rn, p, x, w, bias, res, act, y, q0, kb);
}

// Output blocks two at a time (the last one alone when their count is odd), each pair over the
// rows' pixels in tiles of R.
template <class V, int R>
void conv_run(const NchwcConvParams& p, const float* x, const float* w, const float* bias, const float* res,
              const ActivationSpec& act, float* y, int64_t oy0, int64_t oy1, int64_t kb0, int64_t kb1) {
  const int64_t q1 = oy1 * p.OW;
  for (int64_t kb = kb0; kb < kb1; kb += 2) {
    int64_t q = oy0 * p.OW;
    if (kb + 1 < kb1) {
      for (; q + R <= q1; q += R) conv_tile<V, R, 2>(p, x, w, bias, res, act, y, q, kb);
      if (q < q1) conv_tail<V, R - 1, 2>(static_cast<int>(q1 - q), p, x, w, bias, res, act, y, q, kb);
    } else {
      for (; q + R <= q1; q += R) conv_tile<V, R, 1>(p, x, w, bias, res, act, y, q, kb);
      if (q < q1) conv_tail<V, R - 1, 1>(static_cast<int>(q1 - q), p, x, w, bias, res, act, y, q, kb);
    }
  }
}

// ---------------------------------------------------------------------------- squeeze-excitation
template <class V>
void global_avg_pool_run(const float* x, int64_t HW, int64_t nch, float* y) {
  using T = typename V::T;
  constexpr int64_t L = V::L;
  T s[4] = {V::set1(0.f), V::set1(0.f), V::set1(0.f), V::set1(0.f)};
  int64_t j = 0;
  for (; j + 4 <= HW; j += 4)
#pragma GCC unroll 4
    for (int q = 0; q < 4; ++q) s[q] = V::add(s[q], V::load_n(x + (j + q) * L, L));
  for (int q = 0; j < HW; ++j, ++q) s[q] = V::add(s[q], V::load_n(x + j * L, L));
  const T mean = V::div(V::add(V::add(s[0], s[1]), V::add(s[2], s[3])), V::set1(static_cast<float>(HW)));
  V::store_n(y, mean, nch);
}

template <class V>
void scale_run(const float* x, const float* s, int64_t HW, float* y) {
  constexpr int64_t L = V::L;
  const typename V::T sv = V::load_n(s, L);
  for (int64_t j = 0; j < HW; ++j) V::store_n(y + j * L, V::mul(V::load_n(x + j * L, L), sv), L);
}

// ---------------------------------------------------------------------------- reorders
// L pixels at a time: L channel rows loaded, transposed into L pixel vectors.
template <class V>
void to_blocked_run(const float* x, int64_t C, int64_t HW, float* y, int64_t cb, int64_t p0, int64_t p1) {
  using T = typename V::T;
  constexpr int64_t L = V::L;
  const int64_t nch = std::min<int64_t>(L, C - cb * L);
  T r[L];
  for (int64_t q = p0; q < p1; q += L) {
    const int64_t n = std::min<int64_t>(L, p1 - q);
#pragma GCC unroll 16
    for (int64_t l = 0; l < L; ++l) r[l] = l < nch ? V::load_n(x + (cb * L + l) * HW + q, n) : V::set1(0.f);
    V::transpose(r);
    for (int64_t j = 0; j < n; ++j) V::store_n(y + (cb * HW + q + j) * L, r[j], L);
  }
}

template <class V>
void from_blocked_run(const float* x, int64_t C, int64_t HW, float* y, int64_t cb, int64_t p0, int64_t p1) {
  using T = typename V::T;
  constexpr int64_t L = V::L;
  const int64_t nch = std::min<int64_t>(L, C - cb * L);
  T r[L];
  for (int64_t q = p0; q < p1; q += L) {
    const int64_t n = std::min<int64_t>(L, p1 - q);
#pragma GCC unroll 16
    for (int64_t j = 0; j < L; ++j) r[j] = j < n ? V::load_n(x + (cb * HW + q + j) * L, L) : V::set1(0.f);
    V::transpose(r);
    for (int64_t l = 0; l < nch; ++l) V::store_n(y + (cb * L + l) * HW + q, r[l], n);
  }
}

}  // namespace
}  // namespace cnncore::kernels
