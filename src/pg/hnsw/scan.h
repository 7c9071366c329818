/*
 * The state of an mvvd_hnsw index scan, shared by scan.c (the access method callbacks and
 * scans of vector columns) and multivector_scan.c (scans of multivector columns, row by row).
 */
#ifndef MVVD_HNSW_SCAN_H
#define MVVD_HNSW_SCAN_H

#include "pg/hnsw/hnsw.h"

typedef struct HnswRowScan HnswRowScan;

typedef struct HnswScanOpaque
{
	MvvdScanHeader header; /* first: what an ordering scan sets */
	MvvdScanMode mode; /* the mode of this scan, from the header or the GUC */
	HnswIndex hi;
	MemoryContext mcxt; /* everything of one scan; reset by rescan */
	bool started;
	bool exhausted;
	float *query; /* nquery vectors of query_dims; nquery 0 for a NULL query */
	int nquery;
	int query_dims;
	HnswSearch *searches; /* one per query vector, freed with mcxt */
	uint32 null_next;	  /* NULL query: the next element to look at */
	HnswRowScan *rows;	  /* multivector columns */
	/* vector columns: the TIDs of the element last reached (it and its copies) */
	ItemPointerData *tids;
	int ntids;
	int next_tid;
	int tids_capacity;
	double tids_distance;
	float *scratch; /* one vector (see same_vector) */
} HnswScanOpaque;

/* multivector_scan.c */
HnswRowScan *MvvdHnswRowsStart(HnswScanOpaque *so, int strategy, int depth);
bool MvvdHnswRowsNext(HnswScanOpaque *so, ItemPointer tid, double *distance);

#endif /* MVVD_HNSW_SCAN_H */
