/*
 * mvvd_hnsw_check(index): checks the invariants of an mvvd_hnsw graph and returns one row per
 * finding, nothing when the index is sound. 'error' rows mean the index is damaged (REINDEX it);
 * Copies (see copies.c) must each be in the chain of one element, in order, and in no list;
 * chains lead to no free place (see free_space.c).
 * 'warning' rows are states the graph can legitimately be in but that cost recall: links to
 * deleted elements (VACUUM repairs them) and live elements no search from the entry point
 * reaches (heuristic pruning leaves a few such in any HNSW graph).
 */
#include "postgres.h"

#include "access/relation.h"
#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#include "pg/compat.h"
#include "pg/hnsw/hnsw.h"

PG_FUNCTION_INFO_V1(mvvd_hnsw_check);

typedef struct CheckState
{
	Tuplestorestate *store;
	TupleDesc desc;
	HnswIndex hi;
	uint32 nelements;
	uint8 *levels;	   /* level + 1 per element; 0 = never written */
	bool *deleted;	   /* not a live graph element: deleted, or a copy */
	bool *deleted_own; /* its own row is dead */
	bool *copy;
	bool *free; /* a place freed for a new element */
	uint32 *next_copy;
	int64 errors;
} CheckState;

static void report(CheckState *cs, const char *severity, int64 element,
				   const char *fmt, ...) pg_attribute_printf(4, 5);

/* Adds a finding row. */
static void
report(CheckState *cs, const char *severity, int64 element, const char *fmt,
	   ...)
{
	Datum values[3];
	bool nulls[3] = {false, element < 0, false};
	StringInfoData msg;
	va_list args;

	initStringInfo(&msg);
	for (;;)
	{
		int needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&msg, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&msg, needed);
	}
	values[0] = CStringGetTextDatum(severity);
	values[1] = Int64GetDatum(element);
	values[2] = CStringGetTextDatum(msg.data);
	tuplestore_putvalues(cs->store, cs->desc, values, nulls);
	if (strcmp(severity, "error") == 0)
		cs->errors++;
}

/* An element's place in its multivector row, against the element before it. */
static void
check_member(CheckState *cs, uint32 id, const HnswElementInfo *e,
			 const HnswElementInfo *before)
{
	if (e->member.count == 0 || e->member.index >= e->member.count)
		report(cs, "error", id, "member %d of a row of %d vectors",
			   e->member.index, e->member.count);
	else if (e->member.index > 0 &&
			 (before == NULL ||
			  !ItemPointerEquals((ItemPointer) &before->heaptid,
								 (ItemPointer) &e->heaptid) ||
			  before->member.index + 1 != e->member.index ||
			  before->member.count != e->member.count))
		report(
			cs, "error", id,
			"member %d of its row does not follow member %d of the same row",
			e->member.index, e->member.index - 1);
}

/* Every list of every element: bounds, self links, repeats, targets. */
static void
check_lists(CheckState *cs)
{
	HnswIndex *hi = &cs->hi;
	int capacity = MvvdHnswMaxListCapacity(hi->meta.m);
	uint32 *list = palloc(sizeof(uint32) * (capacity + 1));

	for (uint32 id = 0; id < cs->nelements; id++)
	{
		int level = cs->levels[id] - 1;

		CHECK_FOR_INTERRUPTS();
		for (int l = 0; l <= level; l++)
		{
			int max = MvvdHnswListCapacity(level, l, hi->meta.m);
			int n = MvvdHnswReadNeighbors(hi, id, l, list, capacity + 1);

			if (n > max)
				report(cs, "error", id,
					   "level %d list holds %d ids, more than %d", l, n, max);
			if (cs->copy[id] && n > 0)
				report(cs, "error", id, "a copy with links");
			for (int i = 0; i < Min(n, max); i++)
			{
				uint32 to = list[i];

				if (to == id)
					report(cs, "error", id, "level %d links to itself", l);
				else if (to >= cs->nelements)
					report(cs, "error", id,
						   "level %d links to element %u, beyond the %u "
						   "allocated",
						   l, to, cs->nelements);
				else if (cs->levels[to] == 0)
					report(cs, "error", id,
						   "level %d links to element %u, which was never "
						   "written",
						   l, to);
				else if (cs->levels[to] - 1 < l)
					report(
						cs, "error", id,
						"level %d links to element %u, which has no level %d",
						l, to, l);
				else if (cs->copy[to])
					report(cs, "error", id,
						   "level %d links to element %u, a copy", l, to);
				else if (cs->deleted[to] && !cs->deleted[id])
					report(cs, "warning", id,
						   "level %d links to deleted element %u (VACUUM "
						   "repairs this)",
						   l, to);
				for (int j = 0; j < i; j++)
					if (list[j] == to)
						report(cs, "error", id,
							   "level %d lists element %u twice", l, to);
			}
		}
	}
}

/*
 * Every chain of copies: ids in order, each a copy, each copy in one chain; an element whose
 * row is dead is a live graph element while a copy in its chain lives.
 */
static void
check_copies(CheckState *cs)
{
	bool *chained =
		palloc_extended(cs->nelements, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);

	for (uint32 id = 0; id < cs->nelements; id++)
	{
		bool any_live = false;

		CHECK_FOR_INTERRUPTS();
		if (cs->levels[id] == 0 || cs->copy[id] || cs->free[id])
			continue;
		for (uint32 at = id, next = cs->next_copy[id]; next != MVVD_NO_ELEMENT;
			 at = next, next = cs->next_copy[next])
		{
			if (next >= cs->nelements)
				break; /* added since the check began */
			if (next <= id || (at != id && next >= at) || !cs->copy[next] ||
				cs->free[next] || chained[next])
			{
				report(cs, "error", id,
					   "its chain of copies leads from %u to %u, which is not "
					   "a copy in order, or is free",
					   at, next);
				break;
			}
			chained[next] = true;
			any_live |= !cs->deleted_own[next];
		}
		if (any_live)
			cs->deleted[id] = false;
	}
	for (uint32 id = 0; id < cs->nelements; id++)
		if (cs->copy[id] && !chained[id] && !cs->free[id])
			report(cs, "error", id, "a copy in no element's chain");
}

/* Live elements not reachable on level 0 from the entry point. */
static void
check_reachability(CheckState *cs)
{
	uint32 *queue = palloc_extended(sizeof(uint32) * Max(cs->nelements, 1),
									MCXT_ALLOC_HUGE);
	bool *seen = palloc_extended(Max(cs->nelements, 1),
								 MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);

	if (cs->hi.meta.entry_id >= cs->nelements) /* none, or added since */
		return;
	MvvdHnswMarkReachable(&cs->hi, cs->hi.meta.entry_id, cs->nelements, seen,
						  queue);
	for (uint32 id = 0; id < cs->nelements; id++)
		if (cs->levels[id] > 0 && !cs->deleted[id] && !seen[id])
			report(cs, "warning", id,
				   "not reachable from the entry point on level 0");
}

/* The metapage's entry point against the elements. */
static void
check_entry(CheckState *cs, bool any_live, int max_live_level)
{
	HnswMeta *meta = &cs->hi.meta;

	if (meta->entry_id == MVVD_NO_ELEMENT)
	{
		if (any_live)
			report(cs, "error", -1, "no entry point, but live elements exist");
		return;
	}
	if (meta->entry_id >= cs->nelements || cs->levels[meta->entry_id] == 0)
		report(cs, "error", meta->entry_id,
			   "entry point is not a written element");
	else if (cs->levels[meta->entry_id] - 1 != meta->entry_level)
		report(cs, "error", meta->entry_id,
			   "entry point has level %d, the metapage says %d",
			   cs->levels[meta->entry_id] - 1, meta->entry_level);
	else if (cs->deleted[meta->entry_id] && any_live)
		report(cs, "error", meta->entry_id, "entry point is deleted");
	if (max_live_level > meta->entry_level)
		report(cs, "warning", -1,
			   "a live element has level %d, above the entry point's %d",
			   max_live_level, meta->entry_level);
}

Datum
mvvd_hnsw_check(PG_FUNCTION_ARGS)
{
	Oid indexoid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CheckState cs;
	Relation index;
	bool any_live = false;
	int max_live_level = -1;

	MvvdInitMaterializedSRF(fcinfo);
	memset(&cs, 0, sizeof(cs));
	cs.store = rsinfo->setResult;
	cs.desc = rsinfo->setDesc;

	index = relation_open(indexoid, AccessShareLock);
	if (index->rd_rel->relkind != RELKIND_INDEX ||
		index->rd_rel->relam != get_index_am_oid("mvvd_hnsw", false))
		ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
						errmsg("\"%s\" is not an mvvd_hnsw index",
							   RelationGetRelationName(index))));
	if (pg_class_aclcheck(index->rd_index->indrelid, GetUserId(),
						  ACL_SELECT) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_INDEX,
					   RelationGetRelationName(index));

	MvvdHnswOpenIndex(index, &cs.hi, false);
	cs.nelements = cs.hi.meta.next_id;
	if (cs.hi.meta.dims > 0 && cs.nelements > 0 &&
		RelationGetNumberOfBlocks(index) <
			MvvdHnswChunkStart(&cs.hi.meta.layout, cs.hi.meta.chunks))
		report(&cs, "error", -1, "index has %u blocks, its %u chunks need %u",
			   RelationGetNumberOfBlocks(index), cs.hi.meta.chunks,
			   MvvdHnswChunkStart(&cs.hi.meta.layout, cs.hi.meta.chunks));
	else if (cs.nelements > 0)
	{
		HnswElementInfo previous;
		bool previous_valid = false;

		cs.levels =
			palloc_extended(cs.nelements, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		cs.deleted =
			palloc_extended(cs.nelements, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		cs.deleted_own =
			palloc_extended(cs.nelements, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		cs.copy =
			palloc_extended(cs.nelements, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		cs.free =
			palloc_extended(cs.nelements, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		cs.next_copy =
			palloc_extended(sizeof(uint32) * cs.nelements, MCXT_ALLOC_HUGE);

		for (uint32 id = 0; id < cs.nelements; id++)
		{
			HnswElementInfo header;
			bool valid = MvvdHnswReadElement(&cs.hi, id, &header);

			/* a multivector row's vectors are consecutive elements with one heap TID */
			/* free places keep no row (a VACUUM may have freed part of one) */
			if (valid && cs.hi.multivector &&
				!(header.flags & HNSW_RECORD_FREE) &&
				!(previous_valid && (previous.flags & HNSW_RECORD_FREE)))
				check_member(&cs, id, &header,
							 previous_valid ? &previous : NULL);
			previous = header;
			previous_valid = valid;
			if (!valid)
				continue;
			if (header.level > MVVD_HNSW_MAX_LEVEL)
			{
				report(&cs, "error", id, "level %d is above the maximum %d",
					   header.level, MVVD_HNSW_MAX_LEVEL);
				continue;
			}
			cs.levels[id] = header.level + 1;
			cs.copy[id] = (header.flags & HNSW_RECORD_COPY) != 0;
			cs.free[id] = (header.flags & HNSW_RECORD_FREE) != 0;
			cs.next_copy[id] = header.next_copy;
			cs.deleted_own[id] = (header.flags & HNSW_RECORD_DELETED) != 0;
			cs.deleted[id] = cs.deleted_own[id] || cs.copy[id];
			if (cs.copy[id] && header.level != 0)
				report(&cs, "error", id, "a copy on level %d", header.level);
			if (!cs.deleted[id])
			{
				any_live = true;
				max_live_level = Max(max_live_level, header.level);
			}
		}
		check_copies(&cs);
		check_entry(&cs, any_live, max_live_level);
		check_lists(&cs);
		if (cs.errors == 0)
			check_reachability(&cs);
	}
	relation_close(index, AccessShareLock);
	return (Datum) 0;
}
