// Score fusion: the similarity scales, every fusion method on hand-worked rows, monotonicity (the
// threshold algorithm's bound), and reciprocal rank fusion.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/fusion.hpp"

namespace mvvd::fusion {
namespace {

TEST(Fusion, Scales) {
  EXPECT_DOUBLE_EQ(similarity({Scale::kL2, 1, 1}, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(similarity({Scale::kL2, 1, 1}, 1.0), 0.5);
  EXPECT_DOUBLE_EQ(similarity({Scale::kCosine, 1, 1}, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(similarity({Scale::kCosine, 1, 1}, 2.0), 0.0);
  EXPECT_DOUBLE_EQ(similarity({Scale::kInnerProduct, 1, 1}, 0.0), 0.5);
  EXPECT_NEAR(similarity({Scale::kInnerProduct, 1, 1}, -3.0), 1.0 / (1.0 + std::exp(-3.0)), 1e-15);
  EXPECT_DOUBLE_EQ(similarity({Scale::kMaxSimCosine, 1, 4}, -4.0), 1.0);  // every cos = 1
  EXPECT_DOUBLE_EQ(similarity({Scale::kChamferL2, 1, 2}, 2.0), 0.5);
  EXPECT_TRUE(std::isnan(similarity({Scale::kL2, 1, 1}, NAN)));
}

TEST(Fusion, MethodsOnAHandWorkedRow) {
  std::vector<Field> f{{Scale::kL2, 0.7, 1}, {Scale::kCosine, 0.3, 1}};
  double d[] = {1.0, 1.0};  // similarities 0.5 and 0.5
  EXPECT_DOUBLE_EQ(fuse(Method::kWeighted, f.data(), 2, d), 0.5);
  EXPECT_DOUBLE_EQ(fuse(Method::kRaw, f.data(), 2, d), -1.0);
  EXPECT_DOUBLE_EQ(fuse(Method::kMin, f.data(), 2, d), 0.15);
  EXPECT_DOUBLE_EQ(fuse(Method::kMax, f.data(), 2, d), 0.35);
  double nan_row[] = {1.0, NAN};
  EXPECT_TRUE(std::isnan(fuse(Method::kWeighted, f.data(), 2, nan_row)));
  std::vector<Field> zero{{Scale::kL2, 0.0, 1}, {Scale::kL2, 1.0, 1}};
  EXPECT_DOUBLE_EQ(fuse(Method::kMin, zero.data(), 2, d), 0.5) << "weight 0 leaves a field out";
  double nan_first[] = {NAN, 1.0};
  EXPECT_DOUBLE_EQ(fuse(Method::kWeighted, zero.data(), 2, nan_first), 0.5)
      << "a field of weight 0 is left out even when its distance is NaN";
}

// The bound is only a bound if no larger distance can raise the score.
TEST(Fusion, EveryMethodIsMonotone) {
  std::vector<Field> f{
      {Scale::kL2, 0.5, 1}, {Scale::kInnerProduct, 0.2, 1}, {Scale::kMaxSimCosine, 0.3, 7}};
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(0.0, 3.0);
  for (Method m : {Method::kWeighted, Method::kRaw, Method::kMin, Method::kMax}) {
    for (int trial = 0; trial < 1000; ++trial) {
      double a[3] = {u(rng), u(rng) - 1.5, -u(rng)};
      double b[3] = {a[0], a[1], a[2]};
      b[trial % 3] += u(rng);
      EXPECT_GE(fuse(m, f.data(), 3, a), fuse(m, f.data(), 3, b));
    }
  }
}

// A stream not read yet bounds its field by the metric's smallest distance: every scale's best
// similarity, and for raw fusion a bound no real distance exceeds.
TEST(Fusion, MinDistanceBoundsEveryScale) {
  const Scale scales[] = {Scale::kL2,       Scale::kInnerProduct, Scale::kCosine,   Scale::kL1,
                          Scale::kMaxSimIp, Scale::kMaxSimCosine, Scale::kChamferL2};
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0.0, 2.0);
  for (Scale s : scales) {
    Field f{s, 0.5, 3};
    double floor = min_distance(s);
    EXPECT_DOUBLE_EQ(similarity(f, floor), 1.0) << static_cast<int>(s);
    bool signed_metric =
        s == Scale::kInnerProduct || s == Scale::kMaxSimIp || s == Scale::kMaxSimCosine;
    for (int trial = 0; trial < 100; ++trial) {
      double d = signed_metric ? u(rng) - 1.0 : u(rng);
      for (Method m : {Method::kWeighted, Method::kRaw, Method::kMin, Method::kMax})
        EXPECT_GE(fuse(m, &f, 1, &floor), fuse(m, &f, 1, &d)) << static_cast<int>(s);
    }
  }
}

// A combined index's inner product over unit parts gives the same score as fusing the cosine
// distances one field at a time.
TEST(Fusion, CombinedScoreIsTheFusionOfCosines) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> cos(-1.0, 1.0), weight(0.0, 2.0);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<Field> f;
    std::vector<double> distances;
    double total = 0.0, d = 0.0;
    for (int i = 0; i < 1 + trial % 5; ++i) {
      double c = cos(rng), w = trial % 7 == 0 && i == 0 ? 0.0 : weight(rng);
      f.push_back({Scale::kCosine, w, 1});
      distances.push_back(1.0 - c);
      total += w;
      d -= w * c;
    }
    for (Method m : {Method::kWeighted, Method::kRaw})
      EXPECT_NEAR(combined_score(m, total, d), fuse(m, f.data(), f.size(), distances.data()),
                  1e-12);
  }
  EXPECT_TRUE(std::isnan(combined_score(Method::kMin, 1.0, 0.0)));
}

TEST(Fusion, ReciprocalRank) {
  std::vector<Field> f{{Scale::kL2, 1.0, 1}, {Scale::kL2, 2.0, 1}};
  std::int64_t both[] = {1, 3}, one[] = {0, 1}, none[] = {0, 0};
  EXPECT_DOUBLE_EQ(rrf(f.data(), 2, both, 60), 1.0 / 61 + 2.0 / 63);
  EXPECT_DOUBLE_EQ(rrf(f.data(), 2, one, 60), 2.0 / 61);
  EXPECT_DOUBLE_EQ(rrf(f.data(), 2, none, 60), 0.0);
}

}  // namespace
}  // namespace mvvd::fusion
