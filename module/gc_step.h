/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test stepping of the collector (debugfs "gc_step"): see gc_step.c.
 * Called by gc.c without heap->lock.
 *
 * rs_step_begin(): at the start of a synchronous collection; true if the
 *	calling process armed stepping, so the collection stops at points.
 * rs_step_point(): a point (the collector has dropped heap->lock and
 *	@next runs after it); waits for the test.  False once stepping was
 *	disarmed (or the task is being killed): stop calling it.
 * rs_step_end(): the stepped collection ended.
 */
#ifndef REFSLAB_GC_STEP_H
#define REFSLAB_GC_STEP_H

#include <linux/types.h>

struct dentry;

bool rs_step_begin(void);
bool rs_step_point(const char *next);
void rs_step_end(void);

void rs_step_init(struct dentry *debugfs_root);
void rs_step_exit(void);

#endif /* REFSLAB_GC_STEP_H */
