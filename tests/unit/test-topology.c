// SPDX-License-Identifier: LGPL-2.1-or-later
/* test-topology.c - addresses, finalize linking, scan order, partitions */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dmaown/topology.h"

static struct dmaown_bdf B(unsigned bus, unsigned slot, unsigned fn)
{
	struct dmaown_bdf b = { 0, (uint8_t)bus, DMAOWN_DEVFN(slot, fn) };

	return b;
}

static void test_bdf_parse(void **state)
{
	struct dmaown_bdf b;
	char buf[DMAOWN_BDF_STRLEN];

	(void)state;
	assert_int_equal(dmaown_bdf_parse("0000:00:1f.3", &b), 0);
	assert_int_equal(b.bus, 0);
	assert_int_equal(b.devfn, DMAOWN_DEVFN(0x1f, 3));
	assert_string_equal(dmaown_bdf_format(b, buf), "0000:00:1f.3");
	assert_int_equal(dmaown_bdf_parse("06:02.0", &b), 0);
	assert_string_equal(dmaown_bdf_format(b, buf), "0000:06:02.0");
	assert_int_equal(dmaown_bdf_parse("10000:01:00.0", &b), 0);
	assert_int_equal(b.domain, 0x10000);
	assert_string_equal(dmaown_bdf_format(b, buf), "10000:01:00.0");
	/* malformed */
	assert_int_equal(dmaown_bdf_parse("", &b), -EINVAL);
	assert_int_equal(dmaown_bdf_parse("00:20.0", &b), -EINVAL);
	assert_int_equal(dmaown_bdf_parse("00:1f.8", &b), -EINVAL);
	assert_int_equal(dmaown_bdf_parse("0000:100:00.0", &b), -EINVAL);
	assert_int_equal(dmaown_bdf_parse("0000:00:00.0x", &b), -EINVAL);
	assert_int_equal(dmaown_bdf_parse("00.00.0", &b), -EINVAL);
	assert_int_equal(dmaown_bdf_parse("zz:00.0", &b), -EINVAL);
	assert_int_equal(dmaown_bdf_parse("123456789:00:00.0", &b), -EINVAL);
	assert_int_equal(dmaown_bdf_parse(NULL, &b), -EINVAL);
}

static int add(struct dmaown_topology *t, struct dmaown_bdf bdf, int type,
	       int sec, bool vf, struct dmaown_bdf pf)
{
	struct dmaown_dev d;

	dmaown_dev_init(&d);
	d.bdf = bdf;
	d.vendor = 0x1234;
	d.is_pcie = type != DMAOWN_PCIE_NONE;
	d.pcie_type_raw = type;
	if (sec) {
		d.is_bridge = true;
		d.header_type = 1;
		d.secondary = (uint8_t)sec;
		d.subordinate = (uint8_t)sec;
	}
	d.is_vf = vf;
	d.physfn_bdf = pf;
	return dmaown_topology_add(t, &d);
}

static void test_finalize_links(void **state)
{
	struct dmaown_topology *t = dmaown_topology_new();
	struct dmaown_err err = { 0 };
	const struct dmaown_dev *d;
	size_t *order;
	int i;

	(void)state;
	/* added out of order on purpose */
	add(t, B(2, 0, 0), DMAOWN_PCIE_DOWNSTREAM, 3, false, B(0, 0, 0));
	add(t, B(0, 1, 0), DMAOWN_PCIE_ROOT_PORT, 1, false, B(0, 0, 0));
	/* a USP that claims to be a DSP below a root port: corrected */
	add(t, B(1, 0, 0), DMAOWN_PCIE_DOWNSTREAM, 2, false, B(0, 0, 0));
	add(t, B(3, 0, 0), DMAOWN_PCIE_ENDPOINT, 0, false, B(0, 0, 0));
	add(t, B(3, 0, 1), DMAOWN_PCIE_ENDPOINT, 0, true, B(3, 0, 0));
	/* VF on a virtual bus 4 */
	add(t, B(4, 0, 0), DMAOWN_PCIE_ENDPOINT, 0, true, B(3, 0, 0));
	add(t, B(0, 0, 0), DMAOWN_PCIE_NONE, 0, false, B(0, 0, 0));
	assert_int_equal(dmaown_topology_finalize(t, &err), 0);
	assert_int_equal(dmaown_topology_count(t), 7);

	i = dmaown_topology_find(t, B(1, 0, 0));
	d = dmaown_topology_dev(t, (size_t)i);
	assert_int_equal(d->pcie_type, DMAOWN_PCIE_UPSTREAM);
	assert_true(d->pcie_type_corrected);
	assert_int_equal(d->parent, dmaown_topology_find(t, B(0, 1, 0)));

	i = dmaown_topology_find(t, B(4, 0, 0));
	d = dmaown_topology_dev(t, (size_t)i);
	assert_true(d->on_virtual_bus);
	assert_int_equal(d->parent, dmaown_topology_find(t, B(2, 0, 0)));
	assert_int_equal(d->physfn, dmaown_topology_find(t, B(3, 0, 0)));
	assert_false(d->multifunction);

	i = dmaown_topology_find(t, B(0, 0, 0));
	assert_true(dmaown_topology_dev(t, (size_t)i)->on_root_bus);

	assert_int_equal(dmaown_topology_scan_order(t, &order), 0);
	/* parents before children, VFs last */
	assert_int_equal(order[0], dmaown_topology_find(t, B(0, 0, 0)));
	assert_int_equal(order[1], dmaown_topology_find(t, B(0, 1, 0)));
	assert_int_equal(order[2], dmaown_topology_find(t, B(1, 0, 0)));
	assert_int_equal(order[3], dmaown_topology_find(t, B(2, 0, 0)));
	assert_int_equal(order[4], dmaown_topology_find(t, B(3, 0, 0)));
	free(order);
	dmaown_topology_free(t);
}

static void test_finalize_errors(void **state)
{
	struct dmaown_topology *t = dmaown_topology_new();
	struct dmaown_err err = { 0 };

	(void)state;
	add(t, B(1, 0, 0), DMAOWN_PCIE_ENDPOINT, 0, true, B(9, 0, 0));
	assert_int_equal(dmaown_topology_finalize(t, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "0000:01:00.0"));
	dmaown_topology_free(t);

	/* two bridges whose bus numbers point at each other */
	t = dmaown_topology_new();
	dmaown_err_clear(&err);
	add(t, B(1, 0, 0), DMAOWN_PCIE_DOWNSTREAM, 2, false, B(0, 0, 0));
	add(t, B(2, 0, 0), DMAOWN_PCIE_DOWNSTREAM, 1, false, B(0, 0, 0));
	/* secondary <= own bus is ignored as a bus owner: no loop, no parent */
	assert_int_equal(dmaown_topology_finalize(t, &err), 0);
	dmaown_topology_free(t);

	t = dmaown_topology_new();
	dmaown_err_clear(&err);
	add(t, B(1, 0, 0), DMAOWN_PCIE_ENDPOINT, 0, false, B(0, 0, 0));
	add(t, B(1, 0, 0), DMAOWN_PCIE_ENDPOINT, 0, false, B(0, 0, 0));
	assert_int_equal(dmaown_topology_finalize(t, &err), -EEXIST);
	dmaown_topology_free(t);
}

static void test_groups_equal(void **state)
{
	struct dmaown_groups *a = dmaown_groups_new(4), *b = dmaown_groups_new(4);
	int ga[] = { 0, 0, 1, -1 }, gb[] = { 5, 5, 2, -1 }, gc[] = { 0, 1, 1, -1 };

	(void)state;
	memcpy(a->group_of, ga, sizeof(ga));
	a->ngroups = 2;
	memcpy(b->group_of, gb, sizeof(gb));
	b->ngroups = 6;
	assert_true(dmaown_groups_equal(a, b));
	memcpy(b->group_of, gc, sizeof(gc));
	assert_false(dmaown_groups_equal(a, b));
	dmaown_groups_free(a);
	dmaown_groups_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bdf_parse),
		cmocka_unit_test(test_finalize_links),
		cmocka_unit_test(test_finalize_errors),
		cmocka_unit_test(test_groups_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
