/* SPDX-License-Identifier: GPL-2.0 */
/* refslabctl graph (graph.c): a heap's object graph as DOT or JSON. */
#ifndef REFSLABCTL_GRAPH_H
#define REFSLABCTL_GRAPH_H

#include <stdio.h>
#include "librefslab.h"

enum graph_format { GRAPH_DOT, GRAPH_JSON };

/* A name for a handle's root node (NULL: none), e.g. a scenario's. */
typedef const char *(*graph_namer)(void *ctx, uint32_t handle);

/* Dump the heap and write its graph to f: 0 or -errno (-EAGAIN: it kept
 * changing under the dump). */
int graph_write(refslab_heap *h, FILE *f, enum graph_format fmt,
		graph_namer namer, void *ctx);

/* Write it to a file: JSON if its name ends in ".json", else DOT; a
 * relative name is under $REFSLAB_GRAPH_DIR when that is set. */
int graph_save(refslab_heap *h, const char *file, graph_namer namer,
	       void *ctx);

#endif /* REFSLABCTL_GRAPH_H */
