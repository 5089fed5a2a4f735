// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-acpi.c - IOMMU scope from DMAR / IVRS bytes, and malformed tables.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dmaown/acpi.h"
#include "dmaown/predict.h"

/* 00:01.0 RP -> 01:00.0 EP; 00:02.0 RP -> 02:00.0 EP; 00:1f.0 */
static struct dmaown_topology *mk(void)
{
	static const struct {
		uint8_t bus, devfn, sec;
	} devs[] = { { 0, 0x08, 1 },
		     { 1, 0, 0 },
		     { 0, 0x10, 2 },
		     { 2, 0, 0 },
		     { 0, 0xf8, 0 } };
	struct dmaown_topology *t = dmaown_topology_new();
	size_t k;

	for (k = 0; k < 5; k++) {
		struct dmaown_dev d;

		dmaown_dev_init(&d);
		d.bdf.bus = devs[k].bus;
		d.bdf.devfn = devs[k].devfn;
		d.is_pcie = true;
		d.is_bridge = devs[k].sec != 0;
		d.secondary = d.subordinate = devs[k].sec;
		d.pcie_type_raw = d.is_bridge ? DMAOWN_PCIE_ROOT_PORT :
						DMAOWN_PCIE_ENDPOINT;
		d.acs_pos = d.is_bridge ? 0x100 : 0;
		d.acs_cap = d.acs_ctrl = 0x1f;
		d.vendor = 0x1234;
		assert_true(dmaown_topology_add(t, &d) >= 0);
	}
	assert_int_equal(dmaown_topology_finalize(t, NULL), 0);
	return t;
}

static int scope(const struct dmaown_topology *t, unsigned int bus,
		 unsigned int devfn)
{
	struct dmaown_bdf b = { 0, (uint8_t)bus, (uint8_t)devfn };

	return dmaown_topology_dev(t, (size_t)dmaown_topology_find(t, b))
		->iommu_scope;
}

/* a DRHD without INCLUDE_PCI_ALL: endpoint 00:1f.0, sub-hierarchy 00:01.0 */
static const uint8_t dmar[48 + 16 + 8 + 8] = {
	'D',	  'M', 'A', 'R', 80, 0, 0,    0, [48] = 0,
	0,	  32,  0,   0,	 0,  0, 0, /* DRHD, len 32, flags 0, seg 0 */
	[64] = 1, 8,   0,   0,	 0,  0, 0x1f, 0, /* endpoint 00:1f.0 */
	[72] = 2, 8,   0,   0,	 0,  0, 0x01, 0, /* sub-hierarchy 00:01.0 */
};

static void test_dmar(void **state)
{
	struct dmaown_topology *t = mk();
	struct dmaown_groups *g = NULL;
	struct dmaown_err err = { 0 };
	uint8_t all[sizeof(dmar)];

	(void)state;
	assert_int_equal(dmaown_dmar_apply(t, dmar, sizeof(dmar), &err), 0);
	assert_int_equal(scope(t, 0, 0x08), 1);
	assert_int_equal(scope(t, 1, 0), 1);
	assert_int_equal(scope(t, 0, 0xf8), 1);
	assert_int_equal(scope(t, 0, 0x10), -1);
	assert_int_equal(scope(t, 2, 0), -1);
	/* uncovered devices get no group; the others are unaffected */
	assert_int_equal(dmaown_predict(t, NULL, &g), 0);
	assert_int_equal(g->ngroups, 3);
	assert_int_equal(g->group_of[dmaown_topology_find(
				 t, (struct dmaown_bdf){ 0, 2, 0 })],
			 -1);
	dmaown_groups_free(g);
	/* INCLUDE_PCI_ALL covers the whole segment */
	memcpy(all, dmar, sizeof(all));
	all[52] = 1;
	assert_int_equal(dmaown_dmar_apply(t, all, sizeof(all), &err), 0);
	assert_int_equal(scope(t, 2, 0), 1);
	dmaown_topology_free(t);
}

static void test_dmar_bad(void **state)
{
	struct dmaown_topology *t = mk();
	struct dmaown_err err = { 0 };
	uint8_t b[sizeof(dmar)];

	(void)state;
	memcpy(b, dmar, sizeof(b));
	b[50] = 200; /* DRHD longer than the table */
	assert_int_equal(dmaown_dmar_apply(t, b, sizeof(b), &err), -EINVAL);
	assert_string_equal(err.msg,
			    "DMAR: malformed structure at offset 0x30");
	assert_int_equal(scope(t, 2, 0), 0); /* unchanged */
	memcpy(b, dmar, sizeof(b));
	b[65] = 2; /* scope length below its header */
	dmaown_err_clear(&err);
	assert_int_equal(dmaown_dmar_apply(t, b, sizeof(b), &err), -EINVAL);
	dmaown_err_clear(&err);
	assert_int_equal(dmaown_dmar_apply(t, b, 20, &err), -EINVAL);
	assert_string_equal(err.msg, "DMAR: not a DMAR table");
	dmaown_topology_free(t);
}

/* IVHD 10h: select 00:01.0, range 01:00.0-01:ff.7, alias 00:1f.0 -> 00:1f.3 */
static const uint8_t
	ivrs
		[48 + 24 + 4 + 8 + 8] = {
			'I',	     'V',  'R',	 'S',	      92,
			0,	     0,	   0,	 [48] = 0x10, 0,
			44,	     0,	   0x10, 0, /* IVHD 10h, length 44 */
			[72] = 2,    0x08, 0,	 0, /* select 00:01.0 */
			[76] = 3,    0x00, 1,	 0,	      4,
			0xff,	     1,	   0, /* range 0100-01ff */
			[84] = 0x42, 0xf8, 0,	 0,	      0,
			0xfb,	     0,	   0, /* alias 00:1f.0 -> 1f.3 */
		};

static void test_ivrs(void **state)
{
	struct dmaown_topology *t = mk();
	struct dmaown_err err = { 0 };
	const struct dmaown_dev *lpc;
	uint8_t b[sizeof(ivrs)];

	(void)state;
	assert_int_equal(dmaown_ivrs_apply(t, ivrs, sizeof(ivrs), &err), 0);
	assert_int_equal(scope(t, 0, 0x08), 1);
	assert_int_equal(scope(t, 1, 0), 1);
	assert_int_equal(scope(t, 0, 0xf8), 1);
	assert_int_equal(scope(t, 0, 0x10), -1);
	lpc = dmaown_topology_dev(
		t, (size_t)dmaown_topology_find(
			   t, (struct dmaown_bdf){ 0, 0, 0xf8 }));
	assert_non_null(lpc->dma_alias_mask);
	assert_int_equal(lpc->dma_alias_mask[0xfb >> 3], 1u << (0xfb & 7));
	memcpy(b, ivrs, sizeof(b));
	b[50] = 250; /* IVHD past the end */
	assert_int_equal(dmaown_ivrs_apply(t, b, sizeof(b), &err), -EINVAL);
	assert_non_null(
		strstr(err.msg, "IVRS: malformed entry at offset 0x30"));
	memcpy(b, ivrs, sizeof(b));
	b[80] = 0x47; /* an 8-byte entry, */
	b[88] = 0xf0; /* then a truncated ACPI HID entry */
	dmaown_err_clear(&err);
	assert_int_equal(dmaown_ivrs_apply(t, b, sizeof(b), &err), -EINVAL);
	dmaown_topology_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dmar),
		cmocka_unit_test(test_dmar_bad),
		cmocka_unit_test(test_ivrs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
