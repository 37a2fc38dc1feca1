#pragma once
// Compile-time graph rewrites. They produce an optimised copy; the stored model is never changed
// (batch norm and activations stay separate in saved files, so training or other backends can
// use the unfused graph).
#include <map>
#include <string>

#include "cnncore/model.h"

namespace cnncore::graph {

/// Folds inference batch norm into the preceding conv (new weights W*s, b*s + t), rewrites
/// x * sigmoid(x) as silu(x), fuses a residual add into the conv/linear producing one operand,
/// then an eltwise activation into the conv/linear before it. `shapes` holds every value's shape (for the add's same-shape rule).
void optimize(Graph& g, const std::map<std::string, Shape>& shapes);

}  // namespace cnncore::graph
