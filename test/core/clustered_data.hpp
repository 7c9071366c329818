// Seeded clustered data (a Gaussian mixture) and exact nearest neighbours by brute force, the
// reference every recall test in the core compares against.
#pragma once

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "core/metric.hpp"

namespace mvvd::testing {

struct Dataset {
  std::size_t dims;
  std::vector<float> base;     // n x dims
  std::vector<float> queries;  // nq x dims
  std::size_t n() const { return base.size() / dims; }
  std::size_t nq() const { return queries.size() / dims; }
  const float* row(std::size_t i) const { return &base[i * dims]; }
  const float* query(std::size_t i) const { return &queries[i * dims]; }
};

// n points and nq queries around `clusters` centres; spread is the per-axis deviation.
inline Dataset clustered(std::size_t n, std::size_t nq, std::size_t dims, std::size_t clusters,
                         std::uint32_t seed, float spread = 0.35f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> centres(clusters * dims);
  for (float& c : centres) c = normal(rng);
  std::uniform_int_distribution<std::size_t> pick(0, clusters - 1);
  Dataset d{dims, {}, {}};
  auto fill = [&](std::vector<float>& out, std::size_t count) {
    out.resize(count * dims);
    for (std::size_t i = 0; i < count; ++i) {
      const float* c = &centres[pick(rng) * dims];
      for (std::size_t j = 0; j < dims; ++j) out[i * dims + j] = c[j] + spread * normal(rng);
    }
  };
  fill(d.base, n);
  fill(d.queries, nq);
  return d;
}

// Ids of the k nearest rows to q by the metric's search distance (ties by id).
inline std::vector<std::uint32_t> exact_knn(const Dataset& d, const float* q, std::size_t k,
                                            Metric metric) {
  SearchDistance distance = search_distance(metric);
  std::vector<std::pair<float, std::uint32_t>> all(d.n());
  for (std::size_t i = 0; i < d.n(); ++i)
    all[i] = {distance(q, d.row(i), d.dims), static_cast<std::uint32_t>(i)};
  k = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end());
  std::vector<std::uint32_t> ids(k);
  for (std::size_t i = 0; i < k; ++i) ids[i] = all[i].second;
  return ids;
}

// |found ∩ truth| / |truth|
inline double recall(const std::vector<std::uint32_t>& found,
                     const std::vector<std::uint32_t>& truth) {
  std::size_t hits = 0;
  for (std::uint32_t id : truth) hits += std::find(found.begin(), found.end(), id) != found.end();
  return truth.empty() ? 1.0 : static_cast<double>(hits) / static_cast<double>(truth.size());
}

}  // namespace mvvd::testing
