/*
 * An MVVD ordering index scan: a table's rows by their distance to a query, nearest first, from
 * an index of one of MVVD's access methods. mvvd_search reads its streams through it (as the
 * planner path will), with an explicit mode rather than the user's setting.
 */
#ifndef MVVD_INDEX_ORDERING_SCAN_H
#define MVVD_INDEX_ORDERING_SCAN_H

#include "postgres.h"

#include "access/genam.h"
#include "utils/relcache.h"

/* How a scan goes on past its first beam of results (the numbers are the core's). */
typedef enum MvvdScanMode
{
	MVVD_SCAN_FROM_SETTING =
		-1,				   /* the access method's GUC, when the scan starts */
	MVVD_SCAN_OFF = 0,	   /* the first beam only */
	MVVD_SCAN_RELAXED = 1, /* on; a late find comes out when found */
	MVVD_SCAN_STRICT =
		2 /* on; a late find nearer than rows returned is dropped */
} MvvdScanMode;

/* The start of every MVVD index scan's opaque state. */
typedef struct MvvdScanHeader
{
	MvvdScanMode mode;
	int ef; /* the narrowest first beam; 0 leaves it to the access method's GUC */
} MvvdScanHeader;

/* Whether the index (or access method) is one of MVVD's. */
bool MvvdIsOrderingIndex(Relation index);
bool MvvdIsOrderingAccessMethod(Oid am);

/*
 * Starts a scan of index (on heap) ordered by the distance of strategy to query, with a first
 * beam at least ef wide (the access method's setting if wider).
 */
IndexScanDesc MvvdOrderingScanOpen(Relation heap, Relation index, int strategy,
								   Datum query, MvvdScanMode mode, int ef);
/* The next row (its TID in scan->xs_heaptid) and its distance, NaN when it has none; false at
 * the end. */
bool MvvdOrderingScanNext(IndexScanDesc scan, double *distance);
void MvvdOrderingScanClose(IndexScanDesc scan);

#endif /* MVVD_INDEX_ORDERING_SCAN_H */
