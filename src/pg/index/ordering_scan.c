/*
 * MVVD ordering index scans (see ordering_scan.h).
 */
#include "postgres.h"

#include <math.h>

#include "access/relscan.h"
#include "access/skey.h"
#include "commands/defrem.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "pg/index/ordering_scan.h"

/* MVVD's index access methods: their scans' opaque states start with an MvvdScanHeader. */
static const char *const access_methods[] = {"mvvd_hnsw"};

bool
MvvdIsOrderingAccessMethod(Oid am)
{
	for (int i = 0; i < lengthof(access_methods); i++)
		if (am == get_index_am_oid(access_methods[i], true))
			return true;
	return false;
}

bool
MvvdIsOrderingIndex(Relation index)
{
	return MvvdIsOrderingAccessMethod(index->rd_rel->relam);
}

IndexScanDesc
MvvdOrderingScanOpen(Relation heap, Relation index, int strategy, Datum query,
					 MvvdScanMode mode, int ef)
{
	IndexScanDesc scan;
	ScanKeyData key;

	if (!MvvdIsOrderingIndex(index))
		elog(ERROR, "index \"%s\" is not an MVVD index",
			 RelationGetRelationName(index));
	scan = index_beginscan(heap, index, GetActiveSnapshot(), 0, 1);
	((MvvdScanHeader *) scan->opaque)->mode = mode;
	((MvvdScanHeader *) scan->opaque)->ef = ef;
	ScanKeyEntryInitialize(&key, SK_ORDER_BY, 1, strategy, InvalidOid,
						   InvalidOid, InvalidOid, query);
	index_rescan(scan, NULL, 0, &key, 1);
	return scan;
}

bool
MvvdOrderingScanNext(IndexScanDesc scan, double *distance)
{
	if (index_getnext_tid(scan, ForwardScanDirection) == NULL)
		return false;
	*distance = scan->xs_orderbynulls[0]
					? NAN
					: DatumGetFloat8(scan->xs_orderbyvals[0]);
	return true;
}

void
MvvdOrderingScanClose(IndexScanDesc scan)
{
	index_endscan(scan);
}
