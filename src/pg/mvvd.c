/*
 * The module's entry point. GUCs and index access methods register here as
 * they arrive.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "pg/hnsw/hnsw.h"
#include "pg/plan/plan.h"
#include "pg/search/search.h"

PG_MODULE_MAGIC;

void _PG_init(void);

/* Runs once per backend when the library is loaded. */
void
_PG_init(void)
{
	MvvdHnswInitGucs();
	MvvdSearchInitGucs();
	MvvdPlanInitHooks();
#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("mvvd");
#else
	EmitWarningsOnPlaceholders("mvvd");
#endif
}
