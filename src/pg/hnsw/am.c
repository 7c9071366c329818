/*
 * The mvvd_hnsw access method: its handler, options, GUCs and cost estimate.
 */
#include "postgres.h"

#include <math.h>

#include "access/amapi.h"
#include "access/reloptions.h"
#include "commands/progress.h"
#include "commands/vacuum.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/selfuncs.h"

#include "pg/hnsw/hnsw.h"
#include "pg/types/multivector.h"
#include "pg/types/vector.h"

PG_FUNCTION_INFO_V1(mvvd_hnsw_handler);

int mvvd_hnsw_ef_search = 40;
int mvvd_hnsw_iterative_scan = MVVD_SCAN_STRICT;
int mvvd_hnsw_max_scan_tuples = 20000;
int mvvd_hnsw_candidates = 200;

static relopt_kind hnsw_relopt_kind;

typedef struct HnswOptions
{
	int32 vl_len_;
	int m;
	int ef_construction;
} HnswOptions;

static const struct config_enum_entry iterative_scan_options[] = {
	{"off", MVVD_SCAN_OFF, false},
	{"relaxed_order", MVVD_SCAN_RELAXED, false},
	{"strict_order", MVVD_SCAN_STRICT, false},
	{NULL, 0, false}};

/* Registers the reloptions and GUCs (from _PG_init). */
void
MvvdHnswInitGucs(void)
{
	hnsw_relopt_kind = add_reloption_kind();
	add_int_reloption(hnsw_relopt_kind, "m",
					  "Neighbours per element on levels >= 1 (2m on level 0)",
					  HNSW_DEFAULT_M, HNSW_MIN_M, HNSW_MAX_M,
					  AccessExclusiveLock);
	add_int_reloption(hnsw_relopt_kind, "ef_construction",
					  "Candidate list size while building the graph",
					  HNSW_DEFAULT_EF_CONSTRUCTION, HNSW_MIN_EF_CONSTRUCTION,
					  HNSW_MAX_EF_CONSTRUCTION, AccessExclusiveLock);

	DefineCustomIntVariable(
		"mvvd.hnsw_ef_search", "Candidate list size of an mvvd_hnsw search.",
		"Larger finds more of the true nearest neighbours and takes longer.",
		&mvvd_hnsw_ef_search, 40, 1, 1000, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable(
		"mvvd.hnsw_iterative_scan",
		"Whether an mvvd_hnsw scan keeps searching past ef_search results.",
		"strict_order (the default) keeps searching while the query wants "
		"rows, "
		"in non-decreasing distance; relaxed_order may return a late find out "
		"of order; off stops after ef_search results, as plain HNSW does.",
		&mvvd_hnsw_iterative_scan, MVVD_SCAN_STRICT, iterative_scan_options,
		PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable(
		"mvvd.hnsw_max_scan_tuples",
		"Elements an iterative mvvd_hnsw scan visits at most.",
		"Bounds the work of a scan whose filter rejects almost every row.",
		&mvvd_hnsw_max_scan_tuples, 20000, 1, INT_MAX, PGC_USERSET, 0, NULL,
		NULL, NULL);
	DefineCustomIntVariable(
		"mvvd.hnsw_candidates",
		"Members each query vector gathers, in a scan of a multivector index, "
		"before their rows are re-scored.",
		"Larger finds more of the true best rows and takes longer; an "
		"iterative "
		"scan gathers as many more as it needs.",
		&mvvd_hnsw_candidates, 200, 1, 10000, PGC_USERSET, 0, NULL, NULL,
		NULL);
}

/* Parses and checks WITH (m = ..., ef_construction = ...). */
static bytea *
mvvd_hnsw_options(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"m", RELOPT_TYPE_INT, offsetof(HnswOptions, m)},
		{"ef_construction", RELOPT_TYPE_INT,
		 offsetof(HnswOptions, ef_construction)},
	};
	HnswOptions *opts = (HnswOptions *) build_reloptions(
		reloptions, validate, hnsw_relopt_kind, sizeof(HnswOptions), tab,
		lengthof(tab));

	if (validate && opts && opts->ef_construction < 2 * opts->m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ef_construction must be at least 2 * m"),
				 errdetail("ef_construction is %d and m is %d.",
						   opts->ef_construction, opts->m),
				 errhint("Raise ef_construction to %d or more, or lower m.",
						 2 * opts->m)));
	return (bytea *) opts;
}

int
MvvdHnswOptionM(Relation index)
{
	HnswOptions *opts = (HnswOptions *) index->rd_options;

	return opts ? opts->m : HNSW_DEFAULT_M;
}

int
MvvdHnswOptionEfConstruction(Relation index)
{
	HnswOptions *opts = (HnswOptions *) index->rd_options;

	return opts ? opts->ef_construction : HNSW_DEFAULT_EF_CONSTRUCTION;
}

/*
 * Cost of a scan: only an ORDER BY distance makes the index worth using. A search expands about
 * its beam's worth of elements, each bringing up to 2m neighbours to measure; a scan of a
 * multivector index runs one search per query vector (about as many as a row has vectors) with
 * a beam of at least mvvd.hnsw_candidates. Those elements' share of the pages and one distance
 * each are charged up front; the rest of the graph per tuple.
 *
 * Pages cost seq_page_cost: a search reads the neighbourhoods of a few elements, which stay in
 * shared buffers from query to query, and fetches each batch of vectors ahead (see
 * MvvdHnswDistances). And where the table keeps its vectors out of line (TOAST, from about 500
 * dimensions), the planner prices a sequential scan by the table's own pages only, a fraction of
 * the vectors it reads; the index's pages are priced in the same proportion, so that the two
 * compare as the time they take does (on 2,000 rows of 1,536 dimensions a sequential scan and
 * sort took 13.8 ms and the index 0.5 ms).
 */
static void
mvvd_hnsw_costestimate(PlannerInfo *root, IndexPath *path, double loop_count,
					   Cost *startup, Cost *total, Selectivity *selectivity,
					   double *correlation, double *pages)
{
	GenericCosts costs;
	double elements = path->indexinfo->tuples;
	double rows = path->indexinfo->rel->tuples;
	double index_pages = path->indexinfo->pages;
	double heap_pages = path->indexinfo->rel->pages;
	double per_row = rows > 0 && elements > rows ? elements / rows : 1;
	int beam = per_row > 1 ? Max(mvvd_hnsw_ef_search, mvvd_hnsw_candidates)
						   : mvvd_hnsw_ef_search;
	double visited =
		Min(per_row * beam * 2.0 * HNSW_DEFAULT_M, Max(elements, 1));
	double ratio = elements > 0 ? visited / elements : 1.0;
	double page_cost =
		seq_page_cost * (index_pages > heap_pages && index_pages > 0
							 ? heap_pages / index_pages
							 : 1.0);
	double per_element = cpu_index_tuple_cost + cpu_operator_cost;

	if (path->indexorderbys == NIL)
	{
		*startup = get_float8_infinity();
		*total = get_float8_infinity();
		*selectivity = 0;
		*correlation = 0;
		*pages = 0;
		return;
	}
	MemSet(&costs, 0, sizeof(costs));
	genericcostestimate(root, path, loop_count, &costs);
	*startup = ratio * index_pages * page_cost + visited * per_element;
	*total = index_pages * page_cost + Max(elements, 1) * per_element;
	*selectivity = costs.indexSelectivity;
	*correlation = 0;
	*pages = costs.numIndexPages;
}

static bool
mvvd_hnsw_validate(Oid opclassoid)
{
	return true;
}

static char *
mvvd_hnsw_buildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return "initializing";
		case HNSW_PHASE_LOAD:
			return "loading tuples";
		case HNSW_PHASE_LINK:
			return "linking graph";
		case HNSW_PHASE_WRITE:
			return "writing pages";
		case HNSW_PHASE_INSERT:
			return "inserting into pages";
	}
	return NULL;
}

/* The access method's routine table. */
Datum
mvvd_hnsw_handler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *am = makeNode(IndexAmRoutine);

	am->amstrategies = 0;
	am->amsupport = 1;
	am->amoptsprocnum = 0;
	am->amcanorder = false;
	am->amcanorderbyop = true;
	am->amcanbackward = false;
	am->amcanunique = false;
	am->amcanmulticol = false;
	am->amoptionalkey = true;
	am->amsearcharray = false;
	am->amsearchnulls = false;
	am->amstorage = false;
	am->amclusterable = false;
	am->ampredlocks = false;
	am->amcanparallel = false;
	am->amcaninclude = false;
	am->amusemaintenanceworkmem = true;
	am->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
	am->amkeytype = InvalidOid;

	am->ambuild = mvvd_hnsw_build;
	am->ambuildempty = mvvd_hnsw_buildempty;
	am->aminsert = mvvd_hnsw_insert;
	am->ambulkdelete = mvvd_hnsw_bulkdelete;
	am->amvacuumcleanup = mvvd_hnsw_vacuumcleanup;
	am->amcanreturn = NULL;
	am->amcostestimate = mvvd_hnsw_costestimate;
	am->amoptions = mvvd_hnsw_options;
	am->amproperty = NULL;
	am->ambuildphasename = mvvd_hnsw_buildphasename;
	am->amvalidate = mvvd_hnsw_validate;
#if PG_VERSION_NUM >= 140000
	am->amadjustmembers = NULL;
#endif
	am->ambeginscan = mvvd_hnsw_beginscan;
	am->amrescan = mvvd_hnsw_rescan;
	am->amgettuple = mvvd_hnsw_gettuple;
	am->amgetbitmap = NULL;
	am->amendscan = mvvd_hnsw_endscan;
	am->ammarkpos = NULL;
	am->amrestrpos = NULL;
	am->amestimateparallelscan = NULL;
	am->aminitparallelscan = NULL;
	am->amparallelrescan = NULL;

	PG_RETURN_POINTER(am);
}
