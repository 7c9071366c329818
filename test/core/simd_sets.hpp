// The SIMD kernel sets this CPU can run, for tests that check each against the scalar reference.
#pragma once

#include <string>
#include <vector>

#include "core/kernels.hpp"

namespace mvvd::testing {

inline std::vector<std::string> simd_sets() {
  std::vector<std::string> names;
  for (const char* name : {"avx512", "avx2", "sse", "neon"})
    if (kernels_for(name) != nullptr) names.push_back(name);
  return names;
}

}  // namespace mvvd::testing
