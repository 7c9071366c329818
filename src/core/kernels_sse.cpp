// The sse kernels; the build compiles this file alone with the sse flags (see Makefile).
#if defined(__x86_64__) || defined(_M_X64)
#include "kernels_isa.hpp"
#include "kernels_simd.hpp"

namespace mvvd {
const DistanceKernels& sse_kernels() { return simd::kernels<xsimd::sse2>("sse"); }
}  // namespace mvvd
#endif
