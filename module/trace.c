// SPDX-License-Identifier: GPL-2.0
/*
 * refslab tracepoints: the one file that defines them.  The events, their
 * fields and how a heap, an object and a cache are named are in trace.h;
 * slab.c, object.c and gc.c call them.
 */
#include "heap.h"
#include "object.h"
#include "slab.h"

#define CREATE_TRACE_POINTS
#include "trace.h"
