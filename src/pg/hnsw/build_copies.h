/*
 * Copies found while a build collects rows in memory (build_copies.c).
 */
#ifndef MVVD_HNSW_BUILD_COPIES_H
#define MVVD_HNSW_BUILD_COPIES_H

#include "postgres.h"

#include "storage/itemptr.h"

#include "shim/mvvd_hnsw.h"

typedef struct HnswBuildCopies HnswBuildCopies;

HnswBuildCopies *MvvdHnswBuildCopiesCreate(MemoryContext mcxt,
										   size_t vector_bytes);
bool MvvdHnswBuildCopiesOffer(HnswBuildCopies *bc, mvvd_hnsw_builder *builder,
							  const float *vector, ItemPointer heaptid,
							  uint32 next);
uint32 MvvdHnswBuildCopiesCount(const HnswBuildCopies *bc);
size_t MvvdHnswBuildCopiesMemory(const HnswBuildCopies *bc);
uint32 MvvdHnswBuildCopiesNewest(HnswBuildCopies *bc, const float *vector,
								 uint32 id, uint32 nelements);
void MvvdHnswBuildCopiesGet(const HnswBuildCopies *bc, uint32 i,
							uint32 nelements, ItemPointer heaptid,
							uint32 *next_copy);

#endif /* MVVD_HNSW_BUILD_COPIES_H */
