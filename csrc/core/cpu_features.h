#pragma once
// CPU feature detection: CPUID for what the core implements, XGETBV(XCR0) for what the OS saves
// on context switch. A feature counts only when both agree.
namespace cnncore::core {

struct CpuFeatures {
  bool avx2 = false;     // AVX2 + FMA, OS saves YMM
  bool avx512 = false;   // AVX-512 F/BW/DQ/VL, OS saves ZMM and opmask
  bool avx512_vnni = false;
  bool avx512_bf16 = false;
  bool avx512_fp16 = false;
  bool amx = false;      // AMX tile + OS permission not checked: reported only
};

const CpuFeatures& cpu_features();

}  // namespace cnncore::core
