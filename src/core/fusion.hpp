// Fusing several fields' distances into one score (bigger is better), and the threshold
// algorithm's bound: the best score a row not seen yet in any stream could still reach.
#pragma once
#include "no_postgres.hpp"

#include <cstddef>
#include <cstdint>

namespace mvvd::fusion {

// How a field's distance maps to a similarity in [0, 1] (monotone: larger distance, lower).
enum class Scale {
  kL2 = 0,        // 1 / (1 + d)
  kInnerProduct,  // d = -<q, x>: 1 / (1 + exp(d)), the logistic function of the inner product
  kCosine,        // 1 - d / 2
  kL1,            // 1 / (1 + d)
  kMaxSimIp,      // d = -sum_i max_j <q_i, x_j> over n query vectors: 1 / (1 + exp(d / n))
  kMaxSimCosine,  // d = -sum_i max_j cos: (1 - d / n) / 2
  kChamferL2,     // d = sum_i min_j |q_i - x_j|: 1 / (1 + d / n)
};

enum class Method {
  kWeighted = 0,  // sum_i w_i * similarity_i
  kRaw,           // -(sum_i w_i * distance_i): smaller distances are better
  kRrf,           // sum_i w_i / (c + rank_i), over each field's top-N list (rank from 1)
  kMin,           // min_i w_i * similarity_i over fields of weight > 0
  kMax,           // max_i w_i * similarity_i over fields of weight > 0
};

struct Field {
  Scale scale;
  double weight;
  double query_count;  // vectors in the query (multivector fields); 1 otherwise
};

// The similarity of a distance on a field; NaN stays NaN.
double similarity(const Field& f, double distance);

// The smallest distance a field's metric can give: a bound on the rows of a stream not read yet.
double min_distance(Scale scale);

// The fused score of one row from its distances on every field (kWeighted, kRaw, kMin, kMax);
// NaN when a counted field's distance is NaN (such rows sort last); fields of weight 0 never
// count. Non-increasing in every distance, so with the last distances each stream returned it
// bounds every row not seen yet (Fagin's threshold algorithm).
double fuse(Method method, const Field* fields, std::size_t n, const double* distances);

// A combined index orders rows by d = -sum_i <x_i / |x_i|, w_i q_i / |q_i|> over cosine fields
// (each row's unit vectors end to end, against the query's scaled by the fields' weights). The
// weighted and raw fusions of those fields are a decreasing line of d: weighted
// sum_i w_i (1 + cos_i) / 2 = (W - d) / 2 and raw -sum_i w_i (1 - cos_i) = -W - d, with W the sum
// of the weights. NaN for the other methods, which it cannot serve.
double combined_score(Method method, double total_weight, double d);

// The value reported per field: the similarity, or the distance itself for kRaw.
double field_score(Method method, const Field& f, double distance);

// Reciprocal rank fusion of one row: ranks[i] is its 1-based rank in field i's list, 0 if it
// is not in the list.
double rrf(const Field* fields, std::size_t n, const std::int64_t* ranks, double c);

}  // namespace mvvd::fusion
