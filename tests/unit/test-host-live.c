// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-host-live.c - the live step backend on a fake root directory.
 *
 * Regular files stand in for sysfs attributes, so each test can read back
 * what the backend wrote and where; a directory in place of an attribute
 * makes the write fail with EISDIR, which must come back unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dmaown/host-live.h"

#define DEV "0000:06:01.0"
#define DEVDIR "sys/devices/pci0000:00/0000:00:12.0/" DEV

struct fx {
	char root[256];
	struct dmaown_sim_live *live;
	struct dmaown_sim_backend be;
	struct dmaown_bdf bdf;
};

static void path_of(const struct fx *f, const char *rel, char *buf)
{
	snprintf(buf, PATH_MAX, "%s/%s", f->root, rel);
}

static void mkdirs(const struct fx *f, const char *rel)
{
	char buf[PATH_MAX], *p;

	path_of(f, rel, buf);
	for (p = buf + strlen(f->root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
	mkdir(buf, 0755);
}

static void touch(const struct fx *f, const char *rel, const char *content)
{
	char buf[PATH_MAX];
	FILE *fp;

	path_of(f, rel, buf);
	fp = fopen(buf, "w");
	assert_non_null(fp);
	fputs(content, fp);
	fclose(fp);
}

static void link_to(const struct fx *f, const char *target, const char *rel)
{
	char buf[PATH_MAX];

	path_of(f, rel, buf);
	assert_int_equal(symlink(target, buf), 0);
}

static void slurp(const struct fx *f, const char *rel, char *out, size_t len)
{
	char buf[PATH_MAX];
	ssize_t n;
	int fd;

	path_of(f, rel, buf);
	fd = open(buf, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, out, len - 1);
	assert_true(n >= 0);
	out[n] = '\0';
	close(fd);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "%s/dmaown-live-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->root));
	mkdirs(f, DEVDIR);
	mkdirs(f, "sys/bus/pci/devices");
	mkdirs(f, "sys/bus/pci/drivers/e1000");
	mkdirs(f, "sys/bus/pci/drivers/vfio-pci");
	mkdirs(f, "sys/kernel/iommu_groups/4/devices");
	mkdirs(f, "dev/vfio");
	link_to(f, "../../../devices/pci0000:00/0000:00:12.0/" DEV,
		"sys/bus/pci/devices/" DEV);
	link_to(f, "../../../../bus/pci/drivers/e1000", DEVDIR "/driver");
	link_to(f, "../../../../kernel/iommu_groups/4", DEVDIR "/iommu_group");
	link_to(f, "../../../../devices/pci0000:00/0000:00:12.0/" DEV,
		"sys/kernel/iommu_groups/4/devices/" DEV);
	touch(f, DEVDIR "/driver_override", "");
	touch(f, DEVDIR "/remove", "");
	touch(f, "sys/bus/pci/drivers/e1000/bind", "");
	touch(f, "sys/bus/pci/drivers/e1000/unbind", "");
	touch(f, "sys/bus/pci/drivers/vfio-pci/bind", "");
	touch(f, "sys/bus/pci/drivers/vfio-pci/unbind", "");
	touch(f, "sys/bus/pci/rescan", "");
	assert_int_equal(dmaown_bdf_parse(DEV, &f->bdf), 0);
	assert_int_equal(dmaown_sim_live_new(f->root, &f->live, NULL), 0);
	dmaown_sim_live_backend(f->live, &f->be);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[PATH_MAX + 16];

	dmaown_sim_live_free(f->live);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void test_new_missing_root(void **state)
{
	struct dmaown_sim_live *l = (void *)1;
	struct dmaown_err err = { 0 };

	(void)state;
	assert_int_equal(dmaown_sim_live_new("/nonexistent/dmaown-root", &l,
					     &err), -ENOENT);
	assert_null(l);
	assert_int_equal(err.code, -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/dmaown-root"));
}

static void test_get_driver(void **state)
{
	struct fx *f = *state;
	char buf[64], p[PATH_MAX];
	struct dmaown_bdf gone;

	assert_int_equal(f->be.get_driver(f->be.ctx, f->bdf, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "e1000");
	path_of(f, DEVDIR "/driver", p);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(f->be.get_driver(f->be.ctx, f->bdf, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(dmaown_bdf_parse("0000:07:00.0", &gone), 0);
	assert_int_equal(f->be.get_driver(f->be.ctx, gone, buf, sizeof(buf)),
			 -ENODEV);
}

static void test_bind_writes(void **state)
{
	struct fx *f = *state;
	char buf[64];

	assert_int_equal(f->be.bind(f->be.ctx, f->bdf, "vfio-pci"), 0);
	/* unbind went to the old driver, through the driver link */
	slurp(f, "sys/bus/pci/drivers/e1000/unbind", buf, sizeof(buf));
	assert_string_equal(buf, DEV);
	slurp(f, DEVDIR "/driver_override", buf, sizeof(buf));
	assert_string_equal(buf, "vfio-pci");
	slurp(f, "sys/bus/pci/drivers/vfio-pci/bind", buf, sizeof(buf));
	assert_string_equal(buf, DEV);
	slurp(f, "sys/bus/pci/drivers/e1000/bind", buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void test_bind_errors(void **state)
{
	struct fx *f = *state;
	struct dmaown_bdf gone;
	char p[PATH_MAX], buf[64];

	/* driver not loaded: nothing is written */
	assert_int_equal(f->be.bind(f->be.ctx, f->bdf, "pci-stub"), -ENOENT);
	slurp(f, "sys/bus/pci/drivers/e1000/unbind", buf, sizeof(buf));
	assert_string_equal(buf, "");
	assert_int_equal(dmaown_bdf_parse("0000:07:00.0", &gone), 0);
	assert_int_equal(f->be.bind(f->be.ctx, gone, "vfio-pci"), -ENODEV);
	assert_int_equal(f->be.bind(f->be.ctx, f->bdf, "../x"), -EINVAL);
	/* the bind write's own errno comes back */
	path_of(f, "sys/bus/pci/drivers/vfio-pci/bind", p);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(f->be.bind(f->be.ctx, f->bdf, "vfio-pci"), -EISDIR);
	slurp(f, DEVDIR "/driver_override", buf, sizeof(buf));
	assert_string_equal(buf, "vfio-pci");
}

static void test_unbind(void **state)
{
	struct fx *f = *state;
	char buf[64], p[PATH_MAX];

	assert_int_equal(f->be.unbind(f->be.ctx, f->bdf), 0);
	slurp(f, "sys/bus/pci/drivers/e1000/unbind", buf, sizeof(buf));
	assert_string_equal(buf, DEV);
	/* no driver: nothing to do */
	path_of(f, DEVDIR "/driver", p);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(f->be.unbind(f->be.ctx, f->bdf), 0);
}

static void test_vfio_absent(void **state)
{
	struct fx *f = *state;
	bool viable = true;

	assert_int_equal(f->be.hold(f->be.ctx, f->bdf), -ENOENT);
	assert_int_equal(dmaown_sim_live_held(f->live), 0);
	assert_int_equal(f->be.get_viable(f->be.ctx, f->bdf, &viable), 0);
	assert_false(viable);
	assert_int_equal(f->be.release(f->be.ctx, f->bdf), -ENOENT);
}

static void test_vfio_not_a_group(void **state)
{
	struct fx *f = *state;
	bool viable = true;

	/* regular files cannot take the ioctls: ENOTTY, nothing kept open */
	touch(f, "dev/vfio/4", "");
	touch(f, "dev/vfio/vfio", "");
	assert_int_equal(f->be.hold(f->be.ctx, f->bdf), -ENOTTY);
	assert_int_equal(dmaown_sim_live_held(f->live), 0);
	assert_int_equal(f->be.get_viable(f->be.ctx, f->bdf, &viable), -ENOTTY);
}

static void test_remove_rescan_lookup(void **state)
{
	struct fx *f = *state;
	struct dmaown_bdf other;
	char buf[64], p[PATH_MAX];

	assert_int_equal(dmaown_bdf_parse("0000:07:00.0", &other), 0);
	assert_int_equal(f->be.lookup(f->be.ctx, f->bdf), 0);
	assert_int_equal(f->be.lookup(f->be.ctx, other), -ENODEV);
	assert_int_equal(f->be.remove(f->be.ctx, other), -ENODEV);
	assert_int_equal(f->be.remove(f->be.ctx, f->bdf), 0);
	slurp(f, DEVDIR "/remove", buf, sizeof(buf));
	assert_string_equal(buf, "1");
	/* the kernel would now drop the device; it stays known */
	path_of(f, "sys/bus/pci/devices/" DEV, p);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(f->be.lookup(f->be.ctx, f->bdf), 0);
	assert_int_equal(f->be.get_driver(f->be.ctx, f->bdf, buf, sizeof(buf)),
			 -ENODEV);
	assert_int_equal(f->be.rescan(f->be.ctx), 0);
	slurp(f, "sys/bus/pci/rescan", buf, sizeof(buf));
	assert_string_equal(buf, "1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_missing_root),
		cmocka_unit_test_setup_teardown(test_get_driver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unbind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vfio_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vfio_not_a_group, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_remove_rescan_lookup, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
