/*
 * The index plan of mvvd_search: one mvvd_hnsw index scan per weighted field (or one scan of a
 * combined index, see search_combined.c) streams rows nearest first. Every row a stream returns
 * is scored exactly from its heap tuple, field by field, as long as it could still reach the
 * top k. For weighted, raw, min and max fusion the streams are read by the threshold algorithm:
 * a row no stream has returned yet is at least as far as each stream's last row on that field,
 * so its fused score is at most the fusion of those last distances. Once the k-th best score
 * seen reaches that bound the answer is proven (exact with respect to the streams), and the
 * search stops. The next batch comes from the stream whose last batch lowered the bound most
 * per row (Quick-Combine), so a field with a large weight is read deeper.
 * For reciprocal rank fusion each field's stream gives its list of the best N rows.
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "pg/hnsw/hnsw.h"
#include "pg/search/search.h"

/* Rows checked against the filter at once, at most. */
#define CHECK_BATCH 64

typedef struct Stream
{
	int field; /* -1: the combined index */
	Relation index;
	IndexScanDesc scan;
	double *last; /* the bound on its field: the farthest distance returned */
	bool started; /* *last is a distance the stream returned */
	bool done;	  /* ended, or at the depth limit */
	double gain;  /* how much the last batch lowered the bound, per row */
	int64 pulled;
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
	HTAB *seen;
	TupleTableSlot *slot;
	Datum *values;
	bool *nulls;
	double *last; /* per field: the last distance of its stream (the bound) */
	double combined_last; /* the combined index's stream: its last distance */
	SearchRow **batch;	  /* the rows of the last pull, in stream order */
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
	ScanKeyData key;

	s->field = field;
	s->last = f ? &ss->last[field] : &ss->combined_last;
	s->index = f ? f->index : req->combined;
	s->scan = index_beginscan(req->rel, s->index, GetActiveSnapshot(), 0, 1);
	/* strategy 1 of the combined index's vector_ip_ops: <#> */
	ScanKeyEntryInitialize(&key, SK_ORDER_BY, 1, f ? f->strategy : 1,
						   InvalidOid, InvalidOid, InvalidOid,
						   f ? f->query : req->combined_query);
	index_rescan(s->scan, NULL, 0, &key, 1);
}

static void
close_streams(StreamSearch *ss)
{
	for (int i = 0; i < ss->nstreams; i++)
		index_endscan(ss->streams[i].scan);
}

/*
 * A stream's distance is computed in float32 by the index: lowered by its rounding error, it
 * is a lower bound of the exact distance.
 */
static double
below(double distance)
{
	return distance - 1e-5 * (1.0 + fabs(distance));
}

/* The best fused score a row no stream has returned yet could have. */
static double
unseen_bound(StreamSearch *ss)
{
	if (ss->req->combined)
		return SearchCombinedScore(ss->req, below(ss->combined_last));
	return SearchFuse(ss->req, ss->last);
}

/* Whether a row whose fused score is at most bound could still enter the top k. */
static bool
could_enter(StreamSearch *ss, double bound)
{
	RowHeap *top = ss->top;
	double kth;

	if (ss->req->method == SEARCH_RRF || top->n < top->capacity)
		return true;
	kth = top->rows[0]->score;
	return isnan(kth) || !(bound < kth);
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
			row->distances[i] = SearchFieldDistance(req, i, ss->values[i]);
			row->known |= 1u << i;
			if (pass == 1 && !could_enter(ss, SearchFuse(req, row->distances)))
				goto pruned;
		}
		if (pass == 0 && !could_enter(ss, SearchFuse(req, row->distances)))
			goto pruned;
	}
	row->score = SearchFuse(req, row->distances);
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
	SearchRow *row = SearchNewRow(req, &ss->slot->tts_tid);

	memcpy(row->distances, ss->last, sizeof(double) * req->nfields);
	if (s->field >= 0)
		row->distances[s->field] = below(distance);
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
	SearchCheckRows(ss->req, ss->pending, ss->npending);
	for (int i = 0; i < ss->npending; i++)
		if (ss->pending[i]->state == ROW_PASSED &&
			ss->req->method != SEARCH_RRF)
			RowHeapPush(ss->top, ss->pending[i]);
	ss->npending = 0;
}

/* Offers a row just scored to the top k, or to the filter first. */
static void
offer(StreamSearch *ss, SearchRow *row)
{
	if (row->state == ROW_PASSED && ss->req->method != SEARCH_RRF)
		RowHeapPush(ss->top, row);
	else if (row->state == ROW_PENDING &&
			 (ss->req->method == SEARCH_RRF || RowHeapWants(ss->top, row)))
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
			Min(row->distances[s->field], below(distance));
	if (!could_enter(ss, SearchFuse(ss->req, row->distances)) ||
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

/* The bound on unseen rows if the stream's last distance were this one. */
static double
bound_with(StreamSearch *ss, Stream *s, double distance)
{
	double saved = *s->last;
	double bound;

	*s->last = distance;
	bound = unseen_bound(ss);
	*s->last = saved;
	return bound;
}

/* Reads up to n rows from a stream. */
static void
pull(StreamSearch *ss, Stream *s, int n)
{
	double before = 0;
	int got = 0;

	ss->nbatch = 0;
	while (got < n && !s->done)
	{
		double distance;

		CHECK_FOR_INTERRUPTS();
		if (index_getnext_tid(s->scan, ForwardScanDirection) == NULL)
		{
			s->done = true;
			break;
		}
		s->done = ++s->pulled >= ss->depth_limit;
		if (s->scan->xs_orderbynulls[0])
			continue;
		distance = DatumGetFloat8(s->scan->xs_orderbyvals[0]);
		if (!s->started)
			*s->last = distance;
		if (got == 0)
			before = *s->last;
		s->started = true;
		/* a late find may be nearer than rows before it: the bound is the farthest */
		*s->last = Max(*s->last, distance);
		got++;
		take(ss, s, distance);
	}
	if (got > 0)
		s->gain = (bound_with(ss, s, before) - unseen_bound(ss)) / got;
}

/* Whether the k-th best score seen reaches the bound on every row not seen. */
static bool
proven(StreamSearch *ss)
{
	RowHeap *top = ss->top;

	if (top->n < top->capacity)
		return false;
	return top->rows[0]->score >= unseen_bound(ss);
}

/* The stream to read next: the one whose last batch lowered the bound most per row. */
static Stream *
next_stream(StreamSearch *ss)
{
	Stream *best = NULL;

	for (int i = 0; i < ss->nstreams; i++)
	{
		Stream *s = &ss->streams[i];

		if (s->done)
			continue;
		if (best == NULL || s->gain > best->gain ||
			(s->gain == best->gain && s->pulled < best->pulled))
			best = s;
	}
	return best;
}

static bool
threshold_algorithm(StreamSearch *ss)
{
	Stream *s;

	for (int i = 0; i < ss->nstreams; i++)
		pull(ss, &ss->streams[i], ss->batch_size);
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
		s = next_stream(ss);
		if (s == NULL)
			return false;
		pull(ss, s, ss->batch_size);
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
		while (s->nlist < req->rrf_depth && !s->done)
		{
			pull(ss, s, Min(req->rrf_depth - s->nlist, CHECK_BATCH));
			flush(ss);
			for (int j = 0; j < ss->nbatch && s->nlist < req->rrf_depth; j++)
				if (ss->batch[j]->state == ROW_PASSED)
					s->list[s->nlist++] = ss->batch[j];
		}
		complete &= s->nlist == req->rrf_depth;
		lists[s->field] = s->list;
		lengths[s->field] = s->nlist;
	}
	SearchRrf(req, lists, lengths, ss->top);
	return complete;
}

static void
init_search(StreamSearch *ss, SearchRequest *req, RowHeap *top)
{
	HASHCTL ctl;

	memset(ss, 0, sizeof(*ss));
	ss->req = req;
	ss->top = top;
	ss->batch_size = Min(Max(req->k, 16), CHECK_BATCH);
	ss->depth_limit = Max((int64) mvvd_search_max_depth, 4 * (int64) req->k);
	if (req->method == SEARCH_RRF)
		ss->depth_limit = Max(ss->depth_limit, 4 * (int64) req->rrf_depth);
	ss->values = palloc(sizeof(Datum) * req->nfields);
	ss->nulls = palloc(sizeof(bool) * req->nfields);
	ss->last = palloc(sizeof(double) * req->nfields);
	for (int i = 0; i < req->nfields; i++)
		ss->last[i] = mvvd_fusion_min_distance(req->fields[i].fusion.scale);
	ss->batch = palloc(sizeof(SearchRow *) * CHECK_BATCH);
	ss->pending = palloc(sizeof(SearchRow *) * CHECK_BATCH);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(ItemPointerData);
	ctl.entrysize = sizeof(SeenEntry);
	ctl.hcxt = CurrentMemoryContext;
	ss->seen = hash_create("mvvd_search rows seen", 4096, &ctl,
						   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ss->slot = table_slot_create(req->rel, NULL);
	ss->combined_last = -INFINITY;
	ss->streams = palloc0(sizeof(Stream) * req->nfields);
	if (req->combined)
		open_stream(ss, &ss->streams[ss->nstreams++], -1);
	else
		for (int i = 0; i < req->nfields; i++)
			if (req->fields[i].fusion.weight > 0)
				open_stream(ss, &ss->streams[ss->nstreams++], i);
}

bool
SearchStreams(SearchRequest *req, RowHeap *top)
{
	StreamSearch ss;
	int nest = NewGUCNestLevel();
	bool exact;

	/*
	 * The streams must go on past ef_search rows, and keep a late find (strict order would
	 * drop it): every row a stream returns is scored exactly anyway.
	 */
	(void) set_config_option("mvvd.hnsw_iterative_scan", "relaxed_order",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true,
							 0, false);
	init_search(&ss, req, top);
	if (req->check_rows)
		SearchCheckRows(req, NULL, 0); /* a filter that cannot run fails now */
	exact =
		req->method == SEARCH_RRF ? rank_lists(&ss) : threshold_algorithm(&ss);
	for (int i = 0; i < ss.nstreams; i++)
		elog(DEBUG1, "mvvd_search: read %lld rows of index \"%s\"",
			 (long long) ss.streams[i].pulled,
			 RelationGetRelationName(ss.streams[i].index));
	elog(DEBUG1,
		 "mvvd_search: %ld distinct rows, %lld in reach of the top k, %s",
		 hash_get_num_entries(ss.seen), (long long) ss.in_reach,
		 exact ? "proven" : "not proven");
	close_streams(&ss);
	ExecDropSingleTupleTableSlot(ss.slot);
	AtEOXact_GUC(true, nest);
	return exact;
}
