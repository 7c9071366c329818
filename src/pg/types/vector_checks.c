/*
 * Construction and the checks every vector function shares, each raising a
 * specific ERROR.
 */
#include "postgres.h"

#include "mb/pg_wchar.h"

#include "pg/types/vector.h"
#include "shim/mvvd_vector.h"

/* A zeroed vector of dim dimensions in the current memory context. */
Vector *
MvvdInitVector(int dim)
{
	Size size = VECTOR_SIZE(dim);
	Vector *v = (Vector *) palloc0(size);

	SET_VARSIZE(v, size);
	v->dim = dim;
	return v;
}

/* ERROR unless 1 <= dim <= VECTOR_MAX_DIM. */
void
MvvdCheckVectorDim(int dim)
{
	if (dim < 1)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("vector must have at least 1 dimension")));
	if (dim > VECTOR_MAX_DIM)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("vector cannot have more than %d dimensions",
							   VECTOR_MAX_DIM)));
}

/* ERROR unless typmod is -1 (unconstrained) or equal to dim. */
void
MvvdCheckVectorTypmod(int typmod, int dim)
{
	if (typmod != -1 && typmod != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", typmod, dim)));
}

/* ERROR unless both operands have the same number of dimensions. */
void
MvvdCheckSameDims(const Vector *a, const Vector *b)
{
	if (a->dim != b->dim)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("different vector dimensions %d and %d", a->dim,
							   b->dim)));
}

/* ERROR when any element is NaN or Infinity. */
void
MvvdCheckVectorFinite(const float *x, int dim)
{
	if (!mvvd_f32_all_finite(x, dim))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN and Infinity are not allowed in a vector")));
}

/* Long inputs are quoted only up to here in error messages. */
#define QUOTE_LIMIT 60

/*
 * The input as quoted in an error message: shortened (on a character boundary)
 * when long.
 */
static char *
quoted_input(const char *text)
{
	int len = strlen(text);

	if (len <= QUOTE_LIMIT)
		return pstrdup(text);
	return psprintf("%.*s...", pg_mbcliplen(text, len, QUOTE_LIMIT), text);
}

/* Turns a failed parse of a vector (or multivector) text form into the ERROR a user sees. */
void
MvvdReportVectorParseError(mvvd_status status, mvvd_error *err,
						   const char *text, const char *type_name)
{
	/* the parser counts bytes; a user counts characters */
	if (err->position > 0)
		err->position = pg_mbstrlen_with_len(text, err->position - 1) + 1;

	switch (status)
	{
		case MVVD_OUT_OF_RANGE:
			ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							errmsg("number out of range for type %s: \"%s\"",
								   type_name, quoted_input(text)),
							errdetail("At position %zu: %s.", err->position,
									  err->message)));
			break;
		case MVVD_NOT_FINITE:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("NaN and Infinity are not allowed in a vector"),
					 errdetail("At position %zu of \"%s\".", err->position,
							   quoted_input(text))));
			break;
		case MVVD_EMPTY:
			MvvdCheckVectorDim(0);
			break;
		case MVVD_TOO_MANY_DIMS:
			MvvdCheckVectorDim(VECTOR_MAX_DIM + 1);
			break;
		default:
			ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
							errmsg("invalid input syntax for type %s: \"%s\"",
								   type_name, quoted_input(text)),
							errdetail("At position %zu: %s.", err->position,
									  err->message),
							errhint("A %s looks like %s.", type_name,
									strcmp(type_name, "vector") == 0
										? "[1,2.5,-3e-2]"
										: "[[1,2],[3,4]]")));
	}
}
