/*
 * Turning a shim status into an ERROR.
 */
#ifndef MVVD_SHIM_ERROR_H
#define MVVD_SHIM_ERROR_H

#include "shim/mvvd_status.h"

/* ERROR for a failed status (out of memory, cancelled, internal); nothing for MVVD_OK. */
void MvvdReportStatus(mvvd_status status, const mvvd_error *err,
					  const char *what);

#endif /* MVVD_SHIM_ERROR_H */
