/*
 * mvvd_search: weighted cross-field top-k. The files it spans:
 *   search.c    the SQL function: arguments in, rows out, and the choice of plan
 *   fields.c    each mvvd_field checked against the table: column, query, metric, index
 *   filter.c    what runs as SQL with the caller's rights: the filter, row-level security
 *   score.c     a row's distance on each field, and its fused score
 *   row_heap.c  bounded heaps of the best rows
 *   rrf.c       reciprocal rank fusion of the fields' lists
 *   exact.c     scoring every row (a field without an index, or a selective filter)
 *   streams.c   the I/O of the threshold algorithm (src/core/threshold.hpp) over one ordering
 *               index scan per field (pg/index/ordering_scan.h)
 *   combined.c  an index on mvvd_unit_concat(...) that streams cosine fields fused
 */
#ifndef MVVD_SEARCH_H
#define MVVD_SEARCH_H

#include "postgres.h"

#include "access/attnum.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/binaryheap.h"
#include "storage/itemptr.h"
#include "utils/relcache.h"

#include "pg/index/metric.h"
#include "shim/mvvd_fusion.h"

#define SEARCH_MAX_K	  10000
#define SEARCH_MAX_FIELDS 32
#define SEARCH_RRF_C	  60.0

/* One field of the call: a column of the table and its query. */
typedef struct SearchField
{
	char *column;
	AttrNumber attnum;
	bool column_multivector;
	bool query_multivector;
	Datum query;		 /* detoasted, in the call's memory */
	int metric;			 /* mvvd_metric */
	PGFunction distance; /* of (column value, query), as its SQL operator */
	Relation index;		 /* an mvvd_hnsw index that orders by it, or NULL */
	int strategy;		 /* the index's ORDER BY strategy for this query */
	mvvd_fusion_field fusion;
} SearchField;

/* The checked arguments, and the SQL prepared for them. */
typedef struct SearchRequest
{
	Relation rel;
	int nfields;
	SearchField *fields;
	mvvd_fusion_field
		*fusion; /* the fields' fusion parameters, side by side */
	int k;
	int method; /* mvvd_fusion_method */
	int rrf_depth;
	const char *filter; /* NULL for none */
	bool check_rows;	/* a filter or row-level security: rows found through
						   * an index are checked with SQL */
	const char *table;	/* quoted, schema-qualified */
	SPIPlanPtr
		all_rows; /* ctid and every field's column of the rows that pass */
	SPIPlanPtr which_pass; /* the ctids of an array that pass */
	MemoryContext rowcxt;  /* reset after scoring each row */
	Oid namespace;		   /* the extension's schema */
	Relation *indexes;	   /* the table's usable mvvd_hnsw indexes, open */
	int nindexes;
	Relation combined; /* a combined index of the weighted fields, or NULL */
	Datum combined_query; /* the fields' unit queries times their weights */
	double total_weight;  /* of the weighted fields */
} SearchRequest;

/* A row worth keeping: its place, its distance on every field, its fused score. */
typedef struct SearchRow
{
	ItemPointerData tid;
	uint8 state;  /* ROW_* */
	bool fused;	  /* RRF: scored and offered to the top k */
	int16 refs;	  /* heaps holding it (exact search) */
	uint32 known; /* bit i: distances[i] is exact, not a lower bound */
	double score;
	double *distances; /* one per field */
	int64 *ranks; /* RRF: 1-based rank in each field's list, 0 if absent */
} SearchRow;

#define ROW_PENDING 0 /* waiting for the filter */
#define ROW_PASSED	1
#define ROW_FAILED	2 /* filtered out, or NULL on a field */
#define ROW_PRUNED	3 /* partly scored: it cannot reach the top k */

/* A bounded heap of rows that keeps the best ones, the worst of them on top. */
typedef struct RowHeap
{
	binaryheap *rows;
	int capacity;
	int field; /* ordered by this field's distance; -1: by fused score */
} RowHeap;

/* mvvd.search_* GUCs */
extern int mvvd_search_max_depth;
extern int mvvd_search_ef;
extern int mvvd_search_exact_rows;
extern bool mvvd_search_combined;
void MvvdSearchInitGucs(void);

/* fields.c */
void MvvdSearchResolveFields(SearchRequest *req, Datum fields_array);
void MvvdSearchCloseIndexes(SearchRequest *req);
int MvvdSearchMethodOf(const char *name);

/* combined.c */
void MvvdSearchFindCombined(SearchRequest *req);
bool MvvdSearchInCombined(SearchRequest *req, AttrNumber attnum);

/* filter.c */
void MvvdSearchCheckFilterSyntax(const char *filter);
void MvvdSearchCheckPrivileges(SearchRequest *req);
void MvvdSearchPrepare(SearchRequest *req);
Portal MvvdSearchOpenAllRows(SearchRequest *req);
double MvvdSearchEstimateRows(SearchRequest *req);
void MvvdSearchCheckRows(SearchRequest *req, SearchRow **rows, int n);

/* score.c, row_heap.c, rrf.c */
SearchRow *MvvdSearchNewRow(SearchRequest *req, ItemPointer tid);
double MvvdSearchFieldDistance(SearchRequest *req, int i, Datum value);
bool MvvdSearchDistances(SearchRequest *req, const Datum *values,
						 const bool *nulls, double *distances);
double MvvdSearchFuse(SearchRequest *req, const double *distances);
void MvvdRowHeapInit(RowHeap *heap, int capacity, int field);
/* Whether the row would be kept (the heap is not full, or it beats the worst kept). */
bool MvvdRowHeapWants(const RowHeap *heap, const SearchRow *row);
/* Offers a row; returns the row that left (the worst one it replaced, or the row itself when
 * it is not wanted), or NULL when the heap just grew. */
SearchRow *MvvdRowHeapPush(RowHeap *heap, SearchRow *row);
SearchRow *
MvvdRowHeapWorst(const RowHeap *heap); /* the heap must not be empty */
/* The rows, best first, in a new array. */
SearchRow **MvvdRowHeapSorted(const RowHeap *heap);
/* Sorts rows best first by the field's distance (-1: by fused score). */
void MvvdSearchSortRows(SearchRow **rows, int n, int field);
static inline int
MvvdRowHeapCount(const RowHeap *heap)
{
	return heap->rows->bh_size;
}
static inline bool
MvvdRowHeapFull(const RowHeap *heap)
{
	return MvvdRowHeapCount(heap) >= heap->capacity;
}
void MvvdSearchRrf(SearchRequest *req, SearchRow ***lists, const int *lengths,
				   RowHeap *top);

/* exact.c and streams.c: the best rows into top; true when proven exact */
bool MvvdSearchExact(SearchRequest *req, RowHeap *top);
bool MvvdSearchStreams(SearchRequest *req, RowHeap *top);

#endif /* MVVD_SEARCH_H */
