/*
 * MVVD's changes to the plans Postgres makes (its planner hook).
 */
#ifndef MVVD_PLAN_H
#define MVVD_PLAN_H

/* Installs the hook after whatever hook was there; once per backend, from _PG_init. */
void MvvdPlanInitHooks(void);

#endif /* MVVD_PLAN_H */
