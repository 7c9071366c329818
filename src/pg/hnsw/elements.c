/*
 * Opening an mvvd_hnsw index and reading its elements from the pages: vectors (one at a time or
 * a pipelined batch of distances), records and neighbour lists. The offsets come from format.c.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/bufmgr.h"

#include "pg/hnsw/hnsw.h"

/*
 * Opens an index for searching or changing it: its metapage and distance function. Building,
 * inserting and VACUUM choose links (linking), by the metric the core links a graph of this
 * metric by (L2 for inner product, see link_metric in src/core/metric.hpp); scans rank by the
 * index's own.
 */
void
MvvdHnswOpenIndex(Relation index, HnswIndex *hi, bool linking)
{
	memset(hi, 0, sizeof(*hi));
	hi->rel = index;
	MvvdHnswReadMeta(index, &hi->meta);
	hi->metric = linking ? mvvd_link_metric(hi->meta.metric) : hi->meta.metric;
	hi->distance = mvvd_search_distance(hi->metric);
	hi->multivector = hi->meta.multivector != 0;
	MvvdHnswAttachHints(hi);
}

/*
 * Vectors are read with a pin and no content lock: an element's vector is written before its
 * record says it is live, and changes only when a new element takes the place of a deleted one
 * that no snapshot from before its freeing can reach (see free_space.c); a scan that met the
 * place before measures the element again before returning it (see scan.c).
 */

/*
 * Copies the vectors of count consecutive elements (a multivector row's members), a page at a
 * time: the vectors of a chunk lie one after another across its vector pages, so a row of
 * short vectors costs one or two pins instead of one per member.
 */
void
MvvdHnswReadVectors(HnswIndex *hi, uint32 first, int count, float *out)
{
	const HnswLayout *layout = &hi->meta.layout;
	char *dst = (char *) out;

	while (count > 0)
	{
		uint32 in_chunk =
			Min((uint32) count, layout->elements_per_chunk -
									first % layout->elements_per_chunk);
		HnswPlace place = MvvdHnswVectorPlace(layout, first);
		Size remaining = (Size) in_chunk * layout->vector_bytes;

		while (remaining > 0)
		{
			uint32 n = Min(remaining, HNSW_PAGE_PAYLOAD - place.offset);
			Buffer buf = MvvdHnswPin(hi, place.block);

			memcpy(dst, MvvdHnswPagePayload(BufferGetPage(buf)) + place.offset,
				   n);
			ReleaseBuffer(buf);
			dst += n;
			remaining -= n;
			place.block++;
			place.offset = 0;
		}
		first += in_chunk;
		count -= in_chunk;
	}
}

/* Copies an element's vector (it may span pages). */
void
MvvdHnswReadVector(HnswIndex *hi, uint32 id, float *out)
{
	MvvdHnswReadVectors(hi, id, 1, out);
}

/* One element of a distance batch: where its vector is, and the pins that hold it. */
typedef struct VectorRef
{
	HnswPlace place;
	Buffer buf[2]; /* the vector's page, and the next one if it continues */
	const float *part[2];
	uint32 first_floats; /* floats on the first page */
} VectorRef;

/* Pins the page(s) of a vector that spans at most two pages, and starts fetching it. */
static void
pin_vector(HnswIndex *hi, VectorRef *ref, uint32 prefetch_bytes)
{
	const HnswLayout *layout = &hi->meta.layout;
	uint32 on_first =
		Min(layout->vector_bytes, HNSW_PAGE_PAYLOAD - ref->place.offset);

	ref->buf[0] = MvvdHnswPin(hi, ref->place.block);
	ref->part[0] =
		(const float *) (MvvdHnswPagePayload(BufferGetPage(ref->buf[0])) +
						 ref->place.offset);
	ref->first_floats = on_first / sizeof(float);
	ref->buf[1] = InvalidBuffer;
	ref->part[1] = NULL;
	for (uint32 b = 0; b < Min(prefetch_bytes, on_first); b += 64)
		__builtin_prefetch((const char *) ref->part[0] + b);
	if (on_first < layout->vector_bytes)
	{
		ref->buf[1] = MvvdHnswPin(hi, ref->place.block + 1);
		ref->part[1] =
			(const float *) MvvdHnswPagePayload(BufferGetPage(ref->buf[1]));
		for (uint32 b = 0;
			 b < Min(prefetch_bytes, layout->vector_bytes - on_first); b += 64)
			__builtin_prefetch((const char *) ref->part[1] + b);
	}
}

/* The distance to a pinned vector; releases its pins. */
static float
use_vector(HnswIndex *hi, const float *query, VectorRef *ref)
{
	float d;

	if (ref->buf[1] == InvalidBuffer)
		d = hi->distance(query, ref->part[0], hi->meta.dims);
	else
	{
		d = mvvd_search_distance_split(hi->metric, query, ref->part[0],
									   ref->first_floats, ref->part[1],
									   hi->meta.dims);
		ReleaseBuffer(ref->buf[1]);
	}
	ReleaseBuffer(ref->buf[0]);
	return d;
}

/*
 * Distances from query to a batch of elements. The elements' pages are random, so each costs
 * two cache misses (the buffer descriptor, to pin, and the vector); a short pipeline hides
 * them: element i + 4's descriptor and element i + 2's vector are fetched while element i is
 * computed, with at most six pins held at once. A vector continuing on the next page is read
 * in its two pieces where it lies; only vectors longer than a page are copied together.
 */
void
MvvdHnswDistances(HnswIndex *hi, const float *query, const uint32 *ids, int n,
				  float *out, float *scratch)
{
	const HnswLayout *layout = &hi->meta.layout;
	const uint32 prefetch_bytes = Min(layout->vector_bytes, 256);
	bool fits_two_pages = layout->vector_bytes <= HNSW_PAGE_PAYLOAD;
	VectorRef refs[HNSW_DISTANCE_BATCH];

	if (!fits_two_pages)
	{
		for (int i = 0; i < n; i++)
		{
			CHECK_FOR_INTERRUPTS();
			MvvdHnswReadVector(hi, ids[i], scratch);
			out[i] = hi->distance(query, scratch, hi->meta.dims);
		}
		return;
	}
	for (int first = 0; first < n; first += HNSW_DISTANCE_BATCH)
	{
		int count = Min(n - first, HNSW_DISTANCE_BATCH);

		for (int i = 0; i < count; i++)
			refs[i].place = MvvdHnswVectorPlace(layout, ids[first + i]);
		for (int i = 0; i < count + 4; i++)
		{
			if (i < count)
				MvvdHnswPrefetchBlock(hi, refs[i].place.block);
			if (i >= 2 && i - 2 < count)
				pin_vector(hi, &refs[i - 2], prefetch_bytes);
			if (i >= 4)
				out[first + i - 4] = use_vector(hi, query, &refs[i - 4]);
		}
	}
}

/* Reads what a record says of its element; false if the element was never written. */
bool
MvvdHnswReadElement(HnswIndex *hi, uint32 id, HnswElementInfo *out)
{
	HnswPlace place = MvvdHnswRecordPlace(&hi->meta.layout, id);
	Buffer buf = MvvdHnswPin(hi, place.block);
	HnswRecord *rec;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	rec = MvvdHnswRecordIn(BufferGetPage(buf), &hi->meta.layout, place);
	out->heaptid = rec->heaptid;
	out->level = rec->level;
	out->flags = rec->flags;
	out->next_copy = rec->next_copy;
	out->upper_slot =
		rec->level > 0 ? MvvdHnswUpperSlotOf(rec, hi->meta.m) : 0;
	if (hi->multivector)
		out->member = *MvvdHnswRecordMember(rec, hi->meta.m);
	else
		out->member.index = 0, out->member.count = 1;
	UnlockReleaseBuffer(buf);
	return (out->flags & HNSW_RECORD_VALID) != 0;
}

/* Copies the ids of an upper slot (at most capacity). */
static int
read_upper_slot(HnswIndex *hi, uint32 chunk, uint32 slot, uint32 *out,
				int capacity)
{
	HnswPlace place = MvvdHnswUpperPlace(&hi->meta.layout, chunk, slot);
	Buffer buf = MvvdHnswPin(hi, place.block);
	const uint32 *ids;
	int n;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	ids = (const uint32 *) (MvvdHnswPagePayload(BufferGetPage(buf)) +
							place.offset);
	n = MvvdHnswListLength(ids, Min(capacity, hi->meta.m));
	memcpy(out, ids, n * sizeof(uint32));
	UnlockReleaseBuffer(buf);
	return n;
}

/* Copies id's neighbours on a level (at most capacity); 0 for an unwritten element. */
int
MvvdHnswReadNeighbors(HnswIndex *hi, uint32 id, int level, uint32 *out,
					  int capacity)
{
	const HnswLayout *layout = &hi->meta.layout;
	HnswPlace place = MvvdHnswRecordPlace(layout, id);
	Buffer buf = MvvdHnswPin(hi, place.block);
	HnswRecord *rec;
	int n = 0;
	int64 upper_slot = -1;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	rec = MvvdHnswRecordIn(BufferGetPage(buf), layout, place);
	if ((rec->flags & HNSW_RECORD_VALID) && level <= rec->level)
	{
		if (level == 0)
		{
			n = MvvdHnswListLength(
				rec->neighbors, Min(capacity, MvvdHnswListCapacity(
												  rec->level, 0, hi->meta.m)));
			memcpy(out, rec->neighbors, n * sizeof(uint32));
		}
		else
			upper_slot =
				(int64) MvvdHnswUpperSlotOf(rec, hi->meta.m) + level - 1;
	}
	UnlockReleaseBuffer(buf);

	if (upper_slot >= 0 && upper_slot < MvvdHnswUpperSlotsPerChunk(layout))
		n = read_upper_slot(hi, id / layout->elements_per_chunk,
							(uint32) upper_slot, out, capacity);
	return n;
}
