/*
 * Scoring the rows mvvd_search looks at, and bounded heaps that keep the best of them: the top k
 * by fused score, or (for reciprocal rank fusion) the top N of each field by distance. Ties are
 * broken by heap TID, so every plan returns the same rows.
 */
#include "postgres.h"

#include <math.h>

#include "utils/memutils.h"

#include "pg/search/search.h"

SearchRow *
SearchNewRow(SearchRequest *req, ItemPointer tid)
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
SearchFieldDistance(SearchRequest *req, int i, Datum value)
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
SearchDistances(SearchRequest *req, const Datum *values, const bool *nulls,
				double *distances)
{
	for (int i = 0; i < req->nfields; i++)
		if (nulls[i])
			return false;
	for (int i = 0; i < req->nfields; i++)
		distances[i] = SearchFieldDistance(req, i, values[i]);
	return true;
}

/* The fused score of a row (RRF scores come from ranks, once every list is known). */
double
SearchFuse(SearchRequest *req, const double *distances)
{
	if (req->method == MVVD_FUSION_RRF)
		return 0;
	return mvvd_fuse(req->method, req->fusion, req->nfields, distances);
}

void
RowHeapInit(RowHeap *heap, int capacity, int field)
{
	heap->rows = palloc(sizeof(SearchRow *) * capacity);
	heap->n = 0;
	heap->capacity = capacity;
	heap->field = field;
}

/* Whether a ranks below b: a lower score or a larger distance, NaN last, then the later TID. */
bool
RowHeapWorse(const RowHeap *heap, const SearchRow *a, const SearchRow *b)
{
	double x = heap->field < 0 ? a->score : a->distances[heap->field];
	double y = heap->field < 0 ? b->score : b->distances[heap->field];

	if (isnan(x) || isnan(y))
	{
		if (isnan(x) != isnan(y))
			return isnan(x);
	}
	else if (x != y)
		return heap->field < 0 ? x < y : x > y;
	return ItemPointerCompare((ItemPointer) &a->tid, (ItemPointer) &b->tid) >
		   0;
}

/* Whether the row would be kept (the heap is not full, or it beats the worst kept). */
bool
RowHeapWants(const RowHeap *heap, const SearchRow *row)
{
	return heap->n < heap->capacity || RowHeapWorse(heap, heap->rows[0], row);
}

static void
sift_down(RowHeap *heap, int i)
{
	for (;;)
	{
		int worst = i;
		int l = 2 * i + 1;
		int r = l + 1;
		SearchRow *tmp;

		if (l < heap->n &&
			RowHeapWorse(heap, heap->rows[l], heap->rows[worst]))
			worst = l;
		if (r < heap->n &&
			RowHeapWorse(heap, heap->rows[r], heap->rows[worst]))
			worst = r;
		if (worst == i)
			return;
		tmp = heap->rows[i];
		heap->rows[i] = heap->rows[worst];
		heap->rows[worst] = tmp;
		i = worst;
	}
}

/*
 * Offers a row; returns the row that left the heap (the worst one it replaced, or the row
 * itself when it is not wanted), or NULL when the heap just grew.
 */
SearchRow *
RowHeapPush(RowHeap *heap, SearchRow *row)
{
	SearchRow *out;
	int i;

	if (!RowHeapWants(heap, row))
		return row;
	if (heap->n == heap->capacity)
	{
		out = heap->rows[0];
		heap->rows[0] = row;
		sift_down(heap, 0);
		return out;
	}
	i = heap->n++;
	while (i > 0 && RowHeapWorse(heap, row, heap->rows[(i - 1) / 2]))
	{
		heap->rows[i] = heap->rows[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap->rows[i] = row;
	return NULL;
}

static int
compare_rows(const void *a, const void *b, void *arg)
{
	const RowHeap *heap = arg;
	const SearchRow *x = *(SearchRow *const *) a;
	const SearchRow *y = *(SearchRow *const *) b;

	if (RowHeapWorse(heap, x, y))
		return 1;
	return RowHeapWorse(heap, y, x) ? -1 : 0;
}

/* Orders the heap's rows best first (it is no longer a heap after this). */
void
RowHeapSort(RowHeap *heap)
{
	qsort_arg(heap->rows, heap->n, sizeof(SearchRow *), compare_rows, heap);
}

/* Nearer first on the field arg points at, NaN last, then the earlier TID. */
static int
by_field_distance(const void *a, const void *b, void *arg)
{
	RowHeap order = {.field = *(const int *) arg};
	SearchRow *x = *(SearchRow *const *) a;
	SearchRow *y = *(SearchRow *const *) b;

	return RowHeapWorse(&order, x, y) ? 1
									  : (RowHeapWorse(&order, y, x) ? -1 : 0);
}

/*
 * Reciprocal rank fusion: each weighted field's list holds its best rows; ranked by their exact
 * distances (an index stream may return a row a little late), every row on a list is scored
 * sum(weight / (60 + rank)) over the lists it is on, and offered to the top k.
 */
void
SearchRrf(SearchRequest *req, SearchRow ***lists, const int *lengths,
		  RowHeap *top)
{
	for (int i = 0; i < req->nfields; i++)
	{
		qsort_arg(lists[i], lengths[i], sizeof(SearchRow *), by_field_distance,
				  &i);
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
			RowHeapPush(top, row);
		}
}
