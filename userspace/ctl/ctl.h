/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refslabctl internals.
 *
 * One grammar, one verb table (refslabctl.c, verbs[]): a command line
 * "refslabctl [GLOBAL OPTIONS] VERB ARGS" runs VERB ARGS as a one-line
 * script, through the same do_cmd() as each line of `refslabctl run`.  A
 * verb's options are parsed by getopt_long from its table entry; its
 * operands are checked before the device is opened (the heap is opened by
 * the first verb that needs it), so a typo never reads as a missing device.
 */
#ifndef REFSLABCTL_H
#define REFSLABCTL_H

#include <getopt.h>
#include <stdio.h>
#include <stdbool.h>
#include "librefslab.h"

/* Exit statuses. */
#define EXIT_FAIL	1	/* an operation or an expectation failed */
#define EXIT_USAGE	2	/* bad command line or script syntax */

/* What a verb returns besides 0 and an operation's -errno (reported). */
#define ESYNTAX		100000	/* bad syntax, already reported: exit 2 */
#define EREPORTED	100001	/* failed, already reported: exit 1 */

#define MAXTOK		64

struct binding {
	char *name;
	uint32_t handle;
	unsigned long seq;		/* when it was last bound */
};

struct bop {			/* one operation of a batch block */
	int line;
	char *bind;		/* name to bind the output handle to */
	int expect_err;		/* 0: must succeed */
	unsigned char *buf;	/* read/write buffer */
	char *label;		/* how the line named the handle (read, stat) */
};

struct verb;

/* One run: a command line, or a script and every line of it. */
struct ctl {
	const struct verb *verbs;	/* the verb table (refslabctl.c) */
	refslab_heap *h;		/* opened by need_heap() */
	const char *device;		/* --device */
	int fd;				/* --fd, or -1 */
	bool verbose, json;		/* global -v, --json */
	const char *file;		/* the script, or NULL on the command line */
	int line;
	int quiet;			/* > 0 inside "expect error" */
	int failed;			/* failed expectations */
	struct binding *names;
	size_t nnames, capnames;
	unsigned long bind_seq;
	bool collected;			/* a collect ran */
	struct refslab_gc_collect last_collect;
	uint32_t last_done;		/* last batch's done */
	/* batch block being read */
	bool in_batch;
	uint32_t batch_flags;
	int batch_line;
	int batch_expect;		/* "expect error" of the line being queued */
	struct refslab_batch_buf batch;
	struct bop *bops;
	size_t nbops, capbops;
	/* the command running: its verb and options (by option letter) */
	const struct verb *verb;
	const char *opt[128];
	bool json_now;			/* --json, global or the verb's */
};

/*
 * A verb.  fn gets argv[0] = the verb and its operands (options removed,
 * their values in s->opt['x']); lens[] has each operand's length (a quoted
 * script word may hold NUL bytes).  It returns 0, an operation's -errno
 * (reported), ESYNTAX or EREPORTED.  A verb that parses its own arguments
 * sets main instead: it gets the whole command, the heap (opened unless
 * V_NOHEAP) and returns an exit status.
 */
struct verb {
	const char *name;
	int (*fn)(struct ctl *s, int argc, char **argv, size_t *lens);
	int (*main)(refslab_heap *h, int argc, char **argv);
	const struct option *opts;	/* its options; val: a letter */
	unsigned int flags;
	const char *usage;
	const char *help;
};

#define V_NOHEAP	0x01	/* never opens the device */
#define V_JSON		0x02	/* takes --json */
#define V_INORDER	0x04	/* options only before the first operand */
#define V_BATCH		0x08	/* may appear between batch and end */
#define V_SCRIPT	0x10	/* only in a script */
#define V_CMDLINE	0x20	/* only on the command line */
#define V_BATCHONLY	0x40	/* only between batch and end */
#define V_SHORTS	0x80	/* an option with a lowercase letter is also -x */

/* The command layer (cmd.c). */
extern const char *prog;
extern const char one_shot_note[];	/* a command line's heap is its own */

const struct verb *find_verb(const struct verb *table, const char *name);
/* The verb NAME may have been meant to be ("did you mean"), or NULL. */
const struct verb *closest_verb(const struct verb *table, const char *name);
/* Run one command (a script line or the command line's verb and args). */
int do_cmd(struct ctl *s, int argc, char **argv, size_t *lens);
/* Only its checks: the verb exists and may appear here, its options parse. */
int check_cmd(struct ctl *s, int argc, char **argv, size_t *lens);
/* Open the heap if not yet open: 0 or EREPORTED (with a hint). */
int need_heap(struct ctl *s);
/* Open the heap --fd, --device or the default names (*what: which). */
int open_heap(struct ctl *s, refslab_heap **h, const char **what);
/* What to do about an open that failed with err, or NULL. */
const char *open_hint(int err);
void verb_help(FILE *f, const struct verb *v);

/* Reporting, prefixed "FILE:LINE: " in a script, "refslabctl: " else. */
__attribute__((format(printf, 2, 3)))
int serr(struct ctl *s, const char *fmt, ...);		/* returns ESYNTAX */
int oerr(struct ctl *s, const char *what, int err);	/* returns err */
/* After a call that fetched something to print: false, with @err reported
 * (oerr), if it failed; else whether to print it (not quiet). */
bool fetched(struct ctl *s, const char *what, int err);
__attribute__((format(printf, 2, 3)))
void efail(struct ctl *s, const char *fmt, ...);	/* an expectation */

/*
 * Operands, each reported by serr() when bad (cmd.c).  A handle is a bound
 * name, a number or @N; nargs checks the operand count against the verb's
 * usage, eargs against the usage given.
 */
struct binding *find_name(struct ctl *s, const char *name);
int handle_of(struct ctl *s, const char *cmd, const char *name,
	      uint32_t *h);
int num(struct ctl *s, const char *cmd, const char *what,
	const char *tok, uint64_t *v);
int num32(struct ctl *s, const char *cmd, const char *what,
	  const char *tok, uint32_t *v);
int nargs(struct ctl *s, int argc, int lo, int hi);
int eargs(struct ctl *s, int argc, int lo, int hi, const char *usage);

/* Numbers: decimal, 0x hex, with an optional k/m/g binary suffix. */
int parse_u64(const char *s, uint64_t *v);
int parse_u32(const char *s, uint32_t *v);

/* Printing (print.c); json: one JSON value, then a newline. */
const char *errstr(int err);		/* "No such file or directory (ENOENT)" */
void print_escaped(FILE *f, const unsigned char *buf, size_t len);
void json_str(FILE *f, const char *s);
void print_stat(FILE *f, const char *label, const struct refslab_stat *st);
void json_stat(FILE *f, const struct refslab_stat *st);
void print_heap_stats(FILE *f, const struct refslab_heap_stats *st, bool json);
void print_limits(FILE *f, const struct refslab_heap_stats *st, bool json);
void print_gc_control(FILE *f, const struct refslab_gc_control *c, bool json);
void print_gc_stats(FILE *f, const struct refslab_gc_stats *st, bool json);
void print_collect(FILE *f, const struct refslab_gc_collect *c, bool json);
int print_cache_list(FILE *f, refslab_heap *h, bool json);

/* The script runner (script.c). */
int script_run(struct ctl *s, const char *path);
void ctl_free(struct ctl *s);

/* The verbs, by file: verbs.c, then expect.c, stats.c. */
int c_create(struct ctl *s, int argc, char **argv, size_t *lens);
int c_dup(struct ctl *s, int argc, char **argv, size_t *lens);
int c_drop(struct ctl *s, int argc, char **argv, size_t *lens);
int c_link(struct ctl *s, int argc, char **argv, size_t *lens);
int c_unlink(struct ctl *s, int argc, char **argv, size_t *lens);
int c_get(struct ctl *s, int argc, char **argv, size_t *lens);
int c_write(struct ctl *s, int argc, char **argv, size_t *lens);
int c_read(struct ctl *s, int argc, char **argv, size_t *lens);
int c_stat(struct ctl *s, int argc, char **argv, size_t *lens);
int c_raw(struct ctl *s, int argc, char **argv, size_t *lens);
int c_graph(struct ctl *s, int argc, char **argv, size_t *lens);
int c_collect(struct ctl *s, int argc, char **argv, size_t *lens);
int c_heap(struct ctl *s, int argc, char **argv, size_t *lens);
int c_limits(struct ctl *s, int argc, char **argv, size_t *lens);
int c_cache(struct ctl *s, int argc, char **argv, size_t *lens);
int c_gc(struct ctl *s, int argc, char **argv, size_t *lens);
int c_freeze(struct ctl *s, int argc, char **argv, size_t *lens);
int c_unfreeze(struct ctl *s, int argc, char **argv, size_t *lens);
int c_print(struct ctl *s, int argc, char **argv, size_t *lens);
int c_batch(struct ctl *s, int argc, char **argv, size_t *lens);
int c_end(struct ctl *s, int argc, char **argv, size_t *lens);
void batch_clear(struct ctl *s);	/* forget a batch block being read */
int c_expect(struct ctl *s, int argc, char **argv, size_t *lens);	/* expect.c */
int c_stats(struct ctl *s, int argc, char **argv, size_t *lens);	/* stats.c */

/* top.c: `refslabctl top`, a live view; returns an exit status. */
int top_main(int argc, char **argv);

#endif /* REFSLABCTL_H */
