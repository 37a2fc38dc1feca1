// Broadcasting binary ops, concat, reshape/flatten shapes, embedding.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/tensor/tensor_ops.h"
#include "ops/op_util.h"
#include "ops/ops.h"

namespace cnncore::ops {

BinaryPlan plan_binary(const Shape& a, const Shape& b) {
  const int ra = static_cast<int>(a.size()), rb = static_cast<int>(b.size()), r = std::max(ra, rb);
  BinaryPlan p;
  p.out.assign(r, 0);
  Shape as(r, 0), bs(r, 0);
  int64_t sa = 1, sb = 1;
  for (int i = r - 1; i >= 0; --i) {
    const int ia = i - (r - ra), ib = i - (r - rb);
    const int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1)
      throw InvalidArgument("broadcast: shapes " + shape_str(a) + " and " + shape_str(b) +
                            " are not compatible (dimension " + str(i) + ": " + str(da) + " vs " + str(db) + ")");
    p.out[i] = da == 1 ? db : da;
    as[i] = da == 1 ? 0 : sa;
    bs[i] = db == 1 ? 0 : sb;
    sa *= da;
    sb *= db;
  }
  core::checked_numel(p.out, "broadcast");
  // Merge dim i into the one after it when each input steps through both as one run.
  for (int i = 0; i < r; ++i) {
    if (p.out[i] == 1) continue;  // size-1 dims add nothing to the walk
    const size_t k = p.dims.size();
    if (k > 0 && p.a_strides[k - 1] == as[i] * p.out[i] && p.b_strides[k - 1] == bs[i] * p.out[i]) {
      p.dims[k - 1] *= p.out[i];
      p.a_strides[k - 1] = as[i];
      p.b_strides[k - 1] = bs[i];
    } else {
      p.dims.push_back(p.out[i]);
      p.a_strides.push_back(as[i]);
      p.b_strides.push_back(bs[i]);
    }
  }
  return p;
}

void run_binary(const BinaryPlan& p, const float* a, const float* b, float* y, BinaryOp op) {
  const int64_t n = core::checked_numel(p.out, "broadcast");
  if (n == 0) return;
  const int r = static_cast<int>(p.dims.size());
  const int64_t inner = r ? p.dims[r - 1] : 1, rows = n / inner;
  const int64_t ia = r ? p.a_strides[r - 1] : 0, ib = r ? p.b_strides[r - 1] : 0;
  // Tasks are pieces of rows, so that one long row (a same-shape add) still splits over threads.
  constexpr int64_t kPiece = 1 << 14;
  const int64_t pieces = (inner + kPiece - 1) / kPiece, len = (inner + pieces - 1) / pieces;
  core::parallel_for(rows * pieces, grain(len), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t row = t / pieces, j0 = t % pieces * len, j1 = std::min(inner, j0 + len);
      int64_t oa = 0, ob = 0, rem = row;
      for (int i = r - 2; i >= 0; --i) {
        const int64_t idx = rem % p.dims[i];
        rem /= p.dims[i];
        oa += idx * p.a_strides[i];
        ob += idx * p.b_strides[i];
      }
      kernels::ref::binary_row(a + oa + j0 * ia, ia, b + ob + j0 * ib, ib, y + row * inner + j0, j1 - j0, op);
    }
  });
}

ConcatPlan plan_concat(const std::vector<Shape>& xs, int axis) {
  if (xs.empty()) throw InvalidArgument("concat: needs at least one tensor");
  const int rank = static_cast<int>(xs[0].size());
  const int ax = core::normalize_axis(axis, rank, "concat");
  ConcatPlan p;
  p.out = xs[0];
  for (size_t k = 0; k < xs.size(); ++k) {
    const Shape& s = xs[k];
    bool ok = static_cast<int>(s.size()) == rank;
    for (int i = 0; ok && i < rank; ++i) ok = i == ax || s[i] == p.out[i];
    if (!ok)
      throw InvalidArgument("concat: tensor " + str(static_cast<int64_t>(k)) + " has shape " + shape_str(s) +
                            ", which does not match " + shape_str(p.out) + " outside dim " + str(ax));
    p.dims.push_back(s[ax]);
    p.total = core::checked_add(p.total, s[ax], "concat");
  }
  p.out[ax] = p.total;
  core::checked_numel(p.out, "concat");
  for (int i = 0; i < ax; ++i) p.outer *= p.out[i];
  for (int i = ax + 1; i < rank; ++i) p.inner *= p.out[i];
  return p;
}

void run_concat(const ConcatPlan& p, const std::vector<const float*>& xs, float* y) {
  const int64_t row = p.total * p.inner;  // one outer index's output
  if (p.outer * row == 0) return;
  // Tasks are pieces of an output row, so a batch-1 concat (one row) still splits over threads.
  constexpr int64_t kPiece = 1 << 15;
  const int64_t pieces = (row + kPiece - 1) / kPiece, len = (row + pieces - 1) / pieces;
  core::parallel_for(p.outer * pieces, grain(len), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t o = t / pieces, j0 = t % pieces * len, j1 = std::min(row, j0 + len);
      float* dst = y + o * row;
      int64_t at = 0;  // where input k starts in the row
      for (size_t k = 0; k < xs.size() && at < j1; ++k) {
        const int64_t chunk = p.dims[k] * p.inner, a = std::max(j0, at), b = std::min(j1, at + chunk);
        if (a < b) std::memcpy(dst + a, xs[k] + o * chunk + (a - at), static_cast<size_t>(b - a) * sizeof(float));
        at += chunk;
      }
    }
  });
}

PermutePlan plan_permute(const Shape& x, const std::vector<int64_t>& perm) {
  const int rank = static_cast<int>(x.size());
  if (static_cast<int>(perm.size()) != rank)
    throw InvalidArgument("permute: " + str(static_cast<int64_t>(perm.size())) + " dims given for a " + str(rank) +
                          "-D input " + shape_str(x));
  std::vector<bool> seen(rank, false);
  Shape strides(rank, 1);
  for (int i = rank - 2; i >= 0; --i) strides[i] = strides[i + 1] * x[i + 1];
  PermutePlan p;
  for (int64_t d : perm) {
    const int a = core::normalize_axis(static_cast<int>(d), rank, "permute");
    if (seen[a]) throw InvalidArgument("permute: dim " + str(d) + " repeats in the permutation");
    seen[a] = true;
    p.out.push_back(x[a]);
    p.in_strides.push_back(strides[a]);
  }
  return p;
}

SlicePlan plan_slice(const Shape& x, const std::vector<int64_t>& starts, const std::vector<int64_t>& ends,
                     const std::vector<int64_t>& axes_in, const std::vector<int64_t>& steps_in) {
  const int rank = static_cast<int>(x.size());
  const size_t n = starts.size();
  std::vector<int64_t> axes = axes_in, steps = steps_in;
  if (axes.empty())
    for (size_t i = 0; i < n; ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(n, 1);
  if (ends.size() != n || axes.size() != n || steps.size() != n)
    throw InvalidArgument("slice: starts, ends, axes and steps must have the same length, got " + str(int64_t(n)) +
                          ", " + str(int64_t(ends.size())) + ", " + str(int64_t(axes.size())) + ", " +
                          str(int64_t(steps.size())));
  Shape strides(rank, 1);
  for (int i = rank - 2; i >= 0; --i) strides[i] = strides[i + 1] * x[i + 1];
  SlicePlan p;
  p.view.out = x;
  p.view.in_strides = strides;
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < n; ++i) {
    const int a = core::normalize_axis(static_cast<int>(axes[i]), rank, "slice");
    if (seen[a]) throw InvalidArgument("slice: axis " + str(axes[i]) + " is listed twice");
    seen[a] = true;
    const int64_t d = x[a], step = steps[i];
    if (step == 0) throw InvalidArgument("slice: step must not be 0 (axis " + str(axes[i]) + ")");
    int64_t b = starts[i] < 0 ? starts[i] + d : starts[i], e = ends[i] < 0 ? ends[i] + d : ends[i];
    if (step > 0) {
      b = std::clamp<int64_t>(b, 0, d);
      e = std::clamp<int64_t>(e, 0, d);
    } else {
      b = std::clamp<int64_t>(b, -1, d - 1);
      e = std::clamp<int64_t>(e, -1, d - 1);
    }
    const int64_t len = step > 0 ? (e > b ? (e - b + step - 1) / step : 0) : (b > e ? (b - e - step - 1) / -step : 0);
    p.view.out[a] = len;
    p.view.in_strides[a] = strides[a] * step;
    if (len > 0) p.offset += b * strides[a];
  }
  core::checked_numel(p.view.out, "slice");
  return p;
}

void run_slice(const SlicePlan& p, const float* x, float* y) { run_permute(p.view, x + p.offset, y); }

void run_permute(const PermutePlan& p, const float* x, float* y) {
  const int rank = static_cast<int>(p.out.size());
  const int64_t n = core::checked_numel(p.out, "permute");
  if (n == 0) return;
  const int64_t inner = rank ? p.out[rank - 1] : 1;
  core::parallel_for(n / inner, grain(inner), [&](int64_t r0, int64_t r1) {
    kernels::ref::permute_rows(x, y, p.out.data(), p.in_strides.data(), rank, r0, r1);
  });
}

namespace {
// Visits every row (all dims but the last) of `shape`, in parallel: fn(row index, multi-index of
// the row) must write only its own row.
template <class Fn>
void for_each_row(const Shape& shape, Fn fn) {
  const int rank = static_cast<int>(shape.size());
  const int64_t rows = rank ? core::checked_numel(shape, "rows") / std::max<int64_t>(shape[rank - 1], 1) : 1;
  if (rank && shape[rank - 1] == 0) return;
  // Rows in parallel (fn writes its own row); each range finds its first index, then steps.
  core::parallel_for(rows, grain(rank ? shape[rank - 1] : 1), [&](int64_t r0, int64_t r1) {
    std::vector<int64_t> idx(std::max(rank - 1, 0), 0);
    for (int64_t i = rank - 2, rem = r0; i >= 0; --i) {
      idx[i] = rem % shape[i];
      rem /= shape[i];
    }
    for (int64_t r = r0; r < r1; ++r) {
      fn(r, idx);
      for (int i = rank - 2; i >= 0; --i) {
        if (++idx[i] < shape[i]) break;
        idx[i] = 0;
      }
    }
  });
}

Shape strides_of(const Shape& s) {
  Shape st(s.size(), 1);
  for (int i = static_cast<int>(s.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * s[i + 1];
  return st;
}
}  // namespace

PadPlan plan_pad(const Shape& x, const std::vector<int64_t>& pads, float value) {
  const size_t r = x.size();
  if (pads.size() != 2 * r)
    throw InvalidArgument("pad: " + str(static_cast<int64_t>(pads.size())) + " pads for a " + str(static_cast<int64_t>(r)) +
                          "-D input (need 2 per dim)");
  PadPlan p{x, x, std::vector<int64_t>(pads.begin(), pads.begin() + r), value};
  for (size_t i = 0; i < r; ++i) {
    if (pads[i] < 0 || pads[i + r] < 0) throw Unsupported("pad: negative pads (cropping) are not supported");
    p.out[i] = core::checked_add(core::checked_add(x[i], pads[i], "pad"), pads[i + r], "pad");
  }
  core::checked_numel(p.out, "pad");
  return p;
}

void run_pad(const PadPlan& p, const float* x, float* y) {
  const int64_t n = core::checked_numel(p.out, "pad");
  std::fill(y, y + n, p.value);
  const int r = static_cast<int>(p.in.size());
  if (core::checked_numel(p.in, "pad") == 0) return;
  const Shape os = strides_of(p.out);
  const int64_t inner = r ? p.in[r - 1] : 1;
  for_each_row(p.in, [&](int64_t row, const std::vector<int64_t>& idx) {
    int64_t off = r ? p.begin[r - 1] : 0;
    for (int i = 0; i + 1 < r; ++i) off += (idx[i] + p.begin[i]) * os[i];
    std::memcpy(y + off, x + row * inner, static_cast<size_t>(inner) * sizeof(float));
  });
}

ResizePlan plan_resize_nearest(const Shape& x, const std::vector<double>& scales, const std::vector<int64_t>& sizes,
                               const std::string& coord, const std::string& rounding) {
  const size_t r = x.size();
  ResizePlan p{x, x, std::vector<double>(r, 1.0), coord, rounding};
  if (coord != "asymmetric" && coord != "half_pixel" && coord != "pytorch_half_pixel" && coord != "align_corners")
    throw Unsupported("resize: coordinate transformation '" + coord + "'");
  if (rounding != "floor" && rounding != "ceil" && rounding != "round_prefer_floor" && rounding != "round_prefer_ceil")
    throw Unsupported("resize: nearest mode '" + rounding + "'");
  if (!sizes.empty()) {
    if (sizes.size() != r) throw InvalidArgument("resize: sizes must have one value per dim");
    for (size_t i = 0; i < r; ++i) {
      if (sizes[i] < 1) throw InvalidArgument("resize: output sizes must be >= 1");
      p.out[i] = sizes[i];
      p.scales[i] = static_cast<double>(sizes[i]) / static_cast<double>(std::max<int64_t>(x[i], 1));
    }
  } else {
    if (scales.size() != r) throw InvalidArgument("resize: scales must have one value per dim");
    for (size_t i = 0; i < r; ++i) {
      if (!(scales[i] > 0) || !std::isfinite(scales[i])) throw InvalidArgument("resize: scales must be finite and > 0");
      const double o = std::floor(static_cast<double>(x[i]) * scales[i]);
      if (o < 1 || o > 1e12) throw InvalidArgument("resize: output size " + std::to_string(o) + " is out of range");
      p.out[i] = static_cast<int64_t>(o);
      p.scales[i] = scales[i];
    }
  }
  core::checked_numel(p.out, "resize");
  return p;
}

void run_resize_nearest(const ResizePlan& p, const float* x, float* y) {
  const int r = static_cast<int>(p.in.size());
  if (core::checked_numel(p.out, "resize") == 0) return;
  std::vector<std::vector<int64_t>> src(r);
  for (int i = 0; i < r; ++i) {
    src[i].resize(static_cast<size_t>(p.out[i]));
    const double s = p.scales[i], in = static_cast<double>(p.in[i]), out = static_cast<double>(p.out[i]);
    for (int64_t o = 0; o < p.out[i]; ++o) {
      double c;
      if (p.coord == "asymmetric") c = o / s;
      else if (p.coord == "align_corners") c = out > 1 ? o * (in - 1) / (out - 1) : 0.0;
      else if (p.coord == "pytorch_half_pixel" && out <= 1) c = 0.0;
      else c = (o + 0.5) / s - 0.5;
      double k;
      if (p.rounding == "floor") k = std::floor(c);
      else if (p.rounding == "ceil") k = std::ceil(c);
      else if (p.rounding == "round_prefer_ceil") k = std::floor(c + 0.5);
      else k = std::ceil(c - 0.5);  // round_prefer_floor
      src[i][o] = std::clamp<int64_t>(static_cast<int64_t>(k), 0, p.in[i] - 1);
    }
  }
  const Shape is = strides_of(p.in);
  const int64_t inner = r ? p.out[r - 1] : 1;
  for_each_row(p.out, [&](int64_t row, const std::vector<int64_t>& idx) {
    int64_t off = 0;
    for (int i = 0; i + 1 < r; ++i) off += src[i][idx[i]] * is[i];
    float* yr = y + row * inner;
    for (int64_t j = 0; j < inner; ++j) yr[j] = x[off + (r ? src[r - 1][j] : 0)];
  });
}

Shape plan_embedding(const Shape& indices, const Shape& weight) {
  if (weight.size() != 2) throw InvalidArgument("embedding: weight must be 2-D, got shape " + shape_str(weight));
  core::checked_numel(indices, "embedding");
  Shape out = indices;
  out.push_back(weight[1]);
  core::checked_numel(out, "embedding");
  return out;
}

void run_embedding(const int64_t* idx, int64_t n, const float* w, int64_t V, int64_t D, float* y) {
  for (int64_t i = 0; i < n; ++i)
    if (idx[i] < 0 || idx[i] >= V)
      throw InvalidArgument("embedding: index " + str(idx[i]) + " at position " + str(i) + " is out of range [0, " +
                            str(V) + ")");
  if (D == 0) return;
  core::parallel_for(n, grain(D), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) std::memcpy(y + i * D, w + idx[i] * D, static_cast<size_t>(D) * sizeof(float));
  });
}

}  // namespace cnncore::ops
