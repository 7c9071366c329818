/*
 * Inserting one element into an mvvd_hnsw index on pages (aminsert, and a build past its memory
 * budget). The element gets the next id (a new chunk of pages when the last one is full), its
 * vector and record are written, the core chooses its neighbours by searching the graph through
 * callbacks, and each neighbour is linked back under an exclusive lock on its list page.
 *
 * Lock order: a neighbour-list page (record or upper page) may be held while vector pages are
 * read; a vector page is never held while waiting for another lock. The metapage is locked
 * only on its own, briefly.
 */
#include "postgres.h"

#include "access/xloginsert.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"

#include "pg/compat.h"
#include "pg/hnsw/hnsw.h"
#include "pg/guard.h"
#include "pg/types/multivector.h"
#include "pg/types/vector.h"

/*
 * The indexable vectors of a column value: the vector itself, or a multivector's members (for
 * cosine, all-zero ones are left out), back to back.
 */
void
MvvdHnswRowVectorsOf(HnswIndex *hi, Datum value, HnswRowVectors *row)
{
	const float *x;
	int n;
	int dims;
	float *kept;

	if (hi->multivector)
	{
		MultiVector *mv = DatumGetMultiVector(value);

		x = mv->x;
		n = mv->count;
		dims = mv->dim;
	}
	else
	{
		Vector *v = DatumGetVector(value);

		x = v->x;
		n = 1;
		dims = v->dim;
	}
	row->dims = dims;
	row->count = 0;
	row->vectors = kept = palloc(sizeof(float) * (Size) n * dims);
	for (int i = 0; i < n; i++)
	{
		if (!MvvdIndexable(hi->metric, x + (Size) i * dims, dims))
			continue;
		memcpy(kept + (Size) row->count * dims, x + (Size) i * dims,
			   sizeof(float) * dims);
		row->count++;
	}
}

/*
 * Appends (formats) the pages of a new chunk. Blocks left over from a crash between extending
 * and recording the chunk in the metapage are formatted again rather than skipped.
 */
static void
add_chunk(HnswIndex *hi, uint32 chunk)
{
	const HnswLayout *l = &hi->meta.layout;
	BlockNumber start = MvvdHnswChunkStart(l, chunk);
	BlockNumber nblocks;

	LockRelationForExtension(hi->rel, ExclusiveLock);
	nblocks = RelationGetNumberOfBlocks(hi->rel);
	for (uint32 p = 0; p < l->chunk_pages; p++)
	{
		BlockNumber block = start + p;
		Buffer buf;

		if (block < nblocks)
			buf = ReadBufferExtended(hi->rel, MAIN_FORKNUM, block,
									 RBM_ZERO_AND_LOCK, NULL);
		else
		{
			buf = ReadBufferExtended(hi->rel, MAIN_FORKNUM, P_NEW, RBM_NORMAL,
									 NULL);
			LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		}
		if (BufferGetBlockNumber(buf) != block)
			ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
							errmsg("index \"%s\" has an unexpected size",
								   RelationGetRelationName(hi->rel)),
							errdetail("Block %u was appended where block %u "
									  "was expected.",
									  BufferGetBlockNumber(buf), block),
							errhint("REINDEX the index.")));
		START_CRIT_SECTION();
		MvvdHnswInitPage(BufferGetPage(buf), MvvdHnswChunkPageType(l, p));
		MarkBufferDirty(buf);
		if (!hi->building && RelationNeedsWAL(hi->rel))
			log_newpage_buffer(buf, true);
		END_CRIT_SECTION();
		UnlockReleaseBuffer(buf);
	}
	UnlockRelationForExtension(hi->rel, ExclusiveLock);
}

/*
 * Takes the next count element ids, consecutive (adding chunks as needed), and returns the
 * first. The first vector of an index created empty fixes its dimensions.
 */
uint32
MvvdHnswAllocateElements(HnswIndex *hi, int dims, int count)
{
	Buffer buf = ReadBuffer(hi->rel, HNSW_METAPAGE_BLKNO);
	HnswEdit edit;
	HnswMeta *meta;
	uint32 id;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	meta = MvvdHnswMetaOf(BufferGetPage(buf));
	if (meta->dims != 0 && meta->dims != dims)
		ereport(
			ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("different vector dimensions %d and %d", meta->dims, dims),
			 errdetail("Index \"%s\" holds %d-dimensional vectors.",
					   RelationGetRelationName(hi->rel), meta->dims),
			 errhint("Declare the column as %s(%d), or index an expression "
					 "that picks one size.",
					 meta->multivector ? "multivector" : "vector",
					 meta->dims)));
	if (meta->next_id >= MVVD_NO_ELEMENT - 1 - (uint32) count)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("index \"%s\" is full",
							   RelationGetRelationName(hi->rel)),
						errhint("REINDEX to reclaim deleted elements.")));

	MvvdHnswEditStart(&edit, hi);
	meta = MvvdHnswMetaOf(MvvdHnswEditPage(&edit, buf));
	if (meta->dims == 0)
	{
		meta->dims = dims;
		MvvdHnswComputeLayout(dims, meta->m, meta->multivector, &meta->layout);
	}
	hi->meta = *meta;
	id = meta->next_id;
	meta->next_id += count;
	while ((meta->next_id - 1) / meta->layout.elements_per_chunk >=
		   meta->chunks)
	{
		add_chunk(hi, meta->chunks);
		meta->chunks++;
	}
	hi->meta = *meta;
	MvvdHnswEditFinish(&edit);
	UnlockReleaseBuffer(buf);
	return id;
}

/* Reserves upper slots for an element's levels; returns the level it gets (maybe lower). */
static int
reserve_upper_slots(HnswIndex *hi, uint32 id, int level, uint32 *first_slot)
{
	const HnswLayout *l = &hi->meta.layout;
	uint32 chunk = id / l->elements_per_chunk;
	Buffer buf;
	HnswEdit edit;
	HnswPageOpaque *opaque;
	uint32 capacity = MvvdHnswUpperSlotsPerChunk(l);

	*first_slot = 0;
	if (level == 0)
		return 0;
	buf = ReadBuffer(hi->rel, MvvdHnswFirstUpperBlock(l, chunk));
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	MvvdHnswEditStart(&edit, hi);
	opaque = HnswPageGetOpaque(MvvdHnswEditPage(&edit, buf));
	level = Min((uint32) level, capacity - Min(opaque->counter, capacity));
	*first_slot = opaque->counter;
	opaque->counter += level;
	MvvdHnswEditFinish(&edit);
	UnlockReleaseBuffer(buf);
	return level;
}

/* Writes an element's record (empty lists): from here on it is a valid element. */
static void
write_record(HnswIndex *hi, uint32 id, ItemPointer heaptid, int level,
			 uint32 upper_slot, HnswMember member)
{
	HnswPlace place = MvvdHnswRecordPlace(&hi->meta.layout, id);
	Buffer buf = ReadBuffer(hi->rel, place.block);
	HnswEdit edit;
	HnswRecord *rec;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	MvvdHnswEditStart(&edit, hi);
	rec = MvvdHnswRecordIn(MvvdHnswEditPage(&edit, buf), &hi->meta.layout,
						   place);
	MvvdHnswInitRecord(rec, &hi->meta.layout, hi->meta.m, hi->multivector,
					   heaptid, level, upper_slot, member);
	MvvdHnswEditFinish(&edit);
	UnlockReleaseBuffer(buf);
}

/* Sets the entry point, if this element's level is (still) above it; or the first element. */
static bool
update_entry(HnswIndex *hi, uint32 id, int level, bool only_if_empty)
{
	Buffer buf = ReadBuffer(hi->rel, HNSW_METAPAGE_BLKNO);
	HnswMeta *meta;
	bool updated = false;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	meta = MvvdHnswMetaOf(BufferGetPage(buf));
	if (meta->entry_id == MVVD_NO_ELEMENT ||
		(!only_if_empty && level > meta->entry_level))
	{
		HnswEdit edit;

		MvvdHnswEditStart(&edit, hi);
		meta = MvvdHnswMetaOf(MvvdHnswEditPage(&edit, buf));
		meta->entry_id = id;
		meta->entry_level = level;
		MvvdHnswEditFinish(&edit);
		updated = true;
	}
	UnlockReleaseBuffer(buf);
	return updated;
}

/*
 * Moves the elements that stay in the graph to the front of a candidate list (untouched if
 * there are none); returns their count. Searches pass through deleted elements, but linking a
 * new element to one would give it a neighbour that leads nowhere it could not reach already,
 * and cost it a slot. An element whose own row is dead stays while one of its copies lives (an
 * UPDATE of another column makes every row such a one; linking only to the few new elements
 * then left the next rows with one or two links each).
 */
static int
keep_live(HnswIndex *hi, uint32 *ids, int n)
{
	int left = 0;

	for (int i = 0; i < n; i++)
	{
		HnswElementInfo info;

		if (!MvvdHnswReadElement(hi, ids[i], &info) ||
			(info.flags & (HNSW_RECORD_FREE | HNSW_RECORD_COPY)))
			continue;
		if (!(info.flags & HNSW_RECORD_DELETED) ||
			(info.next_copy != MVVD_NO_ELEMENT &&
			 MvvdHnswChainHasLive(hi, ids[i], info.next_copy)))
			ids[left++] = ids[i];
	}
	return left;
}

/* What a search from the entry point found for a new element, before it is linked. */
typedef struct HnswCandidates
{
	uint32
		*found; /* see MvvdHnswFindCandidates; NULL if the graph was empty */
	int counts[MVVD_HNSW_MAX_LEVEL + 1];
	int ef;
	int entry_level;
} HnswCandidates;

/* Searches the graph for a new element's neighbours on each level up to `level`. */
static void
find_candidates(HnswIndex *hi, const float *vector, int dims, int level,
				HnswCandidates *c)
{
	HnswMeta current;

	MvvdHnswReadMeta(hi->rel, &current);
	c->found = NULL;
	c->ef = MvvdHnswOptionEfConstruction(hi->rel);
	c->entry_level = current.entry_level;
	/* an index filled since it was opened fixed its layout meanwhile */
	if (current.dims != dims)
		return; /* allocating reports it, or it is the first vector */
	hi->meta = current;
	if (current.entry_id != MVVD_NO_ELEMENT)
		c->found = MvvdHnswFindCandidates(
			hi, vector, current.entry_id, current.entry_level, level, c->ef,
			c->counts, "searching for HNSW neighbours");
}

/* Links a written element into the graph: chooses its neighbours and links them back. */
static void
link_element(HnswIndex *hi, uint32 id, int level, const float *vector,
			 HnswCandidates *c)
{
	int m = hi->meta.m;
	uint32 *chosen = palloc(sizeof(uint32) * MvvdHnswMaxListCapacity(m));

	if (c->found == NULL)
	{
		if (update_entry(hi, id, level, true))
			return; /* the first element of the graph */
		find_candidates(hi, vector, hi->meta.dims, level, c);
	}
	for (int l = 0; l <= level; l++)
	{
		uint32 *cands = c->found + (Size) l * c->ef;
		int live = keep_live(hi, cands, c->counts[l]);
		int nchosen;
		/* with none live around it, paths through deleted ones are its only way in */
		int n = MvvdHnswChooseNeighbors(
			hi, vector, l, cands, live > 0 ? live : c->counts[l],
			MvvdHnswListCapacity(level, l, m), chosen, &nchosen);

		MvvdHnswSetNeighbors(hi, id, l, chosen, nchosen, n, true);
		/*
		 * If every neighbour's heuristic drops the new element (typical of a vector far from
		 * the rest), it is kept in its nearest neighbour's list anyway, or nothing would lead
		 * to it.
		 */
		MvvdHnswLinkBackAll(hi, chosen, n, l, id, vector, HNSW_LINK_PRUNE,
							true);
	}
	if (level > c->entry_level)
		update_entry(hi, id, level, false);
}

/*
 * Writes an element whose place and upper slots it has (vector, then record) and links it into
 * the graph.
 */
static void
fill_element(HnswIndex *hi, uint32 id, int level, uint32 upper_slot,
			 const float *vector, ItemPointer heaptid, HnswMember member,
			 HnswCandidates *c)
{
	MvvdHnswWriteVector(hi, id, vector);
	write_record(hi, id, heaptid, level, upper_slot, member);
	link_element(hi, id, level, vector, c);
}

/* Adds an element at a newly allocated id, with upper slots for (up to) its level. */
static void
add_element(HnswIndex *hi, uint32 id, int level, const float *vector,
			ItemPointer heaptid, HnswMember member, HnswCandidates *c)
{
	uint32 upper_slot;

	level = reserve_upper_slots(hi, id, level, &upper_slot);
	fill_element(hi, id, level, upper_slot, vector, heaptid, member, c);
}

/* A level for a new element, drawn as HNSW does. */
static int
draw_level(HnswIndex *hi)
{
	return mvvd_hnsw_random_level(1.0 - MvvdRandomDouble(), hi->meta.m);
}

/*
 * Inserts the vectors of one row (one for a vector column, its members for a multivector
 * column; all indexable, of the index's dimensions). A vector the graph already holds becomes
 * a copy of that element (see copies.c); another takes the place of a deleted element if one is
 * free, else a new one; a multivector's members take consecutive places: free ones if there
 * are as many in a row, else new ones.
 */
void
MvvdHnswInsertVectors(HnswIndex *hi, const float *vectors, int count, int dims,
					  ItemPointer heaptid)
{
	HnswCandidates c;
	uint32 first;
	int level;
	int *levels;

	if (!hi->multivector)
	{
		HnswMember single = {0, 1};
		uint32 equal;
		int taken_level;

		level = draw_level(hi);
		find_candidates(hi, vectors, dims, level, &c);
		equal = c.found ? MvvdHnswFindEqual(hi, vectors, c.found, c.counts[0])
						: MVVD_NO_ELEMENT;
		if (equal != MVVD_NO_ELEMENT &&
			MvvdHnswAttachCopy(hi, equal, vectors, heaptid))
			return;
		/*
		 * A deleted element's place, with its level: its vector and record are written as it
		 * is taken (see free_space.c), so it only needs linking.
		 */
		first = MvvdHnswTakeFree(hi, vectors, 1, dims, heaptid, &taken_level);
		if (first != MVVD_NO_ELEMENT)
		{
			if (taken_level > level)
				find_candidates(hi, vectors, dims, taken_level, &c);
			link_element(hi, first, taken_level, vectors, &c);
			return;
		}
		first = MvvdHnswAllocateElements(hi, dims, 1);
		add_element(hi, first, level, vectors, heaptid, single, &c);
		return;
	}
	levels = palloc(sizeof(int) * count);
	first = MvvdHnswTakeFree(hi, vectors, count, dims, heaptid, levels);
	if (first != MVVD_NO_ELEMENT)
	{
		for (int i = 0; i < count; i++)
		{
			const float *vector = vectors + (Size) i * dims;

			find_candidates(hi, vector, dims, levels[i], &c);
			link_element(hi, first + i, levels[i], vector, &c);
		}
		return;
	}
	first = MvvdHnswAllocateElements(hi, dims, count);
	for (int i = 0; i < count; i++)
	{
		const float *vector = vectors + (Size) i * dims;
		HnswMember member = {(uint16) i, (uint16) count};

		level = draw_level(hi);
		find_candidates(hi, vector, dims, level, &c);
		add_element(hi, first + i, level, vector, heaptid, member, &c);
	}
}

/* aminsert */
bool
mvvd_hnsw_insert(Relation index, Datum *values, bool *isnull,
				 ItemPointer heap_tid, Relation heap,
				 IndexUniqueCheck checkUnique,
#if PG_VERSION_NUM >= 140000
				 bool indexUnchanged,
#endif
				 IndexInfo *indexInfo)
{
	MemoryContext tmp;
	MemoryContext old;
	HnswIndex hi;
	HnswRowVectors row;

	if (isnull[0])
		return false;
	tmp = AllocSetContextCreate(CurrentMemoryContext, "mvvd_hnsw insert",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(tmp);
	MvvdHnswOpenIndex(index, &hi, true);
	MvvdHnswRowVectorsOf(&hi, values[0], &row);
	if (row.count > 0)
		MvvdHnswInsertVectors(&hi, row.vectors, row.count, row.dims, heap_tid);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	return false;
}
