#include "kernels/winograd/winograd.h"

namespace cnncore::kernels {

const core::Kernel<const WinogradKernel*> kWinogradKernels[kWinogradCount] = {
#define CNNCORE_KERNEL(ns, level) {#ns, Isa::level, &ns::winograd_kernel},
#include "kernels/winograd/winograd.inc"
#undef CNNCORE_KERNEL
};

}  // namespace cnncore::kernels
