/*
 * Index scans of mvvd_hnsw: ORDER BY <distance operator> query, nearest first.
 *
 * On a vector column, the core's resumable search runs over the pages through callbacks; each
 * element it returns is looked up in its record and its live rows (its own and its copies', see
 * copies.c) are handed to the executor with its distance in xs_orderbyvals. On a multivector column every vector of the
 * query gets such a search; the rows their nearest members belong to are re-scored exactly with
 * the ORDER BY operator, from the vectors in the index, and returned by that score (see
 * multivector_scan.c). With mvvd.hnsw_iterative_scan on (or the mode an ordering scan opened it
 * with, see pg/index/ordering_scan.h), a scan keeps going as long as the executor asks for rows,
 * up to mvvd.hnsw_max_scan_tuples elements visited per search.
 */
#include "postgres.h"

#include "access/relscan.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/memutils.h"

#include "pg/hnsw/scan.h"
#include "pg/types/multivector.h"
#include "pg/guard.h"
#include "pg/types/vector.h"

/* ambeginscan */
IndexScanDesc
mvvd_hnsw_beginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	HnswScanOpaque *so = palloc0(sizeof(HnswScanOpaque));

	scan->xs_orderbyvals = palloc0(sizeof(Datum) * Max(norderbys, 1));
	scan->xs_orderbynulls = palloc(sizeof(bool) * Max(norderbys, 1));
	so->header.mode = MVVD_SCAN_FROM_SETTING;
	so->mcxt = AllocSetContextCreate(CurrentMemoryContext, "mvvd_hnsw scan",
									 ALLOCSET_DEFAULT_SIZES);
	scan->opaque = so;
	return scan;
}

/* amrescan: a new query (or the same one again) */
void
mvvd_hnsw_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys,
				 int norderbys)
{
	HnswScanOpaque *so = (HnswScanOpaque *) scan->opaque;

	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys,
				scan->numberOfOrderBys * sizeof(ScanKeyData));
	/* resetting the context frees the previous searches through their callbacks */
	MemoryContextReset(so->mcxt);
	so->started = false;
	so->exhausted = false;
	so->null_next = 0;
	so->nquery = 0;
	so->query = NULL;
	so->rows = NULL;
	so->tids = NULL;
	so->ntids = so->next_tid = so->tids_capacity = 0;
	so->scratch = NULL;
}

/* The query as a set of vectors, copied into the scan's memory (nquery 0 for NULL). */
static void
load_query(IndexScanDesc scan)
{
	HnswScanOpaque *so = (HnswScanOpaque *) scan->opaque;
	ScanKey key = &scan->orderByData[0];
	/* strategy 3 of a multivector operator class orders by the distance to a vector */
	bool is_vector = !so->hi.multivector ||
					 key->sk_strategy == MVVD_STRATEGY_CLOSEST_MEMBER;

	if (key->sk_flags & SK_ISNULL)
		return;
	if (is_vector)
	{
		Vector *v = DatumGetVector(key->sk_argument);

		so->nquery = 1;
		so->query_dims = v->dim;
		so->query = palloc(sizeof(float) * v->dim);
		memcpy(so->query, v->x, sizeof(float) * v->dim);
	}
	else
	{
		MultiVector *mv = DatumGetMultiVector(key->sk_argument);

		so->nquery = mv->count;
		so->query_dims = mv->dim;
		so->query = palloc(sizeof(float) * (Size) mv->count * mv->dim);
		memcpy(so->query, mv->x, sizeof(float) * (Size) mv->count * mv->dim);
	}
}

/* Starts one core search per query vector, from the entry point, with a beam of ef. */
static void
start_searches(HnswScanOpaque *so, int ef, int mode)
{
	HnswIndex *hi = &so->hi;

	so->searches = palloc0(sizeof(HnswSearch) * so->nquery);
	for (int i = 0; i < so->nquery; i++)
		MvvdHnswSearchStart(
			&so->searches[i], hi, so->query + (Size) i * so->query_dims, ef,
			mode, (size_t) mvvd_hnsw_max_scan_tuples, "starting an HNSW scan");
}

/* Opens the index, checks the query and starts the searches. */
static void
start_scan(IndexScanDesc scan)
{
	HnswScanOpaque *so = (HnswScanOpaque *) scan->opaque;
	HnswIndex *hi = &so->hi;
	MemoryContext old = MemoryContextSwitchTo(so->mcxt);

	so->started = true;
	so->mode = so->header.mode == MVVD_SCAN_FROM_SETTING
				   ? mvvd_hnsw_iterative_scan
				   : so->header.mode;
	pgstat_count_index_scan(scan->indexRelation);
	MvvdHnswOpenIndex(scan->indexRelation, hi, false);
	if (scan->numberOfOrderBys == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("an mvvd_hnsw index can only be scanned with an "
						"ORDER BY distance")));
	load_query(scan);
	if (so->nquery > 0 && hi->meta.dims > 0 && so->query_dims != hi->meta.dims)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("different vector dimensions %d and %d",
							   hi->meta.dims, so->query_dims),
						errdetail("Index \"%s\" holds %d-dimensional vectors.",
								  RelationGetRelationName(scan->indexRelation),
								  hi->meta.dims)));
	if (so->nquery > 0 && hi->meta.entry_id == MVVD_NO_ELEMENT)
		so->exhausted = true;
	else if (so->nquery > 0 && hi->multivector)
	{
		int depth = mvvd_hnsw_candidates;

		/*
		 * The members' searches only find candidates (rows are re-scored), so their order
		 * does not matter: relaxed, unless the scan is not iterative at all.
		 */
		start_searches(so, Max(Max(mvvd_hnsw_ef_search, so->header.ef), depth),
					   so->mode == MVVD_SCAN_OFF ? MVVD_SCAN_OFF
												 : MVVD_SCAN_RELAXED);
		so->rows =
			MvvdHnswRowsStart(so, scan->orderByData[0].sk_strategy, depth);
	}
	else if (so->nquery > 0)
		start_searches(so, Max(mvvd_hnsw_ef_search, so->header.ef), so->mode);
	MemoryContextSwitchTo(old);
}

/* Sets the scan's current tuple. */
static void
set_tuple(IndexScanDesc scan, ItemPointer tid, bool null_distance,
		  double distance)
{
	scan->xs_heaptid = *tid;
	scan->xs_recheck = false;
	scan->xs_recheckorderby = false;
	scan->xs_orderbyvals[0] = Float8GetDatum(distance);
	scan->xs_orderbynulls[0] = null_distance;
}

/*
 * Whether an element's vector is still the one its distance was measured on: the search may
 * have met the element before a new one took its place (see free_space.c); the new row was
 * then inserted after the scan began, so it is not one the scan should return.
 */
static bool
same_vector(HnswScanOpaque *so, uint32 id, float distance)
{
	float now;

	if (so->scratch == NULL)
		so->scratch = palloc(sizeof(float) * so->hi.meta.dims);
	MvvdHnswDistances(&so->hi, so->query, &id, 1, &now, so->scratch);
	return now == distance;
}

/*
 * The next row of a vector index, nearest first; false when there is none. An element stands
 * for its own row unless that is dead, and for its live copies' rows, all at its distance.
 */
static bool
next_vector_row(IndexScanDesc scan)
{
	HnswScanOpaque *so = (HnswScanOpaque *) scan->opaque;
	HnswSearch *s = &so->searches[0];

	while (so->next_tid == so->ntids)
	{
		uint32 id;
		float distance;

		if (!MvvdHnswSearchNext(s, &id, &distance, "scanning an HNSW index"))
			return false;
		so->next_tid = 0;
		so->ntids =
			MvvdHnswElementTids(&so->hi, id, &so->tids, 0, &so->tids_capacity);
		if (so->ntids > 0 && !same_vector(so, id, distance))
			so->ntids = 0;
		so->tids_distance = mvvd_operator_distance(so->hi.metric, distance);
	}
	set_tuple(scan, &so->tids[so->next_tid++], false, so->tids_distance);
	return true;
}

/* With a NULL query every distance is NULL: the rows in storage order (one per row). */
static bool
next_null_row(IndexScanDesc scan)
{
	HnswScanOpaque *so = (HnswScanOpaque *) scan->opaque;

	while (so->null_next < so->hi.meta.next_id)
	{
		HnswElementInfo info;
		uint32 id = so->null_next++;

		CHECK_FOR_INTERRUPTS();
		if (!MvvdHnswReadElement(&so->hi, id, &info) ||
			(info.flags & HNSW_RECORD_DELETED) || info.member.index != 0)
			continue;
		set_tuple(scan, &info.heaptid, true, 0);
		return true;
	}
	return false;
}

/* amgettuple */
bool
mvvd_hnsw_gettuple(IndexScanDesc scan, ScanDirection dir)
{
	HnswScanOpaque *so = (HnswScanOpaque *) scan->opaque;
	MemoryContext old;
	bool found;

	if (!so->started)
		start_scan(scan);
	if (so->exhausted)
		return false;
	old = MemoryContextSwitchTo(so->mcxt);
	if (so->nquery == 0)
		found = next_null_row(scan);
	else if (so->rows)
	{
		ItemPointerData tid;
		double distance;

		found = MvvdHnswRowsNext(so, &tid, &distance);
		if (found)
			set_tuple(scan, &tid, false, distance);
	}
	else
		found = next_vector_row(scan);
	so->exhausted = !found;
	MemoryContextSwitchTo(old);
	return found;
}

/* amendscan */
void
mvvd_hnsw_endscan(IndexScanDesc scan)
{
	HnswScanOpaque *so = (HnswScanOpaque *) scan->opaque;

	MemoryContextDelete(so->mcxt); /* frees the core's searches */
	pfree(so);
	scan->opaque = NULL;
}
