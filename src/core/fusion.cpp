#include "fusion.hpp"

#include <algorithm>
#include <cmath>

namespace mvvd::fusion {
namespace {

double logistic_of_negative(double d) { return 1.0 / (1.0 + std::exp(d)); }

}  // namespace

double similarity(const Field& f, double d) {
  if (std::isnan(d)) return d;
  double n = f.query_count > 0 ? f.query_count : 1.0;
  switch (f.scale) {
    case Scale::kL2:
    case Scale::kL1:
      return 1.0 / (1.0 + d);
    case Scale::kInnerProduct:
      return logistic_of_negative(d);
    case Scale::kCosine:
      return std::clamp(1.0 - d / 2.0, 0.0, 1.0);
    case Scale::kMaxSimIp:
      return logistic_of_negative(d / n);
    case Scale::kMaxSimCosine:
      return std::clamp((1.0 - d / n) / 2.0, 0.0, 1.0);
    case Scale::kChamferL2:
      return 1.0 / (1.0 + d / n);
  }
  return NAN;
}

double min_distance(Scale scale) {
  switch (scale) {
    case Scale::kL2:
    case Scale::kL1:
    case Scale::kCosine:
    case Scale::kChamferL2:
      return 0.0;
    default:
      return -INFINITY;  // inner products have no lower end
  }
}

double combined_score(Method method, double total_weight, double d) {
  switch (method) {
    case Method::kWeighted:
      return (total_weight - d) / 2.0;
    case Method::kRaw:
      return -total_weight - d;
    default:
      return NAN;
  }
}

double field_score(Method method, const Field& f, double distance) {
  return method == Method::kRaw ? distance : similarity(f, distance);
}

double fuse(Method method, const Field* fields, std::size_t n, const double* distances) {
  double acc = method == Method::kMin ? INFINITY : method == Method::kMax ? -INFINITY : 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    double w = fields[i].weight;
    if (w == 0.0) continue;  // a field of weight 0 does not count, even when NaN
    if (std::isnan(distances[i])) return NAN;
    switch (method) {
      case Method::kRaw:
        acc -= w * distances[i];
        break;
      case Method::kMin:
        acc = std::min(acc, w * similarity(fields[i], distances[i]));
        break;
      case Method::kMax:
        acc = std::max(acc, w * similarity(fields[i], distances[i]));
        break;
      default:
        acc += w * similarity(fields[i], distances[i]);
    }
  }
  return acc;
}

double rrf(const Field* fields, std::size_t n, const std::int64_t* ranks, double c) {
  double acc = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    if (ranks[i] > 0) acc += fields[i].weight / (c + static_cast<double>(ranks[i]));
  return acc;
}

}  // namespace mvvd::fusion
