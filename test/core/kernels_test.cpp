// Every SIMD kernel this CPU can run agrees with the scalar reference, at every length (including
// the remainders a vector loop must handle) and on edge cases.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/kernels.hpp"
#include "seeded_data.hpp"
#include "simd_sets.hpp"

namespace mvvd {
namespace {

const std::vector<std::size_t> kLengths = {
    1,   2,   3,   4,   5,    7,    8,    9,    15,   16,   17,   31,   32,
    33,  47,  63,  64,  65,   100,  127,  128,  129,  255,  256,  257,  383,
    384, 385, 767, 768, 1023, 1024, 1535, 1536, 1537, 2049, 3072, 4096, 16000};

// Float sums of random terms drift by about sqrt(n) ulps of the sum of |terms|.
double tolerance(std::size_t n, double abs_terms) {
  return 2e-6 * std::sqrt(static_cast<double>(n)) * abs_terms + 1e-30;
}

class KernelTest : public ::testing::TestWithParam<std::string> {
 protected:
  const DistanceKernels& k() const { return *kernels_for(GetParam().c_str()); }
  const DistanceKernels& ref() const { return scalar_kernels(); }
};

TEST_P(KernelTest, NameMatchesInstructionSet) { EXPECT_EQ(GetParam(), k().name); }

TEST_P(KernelTest, AgreesWithScalarOnSeededData) {
  for (std::size_t n : kLengths) {
    auto a = testing::uniform_vector(n, 1000 + n);
    auto b = testing::uniform_vector(n, 2000 + n);
    double abs_l2 = ref().l2sq(a.data(), b.data(), n);
    double abs_dot = 0, abs_aa = 0, abs_bb = 0;
    for (std::size_t i = 0; i < n; ++i) {
      abs_dot += std::fabs(a[i] * b[i]);
      abs_aa += a[i] * a[i];
      abs_bb += b[i] * b[i];
    }
    double abs_l1 = ref().l1(a.data(), b.data(), n);
    SCOPED_TRACE("n=" + std::to_string(n));
    EXPECT_NEAR(k().l2sq(a.data(), b.data(), n), abs_l2, tolerance(n, abs_l2));
    EXPECT_NEAR(k().dot(a.data(), b.data(), n), ref().dot(a.data(), b.data(), n),
                tolerance(n, abs_dot));
    EXPECT_NEAR(k().l1(a.data(), b.data(), n), abs_l1, tolerance(n, abs_l1));
    DotNorms got = k().dot_norms(a.data(), b.data(), n);
    DotNorms want = ref().dot_norms(a.data(), b.data(), n);
    EXPECT_NEAR(got.dot, want.dot, tolerance(n, abs_dot));
    EXPECT_NEAR(got.norm_a, want.norm_a, tolerance(n, abs_aa));
    EXPECT_NEAR(got.norm_b, want.norm_b, tolerance(n, abs_bb));
  }
}

// A single large element at the start, middle or end must be counted: catches a loop that skips
// the remainder or reads one batch too few.
TEST_P(KernelTest, CountsEveryPosition) {
  for (std::size_t n : kLengths) {
    for (std::size_t pos : {std::size_t{0}, n / 2, n - 1}) {
      std::vector<float> a(n, 0.0f), b(n, 0.0f);
      a[pos] = 3.0f;
      b[pos] = -4.0f;
      SCOPED_TRACE("n=" + std::to_string(n) + " pos=" + std::to_string(pos));
      EXPECT_EQ(k().l2sq(a.data(), b.data(), n), 49.0f);
      EXPECT_EQ(k().dot(a.data(), b.data(), n), -12.0f);
      EXPECT_EQ(k().l1(a.data(), b.data(), n), 7.0f);
      DotNorms p = k().dot_norms(a.data(), b.data(), n);
      EXPECT_EQ(p.dot, -12.0f);
      EXPECT_EQ(p.norm_a, 9.0f);
      EXPECT_EQ(p.norm_b, 16.0f);
    }
  }
}

TEST_P(KernelTest, ZeroVectorsGiveZero) {
  for (std::size_t n : kLengths) {
    std::vector<float> z(n, 0.0f);
    EXPECT_EQ(k().l2sq(z.data(), z.data(), n), 0.0f);
    EXPECT_EQ(k().dot(z.data(), z.data(), n), 0.0f);
    EXPECT_EQ(k().l1(z.data(), z.data(), n), 0.0f);
    DotNorms p = k().dot_norms(z.data(), z.data(), n);
    EXPECT_EQ(p.norm_a + p.norm_b + p.dot, 0.0f);
  }
}

// At extreme magnitudes the kernels behave exactly as float arithmetic does: the same overflow to
// Infinity and the same underflow to zero as the reference (distance.cpp then redoes them).
TEST_P(KernelTest, ExtremeMagnitudesMatchReference) {
  for (float scale : {1e20f, 1e-25f, 1e18f, 1e-18f}) {
    for (std::size_t n : {std::size_t{3}, std::size_t{64}, std::size_t{1537}}) {
      auto a = testing::uniform_vector(n, 7, 0.5f * scale, scale);
      auto b = testing::uniform_vector(n, 8, -scale, -0.5f * scale);
      float got = k().l2sq(a.data(), b.data(), n), want = ref().l2sq(a.data(), b.data(), n);
      SCOPED_TRACE("scale=" + std::to_string(scale) + " n=" + std::to_string(n));
      EXPECT_EQ(std::isinf(got), std::isinf(want));
      if (std::isfinite(want)) {
        EXPECT_NEAR(got, want, tolerance(n, want));
      }
      float gdot = k().dot(a.data(), b.data(), n), wdot = ref().dot(a.data(), b.data(), n);
      EXPECT_EQ(std::isinf(gdot), std::isinf(wdot));
      if (std::isfinite(wdot)) {
        EXPECT_NEAR(gdot, wdot, tolerance(n, std::fabs(wdot)));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AvailableSets, KernelTest, ::testing::ValuesIn(testing::simd_sets()),
                         [](const auto& info) { return info.param; });

TEST(KernelDispatch, PicksTheWidestSupportedSet) {
  auto sets = testing::simd_sets();
  std::string expected = sets.empty() ? "scalar" : sets.front();
  EXPECT_EQ(expected, active_kernels().name);
}

TEST(KernelDispatch, UnknownSetIsNull) { EXPECT_EQ(kernels_for("mmx"), nullptr); }

}  // namespace
}  // namespace mvvd
