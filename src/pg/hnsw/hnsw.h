/*
 * The mvvd_hnsw index access method: on-page format and the functions its files share.
 *
 * Block 0 is the metapage. The rest is a sequence of equal chunks, each holding a fixed number
 * of elements (graph nodes), so an element's place is computed from its id, with no lookup:
 *
 *   chunk c = blocks [1 + c * chunk_pages, 1 + (c + 1) * chunk_pages)
 *     vector pages   the elements' vectors back to back as one byte stream; a vector may
 *                    continue on the next page, so any dimension up to 16,000 fits
 *     record pages   one fixed-size record per element: heap TID, level, flags and the
 *                    level-0 neighbour list (2m element ids)
 *     upper pages    slots of m ids (one per level) for the few elements on levels >= 1
 */
#ifndef MVVD_HNSW_H
#define MVVD_HNSW_H

#include "postgres.h"

#include "access/amapi.h"
#include "access/generic_xlog.h"
#include "nodes/execnodes.h"
#include "storage/bufmgr.h"
#include "storage/itemptr.h"
#include "utils/relcache.h"

#include "pg/index/metric.h"
#include "pg/index/ordering_scan.h"
#include "shim/mvvd_hnsw.h"

#define HNSW_MAGIC			0x4D564844 /* "MVHD" */
#define HNSW_VERSION		1
#define HNSW_METAPAGE_BLKNO 0
#define HNSW_PAGE_ID		0xFF4D

/* Options */
#define HNSW_DEFAULT_M				 16
#define HNSW_MIN_M					 2
#define HNSW_MAX_M					 100
#define HNSW_DEFAULT_EF_CONSTRUCTION 64
#define HNSW_MIN_EF_CONSTRUCTION	 4
#define HNSW_MAX_EF_CONSTRUCTION	 1000

/* Page types (in the special space) */
#define HNSW_PAGE_META	 1
#define HNSW_PAGE_VECTOR 2
#define HNSW_PAGE_RECORD 3
#define HNSW_PAGE_UPPER	 4

/* Build phases (pg_stat_progress_create_index.phase); 1 is Postgres's "initializing" */
#define HNSW_PHASE_LOAD	  2
#define HNSW_PHASE_LINK	  3
#define HNSW_PHASE_WRITE  4
#define HNSW_PHASE_INSERT 5

/* Record flags */
#define HNSW_RECORD_VALID	0x01
#define HNSW_RECORD_DELETED 0x02

/* Iterative scan modes (the values of mvvd.hnsw_iterative_scan) */

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
} HnswMeta;

/*
 * An element's record. Lists of neighbour ids end at their capacity or at the first
 * MVVD_NO_ELEMENT. The level-0 list holds 2m ids, except for an element on upper levels, whose
 * last slot holds the number of its first upper slot instead (see HnswUpperSlotOf).
 */
typedef struct HnswRecord
{
	ItemPointerData heaptid;
	uint8 level;
	uint8 flags;
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

static inline HnswMember *
HnswRecordMember(HnswRecord *rec, int m)
{
	return (HnswMember *) &rec->neighbors[2 * m];
}

/* Ids the level-0 list of a record can hold. */
static inline int
HnswLevel0Capacity(const HnswRecord *rec, int m)
{
	return rec->level > 0 ? 2 * m - 1 : 2 * m;
}

/* The first of the `level` upper slots of a record on upper levels (in its chunk). */
static inline uint32
HnswUpperSlotOf(const HnswRecord *rec, int m)
{
	return rec->neighbors[2 * m - 1];
}

/* Length of a list of ids: up to capacity, or to the first MVVD_NO_ELEMENT. */
static inline int
HnswListLength(const uint32 *ids, int capacity)
{
	int n = 0;

	while (n < capacity && ids[n] != MVVD_NO_ELEMENT)
		n++;
	return n;
}

/* Writes n ids into a list of the given capacity, ending it with MVVD_NO_ELEMENT if short. */
static inline void
HnswWriteList(uint32 *list, int capacity, const uint32 *ids, int n)
{
	memmove(list, ids, n * sizeof(uint32));
	if (n < capacity)
		list[n] = MVVD_NO_ELEMENT;
}

/* A page location: block and byte offset within the page's payload. */
typedef struct HnswPlace
{
	BlockNumber block;
	uint32 offset;
} HnswPlace;

/* An open index as the scan, insert and vacuum code use it. */
typedef struct HnswIndex
{
	Relation rel;
	HnswMeta meta;
	int metric;
	mvvd_search_distance_fn distance;
	bool building;	  /* pages written without WAL (logged at the end) */
	bool multivector; /* see HnswMeta */
	Buffer *
		hints; /* per block: the buffer that held it last (see hnsw_buffers.c) */
	BlockNumber nhints;
} HnswIndex;

/* GUCs */
extern int mvvd_hnsw_ef_search;
extern int mvvd_hnsw_iterative_scan;
extern int mvvd_hnsw_max_scan_tuples;
extern int mvvd_hnsw_candidates;

/* hnsw.c */
void HnswInitGucs(void);
int HnswOptionM(Relation index);
int HnswOptionEfConstruction(Relation index);

/* hnsw_layout.c */
void HnswComputeLayout(int dims, int m, bool multivector, HnswLayout *layout);
BlockNumber HnswChunkStart(const HnswLayout *layout, uint32 chunk);
HnswPlace HnswVectorPlace(const HnswLayout *layout, uint32 id);
HnswPlace HnswRecordPlace(const HnswLayout *layout, uint32 id);
uint32 HnswRecordPageEnd(const HnswLayout *layout, uint32 first, uint32 limit);
HnswPlace HnswUpperPlace(const HnswLayout *layout, uint32 chunk, uint32 slot);
BlockNumber HnswFirstUpperBlock(const HnswLayout *layout, uint32 chunk);
uint32 HnswUpperSlotsPerChunk(const HnswLayout *layout);
void HnswInitPage(Page page, uint16 page_type);
char *HnswPagePayload(Page page);

/* hnsw_reach.c: marks in reached[] the elements (ids < nelements) a walk on level 0 from start
 * reaches, skipping those already marked; queue has room for nelements ids. */
void HnswMarkReachable(HnswIndex *hi, uint32 start, uint32 nelements,
					   bool *reached, uint32 *queue);

/* hnsw_buffers.c */
void HnswAttachHints(HnswIndex *hi);
Buffer HnswPin(HnswIndex *hi, BlockNumber block);
void HnswPrefetchBlock(HnswIndex *hi, BlockNumber block);

/* hnsw_meta.c */
void HnswReadMeta(Relation index, HnswMeta *meta);
void HnswOpenIndex(Relation index, HnswIndex *hi);
void HnswInitMetaPage(Page page, int dims, int m, int ef_construction,
					  int metric, bool multivector);

/* hnsw_pages.c: reading elements */
HnswRecord *HnswRecordIn(Page page, const HnswLayout *layout, HnswPlace place);
void HnswReadVector(HnswIndex *hi, uint32 id, float *out);
int HnswReadNeighbors(HnswIndex *hi, uint32 id, int level, uint32 *out,
					  int capacity);
/* What a record says of its element, besides the level-0 list. */
typedef struct HnswElementInfo
{
	ItemPointerData heaptid;
	int level;
	uint8 flags;
	uint32 upper_slot; /* valid when level > 0 */
	HnswMember
		member; /* multivector indexes: the element's place in its row */
} HnswElementInfo;
bool HnswReadElement(HnswIndex *hi, uint32 id, HnswElementInfo *out);
#define HNSW_DISTANCE_BATCH 32
void HnswDistances(HnswIndex *hi, const float *query, const uint32 *ids, int n,
				   float *out, float *scratch);

/*
 * The graph as the core reads it, through callbacks. A callback that fails (an ERROR while
 * reading a page, or a cancel request) saves the error here and returns -1; HnswGraphCheck
 * re-throws it once the core has returned.
 */
typedef struct HnswGraphContext
{
	HnswIndex *hi;
	const float *query;
	float *scratch; /* one vector, for those spanning pages */
	ErrorData *error;
	MemoryContext mcxt;
} HnswGraphContext;
void HnswGraphInit(HnswGraphContext *ctx, mvvd_graph_callbacks *cb,
				   HnswIndex *hi, const float *query);
void HnswGraphCheck(HnswGraphContext *ctx, mvvd_status status,
					const mvvd_error *err, const char *what);

/* hnsw_edit.c: changing pages (GenericXLog, or plain writes during a build) */
typedef struct HnswEdit
{
	HnswIndex *hi;
	GenericXLogState *xlog;
	int nbuffers;
	Buffer buffers[MAX_GENERIC_XLOG_PAGES];
	Page pages[MAX_GENERIC_XLOG_PAGES];
} HnswEdit;
void HnswEditStart(HnswEdit *edit, HnswIndex *hi);
Page HnswEditPage(HnswEdit *edit, Buffer buffer);
void HnswEditFinish(HnswEdit *edit);
void HnswEditCancel(HnswEdit *edit);
void HnswWriteVector(HnswIndex *hi, uint32 id, const float *vector);

/* hnsw_insert.c */
typedef struct HnswRowVectors
{
	const float *vectors; /* count x dims */
	int count;
	int dims;
} HnswRowVectors;
void HnswRowVectorsOf(HnswIndex *hi, Datum value, HnswRowVectors *row);
void HnswInsertVectors(HnswIndex *hi, const float *vectors, int count,
					   int dims, ItemPointer heaptid);
#define HNSW_LINK_IF_ROOM 0 /* only into a list with room */
#define HNSW_LINK_PRUNE                                                       \
	1 /* the heuristic may drop the new link or an old one */
#define HNSW_LINK_FORCE 2 /* the new link stays, replacing the farthest */
bool HnswLinkBack(HnswIndex *hi, uint32 base, int level, uint32 new_id,
				  const float *new_vector, int how);
int HnswChooseNeighbors(HnswIndex *hi, const float *vector,
						const uint32 *cands, int n, int max, uint32 *out);
void HnswSetNeighbors(HnswIndex *hi, uint32 id, int level, const uint32 *ids,
					  int n);

/* hnsw_build.c, hnsw_scan.c, hnsw_vacuum.c: the access method callbacks */
IndexBuildResult *hnswbuild(Relation heap, Relation index,
							IndexInfo *indexInfo);
void hnswbuildempty(Relation index);
bool hnswinsert(Relation index, Datum *values, bool *isnull,
				ItemPointer heap_tid, Relation heap,
				IndexUniqueCheck checkUnique,
#if PG_VERSION_NUM >= 140000
				bool indexUnchanged,
#endif
				IndexInfo *indexInfo);
IndexScanDesc hnswbeginscan(Relation index, int nkeys, int norderbys);
void hnswrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys,
				int norderbys);
bool hnswgettuple(IndexScanDesc scan, ScanDirection dir);
void hnswendscan(IndexScanDesc scan);
IndexBulkDeleteResult *hnswbulkdelete(IndexVacuumInfo *info,
									  IndexBulkDeleteResult *stats,
									  IndexBulkDeleteCallback callback,
									  void *callback_state);
IndexBulkDeleteResult *hnswvacuumcleanup(IndexVacuumInfo *info,
										 IndexBulkDeleteResult *stats);

#endif /* MVVD_HNSW_H */
