// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * host-live.c - the live backend of step scripts: real sysfs writes and
 * VFIO ioctls, every path relative to a root directory.  Device and
 * driver writes and reads are the host actuator's (lib/host.c).
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
#include "dmaown/host.h"
#include "host-internal.h"

struct live_hold {
	int group;		/* IOMMU group number */
	int group_fd;		/* dev/vfio/N */
	int container_fd;	/* dev/vfio/vfio */
	size_t nmembers;	/* devices of the group when it was held */
	struct dmaown_bdf *members;
};

/*
 * Driver links, driver_override, bind and unbind, IOMMU group links and
 * VFIO_GROUP_GET_STATUS go through the host actuator (dmaown/host.h),
 * the same code `dmaown assign` uses; only the VFIO hold (container and
 * group descriptors kept open), remove and rescan live here.
 */
struct dmaown_sim_live {
	struct dmaown_host *host;	/* also its rootfd, for dev/vfio */
	struct live_hold *holds;
	size_t nholds;
	struct dmaown_bdf *removed;	/* devices this backend removed */
	size_t nremoved;
};

#define LIVE_PATH_MAX 512

static int dev_exists(struct dmaown_sim_live *l, struct dmaown_bdf bdf)
{
	char path[LIVE_PATH_MAX], name[DMAOWN_BDF_STRLEN];
	int r;

	snprintf(path, sizeof(path), "sys/bus/pci/devices/%s",
		 dmaown_bdf_format(bdf, name));
	r = host_file_exists(l->host, path);
	return r == -ENOENT ? -ENODEV : r;
}

static int live_get_driver(void *ctx, struct dmaown_bdf bdf, char *buf,
			   size_t len)
{
	struct dmaown_sim_live *l = ctx;

	if (len == 0)
		return -EINVAL;
	return dmaown_host_driver(l->host, bdf, buf, len);
}

static int live_unbind(void *ctx, struct dmaown_bdf bdf)
{
	struct dmaown_sim_live *l = ctx;
	char drv[DMAOWN_DRIVER_NAME_MAX];
	int r;

	r = dmaown_host_driver(l->host, bdf, drv, sizeof(drv));
	if (r < 0)
		return r;
	if (!drv[0])
		return 0;
	return dmaown_host_unbind(l->host, bdf, drv);
}

static int live_bind(void *ctx, struct dmaown_bdf bdf, const char *driver)
{
	struct dmaown_sim_live *l = ctx;
	int r;

	if (!driver || !driver[0] || strchr(driver, '/'))
		return -EINVAL;
	r = dev_exists(l, bdf);
	if (r < 0)
		return r;
	r = dmaown_host_driver_loaded(l->host, driver);
	if (r < 0)
		return r;
	if (!r)
		return -ENOENT;	/* driver not loaded */
	r = live_unbind(l, bdf);
	if (r < 0)
		return r;
	r = dmaown_host_set_override(l->host, bdf, driver);
	if (r < 0)
		return r;
	return dmaown_host_bind(l->host, bdf, driver);
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
	fd = openat(l->host->rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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

	r = dmaown_host_iommu_group(l->host, bdf);
	if (r < 0)
		return r;
	h.group = r;
	snprintf(path, sizeof(path), "dev/vfio/%d", h.group);
	h.group_fd = openat(l->host->rootfd, path, O_RDWR | O_CLOEXEC);
	if (h.group_fd < 0)
		return -errno;
	h.container_fd =
		openat(l->host->rootfd, "dev/vfio/vfio", O_RDWR | O_CLOEXEC);
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
	group = dmaown_host_iommu_group(l->host, bdf);
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
	size_t i;
	int g, r;

	*ret = false;
	g = dmaown_host_iommu_group(l->host, bdf);
	if (g == -ENOENT)
		return 0;	/* no IOMMU group: nothing to be viable */
	if (g < 0)
		return g;
	/* a held group cannot be opened twice: ask through our descriptor */
	for (i = 0; i < l->nholds; i++) {
		if (l->holds[i].group != g)
			continue;
		if (ioctl(l->holds[i].group_fd, VFIO_GROUP_GET_STATUS, &st) < 0)
			return -errno;
		*ret = st.flags & VFIO_GROUP_FLAGS_VIABLE;
		return 0;
	}
	r = dmaown_host_vfio_viable(l->host, g, ret, NULL);
	if (r == -ENOENT) {
		*ret = false;	/* no dev/vfio/N: no member on a VFIO driver */
		return 0;
	}
	return r;
}

static int live_remove(void *ctx, struct dmaown_bdf bdf)
{
	struct dmaown_sim_live *l = ctx;
	struct dmaown_bdf *rm;
	char path[LIVE_PATH_MAX], name[DMAOWN_BDF_STRLEN];
	int r;

	r = dev_exists(l, bdf);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/remove",
		 dmaown_bdf_format(bdf, name));
	r = host_file_write(l->host, path, "1");
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
	struct dmaown_sim_live *l = ctx;

	return host_file_write(l->host, "sys/bus/pci/rescan", "1");
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
	int r;

	*ret = NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return dmaown_err_set(err, -ENOMEM, "out of memory");
	/* the live actuator even on a fake tree: these are raw writes */
	r = dmaown_host_live_new(root, &l->host);
	if (r < 0) {
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
	dmaown_host_free(l->host);
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
