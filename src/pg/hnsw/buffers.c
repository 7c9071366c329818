/*
 * Pinning index pages cheaply. A search reads a thousand or so random pages per query, and
 * most of the cost of ReadBuffer is the shared buffer-mapping lookup. Each backend remembers,
 * per index block, the buffer that held it last time; ReadRecentBuffer pins that buffer if it
 * still holds the block (it checks), skipping the lookup. A stale hint only costs the fallback.
 */
#include "postgres.h"

#include "storage/buf_internals.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "pg/compat.h"
#include "pg/hnsw/hnsw.h"

#define HINT_SLOTS 8

typedef struct BufferHints
{
	MvvdRelFile node;
	BlockNumber nblocks;
	Buffer *buffers;
	uint64 last_used;
} BufferHints;

static BufferHints hint_cache[HINT_SLOTS];
static uint64 hint_clock;

/*
 * The hint array of an index (sized to the chunks its metapage lists: no system call to ask the
 * file's length on every scan), from the backend's cache.
 */
void
MvvdHnswAttachHints(HnswIndex *hi)
{
	MvvdRelFile node = MvvdRelFileOf(hi->rel);
	BlockNumber nblocks =
		MvvdHnswChunkStart(&hi->meta.layout, hi->meta.chunks);
	BufferHints *slot = NULL;

	hi->hints = NULL;
	hi->nhints = 0;
	if (RelationUsesLocalBuffers(hi->rel))
		return;
	for (int i = 0; i < HINT_SLOTS; i++)
	{
		if (MvvdRelFileEquals(hint_cache[i].node, node) &&
			hint_cache[i].buffers)
		{
			slot = &hint_cache[i];
			break;
		}
		if (slot == NULL || hint_cache[i].last_used < slot->last_used)
			slot = &hint_cache[i];
	}
	if (!MvvdRelFileEquals(slot->node, node) || slot->nblocks < nblocks)
	{
		Buffer *grown = MemoryContextAllocExtended(
			TopMemoryContext, sizeof(Buffer) * Max(nblocks, 1),
			MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO | MCXT_ALLOC_NO_OOM);

		if (grown == NULL)
			return;
		if (MvvdRelFileEquals(slot->node, node) && slot->buffers)
			memcpy(grown, slot->buffers, sizeof(Buffer) * slot->nblocks);
		if (slot->buffers)
			pfree(slot->buffers);
		slot->node = node;
		slot->buffers = grown;
		slot->nblocks = nblocks;
	}
	slot->last_used = ++hint_clock;
	hi->hints = slot->buffers;
	hi->nhints = slot->nblocks;
}

/* Pins a block of the index (no content lock), through the hint when it is still good. */
Buffer
MvvdHnswPin(HnswIndex *hi, BlockNumber block)
{
	Buffer buf;

	if (block < hi->nhints)
	{
		buf = hi->hints[block];
		if (buf != InvalidBuffer && MvvdReadRecentBuffer(hi->rel, block, buf))
			return buf;
		buf = ReadBuffer(hi->rel, block);
		hi->hints[block] = buf;
		return buf;
	}
	return ReadBuffer(hi->rel, block);
}

/* Starts fetching the buffer descriptor a later MvvdHnswPin of this block will lock. */
void
MvvdHnswPrefetchBlock(HnswIndex *hi, BlockNumber block)
{
	if (block < hi->nhints && hi->hints[block] > 0)
		__builtin_prefetch(GetBufferDescriptor(hi->hints[block] - 1), 1);
}
