// The four metrics on float32 vectors, as the SQL operators define them (results in double).
#pragma once
#include "no_postgres.hpp"

#include <cstddef>

namespace mvvd {

double l2_distance(const float* a, const float* b, std::size_t n);
double l2_squared_distance(const float* a, const float* b, std::size_t n);
double inner_product(const float* a, const float* b, std::size_t n);
double negative_inner_product(const float* a, const float* b, std::size_t n);
double l1_distance(const float* a, const float* b, std::size_t n);

// 1 - cos(a, b), clamped to [0, 2]. NaN when either vector is all zeros: the angle is undefined,
// and NaN sorts after every number in a Postgres ORDER BY (pgvector does the same).
double cosine_distance(const float* a, const float* b, std::size_t n);

// Euclidean norm, accumulated in double so huge and tiny magnitudes neither overflow nor vanish.
double l2_norm(const float* a, std::size_t n);

}  // namespace mvvd
