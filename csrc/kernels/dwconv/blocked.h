#pragma once
// The KxK (3x3 or 5x5) undilated depthwise convolution of a block of kLanes channels at once, for
// small planes (a 7x7 plane fills 7 of 16 lanes when vectorised along its rows): the block's
// planes are transposed into a zero-padded [rows][cols][kLanes] buffer, each output pixel is then
// K*K vector FMAs across the channels, and the results are transposed back into the NCHW planes.
// Per output the arithmetic is the row kernels' (plane.h: w0*x0, FMAs in (ky, kx) order, + bias,
// the activation), so the two paths give bitwise the same values. Written once over V (avx2.cpp,
// avx512.cpp); the anonymous namespace gives each ISA its own copy.
#include <cstdint>
#include <cstring>

#include "kernels/dwconv/dwconv.h"

namespace cnncore::kernels {
namespace {

// V provides what dw_plane_3x3 uses plus zero(), load(p), load_n(p, n) (the first n lanes,
// zeros after), store(p, v) and transpose(T r[kLanes]) (afterwards r[j] lane i = r[i] lane j).
template <class V, int K, int S>
void dw_blocked(const DwBlockParams& p, const float* x, const float* w, const float* bias, int nch, DwAct act,
                float* scratch, float* y) {
  using T = typename V::T;
  constexpr int L = V::kLanes;
  const int64_t Hp = (p.OH - 1) * S + K, Wp = (p.OW - 1) * S + K;
  float* xin = scratch;                 // [Hp][Wp][L], zero border
  float* xout = scratch + Hp * Wp * L;  // [OH][OW][L]
  std::memset(xin, 0, static_cast<size_t>(Hp * Wp * L) * sizeof(float));
  T r[L];
  for (int64_t iy = 0; iy < p.H && iy + p.pt < Hp; ++iy) {  // rows no window reads are skipped
    for (int64_t ix0 = 0; ix0 < p.W; ix0 += L) {
      const int n = static_cast<int>(p.W - ix0 < L ? p.W - ix0 : L);
#pragma GCC unroll 16
      for (int l = 0; l < L; ++l) r[l] = l < nch ? V::load_n(x + l * p.in_plane + iy * p.W + ix0, n) : V::zero();
      V::transpose(r);
      for (int j = 0; j < n && ix0 + j + p.pl < Wp; ++j) V::store(xin + ((iy + p.pt) * Wp + ix0 + j + p.pl) * L, r[j]);
    }
  }
  alignas(64) float lanes[L];
  T wv[K * K];
  for (int t = 0; t < K * K; ++t) {
    for (int l = 0; l < L; ++l) lanes[l] = l < nch ? w[l * K * K + t] : 0.f;
    wv[t] = V::load(lanes);
  }
  const T vb = V::load_n(bias, nch);
  for (int64_t oy = 0; oy < p.OH; ++oy) {
    const float* r0 = xin + oy * S * Wp * L;
    for (int64_t ox = 0; ox < p.OW; ++ox) {
      const float* o = r0 + ox * S * L;
      T acc = V::mul(wv[0], V::load(o));
#pragma GCC unroll 25
      for (int t = 1; t < K * K; ++t) acc = V::fma(wv[t], V::load(o + (t / K * Wp + t % K) * L), acc);
      V::store(xout + (oy * p.OW + ox) * L, V::activate(V::add(acc, vb), act));
    }
  }
  const int64_t out_plane = p.OH * p.OW;
  for (int64_t oy = 0; oy < p.OH; ++oy)
    for (int64_t ox0 = 0; ox0 < p.OW; ox0 += L) {
      const int n = static_cast<int>(p.OW - ox0 < L ? p.OW - ox0 : L);
#pragma GCC unroll 16
      for (int j = 0; j < L; ++j) r[j] = j < n ? V::load(xout + (oy * p.OW + ox0 + j) * L) : V::zero();
      V::transpose(r);
      for (int l = 0; l < nch; ++l) V::store(y + l * out_plane + oy * p.OW + ox0, r[l], n);
    }
}

}  // namespace
}  // namespace cnncore::kernels
