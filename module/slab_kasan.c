// SPDX-License-Identifier: GPL-2.0
/*
 * refslab KASAN fault knob, built only on kernels with CONFIG_KASAN_GENERIC
 * (the debug kernel): writing 1 to /sys/kernel/debug/refslab/
 * test_use_after_free takes an object from a general size class, frees it
 * and reads a byte of it.  KASAN must report the read as a use-after-free,
 * which fails the VM run: tests/harness/selftest.t proves that it does, and
 * so that KASAN sees refslab's own slabs (slab.c, "KASAN").
 *
 * The read is here, not in slab.c, because this file is instrumented and
 * slab.c is not.  It is a read, so with panic_on_warn=0 the kernel goes on
 * unharmed: the object waits in the quarantine, poisoned, like any other.
 * No locking of its own.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include "slab.h"
#include "slab_kasan.h"

#define RS_KASAN_KNOB_SIZE	64	/* bytes asked of the general classes */

static struct dentry *rs_kasan_knob;

static ssize_t rs_kasan_uaf_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	struct rs_cache *c = rs_size_class(RS_KASAN_KNOB_SIZE);
	unsigned long val;
	u8 *p, seen;
	int err;

	err = kstrtoul_from_user(ubuf, len, 0, &val);
	if (err)
		return err;
	if (val != 1)
		return -EINVAL;
	if (!c)
		return -ENODEV;
	p = rs_cache_alloc(c, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p[0] = 0x5a;
	rs_cache_free(c, p);
	pr_info("test_use_after_free: reading object %p of %s after its free\n",
		p, rs_cache_name(c));
	seen = READ_ONCE(p[0]);		/* KASAN: use-after-free */
	pr_info("test_use_after_free: read %#x, KASAN did not stop it\n", seen);
	return len;
}

static const struct file_operations rs_kasan_uaf_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = rs_kasan_uaf_write,
	.llseek = noop_llseek,
};

void rs_kasan_knob_add(struct dentry *root)
{
	rs_kasan_knob = debugfs_create_file("test_use_after_free", 0200, root,
					    NULL, &rs_kasan_uaf_fops);
}

void rs_kasan_knob_remove(void)
{
	debugfs_remove(rs_kasan_knob);
	rs_kasan_knob = NULL;
}
