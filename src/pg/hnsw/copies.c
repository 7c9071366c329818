/*
 * Copies: rows whose vector equals an element's byte for byte (a catalogue of copied
 * embeddings, non-HOT updates). An insert that meets its own vector among its nearest
 * candidates attaches its heap TID to that element as a copy record instead of adding an
 * element, so equal rows do not fill each other's neighbour lists and cut one another off; a
 * scan that reaches the element returns the TIDs of the element and of its live copies; VACUUM
 * keeps the element in the graph while one of its copies lives. See format.h for the records.
 *
 * A chain runs from the element through its copies, newest first, so the ids along it
 * decrease: a copy is allocated and linked under the element's page lock, after every copy
 * before it. A chain whose ids do not decrease is damage, and cannot loop.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"

#include "pg/hnsw/hnsw.h"

/* How many of an insert's nearest candidates are compared with its vector. */
#define EQUAL_CANDIDATES 3

/* Whether an element's vector is this one, byte for byte. */
static bool
same_vector(HnswIndex *hi, uint32 id, const float *vector)
{
	float *other = palloc(sizeof(float) * hi->meta.dims);
	bool same;

	MvvdHnswReadVector(hi, id, other);
	same = memcmp(other, vector, sizeof(float) * hi->meta.dims) == 0;
	pfree(other);
	return same;
}

/*
 * The element among the first candidates (nearest first) that holds exactly this vector, or
 * MVVD_NO_ELEMENT.
 */
uint32
MvvdHnswFindEqual(HnswIndex *hi, const float *vector, const uint32 *cands,
				  int n)
{
	for (int i = 0; i < Min(n, EQUAL_CANDIDATES); i++)
	{
		HnswElementInfo info;

		if (MvvdHnswReadElement(hi, cands[i], &info) &&
			!(info.flags & (HNSW_RECORD_DELETED | HNSW_RECORD_COPY)) &&
			same_vector(hi, cands[i], vector))
			return cands[i];
	}
	return MVVD_NO_ELEMENT;
}

/*
 * Attaches a row to an element as its newest copy: the copy's record and the element's chain
 * head change in one WAL record. False, with nothing changed, if the element's own row has been
 * deleted meanwhile (VACUUM may be taking it out of the graph); the caller then adds the row as
 * an element.
 *
 * Lock order: the element's record page, then the metapage (to allocate), then the copy's
 * record page, which is never before the element's. Nothing else holds two record pages.
 */
bool
MvvdHnswAttachCopy(HnswIndex *hi, uint32 element, const float *vector,
				   ItemPointer heaptid)
{
	HnswPlace place = MvvdHnswRecordPlace(&hi->meta.layout, element);
	Buffer buf = ReadBuffer(hi->rel, place.block);
	Buffer copy_buf;
	HnswRecord *rec;
	HnswRecord *copy;
	HnswPlace copy_place;
	HnswEdit edit;
	uint32 copy_id;
	HnswMember member = {0, 1};

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	rec = MvvdHnswRecordIn(BufferGetPage(buf), &hi->meta.layout, place);
	/*
	 * Its vector again, now that a new element cannot take its place (that takes this lock):
	 * since the insert compared it, the element may have been deleted and its place taken.
	 */
	if (!(rec->flags & HNSW_RECORD_VALID) ||
		(rec->flags & (HNSW_RECORD_DELETED | HNSW_RECORD_COPY)) ||
		!same_vector(hi, element, vector))
	{
		UnlockReleaseBuffer(buf);
		return false;
	}
	copy_id = MvvdHnswAllocateElements(hi, hi->meta.dims, 1);
	copy_place = MvvdHnswRecordPlace(&hi->meta.layout, copy_id);
	copy_buf = buf;
	if (copy_place.block != place.block)
	{
		copy_buf = ReadBuffer(hi->rel, copy_place.block);
		LockBuffer(copy_buf, BUFFER_LOCK_EXCLUSIVE);
	}
	MvvdHnswEditStart(&edit, hi);
	rec = MvvdHnswRecordIn(MvvdHnswEditPage(&edit, buf), &hi->meta.layout,
						   place);
	copy = MvvdHnswRecordIn(MvvdHnswEditPage(&edit, copy_buf),
							&hi->meta.layout, copy_place);
	MvvdHnswInitRecord(copy, &hi->meta.layout, hi->meta.m, false, heaptid, 0,
					   0, member);
	copy->flags |= HNSW_RECORD_COPY;
	copy->next_copy = rec->next_copy;
	rec->next_copy = copy_id;
	MvvdHnswEditFinish(&edit);
	if (copy_buf != buf)
		UnlockReleaseBuffer(copy_buf);
	UnlockReleaseBuffer(buf);
	return true;
}

/*
 * The copy after `from` in the chain of `element` (from == element for the first), read into
 * *info after checking it is one and its id is in order; MVVD_NO_ELEMENT at the end.
 */
static uint32
next_in_chain(HnswIndex *hi, uint32 element, uint32 from, uint32 next,
			  HnswElementInfo *info)
{
	bool in_order = next > element && (from == element || next < from);

	if (next == MVVD_NO_ELEMENT)
		return next;
	CHECK_FOR_INTERRUPTS();
	if (!in_order || !MvvdHnswReadElement(hi, next, info) ||
		!(info->flags & HNSW_RECORD_COPY))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has a broken chain of copies",
						RelationGetRelationName(hi->rel)),
				 errdetail("Element %u leads to element %u, which is not a "
						   "copy in order.",
						   from, next),
				 errhint("REINDEX the index.")));
	return next;
}

/*
 * The heap TIDs an element a search reached stands for: its own unless its row is dead, and
 * those of its live copies. Appends them to *tids (of *capacity, grown as needed) after the n
 * it holds and returns how many it holds then.
 */
int
MvvdHnswElementTids(HnswIndex *hi, uint32 id, ItemPointerData **tids, int n,
					int *capacity)
{
	HnswElementInfo info;

	bool walking;

	/* a free place's chain may be gone (see free_space.c) */
	if (!MvvdHnswReadElement(hi, id, &info) ||
		(info.flags & (HNSW_RECORD_COPY | HNSW_RECORD_FREE)))
		return n;
	/* VACUUM frees no copy this walk may still meet (see free_space.c) */
	walking = info.next_copy != MVVD_NO_ELEMENT;
	if (walking)
		LockPage(hi->rel, HNSW_CHAIN_LOCK, ShareLock);
	for (uint32 at = id; at != MVVD_NO_ELEMENT;
		 at = next_in_chain(hi, id, at, info.next_copy, &info))
	{
		if (info.flags & HNSW_RECORD_DELETED)
			continue;
		if (n == *capacity)
		{
			*capacity = Max(8, *capacity * 2);
			*tids = *tids
						? repalloc(*tids, sizeof(ItemPointerData) * *capacity)
						: palloc(sizeof(ItemPointerData) * *capacity);
		}
		(*tids)[n++] = info.heaptid;
	}
	if (walking)
		UnlockPage(hi->rel, HNSW_CHAIN_LOCK, ShareLock);
	return n;
}

/* Whether a copy of the element lives (first: its record's next_copy). */
bool
MvvdHnswChainHasLive(HnswIndex *hi, uint32 element, uint32 first)
{
	HnswElementInfo info;
	uint32 at = element;
	uint32 next = first;

	while ((next = next_in_chain(hi, element, at, next, &info)) !=
		   MVVD_NO_ELEMENT)
	{
		if (!(info.flags & HNSW_RECORD_DELETED))
			return true;
		at = next;
		next = info.next_copy;
	}
	return false;
}
