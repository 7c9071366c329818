/*
 * The C door to the HNSW core: graph construction in memory (index build), the resumable search
 * of an index scan, neighbour choice for an insert, and the selection heuristic. A graph on pages
 * is read through callbacks the glue implements (one neighbour list or one batch of distances
 * per call); a callback that fails saves its ERROR, returns -1, and the call here returns
 * MVVD_CALLBACK_FAILED so the glue can re-throw it once the core has unwound.
 */
#ifndef MVVD_SHIM_HNSW_H
#define MVVD_SHIM_HNSW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shim/mvvd_metric.h"
#include "shim/mvvd_status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MVVD_NO_ELEMENT 0xFFFFFFFFu
#define MVVD_HNSW_MAX_LEVEL 16

/* Metrics are mvvd_metric values (shim/mvvd_metric.h). */
typedef float (*mvvd_search_distance_fn)(const float* a, const float* b, size_t n);
/* The search distance of a metric: L2 squared, -inner product, cosine distance, L1. */
mvvd_search_distance_fn mvvd_search_distance(int metric) MVVD_NOEXCEPT;
/* The search distance to a vector stored in two pieces: b[0..n1) at b1, the rest at b2. */
float mvvd_search_distance_split(int metric, const float* a, const float* b1, size_t n1,
                                 const float* b2, size_t n) MVVD_NOEXCEPT;
/* The metric a graph searched by `metric` is linked by (see src/core/metric.hpp). */
int mvvd_link_metric(int metric) MVVD_NOEXCEPT;
/* The SQL operator's value for a search distance (sqrt for L2, the same value otherwise). */
double mvvd_operator_distance(int metric, float search_distance) MVVD_NOEXCEPT;
/* The level of a new element, from u uniform in (0, 1]. */
int mvvd_hnsw_random_level(double u, int m) MVVD_NOEXCEPT;

typedef struct mvvd_graph_callbacks {
  void* context;
  /* id's neighbours on level into out (room for capacity): the count, or -1 */
  int (*neighbors)(void* context, uint32_t id, int level, uint32_t* out, int capacity);
  /* distance from the current query to each of ids[0..n) into out: 0, or -1 */
  int (*distances)(void* context, const uint32_t* ids, int n, float* out);
  /* the vectors of ids[0..n) into out (n x dims floats): 0, or -1 */
  int (*vectors)(void* context, const uint32_t* ids, int n, float* out);
} mvvd_graph_callbacks;

/* An index scan's search. mode: 0 off, 1 relaxed order, 2 strict order. */
typedef struct mvvd_hnsw_scan mvvd_hnsw_scan;
mvvd_hnsw_scan* mvvd_hnsw_scan_create(int ef, int mode, size_t max_visits,
                                      mvvd_error* err) MVVD_NOEXCEPT;
mvvd_status mvvd_hnsw_scan_start(mvvd_hnsw_scan* scan, const mvvd_graph_callbacks* graph,
                                 int max_neighbors, uint32_t entry, int entry_level,
                                 mvvd_error* err) MVVD_NOEXCEPT;
/* The next element (nearest first); *found is false when the search is exhausted. */
mvvd_status mvvd_hnsw_scan_next(mvvd_hnsw_scan* scan, const mvvd_graph_callbacks* graph,
                                uint32_t* id, float* distance, bool* found,
                                mvvd_error* err) MVVD_NOEXCEPT;
size_t mvvd_hnsw_scan_visited(const mvvd_hnsw_scan* scan) MVVD_NOEXCEPT;
void mvvd_hnsw_scan_free(mvvd_hnsw_scan* scan) MVVD_NOEXCEPT;

/*
 * The ef_construction elements nearest to the graph's query that a search from the entry point
 * meets on each level (VACUUM repairs lists from them): out holds (level + 1) rows of
 * ef_construction ids, row l receives counts[l] ids nearest first, for l up to
 * min(level, entry_level); higher rows get count 0.
 */
mvvd_status mvvd_hnsw_find_candidates(const mvvd_graph_callbacks* graph, int m, int ef_construction,
                                      uint32_t entry, int entry_level, int level, uint32_t* out,
                                      int* counts, mvvd_error* err) MVVD_NOEXCEPT;

/*
 * The heuristic over n candidates of a base element (vectors: n x dims) on a level of an index
 * searched by metric (and linked by mvvd_link_metric of it): kept[0..*n_kept) receives the indices
 * of at most max_keep the heuristic keeps (*n_chosen of them), nearest first, then up to fill_to
 * in all, the others that rank best: the nearest, or on level 0 where the two metrics differ the
 * ones the search metric ranks best (see select_neighbors and fill_by_rank in
 * core/hnsw_select.hpp). pruning, with n = max_keep + 1 (a full list and a newcomer): all but the
 * one the list drops (see candidate_to_drop), except on level 0 where the metrics differ. kept
 * has room for max(max_keep, fill_to, n).
 */
mvvd_status mvvd_hnsw_select(int metric, size_t dims, const float* base, const float* vectors,
                             int n, int max_keep, int fill_to, int level, int pruning, int* kept,
                             int* n_kept, int* n_chosen, mvvd_error* err) MVVD_NOEXCEPT;

/* A graph built in memory: elements are added, then linked by several threads. */
typedef struct mvvd_hnsw_builder mvvd_hnsw_builder;
/* poll runs on the calling thread while linking; returning false cancels. */
typedef bool (*mvvd_poll_fn)(void* context, size_t linked);
mvvd_hnsw_builder* mvvd_hnsw_builder_create(int metric, size_t dims, int m, int ef_construction,
                                            mvvd_error* err) MVVD_NOEXCEPT;
/* Makes room for n elements up front (so growth does not overshoot the memory budget). */
mvvd_status mvvd_hnsw_builder_reserve(mvvd_hnsw_builder* b, size_t n,
                                      mvvd_error* err) MVVD_NOEXCEPT;
mvvd_status mvvd_hnsw_builder_add(mvvd_hnsw_builder* b, const float* vector, int level,
                                  uint64_t payload, mvvd_error* err) MVVD_NOEXCEPT;
size_t mvvd_hnsw_builder_size(const mvvd_hnsw_builder* b) MVVD_NOEXCEPT;
size_t mvvd_hnsw_builder_memory(const mvvd_hnsw_builder* b) MVVD_NOEXCEPT;
size_t mvvd_hnsw_builder_bytes_per_element(const mvvd_hnsw_builder* b) MVVD_NOEXCEPT;
/* MVVD_CANCELLED when poll asked to stop. */
mvvd_status mvvd_hnsw_builder_link(mvvd_hnsw_builder* b, int threads, mvvd_poll_fn poll,
                                   void* context, mvvd_error* err) MVVD_NOEXCEPT;
uint32_t mvvd_hnsw_builder_entry(const mvvd_hnsw_builder* b, int* level) MVVD_NOEXCEPT;
int mvvd_hnsw_builder_level(const mvvd_hnsw_builder* b, uint32_t id) MVVD_NOEXCEPT;
uint64_t mvvd_hnsw_builder_payload(const mvvd_hnsw_builder* b, uint32_t id) MVVD_NOEXCEPT;
const float* mvvd_hnsw_builder_vector(const mvvd_hnsw_builder* b, uint32_t id) MVVD_NOEXCEPT;
const uint32_t* mvvd_hnsw_builder_neighbors(const mvvd_hnsw_builder* b, uint32_t id, int level,
                                            size_t* count) MVVD_NOEXCEPT;
void mvvd_hnsw_builder_free(mvvd_hnsw_builder* b) MVVD_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* MVVD_SHIM_HNSW_H */
