/*
 * The metapage of an mvvd_hnsw index: parameters, layout, the allocation counter and the entry
 * point.
 */
#include "postgres.h"

#include "storage/bufmgr.h"

#include "pg/hnsw/hnsw.h"

/* Copies the metapage, checking it is one of ours. */
void
HnswReadMeta(Relation index, HnswMeta *meta)
{
	Buffer buf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
	Page page;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	memcpy(meta, HnswPagePayload(page), sizeof(HnswMeta));
	UnlockReleaseBuffer(buf);
	if (meta->magic != HNSW_MAGIC || meta->version != HNSW_VERSION)
		ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
						errmsg("index \"%s\" is not a valid mvvd_hnsw index",
							   RelationGetRelationName(index)),
						errdetail("Metapage magic %08x version %u.",
								  meta->magic, meta->version),
						errhint("REINDEX the index.")));
}

/* Opens an index for searching or changing it: its metapage and distance function. */
void
HnswOpenIndex(Relation index, HnswIndex *hi)
{
	memset(hi, 0, sizeof(*hi));
	hi->rel = index;
	HnswReadMeta(index, &hi->meta);
	hi->metric = hi->meta.metric;
	hi->distance = mvvd_search_distance(hi->metric);
	hi->multivector = hi->meta.multivector != 0;
	HnswAttachHints(hi);
}

/* Formats the metapage of a new index; dims 0 means "from the first vector". */
void
HnswInitMetaPage(Page page, int dims, int m, int ef_construction, int metric,
				 bool multivector)
{
	HnswMeta *meta;

	HnswInitPage(page, HNSW_PAGE_META);
	meta = (HnswMeta *) HnswPagePayload(page);
	memset(meta, 0, sizeof(*meta));
	meta->magic = HNSW_MAGIC;
	meta->version = HNSW_VERSION;
	meta->dims = dims;
	meta->m = m;
	meta->ef_construction = ef_construction;
	meta->metric = metric;
	meta->multivector = multivector;
	if (dims > 0)
		HnswComputeLayout(dims, m, multivector, &meta->layout);
	meta->entry_id = MVVD_NO_ELEMENT;
	meta->entry_level = -1;
}
