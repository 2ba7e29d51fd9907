/* SPDX-License-Identifier: GPL-2.0 */
/* refslab debugfs: the root directory and the per-heap views. */
#ifndef REFSLAB_DEBUGFS_H
#define REFSLAB_DEBUGFS_H

struct dentry;

struct dentry *rs_debugfs_init(void);
void rs_debugfs_exit(void);

#endif /* REFSLAB_DEBUGFS_H */
