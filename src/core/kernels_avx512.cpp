// The avx512 kernels; the build compiles this file alone with the avx512 flags (see Makefile).
#if defined(__x86_64__) || defined(_M_X64)
#include "kernels_isa.hpp"
#include "kernels_simd.hpp"

namespace mvvd {
const DistanceKernels& avx512_kernels() { return simd::kernels<xsimd::avx512f>("avx512"); }
}  // namespace mvvd
#endif
