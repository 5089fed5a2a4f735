// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * host-fake.c - a writable fake sysfs tree that answers like the kernel
 *
 * The fake interprets writes to the files the mover uses and moves the
 * driver links the way the driver core does (drivers/base/bus.c,
 * drivers/base/dd.c; spec/ownership.md §3):
 *
 *  - drivers/X/bind: -ENODEV if the device is unknown or X does not
 *    match it (driver_override names another driver, or no override and
 *    X is not the device's native driver); -EBUSY if a driver is bound;
 *    then dma_configure: a driver without driver_managed_dma binding into
 *    a user-owned group gets -EBUSY (iommu_device_use_default_domain(),
 *    §2.1); then the driver's probe (which the failure rules can fail).
 *  - drivers/X/unbind: -ENODEV unless the device is bound to X.
 *  - drivers_probe: the override's driver, else the native one; any probe
 *    error becomes -EINVAL (§3.3); no matching driver is "success".
 *  - driver_override: "\n" or "" clears it (reads back "(null)").
 *
 * Group ownership is derived from the tree on every call: owner_cnt in
 * kernel mode is the number of members bound to DMA-API drivers, and a
 * group listed in .dmaown-fake-held is user-owned (a VFIO container is
 * set).  The failure rules are described in dmaown/host.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "dmaown/drivers.h"
#include "host-internal.h"

#define FAKE_HELD    ".dmaown-fake-held"
#define FAKE_MATCH   ".dmaown-fake-match"
#define FAKE_FAIL    ".dmaown-fail"
#define NAME_MAX_LEN 64
#define DIR_LEN	     1024

/* ---- failure rules ---------------------------------------------------- */

enum rule_kind {
	R_OVERRIDE,
	R_UNBIND,
	R_BIND,
	R_PROBE,
	R_LOAD,
	R_STATUS,
	R_WRITE,
	R_CRASH,
	R_DELAY
};

struct rule {
	enum rule_kind kind;
	char a[NAME_MAX_LEN]; /* BDF, module or group */
	char b[NAME_MAX_LEN]; /* driver (bind) */
	long n; /* write N, crash-after N, delay MS */
	int err; /* negative errno */
};

struct rules {
	struct rule r[32];
	size_t n;
};

static void rules_load(struct dmaown_host *h, struct rules *rs)
{
	static const char *const names[] = {
		[R_OVERRIDE] = "override", [R_UNBIND] = "unbind",
		[R_BIND] = "bind",	   [R_PROBE] = "probe",
		[R_LOAD] = "load",	   [R_STATUS] = "status",
		[R_WRITE] = "write",	   [R_CRASH] = "crash-after",
		[R_DELAY] = "delay",
	};
	char line[256], w[4][NAME_MAX_LEN];
	FILE *f;
	int fd;

	rs->n = 0;
	fd = openat(h->rootfd, FAKE_FAIL, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f) && rs->n < 32) {
		struct rule *r = &rs->r[rs->n];
		int nw, k, last;

		if (strchr(line, '#'))
			*strchr(line, '#') = '\0';
		nw = sscanf(line, "%63s %63s %63s %63s", w[0], w[1], w[2],
			    w[3]);
		if (nw < 2)
			continue;
		for (k = 0; k <= R_DELAY; k++)
			if (!strcmp(w[0], names[k]))
				break;
		if (k > R_DELAY)
			continue;
		memset(r, 0, sizeof(*r));
		r->kind = (enum rule_kind)k;
		snprintf(r->a, sizeof(r->a), "%s", w[1]);
		r->n = strtol(w[1], NULL, 10);
		if (k == R_CRASH || k == R_DELAY) {
			rs->n++;
			continue;
		}
		last = k == R_BIND ? 3 : 2;
		if (nw <= last || dmaown_errno_parse(w[last], &r->err) < 0)
			continue;
		if (k == R_BIND)
			snprintf(r->b, sizeof(r->b), "%s", w[2]);
		rs->n++;
	}
	fclose(f);
}

/* the errno a named rule asks for, 0 if none applies */
static int rule_err(const struct rules *rs, enum rule_kind kind, const char *a,
		    const char *b)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->r[i];

		if (r->kind != kind || strcmp(r->a, a))
			continue;
		if (kind == R_BIND && !dmaown_driver_name_eq(r->b, b))
			continue;
		return r->err;
	}
	return 0;
}

static long rule_num(const struct rules *rs, enum rule_kind kind)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (rs->r[i].kind == kind)
			return rs->r[i].n;
	return 0;
}

/* ---- tree helpers ----------------------------------------------------- */

/* the device's real directory relative to the root, "sys/devices/..." */
static int dev_dir(struct dmaown_host *h, const char *bdf, char *buf,
		   size_t len)
{
	char link[PATH_MAX], tmp[DIR_LEN], *parts[64], *save, *tok;
	size_t np = 0, i, off = 0;
	ssize_t n;

	snprintf(link, sizeof(link), "sys/bus/pci/devices/%s", bdf);
	n = readlinkat(h->rootfd, link, tmp, sizeof(tmp) - 1);
	if (n < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	tmp[n] = '\0';
	if (tmp[0] == '/')
		return -EINVAL; /* fake trees use relative links */
	snprintf(link, sizeof(link), "sys/bus/pci/devices/%s", tmp);
	for (tok = strtok_r(link, "/", &save); tok;
	     tok = strtok_r(NULL, "/", &save)) {
		if (!strcmp(tok, ".."))
			np = np ? np - 1 : 0;
		else if (strcmp(tok, ".") && np < 64)
			parts[np++] = tok;
	}
	buf[0] = '\0';
	for (i = 0; i < np; i++)
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0,
					"%s%s", i ? "/" : "", parts[i]);
	return off < len ? 0 : -ENAMETOOLONG;
}

static int count_parts(const char *p)
{
	int n = 1;

	for (; *p; p++)
		n += *p == '/';
	return n;
}

static int cur_driver(struct dmaown_host *h, const char *bdf, char *buf,
		      size_t len)
{
	char path[PATH_MAX];
	int r;

	snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/driver", bdf);
	r = host_file_link(h, path, buf, len);
	if (r == -ENOENT) {
		buf[0] = '\0';
		r = 0;
	}
	return r;
}

static int cur_override(struct dmaown_host *h, const char *bdf, char *buf,
			size_t len)
{
	char path[PATH_MAX];
	int r;

	snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/driver_override",
		 bdf);
	r = host_file_read(h, path, buf, len);
	if (r == -ENOENT) {
		buf[0] = '\0';
		r = 0;
	}
	if (!strcmp(buf, "(null)"))
		buf[0] = '\0';
	return r;
}

static int dev_group(struct dmaown_host *h, const char *bdf)
{
	char path[PATH_MAX], buf[32];

	snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/iommu_group", bdf);
	if (host_file_link(h, path, buf, sizeof(buf)) < 0)
		return -1;
	return atoi(buf);
}

static bool group_held(struct dmaown_host *h, int group)
{
	char line[64];
	bool held = false;
	FILE *f;
	int fd;

	fd = openat(h->rootfd, FAKE_HELD, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return false;
	}
	while (!held && fgets(line, sizeof(line), f))
		held = line[0] >= '0' && line[0] <= '9' && atoi(line) == group;
	fclose(f);
	return held;
}

/* native driver of @bdf from .dmaown-fake-match ("" if none) */
static void native_driver(struct dmaown_host *h, const char *bdf, char *buf,
			  size_t len)
{
	char line[256], a[NAME_MAX_LEN], d[NAME_MAX_LEN];
	FILE *f;
	int fd;

	buf[0] = '\0';
	fd = openat(h->rootfd, FAKE_MATCH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %63s", a, d) == 2 && !strcmp(a, bdf)) {
			snprintf(buf, len, "%s", d);
			break;
		}
	fclose(f);
}

/*
 * Walk group @group's members and count drivers: @kernel the members on
 * DMA-API drivers (owner_cnt in kernel mode), @vfio those on VFIO drivers.
 */
static int group_census(struct dmaown_host *h, int group, int *kernel,
			int *vfio)
{
	char path[PATH_MAX], drv[NAME_MAX_LEN];
	struct dirent *de;
	DIR *d;
	int fd;

	*kernel = *vfio = 0;
	snprintf(path, sizeof(path), "sys/kernel/iommu_groups/%d/devices",
		 group);
	fd = openat(h->rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (cur_driver(h, de->d_name, drv, sizeof(drv)) < 0 || !*drv)
			continue;
		if (dmaown_driver_is_vfio(drv))
			(*vfio)++;
		else if (!dmaown_driver_managed_dma(drv))
			(*kernel)++;
	}
	closedir(d);
	return 0;
}

static int make_link(struct dmaown_host *h, const char *target,
		     const char *path)
{
	if (symlinkat(target, h->rootfd, path) < 0)
		return -errno;
	return 0;
}

/* ---- the kernel's behaviour ------------------------------------------- */

/* device_driver_attach(): match, busy, dma_configure, probe, links */
static int fake_attach(struct dmaown_host *h, const struct rules *rs,
		       const char *bdf, const char *drv)
{
	char dir[DIR_LEN], path[PATH_MAX], target[PATH_MAX];
	char cur[NAME_MAX_LEN], ovr[NAME_MAX_LEN], nat[NAME_MAX_LEN];
	int r, group, i, k;

	r = dev_dir(h, bdf, dir, sizeof(dir));
	if (r < 0)
		return -ENODEV;
	snprintf(path, sizeof(path), "sys/bus/pci/drivers/%s", drv);
	if (host_file_exists(h, path) < 0)
		return -ENOENT;
	r = cur_override(h, bdf, ovr, sizeof(ovr));
	if (r < 0)
		return r;
	native_driver(h, bdf, nat, sizeof(nat));
	if (*ovr ? !dmaown_driver_name_eq(ovr, drv) :
		   !dmaown_driver_name_eq(nat, drv))
		return -ENODEV; /* pci_match_device() said no */
	r = cur_driver(h, bdf, cur, sizeof(cur));
	if (r < 0)
		return r;
	if (*cur)
		return -EBUSY;
	/* pci_dma_configure(): only drivers without driver_managed_dma */
	group = dev_group(h, bdf);
	if (group >= 0 && !dmaown_driver_managed_dma(drv) &&
	    group_held(h, group))
		return -EBUSY;
	r = rule_err(rs, R_BIND, bdf, drv);
	if (r)
		return r; /* the driver's probe() failed */
	k = count_parts(dir);
	target[0] = '\0';
	for (i = 0; i < k; i++)
		strcat(target, "../");
	snprintf(target + strlen(target), sizeof(target) - strlen(target),
		 "sys/bus/pci/drivers/%s", drv);
	snprintf(path, sizeof(path), "%s/driver", dir);
	r = make_link(h, target, path);
	if (r < 0)
		return r;
	snprintf(target, sizeof(target), "../../../../%s", dir);
	snprintf(path, sizeof(path), "sys/bus/pci/drivers/%s/%s", drv, bdf);
	(void)unlinkat(h->rootfd, path, 0);
	return make_link(h, target, path);
}

static int fake_unbind(struct dmaown_host *h, const struct rules *rs,
		       const char *drv, const char *bdf)
{
	char dir[DIR_LEN], path[PATH_MAX], cur[NAME_MAX_LEN];
	int r;

	r = dev_dir(h, bdf, dir, sizeof(dir));
	if (r < 0)
		return -ENODEV;
	r = cur_driver(h, bdf, cur, sizeof(cur));
	if (r < 0)
		return r;
	if (!*cur || !dmaown_driver_name_eq(cur, drv))
		return -ENODEV;
	r = rule_err(rs, R_UNBIND, bdf, NULL);
	if (r)
		return r;
	snprintf(path, sizeof(path), "%s/driver", dir);
	if (unlinkat(h->rootfd, path, 0) < 0)
		return -errno;
	snprintf(path, sizeof(path), "sys/bus/pci/drivers/%s/%s", cur, bdf);
	(void)unlinkat(h->rootfd, path, 0);
	return 0;
}

static int fake_probe(struct dmaown_host *h, const struct rules *rs,
		      const char *bdf)
{
	char dir[DIR_LEN], cur[NAME_MAX_LEN], want[NAME_MAX_LEN];
	char path[PATH_MAX];
	int r;

	if (dev_dir(h, bdf, dir, sizeof(dir)) < 0)
		return -ENODEV;
	r = rule_err(rs, R_PROBE, bdf, NULL);
	if (r)
		return r;
	r = cur_driver(h, bdf, cur, sizeof(cur));
	if (r < 0 || *cur)
		return r;
	r = cur_override(h, bdf, want, sizeof(want));
	if (r < 0)
		return r;
	if (!*want)
		native_driver(h, bdf, want, sizeof(want));
	if (!*want)
		return 0;
	snprintf(path, sizeof(path), "sys/bus/pci/drivers/%s", want);
	if (host_file_exists(h, path) < 0)
		return 0; /* nothing claims it; the write still succeeds */
	r = fake_attach(h, rs, bdf, want);
	/* bus_rescan_devices_helper(): every failure reads as EINVAL */
	return r < 0 ? -EINVAL : 0;
}

static int fake_override(struct dmaown_host *h, const struct rules *rs,
			 const char *bdf, const char *path, const char *value)
{
	char v[NAME_MAX_LEN];
	size_t n = strlen(value);
	int r;

	r = rule_err(rs, R_OVERRIDE, bdf, NULL);
	if (r)
		return r;
	if (n >= NAME_MAX_LEN)
		return -EINVAL;
	memcpy(v, value, n + 1);
	while (n && v[n - 1] == '\n')
		v[--n] = '\0';
	return host_file_write(h, path, n ? v : "(null)\n");
}

static int fake_dispatch(struct dmaown_host *h, const struct rules *rs,
			 const char *path, const char *value)
{
	static const char dev[] = "sys/bus/pci/devices/";
	static const char ovr[] = "/driver_override";
	char bdf[NAME_MAX_LEN], drv[NAME_MAX_LEN], file[16];
	char v[NAME_MAX_LEN];
	size_t n, pl = strlen(path);

	snprintf(v, sizeof(v), "%s", value);
	n = strlen(v);
	while (n && v[n - 1] == '\n')
		v[--n] = '\0';
	if (!strncmp(path, dev, sizeof(dev) - 1) &&
	    pl > sizeof(dev) + sizeof(ovr) - 2 &&
	    !strcmp(path + pl - (sizeof(ovr) - 1), ovr)) {
		n = pl - (sizeof(dev) - 1) - (sizeof(ovr) - 1);
		if (n >= sizeof(bdf) || memchr(path + sizeof(dev) - 1, '/', n))
			return host_file_write(h, path, value);
		memcpy(bdf, path + sizeof(dev) - 1, n);
		bdf[n] = '\0';
		return fake_override(h, rs, bdf, path, value);
	}
	if (sscanf(path, "sys/bus/pci/drivers/%63[^/]/%15s", drv, file) == 2) {
		if (!strcmp(file, "bind"))
			return fake_attach(h, rs, v, drv);
		if (!strcmp(file, "unbind"))
			return fake_unbind(h, rs, drv, v);
	}
	if (!strcmp(path, "sys/bus/pci/drivers_probe"))
		return fake_probe(h, rs, v);
	return host_file_write(h, path, value);
}

static int fake_write_attr(struct dmaown_host *h, const char *path,
			   const char *value)
{
	struct rules rs;
	long ms;
	size_t i;
	int r = 0;

	rules_load(h, &rs);
	ms = rule_num(&rs, R_DELAY);
	if (ms > 0) {
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	for (i = 0; i < rs.n; i++)
		if (rs.r[i].kind == R_WRITE && rs.r[i].n == (long)h->nwrites)
			r = rs.r[i].err;
	if (!r)
		r = fake_dispatch(h, &rs, path, value);
	ms = rule_num(&rs, R_CRASH);
	if (ms > 0 && (unsigned long)ms == h->nwrites)
		_exit(137); /* as if killed right after this write */
	return r;
}

static int fake_load_module(struct dmaown_host *h, const char *name)
{
	static const char *const files[] = { "bind", "unbind", "new_id",
					     "remove_id", "uevent" };
	char path[PATH_MAX];
	struct rules rs;
	size_t i;
	long n;
	int r = 0, fd;

	rules_load(h, &rs);
	for (i = 0; i < rs.n; i++)
		if (rs.r[i].kind == R_WRITE && rs.r[i].n == (long)h->nwrites)
			r = rs.r[i].err;
	if (!r)
		r = rule_err(&rs, R_LOAD, name, NULL);
	if (!r && !dmaown_driver_lookup(name))
		r = -ENOENT; /* modprobe: module not found */
	if (!r) {
		snprintf(path, sizeof(path), "sys/bus/pci/drivers/%s", name);
		if (mkdirat(h->rootfd, path, 0755) < 0 && errno != EEXIST)
			r = -errno;
		for (i = 0; !r && i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(path, sizeof(path),
				 "sys/bus/pci/drivers/%s/%s", name, files[i]);
			fd = openat(h->rootfd, path,
				    O_WRONLY | O_CREAT | O_CLOEXEC, 0200);
			if (fd < 0)
				r = -errno;
			else
				close(fd);
		}
	}
	n = rule_num(&rs, R_CRASH);
	if (n > 0 && (unsigned long)n == h->nwrites)
		_exit(137);
	return r;
}

static int fake_vfio_group_status(struct dmaown_host *h, int group,
				  unsigned int *ret_flags)
{
	char g[16];
	struct rules rs;
	int kernel, vfio, r;

	rules_load(h, &rs);
	snprintf(g, sizeof(g), "%d", group);
	r = rule_err(&rs, R_STATUS, g, NULL);
	if (r)
		return r;
	r = group_census(h, group, &kernel, &vfio);
	if (r < 0)
		return r;
	if (!vfio)
		return -ENOENT; /* no /dev/vfio/N without VFIO devices */
	if (group_held(h, group))
		*ret_flags = VFIO_GROUP_FLAGS_VIABLE |
			     VFIO_GROUP_FLAGS_CONTAINER_SET;
	else
		/* VIABLE iff !iommu_group_dma_owner_claimed() (§4.4) */
		*ret_flags = kernel ? 0 : VFIO_GROUP_FLAGS_VIABLE;
	return 0;
}

static const struct dmaown_host_ops fake_ops = {
	.name = "fake",
	.write_attr = fake_write_attr,
	.read_attr = host_file_read,
	.read_link = host_file_link,
	.exists = host_file_exists,
	.load_module = fake_load_module,
	.vfio_group_status = fake_vfio_group_status,
};

int dmaown_host_fake_new(const char *root, struct dmaown_host **ret)
{
	struct dmaown_host *h;
	int r;

	if (!root || !ret)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	r = host_init(h, &fake_ops, root);
	if (!r && host_file_exists(h, DMAOWN_FAKE_MARK) < 0)
		r = -ENOENT;
	if (r < 0) {
		dmaown_host_free(h);
		return r;
	}
	*ret = h;
	return 0;
}
