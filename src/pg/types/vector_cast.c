/*
 * Casts between vector and arrays: from real[], double precision[], integer[]
 * and numeric[], and to real[]. Values must fit float4 exactly as a real
 * column would take them.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "pg/types/vector.h"

PG_FUNCTION_INFO_V1(mvvd_array_to_vector);
PG_FUNCTION_INFO_V1(mvvd_vector_to_float4);

/* A double as float4, with the errors a cast to real would give. */
static float
to_float4(double value)
{
	float result = (float) value;

	if (isnan(value) || isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN and Infinity are not allowed in a vector")));
	if (isinf(result))
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						errmsg("value out of range for type vector: overflow"),
						errdetail("%g does not fit in a float4.", value)));
	if (result == 0.0f && value != 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value out of range for type vector: underflow"),
				 errdetail("%g rounds to zero in a float4.", value)));
	return result;
}

/*
 * One array element as float4, whatever of the supported element types it is.
 */
static float
element_to_float4(Datum d, Oid elemtype)
{
	switch (elemtype)
	{
		case INT4OID:
			return (float) DatumGetInt32(d);
		case FLOAT4OID:
			return to_float4(DatumGetFloat4(d));
		case FLOAT8OID:
			return to_float4(DatumGetFloat8(d));
		case NUMERICOID:
			return to_float4(
				DatumGetFloat8(DirectFunctionCall1(numeric_float8, d)));
	}
	ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
					errmsg("cannot cast an array of %s to vector",
						   format_type_be(elemtype))));
	return 0.0f; /* not reached */
}

/* real[], double precision[], integer[] or numeric[] -> vector(typmod). */
Datum
mvvd_array_to_vector(PG_FUNCTION_ARGS)
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
	Vector *result;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("array must be one-dimensional to become a "
							   "vector")));

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(array, elemtype, typlen, typbyval, typalign, &elems,
					  &nulls, &n);
	MvvdCheckVectorDim(n);
	MvvdCheckVectorTypmod(typmod, n);
	for (int i = 0; i < n; i++)
		if (nulls[i])
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("array must not contain nulls to become a "
								   "vector")));

	result = MvvdInitVector(n);
	for (int i = 0; i < n; i++)
		result->x[i] = element_to_float4(elems[i], elemtype);
	PG_RETURN_VECTOR_P(result);
}

/* vector -> real[] */
Datum
mvvd_vector_to_float4(PG_FUNCTION_ARGS)
{
	Vector *v = PG_GETARG_VECTOR_P(0);
	Datum *elems = palloc(sizeof(Datum) * v->dim);

	for (int i = 0; i < v->dim; i++)
		elems[i] = Float4GetDatum(v->x[i]);
	PG_RETURN_POINTER(construct_array(elems, v->dim, FLOAT4OID, sizeof(float4),
									  true, TYPALIGN_INT));
}
