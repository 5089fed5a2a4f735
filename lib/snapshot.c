// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * snapshot.c - copy what the sysfs source reads into a directory laid out
 * like "/", so that `--root DIR` reproduces the host offline
 *
 * Links are recreated with their original (relative) targets; targets
 * that leave the tree are dropped.  Everything is written into a
 * temporary sibling directory that is renamed into place at the end.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src-internal.h"

#define SNAP_FILE_MAX (1u << 20)

struct snap {
	const char *root;
	char rroot[PATH_MAX];	/* realpath of root */
	char tmp[PATH_MAX];
	unsigned int flags;
	struct dmaown_err *err;
};

static const char *const dev_files[] = {
	"config", "vendor", "device", "class", "subsystem_vendor",
	"subsystem_device", "revision", "driver_override", "modalias",
	"resource", "sriov_numvfs", "sriov_totalvfs",
};

static int fail(struct snap *s, int r, const char *path)
{
	return dmaown_err_set(s->err, r, "%s: %s", path, strerror(-r));
}

static int mkdir_p(char *path)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0755) && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* is ROOT/rel, with symlinks resolved, inside ROOT? */
static bool inside(const struct snap *s, const char *rel)
{
	char path[PATH_MAX], real[PATH_MAX];
	size_t n = strlen(s->rroot);

	if (src_path(path, sizeof(path), s->root, rel) || !realpath(path, real))
		return false;
	if (n == 1)
		return true;		/* root is "/" */
	return !strncmp(real, s->rroot, n) && (!real[n] || real[n] == '/');
}

/*
 * Resolve @target of a link living in directory @dir (both relative to
 * the root) lexically into @out.  Fails for absolute targets and for ones
 * climbing above the root.
 */
static int resolve(const char *dir, const char *target, char *out,
		   size_t len)
{
	char buf[PATH_MAX], *save = NULL, *c;
	size_t n;

	if (target[0] == '/' ||
	    src_path(buf, sizeof(buf), dir, target))
		return -EINVAL;
	out[0] = 0;
	for (c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			char *sl = strrchr(out, '/');

			if (!out[0])
				return -EINVAL;
			if (sl)
				*sl = 0;
			else
				out[0] = 0;
			continue;
		}
		n = strlen(out);
		if (n + strlen(c) + 2 > len)
			return -ENAMETOOLONG;
		if (n)
			out[n++] = '/';
		strcpy(out + n, c);
	}
	return 0;
}

static int copy_file(struct snap *s, const char *rel)
{
	char src[PATH_MAX], dst[PATH_MAX], *slash;
	uint8_t *buf;
	long n;
	int fd, r = 0;

	src_path(src, sizeof(src), s->root, rel);
	if (src_path(dst, sizeof(dst), s->tmp, rel))
		return fail(s, -ENAMETOOLONG, src);
	if (!inside(s, rel))
		return 0;
	buf = malloc(SNAP_FILE_MAX);
	if (!buf)
		return -ENOMEM;
	n = src_read_bin(src, buf, SNAP_FILE_MAX);
	if (n < 0) {
		free(buf);
		/* unreadable attributes (write-only, -EACCES) are skipped */
		return n == -ENOENT || n == -EACCES || n == -EPERM ||
		       n == -EIO || n == -EINVAL || n == -EISDIR ?
		       0 : fail(s, (int)n, src);
	}
	slash = strrchr(dst, '/');
	*slash = 0;
	r = mkdir_p(dst);
	*slash = '/';
	if (r) {
		free(buf);
		return fail(s, r, dst);
	}
	fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, (size_t)n) != n)
		r = fail(s, -errno, dst);
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}

/* recreate link ROOT/rel in the copy; returns its resolved target */
static int copy_link(struct snap *s, const char *rel, char *res,
		     size_t reslen)
{
	char src[PATH_MAX], dst[PATH_MAX], target[PATH_MAX], dir[PATH_MAX];
	char *slash;
	ssize_t n;
	int r;

	src_path(src, sizeof(src), s->root, rel);
	n = readlink(src, target, sizeof(target) - 1);
	if (n <= 0)
		return -ENOENT;
	target[n] = 0;
	if (strlen(rel) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, rel);
	slash = strrchr(dir, '/');
	if (!slash)
		return -EINVAL;
	*slash = 0;
	if (resolve(dir, target, res, reslen) || !inside(s, res))
		return -EXDEV;
	src_path(dst, sizeof(dst), s->tmp, dir);
	r = mkdir_p(dst);
	if (r)
		return fail(s, r, dst);
	src_path(dst, sizeof(dst), s->tmp, rel);
	if (symlink(target, dst) && errno != EEXIST)
		return fail(s, -errno, dst);
	return 0;
}

static int mkdir_rel(struct snap *s, const char *rel)
{
	char dst[PATH_MAX];
	int r;

	if (src_path(dst, sizeof(dst), s->tmp, rel))
		return -ENAMETOOLONG;
	r = mkdir_p(dst);
	return r ? fail(s, r, dst) : 0;
}

static int copy_device(struct snap *s, const char *name)
{
	static const char *const links[] = { "driver", "physfn",
					     "iommu_group" };
	char rel[PATH_MAX], real[PATH_MAX], f[PATH_MAX + 64];
	size_t i;
	int r;

	if (src_path(rel, sizeof(rel), "sys/bus/pci/devices", name))
		return 0;
	r = copy_link(s, rel, real, sizeof(real));
	if (r == -ENOENT || r == -EXDEV) {
		/* a plain directory (hand-made snapshot) or a link out */
		if (r == -EXDEV)
			return 0;
		strcpy(real, rel);
	} else if (r) {
		return r;
	}
	r = mkdir_rel(s, real);
	for (i = 0; !r && i < sizeof(dev_files) / sizeof(dev_files[0]); i++) {
		src_path(f, sizeof(f), real, dev_files[i]);
		r = copy_file(s, f);
	}
	for (i = 0; !r && i < sizeof(links) / sizeof(links[0]); i++) {
		char res[PATH_MAX];

		if (i == 2 && (s->flags & DMAOWN_SNAPSHOT_NO_GROUPS))
			break;
		src_path(f, sizeof(f), real, links[i]);
		r = copy_link(s, f, res, sizeof(res));
		if (r == -ENOENT || r == -EXDEV || r == -EINVAL)
			r = 0;
	}
	return r;
}

typedef int (*entry_fn)(struct snap *s, const char *dir, const char *name);

static bool src_exists(struct snap *s, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	src_path(path, sizeof(path), s->root, rel);
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static int each(struct snap *s, const char *rel, entry_fn fn)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int r = 0;

	src_path(path, sizeof(path), s->root, rel);
	d = opendir(path);
	if (!d)
		return 0;
	while (!r && (e = readdir(d)))
		if (e->d_name[0] != '.')
			r = fn(s, rel, e->d_name);
	closedir(d);
	return r;
}

static int dev_entry(struct snap *s, const char *dir, const char *name)
{
	return copy_device(s, name);
}

static int drv_entry(struct snap *s, const char *dir, const char *name)
{
	char rel[PATH_MAX];

	src_path(rel, sizeof(rel), dir, name);
	return mkdir_rel(s, rel);
}

static int link_or_dir(struct snap *s, const char *dir, const char *name)
{
	char rel[PATH_MAX], res[PATH_MAX];
	int r;

	src_path(rel, sizeof(rel), dir, name);
	r = copy_link(s, rel, res, sizeof(res));
	if (!r)
		return mkdir_rel(s, res);
	if (r == -ENOENT)
		return mkdir_rel(s, rel);
	return r == -EXDEV || r == -EINVAL ? 0 : r;
}

static int group_dev(struct snap *s, const char *dir, const char *name)
{
	char rel[PATH_MAX], res[PATH_MAX];
	int r;

	src_path(rel, sizeof(rel), dir, name);
	r = copy_link(s, rel, res, sizeof(res));
	return r == -ENOENT || r == -EXDEV || r == -EINVAL ? 0 : r;
}

static int group_entry(struct snap *s, const char *dir, const char *name)
{
	char rel[PATH_MAX];
	int r;

	if (src_path(rel, sizeof(rel), dir, name) ||
	    src_path(rel, sizeof(rel), rel, "devices"))
		return 0;
	r = mkdir_rel(s, rel);
	return r ? r : each(s, rel, group_dev);
}

static int write_all(struct snap *s)
{
	char devs[PATH_MAX];
	int r;

	src_path(devs, sizeof(devs), s->root, "sys/bus/pci/devices");
	if (access(devs, R_OK | X_OK))
		return fail(s, -errno, devs);
	r = mkdir_rel(s, "sys/bus/pci/devices");
	if (!r)
		r = each(s, "sys/bus/pci/devices", dev_entry);
	if (!r)
		r = mkdir_rel(s, "sys/bus/pci/drivers");
	if (!r)
		r = each(s, "sys/bus/pci/drivers", drv_entry);
	if (!r && !(s->flags & DMAOWN_SNAPSHOT_NO_GROUPS))
		r = each(s, "sys/kernel/iommu_groups", group_entry);
	/* an empty sys/class/iommu is a fact too: the kernel has no IOMMU */
	if (!r && src_exists(s, "sys/class/iommu"))
		r = mkdir_rel(s, "sys/class/iommu");
	if (!r)
		r = each(s, "sys/class/iommu", link_or_dir);
	if (!r)
		r = copy_file(s, "proc/cmdline");
	if (!r)
		r = copy_file(s, "proc/sys/kernel/osrelease");
	/* IOMMU scopes: which devices an IOMMU covers at all */
	if (!r)
		r = copy_file(s, "sys/firmware/acpi/tables/DMAR");
	if (!r)
		r = copy_file(s, "sys/firmware/acpi/tables/IVRS");
	return r;
}

static int rm_rf(const char *path)
{
	struct dirent *e;
	struct stat st;
	DIR *d;

	if (lstat(path, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) ? -errno : 0;
	d = opendir(path);
	if (d) {
		while ((e = readdir(d))) {
			char sub[PATH_MAX];

			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if (!src_path(sub, sizeof(sub), path, e->d_name))
				rm_rf(sub);
		}
		closedir(d);
	}
	return rmdir(path) ? -errno : 0;
}

static bool dir_empty(const char *dir)
{
	struct dirent *e;
	bool empty = true;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (empty && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = false;
	closedir(d);
	return empty;
}

/*
 * Empty directories carry meaning (a loaded driver with no device, an
 * IOMMU unit) but vanish in git and some archivers: give each one an
 * empty ".dmaown-keep" file.  Depth-limited; symlinks are not followed.
 */
static int keep_empty_dirs(const char *path, int depth)
{
	char sub[PATH_MAX];
	struct dirent *e;
	bool empty = true;
	DIR *d;
	int r = 0, fd;

	if (depth > 64)
		return 0;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d)) && !r) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		empty = false;
		if (e->d_type != DT_DIR)
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) >=
		    (int)sizeof(sub))
			continue;
		r = keep_empty_dirs(sub, depth + 1);
	}
	closedir(d);
	if (!r && empty) {
		snprintf(sub, sizeof(sub), "%s/.dmaown-keep", path);
		fd = open(sub, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		close(fd);
	}
	return r;
}

int dmaown_snapshot_write_flags(const char *root, const char *dir,
				unsigned int flags, struct dmaown_err *err)
{
	struct snap s = { .root = root, .flags = flags, .err = err };
	struct stat st;
	int r;

	if (!root || !dir || !*dir)
		return dmaown_err_set(err, -EINVAL, "snapshot: no directory");
	if (!realpath(root, s.rroot))
		return dmaown_err_set(err, -errno, "%s: %s", root,
				      strerror(errno));
	if (!stat(dir, &st) && (!S_ISDIR(st.st_mode) || !dir_empty(dir)))
		return dmaown_err_set(err, -EEXIST,
				      "%s: exists and is not an empty directory",
				      dir);
	if (snprintf(s.tmp, sizeof(s.tmp), "%s.tmp.XXXXXX", dir) >=
	    (int)sizeof(s.tmp))
		return dmaown_err_set(err, -ENAMETOOLONG, "%s: name too long",
				      dir);
	if (!mkdtemp(s.tmp))
		return dmaown_err_set(err, -errno, "%s: %s", s.tmp,
				      strerror(errno));
	chmod(s.tmp, 0755);
	r = write_all(&s);
	if (!r) {
		r = keep_empty_dirs(s.tmp, 0);
		if (r)
			dmaown_err_set(err, r, "%s: %s", s.tmp, strerror(-r));
	}
	if (!r && rename(s.tmp, dir))
		r = dmaown_err_set(err, -errno, "%s: %s", dir,
				   strerror(errno));
	if (r)
		rm_rf(s.tmp);
	return r;
}

int dmaown_snapshot_write(const char *root, const char *dir,
			  struct dmaown_err *err)
{
	return dmaown_snapshot_write_flags(root, dir, 0, err);
}
