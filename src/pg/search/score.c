/*
 * Scoring the rows mvvd_search looks at: each field's distance as its SQL operator gives it, and
 * the fused score of a row.
 */
#include "postgres.h"

#include <math.h>

#include "utils/memutils.h"

#include "pg/search/search.h"

SearchRow *
MvvdSearchNewRow(SearchRequest *req, ItemPointer tid)
{
	SearchRow *row = palloc0(sizeof(SearchRow));

	row->tid = *tid;
	row->distances = palloc(sizeof(double) * req->nfields);
	if (req->method == MVVD_FUSION_RRF)
		row->ranks = palloc0(sizeof(int64) * req->nfields);
	return row;
}

/* The distance of a row's value on field i to the field's query, as its SQL operator gives it. */
double
MvvdSearchFieldDistance(SearchRequest *req, int i, Datum value)
{
	SearchField *f = &req->fields[i];
	MemoryContext old = MemoryContextSwitchTo(req->rowcxt);
	double distance =
		DatumGetFloat8(DirectFunctionCall2(f->distance, value, f->query));

	MemoryContextSwitchTo(old);
	MemoryContextReset(req->rowcxt); /* a detoasted copy */
	return distance;
}

/*
 * The distance of a row's values (one per field, in field order) to each field's query; false
 * when a value is NULL (such rows are left out).
 */
bool
MvvdSearchDistances(SearchRequest *req, const Datum *values, const bool *nulls,
					double *distances)
{
	for (int i = 0; i < req->nfields; i++)
		if (nulls[i])
			return false;
	for (int i = 0; i < req->nfields; i++)
		distances[i] = MvvdSearchFieldDistance(req, i, values[i]);
	return true;
}

/* The fused score of a row (RRF scores come from ranks, once every list is known). */
double
MvvdSearchFuse(SearchRequest *req, const double *distances)
{
	if (req->method == MVVD_FUSION_RRF)
		return 0;
	return mvvd_fuse(req->method, req->fusion, req->nfields, distances);
}
