// Late-interaction scores and set distances between multivectors: the matrix kernels fill one
// block of pair values at a time, and each query row keeps its best value over the blocks.
#include "multivector.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace mvvd {
namespace {

using MatrixKernel = void (*)(const float*, std::size_t, const float*, std::size_t, std::size_t,
                              float*);

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// One block of the pair matrix holds at most this many floats (64 KB), whatever nq and nd are.
constexpr std::size_t kScratchFloats = 64 * 1024 / sizeof(float);
// Query rows per block: a few hundred, so a block still spans many document rows.
constexpr std::size_t kMaxQueryRows = 256;

// Returns v if it beats best (greater for kMax, smaller otherwise), else best; a NaN v never wins.
template <bool kMax, class T>
inline T better(T best, T v) {
  if constexpr (kMax)
    return v > best ? v : best;
  else
    return v < best ? v : best;
}

// Calls row(i, best_i) once for every query row i, where best_i is the max (kMax) or min over the
// document rows j of value(j, m_ij), m being the matrix the kernel computes. A NaN value never
// wins, so a row whose values are all NaN gets -inf (kMax) or +inf. The matrix is computed in
// blocks of at most kScratchFloats pairs.
template <bool kMax, class Value, class Row>
void row_extremes(MatrixKernel kernel, const float* q, std::size_t nq, const float* d,
                  std::size_t nd, std::size_t dims, Value value, Row row) {
  using T = decltype(value(std::size_t{0}, 0.0f));
  if (nq == 0 || nd == 0) return;
  const T worst = kMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
  const std::size_t qb = std::min(nq, kMaxQueryRows);
  const std::size_t db = std::min(nd, std::max<std::size_t>(1, kScratchFloats / qb));
  std::vector<float> scratch(qb * db);
  std::vector<T> best(qb);
  for (std::size_t i0 = 0; i0 < nq; i0 += qb) {
    const std::size_t ni = std::min(qb, nq - i0);
    std::fill(best.begin(), best.end(), worst);
    for (std::size_t j0 = 0; j0 < nd; j0 += db) {
      const std::size_t nj = std::min(db, nd - j0);
      kernel(q + i0 * dims, ni, d + j0 * dims, nj, dims, scratch.data());
      for (std::size_t i = 0; i < ni; ++i) {
        const float* m = scratch.data() + i * nj;
        // Four running extremes keep the compare chains independent.
        T b0 = best[i], b1 = b0, b2 = b0, b3 = b0;
        std::size_t j = 0;
        for (; j + 4 <= nj; j += 4) {
          b0 = better<kMax>(b0, value(j0 + j, m[j]));
          b1 = better<kMax>(b1, value(j0 + j + 1, m[j + 1]));
          b2 = better<kMax>(b2, value(j0 + j + 2, m[j + 2]));
          b3 = better<kMax>(b3, value(j0 + j + 3, m[j + 3]));
        }
        for (; j < nj; ++j) b0 = better<kMax>(b0, value(j0 + j, m[j]));
        best[i] = better<kMax>(better<kMax>(b0, b1), better<kMax>(b2, b3));
      }
    }
    for (std::size_t i = 0; i < ni; ++i) row(i0 + i, static_cast<double>(best[i]));
  }
}

// Returns the Euclidean norm of every row, computed in double.
std::vector<double> row_norms(const float* v, std::size_t n, std::size_t dims) {
  std::vector<double> norms(n);
  for (std::size_t i = 0; i < n; ++i) {
    double s = 0.0;
    for (std::size_t t = 0; t < dims; ++t) {
      double x = v[i * dims + t];
      s += x * x;
    }
    norms[i] = std::sqrt(s);
  }
  return norms;
}

// Calls row(i, cos_i) for every query row i that is not all zero and has at least one document row
// that is not all zero, where cos_i is the max over those rows j of cos(q_i, d_j), within [-1, 1].
template <class Row>
void row_max_cosines(const DistanceKernels& k, const float* q, std::size_t nq, const float* d,
                     std::size_t nd, std::size_t dims, Row row) {
  const std::vector<double> qn = row_norms(q, nq, dims);
  std::vector<double> inv_dn = row_norms(d, nd, dims);
  // max_j cos_ij = (max_j <q_i, d_j> / |d_j|) / |q_i|; NaN marks a zero row, which never wins.
  for (double& n : inv_dn) n = n > 0.0 ? 1.0 / n : kNaN;
  row_extremes<true>(
      k.dot_matrix, q, nq, d, nd, dims,
      [&inv_dn](std::size_t j, float v) { return static_cast<double>(v) * inv_dn[j]; },
      [&](std::size_t i, double best) {
        if (qn[i] > 0.0 && best != -kInf) row(i, std::clamp(best / qn[i], -1.0, 1.0));
      });
}

// The identity on the kernel's value, for rows whose best value is the matrix entry itself.
const auto kEntry = [](std::size_t, float v) { return v; };

}  // namespace

double maxsim_ip(const DistanceKernels& k, const float* q, std::size_t nq, const float* d,
                 std::size_t nd, std::size_t dims) {
  if (nq == 0 || nd == 0) return kNaN;
  double sum = 0.0;
  row_extremes<true>(k.dot_matrix, q, nq, d, nd, dims, kEntry,
                     [&sum](std::size_t, double best) { sum += best; });
  return sum;
}

double maxsim_cosine(const DistanceKernels& k, const float* q, std::size_t nq, const float* d,
                     std::size_t nd, std::size_t dims) {
  double sum = 0.0;
  bool any = false;
  row_max_cosines(k, q, nq, d, nd, dims, [&](std::size_t, double cos) {
    sum += cos;
    any = true;
  });
  return any ? sum : kNaN;
}

double chamfer_l2(const DistanceKernels& k, const float* q, std::size_t nq, const float* d,
                  std::size_t nd, std::size_t dims) {
  if (nq == 0 || nd == 0) return kNaN;
  double sum = 0.0;
  row_extremes<false>(k.l2sq_matrix, q, nq, d, nd, dims, kEntry,
                      [&sum](std::size_t, double best) { sum += std::sqrt(best); });
  return sum;
}

double min_pair_l2(const DistanceKernels& k, const float* q, std::size_t nq, const float* d,
                   std::size_t nd, std::size_t dims) {
  if (nq == 0 || nd == 0) return kNaN;
  double least = kInf;
  row_extremes<false>(k.l2sq_matrix, q, nq, d, nd, dims, kEntry,
                      [&least](std::size_t, double best) { least = std::min(least, best); });
  return std::sqrt(least);
}

double max_pair_ip(const DistanceKernels& k, const float* q, std::size_t nq, const float* d,
                   std::size_t nd, std::size_t dims) {
  if (nq == 0 || nd == 0) return kNaN;
  double most = -kInf;
  row_extremes<true>(k.dot_matrix, q, nq, d, nd, dims, kEntry,
                     [&most](std::size_t, double best) { most = std::max(most, best); });
  return most;
}

double min_pair_cosine(const DistanceKernels& k, const float* q, std::size_t nq, const float* d,
                       std::size_t nd, std::size_t dims) {
  double most = -kInf;
  row_max_cosines(k, q, nq, d, nd, dims,
                  [&most](std::size_t, double cos) { most = std::max(most, cos); });
  return most == -kInf ? kNaN : std::clamp(1.0 - most, 0.0, 2.0);
}

double maxsim_ip(const float* q, std::size_t nq, const float* d, std::size_t nd, std::size_t dims) {
  return maxsim_ip(active_kernels(), q, nq, d, nd, dims);
}

double maxsim_cosine(const float* q, std::size_t nq, const float* d, std::size_t nd,
                     std::size_t dims) {
  return maxsim_cosine(active_kernels(), q, nq, d, nd, dims);
}

double chamfer_l2(const float* q, std::size_t nq, const float* d, std::size_t nd,
                  std::size_t dims) {
  return chamfer_l2(active_kernels(), q, nq, d, nd, dims);
}

double min_pair_l2(const float* q, std::size_t nq, const float* d, std::size_t nd,
                   std::size_t dims) {
  return min_pair_l2(active_kernels(), q, nq, d, nd, dims);
}

double max_pair_ip(const float* q, std::size_t nq, const float* d, std::size_t nd,
                   std::size_t dims) {
  return max_pair_ip(active_kernels(), q, nq, d, nd, dims);
}

double min_pair_cosine(const float* q, std::size_t nq, const float* d, std::size_t nd,
                       std::size_t dims) {
  return min_pair_cosine(active_kernels(), q, nq, d, nd, dims);
}

}  // namespace mvvd
