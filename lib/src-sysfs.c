// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * src-sysfs.c - topology from the live host ("/") or a snapshot laid out
 * like it
 *
 * Config space comes through libpci's sysfs method pointed at
 * ROOT/sys/bus/pci; the other attributes are small files and links read
 * here with bounded reads.  The nesting of each device's directory under
 * sys/devices/pci* gives its parent bridge.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pci/pci.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src-internal.h"

#define ATTR_MAX 4096

struct sysfs_ctx {
	const char *root;
	struct dmaown_topology *t;
	struct src_raw *raw;
	size_t nraw;
	struct dmaown_err *err;
};

static int join(char *buf, size_t len, const char *a, const char *b)
{
	return src_path(buf, len, a, b);
}

/* a sysfs hex attribute like "0x8086\n"; -ENOENT if absent */
static int read_hex(const char *dir, const char *name, unsigned long max,
		    unsigned long *ret, struct dmaown_err *err)
{
	char path[PATH_MAX], *s, *end;
	unsigned long v;
	long n;

	if (join(path, sizeof(path), dir, name))
		return -ENAMETOOLONG;
	n = src_read_file(path, 64, &s);
	if (n < 0)
		return (int)n;
	src_chomp(s);
	errno = 0;
	v = strtoul(s, &end, 16);
	if (!*s || *end || errno || v > max || strchr(s, '-')) {
		free(s);
		return dmaown_err_set(err, -EINVAL,
				      "%s: not a hex number up to %#lx", path,
				      max);
	}
	free(s);
	*ret = v;
	return 0;
}

/* last path component of a symlink's target, or NULL */
static char *link_base(const char *dir, const char *name)
{
	char path[PATH_MAX], target[PATH_MAX], *b;
	ssize_t n;

	if (join(path, sizeof(path), dir, name))
		return NULL;
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return NULL;
	target[n] = 0;
	while (n > 1 && target[n - 1] == '/')
		target[--n] = 0;
	b = strrchr(target, '/');
	return strdup(b ? b + 1 : target);
}

static int read_str(const char *dir, const char *name, char **field)
{
	char path[PATH_MAX], *s;
	long n;
	int r;

	if (join(path, sizeof(path), dir, name))
		return -ENAMETOOLONG;
	n = src_read_file(path, ATTR_MAX, &s);
	if (n < 0)
		return (int)n == -ENOENT ? 0 : (int)n;
	src_chomp(s);
	r = *s && strcmp(s, "(null)") ? dmaown_dev_set_str(field, s) : 0;
	free(s);
	return r;
}

static bool is_bdf_name(const char *s, struct dmaown_bdf *bdf)
{
	/* the kernel always writes the domain */
	return strchr(s, ':') != strrchr(s, ':') && !dmaown_bdf_parse(s, bdf);
}

/*
 * Parent from the link target ".../pci0000:00/0000:00:1c.0/0000:02:00.0".
 * A "pciDDDD:BB" directory is a root bus; one nested under a device is a
 * VMD domain owned by that device.
 */
static void set_parent(struct dmaown_dev *d, const char *devdir,
		       const char *name)
{
	char path[PATH_MAX], target[PATH_MAX], *comp[3] = { NULL };
	struct dmaown_bdf pb;
	ssize_t n;
	char *p;
	int i;

	if (join(path, sizeof(path), devdir, name))
		return;
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;		/* a plain directory: use bus numbers */
	target[n] = 0;
	/* the last three components */
	for (i = 0; i < 3; i++) {
		p = strrchr(target, '/');
		if (!p) {
			comp[i] = target;
			break;
		}
		*p = 0;
		comp[i] = p + 1;
	}
	if (!comp[1])
		return;
	if (is_bdf_name(comp[1], &pb)) {
		d->parent_known = true;
		d->has_parent = true;
		d->parent_bdf = pb;
	} else if (!strncmp(comp[1], "pci", 3)) {
		d->parent_known = true;
		if (comp[2] && is_bdf_name(comp[2], &pb)) {
			d->has_parent = true;	/* VMD domain */
			d->parent_bdf = pb;
		}
	}
}

static void read_resources(struct dmaown_dev *d, const char *dir)
{
	char path[PATH_MAX], *s, *line, *save = NULL;
	int i = 0;

	if (join(path, sizeof(path), dir, "resource") ||
	    src_read_file(path, ATTR_MAX, &s) < 0)
		return;
	for (line = strtok_r(s, "\n", &save); line && i < DMAOWN_MAX_BARS;
	     line = strtok_r(NULL, "\n", &save), i++) {
		unsigned long long start, end, flags;

		if (sscanf(line, "%llx %llx %llx", &start, &end, &flags) != 3)
			break;
		if (i < d->nbars && end > start && start)
			d->bar[i].size = end - start + 1;
	}
	free(s);
}

static int cmp_raw(const void *a, const void *b)
{
	const struct src_raw *x = a, *y = b;

	return dmaown_bdf_cmp(x->bdf, y->bdf);
}

/* c->raw is sorted by address once libpci has read it */
static const struct src_raw *find_raw(const struct sysfs_ctx *c,
				      struct dmaown_bdf bdf)
{
	struct src_raw key = { .bdf = bdf };

	return bsearch(&key, c->raw, c->nraw, sizeof(*c->raw), cmp_raw);
}

static int cmp_bdf_name(const void *a, const void *b)
{
	struct dmaown_bdf x = { 0 }, y = { 0 };

	dmaown_bdf_parse(*(char *const *)a, &x);
	dmaown_bdf_parse(*(char *const *)b, &y);
	return dmaown_bdf_cmp(x, y);
}

static int ident(struct sysfs_ctx *c, const char *dir, uint8_t *cfg)
{
	static const char *const req[] = { "vendor", "device" };
	char path[PATH_MAX];
	unsigned long v;
	int i, r;

	for (i = 0; i < 2; i++) {
		r = read_hex(dir, req[i], 0xffff, &v, c->err);
		if (r == -EINVAL)
			return r;
		if (r < 0) {
			join(path, sizeof(path), dir, req[i]);
			return dmaown_err_set(c->err, -EINVAL, "%s: %s", path,
					      strerror(-r));
		}
		cfg[2 * i] = (uint8_t)v;
		cfg[2 * i + 1] = (uint8_t)(v >> 8);
	}
	return 0;
}

/* optional attributes override config (the kernel's fixed-up values) */
static int overlay(struct dmaown_dev *d, const char *dir,
		   struct dmaown_err *err)
{
	unsigned long v;
	int r;

	r = read_hex(dir, "class", 0xffffff, &v, err);
	if (!r)
		d->class_code = (uint32_t)v;
	else if (r == -EINVAL)
		return r;
	r = read_hex(dir, "revision", 0xff, &v, err);
	if (!r)
		d->revision = (uint8_t)v;
	else if (r == -EINVAL)
		return r;
	r = read_hex(dir, "subsystem_vendor", 0xffff, &v, err);
	if (!r)
		d->subsys_vendor = (uint16_t)v;
	else if (r == -EINVAL)
		return r;
	r = read_hex(dir, "subsystem_device", 0xffff, &v, err);
	if (!r)
		d->subsys_device = (uint16_t)v;
	else if (r == -EINVAL)
		return r;
	return 0;
}

static int host_strings(struct dmaown_dev *d, const char *dir,
			struct dmaown_err *err)
{
	char path[PATH_MAX], *s;
	int r;

	s = link_base(dir, "driver");
	if (s) {
		r = dmaown_dev_set_str(&d->driver, s);
		free(s);
		if (r)
			return r;
	}
	r = read_str(dir, "driver_override", &d->driver_override);
	if (!r)
		r = read_str(dir, "modalias", &d->modalias);
	if (r)
		return r;
	s = link_base(dir, "iommu_group");
	if (s) {
		char *end;
		long g = strtol(s, &end, 10);

		if (!*s || *end || g < 0 || g > INT_MAX) {
			join(path, sizeof(path), dir, "iommu_group");
			free(s);
			return dmaown_err_set(err, -EINVAL,
					      "%s: link target is not a group number",
					      path);
		}
		d->kernel_group = (int)g;
		free(s);
	}
	return 0;
}

static int add_device(struct sysfs_ctx *c, const char *devdir,
		      const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX], *pf;
	uint8_t cfg[SRC_CFG_MAX];
	const struct src_raw *raw;
	struct dmaown_dev d;
	struct dmaown_bdf bdf;
	int r;

	if (!is_bdf_name(name, &bdf))
		return dmaown_err_set(c->err, -EINVAL,
				      "%s/%s: not a PCI address", devdir, name);
	if (join(dir, sizeof(dir), devdir, name))
		return -ENAMETOOLONG;
	if (access(dir, F_OK))
		return dmaown_err_set(c->err, -EINVAL,
				      "%s: dangling link", dir);
	raw = find_raw(c, bdf);
	join(path, sizeof(path), dir, "config");
	if (!raw || raw->len < 64) {
		if (access(path, F_OK))
			return dmaown_err_set(c->err, -EINVAL,
					      "%s: missing", path);
		return dmaown_err_set(c->err, -EINVAL,
				      "%s: fewer than 64 bytes readable", path);
	}
	memcpy(cfg, raw->cfg, raw->len);
	r = ident(c, dir, cfg);
	if (r)
		return r;
	dmaown_dev_init(&d);
	if (dmaown_config_parse(&d, cfg, raw->len) < 0)
		return dmaown_err_set(c->err, -EINVAL,
				      "%s: vendor ID %04x is not a device", dir,
				      cfg[0] | cfg[1] << 8);
	d.bdf = bdf;
	r = overlay(&d, dir, c->err);
	if (r)
		return r;
	read_resources(&d, dir);
	set_parent(&d, devdir, name);
	pf = link_base(dir, "physfn");
	if (pf) {
		if (!is_bdf_name(pf, &d.physfn_bdf)) {
			free(pf);
			join(path, sizeof(path), dir, "physfn");
			return dmaown_err_set(c->err, -EINVAL,
					      "%s: link target is not a PCI address",
					      path);
		}
		free(pf);
		d.is_vf = true;
		d.hdr_multifunction = false;
	}
	r = host_strings(&d, dir, c->err);
	if (!r) {
		r = dmaown_topology_add(c->t, &d);
		r = r > 0 ? 0 : r;
	}
	free(d.driver);
	free(d.driver_override);
	free(d.modalias);
	return r;
}

/* groups listed under sys/kernel/iommu_groups fill in missing links */
static void read_groups(struct sysfs_ctx *c)
{
	char gdir[PATH_MAX], ddir[PATH_MAX];
	struct dirent *ge, *de;
	DIR *gd, *dd;

	if (join(gdir, sizeof(gdir), c->root, "sys/kernel/iommu_groups"))
		return;
	gd = opendir(gdir);
	if (!gd)
		return;
	while ((ge = readdir(gd))) {
		char *end;
		long g = strtol(ge->d_name, &end, 10);

		if (ge->d_name[0] == '.' || *end || g < 0 || g > INT_MAX)
			continue;
		if (join(ddir, sizeof(ddir), gdir, ge->d_name) ||
		    join(ddir, sizeof(ddir), ddir, "devices"))
			continue;
		dd = opendir(ddir);
		if (!dd)
			continue;
		while ((de = readdir(dd))) {
			struct dmaown_bdf bdf;
			int i;

			if (!is_bdf_name(de->d_name, &bdf))
				continue;
			i = dmaown_topology_find(c->t, bdf);
			if (i >= 0 &&
			    dmaown_topology_dev(c->t, (size_t)i)->kernel_group < 0)
				dmaown_topology_dev_mut(c->t, (size_t)i)
					->kernel_group = (int)g;
		}
		closedir(dd);
	}
	closedir(gd);
}

static int host_info(struct sysfs_ctx *c)
{
	struct dmaown_host_info *h = dmaown_topology_host(c->t);
	char path[PATH_MAX], *s;
	struct dirent *e;
	DIR *dir;
	int r = 0;

	if (!join(path, sizeof(path), c->root, "proc/cmdline") &&
	    src_read_file(path, ATTR_MAX, &s) >= 0) {
		r = dmaown_dev_set_str(&h->cmdline, src_chomp(s));
		free(s);
	}
	if (!r && !join(path, sizeof(path), c->root,
			"proc/sys/kernel/osrelease") &&
	    src_read_file(path, 256, &s) >= 0) {
		r = dmaown_dev_set_str(&h->kernel_release, src_chomp(s));
		free(s);
	}
	if (r)
		return r;
	if (!join(path, sizeof(path), c->root,
		  "sys/firmware/acpi/tables/IVRS"))
		h->ivrs_present = !access(path, F_OK);
	if (join(path, sizeof(path), c->root, "sys/class/iommu"))
		return 0;
	dir = opendir(path);
	if (!dir)
		return 0;
	h->iommu_known = true;
	while ((e = readdir(dir)) && !r) {
		const char *kind = NULL;

		if (e->d_name[0] == '.')
			continue;
		h->iommu_present = true;
		if (!strncmp(e->d_name, "dmar", 4))
			kind = "intel";
		else if (!strncmp(e->d_name, "ivhd", 4))
			kind = "amd";
		else if (strstr(e->d_name, "virtio"))
			kind = "virtio";
		else if (strstr(e->d_name, "smmu"))
			kind = "arm-smmu";
		if (kind && !h->iommu_kind)
			r = dmaown_dev_set_str(&h->iommu_kind, kind);
	}
	closedir(dir);
	return r;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sorted entry names of @dir (without dot entries) */
static int list_dir(const char *dir, char ***ret)
{
	struct dirent *e;
	char **v = NULL, **nv;
	size_t n = 0, cap = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n + 1 >= cap) {
			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				goto oom;
			v = nv;
		}
		v[n] = strdup(e->d_name);
		if (!v[n])
			goto oom;
		v[++n] = NULL;
	}
	closedir(d);
	if (!v) {
		v = calloc(1, sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	qsort(v, n, sizeof(*v), cmp_name);
	*ret = v;
	return (int)n;
oom:
	closedir(d);
	dmaown_strv_free(v);
	return -ENOMEM;
}

void dmaown_strv_free(char **v)
{
	char **p;

	for (p = v; p && *p; p++)
		free(*p);
	free(v);
}

int dmaown_source_drivers(const char *root, char ***ret)
{
	char path[PATH_MAX];

	if (join(path, sizeof(path), root, "sys/bus/pci/drivers"))
		return -ENAMETOOLONG;
	return list_dir(path, ret);
}

int src_load_sysfs(const char *root, struct dmaown_topology **ret,
		   struct dmaown_err *err)
{
	struct sysfs_ctx c = { .root = root, .err = err };
	char devdir[PATH_MAX], busdir[PATH_MAX];
	char **names = NULL;
	int n, r = 0, i;

	if (join(busdir, sizeof(busdir), root, "sys/bus/pci") ||
	    join(devdir, sizeof(devdir), root, "sys/bus/pci/devices"))
		return dmaown_err_set(err, -ENAMETOOLONG, "%s: path too long",
				      root);
	n = list_dir(devdir, &names);
	if (n < 0)
		return dmaown_err_set(err, n == -ENOENT ? n : -EINVAL, "%s: %s",
				      devdir, strerror(-n));
	/* names libpci would choke on are reported here, with the path */
	for (i = 0; i < n; i++) {
		struct dmaown_bdf bdf;

		if (!is_bdf_name(names[i], &bdf)) {
			r = dmaown_err_set(err, -EINVAL,
					   "%s/%s: not a PCI address", devdir,
					   names[i]);
			goto out;
		}
	}
	r = src_pci_collect(PCI_ACCESS_SYS_BUS_PCI, "sysfs.path", busdir,
			    devdir, &c.raw, err);
	if (r < 0)
		goto out;
	c.nraw = (size_t)r;
	qsort(c.raw, c.nraw, sizeof(*c.raw), cmp_raw);
	/* add in address order so lookups before finalize are binary */
	qsort(names, (size_t)n, sizeof(*names), cmp_bdf_name);
	c.t = dmaown_topology_new();
	if (!c.t) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0, r = 0; i < n && !r; i++)
		r = add_device(&c, devdir, names[i]);
	if (!r) {
		read_groups(&c);
		r = host_info(&c);
	}
	if (r) {
		dmaown_topology_free(c.t);
		goto out;
	}
	r = src_finish(c.t, root, ret, err);
out:
	free(c.raw);
	dmaown_strv_free(names);
	return r;
}
