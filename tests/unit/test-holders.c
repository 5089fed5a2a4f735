// SPDX-License-Identifier: LGPL-2.1-or-later
/* test-holders.c - VFIO holders found through a fake ROOT/proc */
#include <errno.h>
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

#include "dmaown/holders.h"

static char root[] = "/tmp/dmaown-holders-XXXXXX";

static void mkpath(const char *rel)
{
	char p[PATH_MAX], *s;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
}

static void put_link(const char *rel, const char *target)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(symlink(target, p), 0);
}

static void put_file(const char *rel, const char *text)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(root))
		return -1;
	/* pid 100: a VMM with the legacy group file of group 12 open */
	mkpath("proc/100/fd");
	put_file("proc/100/comm", "qemu-system-x86\n");
	put_link("proc/100/fd/0", "/dev/null");
	put_link("proc/100/fd/7", "/dev/vfio/vfio");
	put_link("proc/100/fd/8", "/dev/vfio/12");
	put_link("proc/100/fd/9", "/dev/vfio/12");	/* twice: one entry */
	/* pid 200: iommufd cdev of a device in group 7 */
	mkpath("proc/200/fd");
	put_file("proc/200/comm", "dpdk-app\n");
	put_link("proc/200/fd/3", "/dev/iommu");
	put_link("proc/200/fd/4", "/dev/vfio/devices/vfio0");
	mkpath("sys/class/vfio-dev/vfio0/device");
	put_link("sys/class/vfio-dev/vfio0/device/iommu_group",
		 "../../../../kernel/iommu_groups/7");
	/* pid 300: a cdev whose device is gone, and junk names */
	mkpath("proc/300/fd");
	put_link("proc/300/fd/1", "/dev/vfio/devices/vfio9");
	put_link("proc/300/fd/2", "/dev/vfio/12x");
	put_link("proc/300/fd/5", "/dev/vfio/devices/vfio0/../x");
	mkpath("proc/self");
	mkpath("proc/notapid/fd");
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static int cmp(const void *a, const void *b)
{
	const struct dmaown_holder *x = a, *y = b;

	return x->pid - y->pid;
}

static void test_holders(void **state)
{
	struct dmaown_holder *h = NULL;
	int n;

	(void)state;
	n = dmaown_vfio_holders(root, &h);
	assert_int_equal(n, 2);
	qsort(h, (size_t)n, sizeof(*h), cmp);
	assert_int_equal(h[0].pid, 100);
	assert_int_equal(h[0].group, 12);
	assert_string_equal(h[0].comm, "qemu-system-x86");
	assert_int_equal(h[1].pid, 200);
	assert_int_equal(h[1].group, 7);
	assert_string_equal(h[1].comm, "dpdk-app");
	free(h);
}

static void test_no_proc(void **state)
{
	struct dmaown_holder *h = (void *)1;

	(void)state;
	assert_int_equal(dmaown_vfio_holders("/nonexistent-dmaown", &h), 0);
	assert_null(h);
	assert_int_equal(dmaown_vfio_holders(NULL, &h), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_holders),
		cmocka_unit_test(test_no_proc),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
