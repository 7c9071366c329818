/*
 * Index scans of mvvd_hnsw: ORDER BY <distance operator> query, nearest first. The core's
 * resumable search runs over the pages through callbacks; each element it returns is looked up
 * in its record (skipping ones deleted by VACUUM) and handed to the executor with its distance
 * in xs_orderbyvals. With mvvd.hnsw_iterative_scan on, the scan keeps going as long as the
 * executor asks for rows, up to mvvd.hnsw_max_scan_tuples elements visited.
 */
#include "postgres.h"

#include "access/relscan.h"
#include "miscadmin.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "hnsw.h"
#include "shim_error.h"
#include "vector.h"

typedef struct HnswScanOpaque
{
	HnswIndex hi;
	MemoryContext mcxt; /* everything of one scan; reset by rescan */
	Vector *query;		/* NULL: ORDER BY distance to NULL */
	bool started;
	bool exhausted;
	uint32 null_next; /* NULL query: the next id to return */
	mvvd_hnsw_scan *search;
	MemoryContextCallback cleanup;
	HnswGraphContext graph;
	mvvd_graph_callbacks callbacks;
} HnswScanOpaque;

/* Frees the core's search state (also when the scan's memory goes away on ERROR). */
static void
free_search(void *arg)
{
	HnswScanOpaque *so = (HnswScanOpaque *) arg;

	if (so->search)
		mvvd_hnsw_scan_free(so->search);
	so->search = NULL;
}

/* ambeginscan */
IndexScanDesc
hnswbeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	HnswScanOpaque *so = palloc0(sizeof(HnswScanOpaque));

	scan->xs_orderbyvals = palloc0(sizeof(Datum) * Max(norderbys, 1));
	scan->xs_orderbynulls = palloc(sizeof(bool) * Max(norderbys, 1));
	so->mcxt = AllocSetContextCreate(CurrentMemoryContext, "mvvd_hnsw scan",
									 ALLOCSET_DEFAULT_SIZES);
	so->cleanup.func = free_search;
	so->cleanup.arg = so;
	MemoryContextRegisterResetCallback(so->mcxt, &so->cleanup);
	scan->opaque = so;
	return scan;
}

/* amrescan: a new query vector (or the same one again) */
void
hnswrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys,
		   int norderbys)
{
	HnswScanOpaque *so = (HnswScanOpaque *) scan->opaque;
	MemoryContext old;

	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys,
				scan->numberOfOrderBys * sizeof(ScanKeyData));
	/* resetting the context frees the previous search through its callback */
	MemoryContextReset(so->mcxt);
	MemoryContextRegisterResetCallback(so->mcxt, &so->cleanup);
	so->started = false;
	so->exhausted = false;
	so->null_next = 0;
	so->query = NULL;
	if (scan->numberOfOrderBys > 0 &&
		!(scan->orderByData[0].sk_flags & SK_ISNULL))
	{
		old = MemoryContextSwitchTo(so->mcxt);
		so->query =
			(Vector *) PG_DETOAST_DATUM_COPY(scan->orderByData[0].sk_argument);
		MemoryContextSwitchTo(old);
	}
}

/* Opens the index and starts the core's search from the entry point. */
static void
start_search(IndexScanDesc scan)
{
	HnswScanOpaque *so = (HnswScanOpaque *) scan->opaque;
	HnswIndex *hi = &so->hi;
	MemoryContext old = MemoryContextSwitchTo(so->mcxt);
	mvvd_error err;
	mvvd_status status;

	so->started = true;
	HnswOpenIndex(scan->indexRelation, hi);
	if (scan->numberOfOrderBys == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("an mvvd_hnsw index can only be scanned with an "
						"ORDER BY distance")));
	if (so->query && hi->meta.dims > 0 && so->query->dim != hi->meta.dims)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("different vector dimensions %d and %d",
							   hi->meta.dims, so->query->dim),
						errdetail("Index \"%s\" holds %d-dimensional vectors.",
								  RelationGetRelationName(scan->indexRelation),
								  hi->meta.dims)));
	if (so->query == NULL || hi->meta.entry_id == MVVD_NO_ELEMENT)
	{
		so->exhausted = so->query != NULL;
		MemoryContextSwitchTo(old);
		return;
	}

	so->search =
		mvvd_hnsw_scan_create(mvvd_hnsw_ef_search, mvvd_hnsw_iterative_scan,
							  (size_t) mvvd_hnsw_max_scan_tuples, &err);
	if (so->search == NULL)
		MvvdReportStatus(MVVD_OUT_OF_MEMORY, &err, "starting an HNSW scan");
	HnswGraphInit(&so->graph, &so->callbacks, hi, so->query->x);
	status =
		mvvd_hnsw_scan_start(so->search, &so->callbacks, 2 * hi->meta.m,
							 hi->meta.entry_id, hi->meta.entry_level, &err);
	HnswGraphCheck(&so->graph, status, &err, "starting an HNSW scan");
	MemoryContextSwitchTo(old);
}

/* Sets the scan's current tuple; false if the element is not a live one. */
static bool
return_element(IndexScanDesc scan, uint32 id, bool null_distance,
			   double distance)
{
	HnswScanOpaque *so = (HnswScanOpaque *) scan->opaque;
	HnswElementInfo header;

	if (!HnswReadElement(&so->hi, id, &header) ||
		(header.flags & HNSW_RECORD_DELETED))
		return false;
	scan->xs_heaptid = header.heaptid;
	scan->xs_recheck = false;
	scan->xs_recheckorderby = false;
	scan->xs_orderbyvals[0] = Float8GetDatum(distance);
	scan->xs_orderbynulls[0] = null_distance;
	return true;
}

/* amgettuple */
bool
hnswgettuple(IndexScanDesc scan, ScanDirection dir)
{
	HnswScanOpaque *so = (HnswScanOpaque *) scan->opaque;
	MemoryContext old;

	if (!so->started)
		start_search(scan);
	if (so->exhausted)
		return false;

	old = MemoryContextSwitchTo(so->mcxt);
	for (;;)
	{
		uint32 id;
		float distance;
		bool found;
		mvvd_error err;
		mvvd_status status;

		CHECK_FOR_INTERRUPTS();
		if (so->query == NULL)
		{
			/* every distance is NULL: return the elements in storage order */
			if (so->null_next >= so->hi.meta.next_id)
				break;
			if (return_element(scan, so->null_next++, true, 0))
			{
				MemoryContextSwitchTo(old);
				return true;
			}
			continue;
		}
		status = mvvd_hnsw_scan_next(so->search, &so->callbacks, &id,
									 &distance, &found, &err);
		HnswGraphCheck(&so->graph, status, &err, "scanning an HNSW index");
		if (!found)
			break;
		if (return_element(scan, id, false,
						   mvvd_operator_distance(so->hi.metric, distance)))
		{
			MemoryContextSwitchTo(old);
			return true;
		}
	}
	so->exhausted = true;
	MemoryContextSwitchTo(old);
	return false;
}

/* amendscan */
void
hnswendscan(IndexScanDesc scan)
{
	HnswScanOpaque *so = (HnswScanOpaque *) scan->opaque;

	MemoryContextDelete(so->mcxt); /* frees the core's search */
	pfree(so);
	scan->opaque = NULL;
}
