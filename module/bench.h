/* SPDX-License-Identifier: GPL-2.0 */
/* refslab in-kernel benchmarks (refslab caches against SLUB), via debugfs. */
#ifndef REFSLAB_BENCH_H
#define REFSLAB_BENCH_H

struct dentry;

void rs_bench_init(struct dentry *debugfs_root);

#endif /* REFSLAB_BENCH_H */
