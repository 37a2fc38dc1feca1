#pragma once
// Shape arithmetic shared by all ops: overflow-checked products and the sliding-window output
// size rule (W - F + 2P)/S + 1 with dilation, asymmetric/auto padding and ceil mode.
#include <array>
#include <cstdint>
#include <string>

#include "cnncore/functional.h"
#include "cnncore/tensor.h"

namespace cnncore::core {

/// a*b, throwing InvalidArgument("<op>: ... overflows") when it does not fit int64.
int64_t checked_mul(int64_t a, int64_t b, const char* op);
int64_t checked_add(int64_t a, int64_t b, const char* op);
/// Product of dims; throws on a negative dim or overflow.
int64_t checked_numel(const Shape& shape, const char* op);

/// One spatial axis of a window op. Pads are resolved (auto_pad applied) by resolve_pads().
struct WindowAxis {
  int64_t in = 0, kernel = 1, stride = 1, dilation = 1, pad_begin = 0, pad_end = 0;
  bool ceil_mode = false;
};

/// Applies `mode` to the axis (same_upper/lower: out = ceil(in/stride); valid: no pads).
void resolve_pads(WindowAxis& ax, PadMode mode);
/// Checks stride/dilation/kernel/pads and returns the output length (>= 1) or throws
/// InvalidArgument naming `op`, `axis_name` and the values.
int64_t window_out_size(const WindowAxis& ax, const char* op, const char* axis_name);

std::string dims_str(const std::array<int64_t, 2>& v);

/// Throws InvalidArgument("<op>: <what> must be <expected>, got <shape>") unless rank matches.
void expect_rank(const Tensor& t, int rank, const char* op, const char* what);
void expect_defined(const Tensor& t, const char* op, const char* what);
/// Normalises a possibly negative axis for a tensor of `rank`; throws if out of range.
int normalize_axis(int axis, int rank, const char* op);

}  // namespace cnncore::core
