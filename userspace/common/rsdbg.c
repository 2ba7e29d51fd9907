// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * rsdbg: reading refslab's debugfs files as text, for refslabctl and the
 * tests.  Not part of librefslab's interface: debugfs is not an ABI, so the
 * parsers live next to the programs that accept that.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "refslab.h"
#include "rsdbg.h"

const char *rsdbg_root(void)
{
	const char *d = getenv("REFSLAB_DEBUGFS_DIR");

	return d && *d ? d : REFSLAB_DEBUGFS;
}

int rsdbg_read(const char *rel, char **text, size_t *len)
{
	char path[4096];
	size_t cap = 4096, n = 0;
	char *buf;
	int fd;

	if (rel[0] == '/')
		snprintf(path, sizeof(path), "%s", rel);
	else
		snprintf(path, sizeof(path), "%s/%s", rsdbg_root(), rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *p = realloc(buf, cap * 2);

			if (!p) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = p;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			free(buf);
			close(fd);
			return -err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*text = buf;
	if (len)
		*len = n;
	return 0;
}

int rsdbg_u64(const char *rel, const char *key, uint64_t *val)
{
	size_t klen = strlen(key);
	char *text, *line, *save = NULL;
	int err = rsdbg_read(rel, &text, NULL);

	if (err)
		return err;
	err = -ENOENT;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *p = line, *end;

		while (isspace((unsigned char)*p))
			p++;
		if (strncmp(p, key, klen))
			continue;
		p += klen;
		if (*p != ':' && *p != '=' && !isspace((unsigned char)*p))
			continue;
		while (*p == ':' || *p == '=' || isspace((unsigned char)*p))
			p++;
		errno = 0;
		*val = strtoull(p, &end, 0);
		if (end == p || errno)
			continue;
		err = 0;
		break;
	}
	free(text);
	return err;
}

/* ---- the parsers ---- */

bool rsdbg_is_int(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Split line in place into words (blanks between); -1 past max. */
static int split(char *line, char **tok, int max)
{
	char *save = NULL, *t;
	int n = 0;

	for (t = strtok_r(line, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return -1;
		tok[n++] = t;
	}
	return n;
}

__attribute__((format(printf, 3, 4)))
static int why(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return -EPROTO;
}

/* Append one zeroed element to *arr (of *n); -ENOMEM. */
static int grow(void *arr, size_t *n, size_t size)
{
	char *p = realloc(*(void **)arr, (*n + 1) * size);

	if (!p)
		return -ENOMEM;
	memset(p + *n * size, 0, size);
	*(void **)arr = p;
	(*n)++;
	return 0;
}

#define SLAB_COL(f, w) { #f, w, offsetof(struct rsdbg_slab, f) }
const struct rsdbg_slab_col rsdbg_slab_cols[RSDBG_SLAB_NCOLS] = {
	SLAB_COL(active_objs, 1), SLAB_COL(num_objs, 2), SLAB_COL(objsize, 3),
	SLAB_COL(objperslab, 4), SLAB_COL(pagesperslab, 5),
	/* ": tunables" */
	SLAB_COL(limit, 8), SLAB_COL(batchcount, 9), SLAB_COL(sharedfactor, 10),
	/* ": slabdata" */
	SLAB_COL(active_slabs, 13), SLAB_COL(num_slabs, 14), SLAB_COL(sharedavail, 15),
};

int rsdbg_slabinfo_parse(const char *text, struct rsdbg_slabinfo *si)
{
	char *save = NULL, *line, *tok[20];
	struct rsdbg_slab *row;
	size_t i;
	int n;

	memset(si, 0, sizeof(*si));
	si->text = strdup(text);
	if (!si->text)
		return -ENOMEM;
	line = strtok_r(si->text, "\n", &save);
	if (!line || strcmp(line, "slabinfo - version: 2.1"))
		return why(si->why, sizeof(si->why), "not slabinfo version 2.1");
	while ((line = strtok_r(NULL, "\n", &save))) {
		if (line[0] == '#')
			continue;
		n = split(line, tok, 20);
		if (n != 16 || strcmp(tok[6], ":") || strcmp(tok[7], "tunables") ||
		    strcmp(tok[11], ":") || strcmp(tok[12], "slabdata"))
			return why(si->why, sizeof(si->why), "a row not in the 2.1 format");
		if (grow(&si->rows, &si->n, sizeof(*si->rows)))
			return -ENOMEM;
		row = &si->rows[si->n - 1];
		row->name = tok[0];
		for (i = 0; i < RSDBG_SLAB_NCOLS; i++) {
			const struct rsdbg_slab_col *col = &rsdbg_slab_cols[i];
			const char *w = tok[col->word];

			if (!rsdbg_is_int(w) || *w == '-')
				return why(si->why, sizeof(si->why), "'%s' is not a number", w);
			*(uint64_t *)((char *)row + col->off) = strtoull(w, NULL, 10);
		}
	}
	return 0;
}

const struct rsdbg_slab *rsdbg_slab_find(const struct rsdbg_slabinfo *si,
					 const char *name)
{
	size_t i;

	for (i = 0; i < si->n; i++)
		if (!strcmp(si->rows[i].name, name))
			return &si->rows[i];
	return NULL;
}

void rsdbg_slabinfo_free(struct rsdbg_slabinfo *si)
{
	free(si->rows);
	free(si->text);
	si->rows = NULL;
	si->text = NULL;
	si->n = 0;
}

int rsdbg_table_parse(const char *text, struct rsdbg_table *t)
{
	char *save = NULL, *line, *tok[32];
	size_t ncells = 0;
	int n, i, k;

	memset(t, 0, sizeof(*t));
	t->ncols = -1;
	t->text = strdup(text);
	if (!t->text)
		return -ENOMEM;
	for (line = strtok_r(t->text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#') {
			if (t->cols)
				return why(t->why, sizeof(t->why), "a second header");
			n = split(line + 1, tok, 32);
			if (n < 0)
				return why(t->why, sizeof(t->why), "more than 32 columns");
			for (i = 0; i < n; i++)
				for (k = 0; k < i; k++)
					if (!strcmp(tok[i], tok[k]))
						return why(t->why, sizeof(t->why),
							   "column '%s' twice", tok[i]);
			t->cols = malloc((n + 1) * sizeof(*t->cols));
			if (!t->cols)
				return -ENOMEM;
			memcpy(t->cols, tok, n * sizeof(*tok));
			t->ncols = n;
			continue;
		}
		n = split(line, tok, 32);
		if (t->ncols <= 0 || n != t->ncols)
			return why(t->why, sizeof(t->why), "a row of %d figures under %d columns",
				   n, t->ncols);
		for (i = 0; i < n; i++) {
			if (grow(&t->cells, &ncells, sizeof(*t->cells)))
				return -ENOMEM;
			t->cells[ncells - 1] = tok[i];
		}
		t->nrows++;
	}
	if (t->ncols < 0)
		return why(t->why, sizeof(t->why), "no header");
	return 0;
}

int rsdbg_table_col(const struct rsdbg_table *t, const char *name)
{
	int c;

	for (c = 0; c < t->ncols; c++)
		if (!strcmp(t->cols[c], name))
			return c;
	return -1;
}

uint64_t rsdbg_table_u64(const struct rsdbg_table *t, size_t r, int c)
{
	if (c < 0 || c >= t->ncols || r >= t->nrows)
		return 0;
	return strtoull(t->cells[r * t->ncols + c], NULL, 10);
}

void rsdbg_table_free(struct rsdbg_table *t)
{
	free(t->cols);
	free(t->cells);
	free(t->text);
	memset(t, 0, sizeof(*t));
}

/* An indented "key value..." line into sec. */
static int gc_line(struct rsdbg_gc_section *sec, char *line)
{
	char *tok[32];
	struct rsdbg_kv *kv;
	int n = split(line, tok, 32);

	if (n < 0)
		return -EPROTO;
	if (n == 0)
		return 0;
	if (grow(&sec->kv, &sec->n, sizeof(*sec->kv)))
		return -ENOMEM;
	kv = &sec->kv[sec->n - 1];
	kv->key = tok[0];
	kv->nval = n - 1;
	kv->val = malloc(n * sizeof(*kv->val));
	if (!kv->val)
		return -ENOMEM;
	memcpy(kv->val, tok + 1, (n - 1) * sizeof(*tok));
	return 0;
}

int rsdbg_gc_parse(const char *text, struct rsdbg_gc *g)
{
	struct rsdbg_gc_section *cur = NULL;
	char *save = NULL, *line;
	int err;

	memset(g, 0, sizeof(*g));
	g->text = strdup(text);
	if (!g->text)
		return -ENOMEM;
	for (line = strtok_r(g->text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(line, "global:")) {
			if (cur)
				return why(g->why, sizeof(g->why), "'global:' not first");
			g->has_global = true;
			g->global.pid = -1;
			cur = &g->global;
		} else if (!strncmp(line, "heap ", 5)) {
			char pid[24], id[24], rest[24] = "";
			int n = sscanf(line, "heap %23[0-9] id %23[0-9]%23[^\n]", pid, id, rest);

			if (n < 2 || (strcmp(rest, ":") && strcmp(rest, " (closed):")))
				return why(g->why, sizeof(g->why),
					   "'%.100s' is not 'heap PID id ID[ (closed)]:'", line);
			if (grow(&g->heaps, &g->nheaps, sizeof(*g->heaps)))
				return -ENOMEM;
			cur = &g->heaps[g->nheaps - 1];
			cur->pid = atoi(pid);
			cur->id = strtoull(id, NULL, 10);
			cur->closed = strcmp(rest, ":") != 0;
		} else if (line[0] == ' ' && cur) {
			err = gc_line(cur, line);
			if (err == -EPROTO)
				return why(g->why, sizeof(g->why), "'%.100s' has too many values", line);
			if (err)
				return err;
		} else if (*line) {
			return why(g->why, sizeof(g->why), "unexpected line '%.100s'", line);
		}
	}
	if (!cur)
		return why(g->why, sizeof(g->why), "no 'global:' section");
	return 0;
}

const struct rsdbg_gc_section *rsdbg_gc_heap(const struct rsdbg_gc *g,
					     uint64_t id)
{
	size_t i;

	for (i = 0; i < g->nheaps; i++)
		if (g->heaps[i].id == id)
			return &g->heaps[i];
	return NULL;
}

int rsdbg_gc_u64(const struct rsdbg_gc_section *sec, const char *key,
		 uint64_t *val)
{
	char *end;
	size_t i;

	for (i = 0; i < sec->n; i++) {
		if (strcmp(sec->kv[i].key, key) || sec->kv[i].nval < 1)
			continue;
		*val = strtoull(sec->kv[i].val[0], &end, 10);
		return end == sec->kv[i].val[0] ? -ENOENT : 0;
	}
	return -ENOENT;
}

static void section_free(struct rsdbg_gc_section *sec)
{
	size_t i;

	for (i = 0; i < sec->n; i++)
		free(sec->kv[i].val);
	free(sec->kv);
}

void rsdbg_gc_free(struct rsdbg_gc *g)
{
	size_t i;

	section_free(&g->global);
	for (i = 0; i < g->nheaps; i++)
		section_free(&g->heaps[i]);
	free(g->heaps);
	free(g->text);
	memset(g, 0, sizeof(*g));
}
