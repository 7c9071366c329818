// Search distances of the graph code: ordering agrees with the SQL operators, and a vector read
// in two pieces (across a page boundary) gives the same distance as one read whole.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/distance.hpp"
#include "core/metric.hpp"
#include "seeded_data.hpp"

namespace mvvd {
namespace {

const Metric kMetrics[] = {Metric::kL2, Metric::kInnerProduct, Metric::kCosine, Metric::kL1};

TEST(Metric, SplitVectorsGiveTheSameDistance) {
  for (std::size_t n : {2u, 17u, 128u, 768u, 1537u}) {
    auto a = testing::uniform_vector(n, 31), b = testing::uniform_vector(n, 32);
    for (std::size_t cut : {std::size_t{1}, n / 3, n / 2, n - 1}) {
      std::vector<float> tail(b.begin() + static_cast<std::ptrdiff_t>(cut), b.end());
      for (Metric m : kMetrics) {
        float whole = search_distance(m)(a.data(), b.data(), n);
        float split = search_distance_split(m, a.data(), b.data(), cut, tail.data(), n);
        EXPECT_NEAR(split, whole, 1e-5f * (1.0f + std::fabs(whole)))
            << "n=" << n << " cut=" << cut << " metric=" << static_cast<int>(m);
      }
    }
  }
}

TEST(Metric, OperatorDistanceMatchesTheSqlFunctions) {
  auto a = testing::uniform_vector(96, 33), b = testing::uniform_vector(96, 34);
  auto op = [&](Metric m) {
    return operator_distance(m, search_distance(m)(a.data(), b.data(), 96));
  };
  EXPECT_DOUBLE_EQ(op(Metric::kL2), l2_distance(a.data(), b.data(), 96));
  EXPECT_DOUBLE_EQ(op(Metric::kInnerProduct), negative_inner_product(a.data(), b.data(), 96));
  EXPECT_DOUBLE_EQ(op(Metric::kL1), l1_distance(a.data(), b.data(), 96));
  EXPECT_NEAR(op(Metric::kCosine), cosine_distance(a.data(), b.data(), 96), 1e-7);
}

TEST(Metric, ZeroVectorIsFarthestForCosine) {
  std::vector<float> z(8, 0.0f), a(8, 1.0f);
  EXPECT_TRUE(std::isinf(search_distance(Metric::kCosine)(a.data(), z.data(), 8)));
}

}  // namespace
}  // namespace mvvd
