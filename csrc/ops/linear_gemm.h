#pragma once
// Fully connected layers on the GEMM microkernels: Y[rows, out] = X[rows, in] x W^T.
#include <functional>
#include <memory>

#include "kernels/gemm/gemm.h"
#include "ops/ops.h"

namespace cnncore::ops {

/// W^T packed once into NR-column panels per K chunk (layout: panel, chunk, [kc x NR]).
struct PackedLinear {
  const kernels::GemmUkernel* uk = nullptr;
  Isa isa = Isa::scalar;
  int64_t in = 0, out = 0, kc = 0;
  std::shared_ptr<float> data;
  const float* panel(int64_t npanel, int64_t chunk) const;
};

/// Packed weights for the best GEMM kernel the ISA cap allows, or null at the scalar level.
/// `consumed(n)` is told, panel by panel, that the first n values of w will not be read again.
std::shared_ptr<const PackedLinear> pack_linear(const LinearPlan& plan, const float* w,
                                                const std::function<void(int64_t)>& consumed = {});
/// The weight [out, in] the panels were packed from (they hold every value).
Tensor unpack_linear(const PackedLinear& pw);
void run_linear_gemm(const LinearPlan& plan, const PackedLinear& pw, const float* x, const float* b, float* y,
                     const Epilogue& e);

}  // namespace cnncore::ops
