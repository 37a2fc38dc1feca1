#include "cnncore/runtime.h"

#if CNNCORE_WITH_OPENMP
#include <omp.h>
#endif

namespace cnncore {
#if CNNCORE_WITH_CUDA
namespace cuda {
int device_count();  // csrc/cuda/runtime.cu
}
#endif

const char* version() { return CNNCORE_VERSION; }

BuildInfo build_info() {
  BuildInfo b;
  b.version = CNNCORE_VERSION;
#if defined(__clang__)
  b.compiler = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  b.compiler = std::string("gcc ") + __VERSION__;
#else
  b.compiler = "unknown";
#endif
#if CNNCORE_WITH_OPENMP
  b.openmp = true;
  b.openmp_version = _OPENMP;
#endif
#if CNNCORE_WITH_CUDA
  b.cuda = true;
  b.cuda_devices = cuda::device_count();
#endif
  return b;
}

}  // namespace cnncore
