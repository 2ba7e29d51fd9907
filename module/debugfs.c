// SPDX-License-Identifier: GPL-2.0
/*
 * refslab debugfs: the /sys/kernel/debug/refslab/ directory and the
 * per-heap view `heaps`.  The slab and collector units add their own files
 * under the same root (slabinfo, caches/, gc).
 *
 * Locking: `heaps` walks rs_heaps under rs_heaps_lock and reads each
 * heap's figures without its lock (a mutator may hold that for a long
 * teardown): each figure is exact, a line is not a snapshot.  A heap is
 * named by its id (the last column), since one process may own many.
 * Every file is read-only but for knobs the units document themselves.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include "heap.h"
#include "debugfs.h"

static struct dentry *rs_debugfs_root;

static int rs_heaps_show(struct seq_file *m, void *v)
{
	struct rs_heap *h;

	seq_puts(m, "# pid objects bytes handles caches max_objects max_bytes max_handles max_caches created freed incref decref id\n");
	mutex_lock(&rs_heaps_lock);
	list_for_each_entry(h, &rs_heaps, node) {
		seq_printf(m, "%d %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu\n",
			   h->owner, h->nobjects, h->nbytes, h->nhandles,
			   h->ncaches, h->limits.max_objects,
			   h->limits.max_bytes, h->limits.max_handles,
			   h->limits.max_caches, h->created, h->freed,
			   h->incref, h->decref, h->id);
	}
	mutex_unlock(&rs_heaps_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rs_heaps);

struct dentry *rs_debugfs_init(void)
{
	rs_debugfs_root = debugfs_create_dir("refslab", NULL);
	debugfs_create_file("heaps", 0444, rs_debugfs_root, NULL, &rs_heaps_fops);
	return rs_debugfs_root;
}

void rs_debugfs_exit(void)
{
	debugfs_remove_recursive(rs_debugfs_root);
}
