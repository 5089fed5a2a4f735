// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * host-fake.c - a writable fake sysfs tree that answers like the kernel
 *
 * The fake interprets writes to the files the mover uses and moves the
 * driver links the way the driver core does (drivers/base/bus.c,
 * drivers/base/dd.c; spec/ownership.md §3).  What a bind, unbind or
 * drivers_probe does to DMA ownership is not decided here but by the
 * ownership engine (dmaown/ownership.h), rebuilt from the tree before
 * every such write: the devices and IOMMU groups, the bound drivers
 * (probed in, so DMA-API drivers count in owner_cnt) and the groups
 * listed in .dmaown-fake-held (opened, SET_CONTAINER, SET_IOMMU, as QEMU
 * does).  The profile comes from proc/sys/kernel/osrelease, else latest.
 *
 *  - drivers/X/bind: -ENOENT if X is not loaded; -ENODEV if the device is
 *    unknown or X does not match it (driver_override names another
 *    driver, or no override and X is not the device's native driver);
 *    then the engine's really_probe(): -EBUSY if a driver is bound,
 *    -EBUSY from dma_configure for a DMA-API driver in a user-owned group
 *    (§2.1), then the driver's probe (which the failure rules can fail).
 *  - drivers/X/unbind: -ENODEV unless the device is bound to X; then the
 *    engine's release path (VFIO unregister, dma_cleanup).  A held group
 *    the engine lets go (6.1+: its last VFIO device left) leaves
 *    .dmaown-fake-held, as the user's fd is dead.
 *  - drivers_probe: the override's driver, else the native one; any probe
 *    error becomes -EINVAL (§3.3); no matching driver is "success".
 *  - driver_override: "\n" or "" clears it (reads back "(null)").
 *  - VFIO_GROUP_GET_STATUS: the engine's, -ENOENT without a VFIO member.
 *
 * The failure rules are described in dmaown/host.h.
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
#include "dmaown/ownership.h"
#include "host-internal.h"

static const struct dmaown_host_ops fake_ops;

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

/* ---- the ownership engine, seeded from the tree ----------------------- */

/*
 * struct fake_kernel - the kernel state behind the tree, rebuilt on every
 * operation: one engine device per entry of sys/bus/pci/devices (address
 * order), one engine group per IOMMU group, the bound drivers probed in
 * (DMA-API drivers counted in owner_cnt) and every group listed in
 * .dmaown-fake-held opened, SET_CONTAINER and SET_IOMMU as a VFIO user
 * would.  The engine then answers bind, unbind and drivers_probe.
 */
struct fake_dev {
	char bdf[NAME_MAX_LEN];
	int id;		/* engine device */
	int gi;		/* index into groups[], -1: no IOMMU group */
};

struct fake_group {
	int num;	/* the kernel's group number */
	int id;		/* engine group */
	bool listed;	/* in .dmaown-fake-held */
	bool held;	/* a VFIO user holds it in the engine */
	unsigned int fd;
};

struct fake_kernel {
	struct dmaown_engine *eng;
	struct fake_dev *devs;
	size_t ndevs;
	struct fake_group *groups;
	size_t ngroups;
};

static void kernel_free(struct fake_kernel *k)
{
	dmaown_engine_free(k->eng);
	free(k->devs);
	free(k->groups);
	memset(k, 0, sizeof(*k));
}

static int cmp_dev(const void *a, const void *b)
{
	return strcmp(((const struct fake_dev *)a)->bdf,
		      ((const struct fake_dev *)b)->bdf);
}

static const struct dmaown_profile *kernel_profile(struct dmaown_host *h)
{
	const struct dmaown_profile *p = NULL;
	char rel[128];

	if (host_file_read(h, "proc/sys/kernel/osrelease", rel, sizeof(rel)) ||
	    dmaown_profile_auto(rel, &p) == -EINVAL)
		p = dmaown_profile_get(NULL);
	return p;
}

static struct fake_group *kernel_group(struct fake_kernel *k, int num)
{
	for (size_t i = 0; i < k->ngroups; i++)
		if (k->groups[i].num == num)
			return &k->groups[i];
	return NULL;
}

static struct fake_dev *kernel_dev(struct fake_kernel *k, const char *bdf)
{
	for (size_t i = 0; i < k->ndevs; i++)
		if (!strcmp(k->devs[i].bdf, bdf))
			return &k->devs[i];
	return NULL;
}

/* group numbers listed in .dmaown-fake-held, marked in @k */
static void held_load(struct dmaown_host *h, struct fake_kernel *k)
{
	struct fake_group *g;
	char line[64];
	FILE *f;
	int fd;

	fd = openat(h->rootfd, FAKE_HELD, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f))
		if (line[0] >= '0' && line[0] <= '9' &&
		    (g = kernel_group(k, atoi(line))))
			g->listed = true;
	fclose(f);
}

/* rewrite .dmaown-fake-held: the groups still listed */
static int held_store(struct dmaown_host *h, struct fake_kernel *k)
{
	char buf[4096];
	size_t off = 0;
	int fd, r = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < k->ngroups && off < sizeof(buf); i++)
		if (k->groups[i].listed)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off,
						"%d\n", k->groups[i].num);
	if (off >= sizeof(buf))
		return -ENOSPC;
	fd = openat(h->rootfd, FAKE_HELD,
		    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, off) != (ssize_t)off)
		r = errno ? -errno : -EIO;
	if (close(fd) < 0 && !r)
		r = -errno;
	return r;
}

/* a VFIO user opens the group, sets a container and a type1 IOMMU */
static int kernel_hold(struct fake_kernel *k, struct fake_group *g)
{
	int r;

	r = dmaown_vfio_open(k->eng, g->id, &g->fd);
	if (r)
		return r;
	r = dmaown_vfio_set_container(k->eng, g->id, g->fd);
	if (!r)
		r = dmaown_vfio_set_iommu(k->eng, g->id, g->fd);
	if (r) {
		dmaown_vfio_close(k->eng, g->id, g->fd);
		g->fd = 0;
		return r;
	}
	g->held = true;
	return 0;
}

static int kernel_add_dev(struct fake_kernel *k, const char *name, size_t *cap)
{
	struct fake_dev *p;

	if (strlen(name) >= sizeof(p->bdf))
		return 0; /* not a PCI address */
	if (k->ndevs == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		p = realloc(k->devs, *cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		k->devs = p;
	}
	p = &k->devs[k->ndevs++];
	memcpy(p->bdf, name, strlen(name) + 1);
	p->id = -1;
	p->gi = -1;
	return 0;
}

static int kernel_add_group(struct fake_kernel *k, struct dmaown_host *h,
			    int num)
{
	char path[PATH_MAX], type[32];
	struct fake_group *p;
	unsigned int flags = 0;
	int r;

	p = realloc(k->groups, (k->ngroups + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	k->groups = p;
	snprintf(path, sizeof(path), "sys/kernel/iommu_groups/%d/type", num);
	if (!host_file_read(h, path, type, sizeof(type)) &&
	    !strncmp(type, "identity", 8))
		flags |= DMAOWN_GROUP_IDENTITY;
	p = &k->groups[k->ngroups];
	memset(p, 0, sizeof(*p));
	p->num = num;
	r = dmaown_group_new(k->eng, flags, &p->id);
	if (r)
		return r;
	return (int)k->ngroups++;
}

/* rebuild the kernel state of the tree into @k */
static int kernel_load(struct dmaown_host *h, struct fake_kernel *k)
{
	char drv[NAME_MAX_LEN];
	struct fake_group *g;
	struct dirent *de;
	size_t cap = 0, i;
	DIR *d;
	int fd, r;

	memset(k, 0, sizeof(*k));
	r = dmaown_engine_new(kernel_profile(h), &k->eng);
	if (r)
		return r;
	fd = openat(h->rootfd, "sys/bus/pci/devices",
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto fail;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		r = -ENOMEM;
		goto fail;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' &&
		    (r = kernel_add_dev(k, de->d_name, &cap)) < 0)
			break;
	closedir(d);
	if (r < 0)
		goto fail;
	qsort(k->devs, k->ndevs, sizeof(*k->devs), cmp_dev);
	for (i = 0; i < k->ndevs; i++) {
		struct fake_dev *x = &k->devs[i];
		int num = dev_group(h, x->bdf);

		if (num >= 0) {
			g = kernel_group(k, num);
			x->gi = g ? (int)(g - k->groups) :
				    kernel_add_group(k, h, num);
			if (x->gi < 0) {
				r = x->gi;
				goto fail;
			}
		}
		r = dmaown_dev_new(k->eng, x->bdf,
				   x->gi >= 0 ? k->groups[x->gi].id : -1, 0,
				   &x->id);
		if (r && r != -EINVAL)
			goto fail;
	}
	/* boot: the bound drivers probed (a refusal leaves it unbound) */
	for (i = 0; i < k->ndevs; i++)
		if (k->devs[i].id >= 0 &&
		    !cur_driver(h, k->devs[i].bdf, drv, sizeof(drv)) && *drv)
			(void)dmaown_dev_bind(k->eng, k->devs[i].id, drv, 0);
	/* the VFIO users; one that cannot hold its group holds nothing */
	held_load(h, k);
	for (i = 0; i < k->ngroups; i++) {
		g = &k->groups[i];
		if (!g->listed || kernel_hold(k, g) != -ENOENT ||
		    dmaown_engine_profile(k->eng)->vfio_release_on_last_unbind)
			continue;
		/*
		 * 5.19: the claim lives until the user closes the group file,
		 * even after its last VFIO device went: user-owned, no fd.
		 */
		(void)dmaown_group_claim(k->eng, g->id, (uintptr_t)g);
	}
	return 0;
fail:
	kernel_free(k);
	return r;
}

/*
 * After a write: a VFIO user whose group the kernel let go (6.1+, the
 * last VFIO device unbound) holds a dead fd; drop it from the held list.
 * Listed groups the engine could not hold at seeding stay listed.
 */
static int kernel_sync(struct dmaown_host *h, struct fake_kernel *k)
{
	struct dmaown_group_info gi;
	bool changed = false;

	for (size_t i = 0; i < k->ngroups; i++) {
		struct fake_group *g = &k->groups[i];

		if (!g->held)
			continue;
		if (dmaown_group_info(k->eng, g->id, &gi) ||
		    !gi.vfio_container) {
			g->held = false;
			g->listed = false;
			changed = true;
		}
	}
	return changed ? held_store(h, k) : 0;
}

static int make_link(struct dmaown_host *h, const char *target,
		     const char *path)
{
	if (symlinkat(target, h->rootfd, path) < 0)
		return -errno;
	return 0;
}

/* ---- the kernel's behaviour ------------------------------------------- */

/* the driver links of a bind: DIR/driver and drivers/DRV/BDF */
static int link_driver(struct dmaown_host *h, const char *dir, const char *bdf,
		       const char *drv)
{
	char path[PATH_MAX], target[PATH_MAX];
	int r, i, k;

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

/*
 * device_driver_attach(): the driver core matches (driver_override, else
 * the native driver), then the engine runs really_probe(): -EBUSY if a
 * driver is bound, dma_configure (-EBUSY for a DMA-API driver in a
 * user-owned group, §2.1), then the driver's probe(), which a failure
 * rule can fail.  Only a bind the engine accepts moves the links.
 */
static int fake_attach(struct dmaown_host *h, const struct rules *rs,
		       const char *bdf, const char *drv)
{
	char dir[DIR_LEN], path[PATH_MAX];
	char ovr[NAME_MAX_LEN], nat[NAME_MAX_LEN];
	struct fake_kernel k;
	struct fake_dev *x;
	int r;

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
	r = kernel_load(h, &k);
	if (r < 0)
		return r;
	x = kernel_dev(&k, bdf);
	if (!x || x->id < 0) {
		kernel_free(&k);
		return -ENODEV;
	}
	r = dmaown_dev_bind(k.eng, x->id, drv, rule_err(rs, R_BIND, bdf, drv));
	if (!r)
		r = link_driver(h, dir, bdf, drv);
	if (!r)
		r = kernel_sync(h, &k);
	kernel_free(&k);
	return r;
}

/*
 * unbind_store(): -ENODEV unless @drv is the bound driver; then the
 * engine's __device_release_driver() (VFIO unregister, dma_cleanup).
 */
static int fake_unbind(struct dmaown_host *h, const struct rules *rs,
		       const char *drv, const char *bdf)
{
	char dir[DIR_LEN], path[PATH_MAX], cur[NAME_MAX_LEN];
	struct fake_kernel k;
	struct fake_dev *x;
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
	r = kernel_load(h, &k);
	if (r < 0)
		return r;
	x = kernel_dev(&k, bdf);
	r = x && x->id >= 0 ? dmaown_dev_unbind(k.eng, x->id) : -ENODEV;
	if (!r) {
		snprintf(path, sizeof(path), "%s/driver", dir);
		if (unlinkat(h->rootfd, path, 0) < 0)
			r = -errno;
	}
	if (!r) {
		snprintf(path, sizeof(path), "sys/bus/pci/drivers/%s/%s", cur,
			 bdf);
		(void)unlinkat(h->rootfd, path, 0);
		r = kernel_sync(h, &k);
	}
	kernel_free(&k);
	return r;
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

/* VFIO_GROUP_GET_STATUS from the engine: the held fd, or a brief open */
static int fake_vfio_group_status(struct dmaown_host *h, int group,
				  unsigned int *ret_flags)
{
	struct fake_kernel k;
	struct fake_group *g;
	struct rules rs;
	bool viable = false, cset = false;
	unsigned int fd;
	char num[16];
	int r;

	rules_load(h, &rs);
	snprintf(num, sizeof(num), "%d", group);
	r = rule_err(&rs, R_STATUS, num, NULL);
	if (r)
		return r;
	r = kernel_load(h, &k);
	if (r < 0)
		return r;
	g = kernel_group(&k, group);
	if (!g) {
		r = -ENOENT;
	} else if (g->held) {
		r = dmaown_vfio_status(k.eng, g->id, g->fd, &viable, &cset);
	} else {
		/* -ENOENT: no /dev/vfio/N without VFIO devices */
		r = dmaown_vfio_open(k.eng, g->id, &fd);
		if (!r) {
			r = dmaown_vfio_status(k.eng, g->id, fd, &viable,
					       &cset);
			dmaown_vfio_close(k.eng, g->id, fd);
		}
	}
	kernel_free(&k);
	if (r)
		return r;
	*ret_flags = (viable ? VFIO_GROUP_FLAGS_VIABLE : 0) |
		     (cset ? VFIO_GROUP_FLAGS_CONTAINER_SET : 0);
	return 0;
}

int dmaown_host_fake_hold(struct dmaown_host *h, int group)
{
	struct fake_kernel k;
	struct fake_group *g;
	int r;

	if (!h || h->ops != &fake_ops)
		return -EINVAL;
	r = kernel_load(h, &k);
	if (r < 0)
		return r;
	g = kernel_group(&k, group);
	if (!g)
		r = -ENOENT;
	else if (g->held)
		r = -EBUSY; /* the group file is open already */
	else
		r = kernel_hold(&k, g);
	if (!r) {
		g->listed = true;
		r = held_store(h, &k);
	}
	kernel_free(&k);
	return r;
}

int dmaown_host_fake_unhold(struct dmaown_host *h, int group)
{
	struct fake_kernel k;
	struct fake_group *g;
	int r;

	if (!h || h->ops != &fake_ops)
		return -EINVAL;
	r = kernel_load(h, &k);
	if (r < 0)
		return r;
	g = kernel_group(&k, group);
	if (!g || !g->listed) {
		r = -ENOENT;
	} else {
		g->listed = false;
		r = held_store(h, &k);
	}
	kernel_free(&k);
	return r;
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
	int r = host_new(&fake_ops, root, ret);

	if (!r && host_file_exists(*ret, DMAOWN_FAKE_MARK) < 0) {
		dmaown_host_free(*ret);
		*ret = NULL;
		r = -ENOENT;
	}
	return r;
}
