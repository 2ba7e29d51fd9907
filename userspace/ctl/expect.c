// SPDX-License-Identifier: GPL-2.0
/*
 * refslabctl's expectations (`expect`, script-only): each subject reads a
 * figure of the heap, an object or the last collect or batch, and compares
 * it; a failed expectation is reported with its line and the run goes on.
 * `expect error` runs a command through do_cmd() and checks its errno.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"

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

/* A struct of figures `expect` reads by name: heap or collector stats. */
struct figures {
	const char *subject;		/* "heap", "gc" */
	const char *what;		/* "heap figure" */
	const struct field *fields;
	size_t nfields;
	int (*read)(refslab_heap *h, void *st);	/* 0 or -errno */
};

static int read_heap_stats(refslab_heap *h, void *st)
{
	return refslab_heap_stats(h, st);
}

static int read_gc_stats(refslab_heap *h, void *st)
{
	return refslab_gc_stats(h, st);
}

static const struct figures heap_figures = {
	"heap", "heap figure", heap_fields, ARRAY_LEN(heap_fields), read_heap_stats,
};

static const struct figures gc_figures = {
	"gc", "collector figure", gc_fields, ARRAY_LEN(gc_fields), read_gc_stats,
};

/* expect heap|gc FIELD [OP] N: argv[i..] is "[OP] N". */
static int expect_figure(struct ctl *s, const struct figures *fig,
			 const char *field, int argc, char **argv, int i)
{
	const struct field *f = find_field(fig->fields, fig->nfields, field);
	union {
		struct refslab_heap_stats heap;
		struct refslab_gc_stats gc;
	} st;
	char call[32];
	const char *op;
	uint64_t want;
	int err;

	if (!f)
		return serr(s, "expect %s: no %s '%s'", fig->subject, fig->what, field);
	if ((err = want_num(s, argc, argv, i, &op, &want)))
		return err;
	err = fig->read(s->h, &st);
	if (err) {
		snprintf(call, sizeof(call), "expect (%s stats)", fig->subject);
		return oerr(s, call, err);
	}
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

/*
 * Each subject of `expect`: argv[1] is the subject, argv[2..] its operands.
 * Like a verb, it returns 0 (a failed expectation is counted by efail),
 * an operation's -errno (reported), ESYNTAX or EREPORTED.
 */
typedef int expect_fn(struct ctl *s, int argc, char **argv, size_t *lens);

/* expect error ERRNO VERB ARGS...: run the command, which must fail so. */
static int expect_error(struct ctl *s, int argc, char **argv, size_t *lens)
{
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

static int expect_refcount(struct ctl *s, int argc, char **argv, size_t *lens)
{
	struct refslab_stat st;
	const char *op;
	uint64_t want;
	int err;

	(void)lens;
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

/* expect freed|done [OP] N: a figure of the last collect or batch. */
static int expect_last(struct ctl *s, int argc, char **argv, size_t *lens)
{
	bool freed = !strcmp(argv[1], "freed");
	const char *op;
	uint64_t want;
	int err;

	(void)lens;
	if ((err = want_num(s, argc, argv, 2, &op, &want)))
		return err;
	if (freed && !s->collected)
		return serr(s, "expect freed: no collect has run yet");
	if (freed)
		check_num(s, "objects freed by the last collect",
			  s->last_collect.collected, op, want);
	else
		check_num(s, "operations done by the last batch", s->last_done,
			  op, want);
	return 0;
}

/* expect objects|handles|bytes|caches [OP] N: a heap figure by its name. */
static int expect_heap_figure(struct ctl *s, int argc, char **argv, size_t *lens)
{
	(void)lens;
	return expect_figure(s, &heap_figures, argv[1], argc, argv, 2);
}

static int expect_heap_field(struct ctl *s, int argc, char **argv, size_t *lens)
{
	(void)lens;
	if (argc < 4)
		return serr(s, "usage: expect heap FIELD [OP] N");
	return expect_figure(s, &heap_figures, argv[2], argc, argv, 3);
}

static int expect_gc_field(struct ctl *s, int argc, char **argv, size_t *lens)
{
	(void)lens;
	if (argc < 4)
		return serr(s, "usage: expect gc FIELD [OP] N");
	return expect_figure(s, &gc_figures, argv[2], argc, argv, 3);
}

static int expect_payload(struct ctl *s, int argc, char **argv, size_t *lens)
{
	uint32_t h;
	uint64_t off;
	unsigned char *buf;
	int err;

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

static int expect_slot(struct ctl *s, int argc, char **argv, size_t *lens)
{
	struct refslab_stat st, st2;
	uint32_t h, slot, t;
	int err;

	(void)lens;
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

static int expect_same(struct ctl *s, int argc, char **argv, size_t *lens)
{
	struct refslab_stat st, st2;
	int err;

	(void)lens;
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

static int expect_state(struct ctl *s, int argc, char **argv, size_t *lens)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} states[] = {
		{ "frozen", REFSLAB_STATE_FROZEN },
		{ "immortal", REFSLAB_STATE_IMMORTAL },
		{ "candidate", REFSLAB_STATE_CANDIDATE },
	};
	struct refslab_stat st;
	const char *f;
	bool neg;
	size_t k;
	int err;

	(void)lens;
	if ((err = eargs(s, argc, 4, 4, "expect state NAME [!]frozen|immortal|candidate")))
		return err;
	f = argv[3];
	neg = *f == '!';
	f += neg;
	for (k = 0; k < ARRAY_LEN(states) && strcmp(f, states[k].name); k++)
		;
	if (k == ARRAY_LEN(states))
		return serr(s, "expect state: unknown state '%s'", argv[3]);
	if ((err = stat_of(s, argv[2], &st)))
		return err;
	if (!!(st.state & states[k].bit) == neg)
		efail(s, "'%s' is %s%s (state 0x%x)", argv[2],
		      neg ? "" : "not ", f, st.state);
	return 0;
}

/* The subjects; all but "error" read the heap and stay out of batches. */
static const struct subject {
	const char *name;
	expect_fn *fn;
	bool in_batch;		/* allowed between batch and end, needs no heap */
} subjects[] = {
	{ "error", expect_error, true },
	{ "refcount", expect_refcount, false },
	{ "freed", expect_last, false },
	{ "done", expect_last, false },
	{ "objects", expect_heap_figure, false },
	{ "handles", expect_heap_figure, false },
	{ "bytes", expect_heap_figure, false },
	{ "caches", expect_heap_figure, false },
	{ "heap", expect_heap_field, false },
	{ "gc", expect_gc_field, false },
	{ "payload", expect_payload, false },
	{ "slot", expect_slot, false },
	{ "same", expect_same, false },
	{ "state", expect_state, false },
};

int c_expect(struct ctl *s, int argc, char **argv, size_t *lens)
{
	static const char usage[] =
		"expect refcount NAME [OP] N | freed [OP] N | objects|handles|bytes|caches [OP] N |\n"
		"       heap FIELD [OP] N | gc FIELD [OP] N | payload NAME OFFSET \"TEXT\" |\n"
		"       slot NAME SLOT TARGET|empty | same A B | state NAME [!]frozen|immortal|candidate |\n"
		"       done [OP] N | error ERRNO VERB ARGS...";
	const struct subject *sub = NULL;
	size_t k;
	int err;

	if (argc < 2)
		return serr(s, "usage: %s", usage);
	for (k = 0; k < ARRAY_LEN(subjects); k++)
		if (!strcmp(argv[1], subjects[k].name))
			sub = &subjects[k];
	if (s->in_batch && !(sub && sub->in_batch))
		return serr(s, "expect %s: not allowed in a batch (only expect error)", argv[1]);
	if (!(sub && sub->in_batch) && (err = need_heap(s)))
		return err;
	if (!sub)
		return serr(s, "usage: %s", usage);
	return sub->fn(s, argc, argv, lens);
}
