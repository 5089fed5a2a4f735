// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-sources.c - sysfs snapshots built from code, snapshot round trips,
 * corrupt snapshots, lspci dump and text fixtures, the shared corpus
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

/* test paths are short; silence snprintf size guesses */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include "cfgbuild.h"
#include "dmaown/source.h"

static char tmpbase[PATH_MAX];

static void put(const char *root, const char *rel, const void *data,
		size_t len)
{
	char path[PATH_MAX], *p;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		mkdir(path, 0755);
		*p = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void puts_(const char *root, const char *rel, const char *s)
{
	put(root, rel, s, strlen(s));
}

static void mkdirs(const char *root, const char *rel)
{
	char path[PATH_MAX], *p;

	snprintf(path, sizeof(path), "%s/%s/", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		mkdir(path, 0755);
		*p = '/';
	}
}

/* relative symlink ROOT/from -> ROOT/to */
static void link_(const char *root, const char *from, const char *to)
{
	char path[PATH_MAX], target[PATH_MAX] = "", dir[PATH_MAX];
	const char *p;

	snprintf(dir, sizeof(dir), "%s", from);
	*strrchr(dir, '/') = 0;
	mkdirs(root, dir);
	for (p = dir; p; p = strchr(p + 1, '/'))
		strcat(target, "../");
	strcat(target, to);
	snprintf(path, sizeof(path), "%s/%s", root, from);
	assert_int_equal(symlink(target, path), 0);
}

static void add_dev(const char *root, const char *devpath, const char *bdf,
		    const struct cfgb *c, size_t len, int group,
		    const char *driver)
{
	char rel[PATH_MAX], f[PATH_MAX + 32], v[64];

	snprintf(rel, sizeof(rel), "sys/devices/%s", devpath);
	snprintf(f, sizeof(f), "%s/config", rel);
	put(root, f, c->b, len);
	snprintf(f, sizeof(f), "%s/vendor", rel);
	snprintf(v, sizeof(v), "0x%04x\n", c->b[0] | c->b[1] << 8);
	puts_(root, f, v);
	snprintf(f, sizeof(f), "%s/device", rel);
	snprintf(v, sizeof(v), "0x%04x\n", c->b[2] | c->b[3] << 8);
	puts_(root, f, v);
	snprintf(f, sizeof(f), "%s/class", rel);
	snprintf(v, sizeof(v), "0x%02x%02x%02x\n", c->b[11], c->b[10], c->b[9]);
	puts_(root, f, v);
	snprintf(f, sizeof(f), "%s/resource", rel);
	puts_(root, f, "0x00000000f7100000 0x00000000f717ffff 0x0000000000040200\n"
		       "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
	snprintf(f, sizeof(f), "sys/bus/pci/devices/%s", bdf);
	link_(root, f, rel);
	if (group >= 0) {
		char g[64];

		snprintf(g, sizeof(g), "sys/kernel/iommu_groups/%d", group);
		snprintf(f, sizeof(f), "%s/iommu_group", rel);
		link_(root, f, g);
		snprintf(f, sizeof(f), "sys/kernel/iommu_groups/%d/devices/%s",
			 group, bdf);
		link_(root, f, rel);
	}
	if (driver) {
		char d[128];

		snprintf(d, sizeof(d), "sys/bus/pci/drivers/%s", driver);
		snprintf(f, sizeof(f), "%s", d);
		mkdirs(root, f);
		snprintf(f, sizeof(f), "%s/driver", rel);
		link_(root, f, d);
	}
}

/*
 * 00:00.0 host bridge; 00:1c.0 root port (ACS) -> 01:00.0 SR-IOV PF with
 * VF 01:00.2 (ARI-style offset 2); 00:0e.0 VMD with 10000:00:02.0 behind.
 */
static void build_tree(const char *root)
{
	struct cfgb c;

	cb_init(&c, 0x8086, 0x3ec2, 0x060000, 0);
	add_dev(root, "pci0000:00/0000:00:00.0", "0000:00:00.0", &c, 256, 0,
		NULL);
	cb_init(&c, 0x8086, 0xa290, 0x060400, 0x01);
	cb_bridge(&c, 0, 1, 1);
	cb_pcie(&c, 0x40, DMAOWN_PCIE_ROOT_PORT);
	cb_ext(&c, 0x100, 0x0001);
	cb_acs(&c, 0x140, 0x1f, 0x1d);
	add_dev(root, "pci0000:00/0000:00:1c.0", "0000:00:1c.0", &c, 4096, 1,
		"pcieport");
	cb_init(&c, 0x8086, 0x1572, 0x020000, 0x80);
	cb_pcie(&c, 0x40, DMAOWN_PCIE_ENDPOINT);
	cb_ext(&c, 0x100, 0x0001);
	cb_sriov(&c, 0x160, 4, 1, 2, 1, 0x154c);
	add_dev(root, "pci0000:00/0000:00:1c.0/0000:01:00.0", "0000:01:00.0",
		&c, 4096, 2, "i40e");
	cb_init(&c, 0xffff, 0xffff, 0x020000, 0);
	cb_pcie(&c, 0x40, DMAOWN_PCIE_ENDPOINT);
	add_dev(root, "pci0000:00/0000:00:1c.0/0000:01:00.2", "0000:01:00.2",
		&c, 4096, 3, NULL);
	puts_(root, "sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.2/vendor",
	      "0x8086\n");
	puts_(root, "sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.2/device",
	      "0x154c\n");
	link_(root, "sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.2/physfn",
	      "sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0");
	cb_init(&c, 0x8086, 0x467f, 0x010400, 0);
	add_dev(root, "pci0000:00/0000:00:0e.0", "0000:00:0e.0", &c, 4096, 4,
		"vmd");
	cb_init(&c, 0x144d, 0xa80a, 0x010802, 0);
	cb_pcie(&c, 0x70, DMAOWN_PCIE_ENDPOINT);
	add_dev(root, "pci0000:00/0000:00:0e.0/pci10000:00/10000:00:02.0",
		"10000:00:02.0", &c, 4096, 4, "nvme");
	puts_(root, "proc/cmdline", "BOOT_IMAGE=/vmlinuz intel_iommu=on\n");
	puts_(root, "proc/sys/kernel/osrelease", "6.12.0-test\n");
	link_(root, "sys/class/iommu/dmar0", "sys/devices/virtual/iommu/dmar0");
	mkdirs(root, "sys/devices/virtual/iommu/dmar0");
}

static char *mktmp(const char *tag)
{
	char *p = malloc(PATH_MAX);

	snprintf(p, PATH_MAX, "%s/%s-XXXXXX", tmpbase, tag);
	assert_non_null(mkdtemp(p));
	return p;
}

static const struct dmaown_dev *dev(const struct dmaown_topology *t,
				    const char *s)
{
	struct dmaown_bdf b;
	int i;

	assert_int_equal(dmaown_bdf_parse(s, &b), 0);
	i = dmaown_topology_find(t, b);
	assert_true(i >= 0);
	return dmaown_topology_dev(t, (size_t)i);
}

static void check_tree(const struct dmaown_topology *t, bool groups)
{
	const struct dmaown_host_info *h = dmaown_topology_host_const(t);
	const struct dmaown_dev *rp, *pf, *vf, *vmd, *nvme;

	assert_int_equal(dmaown_topology_count(t), 6);
	rp = dev(t, "0000:00:1c.0");
	pf = dev(t, "0000:01:00.0");
	vf = dev(t, "0000:01:00.2");
	vmd = dev(t, "0000:00:0e.0");
	nvme = dev(t, "10000:00:02.0");
	assert_true(rp->on_root_bus);
	assert_int_equal(rp->acs_pos, 0x140);
	assert_int_equal(rp->acs_ctrl, 0x1d);
	assert_true(rp->acs_known);
	assert_string_equal(rp->driver, "pcieport");
	assert_ptr_equal(dmaown_topology_dev(t, (size_t)pf->parent), rp);
	assert_int_equal(pf->bar[0].size, 0x80000);
	assert_int_equal(pf->sriov_total_vfs, 4);
	assert_true(vf->is_vf);
	assert_int_equal(vf->vendor, 0x8086);
	assert_int_equal(vf->device, 0x154c);
	assert_ptr_equal(dmaown_topology_dev(t, (size_t)vf->physfn), pf);
	assert_false(vf->multifunction);
	assert_ptr_equal(dmaown_topology_dev(t, (size_t)nvme->vmd_owner), vmd);
	assert_int_equal(nvme->kernel_group, groups ? 4 : -1);
	assert_int_equal(vf->kernel_group, groups ? 3 : -1);
	assert_string_equal(h->cmdline, "BOOT_IMAGE=/vmlinuz intel_iommu=on");
	assert_string_equal(h->kernel_release, "6.12.0-test");
	assert_true(h->iommu_known);
	assert_true(h->iommu_present);
	assert_string_equal(h->iommu_kind, "intel");
}

static void test_tree(void **state)
{
	char *root = mktmp("tree"), **drv;
	struct dmaown_topology *t = NULL;
	struct dmaown_err err = { 0 };

	build_tree(root);
	assert_int_equal(dmaown_source_load(DMAOWN_SOURCE_SYSFS, root, &t,
					    &err), 0);
	check_tree(t, true);
	dmaown_topology_free(t);
	assert_int_equal(dmaown_source_drivers(root, &drv), 4);
	assert_string_equal(drv[0], "i40e");
	assert_string_equal(drv[1], "nvme");
	assert_string_equal(drv[2], "pcieport");
	assert_string_equal(drv[3], "vmd");
	assert_null(drv[4]);
	dmaown_strv_free(drv);
	free(root);
}

static void test_roundtrip(void **state)
{
	char *root = mktmp("rt"), out[PATH_MAX], out2[PATH_MAX], p[PATH_MAX];
	struct dmaown_topology *t = NULL;
	struct dmaown_err err = { 0 };
	struct stat st;

	build_tree(root);
	/* a link out of the tree must not be followed */
	snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/0000:00:1f.0", root);
	assert_int_equal(symlink("../../../../../../../etc", p), 0);
	snprintf(out, sizeof(out), "%s.snap", root);
	assert_int_equal(dmaown_snapshot_write(root, out, &err), 0);
	snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/0000:00:1f.0", out);
	assert_int_equal(lstat(p, &st), -1);
	/* the escaping entry is gone; the rest loads as before */
	snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/0000:00:1f.0", root);
	unlink(p);
	assert_int_equal(dmaown_source_load(DMAOWN_SOURCE_SYSFS, out, &t,
					    &err), 0);
	check_tree(t, true);
	dmaown_topology_free(t);
	snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/0000:00:1c.0", out);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISLNK(st.st_mode));

	/* refuses a non-empty target */
	err.code = 0;
	assert_int_equal(dmaown_snapshot_write(root, out, &err), -EEXIST);
	assert_non_null(strstr(err.msg, out));

	/* --no-groups: the kernel's answer is not in the copy */
	snprintf(out2, sizeof(out2), "%s.nogroups", root);
	assert_int_equal(dmaown_snapshot_write_flags(
		root, out2, DMAOWN_SNAPSHOT_NO_GROUPS, &err), 0);
	snprintf(p, sizeof(p), "%s/sys/kernel/iommu_groups", out2);
	assert_int_equal(stat(p, &st), -1);
	assert_int_equal(dmaown_source_load(DMAOWN_SOURCE_SYSFS, out2, &t,
					    &err), 0);
	check_tree(t, false);
	dmaown_topology_free(t);
	free(root);
}

static void expect_fail(const char *root, const char *needle)
{
	struct dmaown_topology *t = NULL;
	struct dmaown_err err = { 0 };
	int r = dmaown_source_load(DMAOWN_SOURCE_SYSFS, root, &t, &err);

	if (r != -EINVAL)
		fail_msg("%s: got %d (%s)", needle, r, err.msg);
	assert_null(t);
	assert_null(strchr(err.msg, '\n'));
	if (!strstr(err.msg, needle))
		fail_msg("error \"%s\" lacks \"%s\"", err.msg, needle);
}

static void test_corrupt(void **state)
{
	char *root, p[PATH_MAX];
	const char *ep = "sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0";

	root = mktmp("c1");
	build_tree(root);
	snprintf(p, sizeof(p), "%s/%s/config", root, ep);
	unlink(p);
	expect_fail(root, "0000:01:00.0/config: missing");
	free(root);

	root = mktmp("c2");
	build_tree(root);
	snprintf(p, sizeof(p), "%s/%s/config", root, ep);
	assert_int_equal(truncate(p, 10), 0);
	expect_fail(root, "0000:01:00.0/config: fewer than 64");
	free(root);

	root = mktmp("c3");
	build_tree(root);
	snprintf(p, sizeof(p), "%s/%s/vendor", root, ep);
	put("/", p + 1, "banana\n", 7);
	expect_fail(root, "0000:01:00.0/vendor: not a hex number");
	unlink(p);
	expect_fail(root, "0000:01:00.0/vendor");
	free(root);

	root = mktmp("c4");
	build_tree(root);
	snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/0000:05:00.0", root);
	assert_int_equal(symlink("../../../devices/nowhere/0000:05:00.0", p),
			 0);
	expect_fail(root, "0000:05:00.0: dangling link");
	free(root);

	root = mktmp("c5");
	build_tree(root);
	snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/garbage", root);
	mkdir(p, 0755);
	expect_fail(root, "devices/garbage: not a PCI address");
	free(root);

	root = mktmp("c6");
	build_tree(root);
	snprintf(p, sizeof(p), "%s/%s/iommu_group", root, ep);
	unlink(p);
	assert_int_equal(symlink("../../../../kernel/iommu_groups/x1", p), 0);
	expect_fail(root, "iommu_group: link target is not a group number");
	free(root);

	root = mktmp("c7");
	{
		struct dmaown_topology *t = NULL;
		struct dmaown_err err = { 0 };

		assert_int_equal(dmaown_source_load(DMAOWN_SOURCE_SYSFS, root,
						    &t, &err), -ENOENT);
		assert_non_null(strstr(err.msg, "sys/bus/pci/devices"));
	}
	free(root);
}

static char *fixture(const char *name)
{
	char *p = malloc(PATH_MAX);
	const char *src = getenv("SRCDIR");

	snprintf(p, PATH_MAX, "%s/tests/fixtures/lspci/%s", src ? src : ".",
		 name);
	return p;
}

static void test_dump(void **state)
{
	char *f = fixture("host-xxxx.dump");
	struct dmaown_topology *t = NULL;
	struct dmaown_err err = { 0 };
	const struct dmaown_dev *d;
	char bad[PATH_MAX];

	assert_int_equal(dmaown_source_load(DMAOWN_SOURCE_LSPCI_DUMP, f, &t,
					    &err), 0);
	assert_int_equal(dmaown_topology_count(t), 8);
	d = dev(t, "00:1c.0");
	assert_int_equal(d->acs_pos, 0x140);
	assert_int_equal(d->acs_ctrl, 0x000d);
	assert_true(d->hdr_multifunction);
	d = dev(t, "00:01.0");
	assert_int_equal(d->acs_pos, 0);
	assert_true(d->acs_known);
	assert_int_equal(dev(t, "00:1f.0")->rcba, 0xfed1c001);
	assert_false(dev(t, "00:1f.0")->acs_known == false &&
		     dev(t, "00:1f.0")->is_pcie);
	assert_true(dev(t, "01:00.1")->multifunction);
	d = dev(t, "02:10.0");
	assert_true(d->is_vf);
	assert_int_equal(d->device, 0x10ed);
	assert_ptr_equal(dmaown_topology_dev(t, (size_t)d->physfn),
			 dev(t, "02:00.0"));
	dmaown_topology_free(t);
	free(f);

	snprintf(bad, sizeof(bad), "%s/bad.dump", tmpbase);
	put("/", bad + 1, "00:00.0 Host bridge\n00: 86 80 zz\n", 32);
	err.code = 0;
	assert_int_equal(dmaown_source_load(DMAOWN_SOURCE_LSPCI_DUMP, bad, &t,
					    &err), -EINVAL);
	assert_non_null(strstr(err.msg, bad));
	assert_non_null(strstr(err.msg, "Malformed"));
	put("/", bad + 1, "00:00.0 Host bridge\n00: 86 80\n", 30);
	err.code = 0;
	assert_int_equal(dmaown_source_load(DMAOWN_SOURCE_LSPCI_DUMP, bad, &t,
					    &err), -EINVAL);
	assert_non_null(strstr(err.msg, "fewer than 64"));
	err.code = 0;
	assert_int_equal(dmaown_source_load(DMAOWN_SOURCE_LSPCI_DUMP,
					    "/nonexistent/x", &t, &err),
			 -ENOENT);
}

static void test_text(void **state)
{
	char *f = fixture("switch-sriov.vvnn.txt");
	struct dmaown_topology *t = NULL;
	struct dmaown_err err = { 0 };
	const struct dmaown_dev *d;

	assert_int_equal(dmaown_source_load(DMAOWN_SOURCE_LSPCI_TEXT, f, &t,
					    &err), 0);
	assert_int_equal(dmaown_topology_count(t), 16);
	d = dev(t, "00:1c.0");
	assert_int_equal(d->pcie_type, DMAOWN_PCIE_ROOT_PORT);
	assert_int_equal(d->acs_pos, 0x140);
	assert_int_equal(d->acs_cap, DMAOWN_ACS_SV | DMAOWN_ACS_RR |
				     DMAOWN_ACS_CR);
	assert_int_equal(d->acs_ctrl, d->acs_cap);
	assert_string_equal(d->driver, "pcieport");
	assert_int_equal(d->kernel_group, 6);
	d = dev(t, "03:08.0");
	assert_int_equal(d->pcie_type, DMAOWN_PCIE_DOWNSTREAM);
	assert_int_equal(d->acs_ctrl, 0x1d);
	assert_ptr_equal(dmaown_topology_dev(t, (size_t)d->parent),
			 dev(t, "02:00.0"));
	assert_int_equal(dev(t, "02:00.0")->pcie_type, DMAOWN_PCIE_UPSTREAM);
	assert_int_equal(dev(t, "06:00.0")->pcie_type,
			 DMAOWN_PCIE_PCIE_TO_PCI);
	assert_false(dev(t, "07:00.0")->is_pcie);
	assert_true(dev(t, "07:00.0")->acs_known);
	assert_true(dev(t, "01:00.0")->hdr_multifunction);
	assert_int_equal(dev(t, "01:00.0")->bar[1].size, 256u << 20);
	assert_int_equal(dev(t, "01:00.0")->class_code, 0x030000);
	assert_false(dev(t, "00:01.0")->hdr_multifunction);
	assert_int_equal(dev(t, "00:01.0")->acs_pos, 0);
	assert_true(dev(t, "00:01.0")->acs_known);
	d = dev(t, "04:00.0");
	assert_int_equal(d->sriov_num_vfs, 2);
	assert_int_equal(d->sriov_offset, 128);
	assert_true(d->ari);
	d = dev(t, "04:10.2");
	assert_true(d->is_vf);
	assert_false(d->multifunction);
	assert_ptr_equal(dmaown_topology_dev(t, (size_t)d->physfn),
			 dev(t, "04:00.0"));
	assert_true(dev(t, "00:1f.3")->multifunction);
	dmaown_topology_free(t);
	free(f);

	f = fixture("crlf-D-denied.txt");
	assert_int_equal(dmaown_source_load(DMAOWN_SOURCE_LSPCI_TEXT, f, &t,
					    &err), 0);
	assert_int_equal(dmaown_topology_count(t), 3);
	assert_false(dev(t, "0000:01:00.0")->acs_known);
	assert_ptr_equal(dmaown_topology_dev(t, (size_t)dev(t, "01:00.0")
						   ->parent),
			 dev(t, "00:01.0"));
	assert_int_equal(dev(t, "01:00.0")->device, 0xa80a);
	dmaown_topology_free(t);
	free(f);

	f = fixture("numeric-n.txt");
	assert_int_equal(dmaown_source_load(DMAOWN_SOURCE_LSPCI_TEXT, f, &t,
					    &err), 0);
	assert_int_equal(dev(t, "01:00.1")->vendor, 0x10de);
	assert_int_equal(dev(t, "01:00.1")->class_code, 0x040300);
	dmaown_topology_free(t);
	free(f);
}

static void text_fail(const char *text, const char *needle)
{
	struct dmaown_topology *t = NULL;
	struct dmaown_err err = { 0 };

	assert_int_equal(dmaown_lspci_text_parse(text, strlen(text), "in.txt",
						 &t, &err), -EINVAL);
	assert_null(t);
	if (!strstr(err.msg, needle))
		fail_msg("error \"%s\" lacks \"%s\"", err.msg, needle);
}

static void test_text_bad(void **state)
{
	text_fail("", "in.txt: no lspci device lines");
	text_fail("hello\nworld\n", "in.txt: no lspci device lines");
	text_fail("00:01.0 PCI bridge [0604]: X [8086:1901]\n"
		  "00:01.0 PCI bridge [0604]: Y [8086:1234]\n",
		  "in.txt:2: device listed again");
	{
		static const char nul[] = "00:00.0 Host bridge [0600]: X [8086:3ec2]\nab\0cd\n";
		struct dmaown_topology *t = NULL;
		struct dmaown_err err = { 0 };

		assert_int_equal(dmaown_lspci_text_parse(nul, sizeof(nul) - 1,
							 "in.txt", &t, &err),
				 -EINVAL);
		assert_non_null(strstr(err.msg, "in.txt:2: NUL"));
	}
}

static bool has_lspci_lines(const char *path)
{
	struct dmaown_topology *t = NULL;
	FILE *f = fopen(path, "r");
	char line[4096];
	bool yes = false;

	(void)t;
	if (!f)
		return false;
	while (!yes && fgets(line, sizeof(line), f)) {
		const char *s = line + strspn(line, " \t");

		if (!strncmp(s, "Group Device: ", 14))
			s += 14;
		if (!strncasecmp(s, "IOMMU group ", 12))
			s += 12 + strspn(s + 12, "0123456789 ");
		yes = strlen(s) > 8 && s[2] == ':' && s[5] == '.' &&
		      strstr(s, "]: ");
		yes = yes || (strlen(s) > 13 && s[4] == ':' && s[7] == ':' &&
			      s[10] == '.' && strstr(s, "]: "));
	}
	fclose(f);
	return yes;
}

static void test_corpus(void **state)
{
	const char *shared = getenv("SHARED");
	char dir[PATH_MAX], path[PATH_MAX * 2];
	struct dirent *e, *fe;
	int loaded = 0;
	DIR *d, *fd;

	if (!shared) {
		skip();
		return;
	}
	snprintf(dir, sizeof(dir), "%s/iommu-corpus", shared);
	d = opendir(dir);
	if (!d) {
		print_message("no corpus at %s: skipped\n", dir);
		skip();
		return;
	}
	while ((e = readdir(d))) {
		char sub[PATH_MAX + 256];

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		fd = opendir(sub);
		if (!fd)
			continue;
		while ((fe = readdir(fd))) {
			struct dmaown_topology *t = NULL;
			struct dmaown_err err = { 0 };

			snprintf(path, sizeof(path), "%s/%s", sub, fe->d_name);
			if (fe->d_name[0] == '.' || !has_lspci_lines(path))
				continue;
			if (dmaown_source_load(DMAOWN_SOURCE_LSPCI_TEXT, path,
					       &t, &err))
				fail_msg("%s", err.msg);
			assert_true(dmaown_topology_count(t) > 0);
			dmaown_topology_free(t);
			loaded++;
		}
		closedir(fd);
	}
	closedir(d);
	assert_true(loaded >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_bad),
		cmocka_unit_test(test_corpus),
	};
	const char *tmp = getenv("TMPDIR");
	int r;

	snprintf(tmpbase, sizeof(tmpbase), "%s/dmaown-src-XXXXXX",
		 tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpbase))
		return 1;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	if (!getenv("KEEP_TMP")) {
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpbase);
		if (system(cmd))
			r = r ? r : 1;
	}
	return r;
}
