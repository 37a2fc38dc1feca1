# Per-ISA translation units. Each csrc/kernels/<family>/<isa>.cpp is compiled with that ISA's
# flags only; the rest of the library stays at the baseline so it runs on any x86-64 (or other)
# CPU. Runtime dispatch (csrc/core/dispatch.h) picks the best variant the CPU and OS support.
set(CNNCORE_ISA_FLAGS_avx2   -mavx2 -mfma -mf16c)
set(CNNCORE_ISA_FLAGS_avx512 -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx2 -mfma -mf16c)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64|x64)$")
  set(CNNCORE_X86 ON)
else()
  set(CNNCORE_X86 OFF)
endif()
option(CNNCORE_ISA_AVX2 "Compile AVX2+FMA kernels" ${CNNCORE_X86})
option(CNNCORE_ISA_AVX512 "Compile AVX-512 kernels" ${CNNCORE_X86})

function(cnncore_add_isa_sources target)
  foreach(isa avx2 avx512)
    string(TOUPPER ${isa} ISA)
    if(CNNCORE_ISA_${ISA})
      file(GLOB srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/csrc/kernels/*/${isa}.cpp)
      target_sources(${target} PRIVATE ${srcs})
      # -Wno-(maybe-)uninitialized: GCC 12 warns inside its own avx512fintrin.h (false positives).
      set_source_files_properties(${srcs} PROPERTIES COMPILE_OPTIONS "${CNNCORE_ISA_FLAGS_${isa}};-Wno-maybe-uninitialized;-Wno-uninitialized")
      target_compile_definitions(${target} PUBLIC CNNCORE_HAVE_${ISA}=1)
    endif()
  endforeach()
endfunction()
