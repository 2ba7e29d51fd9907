/* SPDX-License-Identifier: GPL-2.0 */
/* refslabctl internals shared by its three files. */
#ifndef REFSLABCTL_H
#define REFSLABCTL_H

#include <stdio.h>
#include <stdbool.h>
#include "librefslab.h"

/* Exit statuses. */
#define EXIT_FAIL	1	/* an operation or an expectation failed */
#define EXIT_USAGE	2	/* bad command line or script syntax */

/* Numbers: decimal, 0x hex, with an optional k/m/g binary suffix. */
int parse_u64(const char *s, uint64_t *v);
int parse_u32(const char *s, uint32_t *v);

/* Printing shared by one-shot commands and scripts. */
const char *errstr(int err);		/* "No such file or directory (ENOENT)" */
void print_stat(FILE *f, const char *label, const struct refslab_stat *st);
void print_heap_stats(FILE *f, const struct refslab_heap_stats *st);
void print_gc_control(FILE *f, const struct refslab_gc_control *c);
void print_gc_stats(FILE *f, const struct refslab_gc_stats *st);
void print_cache_list(FILE *f, refslab_heap *h);
void print_escaped(FILE *f, const unsigned char *buf, size_t len);

/* script.c: run a scenario; returns an exit status. */
int script_run(refslab_heap *h, const char *path, bool verbose);

/* stats.c: `refslabctl stats [--json]`; returns an exit status. */
int stats_main(int argc, char **argv);

/* top.c: `refslabctl top`, a live view; returns an exit status. */
int top_main(int argc, char **argv);

#endif /* REFSLABCTL_H */
