/*
 * Reciprocal rank fusion of each field's list of its best rows.
 */
#include "postgres.h"

#include "pg/search/search.h"

/*
 * Reciprocal rank fusion: each weighted field's list holds its best rows; ranked by their exact
 * distances (an index stream may return a row a little late), every row on a list is scored
 * sum(weight / (60 + rank)) over the lists it is on, and offered to the top k.
 */
void
MvvdSearchRrf(SearchRequest *req, SearchRow ***lists, const int *lengths,
			  RowHeap *top)
{
	for (int i = 0; i < req->nfields; i++)
	{
		MvvdSearchSortRows(lists[i], lengths[i], i);
		for (int j = 0; j < lengths[i]; j++)
			lists[i][j]->ranks[i] = j + 1;
	}
	for (int i = 0; i < req->nfields; i++)
		for (int j = 0; j < lengths[i]; j++)
		{
			SearchRow *row = lists[i][j];

			if (row->fused)
				continue;
			row->fused = true;
			row->score =
				mvvd_rrf(req->fusion, req->nfields, row->ranks, SEARCH_RRF_C);
			MvvdRowHeapPush(top, row);
		}
}
