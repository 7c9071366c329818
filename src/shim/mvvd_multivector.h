/*
 * The C door to the core's multivector distances: late interaction (MaxSim) and set distances
 * between a document d (nd vectors) and a query q (nq vectors), as the SQL operators define
 * them. They fail only when memory for their scratch space runs out.
 */
#ifndef MVVD_SHIM_MULTIVECTOR_H
#define MVVD_SHIM_MULTIVECTOR_H

#include <stddef.h>

#include "shim/mvvd_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mvvd_multivector_distance {
  MVVD_MAXSIM_IP = 0,   /* -sum_i max_j <q_i, d_j>           (d @# q) */
  MVVD_MAXSIM_COSINE,   /* -sum_i max_j cos(q_i, d_j)        (d @= q) */
  MVVD_CHAMFER_L2,      /*  sum_i min_j |q_i - d_j|          (d @-> q) */
  MVVD_MIN_PAIR_L2,     /*  min over pairs of |q_i - d_j|    (d <-> q) */
  MVVD_MIN_PAIR_COSINE, /*  min over pairs of 1 - cos        (d <=> q) */
  MVVD_MAX_PAIR_IP      /* -max over pairs of <q_i, d_j>     (d <#> q) */
} mvvd_multivector_distance;

/* *out = the distance of the given kind; NaN where cosine has no valid pair (zero vectors). */
mvvd_status mvvd_multivector_distance_of(int kind, const float* d, size_t nd, const float* q,
                                         size_t nq, size_t dims, double* out,
                                         mvvd_error* err) MVVD_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* MVVD_SHIM_MULTIVECTOR_H */
