// Element-wise arithmetic and the aggregate helpers, including the overflow reports the SQL
// functions turn into errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/vector_math.hpp"

namespace mvvd {
namespace {

TEST(VectorMath, ElementwiseOperations) {
  std::vector<float> a{1, 2, 3}, b{4, 5, 6}, out(3);
  ASSERT_TRUE(add(a.data(), b.data(), out.data(), 3));
  EXPECT_EQ(out, (std::vector<float>{5, 7, 9}));
  ASSERT_TRUE(subtract(a.data(), b.data(), out.data(), 3));
  EXPECT_EQ(out, (std::vector<float>{-3, -3, -3}));
  ASSERT_TRUE(multiply(a.data(), b.data(), out.data(), 3));
  EXPECT_EQ(out, (std::vector<float>{4, 10, 18}));
}

TEST(VectorMath, OverflowIsReported) {
  float big = std::numeric_limits<float>::max();
  std::vector<float> a{1, big}, b{1, big}, out(2);
  EXPECT_FALSE(add(a.data(), b.data(), out.data(), 2));
  EXPECT_FALSE(multiply(a.data(), b.data(), out.data(), 2));
  std::vector<float> c{1, -big};
  EXPECT_FALSE(subtract(a.data(), c.data(), out.data(), 2));
  EXPECT_TRUE(subtract(a.data(), b.data(), out.data(), 2));
}

TEST(VectorMath, NormalizeKeepsDirectionAndZero) {
  std::vector<float> a{3, 4}, out(2);
  l2_normalize(a.data(), out.data(), 2);
  EXPECT_FLOAT_EQ(out[0], 0.6f);
  EXPECT_FLOAT_EQ(out[1], 0.8f);
  std::vector<float> z{0, 0}, zout{9, 9};
  l2_normalize(z.data(), zout.data(), 2);
  EXPECT_EQ(zout, (std::vector<float>{0, 0}));
  std::vector<float> huge{3e38f, 3e38f}, hout(2);  // the norm overflows float, not double
  l2_normalize(huge.data(), hout.data(), 2);
  EXPECT_NEAR(hout[0], std::sqrt(0.5), 1e-6);
}

TEST(VectorMath, FiniteCheck) {
  std::vector<float> ok{1, -2, 0}, nan{1, std::nanf(""), 0},
      inf{std::numeric_limits<float>::infinity()};
  EXPECT_TRUE(all_finite(ok.data(), 3));
  EXPECT_FALSE(all_finite(nan.data(), 3));
  EXPECT_FALSE(all_finite(inf.data(), 1));
}

TEST(VectorMath, AccumulateAndScale) {
  std::vector<double> sums(2, 0.0);
  std::vector<float> a{1, 2}, b{3, 5}, out(2);
  accumulate(a.data(), sums.data(), 2);
  accumulate(b.data(), sums.data(), 2);
  ASSERT_TRUE(scale_to_float(sums.data(), 0.5, out.data(), 2));
  EXPECT_EQ(out, (std::vector<float>{2, 3.5}));
  std::vector<double> too_big{1e39, 1};
  EXPECT_FALSE(scale_to_float(too_big.data(), 1.0, out.data(), 2));
}

}  // namespace
}  // namespace mvvd
