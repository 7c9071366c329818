/*
 * The C door to the core's score fusion (see src/core/fusion.hpp for the formulas), and to the
 * threshold algorithm over sorted streams (src/core/threshold.hpp). The fusion is pure
 * arithmetic on caller-provided arrays; only creating a threshold search allocates.
 */
#ifndef MVVD_SHIM_FUSION_H
#define MVVD_SHIM_FUSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shim/mvvd_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How a field's distance maps to a similarity (the core's fusion::Scale). */
typedef enum mvvd_fusion_scale {
  MVVD_SCALE_L2 = 0,
  MVVD_SCALE_INNER_PRODUCT,
  MVVD_SCALE_COSINE,
  MVVD_SCALE_L1,
  MVVD_SCALE_MAXSIM_IP,
  MVVD_SCALE_MAXSIM_COSINE,
  MVVD_SCALE_CHAMFER_L2
} mvvd_fusion_scale;

/* How fields' scores combine (the core's fusion::Method). */
typedef enum mvvd_fusion_method {
  MVVD_FUSION_WEIGHTED = 0,
  MVVD_FUSION_RAW,
  MVVD_FUSION_RRF,
  MVVD_FUSION_MIN,
  MVVD_FUSION_MAX
} mvvd_fusion_method;

typedef struct mvvd_fusion_field {
  int scale;
  double weight;
  double query_count;
} mvvd_fusion_field;

/* The fused score (bigger is better) of distances[0..n), one per field. */
double mvvd_fuse(int method, const mvvd_fusion_field* fields, int n,
                 const double* distances) MVVD_NOEXCEPT;
/* The per-field score reported for a distance: the similarity, or the distance for raw. */
double mvvd_field_score(int method, const mvvd_fusion_field* field, double distance) MVVD_NOEXCEPT;
/* Reciprocal rank fusion: ranks[i] is the 1-based rank in field i's list, 0 when absent. */
double mvvd_rrf(const mvvd_fusion_field* fields, int n, const int64_t* ranks,
                double c) MVVD_NOEXCEPT;

/*
 * The threshold algorithm's state over nstreams sorted streams: stream_fields[s] is the field
 * stream s orders by, or -1 for one combined stream (see src/core/threshold.hpp). Fails only
 * when memory runs out. Free it with mvvd_threshold_free.
 */
typedef struct mvvd_threshold mvvd_threshold;
mvvd_status mvvd_threshold_create(int method, const mvvd_fusion_field* fields, int nfields,
                                  const int* stream_fields, int nstreams, double total_weight,
                                  mvvd_threshold** out, mvvd_error* err) MVVD_NOEXCEPT;
void mvvd_threshold_free(mvvd_threshold* t) MVVD_NOEXCEPT;
/* A float32 distance lowered by its rounding error: a lower bound of the exact distance. */
double mvvd_threshold_below(double distance) MVVD_NOEXCEPT;
/* A batch of stream s: begin, observe each row's distance (NaN for none), end. */
void mvvd_threshold_begin_batch(mvvd_threshold* t, int s) MVVD_NOEXCEPT;
void mvvd_threshold_observe(mvvd_threshold* t, int s, double distance) MVVD_NOEXCEPT;
void mvvd_threshold_end_batch(mvvd_threshold* t, int s) MVVD_NOEXCEPT;
void mvvd_threshold_exhaust(mvvd_threshold* t, int s) MVVD_NOEXCEPT;
bool mvvd_threshold_exhausted(const mvvd_threshold* t, int s) MVVD_NOEXCEPT;
int64_t mvvd_threshold_rows_read(const mvvd_threshold* t, int s) MVVD_NOEXCEPT;
/* Per field, the last distance its stream returned: a lower bound for rows not seen yet. */
const double* mvvd_threshold_frontiers(const mvvd_threshold* t) MVVD_NOEXCEPT;
/* The best fused score a row no stream has returned yet could have. */
double mvvd_threshold_bound(const mvvd_threshold* t) MVVD_NOEXCEPT;
/* Whether a row of fused score at most score could enter a top k whose worst is kth. */
bool mvvd_threshold_could_enter(const mvvd_threshold* t, bool top_full, double kth,
                                double score) MVVD_NOEXCEPT;
/* Whether a full top k whose worst score is kth is final. */
bool mvvd_threshold_proven(const mvvd_threshold* t, bool top_full, double kth) MVVD_NOEXCEPT;
/* The stream to read next, or -1 when all are exhausted. */
int mvvd_threshold_next_stream(const mvvd_threshold* t) MVVD_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* MVVD_SHIM_FUSION_H */
