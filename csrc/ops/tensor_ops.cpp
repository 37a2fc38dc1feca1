// Broadcasting binary ops, concat, reshape/flatten shapes, embedding.
#include <cstring>

#include "kernels/tensor/tensor_ops.h"
#include "ops/op_util.h"
#include "ops/ops.h"

namespace cnncore::ops {

BinaryPlan plan_binary(const Shape& a, const Shape& b) {
  const int ra = static_cast<int>(a.size()), rb = static_cast<int>(b.size()), r = std::max(ra, rb);
  BinaryPlan p;
  p.out.assign(r, 0);
  p.a_strides.assign(r, 0);
  p.b_strides.assign(r, 0);
  int64_t sa = 1, sb = 1;
  for (int i = r - 1; i >= 0; --i) {
    const int ia = i - (r - ra), ib = i - (r - rb);
    const int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1)
      throw InvalidArgument("broadcast: shapes " + shape_str(a) + " and " + shape_str(b) +
                            " are not compatible (dimension " + str(i) + ": " + str(da) + " vs " + str(db) + ")");
    p.out[i] = da == 1 ? db : da;
    p.a_strides[i] = da == 1 ? 0 : sa;
    p.b_strides[i] = db == 1 ? 0 : sb;
    sa *= da;
    sb *= db;
  }
  core::checked_numel(p.out, "broadcast");
  return p;
}

void run_binary(const BinaryPlan& p, const float* a, const float* b, float* y, BinaryOp op) {
  const int r = static_cast<int>(p.out.size());
  const int64_t n = core::checked_numel(p.out, "broadcast");
  if (n == 0) return;
  const int64_t inner = r ? p.out[r - 1] : 1, rows = n / inner;
  const int64_t ia = r ? p.a_strides[r - 1] : 0, ib = r ? p.b_strides[r - 1] : 0;
  core::parallel_for(rows, grain(inner), [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row) {
      int64_t oa = 0, ob = 0, rem = row;
      for (int i = r - 2; i >= 0; --i) {
        const int64_t idx = rem % p.out[i];
        rem /= p.out[i];
        oa += idx * p.a_strides[i];
        ob += idx * p.b_strides[i];
      }
      kernels::ref::binary_row(a + oa, ia, b + ob, ib, y + row * inner, inner, op);
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
  if (p.outer * p.total * p.inner == 0) return;
  core::parallel_for(p.outer, grain(p.total * p.inner), [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      float* dst = y + o * p.total * p.inner;
      for (size_t k = 0; k < xs.size(); ++k) {
        const int64_t chunk = p.dims[k] * p.inner;
        if (chunk) std::memcpy(dst, xs[k] + o * chunk, static_cast<size_t>(chunk) * sizeof(float));
        dst += chunk;
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

void run_permute(const PermutePlan& p, const float* x, float* y) {
  const int rank = static_cast<int>(p.out.size());
  const int64_t n = core::checked_numel(p.out, "permute");
  if (n == 0) return;
  const int64_t inner = rank ? p.out[rank - 1] : 1;
  core::parallel_for(n / inner, grain(inner), [&](int64_t r0, int64_t r1) {
    kernels::ref::permute_rows(x, y, p.out.data(), p.in_strides.data(), rank, r0, r1);
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
