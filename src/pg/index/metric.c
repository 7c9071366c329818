/*
 * The table of how MVVD measures (see metric.h).
 */
#include "postgres.h"

#include "access/genam.h"
#include "utils/rel.h"

#include "pg/index/metric.h"
#include "pg/types/multivector.h"
#include "pg/types/vector.h"
#include "shim/mvvd_multivector.h"

static const MvvdMeasure measures[] = {
	/* vector columns */
	{MVVD_METRIC_L2, false, false, MVVD_STRATEGY_DISTANCE, mvvd_l2_distance,
	 true, -1, MVVD_SCALE_L2},
	{MVVD_METRIC_INNER_PRODUCT, false, false, MVVD_STRATEGY_DISTANCE,
	 mvvd_vector_negative_inner_product, true, -1, MVVD_SCALE_INNER_PRODUCT},
	{MVVD_METRIC_COSINE, false, false, MVVD_STRATEGY_DISTANCE,
	 mvvd_cosine_distance, true, -1, MVVD_SCALE_COSINE},
	{MVVD_METRIC_L1, false, false, MVVD_STRATEGY_DISTANCE, mvvd_l1_distance,
	 true, -1, MVVD_SCALE_L1},
	/* multivector columns and queries: late interaction */
	{MVVD_METRIC_L2, true, true, MVVD_STRATEGY_DISTANCE, mvvd_chamfer_l2,
	 false, MVVD_CHAMFER_L2, MVVD_SCALE_CHAMFER_L2},
	{MVVD_METRIC_INNER_PRODUCT, true, true, MVVD_STRATEGY_DISTANCE,
	 mvvd_multivector_maxsim_distance, false, MVVD_MAXSIM_IP,
	 MVVD_SCALE_MAXSIM_IP},
	{MVVD_METRIC_COSINE, true, true, MVVD_STRATEGY_DISTANCE,
	 mvvd_multivector_maxsim_cosine_distance, false, MVVD_MAXSIM_COSINE,
	 MVVD_SCALE_MAXSIM_COSINE},
	/* multivector columns and queries: the closest pair of members */
	{MVVD_METRIC_L2, true, true, MVVD_STRATEGY_CLOSEST_PAIR,
	 mvvd_multivector_l2_distance, true, MVVD_MIN_PAIR_L2, MVVD_SCALE_L2},
	{MVVD_METRIC_INNER_PRODUCT, true, true, MVVD_STRATEGY_CLOSEST_PAIR,
	 mvvd_multivector_negative_inner_product, true, MVVD_MAX_PAIR_IP,
	 MVVD_SCALE_INNER_PRODUCT},
	{MVVD_METRIC_COSINE, true, true, MVVD_STRATEGY_CLOSEST_PAIR,
	 mvvd_multivector_cosine_distance, true, MVVD_MIN_PAIR_COSINE,
	 MVVD_SCALE_COSINE},
	/* multivector columns, vector queries: the closest member */
	{MVVD_METRIC_L2, true, false, MVVD_STRATEGY_CLOSEST_MEMBER,
	 mvvd_multivector_vector_l2_distance, false, MVVD_MIN_PAIR_L2,
	 MVVD_SCALE_L2},
	{MVVD_METRIC_INNER_PRODUCT, true, false, MVVD_STRATEGY_CLOSEST_MEMBER,
	 mvvd_multivector_vector_negative_inner_product, false, MVVD_MAX_PAIR_IP,
	 MVVD_SCALE_INNER_PRODUCT},
	{MVVD_METRIC_COSINE, true, false, MVVD_STRATEGY_CLOSEST_MEMBER,
	 mvvd_multivector_vector_cosine_distance, false, MVVD_MIN_PAIR_COSINE,
	 MVVD_SCALE_COSINE},
};

const MvvdMeasure *
MvvdMeasureOfStrategy(mvvd_metric metric, bool column_multivector,
					  int strategy)
{
	for (int i = 0; i < lengthof(measures); i++)
		if (measures[i].metric == metric &&
			measures[i].column_multivector == column_multivector &&
			measures[i].strategy == strategy)
			return &measures[i];
	return NULL;
}

const MvvdMeasure *
MvvdMeasureOfQuery(mvvd_metric metric, bool column_multivector,
				   bool query_multivector)
{
	int strategy = column_multivector && !query_multivector
					   ? MVVD_STRATEGY_CLOSEST_MEMBER
					   : MVVD_STRATEGY_DISTANCE;

	return MvvdMeasureOfStrategy(metric, column_multivector, strategy);
}

mvvd_metric
MvvdIndexMetric(Relation index, bool *column_multivector)
{
	FmgrInfo *proc = index_getprocinfo(index, 1, 1);

	for (int i = 0; i < lengthof(measures); i++)
	{
		if (measures[i].support && proc->fn_addr == measures[i].distance)
		{
			*column_multivector = measures[i].column_multivector;
			return measures[i].metric;
		}
	}
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					errmsg("operator class of index \"%s\" has no distance "
						   "mvvd knows",
						   RelationGetRelationName(index))));
	return MVVD_METRIC_L2;
}

int
MvvdMetricByName(const char *name)
{
	static const struct
	{
		const char *name;
		mvvd_metric metric;
	} names[] = {
		{"l2", MVVD_METRIC_L2},
		{"ip", MVVD_METRIC_INNER_PRODUCT},
		{"inner_product", MVVD_METRIC_INNER_PRODUCT},
		{"cosine", MVVD_METRIC_COSINE},
		{"l1", MVVD_METRIC_L1},
	};

	for (int i = 0; i < lengthof(names); i++)
		if (pg_strcasecmp(name, names[i].name) == 0)
			return names[i].metric;
	return -1;
}

bool
MvvdIndexable(mvvd_metric metric, const float *vector, int dims)
{
	if (metric != MVVD_METRIC_COSINE)
		return true;
	for (int i = 0; i < dims; i++)
		if (vector[i] != 0.0f)
			return true;
	return false;
}
