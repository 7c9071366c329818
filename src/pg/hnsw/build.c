/*
 * Building an mvvd_hnsw index: vectors are collected from the table into the core's in-memory
 * graph, linked there by several threads (which run only core code; this backend polls for
 * interrupts and reports progress meanwhile), and written to pages in one sequential pass. If
 * the graph outgrows maintenance_work_mem, what is collected so far is linked and written, and
 * the remaining rows are inserted on the pages one by one. The index is WAL-logged once at the
 * end.
 */
#include "postgres.h"

#include "access/tableam.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/memutils.h"

#include "pg/compat.h"
#include "pg/hnsw/build_copies.h"
#include "pg/hnsw/hnsw.h"
#include "pg/guard.h"
#include "pg/types/vector.h"
#include "shim/mvvd_vector.h"

typedef struct HnswBuildState
{
	Relation heap;
	Relation index;
	int metric;
	int m;
	int ef_construction;
	int dims; /* 0 until known */
	HnswLayout layout;
	mvvd_hnsw_builder *builder; /* in-memory phase */
	HnswBuildCopies *copies;	/* in-memory phase of a vector index */
	MemoryContextCallback builder_cleanup;
	bool on_disk; /* past maintenance_work_mem: inserting on pages */
	HnswIndex hi; /* for the on-disk phase */
	Size memory_limit;
	double reltuples;
	double indtuples;
	uint32 chunk_upper_used; /* upper slots taken in the current chunk */
	bool multivector;		 /* elements are multivector members */
	HnswMember *members;	 /* per in-memory element: its place in its row */
	uint32 members_capacity;
	MemoryContext tmpctx; /* reset per tuple */
	MemoryContext
		ownerctx; /* owns the in-memory graph: freed with it on ERROR */
} HnswBuildState;

/* Frees the in-memory graph if the build ends by an ERROR. */
static void
free_builder(void *arg)
{
	HnswBuildState *bs = (HnswBuildState *) arg;

	if (bs->builder)
		mvvd_hnsw_builder_free(bs->builder);
	bs->builder = NULL;
}

/* Link-phase poll: interrupts and progress, without letting an ERROR unwind the threads. */
static bool
poll_interrupts(void *context, size_t linked)
{
	volatile bool ok;

	MVVD_TRAP((MvvdTrap *) context, ok, {
		CHECK_FOR_INTERRUPTS();
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, linked);
	});
	return ok;
}

/* Threads for linking: this backend plus its parallel maintenance workers' share. */
static int
link_threads(void)
{
	return Max(1, Min(max_parallel_maintenance_workers + 1, 16));
}

/* Links the collected graph with several threads. */
static void
link_graph(HnswBuildState *bs)
{
	MvvdTrap trap;
	mvvd_error err;
	mvvd_status status;
	int threads = link_threads();

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PHASE_LINK);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL,
								 mvvd_hnsw_builder_size(bs->builder));
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, 0);
	elog(DEBUG1, "mvvd_hnsw: linking %zu elements with %d threads",
		 mvvd_hnsw_builder_size(bs->builder), threads);
	MvvdTrapInit(&trap);
	status = mvvd_hnsw_builder_link(bs->builder, threads, poll_interrupts,
									&trap, &err);
	MvvdTrapCheck(&trap, status, &err, "linking the HNSW graph");
}

/* A new page appended to the index, exclusively locked (the caller formats it). */
static Buffer
new_page(Relation index, BlockNumber expected)
{
	Buffer buf =
		ReadBufferExtended(index, MAIN_FORKNUM, P_NEW, RBM_NORMAL, NULL);

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	if (BufferGetBlockNumber(buf) != expected)
		elog(ERROR, "mvvd_hnsw: expected to write block %u, got %u", expected,
			 BufferGetBlockNumber(buf));
	return buf;
}

/* Marks a page written during the build and releases it (WAL comes at the end). */
static void
done_page(Buffer buf)
{
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);
}

/* Lays copy i out in the image of its chunk, after the graph's n elements. */
static void
image_copy(HnswBuildState *bs, HnswChunkImage *image, uint32 n, uint32 i)
{
	HnswRecord *rec = MvvdHnswChunkImageRecord(image, n + i);
	ItemPointerData tid;
	uint32 next;
	HnswMember member = {0, 1};

	MvvdHnswBuildCopiesGet(bs->copies, i, n, &tid, &next);
	MvvdHnswInitRecord(rec, &bs->layout, bs->m, false, &tid, 0, 0, member);
	rec->flags |= HNSW_RECORD_COPY;
	rec->next_copy = next;
}

/* Lays an element of the in-memory graph (of n) out in the image of its chunk. */
static void
image_element(HnswBuildState *bs, HnswChunkImage *image, uint32 n, uint32 id)
{
	int level = mvvd_hnsw_builder_level(bs->builder, id);
	const float *vector = mvvd_hnsw_builder_vector(bs->builder, id);
	HnswRecord *rec = MvvdHnswChunkImageRecord(image, id);
	ItemPointerData tid;
	HnswMember member = {0, 1};
	size_t len;
	const uint32 *list;
	int capacity = MvvdHnswListCapacity(level, 0, bs->m);

	memcpy(MvvdHnswChunkImageVector(image, id), vector,
		   bs->layout.vector_bytes);
	MvvdHnswUnpackTid(mvvd_hnsw_builder_payload(bs->builder, id), &tid);
	if (bs->multivector)
		member = bs->members[id];
	MvvdHnswInitRecord(rec, &bs->layout, bs->m, bs->multivector, &tid, level,
					   image->upper_used, member);
	rec->next_copy = MvvdHnswBuildCopiesNewest(bs->copies, vector, id, n);
	list = mvvd_hnsw_builder_neighbors(bs->builder, id, 0, &len);
	MvvdHnswWriteList(rec->neighbors, capacity, list,
					  Min((int) len, capacity));
	for (int lv = 1; lv <= level; lv++)
	{
		list = mvvd_hnsw_builder_neighbors(bs->builder, id, lv, &len);
		MvvdHnswWriteList(
			MvvdHnswChunkImageUpperSlot(image, image->upper_used++), bs->m,
			list, len);
	}
}

/*
 * Writes one chunk of the in-memory graph (n elements, then the copies, total ids in all):
 * vector, record and upper pages.
 */
static void
write_chunk(HnswBuildState *bs, uint32 chunk, uint32 n, uint32 total)
{
	const HnswLayout *l = &bs->layout;
	uint32 first = chunk * l->elements_per_chunk;
	uint32 count = Min(total - first, l->elements_per_chunk);
	BlockNumber start = MvvdHnswChunkStart(l, chunk);
	HnswChunkImage image;

	/* lay the chunk out in memory first, then write its pages in order */
	MvvdHnswChunkImageStart(&image, l, chunk);
	for (uint32 id = first; id < first + count; id++)
		if (id < n)
			image_element(bs, &image, n, id);
		else
			image_copy(bs, &image, n, id - n);
	for (uint32 p = 0; p < l->chunk_pages; p++)
	{
		Buffer buf = new_page(bs->index, start + p);

		MvvdHnswChunkImagePage(&image, p, BufferGetPage(buf));
		done_page(buf);
	}
	MvvdHnswChunkImageEnd(&image);
}

/* Writes the linked in-memory graph after the metapage, and fills the metapage in. */
static void
write_graph(HnswBuildState *bs)
{
	uint32 n = mvvd_hnsw_builder_size(bs->builder);
	uint32 total = n + MvvdHnswBuildCopiesCount(bs->copies);
	uint32 chunks = (total + bs->layout.elements_per_chunk - 1) /
					bs->layout.elements_per_chunk;
	Buffer buf;
	HnswMeta *meta;
	int entry_level;
	uint32 entry = mvvd_hnsw_builder_entry(bs->builder, &entry_level);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE,
								 HNSW_PHASE_WRITE);
	for (uint32 c = 0; c < chunks; c++)
	{
		CHECK_FOR_INTERRUPTS();
		write_chunk(bs, c, n, total);
	}

	buf = ReadBuffer(bs->index, HNSW_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	meta = MvvdHnswMetaOf(BufferGetPage(buf));
	meta->dims = bs->dims;
	meta->layout = bs->layout;
	meta->next_id = total;
	meta->chunks = chunks;
	meta->entry_id = n > 0 ? entry : MVVD_NO_ELEMENT;
	meta->entry_level = n > 0 ? entry_level : -1;
	done_page(buf);
}

/* Past maintenance_work_mem: writes what is in memory and continues on pages. */
static void
spill_to_pages(HnswBuildState *bs)
{
	ereport(NOTICE,
			(errmsg("mvvd_hnsw graph no longer fits into maintenance_work_mem "
					"after %.0f tuples",
					bs->indtuples),
			 errdetail("Building will take significantly more time."),
			 errhint("Increase maintenance_work_mem to speed up builds.")));
	link_graph(bs);
	write_graph(bs);
	free_builder(bs);
	bs->copies = NULL; /* inserts find copies from here on */
	bs->on_disk = true;
	MvvdHnswOpenIndex(bs->index, &bs->hi, true);
	bs->hi.building = true;
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE,
								 HNSW_PHASE_INSERT);
}

/* The level of the next in-memory element, lowered if its chunk's upper slots run out. */
static int
next_level(HnswBuildState *bs)
{
	uint32 id = mvvd_hnsw_builder_size(bs->builder);
	uint32 capacity = MvvdHnswUpperSlotsPerChunk(&bs->layout);
	int level = mvvd_hnsw_random_level(1.0 - MvvdRandomDouble(), bs->m);

	if (id % bs->layout.elements_per_chunk == 0)
		bs->chunk_upper_used = 0;
	level = Min((uint32) level, capacity - bs->chunk_upper_used);
	bs->chunk_upper_used += level;
	return level;
}

/* Starts the in-memory graph once the dimensions are known. */
static void
start_builder(HnswBuildState *bs)
{
	mvvd_error err;
	size_t per_element;
	double fit;

	bs->builder = mvvd_hnsw_builder_create(bs->metric, bs->dims, bs->m,
										   bs->ef_construction, &err);
	if (bs->builder == NULL)
		MvvdReportStatus(MVVD_OUT_OF_MEMORY, &err, "starting an HNSW build");
	per_element = mvvd_hnsw_builder_bytes_per_element(bs->builder);
	fit = (double) bs->memory_limit / per_element;
	MvvdReportStatus(
		mvvd_hnsw_builder_reserve(
			bs->builder, (size_t) Min(Max(bs->reltuples, 1024), fit), &err),
		&err, "starting an HNSW build");
	if (!bs->multivector)
		bs->copies =
			MvvdHnswBuildCopiesCreate(bs->ownerctx, bs->layout.vector_bytes);
}

/* Records where the next in-memory element sits in its row (multivector indexes). */
static void
remember_member(HnswBuildState *bs, int index, int count)
{
	uint32 id = mvvd_hnsw_builder_size(bs->builder);

	if (id >= bs->members_capacity)
	{
		bs->members_capacity = Max(1024, bs->members_capacity * 2);
		bs->members =
			bs->members == NULL
				? MemoryContextAlloc(bs->ownerctx,
									 sizeof(HnswMember) * bs->members_capacity)
				: repalloc_huge(bs->members,
								sizeof(HnswMember) * bs->members_capacity);
	}
	bs->members[id].index = index;
	bs->members[id].count = count;
}

/*
 * One heap tuple: its vector (or its multivector's vectors, as consecutive elements) collected
 * in memory, or inserted on pages once past the memory budget.
 */
static void
build_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			   bool tupleIsAlive, void *state)
{
	HnswBuildState *bs = (HnswBuildState *) state;
	MemoryContext oldctx;
	HnswIndex probe;
	HnswRowVectors row;

	if (isnull[0])
		return;
	oldctx = MemoryContextSwitchTo(bs->tmpctx);
	memset(&probe, 0, sizeof(probe));
	probe.metric = bs->metric;
	probe.multivector = bs->multivector;
	MvvdHnswRowVectorsOf(&probe, values[0], &row);
	if (bs->dims == 0)
	{
		bs->dims = row.dims;
		MvvdHnswComputeLayout(bs->dims, bs->m, bs->multivector, &bs->layout);
	}
	if (row.dims != bs->dims)
		ereport(
			ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("different vector dimensions %d and %d", bs->dims,
					row.dims),
			 errdetail("Index \"%s\" holds %d-dimensional vectors.",
					   RelationGetRelationName(index), bs->dims),
			 errhint(
				 "Declare the column as %s(%d), or index an expression that "
				 "picks one size.",
				 bs->multivector ? "multivector" : "vector", bs->dims)));
	if (row.count > 0)
	{
		if (!bs->on_disk && bs->builder == NULL)
			start_builder(bs);
		if (!bs->on_disk &&
			mvvd_hnsw_builder_memory(bs->builder) +
					MvvdHnswBuildCopiesMemory(bs->copies) +
					row.count *
						mvvd_hnsw_builder_bytes_per_element(bs->builder) >
				bs->memory_limit)
			spill_to_pages(bs);
		if (bs->on_disk)
			MvvdHnswInsertVectors(&bs->hi, row.vectors, row.count, row.dims,
								  tid);
		else
		{
			uint64 payload = MvvdHnswPackTid(tid);

			for (int i = 0; i < row.count; i++)
			{
				mvvd_error err;
				const float *vector = row.vectors + (Size) i * row.dims;

				if (bs->copies &&
					MvvdHnswBuildCopiesOffer(
						bs->copies, bs->builder, vector, tid,
						(uint32) mvvd_hnsw_builder_size(bs->builder)))
					continue;
				if (bs->multivector)
					remember_member(bs, i, row.count);
				MvvdReportStatus(mvvd_hnsw_builder_add(bs->builder, vector,
													   next_level(bs), payload,
													   &err),
								 &err, "adding to an HNSW build");
			}
		}
		bs->indtuples++;
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE,
									 (int64) bs->indtuples);
	}
	MemoryContextSwitchTo(oldctx);
	MemoryContextReset(bs->tmpctx);
}

/* ambuild */
IndexBuildResult *
mvvd_hnsw_build(Relation heap, Relation index, IndexInfo *indexInfo)
{
	/* in the caller's context, so it outlives ownerctx's cleanup callback on ERROR */
	HnswBuildState *bs = palloc0(sizeof(HnswBuildState));
	IndexBuildResult *result;
	Buffer metabuf;
	int typmod = TupleDescAttr(RelationGetDescr(index), 0)->atttypmod;

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data",
			 RelationGetRelationName(index));
	bs->heap = heap;
	bs->index = index;
	bs->metric = MvvdIndexMetric(index, &bs->multivector);
	bs->m = MvvdHnswOptionM(index);
	bs->ef_construction = MvvdHnswOptionEfConstruction(index);
	bs->dims = typmod > 0 ? typmod : 0;
	if (bs->dims > 0)
		MvvdHnswComputeLayout(bs->dims, bs->m, bs->multivector, &bs->layout);
	bs->memory_limit = (Size) maintenance_work_mem * 1024;
	bs->reltuples = heap->rd_rel->reltuples;
	bs->tmpctx = AllocSetContextCreate(CurrentMemoryContext, "mvvd_hnsw tuple",
									   ALLOCSET_DEFAULT_SIZES);
	bs->ownerctx = AllocSetContextCreate(
		CurrentMemoryContext, "mvvd_hnsw build", ALLOCSET_SMALL_SIZES);
	bs->builder_cleanup.func = free_builder;
	bs->builder_cleanup.arg = bs;
	MemoryContextRegisterResetCallback(bs->ownerctx, &bs->builder_cleanup);

	/* the metapage comes first; it is filled in once the graph is written */
	metabuf = new_page(index, HNSW_METAPAGE_BLKNO);
	MvvdHnswInitMetaPage(BufferGetPage(metabuf), bs->dims, bs->m,
						 bs->ef_construction, bs->metric, bs->multivector);
	done_page(metabuf);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PHASE_LOAD);
	bs->reltuples = table_index_build_scan(heap, index, indexInfo, true, true,
										   build_callback, bs, NULL);
	if (!bs->on_disk && bs->builder != NULL)
	{
		link_graph(bs);
		write_graph(bs);
	}
	else if (!bs->on_disk && bs->dims > 0)
	{
		/* no indexable rows, but the dimensions became known */
		metabuf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
		LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
		MvvdHnswInitMetaPage(BufferGetPage(metabuf), bs->dims, bs->m,
							 bs->ef_construction, bs->metric, bs->multivector);
		done_page(metabuf);
	}
	MemoryContextDelete(bs->ownerctx); /* frees the in-memory graph */
	MemoryContextDelete(bs->tmpctx);

	if (RelationNeedsWAL(index))
		log_newpage_range(index, MAIN_FORKNUM, 0,
						  RelationGetNumberOfBlocks(index), true);

	result = (IndexBuildResult *) palloc(sizeof(IndexBuildResult));
	result->heap_tuples = bs->reltuples;
	result->index_tuples = bs->indtuples;
	pfree(bs);
	return result;
}

/* ambuildempty: the init fork of an unlogged table's index holds just a metapage. */
void
mvvd_hnsw_buildempty(Relation index)
{
	Buffer buf =
		ReadBufferExtended(index, INIT_FORKNUM, P_NEW, RBM_NORMAL, NULL);
	int typmod = TupleDescAttr(RelationGetDescr(index), 0)->atttypmod;
	bool multivector;
	int metric = MvvdIndexMetric(index, &multivector);

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	START_CRIT_SECTION();
	MvvdHnswInitMetaPage(
		BufferGetPage(buf), typmod > 0 ? typmod : 0, MvvdHnswOptionM(index),
		MvvdHnswOptionEfConstruction(index), metric, multivector);
	MarkBufferDirty(buf);
	log_newpage_buffer(buf, true);
	END_CRIT_SECTION();
	UnlockReleaseBuffer(buf);
}
