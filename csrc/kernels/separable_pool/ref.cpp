// Scalar instance of the separable pooling (one lane): the template's own reference, tested with
// the others against kernels/pool's max_pool2d_plane and avg_pool2d_plane.
#include <cmath>

#include "kernels/separable_pool/separable.h"

namespace cnncore::kernels::ref {
namespace {

struct Scalar {
  using T = float;
  static constexpr int64_t L = 1;
  static constexpr bool kSplitStride2 = false;
  static T load(const float* p) { return *p; }
  static T load_n(const float* p, int64_t) { return *p; }
  static T load_s(const float* p, int64_t) { return *p; }
  static void store(float* p, T v) { *p = v; }
  static void store_n(float* p, T v, int64_t) { *p = v; }
  static T set1(float v) { return v; }
  static T load_or(const float* p, int64_t n, T fill) { return n >= 1 ? *p : fill; }
  static T even(T a, T) { return a; }  // one lane: a holds the even column, b the odd one
  static T odd(T, T b) { return b; }
  static T shift_in(T, T prev) { return prev; }
  static T shift_next(T, T next) { return next; }
  using M = bool;
  static M no_nan() { return false; }
  static M add_nan(M m, T a, T b) { return m || std::isnan(a) || std::isnan(b); }
  static bool any_nan(M m) { return m; }
  static T max(T a, T b) { return b > a ? b : a; }
  static T add(T a, T b) { return a + b; }
  static T mul(T a, T b) { return a * b; }
  static T div(T a, T b) { return a / b; }
  static bool has_nan(const float* p, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
      if (std::isnan(p[i])) return true;
    return false;
  }
};

}  // namespace

bool pool_supports(const PoolParams&) { return true; }

bool maxpool_plane(const PoolParams& p, const float* x, float* y, float* scratch) {
  return maxpool_separable<Scalar>(p, x, y, scratch);
}

bool avgpool_plane(const PoolParams& p, const float* x, float* y, float* scratch) {
  return avgpool_separable<Scalar>(p, x, y, scratch);
}

}  // namespace cnncore::kernels::ref
