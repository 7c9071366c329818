#include "distance.hpp"

#include <cmath>
#include <limits>

#include "kernels.hpp"

namespace mvvd {
namespace {

// Float32 sums overflow past ~1.8e19 per element and lose everything below ~1e-19. When a SIMD
// result lands outside the range where float32 is trustworthy, it is redone in double: rare, and
// it keeps huge and tiny vectors from giving Infinity or 0 where the true distance is finite.
constexpr double kTrustedMin = 1e-30;
constexpr double kTrustedMax = 1e30;

bool trusted(double r) {
  double m = std::fabs(r);
  return m > kTrustedMin && m < kTrustedMax;
}

template <class Term>
double exact_sum(const float* a, const float* b, std::size_t n, Term term) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    s += term(static_cast<double>(a[i]), static_cast<double>(b[i]));
  return s;
}

double sq_diff(double x, double y) { return (x - y) * (x - y); }
double product(double x, double y) { return x * y; }
double abs_diff(double x, double y) { return std::fabs(x - y); }

}  // namespace

double l2_squared_distance(const float* a, const float* b, std::size_t n) {
  double r = active_kernels().l2sq(a, b, n);
  return trusted(r) ? r : exact_sum(a, b, n, sq_diff);
}

double l2_distance(const float* a, const float* b, std::size_t n) {
  return std::sqrt(l2_squared_distance(a, b, n));
}

double inner_product(const float* a, const float* b, std::size_t n) {
  double r = active_kernels().dot(a, b, n);
  return trusted(r) ? r : exact_sum(a, b, n, product);
}

double negative_inner_product(const float* a, const float* b, std::size_t n) {
  return -inner_product(a, b, n);
}

double l1_distance(const float* a, const float* b, std::size_t n) {
  double r = active_kernels().l1(a, b, n);
  return trusted(r) ? r : exact_sum(a, b, n, abs_diff);
}

double cosine_distance(const float* a, const float* b, std::size_t n) {
  DotNorms p = active_kernels().dot_norms(a, b, n);
  double dot = p.dot, norm_a = p.norm_a, norm_b = p.norm_b;
  if (!trusted(norm_a) || !trusted(norm_b)) {
    dot = exact_sum(a, b, n, product);
    norm_a = exact_sum(a, a, n, product);
    norm_b = exact_sum(b, b, n, product);
  }
  double denom = std::sqrt(norm_a * norm_b);
  if (!(denom > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  double similarity = dot / denom;
  // Rounding can push |similarity| past 1 for (anti)parallel vectors.
  if (similarity > 1.0) similarity = 1.0;
  if (similarity < -1.0) similarity = -1.0;
  return 1.0 - similarity;
}

double l2_norm(const float* a, std::size_t n) { return std::sqrt(exact_sum(a, a, n, product)); }

}  // namespace mvvd
