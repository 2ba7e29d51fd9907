// SPDX-License-Identifier: GPL-2.0
/*
 * refslabctl: drive /dev/refslab from the command line.
 *
 * Each invocation opens one heap (or uses an inherited descriptor with
 * --fd), runs one subcommand and exits, which closes the heap.  The
 * scenario language (run) lives in script.c, the debugfs report (stats) in
 * stats.c; this file has the command line, the one-shot subcommands and
 * the printing they share.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctl.h"
#include "graph.h"

static const char *prog = "refslabctl";
static int opt_fd = -1;
static const char *opt_device;

/* ---- shared helpers ---- */

int parse_u64(const char *s, uint64_t *v)
{
	unsigned long long x;
	char *end;
	int shift = 0;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end)
		return -EINVAL;
	if (shift && x > (~0ULL >> shift))
		return -ERANGE;
	*v = (uint64_t)x << shift;
	return 0;
}

int parse_u32(const char *s, uint32_t *v)
{
	uint64_t x;

	if (parse_u64(s, &x) || x > UINT32_MAX)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

const char *errstr(int err)
{
	static __thread char buf[128];
	const char *name;

	if (err < 0)
		err = -err;
	name = refslab_errno_name(err);
	snprintf(buf, sizeof(buf), "%s (%s)", strerror(err), name ? name : "?");
	return buf;
}

void print_escaped(FILE *f, const unsigned char *buf, size_t len)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < len; i++) {
		unsigned char c = buf[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == 0)
			fputs("\\0", f);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void print_stat(FILE *f, const char *label, const struct refslab_stat *st)
{
	fprintf(f, "%s: handle %u object %llu refcount %u slots %u payload %u object_size %u cache %u state",
		label, st->handle, (unsigned long long)st->id, st->refcount,
		st->nslots, st->payload_size, st->object_size, st->cache_id);
	if (!st->state)
		fputs(" -", f);
	if (st->state & REFSLAB_STATE_IMMORTAL)
		fputs(" immortal", f);
	if (st->state & REFSLAB_STATE_CANDIDATE)
		fputs(" candidate", f);
	if (st->state & REFSLAB_STATE_FROZEN)
		fputs(" frozen", f);
	fputc('\n', f);
}

void print_heap_stats(FILE *f, const struct refslab_heap_stats *st)
{
#define U(x) ((unsigned long long)(x))
	fprintf(f, "heap: objects %llu/%llu bytes %llu/%llu handles %llu/%llu caches %llu/%llu\n"
		"      created %llu freed %llu incref %llu decref %llu\n",
		U(st->objects), U(st->max_objects), U(st->bytes), U(st->max_bytes),
		U(st->handles), U(st->max_handles), U(st->caches), U(st->max_caches),
		U(st->created), U(st->freed), U(st->incref), U(st->decref));
}

void print_gc_control(FILE *f, const struct refslab_gc_control *c)
{
	fprintf(f, "gc: %s, threshold %u%s\n", c->enabled ? "enabled" : "disabled",
		c->threshold, c->adaptive ? " (adaptive)" : "");
}

void print_gc_stats(FILE *f, const struct refslab_gc_stats *st)
{
	static const char *const b[REFSLAB_GC_PAUSE_BUCKETS] = {
		"<10us", "<100us", "<1ms", "<10ms", "<100ms", "<1s", "<10s", ">=10s"
	};
	int i;

	fprintf(f, "gc: %s threshold %u collections %llu candidates %llu scanned %llu collected %llu deferred %llu pending %llu frozen %llu\n"
		"    last %lluns max %lluns total %lluns max_pause %lluns max_wait %lluns\n    pauses:",
		st->enabled ? "enabled" : "disabled", st->threshold,
		U(st->collections), U(st->candidates), U(st->scanned),
		U(st->collected), U(st->deferred), U(st->pending), U(st->frozen),
		U(st->last_ns), U(st->max_ns), U(st->total_ns),
		U(st->max_pause_ns), U(st->max_wait_ns));
	for (i = 0; i < REFSLAB_GC_PAUSE_BUCKETS; i++)
		fprintf(f, " %s:%llu", b[i], U(st->pauses[i]));
	fputc('\n', f);
}

void print_cache_list(FILE *f, refslab_heap *h)
{
	struct refslab_cache_info info[REFSLAB_CACHE_NAME_MAX * 4];
	uint32_t total = 0, i;
	int err = refslab_cache_list(h, info, sizeof(info) / sizeof(info[0]), &total);

	if (err) {
		fprintf(stderr, "cache list: %s\n", errstr(err));
		return;
	}
	fprintf(f, "%-4s %-31s %8s %8s %6s %10s %8s\n", "id", "name",
		"size", "slabsize", "align", "objects", "slabs");
	for (i = 0; i < total && i < sizeof(info) / sizeof(info[0]); i++)
		fprintf(f, "%-4u %-31.31s %8u %8u %6u %10llu %8llu\n",
			info[i].cache_id, info[i].name, info[i].object_size,
			info[i].slab_size, info[i].align, U(info[i].objects),
			U(info[i].slabs));
#undef U
}

/* ---- subcommands ---- */

struct cmd {
	const char *name;
	int (*fn)(refslab_heap *h, int argc, char **argv);
	const char *usage;
	const char *help;
	bool no_heap;		/* runs without opening the device */
};

static const struct cmd *cur;

static int usage_err(void)
{
	fprintf(stderr, "usage: %s %s\n(see %s %s --help)\n", prog, cur->usage,
		prog, cur->name);
	return EXIT_USAGE;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "%s %s: %s\n", prog, what, errstr(err));
	return EXIT_FAIL;
}

static int arg_u32(const char *s, const char *what, uint32_t *v)
{
	if (parse_u32(s, v)) {
		fprintf(stderr, "%s %s: bad %s '%s'\n", prog, cur->name, what, s);
		return -1;
	}
	return 0;
}

static int arg_u64(const char *s, const char *what, uint64_t *v)
{
	if (parse_u64(s, v)) {
		fprintf(stderr, "%s %s: bad %s '%s'\n", prog, cur->name, what, s);
		return -1;
	}
	return 0;
}

static int show_stat(refslab_heap *h, const char *label, uint32_t handle)
{
	struct refslab_stat st;
	int err = refslab_stat(h, handle, &st);

	if (err)
		return fail("stat", err);
	print_stat(stdout, label, &st);
	return 0;
}

static int c_version(refslab_heap *h, int argc, char **argv)
{
	struct refslab_version v;
	int err;

	(void)argv;
	if (argc != 1)
		return usage_err();
	err = refslab_version(h, &v);
	if (err)
		return fail("version", err);
	printf("refslab %u.%u (this tool: %u.%u)\nfeatures:%s%s%s%s%s (0x%llx)\n"
	       "max_slots %u max_payload %u header_bytes %u\n",
	       v.major, v.minor, REFSLAB_VERSION_MAJOR, REFSLAB_VERSION_MINOR,
	       v.features & REFSLAB_FEAT_OBJECTS ? " objects" : "",
	       v.features & REFSLAB_FEAT_CACHES ? " caches" : "",
	       v.features & REFSLAB_FEAT_BATCH ? " batch" : "",
	       v.features & REFSLAB_FEAT_GC ? " gc" : "",
	       v.features & REFSLAB_FEAT_LIMITS ? " limits" : "",
	       (unsigned long long)v.features, v.max_slots, v.max_payload,
	       v.header_bytes);
	return 0;
}

static int c_stats(refslab_heap *h, int argc, char **argv)
{
	(void)h;
	return stats_main(argc, argv);
}

static int c_create(refslab_heap *h, int argc, char **argv)
{
	uint32_t slots = 0, payload = 0, cache = 0, handle;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (i + 1 < argc && !strcmp(argv[i], "--slots")) {
			if (arg_u32(argv[++i], "slot count", &slots))
				return EXIT_USAGE;
		} else if (i + 1 < argc && !strcmp(argv[i], "--payload")) {
			if (arg_u32(argv[++i], "payload size", &payload))
				return EXIT_USAGE;
		} else if (i + 1 < argc && !strcmp(argv[i], "--cache")) {
			if (arg_u32(argv[++i], "cache id", &cache))
				return EXIT_USAGE;
		} else {
			return usage_err();
		}
	}
	err = refslab_create(h, slots, payload, cache, &handle);
	if (err)
		return fail("create", err);
	printf("%u\n", handle);
	return show_stat(h, "created", handle);
}

static int c_dup(refslab_heap *h, int argc, char **argv)
{
	uint32_t handle, nh;
	int err;

	if (argc != 2)
		return usage_err();
	if (arg_u32(argv[1], "handle", &handle))
		return EXIT_USAGE;
	err = refslab_dup(h, handle, &nh);
	if (err)
		return fail("dup", err);
	printf("%u\n", nh);
	return show_stat(h, "dup", nh);
}

static int c_drop(refslab_heap *h, int argc, char **argv)
{
	uint32_t handle;
	int i, err;

	if (argc < 2)
		return usage_err();
	for (i = 1; i < argc; i++) {
		if (arg_u32(argv[i], "handle", &handle))
			return EXIT_USAGE;
		err = refslab_drop(h, handle);
		if (err)
			return fail("drop", err);
	}
	return 0;
}

static int c_link(refslab_heap *h, int argc, char **argv)
{
	uint32_t handle, slot, target;
	int err;

	if (argc != 4)
		return usage_err();
	if (arg_u32(argv[1], "handle", &handle) ||
	    arg_u32(argv[2], "slot", &slot) ||
	    arg_u32(argv[3], "target handle", &target))
		return EXIT_USAGE;
	err = refslab_set_slot(h, handle, slot, target);
	if (err)
		return fail("link", err);
	return show_stat(h, "object", handle);
}

static int c_unlink(refslab_heap *h, int argc, char **argv)
{
	uint32_t handle, slot;
	int err;

	if (argc != 3)
		return usage_err();
	if (arg_u32(argv[1], "handle", &handle) || arg_u32(argv[2], "slot", &slot))
		return EXIT_USAGE;
	err = refslab_set_slot(h, handle, slot, REFSLAB_NONE);
	if (err)
		return fail("unlink", err);
	return show_stat(h, "object", handle);
}

static int c_get(refslab_heap *h, int argc, char **argv)
{
	uint32_t handle, slot, t;
	int err;

	if (argc != 3)
		return usage_err();
	if (arg_u32(argv[1], "handle", &handle) || arg_u32(argv[2], "slot", &slot))
		return EXIT_USAGE;
	err = refslab_get_slot(h, handle, slot, &t);
	if (err)
		return fail("get", err);
	printf("%u\n", t);
	if (t == REFSLAB_NONE) {
		printf("(slot %u is empty)\n", slot);
		return 0;
	}
	return show_stat(h, "target", t);
}

static int c_write(refslab_heap *h, int argc, char **argv)
{
	uint32_t handle;
	uint64_t off;
	int err;

	if (argc != 4)
		return usage_err();
	if (arg_u32(argv[1], "handle", &handle) || arg_u64(argv[2], "offset", &off))
		return EXIT_USAGE;
	err = refslab_write(h, handle, off, argv[3], strlen(argv[3]));
	if (err)
		return fail("write", err);
	return 0;
}

static int c_read(refslab_heap *h, int argc, char **argv)
{
	uint32_t handle;
	uint64_t off, len;
	unsigned char *buf;
	int err;

	if (argc != 4)
		return usage_err();
	if (arg_u32(argv[1], "handle", &handle) || arg_u64(argv[2], "offset", &off) ||
	    arg_u64(argv[3], "length", &len))
		return EXIT_USAGE;
	if (len > 2ULL * REFSLAB_MAX_PAYLOAD)
		len = 2ULL * REFSLAB_MAX_PAYLOAD;
	buf = malloc(len ? len : 1);
	if (!buf)
		return fail("read", -ENOMEM);
	err = refslab_read(h, handle, off, buf, len);
	if (err) {
		free(buf);
		return fail("read", err);
	}
	print_escaped(stdout, buf, len);
	putchar('\n');
	free(buf);
	return 0;
}

static int c_stat(refslab_heap *h, int argc, char **argv)
{
	uint32_t handle;
	int i, ret;

	if (argc < 2)
		return usage_err();
	for (i = 1; i < argc; i++) {
		if (arg_u32(argv[i], "handle", &handle))
			return EXIT_USAGE;
		ret = show_stat(h, "object", handle);
		if (ret)
			return ret;
	}
	return 0;
}

static int c_heap(refslab_heap *h, int argc, char **argv)
{
	struct refslab_heap_stats st;
	int err;

	(void)argv;
	if (argc != 1)
		return usage_err();
	err = refslab_heap_stats(h, &st);
	if (err)
		return fail("heap", err);
	print_heap_stats(stdout, &st);
	return 0;
}

static int c_cache(refslab_heap *h, int argc, char **argv)
{
	uint32_t size, align = 0, id;
	int err;

	if (argc == 2 && !strcmp(argv[1], "list")) {
		print_cache_list(stdout, h);
		return 0;
	}
	if ((argc == 4 || argc == 6) && !strcmp(argv[1], "create")) {
		if (arg_u32(argv[3], "size", &size))
			return EXIT_USAGE;
		if (argc == 6 && (strcmp(argv[4], "--align") ||
				  arg_u32(argv[5], "align", &align)))
			return usage_err();
		err = refslab_cache_create(h, argv[2], size, align, &id);
		if (err)
			return fail("cache create", err);
		printf("%u\n", id);
		print_cache_list(stdout, h);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "destroy")) {
		if (arg_u32(argv[2], "cache id", &id))
			return EXIT_USAGE;
		err = refslab_cache_destroy(h, id);
		return err ? fail("cache destroy", err) : 0;
	}
	return usage_err();
}

static int c_limits(refslab_heap *h, int argc, char **argv)
{
	static const char *const keys[4] = { "objects", "bytes", "handles", "caches" };
	uint64_t v[4] = { 0, 0, 0, 0 };
	struct refslab_heap_stats st;
	int i, k, err;

	for (i = 1; i < argc; i++) {
		size_t n;

		for (k = 0; k < 4; k++) {
			n = strlen(keys[k]);
			if (!strncmp(argv[i], keys[k], n) && argv[i][n] == '=')
				break;
		}
		if (k == 4)
			return usage_err();
		if (arg_u64(argv[i] + n + 1, keys[k], &v[k]))
			return EXIT_USAGE;
	}
	if (argc > 1) {
		err = refslab_set_limits(h, v[0], v[1], v[2], v[3]);
		if (err)
			return fail("limits", err);
	}
	err = refslab_heap_stats(h, &st);
	if (err)
		return fail("heap", err);
	printf("limits: objects %llu bytes %llu handles %llu caches %llu\n",
	       (unsigned long long)st.max_objects, (unsigned long long)st.max_bytes,
	       (unsigned long long)st.max_handles, (unsigned long long)st.max_caches);
	return 0;
}

static int c_collect(refslab_heap *h, int argc, char **argv)
{
	struct refslab_gc_collect c;
	uint32_t flags = 0;
	int err;

	if (argc == 2 && !strcmp(argv[1], "--nowait"))
		flags = REFSLAB_GC_NOWAIT;
	else if (argc != 1)
		return usage_err();
	err = refslab_gc_collect(h, flags, &c);
	if (err)
		return fail("collect", err);
	printf("collect: freed %llu, scanned %llu, deferred %llu\n",
	       (unsigned long long)c.collected, (unsigned long long)c.scanned,
	       (unsigned long long)c.deferred);
	return 0;
}

static int c_gc(refslab_heap *h, int argc, char **argv)
{
	struct refslab_gc_control c;
	struct refslab_gc_stats st;
	uint64_t n;
	uint32_t t;
	int err;

	if (argc == 1 || (argc == 2 && !strcmp(argv[1], "show"))) {
		err = refslab_gc_get(h, &c);
		if (err)
			return fail("gc", err);
		print_gc_control(stdout, &c);
		return 0;
	}
	if (argc == 2 && (!strcmp(argv[1], "enable") || !strcmp(argv[1], "disable"))) {
		err = refslab_gc_set_enabled(h, argv[1][0] == 'e');
	} else if (argc == 3 && !strcmp(argv[1], "threshold")) {
		if (!strcmp(argv[2], "adaptive"))
			t = 0;
		else if (arg_u32(argv[2], "threshold", &t))
			return EXIT_USAGE;
		err = refslab_gc_set_threshold(h, t);
	} else if (argc == 2 && (!strcmp(argv[1], "freeze") ||
				 !strcmp(argv[1], "unfreeze"))) {
		err = argv[1][0] == 'f' ? refslab_gc_freeze(h, &n) : refslab_gc_unfreeze(h, &n);
		if (err)
			return fail(argv[1], err);
		printf("%s: %llu objects\n", argv[1], (unsigned long long)n);
		return 0;
	} else if (argc == 2 && !strcmp(argv[1], "stats")) {
		err = refslab_gc_stats(h, &st);
		if (err)
			return fail("gc stats", err);
		print_gc_stats(stdout, &st);
		return 0;
	} else {
		return usage_err();
	}
	if (err)
		return fail("gc", err);
	err = refslab_gc_get(h, &c);
	if (err)
		return fail("gc", err);
	print_gc_control(stdout, &c);
	return 0;
}

static int c_run(refslab_heap *h, int argc, char **argv)
{
	bool verbose = false;
	int i = 1;

	if (argc > 1 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--verbose"))) {
		verbose = true;
		i++;
	}
	if (argc != i + 1)
		return usage_err();
	return script_run(h, argv[i], verbose);
}

static const char one_shot_note[] =
	"Note: this command works on the heap of this one invocation: without --fd the\n"
	"heap is new and is freed when refslabctl exits, so handles from an earlier\n"
	"invocation do not exist in it.  To keep a heap across invocations, hold it\n"
	"open in the shell and pass the descriptor:\n"
	"    exec 3<>/dev/refslab; refslabctl --fd 3 create --slots 1; refslabctl --fd 3 stat 1\n"
	"or write the steps as a scenario for `refslabctl run`.\n";

static const char run_help[] =
	"Run a scenario: one heap for the whole script, names standing for handles.\n"
	"SCRIPT '-' reads standard input.  -v echoes each line and more details.\n"
	"'#' starts a comment; \"quoted text\" takes escapes \\n \\t \\0 \\\\ \\\" \\xNN;\n"
	"numbers are decimal or 0x hex (k/m/g suffixes).  A NAME is bound by create,\n"
	"dup, get; '@N' is the raw handle N.  After drop, a name keeps its (now stale)\n"
	"handle number; the kernel may give that number to a later object.\n"
	"\n"
	"  create NAME [slots=N] [payload=N] [cache=NAME|ID]   new object, NAME = handle\n"
	"  dup NEW OLD                 NEW = another handle to OLD's object\n"
	"  drop NAME...                drop handles\n"
	"  link NAME SLOT TARGET       slot SLOT of NAME -> TARGET ('none' empties)\n"
	"  unlink NAME SLOT            empty the slot\n"
	"  get NEW NAME SLOT           NEW = handle to the slot's object (0 if empty)\n"
	"  write NAME OFFSET \"TEXT\"    write payload bytes\n"
	"  read NAME OFFSET LEN        print payload bytes\n"
	"  stat NAME...                print refcount, sizes, cache, state\n"
	"  collect [nowait]            synchronous collection (gc.collect())\n"
	"  heap                        print heap figures and limits\n"
	"  limits [objects=N] [bytes=N] [handles=N] [caches=N]   lower/raise/show limits\n"
	"  cache create NAME SIZE [align=N] | cache destroy NAME|ID | cache list\n"
	"  gc enable|disable|threshold N|adaptive|freeze|unfreeze|show|stats\n"
	"  freeze | unfreeze           same as gc freeze / gc unfreeze\n"
	"  stats                       the debugfs report (refslabctl stats)\n"
	"  graph FILE.dot|FILE.json    write the object graph (refslabctl graph); a\n"
	"                              relative FILE is under $REFSLAB_GRAPH_DIR if set\n"
	"  print TEXT...               echo\n"
	"  batch [continue]            start a batch: the following create, dup, drop,\n"
	"    ...                       link, unlink, get, write, read, stat lines (each may\n"
	"  end                         be prefixed by 'expect error ERRNO') run in one ioctl\n"
	"\n"
	"Expectations (a failed one is reported with its line; the run exits 1):\n"
	"  expect refcount NAME [OP] N       OP: == != >= <= > <  (default ==)\n"
	"  expect freed [OP] N               objects freed by the last collect\n"
	"  expect objects|handles|bytes|caches [OP] N   heap figures\n"
	"  expect heap FIELD [OP] N          any heap figure (created, freed, incref...)\n"
	"  expect gc FIELD [OP] N            any collector figure (collections, frozen...)\n"
	"  expect payload NAME OFFSET \"TEXT\"\n"
	"  expect slot NAME SLOT TARGET|empty\n"
	"  expect same A B                   A and B name the same object\n"
	"  expect state NAME [!]frozen|immortal|candidate\n"
	"  expect done [OP] N                operations run by the last batch\n"
	"  expect error ERRNO COMMAND...     COMMAND must fail with ERRNO (e.g. ENOENT)\n"
	"\n"
	"An operation that fails stops the run (exit 1); a syntax error exits 2.\n"
	"Automatic collection may run at any time: use 'gc disable' before counting.\n";

static const struct cmd cmds[] = {
	{ "version", c_version, "version", "Print the module's version, features and limits.", false },
	{ "stats", c_stats, "stats [--json]",
	  "Print the debugfs views (" REFSLAB_DEBUGFS "): the slabinfo table,\n"
	  "per-cache counters, heaps and the collector.  Needs root and debugfs.\n"
	  "The directory can be overridden with $REFSLAB_DEBUGFS_DIR.", true },
	{ "create", c_create, "create [--slots N] [--payload N] [--cache ID]",
	  "Create an object; print its handle and its stat.", false },
	{ "dup", c_dup, "dup HANDLE", "Another handle to HANDLE's object; print it.", false },
	{ "drop", c_drop, "drop HANDLE...", "Drop handles.", false },
	{ "link", c_link, "link HANDLE SLOT TARGET", "Point slot SLOT of HANDLE at TARGET's object (0: empty).", false },
	{ "unlink", c_unlink, "unlink HANDLE SLOT", "Empty slot SLOT of HANDLE.", false },
	{ "get", c_get, "get HANDLE SLOT", "Print a new handle to the slot's object (0 if empty).", false },
	{ "write", c_write, "write HANDLE OFFSET TEXT", "Write TEXT's bytes into the payload at OFFSET.", false },
	{ "read", c_read, "read HANDLE OFFSET LEN", "Print LEN payload bytes from OFFSET.", false },
	{ "stat", c_stat, "stat HANDLE...", "Print refcount, slots, payload, sizes, cache and state.", false },
	{ "heap", c_heap, "heap", "Print the heap's figures and limits.", false },
	{ "cache", c_cache, "cache create NAME SIZE [--align N] | cache destroy ID | cache list",
	  "Named caches of this heap: create (prints the id), destroy, list.", false },
	{ "limits", c_limits, "limits [objects=N] [bytes=N] [handles=N] [caches=N]",
	  "Change (lower; raising above the defaults needs CAP_SYS_RESOURCE) and print\nthe heap's limits.", false },
	{ "collect", c_collect, "collect [--nowait]",
	  "Collect the heap's garbage cycles now and print how many objects were freed.", false },
	{ "gc", c_gc, "gc [show|enable|disable|threshold N|adaptive|freeze|unfreeze|stats]",
	  "Collector controls: automatic collection on/off, threshold (adaptive: back\n"
	  "to the adaptive one), freeze/unfreeze every object, statistics.", false },
	{ "graph", graph_main, "graph [--dot|--json] [-o FILE]",
	  "Write the heap's object graph (REFSLAB_IOC_HEAP_DUMP, one consistent snapshot)\n"
	  "as Graphviz DOT (the default; render with `dot -Tsvg`) or JSON, to FILE or\n"
	  "standard output.  Handles are the roots; objects show their refcount and are\n"
	  "filled by state (yellow candidate, blue frozen, violet immortal); references\n"
	  "on a cycle (a strongly connected component of two or more objects, or a\n"
	  "self-reference) are red.", false },
	{ "run", c_run, "run [-v] SCRIPT|-", run_help, false },
	{ NULL, NULL, NULL, NULL, false },
};

static void main_usage(FILE *f)
{
	const struct cmd *c;

	fprintf(f, "usage: %s [--fd N | --device PATH] COMMAND [ARGS]\n\n"
		"Drive " REFSLAB_DEVICE ": refcounted kernel objects, slab caches and a cycle\n"
		"collector.  Commands:\n", prog);
	for (c = cmds; c->name; c++)
		fprintf(f, "  %s\n", c->usage);
	fprintf(f, "\n%s COMMAND --help tells more.  --fd N uses the already open\n"
		"descriptor N of " REFSLAB_DEVICE " (a heap the shell keeps alive), --device\n"
		"opens another node (also $REFSLAB_DEVICE).\n\n%s", prog, one_shot_note);
}

int main(int argc, char **argv)
{
	const struct cmd *c;
	refslab_heap *h = NULL;
	int i = 1, err, ret;

	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			main_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--fd") && i + 1 < argc) {
			uint32_t fd;

			if (parse_u32(argv[i + 1], &fd) || fd > INT32_MAX) {
				fprintf(stderr, "%s: bad descriptor '%s'\n", prog, argv[i + 1]);
				return EXIT_USAGE;
			}
			opt_fd = (int)fd;
			i += 2;
		} else if (!strcmp(argv[i], "--device") && i + 1 < argc) {
			opt_device = argv[i + 1];
			i += 2;
		} else {
			fprintf(stderr, "%s: unknown option '%s'\n", prog, argv[i]);
			main_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help")) {
		main_usage(stdout);
		return 0;
	}
	for (c = cmds; c->name; c++)
		if (!strcmp(c->name, argv[i]))
			break;
	if (!c->name) {
		fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[i]);
		main_usage(stderr);
		return EXIT_USAGE;
	}
	cur = c;
	argc -= i;
	argv += i;
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: %s %s\n\n%s\n", prog, c->usage, c->help);
		if (!c->no_heap && c->fn != c_run && c->fn != c_version)
			printf("\n%s", one_shot_note);
		return 0;
	}
	if (!c->no_heap) {
		if (opt_fd >= 0)
			err = refslab_from_fd(opt_fd, &h);
		else if (opt_device)
			err = refslab_open_path(opt_device, &h);
		else
			err = refslab_open(&h);
		if (err) {
			fprintf(stderr, "%s: cannot open %s: %s\n", prog,
				opt_fd >= 0 ? "the descriptor" :
				opt_device ? opt_device : REFSLAB_DEVICE, errstr(err));
			return EXIT_FAIL;
		}
	}
	ret = c->fn(h, argc, argv);
	fflush(stdout);
	if (opt_fd >= 0)
		refslab_release(h);	/* the caller's descriptor stays open */
	else
		refslab_close(h);
	return ret;
}
