// The NEON kernels (baseline on aarch64, so no extra flags are needed).
#if defined(__aarch64__)
#include "kernels_isa.hpp"
#include "kernels_simd.hpp"

namespace mvvd {
const DistanceKernels& neon_kernels() { return simd::kernels<xsimd::neon64>("neon"); }
}  // namespace mvvd
#endif
