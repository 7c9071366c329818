/*
 * Scoring the rows mvvd_search looks at, and bounded heaps that keep the best of them: the top k
 * by fused score, or (for reciprocal rank fusion) the top N of each field by distance. Ties are
 * broken by heap TID, so every plan returns the same rows.
 */
#include "postgres.h"

#include <math.h>

#include "lib/binaryheap.h"
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

/*
 * > 0 when a ranks below b on the field (-1: by fused score): a lower score or a larger
 * distance, NaN last, then the later TID.
 */
static int
rank_order(int field, const SearchRow *a, const SearchRow *b)
{
	double x = field < 0 ? a->score : a->distances[field];
	double y = field < 0 ? b->score : b->distances[field];

	if (isnan(x) || isnan(y))
	{
		if (isnan(x) != isnan(y))
			return isnan(x) ? 1 : -1;
	}
	else if (x != y)
		return (field < 0 ? x < y : x > y) ? 1 : -1;
	return ItemPointerCompare((ItemPointer) &a->tid, (ItemPointer) &b->tid);
}

/* The binary heap's order, arg pointing at the field: the worst row comes first. */
static int
worst_first(Datum a, Datum b, void *arg)
{
	return rank_order(*(const int *) arg,
					  (const SearchRow *) DatumGetPointer(a),
					  (const SearchRow *) DatumGetPointer(b));
}

/* qsort's order of an array of rows, arg pointing at the field: the best row first. */
static int
best_first(const void *a, const void *b, void *arg)
{
	return rank_order(*(const int *) arg, *(SearchRow *const *) a,
					  *(SearchRow *const *) b);
}

void
MvvdRowHeapInit(RowHeap *heap, int capacity, int field)
{
	heap->capacity = capacity;
	heap->field = field;
	heap->rows =
		binaryheap_allocate(Max(capacity, 1), worst_first, &heap->field);
}

SearchRow *
MvvdRowHeapWorst(const RowHeap *heap)
{
	return (SearchRow *) DatumGetPointer(binaryheap_first(heap->rows));
}

bool
MvvdRowHeapWants(const RowHeap *heap, const SearchRow *row)
{
	if (!MvvdRowHeapFull(heap))
		return true;
	return heap->capacity > 0 &&
		   rank_order(heap->field, MvvdRowHeapWorst(heap), row) > 0;
}

SearchRow *
MvvdRowHeapPush(RowHeap *heap, SearchRow *row)
{
	SearchRow *out;

	if (!MvvdRowHeapWants(heap, row))
		return row;
	if (!MvvdRowHeapFull(heap))
	{
		binaryheap_add(heap->rows, PointerGetDatum(row));
		return NULL;
	}
	out = MvvdRowHeapWorst(heap);
	binaryheap_replace_first(heap->rows, PointerGetDatum(row));
	return out;
}

SearchRow **
MvvdRowHeapSorted(const RowHeap *heap)
{
	int n = MvvdRowHeapCount(heap);
	SearchRow **rows = palloc(sizeof(SearchRow *) * Max(n, 1));

	for (int i = 0; i < n; i++)
		rows[i] = (SearchRow *) DatumGetPointer(heap->rows->bh_nodes[i]);
	qsort_arg(rows, n, sizeof(SearchRow *), best_first, (void *) &heap->field);
	return rows;
}

/*
 * Reciprocal rank fusion: each weighted field's list holds its best rows; ranked by their exact
 * distances (an index stream may return a row a little late), every row on a list is scored
 * sum(weight / (60 + rank)) over the lists it is on, and offered to the top k.
 */
void
MvvdSearchRrf(SearchRequest *req, SearchRow ***lists, const int *lengths,
			  RowHeap *top)
{
	for (int i = 0; i < req->nfields; i++)
	{
		qsort_arg(lists[i], lengths[i], sizeof(SearchRow *), best_first, &i);
		for (int j = 0; j < lengths[i]; j++)
			lists[i][j]->ranks[i] = j + 1;
	}
	for (int i = 0; i < req->nfields; i++)
		for (int j = 0; j < lengths[i]; j++)
		{
			SearchRow *row = lists[i][j];

			if (row->fused)
				continue;
			row->fused = true;
			row->score =
				mvvd_rrf(req->fusion, req->nfields, row->ranks, SEARCH_RRF_C);
			MvvdRowHeapPush(top, row);
		}
}
