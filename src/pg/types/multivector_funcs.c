/*
 * Building and taking apart multivectors: from and to vector[], from two-dimensional real[]
 * and double precision[], the multivector_agg aggregate, unnest, and the count and dimension
 * accessors.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "pg/types/multivector.h"
#include "pg/types/vector.h"

PG_FUNCTION_INFO_V1(mvvd_multivector_dims);
PG_FUNCTION_INFO_V1(mvvd_multivector_count);
PG_FUNCTION_INFO_V1(mvvd_vectors_to_multivector);
PG_FUNCTION_INFO_V1(mvvd_multivector_to_vectors);
PG_FUNCTION_INFO_V1(mvvd_array_to_multivector);
PG_FUNCTION_INFO_V1(mvvd_multivector_agg_accum);
PG_FUNCTION_INFO_V1(mvvd_multivector_agg_final);
PG_FUNCTION_INFO_V1(mvvd_multivector_unnest);

Datum
mvvd_multivector_dims(PG_FUNCTION_ARGS)
{
	MultiVector *mv = PG_GETARG_MULTIVECTOR_P(0);

	PG_RETURN_INT32(mv->dim);
}

Datum
mvvd_multivector_count(PG_FUNCTION_ARGS)
{
	MultiVector *mv = PG_GETARG_MULTIVECTOR_P(0);

	PG_RETURN_INT32(mv->count);
}

/* The elements of a one-dimensional array without NULLs. */
static Datum *
array_elements(ArrayType *array, int *n, const char *what)
{
	int16 typlen;
	bool typbyval;
	char typalign;
	Datum *elems;
	bool *nulls;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("%s must be a one-dimensional array", what)));
	get_typlenbyvalalign(ARR_ELEMTYPE(array), &typlen, &typbyval, &typalign);
	deconstruct_array(array, ARR_ELEMTYPE(array), typlen, typbyval, typalign,
					  &elems, &nulls, n);
	for (int i = 0; i < *n; i++)
		if (nulls[i])
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("%s must not contain nulls", what)));
	return elems;
}

/* vector[] -> multivector: the vectors, in order, all of one size. */
Datum
mvvd_vectors_to_multivector(PG_FUNCTION_ARGS)
{
	ArrayType *array = PG_GETARG_ARRAYTYPE_P(0);
	int32 typmod = PG_NARGS() > 1 ? PG_GETARG_INT32(1) : -1;
	int n;
	Datum *elems = array_elements(array, &n, "an array of vectors");
	MultiVector *result;
	int dim;

	MvvdCheckMultiVectorCount(n);
	dim = DatumGetVector(elems[0])->dim;
	MvvdCheckMultiVectorTypmod(typmod, dim);
	result = MvvdInitMultiVector(n, dim);
	for (int i = 0; i < n; i++)
	{
		Vector *v = DatumGetVector(elems[i]);

		if (v->dim != dim)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("every vector of a multivector must have the same "
							"dimensions"),
					 errdetail("Vector %d has %d dimensions, vector 1 has %d.",
							   i + 1, v->dim, dim)));
		memcpy(MultiVectorMember(result, i), v->x, sizeof(float) * dim);
	}
	PG_RETURN_MULTIVECTOR_P(result);
}

/* multivector -> vector[] */
Datum
mvvd_multivector_to_vectors(PG_FUNCTION_ARGS)
{
	MultiVector *mv = PG_GETARG_MULTIVECTOR_P(0);
	Oid array_type = get_fn_expr_rettype(fcinfo->flinfo);
	Oid vector_type = get_element_type(array_type);
	Datum *elems = palloc(sizeof(Datum) * mv->count);
	int16 typlen;
	bool typbyval;
	char typalign;

	if (!OidIsValid(vector_type))
		elog(ERROR, "multivector_to_vectors must return vector[]");
	for (int i = 0; i < mv->count; i++)
	{
		Vector *v = MvvdInitVector(mv->dim);

		memcpy(v->x, MultiVectorMember(mv, i), sizeof(float) * mv->dim);
		elems[i] = PointerGetDatum(v);
	}
	get_typlenbyvalalign(vector_type, &typlen, &typbyval, &typalign);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, mv->count, vector_type,
										  typlen, typbyval, typalign));
}

/* real[][] or double precision[][] -> multivector: one row per vector. */
Datum
mvvd_array_to_multivector(PG_FUNCTION_ARGS)
{
	ArrayType *array = PG_GETARG_ARRAYTYPE_P(0);
	int32 typmod = PG_GETARG_INT32(1);
	Oid elemtype = ARR_ELEMTYPE(array);
	int16 typlen;
	bool typbyval;
	char typalign;
	Datum *elems;
	bool *nulls;
	int n;
	int rows;
	int cols;
	MultiVector *result;

	if (ARR_NDIM(array) != 2)
		ereport(
			ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("array must be two-dimensional to become a multivector"),
			 errhint("Each row of the array is one vector, as in "
					 "'{{1,2},{3,4}}'.")));
	rows = ARR_DIMS(array)[0];
	cols = ARR_DIMS(array)[1];
	MvvdCheckMultiVectorCount(rows);
	MvvdCheckVectorDim(cols);
	MvvdCheckMultiVectorTypmod(typmod, cols);
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(array, elemtype, typlen, typbyval, typalign, &elems,
					  &nulls, &n);
	result = MvvdInitMultiVector(rows, cols);
	for (int i = 0; i < n; i++)
	{
		double value;

		if (nulls[i])
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("array must not contain nulls to become a "
								   "multivector")));
		value = elemtype == FLOAT4OID ? DatumGetFloat4(elems[i])
									  : DatumGetFloat8(elems[i]);
		result->x[i] = (float) value;
		if (isinf(result->x[i]) && !isinf(value))
			ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							errmsg("value out of range for type multivector: "
								   "overflow")));
	}
	MvvdCheckVectorFinite(result->x, n);
	PG_RETURN_MULTIVECTOR_P(result);
}

/* multivector_agg's state: the vectors so far, back to back. */
typedef struct MultiVectorAggState
{
	int dim;
	int count;
	int capacity; /* vectors room is allocated for */
	float *values;
} MultiVectorAggState;

/* Adds one vector (in the aggregate's memory). */
Datum
mvvd_multivector_agg_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	MultiVectorAggState *state;
	Vector *v;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "multivector_agg_accum called in non-aggregate context");
	state =
		PG_ARGISNULL(0) ? NULL : (MultiVectorAggState *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(state);
	v = PG_GETARG_VECTOR_P(1);
	if (state == NULL)
	{
		state =
			MemoryContextAllocZero(aggcontext, sizeof(MultiVectorAggState));
		state->dim = v->dim;
		state->capacity = 16;
		state->values =
			MemoryContextAlloc(aggcontext, sizeof(float) * 16 * v->dim);
	}
	if (v->dim != state->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("every vector of a multivector must have the same "
						"dimensions"),
				 errdetail("Vector %d has %d dimensions, vector 1 has %d.",
						   state->count + 1, v->dim, state->dim)));
	MvvdCheckMultiVectorCount(state->count + 1);
	if (state->count == state->capacity)
	{
		state->capacity *= 2;
		state->values =
			repalloc_huge(state->values,
						  sizeof(float) * (Size) state->capacity * state->dim);
	}
	memcpy(state->values + (Size) state->count * state->dim, v->x,
		   sizeof(float) * state->dim);
	state->count++;
	PG_RETURN_POINTER(state);
}

/* The collected vectors as a multivector, or NULL when there were none. */
Datum
mvvd_multivector_agg_final(PG_FUNCTION_ARGS)
{
	MultiVectorAggState *state =
		PG_ARGISNULL(0) ? NULL : (MultiVectorAggState *) PG_GETARG_POINTER(0);
	MultiVector *result;

	if (state == NULL || state->count == 0)
		PG_RETURN_NULL();
	result = MvvdInitMultiVector(state->count, state->dim);
	memcpy(result->x, state->values,
		   sizeof(float) * (Size) state->count * state->dim);
	PG_RETURN_MULTIVECTOR_P(result);
}

/* unnest(multivector): its vectors as rows, in order. */
Datum
mvvd_multivector_unnest(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	MultiVector *mv;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		funcctx->user_fctx = PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0));
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	mv = (MultiVector *) funcctx->user_fctx;
	if (funcctx->call_cntr < (uint64) mv->count)
	{
		Vector *v = MvvdInitVector(mv->dim);

		memcpy(v->x, MultiVectorMember(mv, funcctx->call_cntr),
			   sizeof(float) * mv->dim);
		SRF_RETURN_NEXT(funcctx, PointerGetDatum(v));
	}
	SRF_RETURN_DONE(funcctx);
}
