// SPDX-License-Identifier: GPL-2.0
/*
 * refslabctl stats: the debugfs views under /sys/kernel/debug/refslab as a
 * readable report or as JSON.
 *
 * "slabinfo" (the /proc/slabinfo format) is parsed into a table.  Every
 * other readable entry is walked in name order: a directory whose children
 * are directories of one-number files (per-cache counters, per-heap
 * figures) is shown as a table with one row per child; other files are
 * shown as they are, and in JSON parsed as a number, as "key: value" /
 * "key value" lines into an object, or kept as a string.  Entries whose
 * name starts with "bench" are skipped: reading them runs benchmarks.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ctl.h"
#include "rsdbg.h"

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static bool is_number(const char *s)
{
	char *end;

	if (!*s)
		return false;
	if (*s == '-')
		strtoll(s, &end, 10);
	else
		strtoull(s, &end, 10);
	return *end == '\0';
}

/* A value token: a JSON number if it is one, else a string. */
static void json_val(FILE *f, const char *s)
{
	if (is_number(s))
		fputs(s, f);
	else
		json_str(f, s);
}

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

/* ---- table files (slabinfo, heaps): a "# name <col> ..." header ---- */

/* "# name <active_objs> ... : tunables <limit> ... : slabdata <x> ..."
 * gives the column names; the rows follow in the same shape. */
static int split_cols(char *line, char **cols, int max)
{
	int n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(line, " \t", &save); t && n < max;
	     t = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(t, ":") || !strcmp(t, "#"))
			continue;
		if (!strcmp(t, "tunables") || !strcmp(t, "slabdata"))
			continue;
		if (t[0] == '<') {
			size_t l = strlen(t);

			t++;
			if (l > 1 && t[l - 2] == '>')
				t[l - 2] = '\0';
		}
		cols[n++] = t;
	}
	return n;
}

static void table_json(FILE *f, char *text)
{
	char *names[32], *vals[32], *save = NULL, *line;
	char *hdr = NULL;
	int nnames = 0, first = 1, i, n;

	fputs("[", f);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "slabinfo", 8))
			continue;
		if (line[0] == '#') {
			hdr = line;
			nnames = split_cols(hdr, names, 32);
			continue;
		}
		n = split_cols(line, vals, 32);
		if (!n)
			continue;
		fputs(first ? "\n    {" : ",\n    {", f);
		first = 0;
		for (i = 0; i < n; i++) {
			if (i)
				fputs(", ", f);
			if (i < nnames)
				json_str(f, names[i]);
			else
				fprintf(f, "\"col%d\"", i);
			fputs(": ", f);
			json_val(f, vals[i]);
		}
		fputs("}", f);
	}
	fputs(first ? "]" : "\n  ]", f);
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
 * out (and counted); in JSON every row is there.
 */
static void print_table(FILE *f, const char *dir, const char *rel, bool json)
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
	if (json) {
		fputs("{", f);
		for (r = 0; r < nr; r++) {
			fputs(r ? ",\n    " : "\n    ", f);
			json_str(f, rows[r]->d_name);
			fputs(": {", f);
			for (c = 0; c < nc; c++) {
				if (c)
					fputs(", ", f);
				json_str(f, cols[c]->d_name);
				fputs(": ", f);
				if (val[r][c])
					json_val(f, val[r][c]);
				else
					fputs("null", f);
			}
			fputs("}", f);
		}
		fputs("\n  }", f);
		goto out;
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

/* A file's content as JSON: number, object of key/value lines, or text. */
static void file_json(FILE *f, char *text)
{
	char *t = trim(text), *copy, *line, *save = NULL;
	bool kv = true;
	int first = 1;

	if (is_number(t)) {
		fputs(t, f);
		return;
	}
	/* "# col col ..." header then rows (slabinfo, heaps): array */
	if (t[0] == '#' || strstr(t, "\n#")) {
		table_json(f, t);
		return;
	}
	copy = strdup(t);
	if (!copy) {
		json_str(f, t);
		return;
	}
	for (line = strtok_r(copy, "\n", &save); line && kv;
	     line = strtok_r(NULL, "\n", &save)) {
		char *l = trim(line), *sep;

		if (!*l)
			continue;
		sep = strpbrk(l, ":= \t");
		if (!sep || sep == l)
			kv = false;
	}
	free(copy);
	if (!kv || !*t) {
		json_str(f, t);
		return;
	}
	fputs("{", f);
	for (line = strtok_r(t, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *l = trim(line), *sep, *v;

		if (!*l)
			continue;
		sep = strpbrk(l, ":= \t");
		*sep = '\0';
		v = trim(sep + 1);
		while (*v == ':' || *v == '=')
			v = trim(v + 1);
		fputs(first ? " " : ", ", f);
		first = 0;
		json_str(f, trim(l));
		fputs(": ", f);
		json_val(f, v);
	}
	fputs(" }", f);
}

static void walk(FILE *f, const char *dir, const char *rel, bool json,
		 int depth);

static void entry(FILE *f, const char *path, const char *rel, const char *name,
		  bool json, int depth, bool first)
{
	struct stat st;
	char *text;

	if (!readable(path, &st))
		return;
	if (json) {
		fprintf(f, "%s\n%*s", first ? "" : ",", 2 * depth + 2, "");
		json_str(f, name);
		fputs(": ", f);
	}
	if (S_ISDIR(st.st_mode)) {
		if (depth > 8)
			fputs(json ? "null" : "", f);
		else if (table_dir(path))
			print_table(f, path, rel, json);
		else
			walk(f, path, rel, json, depth + 1);
		return;
	}
	if (rsdbg_read(path, &text, NULL)) {
		if (json)
			fputs("null", f);
		return;
	}
	if (json) {
		file_json(f, text);
	} else {
		char *t = trim(text);

		if (strchr(t, '\n'))
			fprintf(f, "%s:\n%s\n\n", rel, t);
		else
			fprintf(f, "%s: %s\n", rel, t);
	}
	free(text);
}

static void walk(FILE *f, const char *dir, const char *rel, bool json,
		 int depth)
{
	struct dirent **ents;
	int n, i, first = 1;
	char path[4096], r2[4096];

	n = scandir(dir, &ents, keep_entry, alphasort);
	if (json)
		fputs("{", f);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (*rel)
			snprintf(r2, sizeof(r2), "%s/%s", rel, ents[i]->d_name);
		else
			snprintf(r2, sizeof(r2), "%s", ents[i]->d_name);
		/* slabinfo first at the top: done by the caller */
		if (*rel || strcmp(ents[i]->d_name, "slabinfo")) {
			struct stat st;

			if (readable(path, &st)) {
				entry(f, path, r2, ents[i]->d_name, json, depth,
				      first);
				first = 0;
			}
		}
		free(ents[i]);
	}
	if (n > 0)
		free(ents);
	if (json)
		fprintf(f, "\n%*s}", 2 * depth, "");
}

int stats_main(int argc, char **argv)
{
	const char *root = rsdbg_root();
	bool json = false;
	char path[4096];
	struct stat st;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else {
			fprintf(stderr, "usage: refslabctl stats [--json]\n");
			return EXIT_USAGE;
		}
	}
	if (stat(root, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "refslabctl stats: %s: %s (is the module loaded, debugfs mounted, and are you root?)\n",
			root, strerror(errno ? errno : ENOTDIR));
		return EXIT_FAIL;
	}
	snprintf(path, sizeof(path), "%s/slabinfo", root);
	if (json) {
		fputs("{", stdout);
		if (!stat(path, &st)) {
			char *text;

			fputs("\n  \"slabinfo\": ", stdout);
			if (!rsdbg_read(path, &text, NULL)) {
				table_json(stdout, text);
				free(text);
			} else {
				fputs("null", stdout);
			}
			fputs(",\n  \"debugfs\": ", stdout);
		} else {
			fputs("\n  \"debugfs\": ", stdout);
		}
		walk(stdout, root, "", true, 1);
		fputs("\n}\n", stdout);
	} else {
		if (!stat(path, &st))
			entry(stdout, path, "slabinfo", "slabinfo", false, 0, true);
		walk(stdout, root, "", false, 0);
	}
	fflush(stdout);
	return 0;
}
