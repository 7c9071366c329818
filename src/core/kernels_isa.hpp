// Entry points of the per-instruction-set translation units; only kernel_dispatch.cpp calls them,
// and only after checking that the CPU supports the set.
#pragma once
#include "no_postgres.hpp"

#include "kernels.hpp"

namespace mvvd {

#if defined(__x86_64__) || defined(_M_X64)
const DistanceKernels& avx512_kernels();
const DistanceKernels& avx2_kernels();
const DistanceKernels& sse_kernels();
#endif
#if defined(__aarch64__)
const DistanceKernels& neon_kernels();
#endif

}  // namespace mvvd
