/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refslab heap verifier (debug, gc_verify=1): see verify.c for what it
 * checks.  Called without heap->lock (it takes it).
 */
#ifndef REFSLAB_VERIFY_H
#define REFSLAB_VERIFY_H

#include <linux/types.h>

struct rs_heap;

bool rs_verify_enabled(void);
void rs_heap_verify(struct rs_heap *h, const char *when);

#endif /* REFSLAB_VERIFY_H */
