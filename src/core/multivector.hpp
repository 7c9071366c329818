// Multivectors: a set of vectors of the same dimension, stored row-major as float32 (q: nq x dims,
// d: nd x dims). Late-interaction scores (ColBERT's MaxSim) and set distances between two of them,
// computed with the matrix kernels block by block (scratch stays under 64 KB) and summed in double.
//
// Every function returns NaN when there is no pair to compare (nq == 0 or nd == 0). For the cosine
// functions an all-zero vector has no direction: every pair involving one is skipped, a query row
// whose pairs are all skipped contributes nothing, and NaN is returned when every pair is skipped.
#pragma once
#include "no_postgres.hpp"

#include <cstddef>

#include "kernels.hpp"

namespace mvvd {

// Returns the sum over query rows i of the max over document rows j of <q_i, d_j> (ColBERT's
// late-interaction score; larger is better).
double maxsim_ip(const float* q, std::size_t nq, const float* d, std::size_t nd, std::size_t dims);

// Returns the sum over query rows i of the max over document rows j of cos(q_i, d_j).
double maxsim_cosine(const float* q, std::size_t nq, const float* d, std::size_t nd,
                     std::size_t dims);

// Returns the sum over query rows i of the min over document rows j of ||q_i - d_j|| (the L2
// variant of late interaction; smaller is better).
double chamfer_l2(const float* q, std::size_t nq, const float* d, std::size_t nd, std::size_t dims);

// Returns the min over all pairs (i, j) of ||q_i - d_j||.
double min_pair_l2(const float* q, std::size_t nq, const float* d, std::size_t nd,
                   std::size_t dims);

// Returns the max over all pairs (i, j) of <q_i, d_j>.
double max_pair_ip(const float* q, std::size_t nq, const float* d, std::size_t nd,
                   std::size_t dims);

// Returns the min over all pairs (i, j) of the cosine distance 1 - cos(q_i, d_j), within [0, 2].
double min_pair_cosine(const float* q, std::size_t nq, const float* d, std::size_t nd,
                       std::size_t dims);

// The same six, computed with the given kernel table instead of active_kernels() (tests and
// benchmarks compare instruction sets with these).

// Returns maxsim_ip computed with the matrix kernels of k.
double maxsim_ip(const DistanceKernels& k, const float* q, std::size_t nq, const float* d,
                 std::size_t nd, std::size_t dims);
// Returns maxsim_cosine computed with the matrix kernels of k.
double maxsim_cosine(const DistanceKernels& k, const float* q, std::size_t nq, const float* d,
                     std::size_t nd, std::size_t dims);
// Returns chamfer_l2 computed with the matrix kernels of k.
double chamfer_l2(const DistanceKernels& k, const float* q, std::size_t nq, const float* d,
                  std::size_t nd, std::size_t dims);
// Returns min_pair_l2 computed with the matrix kernels of k.
double min_pair_l2(const DistanceKernels& k, const float* q, std::size_t nq, const float* d,
                   std::size_t nd, std::size_t dims);
// Returns max_pair_ip computed with the matrix kernels of k.
double max_pair_ip(const DistanceKernels& k, const float* q, std::size_t nq, const float* d,
                   std::size_t nd, std::size_t dims);
// Returns min_pair_cosine computed with the matrix kernels of k.
double min_pair_cosine(const DistanceKernels& k, const float* q, std::size_t nq, const float* d,
                       std::size_t nd, std::size_t dims);

}  // namespace mvvd
