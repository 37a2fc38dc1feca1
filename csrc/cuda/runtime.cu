// CUDA build probe (CNNCORE_CUDA=ON): reports the visible devices. The CUDA backend's op
// kernels will live beside this file, one .cu per op family, behind graph/backend.h.
#include <cuda_runtime.h>

namespace cnncore::cuda {

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) return 0;  // no driver / no device: report none
  return n;
}

}  // namespace cnncore::cuda
