// SPDX-License-Identifier: GPL-2.0
/*
 * refslab memory cgroup charging.
 *
 * The contract: an object's memory is charged to the memory cgroup of the
 * heap that owns it, not to whoever made the slab it sits in.  The kernel's
 * own slab charges per object (obj_cgroup_charge()), which 6.1 does not
 * export; what a module can do is charge whole pages, with __GFP_ACCOUNT,
 * to the cgroup set_active_memcg() names.  So a page must hold objects of
 * one cgroup only: each memory cgroup that opens a heap gets its own
 * instances of the general size classes (the design of the kernel's memcg
 * kmem before 5.9), made on first use and shared by every heap opened in
 * that cgroup.  The root cgroup, and a kernel without the memory
 * controller, use the global classes, which charge nobody.
 *
 * What it costs: per cgroup and class in use, the cache's metadata and
 * what a cache keeps (a partly used slab, up to RS_MIN_EMPTY empty ones,
 * the CPU arrays), all of it charged to that cgroup.  A cgroup's charge is
 * its objects' bytes to within that, and its heaps share slabs, so many
 * heaps in one cgroup cost what they cost in the root.  Isolation comes
 * with it between cgroups (no slab holds objects of two cgroups, so a
 * stale pointer into one cgroup's slabs never finds another cgroup's
 * object), not between heaps of one cgroup.
 *
 * Lifetime: the set is referenced by each heap opened in its cgroup (the
 * cgroup is recorded at open, so a descriptor passed to another process
 * charges the opener's cgroup) and goes, with its caches and the css
 * reference, when the last such heap is released, after its objects are
 * freed: a deleted cgroup is then neither charged nor pinned by refslab.
 *
 * Locking: rs_memcgs_lock (mutex) guards rs_memcgs; it is taken with no
 * other refslab lock held and nothing is taken under it (a set's caches are
 * destroyed after it is dropped).  A class instance is made without any
 * lock and installed with cmpxchg(); the loser of a race destroys its own.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/cgroup.h>
#include "memcg.h"

static DEFINE_MUTEX(rs_memcgs_lock);
static LIST_HEAD(rs_memcgs);

static bool rs_memcg_is_root(struct mem_cgroup *memcg)
{
	return !memcg || !parent_mem_cgroup(memcg);
}

int rs_memcg_open(struct mem_cgroup **memcgp, struct rs_memcg **setp)
{
	struct mem_cgroup *memcg, *old;
	struct rs_memcg *m;

	*setp = NULL;
	memcg = get_mem_cgroup_from_mm(current->mm);
	*memcgp = memcg;
	if (rs_memcg_is_root(memcg))
		return 0;

	mutex_lock(&rs_memcgs_lock);
	list_for_each_entry(m, &rs_memcgs, node) {
		if (m->memcg == memcg) {
			kref_get(&m->kref);
			goto out;
		}
	}
	old = rs_charge_begin(memcg);
	m = kzalloc(sizeof(*m), RS_GFP_USER);
	rs_charge_end(old);
	if (!m) {
		mutex_unlock(&rs_memcgs_lock);
		mem_cgroup_put(memcg);
		*memcgp = NULL;
		return -ENOMEM;
	}
	css_get(&memcg->css);		/* the set's own reference */
	m->memcg = memcg;
	kref_init(&m->kref);
	list_add(&m->node, &rs_memcgs);
out:
	mutex_unlock(&rs_memcgs_lock);
	*setp = m;
	return 0;
}

/* kref_put_mutex() release: rs_memcgs_lock held, dropped here. */
static void rs_memcg_release(struct kref *kref)
{
	struct rs_memcg *m = container_of(kref, struct rs_memcg, kref);
	unsigned int i;

	list_del(&m->node);
	mutex_unlock(&rs_memcgs_lock);
	for (i = 0; i < RS_NR_SIZE_CLASSES; i++)
		if (m->classes[i])
			WARN_ON_ONCE(rs_cache_destroy(m->classes[i]));
	mem_cgroup_put(m->memcg);
	kfree(m);
}

void rs_memcg_close(struct mem_cgroup *memcg, struct rs_memcg *m)
{
	if (m)
		kref_put_mutex(&m->kref, rs_memcg_release, &rs_memcgs_lock);
	mem_cgroup_put(memcg);
}

struct rs_cache *rs_memcg_class_get(struct rs_memcg *m, size_t bytes)
{
	int idx = rs_size_class_index(bytes);
	struct rs_cache *c, *old;
	char name[RS_CACHE_NAME_MAX];

	if (WARN_ON_ONCE(idx < 0))
		return NULL;
	c = READ_ONCE(m->classes[idx]);
	if (likely(c))
		return c;
	/* slabinfo shows "rs-<size>@<cgroup inode>@<cache id>"; no debugfs dir */
	snprintf(name, sizeof(name), "rs-%u@%llu", rs_size_class_bytes(idx),
		 (unsigned long long)cgroup_ino(m->memcg->css.cgroup));
	c = rs_cache_create_charged(name, rs_size_class_bytes(idx), 0,
				    m->memcg, RS_CACHE_NO_DEBUGFS);
	if (!c)
		return NULL;
	old = cmpxchg(&m->classes[idx], NULL, c);
	if (old) {
		rs_cache_destroy(c);
		c = old;
	}
	return c;
}
