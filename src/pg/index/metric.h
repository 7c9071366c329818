/*
 * The one table of how MVVD measures: for each metric, column kind (vector or multivector) and
 * query kind, the SQL function of the ORDER BY operator, the operator class strategy that
 * serves it, the multivector distance an index re-scores rows with, and the similarity scale
 * fusion maps it to. Index access methods, mvvd_search and the planner path all read it, so a
 * new metric or index kind is added here once.
 */
#ifndef MVVD_INDEX_METRIC_H
#define MVVD_INDEX_METRIC_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/relcache.h"

#include "shim/mvvd_fusion.h"
#include "shim/mvvd_metric.h"

/* ORDER BY strategies of MVVD's operator classes */
#define MVVD_STRATEGY_DISTANCE                                                \
	1 /* vector <op> vector; multivector late interaction */
#define MVVD_STRATEGY_CLOSEST_PAIR                                            \
	2 /* multivector <op> multivector, closest pair */
#define MVVD_STRATEGY_CLOSEST_MEMBER                                          \
	3 /* multivector <op> vector, closest member */

typedef struct MvvdMeasure
{
	mvvd_metric metric;
	bool column_multivector;
	bool query_multivector;
	int strategy;		 /* MVVD_STRATEGY_* */
	PGFunction distance; /* the ORDER BY operator's function */
	bool support; /* distance is the operator class's support function 1 */
	int multivector_kind; /* mvvd_multivector_distance; -1 on a vector column */
	mvvd_fusion_scale scale;
} MvvdMeasure;

/* What an ORDER BY strategy of an index of this metric computes; NULL if it has none. */
const MvvdMeasure *MvvdMeasureOfStrategy(mvvd_metric metric,
										 bool column_multivector,
										 int strategy);
/*
 * How mvvd_search measures a column with a query: a multivector query by late interaction, a
 * vector query on a multivector column by its closest member. NULL if the metric has no such
 * distance (L1 on multivectors).
 */
const MvvdMeasure *MvvdMeasureOfQuery(mvvd_metric metric,
									  bool column_multivector,
									  bool query_multivector);

/* The metric of an MVVD index, from its operator class's support function 1 (ERROR if none). */
mvvd_metric MvvdIndexMetric(Relation index, bool *column_multivector);

/* A metric by its name (l2, ip or inner_product, cosine, l1, in any case); -1 if none. */
int MvvdMetricByName(const char *name);

/* Whether a vector can be indexed for the metric: cosine has no direction for a zero vector. */
bool MvvdIndexable(mvvd_metric metric, const float *vector, int dims);

#endif /* MVVD_INDEX_METRIC_H */
