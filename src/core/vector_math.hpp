// Element-wise arithmetic on float32 vectors. Each operation reports whether every result is
// finite, so the caller can refuse an overflow instead of storing Infinity.
#pragma once
#include "no_postgres.hpp"

#include <cstddef>

namespace mvvd {

bool add(const float* a, const float* b, float* out, std::size_t n);
bool subtract(const float* a, const float* b, float* out, std::size_t n);
bool multiply(const float* a, const float* b, float* out, std::size_t n);

// out = a / |a|; a zero vector stays zero (it has no direction to keep).
void l2_normalize(const float* a, float* out, std::size_t n);

// True when no element is NaN or +-Infinity.
bool all_finite(const float* a, std::size_t n);

// sums[i] += a[i], in double so that summing many rows loses little precision.
void accumulate(const float* a, double* sums, std::size_t n);

// out[i] = sums[i] * scale rounded to float; false when a result does not fit in float4.
bool scale_to_float(const double* sums, double scale, float* out, std::size_t n);

}  // namespace mvvd
