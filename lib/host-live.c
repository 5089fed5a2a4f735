// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * host-live.c - the live backend of step scripts: real sysfs writes and
 * VFIO ioctls, every path relative to a root directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "dmaown/host-live.h"

struct live_hold {
	int group;		/* IOMMU group number */
	int group_fd;		/* dev/vfio/N */
	int container_fd;	/* dev/vfio/vfio */
	size_t nmembers;	/* devices of the group when it was held */
	struct dmaown_bdf *members;
};

struct dmaown_sim_live {
	int rootfd;
	struct live_hold *holds;
	size_t nholds;
	struct dmaown_bdf *removed;	/* devices this backend removed */
	size_t nremoved;
};

#define LIVE_PATH_MAX 512
#define PCI_DEVICES "sys/bus/pci/devices"
#define PCI_DRIVERS "sys/bus/pci/drivers"

static int dev_path(char *buf, struct dmaown_bdf bdf, const char *attr)
{
	char name[DMAOWN_BDF_STRLEN];
	int n;

	dmaown_bdf_format(bdf, name);
	if (attr)
		n = snprintf(buf, LIVE_PATH_MAX, PCI_DEVICES "/%s/%s", name,
			     attr);
	else
		n = snprintf(buf, LIVE_PATH_MAX, PCI_DEVICES "/%s", name);
	return n < 0 || n >= LIVE_PATH_MAX ? -ENAMETOOLONG : 0;
}

/* one write(2) of @value to @path; the kernel's errno comes back as is */
static int live_write(struct dmaown_sim_live *l, const char *path,
		      const char *value)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd, r = 0;

	fd = openat(l->rootfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

static int dev_exists(struct dmaown_sim_live *l, struct dmaown_bdf bdf)
{
	char path[LIVE_PATH_MAX];
	int r;

	r = dev_path(path, bdf, NULL);
	if (r < 0)
		return r;
	if (faccessat(l->rootfd, path, F_OK, 0) < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	return 0;
}

/* last component of the symlink DEVICE/@attr into @buf; -ENOENT if none */
static int dev_link(struct dmaown_sim_live *l, struct dmaown_bdf bdf,
		    const char *attr, char *buf, size_t len)
{
	char path[LIVE_PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;
	int r;

	r = dev_exists(l, bdf);
	if (r < 0)
		return r;
	r = dev_path(path, bdf, attr);
	if (r < 0)
		return r;
	n = readlinkat(l->rootfd, path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

static int dev_group(struct dmaown_sim_live *l, struct dmaown_bdf bdf)
{
	char buf[32], *end;
	long g;
	int r;

	r = dev_link(l, bdf, "iommu_group", buf, sizeof(buf));
	if (r < 0)
		return r;
	errno = 0;
	g = strtol(buf, &end, 10);
	if (errno || *end || end == buf || g < 0 || g > INT_MAX)
		return -EINVAL;
	return (int)g;
}

static int live_get_driver(void *ctx, struct dmaown_bdf bdf, char *buf,
			   size_t len)
{
	int r;

	if (len == 0)
		return -EINVAL;
	r = dev_link(ctx, bdf, "driver", buf, len);
	if (r == -ENOENT) {
		buf[0] = '\0';
		return 0;
	}
	return r;
}

static int live_unbind(void *ctx, struct dmaown_bdf bdf)
{
	struct dmaown_sim_live *l = ctx;
	char drv[DMAOWN_DRIVER_NAME_MAX], path[LIVE_PATH_MAX];
	char name[DMAOWN_BDF_STRLEN];
	int r;

	r = live_get_driver(l, bdf, drv, sizeof(drv));
	if (r < 0)
		return r;
	if (!drv[0])
		return 0;
	r = dev_path(path, bdf, "driver/unbind");
	if (r < 0)
		return r;
	return live_write(l, path, dmaown_bdf_format(bdf, name));
}

static int live_bind(void *ctx, struct dmaown_bdf bdf, const char *driver)
{
	struct dmaown_sim_live *l = ctx;
	char path[LIVE_PATH_MAX], name[DMAOWN_BDF_STRLEN];
	int n, r;

	if (!driver || !driver[0] || strchr(driver, '/'))
		return -EINVAL;
	r = dev_exists(l, bdf);
	if (r < 0)
		return r;
	n = snprintf(path, sizeof(path), PCI_DRIVERS "/%s", driver);
	if (n < 0 || n >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (faccessat(l->rootfd, path, F_OK, 0) < 0)
		return -errno;	/* -ENOENT: driver not loaded */
	r = live_unbind(l, bdf);
	if (r < 0)
		return r;
	r = dev_path(path, bdf, "driver_override");
	if (r < 0)
		return r;
	r = live_write(l, path, driver);
	if (r < 0)
		return r;
	n = snprintf(path, sizeof(path), PCI_DRIVERS "/%s/bind", driver);
	if (n < 0 || n >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return live_write(l, path, dmaown_bdf_format(bdf, name));
}

/* the members of group @g as sysfs lists them now (best effort) */
static void read_members(struct dmaown_sim_live *l, struct live_hold *h)
{
	char path[LIVE_PATH_MAX];
	struct dmaown_bdf bdf, *m;
	struct dirent *de;
	DIR *dir;
	int fd;

	snprintf(path, sizeof(path), "sys/kernel/iommu_groups/%d/devices",
		 h->group);
	fd = openat(l->rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	while ((de = readdir(dir))) {
		if (dmaown_bdf_parse(de->d_name, &bdf) < 0)
			continue;
		m = realloc(h->members, (h->nmembers + 1) * sizeof(*m));
		if (!m)
			break;
		h->members = m;
		h->members[h->nmembers++] = bdf;
	}
	closedir(dir);
}

static void hold_close(struct live_hold *h)
{
	if (h->group_fd >= 0)
		close(h->group_fd);
	if (h->container_fd >= 0)
		close(h->container_fd);
	free(h->members);
	h->members = NULL;
	h->nmembers = 0;
}

static int live_hold(void *ctx, struct dmaown_bdf bdf)
{
	struct dmaown_sim_live *l = ctx;
	struct live_hold h = { .group_fd = -1, .container_fd = -1 };
	struct live_hold *holds;
	char path[LIVE_PATH_MAX];
	int r;

	r = dev_group(l, bdf);
	if (r < 0)
		return r;
	h.group = r;
	snprintf(path, sizeof(path), "dev/vfio/%d", h.group);
	h.group_fd = openat(l->rootfd, path, O_RDWR | O_CLOEXEC);
	if (h.group_fd < 0)
		return -errno;
	h.container_fd = openat(l->rootfd, "dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (h.container_fd < 0) {
		r = -errno;
		goto fail;
	}
	if (ioctl(h.group_fd, VFIO_GROUP_SET_CONTAINER, &h.container_fd) < 0) {
		r = -errno;
		goto fail;
	}
	if (ioctl(h.container_fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0) {
		r = -errno;
		goto fail;
	}
	holds = realloc(l->holds, (l->nholds + 1) * sizeof(*holds));
	if (!holds) {
		r = -ENOMEM;
		goto fail;
	}
	l->holds = holds;
	read_members(l, &h);
	l->holds[l->nholds++] = h;
	return 0;
fail:
	hold_close(&h);
	return r;
}

static bool hold_has(const struct live_hold *h, int group,
		     struct dmaown_bdf bdf)
{
	size_t i;

	if (group >= 0)
		return h->group == group;
	for (i = 0; i < h->nmembers; i++)
		if (!dmaown_bdf_cmp(h->members[i], bdf))
			return true;
	return false;
}

static int live_release(void *ctx, struct dmaown_bdf bdf)
{
	struct dmaown_sim_live *l = ctx;
	size_t i = 0, n = 0;
	int group;

	/* a removed device names its group through the members seen at hold */
	group = dev_group(l, bdf);
	if (group < 0)
		group = -1;
	while (i < l->nholds) {
		if (!hold_has(&l->holds[i], group, bdf)) {
			i++;
			continue;
		}
		hold_close(&l->holds[i]);
		l->holds[i] = l->holds[--l->nholds];
		n++;
	}
	return n ? 0 : -ENOENT;
}

static int live_get_viable(void *ctx, struct dmaown_bdf bdf, bool *ret)
{
	struct dmaown_sim_live *l = ctx;
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[LIVE_PATH_MAX];
	int fd = -1, r;
	size_t i;

	*ret = false;
	r = dev_group(l, bdf);
	if (r == -ENOENT)
		return 0;	/* no IOMMU group: nothing to be viable */
	if (r < 0)
		return r;
	for (i = 0; i < l->nholds; i++)
		if (l->holds[i].group == r)
			fd = l->holds[i].group_fd;
	if (fd < 0) {
		snprintf(path, sizeof(path), "dev/vfio/%d", r);
		fd = openat(l->rootfd, path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return errno == ENOENT ? 0 : -errno;
		r = ioctl(fd, VFIO_GROUP_GET_STATUS, &st) < 0 ? -errno : 0;
		close(fd);
	} else {
		r = ioctl(fd, VFIO_GROUP_GET_STATUS, &st) < 0 ? -errno : 0;
	}
	if (r < 0)
		return r;
	*ret = st.flags & VFIO_GROUP_FLAGS_VIABLE;
	return 0;
}

static int live_remove(void *ctx, struct dmaown_bdf bdf)
{
	struct dmaown_sim_live *l = ctx;
	struct dmaown_bdf *rm;
	char path[LIVE_PATH_MAX];
	int r;

	r = dev_exists(l, bdf);
	if (r < 0)
		return r;
	r = dev_path(path, bdf, "remove");
	if (r < 0)
		return r;
	r = live_write(l, path, "1");
	if (r < 0)
		return r;
	rm = realloc(l->removed, (l->nremoved + 1) * sizeof(*rm));
	if (rm) {
		l->removed = rm;
		l->removed[l->nremoved++] = bdf;
	}
	return 0;
}

static int live_rescan(void *ctx)
{
	return live_write(ctx, "sys/bus/pci/rescan", "1");
}

static int live_lookup(void *ctx, struct dmaown_bdf bdf)
{
	struct dmaown_sim_live *l = ctx;
	size_t i;

	for (i = 0; i < l->nremoved; i++)
		if (!dmaown_bdf_cmp(l->removed[i], bdf))
			return 0;
	return dev_exists(l, bdf);
}

int dmaown_sim_live_new(const char *root, struct dmaown_sim_live **ret,
			struct dmaown_err *err)
{
	struct dmaown_sim_live *l;

	*ret = NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return dmaown_err_set(err, -ENOMEM, "out of memory");
	l->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->rootfd < 0) {
		int r = -errno;

		free(l);
		return dmaown_err_set(err, r, "%s: %s", root, strerror(-r));
	}
	*ret = l;
	return 0;
}

void dmaown_sim_live_free(struct dmaown_sim_live *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->nholds; i++)
		hold_close(&l->holds[i]);
	free(l->holds);
	free(l->removed);
	close(l->rootfd);
	free(l);
}

size_t dmaown_sim_live_held(const struct dmaown_sim_live *l)
{
	return l->nholds;
}

void dmaown_sim_live_backend(struct dmaown_sim_live *l,
			     struct dmaown_sim_backend *ret)
{
	*ret = (struct dmaown_sim_backend){
		.name = "live",
		.ctx = l,
		.bind = live_bind,
		.unbind = live_unbind,
		.hold = live_hold,
		.release = live_release,
		.remove = live_remove,
		.rescan = live_rescan,
		.get_driver = live_get_driver,
		.get_viable = live_get_viable,
		.lookup = live_lookup,
	};
}
