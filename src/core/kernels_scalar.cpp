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

}  // namespace

const DistanceKernels& scalar_kernels() {
  static const DistanceKernels k{"scalar", l2sq, dot, l1, dot_norms};
  return k;
}

}  // namespace mvvd
