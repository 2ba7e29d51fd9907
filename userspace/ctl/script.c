// SPDX-License-Identifier: GPL-2.0
/*
 * refslabctl's script runner (`refslabctl run`) and its tokenizer.
 *
 * A script is read whole, every line checked first (check_cmd), then each
 * line tokenized and run by do_cmd() as the command line is; '#' starts a
 * comment (outside quotes).  The verbs are in verbs.c and expect.c.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"

/* ---- tokenizer ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Split line in place into tokens.  Quoted tokens keep their bytes (escapes
 * \n \t \0 \\ \" \xNN); lens[] has each token's length, since a quoted one
 * may hold NUL bytes.
 */
static int tokenize(struct ctl *s, char *line, char **tok, size_t *lens)
{
	int n = 0;
	char *p = line;

	for (;;) {
		char *out;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			break;
		if (n == MAXTOK)
			return serr(s, "too many words on a line"), -1;
		if (*p == '"') {
			out = tok[n] = ++p;
			for (;;) {
				if (!*p)
					return serr(s, "unterminated string"), -1;
				if (*p == '"') {
					p++;
					break;
				}
				if (*p == '\\') {
					int a, b;

					p++;
					switch (*p) {
					case 'n': *out++ = '\n'; p++; break;
					case 't': *out++ = '\t'; p++; break;
					case '0': *out++ = '\0'; p++; break;
					case '\\': *out++ = '\\'; p++; break;
					case '"': *out++ = '"'; p++; break;
					case 'x':
						a = hexval(p[1]);
						b = a < 0 ? -1 : hexval(p[2]);
						if (b < 0)
							return serr(s, "bad \\x escape"), -1;
						*out++ = (char)(a * 16 + b);
						p += 3;
						break;
					default:
						return serr(s, "unknown escape '\\%c'", *p), -1;
					}
					continue;
				}
				*out++ = *p++;
			}
			if (*p && !isspace((unsigned char)*p))
				return serr(s, "text right after a closing quote"), -1;
			lens[n] = (size_t)(out - tok[n]);
			*out = '\0';
			if (*p)
				p++;
		} else {
			tok[n] = p;
			while (*p && !isspace((unsigned char)*p))
				p++;
			lens[n] = (size_t)(p - tok[n]);
			if (*p)
				*p++ = '\0';
		}
		n++;
	}
	return n;
}

/* ---- the runner ---- */

/*
 * Every line, read first: a script with a syntax error (a mistyped verb or
 * option, a bad quote) runs no line at all and opens no device.
 */
static int script_check(struct ctl *s, char **lines, int nlines)
{
	char *tok[MAXTOK], *copy;
	size_t lens[MAXTOK];
	int argc, ret = 0;

	for (s->line = 1; s->line <= nlines && !ret; s->line++) {
		copy = strdup(lines[s->line - 1]);
		if (!copy)
			return serr(s, "out of memory");
		argc = tokenize(s, copy, tok, lens);
		if (argc < 0)
			ret = ESYNTAX;
		else if (argc)
			ret = check_cmd(s, argc, tok, lens);
		/* follow the blocks, as the run will */
		if (!ret && argc > 0 && !strcmp(tok[0], "batch"))
			s->in_batch = true;
		else if (!ret && argc > 0 && !strcmp(tok[0], "end"))
			s->in_batch = false;
		free(copy);
	}
	s->in_batch = false;
	return ret;
}

int script_run(struct ctl *s, const char *path)
{
	const char *file = s->file;
	char *line = NULL, **lines = NULL;
	int nlines = 0, caplines = 0, i, ret = 0;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	if (!strcmp(path, "-")) {
		f = stdin;
	} else {
		f = fopen(path, "r");
		if (!f)
			return serr(s, "run: %s: %s", path, strerror(errno));
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (nlines == caplines) {
			void *p = realloc(lines, (caplines ? caplines * 2 : 64) * sizeof(*lines));

			if (!p)
				break;
			lines = p;
			caplines = caplines ? caplines * 2 : 64;
		}
		lines[nlines] = strdup(line);
		if (!lines[nlines])
			break;
		nlines++;
	}
	if (f != stdin)
		fclose(f);
	free(line);
	s->file = f == stdin ? "<stdin>" : path;
	if (n >= 0)
		ret = serr(s, "out of memory");
	else
		ret = script_check(s, lines, nlines);
	for (s->line = 1; !ret && s->line <= nlines; s->line++) {
		char *tok[MAXTOK];
		size_t lens[MAXTOK];
		int argc;

		if (s->verbose)
			fprintf(stdout, "%s:%d: %s\n", s->file, s->line, lines[s->line - 1]);
		argc = tokenize(s, lines[s->line - 1], tok, lens);
		if (argc < 0)
			ret = ESYNTAX;
		else if (argc)
			ret = do_cmd(s, argc, tok, lens);
		fflush(stdout);
		if (ret)
			break;
	}
	if (!ret && s->in_batch) {
		s->line = s->batch_line;
		ret = serr(s, "batch without 'end'");
	}
	batch_clear(s);
	for (i = 0; i < nlines; i++)
		free(lines[i]);
	free(lines);
	if (s->failed) {
		fprintf(stderr, "%s: %d expectation%s failed\n", s->file, s->failed,
			s->failed == 1 ? "" : "s");
		s->failed = 0;
		if (!ret)
			ret = EREPORTED;
	}
	s->file = file;
	return ret;
}

void ctl_free(struct ctl *s)
{
	batch_clear(s);
	refslab_batch_free(&s->batch);
	free(s->bops);
	while (s->nnames)
		free(s->names[--s->nnames].name);
	free(s->names);
}
