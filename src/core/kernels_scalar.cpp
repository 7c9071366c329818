// The reference kernels: plain sequential loops, also the fallback on CPUs without SIMD support.
#include <cmath>

#include "kernels.hpp"

namespace mvvd {
namespace {

float l2sq(const float* a, const float* b, std::size_t n) {
  float s = 0.0f;
  for (std::size_t i = 0; i < n; ++i) {
    float d = a[i] - b[i];
    s += d * d;
  }
  return s;
}

float dot(const float* a, const float* b, std::size_t n) {
  float s = 0.0f;
  for (std::size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

float l1(const float* a, const float* b, std::size_t n) {
  float s = 0.0f;
  for (std::size_t i = 0; i < n; ++i) s += std::fabs(a[i] - b[i]);
  return s;
}

DotNorms dot_norms(const float* a, const float* b, std::size_t n) {
  DotNorms r{0.0f, 0.0f, 0.0f};
  for (std::size_t i = 0; i < n; ++i) {
    r.dot += a[i] * b[i];
    r.norm_a += a[i] * a[i];
    r.norm_b += b[i] * b[i];
  }
  return r;
}

// Every pair with the 1-vs-1 loop: the reference the register-tiled SIMD matrix kernels match.
void dot_matrix(const float* q, std::size_t nq, const float* d, std::size_t nd, std::size_t dims,
                float* out) {
  for (std::size_t i = 0; i < nq; ++i)
    for (std::size_t j = 0; j < nd; ++j) out[i * nd + j] = dot(q + i * dims, d + j * dims, dims);
}

void l2sq_matrix(const float* q, std::size_t nq, const float* d, std::size_t nd, std::size_t dims,
                 float* out) {
  for (std::size_t i = 0; i < nq; ++i)
    for (std::size_t j = 0; j < nd; ++j) out[i * nd + j] = l2sq(q + i * dims, d + j * dims, dims);
}

}  // namespace

const DistanceKernels& scalar_kernels() {
  static const DistanceKernels k{"scalar", l2sq, dot, l1, dot_norms, dot_matrix, l2sq_matrix};
  return k;
}

}  // namespace mvvd
