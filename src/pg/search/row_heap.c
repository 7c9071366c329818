/*
 * Bounded heaps that keep the best rows: the top k by fused score, or (for reciprocal rank
 * fusion) the top N of each field by distance. Ties are broken by heap TID, so every plan
 * returns the same rows.
 */
#include "postgres.h"

#include <math.h>

#include "lib/binaryheap.h"

#include "pg/search/search.h"

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
	MvvdSearchSortRows(rows, n, heap->field);
	return rows;
}

void
MvvdSearchSortRows(SearchRow **rows, int n, int field)
{
	qsort_arg(rows, n, sizeof(SearchRow *), best_first, &field);
}
