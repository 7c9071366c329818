// Float32 distance kernels: one table of plain function pointers per instruction set, chosen once
// at load time, so callers never see SIMD types.
#pragma once
#include "no_postgres.hpp"

#include <cstddef>

namespace mvvd {

// Dot product and both squared norms from one pass, for cosine distance.
struct DotNorms {
  float dot;
  float norm_a;  // sum of a[i]^2
  float norm_b;  // sum of b[i]^2
};

struct DistanceKernels {
  const char* name;  // "avx512", "avx2", "sse", "neon" or "scalar"
  float (*l2sq)(const float* a, const float* b, std::size_t n);
  float (*dot)(const float* a, const float* b, std::size_t n);
  float (*l1)(const float* a, const float* b, std::size_t n);
  DotNorms (*dot_norms)(const float* a, const float* b, std::size_t n);
  // Matrix kernels over two sets of row-major vectors (q: nq x dims, d: nd x dims); they fill the
  // row-major nq x nd matrix out: dot_matrix with out[i*nd + j] = <q_i, d_j>, l2sq_matrix with
  // out[i*nd + j] = ||q_i - d_j||^2.
  void (*dot_matrix)(const float* q, std::size_t nq, const float* d, std::size_t nd,
                     std::size_t dims, float* out);
  void (*l2sq_matrix)(const float* q, std::size_t nq, const float* d, std::size_t nd,
                      std::size_t dims, float* out);
};

// The straightforward loops: the reference every other kernel is tested against.
const DistanceKernels& scalar_kernels();

// Kernels for one instruction set, or nullptr when this build or this CPU lacks it.
const DistanceKernels* kernels_for(const char* name);

// The fastest kernels this CPU supports; picked on first use and never changed afterwards.
const DistanceKernels& active_kernels();

}  // namespace mvvd
