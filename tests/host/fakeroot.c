// SPDX-License-Identifier: LGPL-2.1-or-later
/* fakeroot.c - fake roots for the host tests (see fakeroot.h) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dmaown/host.h"
#include "fakeroot.h"

static void add(struct dmaown_topology *t, const char *bdf, uint16_t vendor,
		uint16_t device, uint32_t class_code, int hdr, int pcie_type,
		uint8_t sec, const char *driver, int group)
{
	struct dmaown_dev d;

	dmaown_dev_init(&d);
	dmaown_bdf_parse(bdf, &d.bdf);
	d.vendor = vendor;
	d.device = device;
	d.subsys_vendor = 0x1af4;
	d.subsys_device = 0x1100;
	d.class_code = class_code;
	d.header_type = (uint8_t)hdr;
	d.is_bridge = hdr == 1;
	d.secondary = d.subordinate = sec;
	d.is_pcie = pcie_type >= 0;
	d.pcie_type_raw = pcie_type;
	d.driver = (char *)driver;
	d.kernel_group = group;
	if (dmaown_topology_add(t, &d) < 0)
		abort();
}

struct dmaown_topology *fake_topology(void)
{
	struct dmaown_topology *t = dmaown_topology_new();

	if (!t)
		abort();
	add(t, "0000:00:00.0", 0x8086, 0x29c0, 0x060000, 0, -1, 0, NULL, 0);
	add(t, "0000:00:10.0", 0x1b36, 0x000c, 0x060400, 1, 4, 1, "pcieport",
	    2);
	add(t, "0000:00:12.0", 0x1b36, 0x000e, 0x060400, 1, 7, 6, NULL, 4);
	add(t, "0000:01:00.0", 0x8086, 0x10d3, 0x020000, 0, 0, 0, "e1000e", 6);
	add(t, "0000:06:01.0", 0x8086, 0x100e, 0x020000, 0, -1, 0, "e1000", 4);
	add(t, "0000:06:02.0", 0x8086, 0x100e, 0x020000, 0, -1, 0, "e1000", 4);
	add(t, "0000:00:13.0", 0x8086, 0x100e, 0x020000, 0, -1, 0, "e1000", -1);
	if (dmaown_topology_finalize(t, NULL) < 0)
		abort();
	return t;
}

char *fake_root_new(void)
{
	const char *tmp = getenv("TMPDIR");
	struct dmaown_topology *t = fake_topology();
	struct dmaown_err err = { 0 };
	char *dir;

	if (asprintf(&dir, "%s/dmaown-host-XXXXXX", tmp ? tmp : "/tmp") < 0)
		abort();
	if (!mkdtemp(dir))
		abort();
	if (dmaown_fake_build(dir, t, &err) < 0) {
		fprintf(stderr, "fake_build: %s\n", err.msg);
		abort();
	}
	dmaown_topology_free(t);
	return dir;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fake_root_free(char *root)
{
	if (!root)
		return;
	/* only ever below the temp dir this file created */
	if (strstr(root, "/dmaown-host-"))
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(root);
}

static void mkparents(char *path)
{
	char *p;

	for (p = path + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
}

int fake_put(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	mkparents(path);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

int fake_link(const char *root, const char *rel, const char *target)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	mkparents(path);
	return symlink(target, path) ? -errno : 0;
}

char *fake_state(const char *root)
{
	struct dmaown_topology *t = fake_topology();
	struct dmaown_host *h;
	char *buf = NULL, drv[64], ovr[64], b[DMAOWN_BDF_STRLEN];
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	if (!f || dmaown_host_open(root, &h) < 0)
		abort();
	for (i = 0; i < dmaown_topology_count(t); i++) {
		struct dmaown_bdf bdf = dmaown_topology_dev(t, i)->bdf;

		if (dmaown_host_driver(h, bdf, drv, sizeof(drv)) < 0)
			strcpy(drv, "?");
		if (dmaown_host_override(h, bdf, ovr, sizeof(ovr)) < 0)
			strcpy(ovr, "?");
		fprintf(f, "%s %s %s\n", dmaown_bdf_format(bdf, b),
			*drv ? drv : "-", *ovr ? ovr : "-");
	}
	fclose(f);
	dmaown_host_free(h);
	dmaown_topology_free(t);
	return buf;
}
