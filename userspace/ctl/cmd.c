// SPDX-License-Identifier: GPL-2.0
/*
 * refslabctl's command layer: what every verb uses, below the verb table.
 *
 * do_cmd() checks a command (the verb exists and may appear here, its
 * options parse by getopt_long from its table entry) and runs it;
 * check_cmd() only checks, for a script's first pass.  Also here: the
 * error reporting every verb uses (serr, oerr, efail), opening the heap on
 * first need, and the operands every verb reads (names, handles, numbers).
 * The verb table itself is refslabctl.c's, handed down in struct ctl, so
 * no file here calls back up into main's (iproute2's ip/ip.c and
 * lib/utils.c stand the same way).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctl.h"

const char *prog = "refslabctl";

const char one_shot_note[] =
	"On the command line, a verb works on the heap of this one invocation: without\n"
	"--fd the heap is new and is freed when refslabctl exits.  To keep a heap across\n"
	"invocations, hold it open in the shell and pass the descriptor:\n"
	"    exec 3<>/dev/refslab; h=$(refslabctl --fd=3 create --slots=1); refslabctl --fd=3 stat $h\n"
	"or write the steps as a script for `refslabctl run`.\n";

const struct verb *find_verb(const struct verb *table, const char *name)
{
	const struct verb *v;

	for (v = table; v->name; v++)
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

const struct verb *closest_verb(const struct verb *table, const char *name)
{
	const struct verb *v, *best = NULL;
	size_t bd = 3, n = strlen(name), d;

	for (v = table; v->name; v++) {
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

bool fetched(struct ctl *s, const char *what, int err)
{
	if (err) {
		oerr(s, what, err);
		return false;
	}
	return !s->quiet;
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
const char *open_hint(int err)
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

int open_heap(struct ctl *s, refslab_heap **h, const char **what)
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

/*
 * The command's options, by getopt_long over the verb's table plus --help
 * and (V_JSON) --json; the operands, in order, into ops[]/opl[].  Returns
 * the operand count, 0 if --help was answered, or ESYNTAX (negated).
 */
static int parse_opts(struct ctl *s, const struct verb *v, int argc,
		      char **argv, size_t *lens, char **ops, size_t *opl, bool dry)
{
	struct option lo[16];
	char shorts[8] = "", more[5] = "";
	int n = 0, nops = 1, m = 0, c, i;

	if (v->opts)
		for (; v->opts[n].name && n < 12; n++) {
			lo[n] = v->opts[n];
			if ((v->flags & V_SHORTS) && islower(lo[n].val) && m < 3) {
				more[m++] = (char)lo[n].val;
				if (lo[n].has_arg == required_argument)
					more[m++] = ':';
			}
		}
	lo[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	if (v->flags & V_JSON)
		lo[n++] = (struct option){ "json", no_argument, NULL, 'J' };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
	/* '-': operands come back in order (whatever POSIXLY_CORRECT says);
	 * '+': the first operand ends the options (TEXT may start with '-') */
	snprintf(shorts, sizeof(shorts), "%c:h%s", v->flags & V_INORDER ? '+' : '-',
		 more);
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
	const struct verb *v = find_verb(s->verbs, argv[0]);
	char *ops[MAXTOK + 1];
	size_t opl[MAXTOK + 1];
	int n, ret;

	if (!v) {
		const struct verb *c = closest_verb(s->verbs, argv[0]);

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

/* ---- operands: names, handles, numbers ---- */

struct binding *find_name(struct ctl *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nnames; i++)
		if (!strcmp(s->names[i].name, name))
			return &s->names[i];
	return NULL;
}


/* A handle: a bound name, a number or @N. */
int handle_of(struct ctl *s, const char *cmd, const char *name,
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

int num(struct ctl *s, const char *cmd, const char *what,
	const char *tok, uint64_t *v)
{
	if (parse_u64(tok, v))
		return serr(s, "%s: bad %s '%s'", cmd, what, tok);
	return 0;
}

int num32(struct ctl *s, const char *cmd, const char *what,
	  const char *tok, uint32_t *v)
{
	if (parse_u32(tok, v))
		return serr(s, "%s: bad %s '%s'", cmd, what, tok);
	return 0;
}

int nargs(struct ctl *s, int argc, int lo, int hi)
{
	if (argc < lo || argc > hi)
		return serr(s, "usage: %s (%s help %s)", s->verb->usage, prog,
			    s->verb->name);
	return 0;
}

int eargs(struct ctl *s, int argc, int lo, int hi, const char *usage)
{
	if (argc < lo || argc > hi)
		return serr(s, "usage: %s", usage);
	return 0;
}
