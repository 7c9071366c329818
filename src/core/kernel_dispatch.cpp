// Picks the kernels once from what the CPU (and the OS, which must save the wide registers)
// supports.
#include <cstring>
#include <initializer_list>

#include "kernels_isa.hpp"

namespace mvvd {
namespace {

#if defined(__x86_64__) || defined(_M_X64)
// __builtin_cpu_supports also checks XCR0, so it is false where the OS does not enable AVX state.
bool cpu_has(const char* isa) {
  // the avx512 file is compiled with F, DQ, BW and VL, so the compiler may use any of them
  if (std::strcmp(isa, "avx512") == 0)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  if (std::strcmp(isa, "avx2") == 0)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return std::strcmp(isa, "sse") == 0;  // SSE2 is part of x86-64
}
#endif

const DistanceKernels& pick() {
  for (const char* isa : {"avx512", "avx2", "sse", "neon"}) {
    if (const DistanceKernels* k = kernels_for(isa)) return *k;
  }
  return scalar_kernels();
}

}  // namespace

const DistanceKernels* kernels_for(const char* name) {
  if (std::strcmp(name, "scalar") == 0) return &scalar_kernels();
#if defined(__x86_64__) || defined(_M_X64)
  if (!cpu_has(name)) return nullptr;
  if (std::strcmp(name, "avx512") == 0) return &avx512_kernels();
  if (std::strcmp(name, "avx2") == 0) return &avx2_kernels();
  if (std::strcmp(name, "sse") == 0) return &sse_kernels();
#endif
#if defined(__aarch64__)
  if (std::strcmp(name, "neon") == 0) return &neon_kernels();
#endif
  return nullptr;
}

const DistanceKernels& active_kernels() {
  static const DistanceKernels& k = pick();
  return k;
}

}  // namespace mvvd
