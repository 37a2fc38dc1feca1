#pragma once
// Peak-throughput probe: `iters` rounds of independent FMA chains in registers (no memory
// traffic). Returns a value derived from the results so the work cannot be optimised away.
#include <cstdint>

namespace cnncore::kernels {
namespace avx512 {
float fma_probe(int64_t iters);  // 2 * 16 * 24 flops per iteration
}
namespace avx2 {
float fma_probe(int64_t iters);  // 2 * 8 * 12 flops per iteration
}
}  // namespace cnncore::kernels
