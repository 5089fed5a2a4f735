// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * quirks.c - ACS and DMA-alias quirks as data (spec/groups.md §3), the
 * handlers of pci_dev_acs_enabled[] and the header-fixup alias pass.
 * Pure model: everything comes from the device records.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dmaown/quirks.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))
#define LIST(a) a, N(a)

/* ---- §3.1 pci_dev_acs_enabled[] ------------------------------------- */

static const uint16_t ati_sb[] = { 0x4385, 0x439c, 0x4383,
				   0x439d, 0x4384, 0x4399 };
static const uint16_t amd_fch[] = { 0x780f, 0x7809 };
static const uint16_t solarflare[] = { 0x0903, 0x0923, 0x0a03 };
static const uint16_t intel_10g[] = { 0x10c6, 0x10db, 0x10dd, 0x10e1, 0x10f1,
				      0x10f7, 0x10f8, 0x10f9, 0x10fa, 0x10fb,
				      0x10fc, 0x1507, 0x1514, 0x151c, 0x1529,
				      0x152a, 0x154d, 0x154f, 0x1551, 0x1558 };
static const uint16_t intel_82580[] = { 0x1509, 0x150e, 0x150f, 0x1510,
					0x1511, 0x1516, 0x1527 };
static const uint16_t intel_82576[] = { 0x10c9, 0x10e6, 0x10e7, 0x10e8,
					0x150a, 0x150d, 0x1518, 0x1526 };
static const uint16_t intel_82575[] = { 0x10a7, 0x10a9, 0x10d6 };
static const uint16_t intel_i350[] = { 0x1521, 0x1522, 0x1523, 0x1524 };
static const uint16_t intel_82571[] = { 0x105e, 0x105f, 0x1060, 0x10d9 };
static const uint16_t intel_i219[] = { 0x15b7, 0x15b8 };
static const uint16_t qcom_rp_old[] = { 0x0400, 0x0401, 0x0115 };
static const uint16_t qcom_rp_new[] = { 0x0111, 0x0120 }; /* v7.1 */
static const uint16_t hxt_rp[] = { 0x0401 };
static const uint16_t emulex_be3[] = { 0x0710 };
static const uint16_t emulex_sky[] = { 0x0720 };
static const uint16_t cavium_mf[] = { 0xa026, 0xa059, 0xa060 };
static const uint16_t xgene[] = { 0xe004 };
static const uint16_t ampere[] = { 0xe005, 0xe006, 0xe007, 0xe008,
				   0xe009, 0xe00a, 0xe00b, 0xe00c };
static const uint16_t brcm_mf[] = { 0x16d7, 0x1750, 0x1751, 0x1752,
				    0x1760, 0x1761, 0x1762, 0x1763 };
static const uint16_t brcm_paxb[] = { 0xd714 };
static const uint16_t loongson[] = { 0x3c09, 0x3c19, 0x3c29, 0x7a09, 0x7a19,
				     0x7a29, 0x7a39, 0x7a49, 0x7a59, 0x7a69 };
static const uint16_t al_rp[] = { 0x0031 };
static const uint16_t zhaoxin_mf[] = { 0x3038, 0x3104, 0x9083 };
static const uint16_t nxp_rp[] = { 0x8d81, 0x8da1, 0x8d83, 0x8d80, 0x8da0,
				   0x8d82, 0x8d90, 0x8db0, 0x8d92, 0x8d91,
				   0x8db1, 0x8d93, 0x8d89, 0x8da9, 0x8d8b,
				   0x8d88, 0x8da8, 0x8d8a, 0x8d98, 0x8db8,
				   0x8d9a, 0x8d99, 0x8db9, 0x8d9b };

#define ANYV DMAOWN_QUIRK_ANY

static const struct dmaown_acs_quirk acs_table[] = {
	{ 0x1002, LIST(ati_sb), DMAOWN_AQ_AMD_SB, 0 },
	{ 0x1022, LIST(amd_fch), DMAOWN_AQ_AMD_SB, 0 },
	{ 0x1924, LIST(solarflare), DMAOWN_AQ_MF_ENDPOINT, 0 },
	{ 0x8086, LIST(intel_10g), DMAOWN_AQ_MF_ENDPOINT, 0 },
	{ 0x8086, LIST(intel_82580), DMAOWN_AQ_MF_ENDPOINT, 0 },
	{ 0x8086, LIST(intel_82576), DMAOWN_AQ_MF_ENDPOINT, 0 },
	{ 0x8086, LIST(intel_82575), DMAOWN_AQ_MF_ENDPOINT, 0 },
	{ 0x8086, LIST(intel_i350), DMAOWN_AQ_MF_ENDPOINT, 0 },
	{ 0x8086, LIST(intel_82571), DMAOWN_AQ_MF_ENDPOINT, 0 },
	{ 0x8086, LIST(intel_i219), DMAOWN_AQ_MF_ENDPOINT, 0 },
	{ 0x8086, NULL, 0, DMAOWN_AQ_RCIEP, 0 },
	{ 0x17cb, LIST(qcom_rp_old), DMAOWN_AQ_QCOM_RP, 0 },
	{ 0x17cb, LIST(qcom_rp_new), DMAOWN_AQ_QCOM_RP, DMAOWN_KVER(7, 1, 0) },
	{ 0x1dbf, LIST(hxt_rp), DMAOWN_AQ_QCOM_RP, 0 },
	{ 0x8086, NULL, 0, DMAOWN_AQ_INTEL_PCH, 0 },
	{ 0x8086, NULL, 0, DMAOWN_AQ_INTEL_SPT, 0 },
	{ 0x19a2, LIST(emulex_be3), DMAOWN_AQ_MF_ENDPOINT, 0 },
	{ 0x10df, LIST(emulex_sky), DMAOWN_AQ_MF_ENDPOINT, 0 },
	{ 0x177d, NULL, 0, DMAOWN_AQ_CAVIUM, 0 },
	{ 0x177d, LIST(cavium_mf), DMAOWN_AQ_MF_ENDPOINT, 0 },
	{ 0x10e8, LIST(xgene), DMAOWN_AQ_XGENE, 0 },
	/* Proxmox position of the out-of-tree override */
	{ ANYV, NULL, 0, DMAOWN_AQ_OVERRIDE, 0 },
	{ 0x1def, LIST(ampere), DMAOWN_AQ_XGENE, 0 },
	{ 0x14e4, LIST(brcm_mf), DMAOWN_AQ_MF_ENDPOINT, 0 },
	{ 0x14e4, LIST(brcm_paxb), DMAOWN_AQ_BRCM, 0 },
	{ 0x0014, LIST(loongson), DMAOWN_AQ_LOONGSON, 0 },
	{ 0x1c36, LIST(al_rp), DMAOWN_AQ_AL, 0 },
	{ 0x1d17, LIST(zhaoxin_mf), DMAOWN_AQ_MF_ENDPOINT, 0 },
	{ 0x1957, LIST(nxp_rp), DMAOWN_AQ_NXP, 0 },
	{ 0x1d17, NULL, 0, DMAOWN_AQ_ZHAOXIN, 0 },
	{ 0x8088, NULL, 0, DMAOWN_AQ_WANGXUN, 0 },
};

const struct dmaown_acs_quirk *dmaown_acs_quirk_table(size_t *n)
{
	if (n)
		*n = N(acs_table);
	return acs_table;
}

const char *dmaown_acs_quirk_name(enum dmaown_acs_quirk_kind kind)
{
	static const char *const names[] = {
		[DMAOWN_AQ_AMD_SB] = "pci_quirk_amd_sb_acs",
		[DMAOWN_AQ_MF_ENDPOINT] = "pci_quirk_mf_endpoint_acs",
		[DMAOWN_AQ_RCIEP] = "pci_quirk_rciep_acs",
		[DMAOWN_AQ_QCOM_RP] = "pci_quirk_qcom_rp_acs",
		[DMAOWN_AQ_INTEL_PCH] = "pci_quirk_intel_pch_acs",
		[DMAOWN_AQ_INTEL_SPT] = "pci_quirk_intel_spt_pch_acs",
		[DMAOWN_AQ_CAVIUM] = "pci_quirk_cavium_acs",
		[DMAOWN_AQ_XGENE] = "pci_quirk_xgene_acs",
		[DMAOWN_AQ_OVERRIDE] = "pcie_acs_override",
		[DMAOWN_AQ_BRCM] = "pci_quirk_brcm_acs",
		[DMAOWN_AQ_LOONGSON] = "pci_quirk_loongson_acs",
		[DMAOWN_AQ_AL] = "pci_quirk_al_acs",
		[DMAOWN_AQ_NXP] = "pci_quirk_nxp_rp_acs",
		[DMAOWN_AQ_ZHAOXIN] = "pci_quirk_zhaoxin_pcie_ports_acs",
		[DMAOWN_AQ_WANGXUN] = "pci_quirk_wangxun_nic_acs",
	};

	if ((unsigned int)kind >= N(names) || !names[kind])
		return "?";
	return names[kind];
}

unsigned int dmaown_kver_parse(const char *s)
{
	unsigned long v[3] = { 0, 0, 0 };
	char *end;
	int k;

	if (!s)
		return 0;
	for (k = 0; k < 3; k++) {
		v[k] = strtoul(s, &end, 10);
		if (end == s || v[k] > 255)
			return k >= 2 ? DMAOWN_KVER(v[0], v[1], 0) : 0;
		s = end;
		if (*s != '.')
			break;
		s++;
	}
	return DMAOWN_KVER(v[0], v[1], v[2]);
}

static bool in_range(uint16_t d, uint16_t lo, uint16_t hi)
{
	return d >= lo && d <= hi;
}

static bool intel_pch_id(uint16_t d)
{
	static const uint16_t singles[] = { 0x1d10, 0x1d12, 0x1d14, 0x1d16,
					    0x1d18, 0x1d1a, 0x1d1c, 0x1d1e,
					    0x8c90, 0x8c92, 0x8c94, 0x8c96,
					    0x8c98, 0x8c9a, 0x8c9c, 0x8c9e };
	size_t k;

	if (in_range(d, 0x3b42, 0x3b51) || in_range(d, 0x1c10, 0x1c1f) ||
	    in_range(d, 0x1e10, 0x1e1f) || in_range(d, 0x8c10, 0x8c1f) ||
	    in_range(d, 0x9c10, 0x9c1b) || in_range(d, 0x9c90, 0x9c9b) ||
	    in_range(d, 0x8d10, 0x8d1e))
		return true;
	for (k = 0; k < N(singles); k++)
		if (singles[k] == d)
			return true;
	return false;
}

bool dmaown_quirk_intel_spt(const struct dmaown_dev *d)
{
	uint16_t id = d->device;

	return d->vendor == 0x8086 && d->pcie_type == DMAOWN_PCIE_ROOT_PORT &&
	       (in_range(id, 0xa110, 0xa11f) || in_range(id, 0xa167, 0xa16a) ||
		in_range(id, 0xa290, 0xa29f) || in_range(id, 0xa2e7, 0xa2ee) ||
		in_range(id, 0x9d10, 0x9d1b));
}

bool dmaown_quirk_intel_pch_enabled(const struct dmaown_topology *t, size_t i)
{
	const struct dmaown_dev *d = dmaown_topology_dev(t, i);
	struct dmaown_bdf lpc;
	int k;

	if (!d)
		return false;
	if (d->dev_flags & DMAOWN_DEVF_ACS_ENABLED_QUIRK)
		return true;
	/* RCBA at 0xf0 of 00:1f.0 on the same bus, enable bit 0 */
	lpc = d->bdf;
	lpc.devfn = DMAOWN_DEVFN(0x1f, 0);
	k = dmaown_topology_find(t, lpc);
	return k >= 0 && (dmaown_topology_dev(t, (size_t)k)->rcba & 1);
}

static bool is_rp_or_dsp(const struct dmaown_dev *d)
{
	return d->pcie_type == DMAOWN_PCIE_ROOT_PORT ||
	       d->pcie_type == DMAOWN_PCIE_DOWNSTREAM;
}

/* the handlers: 1 yes, 0 no, -ENOTTY pass */
static int handler(const struct dmaown_topology *t, size_t i,
		   const struct dmaown_dev *d, enum dmaown_acs_quirk_kind kind,
		   uint16_t flags, uint32_t dw_ctrl,
		   const struct dmaown_quirk_opts *o)
{
	uint16_t id = d->device;
	uint32_t req;
	int k;

	switch (kind) {
	case DMAOWN_AQ_AMD_SB:
		if (!d->multifunction || !d->on_root_bus || !o->ivrs_present)
			return -ENOTTY;
		flags &= DMAOWN_ACS_RR | DMAOWN_ACS_CR | DMAOWN_ACS_EC |
			 DMAOWN_ACS_DT;
		return !(flags & ~(DMAOWN_ACS_RR | DMAOWN_ACS_CR));
	case DMAOWN_AQ_MF_ENDPOINT:
		flags &= (uint16_t) ~(DMAOWN_ACS_SV | DMAOWN_ACS_TB |
				      DMAOWN_ACS_RR | DMAOWN_ACS_CR |
				      DMAOWN_ACS_UF | DMAOWN_ACS_DT);
		return !flags;
	case DMAOWN_AQ_RCIEP:
		if (d->pcie_type != DMAOWN_PCIE_RCIEP)
			return -ENOTTY;
		return 1;
	case DMAOWN_AQ_QCOM_RP:
	case DMAOWN_AQ_XGENE:
	case DMAOWN_AQ_BRCM:
	case DMAOWN_AQ_LOONGSON:
	case DMAOWN_AQ_NXP:
		/* these root ports isolate unconditionally */
		flags &= (uint16_t) ~(DMAOWN_ACS_SV | DMAOWN_ACS_RR |
				      DMAOWN_ACS_CR | DMAOWN_ACS_UF);
		return !flags;
	case DMAOWN_AQ_INTEL_PCH:
		if (d->pcie_type != DMAOWN_PCIE_ROOT_PORT || !intel_pch_id(id))
			return -ENOTTY;
		if (!dmaown_quirk_intel_pch_enabled(t, i))
			return !flags;
		return 1;
	case DMAOWN_AQ_INTEL_SPT:
		if (!dmaown_quirk_intel_spt(d) || !d->acs_pos)
			return -ENOTTY;
		req = flags & (d->acs_dw_cap | DMAOWN_ACS_EC);
		return (dw_ctrl & req) == req;
	case DMAOWN_AQ_CAVIUM:
		if (d->pcie_type != DMAOWN_PCIE_ROOT_PORT ||
		    !(in_range(id, 0xa000, 0xa7ff) || id == 0xaf84 ||
		      id == 0xb884))
			return -ENOTTY;
		flags &= (uint16_t) ~(DMAOWN_ACS_SV | DMAOWN_ACS_RR |
				      DMAOWN_ACS_CR | DMAOWN_ACS_UF);
		return !flags;
	case DMAOWN_AQ_AL:
		if (d->pcie_type != DMAOWN_PCIE_ROOT_PORT)
			return -ENOTTY;
		flags &= (uint16_t) ~(DMAOWN_ACS_SV | DMAOWN_ACS_RR |
				      DMAOWN_ACS_CR | DMAOWN_ACS_UF);
		return !flags;
	case DMAOWN_AQ_ZHAOXIN:
		if (!is_rp_or_dsp(d))
			return -ENOTTY;
		return in_range(id, 0x0710, 0x071e) || id == 0x0721 ||
		       in_range(id, 0x0723, 0x0752);
	case DMAOWN_AQ_WANGXUN:
		return in_range(id, 0x0100, 0x010f) || id == 0x1001 ||
		       id == 0x2001 || id == 0x5010 || id == 0x5025 ||
		       id == 0x5040 || id == 0x5110 || id == 0x5125 ||
		       id == 0x5140;
	case DMAOWN_AQ_OVERRIDE:
		if (!o->ovr || !o->ovr->set)
			return -ENOTTY;
		/* never conventional devices nor devices with an ACS cap */
		if (!d->is_pcie || d->acs_pos || !d->acs_known)
			return -ENOTTY;
		for (k = 0; k < o->ovr->nids; k++)
			if (o->ovr->ids[k][0] == d->vendor &&
			    o->ovr->ids[k][1] == d->device)
				return 1;
		switch (d->pcie_type) {
		case DMAOWN_PCIE_ROOT_PORT:
		case DMAOWN_PCIE_DOWNSTREAM:
			return o->ovr->downstream ? 1 : -ENOTTY;
		case DMAOWN_PCIE_ENDPOINT:
		case DMAOWN_PCIE_UPSTREAM:
		case DMAOWN_PCIE_LEGACY_ENDPOINT:
		case DMAOWN_PCIE_RCIEP:
			return o->ovr->multifunction && d->multifunction ?
				       1 :
				       -ENOTTY;
		default:
			return -ENOTTY;
		}
	}
	return -ENOTTY;
}

int dmaown_quirk_acs_enabled(const struct dmaown_topology *t, size_t i,
			     uint16_t flags, uint32_t dw_ctrl,
			     const struct dmaown_quirk_opts *o,
			     enum dmaown_acs_quirk_kind *kind)
{
	static const struct dmaown_quirk_opts none;
	const struct dmaown_dev *d = dmaown_topology_dev(t, i);
	unsigned int kver;
	size_t k, j;

	if (!d)
		return -EINVAL;
	if (!o)
		o = &none;
	kver = o->kver ? o->kver : DMAOWN_KVER_NEWEST;
	for (k = 0; k < N(acs_table); k++) {
		const struct dmaown_acs_quirk *q = &acs_table[k];
		int r;

		if (o->no_quirks && q->kind != DMAOWN_AQ_OVERRIDE)
			continue;
		if (q->vendor != ANYV && q->vendor != d->vendor)
			continue;
		if (q->min_kver && kver < q->min_kver)
			continue;
		if (q->devices) {
			for (j = 0; j < q->ndevices; j++)
				if (q->devices[j] == d->device)
					break;
			if (j == q->ndevices)
				continue;
		}
		r = handler(t, i, d, q->kind, flags, dw_ctrl, o);
		if (r >= 0) {
			if (kind)
				*kind = q->kind;
			return r;
		}
	}
	return -ENOTTY;
}

/* ---- §3.3 DMA-alias quirks ------------------------------------------ */

static const struct dmaown_alias_quirk alias_table[] = {
	{ 0x1180, 0xe832, 0, 0, DMAOWN_DQ_FUNC0, 0 },
	{ 0x1180, 0xe476, 0, 0, DMAOWN_DQ_FUNC0, 0 },
	{ 0x6766, 0x3d40, 0, 0, DMAOWN_DQ_FUNC0, 0 },
	{ 0x6766, 0x3d41, 0, 0, DMAOWN_DQ_FUNC0, 0 },
	{ 0x1b4b, 0x9120, 0, 0, DMAOWN_DQ_FUNC1, 0 },
	{ 0x1b4b, 0x9123, 0, 0, DMAOWN_DQ_FUNC1, 0 },
	{ 0x1b4b, 0x9125, 0, 0, DMAOWN_DQ_FUNC1, 0 },
	{ 0x1b4b, 0x9128, 0, 0, DMAOWN_DQ_FUNC1, 0 },
	{ 0x1b4b, 0x9130, 0, 0, DMAOWN_DQ_FUNC1, 0 },
	{ 0x1b4b, 0x9170, 0, 0, DMAOWN_DQ_FUNC1, 0 },
	{ 0x1b4b, 0x9172, 0, 0, DMAOWN_DQ_FUNC1, 0 },
	{ 0x1b4b, 0x917a, 0, 0, DMAOWN_DQ_FUNC1, 0 },
	{ 0x1b4b, 0x9182, 0, 0, DMAOWN_DQ_FUNC1, 0 },
	{ 0x1b4b, 0x9183, 0, 0, DMAOWN_DQ_FUNC1, 0 },
	{ 0x1b4b, 0x91a0, 0, 0, DMAOWN_DQ_FUNC1, 0 },
	{ 0x1b4b, 0x9215, 0, 0, DMAOWN_DQ_FUNC1, 0 },
	{ 0x1b4b, 0x9220, 0, 0, DMAOWN_DQ_FUNC1, 0 },
	{ 0x1b4b, 0x9230, 0, 0, DMAOWN_DQ_FUNC1, 0 },
	{ 0x1b4b, 0x9235, 0, 0, DMAOWN_DQ_FUNC1, 0 },
	{ 0x1103, 0x0642, 0, 0, DMAOWN_DQ_FUNC1, 0 },
	{ 0x1103, 0x0645, 0, 0, DMAOWN_DQ_FUNC1, 0 },
	{ 0x197b, 0x2392, 0, 0, DMAOWN_DQ_FUNC1, 0 },
	{ 0x1c28, 0x0122, 0, 0, DMAOWN_DQ_FUNC1, 0 },
	{ 0x9005, 0x0285, 0x9005, 0x02bb, DMAOWN_DQ_FIXED, 0x08 },
	{ 0x9005, 0x0285, 0x9005, 0x02bc, DMAOWN_DQ_FIXED, 0x08 },
	{ 0x1b21, 0x1080, 0, 0, DMAOWN_DQ_PCIE_BRIDGE, 0 },
	{ 0x10e3, 0x8113, 0, 0, DMAOWN_DQ_PCIE_BRIDGE, 0 },
	{ 0x1283, 0x8892, 0, 0, DMAOWN_DQ_PCIE_BRIDGE, 0 },
	{ 0x1283, 0x8893, 0, 0, DMAOWN_DQ_PCIE_BRIDGE, 0 },
	{ 0x8086, 0x244e, 0, 0, DMAOWN_DQ_PCIE_BRIDGE, 0 },
	{ 0x8086, 0x2260, 0, 0, DMAOWN_DQ_MIC_X200, 0 },
	{ 0x8086, 0x2264, 0, 0, DMAOWN_DQ_MIC_X200, 0 },
	{ 0x8086, 0x2954, 0, 0, DMAOWN_DQ_PEX_VCA, 0 },
	{ 0x8086, 0x2955, 0, 0, DMAOWN_DQ_PEX_VCA, 0 },
	{ 0x8086, 0x2956, 0, 0, DMAOWN_DQ_PEX_VCA, 0 },
	{ 0x8086, 0x2958, 0, 0, DMAOWN_DQ_PEX_VCA, 0 },
	{ 0x8086, 0x2959, 0, 0, DMAOWN_DQ_PEX_VCA, 0 },
	{ 0x8086, 0x295a, 0, 0, DMAOWN_DQ_PEX_VCA, 0 },
	{ 0x10b5, 0x87b0, 0, 0, DMAOWN_DQ_PLX_NTB, 0 },
	{ 0x10b5, 0x87b1, 0, 0, DMAOWN_DQ_PLX_NTB, 0 },
	/* device 0xffff: any ID of the Switchtec pattern (switchtec_id()) */
	{ 0x11f8, 0xffff, 0, 0, DMAOWN_DQ_SWITCHTEC, 0 },
	{ 0x1055, 0xffff, 0, 0, DMAOWN_DQ_SWITCHTEC, 0 },
	{ 0x14e4, 0x9000, 0, 0, DMAOWN_DQ_XLATE_ROOT, 0 },
	{ 0x14e4, 0x9084, 0, 0, DMAOWN_DQ_XLATE_ROOT, 0 },
	{ 0x1a03, 0x1150, 0, 0, DMAOWN_DQ_NO_ALIAS, 0 },
};

const struct dmaown_alias_quirk *dmaown_alias_quirk_table(size_t *n)
{
	if (n)
		*n = N(alias_table);
	return alias_table;
}

static bool switchtec_id(uint16_t v, uint16_t id)
{
	unsigned int hi = id >> 8, lo = id & 0xff;

	if (v == 0x1055)
		return in_range(id, 0x1001, 0x1006);
	if (hi == 0x85)
		return lo >= 0x31 && lo <= 0x76 && (lo & 0xf) >= 1 &&
		       (lo & 0xf) <= 6;
	if ((hi >= 0x40 && hi <= 0x42) || (hi >= 0x50 && hi <= 0x55))
		return lo == 0x00 || lo == 0x84 || lo == 0x68 || lo == 0x52 ||
		       lo == 0x36 || lo == 0x28;
	if (hi >= 0x43 && hi <= 0x45)
		return lo == 0x52 || lo == 0x36 || lo == 0x28;
	return false;
}

static void set_bit(uint8_t mask[32], unsigned int devfn)
{
	mask[(devfn & 0xff) >> 3] |= (uint8_t)(1u << (devfn & 7));
}

bool dmaown_quirk_dma_alias(const struct dmaown_topology *t, size_t i,
			    const struct dmaown_quirk_opts *o, uint8_t mask[32],
			    uint32_t *flags, bool *underivable)
{
	const struct dmaown_dev *d = dmaown_topology_dev(t, i), *p;
	unsigned int kver = o && o->kver ? o->kver : DMAOWN_KVER_NEWEST;
	unsigned int fn, s;
	bool hit = false;
	size_t k;

	if (!d || (o && o->no_quirks))
		return false;
	fn = DMAOWN_FUNC(d->bdf.devfn);
	for (k = 0; k < N(alias_table); k++) {
		const struct dmaown_alias_quirk *q = &alias_table[k];

		if (q->vendor != d->vendor)
			continue;
		if (q->kind == DMAOWN_DQ_SWITCHTEC) {
			if (!switchtec_id(d->vendor, d->device) ||
			    (d->class_code >> 8) != 0x0680)
				continue;
		} else if (q->device != d->device) {
			continue;
		}
		if (q->subvendor && (q->subvendor != d->subsys_vendor ||
				     q->subdevice != d->subsys_device))
			continue;
		switch (q->kind) {
		case DMAOWN_DQ_FUNC0:
			if (fn == 0)
				continue;
			set_bit(mask,
				DMAOWN_DEVFN(DMAOWN_SLOT(d->bdf.devfn), 0));
			break;
		case DMAOWN_DQ_FUNC1:
			if (fn == 1)
				continue;
			set_bit(mask,
				DMAOWN_DEVFN(DMAOWN_SLOT(d->bdf.devfn), 1));
			break;
		case DMAOWN_DQ_FIXED:
			set_bit(mask, q->param);
			break;
		case DMAOWN_DQ_PCIE_BRIDGE:
			if (d->is_pcie || !d->is_bridge || d->on_root_bus ||
			    d->parent < 0)
				continue;
			p = dmaown_topology_dev(t, (size_t)d->parent);
			if (!p->is_pcie ||
			    p->pcie_type == DMAOWN_PCIE_PCIE_TO_PCI)
				continue;
			*flags |= DMAOWN_DEVF_PCIE_BRIDGE_ALIAS;
			break;
		case DMAOWN_DQ_MIC_X200:
			set_bit(mask, DMAOWN_DEVFN(0x10, 0));
			set_bit(mask, DMAOWN_DEVFN(0x11, 0));
			set_bit(mask, DMAOWN_DEVFN(0x12, 3));
			break;
		case DMAOWN_DQ_PEX_VCA:
			for (s = 0; s < 32; s++)
				for (fn = 0; fn <= 4; fn++)
					set_bit(mask, DMAOWN_DEVFN(s, fn));
			break;
		case DMAOWN_DQ_PLX_NTB:
			for (s = 0; s < 256; s++)
				set_bit(mask, s);
			break;
		case DMAOWN_DQ_SWITCHTEC:
			/* proxy IDs come from MMIO: cannot be derived */
			if (underivable)
				*underivable = true;
			break;
		case DMAOWN_DQ_XLATE_ROOT:
			*flags |= DMAOWN_DEVF_BRIDGE_XLATE_ROOT;
			break;
		case DMAOWN_DQ_NO_ALIAS:
			if (kver < DMAOWN_KVER(7, 1, 0))
				continue;
			*flags |= DMAOWN_DEVF_PCI_BRIDGE_NO_ALIAS;
			break;
		}
		hit = true;
	}
	return hit;
}

int dmaown_quirks_apply(struct dmaown_topology *t,
			const struct dmaown_quirk_opts *o)
{
	size_t n = dmaown_topology_count(t), i;

	if (!t)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		struct dmaown_dev *d = dmaown_topology_dev_mut(t, i);
		uint8_t mask[32] = { 0 };
		uint32_t flags = 0;
		bool unk = false;
		int k;

		dmaown_quirk_dma_alias(t, i, o, mask, &flags, &unk);
		if (!(o && o->no_quirks) && d->vendor == 0x8086 &&
		    d->pcie_type == DMAOWN_PCIE_ROOT_PORT &&
		    intel_pch_id(d->device) &&
		    dmaown_quirk_intel_pch_enabled(t, i))
			flags |= DMAOWN_DEVF_ACS_ENABLED_QUIRK;
		d->dev_flags |= flags;
		for (k = 0; k < 32 && !mask[k]; k++)
			;
		if (k == 32)
			continue;
		if (!d->dma_alias_mask) {
			d->dma_alias_mask = calloc(1, 32);
			if (!d->dma_alias_mask)
				return -ENOMEM;
		}
		for (k = 0; k < 32; k++)
			d->dma_alias_mask[k] |= mask[k];
	}
	return 0;
}
