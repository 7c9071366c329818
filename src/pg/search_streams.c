/*
 * The index plan of mvvd_search: one mvvd_hnsw index scan per weighted field streams rows
 * nearest first. Every row a stream returns is scored exactly on every field from its heap
 * tuple. For weighted, raw, min and max fusion the streams are read by the threshold algorithm:
 * a row no stream has returned yet is at least as far as each stream's last row on that field,
 * so its fused score is at most the fusion of those last distances. Once the k-th best score
 * seen reaches that bound the answer is proven (exact with respect to the streams), and the
 * search stops. The next batch comes from the stream whose last batch lowered the bound most
 * per row (Quick-Combine), so a field with a large weight is read deeper.
 * For reciprocal rank fusion each field's stream gives its list of the best N rows.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "hnsw.h"
#include "search.h"

/* Rows checked against the filter at once, at most. */
#define CHECK_BATCH 64

typedef struct Stream
{
	int field;
	Relation index;
	IndexScanDesc scan;
	bool started; /* last is a distance the stream returned */
	bool done;	  /* ended, or at the depth limit */
	double last;
	double gain; /* how much the last batch lowered the bound, per row */
	int64 pulled;
	SearchRow **list; /* RRF: the passing rows in stream order */
	int nlist;
} Stream;

typedef struct SeenEntry
{
	ItemPointerData tid;
	SearchRow *row; /* NULL when a field is NULL */
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
	SearchRow **batch; /* the rows of the last pull, in stream order */
	int nbatch;
	SearchRow **pending; /* rows waiting for the filter */
	int npending;
	int batch_size;
	int64 depth_limit;
} StreamSearch;

static void
open_stream(StreamSearch *ss, Stream *s, int field)
{
	SearchField *f = &ss->req->fields[field];
	ScanKeyData key;

	s->field = field;
	s->index = index_open(f->index, AccessShareLock);
	s->scan =
		index_beginscan(ss->req->rel, s->index, GetActiveSnapshot(), 0, 1);
	ScanKeyEntryInitialize(&key, SK_ORDER_BY, 1, f->strategy, InvalidOid,
						   InvalidOid, InvalidOid, f->query);
	index_rescan(s->scan, NULL, 0, &key, 1);
}

static void
close_streams(StreamSearch *ss)
{
	for (int i = 0; i < ss->nstreams; i++)
	{
		index_endscan(ss->streams[i].scan);
		index_close(ss->streams[i].index, NoLock);
	}
}

/* A row a stream returned for the first time, scored; NULL when a field is NULL. */
static SearchRow *
new_row(StreamSearch *ss)
{
	SearchRequest *req = ss->req;
	SearchRow *row;

	for (int i = 0; i < req->nfields; i++)
		ss->values[i] =
			slot_getattr(ss->slot, req->fields[i].attnum, &ss->nulls[i]);
	row = SearchNewRow(req, &ss->slot->tts_tid);
	if (!SearchDistances(req, ss->values, ss->nulls, row->distances))
	{
		pfree(row);
		return NULL;
	}
	row->score = SearchFuse(req, row->distances);
	row->state = req->check_rows ? ROW_PENDING : ROW_PASSED;
	return row;
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

/* Takes a row the stream returned into the search. */
static void
take(StreamSearch *ss)
{
	bool found;
	SeenEntry *entry =
		hash_search(ss->seen, &ss->slot->tts_tid, HASH_ENTER, &found);
	SearchRow *row;

	if (!found)
		entry->row = new_row(ss);
	row = entry->row;
	if (row == NULL)
		return;
	ss->batch[ss->nbatch++] = row;
	if (found)
		return;
	if (row->state == ROW_PASSED && ss->req->method != SEARCH_RRF)
		RowHeapPush(ss->top, row);
	else if (row->state == ROW_PENDING &&
			 (ss->req->method == SEARCH_RRF || RowHeapWants(ss->top, row)))
		ss->pending[ss->npending++] = row;
	/* a pending row the top k does not want now never will: left unchecked */
	if (ss->npending == CHECK_BATCH)
		flush(ss);
}

/* The fused bound with the given distance on one field and the last ones elsewhere. */
static double
bound_with(StreamSearch *ss, int field, double distance)
{
	double saved = ss->last[field];
	double bound;

	ss->last[field] = distance;
	bound = SearchFuse(ss->req, ss->last);
	ss->last[field] = saved;
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
		if (!index_getnext_slot(s->scan, ForwardScanDirection, ss->slot))
		{
			s->done = true;
			break;
		}
		s->done = ++s->pulled >= ss->depth_limit;
		if (s->scan->xs_orderbynulls[0])
			continue;
		distance = DatumGetFloat8(s->scan->xs_orderbyvals[0]);
		if (!s->started)
			ss->last[s->field] = distance;
		if (got == 0)
			before = ss->last[s->field];
		s->started = true;
		/* a late find may be nearer than rows before it: the bound is the farthest */
		ss->last[s->field] = Max(ss->last[s->field], distance);
		got++;
		take(ss);
	}
	if (got > 0)
		s->gain = (bound_with(ss, s->field, before) -
				   SearchFuse(ss->req, ss->last)) /
				  got;
}

/* Whether the k-th best score seen reaches the bound on every row not seen. */
static bool
proven(StreamSearch *ss)
{
	RowHeap *top = ss->top;

	if (top->n < top->capacity)
		return false;
	return top->rows[0]->score >= SearchFuse(ss->req, ss->last);
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
	ss->last = palloc0(sizeof(double) * req->nfields);
	ss->batch = palloc(sizeof(SearchRow *) * CHECK_BATCH);
	ss->pending = palloc(sizeof(SearchRow *) * CHECK_BATCH);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(ItemPointerData);
	ctl.entrysize = sizeof(SeenEntry);
	ctl.hcxt = CurrentMemoryContext;
	ss->seen = hash_create("mvvd_search rows seen", 4096, &ctl,
						   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ss->slot = table_slot_create(req->rel, NULL);
	ss->streams = palloc0(sizeof(Stream) * req->nfields);
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
		elog(DEBUG1, "mvvd_search: read %lld rows of column \"%s\"",
			 (long long) ss.streams[i].pulled,
			 req->fields[ss.streams[i].field].column);
	elog(DEBUG1, "mvvd_search: %ld distinct rows, %s",
		 hash_get_num_entries(ss.seen), exact ? "proven" : "not proven");
	close_streams(&ss);
	ExecDropSingleTupleTableSlot(ss.slot);
	AtEOXact_GUC(true, nest);
	return exact;
}
