// SPDX-License-Identifier: GPL-2.0
/*
 * refslabctl graph: a heap's object graph, from one consistent dump
 * (refslab_heap_dump(), REFSLAB_IOC_HEAP_DUMP), as Graphviz DOT or JSON.
 *
 * DOT: handles are the roots (house-shaped nodes, named "hN", with the
 * scenario's name for the handle when there is one), each pointing at its
 * object with a dashed edge; objects are boxes named "oID" that show
 * their refcount and size, filled by state (immortal, frozen, candidate,
 * in that order of precedence); a reference is an edge labelled with its
 * slot.  References that lie on a cycle are red and thick: both ends are
 * in the same strongly connected component of the object graph and that
 * component has more than one object, or the edge is a self-loop.  That
 * is exactly what reference counting alone can never free once no handle
 * reaches it.
 *
 * JSON: one object with "generation", "objects", "handles" and "edges";
 * objects carry their figures, their state as a list of words, and "scc"
 * (the component's number) and "cycle"; edges carry "cycle".
 *
 * The components come from Tarjan's algorithm, written iteratively (an
 * explicit stack of (object, next edge)) so a chain of a million objects
 * does not overflow the C stack.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "graph.h"

#define NONE	UINT32_MAX

/* The dump, indexed: objects by position, edges grouped by source. */
struct graph {
	const struct refslab_dump *d;
	uint32_t *pos_of;	/* object id -> position in d->objects */
	uint64_t maxid;
	size_t *first;		/* edges of object i: [first[i], first[i + 1]) */
	uint32_t *comp;		/* component of object i */
	uint32_t *comp_size;
	uint32_t ncomp;
};

static uint32_t pos(const struct graph *g, uint64_t id)
{
	return id <= g->maxid ? g->pos_of[id] : NONE;
}

static bool edge_in_cycle(const struct graph *g, const struct refslab_dump_edge *e)
{
	uint32_t a = pos(g, e->id), b = pos(g, e->target);

	if (a == NONE || b == NONE || g->comp[a] != g->comp[b])
		return false;
	return a == b || g->comp_size[g->comp[a]] > 1;
}

static bool obj_in_cycle(const struct graph *g, uint32_t i)
{
	size_t k;

	if (g->comp_size[g->comp[i]] > 1)
		return true;
	for (k = g->first[i]; k < g->first[i + 1]; k++)
		if (g->d->edges[k].id == g->d->objects[i].id &&
		    g->d->edges[k].target == g->d->objects[i].id)
			return true;
	return false;
}

/* Tarjan's strongly connected components, without recursion. */
static int tarjan(struct graph *g)
{
	size_t n = g->d->nobjects, i;
	uint32_t *index = malloc(n * sizeof(*index) + 1);
	uint32_t *low = malloc(n * sizeof(*low) + 1);
	uint32_t *stack = malloc(n * sizeof(*stack) + 1);
	uint32_t *call = malloc(n * sizeof(*call) + 1);
	size_t *next = malloc(n * sizeof(*next) + 1);
	bool *on = calloc(n + 1, sizeof(*on));
	uint32_t counter = 0, sp = 0, cp;
	int err = -ENOMEM;

	if (!index || !low || !stack || !call || !next || !on)
		goto out;
	for (i = 0; i < n; i++)
		index[i] = NONE;
	g->ncomp = 0;
	for (i = 0; i < n; i++) {
		if (index[i] != NONE)
			continue;
		cp = 0;
		call[cp++] = (uint32_t)i;
		index[i] = low[i] = counter++;
		next[i] = g->first[i];
		stack[sp++] = (uint32_t)i;
		on[i] = true;
		while (cp) {
			uint32_t v = call[cp - 1], w;

			if (next[v] < g->first[v + 1]) {
				const struct refslab_dump_edge *e = &g->d->edges[next[v]++];

				/* an edge of an unlisted object cannot be drawn */
				w = pos(g, e->target);
				if (w == NONE || e->id != g->d->objects[v].id)
					continue;
				if (index[w] == NONE) {
					index[w] = low[w] = counter++;
					next[w] = g->first[w];
					stack[sp++] = w;
					on[w] = true;
					call[cp++] = w;
				} else if (on[w] && index[w] < low[v]) {
					low[v] = index[w];
				}
				continue;
			}
			/* v is done: a root pops its component */
			if (low[v] == index[v]) {
				uint32_t size = 0;

				do {
					w = stack[--sp];
					on[w] = false;
					g->comp[w] = g->ncomp;
					size++;
				} while (w != v);
				g->comp_size[g->ncomp++] = size;
			}
			if (--cp && low[v] < low[call[cp - 1]])
				low[call[cp - 1]] = low[v];
		}
	}
	err = 0;
out:
	free(index);
	free(low);
	free(stack);
	free(call);
	free(next);
	free(on);
	return err;
}

static void graph_free(struct graph *g)
{
	free(g->pos_of);
	free(g->first);
	free(g->comp);
	free(g->comp_size);
}

static int graph_build(struct graph *g, const struct refslab_dump *d)
{
	size_t n = d->nobjects, i, k;

	memset(g, 0, sizeof(*g));
	g->d = d;
	g->maxid = n ? d->objects[n - 1].id : 0;
	g->pos_of = malloc((g->maxid + 1) * sizeof(*g->pos_of));
	g->first = malloc((n + 1) * sizeof(*g->first));
	g->comp = malloc(n * sizeof(*g->comp) + 1);
	g->comp_size = malloc(n * sizeof(*g->comp_size) + 1);
	if (!g->pos_of || !g->first || !g->comp || !g->comp_size) {
		graph_free(g);
		return -ENOMEM;
	}
	for (i = 0; i <= g->maxid; i++)
		g->pos_of[i] = NONE;
	for (i = 0; i < n; i++)
		g->pos_of[d->objects[i].id] = (uint32_t)i;
	/* edges come sorted by source id, as objects are */
	for (i = 0, k = 0; i < n; i++) {
		while (k < d->nedges && d->edges[k].id < d->objects[i].id)
			k++;
		g->first[i] = k;
	}
	g->first[n] = d->nedges;
	return tarjan(g);
}

static const char *state_fill(uint32_t state)
{
	if (state & REFSLAB_STATE_IMMORTAL)
		return "#d9c2f0";	/* violet */
	if (state & REFSLAB_STATE_FROZEN)
		return "#bfdcf5";	/* blue */
	if (state & REFSLAB_STATE_CANDIDATE)
		return "#fbe7a1";	/* yellow */
	return "#ffffff";
}

/* The state as words: "a, b" (DOT label) or "a", "b" (JSON list). */
static void state_words(FILE *f, uint32_t state, bool json)
{
	static const struct {
		uint32_t bit;
		const char *word;
	} words[] = {
		{ REFSLAB_STATE_IMMORTAL, "immortal" },
		{ REFSLAB_STATE_FROZEN, "frozen" },
		{ REFSLAB_STATE_CANDIDATE, "candidate" },
	};
	const char *q = json ? "\"" : "";
	bool first = true;
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!(state & words[i].bit))
			continue;
		fprintf(f, "%s%s%s%s", first ? "" : ", ", q, words[i].word, q);
		first = false;
	}
}

/* The inside of a DOT or JSON string (both escape " and \ alike). */
static void escaped(FILE *f, const char *s, bool json)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 && json)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c < 0x20 ? '?' : c, f);
	}
}

#define U(x) ((unsigned long long)(x))
#define PLURAL(n) ((n) == 1 ? "" : "s")

static void write_dot(FILE *f, const struct graph *g, graph_namer namer,
		      void *ctx)
{
	const struct refslab_dump *d = g->d;
	size_t i, k, cyc = 0;

	for (k = 0; k < d->nedges; k++)
		cyc += edge_in_cycle(g, &d->edges[k]);
	fprintf(f, "digraph refslab {\n"
		"\tgraph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, labelloc=t,\n"
		"\t\tlabel=\"refslab heap (generation %llu): %zu object%s, %zu handle%s, %zu reference%s, %zu of them on cycles\\l"
		"roots: handles; red: references on a cycle; fill: yellow candidate, blue frozen, violet immortal\\l\"];\n"
		"\tnode [fontname=\"Helvetica\", fontsize=10];\n"
		"\tedge [fontname=\"Helvetica\", fontsize=9];\n",
		U(d->generation), d->nobjects, PLURAL(d->nobjects), d->nhandles,
		PLURAL(d->nhandles), d->nedges, PLURAL(d->nedges), cyc);
	for (i = 0; i < d->nhandles; i++) {
		const struct refslab_dump_handle *h = &d->handles[i];
		const char *name = namer ? namer(ctx, h->handle) : NULL;

		fprintf(f, "\th%u [shape=house, style=filled, fillcolor=\"#d5f0d5\", label=\"",
			h->handle);
		if (name) {
			escaped(f, name, false);
			fputs("\\n", f);
		}
		fprintf(f, "handle %u\"];\n\th%u -> o%llu [style=dashed, color=\"#2e7d32\"];\n",
			h->handle, h->handle, U(h->id));
	}
	for (i = 0; i < d->nobjects; i++) {
		const struct refslab_dump_object *o = &d->objects[i];
		bool cycle = obj_in_cycle(g, (uint32_t)i);

		fprintf(f, "\to%llu [shape=box, style=\"rounded,filled\", fillcolor=\"%s\", color=\"%s\", label=\"object %llu\\nrefcount ",
			U(o->id), state_fill(o->state), cycle ? "#c62828" : "#000000",
			U(o->id));
		if (o->state & REFSLAB_STATE_IMMORTAL)
			fputs("immortal", f);
		else
			fprintf(f, "%u", o->refcount);
		fprintf(f, "\\n%u slot%s, %u bytes", o->nslots,
			PLURAL(o->nslots), o->payload_size);
		if (o->cache_id)
			fprintf(f, "\\ncache %u", o->cache_id);
		if (o->state) {
			fputs("\\n", f);
			state_words(f, o->state, false);
		}
		fputs("\"];\n", f);
	}
	for (k = 0; k < d->nedges; k++) {
		const struct refslab_dump_edge *e = &d->edges[k];

		fprintf(f, "\to%llu -> o%llu [label=\"%u\"%s];\n", U(e->id),
			U(e->target), e->slot,
			edge_in_cycle(g, e) ? ", color=\"#c62828\", penwidth=2.5" : "");
	}
	fputs("}\n", f);
}

static void write_json(FILE *f, const struct graph *g, graph_namer namer,
		       void *ctx)
{
	const struct refslab_dump *d = g->d;
	size_t i;

	fprintf(f, "{\"generation\": %llu,\n\"objects\": [", U(d->generation));
	for (i = 0; i < d->nobjects; i++) {
		const struct refslab_dump_object *o = &d->objects[i];

		fprintf(f, "%s\n{\"id\": %llu, \"refcount\": %u, \"immortal\": %s, \"nslots\": %u, \"payload_size\": %u, \"object_size\": %u, \"cache_id\": %u, \"state\": [",
			i ? "," : "", U(o->id), o->refcount,
			o->state & REFSLAB_STATE_IMMORTAL ? "true" : "false",
			o->nslots, o->payload_size, o->object_size, o->cache_id);
		state_words(f, o->state, true);
		fprintf(f, "], \"scc\": %u, \"cycle\": %s}", g->comp[i],
			obj_in_cycle(g, (uint32_t)i) ? "true" : "false");
	}
	fputs("],\n\"handles\": [", f);
	for (i = 0; i < d->nhandles; i++) {
		const struct refslab_dump_handle *h = &d->handles[i];
		const char *name = namer ? namer(ctx, h->handle) : NULL;

		fprintf(f, "%s\n{\"handle\": %u, \"object\": %llu", i ? "," : "",
			h->handle, U(h->id));
		if (name) {
			fputs(", \"name\": \"", f);
			escaped(f, name, true);
			fputc('"', f);
		}
		fputc('}', f);
	}
	fputs("],\n\"edges\": [", f);
	for (i = 0; i < d->nedges; i++) {
		const struct refslab_dump_edge *e = &d->edges[i];

		fprintf(f, "%s\n{\"object\": %llu, \"slot\": %u, \"target\": %llu, \"cycle\": %s}",
			i ? "," : "", U(e->id), e->slot, U(e->target),
			edge_in_cycle(g, e) ? "true" : "false");
	}
	fputs("]}\n", f);
}

int graph_write(refslab_heap *h, FILE *f, enum graph_format fmt,
		graph_namer namer, void *ctx)
{
	struct refslab_dump *d;
	struct graph g;
	int err = refslab_heap_dump(h, &d);

	if (err)
		return err;
	err = graph_build(&g, d);
	if (!err) {
		if (fmt == GRAPH_JSON)
			write_json(f, &g, namer, ctx);
		else
			write_dot(f, &g, namer, ctx);
		graph_free(&g);
		if (ferror(f))
			err = -EIO;
	}
	refslab_dump_free(d);
	return err;
}

int graph_save(refslab_heap *h, const char *file, graph_namer namer,
	       void *ctx)
{
	const char *dir = getenv("REFSLAB_GRAPH_DIR"), *ext;
	char *path;
	FILE *f;
	int err;

	if (file[0] != '/' && dir && *dir) {
		if (asprintf(&path, "%s/%s", dir, file) < 0)
			return -ENOMEM;
	} else {
		path = strdup(file);
		if (!path)
			return -ENOMEM;
	}
	ext = strrchr(path, '.');
	f = fopen(path, "w");
	if (!f) {
		err = -errno;
		free(path);
		return err;
	}
	err = graph_write(h, f, ext && !strcmp(ext, ".json") ? GRAPH_JSON :
			  GRAPH_DOT, namer, ctx);
	if (fclose(f) && !err)
		err = -errno;
	free(path);
	return err;
}
