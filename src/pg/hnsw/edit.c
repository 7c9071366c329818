/*
 * Changing index pages. Outside a build every change goes through GenericXLog, so it is crash
 * safe and reaches streaming standbys; during a build pages are written plainly and the whole
 * index is WAL-logged once at the end.
 */
#include "postgres.h"

#include "pg/hnsw/hnsw.h"

/* Starts an atomic change of up to MAX_GENERIC_XLOG_PAGES pages. */
void
MvvdHnswEditStart(HnswEdit *edit, HnswIndex *hi)
{
	edit->hi = hi;
	edit->nbuffers = 0;
	edit->xlog = hi->building ? NULL : GenericXLogStart(hi->rel);
}

/* The page of an exclusively locked buffer, to be changed as part of the edit. */
Page
MvvdHnswEditPage(HnswEdit *edit, Buffer buffer)
{
	Page page;

	for (int i = 0; i < edit->nbuffers; i++)
		if (edit->buffers[i] == buffer)
			return edit->pages[i];
	if (edit->nbuffers == MAX_GENERIC_XLOG_PAGES)
		elog(ERROR, "mvvd_hnsw: too many pages in one change");
	page = edit->xlog ? GenericXLogRegisterBuffer(edit->xlog, buffer, 0)
					  : BufferGetPage(buffer);
	edit->buffers[edit->nbuffers] = buffer;
	edit->pages[edit->nbuffers] = page;
	edit->nbuffers++;
	return page;
}

/* Applies the edit (the caller still holds and then releases the buffers). */
void
MvvdHnswEditFinish(HnswEdit *edit)
{
	if (edit->xlog)
		GenericXLogFinish(edit->xlog);
	else
		for (int i = 0; i < edit->nbuffers; i++)
			MarkBufferDirty(edit->buffers[i]);
	edit->nbuffers = 0;
	edit->xlog = NULL;
}

/* Abandons an edit that changed nothing. */
void
MvvdHnswEditCancel(HnswEdit *edit)
{
	if (edit->xlog)
		GenericXLogAbort(edit->xlog);
	edit->nbuffers = 0;
	edit->xlog = NULL;
}

/* Writes an element's vector, page by page (it is not reachable before its record is). */
void
MvvdHnswWriteVector(HnswIndex *hi, uint32 id, const float *vector)
{
	const HnswLayout *layout = &hi->meta.layout;
	HnswPlace place = MvvdHnswVectorPlace(layout, id);
	const char *src = (const char *) vector;
	uint32 remaining = layout->vector_bytes;

	while (remaining > 0)
	{
		uint32 n = Min(remaining, HNSW_PAGE_PAYLOAD - place.offset);
		Buffer buf = ReadBuffer(hi->rel, place.block);
		HnswEdit edit;
		Page page;

		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		MvvdHnswEditStart(&edit, hi);
		page = MvvdHnswEditPage(&edit, buf);
		memcpy(MvvdHnswPagePayload(page) + place.offset, src, n);
		MvvdHnswEditFinish(&edit);
		UnlockReleaseBuffer(buf);
		src += n;
		remaining -= n;
		place.block++;
		place.offset = 0;
	}
}
