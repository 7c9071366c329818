/*
 * mvvd_search(rel, fields, k, fusion, filter, rrf_depth): the top k rows of a table by several
 * vector and multivector fields fused into one score. The plan: when every weighted field has
 * an mvvd_hnsw index, or one combined index holds them all (search_combined.c), and enough rows
 * pass the filter (see exact_plan), the indexes stream candidates (search_streams.c); otherwise
 * every passing row is scored (search_exact.c).
 */
#include "postgres.h"

#include <limits.h>

#include "access/table.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"

#include "pg/compat.h"
#include "pg/search/search.h"

PG_FUNCTION_INFO_V1(mvvd_search);

int mvvd_search_max_depth = 10000;
int mvvd_search_ef = 200;
int mvvd_search_exact_rows = 1000;
bool mvvd_search_combined = true;

void
MvvdSearchInitGucs(void)
{
	DefineCustomIntVariable(
		"mvvd.search_max_depth",
		"Rows mvvd_search reads at most from each field's index.",
		"A search that reaches it returns its best rows with exact = false. "
		"Never less than 4 * k (and 4 * rrf_depth for rrf).",
		&mvvd_search_max_depth, 10000, 1, INT_MAX, PGC_USERSET, 0, NULL, NULL,
		NULL);
	DefineCustomIntVariable(
		"mvvd.search_ef",
		"The beam each index stream of mvvd_search starts with.",
		"mvvd.hnsw_ef_search if that is wider. A stream is read deeper than a "
		"single query's LIMIT; a narrow beam misses rows of the fused top k.",
		&mvvd_search_ef, 200, 1, 1000, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable(
		"mvvd.search_exact_rows",
		"mvvd_search scores every row that passes its filter, instead of "
		"using indexes, when the planner expects at most this many to pass.",
		"Scaled by the filter's selectivity: a filter that keeps 10% of the "
		"table allows ten times as many. 0 uses the indexes whenever every "
		"weighted field has one.",
		&mvvd_search_exact_rows, 1000, 0, INT_MAX, PGC_USERSET, 0, NULL, NULL,
		NULL);
	DefineCustomBoolVariable(
		"mvvd.search_combined",
		"mvvd_search reads a combined index (mvvd_hnsw on mvvd_unit_concat of "
		"the weighted fields' columns) instead of one index per field.",
		"Only for weighted or raw fusion of cosine fields.",
		&mvvd_search_combined, true, PGC_USERSET, 0, NULL, NULL, NULL);
}

/* A required argument. */
static Datum
argument(FunctionCallInfo fcinfo, int n, const char *name)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("mvvd_search: %s must not be NULL", name)));
	return PG_GETARG_DATUM(n);
}

static int
int_argument(FunctionCallInfo fcinfo, int n, const char *name, int max)
{
	int value = DatumGetInt32(argument(fcinfo, n, name));

	if (value < 1 || value > max)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%s must be between 1 and %d, not %d", name,
							   max, value)));
	return value;
}

/* The table, which must be a plain table or a materialized view. */
static Relation
open_table(Oid relid)
{
	Relation rel = table_open(relid, AccessShareLock);
	char kind = rel->rd_rel->relkind;

	if (kind == RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("mvvd_search cannot search partitioned table \"%s\"",
						RelationGetRelationName(rel)),
				 errhint("Search each partition, or a table that is not "
						 "partitioned.")));
	if (kind != RELKIND_RELATION && kind != RELKIND_MATVIEW)
		ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
						errmsg("\"%s\" is not a table or materialized view",
							   RelationGetRelationName(rel))));
	return rel;
}

/*
 * Whether to score every row: a weighted field has no index (and no combined index holds every
 * weighted field), or few rows pass the filter. The streams read about 1 / selectivity times
 * deeper under a filter, so the number of passing rows scored exactly is weighed against the
 * selectivity: at most mvvd.search_exact_rows with no filter, ten times as many when the filter
 * keeps 10% of the table.
 */
static bool
exact_plan(SearchRequest *req)
{
	double rows, table_rows, selectivity;

	for (int i = 0; i < req->nfields && req->combined == NULL; i++)
		if (req->fields[i].fusion.weight > 0 && req->fields[i].index == NULL)
			return true;
	if (mvvd_search_exact_rows == 0)
		return false;
	rows = MvvdSearchEstimateRows(req);
	table_rows = req->rel->rd_rel->reltuples;
	selectivity = table_rows > 0 ? Min(rows / table_rows, 1.0) : 1.0;
	return rows * selectivity <= mvvd_search_exact_rows;
}

/* Writes the top rows, best first. */
static void
emit(FunctionCallInfo fcinfo, SearchRequest *req, RowHeap *top, bool exact)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum *scores = palloc(sizeof(Datum) * req->nfields);

	SearchRow **rows = MvvdRowHeapSorted(top);

	for (int r = 0; r < MvvdRowHeapCount(top); r++)
	{
		SearchRow *row = rows[r];
		Datum values[4];
		bool nulls[4] = {false, false, false, false};

		for (int i = 0; i < req->nfields; i++)
			scores[i] = Float8GetDatum(mvvd_field_score(
				req->method, &req->fusion[i], row->distances[i]));
		values[0] = PointerGetDatum(&row->tid);
		values[1] = Float8GetDatum(row->score);
		values[2] = PointerGetDatum(
			construct_array(scores, req->nfields, FLOAT8OID, sizeof(float8),
							FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		values[3] = BoolGetDatum(exact);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values,
							 nulls);
	}
}

static void
parse_arguments(FunctionCallInfo fcinfo, SearchRequest *req)
{
	req->rel = open_table(DatumGetObjectId(argument(fcinfo, 0, "rel")));
	req->k = int_argument(fcinfo, 2, "k", SEARCH_MAX_K);
	req->method =
		MvvdSearchMethodOf(TextDatumGetCString(argument(fcinfo, 3, "fusion")));
	req->filter =
		PG_ARGISNULL(4) ? NULL : TextDatumGetCString(PG_GETARG_DATUM(4));
	req->rrf_depth = int_argument(fcinfo, 5, "rrf_depth", SEARCH_MAX_K);
	req->namespace = get_func_namespace(fcinfo->flinfo->fn_oid);
	MvvdSearchResolveFields(req, argument(fcinfo, 1, "fields"));
	MvvdSearchFindCombined(req);
	req->fusion = palloc(sizeof(mvvd_fusion_field) * req->nfields);
	for (int i = 0; i < req->nfields; i++)
		req->fusion[i] = req->fields[i].fusion;
	MvvdSearchCheckFilterSyntax(req->filter);
	MvvdSearchCheckPrivileges(req);
	req->check_rows = req->filter != NULL ||
					  check_enable_rls(RelationGetRelid(req->rel), InvalidOid,
									   false) == RLS_ENABLED;
}

Datum
mvvd_search(PG_FUNCTION_ARGS)
{
	MemoryContext callcxt = AllocSetContextCreate(
		CurrentMemoryContext, "mvvd_search", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old;
	SearchRequest req = {0};
	RowHeap top;
	bool exact;

	MvvdInitMaterializedSRF(fcinfo);
	old = MemoryContextSwitchTo(callcxt);
	parse_arguments(fcinfo, &req);
	req.rowcxt = AllocSetContextCreate(callcxt, "mvvd_search row",
									   ALLOCSET_DEFAULT_SIZES);
	MvvdRowHeapInit(&top, req.k, -1);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "mvvd_search: SPI_connect failed");
	MemoryContextSwitchTo(callcxt); /* SPI_connect switched to its own */
	MvvdSearchPrepare(&req);
	exact = exact_plan(&req) ? MvvdSearchExact(&req, &top)
							 : MvvdSearchStreams(&req, &top);
	emit(fcinfo, &req, &top, exact);
	SPI_finish();
	MvvdSearchCloseIndexes(&req);
	table_close(req.rel, NoLock);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(callcxt);
	return (Datum) 0;
}
