/*
 * Reusing the places of deleted elements, so that an index under churn (rows deleted or
 * updated, VACUUM, new rows) stays the size of a fresh build.
 *
 * VACUUM, once it has repaired every live list that led to a deleted element, flags FREE the
 * records no live list or chain leads to any more: deleted elements without live copies, their
 * copies, and dead copies it unlinks from the chains of live elements. Each gets the VACUUM's
 * stamp; once VACUUM has waited for every scan that was walking a chain of copies (scans hold
 * HNSW_CHAIN_LOCK while they do), it publishes the stamp in the metapage, with the count and the
 * lowest free id, and inserts may take those places. A new element takes a place with its level
 * and upper slots, which keeps the distribution of levels that of a fresh graph.
 *
 * A scan can still hold the id of a freed element among its candidates (read from a list before
 * the repair, or from a list that links it still: a deleted element's, or one an insert wrote
 * while VACUUM ran), with a distance measured on the vector from before a new element took the
 * place. So scans measure an element again before returning its rows (see scan.c): a changed
 * distance means the row was inserted after the scan began, and is not one it should return.
 * A multivector row's vectors are consecutive elements: a new row takes a run of as many
 * consecutive free places (a deleted row's, or part of one), or new ones.
 */
#include "postgres.h"

#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"

#include "pg/hnsw/hnsw.h"

/*
 * Sets a record's next_copy to value if it is expect; false, with nothing changed, if it is
 * not (an insert attached a newer copy meanwhile).
 */
static bool
swap_next_copy(HnswIndex *hi, uint32 id, uint32 expect, uint32 value)
{
	HnswPlace place = MvvdHnswRecordPlace(&hi->meta.layout, id);
	Buffer buf = ReadBuffer(hi->rel, place.block);
	HnswRecord *rec;
	bool swapped = false;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	rec = MvvdHnswRecordIn(BufferGetPage(buf), &hi->meta.layout, place);
	if (rec->next_copy == expect)
	{
		HnswEdit edit;

		MvvdHnswEditStart(&edit, hi);
		rec = MvvdHnswRecordIn(MvvdHnswEditPage(&edit, buf), &hi->meta.layout,
							   place);
		rec->next_copy = value;
		MvvdHnswEditFinish(&edit);
		swapped = true;
	}
	UnlockReleaseBuffer(buf);
	return swapped;
}

/*
 * Points the element at new_first where it pointed at old_first. If an insert attached newer
 * copies meanwhile, the oldest of them points at old_first instead, and is changed (only VACUUM
 * changes the next_copy of a copy).
 */
static void
relink_element(HnswIndex *hi, uint32 element, uint32 old_first,
			   uint32 new_first)
{
	HnswElementInfo info;
	uint32 at;

	if (swap_next_copy(hi, element, old_first, new_first) ||
		!MvvdHnswReadElement(hi, element, &info))
		return;
	for (at = info.next_copy; at != MVVD_NO_ELEMENT; at = info.next_copy)
	{
		if (!MvvdHnswReadElement(hi, at, &info))
			return;
		if (info.next_copy == old_first)
		{
			swap_next_copy(hi, at, old_first, new_first);
			return;
		}
	}
}

/*
 * Frees the chain of an element: all of it when the element leaves the graph (free_all: then
 * its copies are all dead, and no insert attaches to it), else its dead copies, which it first
 * unlinks. Marks what it frees in the bitmap to_free (of ids below nelements: later ones are
 * new, so live). A scan walking the chain meanwhile meets either link; both lead to records that
 * no insert takes before the scan is done (see MvvdHnswFreePlaces).
 */
void
MvvdHnswFreeChain(HnswIndex *hi, uint32 element, bool free_all, uint8 *to_free,
				  uint32 nelements)
{
	HnswElementInfo info;
	uint32 *ids = NULL;
	bool *live = NULL;
	int n = 0;
	int capacity = 0;
	uint32 next_live = MVVD_NO_ELEMENT;

	if (!MvvdHnswReadElement(hi, element, &info))
		return;
	for (uint32 at = info.next_copy; at != MVVD_NO_ELEMENT;
		 at = info.next_copy)
	{
		CHECK_FOR_INTERRUPTS();
		/* ids decrease along a chain (see copies.c); anything else is damage */
		if ((n > 0 && at >= ids[n - 1]) || at <= element ||
			!MvvdHnswReadElement(hi, at, &info) ||
			!(info.flags & HNSW_RECORD_COPY))
			break;
		if (n == capacity)
		{
			capacity = Max(16, capacity * 2);
			ids = ids ? repalloc(ids, sizeof(uint32) * capacity)
					  : palloc(sizeof(uint32) * capacity);
			live = live ? repalloc(live, sizeof(bool) * capacity)
						: palloc(sizeof(bool) * capacity);
		}
		ids[n] = at;
		live[n++] = !free_all && !(info.flags & HNSW_RECORD_DELETED);
	}
	/* from the end back: each kept record (the element at -1) to the next live copy */
	for (int i = n - 1; i >= -1 && !free_all; i--)
	{
		uint32 current = i + 1 < n ? ids[i + 1] : MVVD_NO_ELEMENT;

		if (i >= 0 && !live[i])
			continue;
		if (current != next_live && i >= 0)
			swap_next_copy(hi, ids[i], current, next_live);
		else if (current != next_live)
			relink_element(hi, element, current, next_live);
		if (i >= 0)
			next_live = ids[i];
	}
	for (int i = 0; i < n; i++)
		if (!live[i] && ids[i] < nelements)
			to_free[ids[i] >> 3] |= 1 << (ids[i] & 7);
}

/* Sets the metapage's hints after VACUUM freed places. */
static void
set_free_hints(HnswIndex *hi, uint32 now_free, uint32 lowest, uint64 stamp)
{
	Buffer buf = ReadBuffer(hi->rel, HNSW_METAPAGE_BLKNO);
	HnswEdit edit;
	HnswMeta *meta;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	MvvdHnswEditStart(&edit, hi);
	meta = MvvdHnswMetaOf(MvvdHnswEditPage(&edit, buf));
	meta->free_count = now_free;
	meta->free_cursor = lowest;
	meta->free_stamp = stamp;
	MvvdHnswEditFinish(&edit);
	UnlockReleaseBuffer(buf);
}

/*
 * Flags FREE the records marked in to_free (ids below nelements), page by page, waits for the
 * scans walking chains, and lets inserts take the places; before counts the places that were
 * free already. Returns how many it freed.
 */
uint32
MvvdHnswFreePlaces(HnswIndex *hi, const uint8 *to_free, uint32 nelements,
				   const HnswFreeCount *before)
{
	const HnswLayout *l = &hi->meta.layout;
	HnswMeta meta;
	uint64 stamp;
	uint32 freed = 0;
	uint32 lowest = before->lowest;

	MvvdHnswReadMeta(hi->rel, &meta);
	stamp = meta.free_stamp + 1;
	for (uint32 first = 0, last; first < nelements; first = last)
	{
		Buffer buf;
		HnswEdit edit;
		Page page;
		bool any = false;

		last = MvvdHnswRecordPageEnd(l, first, nelements);
		for (uint32 id = first; id < last && !any; id++)
			any = (to_free[id >> 3] >> (id & 7)) & 1;
		if (!any)
			continue;
		vacuum_delay_point();
		buf = ReadBuffer(hi->rel, MvvdHnswRecordPlace(l, first).block);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		MvvdHnswEditStart(&edit, hi);
		page = MvvdHnswEditPage(&edit, buf);
		for (uint32 id = first; id < last; id++)
		{
			HnswRecord *rec =
				MvvdHnswRecordIn(page, l, MvvdHnswRecordPlace(l, id));

			/*
			 * Only what is still deleted: a row's record is never freed, whatever happened
			 * to the place since the first pass read it.
			 */
			if (!((to_free[id >> 3] >> (id & 7)) & 1) ||
				!(rec->flags & HNSW_RECORD_VALID) ||
				!(rec->flags & HNSW_RECORD_DELETED) ||
				(rec->flags & HNSW_RECORD_FREE))
				continue;
			rec->flags |= HNSW_RECORD_FREE | HNSW_RECORD_DELETED;
			MvvdHnswSetFreeStamp(rec, stamp);
			freed++;
			lowest = Min(lowest, id);
		}
		MvvdHnswEditFinish(&edit);
		UnlockReleaseBuffer(buf);
	}
	if (freed == 0)
		stamp = meta.free_stamp;
	else
	{
		/* a scan in the middle of a chain may be about to read a freed copy */
		LockPage(hi->rel, HNSW_CHAIN_LOCK, ExclusiveLock);
		UnlockPage(hi->rel, HNSW_CHAIN_LOCK, ExclusiveLock);
	}
	set_free_hints(hi, before->count + freed, lowest, stamp);
	return freed;
}
/*
 * The record pages a run of places lies on, locked exclusively in order (ids ascend with
 * blocks). A chunk's last record page may be partly filled, and a run may cross chunks, so a run
 * of count records can lie on up to count pages.
 */
typedef struct RunPages
{
	int n;
	Buffer buf[FLEXIBLE_ARRAY_MEMBER];
} RunPages;

static RunPages *
lock_run(HnswIndex *hi, uint32 first, int count)
{
	const HnswLayout *l = &hi->meta.layout;
	RunPages *pages =
		palloc(offsetof(RunPages, buf) + sizeof(Buffer) * (Size) count);

	pages->n = 0;
	for (uint32 id = first; id < first + count;
		 id = MvvdHnswRecordPageEnd(l, id, first + count))
	{
		Buffer buf = ReadBuffer(hi->rel, MvvdHnswRecordPlace(l, id).block);

		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		pages->buf[pages->n++] = buf;
	}
	return pages;
}

static void
unlock_run(RunPages *pages)
{
	for (int i = 0; i < pages->n; i++)
		UnlockReleaseBuffer(pages->buf[i]);
	pfree(pages);
}

/*
 * Makes `count` consecutive free records that may be taken the records of a new row's elements
 * (count 1 for a vector index; a multivector's members, in order), with their vectors and the
 * row's heap TID, each keeping its level and upper slots (whose lists it empties; levels[i]
 * becomes member i's level); false if another insert took one of them first.
 *
 * All of it is written before the record pages' locks are let go, so the records go from free
 * to live in one step. A record taken but not yet written would be deleted and not free: a
 * VACUUM whose first pass read it then would count it a deleted element, free it again under
 * the row written there meanwhile (lost to every scan) and let another insert take it.
 * Lock order: the record pages in order, then the elements' upper and vector pages, which
 * nobody holds while waiting for another lock. Should the server stop half way, the records
 * not yet written are still free.
 */
static bool
take(HnswIndex *hi, uint32 first, int count, uint64 stamp,
	 const float *vectors, ItemPointer heaptid, int *levels)
{
	const HnswLayout *l = &hi->meta.layout;
	RunPages *pages = lock_run(hi, first, count);
	int page = 0;

	for (int i = 0; i < count; i++)
	{
		uint32 id = first + i;
		HnswRecord *rec;

		if (i > 0 && MvvdHnswRecordPlace(l, id).block !=
						 MvvdHnswRecordPlace(l, id - 1).block)
			page++;
		rec = MvvdHnswRecordIn(BufferGetPage(pages->buf[page]), l,
							   MvvdHnswRecordPlace(l, id));
		if (!(rec->flags & HNSW_RECORD_FREE) ||
			MvvdHnswFreeStampOf(rec) > stamp)
		{
			unlock_run(pages);
			return false;
		}
	}
	page = 0;
	for (int i = 0; i < count; i++)
	{
		uint32 id = first + i;
		HnswPlace place = MvvdHnswRecordPlace(l, id);
		HnswMember member = {(uint16) i, (uint16) count};
		HnswRecord *rec;
		HnswEdit edit;
		uint32 upper_slot;

		if (i > 0 && place.block != MvvdHnswRecordPlace(l, id - 1).block)
			page++;
		rec = MvvdHnswRecordIn(BufferGetPage(pages->buf[page]), l, place);
		levels[i] = rec->level;
		upper_slot = rec->level > 0 ? MvvdHnswUpperSlotOf(rec, hi->meta.m) : 0;
		MvvdHnswEmptyUpperLists(hi, id, levels[i], upper_slot);
		/* the vector before the record says it is live (see elements.c) */
		MvvdHnswWriteVector(hi, id, vectors + (Size) i * hi->meta.dims);
		MvvdHnswEditStart(&edit, hi);
		rec = MvvdHnswRecordIn(MvvdHnswEditPage(&edit, pages->buf[page]), l,
							   place);
		MvvdHnswInitRecord(rec, l, hi->meta.m, hi->multivector, heaptid,
						   levels[i], upper_slot, member);
		MvvdHnswEditFinish(&edit);
	}
	unlock_run(pages);
	return true;
}

/*
 * The first id of `count` consecutive free records that may be taken (freed with a stamp up to
 * stamp) among [from, end), looking through at most `budget` record pages; MVVD_NO_ELEMENT if
 * there is none, with *stopped the first id it did not look at. *lowest becomes the lowest free
 * record seen (taken or not, and one whose VACUUM has not finished), if lower.
 */
static uint32
find_run(HnswIndex *hi, uint32 from, uint32 end, int count, uint64 stamp,
		 int budget, uint32 *lowest, uint32 *stopped)
{
	const HnswLayout *l = &hi->meta.layout;
	uint32 run_first = MVVD_NO_ELEMENT;
	int run = 0;

	uint32 first;

	for (first = from; first < end && budget-- > 0;
		 first = MvvdHnswRecordPageEnd(l, first, end))
	{
		uint32 last = MvvdHnswRecordPageEnd(l, first, end);
		Buffer buf;

		CHECK_FOR_INTERRUPTS();
		buf = MvvdHnswPin(hi, MvvdHnswRecordPlace(l, first).block);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		for (uint32 id = first; id < last; id++)
		{
			HnswRecord *rec = MvvdHnswRecordIn(BufferGetPage(buf), l,
											   MvvdHnswRecordPlace(l, id));
			bool is_free = (rec->flags & HNSW_RECORD_FREE) != 0;

			if (is_free)
				*lowest = Min(*lowest, id);
			if (is_free && MvvdHnswFreeStampOf(rec) <= stamp)
			{
				if (run++ == 0)
					run_first = id;
				if (run == count)
				{
					UnlockReleaseBuffer(buf);
					return run_first;
				}
				continue;
			}
			run = 0;
		}
		UnlockReleaseBuffer(buf);
	}
	*stopped = first;
	return MVVD_NO_ELEMENT;
}

/*
 * After an insert looked for free places from the metapage's cursor (as it saw the metapage):
 * count fewer if it took a run of them. The cursor goes to the lowest free place it saw, as
 * any free place may serve a later row of one vector; but after a vain search for a longer run
 * (a multivector row), to where it stopped looking, so that free runs too short for most rows
 * do not make every insert read the same pages (the next VACUUM points the cursor back at
 * them). None are free at all if it saw none up to the end. Unchanged if a VACUUM or another
 * insert moved the cursor meanwhile.
 */
static void
update_free_hints(HnswIndex *hi, const HnswMeta *seen, bool taken, int count,
				  uint32 lowest, uint32 stopped)
{
	Buffer buf = ReadBuffer(hi->rel, HNSW_METAPAGE_BLKNO);
	HnswEdit edit;
	HnswMeta *meta;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	meta = MvvdHnswMetaOf(BufferGetPage(buf));
	if (meta->free_stamp == seen->free_stamp &&
		meta->free_cursor == seen->free_cursor)
	{
		MvvdHnswEditStart(&edit, hi);
		meta = MvvdHnswMetaOf(MvvdHnswEditPage(&edit, buf));
		if (taken)
			meta->free_count -= Min(meta->free_count, (uint32) count);
		else if (lowest == MVVD_NO_ELEMENT && stopped >= seen->next_id)
			meta->free_count = 0;
		if (lowest == MVVD_NO_ELEMENT || (!taken && count > 1))
			meta->free_cursor = stopped;
		else
			meta->free_cursor = lowest;
		MvvdHnswEditFinish(&edit);
	}
	UnlockReleaseBuffer(buf);
}

/* Record pages an insert looks through for a run of free places before it allocates new ones. */
#define FREE_SEARCH_PAGES 256
/*
 * Record pages a run taken may lie on: take holds them all (Postgres allows a backend 200
 * lightweight locks); a longer row gets new places.
 */
#define RUN_PAGES_MAX 64

/*
 * Takes free places for the `count` vectors of a new row (one for a vector index; a
 * multivector's members, which take consecutive places) of dims dimensions, and the row's heap
 * TID, if there are such places that may be taken: returns the first id, with the level each
 * element gets in levels; MVVD_NO_ELEMENT if there are none. The vectors and records are written
 * there (see take), with empty lists: the caller links the elements into the graph.
 */
uint32
MvvdHnswTakeFree(HnswIndex *hi, const float *vectors, int count, int dims,
				 ItemPointer heaptid, int *levels)
{
	HnswMeta meta;
	uint32 from;
	uint32 lowest = MVVD_NO_ELEMENT;
	uint32 stopped = MVVD_NO_ELEMENT;

	/* vectors of other dimensions take no place: allocating reports them */
	if (dims != hi->meta.dims || count < 1 ||
		count > (RUN_PAGES_MAX - 2) * hi->meta.layout.records_per_page)
		return MVVD_NO_ELEMENT;
	MvvdHnswReadMeta(hi->rel, &meta);
	if (meta.free_count < (uint32) count)
		return MVVD_NO_ELEMENT;
	from = meta.free_cursor;
	for (;;)
	{
		uint32 id = find_run(hi, from, meta.next_id, count, meta.free_stamp,
							 FREE_SEARCH_PAGES, &lowest, &stopped);

		if (id == MVVD_NO_ELEMENT)
			break;
		if (take(hi, id, count, meta.free_stamp, vectors, heaptid, levels))
		{
			update_free_hints(hi, &meta, true, count, lowest, id);
			return id;
		}
		from =
			id + 1; /* another insert took one of them: look on from there */
	}
	update_free_hints(hi, &meta, false, count, lowest, stopped);
	return MVVD_NO_ELEMENT;
}
