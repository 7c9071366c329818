/*
 * Turning a shim status into an ERROR with a fitting SQLSTATE.
 */
#include "postgres.h"

#include "miscadmin.h"

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
