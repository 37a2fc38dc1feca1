#include "core/shape.h"

#include <limits>

#include "cnncore/error.h"

namespace cnncore::core {

int64_t checked_mul(int64_t a, int64_t b, const char* op) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r))
    throw InvalidArgument(std::string(op) + ": size " + std::to_string(a) + " * " + std::to_string(b) +
                          " overflows int64");
  return r;
}

int64_t checked_add(int64_t a, int64_t b, const char* op) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r))
    throw InvalidArgument(std::string(op) + ": size " + std::to_string(a) + " + " + std::to_string(b) +
                          " overflows int64");
  return r;
}

int64_t checked_numel(const Shape& shape, const char* op) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw InvalidArgument(std::string(op) + ": negative dimension in shape " + shape_str(shape));
    n = checked_mul(n, d, op);
  }
  return n;
}

void resolve_pads(WindowAxis& ax, PadMode mode) {
  if (mode == PadMode::valid) {
    ax.pad_begin = ax.pad_end = 0;
  } else if (mode == PadMode::same_upper || mode == PadMode::same_lower) {
    if (ax.stride < 1 || ax.dilation < 1 || ax.kernel < 1) return;  // reported by window_out_size
    const int64_t out = (ax.in + ax.stride - 1) / ax.stride;
    const int64_t extent = ax.dilation * (ax.kernel - 1) + 1;
    const int64_t total = std::max<int64_t>(0, (out - 1) * ax.stride + extent - ax.in);
    const int64_t small = total / 2, big = total - small;
    ax.pad_begin = mode == PadMode::same_upper ? small : big;
    ax.pad_end = mode == PadMode::same_upper ? big : small;
  }
}

int64_t window_out_size(const WindowAxis& ax, const char* op, const char* axis) {
  auto fail = [&](const std::string& what) {
    throw InvalidArgument(std::string(op) + ": " + what + " (axis " + axis + ": input " + std::to_string(ax.in) +
                          ", kernel " + std::to_string(ax.kernel) + ", stride " + std::to_string(ax.stride) +
                          ", dilation " + std::to_string(ax.dilation) + ", padding " +
                          std::to_string(ax.pad_begin) + "/" + std::to_string(ax.pad_end) + ")");
  };
  if (ax.kernel < 1) fail("kernel size must be >= 1");
  if (ax.stride < 1) fail("stride must be >= 1");
  if (ax.dilation < 1) fail("dilation must be >= 1");
  if (ax.pad_begin < 0 || ax.pad_end < 0) fail("padding must be >= 0");
  if (ax.in < 1) fail("input size must be >= 1");
  const int64_t big = std::numeric_limits<int64_t>::max() / 4;
  if (ax.in > big || ax.kernel > big || ax.dilation > big || ax.pad_begin > big || ax.pad_end > big)
    fail("sizes are too large");
  const int64_t extent = checked_add(checked_mul(ax.dilation, ax.kernel - 1, op), 1, op);
  const int64_t padded = ax.in + ax.pad_begin + ax.pad_end;
  if (extent > padded) fail("kernel extent " + std::to_string(extent) + " is larger than the padded input " + std::to_string(padded));
  const int64_t span = padded - extent;
  int64_t out = (ax.ceil_mode ? (span + ax.stride - 1) / ax.stride : span / ax.stride) + 1;
  // PyTorch/ONNX: the last ceil-mode window must start inside the input or the leading padding.
  if (ax.ceil_mode && (out - 1) * ax.stride >= ax.in + ax.pad_begin) --out;
  if (out < 1) fail("output would be empty");
  return out;
}

std::string dims_str(const std::array<int64_t, 2>& v) {
  return "(" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ")";
}

void expect_defined(const Tensor& t, const char* op, const char* what) {
  if (!t.defined()) throw InvalidArgument(std::string(op) + ": " + what + " is required");
}

void expect_rank(const Tensor& t, int rank, const char* op, const char* what) {
  expect_defined(t, op, what);
  if (t.rank() != rank)
    throw InvalidArgument(std::string(op) + ": " + what + " must be " + std::to_string(rank) + "-D, got shape " +
                          shape_str(t.shape()));
}

int normalize_axis(int axis, int rank, const char* op) {
  if (axis < -rank || axis >= rank || rank == 0)
    throw InvalidArgument(std::string(op) + ": dim " + std::to_string(axis) + " is out of range for a " +
                          std::to_string(rank) + "-D input");
  return axis < 0 ? axis + rank : axis;
}

}  // namespace cnncore::core
