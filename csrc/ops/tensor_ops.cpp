// Broadcasting binary ops, concat, reshape/flatten, embedding.
#include <cstring>

#include "kernels/tensor/tensor_ops.h"
#include "ops/op_util.h"

namespace cnncore::functional {

using ops::str;

Tensor binary(const Tensor& a, const Tensor& b, BinaryOp op) {
  const char* name = "binary";
  core::expect_defined(a, name, "first operand");
  core::expect_defined(b, name, "second operand");
  const int r = std::max(a.rank(), b.rank());
  Shape out(r), as(r, 0), bs(r, 0);  // output shape; element strides (0 = broadcast)
  int64_t sa = 1, sb = 1;
  for (int i = r - 1; i >= 0; --i) {
    const int ia = i - (r - a.rank()), ib = i - (r - b.rank());
    const int64_t da = ia >= 0 ? a.dim(ia) : 1, db = ib >= 0 ? b.dim(ib) : 1;
    if (da != db && da != 1 && db != 1)
      throw InvalidArgument("broadcast: shapes " + shape_str(a.shape()) + " and " + shape_str(b.shape()) +
                            " are not compatible (dimension " + str(i) + ": " + str(da) + " vs " + str(db) + ")");
    out[i] = da == 1 ? db : da;
    as[i] = da == 1 ? 0 : sa;
    bs[i] = db == 1 ? 0 : sb;
    sa *= da;
    sb *= db;
  }
  Tensor y = Tensor::empty(out);
  if (y.numel() == 0) return y;
  const int64_t inner = r ? out[r - 1] : 1;
  const int64_t rows = y.numel() / inner;
  const int64_t ia = r ? as[r - 1] : 0, ib = r ? bs[r - 1] : 0;
  core::parallel_for(rows, ops::grain(inner), [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row) {
      int64_t oa = 0, ob = 0, rem = row;
      for (int i = r - 2; i >= 0; --i) {
        const int64_t idx = rem % out[i];
        rem /= out[i];
        oa += idx * as[i];
        ob += idx * bs[i];
      }
      kernels::ref::binary_row(a.data() + oa, ia, b.data() + ob, ib, y.data() + row * inner, inner, op);
    }
  });
  return y;
}

Tensor concat(const std::vector<Tensor>& xs, int axis) {
  if (xs.empty()) throw InvalidArgument("concat: needs at least one tensor");
  for (const Tensor& t : xs) core::expect_defined(t, "concat", "input");
  const int rank = xs[0].rank();
  const int ax = core::normalize_axis(axis, rank, "concat");
  Shape out = xs[0].shape();
  int64_t total = 0;
  for (size_t k = 0; k < xs.size(); ++k) {
    const Tensor& t = xs[k];
    bool ok = t.rank() == rank;
    for (int i = 0; ok && i < rank; ++i) ok = i == ax || t.dim(i) == out[i];
    if (!ok)
      throw InvalidArgument("concat: tensor " + str(static_cast<int64_t>(k)) + " has shape " + shape_str(t.shape()) +
                            ", which does not match " + shape_str(out) + " outside dim " + str(ax));
    total = core::checked_add(total, t.dim(ax), "concat");
  }
  out[ax] = total;
  Tensor y = Tensor::empty(out);
  if (y.numel() == 0) return y;
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < ax; ++i) outer *= out[i];
  for (int i = ax + 1; i < rank; ++i) inner *= out[i];
  core::parallel_for(outer, ops::grain(total * inner), [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      float* dst = y.data() + o * total * inner;
      for (const Tensor& t : xs) {
        const int64_t chunk = t.dim(ax) * inner;
        if (chunk) std::memcpy(dst, t.data() + o * chunk, static_cast<size_t>(chunk) * sizeof(float));
        dst += chunk;
      }
    }
  });
  return y;
}

Shape reshape_shape(const Shape& in, const Shape& spec, bool zero_copies) {
  const int64_t n = core::checked_numel(in, "reshape");
  Shape out(spec.size());
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < spec.size(); ++i) {
    int64_t d = spec[i];
    if (d == -1) {
      if (infer >= 0) throw InvalidArgument("reshape: only one dimension can be -1, got " + shape_str(spec));
      infer = static_cast<int>(i);
      continue;
    }
    if (d == 0 && zero_copies) {
      if (i >= in.size()) throw InvalidArgument("reshape: 0 at position " + str(static_cast<int64_t>(i)) + " has no input dimension to copy");
      d = in[i];
    }
    if (d < 0) throw InvalidArgument("reshape: invalid dimension " + str(d) + " in " + shape_str(spec));
    out[i] = d;
    known = core::checked_mul(known, d, "reshape");
  }
  if (infer >= 0) {
    if (known == 0 || n % known != 0)
      throw InvalidArgument("reshape: cannot infer -1 in " + shape_str(spec) + " for " + str(n) + " elements");
    out[infer] = n / known;
  } else if (known != n) {
    throw InvalidArgument("reshape: shape " + shape_str(spec) + " has " + str(known) + " elements, input " +
                          shape_str(in) + " has " + str(n));
  }
  return out;
}

Tensor reshape(const Tensor& x, const Shape& spec) {
  core::expect_defined(x, "reshape", "input");
  return x.reshaped(reshape_shape(x.shape(), spec));
}

Shape flatten_shape(const Shape& in, int start_dim, int end_dim) {
  const int rank = static_cast<int>(in.size());
  if (rank == 0) return {1};
  const int s = core::normalize_axis(start_dim, rank, "flatten");
  const int e = core::normalize_axis(end_dim, rank, "flatten");
  if (s > e) throw InvalidArgument("flatten: start_dim " + str(start_dim) + " comes after end_dim " + str(end_dim));
  Shape out;
  int64_t merged = 1;
  for (int i = 0; i < rank; ++i) {
    if (i < s || i > e) {
      out.push_back(in[i]);
    } else {
      merged = core::checked_mul(merged, in[i], "flatten");
      if (i == e) out.push_back(merged);
    }
  }
  return out;
}

Tensor flatten(const Tensor& x, int start_dim, int end_dim) {
  core::expect_defined(x, "flatten", "input");
  return x.reshaped(flatten_shape(x.shape(), start_dim, end_dim));
}

Tensor embedding(const int64_t* idx, const Shape& idx_shape, const Tensor& weight) {
  core::expect_rank(weight, 2, "embedding", "weight");
  const int64_t V = weight.dim(0), D = weight.dim(1);
  const int64_t n = core::checked_numel(idx_shape, "embedding");
  for (int64_t i = 0; i < n; ++i)
    if (idx[i] < 0 || idx[i] >= V)
      throw InvalidArgument("embedding: index " + str(idx[i]) + " at position " + str(i) + " is out of range [0, " +
                            str(V) + ")");
  Shape out = idx_shape;
  out.push_back(D);
  Tensor y = Tensor::empty(out);
  if (y.numel() == 0) return y;
  core::parallel_for(n, ops::grain(D), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i)
      std::memcpy(y.data() + i * D, weight.data() + idx[i] * D, static_cast<size_t>(D) * sizeof(float));
  });
  return y;
}

}  // namespace cnncore::functional
