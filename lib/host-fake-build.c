// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * host-fake-build.c - write a fake sysfs tree for a topology
 *
 * The tree is what the sysfs source reads and what the fake actuator
 * (host-fake.c) changes.  Every link is relative, so nothing in the tree
 * can lead back into the real /sys.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dmaown/host.h"

struct builder {
	int fd; /* root directory */
	const char *dir;
	struct dmaown_err *err;
};

static int fail(struct builder *b, int r, const char *path)
{
	return dmaown_err_set(b->err, r, "%s/%s: %s", b->dir, path,
			      strerror(-r));
}

/* mkdir -p relative to the root */
static int mkdirs(struct builder *b, const char *path)
{
	char tmp[PATH_MAX], *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = '\0';
		if (mkdirat(b->fd, tmp, 0755) < 0 && errno != EEXIST)
			return fail(b, -errno, tmp);
		if (!c)
			return 0;
		*p = c;
	}
}

static int put(struct builder *b, const char *path, const void *data,
	       size_t len)
{
	int fd, r = 0;

	fd = openat(b->fd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0644);
	if (fd < 0)
		return fail(b, -errno, path);
	if (write(fd, data, len) != (ssize_t)len)
		r = fail(b, -EIO, path);
	close(fd);
	return r;
}

static int putf(struct builder *b, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int putf(struct builder *b, const char *path, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return put(b, path, buf, (size_t)n);
}

static int link_up(struct builder *b, const char *from_dir, const char *target,
		   const char *path)
{
	char t[PATH_MAX] = "";
	const char *p;

	/* one "../" per component of from_dir gets back to the root */
	strcat(t, "../");
	for (p = from_dir; *p; p++)
		if (*p == '/')
			strcat(t, "../");
	strncat(t, target, sizeof(t) - strlen(t) - 1);
	if (symlinkat(t, b->fd, path) < 0 && errno != EEXIST)
		return fail(b, -errno, path);
	return 0;
}

static void put16(uint8_t *c, int off, uint16_t v)
{
	c[off] = v & 0xff;
	c[off + 1] = v >> 8;
}

static void put32(uint8_t *c, int off, uint32_t v)
{
	put16(c, off, v & 0xffff);
	put16(c, off + 2, v >> 16);
}

/* config space as the device would present it, as far as dmaown reads */
static size_t make_config(const struct dmaown_dev *d, uint8_t *c)
{
	size_t len = d->is_pcie ? 4096 : 256;

	memset(c, 0, len);
	put16(c, 0x00, d->vendor);
	put16(c, 0x02, d->device);
	put16(c, 0x04, 0x0006);
	put16(c, 0x06, d->is_pcie ? 0x0010 : 0);
	c[0x08] = d->revision;
	c[0x09] = d->class_code & 0xff;
	c[0x0a] = (d->class_code >> 8) & 0xff;
	c[0x0b] = (d->class_code >> 16) & 0xff;
	c[0x0e] = (uint8_t)((d->header_type & 0x7f) |
			    (d->hdr_multifunction ? 0x80 : 0));
	if ((d->header_type & 0x7f) == 1) {
		c[0x18] = d->bdf.bus;
		c[0x19] = d->secondary;
		c[0x1a] = d->subordinate;
	} else {
		put16(c, 0x2c, d->subsys_vendor);
		put16(c, 0x2e, d->subsys_device);
	}
	if (d->is_pcie) {
		c[0x34] = 0x40;
		c[0x40] = 0x10; /* PCI Express capability */
		put16(c, 0x42, (uint16_t)(0x2 | (d->pcie_type_raw << 4)));
		if (d->acs_pos >= 0x100 && d->acs_pos < 4096 - 8) {
			put32(c, d->acs_pos, 0x0001000d);
			put16(c, d->acs_pos + 4, d->acs_cap);
			put16(c, d->acs_pos + 6, d->acs_ctrl);
		}
	}
	return len;
}

static int dev_path(const struct dmaown_topology *t, size_t i, char *buf,
		    size_t len, int depth)
{
	const struct dmaown_dev *d = dmaown_topology_dev(t, i);
	char bdf[DMAOWN_BDF_STRLEN];
	size_t n;

	if (depth > 64)
		return -ELOOP;
	dmaown_bdf_format(d->bdf, bdf);
	if (d->parent >= 0) {
		int r = dev_path(t, (size_t)d->parent, buf, len, depth + 1);

		if (r < 0)
			return r;
	} else {
		snprintf(buf, len, "sys/devices/pci%04x:%02x", d->bdf.domain,
			 d->bdf.bus);
	}
	n = strlen(buf);
	if ((size_t)snprintf(buf + n, len - n, "/%s", bdf) >= len - n)
		return -ENAMETOOLONG;
	return 0;
}

static int build_driver(struct builder *b, const char *drv)
{
	static const char *const files[] = { "bind", "unbind", "new_id",
					     "remove_id", "uevent" };
	char path[PATH_MAX];
	size_t i;
	int r;

	snprintf(path, sizeof(path), "sys/bus/pci/drivers/%s", drv);
	r = mkdirs(b, path);
	for (i = 0; !r && i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "sys/bus/pci/drivers/%s/%s", drv,
			 files[i]);
		r = put(b, path, "", 0);
	}
	return r;
}

static int build_dev(struct builder *b, const struct dmaown_topology *t,
		     size_t i, FILE *match)
{
	const struct dmaown_dev *d = dmaown_topology_dev(t, i);
	char dir[1024], path[PATH_MAX], tgt[1024];
	char bdf[DMAOWN_BDF_STRLEN];
	static uint8_t cfg[4096];
	size_t clen;
	int r, k;

	dmaown_bdf_format(d->bdf, bdf);
	r = dev_path(t, i, dir, sizeof(dir), 0);
	if (r < 0)
		return fail(b, r, bdf);
	r = mkdirs(b, dir);
#define ATTR(name, ...)                                           \
	do {                                                      \
		snprintf(path, sizeof(path), "%s/%s", dir, name); \
		if (!r)                                           \
			r = putf(b, path, __VA_ARGS__);           \
	} while (0)
	ATTR("vendor", "0x%04x\n", d->vendor);
	ATTR("device", "0x%04x\n", d->device);
	ATTR("subsystem_vendor", "0x%04x\n", d->subsys_vendor);
	ATTR("subsystem_device", "0x%04x\n", d->subsys_device);
	ATTR("class", "0x%06x\n", d->class_code);
	ATTR("revision", "0x%02x\n", d->revision);
	ATTR("irq", "0\n");
	ATTR("modalias", "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n",
	     d->vendor, d->device, d->subsys_vendor, d->subsys_device,
	     d->class_code >> 16, (d->class_code >> 8) & 0xff,
	     d->class_code & 0xff);
	ATTR("driver_override", "%s\n",
	     d->driver_override && *d->driver_override ? d->driver_override :
							 "(null)");
	snprintf(path, sizeof(path), "%s/resource", dir);
	for (k = 0, tgt[0] = '\0'; k < 13; k++)
		strcat(tgt, "0x0000000000000000 0x0000000000000000 "
			    "0x0000000000000000\n");
	if (!r)
		r = put(b, path, tgt, strlen(tgt));
	snprintf(path, sizeof(path), "%s/config", dir);
	clen = make_config(d, cfg);
	if (!r)
		r = put(b, path, cfg, clen);
	if (r)
		return r;
	snprintf(path, sizeof(path), "sys/bus/pci/devices/%s", bdf);
	r = link_up(b, "sys/bus/pci/devices", dir, path);
	if (!r && d->kernel_group >= 0) {
		snprintf(tgt, sizeof(tgt), "sys/kernel/iommu_groups/%d",
			 d->kernel_group);
		snprintf(path, sizeof(path), "%s/iommu_group", dir);
		r = mkdirs(b, tgt);
		if (!r) {
			snprintf(path, sizeof(path), "%s/devices", tgt);
			r = mkdirs(b, path);
		}
		if (!r) {
			snprintf(path, sizeof(path), "%s/type", tgt);
			r = putf(b, path, "DMA\n");
		}
		if (!r) {
			snprintf(path, sizeof(path), "%s/iommu_group", dir);
			r = link_up(b, dir, tgt, path);
		}
		if (!r) {
			snprintf(path, sizeof(path), "%s/devices/%s", tgt, bdf);
			snprintf(tgt, sizeof(tgt),
				 "sys/kernel/iommu_groups/%d/devices",
				 d->kernel_group);
			r = link_up(b, tgt, dir, path);
		}
	}
	if (!r && d->driver && *d->driver) {
		snprintf(tgt, sizeof(tgt), "sys/bus/pci/drivers/%s", d->driver);
		r = build_driver(b, d->driver);
		snprintf(path, sizeof(path), "%s/driver", dir);
		if (!r)
			r = link_up(b, dir, tgt, path);
		snprintf(path, sizeof(path), "%s/%s", tgt, bdf);
		if (!r)
			r = link_up(b, tgt, dir, path);
		fprintf(match, "%s %s\n", bdf, d->driver);
	}
	return r;
#undef ATTR
}

int dmaown_fake_build(const char *dir, const struct dmaown_topology *t,
		      struct dmaown_err *err)
{
	const struct dmaown_host_info *hi;
	struct builder b = { .dir = dir, .err = err };
	char *mbuf = NULL;
	size_t mlen = 0, i;
	FILE *match;
	int r = 0;

	if (!dir || !t)
		return -EINVAL;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return dmaown_err_set(err, -errno, "%s: %s", dir,
				      strerror(errno));
	b.fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (b.fd < 0)
		return dmaown_err_set(err, -errno, "%s: %s", dir,
				      strerror(errno));
	match = open_memstream(&mbuf, &mlen);
	if (!match) {
		close(b.fd);
		return -ENOMEM;
	}
	hi = dmaown_topology_host_const(t);
	r = mkdirs(&b, "sys/bus/pci/devices");
	if (!r)
		r = mkdirs(&b, "sys/bus/pci/drivers");
	if (!r)
		r = mkdirs(&b, "sys/kernel/iommu_groups");
	if (!r)
		r = mkdirs(&b, "sys/class/iommu/dmar0");
	if (!r)
		r = mkdirs(&b, "proc/self");
	if (!r)
		r = mkdirs(&b, "dev/vfio");
	if (!r)
		r = put(&b, "sys/bus/pci/drivers_probe", "", 0);
	if (!r)
		r = put(&b, "sys/bus/pci/rescan", "", 0);
	if (!r)
		r = putf(
			&b, "proc/cmdline", "%s\n",
			hi && hi->cmdline ?
				hi->cmdline :
				"BOOT_IMAGE=/vmlinuz root=/dev/sda1 intel_iommu=on");
	for (i = 0; !r && i < dmaown_topology_count(t); i++)
		r = build_dev(&b, t, i, match);
	fclose(match);
	if (!r)
		r = put(&b, ".dmaown-fake-match", mbuf, mlen);
	if (!r)
		r = putf(
			&b, DMAOWN_FAKE_MARK,
			"dmaown fake sysfs root: writes here never reach the kernel\n");
	free(mbuf);
	close(b.fd);
	return r;
}
