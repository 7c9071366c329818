/*
 * Distance functions and operators, norms and element-wise arithmetic on
 * vectors. The arithmetic runs in the core (through the shim); this file
 * checks dimensions and reports errors.
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "pg/types/vector.h"
#include "shim/mvvd_vector.h"

PG_FUNCTION_INFO_V1(mvvd_l2_distance);
PG_FUNCTION_INFO_V1(mvvd_vector_l2_squared_distance);
PG_FUNCTION_INFO_V1(mvvd_inner_product);
PG_FUNCTION_INFO_V1(mvvd_vector_negative_inner_product);
PG_FUNCTION_INFO_V1(mvvd_cosine_distance);
PG_FUNCTION_INFO_V1(mvvd_l1_distance);
PG_FUNCTION_INFO_V1(mvvd_vector_dims);
PG_FUNCTION_INFO_V1(mvvd_vector_norm);
PG_FUNCTION_INFO_V1(mvvd_l2_normalize);
PG_FUNCTION_INFO_V1(mvvd_vector_add);
PG_FUNCTION_INFO_V1(mvvd_vector_sub);
PG_FUNCTION_INFO_V1(mvvd_vector_mul);
PG_FUNCTION_INFO_V1(mvvd_simd);

typedef double (*DistanceFn)(const float *a, const float *b, size_t n);
typedef bool (*ElementwiseFn)(const float *a, const float *b, float *out,
							  size_t n);

/*
 * Applies a distance to the two vector arguments after checking their
 * dimensions.
 */
static Datum
distance_call(FunctionCallInfo fcinfo, DistanceFn fn)
{
	Vector *a = PG_GETARG_VECTOR_P(0);
	Vector *b = PG_GETARG_VECTOR_P(1);

	MvvdCheckSameDims(a, b);
	PG_RETURN_FLOAT8(fn(a->x, b->x, a->dim));
}

/*
 * Element-wise a op b; an overflow to Infinity is an ERROR, never a stored
 * value.
 */
static Datum
elementwise_call(FunctionCallInfo fcinfo, ElementwiseFn fn, const char *what)
{
	Vector *a = PG_GETARG_VECTOR_P(0);
	Vector *b = PG_GETARG_VECTOR_P(1);
	Vector *result;

	MvvdCheckSameDims(a, b);
	result = MvvdInitVector(a->dim);
	if (!fn(a->x, b->x, result->x, a->dim))
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						errmsg("value out of range for type vector: %s "
							   "overflows float4",
							   what)));
	PG_RETURN_VECTOR_P(result);
}

Datum
mvvd_l2_distance(PG_FUNCTION_ARGS)
{
	return distance_call(fcinfo, mvvd_f32_l2_distance);
}

Datum
mvvd_vector_l2_squared_distance(PG_FUNCTION_ARGS)
{
	return distance_call(fcinfo, mvvd_f32_l2_squared_distance);
}

Datum
mvvd_inner_product(PG_FUNCTION_ARGS)
{
	return distance_call(fcinfo, mvvd_f32_inner_product);
}

Datum
mvvd_vector_negative_inner_product(PG_FUNCTION_ARGS)
{
	return distance_call(fcinfo, mvvd_f32_negative_inner_product);
}

/*
 * NaN when either vector is all zeros (no direction): documented in the
 * README.
 */
Datum
mvvd_cosine_distance(PG_FUNCTION_ARGS)
{
	return distance_call(fcinfo, mvvd_f32_cosine_distance);
}

Datum
mvvd_l1_distance(PG_FUNCTION_ARGS)
{
	return distance_call(fcinfo, mvvd_f32_l1_distance);
}

Datum
mvvd_vector_dims(PG_FUNCTION_ARGS)
{
	Vector *v = PG_GETARG_VECTOR_P(0);

	PG_RETURN_INT32(v->dim);
}

/* Euclidean norm, accumulated in double. */
Datum
mvvd_vector_norm(PG_FUNCTION_ARGS)
{
	Vector *v = PG_GETARG_VECTOR_P(0);

	PG_RETURN_FLOAT8(mvvd_f32_l2_norm(v->x, v->dim));
}

/* v / |v|; a zero vector is returned unchanged. */
Datum
mvvd_l2_normalize(PG_FUNCTION_ARGS)
{
	Vector *v = PG_GETARG_VECTOR_P(0);
	Vector *result = MvvdInitVector(v->dim);

	mvvd_f32_l2_normalize(v->x, result->x, v->dim);
	PG_RETURN_VECTOR_P(result);
}

Datum
mvvd_vector_add(PG_FUNCTION_ARGS)
{
	return elementwise_call(fcinfo, mvvd_f32_add, "sum");
}

Datum
mvvd_vector_sub(PG_FUNCTION_ARGS)
{
	return elementwise_call(fcinfo, mvvd_f32_subtract, "difference");
}

Datum
mvvd_vector_mul(PG_FUNCTION_ARGS)
{
	return elementwise_call(fcinfo, mvvd_f32_multiply, "product");
}

/* Which SIMD kernels this server uses for distances. */
Datum
mvvd_simd(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(mvvd_kernel_name()));
}
