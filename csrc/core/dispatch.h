#pragma once
// Kernel dispatch. Each kernel family keeps one best-first list (<family>.inc) of variants; ops
// pick the first one whose ISA is active and that accepts the problem. With
// CNNCORE_VERBOSE=dispatch every choice is printed to stderr with the reasons better variants
// were passed over.
#include <cstddef>
#include <string>

#include "cnncore/runtime.h"

namespace cnncore::core {

/// True when CNNCORE_VERBOSE (comma-separated) names `topic` or "all".
bool verbose(const char* topic);
/// Writes one line to stderr, prefixed "cnncore: ".
void log_line(const std::string& line);

template <class Fn>
struct Kernel {
  const char* name;
  Isa isa;
  Fn fn;
};

/// Picks the first entry of `list` (best first) whose ISA is within active_isa() and for which
/// `rejects(entry)` returns nullptr (else a short reason). `describe()` names the problem; it is
/// only called when logging. The last entry must be the scalar reference, which accepts all.
template <class Fn, std::size_t N, class Rejects, class Describe>
const Kernel<Fn>& select_kernel(const char* family, const Kernel<Fn> (&list)[N], Rejects rejects,
                                Describe describe) {
  const Isa active = active_isa();
  const bool log = verbose("dispatch");
  std::string why;
  for (std::size_t i = 0; i < N; ++i) {
    const Kernel<Fn>& k = list[i];
    const char* reason = nullptr;
    if (static_cast<int>(k.isa) > static_cast<int>(active)) {
      reason = static_cast<int>(k.isa) > static_cast<int>(cpu_isa()) ? "not supported by this CPU/OS"
                                                                      : "above the ISA cap";
    } else {
      reason = rejects(k);
    }
    if (!reason) {
      if (log) {
        log_line(std::string("dispatch ") + family + " " + describe() + " -> " + k.name +
                 (why.empty() ? "" : " (passed over: " + why + ")"));
      }
      return k;
    }
    if (log) {
      if (!why.empty()) why += "; ";
      why += std::string(k.name) + ": " + reason;
    }
  }
  return list[N - 1];  // unreachable when the reference accepts everything
}

}  // namespace cnncore::core
