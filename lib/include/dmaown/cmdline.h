/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmaown/cmdline.h - the kernel command-line parameters that change IOMMU
 * grouping (spec/groups.md §4)
 *
 * Pure model: parses a string, never reads /proc.  Malformed values are
 * ignored the way the kernel ignores them, and each one adds a warning
 * string to the result.
 */
#ifndef DMAOWN_CMDLINE_H
#define DMAOWN_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmaown/topology.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DMAOWN_ACS_OVERRIDE_MAX_IDS 15
#define DMAOWN_CMDLINE_MAX_SEL	    16
#define DMAOWN_CMDLINE_MAX_PATH	    8
#define DMAOWN_CMDLINE_MAX_WARN	    8
#define DMAOWN_CMDLINE_WARN_LEN	    160

/* the out-of-tree pcie_acs_override= patch (§4.4) */
struct dmaown_acs_override {
	bool set; /* the parameter was given */
	bool downstream;
	bool multifunction;
	int nids;
	uint16_t ids[DMAOWN_ACS_OVERRIDE_MAX_IDS][2]; /* vendor, device */
};

/* a device selector of disable_acs_redir= / config_acs= (§4.1) */
struct dmaown_acs_sel {
	bool by_id; /* pci:vendor:device[:subvendor:subdevice] */
	uint16_t vendor, device, subvendor, subdevice; /* 0 = any */
	uint32_t domain; /* path form: [domain:]bus:dev.fn[/dev.fn]* */
	uint8_t bus;
	int npath;
	uint8_t path[DMAOWN_CMDLINE_MAX_PATH]; /* devfns, top first */
	bool disable_redir; /* from disable_acs_redir= */
	uint16_t mask; /* config_acs=: bits to change */
	uint16_t flags; /* config_acs=: their new values */
};

struct dmaown_cmdline {
	bool iommu_off; /* iommu=off, intel_iommu=off, amd_iommu=off */
	bool passthrough; /* iommu=pt / iommu.passthrough=1 (no effect) */
	bool noats; /* pci=noats: TB gets enabled too */
	struct dmaown_acs_override ovr;
	int nsel;
	struct dmaown_acs_sel sel[DMAOWN_CMDLINE_MAX_SEL];
	int nwarn;
	char warn[DMAOWN_CMDLINE_MAX_WARN][DMAOWN_CMDLINE_WARN_LEN];
};

/**
 * dmaown_cmdline_parse() - parse a kernel command line
 * @s: the command line (NULL or "" is an empty command line)
 * @ret: filled; malformed values land in @ret->warn
 *
 * Return: 0, or -EINVAL if @ret is NULL.
 */
int dmaown_cmdline_parse(const char *s, struct dmaown_cmdline *ret);

/**
 * dmaown_acs_sel_match() - does a selector name device @i of @t?
 * The path form walks from the device up through its upstream bridges,
 * the way pci_dev_str_match_path() does.
 */
bool dmaown_acs_sel_match(const struct dmaown_acs_sel *sel,
			  const struct dmaown_topology *t, size_t i);

/**
 * dmaown_cmdline_acs_edit() - apply disable_acs_redir= and config_acs= to
 * a firmware ACS Control word of device @i (§2.4 step 2).
 * @fw_ctrl: the control word firmware left
 * @kernel_ctrl: the word after the kernel's own enabling
 * @matched: set to true when some selector named the device
 *
 * Return: the resulting control word (@kernel_ctrl if nothing matched).
 */
uint16_t dmaown_cmdline_acs_edit(const struct dmaown_cmdline *cl,
				 const struct dmaown_topology *t, size_t i,
				 uint16_t fw_ctrl, uint16_t kernel_ctrl,
				 bool *matched);

#ifdef __cplusplus
}
#endif
#endif
