#pragma once
// Elementwise binary ops. The op resolves broadcasting into (a_stride, b_stride) per row.
#include <cstdint>

#include "cnncore/functional.h"

namespace cnncore::kernels::ref {
/// y[i] = a[i*as] op b[i*bs], i < n (as/bs are 0 to broadcast a scalar, or 1).
void binary_row(const float* a, int64_t as, const float* b, int64_t bs, float* y, int64_t n, BinaryOp op);
}  // namespace cnncore::kernels::ref
