/*
 * The error boundary with the core (see guard.h): a shim status into an ERROR with a fitting
 * SQLSTATE, and the trap that carries an ERROR raised in a callback past the core's frames.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"

#include "pg/guard.h"

/* ERROR for a failed status (out of memory, cancelled, internal); nothing for MVVD_OK. */
void
MvvdReportStatus(mvvd_status status, const mvvd_error *err, const char *what)
{
	switch (status)
	{
		case MVVD_OK:
			return;
		case MVVD_OUT_OF_MEMORY:
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
							errmsg("out of memory while %s", what),
							errdetail("%s", err->message)));
			break;
		case MVVD_CANCELLED:
			/* the interrupt that asked to stop raises its own error here */
			CHECK_FOR_INTERRUPTS();
			ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED),
							errmsg("canceled while %s", what)));
			break;
		default:
			ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
							errmsg("internal error while %s: %s", what,
								   err->message)));
	}
}

/* Sets a trap whose saved ERROR lives in the current memory context. */
void
MvvdTrapInit(MvvdTrap *trap)
{
	trap->error = NULL;
	trap->mcxt = CurrentMemoryContext;
}

/* In PG_CATCH: keeps the ERROR being handled and clears it, back in the caller's context. */
void
MvvdTrapSave(MvvdTrap *trap, MemoryContext caller)
{
	MemoryContextSwitchTo(trap->mcxt);
	trap->error = CopyErrorData();
	FlushErrorState();
	MemoryContextSwitchTo(caller);
}

void
MvvdTrapCheck(MvvdTrap *trap, mvvd_status status, const mvvd_error *err,
			  const char *what)
{
	if (trap->error != NULL)
	{
		ErrorData *edata = trap->error;

		trap->error = NULL;
		ReThrowError(edata);
	}
	MvvdReportStatus(status, err, what);
}
