/*
 * The exact plan of mvvd_search: every row that passes the filter is read through SQL (so the
 * caller's privileges and row-level security apply), scored on every field, and kept if it is
 * among the best k by fused score or, for reciprocal rank fusion, among the best N of a field.
 */
#include "postgres.h"

#include "miscadmin.h"

#include "pg/search/search.h"

#define FETCH_ROWS 1000

static void
free_row(SearchRow *row)
{
	pfree(row->distances);
	if (row->ranks)
		pfree(row->ranks);
	pfree(row);
}

/* A row that left a heap: freed once no heap holds it. */
static void
release(SearchRow *row)
{
	if (row != NULL && --row->refs == 0)
		free_row(row);
}

/* Offers a scored row (probe, on the stack) to the heaps; copies it if one keeps it. */
static void
offer(SearchRequest *req, RowHeap *heaps, int nheaps, const SearchRow *probe)
{
	SearchRow *row = NULL;

	for (int i = 0; i < nheaps; i++)
	{
		if (!MvvdRowHeapWants(&heaps[i], probe))
			continue;
		if (row == NULL)
		{
			row = MvvdSearchNewRow(req, (ItemPointer) &probe->tid);
			memcpy(row->distances, probe->distances,
				   sizeof(double) * req->nfields);
			row->score = probe->score;
			row->state = ROW_PASSED;
		}
		row->refs++;
		release(MvvdRowHeapPush(&heaps[i], row));
	}
}

/* The rows of one fetch from the cursor. */
static void
score_fetched(SearchRequest *req, RowHeap *heaps, int nheaps, Datum *values,
			  bool *nulls, SearchRow *probe)
{
	TupleDesc desc = SPI_tuptable->tupdesc;

	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple tuple = SPI_tuptable->vals[r];
		bool isnull;

		probe->tid = *(ItemPointer) DatumGetPointer(
			SPI_getbinval(tuple, desc, 1, &isnull));
		for (int i = 0; i < req->nfields; i++)
			values[i] = SPI_getbinval(tuple, desc, i + 2, &nulls[i]);
		if (!MvvdSearchDistances(req, values, nulls, probe->distances))
			continue;
		probe->score = MvvdSearchFuse(req, probe->distances);
		offer(req, heaps, nheaps, probe);
	}
}

bool
MvvdSearchExact(SearchRequest *req, RowHeap *top)
{
	bool rrf = req->method == MVVD_FUSION_RRF;
	int nheaps = rrf ? req->nfields : 1;
	RowHeap *heaps = rrf ? palloc(sizeof(RowHeap) * nheaps) : top;
	Datum *values = palloc(sizeof(Datum) * req->nfields);
	bool *nulls = palloc(sizeof(bool) * req->nfields);
	SearchRow probe = {0};
	Portal portal;

	/* for RRF, one list of the best N per field that counts */
	for (int i = 0; rrf && i < nheaps; i++)
		MvvdRowHeapInit(&heaps[i],
						req->fields[i].fusion.weight > 0 ? req->rrf_depth : 0,
						i);
	probe.distances = palloc(sizeof(double) * req->nfields);
	portal = MvvdSearchOpenAllRows(req);
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(portal, true, FETCH_ROWS);
		if (SPI_processed == 0)
			break;
		score_fetched(req, heaps, nheaps, values, nulls, &probe);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	if (rrf)
	{
		SearchRow ***lists = palloc(sizeof(SearchRow **) * nheaps);
		int *lengths = palloc(sizeof(int) * nheaps);

		for (int i = 0; i < nheaps; i++)
		{
			lists[i] = MvvdRowHeapSorted(&heaps[i]);
			lengths[i] = MvvdRowHeapCount(&heaps[i]);
		}
		MvvdSearchRrf(req, lists, lengths, top);
	}
	return true;
}
