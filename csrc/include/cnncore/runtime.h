#pragma once
/// \file runtime.h
/// Library-wide settings: threads and the instruction-set cap used by kernel dispatch.
#include <string>
#include <vector>

namespace cnncore {

/// Instruction-set levels, ordered: a kernel of level L runs when L <= active_isa().
enum class Isa : int { scalar = 0, avx2 = 1, avx512 = 2 };

/// "scalar", "avx2", "avx512"
const char* isa_name(Isa isa);
/// Parses an ISA name; throws InvalidArgument for an unknown one.
Isa parse_isa(const std::string& name);
/// Best level the CPU and the OS (XCR0) support.
Isa cpu_isa();
/// Levels compiled into this build, lowest first.
std::vector<Isa> compiled_isas();
/// The cap set by set_max_isa() or the CNNCORE_MAX_ISA environment variable (default: avx512).
Isa max_isa();
/// Caps dispatch at `isa` (e.g. to test the AVX2 path on an AVX-512 machine). Thread-safe.
void set_max_isa(Isa isa);
/// The level kernels dispatch to now: min(cpu_isa(), best compiled, max_isa()).
Isa active_isa();

/// Threads used by parallel ops; default: CPUs this process may use (affinity and cgroup
/// quota aware), or CNNCORE_NUM_THREADS. n must be >= 1 (throws InvalidArgument otherwise).
void set_num_threads(int n);
int get_num_threads();
/// CPUs this process may run on (affinity mask and cgroup CPU quota).
int available_cpus();

/// Measured peak FMA throughput in GFLOP/s of `threads` threads at `isa` (best of 3 short
/// runs of register-only FMA chains); throws Unsupported when the CPU lacks the ISA.
double measure_peak_gflops(Isa isa, int threads);

/// Library version, e.g. "0.1.0".
const char* version();

/// How this library was built.
struct BuildInfo {
  std::string version;
  std::string compiler;
  bool openmp = false;
  int openmp_version = 0;  ///< _OPENMP date macro, 0 without OpenMP
  bool cuda = false;
  int cuda_devices = 0;  ///< devices visible at run time (0 without CUDA)
};
BuildInfo build_info();

}  // namespace cnncore
