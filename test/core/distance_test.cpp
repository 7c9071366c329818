// The metric functions behind the SQL operators: exact small cases, cosine's edge cases, and the
// double-precision fallback at magnitudes where float32 sums overflow or vanish.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/distance.hpp"
#include "seeded_data.hpp"

namespace mvvd {
namespace {

double exact_l2(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return std::sqrt(s);
}

TEST(Distance, SmallExactCases) {
  std::vector<float> a{1, 2, 3}, b{4, 5, 6};
  EXPECT_DOUBLE_EQ(l2_distance(a.data(), b.data(), 3), std::sqrt(27.0));
  EXPECT_DOUBLE_EQ(l2_squared_distance(a.data(), b.data(), 3), 27.0);
  EXPECT_DOUBLE_EQ(inner_product(a.data(), b.data(), 3), 32.0);
  EXPECT_DOUBLE_EQ(negative_inner_product(a.data(), b.data(), 3), -32.0);
  EXPECT_DOUBLE_EQ(l1_distance(a.data(), b.data(), 3), 9.0);
  EXPECT_NEAR(cosine_distance(a.data(), b.data(), 3), 1.0 - 32.0 / std::sqrt(14.0 * 77.0), 1e-7);
  EXPECT_DOUBLE_EQ(l2_norm(b.data(), 3), std::sqrt(77.0));
}

TEST(Distance, CosineOfZeroVectorIsNaN) {
  std::vector<float> z(5, 0.0f), a{1, 2, 3, 4, 5};
  EXPECT_TRUE(std::isnan(cosine_distance(z.data(), a.data(), 5)));
  EXPECT_TRUE(std::isnan(cosine_distance(a.data(), z.data(), 5)));
  EXPECT_TRUE(std::isnan(cosine_distance(z.data(), z.data(), 5)));
}

TEST(Distance, CosineStaysWithinZeroAndTwo) {
  for (std::size_t n : {3u, 17u, 768u}) {
    auto a = testing::uniform_vector(n, 11);
    std::vector<float> neg(a);
    for (float& x : neg) x = -x;
    EXPECT_GE(cosine_distance(a.data(), a.data(), n), 0.0);
    EXPECT_NEAR(cosine_distance(a.data(), a.data(), n), 0.0, 1e-6);
    EXPECT_LE(cosine_distance(a.data(), neg.data(), n), 2.0);
    EXPECT_NEAR(cosine_distance(a.data(), neg.data(), n), 2.0, 1e-6);
  }
}

TEST(Distance, HugeMagnitudesStayFinite) {
  std::vector<float> a(300, 1e30f), b(300, -1e30f);
  // float32 would overflow to Infinity; the true values are finite doubles.
  EXPECT_NEAR(l2_distance(a.data(), b.data(), 300), exact_l2(a, b), exact_l2(a, b) * 1e-12);
  EXPECT_NEAR(inner_product(a.data(), b.data(), 300), -300e60, 300e60 * 1e-6);
  EXPECT_NEAR(l1_distance(a.data(), b.data(), 300), 600e30, 600e30 * 1e-6);
  EXPECT_NEAR(cosine_distance(a.data(), b.data(), 300), 2.0, 1e-12);
  EXPECT_NEAR(l2_norm(a.data(), 300), std::sqrt(300.0) * 1e30, 1e24);
}

TEST(Distance, TinyMagnitudesDoNotVanish) {
  std::vector<float> a(50, 1e-25f), b(50, -1e-25f);
  // Each squared difference (4e-50) underflows float32 to zero.
  EXPECT_NEAR(l2_distance(a.data(), b.data(), 50), exact_l2(a, b), exact_l2(a, b) * 1e-6);
  EXPECT_GT(l2_distance(a.data(), b.data(), 50), 0.0);
  EXPECT_NEAR(cosine_distance(a.data(), b.data(), 50), 2.0, 1e-9);
  EXPECT_NEAR(cosine_distance(a.data(), a.data(), 50), 0.0, 1e-9);
}

TEST(Distance, AgreesWithDoubleOnSeededData) {
  for (std::size_t n : {1u, 13u, 128u, 1536u}) {
    auto a = testing::uniform_vector(n, 21), b = testing::uniform_vector(n, 22);
    EXPECT_NEAR(l2_distance(a.data(), b.data(), n), exact_l2(a, b), 1e-5 * exact_l2(a, b));
  }
}

}  // namespace
}  // namespace mvvd
