// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-safety.c - each safety refusal on a fake root, and the cases that
 * must not refuse (interface down, link-local address only, unmounted
 * disk, devices the plan does not move).
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dmaown/journal.h"
#include "dmaown/move.h"
#include "dmaown/safety.h"
#include "fakeroot.h"

/* device directories as dmaown_fake_build() lays them out */
#define D0601 "sys/devices/pci0000:00/0000:00:12.0/0000:06:01.0"
#define D0602 "sys/devices/pci0000:00/0000:00:12.0/0000:06:02.0"
#define D0100 "sys/devices/pci0000:00/0000:00:10.0/0000:01:00.0"

struct env {
	char *root;
	struct dmaown_topology *t;
	struct dmaown_move_plan *p;
	struct dmaown_safety_report rep;
};

static void setup(struct env *e)
{
	struct dmaown_bdf b;

	e->root = fake_root_new();
	e->t = fake_topology();
	assert_int_equal(dmaown_bdf_parse("06:01.0", &b), 0);
	assert_int_equal(dmaown_move_plan_assign(e->t, b, NULL, &e->p, NULL),
			 0);
}

static int check(struct env *e, struct dmaown_state *s)
{
	dmaown_safety_report_free(&e->rep);
	return dmaown_safety_check(e->root, e->p, s, &e->rep);
}

static void teardown(struct env *e)
{
	dmaown_safety_report_free(&e->rep);
	dmaown_move_plan_free(e->p);
	dmaown_topology_free(e->t);
	fake_root_free(e->root);
}

static void add_disk(struct env *e, const char *devdir, const char *disk)
{
	char rel[PATH_MAX], tgt[PATH_MAX], part[64];

	snprintf(rel, sizeof(rel), "%s/nvme/nvme0/%s/dev", devdir, disk);
	assert_int_equal(fake_put(e->root, rel, "259:0\n"), 0);
	snprintf(part, sizeof(part), "%sp2", disk);
	snprintf(rel, sizeof(rel), "%s/nvme/nvme0/%s/%s/dev", devdir, disk,
		 part);
	assert_int_equal(fake_put(e->root, rel, "259:2\n"), 0);
	snprintf(rel, sizeof(rel), "%s/nvme/nvme0/%s/%s/partition", devdir,
		 disk, part);
	assert_int_equal(fake_put(e->root, rel, "2\n"), 0);
	snprintf(rel, sizeof(rel), "sys/block/%s", disk);
	snprintf(tgt, sizeof(tgt), "../../%s/nvme/nvme0/%s", devdir, disk);
	assert_int_equal(fake_link(e->root, rel, tgt), 0);
}

static void test_clean(void **unused)
{
	struct env e = { 0 };

	(void)unused;
	setup(&e);
	assert_int_equal(check(&e, NULL), 0);
	teardown(&e);
}

static void test_rootfs(void **unused)
{
	struct env e = { 0 };

	(void)unused;
	setup(&e);
	add_disk(&e, D0601, "nvme0n1");
	/* not mounted: fine */
	assert_int_equal(check(&e, NULL), 0);
	assert_int_equal(
		fake_put(
			e.root, "proc/self/mountinfo",
			"22 1 259:2 / / rw,relatime - ext4 /dev/nvme0n1p2 rw\n"),
		0);
	assert_int_equal(check(&e, NULL), 1);
	assert_int_equal(e.rep.f[0].kind, DMAOWN_SAFETY_BLOCK);
	assert_string_equal(
		e.rep.f[0].msg,
		"0000:06:01.0 (nvme0n1) holds / (mounted from /dev/nvme0n1p2); use --force to override");
	teardown(&e);
}

static void test_mounts_fallback_swap_holders(void **unused)
{
	struct env e = { 0 };

	(void)unused;
	setup(&e);
	add_disk(&e, D0602, "nvme1n1");
	/* no mountinfo: proc/mounts by name */
	assert_int_equal(fake_put(e.root, "proc/mounts",
				  "/dev/nvme1n1p2 /srv ext4 rw 0 0\n"),
			 0);
	assert_int_equal(check(&e, NULL), 1);
	assert_non_null(
		strstr(e.rep.f[0].msg, "0000:06:02.0 (nvme1n1) holds /srv"));
	assert_int_equal(fake_put(e.root, "proc/mounts", ""), 0);
	assert_int_equal(
		fake_put(
			e.root, "proc/swaps",
			"Filename Type Size Used Priority\n/dev/nvme1n1p2 partition 1 0 -2\n"),
		0);
	assert_int_equal(check(&e, NULL), 1);
	assert_non_null(strstr(e.rep.f[0].msg, "holds swap on /dev/nvme1n1p2"));
	assert_int_equal(fake_put(e.root, "proc/swaps", ""), 0);
	assert_int_equal(fake_put(e.root,
				  D0602 "/nvme/nvme0/nvme1n1/holders/dm-0/x",
				  ""),
			 0);
	assert_int_equal(check(&e, NULL), 1);
	assert_non_null(strstr(e.rep.f[0].msg, "(nvme1n1) is in use by dm-0"));
	teardown(&e);
}

static void test_not_moved(void **unused)
{
	struct env e = { 0 };

	(void)unused;
	setup(&e);
	/* a mounted disk on 01:00.0 (group 6) does not stop group 4 */
	add_disk(&e, D0100, "nvme2n1");
	assert_int_equal(
		fake_put(e.root, "proc/self/mountinfo",
			 "22 1 259:2 / / rw - ext4 /dev/nvme2n1p2 rw\n"),
		0);
	assert_int_equal(check(&e, NULL), 0);
	teardown(&e);
}

static void test_vga_fb(void **unused)
{
	struct env e = { 0 };

	(void)unused;
	setup(&e);
	assert_int_equal(fake_put(e.root, D0601 "/boot_vga", "0\n"), 0);
	assert_int_equal(check(&e, NULL), 0);
	assert_int_equal(fake_put(e.root, D0601 "/boot_vga", "1\n"), 0);
	assert_int_equal(check(&e, NULL), 1);
	assert_int_equal(e.rep.f[0].kind, DMAOWN_SAFETY_VGA);
	assert_non_null(strstr(
		e.rep.f[0].msg,
		"0000:06:01.0 is the boot VGA device (sys/bus/pci/devices/0000:06:01.0/boot_vga = 1)"));
	assert_int_equal(fake_put(e.root, D0601 "/boot_vga", "0\n"), 0);
	assert_int_equal(fake_put(e.root, D0602 "/graphics/fb0/dev", "29:0\n"),
			 0);
	assert_int_equal(fake_link(e.root, "sys/class/graphics/fb0",
				   "../../../" D0602 "/graphics/fb0"),
			 0);
	assert_int_equal(
		fake_link(e.root, D0602 "/graphics/fb0/device", "../.."), 0);
	assert_int_equal(check(&e, NULL), 1);
	assert_non_null(
		strstr(e.rep.f[0].msg, "0000:06:02.0 drives framebuffer fb0"));
	teardown(&e);
}

static void test_net(void **unused)
{
	struct env e = { 0 };

	(void)unused;
	setup(&e);
	assert_int_equal(
		fake_put(e.root, D0601 "/net/eth0/operstate", "down\n"), 0);
	assert_int_equal(fake_link(e.root, "sys/class/net/eth0",
				   "../../../" D0601 "/net/eth0"),
			 0);
	assert_int_equal(fake_link(e.root, D0601 "/net/eth0/device", "../.."),
			 0);
	assert_int_equal(fake_put(e.root, ".dmaown-ipv4", "eth0 192.0.2.10\n"),
			 0);
	/* down: fine even with an address */
	assert_int_equal(check(&e, NULL), 0);
	assert_int_equal(fake_put(e.root, D0601 "/net/eth0/operstate", "up\n"),
			 0);
	assert_int_equal(check(&e, NULL), 1);
	assert_int_equal(e.rep.f[0].kind, DMAOWN_SAFETY_NET);
	assert_non_null(
		strstr(e.rep.f[0].msg,
		       "0000:06:01.0 (eth0) is up with address 192.0.2.10"));
	/* only a link-local IPv6 address: fine */
	assert_int_equal(fake_put(e.root, ".dmaown-ipv4", ""), 0);
	assert_int_equal(
		fake_put(e.root, "proc/net/if_inet6",
			 "fe80000000000000025056fffe000001 02 40 20 80 eth0\n"),
		0);
	assert_int_equal(check(&e, NULL), 0);
	assert_int_equal(
		fake_put(e.root, "proc/net/if_inet6",
			 "20010db8000000000000000000000001 02 40 00 80 eth0\n"),
		0);
	assert_int_equal(check(&e, NULL), 1);
	assert_non_null(strstr(e.rep.f[0].msg, "20010db8"));
	/* routes without addresses */
	assert_int_equal(fake_put(e.root, "proc/net/if_inet6", ""), 0);
	assert_int_equal(
		fake_put(
			e.root, "proc/net/route",
			"Iface\tDestination\tGateway\nlo\t0\t0\neth0\t00000000\t0102A8C0\n"),
		0);
	assert_int_equal(check(&e, NULL), 1);
	assert_non_null(
		strstr(e.rep.f[0].msg, "(eth0) is up and carries routes"));
	teardown(&e);
}

static void test_held(void **unused)
{
	struct env e = { 0 };
	struct dmaown_state *s;
	char dir[PATH_MAX];

	(void)unused;
	setup(&e);
	assert_int_equal(fake_put(e.root, ".dmaown-fake-held", "4\n"), 0);
	assert_int_equal(check(&e, NULL), 1);
	assert_int_equal(e.rep.f[0].kind, DMAOWN_SAFETY_HELD);
	assert_non_null(
		strstr(e.rep.f[0].msg, "group 4 is held by a VFIO user"));
	assert_int_equal(fake_put(e.root, ".dmaown-fake-held", ""), 0);
	snprintf(dir, sizeof(dir), "%s/run/dmaown", e.root);
	assert_int_equal(dmaown_state_open(dir, NULL, &s, NULL), 0);
	e.p->phase = DMAOWN_PHASE_ASSIGNED;
	e.p->pid = 4242;
	assert_int_equal(dmaown_state_save(s, e.p, NULL), 0);
	assert_int_equal(check(&e, s), 1);
	assert_non_null(strstr(
		e.rep.f[0].msg,
		"group 4 is already held by dmaown (assigned by pid 4242"));
	dmaown_state_close(s);
	teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_rootfs),
		cmocka_unit_test(test_mounts_fallback_swap_holders),
		cmocka_unit_test(test_not_moved),
		cmocka_unit_test(test_vga_fb),
		cmocka_unit_test(test_net),
		cmocka_unit_test(test_held),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
