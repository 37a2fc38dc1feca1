#pragma once
// The separable max and average pooling of separable_pool.h, written once over a vector type V
// (ref.cpp, avx2.cpp, avx512.cpp). Included only by the files of this family; the anonymous
// namespace gives each ISA its own copy. Per output row: the column maxima (sums) of its
// window's rows go to a scratch row, then the row's windows take their maxima (sums) along it.
// AVG selects the sum, then divides by the window's divisor (kernels/pool/pool.h); the sums run
// in the reference's order (rows of a column, then the columns), so results equal it bitwise.
//
// V provides: T, L (lanes), load(p), load_n(p, n) (first n lanes, reading nothing past them),
// store(p, v), store_n(p, v, n) (first n lanes), max(a, b), add(a, b), mul(a, b), div(a, b),
// set1(v), load_s(p, s): lanes p[0], p[s],
// ..., p[(L-1)*s], reading L*s floats from p (s is 1 or 2: supports()), has_nan(p, n): whether
// p[0..n) holds a NaN (checked once per plane), and kSplitStride2: whether stride-2 rows are
// stored split by parity (then even(a, b) / odd(a, b): the even / odd lanes of the 2L floats
// a, b), which pays where a cross-lane shuffle per tap costs more than two per column pair.
// For max_rows_s2 also: set1(v), load_or(p, n, fill) (load_n with lanes from n on = fill),
// even / odd, shift_in(cur, prev) (prev's last lane, then cur's first L-1), shift_next(cur, next)
// (cur's last L-1 lanes, then next's first), and a NaN flag M: no_nan(), add_nan(m, a, b) (m, or
// a NaN in a or b), any_nan(m).
#include <algorithm>
#include <cstdint>
#include <limits>

#include "kernels/separable_pool/separable_pool.h"

namespace cnncore::kernels {
namespace {

constexpr float kLowest = -std::numeric_limits<float>::infinity();

// A scratch row of column maxima. At stride 2 (SPLIT) it is stored as its even columns then its
// odd ones, `half` floats apart, so every tap of a window reads consecutive floats of one half
// (no shuffles per tap).
template <bool SPLIT>
struct Columns {
  float* v;
  int64_t half;
  float at(int64_t ix) const { return SPLIT ? v[(ix & 1) * half + (ix >> 1)] : v[ix]; }
};

template <class V, bool AVG>
typename V::T combine(typename V::T a, typename V::T b) {
  if constexpr (AVG)
    return V::add(a, b);
  else
    return V::max(a, b);
}

// Rows (columns) the divisor counts for a window starting at `start` along an axis of `in`
// elements padded by `pad_end` at the end (the reference's rule; avg pools have no dilation).
inline int64_t window_count(int64_t start, int64_t k, int64_t in, int64_t pad_end, bool include_pad) {
  const int64_t end = std::min(start + k, in + pad_end);
  return include_pad ? end - start : std::min(end, in) - std::max<int64_t>(start, 0);
}

// The column maxima (sums) over output row oy's window rows inside the plane; false when the
// window has no row inside the plane.
template <class V, bool AVG, bool SPLIT>
bool column_reduce(const PoolParams& p, const float* x, int64_t oy, Columns<SPLIT> c) {
  using T = typename V::T;
  constexpr int64_t L = V::L;
  const int64_t top = oy * p.sh - p.pt;
  int64_t k0 = 0, k1 = p.kh;  // taps whose row lies in [0, H)
  while (k0 < k1 && top + k0 * p.dh < 0) ++k0;
  while (k1 > k0 && top + (k1 - 1) * p.dh >= p.H) --k1;
  if (k0 == k1) return false;
  const float* r0 = x + (top + k0 * p.dh) * p.W;
  const int64_t step = p.dh * p.W, taps = k1 - k0;
  auto col = [&](int64_t ix, int64_t n) {
    T m = V::load_n(r0 + ix, n);
    for (int64_t k = 1; k < taps; ++k) m = combine<V, AVG>(m, V::load_n(r0 + k * step + ix, n));
    return m;
  };
  if constexpr (SPLIT) {
    for (int64_t ix = 0; ix < p.W; ix += 2 * L) {
      const int64_t n = std::min(2 * L, p.W - ix);
      const T a = col(ix, std::min(L, n)), b = n > L ? col(ix + L, n - L) : a;
      V::store(c.v + ix / 2, V::even(a, b));
      V::store(c.v + c.half + ix / 2, V::odd(a, b));
    }
  } else {  // the tail stored masked: a max pool's -inf columns past W stay
    for (int64_t ix = 0; ix < p.W; ix += L) {
      const int64_t n = std::min(L, p.W - ix);
      V::store_n(c.v + ix, col(ix, n), n);
    }
  }
  return true;
}

// One output row oy from its column maxima (sums): y[ox] = max (sum) over kx of column
// ox*sw - pl + kx*dw inside [0, W), a sum divided by its window's divisor. KW, SW > 0 fix the
// window width and stride (dilation 1) at compile time for the common pools; 0 reads them from p.
// [ox0, ox1): the windows the vector loop takes (with padded columns, all of them). cols: each
// output column's count of window columns (or the divisor override), for an average pool whose
// vector loop takes clipped windows too.
template <class V, bool AVG, int KW, int SW, bool SPLIT>
void row_reduce(const PoolParams& p, Columns<SPLIT> c, int64_t oy, float* y, int64_t ox0, int64_t ox1,
                const float* cols = nullptr) {
  using T = typename V::T;
  constexpr int64_t L = V::L;
  const int64_t kw = KW ? KW : p.kw, sw = SW ? SW : p.sw, dw = KW ? 1 : p.dw;
  const int64_t rows = AVG ? window_count(oy * p.sh - p.pt, p.kh, p.H, p.pb, p.count_include_pad) : 0;
  auto divisor = [&](int64_t ox) {  // of a sum; whole windows count kw columns
    if (p.divisor_override) return static_cast<float>(p.divisor_override);
    const int64_t cols = ox >= ox0 && ox < ox1 ? kw : window_count(ox * sw - p.pl, kw, p.W, p.pr, p.count_include_pad);
    return static_cast<float>(rows * cols);
  };
  const float inner = AVG && !cols ? divisor(ox0) : 0.f;
  const T rowsv = V::set1(p.divisor_override ? 1.f : static_cast<float>(rows));
  for (int64_t ox = ox0; ox < ox1; ox += L) {
    T m;
    if constexpr (SPLIT) {  // tap kx: column 2*ox - pl + kx, in the half of its parity
      auto tap = [&](int64_t kx) {
        const int64_t ix = 2 * ox - p.pl + kx;
        return V::load(c.v + (ix & 1) * c.half + (ix >> 1));
      };
      m = tap(0);
#pragma GCC unroll 4
      for (int64_t kx = 1; kx < kw; ++kx) m = combine<V, AVG>(m, tap(kx));
    } else {
      const float* b = c.v + ox * sw - p.pl;
      m = V::load_s(b, sw);
#pragma GCC unroll 4
      for (int64_t kx = 1; kx < kw; ++kx) m = combine<V, AVG>(m, V::load_s(b + kx * dw, sw));
    }
    if constexpr (AVG) m = V::div(m, cols ? V::mul(rowsv, V::load(cols + ox)) : V::set1(inner));  // exact products
    V::store_n(y + ox, m, std::min(L, ox1 - ox));
  }
  for (int64_t ox = 0; ox < p.OW; ++ox) {  // windows clipped by the row's ends
    if (ox == ox0) ox = ox1;
    if (ox >= p.OW) break;
    float m = AVG ? 0.f : kLowest;
    bool first = true;
    for (int64_t kx = 0; kx < kw; ++kx) {
      const int64_t ix = ox * sw - p.pl + kx * dw;
      if (ix < 0 || ix >= p.W) continue;
      if (AVG)
        m = first ? c.at(ix) : m + c.at(ix);
      else if (c.at(ix) > m)
        m = c.at(ix);
      first = false;
    }
    y[ox] = AVG ? m / divisor(ox) : m;
  }
}

// False (for the reference to run) when an average pool has a window with no input row.
template <class V, bool AVG, int KW, int SW>
bool pool_rows(const PoolParams& p, const float* x, float* y, float* scratch) {
  constexpr bool split = SW == 2 && V::kSplitStride2;
  const int64_t kw = KW ? KW : p.kw, sw = SW ? SW : p.sw, dw = KW ? 1 : p.dw;
  // Output columns whose windows lie wholly inside a row: [ox0, ox1). The rest are clipped.
  const int64_t ox0 = std::min(p.OW, (p.pl + sw - 1) / sw);
  const int64_t reach = p.W - 1 - (kw - 1) * dw + p.pl;  // the last window start, shifted by pl
  const int64_t ox1 = reach < 0 ? ox0 : std::clamp(reach / sw + 1, ox0, p.OW);
  // Two scratch rows, one step apart: row oy's windows read its column maxima while row oy+1's
  // are being stored, so the misaligned reads do not wait on stores still in flight. At a stride
  // without the split each row keeps padding columns on both sides (kw*dw before column 0, the
  // rest after W): -inf for a max, which never wins, -0 for a sum (x + -0 is x, signed zeros
  // included, so the sums stay the reference's bits), divided by the count of the columns
  // inside (cols). So the windows clipped by the row's ends take the vector loop too
  // (small planes spent most of their time in their scalar loop: a 3x3 stride-1 max pool on 7x7
  // planes took 13 cycles per input float).
  constexpr bool padded = !split;
  const int64_t ld = pool_scratch_row(p), off = padded ? kw * dw : 0;
  float* cols = nullptr;
  if (padded) {  // the columns a row's windows and its last vector's lanes reach past W (sw <= 2)
    for (float* r : {scratch, scratch + ld}) {
      std::fill(r, r + off, AVG ? -0.f : kLowest);
      std::fill(r + off + p.W, r + std::min(ld, off + p.W + p.pr + 2 * V::L), AVG ? -0.f : kLowest);
    }
    if constexpr (AVG) {
      cols = scratch + 2 * ld;
      for (int64_t ox = 0; ox < p.OW + V::L; ++ox)
        cols[ox] = ox >= p.OW              ? 1.f
                   : p.divisor_override    ? static_cast<float>(p.divisor_override)
                                           : static_cast<float>(window_count(ox * sw - p.pl, kw, p.W, p.pr,
                                                                             p.count_include_pad));
    }
  }
  auto row = [&](int64_t oy) { return Columns<split>{scratch + (oy & 1) * ld + off, ld / 2}; };
  bool inside = p.OH > 0 && column_reduce<V, AVG>(p, x, 0, row(0));
  for (int64_t oy = 0; oy < p.OH; ++oy) {
    const bool next = oy + 1 < p.OH && column_reduce<V, AVG>(p, x, oy + 1, row(oy + 1));
    float* yr = y + oy * p.OW;
    if (inside)
      row_reduce<V, AVG, KW, SW>(p, row(oy), oy, yr, padded ? 0 : ox0, padded ? p.OW : ox1, cols);
    else if (AVG)
      return false;
    else
      std::fill(yr, yr + p.OW, kLowest);
    inside = next;
  }
  return true;
}

// Max pooling at stride 2 along W with a window of 2 or 3 columns starting PL in {0, 1} to the
// left (dilation 1): the common 3x3 / 2x2 stride-2 pools, held in registers. Per output row and
// block of L outputs, the window rows' maxima over the 2L input columns the block starts on split
// into E (even columns) and O (odd); lane i's window column 2i - PL + c is then O of lane i-1
// (c = -1, from the block before), E (c = 0), O (c = 1) or E of lane i+1 (c = 2, from the block
// after, so the block is stored one step late). Columns past the row load as -inf, which never
// wins. Any window height and row dilation. NaN never reaches a max: every loaded pair is
// tested, and false sends the plane to the reference. No scratch row and no separate NaN pass.
template <class V, int KW, int PL>
bool max_rows_s2(const PoolParams& p, const float* x, float* y) {
  using T = typename V::T;
  constexpr int64_t L = V::L;
  constexpr bool kNext = PL == 0 && KW == 3;  // lane i also reads E of lane i+1
  const T lowest = V::set1(kLowest);
  typename V::M nan = V::no_nan();
  const int64_t blocks = (p.OW + L - 1) / L;
  for (int64_t oy = 0; oy < p.OH; ++oy) {
    const int64_t top = oy * p.sh - p.pt;
    int64_t k0 = 0, k1 = p.kh;  // taps whose row lies in [0, H)
    while (k0 < k1 && top + k0 * p.dh < 0) ++k0;
    while (k1 > k0 && top + (k1 - 1) * p.dh >= p.H) --k1;
    float* yr = y + oy * p.OW;
    if (k0 == k1) {
      std::fill(yr, yr + p.OW, kLowest);
      continue;
    }
    const float* r0 = x + (top + k0 * p.dh) * p.W;
    const int64_t step = p.dh * p.W;
    // E and O of block j: columns [2Lj, 2Lj + 2L), those past the row -inf.
    auto columns = [&](int64_t j, T& e, T& o) {
      const int64_t ix = 2 * L * j, n = p.W - ix;
      T a = V::load_or(r0 + ix, n, lowest), b = V::load_or(r0 + ix + L, n - L, lowest);
      nan = V::add_nan(nan, a, b);
      for (int64_t k = 1; k < k1 - k0; ++k) {
        const T a1 = V::load_or(r0 + k * step + ix, n, lowest), b1 = V::load_or(r0 + k * step + ix + L, n - L, lowest);
        nan = V::add_nan(nan, a1, b1);
        a = V::max(a, a1);
        b = V::max(b, b1);
      }
      e = V::even(a, b);
      o = V::odd(a, b);
    };
    T pe = lowest, po = lowest;  // the block before's E and O (-inf before the row)
    for (int64_t j = 0; j < blocks; ++j) {
      T e, o;
      columns(j, e, o);
      if constexpr (kNext) {
        if (j > 0) V::store(yr + (j - 1) * L, V::max(V::max(pe, po), V::shift_next(pe, e)));
      } else {
        T m = PL == 1 ? V::max(V::shift_in(o, po), e) : V::max(e, o);
        if constexpr (KW == 3) m = V::max(m, o);
        V::store_n(yr + j * L, m, std::min(L, p.OW - j * L));
      }
      pe = e;
      po = o;
    }
    if constexpr (kNext) {  // the last block, whose next E lies past the outputs
      T e = lowest, o;
      if (2 * L * blocks < p.W) columns(blocks, e, o);
      const int64_t j = blocks - 1;
      V::store_n(yr + j * L, V::max(V::max(pe, po), V::shift_next(pe, e)), std::min(L, p.OW - j * L));
    }
  }
  return !V::any_nan(nan);
}

template <class V, bool AVG>
bool pool_separable(const PoolParams& p, const float* x, float* y, float* scratch) {
  const bool dense = p.dw == 1;
  if (dense && p.kw == 3 && p.sw == 2) return pool_rows<V, AVG, 3, 2>(p, x, y, scratch);
  if (dense && p.kw == 2 && p.sw == 2) return pool_rows<V, AVG, 2, 2>(p, x, y, scratch);
  if (dense && p.kw == 3 && p.sw == 1) return pool_rows<V, AVG, 3, 1>(p, x, y, scratch);
  return pool_rows<V, AVG, 0, 0>(p, x, y, scratch);
}

template <class V>
bool maxpool_separable(const PoolParams& p, const float* x, float* y, float* scratch) {
  if (p.sw == 2 && p.dw == 1 && (p.kw == 2 || p.kw == 3) && (p.pl == 0 || p.pl == 1)) {
    if (p.kw == 3) return p.pl ? max_rows_s2<V, 3, 1>(p, x, y) : max_rows_s2<V, 3, 0>(p, x, y);
    return p.pl ? max_rows_s2<V, 2, 1>(p, x, y) : max_rows_s2<V, 2, 0>(p, x, y);
  }
  return !V::has_nan(x, p.H * p.W) && pool_separable<V, false>(p, x, y, scratch);
}

// NaNs need no check: the sums carry them as the reference's do.
template <class V>
bool avgpool_separable(const PoolParams& p, const float* x, float* y, float* scratch) {
  return pool_separable<V, true>(p, x, y, scratch);
}

}  // namespace
}  // namespace cnncore::kernels
