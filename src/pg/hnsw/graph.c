/*
 * The graph on pages as the core reads it: the callbacks that serve the core's searches, and
 * the searches that insert, VACUUM and index scans start through them. Each callback handles a
 * whole neighbour list or batch of distances, so the trap that keeps Postgres errors from
 * unwinding through C++ frames (pg/guard.h) is paid once per batch.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"

#include "pg/hnsw/hnsw.h"

static int
neighbors_callback(void *context, uint32_t id, int level, uint32_t *out,
				   int capacity)
{
	HnswGraphContext *ctx = (HnswGraphContext *) context;
	volatile int n = 0;
	volatile bool ok;

	MVVD_TRAP(&ctx->trap, ok, {
		CHECK_FOR_INTERRUPTS();
		n = MvvdHnswReadNeighbors(ctx->hi, id, level, out, capacity);
	});
	return ok ? n : -1;
}

static int
distances_callback(void *context, const uint32_t *ids, int n, float *out)
{
	HnswGraphContext *ctx = (HnswGraphContext *) context;
	volatile bool ok;

	MVVD_TRAP(
		&ctx->trap, ok,
		MvvdHnswDistances(ctx->hi, ctx->query, ids, n, out, ctx->scratch));
	return ok ? 0 : -1;
}

static int
vectors_callback(void *context, const uint32_t *ids, int n, float *out)
{
	HnswGraphContext *ctx = (HnswGraphContext *) context;
	volatile bool ok;

	MVVD_TRAP(&ctx->trap, ok, {
		for (int i = 0; i < n; i++)
			MvvdHnswReadVector(ctx->hi, ids[i],
							   out + (size_t) i * ctx->hi->meta.dims);
	});
	return ok ? 0 : -1;
}

/* Sets up the callbacks for searching hi from query. */
void
MvvdHnswGraphInit(HnswGraphContext *ctx, mvvd_graph_callbacks *cb,
				  HnswIndex *hi, const float *query)
{
	ctx->hi = hi;
	ctx->query = query;
	ctx->scratch = palloc(hi->meta.layout.vector_bytes);
	MvvdTrapInit(&ctx->trap);
	cb->context = ctx;
	cb->neighbors = neighbors_callback;
	cb->distances = distances_callback;
	cb->vectors = vectors_callback;
}

/* Re-throws a callback's trapped ERROR, or reports any other failure of a core call. */
void
MvvdHnswGraphCheck(HnswGraphContext *ctx, mvvd_status status,
				   const mvvd_error *err, const char *what)
{
	MvvdTrapCheck(&ctx->trap, status, err, what);
}

/* Frees a search's core state with the memory context it was started in (also on ERROR). */
static void
free_search(void *arg)
{
	HnswSearch *s = (HnswSearch *) arg;

	if (s->core)
		mvvd_hnsw_scan_free(s->core);
	s->core = NULL;
}

/*
 * Starts a resumable search for query from the entry point, with a beam of ef, in an iterative
 * mode, visiting at most max_visits elements. `what` names it in errors.
 */
void
MvvdHnswSearchStart(HnswSearch *s, HnswIndex *hi, const float *query, int ef,
					int mode, size_t max_visits, const char *what)
{
	mvvd_error err;
	mvvd_status status;

	s->exhausted = false;
	s->core = mvvd_hnsw_scan_create(ef, mode, max_visits, &err);
	if (s->core == NULL)
		MvvdReportStatus(MVVD_OUT_OF_MEMORY, &err, what);
	s->cleanup.func = free_search;
	s->cleanup.arg = s;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &s->cleanup);
	MvvdHnswGraphInit(&s->graph, &s->callbacks, hi, query);
	status = mvvd_hnsw_scan_start(
		s->core, &s->callbacks, MvvdHnswMaxListCapacity(hi->meta.m),
		hi->meta.entry_id, hi->meta.entry_level, &err);
	MvvdHnswGraphCheck(&s->graph, status, &err, what);
}

/* The search's next element, nearest first; false (and exhausted) when there is none. */
bool
MvvdHnswSearchNext(HnswSearch *s, uint32 *id, float *distance,
				   const char *what)
{
	bool found;
	mvvd_error err;
	mvvd_status status;

	CHECK_FOR_INTERRUPTS();
	status = mvvd_hnsw_scan_next(s->core, &s->callbacks, id, distance, &found,
								 &err);
	MvvdHnswGraphCheck(&s->graph, status, &err, what);
	s->exhausted = !found;
	return found;
}

/*
 * The elements a search for vector from an entry point meets on each level up to `level`, as an
 * insert of it does: (level + 1) rows of ef ids, row l holding counts[l] ids, nearest first.
 */
uint32 *
MvvdHnswFindCandidates(HnswIndex *hi, const float *vector, uint32 entry,
					   int entry_level, int level, int ef, int *counts,
					   const char *what)
{
	uint32 *found = palloc(sizeof(uint32) * ef * (level + 1));
	HnswGraphContext ctx;
	mvvd_graph_callbacks cb;
	mvvd_error err;
	mvvd_status status;

	MvvdHnswGraphInit(&ctx, &cb, hi, vector);
	status = mvvd_hnsw_find_candidates(&cb, hi->meta.m, ef, entry, entry_level,
									   level, found, counts, &err);
	MvvdHnswGraphCheck(&ctx, status, &err, what);
	return found;
}
