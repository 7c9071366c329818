/*
 * Copies during a build (see copies.c): while rows are collected in memory, a row whose vector
 * the graph already holds byte for byte becomes a copy of that element instead of an element.
 * Vectors are found by a hash of their bytes and compared in full. Copies get the ids after the
 * graph's elements, and each element's chain runs from its newest copy to its oldest, so ids
 * decrease along it as they do after inserts.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "utils/hsearch.h"

#include "pg/compat.h"
#include "pg/hnsw/build_copies.h"

typedef struct VectorEntry
{
	uint64 hash; /* the key */
	uint32 element;
	uint32 newest; /* its newest copy (an index into copies), or none */
} VectorEntry;

typedef struct BuildCopy
{
	ItemPointerData heaptid;
	uint32 older; /* the element's copy before this one, or none */
} BuildCopy;

struct HnswBuildCopies
{
	HTAB *vectors;
	MemoryContext mcxt;
	BuildCopy *copies;
	uint32 ncopies;
	uint32 capacity;
	size_t vector_bytes;
};

HnswBuildCopies *
MvvdHnswBuildCopiesCreate(MemoryContext mcxt, size_t vector_bytes)
{
	HnswBuildCopies *bc = MemoryContextAllocZero(mcxt, sizeof(*bc));

	bc->vectors =
		MvvdBlobHashCreate("mvvd_hnsw build vectors", 1024, sizeof(uint64),
						   sizeof(VectorEntry), mcxt);
	bc->mcxt = mcxt;
	bc->vector_bytes = vector_bytes;
	return bc;
}

static uint64
hash_vector(HnswBuildCopies *bc, const float *vector)
{
	return hash_bytes_extended((const unsigned char *) vector,
							   (int) bc->vector_bytes, 0);
}

/*
 * Offers the vector of a row about to become element `next` of the builder. True if it is a
 * copy of an element (recorded here; the caller adds nothing); false if the caller adds it.
 */
bool
MvvdHnswBuildCopiesOffer(HnswBuildCopies *bc, mvvd_hnsw_builder *builder,
						 const float *vector, ItemPointer heaptid, uint32 next)
{
	uint64 hash = hash_vector(bc, vector);
	bool found;
	VectorEntry *e = hash_search(bc->vectors, &hash, HASH_ENTER, &found);

	if (!found)
	{
		e->element = next;
		e->newest = MVVD_NO_ELEMENT;
		return false;
	}
	/* two different vectors with one hash: the later one is an element of its own */
	if (memcmp(mvvd_hnsw_builder_vector(builder, e->element), vector,
			   bc->vector_bytes) != 0)
		return false;
	if (bc->ncopies == bc->capacity)
	{
		bc->capacity = Max(256, bc->capacity * 2);
		bc->copies =
			bc->copies
				? repalloc_huge(bc->copies, sizeof(BuildCopy) * bc->capacity)
				: MemoryContextAllocHuge(bc->mcxt,
										 sizeof(BuildCopy) * bc->capacity);
	}
	bc->copies[bc->ncopies].heaptid = *heaptid;
	bc->copies[bc->ncopies].older = e->newest;
	e->newest = bc->ncopies++;
	return true;
}

uint32
MvvdHnswBuildCopiesCount(const HnswBuildCopies *bc)
{
	return bc ? bc->ncopies : 0;
}

/* Memory held, counted against maintenance_work_mem with the graph's. */
size_t
MvvdHnswBuildCopiesMemory(const HnswBuildCopies *bc)
{
	if (bc == NULL)
		return 0;
	return hash_get_num_entries(bc->vectors) * (sizeof(VectorEntry) + 24) +
		   bc->capacity * sizeof(BuildCopy);
}

/* Copy index i's id once the graph's nelements elements come first. */
static uint32
copy_id(uint32 nelements, uint32 i)
{
	return i == MVVD_NO_ELEMENT ? MVVD_NO_ELEMENT : nelements + i;
}

/* The id of the newest copy of element id (with this vector), or MVVD_NO_ELEMENT. */
uint32
MvvdHnswBuildCopiesNewest(HnswBuildCopies *bc, const float *vector, uint32 id,
						  uint32 nelements)
{
	uint64 hash;
	VectorEntry *e;

	if (bc == NULL || bc->ncopies == 0)
		return MVVD_NO_ELEMENT;
	hash = hash_vector(bc, vector);
	e = hash_search(bc->vectors, &hash, HASH_FIND, NULL);
	if (e == NULL || e->element != id)
		return MVVD_NO_ELEMENT;
	return copy_id(nelements, e->newest);
}

/* Copy i (its id is nelements + i): its row and the id of the copy after it in its chain. */
void
MvvdHnswBuildCopiesGet(const HnswBuildCopies *bc, uint32 i, uint32 nelements,
					   ItemPointer heaptid, uint32 *next_copy)
{
	*heaptid = bc->copies[i].heaptid;
	*next_copy = copy_id(nelements, bc->copies[i].older);
}
