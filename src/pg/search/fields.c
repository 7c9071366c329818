/*
 * The fields of an mvvd_search call, checked against the table: each names a vector or
 * multivector column, carries a query of its kind and dimensions, a weight, and a metric given
 * or taken from the column's mvvd_hnsw index. Each field learns the SQL distance it ranks by
 * and the index (if any) that streams rows in the order of that distance.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_index.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/typcache.h"

#include "pg/index/ordering_scan.h"
#include "pg/types/multivector.h"
#include "pg/search/search.h"
#include "pg/types/vector.h"

/* The attributes of the mvvd_field composite type. */
#define FIELD_COLUMN	  1
#define FIELD_VECTOR	  2
#define FIELD_MULTIVECTOR 3
#define FIELD_WEIGHT	  4
#define FIELD_METRIC	  5
#define FIELD_NATTRIBUTES 5

PG_FUNCTION_INFO_V1(mvvd_field_vector);
PG_FUNCTION_INFO_V1(mvvd_field_multivector);

/* mvvd_field(column, query, weight, metric): the query goes to the attribute of its type. */
static Datum
make_field(FunctionCallInfo fcinfo, int query_attribute)
{
	TupleDesc desc;
	Datum values[FIELD_NATTRIBUTES] = {0};
	bool nulls[FIELD_NATTRIBUTES] = {false, true, true, false, false};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "mvvd_field must return a composite type");
	desc = BlessTupleDesc(desc);
	values[FIELD_COLUMN - 1] = PG_GETARG_DATUM(0);
	nulls[FIELD_COLUMN - 1] = PG_ARGISNULL(0);
	values[query_attribute - 1] = PG_GETARG_DATUM(1);
	nulls[query_attribute - 1] = PG_ARGISNULL(1);
	values[FIELD_WEIGHT - 1] = PG_GETARG_DATUM(2);
	nulls[FIELD_WEIGHT - 1] = PG_ARGISNULL(2);
	values[FIELD_METRIC - 1] = PG_GETARG_DATUM(3);
	nulls[FIELD_METRIC - 1] = PG_ARGISNULL(3);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

Datum
mvvd_field_vector(PG_FUNCTION_ARGS)
{
	return make_field(fcinfo, FIELD_VECTOR);
}

Datum
mvvd_field_multivector(PG_FUNCTION_ARGS)
{
	return make_field(fcinfo, FIELD_MULTIVECTOR);
}

int
MvvdSearchMethodOf(const char *name)
{
	/* in the order of mvvd_fusion_method */
	static const char *const names[] = {"weighted", "raw", "rrf", "min",
										"max"};

	for (int i = 0; i < lengthof(names); i++)
		if (pg_strcasecmp(name, names[i]) == 0)
			return i;
	ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					errmsg("unknown fusion \"%s\"", name),
					errhint("Use weighted, raw, rrf, min or max.")));
	return 0;
}

static int
metric_of(const SearchField *f, const char *name)
{
	int metric = MvvdMetricByName(name);

	if (metric < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("unknown metric \"%s\" for column \"%s\"", name,
							   f->column),
						errhint("Use l2, ip, cosine or l1.")));
	return metric;
}

/*
 * Opens the table's valid mvvd_hnsw indexes without a predicate, the ones a search can use
 * (kept open until MvvdSearchCloseIndexes; their locks last until the end of the transaction).
 */
static void
open_indexes(SearchRequest *req)
{
	List *oids = RelationGetIndexList(req->rel);
	ListCell *lc;

	req->indexes = palloc(sizeof(Relation) * Max(list_length(oids), 1));
	req->nindexes = 0;
	foreach (lc, oids)
	{
		Relation index = index_open(lfirst_oid(lc), AccessShareLock);

		if (MvvdIsOrderingIndex(index) && index->rd_index->indisvalid &&
			heap_attisnull(index->rd_indextuple, Anum_pg_index_indpred, NULL))
			req->indexes[req->nindexes++] = index;
		else
			index_close(index, AccessShareLock);
	}
	list_free(oids);
}

void
MvvdSearchCloseIndexes(SearchRequest *req)
{
	for (int i = 0; i < req->nindexes; i++)
		index_close(req->indexes[i], NoLock);
	req->nindexes = 0;
}

/*
 * The index on the field's column alone whose metric is the field's (any metric when
 * metric < 0), or NULL. Sets the metric from the index when it was not given.
 */
static Relation
find_index(SearchRequest *req, SearchField *f, int *metric)
{
	for (int i = 0; i < req->nindexes; i++)
	{
		Relation index = req->indexes[i];
		bool multivector;
		int index_metric;

		if (index->rd_index->indnatts != 1 ||
			index->rd_index->indkey.values[0] != f->attnum)
			continue;
		index_metric = MvvdIndexMetric(index, &multivector);
		if (*metric < 0 || *metric == index_metric)
		{
			*metric = index_metric;
			return index;
		}
	}
	return NULL;
}

/* The dimensions of the field's query, checked against the column's typmod. */
static void
check_dimensions(Relation rel, SearchField *f)
{
	int typmod =
		TupleDescAttr(RelationGetDescr(rel), f->attnum - 1)->atttypmod;
	int dims = f->query_multivector
				   ? ((MultiVector *) DatumGetPointer(f->query))->dim
				   : ((Vector *) DatumGetPointer(f->query))->dim;

	if (typmod > 0 && typmod != dims)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different vector dimensions %d and %d", typmod, dims),
				 errdetail("Column \"%s\" holds %d-dimensional vectors; its "
						   "query has %d.",
						   f->column, typmod, dims)));
}

/* The column a field names, which must be a vector or a multivector. */
static void
resolve_column(Relation rel, SearchField *f, Oid vector_type,
			   Oid multivector_type)
{
	AttrNumber attnum = get_attnum(RelationGetRelid(rel), f->column);
	Oid type;

	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						f->column, RelationGetRelationName(rel))));
	f->attnum = attnum;
	type = TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid;
	if (type != vector_type && type != multivector_type)
		ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
						errmsg("column \"%s\" is of type %s, not vector or "
							   "multivector",
							   f->column, format_type_be(type))));
	f->column_multivector = type == multivector_type;
	if (!f->column_multivector && f->query_multivector)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" is a vector: its query must be a "
						"vector, not a multivector",
						f->column)));
}

/* The distance, scale and index of a field, from its kind and metric. */
static void
resolve_metric(SearchRequest *req, SearchField *f, const char *metric_name)
{
	int metric = metric_name ? metric_of(f, metric_name) : -1;
	const MvvdMeasure *measure;

	f->index = find_index(req, f, &metric);
	/* a column of a combined index is compared by cosine there */
	if (metric < 0 && !f->column_multivector &&
		MvvdSearchInCombined(req, f->attnum))
		metric = MVVD_METRIC_COSINE;
	if (metric < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no metric for column \"%s\"", f->column),
				 errdetail("No mvvd_hnsw index on the column gives one."),
				 errhint("Pass metric => 'l2', 'ip', 'cosine' or 'l1'.")));
	measure = MvvdMeasureOfQuery(metric, f->column_multivector,
								 f->query_multivector);
	if (measure == NULL)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("no l1 distance for multivector column \"%s\"",
							   f->column),
						errhint("Use l2, ip or cosine.")));
	f->metric = metric;
	f->distance = measure->distance;
	f->strategy = measure->strategy;
	f->fusion.scale = measure->scale;
	f->fusion.query_count =
		f->query_multivector
			? ((MultiVector *) DatumGetPointer(f->query))->count
			: 1;
}

/* An attribute of a field that must not be NULL. */
static Datum
required(HeapTupleHeader t, int attno, int i, const char *what)
{
	bool isnull;
	Datum d = GetAttributeByNum(t, attno, &isnull);

	if (isnull)
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("field %d has no %s", i + 1, what)));
	return d;
}

/* One element of the fields array. */
static void
resolve_field(SearchRequest *req, SearchField *f, HeapTupleHeader t, int i,
			  TupleDesc desc)
{
	bool vector_null, multivector_null, metric_null;
	Datum vector = GetAttributeByNum(t, FIELD_VECTOR, &vector_null);
	Datum multivector =
		GetAttributeByNum(t, FIELD_MULTIVECTOR, &multivector_null);
	Datum metric = GetAttributeByNum(t, FIELD_METRIC, &metric_null);
	double weight;

	f->column = pstrdup(
		NameStr(*DatumGetName(required(t, FIELD_COLUMN, i, "column name"))));
	if (vector_null == multivector_null)
		ereport(
			ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("field %d (\"%s\") needs exactly one query", i + 1,
					f->column),
			 errhint("Give a vector or a multivector, as mvvd_field does.")));
	f->query_multivector = vector_null;
	f->query = PointerGetDatum(
		PG_DETOAST_DATUM_COPY(f->query_multivector ? multivector : vector));
	weight = DatumGetFloat8(required(t, FIELD_WEIGHT, i, "weight"));
	if (isnan(weight) || isinf(weight) || weight < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weight of column \"%s\" must be a finite number "
						">= 0, not %g",
						f->column, weight)));
	f->fusion.weight = weight;
	resolve_column(req->rel, f,
				   TupleDescAttr(desc, FIELD_VECTOR - 1)->atttypid,
				   TupleDescAttr(desc, FIELD_MULTIVECTOR - 1)->atttypid);
	check_dimensions(req->rel, f);
	resolve_metric(req, f, metric_null ? NULL : TextDatumGetCString(metric));
}

void
MvvdSearchResolveFields(SearchRequest *req, Datum fields_array)
{
	ArrayType *array = DatumGetArrayTypeP(fields_array);
	Oid type = ARR_ELEMTYPE(array);
	TupleDesc desc = lookup_rowtype_tupdesc(type, -1);
	Datum *elements;
	bool *nulls;
	int n;
	bool any_weight = false;

	if (desc->natts != FIELD_NATTRIBUTES)
		elog(ERROR, "mvvd_field has %d attributes, expected %d", desc->natts,
			 FIELD_NATTRIBUTES);
	if (ARR_NDIM(array) > 1)
		ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
						errmsg("fields must be a one-dimensional array")));
	deconstruct_array(array, type, -1, false, TYPALIGN_DOUBLE, &elements,
					  &nulls, &n);
	if (n == 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("mvvd_search needs at least one field")));
	if (n > SEARCH_MAX_FIELDS)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("mvvd_search takes at most %d fields, not %d",
							   SEARCH_MAX_FIELDS, n)));
	req->nfields = n;
	req->fields = palloc0(sizeof(SearchField) * n);
	open_indexes(req);
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("field %d is NULL", i + 1)));
		resolve_field(req, &req->fields[i],
					  DatumGetHeapTupleHeader(elements[i]), i, desc);
		any_weight |= req->fields[i].fusion.weight > 0;
	}
	ReleaseTupleDesc(desc);
	if (!any_weight)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("every weight is zero"),
						errhint("Give at least one field a weight above 0.")));
}
