// HNSW construction parameters and the quantities derived from them (Malkov & Yashunin, 2016).
#pragma once
#include "no_postgres.hpp"

#include <cmath>
#include <cstdint>

namespace mvvd::hnsw {

// Levels above this are never assigned (probability m^-16 per element).
constexpr int kMaxLevel = 16;

struct Params {
  int m = 16;                // neighbours per element on levels >= 1
  int ef_construction = 64;  // candidate list size while inserting

  int max_neighbors(int level) const { return level == 0 ? 2 * m : m; }
  // The level-0 list of an element that also lives on upper levels holds one id fewer: on
  // pages, its last slot records where the upper lists are.
  int capacity(int element_level, int level) const {
    return level == 0 && element_level > 0 ? 2 * m - 1 : max_neighbors(level);
  }
  double level_mult() const { return 1.0 / std::log(static_cast<double>(m)); }
};

// Level of a new element from a uniform u in (0, 1]: floor(-ln(u) * mL), capped at kMaxLevel.
inline int random_level(double u, double level_mult) {
  if (!(u > 0.0)) u = 1e-300;
  double level = std::floor(-std::log(u) * level_mult);
  return level > kMaxLevel ? kMaxLevel : static_cast<int>(level);
}

}  // namespace mvvd::hnsw
