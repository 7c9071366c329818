/*
 * Text and binary input/output of the vector type, its typmod, and the
 * length-coercion cast that enforces vector(n) on assignment.
 */
#include "postgres.h"

#include "common/shortest_dec.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "pg/types/vector.h"
#include "shim/mvvd_vector.h"

PG_FUNCTION_INFO_V1(mvvd_vector_in);
PG_FUNCTION_INFO_V1(mvvd_vector_out);
PG_FUNCTION_INFO_V1(mvvd_vector_typmod_in);
PG_FUNCTION_INFO_V1(mvvd_vector_typmod_out);
PG_FUNCTION_INFO_V1(mvvd_vector_recv);
PG_FUNCTION_INFO_V1(mvvd_vector_send);
PG_FUNCTION_INFO_V1(mvvd_vector);

/* Text input: "[1,2,3]". */
Datum
mvvd_vector_in(PG_FUNCTION_ARGS)
{
	char *text = PG_GETARG_CSTRING(0);
	int32 typmod = PG_GETARG_INT32(2);
	size_t capacity =
		Min(mvvd_vector_text_max_elements(text), (size_t) VECTOR_MAX_DIM);
	float *values = palloc(sizeof(float) * capacity);
	size_t dims = 0;
	mvvd_error err;
	mvvd_status status =
		mvvd_parse_vector(text, values, capacity, &dims, &err);
	Vector *result;

	if (status != MVVD_OK)
		MvvdReportVectorParseError(status, &err, text, "vector");
	MvvdCheckVectorTypmod(typmod, dims);

	result = MvvdInitVector(dims);
	memcpy(result->x, values, sizeof(float) * dims);
	pfree(values);
	PG_RETURN_VECTOR_P(result);
}

/*
 * Text output: the shortest decimal form of each float4 that reads back
 * exactly.
 */
Datum
mvvd_vector_out(PG_FUNCTION_ARGS)
{
	Vector *v = PG_GETARG_VECTOR_P(0);
	char *buf = palloc(v->dim * (FLOAT_SHORTEST_DECIMAL_LEN + 1) + 2);
	char *p = buf;

	*p++ = '[';
	for (int i = 0; i < v->dim; i++)
	{
		if (i > 0)
			*p++ = ',';
		p += float_to_shortest_decimal_bufn(v->x[i], p);
	}
	*p++ = ']';
	*p = '\0';
	PG_FREE_IF_COPY(v, 0);
	PG_RETURN_CSTRING(buf);
}

/* vector(n): 1 <= n <= VECTOR_MAX_DIM. */
Datum
mvvd_vector_typmod_in(PG_FUNCTION_ARGS)
{
	ArrayType *ta = PG_GETARG_ARRAYTYPE_P(0);
	int32 *mods;
	int n;

	mods = ArrayGetIntegerTypmods(ta, &n);
	if (n != 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("invalid type modifier"),
						errdetail("Type vector takes one modifier, the number "
								  "of dimensions, as in vector(3).")));
	if (mods[0] < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type vector must be at least 1")));
	if (mods[0] > VECTOR_MAX_DIM)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("dimensions for type vector cannot exceed %d",
							   VECTOR_MAX_DIM)));
	PG_RETURN_INT32(mods[0]);
}

/* Prints "(n)" after the type name. */
Datum
mvvd_vector_typmod_out(PG_FUNCTION_ARGS)
{
	int32 typmod = PG_GETARG_INT32(0);

	if (typmod < 0)
		PG_RETURN_CSTRING(pstrdup(""));
	PG_RETURN_CSTRING(psprintf("(%d)", typmod));
}

/*
 * Binary input, pgvector's wire format: int16 dimensions, int16 zero, then
 * big-endian float4s. The header is checked against the bytes that are really
 * there before anything is read.
 */
Datum
mvvd_vector_recv(PG_FUNCTION_ARGS)
{
	StringInfo buf = (StringInfo) PG_GETARG_POINTER(0);
	int32 typmod = PG_GETARG_INT32(2);
	int16 dim = (int16) pq_getmsgint(buf, sizeof(int16));
	int16 unused = (int16) pq_getmsgint(buf, sizeof(int16));
	Vector *result;

	MvvdCheckVectorDim(dim);
	MvvdCheckVectorTypmod(typmod, dim);
	if (unused != 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
						errmsg("invalid binary vector: reserved field is %d, "
							   "expected 0",
							   unused)));
	if ((Size) (buf->len - buf->cursor) < sizeof(float) * dim)
		ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
						errmsg("invalid binary vector: header says %d "
							   "dimensions but only %d bytes follow",
							   dim, buf->len - buf->cursor)));

	result = MvvdInitVector(dim);
	for (int i = 0; i < dim; i++)
		result->x[i] = pq_getmsgfloat4(buf);
	MvvdCheckVectorFinite(result->x, dim);
	PG_RETURN_VECTOR_P(result);
}

/* Binary output, the mirror of vector_recv. */
Datum
mvvd_vector_send(PG_FUNCTION_ARGS)
{
	Vector *v = PG_GETARG_VECTOR_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, v->dim);
	pq_sendint16(&buf, 0);
	for (int i = 0; i < v->dim; i++)
		pq_sendfloat4(&buf, v->x[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * The length-coercion cast behind vector(n) columns: checks, never truncates.
 */
Datum
mvvd_vector(PG_FUNCTION_ARGS)
{
	Vector *v = PG_GETARG_VECTOR_P(0);

	MvvdCheckVectorTypmod(PG_GETARG_INT32(1), v->dim);
	PG_RETURN_VECTOR_P(v);
}
