/*
 * Reachability on level 0 of an mvvd_hnsw graph: what the integrity check reports and what
 * VACUUM reconnects. Every search enters level 0 at the entry point's component, so an element
 * outside it is never found, however near the query.
 */
#include "postgres.h"

#include "miscadmin.h"

#include "pg/hnsw/hnsw.h"

void
MvvdHnswMarkReachable(HnswIndex *hi, uint32 start, uint32 nelements,
					  bool *reached, uint32 *queue)
{
	int capacity = MvvdHnswMaxListCapacity(hi->meta.m);
	uint32 *list = palloc(sizeof(uint32) * capacity);
	uint32 head = 0, tail = 0;

	if (start >= nelements || reached[start])
	{
		pfree(list);
		return;
	}
	reached[start] = true;
	queue[tail++] = start;
	while (head < tail)
	{
		int n = MvvdHnswReadNeighbors(hi, queue[head++], 0, list, capacity);

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < n; i++)
		{
			if (list[i] < nelements && !reached[list[i]])
			{
				reached[list[i]] = true;
				queue[tail++] = list[i];
			}
		}
	}
	pfree(list);
}
