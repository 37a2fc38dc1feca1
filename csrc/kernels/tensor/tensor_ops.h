#pragma once
// Elementwise binary ops. The op resolves broadcasting into (a_stride, b_stride) per row.
#include <cstdint>

#include "cnncore/functional.h"

namespace cnncore::kernels::ref {
/// y[i] = a[i*as] op b[i*bs], i < n (as/bs are 0 to broadcast a scalar, or 1).
void binary_row(const float* a, int64_t as, const float* b, int64_t bs, float* y, int64_t n, BinaryOp op);
/// Rows [r0, r1) of a permuted copy: y is laid out in output order; for output row r (all dims
/// but the last), element j reads x[base(r) + j * inner_stride]. `out_dims`/`in_strides` are in
/// output order.
void permute_rows(const float* x, float* y, const int64_t* out_dims, const int64_t* in_strides, int rank, int64_t r0,
                  int64_t r1);
}  // namespace cnncore::kernels::ref
