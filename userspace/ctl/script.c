// SPDX-License-Identifier: GPL-2.0
/*
 * refslabctl run: the scenario language.
 *
 * A script is read line by line; '#' starts a comment (outside quotes).
 * Names stand for handles of the one heap the run opens; "@N" names the raw
 * handle N.  The commands are listed in script_help below.  An operation
 * that fails stops the run (exit 1); a failed expectation is reported with
 * its line and the run goes on, exiting 1 at the end; a syntax error stops
 * it with exit 2.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "graph.h"

#define MAXTOK		64
#define ESYNTAX		100000	/* a script error, already reported */

struct binding {
	char *name;
	uint32_t handle;
	unsigned long seq;	/* when it was last bound */
};

struct bop {			/* one line of a batch block */
	int line;
	char *bind;		/* name to bind the output handle to */
	int expect_err;		/* 0: must succeed */
	unsigned char *buf;	/* read/write buffer */
};

struct script {
	refslab_heap *h;
	const char *file;
	int line;
	bool verbose;
	int quiet;		/* > 0 inside "expect error" */
	int failed;		/* failed expectations */
	struct binding *names;
	size_t nnames, capnames;
	unsigned long bind_seq;
	bool collected;		/* a collect ran */
	struct refslab_gc_collect last_collect;
	uint32_t last_done;	/* last batch's done */
	/* batch block being read */
	bool in_batch;
	uint32_t batch_flags;
	int batch_line;
	struct refslab_batch_buf batch;
	struct bop *bops;
	size_t nbops, capbops;
};

__attribute__((format(printf, 2, 3)))
static int serr(struct script *s, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", s->file, s->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return ESYNTAX;
}

__attribute__((format(printf, 2, 3)))
static void efail(struct script *s, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: expectation failed: ", s->file, s->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	s->failed++;
}

/* An operation's error: reported unless an "expect error" wants it. */
static int oerr(struct script *s, const char *what, int err)
{
	if (!s->quiet)
		fprintf(stderr, "%s:%d: %s: %s\n", s->file, s->line, what,
			errstr(err));
	return err;
}

static struct binding *find_name(struct script *s, const char *name)
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

static int bind(struct script *s, const char *name, uint32_t handle)
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
		b = &s->names[s->nnames++];
		b->name = strdup(name);
		if (!b->name)
			return serr(s, "out of memory");
	}
	b->handle = handle;
	b->seq = ++s->bind_seq;
	return 0;
}

/* A new name to bind: checked before the operation runs. */
static int new_name(struct script *s, const char *cmd, const char *name)
{
	if (!valid_name(name))
		return serr(s, "%s: bad name '%s' (letters, digits, _ . -; not starting with a digit)",
			    cmd, name);
	return 0;
}

/* A handle: a bound name or @N. */
static int handle_of(struct script *s, const char *cmd, const char *name,
		     uint32_t *h)
{
	struct binding *b;

	if (name[0] == '@') {
		if (parse_u32(name + 1, h))
			return serr(s, "%s: bad raw handle '%s'", cmd, name);
		return 0;
	}
	b = find_name(s, name);
	if (!b)
		return serr(s, "%s: no such name '%s'", cmd, name);
	*h = b->handle;
	return 0;
}

static int num(struct script *s, const char *cmd, const char *what,
	       const char *tok, uint64_t *v)
{
	if (parse_u64(tok, v))
		return serr(s, "%s: bad %s '%s'", cmd, what, tok);
	return 0;
}

static int num32(struct script *s, const char *cmd, const char *what,
		 const char *tok, uint32_t *v)
{
	if (parse_u32(tok, v))
		return serr(s, "%s: bad %s '%s'", cmd, what, tok);
	return 0;
}

static int nargs(struct script *s, int argc, int lo, int hi, const char *usage)
{
	if (argc < lo || argc > hi)
		return serr(s, "usage: %s", usage);
	return 0;
}

/* "key=value" option; returns the value or NULL if the key differs. */
static const char *opt(const char *tok, const char *key)
{
	size_t n = strlen(key);

	if (!strncmp(tok, key, n) && tok[n] == '=')
		return tok + n + 1;
	return NULL;
}

/* A cache given by name or number. */
static int cache_of(struct script *s, const char *cmd, const char *tok,
		    uint32_t *id)
{
	int err;

	if (isdigit((unsigned char)tok[0]))
		return num32(s, cmd, "cache id", tok, id);
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
static int tokenize(struct script *s, char *line, char **tok, size_t *lens)
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

/* ---- commands ---- */

static int run_cmd(struct script *s, int argc, char **argv, size_t *lens);

static int cmd_create(struct script *s, int argc, char **argv)
{
	uint32_t slots = 0, payload = 0, cache = REFSLAB_GENERAL_CACHE, h;
	struct refslab_stat st;
	const char *v;
	int i, err;

	if (argc < 2)
		return serr(s, "usage: create NAME [slots=N] [payload=N] [cache=NAME|ID]");
	err = new_name(s, "create", argv[1]);
	for (i = 2; !err && i < argc; i++) {
		if ((v = opt(argv[i], "slots")))
			err = num32(s, "create", "slot count", v, &slots);
		else if ((v = opt(argv[i], "payload")))
			err = num32(s, "create", "payload size", v, &payload);
		else if ((v = opt(argv[i], "cache")))
			err = cache_of(s, "create", v, &cache);
		else
			err = serr(s, "create: unknown option '%s'", argv[i]);
	}
	if (err)
		return err;
	err = refslab_create(s->h, slots, payload, cache, &h);
	if (err)
		return oerr(s, "create", err);
	err = bind(s, argv[1], h);
	if (!err && s->verbose && !refslab_stat(s->h, h, &st))
		print_stat(stdout, argv[1], &st);
	return err;
}

static int cmd_dup(struct script *s, int argc, char **argv)
{
	uint32_t h, nh;
	int err;

	if ((err = nargs(s, argc, 3, 3, "dup NEW OLD")) ||
	    (err = new_name(s, "dup", argv[1])) ||
	    (err = handle_of(s, "dup", argv[2], &h)))
		return err;
	err = refslab_dup(s->h, h, &nh);
	if (err)
		return oerr(s, "dup", err);
	return bind(s, argv[1], nh);
}

static int cmd_drop(struct script *s, int argc, char **argv)
{
	uint32_t h;
	int i, err;

	if (argc < 2)
		return serr(s, "usage: drop NAME...");
	for (i = 1; i < argc; i++) {
		err = handle_of(s, "drop", argv[i], &h);
		if (err)
			return err;
		err = refslab_drop(s->h, h);
		if (err)
			return oerr(s, "drop", err);
	}
	return 0;
}

static int cmd_link(struct script *s, int argc, char **argv, bool unlink)
{
	const char *cmd = unlink ? "unlink" : "link";
	uint32_t h, slot, target = REFSLAB_NONE;
	int err;

	if ((err = nargs(s, argc, unlink ? 3 : 4, unlink ? 3 : 4,
			 unlink ? "unlink NAME SLOT" : "link NAME SLOT TARGET")) ||
	    (err = handle_of(s, cmd, argv[1], &h)) ||
	    (err = num32(s, cmd, "slot", argv[2], &slot)))
		return err;
	if (!unlink && strcmp(argv[3], "none") &&
	    (err = handle_of(s, cmd, argv[3], &target)))
		return err;
	err = refslab_set_slot(s->h, h, slot, target);
	return err ? oerr(s, cmd, err) : 0;
}

static int cmd_get(struct script *s, int argc, char **argv)
{
	uint32_t h, slot, t;
	int err;

	if ((err = nargs(s, argc, 4, 4, "get NEW NAME SLOT")) ||
	    (err = new_name(s, "get", argv[1])) ||
	    (err = handle_of(s, "get", argv[2], &h)) ||
	    (err = num32(s, "get", "slot", argv[3], &slot)))
		return err;
	err = refslab_get_slot(s->h, h, slot, &t);
	if (err)
		return oerr(s, "get", err);
	if (t == REFSLAB_NONE && !s->quiet)
		printf("%s:%d: get: slot %u of %s is empty; %s names no object\n",
		       s->file, s->line, slot, argv[2], argv[1]);
	return bind(s, argv[1], t);
}

static int cmd_write(struct script *s, int argc, char **argv, size_t *lens)
{
	uint32_t h;
	uint64_t off;
	int err;

	if ((err = nargs(s, argc, 4, 4, "write NAME OFFSET \"TEXT\"")) ||
	    (err = handle_of(s, "write", argv[1], &h)) ||
	    (err = num(s, "write", "offset", argv[2], &off)))
		return err;
	err = refslab_write(s->h, h, off, argv[3], lens[3]);
	return err ? oerr(s, "write", err) : 0;
}

static int cmd_read(struct script *s, int argc, char **argv)
{
	uint32_t h;
	uint64_t off, len;
	unsigned char *buf;
	int err;

	if ((err = nargs(s, argc, 4, 4, "read NAME OFFSET LEN")) ||
	    (err = handle_of(s, "read", argv[1], &h)) ||
	    (err = num(s, "read", "offset", argv[2], &off)) ||
	    (err = num(s, "read", "length", argv[3], &len)))
		return err;
	if (len > REFSLAB_MAX_PAYLOAD * 2ULL)
		len = REFSLAB_MAX_PAYLOAD * 2ULL;	/* the kernel says ERANGE */
	buf = malloc(len ? len : 1);
	if (!buf)
		return serr(s, "out of memory");
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

static int cmd_stat(struct script *s, int argc, char **argv)
{
	struct refslab_stat st;
	uint32_t h;
	int i, err;

	if (argc < 2)
		return serr(s, "usage: stat NAME...");
	for (i = 1; i < argc; i++) {
		err = handle_of(s, "stat", argv[i], &h);
		if (err)
			return err;
		err = refslab_stat(s->h, h, &st);
		if (err)
			return oerr(s, "stat", err);
		if (!s->quiet)
			print_stat(stdout, argv[i], &st);
	}
	return 0;
}

static int cmd_collect(struct script *s, int argc, char **argv)
{
	uint32_t flags = 0;
	int err;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "nowait")))
		return serr(s, "usage: collect [nowait]");
	if (argc == 2)
		flags = REFSLAB_GC_NOWAIT;
	err = refslab_gc_collect(s->h, flags, &s->last_collect);
	if (err)
		return oerr(s, "collect", err);
	s->collected = true;
	if (!s->quiet)
		printf("collect: freed %llu, scanned %llu, deferred %llu\n",
		       (unsigned long long)s->last_collect.collected,
		       (unsigned long long)s->last_collect.scanned,
		       (unsigned long long)s->last_collect.deferred);
	return 0;
}

static int cmd_heap(struct script *s, int argc)
{
	struct refslab_heap_stats st;
	int err;

	if (argc != 1)
		return serr(s, "usage: heap");
	err = refslab_heap_stats(s->h, &st);
	if (err)
		return oerr(s, "heap", err);
	if (!s->quiet)
		print_heap_stats(stdout, &st);
	return 0;
}

static int cmd_limits(struct script *s, int argc, char **argv)
{
	uint64_t v[4] = { 0, 0, 0, 0 };
	static const char *const keys[4] = { "objects", "bytes", "handles", "caches" };
	int i, k, err;

	for (i = 1; i < argc; i++) {
		const char *val = NULL;

		for (k = 0; k < 4 && !(val = opt(argv[i], keys[k])); k++)
			;
		if (k == 4)
			return serr(s, "usage: limits [objects=N] [bytes=N] [handles=N] [caches=N]");
		err = num(s, "limits", keys[k], val, &v[k]);
		if (err)
			return err;
		if (!v[k])
			return serr(s, "limits: %s=0 means 'unchanged'; give a positive limit",
				    keys[k]);
	}
	if (argc > 1) {
		err = refslab_set_limits(s->h, v[0], v[1], v[2], v[3]);
		if (err)
			return oerr(s, "limits", err);
	}
	if (argc == 1 || s->verbose) {
		struct refslab_heap_stats st;

		err = refslab_heap_stats(s->h, &st);
		if (err)
			return oerr(s, "limits", err);
		if (!s->quiet)
			printf("limits: objects %llu, bytes %llu, handles %llu, caches %llu\n",
			       (unsigned long long)st.max_objects,
			       (unsigned long long)st.max_bytes,
			       (unsigned long long)st.max_handles,
			       (unsigned long long)st.max_caches);
	}
	return 0;
}

static int cmd_cache(struct script *s, int argc, char **argv)
{
	uint32_t size, align = 0, id;
	const char *v;
	int err;

	if (argc >= 2 && !strcmp(argv[1], "list") && argc == 2) {
		if (!s->quiet)
			print_cache_list(stdout, s->h);
		return 0;
	}
	if (argc >= 4 && argc <= 5 && !strcmp(argv[1], "create")) {
		err = num32(s, "cache create", "size", argv[3], &size);
		if (!err && argc == 5) {
			if (!(v = opt(argv[4], "align")))
				return serr(s, "cache create: unknown option '%s'", argv[4]);
			err = num32(s, "cache create", "align", v, &align);
		}
		if (err)
			return err;
		err = refslab_cache_create(s->h, argv[2], size, align, &id);
		if (err)
			return oerr(s, "cache create", err);
		if (s->verbose)
			printf("cache %s = id %u\n", argv[2], id);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "destroy")) {
		err = cache_of(s, "cache destroy", argv[2], &id);
		if (err)
			return err;
		err = refslab_cache_destroy(s->h, id);
		return err ? oerr(s, "cache destroy", err) : 0;
	}
	return serr(s, "usage: cache create NAME SIZE [align=N] | cache destroy NAME|ID | cache list");
}

static int cmd_freeze(struct script *s, bool unfreeze)
{
	uint64_t n;
	int err = unfreeze ? refslab_gc_unfreeze(s->h, &n) : refslab_gc_freeze(s->h, &n);

	if (err)
		return oerr(s, unfreeze ? "unfreeze" : "freeze", err);
	if (!s->quiet)
		printf("%s: %llu objects\n", unfreeze ? "unfrozen" : "frozen",
		       (unsigned long long)n);
	return 0;
}

static int cmd_gc(struct script *s, int argc, char **argv)
{
	struct refslab_gc_control c;
	struct refslab_gc_stats st;
	uint32_t t;
	int err;

	if (argc == 2 && !strcmp(argv[1], "enable"))
		err = refslab_gc_set_enabled(s->h, true);
	else if (argc == 2 && !strcmp(argv[1], "disable"))
		err = refslab_gc_set_enabled(s->h, false);
	else if (argc == 3 && !strcmp(argv[1], "threshold")) {
		if (!strcmp(argv[2], "adaptive"))
			t = 0;
		else if ((err = num32(s, "gc threshold", "threshold", argv[2], &t)))
			return err;
		err = refslab_gc_set_threshold(s->h, t);
	} else if (argc == 2 && !strcmp(argv[1], "freeze")) {
		return cmd_freeze(s, false);
	} else if (argc == 2 && !strcmp(argv[1], "unfreeze")) {
		return cmd_freeze(s, true);
	} else if (argc == 2 && !strcmp(argv[1], "show")) {
		err = refslab_gc_get(s->h, &c);
		if (!err && !s->quiet)
			print_gc_control(stdout, &c);
	} else if (argc == 2 && !strcmp(argv[1], "stats")) {
		err = refslab_gc_stats(s->h, &st);
		if (!err && !s->quiet)
			print_gc_stats(stdout, &st);
	} else {
		return serr(s, "usage: gc enable|disable|threshold N|adaptive|freeze|unfreeze|show|stats");
	}
	return err ? oerr(s, "gc", err) : 0;
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
static int want_num(struct script *s, int argc, char **argv, int i,
		    const char **op, uint64_t *want)
{
	*op = "==";
	if (i < argc && cmp_op(argv[i]))
		*op = argv[i++];
	if (i != argc - 1)
		return serr(s, "expect: expected [==|!=|>=|<=|>|<] NUMBER at the end");
	return num(s, "expect", "number", argv[i], want);
}

static void check_num(struct script *s, const char *what, uint64_t got,
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

static int expect_heap(struct script *s, const char *field, int argc,
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

static int expect_gc(struct script *s, const char *field, int argc,
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

static int stat_of(struct script *s, const char *name, struct refslab_stat *st)
{
	uint32_t h;
	int err = handle_of(s, "expect", name, &h);

	if (err)
		return err;
	err = refslab_stat(s->h, h, st);
	return err ? oerr(s, "expect (stat)", err) : 0;
}

static int cmd_expect(struct script *s, int argc, char **argv, size_t *lens)
{
	static const char usage[] =
		"expect refcount NAME [OP] N | freed [OP] N | objects|handles|bytes|caches [OP] N |\n"
		"       heap FIELD [OP] N | gc FIELD [OP] N | payload NAME OFFSET \"TEXT\" |\n"
		"       slot NAME SLOT TARGET|empty | same A B | state NAME [!]frozen|immortal|candidate |\n"
		"       done [OP] N | error ERRNO COMMAND...";
	struct refslab_stat st, st2;
	const char *op, *what;
	uint64_t want;
	int err;

	if (argc < 2)
		return serr(s, "usage: %s", usage);
	what = argv[1];

	if (!strcmp(what, "error")) {
		int want_err, got;

		if (argc < 4)
			return serr(s, "usage: expect error ERRNO COMMAND...");
		want_err = refslab_errno_from_name(argv[2]);
		if (!want_err)
			return serr(s, "expect error: unknown errno name '%s'", argv[2]);
		if (!strcmp(argv[3], "expect") || !strcmp(argv[3], "batch"))
			return serr(s, "expect error: '%s' cannot be expected to fail", argv[3]);
		s->quiet++;
		got = run_cmd(s, argc - 3, argv + 3, lens + 3);
		s->quiet--;
		if (got == ESYNTAX)
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

		if ((err = nargs(s, argc, 5, 5, "expect payload NAME OFFSET \"TEXT\"")) ||
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

		if ((err = nargs(s, argc, 5, 5, "expect slot NAME SLOT TARGET|empty")) ||
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
		if ((err = nargs(s, argc, 4, 4, "expect same A B")) ||
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

		if ((err = nargs(s, argc, 4, 4, "expect state NAME [!]frozen|immortal|candidate")))
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

/* ---- batch blocks ---- */

static void batch_clear(struct script *s)
{
	size_t i;

	for (i = 0; i < s->nbops; i++) {
		free(s->bops[i].bind);
		free(s->bops[i].buf);
	}
	s->nbops = 0;
	refslab_batch_reset(&s->batch);
	s->in_batch = false;
}

/* One line inside batch ... end: queue it. */
static int batch_line(struct script *s, int argc, char **argv, size_t *lens)
{
	struct bop b = { .line = s->line };
	uint32_t h, slot, t = REFSLAB_NONE, v32, slots = 0, payload = 0;
	uint32_t cache = REFSLAB_GENERAL_CACHE;
	uint64_t off, len;
	const char *v;
	int idx, err = 0, i;

	if (argc >= 3 && !strcmp(argv[0], "expect") && !strcmp(argv[1], "error")) {
		b.expect_err = refslab_errno_from_name(argv[2]);
		if (!b.expect_err)
			return serr(s, "expect error: unknown errno name '%s'", argv[2]);
		argc -= 3;
		argv += 3;
		lens += 3;
		if (!argc)
			return serr(s, "expect error: which operation?");
	}
	if (!strcmp(argv[0], "create")) {
		if (argc < 2)
			return serr(s, "usage: create NAME [slots=N] [payload=N] [cache=NAME|ID]");
		if ((err = new_name(s, "create", argv[1])))
			return err;
		for (i = 2; !err && i < argc; i++) {
			if ((v = opt(argv[i], "slots")))
				err = num32(s, "create", "slot count", v, &slots);
			else if ((v = opt(argv[i], "payload")))
				err = num32(s, "create", "payload size", v, &payload);
			else if ((v = opt(argv[i], "cache")))
				err = cache_of(s, "create", v, &cache);
			else
				err = serr(s, "create: unknown option '%s'", argv[i]);
		}
		if (err)
			return err;
		b.bind = strdup(argv[1]);
		idx = refslab_batch_create(&s->batch, slots, payload, cache);
	} else if (!strcmp(argv[0], "dup")) {
		if ((err = nargs(s, argc, 3, 3, "dup NEW OLD")) ||
		    (err = new_name(s, "dup", argv[1])) ||
		    (err = handle_of(s, "dup", argv[2], &h)))
			return err;
		b.bind = strdup(argv[1]);
		idx = refslab_batch_dup(&s->batch, h);
	} else if (!strcmp(argv[0], "drop")) {
		if ((err = nargs(s, argc, 2, 2, "drop NAME")) ||
		    (err = handle_of(s, "drop", argv[1], &h)))
			return err;
		idx = refslab_batch_drop(&s->batch, h);
	} else if (!strcmp(argv[0], "link") || !strcmp(argv[0], "unlink")) {
		bool un = argv[0][0] == 'u';

		if ((err = nargs(s, argc, un ? 3 : 4, un ? 3 : 4,
				 un ? "unlink NAME SLOT" : "link NAME SLOT TARGET")) ||
		    (err = handle_of(s, argv[0], argv[1], &h)) ||
		    (err = num32(s, argv[0], "slot", argv[2], &slot)))
			return err;
		if (!un && strcmp(argv[3], "none") &&
		    (err = handle_of(s, argv[0], argv[3], &t)))
			return err;
		idx = refslab_batch_set_slot(&s->batch, h, slot, t);
	} else if (!strcmp(argv[0], "get")) {
		if ((err = nargs(s, argc, 4, 4, "get NEW NAME SLOT")) ||
		    (err = new_name(s, "get", argv[1])) ||
		    (err = handle_of(s, "get", argv[2], &h)) ||
		    (err = num32(s, "get", "slot", argv[3], &slot)))
			return err;
		b.bind = strdup(argv[1]);
		idx = refslab_batch_get_slot(&s->batch, h, slot);
	} else if (!strcmp(argv[0], "write")) {
		if ((err = nargs(s, argc, 4, 4, "write NAME OFFSET \"TEXT\"")) ||
		    (err = handle_of(s, "write", argv[1], &h)) ||
		    (err = num(s, "write", "offset", argv[2], &off)))
			return err;
		b.buf = malloc(lens[3] + 1);
		if (!b.buf)
			return serr(s, "out of memory");
		memcpy(b.buf, argv[3], lens[3]);
		idx = refslab_batch_write(&s->batch, h, off, b.buf, lens[3]);
	} else if (!strcmp(argv[0], "read")) {
		if ((err = nargs(s, argc, 4, 4, "read NAME OFFSET LEN")) ||
		    (err = handle_of(s, "read", argv[1], &h)) ||
		    (err = num(s, "read", "offset", argv[2], &off)) ||
		    (err = num(s, "read", "length", argv[3], &len)))
			return err;
		if (len > REFSLAB_MAX_PAYLOAD * 2ULL)
			len = REFSLAB_MAX_PAYLOAD * 2ULL;
		b.buf = calloc(1, len + 1);
		if (!b.buf)
			return serr(s, "out of memory");
		idx = refslab_batch_read(&s->batch, h, off, b.buf, len);
	} else if (!strcmp(argv[0], "stat")) {
		if ((err = nargs(s, argc, 2, 2, "stat NAME")) ||
		    (err = handle_of(s, "stat", argv[1], &h)))
			return err;
		idx = refslab_batch_stat(&s->batch, h);
	} else if (!strcmp(argv[0], "raw")) {
		/* raw OPCODE: an operation code the kernel must refuse */
		if ((err = nargs(s, argc, 2, 2, "raw OPCODE")) ||
		    (err = num32(s, "raw", "opcode", argv[1], &v32)))
			return err;
		idx = refslab_batch_stat(&s->batch, REFSLAB_NONE);
		if (idx >= 0)
			refslab_batch_op(&s->batch, idx)->op = v32;
	} else {
		return serr(s, "batch: '%s' cannot be batched (create dup drop link unlink get write read stat raw)",
			    argv[0]);
	}
	if (idx < 0) {
		free(b.bind);
		free(b.buf);
		return serr(s, "out of memory");
	}
	if (s->nbops == s->capbops) {
		size_t cap = s->capbops ? s->capbops * 2 : 16;
		void *p = realloc(s->bops, cap * sizeof(*s->bops));

		if (!p) {
			free(b.bind);
			free(b.buf);
			return serr(s, "out of memory");
		}
		s->bops = p;
		s->capbops = cap;
	}
	s->bops[s->nbops++] = b;
	return 0;
}

/* "end": run the queued batch, check per-operation results, bind names. */
static int batch_end(struct script *s)
{
	int err, ret = 0, line = s->line;
	size_t i;

	if (!s->nbops) {
		batch_clear(s);
		return serr(s, "batch: empty batch");
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
			fprintf(stderr, "%s:%d: batch operation %zu: %s\n",
				s->file, s->line, i, errstr(o->result));
			ret = o->result;
		}
		if (!o->result && b->bind)
			bind(s, b->bind, refslab_batch_handle(&s->batch, i));
		if (!o->result && o->op == REFSLAB_OP_READ)
			printf("batch read = "), print_escaped(stdout, b->buf,
							       o->args.io.len),
			putchar('\n');
		if (!o->result && o->op == REFSLAB_OP_STAT)
			print_stat(stdout, "batch stat", &o->args.stat);
	}
	s->line = line;
	/* The ioctl's own failure (count, flags, faults) with no op result. */
	if (err && !ret && s->batch.done == 0 && !s->bops[0].expect_err) {
		fprintf(stderr, "%s:%d: batch: %s\n", s->file, s->line, errstr(err));
		ret = err;
	}
	batch_clear(s);
	return ret;
}

/* ---- dispatch ---- */

/* The name last bound to @handle: a dropped name keeps its stale number. */
static const char *handle_name(void *ctx, uint32_t handle)
{
	struct script *s = ctx;
	const struct binding *best = NULL;
	size_t i;

	for (i = 0; i < s->nnames; i++)
		if (s->names[i].handle == handle &&
		    (!best || s->names[i].seq > best->seq))
			best = &s->names[i];
	return best ? best->name : NULL;
}

/* graph FILE (graph.c) */
static int cmd_graph(struct script *s, int argc, char **argv)
{
	int err;

	if (argc != 2)
		return serr(s, "usage: graph FILE.dot|FILE.json");
	err = graph_save(s->h, argv[1], handle_name, s);
	return err ? oerr(s, "graph", err) : 0;
}

static int run_cmd(struct script *s, int argc, char **argv, size_t *lens)
{
	const char *c = argv[0];

	if (!strcmp(c, "create"))
		return cmd_create(s, argc, argv);
	if (!strcmp(c, "dup"))
		return cmd_dup(s, argc, argv);
	if (!strcmp(c, "drop"))
		return cmd_drop(s, argc, argv);
	if (!strcmp(c, "link"))
		return cmd_link(s, argc, argv, false);
	if (!strcmp(c, "unlink"))
		return cmd_link(s, argc, argv, true);
	if (!strcmp(c, "get"))
		return cmd_get(s, argc, argv);
	if (!strcmp(c, "write"))
		return cmd_write(s, argc, argv, lens);
	if (!strcmp(c, "read"))
		return cmd_read(s, argc, argv);
	if (!strcmp(c, "stat"))
		return cmd_stat(s, argc, argv);
	if (!strcmp(c, "collect"))
		return cmd_collect(s, argc, argv);
	if (!strcmp(c, "heap"))
		return cmd_heap(s, argc);
	if (!strcmp(c, "limits"))
		return cmd_limits(s, argc, argv);
	if (!strcmp(c, "cache"))
		return cmd_cache(s, argc, argv);
	if (!strcmp(c, "gc"))
		return cmd_gc(s, argc, argv);
	if (!strcmp(c, "freeze") && argc == 1)
		return cmd_freeze(s, false);
	if (!strcmp(c, "unfreeze") && argc == 1)
		return cmd_freeze(s, true);
	if (!strcmp(c, "expect"))
		return cmd_expect(s, argc, argv, lens);
	if (!strcmp(c, "graph"))
		return cmd_graph(s, argc, argv);
	if (!strcmp(c, "stats")) {
		char *av[] = { "stats", NULL };

		if (argc != 1)
			return serr(s, "usage: stats");
		fflush(stdout);
		return stats_main(1, av) ? serr(s, "stats: debugfs not readable") : 0;
	}
	if (!strcmp(c, "print")) {
		int i;

		for (i = 1; i < argc; i++)
			printf("%s%s", i > 1 ? " " : "", argv[i]);
		putchar('\n');
		return 0;
	}
	return serr(s, "unknown command '%s' (see refslabctl run --help)", c);
}

int script_run(refslab_heap *h, const char *path, bool verbose)
{
	struct script s = { .h = h, .verbose = verbose };
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = 0;

	if (!strcmp(path, "-")) {
		f = stdin;
		s.file = "<stdin>";
	} else {
		f = fopen(path, "r");
		if (!f) {
			fprintf(stderr, "refslabctl run: %s: %s\n", path, strerror(errno));
			return EXIT_USAGE;
		}
		s.file = path;
	}
	refslab_batch_init(&s.batch);
	while ((n = getline(&line, &cap, f)) >= 0) {
		char *tok[MAXTOK];
		size_t lens[MAXTOK];
		int argc, err;

		s.line++;
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (verbose)
			fprintf(stdout, "%s:%d: %s\n", s.file, s.line, line);
		argc = tokenize(&s, line, tok, lens);
		if (argc < 0) {
			ret = EXIT_USAGE;
			break;
		}
		if (!argc)
			continue;
		if (s.in_batch) {
			if (!strcmp(tok[0], "end") && argc == 1)
				err = batch_end(&s);
			else
				err = batch_line(&s, argc, tok, lens);
		} else if (!strcmp(tok[0], "batch")) {
			if (argc > 2 || (argc == 2 && strcmp(tok[1], "continue"))) {
				err = serr(&s, "usage: batch [continue] ... end");
			} else {
				s.in_batch = true;
				s.batch_line = s.line;
				s.batch_flags = argc == 2 ? REFSLAB_BATCH_CONTINUE : 0;
				err = 0;
			}
		} else if (!strcmp(tok[0], "end")) {
			err = serr(&s, "'end' without 'batch'");
		} else {
			err = run_cmd(&s, argc, tok, lens);
		}
		fflush(stdout);
		if (err == ESYNTAX) {
			ret = EXIT_USAGE;
			break;
		}
		if (err) {
			ret = EXIT_FAIL;
			break;
		}
	}
	if (!ret && s.in_batch) {
		s.line = s.batch_line;
		serr(&s, "batch without 'end'");
		ret = EXIT_USAGE;
	}
	batch_clear(&s);
	refslab_batch_free(&s.batch);
	free(s.bops);
	free(line);
	while (s.nnames)
		free(s.names[--s.nnames].name);
	free(s.names);
	if (f != stdin)
		fclose(f);
	if (s.failed) {
		fprintf(stderr, "%s: %d expectation%s failed\n", s.file, s.failed,
			s.failed == 1 ? "" : "s");
		if (!ret)
			ret = EXIT_FAIL;
	}
	return ret;
}
