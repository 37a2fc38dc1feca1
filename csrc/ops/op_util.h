#pragma once
// Helpers shared by ops: kernel selection for the eltwise epilogue and input checks.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "cnncore/error.h"
#include "cnncore/functional.h"
#include "core/dispatch.h"
#include "core/parallel.h"
#include "core/shape.h"
#include "kernels/eltwise/eltwise.h"

namespace cnncore::ops {

const char* activation_name(Activation a);
/// The best bias+activation kernel for `act` (logged under CNNCORE_VERBOSE=dispatch).
const kernels::BiasAct& select_bias_act(const ActivationSpec& act, int64_t n);

inline std::string str(int64_t v) { return std::to_string(v); }

inline int64_t div_up(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// Call-sized scratch owned by the calling thread (an input copy) is kept for the next call, up
/// to this size; a larger one (a big batch) is handed back to the allocator after the call.
constexpr size_t kKeepScratchBytes = size_t{32} << 20;
inline void trim_scratch(std::vector<float>& v) {
  if (v.capacity() * sizeof(float) > kKeepScratchBytes) std::vector<float>().swap(v);
}

/// n floats of a thread's kept scratch `v`, from a 64-byte boundary (a vector's own storage is
/// only 16-byte aligned, and then every 64-byte vector access would straddle two cache lines).
inline float* aligned_scratch(std::vector<float>& v, int64_t n) {
  v.resize(static_cast<size_t>(n + 16));
  const auto mis = reinterpret_cast<uintptr_t>(v.data()) % 64;
  return v.data() + (64 - mis) % 64 / sizeof(float);
}

/// n floats, 64-byte aligned (packed weights), with one cache line of slack.
inline std::shared_ptr<float> aligned_floats(int64_t n) {
  void* p = std::aligned_alloc(64, static_cast<size_t>((n * 4 + 63) / 64 * 64 + 64));
  if (!p) throw std::bad_alloc();
  return std::shared_ptr<float>(static_cast<float*>(p), [](float* q) { std::free(q); });
}

/// Elements per parallel chunk below which splitting costs more than it gains.
constexpr int64_t kMinParallelWork = 1 << 14;
/// How many of `n` items of `work_per_item` elements make one worthwhile chunk.
inline int64_t grain(int64_t work_per_item) {
  return work_per_item >= kMinParallelWork ? 1 : kMinParallelWork / (work_per_item > 0 ? work_per_item : 1);
}

}  // namespace cnncore::ops
