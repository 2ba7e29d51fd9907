// SPDX-License-Identifier: GPL-2.0
/*
 * refslabctl: drive /dev/refslab from the command line and from scenario
 * scripts, with one grammar.
 *
 * This file has main (the global options), the verb table and help.
 * "refslabctl [OPTIONS] VERB ARGS" is VERB ARGS run as a one-line script:
 * the command line and each line of `refslabctl run` go through do_cmd()
 * alike, as iproute2's ip runs its command-line verbs and its -batch
 * lines.  Below this file: do_cmd(), the option parser, errors, names and
 * operands in cmd.c; the script runner and tokenizer in script.c; the verbs
 * in verbs.c, expect.c and stats.c; printing in print.c; `top` in top.c.
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
#include "rsdbg.h"

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

static const struct option graph_opts[] = {
	{ "dot", no_argument, NULL, 'D' },
	{ "output", required_argument, NULL, 'o' },
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
static int c_top(refslab_heap *h, int argc, char **argv);

#define OBJ (V_BATCH)
static const struct verb verbs[] = {
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
	{ "graph", c_graph, NULL, graph_opts, V_JSON | V_SHORTS,
	  "graph [--dot|--json] [-o FILE | --output=FILE | FILE]",
	  "Write the heap's object graph (REFSLAB_IOC_HEAP_DUMP, one consistent\n"
	  "snapshot) as Graphviz DOT (the default; render with `dot -Tsvg`) or JSON,\n"
	  "to FILE or standard output; a FILE ending in .json gets JSON, and in a\n"
	  "script a relative FILE goes under $REFSLAB_GRAPH_DIR when that is set.\n"
	  "Handles are the roots (named as the script named them); objects show\n"
	  "their refcount and are filled by state (yellow candidate, blue frozen,\n"
	  "violet immortal); references on a cycle (a strongly connected component\n"
	  "of two or more objects, or a self-reference) are red." },
	{ "top", NULL, c_top, NULL, V_NOHEAP | V_CMDLINE,
	  "top [--once | -n COUNT] [--interval SECS] [--sort objects|pages] [--json]",
	  "A live view of the caches, the heaps and the collector, read from\n"
	  "debugfs like stats (root), redrawn every --interval seconds (default\n"
	  "2); keys: a/o sort caches by objects, p by pages, q quits.  --once\n"
	  "or -n COUNT print text frames; --json prints one object a frame." },
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
	{ "run", c_run, NULL, run_opts, V_NOHEAP | V_CMDLINE | V_SHORTS, "run [-v] SCRIPT|-", run_help },
	{ "help", c_help, NULL, NULL, V_NOHEAP, "help [VERB]",
	  "List the verbs, or tell more about one." },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL },
};

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
	v = find_verb(s->verbs, argv[1]);
	if (!v) {
		v = closest_verb(s->verbs, argv[1]);
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

/* A verb that reads its own arguments (V_NOHEAP: h is NULL). */
static int c_top(refslab_heap *h, int argc, char **argv)
{
	(void)h;
	return top_main(argc, argv);
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
	struct ctl s = { .verbs = verbs, .fd = -1 };
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
