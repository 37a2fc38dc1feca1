#include "core/dispatch.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "cnncore/error.h"
#include "core/cpu_features.h"

namespace cnncore {
namespace {

Isa best_compiled() {
#if CNNCORE_HAVE_AVX512
  return Isa::avx512;
#elif CNNCORE_HAVE_AVX2
  return Isa::avx2;
#else
  return Isa::scalar;
#endif
}

Isa initial_cap() {
  const char* env = std::getenv("CNNCORE_MAX_ISA");
  if (!env || !*env) return Isa::avx512;
  try {
    return parse_isa(env);
  } catch (const InvalidArgument&) {
    // A typo must not silently run the fastest path: fall back to the safest one.
    std::fprintf(stderr, "cnncore: ignoring unknown CNNCORE_MAX_ISA=%s, using scalar\n", env);
    return Isa::scalar;
  }
}

std::atomic<int>& cap() {
  static std::atomic<int> c{static_cast<int>(initial_cap())};
  return c;
}

Isa min_isa(Isa a, Isa b) { return static_cast<int>(a) < static_cast<int>(b) ? a : b; }

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
  }
  return "unknown";
}

Isa parse_isa(const std::string& name) {
  if (name == "scalar") return Isa::scalar;
  if (name == "avx2") return Isa::avx2;
  if (name == "avx512") return Isa::avx512;
  throw InvalidArgument("set_max_isa: unknown ISA '" + name + "' (expected scalar, avx2 or avx512)");
}

Isa cpu_isa() {
  const auto& f = core::cpu_features();
  if (f.avx512) return Isa::avx512;
  if (f.avx2) return Isa::avx2;
  return Isa::scalar;
}

std::vector<Isa> compiled_isas() {
  std::vector<Isa> v{Isa::scalar};
#if CNNCORE_HAVE_AVX2
  v.push_back(Isa::avx2);
#endif
#if CNNCORE_HAVE_AVX512
  v.push_back(Isa::avx512);
#endif
  return v;
}

Isa max_isa() { return static_cast<Isa>(cap().load(std::memory_order_relaxed)); }
void set_max_isa(Isa isa) { cap().store(static_cast<int>(isa), std::memory_order_relaxed); }
Isa active_isa() { return min_isa(min_isa(cpu_isa(), best_compiled()), max_isa()); }

namespace core {

bool verbose(const char* topic) {
  static const std::string env = [] {
    const char* e = std::getenv("CNNCORE_VERBOSE");
    return std::string(e ? e : "");
  }();
  if (env.empty()) return false;
  const std::string t(topic);
  size_t start = 0;
  while (start <= env.size()) {
    size_t end = env.find(',', start);
    if (end == std::string::npos) end = env.size();
    const std::string item = env.substr(start, end - start);
    if (item == t || item == "all" || item == "1") return true;
    start = end + 1;
  }
  return false;
}

void log_line(const std::string& line) { std::fprintf(stderr, "cnncore: %s\n", line.c_str()); }

}  // namespace core
}  // namespace cnncore
