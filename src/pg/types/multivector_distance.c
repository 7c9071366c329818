/*
 * Distances between multivectors, and between a multivector and a vector: late interaction
 * (MaxSim over inner product or cosine, Chamfer over L2) and set distances (the closest pair).
 * The left argument is the document; for late interaction the right one is the query, whose
 * every vector is matched to its best document vector.
 */
#include "postgres.h"

#include "pg/types/multivector.h"
#include "pg/guard.h"
#include "pg/types/vector.h"
#include "shim/mvvd_multivector.h"

PG_FUNCTION_INFO_V1(mvvd_maxsim);
PG_FUNCTION_INFO_V1(mvvd_maxsim_cosine);
PG_FUNCTION_INFO_V1(mvvd_chamfer_l2);
PG_FUNCTION_INFO_V1(mvvd_multivector_maxsim_distance);
PG_FUNCTION_INFO_V1(mvvd_multivector_maxsim_cosine_distance);
PG_FUNCTION_INFO_V1(mvvd_multivector_l2_distance);
PG_FUNCTION_INFO_V1(mvvd_multivector_cosine_distance);
PG_FUNCTION_INFO_V1(mvvd_multivector_negative_inner_product);
PG_FUNCTION_INFO_V1(mvvd_multivector_vector_l2_distance);
PG_FUNCTION_INFO_V1(mvvd_multivector_vector_cosine_distance);
PG_FUNCTION_INFO_V1(mvvd_multivector_vector_negative_inner_product);
PG_FUNCTION_INFO_V1(mvvd_vector_multivector_l2_distance);
PG_FUNCTION_INFO_V1(mvvd_vector_multivector_cosine_distance);
PG_FUNCTION_INFO_V1(mvvd_vector_multivector_negative_inner_product);

/* An argument as a set of vectors: a multivector, or a vector as a set of one. */
typedef struct VectorSet
{
	const float *x;
	int count;
	int dim;
} VectorSet;

static VectorSet
set_arg(FunctionCallInfo fcinfo, int n, bool is_vector)
{
	VectorSet s;

	if (is_vector)
	{
		Vector *v = PG_GETARG_VECTOR_P(n);

		s.x = v->x;
		s.count = 1;
		s.dim = v->dim;
	}
	else
	{
		MultiVector *mv = PG_GETARG_MULTIVECTOR_P(n);

		s.x = mv->x;
		s.count = mv->count;
		s.dim = mv->dim;
	}
	return s;
}

/* The distance of a kind between the document (arg 0) and the query (arg 1). */
double
MvvdMultiVectorDistance(int kind, const float *doc, int ndoc,
						const float *query, int nquery, int dim)
{
	double result;
	mvvd_error err;

	MvvdReportStatus(mvvd_multivector_distance_of(kind, doc, ndoc, query,
												  nquery, dim, &result, &err),
					 &err, "computing a multivector distance");
	return result;
}

static double
distance_call(FunctionCallInfo fcinfo, int kind, bool left_vector,
			  bool right_vector)
{
	VectorSet doc = set_arg(fcinfo, 0, left_vector);
	VectorSet query = set_arg(fcinfo, 1, right_vector);

	if (doc.dim != query.dim)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("different vector dimensions %d and %d",
							   doc.dim, query.dim)));
	return MvvdMultiVectorDistance(kind, doc.x, doc.count, query.x,
								   query.count, doc.dim);
}

/* maxsim(doc, query): the ColBERT score, sum over query vectors of the best inner product. */
Datum
mvvd_maxsim(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(-distance_call(fcinfo, MVVD_MAXSIM_IP, false, false));
}

/* maxsim_cosine(doc, query): sum over query vectors of the best cosine similarity. */
Datum
mvvd_maxsim_cosine(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(-distance_call(fcinfo, MVVD_MAXSIM_COSINE, false, false));
}

/* chamfer_l2(doc, query), operator @->: sum over query vectors of the nearest L2 distance. */
Datum
mvvd_chamfer_l2(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(distance_call(fcinfo, MVVD_CHAMFER_L2, false, false));
}

/* doc @# query = -maxsim(doc, query): smaller is closer. */
Datum
mvvd_multivector_maxsim_distance(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(distance_call(fcinfo, MVVD_MAXSIM_IP, false, false));
}

/* doc @= query = -maxsim_cosine(doc, query). */
Datum
mvvd_multivector_maxsim_cosine_distance(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(distance_call(fcinfo, MVVD_MAXSIM_COSINE, false, false));
}

/* The set distances (the closest pair) for each combination of argument types. */
#define SET_DISTANCE(name, kind, left_vector, right_vector)                   \
	Datum name(PG_FUNCTION_ARGS)                                              \
	{                                                                         \
		PG_RETURN_FLOAT8(                                                     \
			distance_call(fcinfo, kind, left_vector, right_vector));          \
	}

SET_DISTANCE(mvvd_multivector_l2_distance, MVVD_MIN_PAIR_L2, false, false)
SET_DISTANCE(mvvd_multivector_cosine_distance, MVVD_MIN_PAIR_COSINE, false,
			 false)
SET_DISTANCE(mvvd_multivector_negative_inner_product, MVVD_MAX_PAIR_IP, false,
			 false)
SET_DISTANCE(mvvd_multivector_vector_l2_distance, MVVD_MIN_PAIR_L2, false,
			 true)
SET_DISTANCE(mvvd_multivector_vector_cosine_distance, MVVD_MIN_PAIR_COSINE,
			 false, true)
SET_DISTANCE(mvvd_multivector_vector_negative_inner_product, MVVD_MAX_PAIR_IP,
			 false, true)
SET_DISTANCE(mvvd_vector_multivector_l2_distance, MVVD_MIN_PAIR_L2, true,
			 false)
SET_DISTANCE(mvvd_vector_multivector_cosine_distance, MVVD_MIN_PAIR_COSINE,
			 true, false)
SET_DISTANCE(mvvd_vector_multivector_negative_inner_product, MVVD_MAX_PAIR_IP,
			 true, false)
