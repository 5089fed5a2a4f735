/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmaown/predict.h - IOMMU group prediction (spec/groups.md §1.5, §1.9)
 *
 * Pure model.  KERNEL mode computes the groups mainline Linux forms
 * (pci_device_group() under parent-first probe order, as the
 * order-independent formula of §1.5).  SPEC mode computes the groups true
 * isolation requires: connected components of P2P reachability (§5.2)
 * joined with DMA-alias equivalence.
 *
 * ACS words the source could not read (acs_known == false, e.g. a
 * snapshot taken without root) are treated as "no usable ACS": such a
 * port or multifunction function counts as NOT isolated, and every group
 * whose shape depended on that says "ACS not readable" in its why text.
 * The prediction may then be wider than the kernel's groups, never
 * narrower than the hardware allows.
 */
#ifndef DMAOWN_PREDICT_H
#define DMAOWN_PREDICT_H

#include <stdbool.h>

#include "dmaown/topology.h"

#ifdef __cplusplus
extern "C" {
#endif

enum dmaown_predict_model {
	DMAOWN_MODEL_KERNEL = 0, /* mainline pci_device_group() */
	DMAOWN_MODEL_SPEC, /* true isolation (§1.9, §5.2) */
};

enum dmaown_acs_input {
	DMAOWN_ACS_POST_BOOT = 0, /* Control as read after boot */
	DMAOWN_ACS_FIRMWARE, /* simulate pci_enable_acs() (§2.4) */
};

struct dmaown_predict_opts {
	enum dmaown_predict_model model;
	/* kernel command line; NULL: the topology's host info cmdline */
	const char *cmdline;
	/* DMAOWN_KVER(); 0: from host kernel_release, else newest */
	unsigned int kver;
	enum dmaown_acs_input acs_input;
	bool no_quirks; /* CONFIG_PCI_QUIRKS=n */
	bool no_override_patch; /* ignore pcie_acs_override= */
	bool no_why; /* leave why[] NULL (benchmarks) */
};

/**
 * dmaown_predict() - predict the IOMMU groups of a finalized topology
 * @t: the topology (never modified; kernel_group is never read)
 * @o: options (NULL: kernel model, defaults)
 * @ret: a new partition: group_of[] for every device (-1 when no IOMMU
 *       covers it), a one-line why[] per group, and kernel_id[] (the
 *       number the kernel would give, in registration order; -1 in SPEC
 *       mode)
 *
 * Runs in O(n log n) time and O(n) memory.
 * Return: 0, -EINVAL, -ENOMEM.
 */
int dmaown_predict(const struct dmaown_topology *t,
		   const struct dmaown_predict_opts *o,
		   struct dmaown_groups **ret);

/**
 * dmaown_predict_iommu_off() - would @o (or the host) have no IOMMU?
 * Return: true when the command line turns the IOMMU off or the host
 * says no IOMMU is present.
 */
bool dmaown_predict_iommu_off(const struct dmaown_topology *t,
			      const struct dmaown_predict_opts *o);

#ifdef __cplusplus
}
#endif
#endif
