/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rsdbg: refslab's debugfs files read as text (needs debugfs mounted and
 * root).  Private to refslabctl and the tests: debugfs is not an ABI.
 * The root is REFSLAB_DEBUGFS, or $REFSLAB_DEBUGFS_DIR when set.
 */
#ifndef RSDBG_H
#define RSDBG_H

#include <stddef.h>
#include <stdint.h>

const char *rsdbg_root(void);
/* Read a whole file under the root (rel: "slabinfo", "gc", ...; an absolute
 * path is read as it is) into a NUL-terminated malloc()ed buffer:
 * 0 or -errno. */
int rsdbg_read(const char *rel, char **text, size_t *len);
/* Find "key<sep>value" (sep: ':' '=' or blanks) in a debugfs file and
 * parse value as an unsigned number: 0, -ENOENT or -errno. */
int rsdbg_u64(const char *rel, const char *key, uint64_t *val);

#endif /* RSDBG_H */
