// SPDX-License-Identifier: GPL-2.0
/*
 * refslabctl top: a live view of refslab in the manner of slabtop.
 *
 * Every refresh reads three debugfs files (with the rsdbg readers):
 *   slabinfo  the caches (the /proc/slabinfo 2.1 format);
 *   heaps     one row per open heap (columns found by their header names,
 *             so columns added later do not move the ones read here);
 *   gc        the collector: a "global:" section of "key value" lines, then
 *             one "heap PID id ID:" section per heap (pending candidates,
 *             frozen objects, collections).
 * A heap's collector figures are paired with its heaps row by the heap's
 * id (both files carry it; pids repeat, positions shift when a heap comes
 * or goes).  A row whose id has no gc section (a heap that came between
 * the two reads) makes both files be read again, and after a few tries its
 * collector columns show "-".  The files are parsed by the rsdbg parsers
 * that stats and the tests use.  No figure is a snapshot of the whole
 * module: each is exact when read.
 *
 * Collections per second come from two refreshes; the first shows "-".
 * Output: a redrawn screen with plain ANSI sequences when standard output
 * is a terminal (keys: a or o sort caches by active objects, p by pages,
 * q quits), plain text frames otherwise or with --once / -n, and with
 * --json one JSON object per refresh, one per line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include "ctl.h"
#include "rsdbg.h"

#define U(x) ((unsigned long long)(x))

enum top_sort { SORT_OBJECTS, SORT_PAGES };

struct top_cache {
	char name[64];
	uint64_t active, total, objsize, objperslab, pagesperslab;
	uint64_t active_slabs, num_slabs;
};

struct top_heap {
	int pid;
	uint64_t id;		/* pairs the heaps row with its gc section */
	bool closed;
	bool have_gc;		/* pending, frozen, collections are known */
	uint64_t objects, bytes, handles;
	uint64_t pending, frozen, collections;
};

struct top_gc {
	uint64_t collections, collected, total_ns, max_pause_ns, max_wait_ns;
	uint64_t kthread_passes;
};

struct top_sample {
	double t;			/* CLOCK_MONOTONIC seconds */
	struct top_cache *caches;
	size_t ncaches;
	struct top_heap *heaps;
	size_t nheaps;
	struct top_gc gc;
	double rate;			/* collections per second, < 0: unknown */
};

static volatile sig_atomic_t top_stop, top_resized;

static void top_signal(int sig)
{
	if (sig == SIGWINCH)
		top_resized = 1;
	else
		top_stop = 1;
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sample_free(struct top_sample *s)
{
	free(s->caches);
	free(s->heaps);
	s->caches = NULL;
	s->heaps = NULL;
	s->ncaches = 0;
	s->nheaps = 0;
}

/* ---- slabinfo ---- */

static int parse_slabinfo(struct top_sample *s, const char *text)
{
	struct rsdbg_slabinfo si;
	size_t i;
	int err = rsdbg_slabinfo_parse(text, &si);

	if (!err && si.n) {
		s->caches = calloc(si.n, sizeof(*s->caches));
		if (!s->caches)
			err = -ENOMEM;
	}
	for (i = 0; !err && i < si.n; i++) {
		const struct rsdbg_slab *r = &si.rows[i];
		struct top_cache *c = &s->caches[i];

		snprintf(c->name, sizeof(c->name), "%s", r->name);
		c->active = r->active_objs;
		c->total = r->num_objs;
		c->objsize = r->objsize;
		c->objperslab = r->objperslab;
		c->pagesperslab = r->pagesperslab;
		c->active_slabs = r->active_slabs;
		c->num_slabs = r->num_slabs;
		s->ncaches = i + 1;
	}
	rsdbg_slabinfo_free(&si);
	return err;
}

/* ---- heaps and gc ---- */

static int parse_heaps(struct top_sample *s, const char *text)
{
	enum { C_PID, C_ID, C_OBJECTS, C_BYTES, C_HANDLES, NCOLS };
	static const char *const want[NCOLS] = { "pid", "id", "objects", "bytes", "handles" };
	struct rsdbg_table t;
	int col[NCOLS], k, err = rsdbg_table_parse(text, &t);
	size_t r;

	for (k = 0; !err && k < NCOLS; k++) {
		col[k] = rsdbg_table_col(&t, want[k]);
		if (col[k] < 0 && t.nrows)
			err = -EPROTO;
	}
	if (!err && t.nrows) {
		s->heaps = calloc(t.nrows, sizeof(*s->heaps));
		if (!s->heaps)
			err = -ENOMEM;
	}
	for (r = 0; !err && r < t.nrows; r++) {
		struct top_heap *h = &s->heaps[r];

		h->pid = (int)rsdbg_table_u64(&t, r, col[C_PID]);
		h->id = rsdbg_table_u64(&t, r, col[C_ID]);
		h->objects = rsdbg_table_u64(&t, r, col[C_OBJECTS]);
		h->bytes = rsdbg_table_u64(&t, r, col[C_BYTES]);
		h->handles = rsdbg_table_u64(&t, r, col[C_HANDLES]);
		s->nheaps = r + 1;
	}
	rsdbg_table_free(&t);
	return err;
}

/*
 * The collector's figures: the global ones, and each heap row's from the
 * gc section with the same id.  Returns how many rows found none (a heap
 * came between the two reads).
 */
static size_t pair_gc(struct top_sample *s, const struct rsdbg_gc *g)
{
	const struct rsdbg_gc_section *sec;
	size_t i, missing = 0;

	rsdbg_gc_u64(&g->global, "collections", &s->gc.collections);
	rsdbg_gc_u64(&g->global, "collected", &s->gc.collected);
	rsdbg_gc_u64(&g->global, "total_ns", &s->gc.total_ns);
	rsdbg_gc_u64(&g->global, "max_pause_ns", &s->gc.max_pause_ns);
	rsdbg_gc_u64(&g->global, "max_wait_ns", &s->gc.max_wait_ns);
	rsdbg_gc_u64(&g->global, "kthread_passes", &s->gc.kthread_passes);
	for (i = 0; i < s->nheaps; i++) {
		struct top_heap *h = &s->heaps[i];

		sec = rsdbg_gc_heap(g, h->id);
		if (!sec) {
			missing++;
			continue;
		}
		h->have_gc = true;
		h->closed = sec->closed;
		rsdbg_gc_u64(sec, "pending", &h->pending);
		rsdbg_gc_u64(sec, "frozen", &h->frozen);
		rsdbg_gc_u64(sec, "collections", &h->collections);
	}
	return missing;
}

/* Read heaps and gc; pair them by heap id. */
static int read_heaps_gc(struct top_sample *s)
{
	int tries, err = 0;

	for (tries = 0; tries < 4; tries++) {
		char *htext = NULL, *gtext = NULL;
		struct rsdbg_gc g = { 0 };
		size_t missing = 0;

		free(s->heaps);
		s->heaps = NULL;
		s->nheaps = 0;
		memset(&s->gc, 0, sizeof(s->gc));
		err = rsdbg_read("heaps", &htext, NULL);
		if (!err)
			err = rsdbg_read("gc", &gtext, NULL);
		if (!err)
			err = parse_heaps(s, htext);
		if (!err)
			err = rsdbg_gc_parse(gtext, &g);
		if (!err)
			missing = pair_gc(s, &g);
		rsdbg_gc_free(&g);
		free(htext);
		free(gtext);
		if (err)
			return err;
		if (!missing)
			break;
	}
	return 0;
}

static int take_sample(struct top_sample *s)
{
	char *text;
	int err;

	s->t = now_mono();
	s->rate = -1;
	err = rsdbg_read("slabinfo", &text, NULL);
	if (err)
		return err;
	err = parse_slabinfo(s, text);
	free(text);
	if (err)
		return err;
	return read_heaps_gc(s);
}

/* ---- ordering ---- */

static uint64_t cache_pages(const struct top_cache *c)
{
	return c->num_slabs * c->pagesperslab;
}

static enum top_sort cur_sort;

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;	/* descending */
}

static int cmp_cache(const void *pa, const void *pb)
{
	const struct top_cache *a = pa, *b = pb;
	int r;

	if (cur_sort == SORT_PAGES) {
		r = cmp_u64(cache_pages(a), cache_pages(b));
		if (!r)
			r = cmp_u64(a->active, b->active);
	} else {
		r = cmp_u64(a->active, b->active);
		if (!r)
			r = cmp_u64(cache_pages(a), cache_pages(b));
	}
	if (!r)
		r = -cmp_u64(a->objsize, b->objsize);	/* small ones first */
	return r ? r : strcmp(a->name, b->name);
}

static int cmp_heap(const void *pa, const void *pb)
{
	const struct top_heap *a = pa, *b = pb;
	int r = cmp_u64(a->objects, b->objects);

	return r ? r : a->pid - b->pid;
}

/* ---- text ---- */

static const char *ns_str(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%lluns", U(ns));
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
	return buf;
}

/*
 * The screen as lines into f.  rows > 0 limits the cache rows so that the
 * frame fits a terminal of that height; 0 prints them all.
 */
static void render_text(FILE *f, const struct top_sample *s, double interval,
			int rows, bool live)
{
	uint64_t act = 0, tot = 0, aslabs = 0, slabs = 0, pages = 0;
	char rate[32], b1[32], b2[32];
	size_t i, used = 0, nshow;
	int lines;

	for (i = 0; i < s->ncaches; i++) {
		act += s->caches[i].active;
		tot += s->caches[i].total;
		aslabs += s->caches[i].active_slabs;
		slabs += s->caches[i].num_slabs;
		pages += cache_pages(&s->caches[i]);
		if (s->caches[i].num_slabs)
			used++;
	}
	if (s->rate < 0)
		snprintf(rate, sizeof(rate), "-");
	else
		snprintf(rate, sizeof(rate), "%.2f", s->rate);
	fprintf(f, "refslabctl top - every %gs, caches by %s%s\n", interval,
		cur_sort == SORT_PAGES ? "pages" : "active objects",
		live ? " (a: objects, p: pages, q: quit)" : "");
	fprintf(f, "Active / Total Objects (%% used): %llu / %llu (%.1f%%)\n",
		U(act), U(tot), tot ? 100.0 * act / tot : 0.0);
	fprintf(f, "Caches: %zu (%zu holding slabs)  Active / Total Slabs: %llu / %llu  Pages: %llu\n",
		s->ncaches, used, U(aslabs), U(slabs), U(pages));
	fprintf(f, "Collector: %llu collections (%s/s), %llu objects collected, longest pause %s, longest mutator wait %s\n",
		U(s->gc.collections), rate, U(s->gc.collected),
		ns_str(s->gc.max_pause_ns, b1, sizeof(b1)),
		ns_str(s->gc.max_wait_ns, b2, sizeof(b2)));
	fprintf(f, "\nHeaps: %zu\n%8s %10s %12s %10s %10s %10s %12s\n", s->nheaps,
		"PID", "OBJECTS", "BYTES", "HANDLES", "PENDING", "FROZEN",
		"COLLECTIONS");
	lines = 7;
	for (i = 0; i < s->nheaps; i++) {
		const struct top_heap *h = &s->heaps[i];

		fprintf(f, "%8d %10llu %12llu %10llu", h->pid, U(h->objects),
			U(h->bytes), U(h->handles));
		if (h->have_gc)
			fprintf(f, " %10llu %10llu %12llu", U(h->pending),
				U(h->frozen), U(h->collections));
		else
			fprintf(f, " %10s %10s %12s", "-", "-", "-");
		fprintf(f, "%s\n", h->closed ? " (closed)" : "");
		lines++;
	}
	fprintf(f, "\n%8s %8s %5s %9s %6s %9s %6s  %s\n", "OBJS", "ACTIVE",
		"USE", "OBJ SIZE", "SLABS", "OBJ/SLAB", "PAGES", "NAME");
	lines += 2;
	nshow = s->ncaches;
	if (rows > 0)
		nshow = rows > lines ? (size_t)(rows - lines) : 0;
	for (i = 0; i < s->ncaches && i < nshow; i++) {
		const struct top_cache *c = &s->caches[i];

		fprintf(f, "%8llu %8llu %4.0f%% %9llu %6llu %9llu %6llu  %s\n",
			U(c->total), U(c->active),
			c->total ? 100.0 * c->active / c->total : 0.0,
			U(c->objsize), U(c->num_slabs), U(c->objperslab),
			U(cache_pages(c)), c->name);
	}
}

/* ---- JSON ---- */

static void render_json(FILE *f, const struct top_sample *s, double interval)
{
	struct timespec wall;
	size_t i;

	clock_gettime(CLOCK_REALTIME, &wall);
	fprintf(f, "{\"time\": %lld.%03ld, \"interval\": %g, \"sort\": \"%s\", ",
		(long long)wall.tv_sec, wall.tv_nsec / 1000000, interval,
		cur_sort == SORT_PAGES ? "pages" : "objects");
	fprintf(f, "\"gc\": {\"collections\": %llu, \"collections_per_sec\": ",
		U(s->gc.collections));
	if (s->rate < 0)
		fputs("null", f);
	else
		fprintf(f, "%.3f", s->rate);
	fprintf(f, ", \"collected\": %llu, \"total_ns\": %llu, \"max_pause_ns\": %llu, \"max_wait_ns\": %llu, \"kthread_passes\": %llu}, ",
		U(s->gc.collected), U(s->gc.total_ns), U(s->gc.max_pause_ns),
		U(s->gc.max_wait_ns), U(s->gc.kthread_passes));
	fputs("\"heaps\": [", f);
	for (i = 0; i < s->nheaps; i++) {
		const struct top_heap *h = &s->heaps[i];

		fprintf(f, "%s{\"pid\": %d, \"objects\": %llu, \"bytes\": %llu, \"handles\": %llu, \"closed\": %s, ",
			i ? ", " : "", h->pid, U(h->objects), U(h->bytes),
			U(h->handles), h->closed ? "true" : "false");
		if (h->have_gc)
			fprintf(f, "\"pending\": %llu, \"frozen\": %llu, \"collections\": %llu}",
				U(h->pending), U(h->frozen), U(h->collections));
		else
			fputs("\"pending\": null, \"frozen\": null, \"collections\": null}", f);
	}
	fputs("], \"caches\": [", f);
	for (i = 0; i < s->ncaches; i++) {
		const struct top_cache *c = &s->caches[i];

		fprintf(f, "%s{\"name\": ", i ? ", " : "");
		json_str(f, c->name);
		fprintf(f, ", \"active_objs\": %llu, \"num_objs\": %llu, \"objsize\": %llu, \"objperslab\": %llu, \"pagesperslab\": %llu, \"active_slabs\": %llu, \"num_slabs\": %llu, \"pages\": %llu}",
			U(c->active), U(c->total), U(c->objsize),
			U(c->objperslab), U(c->pagesperslab),
			U(c->active_slabs), U(c->num_slabs), U(cache_pages(c)));
	}
	fputs("]}\n", f);
}

/* ---- the terminal ---- */

static struct termios top_saved_tio;
static bool top_raw, top_screen;

static void term_restore(void)
{
	if (top_screen) {
		/* cursor back, leave the alternate screen */
		fputs("\033[?25h\033[?1049l", stdout);
		fflush(stdout);
		top_screen = false;
	}
	if (top_raw) {
		tcsetattr(STDIN_FILENO, TCSANOW, &top_saved_tio);
		top_raw = false;
	}
}

/* Keys without Enter and without echo; the screen to redraw on. */
static void term_setup(void)
{
	struct termios tio;

	if (isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &top_saved_tio)) {
		tio = top_saved_tio;
		tio.c_lflag &= ~(ICANON | ECHO);
		tio.c_cc[VMIN] = 0;
		tio.c_cc[VTIME] = 0;
		if (!tcsetattr(STDIN_FILENO, TCSANOW, &tio))
			top_raw = true;
	}
	fputs("\033[?1049h\033[?25l", stdout);
	top_screen = true;
	atexit(term_restore);
}

static int term_rows(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || !ws.ws_row)
		return 24;
	return ws.ws_row;
}

/* One frame, each line cleared to its end, the rest of the screen too. */
static void draw_screen(const struct top_sample *s, double interval)
{
	char *buf = NULL, *line, *nl;
	size_t len = 0;
	int rows = term_rows();
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return;
	render_text(m, s, interval, rows - 1, true);
	fclose(m);
	fputs("\033[H", stdout);
	for (line = buf; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = '\0';
		printf("%s\033[K\n", line);
	}
	fputs("\033[J", stdout);
	fflush(stdout);
	free(buf);
}

/*
 * Wait until the next refresh is due, reading keys meanwhile.  Returns
 * 'q' to quit, 'r' to redraw the current sample now (sort changed, window
 * resized), 0 when the interval is over.
 */
static int wait_keys(double until)
{
	for (;;) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		double left = until - now_mono();
		char c;

		if (top_stop)
			return 'q';
		if (top_resized) {
			top_resized = 0;
			return 'r';
		}
		if (left <= 0)
			return 0;
		if (!top_raw) {
			struct timespec ts = { (time_t)left,
					       (long)((left - (time_t)left) * 1e9) };

			nanosleep(&ts, NULL);
			continue;
		}
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		if (read(STDIN_FILENO, &c, 1) != 1) {
			/* end of input: keys are over, time is not */
			top_raw = false;
			continue;
		}
		switch (c) {
		case 'q': case 'Q':
			return 'q';
		case 'a': case 'o':
			cur_sort = SORT_OBJECTS;
			return 'r';
		case 'p':
			cur_sort = SORT_PAGES;
			return 'r';
		case ' ': case '\f':
			return 'r';
		}
	}
}

static int top_usage(void)
{
	fprintf(stderr, "usage: refslabctl top [--once | -n COUNT] [--interval SECS] [--sort objects|pages] [--json]\n");
	return EXIT_USAGE;
}

static const struct option top_opts[] = {
	{ "once", no_argument, NULL, 'o' },
	{ "json", no_argument, NULL, 'j' },
	{ "count", required_argument, NULL, 'n' },
	{ "interval", required_argument, NULL, 'd' },
	{ "sort", required_argument, NULL, 's' },
	{ NULL, 0, NULL, 0 },
};

int top_main(int argc, char **argv)
{
	struct top_sample cur = { 0 }, prev = { 0 };
	double interval = 2, next;
	bool json = false, live, have_prev = false;
	uint64_t count = 0, n;
	struct sigaction sa;
	struct stat st;
	int opt, err, key;

	cur_sort = SORT_OBJECTS;
	optind = 0;	/* getopt_long may have run for another verb */
	while ((opt = getopt_long(argc, argv, "+n:d:", top_opts, NULL)) != -1) {
		char *end;

		switch (opt) {
		case 'o':
			count = 1;
			break;
		case 'j':
			json = true;
			break;
		case 'n':
			if (parse_u64(optarg, &count) || !count)
				return top_usage();
			break;
		case 'd':
			errno = 0;
			interval = strtod(optarg, &end);
			if (errno || *end || end == optarg ||
			    !(interval >= 0.1) || interval > 86400)
				return top_usage();
			break;
		case 's':
			if (!strcmp(optarg, "objects"))
				cur_sort = SORT_OBJECTS;
			else if (!strcmp(optarg, "pages"))
				cur_sort = SORT_PAGES;
			else
				return top_usage();
			break;
		default:
			return top_usage();
		}
	}
	if (optind != argc)
		return top_usage();
	if (stat(rsdbg_root(), &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "refslabctl top: %s: %s (is the module loaded, debugfs mounted, and are you root?)\n",
			rsdbg_root(), strerror(errno ? errno : ENOTDIR));
		return EXIT_FAIL;
	}
	/* The redrawn screen only on a terminal, and never for a set count. */
	live = !json && !count && isatty(STDOUT_FILENO);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = top_signal;	/* no SA_RESTART: wake poll() */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (live) {
		/* a new size redraws at once; text frames have no size */
		sigaction(SIGWINCH, &sa, NULL);
		term_setup();
	}

	for (n = 0; !count || n < count; n++) {
		err = take_sample(&cur);
		if (err) {
			term_restore();
			fprintf(stderr, "refslabctl top: reading %s: %s\n",
				rsdbg_root(), strerror(-err));
			sample_free(&cur);
			sample_free(&prev);
			return EXIT_FAIL;
		}
		if (have_prev && cur.t > prev.t &&
		    cur.gc.collections >= prev.gc.collections)
			cur.rate = (cur.gc.collections - prev.gc.collections) /
				   (cur.t - prev.t);
		next = cur.t + interval;
		do {
			qsort(cur.caches, cur.ncaches, sizeof(*cur.caches), cmp_cache);
			qsort(cur.heaps, cur.nheaps, sizeof(*cur.heaps), cmp_heap);
			if (json) {
				render_json(stdout, &cur, interval);
				fflush(stdout);
			} else if (live) {
				draw_screen(&cur, interval);
			} else {
				if (n)
					putchar('\n');
				render_text(stdout, &cur, interval, 0, false);
				fflush(stdout);
			}
			if (count && n + 1 >= count)
				key = 'q';
			else
				key = wait_keys(next);
		} while (key == 'r');
		sample_free(&prev);
		prev = cur;
		memset(&cur, 0, sizeof(cur));
		have_prev = true;
		if (key == 'q')
			break;
	}
	term_restore();
	sample_free(&prev);
	sample_free(&cur);
	return 0;
}
