#pragma once
// Helpers shared by ops: kernel selection for the eltwise epilogue and input checks.
#include <string>

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

/// Elements per parallel chunk below which splitting costs more than it gains.
constexpr int64_t kMinParallelWork = 1 << 14;
/// How many of `n` items of `work_per_item` elements make one worthwhile chunk.
inline int64_t grain(int64_t work_per_item) {
  return work_per_item >= kMinParallelWork ? 1 : kMinParallelWork / (work_per_item > 0 ? work_per_item : 1);
}

}  // namespace cnncore::ops
