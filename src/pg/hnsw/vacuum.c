/*
 * VACUUM of an mvvd_hnsw index: marks the elements whose heap rows are dead as deleted, then
 * repairs every live neighbour list that pointed at a deleted element, choosing replacements
 * among the live elements the deleted ones led to and, on upper levels or when too many around
 * it were deleted, among those a search for the element finds; moves the entry point off a
 * deleted element; and links back in any live element no walk from the entry point reaches
 * (also when there were no dead rows: concurrent inserts can leave such elements). An element
 * whose row is dead stays in the graph while one of its copies lives (see copies.c). Deleted
 * elements stay on their pages (paths still run through their lists) until, at the end, the
 * places of those nothing live leads to are freed for new elements (see free_space.c).
 */
#include "postgres.h"

#include <stdint.h>

#include "access/genam.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"

#include "pg/hnsw/hnsw.h"
#include "pg/guard.h"

typedef struct VacuumState
{
	HnswIndex hi;
	uint8 *deleted;	 /* bitmap over element ids: not a live graph element */
	uint8 *to_free;	 /* bitmap: records to flag FREE (NULL: none are freed) */
	uint8 *was_free; /* bitmap: FREE in pass 1 (an insert may take it since) */
	uint32 nelements;
	double live;
	double newly_deleted;
	uint32 best_live; /* a live element with the highest level */
	int best_level;
	HnswFreeCount free_before; /* records that were FREE already */
	uint32 *chains;			   /* elements with copies (not FREE) */
	uint32 nchains;
	uint32 chains_capacity;
} VacuumState;

#define BIT_IS_SET(map, id) (((map)[(id) >> 3] >> ((id) &7)) & 1)
#define SET_BIT(map, id)	((map)[(id) >> 3] |= 1 << ((id) &7))
#define CLEAR_BIT(map, id)	((map)[(id) >> 3] &= ~(1 << ((id) &7)))
#define IS_DELETED(vs, id)	BIT_IS_SET((vs)->deleted, id)
#define SET_DELETED(vs, id) SET_BIT((vs)->deleted, id)

/* A live element of a higher level than any seen so far becomes the entry point's stand-in. */
static void
consider_entry(VacuumState *vs, uint32 id, int level)
{
	if (level > vs->best_level)
	{
		vs->best_level = level;
		vs->best_live = id;
	}
}

/* Takes note of a record in pass 1, once its DELETED flag is final. */
static void
note_record(VacuumState *vs, uint32 id, const HnswRecord *rec)
{
	bool copy = (rec->flags & HNSW_RECORD_COPY) != 0;
	bool dead = (rec->flags & HNSW_RECORD_DELETED) != 0;

	if (rec->flags & HNSW_RECORD_FREE)
	{
		SET_DELETED(vs, id);
		SET_BIT(vs->was_free, id);
		vs->free_before.count++;
		vs->free_before.lowest = Min(vs->free_before.lowest, id);
		return;
	}
	if (!dead)
		vs->live++;
	if (dead || copy)
		SET_DELETED(vs, id);
	else
		consider_entry(vs, id, rec->level);
	/* a dead element leaves the graph (and is freed) unless a copy of it lives */
	if (dead && !copy && vs->to_free)
		SET_BIT(vs->to_free, id);
	if (!copy && rec->next_copy != MVVD_NO_ELEMENT)
	{
		if (vs->nchains == vs->chains_capacity)
		{
			vs->chains_capacity = Max(64, vs->chains_capacity * 2);
			vs->chains =
				vs->chains ? repalloc_huge(vs->chains, sizeof(uint32) *
														   vs->chains_capacity)
						   : palloc(sizeof(uint32) * vs->chains_capacity);
		}
		vs->chains[vs->nchains++] = id;
	}
}

/*
 * Pass 1: flags the records of dead heap rows, page by page (with no callback, only reads the
 * flags), and marks in vs->deleted what is not a live graph element: never written, a copy,
 * free, or deleted with no live copy.
 */
static void
mark_deleted(VacuumState *vs, IndexBulkDeleteCallback callback, void *cb_state)
{
	HnswIndex *hi = &vs->hi;
	const HnswLayout *l = &hi->meta.layout;

	for (uint32 first = 0, last; first < vs->nelements; first = last)
	{
		HnswPlace place = MvvdHnswRecordPlace(l, first);
		Buffer buf;
		HnswEdit edit;
		Page page = NULL;

		/* the elements whose records share first's page */
		last = MvvdHnswRecordPageEnd(l, first, vs->nelements);
		vacuum_delay_point();
		buf = ReadBuffer(hi->rel, place.block);
		LockBuffer(buf, callback ? BUFFER_LOCK_EXCLUSIVE : BUFFER_LOCK_SHARE);
		MvvdHnswEditStart(&edit, hi);
		for (uint32 id = first; id < last; id++)
		{
			HnswRecord *rec =
				MvvdHnswRecordIn(page ? page : BufferGetPage(buf), l,
								 MvvdHnswRecordPlace(l, id));

			if (!(rec->flags & HNSW_RECORD_VALID))
			{
				SET_DELETED(vs, id);
				continue;
			}
			if (callback && !(rec->flags & HNSW_RECORD_DELETED) &&
				callback(&rec->heaptid, cb_state))
			{
				if (page == NULL)
				{
					page = MvvdHnswEditPage(&edit, buf);
					rec =
						MvvdHnswRecordIn(page, l, MvvdHnswRecordPlace(l, id));
				}
				rec->flags |= HNSW_RECORD_DELETED;
				vs->newly_deleted++;
			}
			note_record(vs, id, rec);
		}
		if (page)
			MvvdHnswEditFinish(&edit);
		else
			MvvdHnswEditCancel(&edit);
		UnlockReleaseBuffer(buf);
	}
	/* an element whose own row is dead stays in the graph for its live copies */
	for (uint32 i = 0; i < vs->nchains; i++)
	{
		uint32 id = vs->chains[i];
		HnswElementInfo info;

		vacuum_delay_point();
		if (IS_DELETED(vs, id) && MvvdHnswReadElement(hi, id, &info) &&
			MvvdHnswChainHasLive(hi, id, info.next_copy))
		{
			CLEAR_BIT(vs->deleted, id);
			if (vs->to_free)
				CLEAR_BIT(vs->to_free, id);
			consider_entry(vs, id, info.level);
		}
	}
}

/*
 * Last pass: frees the places of the elements that left the graph and of dead copies (see
 * free_space.c), once every live list that led to them is repaired.
 */
static void
free_places(VacuumState *vs)
{
	if (vs->to_free == NULL)
		return;
	for (uint32 i = 0; i < vs->nchains; i++)
	{
		vacuum_delay_point();
		MvvdHnswFreeChain(&vs->hi, vs->chains[i],
						  IS_DELETED(vs, vs->chains[i]), vs->to_free,
						  vs->nelements);
	}
	MvvdHnswFreePlaces(&vs->hi, vs->to_free, vs->nelements, &vs->free_before);
}

/*
 * Whether a list's link leads to no live element. Nothing links to a free place, so a link to
 * one that was free in pass 1 was made by an insert that took the place since: that element
 * lives, and counts as live from now on (its links are not repaired away).
 */
static bool
links_to_gone(VacuumState *vs, uint32 id)
{
	HnswElementInfo info;

	if (id >= vs->nelements || !IS_DELETED(vs, id))
		return false;
	if (BIT_IS_SET(vs->was_free, id) &&
		MvvdHnswReadElement(&vs->hi, id, &info) &&
		!(info.flags & HNSW_RECORD_FREE))
	{
		CLEAR_BIT(vs->was_free, id);
		CLEAR_BIT(vs->deleted, id);
		return false;
	}
	return true;
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
 * The reached elements nearest to a vector on level 0 that a search from the entry point finds
 * (deleted elements still hold their lists, so paths through them still lead somewhere; they
 * are passed through, not kept): the search goes on past its beam, up to a bound, until
 * `enough` are found.
 */
static void
search_reached(VacuumState *vs, uint32 id, const float *vector,
			   const bool *reached, int enough, uint32 *cands, int *n)
{
	HnswIndex *hi = &vs->hi;
	int ef = MvvdHnswOptionEfConstruction(hi->rel);
	HnswSearch *s = palloc(sizeof(HnswSearch));

	MvvdHnswSearchStart(s, hi, vector, ef, MVVD_SCAN_RELAXED,
						(size_t) ef * MvvdHnswMaxListCapacity(hi->meta.m) * 16,
						"repairing HNSW neighbours");
	while (!s->exhausted && *n < enough)
	{
		uint32 next;
		float distance;

		if (MvvdHnswSearchNext(s, &next, &distance,
							   "repairing HNSW neighbours") &&
			next < vs->nelements && reached[next])
			add_candidate(vs, cands, n, next, id);
	}
}

/*
 * What a search for one element's vector from the entry point meets on each of its levels, as
 * an insert of it would: found once per element, when one of its lists needs it.
 */
typedef struct ElementSearch
{
	uint32 id;
	int level;
	const float *vector;
	uint32 *
		found; /* (level + 1) rows of ef_construction ids; NULL until searched */
	int counts[MVVD_HNSW_MAX_LEVEL + 1];
} ElementSearch;

static void
search_element(VacuumState *vs, ElementSearch *es)
{
	HnswIndex *hi = &vs->hi;

	es->found = MvvdHnswFindCandidates(
		hi, es->vector, hi->meta.entry_id, hi->meta.entry_level, es->level,
		MvvdHnswOptionEfConstruction(hi->rel), es->counts,
		"repairing HNSW neighbours");
}

/*
 * Repairs one list of a live element: live neighbours plus the live neighbours of its deleted
 * neighbours. On upper levels, and on level 0 when those do not fill the list (many deleted
 * around it), the live elements a search meets are added too, and the element is linked back
 * from its new neighbours: after a row is updated its old element carried the links between
 * distant parts of the graph (its new one was linked mostly to its old self), and the deleted
 * ones may have been its only way in. The heuristic narrows the candidates to max.
 */
#define REPAIR_EXPAND                                                         \
	32 /* deleted elements a repair looks through, per list */

static void
repair_list(VacuumState *vs, ElementSearch *es, int level, int max,
			const uint32 *list, int n)
{
	HnswIndex *hi = &vs->hi;
	int ef = MvvdHnswOptionEfConstruction(hi->rel);
	int capacity =
		n + (REPAIR_EXPAND + 1) * MvvdHnswMaxListCapacity(hi->meta.m) + ef;
	uint32 *cands = palloc(sizeof(uint32) * capacity);
	uint32 *hop =
		palloc(sizeof(uint32) * Max(MvvdHnswMaxListCapacity(hi->meta.m), max));
	uint32 expand[REPAIR_EXPAND];
	int nexpand = 0;
	int ncands = 0;
	bool searched = false;
	int nchosen;
	int nheuristic;

	for (int i = 0; i < n; i++)
	{
		if (links_to_gone(vs, list[i]))
		{
			if (nexpand < REPAIR_EXPAND)
				expand[nexpand++] = list[i];
		}
		else
			add_candidate(vs, cands, &ncands, list[i], es->id);
	}
	/*
	 * A deleted neighbour is replaced by the live elements its paths led to, through further
	 * deleted elements if need be (breadth first, up to a bound): when both ends of a link
	 * between two distant parts of the graph are deleted, its live neighbours on either side
	 * are what keeps those parts linked.
	 */
	for (int e = 0; e < nexpand; e++)
	{
		int nhop = MvvdHnswReadNeighbors(hi, expand[e], level, hop,
										 MvvdHnswMaxListCapacity(hi->meta.m));

		for (int j = 0; j < nhop; j++)
		{
			bool seen = false;

			if (hop[j] >= vs->nelements || !IS_DELETED(vs, hop[j]))
			{
				add_candidate(vs, cands, &ncands, hop[j], es->id);
				continue;
			}
			for (int k = 0; k < nexpand && !seen; k++)
				seen = expand[k] == hop[j];
			if (!seen && nexpand < REPAIR_EXPAND)
				expand[nexpand++] = hop[j];
		}
	}
	if ((level > 0 || ncands < max) && hi->meta.entry_id != MVVD_NO_ELEMENT)
	{
		if (es->found == NULL)
			search_element(vs, es);
		for (int i = 0; i < es->counts[level]; i++)
			add_candidate(vs, cands, &ncands, es->found[level * ef + i],
						  es->id);
		searched = true;
	}
	nchosen = MvvdHnswChooseNeighbors(hi, es->vector, level, cands, ncands,
									  max, hop, &nheuristic);
	MvvdHnswSetNeighbors(hi, es->id, level, hop, nchosen, nchosen, false);
	if (searched)
		MvvdHnswLinkBackAll(hi, hop, nchosen, level, es->id, es->vector,
							HNSW_LINK_PRUNE, false);
}

/* Pass 2: repairs the lists of live elements that point at deleted ones. */
static void
repair_graph(VacuumState *vs)
{
	HnswIndex *hi = &vs->hi;
	int capacity = MvvdHnswMaxListCapacity(hi->meta.m);
	uint32 *list = palloc(sizeof(uint32) * capacity);
	float *vector = palloc(sizeof(float) * hi->meta.dims);
	MemoryContext tmp = AllocSetContextCreate(
		CurrentMemoryContext, "mvvd_hnsw repair", ALLOCSET_DEFAULT_SIZES);

	for (uint32 id = 0; id < vs->nelements; id++)
	{
		HnswElementInfo header;
		ElementSearch es;
		MemoryContext old;
		bool have_vector = false;

		if (IS_DELETED(vs, id))
			continue;
		if ((id & 63) == 0)
			vacuum_delay_point();
		if (!MvvdHnswReadElement(hi, id, &header))
			continue;
		es.id = id;
		es.level = Min(header.level, hi->meta.entry_level);
		es.vector = vector;
		es.found = NULL;
		memset(es.counts, 0, sizeof(es.counts));
		old = MemoryContextSwitchTo(tmp);
		for (int level = 0; level <= header.level; level++)
		{
			int n = MvvdHnswReadNeighbors(hi, id, level, list, capacity);
			bool broken = false;

			for (int i = 0; i < n && !broken; i++)
				broken = links_to_gone(vs, list[i]);
			if (!broken)
				continue;
			if (!have_vector)
				MvvdHnswReadVector(hi, id, vector);
			have_vector = true;
			repair_list(vs, &es, level,
						MvvdHnswListCapacity(header.level, level, hi->meta.m),
						list, n);
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(tmp);
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
	meta = MvvdHnswMetaOf(BufferGetPage(buf));
	if (meta->entry_id != MVVD_NO_ELEMENT && meta->entry_id < vs->nelements &&
		IS_DELETED(vs, meta->entry_id))
	{
		HnswEdit edit;

		MvvdHnswEditStart(&edit, hi);
		meta = MvvdHnswMetaOf(MvvdHnswEditPage(&edit, buf));
		meta->entry_id = vs->live > 0 ? vs->best_live : MVVD_NO_ELEMENT;
		meta->entry_level = vs->live > 0 ? vs->best_level : -1;
		MvvdHnswEditFinish(&edit);
	}
	UnlockReleaseBuffer(buf);
}

/*
 * Pass 3: links every live element that no walk from the entry point reaches back into the
 * graph, from the nearest reachable elements a search finds: into their lists if they have
 * room, else into the nearest one's in place of its shortest link, which the element takes
 * over (see MvvdHnswSpliceIn), so nothing reached is cut off and one pass links them all. Such
 * elements lost every way in: their in-links came from deleted elements (a row updated or
 * deleted with most of its neighbours), while their own lists needed no repair. (Giving up
 * instead the shortest link to an element with another in-link, counted over all lists, cut off
 * copies whose other in-links came from their own island.)
 */
#define RECONNECT_LINKS 3
/* reached elements near one out of reach, whose lists may take it */
#define RECONNECT_CANDIDATES 16

/*
 * The reached elements nearest to a vector, by comparing it with every one: for an element
 * whose level-0 neighbourhood is a closed island (a cluster whose every way in was deleted),
 * where a search never leaves the island.
 */
static void
nearest_reached(VacuumState *vs, const float *vector, const bool *reached,
				uint32 *cands, int *n)
{
	HnswIndex *hi = &vs->hi;
	uint32 ids[HNSW_DISTANCE_BATCH];
	float distances[HNSW_DISTANCE_BATCH];
	float best[RECONNECT_LINKS];
	float *scratch = palloc(sizeof(float) * hi->meta.dims);
	uint32 id = 0;

	*n = 0;
	while (id < vs->nelements)
	{
		int batch = 0;

		for (; id < vs->nelements && batch < HNSW_DISTANCE_BATCH; id++)
			if (reached[id] && !IS_DELETED(vs, id))
				ids[batch++] = id;
		MvvdHnswDistances(hi, vector, ids, batch, distances, scratch);
		for (int i = 0; i < batch; i++)
		{
			/* insertion into the few best so far */
			int at = *n < RECONNECT_LINKS ? (*n)++ : RECONNECT_LINKS;

			while (at > 0 && distances[i] < best[at - 1])
			{
				if (at < RECONNECT_LINKS)
				{
					best[at] = best[at - 1];
					cands[at] = cands[at - 1];
				}
				at--;
			}
			if (at < RECONNECT_LINKS)
			{
				best[at] = distances[i];
				cands[at] = ids[i];
			}
		}
	}
}

static void
reconnect(VacuumState *vs)
{
	HnswIndex *hi = &vs->hi;
	int dims = hi->meta.dims;
	uint32 *queue =
		palloc_extended(sizeof(uint32) * vs->nelements, MCXT_ALLOC_HUGE);
	bool *reached =
		palloc_extended(vs->nelements, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	uint32 cands[RECONNECT_CANDIDATES];
	float *vector = palloc(sizeof(float) * dims);
	MemoryContext tmp = AllocSetContextCreate(
		CurrentMemoryContext, "mvvd_hnsw reconnect", ALLOCSET_DEFAULT_SIZES);

	MvvdHnswReadMeta(hi->rel,
					 &hi->meta); /* the entry point repair_entry chose */
	if (hi->meta.entry_id >= vs->nelements)
		return;
	MvvdHnswMarkReachable(hi, hi->meta.entry_id, vs->nelements, reached,
						  queue);
	for (uint32 id = 0; id < vs->nelements; id++)
	{
		MemoryContext old;
		int ncands = 0;
		int linked = 0;

		if (IS_DELETED(vs, id) || reached[id])
			continue;
		vacuum_delay_point();
		old = MemoryContextSwitchTo(tmp);
		MvvdHnswReadVector(hi, id, vector);
		search_reached(vs, id, vector, reached, RECONNECT_CANDIDATES, cands,
					   &ncands);
		if (ncands == 0)
			nearest_reached(vs, vector, reached, cands, &ncands);
		/* into lists with room first: pruning a list could cut off another element */
		linked = MvvdHnswLinkBackAll(hi, cands, Min(ncands, RECONNECT_LINKS),
									 0, id, vector, HNSW_LINK_IF_ROOM, false);
		for (int i = 0; i < ncands && linked == 0; i++)
			linked =
				MvvdHnswSpliceIn(hi, cands[i], id, reached, vs->nelements);
		MemoryContextSwitchTo(old);
		MemoryContextReset(tmp);
		if (linked > 0)
			MvvdHnswMarkReachable(hi, id, vs->nelements, reached, queue);
	}
	MemoryContextDelete(tmp);
}

/* Opens the index for VACUUM, no element marked deleted yet. */
static void
start_vacuum(VacuumState *vs, Relation index)
{
	memset(vs, 0, sizeof(*vs));
	MvvdHnswOpenIndex(index, &vs->hi, true);
	/* elements added after this point are not examined: their rows are not dead */
	vs->nelements = vs->hi.meta.next_id;
	vs->best_level = -1;
	vs->deleted = palloc_extended(vs->nelements / 8 + 1,
								  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	vs->was_free = palloc_extended(vs->nelements / 8 + 1,
								   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	vs->free_before.lowest = MVVD_NO_ELEMENT;
}

/* ambulkdelete */
IndexBulkDeleteResult *
mvvd_hnsw_bulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
					 IndexBulkDeleteCallback callback, void *callback_state)
{
	VacuumState vs;

	start_vacuum(&vs, info->index);
	if (stats == NULL)
		stats =
			(IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));
	if (vs.nelements > 0)
	{
		vs.to_free = palloc_extended(vs.nelements / 8 + 1,
									 MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		mark_deleted(&vs, callback, callback_state);
		if (vs.newly_deleted > 0)
		{
			repair_graph(&vs);
			repair_entry(&vs);
		}
		reconnect(&vs);
		free_places(&vs);
	}
	stats->tuples_removed += vs.newly_deleted;
	stats->num_index_tuples = vs.live;
	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	pfree(vs.deleted);
	pfree(vs.was_free);
	return stats;
}

/* amvacuumcleanup */
IndexBulkDeleteResult *
mvvd_hnsw_vacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	if (info->analyze_only)
		return stats;
	if (stats == NULL)
	{
		/* no dead rows: inserts may still have left elements out of reach */
		VacuumState vs;

		start_vacuum(&vs, info->index);
		if (vs.nelements > 0)
		{
			mark_deleted(&vs, NULL, NULL);
			reconnect(&vs);
		}
		pfree(vs.deleted);
		pfree(vs.was_free);
		stats =
			(IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));
		stats->num_index_tuples = info->num_heap_tuples;
		stats->estimated_count = info->estimated_count;
	}
	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	return stats;
}
