// SPDX-License-Identifier: GPL-2.0
/*
 * refslabctl's verbs on a heap: the object verbs (create, dup, drop, link,
 * unlink, get, write, read, stat, raw), batch blocks, and the heap and
 * collector verbs (graph, collect, heap, limits, cache, gc, freeze).
 *
 * An object verb parses its operands, then runs its operation or, between
 * "batch" and "end", queues it; "end" runs the queue in one ioctl.  Names
 * stand for handles of the one heap of the run (cmd.c keeps them).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "graph.h"

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
	b->seq = ++s->bind_seq;
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

void batch_clear(struct ctl *s)
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
	err = refslab_batch_run_bulk(s->h, &s->batch, s->batch_flags);
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

/* VERB HANDLE...: each operand into h[1..argc - 1]. */
static int handles_of(struct ctl *s, int argc, char **argv, uint32_t *h)
{
	int i, err;

	if ((err = nargs(s, argc, 2, MAXTOK)))
		return err;
	for (i = 1; i < argc; i++)
		if ((err = handle_of(s, argv[0], argv[i], &h[i])))
			return err;
	return 0;
}

int c_drop(struct ctl *s, int argc, char **argv, size_t *lens)
{
	uint32_t h[MAXTOK];
	int i, err;

	(void)lens;
	if ((err = handles_of(s, argc, argv, h)))
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
	if ((err = handles_of(s, argc, argv, h)))
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

/* The name last bound to @handle (a dropped name keeps its stale number). */
static const char *handle_name(void *ctx, uint32_t handle)
{
	const struct ctl *s = ctx;
	const struct binding *best = NULL;
	size_t i;

	for (i = 0; i < s->nnames; i++)
		if (s->names[i].handle == handle &&
		    (!best || s->names[i].seq > best->seq))
			best = &s->names[i];
	return best ? best->name : NULL;
}

/*
 * graph [--dot|--json] [--output=FILE | FILE]: the heap's object graph
 * (graph.c).  Without a format option a FILE ending in .json gets JSON;
 * in a script a relative FILE goes under $REFSLAB_GRAPH_DIR when set.
 */
int c_graph(struct ctl *s, int argc, char **argv, size_t *lens)
{
	const char *out = s->opt['o'];
	enum graph_format fmt;
	FILE *f = stdout;
	int err;

	(void)lens;
	if ((err = nargs(s, argc, 1, 2)))
		return err;
	if (argc == 2) {
		if (out)
			return serr(s, "graph: a FILE and --output: one of them");
		out = argv[1];
	}
	if (s->opt['D'] && s->json_now)
		return serr(s, "graph: --dot or --json, not both");
	if ((err = need_heap(s)))
		return err;
	if (out && s->file && !s->opt['D'] && !s->json_now) {
		err = graph_save(s->h, out, handle_name, s);
		return err ? oerr(s, "graph", err) : 0;
	}
	fmt = s->json_now ? GRAPH_JSON : GRAPH_DOT;
	if (out && !s->opt['D'] && !s->json_now) {
		const char *ext = strrchr(out, '.');

		if (ext && !strcmp(ext, ".json"))
			fmt = GRAPH_JSON;
	}
	if (out && strcmp(out, "-")) {
		f = fopen(out, "w");
		if (!f)
			return oerr(s, out, -errno);
	}
	err = graph_write(s->h, f, fmt, handle_name, s);
	if (f != stdout) {
		if (fclose(f) && !err)
			err = -errno;
	} else {
		fflush(stdout);
	}
	return err ? oerr(s, "graph", err) : 0;
}

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
	if (fetched(s, "heap", err))
		print_heap_stats(stdout, &st, s->json_now);
	return err;
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
		if (fetched(s, "gc stats", err))
			print_gc_stats(stdout, &st, s->json_now);
		return err;
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
	if (fetched(s, "gc", err))
		print_gc_control(stdout, &c, s->json_now);
	return err;
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
