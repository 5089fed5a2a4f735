/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmaown/quirks.h - the kernel's device-specific ACS quirks and DMA-alias
 * quirks, kept as data (spec/groups.md §3)
 *
 * Pure model.  The ACS table is pci_dev_acs_enabled[] in table order,
 * with the pcie_acs_override= overlay at its Proxmox position (after APM
 * X-Gene).  The alias table is the header-fixup alias quirks.
 */
#ifndef DMAOWN_QUIRKS_H
#define DMAOWN_QUIRKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmaown/cmdline.h"
#include "dmaown/topology.h"

#ifdef __cplusplus
extern "C" {
#endif

/* kernel versions: DMAOWN_KVER(7, 1, 5); 0 means "newest modelled" */
#define DMAOWN_KVER(a, b, c) (((unsigned int)(a) << 16) | ((b) << 8) | (c))
#define DMAOWN_KVER_NEWEST   DMAOWN_KVER(7, 1, 5)

/** dmaown_kver_parse() - "6.18.15-foo" -> DMAOWN_KVER(6,18,15); 0 if not */
unsigned int dmaown_kver_parse(const char *release);

#define DMAOWN_QUIRK_ANY 0xffffffffu

enum dmaown_acs_quirk_kind {
	DMAOWN_AQ_AMD_SB, /* pci_quirk_amd_sb_acs */
	DMAOWN_AQ_MF_ENDPOINT, /* pci_quirk_mf_endpoint_acs */
	DMAOWN_AQ_RCIEP, /* pci_quirk_rciep_acs (Intel) */
	DMAOWN_AQ_QCOM_RP, /* qcom / hxt root ports */
	DMAOWN_AQ_INTEL_PCH, /* pci_quirk_intel_pch_acs */
	DMAOWN_AQ_INTEL_SPT, /* pci_quirk_intel_spt_pch_acs */
	DMAOWN_AQ_CAVIUM, /* pci_quirk_cavium_acs */
	DMAOWN_AQ_XGENE, /* pci_quirk_xgene_acs (X-Gene, Ampere) */
	DMAOWN_AQ_OVERRIDE, /* pcie_acs_overrides (out of tree) */
	DMAOWN_AQ_BRCM, /* pci_quirk_brcm_acs */
	DMAOWN_AQ_LOONGSON, /* pci_quirk_loongson_acs */
	DMAOWN_AQ_AL, /* pci_quirk_al_acs */
	DMAOWN_AQ_NXP, /* pci_quirk_nxp_rp_acs */
	DMAOWN_AQ_ZHAOXIN, /* pci_quirk_zhaoxin_pcie_ports_acs */
	DMAOWN_AQ_WANGXUN, /* pci_quirk_wangxun_nic_acs */
};

/* one row of pci_dev_acs_enabled[] */
struct dmaown_acs_quirk {
	uint32_t vendor; /* DMAOWN_QUIRK_ANY: any */
	const uint16_t *devices; /* NULL: any device */
	size_t ndevices;
	enum dmaown_acs_quirk_kind kind;
	unsigned int min_kver; /* 0: always; else only from then */
};

/** dmaown_acs_quirk_table() - the table in kernel order; count in @n */
const struct dmaown_acs_quirk *dmaown_acs_quirk_table(size_t *n);

/** dmaown_acs_quirk_name() - "pci_quirk_intel_pch_acs" etc. */
const char *dmaown_acs_quirk_name(enum dmaown_acs_quirk_kind kind);

/* what the ACS handlers may look at besides the device */
struct dmaown_quirk_opts {
	unsigned int kver; /* 0: newest */
	bool no_quirks; /* CONFIG_PCI_QUIRKS=n */
	bool ivrs_present; /* AMD IVRS table (AMD SB rule) */
	/* pcie_acs_override in force, or NULL (mainline kernel) */
	const struct dmaown_acs_override *ovr;
};

/**
 * dmaown_quirk_acs_enabled() - pci_dev_specific_acs_enabled()
 * @t: finalized topology
 * @i: device index
 * @flags: requested ACS flags (DMAOWN_ACS_REQ for grouping)
 * @dw_ctrl: the Intel SPT dword control to use (effective value)
 * @o: options
 * @kind: set to the deciding handler when the answer is >= 0 (may be NULL)
 *
 * Return: 1 enabled, 0 not enabled, -ENOTTY no quirk answered.
 */
int dmaown_quirk_acs_enabled(const struct dmaown_topology *t, size_t i,
			     uint16_t flags, uint32_t dw_ctrl,
			     const struct dmaown_quirk_opts *o,
			     enum dmaown_acs_quirk_kind *kind);

/** dmaown_quirk_intel_pch_enabled() - would the PCH enable op succeed? */
bool dmaown_quirk_intel_pch_enabled(const struct dmaown_topology *t, size_t i);
/** dmaown_quirk_intel_spt() - root port with the SPT dword ACS layout? */
bool dmaown_quirk_intel_spt(const struct dmaown_dev *d);

enum dmaown_alias_quirk_kind {
	DMAOWN_DQ_FUNC0, /* quirk_dma_func0_alias */
	DMAOWN_DQ_FUNC1, /* quirk_dma_func1_alias */
	DMAOWN_DQ_FIXED, /* quirk_fixed_dma_alias (param: devfn) */
	DMAOWN_DQ_PCIE_BRIDGE, /* quirk_use_pcie_bridge_dma_alias */
	DMAOWN_DQ_MIC_X200, /* quirk_mic_x200_dma_alias */
	DMAOWN_DQ_PEX_VCA, /* quirk_pex_vca_alias */
	DMAOWN_DQ_PLX_NTB, /* quirk_plx_ntb_dma_alias: all 256 */
	DMAOWN_DQ_SWITCHTEC, /* proxy IDs live in MMIO: not derivable */
	DMAOWN_DQ_XLATE_ROOT, /* quirk_bridge_cavm_thrx2_pcie_root */
	DMAOWN_DQ_NO_ALIAS, /* quirk_aspeed_pci_bridge_no_alias (7.1) */
};

struct dmaown_alias_quirk {
	uint16_t vendor, device;
	uint16_t subvendor, subdevice; /* 0: any */
	enum dmaown_alias_quirk_kind kind;
	uint8_t param; /* DMAOWN_DQ_FIXED: devfn */
};

/** dmaown_alias_quirk_table() - the alias quirks; count in @n */
const struct dmaown_alias_quirk *dmaown_alias_quirk_table(size_t *n);

/**
 * dmaown_quirk_dma_alias() - the header-fixup alias quirks for device @i
 * @mask: 32-byte devfn bitmap, bits are OR-ed in
 * @flags: DMAOWN_DEVF_* bits are OR-ed in
 * @underivable: set true for a Switchtec NTB (aliases in MMIO)
 *
 * Return: true if any quirk matched.
 */
bool dmaown_quirk_dma_alias(const struct dmaown_topology *t, size_t i,
			    const struct dmaown_quirk_opts *o, uint8_t mask[32],
			    uint32_t *flags, bool *underivable);

/**
 * dmaown_quirks_apply() - the header-quirk pass: fill dev_flags and
 * dma_alias_mask of every device (dmaown_topology_dev_mut).
 * Return: 0, -EINVAL, -ENOMEM.
 */
int dmaown_quirks_apply(struct dmaown_topology *t,
			const struct dmaown_quirk_opts *o);

#ifdef __cplusplus
}
#endif
#endif
