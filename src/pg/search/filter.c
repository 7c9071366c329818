/*
 * What mvvd_search runs as SQL, with the caller's rights: the scan of every row that passes the
 * filter, and the check of rows found through an index against the filter and the table's
 * row-level security policies. Table and column names are quoted identifiers; the filter must
 * parse as one expression on its own, so it cannot change the shape of the query around it.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/plancache.h"
#include "utils/rel.h"

#include "pg/compat.h"
#include "pg/search/search.h"

/* The filter as SQL: parenthesised, on its own line end so a trailing comment stays inside. */
static char *
wrapped(const char *filter)
{
	return psprintf("(%s\n)", filter);
}

static void
reject_filter(const char *filter)
{
	ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR),
					errmsg("filter must be one boolean expression"),
					errdetail("filter => %s", filter)));
}

/* ERROR unless the filter parses as exactly one expression. */
void
MvvdSearchCheckFilterSyntax(const char *filter)
{
	List *parsed;
	SelectStmt *select;
	ResTarget *target;

	if (filter == NULL)
		return;
	parsed = MvvdRawParse(psprintf("SELECT %s", wrapped(filter)));
	if (list_length(parsed) != 1)
		reject_filter(filter);
	select = (SelectStmt *) linitial_node(RawStmt, parsed)->stmt;
	if (!IsA(select, SelectStmt) || select->op != SETOP_NONE ||
		list_length(select->targetList) != 1 || select->fromClause ||
		select->whereClause || select->groupClause || select->havingClause ||
		select->windowClause || select->sortClause || select->limitCount ||
		select->limitOffset || select->lockingClause || select->withClause ||
		select->distinctClause || select->intoClause || select->valuesLists)
		reject_filter(filter);
	target = linitial_node(ResTarget, select->targetList);
	if (target->name != NULL)
		reject_filter(filter);
}

/*
 * The caller must be able to read the table: rows found through an index are read without SQL,
 * and rows are named by ctid, which column privileges do not cover. The filter's own tables are
 * checked when it runs.
 */
void
MvvdSearchCheckPrivileges(SearchRequest *req)
{
	AclResult result =
		pg_class_aclcheck(RelationGetRelid(req->rel), GetUserId(), ACL_SELECT);

	if (result != ACLCHECK_OK)
		aclcheck_error(result, get_relkind_objtype(req->rel->rd_rel->relkind),
					   RelationGetRelationName(req->rel));
}

static SPIPlanPtr
prepare(const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr plan = SPI_prepare(sql, nargs, argtypes);

	if (plan == NULL)
		elog(ERROR, "mvvd_search: SPI_prepare failed: %s",
			 SPI_result_code_string(SPI_result));
	return plan;
}

/* SELECT ctid, <each field's column> FROM <table> [WHERE <filter>] */
static SPIPlanPtr
all_rows(SearchRequest *req)
{
	StringInfoData sql;

	if (req->all_rows)
		return req->all_rows;
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ctid");
	for (int i = 0; i < req->nfields; i++)
		appendStringInfo(&sql, ", %s",
						 quote_identifier(req->fields[i].column));
	appendStringInfo(&sql, " FROM %s", req->table);
	if (req->filter)
		appendStringInfo(&sql, " WHERE %s", wrapped(req->filter));
	req->all_rows = prepare(sql.data, 0, NULL);
	return req->all_rows;
}

/*
 * Prepares the check of rows found through an index, when there is a filter or a policy
 * (after SPI_connect; plans live until SPI_finish). A filter that does not parse or names an
 * unknown column fails here, whichever plan runs.
 */
void
MvvdSearchPrepare(SearchRequest *req)
{
	StringInfoData sql;
	Oid tid_array = TIDARRAYOID;

	req->table = quote_qualified_identifier(
		get_namespace_name(RelationGetNamespace(req->rel)),
		RelationGetRelationName(req->rel));
	if (!req->check_rows)
		return;
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT ctid FROM %s WHERE ctid = ANY ($1)",
					 req->table);
	if (req->filter)
		appendStringInfo(&sql, " AND %s", wrapped(req->filter));
	req->which_pass = prepare(sql.data, 1, &tid_array);
}

/* Opens a cursor over every row that passes the filter: ctid, then each field's column. */
Portal
MvvdSearchOpenAllRows(SearchRequest *req)
{
	return SPI_cursor_open(NULL, all_rows(req), NULL, NULL, true);
}

/* The planner's estimate of the rows that pass the filter. */
double
MvvdSearchEstimateRows(SearchRequest *req)
{
	CachedPlan *cplan;
	double rows;

	if (!req->check_rows && req->rel->rd_rel->reltuples >= 0)
		return req->rel->rd_rel->reltuples;
	cplan = SPI_plan_get_cached_plan(all_rows(req));
	if (cplan == NULL || list_length(cplan->stmt_list) != 1)
		elog(ERROR, "mvvd_search: no plan for the scan of every row");
	rows = linitial_node(PlannedStmt, cplan->stmt_list)->planTree->plan_rows;
	MvvdReleaseCachedPlan(cplan);
	return rows;
}

static int
compare_tids(const void *a, const void *b)
{
	return ItemPointerCompare(&(*(SearchRow *const *) a)->tid,
							  &(*(SearchRow *const *) b)->tid);
}

/* Marks each row ROW_PASSED or ROW_FAILED by the filter and the table's policies. */
void
MvvdSearchCheckRows(SearchRequest *req, SearchRow **rows, int n)
{
	Datum *tids = palloc(sizeof(Datum) * Max(n, 1));
	SearchRow **sorted = palloc(sizeof(SearchRow *) * Max(n, 1));
	ArrayType *array;
	Datum arg;
	int rc;

	for (int i = 0; i < n; i++)
	{
		tids[i] = PointerGetDatum(&rows[i]->tid);
		sorted[i] = rows[i];
		rows[i]->state = ROW_FAILED;
	}
	array = construct_array(tids, n, TIDOID, sizeof(ItemPointerData), false,
							TYPALIGN_SHORT);
	arg = PointerGetDatum(array);
	rc = SPI_execute_plan(req->which_pass, &arg, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "mvvd_search: checking rows failed: %s",
			 SPI_result_code_string(rc));
	qsort(sorted, n, sizeof(SearchRow *), compare_tids);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool isnull;
		SearchRow key;
		SearchRow *keyp = &key;
		SearchRow **hit;

		key.tid = *(ItemPointer) DatumGetPointer(SPI_getbinval(
			SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		hit = bsearch(&keyp, sorted, n, sizeof(SearchRow *), compare_tids);
		if (hit)
			(*hit)->state = ROW_PASSED;
	}
	SPI_freetuptable(SPI_tuptable);
	pfree(array);
	pfree(sorted);
	pfree(tids);
}
