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
 * dmaown_predict_hotadd() - the group a hot-added device joins
 * (pci_device_group() run once, spec/groups.md §1.4)
 * @t: the topology
 * @cur: the current partition: group_of[] of every present device; -1
 *       for removed devices (and for @dev), which are ignored
 * @reg_order: all device indexes in the kernel's registration order
 *       (for_each_pci_dev(): boot scan order, re-added devices moved to
 *       the end as they came back); NULL: boot scan order
 * @dev: the device being added
 * @o: options (NULL: defaults); KERNEL model only
 * @ret: the group index in @cur that @dev joins, or -1 for a new group
 *
 * Unlike boot, the IOMMU probes a hot-added device inside device_add(),
 * before pci_scan_slot() forces multifunction on functions > 0: @dev
 * counts as multifunction only with its header bit (hdr_multifunction).
 * So a function > 0 without the bit under an ACS port gets a group of
 * its own.  Devices already present keep their effective bit.
 *
 * Return: 0; -ENODEV when no IOMMU covers @dev (it gets no group);
 * -EOPNOTSUPP for the SPEC model; -EINVAL; -ENOMEM.
 */
int dmaown_predict_hotadd(const struct dmaown_topology *t,
			  const struct dmaown_groups *cur,
			  const size_t *reg_order, size_t dev,
			  const struct dmaown_predict_opts *o, int *ret);

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
