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
 * Multivector indexes keep the vectors of a row as consecutive elements and free no places.
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
 * Makes a free record that may be taken the record of a new element, with its vector and heap
 * TID (keeping its level and upper slots, whose lists it empties); false if another insert took
 * it first.
 *
 * All of it is written before the record page's lock is let go, so the record goes from free
 * to live in one step. A record taken but not yet written would be deleted and not free: a
 * VACUUM whose first pass read it then would count it a deleted element, free it again under
 * the row written there meanwhile (lost to every scan) and let another insert take it.
 * Lock order: the record page, then the element's upper and vector pages, which nobody holds
 * while waiting for another lock. Should the server stop half way, the record is still free.
 */
static bool
take(HnswIndex *hi, uint32 id, uint64 stamp, const float *vector,
	 ItemPointer heaptid, int *level)
{
	const HnswLayout *l = &hi->meta.layout;
	HnswPlace place = MvvdHnswRecordPlace(l, id);
	Buffer buf = ReadBuffer(hi->rel, place.block);
	HnswRecord *rec;
	HnswEdit edit;
	HnswMember single = {0, 1};
	uint32 upper_slot;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	rec = MvvdHnswRecordIn(BufferGetPage(buf), l, place);
	if (!(rec->flags & HNSW_RECORD_FREE) || MvvdHnswFreeStampOf(rec) > stamp)
	{
		UnlockReleaseBuffer(buf);
		return false;
	}
	*level = rec->level;
	upper_slot = rec->level > 0 ? MvvdHnswUpperSlotOf(rec, hi->meta.m) : 0;
	MvvdHnswEmptyUpperLists(hi, id, *level, upper_slot);
	/* the vector before the record says it is live (see elements.c) */
	MvvdHnswWriteVector(hi, id, vector);
	MvvdHnswEditStart(&edit, hi);
	rec = MvvdHnswRecordIn(MvvdHnswEditPage(&edit, buf), l, place);
	MvvdHnswInitRecord(rec, l, hi->meta.m, false, heaptid, *level, upper_slot,
					   single);
	MvvdHnswEditFinish(&edit);
	UnlockReleaseBuffer(buf);
	return true;
}

/*
 * The first free record on the page of the records [first, last) that may be taken (freed with
 * a stamp up to stamp), or MVVD_NO_ELEMENT; *waiting becomes the first one that may not be taken
 * yet (its VACUUM has not finished), if it is lower.
 */
static uint32
free_on_page(HnswIndex *hi, uint32 first, uint32 last, uint64 stamp,
			 uint32 *waiting)
{
	const HnswLayout *l = &hi->meta.layout;
	Buffer buf = MvvdHnswPin(hi, MvvdHnswRecordPlace(l, first).block);
	uint32 found = MVVD_NO_ELEMENT;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	for (uint32 id = first; id < last && found == MVVD_NO_ELEMENT; id++)
	{
		HnswRecord *rec = MvvdHnswRecordIn(BufferGetPage(buf), l,
										   MvvdHnswRecordPlace(l, id));

		if (!(rec->flags & HNSW_RECORD_FREE))
			continue;
		if (MvvdHnswFreeStampOf(rec) <= stamp)
			found = id;
		else
			*waiting = Min(*waiting, id);
	}
	UnlockReleaseBuffer(buf);
	return found;
}

/*
 * After an insert looked for free places from the metapage's cursor (as it saw the metapage):
 * one fewer if it took one (taken), and none below the lower of taken and the first place that
 * may not be taken yet (waiting); or none at all if it found neither. Unchanged if a VACUUM or
 * another insert moved the cursor meanwhile.
 */
static void
update_free_hints(HnswIndex *hi, const HnswMeta *seen, uint32 taken,
				  uint32 waiting)
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
		if (taken != MVVD_NO_ELEMENT)
			meta->free_count -= Min(meta->free_count, 1);
		else if (waiting == MVVD_NO_ELEMENT)
			meta->free_count = 0;
		meta->free_cursor = Min(taken, waiting);
		if (meta->free_cursor == MVVD_NO_ELEMENT)
			meta->free_cursor = seen->next_id;
		MvvdHnswEditFinish(&edit);
	}
	UnlockReleaseBuffer(buf);
}

/*
 * Takes a free place for a new element of a vector index (a vector of dims dimensions and the
 * row's heap TID), if one may be taken: returns its id, with the level the element gets;
 * MVVD_NO_ELEMENT if there is none. The element's vector and record are written there (see
 * take), with empty lists: the caller links it into the graph.
 */
uint32
MvvdHnswTakeFree(HnswIndex *hi, const float *vector, int dims,
				 ItemPointer heaptid, int *level)
{
	HnswMeta meta;
	uint32 waiting = MVVD_NO_ELEMENT;

	/* a vector of other dimensions takes no place: allocating reports it */
	if (hi->multivector || dims != hi->meta.dims)
		return MVVD_NO_ELEMENT;
	MvvdHnswReadMeta(hi->rel, &meta);
	if (meta.free_count == 0)
		return MVVD_NO_ELEMENT;
	for (uint32 first = meta.free_cursor, last; first < meta.next_id;
		 first = last)
	{
		uint32 id;

		CHECK_FOR_INTERRUPTS();
		last = MvvdHnswRecordPageEnd(&hi->meta.layout, first, meta.next_id);
		id = free_on_page(hi, first, last, meta.free_stamp, &waiting);
		if (id == MVVD_NO_ELEMENT)
			continue;
		if (take(hi, id, meta.free_stamp, vector, heaptid, level))
		{
			update_free_hints(hi, &meta, id, waiting);
			return id;
		}
		last = id + 1; /* another insert took it: look on from there */
	}
	update_free_hints(hi, &meta, MVVD_NO_ELEMENT, waiting);
	return MVVD_NO_ELEMENT;
}
