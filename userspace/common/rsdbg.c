// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * rsdbg: reading refslab's debugfs files as text, for refslabctl and the
 * tests.  Not part of librefslab's interface: debugfs is not an ABI, so the
 * parsers live next to the programs that accept that.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "refslab.h"
#include "rsdbg.h"

const char *rsdbg_root(void)
{
	const char *d = getenv("REFSLAB_DEBUGFS_DIR");

	return d && *d ? d : REFSLAB_DEBUGFS;
}

int rsdbg_read(const char *rel, char **text, size_t *len)
{
	char path[4096];
	size_t cap = 4096, n = 0;
	char *buf;
	int fd;

	if (rel[0] == '/')
		snprintf(path, sizeof(path), "%s", rel);
	else
		snprintf(path, sizeof(path), "%s/%s", rsdbg_root(), rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *p = realloc(buf, cap * 2);

			if (!p) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = p;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			free(buf);
			close(fd);
			return -err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*text = buf;
	if (len)
		*len = n;
	return 0;
}

int rsdbg_u64(const char *rel, const char *key, uint64_t *val)
{
	size_t klen = strlen(key);
	char *text, *line, *save = NULL;
	int err = rsdbg_read(rel, &text, NULL);

	if (err)
		return err;
	err = -ENOENT;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *p = line, *end;

		while (isspace((unsigned char)*p))
			p++;
		if (strncmp(p, key, klen))
			continue;
		p += klen;
		if (*p != ':' && *p != '=' && !isspace((unsigned char)*p))
			continue;
		while (*p == ':' || *p == '=' || isspace((unsigned char)*p))
			p++;
		errno = 0;
		*val = strtoull(p, &end, 0);
		if (end == p || errno)
			continue;
		err = 0;
		break;
	}
	free(text);
	return err;
}
