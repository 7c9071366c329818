// The matrix kernels of every instruction set this CPU runs agree with the scalar reference for
// every shape (including the row, column and dimension remainders a register tile must handle),
// and every multivector score agrees with a plain double-precision computation written here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/kernels.hpp"
#include "core/multivector.hpp"
#include "seeded_data.hpp"
#include "simd_sets.hpp"

namespace mvvd {
namespace {

const std::vector<std::size_t> kRows = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33};
const std::vector<std::size_t> kDims = {1, 3, 8, 15, 16, 17, 31, 32, 33, 128, 129};

// Float sums of random terms drift by about sqrt(n) ulps of the sum of |terms|.
double tolerance(std::size_t n, double abs_terms) {
  return 2e-6 * std::sqrt(static_cast<double>(n)) * abs_terms + 1e-30;
}

std::vector<std::string> all_sets() {
  std::vector<std::string> names = testing::simd_sets();
  names.push_back("scalar");
  return names;
}

std::string shape(std::size_t nq, std::size_t nd, std::size_t dims) {
  return "nq=" + std::to_string(nq) + " nd=" + std::to_string(nd) + " dims=" + std::to_string(dims);
}

// ---- Matrix kernels --------------------------------------------------------------------------

// A sentinel past the end of out must survive: the kernels write exactly nq * nd floats.
constexpr std::size_t kGuard = 8;
constexpr float kSentinel = -12345.0f;

class MatrixKernelTest : public ::testing::TestWithParam<std::string> {
 protected:
  const DistanceKernels& k() const { return *kernels_for(GetParam().c_str()); }
  const DistanceKernels& ref() const { return scalar_kernels(); }
};

TEST_P(MatrixKernelTest, AgreesWithScalarOnSeededData) {
  for (std::size_t nq : kRows) {
    for (std::size_t nd : kRows) {
      for (std::size_t dims : kDims) {
        auto q = testing::uniform_vector(nq * dims, 100 * nq + dims);
        auto d = testing::uniform_vector(nd * dims, 7000 + 100 * nd + dims);
        std::vector<float> dot(nq * nd + kGuard, kSentinel), l2(nq * nd + kGuard, kSentinel);
        std::vector<float> want_dot(nq * nd), want_l2(nq * nd);
        k().dot_matrix(q.data(), nq, d.data(), nd, dims, dot.data());
        k().l2sq_matrix(q.data(), nq, d.data(), nd, dims, l2.data());
        ref().dot_matrix(q.data(), nq, d.data(), nd, dims, want_dot.data());
        ref().l2sq_matrix(q.data(), nq, d.data(), nd, dims, want_l2.data());
        SCOPED_TRACE(shape(nq, nd, dims));
        for (std::size_t i = 0; i < nq; ++i) {
          for (std::size_t j = 0; j < nd; ++j) {
            double abs_dot = 0;
            for (std::size_t t = 0; t < dims; ++t)
              abs_dot += std::fabs(q[i * dims + t] * d[j * dims + t]);
            std::size_t at = i * nd + j;
            ASSERT_NEAR(dot[at], want_dot[at], tolerance(dims, abs_dot)) << "i=" << i << " j=" << j;
            ASSERT_NEAR(l2[at], want_l2[at], tolerance(dims, want_l2[at]))
                << "i=" << i << " j=" << j;
          }
        }
        for (std::size_t g = 0; g < kGuard; ++g) {
          ASSERT_EQ(dot[nq * nd + g], kSentinel);
          ASSERT_EQ(l2[nq * nd + g], kSentinel);
        }
      }
    }
  }
}

// One spike in query row i and one in document row j, both at dimension t: exactly one dot is
// non-zero and the l2sq matrix has a known cross pattern, so a kernel that skips (or repeats) any
// row, column or dimension, or writes a value to the wrong place, gives a different matrix.
TEST_P(MatrixKernelTest, SpikeReachesExactlyItsPair) {
  for (std::size_t nq : kRows) {
    for (std::size_t nd : kRows) {
      for (std::size_t dims : kDims) {
        std::vector<float> q(nq * dims), d(nd * dims);
        std::vector<float> dot(nq * nd + kGuard), l2(nq * nd + kGuard);
        for (std::size_t i : {std::size_t{0}, nq / 2, nq - 1}) {
          for (std::size_t j : {std::size_t{0}, nd / 2, nd - 1}) {
            for (std::size_t t : {std::size_t{0}, dims / 2, dims - 1}) {
              std::fill(q.begin(), q.end(), 0.0f);
              std::fill(d.begin(), d.end(), 0.0f);
              std::fill(dot.begin(), dot.end(), kSentinel);
              std::fill(l2.begin(), l2.end(), kSentinel);
              q[i * dims + t] = 3.0f;
              d[j * dims + t] = -4.0f;
              k().dot_matrix(q.data(), nq, d.data(), nd, dims, dot.data());
              k().l2sq_matrix(q.data(), nq, d.data(), nd, dims, l2.data());
              SCOPED_TRACE(shape(nq, nd, dims) + " spike at i=" + std::to_string(i) +
                           " j=" + std::to_string(j) + " t=" + std::to_string(t));
              for (std::size_t a = 0; a < nq; ++a) {
                for (std::size_t b = 0; b < nd; ++b) {
                  float want_dot = (a == i && b == j) ? -12.0f : 0.0f;
                  float want_l2 =
                      (a == i && b == j) ? 49.0f : (a == i ? 9.0f : 0.0f) + (b == j ? 16.0f : 0.0f);
                  ASSERT_EQ(dot[a * nd + b], want_dot) << "a=" << a << " b=" << b;
                  ASSERT_EQ(l2[a * nd + b], want_l2) << "a=" << a << " b=" << b;
                }
              }
              for (std::size_t g = 0; g < kGuard; ++g) {
                ASSERT_EQ(dot[nq * nd + g], kSentinel);
                ASSERT_EQ(l2[nq * nd + g], kSentinel);
              }
            }
          }
        }
      }
    }
  }
}

// Shapes past the kernels' internal document blocking (about 16 KB of document rows).
TEST_P(MatrixKernelTest, AgreesWithScalarOnLargeShapes) {
  struct Shape {
    std::size_t nq, nd, dims;
  };
  for (Shape s :
       {Shape{32, 600, 128}, Shape{5, 1000, 3}, Shape{3, 71, 1025}, Shape{33, 257, 129}}) {
    auto q = testing::uniform_vector(s.nq * s.dims, 11);
    auto d = testing::uniform_vector(s.nd * s.dims, 12);
    std::vector<float> dot(s.nq * s.nd), l2(s.nq * s.nd), want_dot(s.nq * s.nd),
        want_l2(s.nq * s.nd);
    k().dot_matrix(q.data(), s.nq, d.data(), s.nd, s.dims, dot.data());
    k().l2sq_matrix(q.data(), s.nq, d.data(), s.nd, s.dims, l2.data());
    ref().dot_matrix(q.data(), s.nq, d.data(), s.nd, s.dims, want_dot.data());
    ref().l2sq_matrix(q.data(), s.nq, d.data(), s.nd, s.dims, want_l2.data());
    SCOPED_TRACE(shape(s.nq, s.nd, s.dims));
    for (std::size_t at = 0; at < s.nq * s.nd; ++at) {
      // |q_t * d_t| <= 1 for data in [-1, 1], so dims bounds the sum of |terms|.
      ASSERT_NEAR(dot[at], want_dot[at], tolerance(s.dims, static_cast<double>(s.dims)));
      ASSERT_NEAR(l2[at], want_l2[at], tolerance(s.dims, want_l2[at]));
    }
  }
}

TEST_P(MatrixKernelTest, ZeroDimsGiveZeros) {
  std::vector<float> q(1), d(1), out(3 * 5, kSentinel);
  k().dot_matrix(q.data(), 3, d.data(), 5, 0, out.data());
  for (float v : out) EXPECT_EQ(v, 0.0f);
  std::fill(out.begin(), out.end(), kSentinel);
  k().l2sq_matrix(q.data(), 3, d.data(), 5, 0, out.data());
  for (float v : out) EXPECT_EQ(v, 0.0f);
}

INSTANTIATE_TEST_SUITE_P(AvailableSets, MatrixKernelTest, ::testing::ValuesIn(testing::simd_sets()),
                         [](const auto& info) { return info.param; });

// The scalar matrix kernels are the 1-vs-1 scalar loops, pair by pair.
TEST(ScalarMatrixKernel, IsTheOneToOneKernelPerPair) {
  const DistanceKernels& s = scalar_kernels();
  std::size_t nq = 5, nd = 7, dims = 33;
  auto q = testing::uniform_vector(nq * dims, 1);
  auto d = testing::uniform_vector(nd * dims, 2);
  std::vector<float> dot(nq * nd), l2(nq * nd);
  s.dot_matrix(q.data(), nq, d.data(), nd, dims, dot.data());
  s.l2sq_matrix(q.data(), nq, d.data(), nd, dims, l2.data());
  for (std::size_t i = 0; i < nq; ++i) {
    for (std::size_t j = 0; j < nd; ++j) {
      EXPECT_EQ(dot[i * nd + j], s.dot(q.data() + i * dims, d.data() + j * dims, dims));
      EXPECT_EQ(l2[i * nd + j], s.l2sq(q.data() + i * dims, d.data() + j * dims, dims));
    }
  }
}

// ---- Multivector scores: a double-precision reference ---------------------------------------

struct Reference {
  double maxsim_ip = 0, maxsim_cosine = 0, chamfer_l2 = 0;
  double min_pair_l2 = 0, max_pair_ip = 0, min_pair_cosine = 0;
  // Tolerances: float error of the kernels, propagated to each score.
  double tol_ip_sum = 0, tol_ip_one = 0, tol_cos_sum = 0, tol_l2_sum = 0, tol_l2_one = 0;
};

// The six scores by their definitions, every pair in double; zero rows skipped for cosine.
Reference reference(const std::vector<float>& q, std::size_t nq, const std::vector<float>& d,
                    std::size_t nd, std::size_t dims) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  auto norm = [dims](const float* v) {
    double s = 0;
    for (std::size_t t = 0; t < dims; ++t) s += static_cast<double>(v[t]) * v[t];
    return std::sqrt(s);
  };
  Reference r;
  if (nq == 0 || nd == 0) {
    r.maxsim_ip = r.maxsim_cosine = r.chamfer_l2 = nan;
    r.min_pair_l2 = r.max_pair_ip = r.min_pair_cosine = nan;
    return r;
  }
  double min_l2 = inf, max_ip = -inf, max_cos = -inf, max_abs_ip = 0;
  bool any_cos = false;
  for (std::size_t i = 0; i < nq; ++i) {
    const float* qi = q.data() + i * dims;
    double qn = norm(qi);
    double row_ip = -inf, row_cos = -inf, row_l2 = inf, row_abs_ip = 0;
    for (std::size_t j = 0; j < nd; ++j) {
      const float* dj = d.data() + j * dims;
      double dn = norm(dj);
      double ip = 0, l2 = 0, abs_ip = 0;
      for (std::size_t t = 0; t < dims; ++t) {
        double x = qi[t], y = dj[t];
        ip += x * y;
        abs_ip += std::fabs(x * y);
        l2 += (x - y) * (x - y);
      }
      row_ip = std::max(row_ip, ip);
      row_abs_ip = std::max(row_abs_ip, abs_ip);
      row_l2 = std::min(row_l2, l2);
      if (qn > 0 && dn > 0) row_cos = std::max(row_cos, ip / (qn * dn));
    }
    r.maxsim_ip += row_ip;
    r.tol_ip_sum += 2 * tolerance(dims, row_abs_ip);
    r.chamfer_l2 += std::sqrt(row_l2);
    r.tol_l2_sum += 2 * tolerance(dims, std::sqrt(row_l2)) + 1e-12;
    if (row_cos != -inf) {
      r.maxsim_cosine += row_cos;
      r.tol_cos_sum += 2 * tolerance(dims, 1.0) + 1e-12;
      any_cos = true;
      max_cos = std::max(max_cos, row_cos);
    }
    min_l2 = std::min(min_l2, row_l2);
    max_ip = std::max(max_ip, row_ip);
    max_abs_ip = std::max(max_abs_ip, row_abs_ip);
  }
  if (!any_cos) r.maxsim_cosine = nan;
  r.min_pair_l2 = std::sqrt(min_l2);
  r.max_pair_ip = max_ip;
  r.min_pair_cosine = any_cos ? std::clamp(1.0 - max_cos, 0.0, 2.0) : nan;
  r.tol_ip_one = 2 * tolerance(dims, max_abs_ip);
  r.tol_l2_one = 2 * tolerance(dims, r.min_pair_l2) + 1e-12;
  return r;
}

// Both are NaN, or both are numbers within tol.
void expect_close(double got, double want, double tol, const char* what) {
  SCOPED_TRACE(what);
  if (std::isnan(want)) {
    EXPECT_TRUE(std::isnan(got)) << "got " << got << ", want NaN";
  } else {
    EXPECT_NEAR(got, want, tol);
  }
}

class MultivectorTest : public ::testing::TestWithParam<std::string> {
 protected:
  const DistanceKernels& k() const { return *kernels_for(GetParam().c_str()); }

  // All six scores of q against d with this set's kernels agree with the reference.
  void check(const std::vector<float>& q, std::size_t nq, const std::vector<float>& d,
             std::size_t nd, std::size_t dims) const {
    SCOPED_TRACE(shape(nq, nd, dims));
    Reference r = reference(q, nq, d, nd, dims);
    const float *qp = q.data(), *dp = d.data();
    expect_close(maxsim_ip(k(), qp, nq, dp, nd, dims), r.maxsim_ip, r.tol_ip_sum, "maxsim_ip");
    expect_close(maxsim_cosine(k(), qp, nq, dp, nd, dims), r.maxsim_cosine, r.tol_cos_sum,
                 "maxsim_cosine");
    expect_close(chamfer_l2(k(), qp, nq, dp, nd, dims), r.chamfer_l2, r.tol_l2_sum, "chamfer_l2");
    expect_close(min_pair_l2(k(), qp, nq, dp, nd, dims), r.min_pair_l2, r.tol_l2_one,
                 "min_pair_l2");
    expect_close(max_pair_ip(k(), qp, nq, dp, nd, dims), r.max_pair_ip, r.tol_ip_one,
                 "max_pair_ip");
    expect_close(min_pair_cosine(k(), qp, nq, dp, nd, dims), r.min_pair_cosine,
                 2 * tolerance(dims, 1.0) + 1e-12, "min_pair_cosine");
  }
};

TEST_P(MultivectorTest, AgreesWithReferenceOnSeededData) {
  for (std::size_t nq : {1, 2, 3, 5, 16, 33}) {
    for (std::size_t nd : {1, 2, 4, 7, 16, 33}) {
      for (std::size_t dims : {1, 3, 17, 128, 129}) {
        auto q = testing::uniform_vector(nq * dims, 300 + nq * 7 + dims);
        auto d = testing::uniform_vector(nd * dims, 900 + nd * 7 + dims);
        check(q, nq, d, nd, dims);
      }
    }
  }
}

// Sets large enough that the pair matrix is computed in several blocks, on the document side
// (32 x 600: more than 64 KB of pairs), on the query side (more than 256 query rows), or both.
TEST_P(MultivectorTest, LargeSetsSpanSeveralBlocks) {
  struct Shape {
    std::size_t nq, nd, dims;
  };
  for (Shape s : {Shape{32, 600, 128}, Shape{1, 20000, 8}, Shape{300, 70, 16}, Shape{600, 600, 4},
                  Shape{20000, 1, 3}}) {
    auto q = testing::uniform_vector(s.nq * s.dims, 41);
    auto d = testing::uniform_vector(s.nd * s.dims, 42);
    check(q, s.nq, d, s.nd, s.dims);
  }
}

// Zero rows on either side: cosine skips their pairs, the other scores treat them as points.
TEST_P(MultivectorTest, ZeroVectorsAreSkippedByCosine) {
  std::size_t nq = 5, nd = 6, dims = 17;
  auto q = testing::uniform_vector(nq * dims, 51);
  auto d = testing::uniform_vector(nd * dims, 52);
  std::fill(q.begin() + 2 * dims, q.begin() + 3 * dims, 0.0f);  // query row 2
  std::fill(d.begin(), d.begin() + dims, 0.0f);                 // document row 0
  std::fill(d.end() - dims, d.end(), 0.0f);                     // document row 5
  check(q, nq, d, nd, dims);
  // Query row 2 contributes nothing: the sum is that of the other four rows (up to rounding: a
  // row's sums may be reduced in another order when it sits elsewhere in a register tile).
  std::vector<float> q4(q.begin(), q.begin() + 2 * dims);
  q4.insert(q4.end(), q.begin() + 3 * dims, q.end());
  EXPECT_NEAR(maxsim_cosine(k(), q.data(), nq, d.data(), nd, dims),
              maxsim_cosine(k(), q4.data(), 4, d.data(), nd, dims), 1e-6);
}

TEST_P(MultivectorTest, CosineIsNaNWhenEveryPairIsSkipped) {
  std::size_t dims = 9;
  std::vector<float> zeros(4 * dims, 0.0f);
  auto some = testing::uniform_vector(3 * dims, 61);
  // Every query row zero; every document row zero; both.
  for (auto [q, nq, d, nd] : {std::tuple{&zeros, 4, &some, 3}, std::tuple{&some, 3, &zeros, 4},
                              std::tuple{&zeros, 4, &zeros, 4}}) {
    const float *qp = q->data(), *dp = d->data();
    EXPECT_TRUE(std::isnan(maxsim_cosine(k(), qp, nq, dp, nd, dims)));
    EXPECT_TRUE(std::isnan(min_pair_cosine(k(), qp, nq, dp, nd, dims)));
    check(*q, nq, *d, nd, dims);
  }
}

TEST_P(MultivectorTest, EmptySetsGiveNaN) {
  auto v = testing::uniform_vector(8, 71);
  for (auto [nq, nd] : {std::pair<std::size_t, std::size_t>{0, 2}, {2, 0}, {0, 0}}) {
    EXPECT_TRUE(std::isnan(maxsim_ip(k(), v.data(), nq, v.data(), nd, 4)));
    EXPECT_TRUE(std::isnan(maxsim_cosine(k(), v.data(), nq, v.data(), nd, 4)));
    EXPECT_TRUE(std::isnan(chamfer_l2(k(), v.data(), nq, v.data(), nd, 4)));
    EXPECT_TRUE(std::isnan(min_pair_l2(k(), v.data(), nq, v.data(), nd, 4)));
    EXPECT_TRUE(std::isnan(max_pair_ip(k(), v.data(), nq, v.data(), nd, 4)));
    EXPECT_TRUE(std::isnan(min_pair_cosine(k(), v.data(), nq, v.data(), nd, 4)));
  }
}

// q = {(1,0), (0,1)}, d = {(1,0), (1,1)}, worked by hand.
TEST_P(MultivectorTest, HandWorkedExample) {
  std::vector<float> q = {1, 0, 0, 1}, d = {1, 0, 1, 1};
  const float *qp = q.data(), *dp = d.data();
  EXPECT_DOUBLE_EQ(maxsim_ip(k(), qp, 2, dp, 2, 2), 2.0);  // max(1, 1) + max(0, 1)
  EXPECT_NEAR(maxsim_cosine(k(), qp, 2, dp, 2, 2), 1.0 + 1.0 / std::sqrt(2.0), 1e-7);
  EXPECT_DOUBLE_EQ(chamfer_l2(k(), qp, 2, dp, 2, 2), 1.0);  // min(0, 1) + min(sqrt 2, 1)
  EXPECT_DOUBLE_EQ(min_pair_l2(k(), qp, 2, dp, 2, 2), 0.0);
  EXPECT_DOUBLE_EQ(max_pair_ip(k(), qp, 2, dp, 2, 2), 1.0);
  EXPECT_NEAR(min_pair_cosine(k(), qp, 2, dp, 2, 2), 0.0, 1e-7);
  // Swapping the sides changes the sums (MaxSim is not symmetric), not the pair extremes.
  EXPECT_DOUBLE_EQ(maxsim_ip(k(), dp, 2, qp, 2, 2), 1.0 + 1.0);  // max(1, 0) + max(1, 1)
  EXPECT_DOUBLE_EQ(chamfer_l2(k(), dp, 2, qp, 2, 2), 1.0);       // 0 + 1
}

// A set against itself: every row finds itself, at distance exactly zero and cosine one.
TEST_P(MultivectorTest, SetAgainstItself) {
  std::size_t n = 19, dims = 33;
  auto v = testing::uniform_vector(n * dims, 81);
  EXPECT_EQ(chamfer_l2(k(), v.data(), n, v.data(), n, dims), 0.0);
  EXPECT_EQ(min_pair_l2(k(), v.data(), n, v.data(), n, dims), 0.0);
  EXPECT_NEAR(maxsim_cosine(k(), v.data(), n, v.data(), n, dims), static_cast<double>(n), 1e-4);
  double c = min_pair_cosine(k(), v.data(), n, v.data(), n, dims);
  EXPECT_GE(c, 0.0);  // clamped, even when rounding puts cos just above one
  EXPECT_LT(c, 1e-5);
}

// Cosine ignores length: scaling either side leaves it unchanged.
TEST_P(MultivectorTest, CosineIgnoresScale) {
  std::size_t nq = 4, nd = 9, dims = 20;
  auto q = testing::uniform_vector(nq * dims, 91);
  auto d = testing::uniform_vector(nd * dims, 92);
  auto d3 = d;
  for (float& x : d3) x *= 3.0f;
  EXPECT_NEAR(maxsim_cosine(k(), q.data(), nq, d.data(), nd, dims),
              maxsim_cosine(k(), q.data(), nq, d3.data(), nd, dims), 1e-5);
  EXPECT_NEAR(min_pair_cosine(k(), q.data(), nq, d.data(), nd, dims),
              min_pair_cosine(k(), q.data(), nq, d3.data(), nd, dims), 1e-6);
}

INSTANTIATE_TEST_SUITE_P(AllSets, MultivectorTest, ::testing::ValuesIn(all_sets()),
                         [](const auto& info) { return info.param; });

// The overloads without a kernel table use active_kernels().
TEST(Multivector, DefaultsToActiveKernels) {
  std::size_t nq = 7, nd = 13, dims = 65;
  auto q = testing::uniform_vector(nq * dims, 101);
  auto d = testing::uniform_vector(nd * dims, 102);
  const DistanceKernels& a = active_kernels();
  const float *qp = q.data(), *dp = d.data();
  EXPECT_EQ(maxsim_ip(qp, nq, dp, nd, dims), maxsim_ip(a, qp, nq, dp, nd, dims));
  EXPECT_EQ(maxsim_cosine(qp, nq, dp, nd, dims), maxsim_cosine(a, qp, nq, dp, nd, dims));
  EXPECT_EQ(chamfer_l2(qp, nq, dp, nd, dims), chamfer_l2(a, qp, nq, dp, nd, dims));
  EXPECT_EQ(min_pair_l2(qp, nq, dp, nd, dims), min_pair_l2(a, qp, nq, dp, nd, dims));
  EXPECT_EQ(max_pair_ip(qp, nq, dp, nd, dims), max_pair_ip(a, qp, nq, dp, nd, dims));
  EXPECT_EQ(min_pair_cosine(qp, nq, dp, nd, dims), min_pair_cosine(a, qp, nq, dp, nd, dims));
}

}  // namespace
}  // namespace mvvd
