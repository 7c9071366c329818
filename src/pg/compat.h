/*
 * The few PostgreSQL calls whose names or signatures differ between the versions MVVD compiles
 * for (13 to 17), behind one name each; and shorthands for calls several files make alike.
 */
#ifndef MVVD_COMPAT_H
#define MVVD_COMPAT_H

#include "postgres.h"

#include "funcapi.h"
#include "parser/parser.h"
#include "storage/bufmgr.h"
#include "utils/hsearch.h"
#include "utils/plancache.h"
#include "utils/rel.h"

#if PG_VERSION_NUM >= 150000
#include "common/pg_prng.h"
#endif

/* A relation's physical identity (RelFileLocator since 16, RelFileNode before). */
#if PG_VERSION_NUM >= 160000
typedef RelFileLocator MvvdRelFile;
#define MvvdRelFileOf(rel)		((rel)->rd_locator)
#define MvvdRelFileEquals(a, b) RelFileLocatorEquals(a, b)
#else
typedef RelFileNode MvvdRelFile;
#define MvvdRelFileOf(rel)		((rel)->rd_node)
#define MvvdRelFileEquals(a, b) RelFileNodeEquals(a, b)
#endif

/* A hash table in a memory context, keyed by the bytes of a fixed-size key. */
static inline HTAB *
MvvdBlobHashCreate(const char *name, long nelem, Size keysize, Size entrysize,
				   MemoryContext mcxt)
{
	HASHCTL ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hcxt = mcxt;
	return hash_create(name, nelem, &ctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* Pins buf if it still holds the block (14+); false (so the caller reads it) before 14. */
static inline bool
MvvdReadRecentBuffer(Relation rel, BlockNumber block, Buffer buf)
{
#if PG_VERSION_NUM >= 140000
	return ReadRecentBuffer(MvvdRelFileOf(rel), MAIN_FORKNUM, block, buf);
#else
	return false;
#endif
}

/* A uniform double in [0, 1). */
static inline double
MvvdRandomDouble(void)
{
#if PG_VERSION_NUM >= 150000
	return pg_prng_double(&pg_global_prng_state);
#else
	return (double) random() / ((double) MAX_RANDOM_VALUE + 1);
#endif
}

/* Sets up a set-returning function that materializes its rows in a tuplestore. */
#if PG_VERSION_NUM >= 150000
#define MvvdInitMaterializedSRF(fcinfo) InitMaterializedSRF(fcinfo, 0)
#else
void MvvdInitMaterializedSRF(FunctionCallInfo fcinfo);
#endif

/* Parses SQL text into raw statements (a parse mode argument since 14). */
#if PG_VERSION_NUM >= 140000
#define MvvdRawParse(sql) raw_parser(sql, RAW_PARSE_DEFAULT)
#else
#define MvvdRawParse(sql) raw_parser(sql)
#endif

/* Releases a plan from SPI_plan_get_cached_plan of an unsaved SPI plan (no resource owner). */
#if PG_VERSION_NUM >= 140000
#define MvvdReleaseCachedPlan(plan) ReleaseCachedPlan(plan, NULL)
#else
#define MvvdReleaseCachedPlan(plan) ReleaseCachedPlan(plan, false)
#endif

#endif /* MVVD_COMPAT_H */
