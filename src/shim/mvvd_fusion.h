/*
 * The C door to the core's score fusion (see src/core/fusion.hpp for the formulas). Pure
 * arithmetic on caller-provided arrays: nothing allocates, nothing fails.
 */
#ifndef MVVD_SHIM_FUSION_H
#define MVVD_SHIM_FUSION_H

#include <stddef.h>
#include <stdint.h>

#include "shim/mvvd_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Scales: 0 L2, 1 inner product, 2 cosine, 3 L1, 4 MaxSim ip, 5 MaxSim cosine, 6 Chamfer L2.
 * Methods: 0 weighted, 1 raw, 2 rrf, 3 min, 4 max. */
typedef struct mvvd_fusion_field {
  int scale;
  double weight;
  double query_count;
} mvvd_fusion_field;

/* The fused score (bigger is better) of distances[0..n), one per field. */
double mvvd_fuse(int method, const mvvd_fusion_field* fields, int n,
                 const double* distances) MVVD_NOEXCEPT;
/* The smallest distance a field of this scale can have (0, or -infinity for inner products). */
double mvvd_fusion_min_distance(int scale) MVVD_NOEXCEPT;
/* The weighted or raw fusion of cosine fields from a combined index's distance d, whose fields'
 * weights sum to total_weight (see src/core/fusion.hpp). */
double mvvd_fusion_combined_score(int method, double total_weight, double d) MVVD_NOEXCEPT;
/* The per-field score reported for a distance: the similarity, or the distance for raw. */
double mvvd_field_score(int method, const mvvd_fusion_field* field, double distance) MVVD_NOEXCEPT;
/* Reciprocal rank fusion: ranks[i] is the 1-based rank in field i's list, 0 when absent. */
double mvvd_rrf(const mvvd_fusion_field* fields, int n, const int64_t* ranks,
                double c) MVVD_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* MVVD_SHIM_FUSION_H */
