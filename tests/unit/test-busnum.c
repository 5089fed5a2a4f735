// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-busnum.c - bus hierarchy inferred from `lspci -nn` style text
 * (no "Bus: primary=" lines): plain DFS numbering, empty slots, nested
 * switches, a hotplug gap that needs the fallback rule, input no rule
 * fits, domains other than 0, Bus: lines as constraints, and the group
 * listings that come pasted in the same file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dmaown/predict.h"
#include "dmaown/source.h"

static struct dmaown_topology *parse(const char *text)
{
	struct dmaown_topology *t = NULL;
	struct dmaown_err err = { 0 };
	int r = dmaown_lspci_text_parse(text, strlen(text), "test", &t, &err);

	if (r)
		fprintf(stderr, "parse: %d %s\n", r, err.msg);
	assert_int_equal(r, 0);
	return t;
}

static const struct dmaown_dev *dev(const struct dmaown_topology *t,
				    const char *bdf)
{
	struct dmaown_bdf b;
	int i;

	assert_int_equal(dmaown_bdf_parse(bdf, &b), 0);
	i = dmaown_topology_find(t, b);
	assert_true(i >= 0);
	return dmaown_topology_dev(t, (size_t)i);
}

/* parent of @bdf as "DDDD:BB:SS.F", or "-" on a root bus */
static void check_parent(const struct dmaown_topology *t, const char *bdf,
			 const char *want)
{
	const struct dmaown_dev *d = dev(t, bdf);
	char buf[DMAOWN_BDF_STRLEN] = "-";

	if (d->parent >= 0)
		dmaown_bdf_format(dmaown_topology_dev(t, (size_t)d->parent)->bdf,
				  buf);
	if (strcmp(buf, want))
		fprintf(stderr, "%s: parent %s, want %s\n", bdf, buf, want);
	assert_string_equal(buf, want);
}

static enum dmaown_bus_numbers how(struct dmaown_topology *t)
{
	return dmaown_topology_host(t)->bus_numbers;
}

#define BR(bdf, id) bdf " PCI bridge [0604]: Vendor Bridge [" id "]\n"
#define EP(bdf, id) bdf " Ethernet controller [0200]: Vendor NIC [" id "]\n"

/* the case from the brief: CPU root port, NVMe behind it */
static void test_plain_dfs(void **state)
{
	struct dmaown_topology *t;

	(void)state;
	t = parse("00:00.0 Host bridge [0600]: Intel Host [8086:5918]\n"
		  BR("00:01.0", "8086:1901")
		  BR("00:1c.0", "8086:a114")
		  BR("00:1c.5", "8086:a115")
		  "01:00.0 Non-Volatile memory controller [0108]: X [1987:5012]\n"
		  EP("02:00.0", "102b:0522") EP("02:00.1", "19a2:0800")
		  EP("03:00.0", "8086:1533"));
	assert_int_equal(how(t), DMAOWN_BUSNUM_DFS);
	check_parent(t, "01:00.0", "0000:00:01.0");
	check_parent(t, "02:00.1", "0000:00:1c.0");
	check_parent(t, "03:00.0", "0000:00:1c.5");
	check_parent(t, "00:1c.0", "-");
	assert_true(dev(t, "01:00.0")->parent_inferred);
	assert_false(dev(t, "00:1c.0")->parent_inferred);
	assert_int_equal(dev(t, "00:1c.5")->secondary, 3);
	assert_int_equal(dev(t, "00:1c.5")->subordinate, 3);
	dmaown_topology_free(t);
}

/* empty slots still take a number; devices after them move on */
static void test_empty_slots(void **state)
{
	struct dmaown_topology *t;

	(void)state;
	t = parse(BR("00:1c.0", "8086:a110") BR("00:1c.1", "8086:a111")
		  BR("00:1c.2", "8086:a112") BR("00:1d.0", "8086:a118")
		  EP("02:00.0", "8086:1533") EP("04:00.0", "8086:1533"));
	assert_int_equal(how(t), DMAOWN_BUSNUM_DFS);
	check_parent(t, "02:00.0", "0000:00:1c.1");
	check_parent(t, "04:00.0", "0000:00:1d.0");
	assert_int_equal(dev(t, "00:1c.0")->secondary, 1);
	assert_int_equal(dev(t, "00:1c.2")->secondary, 3);
	dmaown_topology_free(t);
}

/* a switch behind a root port, a second switch below one of its DSPs */
static void test_nested(void **state)
{
	struct dmaown_topology *t;

	(void)state;
	t = parse(BR("00:01.0", "8086:1901") BR("00:01.1", "8086:1905")
		  BR("01:00.0", "1002:1478")	/* USP */
		  BR("02:00.0", "1002:1479")	/* DSP */
		  BR("02:01.0", "1002:1479")	/* DSP, empty */
		  BR("02:02.0", "1002:1479")	/* DSP with a switch */
		  "03:00.0 VGA compatible controller [0300]: GPU [1002:73df]\n"
		  BR("05:00.0", "10b5:8747") BR("06:08.0", "10b5:8747")
		  BR("06:10.0", "10b5:8747") EP("07:00.0", "8086:1533")
		  EP("08:00.0", "8086:1533")
		  EP("09:00.0", "8086:1533"));	/* behind 00:01.1 */
	assert_int_equal(how(t), DMAOWN_BUSNUM_DFS);
	check_parent(t, "01:00.0", "0000:00:01.0");
	check_parent(t, "02:02.0", "0000:01:00.0");
	check_parent(t, "03:00.0", "0000:02:00.0");
	check_parent(t, "05:00.0", "0000:02:02.0");
	check_parent(t, "07:00.0", "0000:06:08.0");
	check_parent(t, "08:00.0", "0000:06:10.0");
	check_parent(t, "09:00.0", "0000:00:01.1");
	assert_int_equal(dev(t, "00:01.0")->subordinate, 8);
	assert_int_equal(dev(t, "02:02.0")->subordinate, 8);
	dmaown_topology_free(t);
}

/*
 * Thunderbolt: the firmware reserves buses 05..38 below a hotplug DSP, so
 * the USB controller sits on 39 and the NVMe on 3b.  Plain DFS would put
 * both on root buses; the fallback keeps them below the right root ports.
 */
static void test_hotplug_gap(void **state)
{
	struct dmaown_topology *t;

	(void)state;
	t = parse(BR("00:1c.0", "8086:9dbc") BR("00:1d.0", "8086:9db0")
		  BR("00:1d.4", "8086:9db4")
		  "01:00.0 Network controller [0280]: Wi-Fi [8086:2723]\n"
		  BR("02:00.0", "8086:15da") BR("03:00.0", "8086:15da")
		  BR("03:01.0", "8086:15da") BR("03:02.0", "8086:15da")
		  "04:00.0 System peripheral [0880]: NHI [8086:15d9]\n"
		  "39:00.0 USB controller [0c03]: TB USB [8086:15db]\n"
		  "3b:00.0 Non-Volatile memory controller [0108]: X [144d:a808]\n");
	assert_int_equal(how(t), DMAOWN_BUSNUM_GAPS);
	check_parent(t, "01:00.0", "0000:00:1c.0");
	check_parent(t, "03:00.0", "0000:02:00.0");
	check_parent(t, "04:00.0", "0000:03:00.0");
	check_parent(t, "3b:00.0", "0000:00:1d.4");
	/* 39 is inside the Thunderbolt switch either way */
	assert_true(dev(t, "39:00.0")->parent >= 0);
	assert_int_equal(
		dmaown_topology_dev(t, (size_t)dev(t, "39:00.0")->parent)->bdf.bus,
		3);
	assert_true(dev(t, "3b:00.0")->parent_inferred);
	dmaown_topology_free(t);
}

/* a second root bus (Xeon uncore, AMD root complex) is not a gap */
static void test_second_root(void **state)
{
	struct dmaown_topology *t;

	(void)state;
	t = parse(BR("00:01.0", "8086:2f02") BR("00:02.0", "8086:2f04")
		  EP("02:00.0", "8086:1521")
		  "7f:08.0 System peripheral [0880]: Uncore [8086:2f80]\n"
		  "7f:09.0 System peripheral [0880]: Uncore [8086:2f32]\n");
	assert_int_equal(how(t), DMAOWN_BUSNUM_DFS);
	check_parent(t, "02:00.0", "0000:00:02.0");
	check_parent(t, "7f:08.0", "-");
	dmaown_topology_free(t);
}

/* more populated buses than bridges can own: parents left unknown */
static void test_inconsistent(void **state)
{
	struct dmaown_topology *t;

	(void)state;
	t = parse(BR("00:1c.0", "8086:a110") EP("01:00.0", "8086:1533")
		  EP("02:00.0", "8086:1533"));
	assert_int_equal(how(t), DMAOWN_BUSNUM_UNKNOWN);
	assert_true(dev(t, "01:00.0")->parent_unknown);
	assert_true(dev(t, "02:00.0")->parent_unknown);
	assert_false(dev(t, "01:00.0")->parent_inferred);
	check_parent(t, "01:00.0", "-");
	dmaown_topology_free(t);
}

/* each domain is numbered on its own; VMD domains too */
static void test_domains(void **state)
{
	struct dmaown_topology *t;

	(void)state;
	t = parse(BR("0000:00:01.0", "8086:1901") EP("0000:01:00.0", "8086:1533")
		  BR("0001:40:03.0", "1022:1483") BR("0001:40:03.1", "1022:1483")
		  EP("0001:42:00.0", "8086:1533")
		  BR("10000:e0:06.0", "8086:464d")
		  EP("10000:e1:00.0", "144d:a808"));
	assert_int_equal(how(t), DMAOWN_BUSNUM_DFS);
	check_parent(t, "0000:01:00.0", "0000:00:01.0");
	check_parent(t, "0001:42:00.0", "0001:40:03.1");
	check_parent(t, "10000:e1:00.0", "10000:e0:06.0");
	assert_int_equal(dev(t, "0001:40:03.0")->secondary, 0x41);
	dmaown_topology_free(t);
}

/* Bus: lines of some bridges are constraints the rest must respect */
static void test_known_bus_lines(void **state)
{
	struct dmaown_topology *t;

	(void)state;
	t = parse(BR("00:1c.0", "8086:a110")
		  BR("00:1c.4", "8086:a114")
		  "\tBus: primary=00, secondary=05, subordinate=05, sec-latency=0\n"
		  EP("01:00.0", "8086:1533") EP("05:00.0", "8086:1533"));
	check_parent(t, "01:00.0", "0000:00:1c.0");
	check_parent(t, "05:00.0", "0000:00:1c.4");
	assert_false(dev(t, "05:00.0")->parent_inferred);
	assert_true(dev(t, "01:00.0")->parent_inferred);
	dmaown_topology_free(t);

	/* all bridges printed with Bus: lines: nothing inferred */
	t = parse(BR("00:1c.0", "8086:a110")
		  "\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n"
		  EP("01:00.0", "8086:1533"));
	assert_int_equal(how(t), DMAOWN_BUSNUM_READ);
	assert_false(dev(t, "01:00.0")->parent_inferred);
	dmaown_topology_free(t);
}

/* the brief's example end to end: one group, and the why says so */
static void test_predict_why(void **state)
{
	struct dmaown_topology *t;
	struct dmaown_groups *g = NULL;
	const struct dmaown_dev *a, *b;
	int ia, ib;

	(void)state;
	t = parse("IOMMU group 1 00:01.0 PCI bridge [0604]: Intel [8086:1901]\n"
		  "IOMMU group 1 01:00.0 Non-Volatile memory controller [0108]: X [1987:5012]\n"
		  "user@host:~$ lspci -nnk\n"
		  BR("00:01.0", "8086:1901")
		  "\tKernel driver in use: pcieport\n"
		  "01:00.0 Non-Volatile memory controller [0108]: X [1987:5012]\n"
		  "\tKernel driver in use: vfio-pci\n");
	a = dev(t, "00:01.0");
	b = dev(t, "01:00.0");
	assert_int_equal(a->kernel_group, 1);
	assert_int_equal(b->kernel_group, 1);
	assert_string_equal(b->driver, "vfio-pci");
	assert_int_equal(dmaown_predict(t, NULL, &g), 0);
	ia = g->group_of[dmaown_topology_find(t, a->bdf)];
	ib = g->group_of[dmaown_topology_find(t, b->bdf)];
	assert_int_equal(ia, ib);
	assert_non_null(strstr(g->why[ia], "bus hierarchy inferred"));
	dmaown_groups_free(g);
	dmaown_topology_free(t);
}

/* a group header's group ends at unindented prose (a shell prompt) */
static void test_group_context(void **state)
{
	struct dmaown_topology *t;

	(void)state;
	t = parse("IOMMU Group 7:\n"
		  "\t00:14.0 USB controller [0c03]: Intel [8086:a12f]\n"
		  "user@host:~$ lspci -nnk\n"
		  "00:17.0 SATA controller [0106]: Intel [8086:a102]\n"
		  "IOMMU group 3 00:16.0 Communication controller [0780]: MEI [8086:a13a]\n"
		  "00:1f.0 ISA bridge [0601]: Intel [8086:a149]\n");
	assert_int_equal(dev(t, "00:14.0")->kernel_group, 7);
	assert_int_equal(dev(t, "00:17.0")->kernel_group, -1);
	assert_int_equal(dev(t, "00:16.0")->kernel_group, 3);
	assert_int_equal(dev(t, "00:1f.0")->kernel_group, -1);
	dmaown_topology_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_dfs),
		cmocka_unit_test(test_empty_slots),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_hotplug_gap),
		cmocka_unit_test(test_second_root),
		cmocka_unit_test(test_inconsistent),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_known_bus_lines),
		cmocka_unit_test(test_predict_why),
		cmocka_unit_test(test_group_context),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
