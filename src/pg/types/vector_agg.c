/*
 * avg(vector) and sum(vector). The transition state is a float8[]: {count,
 * sum_1, ..., sum_n}, summed in double. Being a plain array, it needs no
 * serialization, so both aggregates run in parallel plans with vector_combine
 * merging the workers' states.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"

#include "pg/types/vector.h"
#include "shim/mvvd_vector.h"

PG_FUNCTION_INFO_V1(mvvd_vector_accum);
PG_FUNCTION_INFO_V1(mvvd_vector_combine);
PG_FUNCTION_INFO_V1(mvvd_vector_avg);
PG_FUNCTION_INFO_V1(mvvd_vector_sum);

/*
 * The state's doubles, after checking it is a one-dimensional float8[] without
 * nulls.
 */
static double *
state_values(ArrayType *state, int *n)
{
	if (ARR_NDIM(state) != 1 || ARR_ELEMTYPE(state) != FLOAT8OID ||
		ARR_HASNULL(state) || ARR_DIMS(state)[0] < 1)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("invalid state for a vector aggregate")));
	*n = ARR_DIMS(state)[0];
	return (double *) ARR_DATA_PTR(state);
}

/* A zeroed state for vectors of dim dimensions. */
static ArrayType *
new_state(int dim)
{
	Datum *zeros = palloc(sizeof(Datum) * (dim + 1));

	for (int i = 0; i <= dim; i++)
		zeros[i] = Float8GetDatum(0.0);
	return construct_array(zeros, dim + 1, FLOAT8OID, sizeof(float8),
						   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/*
 * The state to add into: the input itself when called as an aggregate (the
 * executor owns it, so changing it in place saves a copy per row, as
 * float8_accum does), else a fresh one.
 */
static ArrayType *
writable_state(FunctionCallInfo fcinfo, ArrayType *state, int dim)
{
	int n;
	double *values = state_values(state, &n);
	ArrayType *result;

	if (n == dim + 1 && AggCheckCallContext(fcinfo, NULL))
		return state;
	result = new_state(dim);
	if (n == dim + 1)
		memcpy(ARR_DATA_PTR(result), values, sizeof(double) * n);
	else if (n != 1 || values[0] != 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different vector dimensions %d and %d", n - 1, dim)));
	return result;
}

/* Adds one vector to the running count and sums. */
Datum
mvvd_vector_accum(PG_FUNCTION_ARGS)
{
	ArrayType *state = PG_GETARG_ARRAYTYPE_P(0);
	Vector *v = PG_GETARG_VECTOR_P(1);
	ArrayType *result = writable_state(fcinfo, state, v->dim);
	double *sums = (double *) ARR_DATA_PTR(result);

	sums[0] += 1.0;
	mvvd_f32_accumulate(v->x, sums + 1, v->dim);
	PG_RETURN_ARRAYTYPE_P(result);
}

/* Merges two partial states (from parallel workers). */
Datum
mvvd_vector_combine(PG_FUNCTION_ARGS)
{
	ArrayType *a = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType *b = PG_GETARG_ARRAYTYPE_P(1);
	int na, nb;
	double *bv = state_values(b, &nb);
	ArrayType *result;

	state_values(a, &na);
	if (nb == 1 && bv[0] == 0.0)
		PG_RETURN_ARRAYTYPE_P(a);
	result = writable_state(fcinfo, a, nb - 1);
	((double *) ARR_DATA_PTR(result))[0] += bv[0];
	for (int i = 1; i < nb; i++)
		((double *) ARR_DATA_PTR(result))[i] += bv[i];
	PG_RETURN_ARRAYTYPE_P(result);
}

/* sums * scale as a vector, or NULL when nothing was aggregated. */
static Datum
state_to_vector(FunctionCallInfo fcinfo, bool average)
{
	ArrayType *state = PG_GETARG_ARRAYTYPE_P(0);
	int n;
	double *values = state_values(state, &n);
	Vector *result;

	if (values[0] == 0.0)
		PG_RETURN_NULL();
	result = MvvdInitVector(n - 1);
	if (!mvvd_f32_scale_to_float(values + 1, average ? 1.0 / values[0] : 1.0,
								 result->x, n - 1))
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						errmsg("value out of range for type vector: %s "
							   "overflows float4",
							   average ? "average" : "sum")));
	PG_RETURN_VECTOR_P(result);
}

Datum
mvvd_vector_avg(PG_FUNCTION_ARGS)
{
	return state_to_vector(fcinfo, true);
}

Datum
mvvd_vector_sum(PG_FUNCTION_ARGS)
{
	return state_to_vector(fcinfo, false);
}
