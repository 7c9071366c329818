#include "metric.hpp"

#include <cmath>

#include "kernels.hpp"

namespace mvvd {
namespace {

// The active kernels are fixed at load time; caching the table avoids a guard check per call.
const DistanceKernels& k() {
  static const DistanceKernels& kernels = active_kernels();
  return kernels;
}

float l2sq(const float* a, const float* b, std::size_t n) { return k().l2sq(a, b, n); }
float negative_dot(const float* a, const float* b, std::size_t n) { return -k().dot(a, b, n); }
float l1(const float* a, const float* b, std::size_t n) { return k().l1(a, b, n); }

// As cosine_distance() computes it, kept in float; a zero vector is infinitely far (NaN would
// break the ordering of the search heaps). Such vectors are not indexed for cosine anyway.
float cosine_of(DotNorms p) {
  double denom = std::sqrt(static_cast<double>(p.norm_a) * static_cast<double>(p.norm_b));
  if (!(denom > 0.0)) return INFINITY;
  double similarity = static_cast<double>(p.dot) / denom;
  if (similarity > 1.0) similarity = 1.0;
  if (similarity < -1.0) similarity = -1.0;
  return static_cast<float>(1.0 - similarity);
}

float cosine(const float* a, const float* b, std::size_t n) {
  return cosine_of(k().dot_norms(a, b, n));
}

}  // namespace

SearchDistance search_distance(Metric metric) {
  switch (metric) {
    case Metric::kL2:
      return l2sq;
    case Metric::kInnerProduct:
      return negative_dot;
    case Metric::kCosine:
      return cosine;
    case Metric::kL1:
      return l1;
  }
  return l2sq;
}

float search_distance_split(Metric metric, const float* a, const float* b1, std::size_t n1,
                            const float* b2, std::size_t n) {
  const float* a2 = a + n1;
  std::size_t n2 = n - n1;
  switch (metric) {
    case Metric::kL2:
      return k().l2sq(a, b1, n1) + k().l2sq(a2, b2, n2);
    case Metric::kInnerProduct:
      return -(k().dot(a, b1, n1) + k().dot(a2, b2, n2));
    case Metric::kL1:
      return k().l1(a, b1, n1) + k().l1(a2, b2, n2);
    case Metric::kCosine: {
      DotNorms p1 = k().dot_norms(a, b1, n1), p2 = k().dot_norms(a2, b2, n2);
      return cosine_of({p1.dot + p2.dot, p1.norm_a + p2.norm_a, p1.norm_b + p2.norm_b});
    }
  }
  return 0.0f;
}

double operator_distance(Metric metric, float search_distance) {
  if (metric == Metric::kL2) return std::sqrt(static_cast<double>(search_distance));
  return search_distance;
}

bool metric_from_int(int value, Metric* out) {
  if (value < 0 || value > 3) return false;
  *out = static_cast<Metric>(value);
  return true;
}

Metric link_metric(Metric metric) { return metric == Metric::kInnerProduct ? Metric::kL2 : metric; }

}  // namespace mvvd
