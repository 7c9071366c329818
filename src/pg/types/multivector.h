/*
 * The multivector type: an ordered set of 1..MULTIVECTOR_MAX_MEMBERS vectors of the same
 * dimensions in one varlena (large values are TOASTed like any other).
 */
#ifndef MVVD_MULTIVECTOR_H
#define MVVD_MULTIVECTOR_H

#include "fmgr.h"

#include "pg/types/vector.h"

/* ColBERT passages have up to 512 token vectors; documents of many chunks a few thousand. */
#define MULTIVECTOR_MAX_MEMBERS 8192

typedef struct MultiVector
{
	int32 vl_len_; /* varlena header (do not touch directly) */
	int16 dim;	   /* dimensions of every member */
	int16 unused;  /* always zero; reserved */
	int32 count;   /* number of members */
	float x[FLEXIBLE_ARRAY_MEMBER]; /* count x dim, member after member */
} MultiVector;

#define MULTIVECTOR_SIZE(count, dim)                                          \
	(offsetof(MultiVector, x) + sizeof(float) * (Size) (count) * (dim))
#define DatumGetMultiVector(d)	   ((MultiVector *) PG_DETOAST_DATUM(d))
#define PG_GETARG_MULTIVECTOR_P(n) DatumGetMultiVector(PG_GETARG_DATUM(n))
#define PG_RETURN_MULTIVECTOR_P(v) PG_RETURN_POINTER(v)
#define MultiVectorMember(mv, i)   ((mv)->x + (Size) (i) * (mv)->dim)

/* A zeroed multivector of count members of dim dimensions, in the current memory context. */
MultiVector *MvvdInitMultiVector(int count, int dim);

/* ERROR unless 1 <= count <= MULTIVECTOR_MAX_MEMBERS. */
void MvvdCheckMultiVectorCount(int count);

/* ERROR unless typmod is -1 or equal to dim (a multivector(n) has n-dimensional members). */
void MvvdCheckMultiVectorTypmod(int typmod, int dim);

/* A distance (mvvd_multivector_distance kind) of a document and a query, raising on failure. */
double MvvdMultiVectorDistance(int kind, const float *doc, int ndoc,
							   const float *query, int nquery, int dim);

/* The distance operators' C functions (document first), for code that calls or recognises them. */
extern Datum mvvd_multivector_maxsim_distance(PG_FUNCTION_ARGS);
extern Datum mvvd_multivector_maxsim_cosine_distance(PG_FUNCTION_ARGS);
extern Datum mvvd_chamfer_l2(PG_FUNCTION_ARGS);
extern Datum mvvd_multivector_l2_distance(PG_FUNCTION_ARGS);
extern Datum mvvd_multivector_negative_inner_product(PG_FUNCTION_ARGS);
extern Datum mvvd_multivector_cosine_distance(PG_FUNCTION_ARGS);
extern Datum mvvd_multivector_vector_l2_distance(PG_FUNCTION_ARGS);
extern Datum mvvd_multivector_vector_negative_inner_product(PG_FUNCTION_ARGS);
extern Datum mvvd_multivector_vector_cosine_distance(PG_FUNCTION_ARGS);

#endif /* MVVD_MULTIVECTOR_H */
