#pragma once
// Output tensors whose storage is reused across calls (core/tensor.cpp).
#include "cnncore/tensor.h"

namespace cnncore::core {

/// An uninitialised tensor for a model's or a functional op's output. Large storage comes from,
/// and goes back to, a small process-wide cache of freed output blocks, so calling the same
/// layer again does not fault its output's pages in again. (owns_data() is false for such a
/// tensor: it is never a weight the model could release.)
Tensor output_tensor(Shape shape);

}  // namespace cnncore::core
