/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rsdbg: refslab's debugfs files read as text (needs debugfs mounted and
 * root).  Private to refslabctl and the tests: debugfs is not an ABI.
 * The root is REFSLAB_DEBUGFS, or $REFSLAB_DEBUGFS_DIR when set.
 */
#ifndef RSDBG_H
#define RSDBG_H

/* Where the module's debugfs files are.  Not in the uapi: not an ABI. */
#define REFSLAB_DEBUGFS		"/sys/kernel/debug/refslab"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

const char *rsdbg_root(void);
/* Read a whole file under the root (rel: "slabinfo", "gc", ...; an absolute
 * path is read as it is) into a NUL-terminated malloc()ed buffer:
 * 0 or -errno. */
int rsdbg_read(const char *rel, char **text, size_t *len);
/* Find "key<sep>value" (sep: ':' '=' or blanks) in a debugfs file and
 * parse value as an unsigned number: 0, -ENOENT or -errno. */
int rsdbg_u64(const char *rel, const char *key, uint64_t *val);

/*
 * The parsers of the files whose format is fixed, one per format, for
 * refslabctl stats and top and for the tests.  Each takes the text as
 * rsdbg_read() returns it and keeps its own copy, cut into words; each
 * returns 0, -ENOMEM, or -EPROTO with what did not match in why[].
 */

/* slabinfo: /proc/slabinfo's version 2.1 format, one row per cache. */
struct rsdbg_slab {
	const char *name;
	uint64_t active_objs, num_objs, objsize, objperslab, pagesperslab;
	uint64_t limit, batchcount, sharedfactor;
	uint64_t active_slabs, num_slabs, sharedavail;
};

struct rsdbg_slabinfo {
	size_t n;
	struct rsdbg_slab *rows;
	char *text;			/* the names point into it */
	char why[160];
};

/* The numbers of a row: their names (as slabinfo's header has them),
 * their word in the row, their place in struct rsdbg_slab. */
struct rsdbg_slab_col {
	const char *key;
	int word;
	size_t off;
};

#define RSDBG_SLAB_NCOLS 11
extern const struct rsdbg_slab_col rsdbg_slab_cols[RSDBG_SLAB_NCOLS];

static inline uint64_t rsdbg_slab_get(const struct rsdbg_slab *row,
				      const struct rsdbg_slab_col *col)
{
	return *(const uint64_t *)((const char *)row + col->off);
}

int rsdbg_slabinfo_parse(const char *text, struct rsdbg_slabinfo *si);
const struct rsdbg_slab *rsdbg_slab_find(const struct rsdbg_slabinfo *si,
					 const char *name);
void rsdbg_slabinfo_free(struct rsdbg_slabinfo *si);

/*
 * heaps: a "# col col ..." header, then one row of words per heap under
 * it.  Columns are found by name: columns added later move none.
 */
struct rsdbg_table {
	int ncols;
	char **cols;
	size_t nrows;
	char **cells;			/* row r, column c: cells[r * ncols + c] */
	char *text;
	char why[160];
};

int rsdbg_table_parse(const char *text, struct rsdbg_table *t);
/* The column called name, or -1. */
int rsdbg_table_col(const struct rsdbg_table *t, const char *name);
/* The number in row r, column c (decimal); 0 when c < 0. */
uint64_t rsdbg_table_u64(const struct rsdbg_table *t, size_t r, int c);
void rsdbg_table_free(struct rsdbg_table *t);

/*
 * gc: a "global:" section, then a "heap PID id ID[ (closed)]:" section per
 * heap; in each, indented lines "key value...".  A heap is known by its
 * id (pids repeat: one process may open many heaps).
 */
struct rsdbg_kv {
	const char *key;
	int nval;
	char **val;
};

struct rsdbg_gc_section {
	int pid;
	uint64_t id;
	bool closed;
	size_t n;
	struct rsdbg_kv *kv;
};

struct rsdbg_gc {
	bool has_global;
	struct rsdbg_gc_section global;
	size_t nheaps;
	struct rsdbg_gc_section *heaps;
	char *text;
	char why[160];
};

int rsdbg_gc_parse(const char *text, struct rsdbg_gc *g);
/* The heap section with this id, or NULL. */
const struct rsdbg_gc_section *rsdbg_gc_heap(const struct rsdbg_gc *g,
					     uint64_t id);
/* The first value of key in sec as a number: 0, or -ENOENT (no such key,
 * or its value is not a number). */
int rsdbg_gc_u64(const struct rsdbg_gc_section *sec, const char *key,
		 uint64_t *val);
void rsdbg_gc_free(struct rsdbg_gc *g);

/* A decimal integer, as the files write one (a knob may read -1). */
bool rsdbg_is_int(const char *s);

#endif /* RSDBG_H */
