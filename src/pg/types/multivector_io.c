/*
 * Text and binary input/output of multivector, its typmod, and the length-coercion cast that
 * enforces multivector(n) (n = dimensions of every member).
 */
#include "postgres.h"

#include "common/shortest_dec.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "pg/types/multivector.h"
#include "pg/types/vector.h"
#include "shim/mvvd_vector.h"

PG_FUNCTION_INFO_V1(mvvd_multivector_in);
PG_FUNCTION_INFO_V1(mvvd_multivector_out);
PG_FUNCTION_INFO_V1(mvvd_multivector_typmod_in);
PG_FUNCTION_INFO_V1(mvvd_multivector_recv);
PG_FUNCTION_INFO_V1(mvvd_multivector_send);
PG_FUNCTION_INFO_V1(mvvd_multivector);

/* A zeroed multivector of count members of dim dimensions. */
MultiVector *
MvvdInitMultiVector(int count, int dim)
{
	Size size = MULTIVECTOR_SIZE(count, dim);
	MultiVector *mv = (MultiVector *) palloc0(size);

	SET_VARSIZE(mv, size);
	mv->dim = dim;
	mv->count = count;
	return mv;
}

/* ERROR unless 1 <= count <= MULTIVECTOR_MAX_MEMBERS. */
void
MvvdCheckMultiVectorCount(int count)
{
	if (count < 1)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("multivector must have at least 1 vector")));
	if (count > MULTIVECTOR_MAX_MEMBERS)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("multivector cannot have more than %d vectors",
							   MULTIVECTOR_MAX_MEMBERS)));
}

/* ERROR unless typmod is -1 or equal to dim. */
void
MvvdCheckMultiVectorTypmod(int typmod, int dim)
{
	if (typmod != -1 && typmod != dim)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("expected vectors of %d dimensions, not %d",
							   typmod, dim)));
}

/* Text input: "[[1,2],[3,4]]". */
Datum
mvvd_multivector_in(PG_FUNCTION_ARGS)
{
	char *text = PG_GETARG_CSTRING(0);
	int32 typmod = PG_GETARG_INT32(2);
	size_t capacity = Min(mvvd_vector_text_max_elements(text),
						  (size_t) VECTOR_MAX_DIM * MULTIVECTOR_MAX_MEMBERS);
	float *values = palloc_extended(sizeof(float) * capacity, MCXT_ALLOC_HUGE);
	size_t members = 0;
	size_t dims = 0;
	mvvd_error err;
	mvvd_status status =
		mvvd_parse_multivector(text, values, capacity, VECTOR_MAX_DIM,
							   MULTIVECTOR_MAX_MEMBERS, &members, &dims, &err);
	MultiVector *result;

	switch (status)
	{
		case MVVD_OK:
			break;
		case MVVD_RAGGED:
		case MVVD_EMPTY:
			ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
							errmsg("invalid multivector: %s", err.message),
							errdetail("At character %zu.",
									  (size_t) pg_mbstrlen_with_len(
										  text, err.position - 1) +
										  1)));
			break;
		case MVVD_TOO_MANY_MEMBERS:
			MvvdCheckMultiVectorCount(MULTIVECTOR_MAX_MEMBERS + 1);
			break;
		default:
			/* the same errors, with the same SQLSTATEs, as vector input */
			MvvdReportVectorParseError(status, &err, text, "multivector");
	}
	MvvdCheckMultiVectorTypmod(typmod, dims);
	result = MvvdInitMultiVector(members, dims);
	memcpy(result->x, values, sizeof(float) * members * dims);
	pfree(values);
	PG_RETURN_MULTIVECTOR_P(result);
}

/* Text output: each number in its shortest form that reads back exactly. */
Datum
mvvd_multivector_out(PG_FUNCTION_ARGS)
{
	MultiVector *mv = PG_GETARG_MULTIVECTOR_P(0);
	Size len =
		(Size) mv->count * (mv->dim * (FLOAT_SHORTEST_DECIMAL_LEN + 1) + 3) +
		3;
	char *buf = palloc_extended(len, MCXT_ALLOC_HUGE);
	char *p = buf;

	*p++ = '[';
	for (int i = 0; i < mv->count; i++)
	{
		const float *v = MultiVectorMember(mv, i);

		if (i > 0)
			*p++ = ',';
		*p++ = '[';
		for (int j = 0; j < mv->dim; j++)
		{
			if (j > 0)
				*p++ = ',';
			p += float_to_shortest_decimal_bufn(v[j], p);
		}
		*p++ = ']';
	}
	*p++ = ']';
	*p = '\0';
	PG_FREE_IF_COPY(mv, 0);
	PG_RETURN_CSTRING(buf);
}

/* multivector(n): every member has n dimensions, 1 <= n <= VECTOR_MAX_DIM. */
Datum
mvvd_multivector_typmod_in(PG_FUNCTION_ARGS)
{
	ArrayType *ta = PG_GETARG_ARRAYTYPE_P(0);
	int32 *mods;
	int n;

	mods = ArrayGetIntegerTypmods(ta, &n);
	if (n != 1)
		ereport(
			ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid type modifier"),
			 errdetail("Type multivector takes one modifier, the dimensions "
					   "of its vectors, as in multivector(128).")));
	if (mods[0] < 1)
		ereport(
			ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("dimensions for type multivector must be at least 1")));
	if (mods[0] > VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("dimensions for type multivector cannot exceed %d",
						VECTOR_MAX_DIM)));
	PG_RETURN_INT32(mods[0]);
}

/*
 * Binary input: int16 dimensions, int16 zero, int32 member count, then the members'
 * big-endian float4 values. The header is checked against the bytes really there.
 */
Datum
mvvd_multivector_recv(PG_FUNCTION_ARGS)
{
	StringInfo buf = (StringInfo) PG_GETARG_POINTER(0);
	int32 typmod = PG_GETARG_INT32(2);
	int16 dim = (int16) pq_getmsgint(buf, sizeof(int16));
	int16 unused = (int16) pq_getmsgint(buf, sizeof(int16));
	int32 count = (int32) pq_getmsgint(buf, sizeof(int32));
	MultiVector *result;

	MvvdCheckVectorDim(dim);
	MvvdCheckMultiVectorCount(count);
	MvvdCheckMultiVectorTypmod(typmod, dim);
	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary multivector: reserved field is %d, "
						"expected 0",
						unused)));
	if ((Size) (buf->len - buf->cursor) < sizeof(float) * (Size) dim * count)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary multivector: header says %d vectors "
						"of %d dimensions but only %d bytes follow",
						count, dim, buf->len - buf->cursor)));
	result = MvvdInitMultiVector(count, dim);
	for (Size i = 0; i < (Size) count * dim; i++)
		result->x[i] = pq_getmsgfloat4(buf);
	MvvdCheckVectorFinite(result->x, count * dim);
	PG_RETURN_MULTIVECTOR_P(result);
}

/* Binary output, the mirror of multivector_recv. */
Datum
mvvd_multivector_send(PG_FUNCTION_ARGS)
{
	MultiVector *mv = PG_GETARG_MULTIVECTOR_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, mv->dim);
	pq_sendint16(&buf, 0);
	pq_sendint32(&buf, mv->count);
	for (Size i = 0; i < (Size) mv->count * mv->dim; i++)
		pq_sendfloat4(&buf, mv->x[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* The length-coercion cast behind multivector(n) columns: checks, never truncates. */
Datum
mvvd_multivector(PG_FUNCTION_ARGS)
{
	MultiVector *mv = PG_GETARG_MULTIVECTOR_P(0);

	MvvdCheckMultiVectorTypmod(PG_GETARG_INT32(1), mv->dim);
	PG_RETURN_MULTIVECTOR_P(mv);
}
