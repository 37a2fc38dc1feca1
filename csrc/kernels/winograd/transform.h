#pragma once
// The 6x6-tile Winograd transforms written once over a vector type V (see ref.cpp, avx2.cpp,
// avx512.cpp), so every ISA level runs the same operations in the same order. F(4x4, 3x3),
// F(3x3, 4x4) and F(2x2, 5x5) share the points (0, +-1, +-2, inf), hence the input transform B^T;
// they differ in the filter transform G (winograd_filter) and the output transform A^T (4, 3 or
// 2 rows: A^T[k][i] = p_i^k, and 1 for inf in the last row). Included only by
// the files of this family; the anonymous namespace gives each ISA its own copy.
#include <cstdint>

namespace cnncore::kernels {
namespace {

// V provides: type T, load(p), store(p, v), add, sub, fma(a, b, c) = a*b + c and
// fnma(a, b, c) = c - a*b (single rounding), set1(float), max/min (the second operand unless the
// first is strictly greater/less: SSE semantics, NaN propagates from b), and store_row4(o, y, ldc): o[0..3] are
// four neighbouring pixels of a row, one vector each; lane l's four go to y[l*ldc + 0..3]; store_row3
// and store_row2 likewise for three and two, writing nothing past them.
template <class V>
struct Winograd6 {
  using T = typename V::T;

  // (B^T d) for one column d0..d5.
  static inline void in1d(const T d[6], T t[6]) {
    const T four = V::set1(4.f), five = V::set1(5.f), two = V::set1(2.f);
    const T d42 = V::sub(d[4], d[2]), d31 = V::sub(d[3], d[1]);
    t[0] = V::fnma(five, d[2], V::fma(four, d[0], d[4]));
    t[1] = V::fnma(four, V::add(d[1], d[2]), V::add(d[3], d[4]));
    t[2] = V::fma(four, V::sub(d[1], d[2]), V::sub(d[4], d[3]));
    t[3] = V::fma(two, d31, d42);
    t[4] = V::fnma(two, d31, d42);
    t[5] = V::fnma(five, d[3], V::fma(four, d[1], d[5]));
  }

  // (A^T m) for one column m0..m5.
  static inline void out1d(const T m[6], T (&o)[4]) {
    const T s12 = V::add(m[1], m[2]), d12 = V::sub(m[1], m[2]);
    const T s34 = V::add(m[3], m[4]), d34 = V::sub(m[3], m[4]);
    o[0] = V::add(V::add(m[0], s12), s34);
    o[1] = V::fma(V::set1(2.f), d34, d12);
    o[2] = V::fma(V::set1(4.f), s34, s12);
    o[3] = V::add(V::fma(V::set1(8.f), d34, d12), m[5]);
  }

  // (A^T m) of F(3x3, 4x4) for one column m0..m5: A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 1].
  static inline void out1d(const T m[6], T (&o)[3]) {
    const T s12 = V::add(m[1], m[2]), d12 = V::sub(m[1], m[2]);
    const T s34 = V::add(m[3], m[4]), d34 = V::sub(m[3], m[4]);
    o[0] = V::add(V::add(m[0], s12), s34);
    o[1] = V::fma(V::set1(2.f), d34, d12);
    o[2] = V::add(V::fma(V::set1(4.f), s34, s12), m[5]);
  }

  // (A^T m) of F(2x2, 5x5) for one column m0..m5: A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 1].
  static inline void out1d(const T m[6], T (&o)[2]) {
    const T s12 = V::add(m[1], m[2]), d12 = V::sub(m[1], m[2]);
    const T s34 = V::add(m[3], m[4]), d34 = V::sub(m[3], m[4]);
    o[0] = V::add(V::add(m[0], s12), s34);
    o[1] = V::add(V::fma(V::set1(2.f), d34, d12), m[5]);
  }

  // px: floats between neighbouring pixels of a row (the lane count).
  static inline void input(const float* x, int64_t ldx, int64_t px, float* v, int64_t ldv) {
    T t[6][6];
#pragma GCC unroll 6
    for (int c = 0; c < 6; ++c) {
      T d[6];
#pragma GCC unroll 6
      for (int r = 0; r < 6; ++r) d[r] = V::load(x + r * ldx + c * px);
      T o[6];
      in1d(d, o);
#pragma GCC unroll 6
      for (int r = 0; r < 6; ++r) t[r][c] = o[r];
    }
#pragma GCC unroll 6
    for (int r = 0; r < 6; ++r) {
      T o[6];
      in1d(t[r], o);
#pragma GCC unroll 6
      for (int c = 0; c < 6; ++c) V::store(v + (6 * r + c) * ldv, o[c]);
    }
  }

  // y[l*ldc + r*ldr + c] = min(hi, max(lo, (A^T m A)[r][c] + bias[l])), r, c < M: the 4x4 tile of
  // F(4x4, 3x3) (M = 4), the 3x3 tile of F(3x3, 4x4) (M = 3) or the 2x2 tile of F(2x2, 5x5) (M = 2). Px > 0: pixels are vectors
  // instead (the blocked layout), pixel (r, c) lane l at y[r*ldr + c*Px + l], ldc unused.
  template <int M, int Px = 0>
  static inline void output(const float* m, int64_t ldm, const float* bias, float lo, float hi, float* y, int64_t ldc,
                            int64_t ldr) {
    static_assert(M >= 2 && M <= 4, "6x6 tiles give 4x4 (3x3 filters), 3x3 (4x4) or 2x2 (5x5) outputs");
    T t[M][6];
#pragma GCC unroll 6
    for (int c = 0; c < 6; ++c) {
      T d[6];
#pragma GCC unroll 6
      for (int r = 0; r < 6; ++r) d[r] = V::load(m + (6 * r + c) * ldm);
      T o[M];
      out1d(d, o);
#pragma GCC unroll 4
      for (int r = 0; r < M; ++r) t[r][c] = o[r];
    }
    const T b = V::load(bias), vlo = V::set1(lo), vhi = V::set1(hi);
#pragma GCC unroll 4
    for (int r = 0; r < M; ++r) {
      T o[M];
      out1d(t[r], o);
#pragma GCC unroll 4
      for (int c = 0; c < M; ++c) o[c] = V::min(vhi, V::max(vlo, V::add(o[c], b)));
      if constexpr (Px > 0) {
#pragma GCC unroll 4
        for (int c = 0; c < M; ++c) V::store(y + r * ldr + c * Px, o[c]);
      } else if constexpr (M == 4) {
        V::store_row4(o, y + r * ldr, ldc);
      } else if constexpr (M == 3) {
        V::store_row3(o, y + r * ldr, ldc);
      } else {
        V::store_row2(o, y + r * ldr, ldc);
      }
    }
  }
};

}  // namespace
}  // namespace cnncore::kernels
