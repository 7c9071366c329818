/*
 * mvvd_unit_concat(VARIADIC vector[]): the unit vectors of its arguments, end to end. The inner
 * product of two such vectors is the sum of their parts' cosines, so one mvvd_hnsw index on it
 * (vector_ip_ops) orders rows by a weighted sum of cosine similarities over several columns,
 * with the weights put into the query's parts (see search_combined.c).
 */
#include "postgres.h"

#include "utils/array.h"
#include "utils/typcache.h"

#include "pg/types/vector.h"
#include "shim/mvvd_vector.h"

PG_FUNCTION_INFO_V1(mvvd_unit_concat);

Datum
mvvd_unit_concat(PG_FUNCTION_ARGS)
{
	ArrayType *array = PG_GETARG_ARRAYTYPE_P(0);
	TypeCacheEntry *type = lookup_type_cache(ARR_ELEMTYPE(array), 0);
	Datum *elems;
	bool *nulls;
	int n;
	int64 dims = 0;
	Vector *result;
	float *out;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("mvvd_unit_concat takes a one-dimensional array")));
	deconstruct_array(array, type->type_id, type->typlen, type->typbyval,
					  type->typalign, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
	{
		/* a row without one of its parts has no place in the combined order */
		if (nulls[i])
			PG_RETURN_NULL();
		elems[i] = PointerGetDatum(DatumGetVector(elems[i]));
		dims += ((Vector *) DatumGetPointer(elems[i]))->dim;
	}
	MvvdCheckVectorDim((int) Min(dims, VECTOR_MAX_DIM + 1));
	result = MvvdInitVector((int) dims);
	out = result->x;
	for (int i = 0; i < n; i++)
	{
		Vector *v = (Vector *) DatumGetPointer(elems[i]);

		mvvd_f32_l2_normalize(v->x, out, v->dim);
		out += v->dim;
	}
	PG_RETURN_VECTOR_P(result);
}
