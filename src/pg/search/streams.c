/*
 * The index plan of mvvd_search: one mvvd_hnsw index scan per weighted field (or one scan of a
 * combined index, see combined.c) streams rows nearest first. Every row a stream returns is
 * scored exactly from its heap tuple, field by field, as long as it could still reach the top
 * k. For weighted, raw, min and max fusion the streams are read by the threshold algorithm of
 * the core (src/core/threshold.hpp: frontiers, the bound on unseen rows, the proof, the stream
 * to read next); this file does the I/O: index scans, heap fetches, exact scores, the filter.
 * For reciprocal rank fusion each field's stream gives its list of the best N rows.
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "miscadmin.h"
#include "utils/hsearch.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "pg/compat.h"
#include "pg/index/ordering_scan.h"
#include "pg/search/search.h"

/* Rows checked against the filter at once, at most. */
#define CHECK_BATCH 64

typedef struct Stream
{
	int field; /* -1: the combined index */
	Relation index;
	IndexScanDesc scan;
	SearchRow **list; /* RRF: the passing rows in stream order */
	int nlist;
} Stream;

typedef struct SeenEntry
{
	ItemPointerData tid;
	SearchRow *row; /* NULL when no version is visible, or a field is NULL */
} SeenEntry;

typedef struct StreamSearch
{
	SearchRequest *req;
	RowHeap *top;
	Stream *streams;
	int nstreams;
	mvvd_threshold *ta; /* the streams' frontiers, the bound, the proof */
	HTAB *seen;
	TupleTableSlot *slot;
	Datum *values;
	bool *nulls;
	SearchRow **batch; /* the rows of the last pull, in stream order */
	int nbatch;
	SearchRow **pending; /* rows waiting for the filter */
	int npending;
	int batch_size;
	int64 depth_limit;
	int64 in_reach; /* rows scored in full: they could reach the top k */
} StreamSearch;

/* Starts the scan of a field's index (field >= 0) or of the combined index (-1). */
static void
open_stream(StreamSearch *ss, Stream *s, int field)
{
	SearchRequest *req = ss->req;
	SearchField *f = field >= 0 ? &req->fields[field] : NULL;

	s->field = field;
	s->index = f ? f->index : req->combined;
	/*
	 * Relaxed: the streams go on past the first beam, and keep a late find (strict order would
	 * drop it), since every row a stream returns is scored exactly anyway. A stream is read
	 * deeper than one query's LIMIT, so its beam is mvvd.search_ef wide. The combined index's
	 * vector_ip_ops orders by <#>.
	 */
	s->scan = MvvdOrderingScanOpen(
		req->rel, s->index, f ? f->strategy : MVVD_STRATEGY_DISTANCE,
		f ? f->query : req->combined_query, MVVD_SCAN_RELAXED, mvvd_search_ef);
}

static void
close_streams(StreamSearch *ss)
{
	for (int i = 0; i < ss->nstreams; i++)
		MvvdOrderingScanClose(ss->streams[i].scan);
}

/* Whether a row whose fused score is at most bound could still enter the top k. */
static bool
could_enter(StreamSearch *ss, double bound)
{
	bool full = MvvdRowHeapFull(ss->top);

	return mvvd_threshold_could_enter(
		ss->ta, full, full ? MvvdRowHeapWorst(ss->top)->score : NAN, bound);
}

/* When a field's distance is computed: weighted fields stored in the tuple, then the others. */
static int
pass_of(SearchRequest *req, int i, Datum value)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(value);

	if (req->fields[i].fusion.weight == 0)
		return 2;
	return VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v) ? 1 : 0;
}

/*
 * Computes the distances of the row (its heap tuple in ss->slot) not known yet: first on the
 * weighted fields stored in the tuple, then on those stored compressed or out of line (each a
 * detoast), checking after each that the fusion of the distances known and the lower bounds
 * of the others can still reach the top k; if not, the row is left ROW_PRUNED. Fields of
 * weight 0 come last. False when a field is NULL (such rows are left out).
 */
static bool
score_row(StreamSearch *ss, SearchRow *row)
{
	SearchRequest *req = ss->req;

	for (int i = 0; i < req->nfields; i++)
	{
		ss->values[i] =
			slot_getattr(ss->slot, req->fields[i].attnum, &ss->nulls[i]);
		if (ss->nulls[i])
			return false;
	}
	for (int pass = 0; pass < 3; pass++)
	{
		for (int i = 0; i < req->nfields; i++)
		{
			if ((row->known & (1u << i)) ||
				pass_of(req, i, ss->values[i]) != pass)
				continue;
			row->distances[i] = MvvdSearchFieldDistance(req, i, ss->values[i]);
			row->known |= 1u << i;
			if (pass == 1 &&
				!could_enter(ss, MvvdSearchFuse(req, row->distances)))
				goto pruned;
		}
		if (pass == 0 && !could_enter(ss, MvvdSearchFuse(req, row->distances)))
			goto pruned;
	}
	row->score = MvvdSearchFuse(req, row->distances);
	row->state = req->check_rows ? ROW_PENDING : ROW_PASSED;
	ss->in_reach++;
	return true;
pruned:
	row->state = ROW_PRUNED;
	return true;
}

/*
 * A row a stream returned for the first time (its tuple in ss->slot), scored as far as it
 * could still matter; NULL when a field is NULL. No other stream has returned it yet, so on
 * every other field it is no nearer than that stream's last row.
 */
static SearchRow *
new_row(StreamSearch *ss, Stream *s, double distance)
{
	SearchRequest *req = ss->req;
	SearchRow *row = MvvdSearchNewRow(req, &ss->slot->tts_tid);

	memcpy(row->distances, mvvd_threshold_frontiers(ss->ta),
		   sizeof(double) * req->nfields);
	if (s->field >= 0)
		row->distances[s->field] = mvvd_threshold_below(distance);
	if (score_row(ss, row))
		return row;
	pfree(row->distances);
	pfree(row);
	return NULL;
}

/* Checks the pending rows against the filter; those that pass join the top k. */
static void
flush(StreamSearch *ss)
{
	if (ss->npending == 0)
		return;
	MvvdSearchCheckRows(ss->req, ss->pending, ss->npending);
	for (int i = 0; i < ss->npending; i++)
		if (ss->pending[i]->state == ROW_PASSED &&
			ss->req->method != MVVD_FUSION_RRF)
			MvvdRowHeapPush(ss->top, ss->pending[i]);
	ss->npending = 0;
}

/* Offers a row just scored to the top k, or to the filter first. */
static void
offer(StreamSearch *ss, SearchRow *row)
{
	if (row->state == ROW_PASSED && ss->req->method != MVVD_FUSION_RRF)
		MvvdRowHeapPush(ss->top, row);
	else if (row->state == ROW_PENDING &&
			 (ss->req->method == MVVD_FUSION_RRF ||
			  MvvdRowHeapWants(ss->top, row)))
		ss->pending[ss->npending++] = row;
	/* a pending row the top k does not want now never will: left unchecked */
	if (ss->npending == CHECK_BATCH)
		flush(ss);
}

/*
 * A pruned row that another stream returns now: its distance there may be below the bound it
 * was pruned with (a late find), so it is scored further if it could enter now.
 */
static void
revisit(StreamSearch *ss, Stream *s, SearchRow *row, double distance)
{
	if (s->field >= 0 && !(row->known & (1u << s->field)))
		row->distances[s->field] =
			Min(row->distances[s->field], mvvd_threshold_below(distance));
	if (!could_enter(ss, MvvdSearchFuse(ss->req, row->distances)) ||
		!index_fetch_heap(s->scan, ss->slot))
		return;
	score_row(ss, row);
	if (row->state != ROW_PRUNED)
		offer(ss, row);
}

/*
 * Takes the row a stream just returned into the search. Rows are told apart by the index's
 * TID, the root of the row's HOT chain, which every index holds; the heap tuple is read the
 * first time only.
 */
static void
take(StreamSearch *ss, Stream *s, double distance)
{
	bool found;
	SeenEntry *entry =
		hash_search(ss->seen, &s->scan->xs_heaptid, HASH_ENTER, &found);
	SearchRow *row;

	if (!found)
		entry->row = index_fetch_heap(s->scan, ss->slot)
						 ? new_row(ss, s, distance)
						 : NULL;
	row = entry->row;
	if (row == NULL)
		return;
	ss->batch[ss->nbatch++] = row;
	if (!found)
		offer(ss, row);
	else if (row->state == ROW_PRUNED)
		revisit(ss, s, row, distance);
}

/* Reads up to n rows from stream i. */
static void
pull(StreamSearch *ss, int i, int n)
{
	Stream *s = &ss->streams[i];
	int got = 0;

	ss->nbatch = 0;
	mvvd_threshold_begin_batch(ss->ta, i);
	while (got < n && !mvvd_threshold_exhausted(ss->ta, i))
	{
		double distance;

		CHECK_FOR_INTERRUPTS();
		if (!MvvdOrderingScanNext(s->scan, &distance))
		{
			mvvd_threshold_exhaust(ss->ta, i);
			break;
		}
		mvvd_threshold_observe(ss->ta, i, distance);
		if (mvvd_threshold_rows_read(ss->ta, i) >= ss->depth_limit)
			mvvd_threshold_exhaust(ss->ta, i);
		if (isnan(distance))
			continue;
		got++;
		take(ss, s, distance);
	}
	mvvd_threshold_end_batch(ss->ta, i);
}

/* Whether the k-th best score seen reaches the bound on every row not seen. */
static bool
proven(StreamSearch *ss)
{
	bool full = MvvdRowHeapFull(ss->top);

	return mvvd_threshold_proven(
		ss->ta, full, full ? MvvdRowHeapWorst(ss->top)->score : NAN);
}

static bool
threshold_algorithm(StreamSearch *ss)
{
	int next;

	for (int i = 0; i < ss->nstreams; i++)
		pull(ss, i, ss->batch_size);
	for (;;)
	{
		if (proven(ss))
			return true;
		/* rows waiting for the filter may fill or raise the top k */
		if (ss->npending > 0)
		{
			flush(ss);
			continue;
		}
		next = mvvd_threshold_next_stream(ss->ta);
		if (next < 0)
			return false;
		pull(ss, next, ss->batch_size);
	}
}

/* Each field's list of its best N rows (that pass the filter), in stream order. */
static bool
rank_lists(StreamSearch *ss)
{
	SearchRequest *req = ss->req;
	SearchRow ***lists = palloc0(sizeof(SearchRow **) * req->nfields);
	int *lengths = palloc0(sizeof(int) * req->nfields);
	bool complete = true;

	for (int i = 0; i < ss->nstreams; i++)
	{
		Stream *s = &ss->streams[i];

		s->list = palloc(sizeof(SearchRow *) * req->rrf_depth);
		while (s->nlist < req->rrf_depth &&
			   !mvvd_threshold_exhausted(ss->ta, i))
		{
			pull(ss, i, Min(req->rrf_depth - s->nlist, CHECK_BATCH));
			flush(ss);
			for (int j = 0; j < ss->nbatch && s->nlist < req->rrf_depth; j++)
				if (ss->batch[j]->state == ROW_PASSED)
					s->list[s->nlist++] = ss->batch[j];
		}
		complete &= s->nlist == req->rrf_depth;
		lists[s->field] = s->list;
		lengths[s->field] = s->nlist;
	}
	MvvdSearchRrf(req, lists, lengths, ss->top);
	return complete;
}

static void
free_threshold(void *arg)
{
	mvvd_threshold_free((mvvd_threshold *) arg);
}

/* The core's threshold algorithm over the open streams, freed with the call's memory. */
static void
start_threshold(StreamSearch *ss)
{
	int *stream_fields = palloc(sizeof(int) * ss->nstreams);
	/* in the call's memory: the callback outlives this frame */
	MemoryContextCallback *free_ta = palloc(sizeof(MemoryContextCallback));
	mvvd_error err;

	for (int i = 0; i < ss->nstreams; i++)
		stream_fields[i] = ss->streams[i].field;
	if (mvvd_threshold_create(ss->req->method, ss->req->fusion,
							  ss->req->nfields, stream_fields, ss->nstreams,
							  ss->req->total_weight, &ss->ta, &err) != MVVD_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
						errmsg("mvvd_search: %s", err.message)));
	free_ta->func = free_threshold;
	free_ta->arg = ss->ta;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, free_ta);
}

static void
init_search(StreamSearch *ss, SearchRequest *req, RowHeap *top)
{

	memset(ss, 0, sizeof(*ss));
	ss->req = req;
	ss->top = top;
	ss->batch_size = Min(Max(req->k, 16), CHECK_BATCH);
	ss->depth_limit = Max((int64) mvvd_search_max_depth, 4 * (int64) req->k);
	if (req->method == MVVD_FUSION_RRF)
		ss->depth_limit = Max(ss->depth_limit, 4 * (int64) req->rrf_depth);
	ss->values = palloc(sizeof(Datum) * req->nfields);
	ss->nulls = palloc(sizeof(bool) * req->nfields);
	ss->batch = palloc(sizeof(SearchRow *) * CHECK_BATCH);
	ss->pending = palloc(sizeof(SearchRow *) * CHECK_BATCH);
	ss->seen = MvvdBlobHashCreate("mvvd_search rows seen", 4096,
								  sizeof(ItemPointerData), sizeof(SeenEntry),
								  CurrentMemoryContext);
	ss->slot = table_slot_create(req->rel, NULL);
	ss->streams = palloc0(sizeof(Stream) * req->nfields);
	if (req->combined)
		open_stream(ss, &ss->streams[ss->nstreams++], -1);
	else
		for (int i = 0; i < req->nfields; i++)
			if (req->fields[i].fusion.weight > 0)
				open_stream(ss, &ss->streams[ss->nstreams++], i);
	start_threshold(ss);
}

bool
MvvdSearchStreams(SearchRequest *req, RowHeap *top)
{
	StreamSearch ss;
	bool exact;

	init_search(&ss, req, top);
	if (req->check_rows)
		MvvdSearchCheckRows(req, NULL,
							0); /* a filter that cannot run fails now */
	exact = req->method == MVVD_FUSION_RRF ? rank_lists(&ss)
										   : threshold_algorithm(&ss);
	for (int i = 0; i < ss.nstreams; i++)
		elog(DEBUG1, "mvvd_search: read %lld rows of index \"%s\"",
			 (long long) mvvd_threshold_rows_read(ss.ta, i),
			 RelationGetRelationName(ss.streams[i].index));
	elog(DEBUG1,
		 "mvvd_search: %ld distinct rows, %lld in reach of the top k, %s",
		 hash_get_num_entries(ss.seen), (long long) ss.in_reach,
		 exact ? "proven" : "not proven");
	close_streams(&ss);
	ExecDropSingleTupleTableSlot(ss.slot);
	return exact;
}
