/*
 * Where an element lives: the fixed chunk layout of mvvd_hnsw pages (see hnsw.h), computed
 * from the dimensions and m, and the arithmetic from an element id to its blocks.
 */
#include "postgres.h"

#include "storage/bufpage.h"

#include "pg/hnsw/hnsw.h"

/* A chunk spans at most this many pages (1 MB): large enough to waste little to rounding. */
#define HNSW_MAX_CHUNK_PAGES 128

/* Ceiling of a / b. */
static uint32
div_up(uint64 a, uint64 b)
{
	return (uint32) ((a + b - 1) / b);
}

/*
 * Upper slots a chunk of n elements reserves: an element has 1/(m-1) upper levels on average,
 * so 1.2 times that (several standard deviations for chunks of hundreds of elements) plus room
 * for one element on every level. An element that still finds no room gets a lower level, which
 * costs a little search speed, never correctness.
 */
static uint32
upper_slots_for(uint32 n, int m)
{
	return div_up((uint64) n * 6, (uint64) 5 * (m - 1)) + MVVD_HNSW_MAX_LEVEL;
}

/* Pages of a chunk of n elements. */
static void
size_chunk(HnswLayout *l, uint32 n, int m)
{
	l->elements_per_chunk = n;
	l->vector_pages = div_up((uint64) n * l->vector_bytes, HNSW_PAGE_PAYLOAD);
	l->record_pages = div_up(n, l->records_per_page);
	l->upper_pages = div_up(upper_slots_for(n, m), l->upper_slots_per_page);
	l->chunk_pages = l->vector_pages + l->record_pages + l->upper_pages;
}

/* The layout for vectors of dims dimensions and m: the chunk size that wastes least space. */
void
HnswComputeLayout(int dims, int m, bool multivector, HnswLayout *layout)
{
	HnswLayout l;
	double best = 0;

	memset(&l, 0, sizeof(l));
	l.vector_bytes = dims * sizeof(float);
	l.record_bytes = offsetof(HnswRecord, neighbors) + 2 * m * sizeof(uint32) +
					 (multivector ? sizeof(HnswMember) : 0);
	l.upper_slot_bytes = m * sizeof(uint32);
	l.records_per_page = HNSW_PAGE_PAYLOAD / l.record_bytes;
	l.upper_slots_per_page = HNSW_PAGE_PAYLOAD / l.upper_slot_bytes;
	*layout = l;
	size_chunk(layout, 1, m);
	for (uint32 n = 1;; n++)
	{
		size_chunk(&l, n, m);
		if (l.chunk_pages > HNSW_MAX_CHUNK_PAGES && n > 1)
			break;
		if ((double) n / l.chunk_pages > best)
		{
			best = (double) n / l.chunk_pages;
			*layout = l;
		}
	}
}

/* First block of a chunk. */
BlockNumber
HnswChunkStart(const HnswLayout *layout, uint32 chunk)
{
	return 1 + (BlockNumber) chunk * layout->chunk_pages;
}

/* Where an element's vector starts (it may continue on the following page). */
HnswPlace
HnswVectorPlace(const HnswLayout *layout, uint32 id)
{
	uint32 chunk = id / layout->elements_per_chunk;
	uint64 byte =
		(uint64) (id % layout->elements_per_chunk) * layout->vector_bytes;
	HnswPlace place;

	place.block = HnswChunkStart(layout, chunk) + byte / HNSW_PAGE_PAYLOAD;
	place.offset = byte % HNSW_PAGE_PAYLOAD;
	return place;
}

/* Where an element's record is. */
HnswPlace
HnswRecordPlace(const HnswLayout *layout, uint32 id)
{
	uint32 chunk = id / layout->elements_per_chunk;
	uint32 index = id % layout->elements_per_chunk;
	HnswPlace place;

	place.block = HnswChunkStart(layout, chunk) + layout->vector_pages +
				  index / layout->records_per_page;
	place.offset = (index % layout->records_per_page) * layout->record_bytes;
	return place;
}

/* One past the last element (below limit) whose record is on the same page as first's. */
uint32
HnswRecordPageEnd(const HnswLayout *layout, uint32 first, uint32 limit)
{
	uint32 index = first % layout->elements_per_chunk;
	uint32 page_end =
		Min(layout->elements_per_chunk,
			(index / layout->records_per_page + 1) * layout->records_per_page);

	return Min(limit, first - index + page_end);
}

/* First upper page of a chunk (its special space counts the slots in use). */
BlockNumber
HnswFirstUpperBlock(const HnswLayout *layout, uint32 chunk)
{
	return HnswChunkStart(layout, chunk) + layout->vector_pages +
		   layout->record_pages;
}

/* Upper slots available in each chunk. */
uint32
HnswUpperSlotsPerChunk(const HnswLayout *layout)
{
	return layout->upper_pages * layout->upper_slots_per_page;
}

/* Where upper slot `slot` of a chunk is. */
HnswPlace
HnswUpperPlace(const HnswLayout *layout, uint32 chunk, uint32 slot)
{
	HnswPlace place;

	place.block = HnswFirstUpperBlock(layout, chunk) +
				  slot / layout->upper_slots_per_page;
	place.offset =
		(slot % layout->upper_slots_per_page) * layout->upper_slot_bytes;
	return place;
}

/*
 * Formats a new page. The whole payload counts as used (pd_lower = pd_upper), so full-page
 * images and GenericXLog deltas never treat our data as a free hole.
 */
void
HnswInitPage(Page page, uint16 page_type)
{
	HnswPageOpaque *opaque;

	PageInit(page, BLCKSZ, sizeof(HnswPageOpaque));
	opaque = HnswPageGetOpaque(page);
	opaque->page_type = page_type;
	opaque->page_id = HNSW_PAGE_ID;
	opaque->counter = 0;
	((PageHeader) page)->pd_lower = ((PageHeader) page)->pd_upper;
	/* upper slots not yet taken read as empty lists */
	if (page_type == HNSW_PAGE_UPPER)
		memset(HnswPagePayload(page), 0xFF, HNSW_PAGE_PAYLOAD);
}

/* The start of a page's payload. */
char *
HnswPagePayload(Page page)
{
	return (char *) page + MAXALIGN(SizeOfPageHeaderData);
}
