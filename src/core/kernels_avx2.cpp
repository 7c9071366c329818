// The avx2 kernels; the build compiles this file alone with the avx2 flags (see Makefile).
#if defined(__x86_64__) || defined(_M_X64)
#include "kernels_isa.hpp"
#include "kernels_simd.hpp"

namespace mvvd {
const DistanceKernels& avx2_kernels() { return simd::kernels<xsimd::fma3<xsimd::avx2>>("avx2"); }
}  // namespace mvvd
#endif
