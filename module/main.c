// SPDX-License-Identifier: GPL-2.0
/*
 * refslab module entry: brings the units up in dependency order and down in
 * reverse.  Owns nothing else; each unit's own file says what it owns and
 * how it locks, and heap.h has the lock order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/stringify.h>
#include "uapi/refslab.h"
#include "slab.h"
#include "heap.h"
#include "gc.h"
#include "ioctl.h"
#include "debugfs.h"
#include "bench.h"

static int __init refslab_init(void)
{
	struct dentry *root;
	int err;

	root = rs_debugfs_init();
	err = rs_slab_init(root);
	if (err)
		goto out_debugfs;
	err = rs_heap_init();
	if (err)
		goto out_slab;
	err = rs_gc_init(root);
	if (err)
		goto out_heap;
	rs_bench_init(root);
	err = rs_ioctl_init();
	if (err)
		goto out_gc;
	pr_info("loaded, version %u.%u\n", REFSLAB_VERSION_MAJOR,
		REFSLAB_VERSION_MINOR);
	return 0;

out_gc:
	rs_gc_exit();
out_heap:
	rs_heap_exit();
out_slab:
	rs_slab_exit();
out_debugfs:
	rs_debugfs_exit();
	return err;
}

static void __exit refslab_exit(void)
{
	/* The device holds a module reference while any heap is open, so
	 * every heap is gone by now.
	 */
	rs_ioctl_exit();
	rs_gc_exit();
	rs_heap_exit();
	rs_slab_exit();
	rs_debugfs_exit();
	pr_info("unloaded\n");
}

module_init(refslab_init);
module_exit(refslab_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("refslab: slab caches, refcounted objects and a cycle collector for user processes");
/* The uapi version is the module's: the DKMS package reads it too. */
MODULE_VERSION(__stringify(REFSLAB_VERSION_MAJOR) "." __stringify(REFSLAB_VERSION_MINOR));
