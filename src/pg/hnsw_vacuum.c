/*
 * VACUUM of an mvvd_hnsw index: marks the elements whose heap rows are dead as deleted, then
 * repairs every live neighbour list that pointed at a deleted element, choosing replacements
 * among the deleted elements' own neighbours (the paths that ran through them), and moves the
 * entry point off a deleted element. Deleted elements stay on their pages, unreachable; their
 * space is not reused (REINDEX reclaims it).
 */
#include "postgres.h"

#include "access/genam.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"

#include "hnsw.h"
#include "shim_error.h"

typedef struct VacuumState
{
	HnswIndex hi;
	uint8 *deleted; /* bitmap over element ids */
	uint32 nelements;
	double live;
	double newly_deleted;
	uint32 best_live; /* a live element with the highest level */
	int best_level;
} VacuumState;

#define IS_DELETED(vs, id)	(((vs)->deleted[(id) >> 3] >> ((id) &7)) & 1)
#define SET_DELETED(vs, id) ((vs)->deleted[(id) >> 3] |= 1 << ((id) &7))

/* Pass 1: flags the records of dead heap rows, page by page. */
static void
mark_deleted(VacuumState *vs, IndexBulkDeleteCallback callback, void *cb_state)
{
	HnswIndex *hi = &vs->hi;
	const HnswLayout *l = &hi->meta.layout;

	for (uint32 first = 0, last; first < vs->nelements; first = last)
	{
		HnswPlace place = HnswRecordPlace(l, first);
		Buffer buf;
		HnswEdit edit;
		Page page = NULL;

		/* the elements whose records share first's page */
		last = HnswRecordPageEnd(l, first, vs->nelements);
		vacuum_delay_point();
		buf = ReadBuffer(hi->rel, place.block);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		HnswEditStart(&edit, hi);
		for (uint32 id = first; id < last; id++)
		{
			HnswRecord *rec = HnswRecordIn(page ? page : BufferGetPage(buf), l,
										   HnswRecordPlace(l, id));

			if (!(rec->flags & HNSW_RECORD_VALID))
			{
				SET_DELETED(vs, id);
				continue;
			}
			if (!(rec->flags & HNSW_RECORD_DELETED) &&
				callback(&rec->heaptid, cb_state))
			{
				if (page == NULL)
				{
					page = HnswEditPage(&edit, buf);
					rec = HnswRecordIn(page, l, HnswRecordPlace(l, id));
				}
				rec->flags |= HNSW_RECORD_DELETED;
				vs->newly_deleted++;
			}
			if (rec->flags & HNSW_RECORD_DELETED)
				SET_DELETED(vs, id);
			else
			{
				vs->live++;
				if (rec->level > vs->best_level)
				{
					vs->best_level = rec->level;
					vs->best_live = id;
				}
			}
		}
		if (page)
			HnswEditFinish(&edit);
		else
			HnswEditCancel(&edit);
		UnlockReleaseBuffer(buf);
	}
}

/* Adds id to a candidate list unless present, deleted, or the base itself. */
static void
add_candidate(VacuumState *vs, uint32 *cands, int *n, uint32 id, uint32 base)
{
	if (id == base || id >= vs->nelements || IS_DELETED(vs, id))
		return;
	for (int i = 0; i < *n; i++)
		if (cands[i] == id)
			return;
	cands[(*n)++] = id;
}

/*
 * Repairs one list of a live element: live neighbours plus the live neighbours of its deleted
 * neighbours, narrowed by the heuristic when too many.
 */
static void
repair_list(VacuumState *vs, uint32 id, int level, int max, const uint32 *list,
			int n)
{
	HnswIndex *hi = &vs->hi;
	int dims = hi->meta.dims;
	uint32 *cands = palloc(sizeof(uint32) * (n + 1) * (2 * hi->meta.m + 1));
	uint32 *hop = palloc(sizeof(uint32) * 2 * hi->meta.m);
	int ncands = 0;

	for (int i = 0; i < n; i++)
	{
		if (list[i] < vs->nelements && IS_DELETED(vs, list[i]))
		{
			int nhop =
				HnswReadNeighbors(hi, list[i], level, hop, 2 * hi->meta.m);

			for (int j = 0; j < nhop; j++)
				add_candidate(vs, cands, &ncands, hop[j], id);
		}
		else
			add_candidate(vs, cands, &ncands, list[i], id);
	}
	if (ncands > max)
	{
		float *base = palloc(sizeof(float) * dims);
		float *vectors = palloc(sizeof(float) * dims * ncands);
		int *kept = palloc(sizeof(int) * ncands);
		int nkept;
		mvvd_error err;

		HnswReadVector(hi, id, base);
		for (int i = 0; i < ncands; i++)
			HnswReadVector(hi, cands[i], vectors + (size_t) i * dims);
		MvvdReportStatus(mvvd_hnsw_select(hi->metric, dims, base, vectors,
										  ncands, max, kept, &nkept, &err),
						 &err, "repairing HNSW neighbours");
		for (int i = 0; i < nkept; i++)
			hop[i] = cands[kept[i]];
		HnswSetNeighbors(hi, id, level, hop, nkept);
	}
	else
		HnswSetNeighbors(hi, id, level, cands, ncands);
}

/* Pass 2: repairs the lists of live elements that point at deleted ones. */
static void
repair_graph(VacuumState *vs)
{
	HnswIndex *hi = &vs->hi;
	int capacity = 2 * hi->meta.m;
	uint32 *list = palloc(sizeof(uint32) * capacity);
	MemoryContext tmp = AllocSetContextCreate(
		CurrentMemoryContext, "mvvd_hnsw repair", ALLOCSET_DEFAULT_SIZES);

	for (uint32 id = 0; id < vs->nelements; id++)
	{
		HnswElementInfo header;

		if (IS_DELETED(vs, id))
			continue;
		if ((id & 63) == 0)
			vacuum_delay_point();
		if (!HnswReadElement(hi, id, &header))
			continue;
		for (int level = 0; level <= header.level; level++)
		{
			int n = HnswReadNeighbors(hi, id, level, list, capacity);
			bool broken = false;

			for (int i = 0; i < n && !broken; i++)
				broken = list[i] < vs->nelements && IS_DELETED(vs, list[i]);
			if (broken)
			{
				MemoryContext old = MemoryContextSwitchTo(tmp);

				/* an element on upper levels keeps one level-0 slot for them */
				repair_list(vs, id, level,
							level == 0 && header.level > 0
								? capacity - 1
								: (level == 0 ? capacity : hi->meta.m),
							list, n);
				MemoryContextSwitchTo(old);
				MemoryContextReset(tmp);
			}
		}
	}
	MemoryContextDelete(tmp);
}

/* Moves the entry point to a live element of the highest level when it was deleted. */
static void
repair_entry(VacuumState *vs)
{
	HnswIndex *hi = &vs->hi;
	Buffer buf = ReadBuffer(hi->rel, HNSW_METAPAGE_BLKNO);
	HnswMeta *meta;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	meta = (HnswMeta *) HnswPagePayload(BufferGetPage(buf));
	if (meta->entry_id != MVVD_NO_ELEMENT && meta->entry_id < vs->nelements &&
		IS_DELETED(vs, meta->entry_id))
	{
		HnswEdit edit;

		HnswEditStart(&edit, hi);
		meta = (HnswMeta *) HnswPagePayload(HnswEditPage(&edit, buf));
		meta->entry_id = vs->live > 0 ? vs->best_live : MVVD_NO_ELEMENT;
		meta->entry_level = vs->live > 0 ? vs->best_level : -1;
		HnswEditFinish(&edit);
	}
	UnlockReleaseBuffer(buf);
}

/* ambulkdelete */
IndexBulkDeleteResult *
hnswbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			   IndexBulkDeleteCallback callback, void *callback_state)
{
	VacuumState vs;

	memset(&vs, 0, sizeof(vs));
	HnswOpenIndex(info->index, &vs.hi);
	/* elements added after this point are not examined: their rows are not dead */
	vs.nelements = vs.hi.meta.next_id;
	vs.best_level = -1;
	vs.deleted = palloc_extended(vs.nelements / 8 + 1,
								 MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	if (stats == NULL)
		stats =
			(IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));
	if (vs.nelements > 0)
	{
		mark_deleted(&vs, callback, callback_state);
		if (vs.newly_deleted > 0)
		{
			repair_graph(&vs);
			repair_entry(&vs);
		}
	}
	stats->tuples_removed += vs.newly_deleted;
	stats->num_index_tuples = vs.live;
	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	pfree(vs.deleted);
	return stats;
}

/* amvacuumcleanup */
IndexBulkDeleteResult *
hnswvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	if (info->analyze_only)
		return stats;
	if (stats == NULL)
	{
		stats =
			(IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));
		stats->num_index_tuples = info->num_heap_tuples;
		stats->estimated_count = info->estimated_count;
	}
	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	return stats;
}
