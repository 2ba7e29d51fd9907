// SPDX-License-Identifier: GPL-2.0
/*
 * refslab ioctl dispatch: the misc devices /dev/refslab and
 * /dev/refslab_null.
 *
 * Owns: the file operations (open makes a heap, release closes it), the
 * copying of argument structs in and out (size-extensible, per
 * uapi/refslab.h) and the batch call.  Holds no lock of its own: every
 * operation takes heap->lock itself, and user memory is only touched here
 * with no lock held.
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
#include "heap.h"
#include "object.h"
#include "gc.h"
#include "ioctl.h"

static_assert(sizeof(struct refslab_version) == 32);
static_assert(sizeof(struct refslab_create) == 24);
static_assert(sizeof(struct refslab_io) == 32);
static_assert(sizeof(struct refslab_stat) == 40);
static_assert(sizeof(struct refslab_op) == 56);
static_assert(sizeof(struct refslab_batch) == 24);
static_assert(sizeof(struct refslab_heap_stats) == 96);
static_assert(sizeof(struct refslab_gc_stats) == 168);

/* See ioctl.h. */
int rs_ioctl_in(void *k, size_t ksize, const void __user *u, unsigned int usize)
{
	if (usize < ksize)
		return -EINVAL;
	return copy_struct_from_user(k, ksize, u, usize);
}

/* Copy out up to the smaller of the caller's and the kernel's size. */
static int rs_out(void __user *u, unsigned int usize, const void *k, size_t ksize)
{
	if (copy_to_user(u, k, min_t(size_t, usize, ksize)))
		return -EFAULT;
	return 0;
}

/*
 * Copy out the result of a command that reserved @handle (REFSLAB_NONE:
 * none), then publish the handle, or release it if the caller could not
 * be told: see object.h.
 */
static int rs_out_handle(struct rs_heap *h, void __user *u, unsigned int usize,
			 const void *k, size_t ksize, u32 handle)
{
	int err = rs_out(u, usize, k, ksize);

	if (err)
		rs_handles_release(h, &handle, 1);
	else
		rs_handles_publish(h, &handle, 1);
	return err;
}

/* Bytes of refslab_op.args each operation uses; the rest must be zero. */
static const u8 rs_op_size[] = {
	[REFSLAB_OP_CREATE] = sizeof(struct refslab_create),
	[REFSLAB_OP_DUP] = sizeof(struct refslab_dup),
	[REFSLAB_OP_DROP] = sizeof(struct refslab_drop),
	[REFSLAB_OP_SET_SLOT] = sizeof(struct refslab_slot),
	[REFSLAB_OP_GET_SLOT] = sizeof(struct refslab_slot),
	[REFSLAB_OP_READ] = sizeof(struct refslab_io),
	[REFSLAB_OP_WRITE] = sizeof(struct refslab_io),
	[REFSLAB_OP_STAT] = sizeof(struct refslab_stat),
};

static int rs_run_op(struct rs_heap *h, struct refslab_op *op)
{
	u8 *args = (u8 *)&op->args;

	if (op->op == 0 || op->op >= ARRAY_SIZE(rs_op_size))
		return -EINVAL;
	if (memchr_inv(args + rs_op_size[op->op], 0,
		       sizeof(op->args) - rs_op_size[op->op]))
		return -EINVAL;

	switch (op->op) {
	case REFSLAB_OP_CREATE:
		return rs_op_create(h, &op->args.create);
	case REFSLAB_OP_DUP:
		return rs_op_dup(h, &op->args.dup);
	case REFSLAB_OP_DROP:
		return rs_op_drop(h, &op->args.drop);
	case REFSLAB_OP_SET_SLOT:
		return rs_op_set_slot(h, &op->args.slot);
	case REFSLAB_OP_GET_SLOT:
		return rs_op_get_slot(h, &op->args.slot);
	case REFSLAB_OP_READ:
		return rs_op_io(h, &op->args.io, false);
	case REFSLAB_OP_WRITE:
		return rs_op_io(h, &op->args.io, true);
	default:
		return rs_op_stat(h, &op->args.stat);
	}
}

/* The handle a successful operation made, if any. */
static u32 rs_op_new_handle(const struct refslab_op *op)
{
	if (op->result)
		return REFSLAB_NONE;
	switch (op->op) {
	case REFSLAB_OP_CREATE:
		return op->args.create.handle;
	case REFSLAB_OP_DUP:
		return op->args.dup.new_handle;
	case REFSLAB_OP_GET_SLOT:
		return op->args.slot.target;
	default:
		return REFSLAB_NONE;
	}
}

#define RS_BATCH_CHUNK 8

/*
 * Operations are copied in and run a chunk at a time (the uapi header
 * states what a caller sees).  Before a chunk runs it is written back
 * unchanged, so an ops array the caller cannot write runs nothing; the
 * handles the chunk makes stay reserved until its results are written
 * back, and are released if that still fails (the array was unmapped or
 * protected meanwhile).
 */
static long rs_batch(struct rs_heap *h, void __user *arg, unsigned int usize)
{
	struct refslab_op ops[RS_BATCH_CHUNK];
	u32 made[RS_BATCH_CHUNK];
	struct refslab_op __user *uops;
	struct refslab_batch b;
	int first_err = 0, err;
	u32 i = 0;

	err = rs_ioctl_in(&b, sizeof(b), arg, usize);
	if (err)
		return err;
	if ((b.flags & ~REFSLAB_BATCH_CONTINUE) || b.__pad)
		return -EINVAL;
	if (!b.count || b.count > REFSLAB_BATCH_MAX)
		return -EINVAL;
	uops = u64_to_user_ptr(b.ops);

	while (i < b.count) {
		u32 n = min_t(u32, b.count - i, RS_BATCH_CHUNK), j;
		bool stop = false;

		if (copy_from_user(ops, &uops[i], n * sizeof(ops[0])) ||
		    copy_to_user(&uops[i], ops, n * sizeof(ops[0]))) {
			first_err = -EFAULT;
			break;
		}
		for (j = 0; j < n && !stop; j++) {
			ops[j].result = rs_run_op(h, &ops[j]);
			made[j] = rs_op_new_handle(&ops[j]);
			if (ops[j].result) {
				first_err = first_err ?: ops[j].result;
				stop = !(b.flags & REFSLAB_BATCH_CONTINUE);
			}
		}
		i += j;
		if (copy_to_user(&uops[i - j], ops, j * sizeof(ops[0]))) {
			rs_handles_release(h, made, j);
			first_err = -EFAULT;
			break;
		}
		rs_handles_publish(h, made, j);
		if (stop)
			break;
		cond_resched();
	}
	b.done = i;
	err = rs_out(arg, usize, &b, sizeof(b));
	return first_err ?: err;
}

static long rs_cache_list(struct rs_heap *h, void __user *arg, unsigned int usize)
{
	struct refslab_cache_info *all;
	struct refslab_cache_list l;
	u32 total, i;
	int err;

	err = rs_ioctl_in(&l, sizeof(l), arg, usize);
	if (err)
		return err;
	if (l.flags || l.__pad)
		return -EINVAL;
	if (l.entry_size < sizeof(struct refslab_cache_info))
		return -EINVAL;

	all = kcalloc(RS_MAX_NAMED_CACHES, sizeof(*all), GFP_KERNEL);
	if (!all)
		return -ENOMEM;
	total = rs_heap_cache_list(h, all, RS_MAX_NAMED_CACHES);
	for (i = 0; i < min(total, l.count) && !err; i++)
		err = rs_out(u64_to_user_ptr(l.buf + (u64)i * l.entry_size),
			     l.entry_size, &all[i], sizeof(all[i]));
	kfree(all);
	if (err)
		return err;
	l.count = total;
	return rs_out(arg, usize, &l, sizeof(l));
}

static long rs_ioctl(struct file *file, unsigned int cmd, unsigned long uarg)
{
	struct rs_heap *h = file->private_data;
	void __user *arg = (void __user *)uarg;
	unsigned int usize = _IOC_SIZE(cmd);
	union {
		struct refslab_version version;
		struct refslab_create create;
		struct refslab_dup dup;
		struct refslab_drop drop;
		struct refslab_slot slot;
		struct refslab_io io;
		struct refslab_stat stat;
		struct refslab_cache_create cc;
		struct refslab_cache_destroy cd;
		struct refslab_heap_stats hs;
		struct refslab_limits limits;
	} a;
	int err;

	if (_IOC_TYPE(cmd) != REFSLAB_IOC_MAGIC)
		return -ENOTTY;

/* The command with its size bits replaced by @size: dir and nr must match. */
#define RS_SAME(c) (((cmd) & ~_IOC(0, 0, 0, _IOC_SIZEMASK)) == \
		    ((c) & ~_IOC(0, 0, 0, _IOC_SIZEMASK)))

	if (RS_SAME(REFSLAB_IOC_VERSION)) {
		if (usize < sizeof(a.version))
			return -EINVAL;
		memset(&a.version, 0, sizeof(a.version));
		a.version.major = REFSLAB_VERSION_MAJOR;
		a.version.minor = REFSLAB_VERSION_MINOR;
		a.version.features = REFSLAB_FEAT_OBJECTS | REFSLAB_FEAT_CACHES |
				     REFSLAB_FEAT_BATCH | REFSLAB_FEAT_GC |
				     REFSLAB_FEAT_LIMITS;
		a.version.max_slots = REFSLAB_MAX_SLOTS;
		a.version.max_payload = REFSLAB_MAX_PAYLOAD;
		a.version.header_bytes = RS_OBJ_HEADER_BYTES;
		return rs_out(arg, usize, &a.version, sizeof(a.version));
	}
	if (RS_SAME(REFSLAB_IOC_CREATE)) {
		err = rs_ioctl_in(&a.create, sizeof(a.create), arg, usize) ?:
			rs_op_create(h, &a.create);
		if (err)
			return err;
		return rs_out_handle(h, arg, usize, &a.create, sizeof(a.create),
				     a.create.handle);
	}
	if (RS_SAME(REFSLAB_IOC_DUP)) {
		err = rs_ioctl_in(&a.dup, sizeof(a.dup), arg, usize) ?: rs_op_dup(h, &a.dup);
		if (err)
			return err;
		return rs_out_handle(h, arg, usize, &a.dup, sizeof(a.dup),
				     a.dup.new_handle);
	}
	if (RS_SAME(REFSLAB_IOC_DROP))
		return rs_ioctl_in(&a.drop, sizeof(a.drop), arg, usize) ?: rs_op_drop(h, &a.drop);
	if (RS_SAME(REFSLAB_IOC_SET_SLOT))
		return rs_ioctl_in(&a.slot, sizeof(a.slot), arg, usize) ?:
			rs_op_set_slot(h, &a.slot);
	if (RS_SAME(REFSLAB_IOC_GET_SLOT)) {
		err = rs_ioctl_in(&a.slot, sizeof(a.slot), arg, usize) ?:
			rs_op_get_slot(h, &a.slot);
		if (err)
			return err;
		return rs_out_handle(h, arg, usize, &a.slot, sizeof(a.slot),
				     a.slot.target);
	}
	if (RS_SAME(REFSLAB_IOC_READ))
		return rs_ioctl_in(&a.io, sizeof(a.io), arg, usize) ?: rs_op_io(h, &a.io, false);
	if (RS_SAME(REFSLAB_IOC_WRITE))
		return rs_ioctl_in(&a.io, sizeof(a.io), arg, usize) ?: rs_op_io(h, &a.io, true);
	if (RS_SAME(REFSLAB_IOC_STAT))
		return rs_ioctl_in(&a.stat, sizeof(a.stat), arg, usize) ?:
		       rs_op_stat(h, &a.stat) ?:
		       rs_out(arg, usize, &a.stat, sizeof(a.stat));
	if (RS_SAME(REFSLAB_IOC_CACHE_CREATE)) {
		err = rs_ioctl_in(&a.cc, sizeof(a.cc), arg, usize) ?:
			rs_heap_cache_create(h, &a.cc);
		if (err)
			return err;
		err = rs_out(arg, usize, &a.cc, sizeof(a.cc));
		if (err) {
			struct refslab_cache_destroy d = { .cache_id = a.cc.cache_id };

			rs_heap_cache_destroy(h, &d);
		}
		return err;
	}
	if (RS_SAME(REFSLAB_IOC_CACHE_DESTROY))
		return rs_ioctl_in(&a.cd, sizeof(a.cd), arg, usize) ?:
			rs_heap_cache_destroy(h, &a.cd);
	if (RS_SAME(REFSLAB_IOC_CACHE_LIST))
		return rs_cache_list(h, arg, usize);
	if (RS_SAME(REFSLAB_IOC_HEAP_STATS)) {
		if (usize < sizeof(a.hs))
			return -EINVAL;
		rs_heap_stats(h, &a.hs);
		return rs_out(arg, usize, &a.hs, sizeof(a.hs));
	}
	if (RS_SAME(REFSLAB_IOC_SET_LIMITS))
		return rs_ioctl_in(&a.limits, sizeof(a.limits), arg, usize) ?:
		       rs_heap_set_limits(h, &a.limits);
	if (RS_SAME(REFSLAB_IOC_BATCH))
		return rs_batch(h, arg, usize);
	if (RS_SAME(REFSLAB_IOC_GC_COLLECT) || RS_SAME(REFSLAB_IOC_GC_CONTROL) ||
	    RS_SAME(REFSLAB_IOC_GC_FREEZE) || RS_SAME(REFSLAB_IOC_GC_STATS))
		return rs_gc_ioctl(h, cmd, arg, usize);
	return -ENOTTY;
#undef RS_SAME
}

static int rs_open(struct inode *inode, struct file *file)
{
	struct rs_heap *h = rs_heap_create();

	if (!h)
		return -ENOMEM;
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
