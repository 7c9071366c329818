/*
 * The on-disk format of mvvd_hnsw (see format.h): the chunk layout computed from the dimensions
 * and m, the arithmetic from an element id to its bytes, page and record formatting, the
 * metapage, and the in-memory image of a chunk that a build writes.
 */
#include "postgres.h"

#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "pg/hnsw/format.h"

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
MvvdHnswComputeLayout(int dims, int m, bool multivector, HnswLayout *layout)
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
MvvdHnswChunkStart(const HnswLayout *layout, uint32 chunk)
{
	return 1 + (BlockNumber) chunk * layout->chunk_pages;
}

/* The page type of page `page` of a chunk. */
uint16
MvvdHnswChunkPageType(const HnswLayout *layout, uint32 page)
{
	if (page < layout->vector_pages)
		return HNSW_PAGE_VECTOR;
	if (page < layout->vector_pages + layout->record_pages)
		return HNSW_PAGE_RECORD;
	return HNSW_PAGE_UPPER;
}

/* Where an element's vector starts (it may continue on the following page). */
HnswPlace
MvvdHnswVectorPlace(const HnswLayout *layout, uint32 id)
{
	uint32 chunk = id / layout->elements_per_chunk;
	uint64 byte =
		(uint64) (id % layout->elements_per_chunk) * layout->vector_bytes;
	HnswPlace place;

	place.block = MvvdHnswChunkStart(layout, chunk) + byte / HNSW_PAGE_PAYLOAD;
	place.offset = byte % HNSW_PAGE_PAYLOAD;
	return place;
}

/* Where an element's record is. */
HnswPlace
MvvdHnswRecordPlace(const HnswLayout *layout, uint32 id)
{
	uint32 chunk = id / layout->elements_per_chunk;
	uint32 index = id % layout->elements_per_chunk;
	HnswPlace place;

	place.block = MvvdHnswChunkStart(layout, chunk) + layout->vector_pages +
				  index / layout->records_per_page;
	place.offset = (index % layout->records_per_page) * layout->record_bytes;
	return place;
}

/* One past the last element (below limit) whose record is on the same page as first's. */
uint32
MvvdHnswRecordPageEnd(const HnswLayout *layout, uint32 first, uint32 limit)
{
	uint32 index = first % layout->elements_per_chunk;
	uint32 page_end =
		Min(layout->elements_per_chunk,
			(index / layout->records_per_page + 1) * layout->records_per_page);

	return Min(limit, first - index + page_end);
}

/* First upper page of a chunk (its special space counts the slots in use). */
BlockNumber
MvvdHnswFirstUpperBlock(const HnswLayout *layout, uint32 chunk)
{
	return MvvdHnswChunkStart(layout, chunk) + layout->vector_pages +
		   layout->record_pages;
}

/* Upper slots available in each chunk. */
uint32
MvvdHnswUpperSlotsPerChunk(const HnswLayout *layout)
{
	return layout->upper_pages * layout->upper_slots_per_page;
}

/* Where upper slot `slot` of a chunk is. */
HnswPlace
MvvdHnswUpperPlace(const HnswLayout *layout, uint32 chunk, uint32 slot)
{
	HnswPlace place;

	place.block = MvvdHnswFirstUpperBlock(layout, chunk) +
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
MvvdHnswInitPage(Page page, uint16 page_type)
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
		memset(MvvdHnswPagePayload(page), 0xFF, HNSW_PAGE_PAYLOAD);
}

/* The start of a page's payload. */
char *
MvvdHnswPagePayload(Page page)
{
	return (char *) page + MAXALIGN(SizeOfPageHeaderData);
}

/* The record at a place of a record page. */
HnswRecord *
MvvdHnswRecordIn(Page page, const HnswLayout *layout, HnswPlace place)
{
	return (HnswRecord *) (MvvdHnswPagePayload(page) + place.offset);
}

/* Fills in a new element's record, its neighbour lists empty. */
void
MvvdHnswInitRecord(HnswRecord *rec, const HnswLayout *layout, int m,
				   bool multivector, ItemPointer heaptid, int level,
				   uint32 upper_slot, HnswMember member)
{
	memset(rec, 0xFF, layout->record_bytes);
	rec->heaptid = *heaptid;
	rec->level = level;
	rec->flags = HNSW_RECORD_VALID;
	if (level > 0)
		MvvdHnswSetUpperSlot(rec, m, upper_slot);
	if (multivector)
		*MvvdHnswRecordMember(rec, m) = member;
}

/*
 * The neighbour list at a place of a page (an element's record for level 0, an upper slot
 * above), and how many ids it can hold.
 */
uint32 *
MvvdHnswListAt(Page page, int m, int level, HnswPlace place, int *capacity)
{
	char *at = MvvdHnswPagePayload(page) + place.offset;

	if (level == 0)
	{
		HnswRecord *rec = (HnswRecord *) at;

		*capacity = MvvdHnswListCapacity(rec->level, 0, m);
		return rec->neighbors;
	}
	*capacity = MvvdHnswListCapacity(1, level, m);
	return (uint32 *) at;
}

/* The metapage's payload. */
HnswMeta *
MvvdHnswMetaOf(Page page)
{
	return (HnswMeta *) MvvdHnswPagePayload(page);
}

/*
 * Copies the metapage, checking it is one of ours and in the format this build reads: a
 * different version is refused (with the command that rebuilds the index) rather than misread.
 */
void
MvvdHnswReadMeta(Relation index, HnswMeta *meta)
{
	Buffer buf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	memcpy(meta, MvvdHnswMetaOf(BufferGetPage(buf)), sizeof(HnswMeta));
	UnlockReleaseBuffer(buf);
	if (meta->magic != HNSW_MAGIC)
		ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
						errmsg("index \"%s\" is not a valid mvvd_hnsw index",
							   RelationGetRelationName(index)),
						errdetail("Metapage magic %08x version %u.",
								  meta->magic, meta->version),
						errhint("REINDEX the index.")));
	if (meta->version != HNSW_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("index \"%s\" has mvvd_hnsw format version %u, but "
						"this build of mvvd reads version %u",
						RelationGetRelationName(index), meta->version,
						HNSW_VERSION),
				 errhint("REINDEX INDEX %s;",
						 quote_qualified_identifier(
							 get_namespace_name(RelationGetNamespace(index)),
							 RelationGetRelationName(index)))));
}

/* Formats the metapage of a new index; dims 0 means "from the first vector". */
void
MvvdHnswInitMetaPage(Page page, int dims, int m, int ef_construction,
					 int metric, bool multivector)
{
	HnswMeta *meta;

	MvvdHnswInitPage(page, HNSW_PAGE_META);
	meta = MvvdHnswMetaOf(page);
	memset(meta, 0, sizeof(*meta));
	meta->magic = HNSW_MAGIC;
	meta->version = HNSW_VERSION;
	meta->dims = dims;
	meta->m = m;
	meta->ef_construction = ef_construction;
	meta->metric = metric;
	meta->multivector = multivector;
	if (dims > 0)
		MvvdHnswComputeLayout(dims, m, multivector, &meta->layout);
	meta->entry_id = MVVD_NO_ELEMENT;
	meta->entry_level = -1;
}

/* Starts the image of a chunk: zeroed, its upper slots empty lists. */
void
MvvdHnswChunkImageStart(HnswChunkImage *image, const HnswLayout *layout,
						uint32 chunk)
{
	Size upper_start = (Size) (layout->vector_pages + layout->record_pages) *
					   HNSW_PAGE_PAYLOAD;

	image->layout = layout;
	image->chunk = chunk;
	image->upper_used = 0;
	image->payloads = palloc0((Size) layout->chunk_pages * HNSW_PAGE_PAYLOAD);
	memset(image->payloads + upper_start, 0xFF,
		   (Size) layout->upper_pages * HNSW_PAGE_PAYLOAD);
}

/* The bytes of a place in the image. */
static char *
image_at(HnswChunkImage *image, HnswPlace place)
{
	BlockNumber page =
		place.block - MvvdHnswChunkStart(image->layout, image->chunk);

	return image->payloads + (Size) page * HNSW_PAGE_PAYLOAD + place.offset;
}

/* Where element id's vector goes (payloads are back to back, so it is one run of bytes). */
char *
MvvdHnswChunkImageVector(HnswChunkImage *image, uint32 id)
{
	return image_at(image, MvvdHnswVectorPlace(image->layout, id));
}

HnswRecord *
MvvdHnswChunkImageRecord(HnswChunkImage *image, uint32 id)
{
	return (HnswRecord *) image_at(image,
								   MvvdHnswRecordPlace(image->layout, id));
}

uint32 *
MvvdHnswChunkImageUpperSlot(HnswChunkImage *image, uint32 slot)
{
	return (uint32 *) image_at(
		image, MvvdHnswUpperPlace(image->layout, image->chunk, slot));
}

/* Formats page `page` of the chunk from the image into out. */
void
MvvdHnswChunkImagePage(HnswChunkImage *image, uint32 page, Page out)
{
	const HnswLayout *l = image->layout;

	MvvdHnswInitPage(out, MvvdHnswChunkPageType(l, page));
	memcpy(MvvdHnswPagePayload(out),
		   image->payloads + (Size) page * HNSW_PAGE_PAYLOAD,
		   HNSW_PAGE_PAYLOAD);
	/* the first upper page counts the slots in use */
	if (page == l->vector_pages + l->record_pages)
		HnswPageGetOpaque(out)->counter = image->upper_used;
}

void
MvvdHnswChunkImageEnd(HnswChunkImage *image)
{
	pfree(image->payloads);
	image->payloads = NULL;
}
