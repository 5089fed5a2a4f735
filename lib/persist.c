// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * persist.c - udev rules that re-apply an assign at boot
 *
 * The rule sets driver_override the way driverctl does (ecosystem.md
 * §2.2, §5.6) but is keyed by more than the address: IDs and, where the
 * device has one, its Device Serial Number read from config space with
 * od(1) (udev cannot match binary attributes directly).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dmaown/persist.h"

#define RULES_DIR "etc/udev/rules.d"

int dmaown_dsn_find(const uint8_t *cfg, size_t len, uint64_t *ret,
		    unsigned int *ret_off)
{
	unsigned int off = 0x100, hops = 0;

	while (off >= 0x100 && off + 12 <= len && hops++ < 1024) {
		uint32_t hdr = (uint32_t)cfg[off] |
			       (uint32_t)cfg[off + 1] << 8 |
			       (uint32_t)cfg[off + 2] << 16 |
			       (uint32_t)cfg[off + 3] << 24;
		uint64_t v = 0;
		int i;

		if (hdr == 0 || hdr == 0xffffffff)
			break;
		if ((hdr & 0xffff) == 0x0003) {
			for (i = 7; i >= 0; i--)
				v = v << 8 | cfg[off + 4 + (unsigned int)i];
			*ret = v;
			if (ret_off)
				*ret_off = off + 4;
			return 0;
		}
		off = (hdr >> 20) & 0xffc;
	}
	return -ENOENT;
}

int dmaown_persist_path(const char *root, struct dmaown_bdf bdf, char *buf,
			size_t len)
{
	char b[DMAOWN_BDF_STRLEN];
	int n;

	n = snprintf(buf, len, "%s/%s/61-dmaown-%s.rules", root, RULES_DIR,
		     dmaown_bdf_format(bdf, b));
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int read_attr(const char *root, const char *bdf, const char *attr,
		     char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/%s", root, bdf,
		 attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int dmaown_persist_rule(const char *root, struct dmaown_bdf bdf,
			const char *driver, int group, char **ret,
			struct dmaown_err *err)
{
	static const char *const ids[] = { "vendor", "device",
					   "subsystem_vendor",
					   "subsystem_device" };
	char b[DMAOWN_BDF_STRLEN], val[4][32], path[PATH_MAX];
	char dsn_match[256] = "", dsn_text[64] = "none";
	uint8_t cfg[4096];
	unsigned int off;
	uint64_t dsn;
	ssize_t n = 0;
	size_t i;
	int fd, r;

	dmaown_bdf_format(bdf, b);
	for (i = 0; i < 4; i++) {
		r = read_attr(root, b, ids[i], val[i], sizeof(val[i]));
		if (r < 0)
			return dmaown_err_set(
				err, -ENODEV,
				"%s: cannot read %s for the udev rule (%s)", b,
				ids[i], dmaown_errno_name(r));
	}
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/config", root,
		 b);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, cfg, sizeof(cfg));
		close(fd);
	}
	if (n > 0 && dmaown_dsn_find(cfg, (size_t)n, &dsn, &off) == 0) {
		snprintf(dsn_text, sizeof(dsn_text),
			 "%02x-%02x-%02x-%02x-%02x-%02x-%02x-%02x",
			 (unsigned int)(dsn >> 56) & 0xff,
			 (unsigned int)(dsn >> 48) & 0xff,
			 (unsigned int)(dsn >> 40) & 0xff,
			 (unsigned int)(dsn >> 32) & 0xff,
			 (unsigned int)(dsn >> 24) & 0xff,
			 (unsigned int)(dsn >> 16) & 0xff,
			 (unsigned int)(dsn >> 8) & 0xff,
			 (unsigned int)dsn & 0xff);
		/* od prints the bytes in config order: least significant first */
		snprintf(
			dsn_match, sizeof(dsn_match),
			", PROGRAM==\"/usr/bin/od -An -tx1 -j %u -N 8 /sys%%p/config\", RESULT==\"*%02x %02x %02x %02x %02x %02x %02x %02x\"",
			off, cfg[off], cfg[off + 1], cfg[off + 2], cfg[off + 3],
			cfg[off + 4], cfg[off + 5], cfg[off + 6], cfg[off + 7]);
	}
	r = asprintf(
		ret,
		"# Written by `dmaown assign --persist` (IOMMU group %d).\n"
		"# Binds %s [%s:%s, subsystem %s:%s, serial %s] to %s at boot.\n"
		"# Remove with `dmaown release --persist %s`.\n"
		"ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"%s\", "
		"ATTR{vendor}==\"%s\", ATTR{device}==\"%s\", "
		"ATTR{subsystem_vendor}==\"%s\", ATTR{subsystem_device}==\"%s\"%s, "
		"ATTR{driver_override}=\"%s\", "
		"RUN+=\"/bin/sh -c 'modprobe -q %s; if [ -e /sys%%p/driver ]; then echo %%k > /sys%%p/driver/unbind; fi; echo %%k > /sys/bus/pci/drivers_probe'\"\n",
		group, b, val[0] + 2, val[1] + 2, val[2] + 2, val[3] + 2,
		dsn_text, driver, b, b, val[0], val[1], val[2], val[3],
		dsn_match, driver, driver);
	return r < 0 ? -ENOMEM : 0;
}

static int mkdir_p(const char *root, const char *rel)
{
	char tmp[PATH_MAX], *p;
	size_t skip = strlen(root);

	snprintf(tmp, sizeof(tmp), "%s/%s", root, rel);
	for (p = tmp + skip + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int write_file(const char *path, const char *text)
{
	char tmp[PATH_MAX + 8];
	size_t len = strlen(text);
	int fd, r = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
		r = errno ? -errno : -EIO;
	close(fd);
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

int dmaown_persist_write(const char *root, const struct dmaown_move_plan *p,
			 struct dmaown_err *err)
{
	char path[PATH_MAX], *text;
	size_t i;
	int r;

	r = mkdir_p(root, RULES_DIR);
	if (r < 0)
		return dmaown_err_set(err, r, "%s/%s: %s", root, RULES_DIR,
				      strerror(-r));
	for (i = 0; i < p->ndevs; i++) {
		const struct dmaown_move_dev *d = &p->devs[i];

		if (!d->move)
			continue;
		r = dmaown_persist_path(root, d->bdf, path, sizeof(path));
		if (!r)
			r = dmaown_persist_rule(root, d->bdf, d->after,
						p->group, &text, err);
		if (r < 0)
			break;
		r = write_file(path, text);
		free(text);
		if (r < 0) {
			dmaown_err_set(err, r, "%s: %s", path, strerror(-r));
			break;
		}
	}
	if (r < 0)
		(void)dmaown_persist_remove(root, p, NULL);
	return r;
}

int dmaown_persist_remove(const char *root, const struct dmaown_move_plan *p,
			  struct dmaown_err *err)
{
	char path[PATH_MAX];
	size_t i;
	int r = 0;

	for (i = 0; i < p->ndevs; i++) {
		if (!p->devs[i].move)
			continue;
		if (dmaown_persist_path(root, p->devs[i].bdf, path,
					sizeof(path)) < 0)
			continue;
		if (unlink(path) < 0 && errno != ENOENT && !r)
			r = dmaown_err_set(err, -errno, "%s: %s", path,
					   strerror(errno));
	}
	return r;
}
