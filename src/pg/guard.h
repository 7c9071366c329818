/*
 * The boundary between Postgres errors and the C++ core, in both directions: a shim status
 * becomes an ERROR, and an ERROR raised in a callback the core called is trapped there (so its
 * longjmp never crosses C++ frames) and re-thrown once the core has returned.
 */
#ifndef MVVD_GUARD_H
#define MVVD_GUARD_H

#include "shim/mvvd_status.h"

/* ERROR for a failed status (out of memory, cancelled, internal); nothing for MVVD_OK. */
void MvvdReportStatus(mvvd_status status, const mvvd_error *err,
					  const char *what);

/* An ERROR trapped in a callback, kept (in the memory context of MvvdTrapInit) to re-throw. */
typedef struct MvvdTrap
{
	ErrorData *error;
	MemoryContext mcxt;
} MvvdTrap;

void MvvdTrapInit(MvvdTrap *trap);
void MvvdTrapSave(MvvdTrap *trap, MemoryContext caller);
/* Re-throws a trapped ERROR, or reports a failed status of the core call that ran the callback. */
void MvvdTrapCheck(MvvdTrap *trap, mvvd_status status, const mvvd_error *err,
				   const char *what);

/*
 * Runs stmt inside a callback the core called; sets ok to whether it finished without an ERROR.
 * An ERROR is saved in the trap and cleared, so the callback returns a failure code instead of
 * unwinding through the core. ok must be volatile.
 */
#define MVVD_TRAP(trap, ok, stmt)                                             \
	do                                                                        \
	{                                                                         \
		MemoryContext mvvd_trap_caller_ = CurrentMemoryContext;               \
		PG_TRY();                                                             \
		{                                                                     \
			stmt;                                                             \
			(ok) = true;                                                      \
		}                                                                     \
		PG_CATCH();                                                           \
		{                                                                     \
			MvvdTrapSave((trap), mvvd_trap_caller_);                          \
			(ok) = false;                                                     \
		}                                                                     \
		PG_END_TRY();                                                         \
	} while (0)

#endif /* MVVD_GUARD_H */
