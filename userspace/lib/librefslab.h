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
 *  - a heap is one open file of /dev/refslab (struct rs_heap).  Everything
 *    created through it lives until the last descriptor of that file is
 *    closed: by rs_close(), by process exit, or in every process that
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

/* An open heap. */
typedef struct rs_heap {
	int fd;
} rs_heap;

/* Open a new heap on /dev/refslab (or $REFSLAB_DEVICE when set). */
int rs_open(rs_heap **out);
/* Open a new heap on the given device node. */
int rs_open_path(const char *path, rs_heap **out);
/* Wrap a descriptor of /dev/refslab (inherited, received with SCM_RIGHTS,
 * dup()ed): the heap takes ownership of fd and rs_close() closes it. */
int rs_from_fd(int fd, rs_heap **out);
/* Close the descriptor and free the handle (NULL is fine). */
void rs_close(rs_heap *h);
static inline int rs_fd(const rs_heap *h) { return h->fd; }

int rs_version(rs_heap *h, struct refslab_version *v);

/* Objects.  cache_id: REFSLAB_GENERAL_CACHE or a named cache's id. */
int rs_create(rs_heap *h, uint32_t nslots, uint32_t payload_size,
	      uint32_t cache_id, uint32_t *handle);
int rs_dup(rs_heap *h, uint32_t handle, uint32_t *new_handle);
int rs_drop(rs_heap *h, uint32_t handle);
/* target REFSLAB_NONE empties the slot. */
int rs_set_slot(rs_heap *h, uint32_t handle, uint32_t slot, uint32_t target);
/* *target: a new handle to the slot's object, or REFSLAB_NONE. */
int rs_get_slot(rs_heap *h, uint32_t handle, uint32_t slot, uint32_t *target);
int rs_read(rs_heap *h, uint32_t handle, uint64_t offset, void *buf,
	    uint64_t len);
int rs_write(rs_heap *h, uint32_t handle, uint64_t offset, const void *buf,
	     uint64_t len);
int rs_stat(rs_heap *h, uint32_t handle, struct refslab_stat *st);

/* Named caches. */
int rs_cache_create(rs_heap *h, const char *name, uint32_t object_size,
		    uint32_t align, uint32_t *cache_id);
int rs_cache_destroy(rs_heap *h, uint32_t cache_id);
/* Fills up to room entries of buf; *total gets how many caches exist. */
int rs_cache_list(rs_heap *h, struct refslab_cache_info *buf, uint32_t room,
		  uint32_t *total);
/* Find a named cache's id by name: 0 or -ENOENT. */
int rs_cache_lookup(rs_heap *h, const char *name, uint32_t *cache_id);

/* Heap figures and limits (0 in a limit leaves it unchanged). */
int rs_heap_stats(rs_heap *h, struct refslab_heap_stats *st);
int rs_set_limits(rs_heap *h, uint64_t max_objects, uint64_t max_bytes,
		  uint64_t max_handles, uint64_t max_caches);

/*
 * Batches: build an array of operations, run it in one ioctl, then read
 * each operation's result (and outputs such as a created handle) with
 * rs_batch_op().  The rs_batch_* adders return the operation's index or
 * -ENOMEM.  Outputs of one operation cannot feed another of the same batch.
 */
struct rs_batch {
	struct refslab_op *ops;
	uint32_t count;
	uint32_t cap;
	uint32_t done;		/* after rs_batch_run: operations run */
};

void rs_batch_init(struct rs_batch *b);
void rs_batch_reset(struct rs_batch *b);	/* keep the memory */
void rs_batch_free(struct rs_batch *b);
int rs_batch_create(struct rs_batch *b, uint32_t nslots, uint32_t payload_size,
		    uint32_t cache_id);
int rs_batch_dup(struct rs_batch *b, uint32_t handle);
int rs_batch_drop(struct rs_batch *b, uint32_t handle);
int rs_batch_set_slot(struct rs_batch *b, uint32_t handle, uint32_t slot,
		      uint32_t target);
int rs_batch_get_slot(struct rs_batch *b, uint32_t handle, uint32_t slot);
int rs_batch_read(struct rs_batch *b, uint32_t handle, uint64_t offset,
		  void *buf, uint64_t len);
int rs_batch_write(struct rs_batch *b, uint32_t handle, uint64_t offset,
		   const void *buf, uint64_t len);
int rs_batch_stat(struct rs_batch *b, uint32_t handle);
static inline struct refslab_op *rs_batch_op(struct rs_batch *b, uint32_t i)
{
	return &b->ops[i];
}
/* flags: REFSLAB_BATCH_CONTINUE.  Returns 0 if every operation run
 * succeeded, else the first failure's -errno (or the ioctl's own error,
 * e.g. -EINVAL for an empty batch); b->done is set either way. */
int rs_batch_run(rs_heap *h, struct rs_batch *b, uint32_t flags);
/* The handle an operation produced (create, dup, get_slot), or NONE. */
uint32_t rs_batch_handle(const struct rs_batch *b, uint32_t i);

/* The collector.  out may be NULL. */
int rs_gc_collect(rs_heap *h, uint32_t flags, struct refslab_gc_collect *out);
/* Read the settings (flags 0) or change them; c gets the settings after. */
int rs_gc_control(rs_heap *h, struct refslab_gc_control *c);
int rs_gc_get(rs_heap *h, struct refslab_gc_control *c);
int rs_gc_set_enabled(rs_heap *h, bool enabled);
/* 0: back to the adaptive threshold. */
int rs_gc_set_threshold(rs_heap *h, uint32_t threshold);
/* count (may be NULL): objects whose state changed. */
int rs_gc_freeze(rs_heap *h, uint64_t *count);
int rs_gc_unfreeze(rs_heap *h, uint64_t *count);
int rs_gc_stats(rs_heap *h, struct refslab_gc_stats *st);

/*
 * debugfs (read-only views; needs debugfs mounted and root).  The root is
 * REFSLAB_DEBUGFS, or $REFSLAB_DEBUGFS_DIR when set.
 */
const char *rs_debugfs_root(void);
/* Read a whole file under the root (rel: "slabinfo", "gc/stats", ...)
 * into a NUL-terminated malloc()ed buffer. */
int rs_debugfs_read(const char *rel, char **text, size_t *len);
/* Find "key<sep>value" (sep: ':' '=' or blanks) in a debugfs file and
 * parse value as an unsigned number. */
int rs_debugfs_u64(const char *rel, const char *key, uint64_t *val);

/* Errno names: "ENOENT" for ENOENT; NULL if unknown. */
const char *rs_errno_name(int err);
/* The number for a name ("ENOENT" or "enoent"); 0 if unknown. */
int rs_errno_from_name(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* LIBREFSLAB_H */
