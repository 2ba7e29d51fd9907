/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * librefslab: a thin C library over the /dev/refslab ioctls.
 *
 * Include it as "librefslab.h" (it pulls in the uapi header "refslab.h";
 * both are installed side by side, build with -I for both directories).
 *
 * Conventions:
 *  - every function that can fail returns 0 on success or a negative errno
 *    (-ENOENT, -EDQUOT, ...), like the kernel; errno is left as the failing
 *    system call set it.  Use strerror(-ret) to print one.
 *  - a heap is one open file of /dev/refslab (struct refslab_heap).  Everything
 *    created through it lives until the last descriptor of that file is
 *    closed: by refslab_close(), by process exit, or in every process that
 *    inherited or received the descriptor.
 *  - handles are the small integers of the uapi (REFSLAB_NONE is 0).
 *
 * The library keeps no state besides the descriptor, so one heap may be
 * used from many threads at once.
 */
#ifndef LIBREFSLAB_H
#define LIBREFSLAB_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "refslab.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version: its file name is librefslab.so.MAJOR.MINOR.PATCH
 * and its soname librefslab.so.MAJOR (a new MAJOR breaks the ABI). */
#define LIBREFSLAB_VERSION_MAJOR	0
#define LIBREFSLAB_VERSION_MINOR	3
#define LIBREFSLAB_VERSION_PATCH	0
/* The version of the library the program runs with ("0.2.0"), which may be
 * newer than the one it was built with (the macros above). */
const char *refslab_library_version(void);

/* An open heap (opaque: refslab_fd() gives its descriptor). */
typedef struct refslab_heap refslab_heap;

/* Open a new heap on /dev/refslab (or $REFSLAB_DEVICE when set). */
int refslab_open(refslab_heap **out);
/* Open a new heap on the given device node. */
int refslab_open_path(const char *path, refslab_heap **out);
/* Wrap a descriptor of /dev/refslab (inherited, received with SCM_RIGHTS,
 * dup()ed): the heap takes ownership of fd and refslab_close() closes it. */
int refslab_from_fd(int fd, refslab_heap **out);
/* Close the descriptor and free the handle (NULL is fine). */
void refslab_close(refslab_heap *h);
/* The heap's descriptor (for poll(), SCM_RIGHTS, fork()): -1 for NULL. */
int refslab_fd(const refslab_heap *h);
/* Free the handle but leave its descriptor open, and return it (-1 for
 * NULL): for a descriptor the caller still owns. */
int refslab_release(refslab_heap *h);

int refslab_version(refslab_heap *h, struct refslab_version *v);

/* Objects.  cache_id: REFSLAB_GENERAL_CACHE or a named cache's id. */
int refslab_create(refslab_heap *h, uint32_t nslots, uint32_t payload_size,
		   uint32_t cache_id, uint32_t *handle);
int refslab_dup(refslab_heap *h, uint32_t handle, uint32_t *new_handle);
int refslab_drop(refslab_heap *h, uint32_t handle);
/* target REFSLAB_NONE empties the slot. */
int refslab_set_slot(refslab_heap *h, uint32_t handle, uint32_t slot,
		     uint32_t target);
/* *target: a new handle to the slot's object, or REFSLAB_NONE. */
int refslab_get_slot(refslab_heap *h, uint32_t handle, uint32_t slot,
		     uint32_t *target);
int refslab_read(refslab_heap *h, uint32_t handle, uint64_t offset, void *buf,
		 uint64_t len);
int refslab_write(refslab_heap *h, uint32_t handle, uint64_t offset,
		  const void *buf, uint64_t len);
int refslab_stat(refslab_heap *h, uint32_t handle, struct refslab_stat *st);

/*
 * Bulk operations (since 0.2; the module reports REFSLAB_FEAT_BULK, else
 * they return -ENOTTY): count (1 .. REFSLAB_BULK_MAX) objects of one kind
 * per call, each call all or nothing.
 * refslab_create_n: count objects of one shape, handles[] their handles.
 * refslab_drop_n: drop every handle of handles[] (none if one is bad or
 *	appears twice: -ENOENT).
 * refslab_set_slots: the slot stores of sets[], checked first, then made in
 *	order.
 */
int refslab_create_n(refslab_heap *h, uint32_t nslots, uint32_t payload_size,
		     uint32_t cache_id, uint32_t *handles, uint32_t count);
int refslab_drop_n(refslab_heap *h, const uint32_t *handles, uint32_t count);
int refslab_set_slots(refslab_heap *h, const struct refslab_slot_set *sets,
		      uint32_t count);

/* Named caches. */
int refslab_cache_create(refslab_heap *h, const char *name,
			 uint32_t object_size, uint32_t align,
			 uint32_t *cache_id);
int refslab_cache_destroy(refslab_heap *h, uint32_t cache_id);
/* Fills up to room entries of buf; *total gets how many caches exist. */
int refslab_cache_list(refslab_heap *h, struct refslab_cache_info *buf,
		       uint32_t room, uint32_t *total);
/* Find a named cache's id by name: 0 or -ENOENT. */
int refslab_cache_lookup(refslab_heap *h, const char *name, uint32_t *cache_id);

/* Heap figures and limits (0 in a limit leaves it unchanged). */
int refslab_heap_stats(refslab_heap *h, struct refslab_heap_stats *st);
int refslab_set_limits(refslab_heap *h, uint64_t max_objects,
		       uint64_t max_bytes, uint64_t max_handles,
		       uint64_t max_caches);

/*
 * Batches: build an array of operations, run it in one ioctl, then read
 * each operation's result (and outputs such as a created handle) with
 * refslab_batch_op().  The refslab_batch_* adders return the operation's
 * index or -ENOMEM.  Outputs of one operation cannot feed another of the same batch.
 */
struct refslab_batch_buf {
	struct refslab_op *ops;
	uint32_t count;
	uint32_t cap;
	uint32_t done;		/* after refslab_batch_run: operations run */
};

void refslab_batch_init(struct refslab_batch_buf *b);
void refslab_batch_reset(struct refslab_batch_buf *b);	/* keep the memory */
void refslab_batch_free(struct refslab_batch_buf *b);
int refslab_batch_create(struct refslab_batch_buf *b, uint32_t nslots,
			 uint32_t payload_size, uint32_t cache_id);
int refslab_batch_dup(struct refslab_batch_buf *b, uint32_t handle);
int refslab_batch_drop(struct refslab_batch_buf *b, uint32_t handle);
int refslab_batch_set_slot(struct refslab_batch_buf *b, uint32_t handle,
			   uint32_t slot, uint32_t target);
int refslab_batch_get_slot(struct refslab_batch_buf *b, uint32_t handle,
			   uint32_t slot);
int refslab_batch_read(struct refslab_batch_buf *b, uint32_t handle,
		       uint64_t offset, void *buf, uint64_t len);
int refslab_batch_write(struct refslab_batch_buf *b, uint32_t handle,
			uint64_t offset, const void *buf, uint64_t len);
int refslab_batch_stat(struct refslab_batch_buf *b, uint32_t handle);
static inline struct refslab_op *refslab_batch_op(struct refslab_batch_buf *b,
						  uint32_t i)
{
	return &b->ops[i];
}
/* flags: REFSLAB_BATCH_CONTINUE.  Returns 0 if every operation run
 * succeeded, else the first failure's -errno (or the ioctl's own error,
 * e.g. -EINVAL for an empty batch); b->done is set either way. */
int refslab_batch_run(refslab_heap *h, struct refslab_batch_buf *b,
		      uint32_t flags);
/*
 * Since 0.3: the same as refslab_batch_run() (every operation's result and
 * outputs, b->done, the return value), but runs of creates of one shape,
 * of drops and of slot stores go through refslab_create_n(),
 * refslab_drop_n() and refslab_set_slots(), and the rest through
 * REFSLAB_IOC_BATCH; without REFSLAB_FEAT_BULK (-ENOTTY) all of it does.
 * A handle made is usable once the call returns.
 */
int refslab_batch_run_bulk(refslab_heap *h, struct refslab_batch_buf *b,
			   uint32_t flags);
/* The handle an operation produced (create, dup, get_slot), or NONE. */
uint32_t refslab_batch_handle(const struct refslab_batch_buf *b, uint32_t i);

/* The collector.  out may be NULL. */
int refslab_gc_collect(refslab_heap *h, uint32_t flags,
		       struct refslab_gc_collect *out);
/* Read the settings (flags 0) or change them; c gets the settings after. */
int refslab_gc_control(refslab_heap *h, struct refslab_gc_control *c);
int refslab_gc_get(refslab_heap *h, struct refslab_gc_control *c);
int refslab_gc_set_enabled(refslab_heap *h, bool enabled);
/* 0: back to the adaptive threshold. */
int refslab_gc_set_threshold(refslab_heap *h, uint32_t threshold);
/* count (may be NULL): objects whose state changed. */
int refslab_gc_freeze(refslab_heap *h, uint64_t *count);
int refslab_gc_unfreeze(refslab_heap *h, uint64_t *count);
int refslab_gc_stats(refslab_heap *h, struct refslab_gc_stats *st);

/*
 * The heap's object graph (REFSLAB_IOC_HEAP_DUMP): every object, every
 * handle and every reference, as one consistent snapshot.  The lists are
 * read a page at a time; if the heap changes meanwhile (the generation a
 * page reports differs from the first page's) the dump starts over, up to
 * REFSLAB_DUMP_TRIES times in all, then fails with -EAGAIN.  Objects are in
 * id order, handles in handle order, edges in (id, slot) order.
 * *out is malloc'ed: free it with refslab_dump_free().
 */
#define REFSLAB_DUMP_TRIES	16
struct refslab_dump {
	uint64_t generation;	/* the heap's, when the snapshot was taken */
	size_t nobjects, nhandles, nedges;
	struct refslab_dump_object *objects;
	struct refslab_dump_handle *handles;
	struct refslab_dump_edge *edges;
	unsigned int tries;	/* dumps started (1: no change got in the way) */
};
int refslab_heap_dump(refslab_heap *h, struct refslab_dump **out);
void refslab_dump_free(struct refslab_dump *d);
/* One page: the ioctl itself (d is in and out, see uapi/refslab.h). */
int refslab_heap_dump_page(refslab_heap *h, struct refslab_heap_dump *d);

/* Errno names: "ENOENT" for ENOENT; NULL if unknown. */
const char *refslab_errno_name(int err);
/* The number for a name ("ENOENT" or "enoent"); 0 if unknown. */
int refslab_errno_from_name(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* LIBREFSLAB_H */
