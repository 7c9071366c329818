// Seeded random inputs shared by the core tests, so every failure can be reproduced exactly.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace mvvd::testing {

inline std::vector<float> uniform_vector(std::size_t n, std::uint32_t seed, float lo = -1.0f,
                                         float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

}  // namespace mvvd::testing
