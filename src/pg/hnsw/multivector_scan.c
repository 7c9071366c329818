/*
 * Scans of an mvvd_hnsw index on a multivector column. Every vector of the query has its own
 * search over the member vectors; the members they find lead to rows (a row's vectors are
 * consecutive elements, and each record knows its place in its row), and every row is scored
 * exactly with the ORDER BY operator from its vectors in the index. The next row returned is
 * the best scored one once every search has gone deep enough: mvvd.hnsw_candidates members for
 * the first row, and as the scan goes on, all searches together about as many members as the
 * rows returned so far hold, so a LIMIT under a selective WHERE still fills (iterative scans).
 * With strict order a row scoring below one already returned is left out; with relaxed order it
 * comes out late.
 */
#include "postgres.h"

#include <math.h>

#include "lib/pairingheap.h"
#include "miscadmin.h"
#include "utils/hsearch.h"

#include "pg/compat.h"
#include "pg/hnsw/scan.h"
#include "pg/types/multivector.h"
#include "pg/guard.h"
#include "shim/mvvd_multivector.h"

typedef struct ScoredRow
{
	pairingheap_node node;
	double distance;
	ItemPointerData tid;
} ScoredRow;

struct HnswRowScan
{
	int kind;		   /* mvvd_multivector_distance */
	int depth;		   /* members per search before the first row */
	int64 pulled;	   /* members taken from each search so far */
	int64 members;	   /* members of the rows scored so far */
	int64 scored;	   /* rows scored so far */
	int64 returned;	   /* rows returned so far */
	HTAB *seen;		   /* first element ids of the rows scored so far */
	pairingheap *heap; /* scored rows not yet returned, best first */
	double last_returned;
	float *vectors; /* room for one row's vectors */
	int vectors_capacity;
};

/* Whether a is better than b; NaN (cosine without a valid pair) is worst, as in ORDER BY. */
static bool
better(const ScoredRow *a, const ScoredRow *b)
{
	if (isnan(a->distance) || isnan(b->distance))
		return !isnan(a->distance) && isnan(b->distance);
	return a->distance < b->distance;
}

/* The pairing heap's order: > 0 when a comes out before b. */
static int
compare_rows(const pairingheap_node *a, const pairingheap_node *b, void *arg)
{
	const ScoredRow *x = pairingheap_const_container(ScoredRow, node, a);
	const ScoredRow *y = pairingheap_const_container(ScoredRow, node, b);

	return better(x, y) ? 1 : better(y, x) ? -1 : 0;
}

HnswRowScan *
MvvdHnswRowsStart(HnswScanOpaque *so, int strategy, int depth)
{
	HnswRowScan *rs = palloc0(sizeof(HnswRowScan));
	const MvvdMeasure *measure =
		MvvdMeasureOfStrategy(so->hi.metric, true, strategy);

	if (measure == NULL)
		elog(ERROR,
			 "mvvd_hnsw: no multivector distance for metric %d, strategy %d",
			 so->hi.metric, strategy);
	rs->kind = measure->multivector_kind;
	rs->depth = depth;
	rs->seen = MvvdBlobHashCreate("mvvd_hnsw rows seen", 1024, sizeof(uint32),
								  sizeof(uint32), CurrentMemoryContext);
	rs->heap = pairingheap_allocate(compare_rows, NULL);
	return rs;
}

/* Scores the row of element id, unless it was scored before or is gone. */
static void
score_row_of(HnswScanOpaque *so, HnswRowScan *rs, uint32 id)
{
	HnswIndex *hi = &so->hi;
	HnswElementInfo info;
	uint32 first;
	bool found;
	int dims = hi->meta.dims;
	ScoredRow *row;

	if (!MvvdHnswReadElement(hi, id, &info) ||
		(info.flags & HNSW_RECORD_DELETED))
		return;
	first = id - info.member.index;
	hash_search(rs->seen, &first, HASH_ENTER, &found);
	if (found)
		return;
	if (info.member.count > rs->vectors_capacity)
	{
		rs->vectors_capacity = info.member.count;
		rs->vectors =
			rs->vectors ? repalloc(rs->vectors,
								   sizeof(float) * dims * rs->vectors_capacity)
						: palloc(sizeof(float) * dims * rs->vectors_capacity);
	}
	MvvdHnswReadVectors(hi, first, info.member.count, rs->vectors);
	row = palloc(sizeof(ScoredRow));
	row->tid = info.heaptid;
	row->distance = MvvdMultiVectorDistance(
		rs->kind, rs->vectors, info.member.count, so->query, so->nquery, dims);
	rs->scored++;
	rs->members += info.member.count;
	/* strict order: a row scoring below one already returned is left out */
	if (rs->returned > 0 && so->mode == MVVD_SCAN_STRICT &&
		better(row, &(ScoredRow){.distance = rs->last_returned}))
	{
		pfree(row);
		return;
	}
	pairingheap_add(rs->heap, &row->node);
}

/* Takes up to n more members from every search; false when every search is exhausted. */
static bool
pull(HnswScanOpaque *so, HnswRowScan *rs, int64 n)
{
	bool any = false;

	for (int q = 0; q < so->nquery; q++)
	{
		HnswSearch *s = &so->searches[q];

		for (int64 k = 0; k < n && !s->exhausted; k++)
		{
			uint32 id;
			float distance;

			if (MvvdHnswSearchNext(s, &id, &distance,
								   "scanning an HNSW index"))
				score_row_of(so, rs, id);
		}
		any |= !s->exhausted;
	}
	rs->pulled += n;
	return any;
}

/*
 * How deep every search must be before the next row is returned: the searches together hold
 * at least the members of the rows returned so far and the next one (any search may find a
 * row, so they share that count).
 */
static int64
target_depth(HnswScanOpaque *so, HnswRowScan *rs)
{
	double per_row = rs->scored > 0 ? (double) rs->members / rs->scored : 1;

	if (so->mode == MVVD_SCAN_OFF)
		return rs->depth;
	return Max(rs->depth, (int64) ((rs->returned + 1) * per_row / so->nquery));
}

bool
MvvdHnswRowsNext(HnswScanOpaque *so, ItemPointer tid, double *distance)
{
	HnswRowScan *rs = so->rows;
	bool more = true;
	ScoredRow *row;

	while (more && rs->pulled < target_depth(so, rs))
		more = pull(so, rs, target_depth(so, rs) - rs->pulled);
	/* nothing left to return: an iterative scan digs further while it can */
	while (pairingheap_is_empty(rs->heap) && more && so->mode != MVVD_SCAN_OFF)
		more = pull(so, rs, rs->depth);
	if (pairingheap_is_empty(rs->heap))
		return false;
	row = pairingheap_container(ScoredRow, node,
								pairingheap_remove_first(rs->heap));
	*tid = row->tid;
	*distance = row->distance;
	rs->last_returned = row->distance;
	rs->returned++;
	pfree(row);
	return true;
}
