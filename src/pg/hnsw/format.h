/*
 * The on-disk format of an mvvd_hnsw index: every byte offset of its pages is computed here and
 * nowhere else, for build, insert, vacuum, scan and check alike.
 *
 * Block 0 is the metapage. The rest is a sequence of equal chunks, each holding a fixed number
 * of elements (graph nodes), so an element's place is computed from its id, with no lookup:
 *
 *   chunk c = blocks [1 + c * chunk_pages, 1 + (c + 1) * chunk_pages)
 *     vector pages   the elements' vectors back to back as one byte stream; a vector may
 *                    continue on the next page, so any dimension up to 16,000 fits
 *     record pages   one fixed-size record per element: heap TID, level, flags, the first
 *                    of its copies and the level-0 neighbour list (2m element ids)
 *     upper pages    slots of m ids (one per level) for the few elements on levels >= 1
 *
 * Rows whose vector equals an element's byte for byte are its copies: each is a record of its
 * own (flag COPY, level 0, no lists, no vector written) chained from the element through
 * next_copy, never in the graph, so a thousand equal rows take one element's neighbour slots
 * and are all found where the element is (see copies.c). An element's DELETED flag says its own
 * row is dead; it stays in the graph while one of its copies lives.
 *
 * VACUUM flags FREE the records of deleted elements (and copies) no live list or chain leads to
 * any more, with a stamp in place of the dead heap TID; a new element takes such a place, with
 * its level and upper slots, once the metapage says places of that stamp may be taken (see
 * free_space.c).
 *
 * The metapage carries a format version: an index written in another version is refused with
 * a request to REINDEX rather than misread.
 */
#ifndef MVVD_HNSW_FORMAT_H
#define MVVD_HNSW_FORMAT_H

#include "postgres.h"

#include "storage/block.h"
#include "storage/bufpage.h"
#include "storage/itemptr.h"
#include "utils/relcache.h"

#include "shim/mvvd_hnsw.h"

#define HNSW_MAGIC			0x4D564844 /* "MVHD" */
#define HNSW_VERSION		3 /* of the format this build reads and writes */
#define HNSW_METAPAGE_BLKNO 0
#define HNSW_PAGE_ID		0xFF4D

/* Page types (in the special space) */
#define HNSW_PAGE_META	 1
#define HNSW_PAGE_VECTOR 2
#define HNSW_PAGE_RECORD 3
#define HNSW_PAGE_UPPER	 4

/* Record flags */
#define HNSW_RECORD_VALID	0x01
#define HNSW_RECORD_DELETED 0x02 /* its own heap row is dead */
#define HNSW_RECORD_COPY	0x04 /* a copy: a heap TID, not a graph element */
#define HNSW_RECORD_FREE	0x08 /* deleted, its place free for a new element */

typedef struct HnswPageOpaque
{
	uint16 page_type;
	uint16 page_id;
	uint32 counter; /* first upper page of a chunk: slots in use */
} HnswPageOpaque;

#define HnswPageGetOpaque(page)                                               \
	((HnswPageOpaque *) PageGetSpecialPointer(page))
/* Bytes of data a page holds after its header and special space. */
#define HNSW_PAGE_PAYLOAD                                                     \
	(BLCKSZ - MAXALIGN(SizeOfPageHeaderData) -                                \
	 MAXALIGN(sizeof(HnswPageOpaque)))

/* Where everything is, fixed when the dimensions become known. */
typedef struct HnswLayout
{
	uint32 vector_bytes;
	uint32 record_bytes;
	uint32 upper_slot_bytes;
	uint32 records_per_page;
	uint32 upper_slots_per_page;
	uint32 elements_per_chunk;
	uint32 vector_pages; /* per chunk */
	uint32 record_pages;
	uint32 upper_pages;
	uint32 chunk_pages;
} HnswLayout;

/* The metapage's payload. */
typedef struct HnswMeta
{
	uint32 magic;
	uint32 version;
	int32 dims; /* 0 until the first vector arrives */
	int32 m;
	int32 ef_construction;
	int32 metric;
	HnswLayout layout;
	uint32 next_id;	 /* elements allocated so far */
	uint32 chunks;	 /* chunks allocated so far */
	uint32 entry_id; /* MVVD_NO_ELEMENT when the graph is empty */
	int32 entry_level;
	int32 multivector; /* elements are the vectors of multivector rows */
	/* free places (see free_space.c): hints, recounted by every VACUUM */
	uint32 free_count;
	uint32 free_cursor; /* no free place below this id */
	uint64 free_stamp;	/* places freed with this stamp or an earlier one may
						 * be taken (see MvvdHnswFreeStampOf) */
} HnswMeta;

/*
 * An element's record. Lists of neighbour ids end at their capacity or at the first
 * MVVD_NO_ELEMENT. The level-0 list holds 2m ids, except for an element on upper levels, whose
 * last slot holds the number of its first upper slot instead (see MvvdHnswListCapacity).
 */
typedef struct HnswRecord
{
	ItemPointerData heaptid;
	uint8 level;
	uint8 flags;
	uint32 next_copy; /* the newest copy, or the copy after this one */
	uint32 neighbors[FLEXIBLE_ARRAY_MEMBER];
} HnswRecord;

/*
 * In an index on multivectors, every record ends (after its 2m ids) with the element's place
 * in its row: the vectors of one row are consecutive elements sharing the heap TID.
 */
typedef struct HnswMember
{
	uint16 index; /* 0 .. count - 1 */
	uint16 count; /* indexed vectors of the row */
} HnswMember;

/* A page location: block and byte offset within the page's payload. */
typedef struct HnswPlace
{
	BlockNumber block;
	uint32 offset;
} HnswPlace;

/* The longest neighbour list of any element: level 0 of an element without upper levels. */
static inline int
MvvdHnswMaxListCapacity(int m)
{
	return 2 * m;
}

/*
 * Ids the list of an element on a level can hold: m on upper levels, 2m on level 0, and 2m - 1
 * there for an element on upper levels (its last level-0 slot holds its first upper slot).
 */
static inline int
MvvdHnswListCapacity(int element_level, int list_level, int m)
{
	if (list_level > 0)
		return m;
	return element_level > 0 ? 2 * m - 1 : 2 * m;
}

/* The first of the `level` upper slots of a record on upper levels (in its chunk). */
static inline uint32
MvvdHnswUpperSlotOf(const HnswRecord *rec, int m)
{
	return rec->neighbors[2 * m - 1];
}

static inline void
MvvdHnswSetUpperSlot(HnswRecord *rec, int m, uint32 slot)
{
	rec->neighbors[2 * m - 1] = slot;
}

static inline HnswMember *
MvvdHnswRecordMember(HnswRecord *rec, int m)
{
	return (HnswMember *) &rec->neighbors[2 * m];
}

/* Length of a list of ids: up to capacity, or to the first MVVD_NO_ELEMENT. */
static inline int
MvvdHnswListLength(const uint32 *ids, int capacity)
{
	int n = 0;

	while (n < capacity && ids[n] != MVVD_NO_ELEMENT)
		n++;
	return n;
}

/* Writes n ids into a list of the given capacity, ending it with MVVD_NO_ELEMENT if short. */
static inline void
MvvdHnswWriteList(uint32 *list, int capacity, const uint32 *ids, int n)
{
	memmove(list, ids, n * sizeof(uint32));
	if (n < capacity)
		list[n] = MVVD_NO_ELEMENT;
}

/* The stamp (48 bits: one per VACUUM) a FREE record holds in place of its heap TID. */
static inline uint64
MvvdHnswFreeStampOf(const HnswRecord *rec)
{
	return ((uint64) rec->heaptid.ip_blkid.bi_hi << 32) |
		   ((uint64) rec->heaptid.ip_blkid.bi_lo << 16) |
		   rec->heaptid.ip_posid;
}

static inline void
MvvdHnswSetFreeStamp(HnswRecord *rec, uint64 stamp)
{
	rec->heaptid.ip_blkid.bi_hi = (uint16) (stamp >> 32);
	rec->heaptid.ip_blkid.bi_lo = (uint16) (stamp >> 16);
	rec->heaptid.ip_posid = (uint16) stamp;
}

/* A heap TID as the 64-bit payload of an element of the in-memory graph, and back. */
static inline uint64
MvvdHnswPackTid(ItemPointer tid)
{
	return ((uint64) ItemPointerGetBlockNumber(tid) << 16) |
		   ItemPointerGetOffsetNumber(tid);
}

static inline void
MvvdHnswUnpackTid(uint64 packed, ItemPointer tid)
{
	ItemPointerSet(tid, (BlockNumber) (packed >> 16),
				   (OffsetNumber) (packed & 0xFFFF));
}

/* Layout */
void MvvdHnswComputeLayout(int dims, int m, bool multivector,
						   HnswLayout *layout);
BlockNumber MvvdHnswChunkStart(const HnswLayout *layout, uint32 chunk);
uint16 MvvdHnswChunkPageType(const HnswLayout *layout, uint32 page);
HnswPlace MvvdHnswVectorPlace(const HnswLayout *layout, uint32 id);
HnswPlace MvvdHnswRecordPlace(const HnswLayout *layout, uint32 id);
uint32 MvvdHnswRecordPageEnd(const HnswLayout *layout, uint32 first,
							 uint32 limit);
HnswPlace MvvdHnswUpperPlace(const HnswLayout *layout, uint32 chunk,
							 uint32 slot);
BlockNumber MvvdHnswFirstUpperBlock(const HnswLayout *layout, uint32 chunk);
uint32 MvvdHnswUpperSlotsPerChunk(const HnswLayout *layout);

/* Pages */
void MvvdHnswInitPage(Page page, uint16 page_type);
char *MvvdHnswPagePayload(Page page);
HnswRecord *MvvdHnswRecordIn(Page page, const HnswLayout *layout,
							 HnswPlace place);
void MvvdHnswInitRecord(HnswRecord *rec, const HnswLayout *layout, int m,
						bool multivector, ItemPointer heaptid, int level,
						uint32 upper_slot, HnswMember member);
uint32 *MvvdHnswListAt(Page page, int m, int level, HnswPlace place,
					   int *capacity);

/* The metapage */
HnswMeta *MvvdHnswMetaOf(Page page);
void MvvdHnswReadMeta(Relation index, HnswMeta *meta);
void MvvdHnswInitMetaPage(Page page, int dims, int m, int ef_construction,
						  int metric, bool multivector);

/*
 * A chunk laid out in memory (its pages' payloads back to back) before it is written in one
 * pass, as a build does.
 */
typedef struct HnswChunkImage
{
	const HnswLayout *layout;
	uint32 chunk;
	uint32 upper_used; /* upper slots taken */
	char *payloads;
} HnswChunkImage;
void MvvdHnswChunkImageStart(HnswChunkImage *image, const HnswLayout *layout,
							 uint32 chunk);
char *MvvdHnswChunkImageVector(HnswChunkImage *image, uint32 id);
HnswRecord *MvvdHnswChunkImageRecord(HnswChunkImage *image, uint32 id);
uint32 *MvvdHnswChunkImageUpperSlot(HnswChunkImage *image, uint32 slot);
void MvvdHnswChunkImagePage(HnswChunkImage *image, uint32 page, Page out);
void MvvdHnswChunkImageEnd(HnswChunkImage *image);

#endif /* MVVD_HNSW_FORMAT_H */
