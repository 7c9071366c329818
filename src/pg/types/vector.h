/*
 * The on-disk and in-memory form of the vector type: a varlena with a
 * dimension count and float4 values, the same layout pgvector uses.
 */
#ifndef MVVD_VECTOR_H
#define MVVD_VECTOR_H

#include "fmgr.h"

#include "shim/mvvd_status.h"

/*
 * float4 x 16000 = 64 KB, TOASTed like any large value; typmod and input
 * enforce it.
 */
#define VECTOR_MAX_DIM 16000

typedef struct Vector
{
	int32 vl_len_; /* varlena header (do not touch directly) */
	int16 dim;	   /* number of dimensions */
	int16 unused;  /* always zero; reserved */
	float x[FLEXIBLE_ARRAY_MEMBER];
} Vector;

#define VECTOR_SIZE(dim)	  (offsetof(Vector, x) + sizeof(float) * (dim))
#define DatumGetVector(d)	  ((Vector *) PG_DETOAST_DATUM(d))
#define PG_GETARG_VECTOR_P(n) DatumGetVector(PG_GETARG_DATUM(n))
#define PG_RETURN_VECTOR_P(v) PG_RETURN_POINTER(v)

/* A zeroed vector of dim dimensions in the current memory context. */
Vector *MvvdInitVector(int dim);

/* ERROR unless 1 <= dim <= VECTOR_MAX_DIM. */
void MvvdCheckVectorDim(int dim);

/* ERROR unless typmod is -1 (unconstrained) or equal to dim. */
void MvvdCheckVectorTypmod(int typmod, int dim);

/* ERROR unless both operands have the same number of dimensions. */
void MvvdCheckSameDims(const Vector *a, const Vector *b);

/* ERROR when any element is NaN or Infinity. */
void MvvdCheckVectorFinite(const float *x, int dim);

/* ERROR for a failed parse of a text form, with the SQLSTATE of its kind. */
void MvvdReportVectorParseError(mvvd_status status, mvvd_error *err,
								const char *text, const char *type_name);

/* The distance operators' C functions, for code that calls or recognises them. */
extern Datum mvvd_l2_distance(PG_FUNCTION_ARGS);
extern Datum mvvd_vector_negative_inner_product(PG_FUNCTION_ARGS);
extern Datum mvvd_cosine_distance(PG_FUNCTION_ARGS);
extern Datum mvvd_l1_distance(PG_FUNCTION_ARGS);

#endif /* MVVD_VECTOR_H */
