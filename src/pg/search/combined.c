/*
 * A combined index for mvvd_search: an mvvd_hnsw index with vector_ip_ops on
 * mvvd_unit_concat(a, b, ...) over vector columns of fixed dimensions. On cosine fields the
 * weighted and raw fusions are a decreasing line of the inner product between a row's unit
 * parts and the query's unit parts scaled by their weights (src/core/fusion.hpp), so that one
 * index streams rows in fused order: one search instead of one per field, and the threshold
 * algorithm's bound falls as fast as the fused score itself. It is used when its columns are
 * exactly those of the weighted fields: its graph was built for all its parts, and a query that
 * left some out (a zero part) would search it by another measure, with poorer recall.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_index.h"
#include "nodes/primnodes.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "pg/search/search.h"
#include "pg/types/vector.h"

/* A column of a combined index: where its unit vector sits in the concatenation. */
typedef struct Part
{
	AttrNumber attnum;
	int offset;
	int dims;
} Part;

/* Whether expr is mvvd_unit_concat of this extension. */
static bool
is_unit_concat(SearchRequest *req, Node *expr)
{
	Oid fn;
	char *name;

	if (!IsA(expr, FuncExpr))
		return false;
	fn = ((FuncExpr *) expr)->funcid;
	name = get_func_name(fn);
	return name != NULL && strcmp(name, "mvvd_unit_concat") == 0 &&
		   get_func_namespace(fn) == req->namespace;
}

/* Whether an mvvd_hnsw index orders vectors by inner product. */
static bool
ip_index(Relation index)
{
	bool multivector;

	return MvvdIndexMetric(index, &multivector) == MVVD_METRIC_INNER_PRODUCT &&
		   !multivector;
}

/*
 * The parts of an inner-product index on mvvd_unit_concat(VARIADIC ARRAY[columns]) whose
 * columns all have fixed dimensions (so every row's parts line up); 0 when it is not one.
 */
static int
combined_parts(SearchRequest *req, Relation index, Part *parts, int capacity)
{
	TupleDesc desc = RelationGetDescr(req->rel);
	List *exprs;
	FuncExpr *concat;
	Node *array;
	ListCell *lc;
	int n = 0, offset = 0;

	if (index->rd_index->indnatts != 1 ||
		index->rd_index->indkey.values[0] != 0 || !ip_index(index))
		return 0;
	exprs = RelationGetIndexExpressions(index);
	if (list_length(exprs) != 1 || !is_unit_concat(req, linitial(exprs)))
		return 0;
	concat = linitial_node(FuncExpr, exprs);
	array = list_length(concat->args) == 1 ? linitial(concat->args) : NULL;
	if (array == NULL || !IsA(array, ArrayExpr))
		return 0;
	foreach (lc, ((ArrayExpr *) array)->elements)
	{
		Node *e = lfirst(lc);
		Var *var;
		int typmod;

		while (IsA(e, RelabelType))
			e = (Node *) ((RelabelType *) e)->arg;
		if (!IsA(e, Var) || n == capacity)
			return 0;
		var = (Var *) e;
		if (var->varattno <= 0)
			return 0;
		typmod = TupleDescAttr(desc, var->varattno - 1)->atttypmod;
		if (typmod <= 0)
			return 0;
		parts[n].attnum = var->varattno;
		parts[n].offset = offset;
		parts[n].dims = typmod;
		offset += typmod;
		n++;
	}
	return n;
}

/* Whether every weighted field is a cosine vector field with a nonzero query. */
static bool
fields_fit(SearchRequest *req)
{
	if (req->method != MVVD_FUSION_WEIGHTED && req->method != MVVD_FUSION_RAW)
		return false;
	for (int i = 0; i < req->nfields; i++)
	{
		SearchField *f = &req->fields[i];

		if (f->fusion.weight == 0)
			continue;
		if (f->column_multivector || f->query_multivector ||
			f->metric != MVVD_METRIC_COSINE)
			return false;
	}
	return true;
}

/*
 * The query for parts: each weighted field's unit query times its weight, at its column's
 * part; NULL unless the parts' columns are those of the weighted fields, with nonzero queries.
 */
static Vector *
combined_query(SearchRequest *req, const Part *parts, int nparts)
{
	Vector *query =
		MvvdInitVector(parts[nparts - 1].offset + parts[nparts - 1].dims);
	bool used[SEARCH_MAX_FIELDS] = {false};

	for (int i = 0; i < req->nfields; i++)
	{
		SearchField *f = &req->fields[i];
		Vector *q = (Vector *) DatumGetPointer(f->query);
		const Part *part = NULL;
		double norm = 0;

		if (f->fusion.weight == 0)
			continue;
		for (int p = 0; p < nparts && part == NULL; p++)
			if (parts[p].attnum == f->attnum)
			{
				part = &parts[p];
				used[p] = true;
			}
		for (int d = 0; d < q->dim; d++)
			norm += (double) q->x[d] * q->x[d];
		if (part == NULL || norm == 0)
			return NULL;
		norm = sqrt(norm);
		for (int d = 0; d < q->dim; d++)
			query->x[part->offset + d] += f->fusion.weight * q->x[d] / norm;
	}
	for (int p = 0; p < nparts; p++)
		if (!used[p])
			return NULL;
	return query;
}

/* Whether a column is a part of a combined index of the table. */
bool
MvvdSearchInCombined(SearchRequest *req, AttrNumber attnum)
{
	for (int i = 0; i < req->nindexes; i++)
	{
		Part parts[SEARCH_MAX_FIELDS];
		int nparts =
			combined_parts(req, req->indexes[i], parts, lengthof(parts));

		for (int p = 0; p < nparts; p++)
			if (parts[p].attnum == attnum)
				return true;
	}
	return false;
}

/* Sets req->combined (and its query) when an index on mvvd_unit_concat can serve the call. */
void
MvvdSearchFindCombined(SearchRequest *req)
{
	req->combined = NULL;
	req->total_weight = 0;
	for (int i = 0; i < req->nfields; i++)
		req->total_weight += req->fields[i].fusion.weight;
	if (!mvvd_search_combined || !fields_fit(req))
		return;
	for (int i = 0; i < req->nindexes; i++)
	{
		Relation index = req->indexes[i];
		Part parts[SEARCH_MAX_FIELDS];
		int nparts = combined_parts(req, index, parts, lengthof(parts));
		Vector *query = nparts > 0 ? combined_query(req, parts, nparts) : NULL;

		if (query != NULL)
		{
			req->combined = index;
			req->combined_query = PointerGetDatum(query);
			return;
		}
	}
}
