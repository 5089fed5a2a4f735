// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-config.c - the config-space walker on hand-built buffers
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "cfgbuild.h"
#include "dmaown/source.h"

static int parse(struct dmaown_dev *d, const struct cfgb *c, size_t len)
{
	dmaown_dev_init(d);
	return dmaown_config_parse(d, c->b, len);
}

static void test_endpoint(void **state)
{
	struct dmaown_dev d;
	struct cfgb c;

	cb_init(&c, 0x8086, 0x10fb, 0x020000, 0x80);
	cb_w8(&c, 8, 0x07);
	cb_w32(&c, 0x10, 0xf7100000);			/* 32-bit mem */
	cb_w32(&c, 0x14, 0x0000000c);			/* 64-bit pref */
	cb_w32(&c, 0x18, 0x00000002);			/* upper half */
	cb_w32(&c, 0x1c, 0x0000e001);			/* I/O */
	cb_w16(&c, 0x2c, 0x1849);
	cb_w16(&c, 0x2e, 0x1234);
	cb_pcie(&c, 0x40, DMAOWN_PCIE_ENDPOINT);
	assert_int_equal(parse(&d, &c, 4096), 0);
	assert_int_equal(d.vendor, 0x8086);
	assert_int_equal(d.device, 0x10fb);
	assert_int_equal(d.revision, 0x07);
	assert_int_equal(d.class_code, 0x020000);
	assert_int_equal(d.header_type, 0);
	assert_true(d.hdr_multifunction);
	assert_int_equal(d.subsys_vendor, 0x1849);
	assert_int_equal(d.subsys_device, 0x1234);
	assert_int_equal(d.nbars, 6);
	assert_true(d.bar[0].is_mem);
	assert_false(d.bar[0].prefetch);
	assert_int_equal(d.bar[0].base, 0xf7100000);
	assert_int_equal(d.bar[0].size, 0);
	assert_true(d.bar[1].prefetch);
	assert_int_equal(d.bar[1].base, 0x200000000ull);
	assert_int_equal(d.bar[2].base, 0);		/* consumed upper */
	assert_false(d.bar[3].is_mem);
	assert_int_equal(d.bar[3].base, 0xe000);
	assert_true(d.is_pcie);
	assert_int_equal(d.pcie_type_raw, DMAOWN_PCIE_ENDPOINT);
	assert_false(d.is_bridge);
	assert_true(d.acs_known);
	assert_true(d.config_full);
	assert_int_equal(d.config_len, 4096);
	assert_int_equal(d.acs_pos, 0);
}

static void test_root_port_acs(void **state)
{
	struct dmaown_dev d;
	struct cfgb c;

	cb_init(&c, 0x8086, 0xa290, 0x060400, 0x81);
	cb_bridge(&c, 0x00, 0x02, 0x05);
	cb_w16(&c, 0x20, 0xf700);
	cb_w16(&c, 0x22, 0xf7f0);
	cb_w16(&c, 0x24, 0xe001);			/* 64-bit pref */
	cb_w16(&c, 0x26, 0xe1f1);
	cb_w32(&c, 0x28, 0x4);
	cb_w32(&c, 0x2c, 0x4);
	cb_pcie(&c, 0x40, DMAOWN_PCIE_ROOT_PORT);
	cb_cap(&c, 0x90, 0x0d);
	cb_w16(&c, 0x94, 0x1849);
	cb_w16(&c, 0x96, 0xa290);
	cb_ext(&c, 0x100, 0x0001);			/* AER */
	cb_acs(&c, 0x140, 0x005f, 0x001d);
	cb_w32(&c, 0x148, 0xdeadbeef);
	assert_int_equal(parse(&d, &c, 4096), 0);
	assert_true(d.is_bridge);
	assert_int_equal(d.header_type, 1);
	assert_true(d.hdr_multifunction);
	assert_int_equal(d.secondary, 2);
	assert_int_equal(d.subordinate, 5);
	assert_int_equal(d.nbars, 2);
	assert_int_equal(d.mem_base, 0xf7000000ull);
	assert_int_equal(d.mem_limit, 0xf7ffffffull);
	assert_int_equal(d.pref_base, 0x4e0000000ull);
	assert_int_equal(d.pref_limit, 0x4e1ffffffull);
	assert_int_equal(d.subsys_vendor, 0x1849);
	assert_int_equal(d.subsys_device, 0xa290);
	assert_int_equal(d.pcie_type_raw, DMAOWN_PCIE_ROOT_PORT);
	assert_int_equal(d.acs_pos, 0x140);
	assert_int_equal(d.acs_cap, 0x005f);
	assert_int_equal(d.acs_ctrl, 0x001d);
	assert_int_equal(d.acs_dw_cap, 0x001d005f);
	assert_int_equal(d.acs_dw_ctrl, 0xdeadbeef);
}

static void test_sriov_ari_rcba(void **state)
{
	struct dmaown_dev d;
	struct cfgb c;

	cb_init(&c, 0x8086, 0x1572, 0x020000, 0x00);
	cb_pcie(&c, 0x40, DMAOWN_PCIE_ENDPOINT);
	cb_ext(&c, 0x100, 0x000e);			/* ARI */
	cb_sriov(&c, 0x160, 64, 8, 0x80, 2, 0x154c);
	cb_w32(&c, 0xf0, 0xfed1c001);
	assert_int_equal(parse(&d, &c, 4096), 0);
	assert_true(d.ari);
	assert_int_equal(d.sriov_total_vfs, 64);
	assert_int_equal(d.sriov_num_vfs, 8);
	assert_int_equal(d.sriov_offset, 0x80);
	assert_int_equal(d.sriov_stride, 2);
	assert_int_equal(d.sriov_vf_device, 0x154c);
	assert_int_equal(d.rcba, 0xfed1c001);
}

static void test_loops(void **state)
{
	struct dmaown_dev d;
	struct cfgb c;

	/* a standard capability pointing to itself */
	cb_init(&c, 0x1b21, 0x1080, 0x060400, 0x01);
	cb_pcie(&c, 0x80, DMAOWN_PCIE_PCIE_TO_PCI);
	c.b[0x81] = 0x80;
	/* an extended capability pointing to itself */
	cb_ext(&c, 0x100, 0x0001);
	cb_w32(&c, 0x100, 0x1u << 16 | 0x0001 | 0x100u << 20);
	assert_int_equal(parse(&d, &c, 4096), 0);
	assert_true(d.is_pcie);
	assert_int_equal(d.pcie_type_raw, DMAOWN_PCIE_PCIE_TO_PCI);
	assert_int_equal(d.acs_pos, 0);

	/* two caps pointing at each other; ACS found once */
	cb_init(&c, 0x10b5, 0x8747, 0x060400, 0x01);
	cb_pcie(&c, 0x68, DMAOWN_PCIE_DOWNSTREAM);
	cb_cap(&c, 0x48, 0x05);
	c.b[0x49] = 0x68;
	cb_acs(&c, 0x100, 0x1f, 0x1d);
	cb_ext(&c, 0x200, 0x0001);
	cb_w32(&c, 0x200, 0x1u << 16 | 0x0001 | 0x100u << 20);
	assert_int_equal(parse(&d, &c, 4096), 0);
	assert_int_equal(d.acs_pos, 0x100);
	assert_int_equal(d.acs_ctrl, 0x1d);
}

static void test_bad_pointers(void **state)
{
	struct dmaown_dev d;
	struct cfgb c;

	/* pointer into the header, pointer off the end, ext ptr < 0x100 */
	cb_init(&c, 0x8086, 0x1901, 0x060400, 0x01);
	c.b[0x06] = 0x10;
	c.b[0x34] = 0x3c;
	assert_int_equal(parse(&d, &c, 256), 0);
	assert_false(d.is_pcie);
	c.b[0x34] = 0xff;			/* aligns to 0xfc: id 0 */
	assert_int_equal(parse(&d, &c, 256), 0);
	assert_false(d.is_pcie);
	cb_init(&c, 0x8086, 0x1901, 0x060400, 0x01);
	cb_pcie(&c, 0xfc, DMAOWN_PCIE_ROOT_PORT);	/* flags at 0xfe */
	assert_int_equal(parse(&d, &c, 256), 0);
	assert_true(d.is_pcie);
	cb_w32(&c, 0x100, 0x0000000d | 0x040u << 20);
	assert_int_equal(parse(&d, &c, 4096), 0);
	assert_int_equal(d.acs_pos, 0x100);
	/* status bit clear: the capability list is ignored */
	c.b[0x06] = 0;
	assert_int_equal(parse(&d, &c, 4096), 0);
	assert_false(d.is_pcie);
	assert_int_equal(d.acs_pos, 0);
}

static void test_truncation(void **state)
{
	struct dmaown_dev d;
	struct cfgb c;

	cb_init(&c, 0x8086, 0xa290, 0x060400, 0x01);
	cb_bridge(&c, 0, 1, 1);
	cb_pcie(&c, 0x40, DMAOWN_PCIE_ROOT_PORT);
	cb_acs(&c, 0x100, 0x1f, 0x1f);
	cb_w32(&c, 0xf0, 0x12345678);

	assert_int_equal(parse(&d, &c, 64), 0);	/* non-root sysfs read */
	assert_false(d.is_pcie);
	assert_false(d.acs_known);
	assert_false(d.config_full);
	assert_int_equal(d.config_len, 64);
	assert_int_equal(d.secondary, 1);
	assert_int_equal(d.rcba, 0);

	assert_int_equal(parse(&d, &c, 256), 0);	/* lspci -xxx */
	assert_true(d.is_pcie);
	assert_false(d.acs_known);
	assert_int_equal(d.acs_pos, 0);
	assert_int_equal(d.rcba, 0x12345678);

	assert_int_equal(parse(&d, &c, 0x106), 0);	/* ACS cut short */
	assert_int_equal(d.acs_pos, 0x100);
	assert_int_equal(d.acs_cap, 0);
	assert_false(d.acs_known);

	/* a conventional device at 256 bytes: no ext space to miss */
	cb_init(&c, 0x1106, 0x3038, 0x0c0300, 0x80);
	assert_int_equal(parse(&d, &c, 256), 0);
	assert_true(d.acs_known);

	assert_int_equal(parse(&d, &c, 63), -EINVAL);
	cb_w16(&c, 0, 0xffff);
	assert_int_equal(parse(&d, &c, 4096), -EINVAL);
	cb_w16(&c, 0, 0x0000);
	assert_int_equal(parse(&d, &c, 4096), -EINVAL);
	assert_int_equal(dmaown_config_parse(&d, NULL, 4096), -EINVAL);
}

static void test_garbage(void **state)
{
	struct dmaown_dev d;
	static uint8_t buf[4096];
	unsigned int seed = 12345;
	int i, ok = 0;
	size_t j;

	for (i = 0; i < 2000; i++) {
		size_t len = 64 + (size_t)(rand_r(&seed) % (4096 - 63));

		for (j = 0; j < len; j++)
			buf[j] = (uint8_t)rand_r(&seed);
		buf[6] |= 0x10;		/* always walk the cap list */
		buf[0] = 0x86;
		dmaown_dev_init(&d);
		if (!dmaown_config_parse(&d, buf, len))
			ok++;
		assert_true(d.config_len <= 4096);
		assert_true(d.acs_pos == 0 || d.acs_pos >= 0x100);
	}
	assert_true(ok > 1900);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endpoint),
		cmocka_unit_test(test_root_port_acs),
		cmocka_unit_test(test_sriov_ari_rcba),
		cmocka_unit_test(test_loops),
		cmocka_unit_test(test_bad_pointers),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
