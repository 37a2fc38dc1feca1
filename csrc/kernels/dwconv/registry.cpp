#include "kernels/dwconv/dwconv.h"

namespace cnncore::kernels {

const core::Kernel<DwConv> kDwKernels[kDwCount] = {
#define CNNCORE_KERNEL(ns, level) {#ns, Isa::level, {&ns::dwconv_plane, &ns::dwconv_supports, ns::dwconv_blocked, ns::dwconv_direct, ns::dwconv_lanes}},
#include "kernels/dwconv/dwconv.inc"
#undef CNNCORE_KERNEL
};

}  // namespace cnncore::kernels
