// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz-snapshot.c - a tiny archive of files, directories and links is
 * unpacked into a temporary tree which is then loaded as a snapshot
 *
 * Record: type (0 file, 1 symlink, 2 dir), name length, name, data length
 * (16-bit LE), data.  Names are relative, without "..".  Link targets
 * are relative and may not climb out of the tree.
 */
#include <ftw.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "dmaown/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(p);
}

static void mkparents(char *path, size_t base)
{
	char *p;

	for (p = path + base; (p = strchr(p + 1, '/'));) {
		*p = 0;
		mkdir(path, 0755);
		*p = '/';
	}
}

/* does @target, seen from link @name (both relative), stay inside? */
static int inside(const char *name, const char *target)
{
	int depth = 0;
	const char *p;

	if (target[0] == '/')
		return 0;
	for (p = name; (p = strchr(p, '/')); p++)
		depth++;
	for (p = target; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && !strncmp(p, "..", 2)) {
			if (--depth < 0)
				return 0;
		} else if (n && !(n == 1 && *p == '.')) {
			depth++;
		}
		p += n;
		p += *p == '/';
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char root[] = "/tmp/dmaown-fuzz-snap-XXXXXX";
	struct dmaown_topology *t = NULL;
	struct dmaown_err err = { 0 };
	size_t pos = 0;
	int nrec = 0;

	if (!mkdtemp(root))
		return 0;
	while (pos + 4 <= size && nrec++ < 64) {
		uint8_t type = data[pos], nl = data[pos + 1];
		char name[256], path[PATH_MAX], body[65536 + 1];
		size_t dl;
		int fd;

		pos += 2;
		if (pos + nl + 2 > size)
			break;
		memcpy(name, data + pos, nl);
		name[nl] = 0;
		pos += nl;
		dl = data[pos] | (size_t)data[pos + 1] << 8;
		pos += 2;
		if (dl > size - pos)
			dl = size - pos;
		memcpy(body, data + pos, dl);
		body[dl] = 0;
		pos += dl;
		if (!nl || strlen(name) != nl || name[0] == '/' ||
		    strstr(name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, name);
		mkparents(path, strlen(root));
		switch (type % 3) {
		case 0:
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd >= 0) {
				if (write(fd, body, dl) < 0)
					break;
				close(fd);
			}
			break;
		case 1:
			if (strlen(body) == dl && inside(name, body))
				symlink(body, path);
			break;
		default:
			mkdir(path, 0755);
		}
	}
	if (dmaown_source_load(DMAOWN_SOURCE_SYSFS, root, &t, &err) == 0)
		dmaown_topology_free(t);
	else if (t || !err.msg[0] || strchr(err.msg, '\n'))
		__builtin_trap();
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
