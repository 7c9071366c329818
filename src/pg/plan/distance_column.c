/*
 * SELECT id FROM t ORDER BY emb <-> $1 LIMIT 10 through an MVVD index: the scan returns rows
 * in exact distance order, yet the executor computes emb <-> $1 once more for every row, as a
 * junk column that only carried the ORDER BY and is dropped before the row goes out. With the
 * vectors in TOAST (any vector over about 500 dimensions) that is a TOAST index lookup per row,
 * about a fifth of such a query's time. When nothing above the scan reads the column (the plan
 * is the scan, or a LIMIT without WITH TIES over it), the planner hook puts a NULL in its
 * place. Any other plan (a sort, a merge of partitions, ties, a distance in the select list)
 * keeps the computed value.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/planner.h"
#include "utils/syscache.h"

#include "pg/index/ordering_scan.h"
#include "pg/plan/plan.h"

static planner_hook_type previous_planner_hook = NULL;

static bool
is_mvvd_index(Oid index)
{
	HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(index));
	Oid am;

	if (!HeapTupleIsValid(tuple))
		return false;
	am = ((Form_pg_class) GETSTRUCT(tuple))->relam;
	ReleaseSysCache(tuple);
	return MvvdIsOrderingAccessMethod(am);
}

/* The index scan whose junk columns nothing above reads, or NULL. */
static IndexScan *
top_index_scan(PlannedStmt *stmt)
{
	Plan *plan = stmt->planTree;

	if (stmt->commandType != CMD_SELECT)
		return NULL;
	if (IsA(plan, Limit) &&
		((Limit *) plan)->limitOption == LIMIT_OPTION_COUNT)
		plan = plan->lefttree;
	if (plan == NULL || !IsA(plan, IndexScan) ||
		((IndexScan *) plan)->indexorderbyorig == NIL ||
		!is_mvvd_index(((IndexScan *) plan)->indexid))
		return NULL;
	return (IndexScan *) plan;
}

static void
drop_distance_columns(IndexScan *scan)
{
	ListCell *cell;

	foreach (cell, scan->scan.plan.targetlist)
	{
		TargetEntry *entry = lfirst_node(TargetEntry, cell);
		Node *expr = (Node *) entry->expr;

		if (entry->resjunk && list_member(scan->indexorderbyorig, expr))
			entry->expr = (Expr *) makeNullConst(
				exprType(expr), exprTypmod(expr), exprCollation(expr));
	}
}

static PlannedStmt *
mvvd_planner(Query *parse, const char *query_string, int cursor_options,
			 ParamListInfo bound_params)
{
	PlannedStmt *stmt =
		previous_planner_hook
			? previous_planner_hook(parse, query_string, cursor_options,
									bound_params)
			: standard_planner(parse, query_string, cursor_options,
							   bound_params);
	IndexScan *scan = top_index_scan(stmt);

	if (scan != NULL)
		drop_distance_columns(scan);
	return stmt;
}

void
MvvdPlanInitHooks(void)
{
	previous_planner_hook = planner_hook;
	planner_hook = mvvd_planner;
}
