// SPDX-License-Identifier: GPL-2.0
/*
 * refslabctl's object verbs, names, batches, expectations and the script
 * runner (`refslabctl run`).
 *
 * A script is read line by line, each line tokenized and run by do_cmd()
 * as the command line is; '#' starts a comment (outside quotes).  Names
 * stand for handles of the one heap of the run; a number (or @N) is a raw
 * handle.  Between "batch" and "end" the object verbs queue their
 * operation instead of running it, and "end" runs them in one ioctl.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"

static struct binding *find_name(struct ctl *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nnames; i++)
		if (!strcmp(s->names[i].name, name))
			return &s->names[i];
	return NULL;
}

static bool valid_name(const char *n)
{
	if (!isalpha((unsigned char)*n) && *n != '_')
		return false;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && *n != '_' && *n != '.' &&
		    *n != '-')
			return false;
	return true;
}

static int bind(struct ctl *s, const char *name, uint32_t handle)
{
	struct binding *b = find_name(s, name);

	if (!b) {
		if (s->nnames == s->capnames) {
			size_t cap = s->capnames ? s->capnames * 2 : 16;
			void *p = realloc(s->names, cap * sizeof(*s->names));

			if (!p)
				return serr(s, "out of memory");
			s->names = p;
			s->capnames = cap;
		}
		b = &s->names[s->nnames];
		b->name = strdup(name);
		if (!b->name)
			return serr(s, "out of memory");
		s->nnames++;
	}
	b->handle = handle;
	return 0;
}

/* A new name to bind: checked before the operation runs. */
static int new_name(struct ctl *s, const char *cmd, const char *name)
{
	if (!valid_name(name))
		return serr(s, "%s: bad name '%s' (letters, digits, _ . -; not starting with a digit)",
			    cmd, name);
	return 0;
}

/* A handle: a bound name, a number or @N. */
static int handle_of(struct ctl *s, const char *cmd, const char *name,
		     uint32_t *h)
{
	struct binding *b;

	if (isdigit((unsigned char)name[0]) || name[0] == '@') {
		if (parse_u32(name + (name[0] == '@'), h))
			return serr(s, "%s: bad handle '%s'", cmd, name);
		return 0;
	}
	b = find_name(s, name);
	if (!b)
		return serr(s, "%s: no such name '%s'", cmd, name);
	*h = b->handle;
	return 0;
}

static int num(struct ctl *s, const char *cmd, const char *what,
	       const char *tok, uint64_t *v)
{
	if (parse_u64(tok, v))
		return serr(s, "%s: bad %s '%s'", cmd, what, tok);
	return 0;
}

static int num32(struct ctl *s, const char *cmd, const char *what,
		 const char *tok, uint32_t *v)
{
	if (parse_u32(tok, v))
		return serr(s, "%s: bad %s '%s'", cmd, what, tok);
	return 0;
}

static int nargs(struct ctl *s, int argc, int lo, int hi)
{
	if (argc < lo || argc > hi)
		return serr(s, "usage: %s (%s help %s)", s->verb->usage, prog,
			    s->verb->name);
	return 0;
}

static int eargs(struct ctl *s, int argc, int lo, int hi, const char *usage)
{
	if (argc < lo || argc > hi)
		return serr(s, "usage: %s", usage);
	return 0;
}

/* A cache given by name or number: a name needs the heap. */
static int cache_of(struct ctl *s, const char *cmd, const char *tok,
		    uint32_t *id)
{
	int err;

	if (isdigit((unsigned char)tok[0]))
		return num32(s, cmd, "cache id", tok, id);
	if (!valid_name(tok) && tok[0] != '.')
		return serr(s, "%s: bad cache name '%s'", cmd, tok);
	if (s->in_batch)
		return serr(s, "%s: a cache by name cannot be looked up inside a batch", cmd);
	err = need_heap(s);
	if (err)
		return err;
	err = refslab_cache_lookup(s->h, tok, id);
	if (err == -ENOENT)
		return serr(s, "%s: no such cache '%s'", cmd, tok);
	if (err)
		return oerr(s, cmd, err);
	return 0;
}

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

/* ---- batch blocks ---- */

/* Queue operation idx (-ENOMEM if it could not be added) for "end". */
static int batch_add(struct ctl *s, int idx, const char *bind_to,
		     unsigned char *buf, const char *label)
{
	struct bop b = { .line = s->line, .expect_err = s->batch_expect, .buf = buf };

	if (idx < 0)
		goto nomem;
	if (bind_to && !(b.bind = strdup(bind_to)))
		goto nomem;
	if (label && !(b.label = strdup(label)))
		goto nomem;
	if (s->nbops == s->capbops) {
		size_t cap = s->capbops ? s->capbops * 2 : 16;
		void *p = realloc(s->bops, cap * sizeof(*s->bops));

		if (!p)
			goto nomem;
		s->bops = p;
		s->capbops = cap;
	}
	s->bops[s->nbops++] = b;
	return 0;
nomem:
	free(b.bind);
	free(b.label);
	free(buf);
	return serr(s, "out of memory");
}

static void batch_clear(struct ctl *s)
{
	size_t i;

	for (i = 0; i < s->nbops; i++) {
		free(s->bops[i].bind);
		free(s->bops[i].buf);
		free(s->bops[i].label);
	}
	s->nbops = 0;
	refslab_batch_reset(&s->batch);
	s->in_batch = false;
}

int c_batch(struct ctl *s, int argc, char **argv, size_t *lens)
{
	int err;

	(void)argv;
	(void)lens;
	if ((err = nargs(s, argc, 1, 1)))
		return err;
	s->in_batch = true;
	s->batch_line = s->line;
	s->batch_flags = s->opt['c'] ? REFSLAB_BATCH_CONTINUE : 0;
	return 0;
}

/* "end": run the queued batch, check per-operation results, bind names. */
int c_end(struct ctl *s, int argc, char **argv, size_t *lens)
{
	int err, ret = 0, line = s->line;
	size_t i;

	(void)argv;
	(void)lens;
	if ((err = nargs(s, argc, 1, 1)))
		return err;
	if (!s->nbops) {
		batch_clear(s);
		return serr(s, "batch: empty batch");
	}
	err = need_heap(s);
	if (err) {
		batch_clear(s);
		return err;
	}
	err = refslab_batch_run(s->h, &s->batch, s->batch_flags);
	s->last_done = s->batch.done;
	for (i = 0; i < s->nbops; i++) {
		struct bop *b = &s->bops[i];
		struct refslab_op *o = refslab_batch_op(&s->batch, i);

		s->line = b->line;
		if (i >= s->batch.done) {
			if (b->expect_err)
				efail(s, "batch operation %zu did not run (expected %s)",
				      i, refslab_errno_name(b->expect_err));
			continue;
		}
		if (b->expect_err) {
			if (o->result != -b->expect_err)
				efail(s, "batch operation %zu: expected %s, got %s",
				      i, refslab_errno_name(b->expect_err),
				      o->result ? errstr(o->result) : "success");
		} else if (o->result) {
			char what[64];

			snprintf(what, sizeof(what), "batch operation %zu", i);
			ret = oerr(s, what, o->result);
		}
		if (o->result)
			continue;
		if (b->bind)
			bind(s, b->bind, refslab_batch_handle(&s->batch, i));
		else if (o->op == REFSLAB_OP_CREATE || o->op == REFSLAB_OP_DUP ||
			 o->op == REFSLAB_OP_GET_SLOT)
			printf("%u\n", refslab_batch_handle(&s->batch, i));
		if (o->op == REFSLAB_OP_READ) {
			printf("%s[%llu..%llu] = ", b->label,
			       (unsigned long long)o->args.io.offset,
			       (unsigned long long)(o->args.io.offset + o->args.io.len));
			print_escaped(stdout, b->buf, o->args.io.len);
			putchar('\n');
		}
		if (o->op == REFSLAB_OP_STAT)
			print_stat(stdout, b->label, &o->args.stat);
	}
	s->line = line;
	/* The ioctl's own failure (count, flags, faults) with no op result. */
	if (err && !ret && s->batch.done == 0 && !s->bops[0].expect_err)
		ret = oerr(s, "batch", err);
	batch_clear(s);
	return ret;
}

/* ---- the object verbs: parse, then run or (in a batch) queue ---- */

/* After an operation that made handle h: bind it or print it. */
static int made(struct ctl *s, const char *name, uint32_t h)
{
	struct refslab_stat st;

	if (!name) {
		if (!s->quiet)
			printf("%u\n", h);
	} else if (bind(s, name, h)) {
		return ESYNTAX;
	}
	if (s->verbose && h && !s->quiet && !refslab_stat(s->h, h, &st))
		print_stat(stdout, name ? name : "new", &st);
	return 0;
}

/* In verbose mode, show an object a command changed. */
static void show(struct ctl *s, const char *label, uint32_t h)
{
	struct refslab_stat st;

	if (s->verbose && !s->quiet && !refslab_stat(s->h, h, &st))
		print_stat(stdout, label, &st);
}

int c_create(struct ctl *s, int argc, char **argv, size_t *lens)
{
	uint32_t slots = 0, payload = 0, cache = REFSLAB_GENERAL_CACHE, h;
	const char *name = argc > 1 ? argv[1] : NULL;
	int err;

	(void)lens;
	if ((err = nargs(s, argc, 1, 2)) ||
	    (name && (err = new_name(s, "create", name))) ||
	    (s->opt['s'] && (err = num32(s, "create", "slot count", s->opt['s'], &slots))) ||
	    (s->opt['p'] && (err = num32(s, "create", "payload size", s->opt['p'], &payload))) ||
	    (s->opt['c'] && (err = cache_of(s, "create", s->opt['c'], &cache))))
		return err;
	if (s->in_batch)
		return batch_add(s, refslab_batch_create(&s->batch, slots, payload, cache),
				 name, NULL, NULL);
	if ((err = need_heap(s)))
		return err;
	err = refslab_create(s->h, slots, payload, cache, &h);
	if (err)
		return oerr(s, "create", err);
	return made(s, name, h);
}

int c_dup(struct ctl *s, int argc, char **argv, size_t *lens)
{
	const char *name = argc == 3 ? argv[1] : NULL;
	uint32_t h, nh;
	int err;

	(void)lens;
	if ((err = nargs(s, argc, 2, 3)) ||
	    (name && (err = new_name(s, "dup", name))) ||
	    (err = handle_of(s, "dup", argv[argc - 1], &h)))
		return err;
	if (s->in_batch)
		return batch_add(s, refslab_batch_dup(&s->batch, h), name, NULL, NULL);
	if ((err = need_heap(s)))
		return err;
	err = refslab_dup(s->h, h, &nh);
	if (err)
		return oerr(s, "dup", err);
	return made(s, name, nh);
}

int c_drop(struct ctl *s, int argc, char **argv, size_t *lens)
{
	uint32_t h[MAXTOK];
	int i, err;

	(void)lens;
	if ((err = nargs(s, argc, 2, MAXTOK)))
		return err;
	for (i = 1; i < argc; i++)
		if ((err = handle_of(s, "drop", argv[i], &h[i])))
			return err;
	for (i = 1; i < argc; i++) {
		if (s->in_batch) {
			err = batch_add(s, refslab_batch_drop(&s->batch, h[i]), NULL, NULL, NULL);
			if (err)
				return err;
			continue;
		}
		if ((err = need_heap(s)))
			return err;
		err = refslab_drop(s->h, h[i]);
		if (err)
			return oerr(s, "drop", err);
	}
	return 0;
}

static int set_slot(struct ctl *s, const char *cmd, const char *name,
		    uint32_t h, uint32_t slot, uint32_t target)
{
	int err;

	if (s->in_batch)
		return batch_add(s, refslab_batch_set_slot(&s->batch, h, slot, target),
				 NULL, NULL, NULL);
	if ((err = need_heap(s)))
		return err;
	err = refslab_set_slot(s->h, h, slot, target);
	if (err)
		return oerr(s, cmd, err);
	show(s, name, h);
	return 0;
}

int c_link(struct ctl *s, int argc, char **argv, size_t *lens)
{
	uint32_t h, slot, target = REFSLAB_NONE;
	int err;

	(void)lens;
	if ((err = nargs(s, argc, 4, 4)) ||
	    (err = handle_of(s, "link", argv[1], &h)) ||
	    (err = num32(s, "link", "slot", argv[2], &slot)) ||
	    (strcmp(argv[3], "none") && (err = handle_of(s, "link", argv[3], &target))))
		return err;
	return set_slot(s, "link", argv[1], h, slot, target);
}

int c_unlink(struct ctl *s, int argc, char **argv, size_t *lens)
{
	uint32_t h, slot;
	int err;

	(void)lens;
	if ((err = nargs(s, argc, 3, 3)) ||
	    (err = handle_of(s, "unlink", argv[1], &h)) ||
	    (err = num32(s, "unlink", "slot", argv[2], &slot)))
		return err;
	return set_slot(s, "unlink", argv[1], h, slot, REFSLAB_NONE);
}

int c_get(struct ctl *s, int argc, char **argv, size_t *lens)
{
	const char *name = argc == 4 ? argv[1] : NULL;
	uint32_t h, slot, t;
	int err;

	(void)lens;
	if ((err = nargs(s, argc, 3, 4)) ||
	    (name && (err = new_name(s, "get", name))) ||
	    (err = handle_of(s, "get", argv[argc - 2], &h)) ||
	    (err = num32(s, "get", "slot", argv[argc - 1], &slot)))
		return err;
	if (s->in_batch)
		return batch_add(s, refslab_batch_get_slot(&s->batch, h, slot), name,
				 NULL, NULL);
	if ((err = need_heap(s)))
		return err;
	err = refslab_get_slot(s->h, h, slot, &t);
	if (err)
		return oerr(s, "get", err);
	if (t == REFSLAB_NONE && name && !s->quiet)
		printf("%s: slot %u of %s is empty; %s names no object\n",
		       s->verb->name, slot, argv[argc - 2], name);
	return made(s, name, t);
}

int c_write(struct ctl *s, int argc, char **argv, size_t *lens)
{
	unsigned char *buf;
	uint32_t h;
	uint64_t off;
	int err;

	if ((err = nargs(s, argc, 4, 4)) ||
	    (err = handle_of(s, "write", argv[1], &h)) ||
	    (err = num(s, "write", "offset", argv[2], &off)))
		return err;
	if (s->in_batch) {
		buf = malloc(lens[3] + 1);
		if (!buf)
			return serr(s, "out of memory");
		memcpy(buf, argv[3], lens[3]);
		return batch_add(s, refslab_batch_write(&s->batch, h, off, buf, lens[3]),
				 NULL, buf, NULL);
	}
	if ((err = need_heap(s)))
		return err;
	err = refslab_write(s->h, h, off, argv[3], lens[3]);
	return err ? oerr(s, "write", err) : 0;
}

int c_read(struct ctl *s, int argc, char **argv, size_t *lens)
{
	unsigned char *buf;
	uint32_t h;
	uint64_t off, len;
	int err;

	(void)lens;
	if ((err = nargs(s, argc, 4, 4)) ||
	    (err = handle_of(s, "read", argv[1], &h)) ||
	    (err = num(s, "read", "offset", argv[2], &off)) ||
	    (err = num(s, "read", "length", argv[3], &len)))
		return err;
	if (len > REFSLAB_MAX_PAYLOAD * 2ULL)
		len = REFSLAB_MAX_PAYLOAD * 2ULL;	/* the kernel says ERANGE */
	buf = calloc(1, len + 1);
	if (!buf)
		return serr(s, "out of memory");
	if (s->in_batch)
		return batch_add(s, refslab_batch_read(&s->batch, h, off, buf, len),
				 NULL, buf, argv[1]);
	if ((err = need_heap(s))) {
		free(buf);
		return err;
	}
	err = refslab_read(s->h, h, off, buf, len);
	if (err) {
		free(buf);
		return oerr(s, "read", err);
	}
	if (!s->quiet) {
		printf("%s[%llu..%llu] = ", argv[1], (unsigned long long)off,
		       (unsigned long long)(off + len));
		print_escaped(stdout, buf, len);
		putchar('\n');
	}
	free(buf);
	return 0;
}

int c_stat(struct ctl *s, int argc, char **argv, size_t *lens)
{
	struct refslab_stat st;
	uint32_t h[MAXTOK];
	int i, err;

	(void)lens;
	if ((err = nargs(s, argc, 2, MAXTOK)))
		return err;
	for (i = 1; i < argc; i++)
		if ((err = handle_of(s, "stat", argv[i], &h[i])))
			return err;
	if (s->in_batch) {
		if (s->json_now)
			return serr(s, "stat: no --json in a batch");
		for (i = 1; i < argc; i++) {
			err = batch_add(s, refslab_batch_stat(&s->batch, h[i]), NULL, NULL,
					argv[i]);
			if (err)
				return err;
		}
		return 0;
	}
	if ((err = need_heap(s)))
		return err;
	for (i = 1; i < argc; i++) {
		err = refslab_stat(s->h, h[i], &st);
		if (err) {
			if (s->json_now && i > 1 && !s->quiet)
				puts("]");
			return oerr(s, "stat", err);
		}
		if (s->quiet)
			continue;
		if (s->json_now) {
			fputs(i == 1 ? "[" : ",\n ", stdout);
			json_stat(stdout, &st);
		} else {
			print_stat(stdout, argv[i], &st);
		}
	}
	if (s->json_now && !s->quiet)
		puts("]");
	return 0;
}

/* raw OPCODE: a batch operation with a code the kernel must refuse. */
int c_raw(struct ctl *s, int argc, char **argv, size_t *lens)
{
	uint32_t v;
	int err, idx;

	(void)lens;
	if ((err = nargs(s, argc, 2, 2)) || (err = num32(s, "raw", "opcode", argv[1], &v)))
		return err;
	idx = refslab_batch_stat(&s->batch, REFSLAB_NONE);
	if (idx >= 0)
		refslab_batch_op(&s->batch, idx)->op = v;
	return batch_add(s, idx, NULL, NULL, NULL);
}

/* ---- heap and collector verbs ---- */

int c_collect(struct ctl *s, int argc, char **argv, size_t *lens)
{
	int err;

	(void)argv;
	(void)lens;
	if ((err = nargs(s, argc, 1, 1)) || (err = need_heap(s)))
		return err;
	err = refslab_gc_collect(s->h, s->opt['n'] ? REFSLAB_GC_NOWAIT : 0,
				 &s->last_collect);
	if (err)
		return oerr(s, "collect", err);
	s->collected = true;
	if (!s->quiet)
		print_collect(stdout, &s->last_collect, s->json_now);
	return 0;
}

int c_heap(struct ctl *s, int argc, char **argv, size_t *lens)
{
	struct refslab_heap_stats st;
	int err;

	(void)argv;
	(void)lens;
	if ((err = nargs(s, argc, 1, 1)) || (err = need_heap(s)))
		return err;
	err = refslab_heap_stats(s->h, &st);
	if (err)
		return oerr(s, "heap", err);
	if (!s->quiet)
		print_heap_stats(stdout, &st, s->json_now);
	return 0;
}

int c_limits(struct ctl *s, int argc, char **argv, size_t *lens)
{
	static const struct {
		char opt;
		const char *name;
	} keys[4] = { { 'o', "objects" }, { 'b', "bytes" }, { 'n', "handles" }, { 'c', "caches" } };
	struct refslab_heap_stats st;
	uint64_t v[4] = { 0, 0, 0, 0 };
	bool set = false;
	int k, err;

	(void)argv;
	(void)lens;
	if ((err = nargs(s, argc, 1, 1)))
		return err;
	for (k = 0; k < 4; k++) {
		const char *val = s->opt[(int)keys[k].opt];

		if (!val)
			continue;
		if ((err = num(s, "limits", keys[k].name, val, &v[k])))
			return err;
		/* the ioctl reads 0 as "unchanged": refuse it rather than ignore it */
		if (!v[k])
			return serr(s, "limits: --%s=0: a limit must be positive", keys[k].name);
		set = true;
	}
	if ((err = need_heap(s)))
		return err;
	if (set) {
		err = refslab_set_limits(s->h, v[0], v[1], v[2], v[3]);
		if (err)
			return oerr(s, "limits", err);
	}
	if ((set && !s->verbose && !s->json_now) || s->quiet)
		return 0;
	err = refslab_heap_stats(s->h, &st);
	if (err)
		return oerr(s, "limits", err);
	print_limits(stdout, &st, s->json_now);
	return 0;
}

int c_cache(struct ctl *s, int argc, char **argv, size_t *lens)
{
	const char *sub = argc > 1 ? argv[1] : "";
	uint32_t size, align = 0, id;
	int err;

	(void)lens;
	if (!strcmp(sub, "list")) {
		if ((err = nargs(s, argc, 2, 2)) || (err = need_heap(s)))
			return err;
		err = s->quiet ? 0 : print_cache_list(stdout, s->h, s->json_now);
		return err ? oerr(s, "cache list", err) : 0;
	}
	if (!strcmp(sub, "create")) {
		if ((err = nargs(s, argc, 4, 4)) ||
		    (err = num32(s, "cache create", "size", argv[3], &size)) ||
		    (s->opt['a'] && (err = num32(s, "cache create", "alignment", s->opt['a'], &align))) ||
		    (err = need_heap(s)))
			return err;
		err = refslab_cache_create(s->h, argv[2], size, align, &id);
		if (err)
			return oerr(s, "cache create", err);
		if (s->verbose && !s->quiet)
			printf("cache %s: id %u\n", argv[2], id);
		return 0;
	}
	if (!strcmp(sub, "destroy")) {
		if ((err = nargs(s, argc, 3, 3)) ||
		    (err = cache_of(s, "cache destroy", argv[2], &id)) ||
		    (err = need_heap(s)))
			return err;
		err = refslab_cache_destroy(s->h, id);
		return err ? oerr(s, "cache destroy", err) : 0;
	}
	return serr(s, "usage: %s", s->verb->usage);
}

static int freeze(struct ctl *s, bool unfreeze)
{
	uint64_t n;
	int err = need_heap(s);

	if (err)
		return err;
	err = unfreeze ? refslab_gc_unfreeze(s->h, &n) : refslab_gc_freeze(s->h, &n);
	if (err)
		return oerr(s, unfreeze ? "unfreeze" : "freeze", err);
	if (!s->quiet)
		printf("%s: %llu objects\n", unfreeze ? "unfrozen" : "frozen",
		       (unsigned long long)n);
	return 0;
}

int c_freeze(struct ctl *s, int argc, char **argv, size_t *lens)
{
	int err = nargs(s, argc, 1, 1);

	(void)argv;
	(void)lens;
	return err ? err : freeze(s, false);
}

int c_unfreeze(struct ctl *s, int argc, char **argv, size_t *lens)
{
	int err = nargs(s, argc, 1, 1);

	(void)argv;
	(void)lens;
	return err ? err : freeze(s, true);
}

int c_gc(struct ctl *s, int argc, char **argv, size_t *lens)
{
	const char *sub = argc > 1 ? argv[1] : "show";
	struct refslab_gc_control c;
	struct refslab_gc_stats st;
	uint32_t t = 0;
	int err;

	(void)lens;
	if (argc > 3 || (argc == 3 && strcmp(sub, "threshold")) ||
	    (!strcmp(sub, "threshold") && argc != 3))
		return serr(s, "usage: %s", s->verb->usage);
	if (!strcmp(sub, "threshold") && strcmp(argv[2], "adaptive") &&
	    (err = num32(s, "gc threshold", "threshold", argv[2], &t)))
		return err;
	if (strcmp(sub, "show") && strcmp(sub, "stats") && strcmp(sub, "enable") &&
	    strcmp(sub, "disable") && strcmp(sub, "threshold") &&
	    strcmp(sub, "freeze") && strcmp(sub, "unfreeze"))
		return serr(s, "gc: unknown subcommand '%s' (usage: %s)", sub, s->verb->usage);
	if (!strcmp(sub, "freeze") || !strcmp(sub, "unfreeze"))
		return freeze(s, sub[0] == 'u');
	if ((err = need_heap(s)))
		return err;
	if (!strcmp(sub, "stats")) {
		err = refslab_gc_stats(s->h, &st);
		if (err)
			return oerr(s, "gc stats", err);
		if (!s->quiet)
			print_gc_stats(stdout, &st, s->json_now);
		return 0;
	}
	if (!strcmp(sub, "enable") || !strcmp(sub, "disable"))
		err = refslab_gc_set_enabled(s->h, sub[0] == 'e');
	else if (!strcmp(sub, "threshold"))
		err = refslab_gc_set_threshold(s->h, t);
	if (err)
		return oerr(s, "gc", err);
	if (strcmp(sub, "show") && !s->verbose && !s->json_now)
		return 0;
	err = refslab_gc_get(s->h, &c);
	if (err)
		return oerr(s, "gc", err);
	if (!s->quiet)
		print_gc_control(stdout, &c, s->json_now);
	return 0;
}

int c_print(struct ctl *s, int argc, char **argv, size_t *lens)
{
	int i;

	(void)s;
	for (i = 1; i < argc; i++) {
		fputs(i > 1 ? " " : "", stdout);
		fwrite(argv[i], 1, lens[i], stdout);
	}
	putchar('\n');
	return 0;
}

/* ---- expectations ---- */

static bool cmp_op(const char *t)
{
	return !strcmp(t, "==") || !strcmp(t, "!=") || !strcmp(t, ">=") ||
	       !strcmp(t, "<=") || !strcmp(t, ">") || !strcmp(t, "<");
}

static bool compare(uint64_t got, const char *op, uint64_t want)
{
	if (!strcmp(op, "!="))
		return got != want;
	if (!strcmp(op, ">="))
		return got >= want;
	if (!strcmp(op, "<="))
		return got <= want;
	if (!strcmp(op, ">"))
		return got > want;
	if (!strcmp(op, "<"))
		return got < want;
	return got == want;
}

/* Parses "[OP] N" from argv[i..]; returns 0 or ESYNTAX. */
static int want_num(struct ctl *s, int argc, char **argv, int i,
		    const char **op, uint64_t *want)
{
	*op = "==";
	if (i < argc && cmp_op(argv[i]))
		*op = argv[i++];
	if (i != argc - 1)
		return serr(s, "expect: expected [==|!=|>=|<=|>|<] NUMBER at the end");
	return num(s, "expect", "number", argv[i], want);
}

static void check_num(struct ctl *s, const char *what, uint64_t got,
		      const char *op, uint64_t want)
{
	if (!compare(got, op, want))
		efail(s, "%s is %llu, expected %s %llu", what,
		      (unsigned long long)got, op, (unsigned long long)want);
}

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A figure of a stats struct that `expect` can name. */
struct field {
	const char *name;
	size_t off, size;
};

#define FIELD(type, f) { #f, offsetof(type, f), sizeof(((type *)0)->f) }
#define HEAP_FIELD(f) FIELD(struct refslab_heap_stats, f)
#define GC_FIELD(f) FIELD(struct refslab_gc_stats, f)

static const struct field heap_fields[] = {
	HEAP_FIELD(objects), HEAP_FIELD(bytes), HEAP_FIELD(handles),
	HEAP_FIELD(caches), HEAP_FIELD(max_objects), HEAP_FIELD(max_bytes),
	HEAP_FIELD(max_handles), HEAP_FIELD(max_caches), HEAP_FIELD(created),
	HEAP_FIELD(freed), HEAP_FIELD(incref), HEAP_FIELD(decref),
};

static const struct field gc_fields[] = {
	GC_FIELD(collections), GC_FIELD(candidates), GC_FIELD(scanned),
	GC_FIELD(collected), GC_FIELD(deferred), GC_FIELD(pending),
	GC_FIELD(threshold), GC_FIELD(enabled), GC_FIELD(frozen),
	GC_FIELD(last_ns), GC_FIELD(max_ns), GC_FIELD(total_ns),
	GC_FIELD(max_pause_ns), GC_FIELD(max_wait_ns),
};

static const struct field *find_field(const struct field *t, size_t n,
				      const char *name)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (!strcmp(t[k].name, name))
			return &t[k];
	return NULL;
}

/* The value of @f in the struct at @base (a __u32 or a __u64). */
static uint64_t field_value(const void *base, const struct field *f)
{
	uint32_t v32;
	uint64_t v64;

	if (f->size == sizeof(v32)) {
		memcpy(&v32, (const char *)base + f->off, sizeof(v32));
		return v32;
	}
	memcpy(&v64, (const char *)base + f->off, sizeof(v64));
	return v64;
}

static int expect_heap(struct ctl *s, const char *field, int argc,
		       char **argv, int i)
{
	const struct field *f = find_field(heap_fields, ARRAY_LEN(heap_fields), field);
	struct refslab_heap_stats st;
	const char *op;
	uint64_t want;
	int err;

	if (!f)
		return serr(s, "expect heap: no heap figure '%s'", field);
	if ((err = want_num(s, argc, argv, i, &op, &want)))
		return err;
	err = refslab_heap_stats(s->h, &st);
	if (err)
		return oerr(s, "expect (heap stats)", err);
	check_num(s, field, field_value(&st, f), op, want);
	return 0;
}

static int expect_gc(struct ctl *s, const char *field, int argc,
		     char **argv, int i)
{
	const struct field *f = find_field(gc_fields, ARRAY_LEN(gc_fields), field);
	struct refslab_gc_stats st;
	const char *op;
	uint64_t want;
	int err;

	if (!f)
		return serr(s, "expect gc: no collector figure '%s'", field);
	if ((err = want_num(s, argc, argv, i, &op, &want)))
		return err;
	err = refslab_gc_stats(s->h, &st);
	if (err)
		return oerr(s, "expect (gc stats)", err);
	check_num(s, field, field_value(&st, f), op, want);
	return 0;
}

static int stat_of(struct ctl *s, const char *name, struct refslab_stat *st)
{
	uint32_t h;
	int err = handle_of(s, "expect", name, &h);

	if (err)
		return err;
	err = refslab_stat(s->h, h, st);
	return err ? oerr(s, "expect (stat)", err) : 0;
}

int c_expect(struct ctl *s, int argc, char **argv, size_t *lens)
{
	static const char usage[] =
		"expect refcount NAME [OP] N | freed [OP] N | objects|handles|bytes|caches [OP] N |\n"
		"       heap FIELD [OP] N | gc FIELD [OP] N | payload NAME OFFSET \"TEXT\" |\n"
		"       slot NAME SLOT TARGET|empty | same A B | state NAME [!]frozen|immortal|candidate |\n"
		"       done [OP] N | error ERRNO VERB ARGS...";
	struct refslab_stat st, st2;
	const char *op, *what;
	uint64_t want;
	int err;

	if (argc < 2)
		return serr(s, "usage: %s", usage);
	what = argv[1];
	if (s->in_batch && strcmp(what, "error"))
		return serr(s, "expect %s: not allowed in a batch (only expect error)", what);
	if (strcmp(what, "error") && (err = need_heap(s)))
		return err;

	if (!strcmp(what, "error")) {
		int want_err, got;

		if (argc < 4)
			return serr(s, "usage: expect error ERRNO VERB ARGS...");
		want_err = refslab_errno_from_name(argv[2]);
		if (!want_err)
			return serr(s, "expect error: unknown errno name '%s'", argv[2]);
		if (!strcmp(argv[3], "expect") || !strcmp(argv[3], "batch") ||
		    !strcmp(argv[3], "end"))
			return serr(s, "expect error: '%s' cannot be expected to fail", argv[3]);
		if (s->in_batch) {
			/* the operation is queued; "end" checks its result */
			s->batch_expect = want_err;
			got = do_cmd(s, argc - 3, argv + 3, lens + 3);
			s->batch_expect = 0;
			return got;
		}
		s->quiet++;
		got = do_cmd(s, argc - 3, argv + 3, lens + 3);
		s->quiet--;
		if (got == ESYNTAX || got == EREPORTED)
			return got;
		if (got != -want_err)
			efail(s, "%s: expected %s, got %s", argv[3], argv[2],
			      got ? errstr(got) : "success");
		return 0;
	}
	if (!strcmp(what, "refcount")) {
		if (argc < 4)
			return serr(s, "usage: expect refcount NAME [OP] N");
		if ((err = want_num(s, argc, argv, 3, &op, &want)) ||
		    (err = stat_of(s, argv[2], &st)))
			return err;
		if (!compare(st.refcount, op, want))
			efail(s, "refcount of '%s' is %u, expected %s %llu",
			      argv[2], st.refcount, op, (unsigned long long)want);
		return 0;
	}
	if (!strcmp(what, "freed")) {
		if ((err = want_num(s, argc, argv, 2, &op, &want)))
			return err;
		if (!s->collected)
			return serr(s, "expect freed: no collect has run yet");
		check_num(s, "objects freed by the last collect",
			  s->last_collect.collected, op, want);
		return 0;
	}
	if (!strcmp(what, "done")) {
		if ((err = want_num(s, argc, argv, 2, &op, &want)))
			return err;
		check_num(s, "operations done by the last batch", s->last_done,
			  op, want);
		return 0;
	}
	if (!strcmp(what, "objects") || !strcmp(what, "handles") ||
	    !strcmp(what, "bytes") || !strcmp(what, "caches"))
		return expect_heap(s, what, argc, argv, 2);
	if (!strcmp(what, "heap")) {
		if (argc < 4)
			return serr(s, "usage: expect heap FIELD [OP] N");
		return expect_heap(s, argv[2], argc, argv, 3);
	}
	if (!strcmp(what, "gc")) {
		if (argc < 4)
			return serr(s, "usage: expect gc FIELD [OP] N");
		return expect_gc(s, argv[2], argc, argv, 3);
	}
	if (!strcmp(what, "payload")) {
		uint32_t h;
		uint64_t off;
		unsigned char *buf;

		if ((err = eargs(s, argc, 5, 5, "expect payload HANDLE OFFSET TEXT")) ||
		    (err = handle_of(s, "expect", argv[2], &h)) ||
		    (err = num(s, "expect", "offset", argv[3], &off)))
			return err;
		buf = malloc(lens[4] + 1);
		if (!buf)
			return serr(s, "out of memory");
		err = refslab_read(s->h, h, off, buf, lens[4]);
		if (err) {
			free(buf);
			return oerr(s, "expect (read)", err);
		}
		if (memcmp(buf, argv[4], lens[4])) {
			efail(s, "payload of '%s' at %llu differs", argv[2],
			      (unsigned long long)off);
			fprintf(stderr, "  got:      ");
			print_escaped(stderr, buf, lens[4]);
			fprintf(stderr, "\n  expected: ");
			print_escaped(stderr, (unsigned char *)argv[4], lens[4]);
			fputc('\n', stderr);
		}
		free(buf);
		return 0;
	}
	if (!strcmp(what, "slot")) {
		uint32_t h, slot, t;

		if ((err = eargs(s, argc, 5, 5, "expect slot NAME SLOT TARGET|empty")) ||
		    (err = handle_of(s, "expect", argv[2], &h)) ||
		    (err = num32(s, "expect", "slot", argv[3], &slot)))
			return err;
		if (strcmp(argv[4], "empty") && (err = stat_of(s, argv[4], &st2)))
			return err;
		err = refslab_get_slot(s->h, h, slot, &t);
		if (err)
			return oerr(s, "expect (get slot)", err);
		if (t == REFSLAB_NONE) {
			if (strcmp(argv[4], "empty"))
				efail(s, "slot %u of '%s' is empty, expected '%s'",
				      slot, argv[2], argv[4]);
			return 0;
		}
		err = refslab_stat(s->h, t, &st);
		refslab_drop(s->h, t);
		if (err)
			return oerr(s, "expect (stat)", err);
		if (!strcmp(argv[4], "empty"))
			efail(s, "slot %u of '%s' holds object %llu, expected empty",
			      slot, argv[2], (unsigned long long)st.id);
		else if (st.id != st2.id)
			efail(s, "slot %u of '%s' holds object %llu, expected '%s' (object %llu)",
			      slot, argv[2], (unsigned long long)st.id, argv[4],
			      (unsigned long long)st2.id);
		return 0;
	}
	if (!strcmp(what, "same")) {
		if ((err = eargs(s, argc, 4, 4, "expect same A B")) ||
		    (err = stat_of(s, argv[2], &st)) ||
		    (err = stat_of(s, argv[3], &st2)))
			return err;
		if (st.id != st2.id)
			efail(s, "'%s' (object %llu) and '%s' (object %llu) differ",
			      argv[2], (unsigned long long)st.id, argv[3],
			      (unsigned long long)st2.id);
		return 0;
	}
	if (!strcmp(what, "state")) {
		const char *f;
		bool neg;
		uint32_t bit;

		if ((err = eargs(s, argc, 4, 4, "expect state NAME [!]frozen|immortal|candidate")))
			return err;
		f = argv[3];
		neg = *f == '!';
		f += neg;
		if (!strcmp(f, "frozen"))
			bit = REFSLAB_STATE_FROZEN;
		else if (!strcmp(f, "immortal"))
			bit = REFSLAB_STATE_IMMORTAL;
		else if (!strcmp(f, "candidate"))
			bit = REFSLAB_STATE_CANDIDATE;
		else
			return serr(s, "expect state: unknown state '%s'", argv[3]);
		if ((err = stat_of(s, argv[2], &st)))
			return err;
		if (!!(st.state & bit) == neg)
			efail(s, "'%s' is %s%s (state 0x%x)", argv[2],
			      neg ? "" : "not ", f, st.state);
		return 0;
	}
	return serr(s, "usage: %s", usage);
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
