// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-cmdline-quirks.c - kernel command-line parsing and the ACS /
 * DMA-alias quirk handlers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dmaown/cmdline.h"
#include "dmaown/quirks.h"

static void test_iommu_off(void **state)
{
	struct dmaown_cmdline cl;

	(void)state;
	assert_int_equal(dmaown_cmdline_parse("quiet intel_iommu=off", &cl), 0);
	assert_true(cl.iommu_off);
	dmaown_cmdline_parse("amd_iommu=off", &cl);
	assert_true(cl.iommu_off);
	dmaown_cmdline_parse("iommu=pt", &cl);
	assert_false(cl.iommu_off);
	assert_true(cl.passthrough);
	dmaown_cmdline_parse("intel_iommu=on,igfx_off iommu=soft", &cl);
	assert_false(cl.iommu_off);
	dmaown_cmdline_parse("xintel_iommu=off", &cl);
	assert_false(cl.iommu_off);
	dmaown_cmdline_parse(NULL, &cl);
	assert_false(cl.iommu_off);
	assert_int_equal(dmaown_cmdline_parse("x", NULL), -EINVAL);
}

static void test_override(void **state)
{
	struct dmaown_cmdline cl;
	char buf[512] = "pcie_acs_override=downstream,multifunction";
	int k;

	(void)state;
	dmaown_cmdline_parse(
		"pcie_acs_override=downstream,id:8086:1c10,bogus,id:zz", &cl);
	assert_true(cl.ovr.set);
	assert_true(cl.ovr.downstream);
	assert_false(cl.ovr.multifunction);
	assert_int_equal(cl.ovr.nids, 1);
	assert_int_equal(cl.ovr.ids[0][0], 0x8086);
	assert_int_equal(cl.ovr.ids[0][1], 0x1c10);
	assert_int_equal(cl.nwarn, 2);
	assert_non_null(strstr(cl.warn[0], "bogus"));
	assert_non_null(strstr(cl.warn[1], "id:zz"));
	/* at most 15 ids */
	for (k = 0; k < 17; k++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
			 ",id:1234:%04x", k);
	dmaown_cmdline_parse(buf, &cl);
	assert_true(cl.ovr.multifunction);
	assert_int_equal(cl.ovr.nids, 15);
	assert_int_equal(cl.nwarn, 2);
}

static void test_pci_acs(void **state)
{
	struct dmaown_cmdline cl;

	(void)state;
	dmaown_cmdline_parse(
		"pci=noats,config_acs=10x@pci:0:0;xx1x0xx@0000:02:00.0/01.0,disable_acs_redir=00:01.0",
		&cl);
	assert_true(cl.noats);
	assert_int_equal(cl.nwarn, 0);
	assert_int_equal(cl.nsel, 3);
	/* "10x": bit0 x, bit1 (TB) 0, bit2 (RR) 1 */
	assert_true(cl.sel[0].by_id);
	assert_int_equal(cl.sel[0].mask, DMAOWN_ACS_TB | DMAOWN_ACS_RR);
	assert_int_equal(cl.sel[0].flags, DMAOWN_ACS_RR);
	assert_int_equal(cl.sel[1].mask, DMAOWN_ACS_UF | DMAOWN_ACS_RR);
	assert_int_equal(cl.sel[1].flags, DMAOWN_ACS_UF);
	assert_int_equal(cl.sel[1].npath, 2);
	assert_int_equal(cl.sel[1].bus, 2);
	assert_int_equal(cl.sel[1].path[1], DMAOWN_DEVFN(1, 0));
	assert_true(cl.sel[2].disable_redir);
	assert_int_equal(cl.sel[2].mask,
			 DMAOWN_ACS_RR | DMAOWN_ACS_CR | DMAOWN_ACS_EC);
	/* invalid flags (bit above DT), bad selector: rest ignored + warning */
	dmaown_cmdline_parse("pci=config_acs=10000000@00:01.0;1@00:02.0", &cl);
	assert_int_equal(cl.nsel, 0);
	assert_int_equal(cl.nwarn, 1);
	assert_non_null(strstr(cl.warn[0], "invalid ACS flags"));
	dmaown_cmdline_parse("pci=disable_acs_redir=00:01.0;zz:1", &cl);
	assert_int_equal(cl.nsel, 1);
	assert_int_equal(cl.nwarn, 1);
	assert_non_null(strstr(cl.warn[0], "zz:1"));
	dmaown_cmdline_parse("pci=config_acs=1x1", &cl);
	assert_int_equal(cl.nsel, 0);
	assert_int_equal(cl.nwarn, 1);
}

static struct dmaown_topology *mk(void)
{
	struct dmaown_topology *t = dmaown_topology_new();
	struct dmaown_dev d;

	dmaown_dev_init(&d);
	d.bdf.devfn = DMAOWN_DEVFN(1, 0);
	d.is_pcie = d.is_bridge = true;
	d.pcie_type_raw = DMAOWN_PCIE_ROOT_PORT;
	d.secondary = 1;
	d.vendor = 0x8086;
	d.device = 0x8c10;
	dmaown_topology_add(t, &d);
	dmaown_dev_init(&d);
	d.bdf.bus = 1;
	d.is_pcie = true;
	d.pcie_type_raw = DMAOWN_PCIE_ENDPOINT;
	d.vendor = 0x1234;
	d.device = 0x5678;
	dmaown_topology_add(t, &d);
	assert_int_equal(dmaown_topology_finalize(t, NULL), 0);
	return t;
}

static void test_sel_match(void **state)
{
	struct dmaown_topology *t = mk();
	struct dmaown_cmdline cl;
	bool m;

	(void)state;
	dmaown_cmdline_parse("pci=disable_acs_redir=00:01.0/00.0;pci:1234:0",
			     &cl);
	assert_int_equal(cl.nsel, 2);
	assert_true(dmaown_acs_sel_match(&cl.sel[0], t, 1));
	assert_false(dmaown_acs_sel_match(&cl.sel[0], t, 0));
	assert_true(dmaown_acs_sel_match(&cl.sel[1], t, 1));
	assert_int_equal(dmaown_cmdline_acs_edit(&cl, t, 1, 0x1f, 0x1f, &m),
			 0x13);
	assert_true(m);
	assert_int_equal(dmaown_cmdline_acs_edit(&cl, t, 0, 0x00, 0x1f, &m),
			 0x1f);
	assert_false(m);
	dmaown_topology_free(t);
}

static void test_pch_quirk(void **state)
{
	struct dmaown_topology *t = mk();
	struct dmaown_quirk_opts o = { 0 };
	enum dmaown_acs_quirk_kind k;

	(void)state;
	/* no 00:1f.0 -> RCBA unknown -> enable failed -> "no" */
	assert_int_equal(
		dmaown_quirk_acs_enabled(t, 0, DMAOWN_ACS_REQ, 0, &o, &k), 0);
	assert_int_equal(k, DMAOWN_AQ_INTEL_PCH);
	/* an all-zero request passes even then */
	assert_int_equal(dmaown_quirk_acs_enabled(t, 0, 0, 0, &o, &k), 1);
	dmaown_topology_dev_mut(t, 0)->dev_flags |=
		DMAOWN_DEVF_ACS_ENABLED_QUIRK;
	assert_int_equal(
		dmaown_quirk_acs_enabled(t, 0, DMAOWN_ACS_REQ, 0, &o, &k), 1);
	/* the endpoint (vendor 1234) has no quirk */
	assert_int_equal(
		dmaown_quirk_acs_enabled(t, 1, DMAOWN_ACS_REQ, 0, &o, &k),
		-ENOTTY);
	o.no_quirks = true;
	assert_int_equal(
		dmaown_quirk_acs_enabled(t, 0, DMAOWN_ACS_REQ, 0, &o, &k),
		-ENOTTY);
	dmaown_topology_free(t);
}

static void test_override_handler(void **state)
{
	struct dmaown_topology *t = mk();
	struct dmaown_acs_override ovr = { .set = true, .downstream = true };
	struct dmaown_quirk_opts o = { .ovr = &ovr };
	enum dmaown_acs_quirk_kind k;
	struct dmaown_dev *rp = dmaown_topology_dev_mut(t, 0);

	(void)state;
	rp->vendor = 0x1b36; /* not Intel: override decides */
	assert_int_equal(
		dmaown_quirk_acs_enabled(t, 0, DMAOWN_ACS_REQ, 0, &o, &k), 1);
	assert_int_equal(k, DMAOWN_AQ_OVERRIDE);
	rp->acs_pos = 0x100; /* has ACS: never overridden */
	assert_int_equal(
		dmaown_quirk_acs_enabled(t, 0, DMAOWN_ACS_REQ, 0, &o, &k),
		-ENOTTY);
	rp->acs_pos = 0;
	rp->vendor = 0x10e8; /* X-Gene: above the override in the table */
	rp->device = 0xe004;
	assert_int_equal(
		dmaown_quirk_acs_enabled(t, 0, DMAOWN_ACS_REQ, 0, &o, &k), 1);
	assert_int_equal(k, DMAOWN_AQ_XGENE);
	rp->vendor = 0x1d17; /* Zhaoxin: below it */
	rp->device = 0x0800;
	assert_int_equal(
		dmaown_quirk_acs_enabled(t, 0, DMAOWN_ACS_REQ, 0, &o, &k), 1);
	assert_int_equal(k, DMAOWN_AQ_OVERRIDE);
	o.ovr = NULL;
	assert_int_equal(
		dmaown_quirk_acs_enabled(t, 0, DMAOWN_ACS_REQ, 0, &o, &k), 0);
	assert_int_equal(k, DMAOWN_AQ_ZHAOXIN);
	rp->device = 0x0715;
	assert_int_equal(
		dmaown_quirk_acs_enabled(t, 0, DMAOWN_ACS_REQ, 0, &o, &k), 1);
	dmaown_topology_free(t);
}

static void test_misc_handlers(void **state)
{
	struct dmaown_topology *t = mk();
	struct dmaown_quirk_opts o = { 0 };
	struct dmaown_dev *ep = dmaown_topology_dev_mut(t, 1);
	struct dmaown_dev *rp = dmaown_topology_dev_mut(t, 0);
	enum dmaown_acs_quirk_kind k;

	(void)state;
	ep->vendor = 0x8088; /* Wangxun: else no */
	ep->device = 0x1234;
	assert_int_equal(
		dmaown_quirk_acs_enabled(t, 1, DMAOWN_ACS_REQ, 0, &o, &k), 0);
	ep->device = 0x1001;
	assert_int_equal(
		dmaown_quirk_acs_enabled(t, 1, DMAOWN_ACS_REQ, 0, &o, &k), 1);
	ep->vendor = 0x1002; /* AMD SB needs MF + root bus + IVRS */
	ep->device = 0x4385;
	assert_int_equal(
		dmaown_quirk_acs_enabled(t, 1, DMAOWN_ACS_REQ, 0, &o, &k),
		-ENOTTY);
	ep->vendor = 0x17cb; /* QCOM new IDs only from 7.1 */
	ep->device = 0x0111;
	assert_int_equal(
		dmaown_quirk_acs_enabled(t, 1, DMAOWN_ACS_REQ, 0, &o, &k), 1);
	o.kver = DMAOWN_KVER(6, 18, 15);
	assert_int_equal(
		dmaown_quirk_acs_enabled(t, 1, DMAOWN_ACS_REQ, 0, &o, &k),
		-ENOTTY);
	/* SPT: dword control decides */
	o.kver = 0;
	rp->device = 0xa110;
	rp->acs_pos = 0x140;
	rp->acs_dw_cap = 0x1f;
	assert_int_equal(
		dmaown_quirk_acs_enabled(t, 0, DMAOWN_ACS_REQ, 0x1f, &o, &k),
		1);
	assert_int_equal(k, DMAOWN_AQ_INTEL_SPT);
	assert_int_equal(
		dmaown_quirk_acs_enabled(t, 0, DMAOWN_ACS_REQ, 0x11, &o, &k),
		0);
	/* Cavium: root ports a000-a7ff */
	rp->vendor = 0x177d;
	rp->device = 0xa123;
	assert_int_equal(
		dmaown_quirk_acs_enabled(t, 0, DMAOWN_ACS_REQ, 0, &o, &k), 1);
	rp->device = 0xb000;
	assert_int_equal(
		dmaown_quirk_acs_enabled(t, 0, DMAOWN_ACS_REQ, 0, &o, &k),
		-ENOTTY);
	assert_int_equal(dmaown_kver_parse("6.18.15-amd64"),
			 DMAOWN_KVER(6, 18, 15));
	assert_int_equal(dmaown_kver_parse("7.1"), DMAOWN_KVER(7, 1, 0));
	assert_int_equal(dmaown_kver_parse("garbage"), 0);
	dmaown_topology_free(t);
}

static void test_alias_quirks(void **state)
{
	struct dmaown_topology *t = mk();
	struct dmaown_quirk_opts o = { 0 };
	struct dmaown_dev *ep = dmaown_topology_dev_mut(t, 1);
	uint8_t m[32] = { 0 };
	uint32_t fl = 0;
	bool unk = false;
	int k, bits = 0;

	(void)state;
	ep->vendor = 0x1b4b; /* Marvell: func1 */
	ep->device = 0x9123;
	assert_true(dmaown_quirk_dma_alias(t, 1, &o, m, &fl, &unk));
	assert_int_equal(m[0], 0x02);
	memset(m, 0, 32);
	ep->vendor = 0x10b5; /* PLX NTB: all 256 */
	ep->device = 0x87b0;
	dmaown_quirk_dma_alias(t, 1, &o, m, &fl, &unk);
	for (k = 0; k < 32; k++)
		bits += __builtin_popcount(m[k]);
	assert_int_equal(bits, 256);
	memset(m, 0, 32);
	bits = 0;
	ep->vendor = 0x8086; /* VCA: functions 0-4 of every slot */
	ep->device = 0x2954;
	dmaown_quirk_dma_alias(t, 1, &o, m, &fl, &unk);
	for (k = 0; k < 32; k++)
		bits += __builtin_popcount(m[k]);
	assert_int_equal(bits, 160);
	ep->vendor = 0x11f8; /* Switchtec NTB: not derivable */
	ep->device = 0x8543;
	ep->class_code = 0x068000;
	assert_true(dmaown_quirk_dma_alias(t, 1, &o, m, &fl, &unk));
	assert_true(unk);
	ep->vendor = 0x1a03; /* AST1150 NO_ALIAS only from 7.1 */
	ep->device = 0x1150;
	fl = 0;
	dmaown_quirk_dma_alias(t, 1, &o, m, &fl, &unk);
	assert_int_equal(fl, DMAOWN_DEVF_PCI_BRIDGE_NO_ALIAS);
	o.kver = DMAOWN_KVER(6, 18, 15);
	fl = 0;
	dmaown_quirk_dma_alias(t, 1, &o, m, &fl, &unk);
	assert_int_equal(fl, 0);
	/* the pass fills dma_alias_mask and dev_flags */
	ep->vendor = 0x1b4b;
	ep->device = 0x9123;
	dmaown_topology_dev_mut(t, 0)->dev_flags |= 0;
	assert_int_equal(dmaown_quirks_apply(t, &o), 0);
	assert_non_null(ep->dma_alias_mask);
	assert_int_equal(ep->dma_alias_mask[0], 0x02);
	dmaown_topology_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iommu_off),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_pci_acs),
		cmocka_unit_test(test_sel_match),
		cmocka_unit_test(test_pch_quirk),
		cmocka_unit_test(test_override_handler),
		cmocka_unit_test(test_misc_handlers),
		cmocka_unit_test(test_alias_quirks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
