/*
 * Construction and the checks every vector function shares, each raising a
 * specific ERROR.
 */
#include "postgres.h"

#include "vector.h"
#include "../shim/mvvd_vector.h"

/* A zeroed vector of dim dimensions in the current memory context. */
Vector *
InitVector(int dim)
{
	Size size = VECTOR_SIZE(dim);
	Vector *v = (Vector *) palloc0(size);

	SET_VARSIZE(v, size);
	v->dim = dim;
	return v;
}

/* ERROR unless 1 <= dim <= VECTOR_MAX_DIM. */
void
CheckVectorDim(int dim)
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
CheckVectorTypmod(int typmod, int dim)
{
	if (typmod != -1 && typmod != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", typmod, dim)));
}

/* ERROR unless both operands have the same number of dimensions. */
void
CheckSameDims(const Vector *a, const Vector *b)
{
	if (a->dim != b->dim)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("different vector dimensions %d and %d", a->dim,
							   b->dim)));
}

/* ERROR when any element is NaN or Infinity. */
void
CheckVectorFinite(const float *x, int dim)
{
	if (!mvvd_all_finite(x, dim))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN and Infinity are not allowed in a vector")));
}
