// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * librefslab: one function per /dev/refslab ioctl and a batch builder.
 * No global state; every function is thread-safe as far as the descriptor
 * it is given is.  (The debugfs text readers are not part of the library:
 * debugfs is not an ABI; they live in userspace/common/.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "librefslab.h"

struct refslab_heap {
	int fd;
};

static inline uint64_t ptr64(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* ioctl() returning 0 / -errno, restarting on EINTR is NOT done: the
 * caller sees EINTR from collect as documented. */
static int rs_ioctl(refslab_heap *h, unsigned long cmd, void *arg)
{
	if (!h)
		return -EBADF;
	if (ioctl(h->fd, cmd, arg) < 0)
		return -errno;
	return 0;
}

int refslab_open_path(const char *path, refslab_heap **out)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	err = refslab_from_fd(fd, out);
	if (err)
		close(fd);
	return err;
}

int refslab_open(refslab_heap **out)
{
	const char *dev = getenv("REFSLAB_DEVICE");

	return refslab_open_path(dev && *dev ? dev : REFSLAB_DEVICE, out);
}

int refslab_from_fd(int fd, refslab_heap **out)
{
	refslab_heap *h;

	if (fd < 0)
		return -EBADF;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fd = fd;
	*out = h;
	return 0;
}

void refslab_close(refslab_heap *h)
{
	if (!h)
		return;
	if (h->fd >= 0)
		close(h->fd);
	free(h);
}

int refslab_fd(const refslab_heap *h)
{
	return h ? h->fd : -1;
}

int refslab_release(refslab_heap *h)
{
	int fd;

	if (!h)
		return -1;
	fd = h->fd;
	free(h);
	return fd;
}

#define RS_STR2(x) #x
#define RS_STR(x) RS_STR2(x)

const char *refslab_library_version(void)
{
	return RS_STR(LIBREFSLAB_VERSION_MAJOR) "." RS_STR(LIBREFSLAB_VERSION_MINOR)
	       "." RS_STR(LIBREFSLAB_VERSION_PATCH);
}

int refslab_version(refslab_heap *h, struct refslab_version *v)
{
	memset(v, 0, sizeof(*v));
	return rs_ioctl(h, REFSLAB_IOC_VERSION, v);
}

int refslab_create(refslab_heap *h, uint32_t nslots, uint32_t payload_size,
		   uint32_t cache_id, uint32_t *handle)
{
	struct refslab_create c = {
		.nslots = nslots,
		.payload_size = payload_size,
		.cache_id = cache_id,
	};
	int err = rs_ioctl(h, REFSLAB_IOC_CREATE, &c);

	if (!err && handle)
		*handle = c.handle;
	return err;
}

/*
 * $REFSLAB_NO_BULK set (and not "0"): the bulk calls answer -ENOTTY without
 * asking the kernel, as a module without REFSLAB_FEAT_BULK does, so that the
 * fallbacks of their callers can be tested against any module.
 */
static bool rs_no_bulk(void)
{
	const char *no = getenv("REFSLAB_NO_BULK");

	return no && *no && strcmp(no, "0");
}

static int rs_bulk_ioctl(refslab_heap *h, unsigned long cmd, void *arg)
{
	return rs_no_bulk() ? -ENOTTY : rs_ioctl(h, cmd, arg);
}

int refslab_create_n(refslab_heap *h, uint32_t nslots, uint32_t payload_size,
		     uint32_t cache_id, uint32_t *handles, uint32_t count)
{
	struct refslab_create_n c = {
		.nslots = nslots,
		.payload_size = payload_size,
		.cache_id = cache_id,
		.handles = (uint64_t)(uintptr_t)handles,
		.count = count,
	};

	return rs_bulk_ioctl(h, REFSLAB_IOC_CREATE_N, &c);
}

int refslab_drop_n(refslab_heap *h, const uint32_t *handles, uint32_t count)
{
	struct refslab_drop_n d = {
		.handles = (uint64_t)(uintptr_t)handles,
		.count = count,
	};

	return rs_bulk_ioctl(h, REFSLAB_IOC_DROP_N, &d);
}

int refslab_set_slots(refslab_heap *h, const struct refslab_slot_set *sets,
		      uint32_t count)
{
	struct refslab_set_slots s = {
		.triples = (uint64_t)(uintptr_t)sets,
		.count = count,
	};

	return rs_bulk_ioctl(h, REFSLAB_IOC_SET_SLOTS, &s);
}

int refslab_dup(refslab_heap *h, uint32_t handle, uint32_t *new_handle)
{
	struct refslab_dup d = { .handle = handle };
	int err = rs_ioctl(h, REFSLAB_IOC_DUP, &d);

	if (!err && new_handle)
		*new_handle = d.new_handle;
	return err;
}

int refslab_drop(refslab_heap *h, uint32_t handle)
{
	struct refslab_drop d = { .handle = handle };

	return rs_ioctl(h, REFSLAB_IOC_DROP, &d);
}

int refslab_set_slot(refslab_heap *h, uint32_t handle, uint32_t slot,
		     uint32_t target)
{
	struct refslab_slot s = {
		.handle = handle, .slot = slot, .target = target,
	};

	return rs_ioctl(h, REFSLAB_IOC_SET_SLOT, &s);
}

int refslab_get_slot(refslab_heap *h, uint32_t handle, uint32_t slot,
		     uint32_t *target)
{
	struct refslab_slot s = { .handle = handle, .slot = slot };
	int err = rs_ioctl(h, REFSLAB_IOC_GET_SLOT, &s);

	if (!err && target)
		*target = s.target;
	return err;
}

int refslab_read(refslab_heap *h, uint32_t handle, uint64_t offset, void *buf,
		 uint64_t len)
{
	struct refslab_io io = {
		.handle = handle, .offset = offset, .len = len,
		.buf = ptr64(buf),
	};

	return rs_ioctl(h, REFSLAB_IOC_READ, &io);
}

int refslab_write(refslab_heap *h, uint32_t handle, uint64_t offset,
		  const void *buf, uint64_t len)
{
	struct refslab_io io = {
		.handle = handle, .offset = offset, .len = len,
		.buf = ptr64(buf),
	};

	return rs_ioctl(h, REFSLAB_IOC_WRITE, &io);
}

int refslab_stat(refslab_heap *h, uint32_t handle, struct refslab_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->handle = handle;
	return rs_ioctl(h, REFSLAB_IOC_STAT, st);
}

int refslab_cache_create(refslab_heap *h, const char *name,
			 uint32_t object_size, uint32_t align,
			 uint32_t *cache_id)
{
	struct refslab_cache_create c = {
		.object_size = object_size, .align = align,
	};
	int err;

	/* Too long a name cannot be passed NUL-terminated: the kernel's
	 * answer to that is EINVAL, give it without the call. */
	if (!name || strlen(name) >= sizeof(c.name))
		return -EINVAL;
	strncpy(c.name, name, sizeof(c.name));
	err = rs_ioctl(h, REFSLAB_IOC_CACHE_CREATE, &c);
	if (!err && cache_id)
		*cache_id = c.cache_id;
	return err;
}

int refslab_cache_destroy(refslab_heap *h, uint32_t cache_id)
{
	struct refslab_cache_destroy d = { .cache_id = cache_id };

	return rs_ioctl(h, REFSLAB_IOC_CACHE_DESTROY, &d);
}

int refslab_cache_list(refslab_heap *h, struct refslab_cache_info *buf,
		       uint32_t room, uint32_t *total)
{
	struct refslab_cache_list l = {
		.buf = ptr64(buf), .count = room,
		.entry_size = sizeof(struct refslab_cache_info),
	};
	int err = rs_ioctl(h, REFSLAB_IOC_CACHE_LIST, &l);

	if (!err && total)
		*total = l.count;
	return err;
}

int refslab_cache_lookup(refslab_heap *h, const char *name, uint32_t *cache_id)
{
	struct refslab_cache_info *info = NULL;
	uint32_t total = 0, room = 0, i;
	int err;

	for (;;) {
		err = refslab_cache_list(h, info, room, &total);
		if (err)
			break;
		if (total <= room) {
			err = -ENOENT;
			for (i = 0; i < total; i++) {
				if (!strncmp(info[i].name, name,
					     sizeof(info[i].name))) {
					*cache_id = info[i].cache_id;
					err = 0;
					break;
				}
			}
			break;
		}
		free(info);
		room = total;
		info = calloc(room, sizeof(*info));
		if (!info)
			return -ENOMEM;
	}
	free(info);
	return err;
}

int refslab_heap_dump_page(refslab_heap *h, struct refslab_heap_dump *d)
{
	return rs_ioctl(h, REFSLAB_IOC_HEAP_DUMP, d);
}

/*
 * Read one list whole into *arr (grown as needed; *cap entries).  *gen is
 * the generation of the dump's first page (0 before it); *changed is set
 * when a page reports another.
 */
static int dump_list(refslab_heap *h, uint32_t list, size_t esize,
		     void **arr, size_t *cap, size_t *n, uint64_t *gen,
		     bool *first, bool *changed)
{
	struct refslab_heap_dump d = {
		.list = list, .entry_size = (uint32_t)esize,
	};
	int err;

	*n = 0;
	do {
		if (*cap - *n < REFSLAB_DUMP_PAGE_MAX) {
			size_t ncap = *cap * 2 > *n + REFSLAB_DUMP_PAGE_MAX ?
				      *cap * 2 : *n + REFSLAB_DUMP_PAGE_MAX;
			void *p = realloc(*arr, ncap * esize);

			if (!p)
				return -ENOMEM;
			*arr = p;
			*cap = ncap;
		}
		d.buf = ptr64((char *)*arr + *n * esize);
		d.count = REFSLAB_DUMP_PAGE_MAX;
		err = refslab_heap_dump_page(h, &d);
		if (err)
			return err;
		if (*first) {
			*gen = d.generation;
			*first = false;
		} else if (d.generation != *gen) {
			*changed = true;
			return 0;
		}
		*n += d.count;
	} while (d.cursor != REFSLAB_DUMP_END);
	return 0;
}

int refslab_heap_dump(refslab_heap *h, struct refslab_dump **out)
{
	struct refslab_dump *d = calloc(1, sizeof(*d));
	size_t cap[3] = { 0, 0, 0 };
	int err = 0;

	*out = NULL;
	if (!d)
		return -ENOMEM;
	while (d->tries < REFSLAB_DUMP_TRIES) {
		bool first = true, changed = false;

		d->tries++;
		err = dump_list(h, REFSLAB_DUMP_OBJECTS, sizeof(*d->objects),
				(void **)&d->objects, &cap[0], &d->nobjects,
				&d->generation, &first, &changed);
		if (!err && !changed)
			err = dump_list(h, REFSLAB_DUMP_HANDLES,
					sizeof(*d->handles), (void **)&d->handles,
					&cap[1], &d->nhandles, &d->generation,
					&first, &changed);
		if (!err && !changed)
			err = dump_list(h, REFSLAB_DUMP_EDGES, sizeof(*d->edges),
					(void **)&d->edges, &cap[2], &d->nedges,
					&d->generation, &first, &changed);
		if (err || !changed)
			break;
		err = -EAGAIN;
	}
	if (err) {
		refslab_dump_free(d);
		return err;
	}
	*out = d;
	return 0;
}

void refslab_dump_free(struct refslab_dump *d)
{
	if (!d)
		return;
	free(d->objects);
	free(d->handles);
	free(d->edges);
	free(d);
}

int refslab_heap_stats(refslab_heap *h, struct refslab_heap_stats *st)
{
	memset(st, 0, sizeof(*st));
	return rs_ioctl(h, REFSLAB_IOC_HEAP_STATS, st);
}

int refslab_set_limits(refslab_heap *h, uint64_t max_objects,
		       uint64_t max_bytes, uint64_t max_handles,
		       uint64_t max_caches)
{
	struct refslab_limits l = {
		.max_objects = max_objects, .max_bytes = max_bytes,
		.max_handles = max_handles, .max_caches = max_caches,
	};

	return rs_ioctl(h, REFSLAB_IOC_SET_LIMITS, &l);
}

/* ---- batches ---- */

void refslab_batch_init(struct refslab_batch_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void refslab_batch_reset(struct refslab_batch_buf *b)
{
	b->count = 0;
	b->done = 0;
}

void refslab_batch_free(struct refslab_batch_buf *b)
{
	free(b->ops);
	refslab_batch_init(b);
}

static struct refslab_op *batch_add(struct refslab_batch_buf *b, uint32_t op)
{
	struct refslab_op *o;

	if (b->count == b->cap) {
		uint32_t cap = b->cap ? b->cap * 2 : 16;
		void *p = realloc(b->ops, (size_t)cap * sizeof(*b->ops));

		if (!p)
			return NULL;
		b->ops = p;
		b->cap = cap;
	}
	o = &b->ops[b->count];
	memset(o, 0, sizeof(*o));
	o->op = op;
	return o;
}

#define BATCH_RET(b, o) ((o) ? (int)((b)->count++) : -ENOMEM)

int refslab_batch_create(struct refslab_batch_buf *b, uint32_t nslots,
			 uint32_t payload_size, uint32_t cache_id)
{
	struct refslab_op *o = batch_add(b, REFSLAB_OP_CREATE);

	if (o) {
		o->args.create.nslots = nslots;
		o->args.create.payload_size = payload_size;
		o->args.create.cache_id = cache_id;
	}
	return BATCH_RET(b, o);
}

int refslab_batch_dup(struct refslab_batch_buf *b, uint32_t handle)
{
	struct refslab_op *o = batch_add(b, REFSLAB_OP_DUP);

	if (o)
		o->args.dup.handle = handle;
	return BATCH_RET(b, o);
}

int refslab_batch_drop(struct refslab_batch_buf *b, uint32_t handle)
{
	struct refslab_op *o = batch_add(b, REFSLAB_OP_DROP);

	if (o)
		o->args.drop.handle = handle;
	return BATCH_RET(b, o);
}

int refslab_batch_set_slot(struct refslab_batch_buf *b, uint32_t handle,
			   uint32_t slot, uint32_t target)
{
	struct refslab_op *o = batch_add(b, REFSLAB_OP_SET_SLOT);

	if (o) {
		o->args.slot.handle = handle;
		o->args.slot.slot = slot;
		o->args.slot.target = target;
	}
	return BATCH_RET(b, o);
}

int refslab_batch_get_slot(struct refslab_batch_buf *b, uint32_t handle,
			   uint32_t slot)
{
	struct refslab_op *o = batch_add(b, REFSLAB_OP_GET_SLOT);

	if (o) {
		o->args.slot.handle = handle;
		o->args.slot.slot = slot;
	}
	return BATCH_RET(b, o);
}

static int batch_io(struct refslab_batch_buf *b, uint32_t op, uint32_t handle,
		    uint64_t offset, const void *buf, uint64_t len)
{
	struct refslab_op *o = batch_add(b, op);

	if (o) {
		o->args.io.handle = handle;
		o->args.io.offset = offset;
		o->args.io.len = len;
		o->args.io.buf = ptr64(buf);
	}
	return BATCH_RET(b, o);
}

int refslab_batch_read(struct refslab_batch_buf *b, uint32_t handle,
		       uint64_t offset, void *buf, uint64_t len)
{
	return batch_io(b, REFSLAB_OP_READ, handle, offset, buf, len);
}

int refslab_batch_write(struct refslab_batch_buf *b, uint32_t handle,
			uint64_t offset, const void *buf, uint64_t len)
{
	return batch_io(b, REFSLAB_OP_WRITE, handle, offset, buf, len);
}

int refslab_batch_stat(struct refslab_batch_buf *b, uint32_t handle)
{
	struct refslab_op *o = batch_add(b, REFSLAB_OP_STAT);

	if (o)
		o->args.stat.handle = handle;
	return BATCH_RET(b, o);
}

int refslab_batch_run(refslab_heap *h, struct refslab_batch_buf *b,
		      uint32_t flags)
{
	struct refslab_batch arg = {
		.ops = ptr64(b->ops), .count = b->count, .flags = flags,
	};
	int err = rs_ioctl(h, REFSLAB_IOC_BATCH, &arg);

	b->done = arg.done;
	return err;
}

/*
 * ---- a batch through the bulk calls ----
 *
 * A run of operations of one kind (creates of one shape, drops, slot
 * stores), as BATCH would accept each of them, goes through one bulk call
 * when it is at least RS_BULK_RUN_MIN long; the rest through BATCH, as
 * much as lies between two such runs in one call.  A bulk call changes
 * nothing when it fails, so its run is then given to BATCH, which tells
 * each operation's result exactly as refslab_batch_run() would.
 */
#define RS_BULK_RUN_MIN	4

enum rs_bulk_kind { RS_BULK_NO, RS_BULK_CREATE, RS_BULK_DROP, RS_BULK_SLOT };

/* The bulk call op could go through (its flags, padding and the rest of
 * its arguments zero, as BATCH wants them), or RS_BULK_NO. */
static enum rs_bulk_kind rs_bulk_kind(const struct refslab_op *o)
{
	static const uint8_t zero[sizeof(o->args)];
	enum rs_bulk_kind kind;
	size_t size;

	switch (o->op) {
	case REFSLAB_OP_CREATE:
		if (o->args.create.flags || o->args.create.__pad)
			return RS_BULK_NO;
		kind = RS_BULK_CREATE;
		size = sizeof(o->args.create);
		break;
	case REFSLAB_OP_DROP:
		if (o->args.drop.flags)
			return RS_BULK_NO;
		kind = RS_BULK_DROP;
		size = sizeof(o->args.drop);
		break;
	case REFSLAB_OP_SET_SLOT:
		if (o->args.slot.flags)
			return RS_BULK_NO;
		kind = RS_BULK_SLOT;
		size = sizeof(o->args.slot);
		break;
	default:
		return RS_BULK_NO;
	}
	if (memcmp((const uint8_t *)&o->args + size, zero, sizeof(o->args) - size))
		return RS_BULK_NO;
	return kind;
}

/* How many operations from ops[i] one bulk call can run (0: none). */
static uint32_t rs_bulk_run_len(const struct refslab_batch_buf *b, uint32_t i)
{
	const struct refslab_create *c = &b->ops[i].args.create;
	enum rs_bulk_kind kind = rs_bulk_kind(&b->ops[i]);
	uint32_t n = 1;

	if (kind == RS_BULK_NO)
		return 0;
	while (i + n < b->count && n < REFSLAB_BULK_MAX &&
	       rs_bulk_kind(&b->ops[i + n]) == kind) {
		const struct refslab_create *d = &b->ops[i + n].args.create;

		if (kind == RS_BULK_CREATE &&
		    (d->nslots != c->nslots || d->payload_size != c->payload_size ||
		     d->cache_id != c->cache_id))
			break;
		n++;
	}
	return n;
}

/* Run ops[0..n), all of one kind, in one bulk call: 0 with each result
 * and handle written, or -errno with nothing changed. */
static int rs_bulk_call(refslab_heap *h, struct refslab_op *ops, uint32_t n)
{
	enum rs_bulk_kind kind = rs_bulk_kind(&ops[0]);
	struct refslab_slot_set *sets = NULL;
	uint32_t *hd = NULL, i;
	int err;

	if (kind == RS_BULK_SLOT)
		sets = calloc(n, sizeof(*sets));
	else
		hd = calloc(n, sizeof(*hd));
	if (!sets && !hd)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (kind == RS_BULK_DROP)
			hd[i] = ops[i].args.drop.handle;
		if (kind == RS_BULK_SLOT) {
			sets[i].handle = ops[i].args.slot.handle;
			sets[i].slot = ops[i].args.slot.slot;
			sets[i].target = ops[i].args.slot.target;
		}
	}
	if (kind == RS_BULK_CREATE)
		err = refslab_create_n(h, ops[0].args.create.nslots,
				       ops[0].args.create.payload_size,
				       ops[0].args.create.cache_id, hd, n);
	else if (kind == RS_BULK_DROP)
		err = refslab_drop_n(h, hd, n);
	else
		err = refslab_set_slots(h, sets, n);
	for (i = 0; i < n && !err; i++) {
		ops[i].result = 0;
		if (kind == RS_BULK_CREATE)
			ops[i].args.create.handle = hd[i];
	}
	free(hd);
	free(sets);
	return err;
}

/* BATCH over ops[i..i+n): its error, *done the operations it ran. */
static int rs_batch_range(refslab_heap *h, struct refslab_batch_buf *b,
			  uint32_t i, uint32_t n, uint32_t flags, uint32_t *done)
{
	struct refslab_batch arg = {
		.ops = ptr64(&b->ops[i]), .count = n, .flags = flags,
	};
	int err = rs_ioctl(h, REFSLAB_IOC_BATCH, &arg);

	*done = arg.done;
	return err;
}

int refslab_batch_run_bulk(refslab_heap *h, struct refslab_batch_buf *b,
			   uint32_t flags)
{
	bool bulk = true;
	uint32_t i = 0, n, m, k, done;
	int err, first = 0;

	/* what the kernel refuses as a whole, it refuses as before */
	if (!b->count || b->count > REFSLAB_BATCH_MAX ||
	    (flags & ~REFSLAB_BATCH_CONTINUE))
		return refslab_batch_run(h, b, flags);
	b->done = 0;
	while (i < b->count) {
		n = bulk ? rs_bulk_run_len(b, i) : 0;
		m = n;
		if (n >= RS_BULK_RUN_MIN) {
			err = rs_bulk_call(h, &b->ops[i], n);
			if (!err) {
				i += n;
				b->done = i;
				continue;
			}
			/* a module without them: BATCH from here on */
			bulk = err != -ENOTTY;
		} else {
			/* up to the next run worth a bulk call, or the end */
			m = n ? n : 1;
			while (bulk && i + m < b->count &&
			       (k = rs_bulk_run_len(b, i + m)) < RS_BULK_RUN_MIN)
				m += k ? k : 1;
			if (!bulk)
				m = b->count - i;
		}
		err = rs_batch_range(h, b, i, m, flags, &done);
		b->done = i + done;
		if (err && done < m && (flags & REFSLAB_BATCH_CONTINUE))
			return err;	/* ops[] itself: EFAULT, as the kernel says */
		first = first ? first : err;
		if (err && !(flags & REFSLAB_BATCH_CONTINUE))
			break;
		i += m;
	}
	return first;
}

uint32_t refslab_batch_handle(const struct refslab_batch_buf *b, uint32_t i)
{
	const struct refslab_op *o = &b->ops[i];

	if (i >= b->count || o->result)
		return REFSLAB_NONE;
	switch (o->op) {
	case REFSLAB_OP_CREATE:
		return o->args.create.handle;
	case REFSLAB_OP_DUP:
		return o->args.dup.new_handle;
	case REFSLAB_OP_GET_SLOT:
		return o->args.slot.target;
	default:
		return REFSLAB_NONE;
	}
}

/* ---- the collector ---- */

int refslab_gc_collect(refslab_heap *h, uint32_t flags,
		       struct refslab_gc_collect *out)
{
	struct refslab_gc_collect c = { .flags = flags };
	int err = rs_ioctl(h, REFSLAB_IOC_GC_COLLECT, &c);

	if (!err && out)
		*out = c;
	return err;
}

int refslab_gc_control(refslab_heap *h, struct refslab_gc_control *c)
{
	return rs_ioctl(h, REFSLAB_IOC_GC_CONTROL, c);
}

int refslab_gc_get(refslab_heap *h, struct refslab_gc_control *c)
{
	memset(c, 0, sizeof(*c));
	return refslab_gc_control(h, c);
}

int refslab_gc_set_enabled(refslab_heap *h, bool enabled)
{
	struct refslab_gc_control c = {
		.flags = REFSLAB_GC_SET_ENABLED, .enabled = enabled,
	};

	return refslab_gc_control(h, &c);
}

int refslab_gc_set_threshold(refslab_heap *h, uint32_t threshold)
{
	struct refslab_gc_control c = {
		.flags = REFSLAB_GC_SET_THRESHOLD, .threshold = threshold,
	};

	return refslab_gc_control(h, &c);
}

static int gc_freeze(refslab_heap *h, uint32_t flags, uint64_t *count)
{
	struct refslab_gc_freeze f = { .flags = flags };
	int err = rs_ioctl(h, REFSLAB_IOC_GC_FREEZE, &f);

	if (!err && count)
		*count = f.count;
	return err;
}

int refslab_gc_freeze(refslab_heap *h, uint64_t *count)
{
	return gc_freeze(h, 0, count);
}

int refslab_gc_unfreeze(refslab_heap *h, uint64_t *count)
{
	return gc_freeze(h, REFSLAB_GC_UNFREEZE, count);
}

int refslab_gc_stats(refslab_heap *h, struct refslab_gc_stats *st)
{
	memset(st, 0, sizeof(*st));
	return rs_ioctl(h, REFSLAB_IOC_GC_STATS, st);
}

/* ---- errno names ---- */

static const struct {
	int err;
	const char *name;
} errnames[] = {
#define E(x) { x, #x }
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
	E(EBADF), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY),
	E(EEXIST), E(ENODEV), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY),
	E(ENOSPC), E(ERANGE), E(EDQUOT), E(EOVERFLOW), E(ENOSYS),
	E(EOPNOTSUPP),
#undef E
};

const char *refslab_errno_name(int err)
{
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].err == err)
			return errnames[i].name;
	return NULL;
}

int refslab_errno_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (!strcasecmp(errnames[i].name, name))
			return errnames[i].err;
	return 0;
}
