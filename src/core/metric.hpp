// The four metrics as the graph search sees them: one float "search distance" where smaller is
// closer, and its conversion to the value the SQL operator returns.
#pragma once
#include "no_postgres.hpp"

#include <cstddef>

namespace mvvd {

enum class Metric { kL2 = 0, kInnerProduct = 1, kCosine = 2, kL1 = 3 };

// Search distance of a metric: L2 squared, negative inner product, cosine distance, L1.
using SearchDistance = float (*)(const float* a, const float* b, std::size_t n);

// The search distance function of a metric, bound to the active SIMD kernels.
SearchDistance search_distance(Metric metric);

// The search distance between a and a vector b stored in two pieces: b[0..n1) at b1 and
// b[n1..n) at b2 (a vector that continues on the next page), without copying it together.
float search_distance_split(Metric metric, const float* a, const float* b1, std::size_t n1,
                            const float* b2, std::size_t n);

// The SQL operator's value (<->, <#>, <=>, <+>) for a search distance: monotone, so the order of
// search distances is the order of operator values. Exact for L2, inner product and L1 (the same
// float kernel result the operator converts); within float rounding for cosine.
double operator_distance(Metric metric, float search_distance);

// The metric a graph index links its elements by, for one searched by `metric`. Inner product
// is not a metric: linked by it, an element of small norm is nobody's nearest, loses every
// in-link and drops out of the graph (on all-positive data, most of it). Linked by L2 instead,
// every element keeps its neighbourhood, and a search by inner product still climbs the graph
// towards the largest products.
Metric link_metric(Metric metric);

// A metric from its number (as stored in an index's metapage); false when out of range.
bool metric_from_int(int value, Metric* out);

}  // namespace mvvd
