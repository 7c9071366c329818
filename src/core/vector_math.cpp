#include "vector_math.hpp"

#include <cmath>

#include "distance.hpp"

namespace mvvd {
namespace {

template <class Op>
bool elementwise(const float* a, const float* b, float* out, std::size_t n, Op op) {
  for (std::size_t i = 0; i < n; ++i) out[i] = op(a[i], b[i]);
  return all_finite(out, n);
}

}  // namespace

bool add(const float* a, const float* b, float* out, std::size_t n) {
  return elementwise(a, b, out, n, [](float x, float y) { return x + y; });
}

bool subtract(const float* a, const float* b, float* out, std::size_t n) {
  return elementwise(a, b, out, n, [](float x, float y) { return x - y; });
}

bool multiply(const float* a, const float* b, float* out, std::size_t n) {
  return elementwise(a, b, out, n, [](float x, float y) { return x * y; });
}

void l2_normalize(const float* a, float* out, std::size_t n) {
  double norm = l2_norm(a, n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = norm > 0.0 ? static_cast<float>(static_cast<double>(a[i]) / norm) : 0.0f;
}

bool all_finite(const float* a, std::size_t n) {
  bool ok = true;
  for (std::size_t i = 0; i < n; ++i) ok &= std::isfinite(a[i]);
  return ok;
}

void accumulate(const float* a, double* sums, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) sums[i] += a[i];
}

bool scale_to_float(const double* sums, double scale, float* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(sums[i] * scale);
  return all_finite(out, n);
}

}  // namespace mvvd
