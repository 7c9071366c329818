/*
 * The module's entry point. GUCs and index access methods register here as
 * they arrive.
 */
#include "postgres.h"

#include "fmgr.h"

#include "hnsw.h"

PG_MODULE_MAGIC;

void _PG_init(void);

/* Runs once per backend when the library is loaded. */
void
_PG_init(void)
{
	HnswInitGucs();
}
