/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refslab heap dumps: REFSLAB_IOC_HEAP_DUMP's pages, taken under the heap
 * lock into a kernel buffer (ioctl.c copies them out).  See dump.c.
 */
#ifndef REFSLAB_DUMP_H
#define REFSLAB_DUMP_H

#include <linux/types.h>
#include "uapi/refslab.h"

struct rs_heap;

/* Bytes of one entry of list @list in this kernel, 0 for an unknown list. */
size_t rs_dump_entry_size(u32 list);

/*
 * Fill up to @room entries (at most REFSLAB_DUMP_PAGE_MAX) of list
 * @d->list from @d->cursor into @buf, in one hold of heap->lock; set
 * d->cursor and d->generation and return the number of entries written.
 * The list must be valid (rs_dump_entry_size() != 0).  Called without
 * locks; @buf is kernel memory.
 */
u32 rs_heap_dump(struct rs_heap *h, struct refslab_heap_dump *d, void *buf,
		 u32 room);

#endif /* REFSLAB_DUMP_H */
