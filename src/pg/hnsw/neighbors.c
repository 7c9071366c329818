/*
 * Editing neighbour lists on pages: choosing an element's neighbours by the heuristic, setting
 * its list on a level, and linking an element back into the lists of its neighbours (appended,
 * or in place of the neighbour the heuristic drops when a list is full). Insert and VACUUM
 * change lists only through these.
 */
#include "postgres.h"

#include "pg/hnsw/hnsw.h"

/* The place of id's neighbour list on a level (false if it has no such level). */
static bool
list_place(HnswIndex *hi, uint32 id, int level, HnswPlace *place)
{
	HnswElementInfo info;

	if (level == 0)
	{
		*place = MvvdHnswRecordPlace(&hi->meta.layout, id);
		return true;
	}
	if (!MvvdHnswReadElement(hi, id, &info) || level > info.level)
		return false;
	*place = MvvdHnswUpperPlace(&hi->meta.layout,
								id / hi->meta.layout.elements_per_chunk,
								info.upper_slot + level - 1);
	return true;
}

/*
 * The heuristic over n candidates of a base vector on a level: kept[0..return) receives the
 * indices of at most max it keeps (*chosen of them), nearest first, then up to max in all the
 * others that rank best, or with pruning all but the one a full list drops (see
 * mvvd_hnsw_select). The candidates' vectors are read from the
 * pages, except the last one's when last_vector is given (an element whose record may not be
 * linked yet).
 */
static int
select_neighbors(HnswIndex *hi, const float *base, const uint32 *ids, int n,
				 const float *last_vector, int level, int max, bool pruning,
				 int *kept, int *chosen, const char *what)
{
	int dims = hi->meta.dims;
	float *vectors = palloc(sizeof(float) * dims * n);
	int from_pages = last_vector ? n - 1 : n;
	int nkept;
	mvvd_error err;

	for (int i = 0; i < from_pages; i++)
		MvvdHnswReadVector(hi, ids[i], vectors + (size_t) i * dims);
	if (last_vector)
		memcpy(vectors + (size_t) (n - 1) * dims, last_vector,
			   sizeof(float) * dims);
	MvvdReportStatus(mvvd_hnsw_select(hi->meta.metric, dims, base, vectors, n,
									  max, max, level, pruning, kept, &nkept,
									  chosen, &err),
					 &err, what);
	pfree(vectors);
	return nkept;
}

/*
 * Chooses the neighbours of an element (its vector given) on a level among n candidates, into
 * out: the heuristic's choices, then the list filled up to max with the others that rank best
 * (see mvvd_hnsw_select). Returns how many in all; *chosen says how many the heuristic chose.
 */
int
MvvdHnswChooseNeighbors(HnswIndex *hi, const float *vector, int level,
						const uint32 *cands, int n, int max, uint32 *out,
						int *chosen)
{
	int *kept;
	int nkept;

	if (n <= max)
	{
		memcpy(out, cands, sizeof(uint32) * n);
		*chosen = n;
		return n;
	}
	kept = palloc(sizeof(int) * n);
	nkept = select_neighbors(hi, vector, cands, n, NULL, level, max, false,
							 kept, chosen, "choosing HNSW neighbours");
	for (int i = 0; i < nkept; i++)
		out[i] = cands[kept[i]];
	pfree(kept);
	return nkept;
}

/* Appends to ids (total of capacity) those of more it does not hold yet, while there is room. */
static int
merge_ids(uint32 *ids, int total, int capacity, const uint32 *more, int n)
{
	for (int i = 0; i < n && total < capacity; i++)
	{
		bool present = false;

		for (int j = 0; j < total && !present; j++)
			present = ids[j] == more[i];
		if (!present)
			ids[total++] = more[i];
	}
	return total;
}

/* MvvdHnswSetNeighbors on the list at a place (found by the caller). */
static void
set_list_at(HnswIndex *hi, HnswPlace place, int level, const uint32 *ids,
			int nfirst, int n, bool keep_existing)
{
	Buffer buf;
	HnswEdit edit;
	uint32 *list;
	int capacity;
	uint32 *merged;
	int total;

	buf = ReadBuffer(hi->rel, place.block);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	MvvdHnswEditStart(&edit, hi);
	list = MvvdHnswListAt(MvvdHnswEditPage(&edit, buf), hi->meta.m, level,
						  place, &capacity);
	merged = palloc(sizeof(uint32) * capacity);
	total = Min(nfirst, capacity);
	memcpy(merged, ids, total * sizeof(uint32));
	if (keep_existing)
		total = merge_ids(merged, total, capacity, list,
						  MvvdHnswListLength(list, capacity));
	total = merge_ids(merged, total, capacity, ids + nfirst, n - nfirst);
	MvvdHnswWriteList(list, capacity, merged, total);
	MvvdHnswEditFinish(&edit);
	UnlockReleaseBuffer(buf);
	pfree(merged);
}

/*
 * Replaces the neighbour list of id on a level. With keep_existing, ids already in the list
 * stay after the first nfirst new ones and before the rest (up to the list's capacity): a
 * concurrent insert that reached a new element through its upper levels may have linked itself
 * there before the element's own search on this level finished, and that link may be its only
 * way in, unlike the ids a list is filled up with (see MvvdHnswChooseNeighbors).
 */
void
MvvdHnswSetNeighbors(HnswIndex *hi, uint32 id, int level, const uint32 *ids,
					 int nfirst, int n, bool keep_existing)
{
	HnswPlace place;

	if (list_place(hi, id, level, &place))
		set_list_at(hi, place, level, ids, nfirst, n, keep_existing);
}

/*
 * Empties the upper lists of element id on levels 1 .. level, from its first upper slot on,
 * without reading its record: for a caller that holds the record's page (see free_space.c).
 */
void
MvvdHnswEmptyUpperLists(HnswIndex *hi, uint32 id, int level, uint32 upper_slot)
{
	const HnswLayout *l = &hi->meta.layout;
	uint32 none = MVVD_NO_ELEMENT;

	for (int lv = 1; lv <= level; lv++)
	{
		if (upper_slot + lv - 1 >= MvvdHnswUpperSlotsPerChunk(l))
			break;
		set_list_at(hi,
					MvvdHnswUpperPlace(l, id / l->elements_per_chunk,
									   upper_slot + lv - 1),
					lv, &none, 0, 0, false);
	}
}

/*
 * The ids a full list (n ids, its capacity) keeps when new_id joins it: all but the one it drops
 * (see mvvd_hnsw_select). If that is new_id and `how` forces it in, it takes the place of the
 * last other one.
 */
static int
prune_list(HnswIndex *hi, uint32 base, int level, const uint32 *list, int n,
		   uint32 new_id, const float *new_vector, int how, uint32 *chosen,
		   bool *kept_new)
{
	float *base_vector = palloc(sizeof(float) * hi->meta.dims);
	uint32 *ids = palloc(sizeof(uint32) * (n + 1));
	int *kept = palloc(sizeof(int) * (n + 1));
	int nkept;
	int chosen_count;

	memcpy(ids, list, n * sizeof(uint32));
	ids[n] = new_id;
	MvvdHnswReadVector(hi, base, base_vector);
	nkept =
		select_neighbors(hi, base_vector, ids, n + 1, new_vector, level, n,
						 true, kept, &chosen_count, "pruning HNSW neighbours");
	*kept_new = false;
	for (int i = 0; i < nkept; i++)
		*kept_new |= kept[i] == n;
	if (!*kept_new && how == HNSW_LINK_FORCE && nkept > 0)
	{
		kept[nkept - 1] = n;
		*kept_new = true;
	}
	for (int i = 0; i < nkept; i++)
		chosen[i] = ids[kept[i]];
	return nkept;
}

/*
 * Adds new_id to the list of `base` on a level: appended when there is room; else, unless `how`
 * is HNSW_LINK_IF_ROOM, it takes the place of the one the list drops (see prune_list). Read and
 * written under one exclusive lock, so concurrent inserts linking to the same element do not
 * lose each other's links. Returns whether the list now holds new_id.
 */
bool
MvvdHnswLinkBack(HnswIndex *hi, uint32 base, int level, uint32 new_id,
				 const float *new_vector, int how)
{
	HnswPlace place;
	Buffer buf;
	uint32 *list;
	int capacity;
	int n;
	HnswEdit edit;
	bool kept_new = true;

	if (!list_place(hi, base, level, &place))
		return false;
	buf = ReadBuffer(hi->rel, place.block);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	list = MvvdHnswListAt(BufferGetPage(buf), hi->meta.m, level, place,
						  &capacity);
	n = MvvdHnswListLength(list, capacity);
	for (int i = 0; i < n; i++)
	{
		if (list[i] == new_id)
		{
			UnlockReleaseBuffer(buf);
			return true;
		}
	}

	if (n < capacity)
	{
		MvvdHnswEditStart(&edit, hi);
		list = MvvdHnswListAt(MvvdHnswEditPage(&edit, buf), hi->meta.m, level,
							  place, &capacity);
		list[n] = new_id;
		if (n + 1 < capacity)
			list[n + 1] = MVVD_NO_ELEMENT;
		MvvdHnswEditFinish(&edit);
	}
	else if (how == HNSW_LINK_IF_ROOM)
		kept_new = false;
	else
	{
		uint32 *chosen = palloc(sizeof(uint32) * (n + 1));
		int nkept = prune_list(hi, base, level, list, n, new_id, new_vector,
							   how, chosen, &kept_new);

		MvvdHnswEditStart(&edit, hi);
		list = MvvdHnswListAt(MvvdHnswEditPage(&edit, buf), hi->meta.m, level,
							  place, &capacity);
		MvvdHnswWriteList(list, capacity, chosen, nkept);
		MvvdHnswEditFinish(&edit);
	}
	UnlockReleaseBuffer(buf);
	return kept_new;
}

/*
 * Links new_id back from each of n elements on a level (`how` as for MvvdHnswLinkBack). With
 * force_one, if none kept it, it is forced into the first one's list: something must lead to
 * it. Returns how many lists hold it.
 */
int
MvvdHnswLinkBackAll(HnswIndex *hi, const uint32 *ids, int n, int level,
					uint32 new_id, const float *new_vector, int how,
					bool force_one)
{
	int linked = 0;

	for (int i = 0; i < n; i++)
		linked += MvvdHnswLinkBack(hi, ids[i], level, new_id, new_vector, how);
	if (linked == 0 && n > 0 && force_one)
		linked += MvvdHnswLinkBack(hi, ids[0], level, new_id, new_vector,
								   HNSW_LINK_FORCE);
	return linked;
}

/* The level-0 link of `base` that leads to the element nearest it, or MVVD_NO_ELEMENT. */
static uint32
shortest_link(HnswIndex *hi, uint32 base)
{
	int capacity = MvvdHnswMaxListCapacity(hi->meta.m);
	float *base_vector = palloc(sizeof(float) * hi->meta.dims);
	float *scratch = palloc(sizeof(float) * hi->meta.dims);
	uint32 *ids = palloc(sizeof(uint32) * capacity);
	float *distances = palloc(sizeof(float) * capacity);
	uint32 shortest = MVVD_NO_ELEMENT;
	int n = MvvdHnswReadNeighbors(hi, base, 0, ids, capacity);

	MvvdHnswReadVector(hi, base, base_vector);
	MvvdHnswDistances(hi, base_vector, ids, n, distances, scratch);
	for (int i = 0, best = -1; i < n; i++)
		if (best < 0 || distances[i] < distances[best])
			best = i, shortest = ids[i];
	return shortest;
}

/*
 * Adds a link from `from`, an element no walk reaches, to `to`: appended if its level-0 list has
 * room, else in place of a link to a reached element (no way to that one passes through an
 * element out of reach), else of its last link (whose element the caller links in later).
 */
static void
pass_on(HnswIndex *hi, uint32 from, uint32 to, const bool *reached,
		uint32 nelements)
{
	HnswPlace place = MvvdHnswRecordPlace(&hi->meta.layout, from);
	Buffer buf = ReadBuffer(hi->rel, place.block);
	HnswEdit edit;
	uint32 *list;
	int capacity;
	int n;
	int slot;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	list = MvvdHnswListAt(BufferGetPage(buf), hi->meta.m, 0, place, &capacity);
	n = MvvdHnswListLength(list, capacity);
	for (int i = 0; i < n; i++)
	{
		if (list[i] == to)
		{
			UnlockReleaseBuffer(buf);
			return;
		}
	}
	slot = n < capacity ? n : n - 1;
	for (int i = 0; i < n && n == capacity; i++)
	{
		if (list[i] >= nelements || reached[list[i]])
		{
			slot = i;
			break;
		}
	}
	MvvdHnswEditStart(&edit, hi);
	list = MvvdHnswListAt(MvvdHnswEditPage(&edit, buf), hi->meta.m, 0, place,
						  &capacity);
	list[slot] = to;
	if (slot == n && n + 1 < capacity)
		list[n + 1] = MVVD_NO_ELEMENT;
	MvvdHnswEditFinish(&edit);
	UnlockReleaseBuffer(buf);
}

/*
 * Links new_id, an element no walk from the entry point reaches, into the level-0 list of
 * `base`, a reached element whose list is full: in place of its shortest link, which new_id
 * takes over (see pass_on), so that everything reached stays reached. The link to carry on is
 * written first: should the server stop in between, new_id only has one link more. Returns
 * false if base's list changed meanwhile so that the link is gone (the caller tries another).
 * reached covers ids below nelements; later ones are new, hence reached.
 */
bool
MvvdHnswSpliceIn(HnswIndex *hi, uint32 base, uint32 new_id,
				 const bool *reached, uint32 nelements)
{
	uint32 to = shortest_link(hi, base);
	HnswPlace place = MvvdHnswRecordPlace(&hi->meta.layout, base);
	Buffer buf;
	HnswEdit edit;
	uint32 *list;
	int capacity;
	int n;
	int slot = -1;

	if (to == MVVD_NO_ELEMENT)
		return false;
	pass_on(hi, new_id, to, reached, nelements);
	buf = ReadBuffer(hi->rel, place.block);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	list = MvvdHnswListAt(BufferGetPage(buf), hi->meta.m, 0, place, &capacity);
	n = MvvdHnswListLength(list, capacity);
	for (int i = 0; i < n; i++)
	{
		if (list[i] == new_id)
		{
			UnlockReleaseBuffer(buf);
			return true;
		}
		if (list[i] == to)
			slot = i;
	}
	if (slot >= 0)
	{
		MvvdHnswEditStart(&edit, hi);
		list = MvvdHnswListAt(MvvdHnswEditPage(&edit, buf), hi->meta.m, 0,
							  place, &capacity);
		list[slot] = new_id;
		MvvdHnswEditFinish(&edit);
	}
	UnlockReleaseBuffer(buf);
	return slot >= 0;
}
