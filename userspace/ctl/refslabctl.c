// SPDX-License-Identifier: GPL-2.0
/*
 * refslabctl: drive /dev/refslab from the command line and from scenario
 * scripts, with one grammar.
 *
 * This file has the verb table, do_cmd() (options by getopt_long, checks,
 * dispatch), the global options and help.  "refslabctl [OPTIONS] VERB
 * ARGS" is VERB ARGS run as a one-line script: the command line and each
 * line of `refslabctl run` go through do_cmd() alike, as iproute2's ip runs
 * its command-line verbs and its -batch lines.  The object verbs, names
 * and the script runner are in script.c, the debugfs report in stats.c,
 * printing in print.c.
 *
 * Adding a verb: one function and one entry in verbs[] below.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctl.h"

const char *prog = "refslabctl";

static const char one_shot_note[] =
	"On the command line, a verb works on the heap of this one invocation: without\n"
	"--fd the heap is new and is freed when refslabctl exits.  To keep a heap across\n"
	"invocations, hold it open in the shell and pass the descriptor:\n"
	"    exec 3<>/dev/refslab; h=$(refslabctl --fd=3 create --slots=1); refslabctl --fd=3 stat $h\n"
	"or write the steps as a script for `refslabctl run`.\n";

static const char run_help[] =
	"Run a script: one heap for the whole script, one command per line, in the\n"
	"grammar of the command line (refslabctl help lists the verbs).  SCRIPT '-'\n"
	"reads standard input; -v echoes each line and shows more.  '#' starts a\n"
	"comment; \"quoted text\" is one word and takes the escapes \\n \\t \\0 \\\\ \\\"\n"
	"\\xNN.  Numbers are decimal or 0x hex, with k/m/g suffixes.\n"
	"\n"
	"A HANDLE is a NAME bound earlier in the run or a number (the raw handle;\n"
	"@N is the same).  create, dup and get bind their new handle to NAME when\n"
	"given one, and print its number otherwise.  After drop, a name keeps its\n"
	"(now stale) number, which the kernel may give to a later object.\n"
	"\n"
	"Script-only verbs:\n"
	"  batch [--continue] ... end   the create, dup, drop, link, unlink, get,\n"
	"                               write, read, stat (and raw OPCODE) lines in\n"
	"                               between run in one ioctl; --continue goes on\n"
	"                               after a failed operation\n"
	"  expect ...                   see `refslabctl help expect`\n"
	"\n"
	"An operation that fails stops the run (exit 1); a failed expectation is\n"
	"reported with its line and the run goes on, exiting 1 at the end; a syntax\n"
	"error stops the run before its line runs (exit 2).  Automatic collection\n"
	"may run at any time: use 'gc disable' before counting.\n";

static const char expect_help[] =
	"Check a figure; a failed expectation is reported with its line (exit 1 at\n"
	"the end of the run).  OP: == != >= <= > <  (default ==).\n"
	"  expect refcount HANDLE [OP] N\n"
	"  expect freed [OP] N               objects freed by the last collect\n"
	"  expect objects|handles|bytes|caches [OP] N   heap figures\n"
	"  expect heap FIELD [OP] N          any heap figure (created, freed, incref...)\n"
	"  expect gc FIELD [OP] N            any collector figure (collections, frozen...)\n"
	"  expect payload HANDLE OFFSET TEXT\n"
	"  expect slot HANDLE SLOT TARGET|empty\n"
	"  expect same A B                   A and B name the same object\n"
	"  expect state HANDLE [!]frozen|immortal|candidate\n"
	"  expect done [OP] N                operations run by the last batch\n"
	"  expect error ERRNO VERB ARGS...   the command must fail with ERRNO (ENOENT...)\n";

static const struct option create_opts[] = {
	{ "slots", required_argument, NULL, 's' },
	{ "payload", required_argument, NULL, 'p' },
	{ "cache", required_argument, NULL, 'c' },
	{ NULL, 0, NULL, 0 },
};

static const struct option limits_opts[] = {
	{ "objects", required_argument, NULL, 'o' },
	{ "bytes", required_argument, NULL, 'b' },
	{ "handles", required_argument, NULL, 'n' },
	{ "caches", required_argument, NULL, 'c' },
	{ NULL, 0, NULL, 0 },
};

static const struct option cache_opts[] = {
	{ "align", required_argument, NULL, 'a' },
	{ NULL, 0, NULL, 0 },
};

static const struct option collect_opts[] = {
	{ "nowait", no_argument, NULL, 'n' },
	{ NULL, 0, NULL, 0 },
};

static const struct option batch_opts[] = {
	{ "continue", no_argument, NULL, 'c' },
	{ NULL, 0, NULL, 0 },
};

static const struct option run_opts[] = {
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

static int c_version(struct ctl *s, int argc, char **argv, size_t *lens);
static int c_run(struct ctl *s, int argc, char **argv, size_t *lens);
static int c_help(struct ctl *s, int argc, char **argv, size_t *lens);

#define OBJ (V_BATCH)
const struct verb verbs[] = {
	{ "create", c_create, NULL, create_opts, OBJ,
	  "create [NAME] [--slots=N] [--payload=N] [--cache=NAME|ID]",
	  "Create an object (refcount 1): N reference slots, a payload of N bytes,\n"
	  "in a named cache of the heap or the general size classes." },
	{ "dup", c_dup, NULL, NULL, OBJ, "dup [NEW] HANDLE",
	  "A second handle to HANDLE's object." },
	{ "drop", c_drop, NULL, NULL, OBJ, "drop HANDLE...",
	  "Drop handles; an object goes with its last reference." },
	{ "link", c_link, NULL, NULL, OBJ, "link HANDLE SLOT TARGET",
	  "Point slot SLOT of HANDLE's object at TARGET's object (none or 0: empty it)." },
	{ "unlink", c_unlink, NULL, NULL, OBJ, "unlink HANDLE SLOT",
	  "Empty slot SLOT of HANDLE's object." },
	{ "get", c_get, NULL, NULL, OBJ, "get [NEW] HANDLE SLOT",
	  "A new handle to the object in slot SLOT (0 when the slot is empty)." },
	{ "write", c_write, NULL, NULL, OBJ | V_INORDER, "write HANDLE OFFSET TEXT",
	  "Write TEXT's bytes into the payload at OFFSET." },
	{ "read", c_read, NULL, NULL, OBJ, "read HANDLE OFFSET LEN",
	  "Print LEN payload bytes from OFFSET, as HANDLE[OFFSET..END] = \"TEXT\"." },
	{ "stat", c_stat, NULL, NULL, OBJ | V_JSON, "stat [--json] HANDLE...",
	  "Print each object's refcount, slots, payload, sizes, cache and state\n"
	  "(--json: an array of objects)." },
	{ "heap", c_heap, NULL, NULL, V_JSON, "heap [--json]",
	  "Print the heap's figures and limits." },
	{ "limits", c_limits, NULL, limits_opts, V_JSON,
	  "limits [--objects=N] [--bytes=N] [--handles=N] [--caches=N] [--json]",
	  "Change the heap's limits (lowering is always allowed; raising above the\n"
	  "module's defaults needs CAP_SYS_RESOURCE); with no option, print them." },
	{ "cache", c_cache, NULL, cache_opts, V_JSON,
	  "cache create NAME SIZE [--align=N] | cache destroy NAME|ID | cache list [--json]",
	  "The heap's named caches: create one of SIZE-byte objects, destroy an\n"
	  "empty one, list them." },
	{ "collect", c_collect, NULL, collect_opts, V_JSON, "collect [--nowait] [--json]",
	  "Collect the heap's garbage cycles now (gc.collect()) and print what was\n"
	  "freed; --nowait: EBUSY instead of waiting for a collection already running." },
	{ "gc", c_gc, NULL, NULL, V_JSON,
	  "gc [show|stats] [--json] | gc enable|disable|freeze|unfreeze | gc threshold N|adaptive",
	  "The heap's collector: show its settings (the default) or statistics,\n"
	  "turn automatic collection on or off, set the threshold (adaptive: back\n"
	  "to the adaptive one), freeze or unfreeze every object (gc.freeze())." },
	{ "freeze", c_freeze, NULL, NULL, 0, "freeze", "Same as gc freeze." },
	{ "unfreeze", c_unfreeze, NULL, NULL, 0, "unfreeze", "Same as gc unfreeze." },
	{ "stats", c_stats, NULL, NULL, V_NOHEAP | V_JSON, "stats [--json]",
	  "The kernel-wide debugfs views (" REFSLAB_DEBUGFS "): slabinfo,\n"
	  "per-cache counters, every heap (with its id and pid) and the collector.\n"
	  "Needs root and debugfs; $REFSLAB_DEBUGFS_DIR overrides the directory." },
	{ "version", c_version, NULL, NULL, V_NOHEAP | V_JSON, "version [--json]",
	  "Print the tool's and the library's versions and, when the device opens,\n"
	  "the module's version, features and object limits." },
	{ "print", c_print, NULL, NULL, V_NOHEAP | V_INORDER, "print TEXT...",
	  "Print the words." },
	{ "expect", c_expect, NULL, NULL, V_INORDER | V_BATCH | V_SCRIPT,
	  "expect WHAT ...", expect_help },
	{ "batch", c_batch, NULL, batch_opts, V_SCRIPT, "batch [--continue]",
	  "Start a batch block, ended by 'end' (see refslabctl help run)." },
	{ "end", c_end, NULL, NULL, V_SCRIPT | V_BATCHONLY, "end", "End a batch block: run it." },
	{ "raw", c_raw, NULL, NULL, V_SCRIPT | V_BATCHONLY, "raw OPCODE",
	  "In a batch: an operation with this code (for testing the kernel's checks)." },
	{ "run", c_run, NULL, run_opts, V_NOHEAP | V_CMDLINE, "run [-v] SCRIPT|-", run_help },
	{ "help", c_help, NULL, NULL, V_NOHEAP, "help [VERB]",
	  "List the verbs, or tell more about one." },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL },
};

const struct verb *find_verb(const char *name)
{
	const struct verb *v;

	for (v = verbs; v->name; v++)
		if (!strcmp(v->name, name))
			return v;
	return NULL;
}

/* Levenshtein distance, for "did you mean". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t d[32][32];

	if (la > 30 || lb > 30)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			size_t x = d[i - 1][j] + 1, y = d[i][j - 1] + 1;
			size_t z = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			d[i][j] = x < y ? (x < z ? x : z) : (y < z ? y : z);
		}
	return d[la][lb];
}

static const struct verb *closest_verb(const char *name)
{
	const struct verb *v, *best = NULL;
	size_t bd = 3, n = strlen(name), d;

	for (v = verbs; v->name; v++) {
		d = distance(name, v->name);
		if (n >= 2 && !strncmp(v->name, name, n))
			d = 1;		/* a prefix */
		if (d < bd) {
			bd = d;
			best = v;
		}
	}
	return best;
}

static void where(struct ctl *s)
{
	if (s->file)
		fprintf(stderr, "%s:%d: ", s->file, s->line);
	else
		fprintf(stderr, "%s: ", prog);
}

int serr(struct ctl *s, const char *fmt, ...)
{
	va_list ap;

	where(s);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return ESYNTAX;
}

int oerr(struct ctl *s, const char *what, int err)
{
	if (!s->quiet) {
		where(s);
		fprintf(stderr, "%s: %s\n", what, errstr(err));
	}
	return err;
}

void efail(struct ctl *s, const char *fmt, ...)
{
	va_list ap;

	where(s);
	fputs("expectation failed: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	s->failed++;
}

/* What to do about an open that failed. */
static const char *open_hint(int err)
{
	switch (-err) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		return "is the refslab module loaded? Load it with `modprobe refslab`, or from\n"
		       "a build tree with `insmod build/ko-$(uname -r)/refslab.ko`";
	case EACCES:
	case EPERM:
		return "the device belongs to the refslab group (udev rule 60-refslab.rules):\n"
		       "add yourself to it (`usermod -aG refslab $USER`, then log in again),\n"
		       "or run as root";
	case EBADF:
		return "--fd must name a descriptor open on /dev/refslab";
	}
	return NULL;
}

static int open_heap(struct ctl *s, refslab_heap **h, const char **what)
{
	const char *env = getenv("REFSLAB_DEVICE");

	if (s->fd >= 0) {
		*what = "the descriptor given with --fd";
		if (fcntl(s->fd, F_GETFD) < 0)
			return -errno;
		return refslab_from_fd(s->fd, h);
	}
	if (s->device) {
		*what = s->device;
		return refslab_open_path(s->device, h);
	}
	*what = env && *env ? env : REFSLAB_DEVICE;
	return refslab_open(h);
}

int need_heap(struct ctl *s)
{
	const char *what, *hint;
	int err;

	if (s->h)
		return 0;
	err = open_heap(s, &s->h, &what);
	if (!err)
		return 0;
	s->h = NULL;
	where(s);
	fprintf(stderr, "cannot open %s: %s\n", what, errstr(err));
	hint = open_hint(err);
	if (hint)
		fprintf(stderr, "%s: %s\n", prog, hint);
	return EREPORTED;
}

void verb_help(FILE *f, const struct verb *v)
{
	fprintf(f, "usage: %s %s\n\n%s\n", prog, v->usage, v->help);
	if (!(v->flags & (V_NOHEAP | V_SCRIPT | V_BATCHONLY)))
		fprintf(f, "\n%s", one_shot_note);
}

static void main_usage(FILE *f)
{
	const struct verb *v;

	fprintf(f, "usage: %s [--device=PATH | --fd=N] [--json] [-v] VERB [ARGS]\n"
		"       %s --version | --help | help VERB\n\n"
		"Drive " REFSLAB_DEVICE ": refcounted kernel objects, slab caches and a cycle\n"
		"collector.  Verbs (the same on the command line and in scripts):\n", prog, prog);
	for (v = verbs; v->name; v++)
		fprintf(f, "  %s\n", v->usage);
	fprintf(f, "\nGlobal options:\n"
		"  -d, --device=PATH  open PATH instead of " REFSLAB_DEVICE " (also $REFSLAB_DEVICE)\n"
		"      --fd=N         use the already open descriptor N of the device (a heap\n"
		"                     the shell keeps alive)\n"
		"  -j, --json         print JSON (version, stats, heap, stat, limits, gc,\n"
		"                     cache list, collect)\n"
		"  -v, --verbose      say more\n"
		"  -V, --version      the versions (same as the verb version)\n"
		"  -h, --help         this text; `%s help VERB` tells about one verb\n\n%s",
		prog, one_shot_note);
}

/*
 * The command's options, by getopt_long over the verb's table plus --help
 * and (V_JSON) --json; the operands, in order, into ops[]/opl[].  Returns
 * the operand count, 0 if --help was answered, or ESYNTAX (negated).
 */
static int parse_opts(struct ctl *s, const struct verb *v, int argc,
		      char **argv, size_t *lens, char **ops, size_t *opl, bool dry)
{
	struct option lo[16];
	char shorts[8] = "";
	int n = 0, nops = 1, c, i;

	if (v->opts)
		for (; v->opts[n].name && n < 12; n++)
			lo[n] = v->opts[n];
	lo[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	if (v->flags & V_JSON)
		lo[n++] = (struct option){ "json", no_argument, NULL, 'J' };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
	/* '-': operands come back in order (whatever POSIXLY_CORRECT says);
	 * '+': the first operand ends the options (TEXT may start with '-') */
	snprintf(shorts, sizeof(shorts), "%c:h%s", v->flags & V_INORDER ? '+' : '-',
		 v->opts == run_opts ? "v" : "");
	memset(s->opt, 0, sizeof(s->opt));
	s->json_now = s->json;
	ops[0] = argv[0];
	opl[0] = lens[0];
	optind = 0;	/* a fresh scan: argv is a new array */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		switch (c) {
		case 1:
			ops[nops] = argv[optind - 1];
			opl[nops++] = lens[optind - 1];
			break;
		case 'h':
			if (!dry)
				verb_help(stdout, v);
			return 0;
		case 'J':
			s->json_now = true;
			break;
		case ':':
			return -serr(s, "%s: option '%s' needs a value (see %s help %s)",
				     v->name, argv[optind - 1], prog, v->name);
		case '?':
			if (optopt && optopt != 'h')
				return -serr(s, "%s: unknown option '-%c' (see %s help %s)",
					     v->name, optopt, prog, v->name);
			return -serr(s, "%s: unknown option '%s' (see %s help %s)",
				     v->name, argv[optind - 1], prog, v->name);
		default:
			s->opt[c & 127] = optarg ? optarg : "";
			break;
		}
	}
	for (i = optind; i < argc; i++) {
		ops[nops] = argv[i];
		opl[nops++] = lens[i];
	}
	return nops;
}

/*
 * The checks every command gets before it runs: the verb exists and may
 * appear here, its options parse.  dry: only check (a script's first
 * pass), else run it.
 */
static int cmd(struct ctl *s, int argc, char **argv, size_t *lens, bool dry)
{
	const struct verb *v = find_verb(argv[0]);
	char *ops[MAXTOK + 1];
	size_t opl[MAXTOK + 1];
	int n, ret;

	if (!v) {
		const struct verb *c = closest_verb(argv[0]);

		if (c)
			return serr(s, "unknown command '%s'; did you mean '%s'? (%s help)",
				    argv[0], c->name, prog);
		return serr(s, "unknown command '%s' (%s help lists them)", argv[0], prog);
	}
	if (s->in_batch && !(v->flags & (V_BATCH | V_BATCHONLY)))
		return serr(s, "%s: not allowed in a batch (create dup drop link unlink get write read stat raw)",
			    v->name);
	if (!s->in_batch && (v->flags & V_BATCHONLY))
		return serr(s, "%s: only between 'batch' and 'end'", v->name);
	if (!s->file && (v->flags & V_SCRIPT))
		return serr(s, "%s: only in a script (%s help run)", v->name, prog);
	if (s->file && (v->flags & V_CMDLINE))
		return serr(s, "%s: only on the command line", v->name);
	if (argc > MAXTOK)
		return serr(s, "%s: too many arguments", v->name);
	if (v->main) {
		/* a verb that reads its own arguments: its exit status */
		if (dry)
			return 0;
		if (!(v->flags & V_NOHEAP) && (ret = need_heap(s)))
			return ret;
		fflush(stdout);
		ret = v->main(s->h, argc, argv);
		fflush(stdout);
		return ret == 0 ? 0 : ret == EXIT_USAGE ? ESYNTAX : EREPORTED;
	}
	s->verb = v;
	n = parse_opts(s, v, argc, argv, lens, ops, opl, dry);
	if (n <= 0 || dry)
		return n < 0 ? -n : 0;
	ops[n] = NULL;
	return v->fn(s, n, ops, opl);
}

int do_cmd(struct ctl *s, int argc, char **argv, size_t *lens)
{
	return cmd(s, argc, argv, lens, false);
}

int check_cmd(struct ctl *s, int argc, char **argv, size_t *lens)
{
	return cmd(s, argc, argv, lens, true);
}

/* ---- verbs of this file ---- */

static int c_help(struct ctl *s, int argc, char **argv, size_t *lens)
{
	const struct verb *v;

	(void)lens;
	if (argc == 1) {
		main_usage(stdout);
		return 0;
	}
	if (argc > 2)
		return serr(s, "usage: help [VERB]");
	v = find_verb(argv[1]);
	if (!v) {
		v = closest_verb(argv[1]);
		if (v)
			return serr(s, "help: no verb '%s'; did you mean '%s'?", argv[1], v->name);
		return serr(s, "help: no verb '%s' (%s help lists them)", argv[1], prog);
	}
	verb_help(stdout, v);
	return 0;
}

static int c_run(struct ctl *s, int argc, char **argv, size_t *lens)
{
	(void)lens;
	if (argc != 2)
		return serr(s, "usage: run [-v] SCRIPT|-");
	if (s->opt['v'])
		s->verbose = true;
	return script_run(s, argv[1]);
}

static int c_version(struct ctl *s, int argc, char **argv, size_t *lens)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} feats[] = {
		{ REFSLAB_FEAT_OBJECTS, "objects" }, { REFSLAB_FEAT_CACHES, "caches" },
		{ REFSLAB_FEAT_BATCH, "batch" }, { REFSLAB_FEAT_GC, "gc" },
		{ REFSLAB_FEAT_LIMITS, "limits" },
	};
	const char *lib = refslab_library_version(), *what = NULL, *hint;
	struct refslab_version v;
	refslab_heap *h = s->h;
	int err = 0, n = 0;
	size_t i;

	(void)argv;
	(void)lens;
	if (argc != 1)
		return serr(s, "usage: version [--json]");
	/* The device is optional here: the tool's version needs none. */
	if (!h)
		err = open_heap(s, &h, &what);
	if (!err)
		err = refslab_version(h, &v);
	if (h && h != s->h) {
		if (s->fd >= 0)
			refslab_release(h);
		else
			refslab_close(h);
	}
	if (s->json_now) {
		printf("{\"refslabctl\": \"%d.%d.%d\", \"librefslab\": ", LIBREFSLAB_VERSION_MAJOR,
		       LIBREFSLAB_VERSION_MINOR, LIBREFSLAB_VERSION_PATCH);
		json_str(stdout, lib);
		printf(", \"uapi\": {\"major\": %d, \"minor\": %d}, \"module\": ",
		       REFSLAB_VERSION_MAJOR, REFSLAB_VERSION_MINOR);
		if (err) {
			fputs("null}\n", stdout);
			return 0;
		}
		printf("{\"major\": %u, \"minor\": %u, \"features\": [", v.major, v.minor);
		for (i = 0; i < sizeof(feats) / sizeof(feats[0]); i++)
			if (v.features & feats[i].bit)
				printf("%s\"%s\"", n++ ? ", " : "", feats[i].name);
		printf("], \"feature_mask\": %llu, \"max_slots\": %u, \"max_payload\": %u, \"header_bytes\": %u}}\n",
		       (unsigned long long)v.features, v.max_slots, v.max_payload,
		       v.header_bytes);
		return 0;
	}
	printf("refslabctl %d.%d.%d (librefslab %s, uapi %d.%d)\n", LIBREFSLAB_VERSION_MAJOR,
	       LIBREFSLAB_VERSION_MINOR, LIBREFSLAB_VERSION_PATCH, lib,
	       REFSLAB_VERSION_MAJOR, REFSLAB_VERSION_MINOR);
	if (err) {
		printf("module: unknown (%s: %s)\n", what ? what : "version", errstr(err));
		hint = open_hint(err);
		if (hint && s->verbose)
			printf("%s\n", hint);
		return 0;
	}
	printf("module: refslab %u.%u, features:", v.major, v.minor);
	for (i = 0; i < sizeof(feats) / sizeof(feats[0]); i++)
		if (v.features & feats[i].bit)
			printf(" %s", feats[i].name);
	printf(" (0x%llx)\nmax_slots %u max_payload %u header_bytes %u\n",
	       (unsigned long long)v.features, v.max_slots, v.max_payload,
	       v.header_bytes);
	return 0;
}

/* ---- main ---- */

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "fd", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl s = { .fd = -1 };
	size_t lens[MAXTOK + 1];
	char *vargv[] = { "version", NULL };
	bool version = false;
	uint32_t fd;
	int c, i, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:d:jvVh", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			s.device = optarg;
			break;
		case 'f':
			if (parse_u32(optarg, &fd) || fd > INT32_MAX) {
				fprintf(stderr, "%s: bad descriptor '%s'\n", prog, optarg);
				return EXIT_USAGE;
			}
			s.fd = (int)fd;
			break;
		case 'j':
			s.json = true;
			break;
		case 'v':
			s.verbose = true;
			break;
		case 'V':
			version = true;
			break;
		case 'h':
			main_usage(stdout);
			return 0;
		case ':':
			fprintf(stderr, "%s: option '%s' needs a value (%s --help)\n",
				prog, argv[optind - 1], prog);
			return EXIT_USAGE;
		default:
			if (optopt)
				fprintf(stderr, "%s: unknown option '-%c' (%s --help)\n",
					prog, optopt, prog);
			else
				fprintf(stderr, "%s: unknown option '%s' (%s --help)\n",
					prog, argv[optind - 1], prog);
			return EXIT_USAGE;
		}
	}
	if (s.device && s.fd >= 0) {
		fprintf(stderr, "%s: --device and --fd exclude each other\n", prog);
		return EXIT_USAGE;
	}
	if (version) {
		argc = 1;
		argv = vargv;
	} else if (optind >= argc) {
		fprintf(stderr, "%s: which verb? (%s help lists them)\n", prog, prog);
		return EXIT_USAGE;
	} else {
		argc -= optind;
		argv += optind;
	}
	if (argc > MAXTOK) {
		fprintf(stderr, "%s: too many arguments\n", prog);
		return EXIT_USAGE;
	}
	for (i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	refslab_batch_init(&s.batch);
	ret = do_cmd(&s, argc, argv, lens);
	fflush(stdout);
	if (s.failed && !ret) {
		fprintf(stderr, "%s: %d expectation%s failed\n", prog, s.failed,
			s.failed == 1 ? "" : "s");
		ret = EREPORTED;
	}
	if (s.fd >= 0)
		refslab_release(s.h);	/* the caller's descriptor stays open */
	else
		refslab_close(s.h);
	s.h = NULL;
	ctl_free(&s);
	return ret == 0 ? 0 : ret == ESYNTAX ? EXIT_USAGE : EXIT_FAIL;
}
