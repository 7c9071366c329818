/*
 * The metrics of vector distances, numbered as the core's mvvd::Metric and as an index stores
 * them in its metapage (so the numbers never change).
 */
#ifndef MVVD_SHIM_METRIC_H
#define MVVD_SHIM_METRIC_H

typedef enum mvvd_metric {
  MVVD_METRIC_L2 = 0,
  MVVD_METRIC_INNER_PRODUCT = 1,
  MVVD_METRIC_COSINE = 2,
  MVVD_METRIC_L1 = 3
} mvvd_metric;

#endif /* MVVD_SHIM_METRIC_H */
