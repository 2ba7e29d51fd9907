// SPDX-License-Identifier: GPL-2.0
/*
 * refslabctl stats: the debugfs views under /sys/kernel/debug/refslab as a
 * readable report or as JSON.
 *
 * The report walks every readable entry in name order ("slabinfo" first):
 * a directory of directories of one-number files (per-cache counters) is
 * a table with one row per child; other files are shown as they are.
 * Entries whose name starts with "bench" are skipped: reading them runs
 * benchmarks.
 *
 * The JSON reads only the files whose format is fixed, each with its own
 * parser, and refuses (exit 1, nothing printed) what does not match it:
 *   {"slabinfo": [row...], "heaps": [row...],
 *    "gc": {"global": {...}, "heaps": [{"id", "pid", "closed", ...}...]},
 *    "caches": {NAME: {counter: N, ..., fail_alloc: {...}}...}}
 * Every figure is a number; a heap is told apart by its id (pids repeat:
 * one process may open many heaps).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ctl.h"
#include "rsdbg.h"

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* ---- the generic walk ---- */

/* scandir filter: no dot entries, no benchmark triggers */
static int keep_entry(const struct dirent *d)
{
	return d->d_name[0] != '.' && strncmp(d->d_name, "bench", 5);
}

static bool readable(const char *path, struct stat *st)
{
	if (stat(path, st))
		return false;
	return S_ISDIR(st->st_mode) || (st->st_mode & 0444);
}

/* A file's first word (SLUB-style counters read "12 C0=5 C1=7": the
 * total comes first); NULL if it cannot be read or is empty. */
static char *first_word(const char *path)
{
	char *text, *t;
	size_t n;

	if (rsdbg_read(path, &text, NULL))
		return NULL;
	t = trim(text);
	n = strcspn(t, " \t\n");
	if (!n) {
		free(text);
		return NULL;
	}
	memmove(text, t, n);
	text[n] = '\0';
	return text;
}

static bool is_readable_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && (st.st_mode & 0444);
}

/* scandir filter for table columns: readable regular files only */
static const char *col_dir;

static int keep_col(const struct dirent *d)
{
	char p[4352];

	if (!keep_entry(d))
		return 0;
	snprintf(p, sizeof(p), "%s/%s", col_dir, d->d_name);
	return is_readable_file(p);
}

/* Is dir a set of subdirectories (per-cache counters, ...) holding files? */
static bool table_dir(const char *dir)
{
	struct dirent **ents;
	int n, i, ok;
	struct stat st;
	char path[4096];

	n = scandir(dir, &ents, keep_entry, alphasort);
	if (n <= 0)
		return false;
	ok = 1;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (ok && (stat(path, &st) || !S_ISDIR(st.st_mode)))
			ok = 0;
		free(ents[i]);
	}
	free(ents);
	return ok;
}

/*
 * A table dir: one row per subdirectory, one column per readable file
 * (its first word).  In text, rows whose figures are all zero are left
 * out (and counted).
 */
static void print_table(FILE *f, const char *dir, const char *rel)
{
	struct dirent **rows, **cols = NULL;
	int nr, nc = 0, r, c, hidden = 0, *w;
	char path[4096], ***val;

	nr = scandir(dir, &rows, keep_entry, alphasort);
	if (nr <= 0)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, rows[0]->d_name);
	col_dir = path;
	nc = scandir(path, &cols, keep_col, alphasort);
	if (nc < 0)
		nc = 0;
	val = calloc(nr, sizeof(*val));
	w = calloc(nc + 1, sizeof(*w));
	if (!val || !w)
		goto out;
	w[nc] = 4;
	for (c = 0; c < nc; c++)
		w[c] = (int)strlen(cols[c]->d_name);
	for (r = 0; r < nr; r++) {
		val[r] = calloc(nc + 1, sizeof(char *));
		if (!val[r])
			goto out;
		if ((int)strlen(rows[r]->d_name) > w[nc])
			w[nc] = (int)strlen(rows[r]->d_name);
		for (c = 0; c < nc; c++) {
			snprintf(path, sizeof(path), "%s/%s/%s", dir,
				 rows[r]->d_name, cols[c]->d_name);
			val[r][c] = first_word(path);
			if (val[r][c] && (int)strlen(val[r][c]) > w[c])
				w[c] = (int)strlen(val[r][c]);
		}
	}
	fprintf(f, "%s:\n  %-*s", rel, w[nc], "name");
	for (c = 0; c < nc; c++)
		fprintf(f, " %*s", w[c], cols[c]->d_name);
	fputc('\n', f);
	for (r = 0; r < nr; r++) {
		bool zero = true;

		for (c = 0; c < nc; c++)
			if (val[r][c] && strcmp(val[r][c], "0") &&
			    strcmp(cols[c]->d_name, "debug") &&
			    strncmp(cols[c]->d_name, "fail", 4))
				zero = false;
		if (zero) {
			hidden++;
			continue;
		}
		fprintf(f, "  %-*s", w[nc], rows[r]->d_name);
		for (c = 0; c < nc; c++)
			fprintf(f, " %*s", w[c], val[r][c] ? val[r][c] : "-");
		fputc('\n', f);
	}
	if (hidden)
		fprintf(f, "  (%d more with every figure zero)\n", hidden);
	fputc('\n', f);
out:
	for (r = 0; val && r < nr; r++) {
		for (c = 0; val[r] && c < nc; c++)
			free(val[r][c]);
		free(val[r]);
	}
	free(val);
	free(w);
	for (c = 0; c < nc; c++)
		free(cols[c]);
	free(cols);
	for (r = 0; r < nr; r++)
		free(rows[r]);
	free(rows);
}

static void walk(FILE *f, const char *dir, const char *rel, int depth);

static void entry(FILE *f, const char *path, const char *rel, int depth)
{
	struct stat st;
	char *text, *t;

	if (!readable(path, &st))
		return;
	if (S_ISDIR(st.st_mode)) {
		if (depth > 8)
			return;
		if (table_dir(path))
			print_table(f, path, rel);
		else
			walk(f, path, rel, depth + 1);
		return;
	}
	if (rsdbg_read(path, &text, NULL))
		return;
	t = trim(text);
	if (strchr(t, '\n'))
		fprintf(f, "%s:\n%s\n\n", rel, t);
	else
		fprintf(f, "%s: %s\n", rel, t);
	free(text);
}

static void walk(FILE *f, const char *dir, const char *rel, int depth)
{
	struct dirent **ents;
	int n, i;
	char path[4096], r2[4096];

	n = scandir(dir, &ents, keep_entry, alphasort);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (*rel)
			snprintf(r2, sizeof(r2), "%s/%s", rel, ents[i]->d_name);
		else
			snprintf(r2, sizeof(r2), "%s", ents[i]->d_name);
		/* slabinfo first at the top: done by the caller */
		if (*rel || strcmp(ents[i]->d_name, "slabinfo"))
			entry(f, path, r2, depth);
		free(ents[i]);
	}
	if (n > 0)
		free(ents);
}

/* ---- JSON: each known file by its own fixed format ---- */

struct jout {
	FILE *f;
	const char *file;	/* what is being parsed, for errors */
	int err;		/* set by the first parse error */
};

__attribute__((format(printf, 2, 3)))
static void jerr(struct jout *j, const char *fmt, ...)
{
	va_list ap;

	if (j->err)
		return;
	j->err = 1;
	fprintf(stderr, "%s stats: %s/%s: ", prog, rsdbg_root(), j->file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A token that must be a decimal number. */
static void jnum(struct jout *j, const char *tok)
{
	if (!rsdbg_is_int(tok)) {
		jerr(j, "'%s' is not a number", tok);
		return;
	}
	fputs(tok, j->f);
}

/* Whether a file parsed (rsdbg's parsers: err and why); reported if not. */
static bool parsed(struct jout *j, int err, const char *why)
{
	if (err)
		jerr(j, "%s", err == -EPROTO ? why : strerror(-err));
	return !err;
}

/* slabinfo, in /proc/slabinfo's version 2.1 format: an array of rows. */
static void json_slabinfo(struct jout *j, const char *text)
{
	struct rsdbg_slabinfo si;
	size_t r, i;

	if (!parsed(j, rsdbg_slabinfo_parse(text, &si), si.why))
		goto out;
	fputc('[', j->f);
	for (r = 0; r < si.n; r++) {
		fputs(r ? ",\n  {\"name\": " : "\n  {\"name\": ", j->f);
		json_str(j->f, si.rows[r].name);
		for (i = 0; i < RSDBG_SLAB_NCOLS; i++)
			fprintf(j->f, ", \"%s\": %llu", rsdbg_slab_cols[i].key,
				(unsigned long long)rsdbg_slab_get(&si.rows[r], &rsdbg_slab_cols[i]));
		fputc('}', j->f);
	}
	fputc(']', j->f);
out:
	rsdbg_slabinfo_free(&si);
}

/* heaps: a "# col col ..." header, then one row of numbers per heap. */
static void json_heaps(struct jout *j, const char *text)
{
	struct rsdbg_table t;
	size_t r;
	int i;

	if (!parsed(j, rsdbg_table_parse(text, &t), t.why))
		goto out;
	fputc('[', j->f);
	for (r = 0; r < t.nrows; r++) {
		fputs(r ? ",\n  {" : "\n  {", j->f);
		for (i = 0; i < t.ncols; i++) {
			fprintf(j->f, "%s", i ? ", " : "");
			json_str(j->f, t.cols[i]);
			fputs(": ", j->f);
			jnum(j, t.cells[r * t.ncols + i]);
		}
		fputc('}', j->f);
	}
	fputc(']', j->f);
out:
	rsdbg_table_free(&t);
}

/*
 * A line of a gc section: "key N" (a number), "pauses N..." (an array:
 * lock holds per length bucket) and "last_phase_ns PHASE=N..." (an object).
 */
static void json_gc_line(struct jout *j, const struct rsdbg_kv *kv, bool first)
{
	int i;

	if (kv->nval < 1) {
		jerr(j, "line '%s' has no value", kv->key);
		return;
	}
	fprintf(j->f, "%s\"%s\": ", first ? "" : ", ", kv->key);
	if (!strcmp(kv->key, "pauses")) {
		fputc('[', j->f);
		for (i = 0; i < kv->nval; i++) {
			fputs(i ? ", " : "", j->f);
			jnum(j, kv->val[i]);
		}
		fputc(']', j->f);
	} else if (strchr(kv->val[0], '=')) {
		fputc('{', j->f);
		for (i = 0; i < kv->nval; i++) {
			char *eq = strchr(kv->val[i], '=');

			if (!eq) {
				jerr(j, "'%s' in %s is not NAME=N", kv->val[i], kv->key);
				return;
			}
			*eq = '\0';
			fputs(i ? ", " : "", j->f);
			json_str(j->f, kv->val[i]);
			fputs(": ", j->f);
			jnum(j, eq + 1);
		}
		fputc('}', j->f);
	} else if (kv->nval == 1) {
		jnum(j, kv->val[0]);
	} else {
		jerr(j, "'%s' has %d values", kv->key, kv->nval);
	}
}

/* gc: {"global": {...}, "heaps": [{"id", "pid", "closed", ...}...]} */
static void json_gc(struct jout *j, const char *text)
{
	struct rsdbg_gc g;
	size_t i, k;

	if (!parsed(j, rsdbg_gc_parse(text, &g), g.why))
		goto out;
	fputc('{', j->f);
	if (g.has_global) {
		fputs("\n  \"global\": {", j->f);
		for (k = 0; k < g.global.n; k++)
			json_gc_line(j, &g.global.kv[k], !k);
		fputs("},\n  ", j->f);
	}
	fputs("\"heaps\": [", j->f);
	for (i = 0; i < g.nheaps; i++) {
		const struct rsdbg_gc_section *sec = &g.heaps[i];

		fprintf(j->f, "%s\n   {\"id\": %llu, \"pid\": %d, \"closed\": %s", i ? "," : "",
			(unsigned long long)sec->id, sec->pid, sec->closed ? "true" : "false");
		for (k = 0; k < sec->n; k++)
			json_gc_line(j, &sec->kv[k], false);
		fputc('}', j->f);
	}
	fputs("]}", j->f);
out:
	rsdbg_gc_free(&g);
}

/* caches/: a directory per cache, its figures one file each ("N" or "N
 * C0=.. C1=..": the total first), fault knobs in subdirectories. */
static void json_dir(struct jout *j, const char *dir, int depth)
{
	struct dirent **ents;
	char path[4096], *w;
	struct stat st;
	int n, i, k = 0;

	n = scandir(dir, &ents, keep_entry, alphasort);
	fputc('{', j->f);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (readable(path, &st) && (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) &&
		    depth < 4) {
			fputs(k++ ? ", " : "", j->f);
			if (depth == 0)
				fputs("\n  ", j->f);
			json_str(j->f, ents[i]->d_name);
			fputs(": ", j->f);
			if (S_ISDIR(st.st_mode)) {
				json_dir(j, path, depth + 1);
			} else if ((w = first_word(path))) {
				jnum(j, w);
				free(w);
			} else {
				fputs("null", j->f);
			}
		}
		free(ents[i]);
	}
	if (n > 0)
		free(ents);
	fputc('}', j->f);
}

static int stats_json(const char *root)
{
	static const struct {
		const char *name;
		void (*parse)(struct jout *j, const char *text);
	} files[] = {
		{ "slabinfo", json_slabinfo },
		{ "heaps", json_heaps },
		{ "gc", json_gc },
	};
	struct jout j = { .file = "" };
	char *buf = NULL, *text, path[4096];
	size_t len = 0, i;
	int err;

	j.f = open_memstream(&buf, &len);
	if (!j.f)
		return -ENOMEM;
	fputc('{', j.f);
	for (i = 0; i < sizeof(files) / sizeof(files[0]) && !j.err; i++) {
		j.file = files[i].name;
		err = rsdbg_read(files[i].name, &text, NULL);
		if (err) {
			jerr(&j, "%s", strerror(-err));
			break;
		}
		fprintf(j.f, "%s\n\"%s\": ", i ? "," : "", files[i].name);
		files[i].parse(&j, text);
		free(text);
	}
	if (!j.err) {
		j.file = "caches";
		snprintf(path, sizeof(path), "%s/caches", root);
		fputs(",\n\"caches\": ", j.f);
		json_dir(&j, path, 0);
	}
	fputs("}\n", j.f);
	fclose(j.f);
	if (!j.err)
		fputs(buf, stdout);
	free(buf);
	return j.err ? EREPORTED : 0;
}

int c_stats(struct ctl *s, int argc, char **argv, size_t *lens)
{
	const char *root = rsdbg_root();
	char path[4096];
	struct stat st;

	(void)argv;
	(void)lens;
	if (argc != 1)
		return serr(s, "usage: stats [--json]");
	if (stat(root, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s stats: %s: %s (is the module loaded, debugfs mounted, and are you root?)\n",
			prog, root, strerror(errno ? errno : ENOTDIR));
		return EREPORTED;
	}
	fflush(stdout);
	if (s->json_now)
		return stats_json(root);
	snprintf(path, sizeof(path), "%s/slabinfo", root);
	if (!stat(path, &st))
		entry(stdout, path, "slabinfo", 0);
	walk(stdout, root, "", 0);
	fflush(stdout);
	return 0;
}
