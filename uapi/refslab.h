/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * refslab user API: the one header the module and userspace share.
 *
 * Rules (Documentation/process/botching-up-ioctls.rst):
 *  - fixed-width types only, user pointers as __u64, explicit padding;
 *  - every reserved field and unknown flag must be zero, else EINVAL;
 *  - argument structs are size-extensible: the size is the one encoded in
 *    the ioctl number.  A caller may pass an older (smaller) struct as long
 *    as it is at least the first published size (else EINVAL), or a newer
 *    (larger) one whose extra tail is zero (else E2BIG).  Output is written
 *    up to the smaller of the two sizes.  The output-only structs
 *    (VERSION, HEAP_STATS, GC_STATS: _IOR commands) are not read at all:
 *    a larger one's tail is neither checked nor written;
 *  - an unknown command gets ENOTTY; 32-bit callers use the same numbers
 *    (every struct has the same layout on i386 and x86_64).
 *
 * Magic number 0xB2 (unused in Documentation/userspace-api/ioctl/
 * ioctl-number.rst as of 6.1), numbers 0x00-0x3f.
 *
 * Handles are per open file ("heap") and start at 1; 0 (REFSLAB_NONE)
 * names no object, e.g. an empty slot.  Numbers are reused, lowest free
 * first.  A command that makes a handle (CREATE, DUP, GET_SLOT) or a
 * cache id (CACHE_CREATE) writes its result back before the number becomes
 * usable; until then every command, from any thread, gets ENOENT for it.
 * If the result cannot be written back (EFAULT) the number is never
 * issued: an object or cache the command created is freed again, and no
 * other handle or cache is touched.
 *
 * Errors common to all commands:
 *  EINVAL  unknown flag, non-zero reserved field or padding, struct
 *          smaller than its first version
 *  E2BIG   struct larger than the kernel's with a non-zero tail
 *  EFAULT  a user pointer (the argument or a buffer in it) faults
 *  ENOTTY  unknown command
 *  ENOENT  a handle that was never issued, was dropped, or is another
 *          heap's
 *  ENOMEM  the kernel (or the caller's memory cgroup) is out of memory
 *  EDQUOT  a per-heap limit (objects, bytes, handles, caches) is reached
 *  EINTR   interrupted by a signal (collect); nothing was freed
 */
#ifndef _UAPI_REFSLAB_H
#define _UAPI_REFSLAB_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/const.h>

#define REFSLAB_IOC_MAGIC	0xB2
#define REFSLAB_DEVICE		"/dev/refslab"
#define REFSLAB_NULL_DEVICE	"/dev/refslab_null"

#define REFSLAB_VERSION_MAJOR	0
#define REFSLAB_VERSION_MINOR	2

#define REFSLAB_NONE		0U	/* no handle / empty slot */
#define REFSLAB_MAX_SLOTS	1024U	/* reference slots per object */
#define REFSLAB_MAX_PAYLOAD	(64U * 1024)	/* payload bytes per object */
#define REFSLAB_CACHE_NAME_MAX	32	/* including the NUL */
#define REFSLAB_GENERAL_CACHE	0U	/* cache_id: pick a size class */

/* Feature bits reported by REFSLAB_IOC_VERSION. */
#define REFSLAB_FEAT_OBJECTS	_BITULL(0)	/* create/dup/drop/slots/payload */
#define REFSLAB_FEAT_CACHES	_BITULL(1)	/* named caches */
#define REFSLAB_FEAT_BATCH	_BITULL(2)	/* REFSLAB_IOC_BATCH */
#define REFSLAB_FEAT_GC		_BITULL(3)	/* cycle collector */
#define REFSLAB_FEAT_LIMITS	_BITULL(4)	/* per-heap limits */
#define REFSLAB_FEAT_DUMP	_BITULL(5)	/* REFSLAB_IOC_HEAP_DUMP */
#define REFSLAB_FEAT_BULK	_BITULL(6)	/* CREATE_N, DROP_N, SET_SLOTS */

/* REFSLAB_IOC_VERSION: no errors besides the common ones. */
struct refslab_version {
	__u32 major;
	__u32 minor;
	__u64 features;		/* REFSLAB_FEAT_* */
	__u32 max_slots;	/* REFSLAB_MAX_SLOTS */
	__u32 max_payload;	/* REFSLAB_MAX_PAYLOAD */
	__u32 header_bytes;	/* per-object header size */
	__u32 __reserved;
};

/*
 * REFSLAB_IOC_CREATE: a new object with refcount 1, named by a new handle.
 * Slots start empty, the payload zeroed.  cache_id REFSLAB_GENERAL_CACHE
 * picks the smallest general size class that fits; a named cache must be
 * large enough (else EINVAL).
 * Errors: EINVAL nslots > REFSLAB_MAX_SLOTS or payload_size >
 * REFSLAB_MAX_PAYLOAD or too big for the cache; ENOENT unknown cache_id;
 * EDQUOT objects/bytes/handles limit; ENOMEM.
 */
struct refslab_create {
	__u32 flags;		/* none defined: must be 0 */
	__u32 nslots;
	__u32 payload_size;
	__u32 cache_id;		/* REFSLAB_GENERAL_CACHE or a named cache */
	__u32 handle;		/* out */
	__u32 __pad;
};

/* REFSLAB_IOC_DUP: a second handle to the same object (refcount + 1).
 * Errors: ENOENT bad handle; EDQUOT handles limit; ENOMEM.
 */
struct refslab_dup {
	__u32 handle;
	__u32 new_handle;	/* out */
	__u32 flags;		/* must be 0 */
	__u32 __pad;
};

/* REFSLAB_IOC_DROP: forget a handle (refcount - 1; the object and what only
 * it referenced are freed when the count reaches zero).
 * Errors: ENOENT bad handle.
 */
struct refslab_drop {
	__u32 handle;
	__u32 flags;		/* must be 0 */
};

/* REFSLAB_IOC_SET_SLOT: point slot `slot` of `handle` at `target`'s object
 * (REFSLAB_NONE empties it).  Takes a reference on the new target and
 * drops the one on the old.
 * Errors: ENOENT bad handle or target; ERANGE slot >= nslots.
 */
struct refslab_slot {
	__u32 handle;
	__u32 slot;
	__u32 target;		/* in for SET_SLOT, out for GET_SLOT */
	__u32 flags;		/* must be 0 */
};

/* REFSLAB_IOC_GET_SLOT uses struct refslab_slot: target receives a new
 * handle to the slot's object, or REFSLAB_NONE if the slot is empty.
 * Errors: ENOENT bad handle; ERANGE slot >= nslots; EDQUOT handles.
 */

/* REFSLAB_IOC_READ / REFSLAB_IOC_WRITE: copy [offset, offset + len) of the
 * payload to / from buf.  The whole range must lie inside the payload.
 * Errors: ENOENT bad handle; ERANGE range outside the payload or
 * offset + len overflows; EFAULT buf faults (a write that faults changes
 * nothing).
 */
struct refslab_io {
	__u32 handle;
	__u32 flags;		/* must be 0 */
	__u64 offset;
	__u64 len;
	__u64 buf;		/* user pointer */
};

/* Object state bits in refslab_stat.state. */
#define REFSLAB_STATE_IMMORTAL	_BITUL(0)	/* refcount saturated */
#define REFSLAB_STATE_CANDIDATE	_BITUL(1)	/* in the collector's buffer */
#define REFSLAB_STATE_FROZEN	_BITUL(2)	/* frozen: never scanned */

/* REFSLAB_IOC_STAT. Errors: ENOENT bad handle. */
struct refslab_stat {
	__u32 handle;
	__u32 flags;		/* must be 0 */
	__u32 refcount;		/* out */
	__u32 nslots;		/* out */
	__u32 payload_size;	/* out */
	__u32 object_size;	/* out: bytes of the slab object it occupies */
	__u32 cache_id;		/* out: REFSLAB_GENERAL_CACHE or named */
	__u32 state;		/* out: REFSLAB_STATE_* */
	__u64 id;		/* out: stable id of the object in this heap */
};

/* REFSLAB_IOC_CACHE_CREATE: a named cache of objects of object_size bytes
 * (header, slots and payload together), owned by this heap and destroyed
 * with it.  name: [A-Za-z0-9_.-]{1,31} (ASCII only; a leading dot is
 * fine, but not the names "." and ".."), NUL-terminated, NUL padded.
 * align: 0 (default) or a power of two <= PAGE_SIZE.
 * Errors: EINVAL bad name, size or align; EEXIST name in use in this heap;
 * EDQUOT caches limit; ENOMEM.
 */
struct refslab_cache_create {
	char name[REFSLAB_CACHE_NAME_MAX];
	__u32 object_size;
	__u32 align;
	__u32 flags;		/* must be 0 */
	__u32 cache_id;		/* out, never REFSLAB_GENERAL_CACHE */
};

/* REFSLAB_IOC_CACHE_DESTROY.  Errors: ENOENT unknown cache_id;
 * EBUSY objects of the cache are alive.
 */
struct refslab_cache_destroy {
	__u32 cache_id;
	__u32 flags;		/* must be 0 */
};

struct refslab_cache_info {
	char name[REFSLAB_CACHE_NAME_MAX];
	__u32 cache_id;
	__u32 object_size;	/* as asked */
	__u32 slab_size;	/* bytes per object in the slab, with padding */
	__u32 align;
	__u64 objects;		/* live objects */
	__u64 slabs;
};

/* REFSLAB_IOC_CACHE_LIST: the heap's named caches.  count in: room in
 * buf (entries of entry_size bytes, which must be at least the first
 * published struct refslab_cache_info); out: how many exist (only the
 * first min(in, out) are written).  Errors: EINVAL bad entry_size.
 */
struct refslab_cache_list {
	__u64 buf;		/* user pointer to entries */
	__u32 count;
	__u32 entry_size;
	__u32 flags;		/* must be 0 */
	__u32 __pad;
};

/* REFSLAB_IOC_HEAP_STATS: the heap's figures and limits. */
struct refslab_heap_stats {
	__u64 objects;
	__u64 bytes;		/* slab bytes its objects occupy */
	__u64 handles;
	__u64 caches;
	__u64 max_objects;
	__u64 max_bytes;
	__u64 max_handles;
	__u64 max_caches;
	__u64 created;		/* objects created, ever */
	__u64 freed;		/* objects freed, ever (refcount and gc) */
	__u64 incref;		/* refcount increments */
	__u64 decref;		/* refcount decrements */
};

/* REFSLAB_IOC_SET_LIMITS: 0 leaves a limit unchanged.  Lowering is always
 * allowed (below current use too: later growth fails with EDQUOT); raising
 * above the module parameter default needs CAP_SYS_RESOURCE in the
 * credentials the file was opened with, not the caller's: a descriptor
 * passed to a privileged process cannot raise them, and one a privileged
 * process opened and passed on can.
 * Errors: EPERM.
 */
struct refslab_limits {
	__u64 max_objects;
	__u64 max_bytes;
	__u64 max_handles;
	__u64 max_caches;
	__u32 flags;		/* must be 0 */
	__u32 __pad;
};

/* Batch operation codes. */
#define REFSLAB_OP_CREATE	1	/* args.create */
#define REFSLAB_OP_DUP		2	/* args.dup */
#define REFSLAB_OP_DROP		3	/* args.drop */
#define REFSLAB_OP_SET_SLOT	4	/* args.slot */
#define REFSLAB_OP_GET_SLOT	5	/* args.slot */
#define REFSLAB_OP_READ		6	/* args.io */
#define REFSLAB_OP_WRITE	7	/* args.io */
#define REFSLAB_OP_STAT		8	/* args.stat */

/* One operation of a batch: result is 0 or a negative errno. */
struct refslab_op {
	__u32 op;		/* REFSLAB_OP_* */
	__s32 result;		/* out */
	union {
		struct refslab_create create;
		struct refslab_dup dup;
		struct refslab_drop drop;
		struct refslab_slot slot;
		struct refslab_io io;
		struct refslab_stat stat;
		__u64 __size[6];	/* fixes the union at 48 bytes */
	} args;
};

#define REFSLAB_BATCH_CONTINUE	_BITUL(0)	/* go on after an error */
#define REFSLAB_BATCH_MAX	4096U		/* operations per call */

/* REFSLAB_IOC_BATCH: run ops[0..count) in order.  Each operation is
 * all-or-nothing on its own; done (out) counts the operations run.
 * Without REFSLAB_BATCH_CONTINUE it stops at the first failure.  The
 * ioctl itself returns 0 if every operation run succeeded, else the
 * errno of the first that failed, except that it is EFAULT whenever ops[]
 * could not be read or written.  Errors: EINVAL count 0 or above
 * REFSLAB_BATCH_MAX, unknown op (per operation); EFAULT.
 *
 * ops[] must be readable and writable: the kernel reads each group of
 * operations and writes part of it back (unchanged) before it runs any of
 * them, so an array it cannot write (read-only, unmapped) runs nothing
 * from there on:
 * EFAULT, and done counts only the operations before.  A handle an
 * operation makes becomes usable, to the batch's later operations as to
 * any other caller, once that operation's result has been written back
 * to ops[] (the write-back is in order, a group at a time, while the
 * batch runs; a later operation of the same group gets ENOENT for it).
 * If the write-back still fails (the array was unmapped or protected
 * while the batch ran), the call returns EFAULT; done counts the
 * operations run, that group included; their other effects (drops,
 * writes, slots) stand, but the handles they made were never usable and
 * are released as in the single commands.
 */
struct refslab_batch {
	__u64 ops;		/* user pointer to struct refslab_op[count] */
	__u32 count;
	__u32 flags;		/* REFSLAB_BATCH_* */
	__u32 done;		/* out */
	__u32 __pad;
};

/*
 * Bulk operations (REFSLAB_FEAT_BULK, minor version 2): many objects of one
 * kind in one call, each call all or nothing.  They cost a fraction of a
 * call per object; REFSLAB_IOC_BATCH remains for mixed sequences.
 *
 * REFSLAB_IOC_CREATE_N: count objects of one shape (as REFSLAB_IOC_CREATE),
 * their handles written to handles[0..count).  handles[] is output only:
 * the kernel may write it (with zeros) before it creates anything, and it
 * is unspecified after an error.  All or nothing: on any error no object
 * was created and no handle was ever usable; the heap's figures
 * (REFSLAB_IOC_HEAP_STATS) are as before.  A handle is usable, to this
 * and every other thread, once every number is in handles[].
 * Errors: EINVAL flags or __pad non-zero, count 0 or above
 * REFSLAB_BULK_MAX, and as CREATE; ENOENT unknown cache_id; EDQUOT a limit
 * would be passed by the count objects; ENOMEM; EFAULT handles[] is not
 * writable.
 */
#define REFSLAB_BULK_MAX	4096U	/* objects, handles or triples per call */

struct refslab_create_n {
	__u32 flags;		/* none defined: must be 0 */
	__u32 nslots;
	__u32 payload_size;
	__u32 cache_id;		/* REFSLAB_GENERAL_CACHE or a named cache */
	__u64 handles;		/* user pointer to __u32[count], out */
	__u32 count;		/* 1 .. REFSLAB_BULK_MAX */
	__u32 __pad;
};

/*
 * REFSLAB_IOC_DROP_N: drop handles[0..count) (as REFSLAB_IOC_DROP each).
 * Every handle is checked first: if one is bad or appears twice nothing is
 * dropped.  From the moment the call has checked them, every handle of it
 * is gone for every other caller (ENOENT), while the objects are dropped
 * in order.
 * Errors: EINVAL flags non-zero, count 0 or above REFSLAB_BULK_MAX;
 * ENOENT a bad or repeated handle; EFAULT handles[] is not readable
 * (nothing dropped).
 */
struct refslab_drop_n {
	__u64 handles;		/* user pointer to __u32[count] */
	__u32 count;		/* 1 .. REFSLAB_BULK_MAX */
	__u32 flags;		/* must be 0 */
};

/* One slot store of REFSLAB_IOC_SET_SLOTS, as REFSLAB_IOC_SET_SLOT. */
struct refslab_slot_set {
	__u32 handle;
	__u32 slot;
	__u32 target;		/* REFSLAB_NONE empties the slot */
	__u32 __pad;		/* must be 0 */
};

/*
 * REFSLAB_IOC_SET_SLOTS: the slot stores triples[0..count), applied in
 * order after every one was checked: if one names a bad handle or target,
 * a slot out of range or has __pad set, nothing changes.  The call runs
 * in one hold of the heap's lock.
 * Errors: EINVAL flags or a __pad non-zero, count 0 or above
 * REFSLAB_BULK_MAX; ENOENT a bad handle or target; ERANGE slot >= nslots
 * (the first failing triple's error); EFAULT triples[] is not readable
 * (nothing changed).
 */
struct refslab_set_slots {
	__u64 triples;		/* user pointer to struct refslab_slot_set[count] */
	__u32 count;		/* 1 .. REFSLAB_BULK_MAX */
	__u32 flags;		/* must be 0 */
};

/*
 * REFSLAB_IOC_HEAP_DUMP: one page of the heap's object graph.  A dump is
 * three lists, each read from cursor 0 until the cursor comes back as
 * REFSLAB_DUMP_END: the objects (REFSLAB_DUMP_OBJECTS, struct
 * refslab_dump_object, in id order), the published handles
 * (REFSLAB_DUMP_HANDLES, struct refslab_dump_handle, in handle order) and
 * the references between objects (REFSLAB_DUMP_EDGES, struct
 * refslab_dump_edge, one per non-empty slot, in (id, slot) order).
 *
 * Each page is taken in one hold of the heap's lock, so it is a snapshot;
 * generation (out) is the heap's generation at that moment.  The
 * generation changes with every change of what a dump lists: an object
 * created or freed (by a drop or by the collector), a handle published or
 * dropped, a slot set, a refcount changed, a freeze or unfreeze.  It does
 * not change when only the candidate state does (the collector takes and
 * mutators add candidates all the time).  Pages that all report the same
 * generation form one consistent dump; the call does not fail when the
 * heap changed between pages: the caller compares and starts again.
 *
 * Objects that a running collection has found to be garbage, and is
 * freeing, are not listed (nothing can reach them); until they are freed
 * the refcounts of objects they point at still count their references.
 * Handles that are reserved but not yet returned by the command that makes
 * them (see above) are not listed either.
 *
 * cursor (in): where to start, 0 or the cursor a previous call returned
 * for the same list; (out): where the next page starts, or
 * REFSLAB_DUMP_END.  count (in): room in buf, in entries of entry_size
 * bytes (at least the first published size of the list's entry struct;
 * each entry is written up to the kernel's size, the rest left as it
 * was); (out): entries written.  A page holds at most
 * REFSLAB_DUMP_PAGE_MAX entries and looks at a bounded number of table
 * entries, so it may hold fewer than count, even none, before the end:
 * only REFSLAB_DUMP_END ends a list.  count 0 writes nothing and reports
 * the generation; the cursor is returned unchanged.
 * Errors: EINVAL unknown list, entry_size too small or above
 * REFSLAB_DUMP_ENTRY_MAX; EFAULT buf faults (a page already taken is
 * lost: ask again from the same cursor); ENOMEM.
 */
#define REFSLAB_DUMP_OBJECTS	1
#define REFSLAB_DUMP_HANDLES	2
#define REFSLAB_DUMP_EDGES	3
#define REFSLAB_DUMP_END	(~(__u64)0)
#define REFSLAB_DUMP_PAGE_MAX	1024U	/* entries per call */
#define REFSLAB_DUMP_ENTRY_MAX	4096U	/* largest entry_size */

struct refslab_dump_object {
	__u64 id;		/* as refslab_stat.id */
	__u32 refcount;		/* U32_MAX when immortal */
	__u32 nslots;
	__u32 payload_size;
	__u32 cache_id;		/* REFSLAB_GENERAL_CACHE or named */
	__u32 state;		/* REFSLAB_STATE_* */
	__u32 object_size;	/* bytes of the slab object it occupies */
};

struct refslab_dump_handle {
	__u32 handle;
	__u32 __pad;		/* written as 0 */
	__u64 id;		/* the object it names */
};

struct refslab_dump_edge {
	__u64 id;		/* the object whose slot it is */
	__u32 slot;
	__u32 __pad;		/* written as 0 */
	__u64 target;		/* the id of the object the slot points at */
};

struct refslab_heap_dump {
	__u32 list;		/* REFSLAB_DUMP_OBJECTS, _HANDLES or _EDGES */
	__u32 flags;		/* must be 0 */
	__u64 cursor;		/* in and out, see above */
	__u64 buf;		/* user pointer to entries */
	__u32 count;		/* in: room; out: entries written */
	__u32 entry_size;
	__u64 generation;	/* out */
};

/* REFSLAB_IOC_GC_COLLECT: a full, synchronous collection of the heap (like
 * gc.collect()).  Errors: EINTR a signal arrived (nothing freed, the
 * collection is deferred); EBUSY only with REFSLAB_GC_NOWAIT while
 * another collection of the heap runs.
 */
#define REFSLAB_GC_NOWAIT	_BITUL(0)
struct refslab_gc_collect {
	__u32 flags;
	__u32 __pad;
	__u64 collected;	/* out: objects freed */
	__u64 scanned;		/* out: objects examined */
	__u64 deferred;		/* out: objects kept because they changed */
};

/* REFSLAB_IOC_GC_CONTROL: read and optionally change collector settings.
 * Fields are written back with the settings in force afterwards.
 * Errors: EINVAL unknown flag, enabled > 1 with SET_ENABLED, threshold >
 * REFSLAB_GC_THRESHOLD_MAX with SET_THRESHOLD (fields whose SET_ flag is
 * clear are not looked at).
 */
#define REFSLAB_GC_SET_ENABLED		_BITUL(0)
#define REFSLAB_GC_SET_THRESHOLD	_BITUL(1)
#define REFSLAB_GC_THRESHOLD_MAX	_BITUL(24)
struct refslab_gc_control {
	__u32 flags;		/* REFSLAB_GC_SET_* */
	__u32 enabled;		/* automatic collection on (1) or off (0) */
	__u32 threshold;	/* candidates that trigger a collection;
				 * 0 with SET_THRESHOLD: back to adaptive
				 */
	__u32 adaptive;		/* out: 1 while the threshold adapts */
};

/* REFSLAB_IOC_GC_FREEZE: flags 0 freezes every object of the heap (like
 * gc.freeze()); REFSLAB_GC_UNFREEZE thaws them all.  count (out): objects
 * whose state changed.  It waits for a running collection of the heap.
 * Errors: EINTR a signal arrived while it waited (nothing was frozen or
 * thawed; once it has begun it runs to the end).
 */
#define REFSLAB_GC_UNFREEZE	_BITUL(0)
struct refslab_gc_freeze {
	__u32 flags;
	__u32 __pad;
	__u64 count;
};

#define REFSLAB_GC_PAUSE_BUCKETS 8	/* <10us,<100us,<1ms,<10ms,<100ms,<1s,<10s,more */

/* REFSLAB_IOC_GC_STATS: the heap's collector statistics. */
struct refslab_gc_stats {
	__u64 collections;
	__u64 candidates;	/* candidates examined */
	__u64 scanned;		/* objects scanned */
	__u64 collected;	/* objects freed by the collector */
	__u64 deferred;		/* kept because they changed under it */
	__u64 pending;		/* candidates waiting now */
	__u32 threshold;
	__u32 enabled;
	__u64 frozen;		/* frozen objects now */
	__u64 last_ns;		/* duration of the last collection */
	__u64 max_ns;
	__u64 total_ns;
	__u64 max_pause_ns;	/* longest single hold of the heap lock */
	__u64 max_wait_ns;	/* longest a mutator waited on the collector */
	__u64 pauses[REFSLAB_GC_PAUSE_BUCKETS];
};

/*
 * The first published size of each command's argument struct: the smallest
 * a caller may pass (see "size-extensible" above).  A struct only grows at
 * its end, so these numbers never change; the ioctl number carries the
 * current size.
 */
#define REFSLAB_VERSION_SIZE_VER0	32
#define REFSLAB_CREATE_SIZE_VER0	24
#define REFSLAB_DUP_SIZE_VER0		16
#define REFSLAB_DROP_SIZE_VER0		8
#define REFSLAB_SET_SLOT_SIZE_VER0	16
#define REFSLAB_GET_SLOT_SIZE_VER0	16
#define REFSLAB_READ_SIZE_VER0		32
#define REFSLAB_WRITE_SIZE_VER0		32
#define REFSLAB_STAT_SIZE_VER0		40
#define REFSLAB_CACHE_CREATE_SIZE_VER0	48
#define REFSLAB_CACHE_DESTROY_SIZE_VER0	8
#define REFSLAB_CACHE_LIST_SIZE_VER0	24
#define REFSLAB_HEAP_STATS_SIZE_VER0	96
#define REFSLAB_SET_LIMITS_SIZE_VER0	40
#define REFSLAB_BATCH_SIZE_VER0		24
#define REFSLAB_HEAP_DUMP_SIZE_VER0	40
#define REFSLAB_GC_COLLECT_SIZE_VER0	32
#define REFSLAB_GC_CONTROL_SIZE_VER0	16
#define REFSLAB_GC_FREEZE_SIZE_VER0	16
#define REFSLAB_GC_STATS_SIZE_VER0	168
#define REFSLAB_CREATE_N_SIZE_VER0	32
#define REFSLAB_DROP_N_SIZE_VER0	16
#define REFSLAB_SET_SLOTS_SIZE_VER0	16

#define REFSLAB_IOC_VERSION	_IOR(REFSLAB_IOC_MAGIC, 0x00, struct refslab_version)
#define REFSLAB_IOC_CREATE	_IOWR(REFSLAB_IOC_MAGIC, 0x01, struct refslab_create)
#define REFSLAB_IOC_DUP		_IOWR(REFSLAB_IOC_MAGIC, 0x02, struct refslab_dup)
#define REFSLAB_IOC_DROP	_IOW(REFSLAB_IOC_MAGIC, 0x03, struct refslab_drop)
#define REFSLAB_IOC_SET_SLOT	_IOW(REFSLAB_IOC_MAGIC, 0x04, struct refslab_slot)
#define REFSLAB_IOC_GET_SLOT	_IOWR(REFSLAB_IOC_MAGIC, 0x05, struct refslab_slot)
#define REFSLAB_IOC_READ	_IOW(REFSLAB_IOC_MAGIC, 0x06, struct refslab_io)
#define REFSLAB_IOC_WRITE	_IOW(REFSLAB_IOC_MAGIC, 0x07, struct refslab_io)
#define REFSLAB_IOC_STAT	_IOWR(REFSLAB_IOC_MAGIC, 0x08, struct refslab_stat)
#define REFSLAB_IOC_CACHE_CREATE _IOWR(REFSLAB_IOC_MAGIC, 0x09, struct refslab_cache_create)
#define REFSLAB_IOC_CACHE_DESTROY _IOW(REFSLAB_IOC_MAGIC, 0x0a, struct refslab_cache_destroy)
#define REFSLAB_IOC_CACHE_LIST	_IOWR(REFSLAB_IOC_MAGIC, 0x0b, struct refslab_cache_list)
#define REFSLAB_IOC_HEAP_STATS	_IOR(REFSLAB_IOC_MAGIC, 0x0c, struct refslab_heap_stats)
#define REFSLAB_IOC_SET_LIMITS	_IOW(REFSLAB_IOC_MAGIC, 0x0d, struct refslab_limits)
#define REFSLAB_IOC_BATCH	_IOWR(REFSLAB_IOC_MAGIC, 0x0e, struct refslab_batch)
#define REFSLAB_IOC_HEAP_DUMP	_IOWR(REFSLAB_IOC_MAGIC, 0x0f, struct refslab_heap_dump)
#define REFSLAB_IOC_GC_COLLECT	_IOWR(REFSLAB_IOC_MAGIC, 0x10, struct refslab_gc_collect)
#define REFSLAB_IOC_GC_CONTROL	_IOWR(REFSLAB_IOC_MAGIC, 0x11, struct refslab_gc_control)
#define REFSLAB_IOC_GC_FREEZE	_IOWR(REFSLAB_IOC_MAGIC, 0x12, struct refslab_gc_freeze)
#define REFSLAB_IOC_GC_STATS	_IOR(REFSLAB_IOC_MAGIC, 0x13, struct refslab_gc_stats)
#define REFSLAB_IOC_CREATE_N	_IOWR(REFSLAB_IOC_MAGIC, 0x14, struct refslab_create_n)
#define REFSLAB_IOC_DROP_N	_IOW(REFSLAB_IOC_MAGIC, 0x15, struct refslab_drop_n)
#define REFSLAB_IOC_SET_SLOTS	_IOW(REFSLAB_IOC_MAGIC, 0x16, struct refslab_set_slots)

#endif /* _UAPI_REFSLAB_H */
