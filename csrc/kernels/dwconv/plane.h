#pragma once
// Depthwise planes along rows, written once over a vector type V (see avx2.cpp, avx512.cpp).
// The 3x3 undilated plane (most depthwise layers): the nine weights stay in registers, taps are
// unrolled, and two output rows are made per pass, so the input rows they share are loaded once
// (at stride 1, four rows feed two outputs instead of six). Per output, in (ky, kx) order:
// w0*x0, then fused multiply-adds, then + bias, then the activation. Any other window (5x5 in
// EfficientNet and MobileNetV3, dilated ones) at stride 1 or 2: the same sum, taps in loops.
// dw_direct: the 3x3 sum read straight from the NCHW plane, with no padded copy.
// Included only by the files of this family; the anonymous namespace gives each ISA its own copy.
#include <cstdint>
#include <type_traits>

#include "kernels/dwconv/dwconv.h"

namespace cnncore::kernels {
namespace {

// V provides: type T, kLanes, set1, mul, fma(a, b, c) = a*b + c, add, load<S>(p) (kLanes floats
// at stride S), taps_s2(p, x) (x[t] = kLanes floats from p + t at stride 2), store(p, v, n) (the
// first n lanes) and activate(v, act).

// One 3x3 output vector from its three input rows' taps x[ky][kx]: w0*x0, FMAs in (ky, kx)
// order, + bias, the activation. Both 3x3 row kernels below use it, so they agree bit for bit.
template <class V>
inline typename V::T dot3x3(const typename V::T wv[9], typename V::T vb, const DwAct& act, const typename V::T x0[3],
                            const typename V::T x1[3], const typename V::T x2[3]) {
  typename V::T acc = V::mul(wv[0], x0[0]);
  acc = V::fma(wv[1], x0[1], acc);
  acc = V::fma(wv[2], x0[2], acc);
  acc = V::fma(wv[3], x1[0], acc);
  acc = V::fma(wv[4], x1[1], acc);
  acc = V::fma(wv[5], x1[2], acc);
  acc = V::fma(wv[6], x2[0], acc);
  acc = V::fma(wv[7], x2[1], acc);
  acc = V::fma(wv[8], x2[2], acc);
  return V::activate(V::add(acc, vb), act);
}

template <class V, int S>
void dw_plane_3x3(const DwParams& p, const float* xp, const float* w, float bias, const DwAct& act, float* y) {
  using T = typename V::T;
  constexpr int L = V::kLanes;
  T wv[9];
#pragma GCC unroll 9
  for (int t = 0; t < 9; ++t) wv[t] = V::set1(w[t]);
  const T vb = V::set1(bias);
  auto dot = [&](const T x0[3], const T x1[3], const T x2[3]) { return dot3x3<V>(wv, vb, act, x0, x1, x2); };
  auto taps = [](const float* r, T x[3]) {
    if (S == 2) return V::taps_s2(r, x);  // columns 2j, 2j+1, 2j+2 from two loads, not six
    x[0] = V::template load<S>(r);
    x[1] = V::template load<S>(r + 1);
    x[2] = V::template load<S>(r + 2);
  };
  int64_t oy = 0;
  for (; oy + 2 <= p.OH; oy += 2) {  // rows oy*S .. oy*S + S + 2 feed outputs oy and oy + 1
    const float* r = xp + oy * S * p.ldx;
    float* ya = y + oy * p.OW;
    float* yb = ya + p.OW;
    for (int64_t ox = 0; ox < p.OW; ox += L) {
      const int64_t o = ox * S;
      const int n = static_cast<int>(p.OW - ox < L ? p.OW - ox : L);
      T x0[3], x1[3], x2[3], x3[3], x4[3];
      taps(r + o, x0);
      taps(r + p.ldx + o, x1);
      taps(r + 2 * p.ldx + o, x2);
      taps(r + 3 * p.ldx + o, x3);
      if (S == 1) {
        V::store(ya + ox, dot(x0, x1, x2), n);
        V::store(yb + ox, dot(x1, x2, x3), n);
      } else {
        taps(r + 4 * p.ldx + o, x4);
        V::store(ya + ox, dot(x0, x1, x2), n);
        V::store(yb + ox, dot(x2, x3, x4), n);
      }
    }
  }
  if (oy < p.OH) {  // an odd last row
    const float* r = xp + oy * S * p.ldx;
    float* ya = y + oy * p.OW;
    for (int64_t ox = 0; ox < p.OW; ox += L) {
      const int64_t o = ox * S;
      T x0[3], x1[3], x2[3];
      taps(r + o, x0);
      taps(r + p.ldx + o, x1);
      taps(r + 2 * p.ldx + o, x2);
      V::store(ya + ox, dot(x0, x1, x2), static_cast<int>(p.OW - ox < L ? p.OW - ox : L));
    }
  }
}

// Any window, column stride S (1 or 2), any row stride and dilation: per output vector, w0*x0,
// fused multiply-adds over the other taps in (ky, kx) order, + bias, the activation.
template <class V, int S>
void dw_plane_any(const DwParams& p, const float* xp, const float* w, float bias, const DwAct& act, float* y) {
  using T = typename V::T;
  constexpr int L = V::kLanes;
  const T vb = V::set1(bias);
  for (int64_t oy = 0; oy < p.OH; ++oy) {
    float* yr = y + oy * p.OW;
    for (int64_t ox = 0; ox < p.OW; ox += L) {
      const float* xo = xp + oy * p.sh * p.ldx + ox * S;
      T acc = V::mul(V::set1(w[0]), V::template load<S>(xo));
      for (int64_t ky = 0; ky < p.kh; ++ky) {
        const float* xr = xo + ky * p.dh * p.ldx;
        for (int64_t kx = ky == 0 ? 1 : 0; kx < p.kw; ++kx)
          acc = V::fma(V::set1(w[ky * p.kw + kx]), V::template load<S>(xr + kx * p.dw), acc);
      }
      V::store(yr + ox, V::activate(V::add(acc, vb), act), static_cast<int>(p.OW - ox < L ? p.OW - ox : L));
    }
  }
}

// The 3x3 undilated plane read straight from the NCHW plane (no padded copy; dwconv.h). Each
// input row is walked in column groups (S = 1: kLanes columns; S = 2: 2*kLanes, split into even
// and odd columns), each loaded once; the taps are those groups shifted across lanes. Rows
// outside the plane and columns outside [0, W) are zero vectors and still multiplied, so every
// sum is the padded kernel's, bit for bit. R output rows per pass share their input rows.
// V also provides zero(), load(p) and store(p, v) (whole vectors), load_n(p, n) (min(n, kLanes)
// floats, zeros after), deinterleave(a, b, e, o) (the even and odd lanes of a:b) and
// shift<k>(lo, hi) (lanes k .. k + kLanes of lo:hi).
template <class V, int S, int PL, int R, bool EDGE>
void dw_direct_pass(const DwDirectParams& p, const float* x, const typename V::T wv[9], typename V::T vb,
                    const DwAct& act, int64_t oy, float* y) {
  using T = typename V::T;
  constexpr int L = V::kLanes, NR = (R - 1) * S + 3;
  struct Group {
    T e, o;  // S = 1: the columns in e
  };
  const float* rows[NR];
  for (int i = 0; i < NR; ++i) {
    const int64_t iy = oy * S - p.pt + i;
    rows[i] = iy >= 0 && iy < p.H ? x + iy * p.W : nullptr;
  }
  // FULL: every load of the group lies inside the row (no bounds to check); EDGE: some rows lie
  // outside the plane (null). The interior of a plane takes neither check.
  auto load = [&](const float* r, int64_t c, auto full) {
    auto one = [&](int64_t cc) {
      if constexpr (decltype(full)::value) return V::load(r + cc);
      else return (!EDGE || r) && cc < p.W ? V::load_n(r + cc, p.W - cc) : V::zero();
    };
    Group g;
    if constexpr (EDGE && decltype(full)::value)
      if (!r) return Group{V::zero(), V::zero()};
    if (S == 1) {
      g.e = one(c);
      g.o = g.e;
    } else {
      V::deinterleave(one(c), one(c + L), g.e, g.o);
    }
    return g;
  };
  // Stride 2 with a left pad needs no look-ahead (its taps end at the group's last odd column),
  // which leaves registers for two output rows per pass.
  constexpr bool ahead = S == 1 || PL == 0;
  // The columns the group at ox loads run to (ahead: the next group's).
  auto fits = [&](int64_t ox) { return (ahead ? (ox + L) * S : ox * S) + S * L <= p.W && ox + L <= p.OW; };
  Group prev[NR], cur[NR], next[NR];
#pragma GCC unroll 8
  for (int i = 0; i < NR; ++i) {
    prev[i].e = prev[i].o = V::zero();
    if (ahead) cur[i] = load(rows[i], 0, std::false_type{});
  }
  auto step = [&](int64_t ox, auto full) {
    T t[NR][3];
#pragma GCC unroll 8
    for (int i = 0; i < NR; ++i) {
      if (ahead)
        next[i] = load(rows[i], (ox + L) * S, full);
      else
        cur[i] = load(rows[i], ox * S, full);
      if (S == 1 && PL == 1) {
        t[i][0] = V::template shift<L - 1>(prev[i].e, cur[i].e);
        t[i][1] = cur[i].e;
        t[i][2] = V::template shift<1>(cur[i].e, next[i].e);
      } else if (S == 1) {
        t[i][0] = cur[i].e;
        t[i][1] = V::template shift<1>(cur[i].e, next[i].e);
        t[i][2] = V::template shift<2>(cur[i].e, next[i].e);
      } else if (PL == 1) {
        t[i][0] = V::template shift<L - 1>(prev[i].o, cur[i].o);
        t[i][1] = cur[i].e;
        t[i][2] = cur[i].o;
      } else {
        t[i][0] = cur[i].e;
        t[i][1] = cur[i].o;
        t[i][2] = V::template shift<1>(cur[i].e, next[i].e);
      }
    }
    const int n = static_cast<int>(p.OW - ox < L ? p.OW - ox : L);
#pragma GCC unroll 4
    for (int j = 0; j < R; ++j) {
      const T v = dot3x3<V>(wv, vb, act, t[j * S], t[j * S + 1], t[j * S + 2]);
      if constexpr (decltype(full)::value)
        V::store(y + (oy + j) * p.OW + ox, v);
      else
        V::store(y + (oy + j) * p.OW + ox, v, n);
    }
#pragma GCC unroll 8
    for (int i = 0; i < NR; ++i) {
      prev[i] = cur[i];
      if (ahead) cur[i] = next[i];
    }
  };
  int64_t ox = 0;
  for (; ox < p.OW && fits(ox); ox += L) step(ox, std::true_type{});
  for (; ox < p.OW; ox += L) step(ox, std::false_type{});
}

// Passes of R output rows; those whose input rows all lie inside the plane skip the row checks.
template <class V, int S, int PL>
void dw_direct_3x3(const DwDirectParams& p, const float* x, const float* w, float bias, const DwAct& act, float* y) {
  using T = typename V::T;
  constexpr int R = S == 1 || PL == 1 ? 2 : 1;
  T wv[9];
#pragma GCC unroll 9
  for (int t = 0; t < 9; ++t) wv[t] = V::set1(w[t]);
  const T vb = V::set1(bias);
  auto inside = [&](int64_t oy, int r) { return oy * S - p.pt >= 0 && oy * S - p.pt + (r - 1) * S + 3 <= p.H; };
  int64_t oy = 0;
  for (; oy + R <= p.OH; oy += R) {
    if (inside(oy, R))
      dw_direct_pass<V, S, PL, R, false>(p, x, wv, vb, act, oy, y);
    else
      dw_direct_pass<V, S, PL, R, true>(p, x, wv, vb, act, oy, y);
  }
  for (; oy < p.OH; ++oy) dw_direct_pass<V, S, PL, 1, true>(p, x, wv, vb, act, oy, y);
}

template <class V>  // a DwDirectFn
void dw_direct(const DwDirectParams& p, const float* x, const float* w, float bias, DwAct act, float* y) {
  if (p.s == 1) return p.pl ? dw_direct_3x3<V, 1, 1>(p, x, w, bias, act, y) : dw_direct_3x3<V, 1, 0>(p, x, w, bias, act, y);
  p.pl ? dw_direct_3x3<V, 2, 1>(p, x, w, bias, act, y) : dw_direct_3x3<V, 2, 0>(p, x, w, bias, act, y);
}

}  // namespace
}  // namespace cnncore::kernels
