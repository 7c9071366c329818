/*
 * Total order on vectors for the btree operator class (ORDER BY, DISTINCT,
 * UNIQUE): element by element, then the shorter vector first.
 */
#include "postgres.h"

#include "pg/types/vector.h"

PG_FUNCTION_INFO_V1(mvvd_vector_cmp);
PG_FUNCTION_INFO_V1(mvvd_vector_lt);
PG_FUNCTION_INFO_V1(mvvd_vector_le);
PG_FUNCTION_INFO_V1(mvvd_vector_eq);
PG_FUNCTION_INFO_V1(mvvd_vector_ne);
PG_FUNCTION_INFO_V1(mvvd_vector_ge);
PG_FUNCTION_INFO_V1(mvvd_vector_gt);

/*
 * -1, 0 or 1. Vectors hold no NaN, so float comparison is a total order here.
 */
static int
compare_vectors(const Vector *a, const Vector *b)
{
	int common = Min(a->dim, b->dim);

	for (int i = 0; i < common; i++)
	{
		if (a->x[i] < b->x[i])
			return -1;
		if (a->x[i] > b->x[i])
			return 1;
	}
	return (a->dim > b->dim) - (a->dim < b->dim);
}

/* Compares the two vector arguments. */
static int
compare_args(FunctionCallInfo fcinfo)
{
	Vector *a = PG_GETARG_VECTOR_P(0);
	Vector *b = PG_GETARG_VECTOR_P(1);
	int result = compare_vectors(a, b);

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return result;
}

Datum
mvvd_vector_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(compare_args(fcinfo));
}

Datum
mvvd_vector_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(compare_args(fcinfo) < 0);
}

Datum
mvvd_vector_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(compare_args(fcinfo) <= 0);
}

Datum
mvvd_vector_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(compare_args(fcinfo) == 0);
}

Datum
mvvd_vector_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(compare_args(fcinfo) != 0);
}

Datum
mvvd_vector_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(compare_args(fcinfo) >= 0);
}

Datum
mvvd_vector_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(compare_args(fcinfo) > 0);
}
