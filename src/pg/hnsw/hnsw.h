/*
 * The mvvd_hnsw index access method: the functions its files share. The page format is
 * format.h's.
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

#include "pg/guard.h"
#include "pg/hnsw/format.h"
#include "pg/index/metric.h"
#include "pg/index/ordering_scan.h"
#include "shim/mvvd_hnsw.h"

/* Options */
#define HNSW_DEFAULT_M				 16
#define HNSW_MIN_M					 2
#define HNSW_MAX_M					 100
#define HNSW_DEFAULT_EF_CONSTRUCTION 64
#define HNSW_MIN_EF_CONSTRUCTION	 4
#define HNSW_MAX_EF_CONSTRUCTION	 1000

/* Build phases (pg_stat_progress_create_index.phase); 1 is Postgres's "initializing" */
#define HNSW_PHASE_LOAD	  2
#define HNSW_PHASE_LINK	  3
#define HNSW_PHASE_WRITE  4
#define HNSW_PHASE_INSERT 5

/* An open index as the scan, insert and vacuum code use it. */
typedef struct HnswIndex
{
	Relation rel;
	HnswMeta meta;
	int metric; /* the index's, or the one it is linked by (see OpenIndex) */
	mvvd_search_distance_fn distance;
	bool building;	  /* pages written without WAL (logged at the end) */
	bool multivector; /* see HnswMeta */
	/* per block: the buffer that held it last (see buffers.c) */
	Buffer *hints;
	BlockNumber nhints;
} HnswIndex;

/* GUCs */
extern int mvvd_hnsw_ef_search;
extern int mvvd_hnsw_iterative_scan;
extern int mvvd_hnsw_max_scan_tuples;
extern int mvvd_hnsw_candidates;

/* am.c */
void MvvdHnswInitGucs(void);
int MvvdHnswOptionM(Relation index);
int MvvdHnswOptionEfConstruction(Relation index);

/* reach.c: marks in reached[] the elements (ids < nelements) a walk on level 0 from start
 * reaches, skipping those already marked; queue has room for nelements ids. */
void MvvdHnswMarkReachable(HnswIndex *hi, uint32 start, uint32 nelements,
						   bool *reached, uint32 *queue);

/* buffers.c */
void MvvdHnswAttachHints(HnswIndex *hi);
Buffer MvvdHnswPin(HnswIndex *hi, BlockNumber block);
void MvvdHnswPrefetchBlock(HnswIndex *hi, BlockNumber block);

/* elements.c: opening an index and reading its elements */
void MvvdHnswOpenIndex(Relation index, HnswIndex *hi, bool linking);
void MvvdHnswReadVectors(HnswIndex *hi, uint32 first, int count, float *out);
void MvvdHnswReadVector(HnswIndex *hi, uint32 id, float *out);
int MvvdHnswReadNeighbors(HnswIndex *hi, uint32 id, int level, uint32 *out,
						  int capacity);
/* What a record says of its element, besides the level-0 list. */
typedef struct HnswElementInfo
{
	ItemPointerData heaptid;
	int level;
	uint8 flags;
	uint32 next_copy;  /* MVVD_NO_ELEMENT when it has no copies */
	uint32 upper_slot; /* valid when level > 0 */
	HnswMember
		member; /* multivector indexes: the element's place in its row */
} HnswElementInfo;
bool MvvdHnswReadElement(HnswIndex *hi, uint32 id, HnswElementInfo *out);
#define HNSW_DISTANCE_BATCH 32
void MvvdHnswDistances(HnswIndex *hi, const float *query, const uint32 *ids,
					   int n, float *out, float *scratch);

/*
 * graph.c: the graph as the core reads it, through callbacks. A callback that fails (an ERROR
 * while reading a page, or a cancel request) traps the error and returns -1; MvvdHnswGraphCheck
 * re-throws it once the core has returned.
 */
typedef struct HnswGraphContext
{
	HnswIndex *hi;
	const float *query;
	float *scratch; /* one vector, for those spanning pages */
	MvvdTrap trap;
} HnswGraphContext;
void MvvdHnswGraphInit(HnswGraphContext *ctx, mvvd_graph_callbacks *cb,
					   HnswIndex *hi, const float *query);
void MvvdHnswGraphCheck(HnswGraphContext *ctx, mvvd_status status,
						const mvvd_error *err, const char *what);

/* A resumable search from the entry point, freed with the memory context it started in. */
typedef struct HnswSearch
{
	mvvd_hnsw_scan *core;
	HnswGraphContext graph;
	mvvd_graph_callbacks callbacks;
	MemoryContextCallback cleanup;
	bool exhausted;
} HnswSearch;
void MvvdHnswSearchStart(HnswSearch *s, HnswIndex *hi, const float *query,
						 int ef, int mode, size_t max_visits,
						 const char *what);
bool MvvdHnswSearchNext(HnswSearch *s, uint32 *id, float *distance,
						const char *what);
uint32 *MvvdHnswFindCandidates(HnswIndex *hi, const float *vector,
							   uint32 entry, int entry_level, int level,
							   int ef, int *counts, const char *what);

/* edit.c: changing pages (GenericXLog, or plain writes during a build) */
typedef struct HnswEdit
{
	HnswIndex *hi;
	GenericXLogState *xlog;
	int nbuffers;
	Buffer buffers[MAX_GENERIC_XLOG_PAGES];
	Page pages[MAX_GENERIC_XLOG_PAGES];
} HnswEdit;
void MvvdHnswEditStart(HnswEdit *edit, HnswIndex *hi);
Page MvvdHnswEditPage(HnswEdit *edit, Buffer buffer);
void MvvdHnswEditFinish(HnswEdit *edit);
void MvvdHnswEditCancel(HnswEdit *edit);
void MvvdHnswWriteVector(HnswIndex *hi, uint32 id, const float *vector);

/* insert.c */
typedef struct HnswRowVectors
{
	const float *vectors; /* count x dims */
	int count;
	int dims;
} HnswRowVectors;
void MvvdHnswRowVectorsOf(HnswIndex *hi, Datum value, HnswRowVectors *row);
uint32 MvvdHnswAllocateElements(HnswIndex *hi, int dims, int count);
void MvvdHnswInsertVectors(HnswIndex *hi, const float *vectors, int count,
						   int dims, ItemPointer heaptid);

/* copies.c: rows whose vector equals an element's */
uint32 MvvdHnswFindEqual(HnswIndex *hi, const float *vector,
						 const uint32 *cands, int n);
bool MvvdHnswAttachCopy(HnswIndex *hi, uint32 element, const float *vector,
						ItemPointer heaptid);
int MvvdHnswElementTids(HnswIndex *hi, uint32 id, ItemPointerData **tids,
						int n, int *capacity);
bool MvvdHnswChainHasLive(HnswIndex *hi, uint32 element, uint32 first);

/* free_space.c: reusing the places of deleted elements */
void MvvdHnswFreeChain(HnswIndex *hi, uint32 element, bool free_all,
					   uint8 *to_free, uint32 nelements);
/* Places that are free: how many, and the lowest id. */
typedef struct HnswFreeCount
{
	uint32 count;
	uint32 lowest;
} HnswFreeCount;
/* A heavyweight lock (a page lock tag, not a page) that scans hold while they walk a chain. */
#define HNSW_CHAIN_LOCK 0
uint32 MvvdHnswFreePlaces(HnswIndex *hi, const uint8 *to_free,
						  uint32 nelements, const HnswFreeCount *before);
uint32 MvvdHnswTakeFree(HnswIndex *hi, const float *vectors, int count,
						int dims, ItemPointer heaptid, int *levels);

/* neighbors.c: editing neighbour lists */
#define HNSW_LINK_IF_ROOM 0 /* only into a list with room */
#define HNSW_LINK_PRUNE                                                       \
	1 /* the heuristic may drop the new link or an old one */
#define HNSW_LINK_FORCE 2 /* the new link stays, replacing the farthest */
int MvvdHnswChooseNeighbors(HnswIndex *hi, const float *vector, int level,
							const uint32 *cands, int n, int max, uint32 *out,
							int *chosen);
void MvvdHnswSetNeighbors(HnswIndex *hi, uint32 id, int level,
						  const uint32 *ids, int nfirst, int n,
						  bool keep_existing);
void MvvdHnswEmptyUpperLists(HnswIndex *hi, uint32 id, int level,
							 uint32 upper_slot);
bool MvvdHnswLinkBack(HnswIndex *hi, uint32 base, int level, uint32 new_id,
					  const float *new_vector, int how);
int MvvdHnswLinkBackAll(HnswIndex *hi, const uint32 *ids, int n, int level,
						uint32 new_id, const float *new_vector, int how,
						bool force_one);
bool MvvdHnswSpliceIn(HnswIndex *hi, uint32 base, uint32 new_id,
					  const bool *reached, uint32 nelements);

/* build.c, insert.c, scan.c, vacuum.c: the access method callbacks */
IndexBuildResult *mvvd_hnsw_build(Relation heap, Relation index,
								  IndexInfo *indexInfo);
void mvvd_hnsw_buildempty(Relation index);
bool mvvd_hnsw_insert(Relation index, Datum *values, bool *isnull,
					  ItemPointer heap_tid, Relation heap,
					  IndexUniqueCheck checkUnique,
#if PG_VERSION_NUM >= 140000
					  bool indexUnchanged,
#endif
					  IndexInfo *indexInfo);
IndexScanDesc mvvd_hnsw_beginscan(Relation index, int nkeys, int norderbys);
void mvvd_hnsw_rescan(IndexScanDesc scan, ScanKey keys, int nkeys,
					  ScanKey orderbys, int norderbys);
bool mvvd_hnsw_gettuple(IndexScanDesc scan, ScanDirection dir);
void mvvd_hnsw_endscan(IndexScanDesc scan);
IndexBulkDeleteResult *mvvd_hnsw_bulkdelete(IndexVacuumInfo *info,
											IndexBulkDeleteResult *stats,
											IndexBulkDeleteCallback callback,
											void *callback_state);
IndexBulkDeleteResult *mvvd_hnsw_vacuumcleanup(IndexVacuumInfo *info,
											   IndexBulkDeleteResult *stats);

#endif /* MVVD_HNSW_H */
