// SPDX-License-Identifier: GPL-2.0
/*
 * refslab ioctl dispatch: the misc devices /dev/refslab and
 * /dev/refslab_null.
 *
 * Owns: the file operations (open makes a heap, release closes it), the
 * one table of commands (rs_cmds[]: number, argument size and direction,
 * handler, whether it makes a handle) that ioctl, compat and the batch
 * call all dispatch through, and the copying of argument structs in and
 * out (size-extensible, per uapi/refslab.h: any size from the command's
 * REFSLAB_*_SIZE_VER0 up, matched with the size masked out of the
 * number, as drm_ioctl() does; see rs_ioctl()).  The handlers (the units'
 * rs_op_*() and rs_heap_*(), which take void * as DRM's do) get arguments
 * already copied in and never see user memory (payload I/O
 * aside, object.c's bounce buffer, and the handles a create writes out
 * fault-free in the hold that made them: object.h, RS_UNDELIVERED).
 * Holds no lock of its own: every operation takes heap->lock itself (a
 * batch group holds it across its operations through object.c's
 * rs_group_*()), and user memory is only touched here with no lock held
 * (a group's results aside, written back fault-free in its hold).
 *
 * CREATE and DROP, the hot pair, come through the table's .direct entry
 * when called at their current size: constant-size copies and nothing
 * generic.  The bulk calls (CREATE_N, DROP_N, SET_SLOTS) copy their arrays
 * in here (a small one on the stack) and hand them to object.c.
 *
 * /dev/refslab_null answers every ioctl with 0 and does nothing else: it
 * is the floor the benchmarks compare against.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/uaccess.h>
#include <linux/compat.h>
#include <linux/capability.h>
#include <linux/nospec.h>
#include "heap.h"
#include "object.h"
#include "gc.h"
#include "dump.h"
#include "ioctl.h"

static_assert(sizeof(struct refslab_version) == 32);
static_assert(sizeof(struct refslab_create) == 24);
static_assert(sizeof(struct refslab_io) == 32);
static_assert(sizeof(struct refslab_stat) == 40);
static_assert(sizeof(struct refslab_op) == 56);
static_assert(sizeof(struct refslab_batch) == 24);
static_assert(sizeof(struct refslab_heap_stats) == 96);
static_assert(sizeof(struct refslab_gc_stats) == 168);
static_assert(sizeof(struct refslab_heap_dump) == 40);
static_assert(sizeof(struct refslab_create_n) == 32);
static_assert(sizeof(struct refslab_drop_n) == 16);
static_assert(sizeof(struct refslab_set_slots) == 16);
static_assert(sizeof(struct refslab_slot_set) == 16);

#ifdef RS_TEST_GROWN
/*
 * The test build of "make check-grown" only: CREATE's struct is longer in
 * the kernel than its first published size, as it will be the day it
 * grows, so that a VER0 caller meets a newer kernel (test_uapi).
 */
struct rs_test_create_grown {
	struct refslab_create v0;
	__u64 later;
};

#undef REFSLAB_IOC_CREATE
#define REFSLAB_IOC_CREATE \
	_IOWR(REFSLAB_IOC_MAGIC, 0x01, struct rs_test_create_grown)
#endif

/* Every argument struct, for the one buffer the dispatcher copies into. */
union rs_args {
	struct refslab_version version;
	struct refslab_create create;
	struct refslab_dup dup;
	struct refslab_drop drop;
	struct refslab_slot slot;
	struct refslab_io io;
	struct refslab_stat stat;
	struct refslab_cache_create cc;
	struct refslab_cache_destroy cd;
	struct refslab_cache_list cl;
	struct refslab_heap_stats hs;
	struct refslab_limits limits;
	struct refslab_batch batch;
	struct refslab_heap_dump dump;
	struct refslab_gc_collect gc_collect;
	struct refslab_gc_control gc_control;
	struct refslab_gc_freeze gc_freeze;
	struct refslab_gc_stats gc_stats;
	struct refslab_create_n create_n;
	struct refslab_drop_n drop_n;
	struct refslab_set_slots set_slots;
#ifdef RS_TEST_GROWN
	struct rs_test_create_grown create_grown;
#endif
};

/**
 * typedef rs_cmd_fn - a command's handler, as DRM's drm_ioctl_t
 * @h: the caller's heap.
 * @arg: the command's argument struct, copied in at the kernel's size
 *	(zero-extended if the caller's was older) and copied back out after.
 *
 * Called with no lock held.  Return: 0 or -errno.
 */
typedef int rs_cmd_fn(struct rs_heap *h, void *arg);

/**
 * struct rs_cmd - one command, described once for ioctl, compat and batch
 * @cmd: its REFSLAB_IOC_* number: direction (_IOC_WRITE: the struct is
 *	copied in; _IOC_READ: copied back out) and the current struct size,
 *	the kernel's.  A call is matched to it with the size masked out.
 * @fn: the handler.
 * @direct: for the hot commands, the whole ioctl when it comes at the
 *	current struct size: its own constant-size copies instead of the
 *	generic ones, and the handle written in the hold that made it
 *	(object.h, RS_UNDELIVERED).  @fn still serves the batch call and
 *	the other sizes.
 * @settle: for a command that made something else the caller names by a
 *	number (a cache id): publish it once the result is written back, or
 *	take it back if it could not be.
 * @size_ver0: the first published size, REFSLAB_*_SIZE_VER0: the smallest
 *	struct a caller may pass.
 * @handle_off: offset of the handle the command makes (the field is
 *	REFSLAB_NONE when it made none), or 0: published once the result is
 *	written back, released if it could not be (object.h).
 * @flags: RS_CMD_*.
 */
struct rs_cmd {
	unsigned int cmd;
	rs_cmd_fn *fn;
	long (*direct)(struct rs_heap *h, void __user *arg);
	void (*settle)(struct rs_heap *h, void *arg, bool delivered);
	u16 size_ver0;
	u8 handle_off;
	u8 flags;
};

#define RS_CMD_BATCH	0x01	/* may run inside REFSLAB_IOC_BATCH */
#define RS_CMD_OUT_ERR	0x02	/* the struct is written back on error too */

/*
 * The handlers are the units' rs_op_*, rs_heap_* and rs_gc_op_* functions.
 * Those below add something the unit's function does not know: what the
 * module is, or an argument the command number implies.
 */
static int rs_cmd_version(struct rs_heap *h, void *arg)
{
	struct refslab_version *v = arg;

	v->major = REFSLAB_VERSION_MAJOR;
	v->minor = REFSLAB_VERSION_MINOR;
	v->features = REFSLAB_FEAT_OBJECTS | REFSLAB_FEAT_CACHES |
		      REFSLAB_FEAT_BATCH | REFSLAB_FEAT_GC |
		      REFSLAB_FEAT_LIMITS | REFSLAB_FEAT_DUMP |
		      REFSLAB_FEAT_BULK;
	v->max_slots = REFSLAB_MAX_SLOTS;
	v->max_payload = REFSLAB_MAX_PAYLOAD;
	v->header_bytes = RS_OBJ_HEADER_BYTES;
	return 0;
}

/* CREATE through the table: the dispatcher writes the handle back. */
static int rs_cmd_create(struct rs_heap *h, void *arg)
{
	return rs_op_create(h, arg, NULL);
}

static int rs_cmd_read(struct rs_heap *h, void *arg)
{
	return rs_op_io(h, arg, false);
}

static int rs_cmd_write(struct rs_heap *h, void *arg)
{
	return rs_op_io(h, arg, true);
}

static void rs_cmd_cache_create_settle(struct rs_heap *h, void *arg,
				       bool delivered)
{
	const struct refslab_cache_create *cc = arg;

	rs_heap_cache_settle(h, cc->cache_id, delivered);
}

static rs_cmd_fn rs_cmd_cache_list, rs_cmd_batch, rs_cmd_heap_dump,
	rs_cmd_create_n, rs_cmd_drop_n, rs_cmd_set_slots;
static long rs_direct_create(struct rs_heap *h, void __user *arg);
static long rs_direct_drop(struct rs_heap *h, void __user *arg);

/*
 * One entry per command, at _IOC_NR of its number.  The first published
 * size is the uapi's, and can be no larger than the current one.
 */
#define RS_CMD(name, handler, ...) \
	[_IOC_NR(REFSLAB_IOC_##name)] = { \
		.cmd = REFSLAB_IOC_##name, .fn = (handler), \
		.size_ver0 = REFSLAB_##name##_SIZE_VER0 + BUILD_BUG_ON_ZERO( \
			_IOC_SIZE(REFSLAB_IOC_##name) < REFSLAB_##name##_SIZE_VER0), \
		__VA_ARGS__ }

/* A handle a command makes is in its first published size: a caller with
 * the oldest struct must see it to be given it.
 */
#define RS_MAKES(type, field) \
	.handle_off = offsetof(union rs_args, type.field)
static_assert(offsetofend(struct refslab_create, handle) <= REFSLAB_CREATE_SIZE_VER0);
static_assert(offsetofend(struct refslab_dup, new_handle) <= REFSLAB_DUP_SIZE_VER0);
static_assert(offsetofend(struct refslab_slot, target) <= REFSLAB_GET_SLOT_SIZE_VER0);

static const struct rs_cmd rs_cmds[] = {
	RS_CMD(VERSION, rs_cmd_version),
	RS_CMD(CREATE, rs_cmd_create, RS_MAKES(create, handle),
	       .direct = rs_direct_create, .flags = RS_CMD_BATCH),
	RS_CMD(DUP, rs_op_dup, RS_MAKES(dup, new_handle),
	       .flags = RS_CMD_BATCH),
	RS_CMD(DROP, rs_op_drop, .direct = rs_direct_drop,
	       .flags = RS_CMD_BATCH),
	RS_CMD(SET_SLOT, rs_op_set_slot, .flags = RS_CMD_BATCH),
	RS_CMD(GET_SLOT, rs_op_get_slot, RS_MAKES(slot, target),
	       .flags = RS_CMD_BATCH),
	RS_CMD(READ, rs_cmd_read, .flags = RS_CMD_BATCH),
	RS_CMD(WRITE, rs_cmd_write, .flags = RS_CMD_BATCH),
	RS_CMD(STAT, rs_op_stat, .flags = RS_CMD_BATCH),
	RS_CMD(CACHE_CREATE, rs_heap_cache_create,
	       .settle = rs_cmd_cache_create_settle),
	RS_CMD(CACHE_DESTROY, rs_heap_cache_destroy),
	RS_CMD(CACHE_LIST, rs_cmd_cache_list),
	RS_CMD(HEAP_STATS, rs_heap_stats),
	RS_CMD(SET_LIMITS, rs_heap_set_limits),
	RS_CMD(BATCH, rs_cmd_batch, .flags = RS_CMD_OUT_ERR),
	RS_CMD(HEAP_DUMP, rs_cmd_heap_dump),
	RS_CMD(GC_COLLECT, rs_gc_op_collect),
	RS_CMD(GC_CONTROL, rs_gc_op_control),
	RS_CMD(GC_FREEZE, rs_gc_op_freeze),
	RS_CMD(GC_STATS, rs_gc_op_stats),
	RS_CMD(CREATE_N, rs_cmd_create_n),
	RS_CMD(DROP_N, rs_cmd_drop_n),
	RS_CMD(SET_SLOTS, rs_cmd_set_slots),
};

/* A batch operation's code is its command's ioctl number. */
#define RS_OP_IS_IOC(name) \
	static_assert(_IOC_NR(REFSLAB_IOC_##name) == REFSLAB_OP_##name)
RS_OP_IS_IOC(CREATE);
RS_OP_IS_IOC(DUP);
RS_OP_IS_IOC(DROP);
RS_OP_IS_IOC(SET_SLOT);
RS_OP_IS_IOC(GET_SLOT);
RS_OP_IS_IOC(READ);
RS_OP_IS_IOC(WRITE);
RS_OP_IS_IOC(STAT);

/* The structs of the batchable commands fit refslab_op.args. */
#define RS_FITS_OP(type) \
	static_assert(sizeof(type) <= sizeof_field(struct refslab_op, args))
RS_FITS_OP(struct refslab_create);
RS_FITS_OP(struct refslab_dup);
RS_FITS_OP(struct refslab_drop);
RS_FITS_OP(struct refslab_slot);
RS_FITS_OP(struct refslab_io);
RS_FITS_OP(struct refslab_stat);

/* The command @nr names, or NULL. */
static const struct rs_cmd *rs_cmd_get(unsigned int nr)
{
	if (nr >= ARRAY_SIZE(rs_cmds) || !rs_cmds[nr].fn)
		return NULL;
	return &rs_cmds[array_index_nospec(nr, ARRAY_SIZE(rs_cmds))];
}

/* The handle a command made, or REFSLAB_NONE. */
static u32 rs_cmd_made(const struct rs_cmd *c, const void *args)
{
	if (!c->handle_off)
		return REFSLAB_NONE;
	return *(const u32 *)((const u8 *)args + c->handle_off);
}

/* Handles reserved by a call were (@delivered) or were not written back:
 * publish them or take them back.  0 or -EFAULT.
 */
static int rs_handles_settle(struct rs_heap *h, const u32 *hd, unsigned int n,
			     bool delivered)
{
	if (!delivered) {
		rs_handles_release(h, hd, n);
		return -EFAULT;
	}
	rs_handles_publish(h, hd, n);
	return 0;
}

/*
 * The result could (@delivered) or could not be written back: publish the
 * handle (or cache id) the command made, or take back what it made.
 */
static void rs_cmd_settle(struct rs_heap *h, const struct rs_cmd *c,
			  void *a, bool delivered)
{
	u32 made = rs_cmd_made(c, a);

	if (made != REFSLAB_NONE)
		rs_handles_settle(h, &made, 1, delivered);
	else if (c->settle)
		c->settle(h, a, delivered);
}

/*
 * A call is matched to its command by type, number and direction: the
 * size is masked out of the number, so a caller built against an older or
 * newer header (a struct of another size) reaches the same entry.  At the
 * current size the hot commands take their .direct path; every other call
 * gets the generic copies: at least the first published size, a shorter
 * struct zero-extended to the kernel's, a longer one's tail checked zero
 * (copy_struct_from_user()), and min(usize, ksize) written back.
 */
static long rs_ioctl(struct file *file, unsigned int cmd, unsigned long uarg)
{
	const unsigned int sizemask = _IOC(0, 0, 0, _IOC_SIZEMASK);
	void __user *arg = (void __user *)uarg;
	unsigned int usize = _IOC_SIZE(cmd);
	struct rs_heap *h = file->private_data;
	const struct rs_cmd *c;
	/* filled below up to the command's size: not zeroed on every call */
	union rs_args a __uninitialized;
	size_t ksize;
	int err, out = 0;

	if (_IOC_TYPE(cmd) != REFSLAB_IOC_MAGIC)
		return -ENOTTY;
	c = rs_cmd_get(_IOC_NR(cmd));
	if (!c || (cmd & ~sizemask) != (c->cmd & ~sizemask))
		return -ENOTTY;
	if (c->direct && cmd == c->cmd)
		return c->direct(h, arg);
	if (usize < c->size_ver0)
		return -EINVAL;
	ksize = _IOC_SIZE(c->cmd);
	if (_IOC_DIR(c->cmd) & _IOC_WRITE) {
		err = copy_struct_from_user(&a, ksize, arg, usize);
		if (err)
			return err;
	} else {
		/* Output only: a larger struct's tail is not looked at. */
		memset(&a, 0, ksize);
	}

	/*
	 * No charge scope here: the heap's memory is charged to its cgroup
	 * where it is allocated (rs_heap_kvcalloc(), the slab's rs_charge()),
	 * and the page faults of the user copies are the caller's.
	 */
	err = c->fn(h, &a);
	if (err && !(c->flags & RS_CMD_OUT_ERR))
		goto out;
	if (_IOC_DIR(c->cmd) & _IOC_READ)
		out = copy_to_user(arg, &a, min_t(size_t, usize, ksize)) ?
		      -EFAULT : 0;
	if (!err)
		rs_cmd_settle(h, c, &a, !out);
out:
	return err ?: out;
}

/* ---- the hot pair at its current size ---- */

static long rs_direct_create(struct rs_heap *h, void __user *arg)
{
	struct refslab_create __user *u = arg;
	struct refslab_create a;
	int err;

	if (copy_from_user(&a, u, sizeof(a)))
		return -EFAULT;
	err = rs_op_create(h, &a, &u->handle);
	if (err != RS_UNDELIVERED)
		return err;
	/* the page of the handle needs a fault: with the lock dropped */
	return rs_handles_settle(h, &a.handle, 1, !put_user(a.handle, &u->handle));
}

static long rs_direct_drop(struct rs_heap *h, void __user *arg)
{
	struct refslab_drop a;
	u64 word;

	static_assert(sizeof(a) == sizeof(word));
	if (get_user(word, (u64 __user *)arg))
		return -EFAULT;
	memcpy(&a, &word, sizeof(a));
	return rs_op_drop(h, &a);
}

/* ---- bulk operations ---- */

/*
 * The user array of a bulk call, @count entries of @esize bytes, copied
 * into @stack if it fits (@room bytes), else into memory the caller
 * kvfree()s if it is not @stack.  An ERR_PTR on failure.
 */
static void *rs_bulk_in(u64 uptr, u32 count, size_t esize, void *stack,
			size_t room)
{
	size_t bytes = (size_t)count * esize;
	void *buf = stack;

	if (bytes > room) {
		buf = kvmalloc(bytes, GFP_KERNEL);
		if (!buf)
			return ERR_PTR(-ENOMEM);
	}
	if (copy_from_user(buf, u64_to_user_ptr(uptr), bytes)) {
		if (buf != stack)
			kvfree(buf);
		return ERR_PTR(-EFAULT);
	}
	return buf;
}

static bool rs_bulk_count_ok(u32 count)
{
	return count && count <= REFSLAB_BULK_MAX;
}

/*
 * handles[] is written before anything is made (one word per page, with
 * zeros: it is output only): an array that faults fails the call with
 * nothing to undo, and its pages are present for the fault-free writes
 * under the lock.
 */
static int rs_bulk_probe(u32 __user *u, u32 count)
{
	unsigned long addr = (unsigned long)u, end = addr + count * sizeof(*u);

	if (!access_ok(u, count * sizeof(*u)))
		return -EFAULT;
	for (; addr < end; addr = (addr | ~PAGE_MASK) + 1)
		if (put_user(0, (u32 __user *)addr))
			return -EFAULT;
	return put_user(0, (u32 __user *)end - 1) ? -EFAULT : 0;
}

static int rs_cmd_create_n(struct rs_heap *h, void *arg)
{
	const struct refslab_create_n *a = arg;
	u32 __user *out = u64_to_user_ptr(a->handles);
	u32 stack[RS_BULK_CHUNK] __uninitialized;
	u32 *hd = stack;
	int err;

	if (a->flags || a->__pad || !rs_bulk_count_ok(a->count))
		return -EINVAL;
	err = rs_bulk_probe(out, a->count);
	if (err)
		return err;
	if (a->count > ARRAY_SIZE(stack)) {
		hd = kvmalloc_array(a->count, sizeof(*hd), GFP_KERNEL);
		if (!hd)
			return -ENOMEM;
	}
	err = rs_op_create_n(h, a, hd, out);
	if (hd != stack)
		kvfree(hd);
	return err;
}

static int rs_cmd_drop_n(struct rs_heap *h, void *arg)
{
	const struct refslab_drop_n *a = arg;
	u32 stack[RS_BULK_CHUNK] __uninitialized;
	u32 *hd;
	int err;

	if (a->flags || !rs_bulk_count_ok(a->count))
		return -EINVAL;
	hd = rs_bulk_in(a->handles, a->count, sizeof(*hd), stack, sizeof(stack));
	if (IS_ERR(hd))
		return PTR_ERR(hd);
	err = rs_op_drop_n(h, hd, a->count);
	if (hd != stack)
		kvfree(hd);
	return err;
}

static int rs_cmd_set_slots(struct rs_heap *h, void *arg)
{
	const struct refslab_set_slots *a = arg;
	struct refslab_slot_set stack[16] __uninitialized, *ss;
	int err;

	if (a->flags || !rs_bulk_count_ok(a->count))
		return -EINVAL;
	ss = rs_bulk_in(a->triples, a->count, sizeof(*ss), stack, sizeof(stack));
	if (IS_ERR(ss))
		return PTR_ERR(ss);
	err = rs_op_set_slots(h, ss, a->count);
	if (ss != stack)
		kvfree(ss);
	return err;
}

/* ---- batch ---- */

/* The handle a successful operation made, if any. */
static u32 rs_op_new_handle(const struct refslab_op *op)
{
	if (op->result)
		return REFSLAB_NONE;
	return rs_cmd_made(rs_cmd_get(op->op), &op->args);
}

/*
 * Before a group runs, ops[] is probed for writing (a word at its start
 * and one at its end, written back unchanged: a group spans at most two
 * pages), so an ops array the caller cannot write runs nothing.  The
 * group runs in one hold of heap->lock (object.h, rs_group_*), which
 * writes the results back and publishes the handles made, fault-free; if
 * that needs a fault they are written here with the lock dropped, and
 * the handles stay reserved until then, released if that still fails
 * (the array was unmapped or protected meanwhile).
 */
static int rs_batch_probe(struct refslab_op __user *u, const struct refslab_op *ops,
			  u32 n)
{
	const u64 *last = &ops[n - 1].args.__size[ARRAY_SIZE(ops->args.__size) - 1];

	if (put_user(ops[0].op, &u[0].op) ||
	    put_user(*last, &u[n - 1].args.__size[ARRAY_SIZE(ops->args.__size) - 1]))
		return -EFAULT;
	return 0;
}

/*
 * Begin group @g and run its operations in order (each as its command
 * would, the rest of its args zero): how many ran; *first_err, *stop
 * updated.  The caller delivers and ends the group.
 */
static u32 rs_batch_group(struct rs_heap *h, struct rs_group *g,
			  struct refslab_op *ops, u32 n, u32 *made, u32 flags,
			  int *first_err, bool *stop)
{
	u32 j;

	rs_group_begin(h, g, ops, n);
	for (j = 0; j < n && !*stop; j++) {
		const struct rs_cmd *c = rs_cmd_get(ops[j].op);
		u8 *args = (u8 *)&ops[j].args;
		size_t size;
		int err;

		err = -EINVAL;
		if (!c || !(c->flags & RS_CMD_BATCH))
			goto done;
		size = _IOC_SIZE(c->cmd);
		if (memchr_inv(args + size, 0, sizeof(ops[j].args) - size))
			goto done;
		err = rs_group_op(h, g, j, &ops[j]);
		if (err == -EAGAIN) {
			rs_group_pause(h);
			err = c->fn(h, args);
			rs_group_resume(h);
		}
done:
		ops[j].result = err;
		made[j] = rs_op_new_handle(&ops[j]);
		if (err) {
			*first_err = *first_err ?: err;
			*stop = !(flags & REFSLAB_BATCH_CONTINUE);
		}
	}
	return j;
}

static int rs_cmd_batch(struct rs_heap *h, void *arg)
{
	struct refslab_op ops[RS_GROUP_MAX];
	u32 made[RS_GROUP_MAX];
	struct refslab_batch *b = arg;
	struct refslab_op __user *uops;
	int first_err = 0;
	u32 i = 0;

	b->done = 0;
	if ((b->flags & ~REFSLAB_BATCH_CONTINUE) || b->__pad)
		return -EINVAL;
	if (!b->count || b->count > REFSLAB_BATCH_MAX)
		return -EINVAL;
	uops = u64_to_user_ptr(b->ops);

	while (i < b->count) {
		u32 n = min_t(u32, b->count - i, RS_GROUP_MAX), j;
		bool stop = false, delivered;
		struct rs_group g;

		if (copy_from_user(ops, &uops[i], n * sizeof(ops[0])) ||
		    rs_batch_probe(&uops[i], ops, n)) {
			first_err = -EFAULT;
			break;
		}
		j = rs_batch_group(h, &g, ops, n, made, b->flags, &first_err,
				   &stop);
		delivered = rs_group_deliver(h, &uops[i], ops, j, made);
		rs_group_end(h, &g);
		i += j;
		if (!delivered) {
			if (copy_to_user(&uops[i - j], ops, j * sizeof(ops[0]))) {
				rs_handles_release(h, made, j);
				first_err = -EFAULT;
				break;
			}
			rs_handles_publish(h, made, j);
		}
		if (stop)
			break;
		cond_resched();
	}
	b->done = i;
	return first_err;
}

/* ---- the commands with a second user buffer ---- */

static int rs_cmd_cache_list(struct rs_heap *h, void *arg)
{
	struct refslab_cache_list *l = arg;
	struct refslab_cache_info *all;
	u32 total, i;
	int err = 0;

	if (l->flags || l->__pad)
		return -EINVAL;
	if (l->entry_size < sizeof(struct refslab_cache_info))
		return -EINVAL;

	all = kcalloc(RS_MAX_NAMED_CACHES, sizeof(*all), RS_GFP_USER);
	if (!all)
		return -ENOMEM;
	total = rs_heap_cache_list(h, all, RS_MAX_NAMED_CACHES);
	for (i = 0; i < min(total, l->count) && !err; i++) {
		void __user *u = u64_to_user_ptr(l->buf + (u64)i * l->entry_size);

		/* Entries are output: up to our size, the rest untouched. */
		if (copy_to_user(u, &all[i], sizeof(all[i])))
			err = -EFAULT;
	}
	kfree(all);
	if (!err)
		l->count = total;
	return err;
}

/*
 * A page of the heap dump is taken under the heap lock into a bounce
 * buffer (dump.c) and copied out here, with the lock dropped.
 */
static int rs_cmd_heap_dump(struct rs_heap *h, void *arg)
{
	struct refslab_heap_dump *d = arg;
	size_t esize = rs_dump_entry_size(d->list);
	u8 __user *ubuf = u64_to_user_ptr(d->buf);
	u32 room = min(d->count, REFSLAB_DUMP_PAGE_MAX), n, i;
	u8 *buf = NULL;
	int err = 0;

	if (d->flags || !esize)
		return -EINVAL;
	if (d->entry_size < esize || d->entry_size > REFSLAB_DUMP_ENTRY_MAX)
		return -EINVAL;
	if (room) {
		buf = kvmalloc_array(room, esize, RS_GFP_USER);
		if (!buf)
			return -ENOMEM;
	}
	n = rs_heap_dump(h, d, buf, room);
	if (d->entry_size == esize) {
		if (copy_to_user(ubuf, buf, n * esize))
			err = -EFAULT;
	} else {
		/* Entries are output: up to our size, the rest untouched. */
		for (i = 0; i < n && !err; i++)
			if (copy_to_user(ubuf + (u64)i * d->entry_size,
					 buf + i * esize, esize))
				err = -EFAULT;
	}
	kvfree(buf);
	if (!err)
		d->count = n;
	return err;
}

static int rs_open(struct inode *inode, struct file *file)
{
	struct rs_heap *h = rs_heap_create();

	if (!h)
		return -ENOMEM;
	/* Judged by the opener's credentials, as the kernel does for a
	 * descriptor: one passed to a privileged process gains nothing.
	 */
	h->may_raise_limits = file_ns_capable(file, &init_user_ns,
					      CAP_SYS_RESOURCE);
	file->private_data = h;
	return 0;
}

static int rs_release(struct inode *inode, struct file *file)
{
	rs_heap_close(file->private_data);
	return 0;
}

static const struct file_operations rs_fops = {
	.owner = THIS_MODULE,
	.open = rs_open,
	.release = rs_release,
	.unlocked_ioctl = rs_ioctl,
	/* Every struct has the same layout for 32-bit callers. */
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice rs_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "refslab",
	.fops = &rs_fops,
	.mode = 0660,
};

static long rs_null_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return 0;
}

static const struct file_operations rs_null_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = rs_null_ioctl,
	.compat_ioctl = rs_null_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice rs_null_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "refslab_null",
	.fops = &rs_null_fops,
	.mode = 0660,
};

int rs_ioctl_init(void)
{
	int err = misc_register(&rs_null_dev);

	if (err)
		return err;
	err = misc_register(&rs_dev);
	if (err)
		misc_deregister(&rs_null_dev);
	return err;
}

void rs_ioctl_exit(void)
{
	misc_deregister(&rs_dev);
	misc_deregister(&rs_null_dev);
}
