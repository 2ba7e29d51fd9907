// SPDX-License-Identifier: GPL-2.0
/*
 * refslabctl's number parsing and printing, as text and as JSON.  The JSON
 * comes from the ioctl structs: one object per struct, every figure a
 * number, arrays where the struct has one, and no key twice.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"

#define U(x) ((unsigned long long)(x))

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

void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* "key": value pairs of an object: *first tells whether a comma goes first. */
static void jkey(FILE *f, bool *first, const char *key)
{
	fputs(*first ? "" : ", ", f);
	*first = false;
	json_str(f, key);
	fputs(": ", f);
}

static void ju(FILE *f, bool *first, const char *key, unsigned long long v)
{
	jkey(f, first, key);
	fprintf(f, "%llu", v);
}

static void jb(FILE *f, bool *first, const char *key, bool v)
{
	jkey(f, first, key);
	fputs(v ? "true" : "false", f);
}

static const struct {
	uint32_t bit;
	const char *name;
} states[] = {
	{ REFSLAB_STATE_IMMORTAL, "immortal" },
	{ REFSLAB_STATE_CANDIDATE, "candidate" },
	{ REFSLAB_STATE_FROZEN, "frozen" },
};

void print_stat(FILE *f, const char *label, const struct refslab_stat *st)
{
	size_t i;

	fprintf(f, "%s: handle %u object %llu refcount %u slots %u payload %u object_size %u cache %u state",
		label, st->handle, U(st->id), st->refcount, st->nslots,
		st->payload_size, st->object_size, st->cache_id);
	if (!st->state)
		fputs(" -", f);
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (st->state & states[i].bit)
			fprintf(f, " %s", states[i].name);
	fputc('\n', f);
}

void json_stat(FILE *f, const struct refslab_stat *st)
{
	bool first = true;
	size_t i;
	int n = 0;

	fputc('{', f);
	ju(f, &first, "handle", st->handle);
	ju(f, &first, "object", st->id);
	ju(f, &first, "refcount", st->refcount);
	ju(f, &first, "slots", st->nslots);
	ju(f, &first, "payload", st->payload_size);
	ju(f, &first, "object_size", st->object_size);
	ju(f, &first, "cache", st->cache_id);
	jkey(f, &first, "state");
	fputc('[', f);
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (st->state & states[i].bit) {
			fputs(n++ ? ", " : "", f);
			json_str(f, states[i].name);
		}
	fputs("]}", f);
}

void print_heap_stats(FILE *f, const struct refslab_heap_stats *st, bool json)
{
	bool first = true;

	if (!json) {
		fprintf(f, "heap: objects %llu/%llu bytes %llu/%llu handles %llu/%llu caches %llu/%llu\n"
			"      created %llu freed %llu incref %llu decref %llu\n",
			U(st->objects), U(st->max_objects), U(st->bytes), U(st->max_bytes),
			U(st->handles), U(st->max_handles), U(st->caches), U(st->max_caches),
			U(st->created), U(st->freed), U(st->incref), U(st->decref));
		return;
	}
	fputc('{', f);
	ju(f, &first, "objects", st->objects);
	ju(f, &first, "bytes", st->bytes);
	ju(f, &first, "handles", st->handles);
	ju(f, &first, "caches", st->caches);
	ju(f, &first, "max_objects", st->max_objects);
	ju(f, &first, "max_bytes", st->max_bytes);
	ju(f, &first, "max_handles", st->max_handles);
	ju(f, &first, "max_caches", st->max_caches);
	ju(f, &first, "created", st->created);
	ju(f, &first, "freed", st->freed);
	ju(f, &first, "incref", st->incref);
	ju(f, &first, "decref", st->decref);
	fputs("}\n", f);
}

void print_limits(FILE *f, const struct refslab_heap_stats *st, bool json)
{
	bool first = true;

	if (!json) {
		fprintf(f, "limits: objects %llu bytes %llu handles %llu caches %llu\n",
			U(st->max_objects), U(st->max_bytes), U(st->max_handles),
			U(st->max_caches));
		return;
	}
	fputc('{', f);
	ju(f, &first, "objects", st->max_objects);
	ju(f, &first, "bytes", st->max_bytes);
	ju(f, &first, "handles", st->max_handles);
	ju(f, &first, "caches", st->max_caches);
	fputs("}\n", f);
}

void print_gc_control(FILE *f, const struct refslab_gc_control *c, bool json)
{
	bool first = true;

	if (!json) {
		fprintf(f, "gc: %s, threshold %u%s\n", c->enabled ? "enabled" : "disabled",
			c->threshold, c->adaptive ? " (adaptive)" : "");
		return;
	}
	fputc('{', f);
	jb(f, &first, "enabled", c->enabled);
	ju(f, &first, "threshold", c->threshold);
	jb(f, &first, "adaptive", c->adaptive);
	fputs("}\n", f);
}

void print_gc_stats(FILE *f, const struct refslab_gc_stats *st, bool json)
{
	static const char *const b[REFSLAB_GC_PAUSE_BUCKETS] = {
		"<10us", "<100us", "<1ms", "<10ms", "<100ms", "<1s", "<10s", ">=10s"
	};
	bool first = true;
	int i;

	if (!json) {
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
		return;
	}
	fputc('{', f);
	jb(f, &first, "enabled", st->enabled);
	ju(f, &first, "threshold", st->threshold);
	ju(f, &first, "collections", st->collections);
	ju(f, &first, "candidates", st->candidates);
	ju(f, &first, "scanned", st->scanned);
	ju(f, &first, "collected", st->collected);
	ju(f, &first, "deferred", st->deferred);
	ju(f, &first, "pending", st->pending);
	ju(f, &first, "frozen", st->frozen);
	ju(f, &first, "last_ns", st->last_ns);
	ju(f, &first, "max_ns", st->max_ns);
	ju(f, &first, "total_ns", st->total_ns);
	ju(f, &first, "max_pause_ns", st->max_pause_ns);
	ju(f, &first, "max_wait_ns", st->max_wait_ns);
	/* the lock holds per length bucket, shortest first */
	jkey(f, &first, "pauses");
	fputc('[', f);
	for (i = 0; i < REFSLAB_GC_PAUSE_BUCKETS; i++)
		fprintf(f, "%s%llu", i ? ", " : "", U(st->pauses[i]));
	fputs("]}\n", f);
}

void print_collect(FILE *f, const struct refslab_gc_collect *c, bool json)
{
	bool first = true;

	if (!json) {
		fprintf(f, "collect: freed %llu, scanned %llu, deferred %llu\n",
			U(c->collected), U(c->scanned), U(c->deferred));
		return;
	}
	fputc('{', f);
	ju(f, &first, "collected", c->collected);
	ju(f, &first, "scanned", c->scanned);
	ju(f, &first, "deferred", c->deferred);
	fputs("}\n", f);
}

int print_cache_list(FILE *f, refslab_heap *h, bool json)
{
	struct refslab_cache_info *info = NULL;
	uint32_t total = 0, room = 0, i;
	int err;

	/* the list may grow between the two calls: ask until it fits */
	for (;;) {
		err = refslab_cache_list(h, info, room, &total);
		if (err || total <= room)
			break;
		room = total;
		free(info);
		info = calloc(room, sizeof(*info));
		if (!info)
			return -ENOMEM;
	}
	if (err) {
		free(info);
		return err;
	}
	if (json) {
		fputc('[', f);
		for (i = 0; i < total; i++) {
			bool first = true;

			fputs(i ? ",\n {" : "{", f);
			ju(f, &first, "id", info[i].cache_id);
			jkey(f, &first, "name");
			json_str(f, info[i].name);
			ju(f, &first, "size", info[i].object_size);
			ju(f, &first, "slab_size", info[i].slab_size);
			ju(f, &first, "align", info[i].align);
			ju(f, &first, "objects", info[i].objects);
			ju(f, &first, "slabs", info[i].slabs);
			fputc('}', f);
		}
		fputs("]\n", f);
	} else {
		fprintf(f, "%-4s %-31s %8s %8s %6s %10s %8s\n", "id", "name",
			"size", "slabsize", "align", "objects", "slabs");
		for (i = 0; i < total; i++)
			fprintf(f, "%-4u %-31.31s %8u %8u %6u %10llu %8llu\n",
				info[i].cache_id, info[i].name, info[i].object_size,
				info[i].slab_size, info[i].align, U(info[i].objects),
				U(info[i].slabs));
	}
	free(info);
	return 0;
}
