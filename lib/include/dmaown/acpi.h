/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmaown/acpi.h - which devices an IOMMU covers, from the ACPI DMAR
 * (Intel VT-d) and IVRS (AMD-Vi) tables (spec/groups.md §1.1: a device no
 * IOMMU unit covers has no group)
 *
 * Pure model: the caller reads the table bytes (for example from
 * sys/firmware/acpi/tables/DMAR, readable by root only) and passes them
 * in.  The functions set dmaown_dev.iommu_scope (1 inside, -1 outside)
 * on a finalized topology, and IVRS same-bus aliases are added to
 * dma_alias_mask as the AMD driver's setup_aliases() does.
 */
#ifndef DMAOWN_ACPI_H
#define DMAOWN_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include "dmaown/error.h"
#include "dmaown/topology.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * dmaown_dmar_apply() - mark devices inside/outside every DRHD's scope
 * @t: finalized topology
 * @tbl: the DMAR table as read
 * @len: its length
 * @err: detail on failure (may be NULL)
 *
 * A device is covered when a DRHD of its segment has INCLUDE_PCI_ALL,
 * lists it (endpoint scope), or lists a bridge above it (sub-hierarchy
 * scope).  VFs are judged by their PF.
 * Return: 0; -EINVAL for a malformed table (@err names the offset),
 * leaving the topology unchanged.
 */
int dmaown_dmar_apply(struct dmaown_topology *t, const uint8_t *tbl, size_t len,
		      struct dmaown_err *err);

/**
 * dmaown_ivrs_apply() - the same for an AMD IVRS table: a device is
 * covered when an IVHD device entry (select, range, alias or extended)
 * names its requester ID.  Alias entries on the same bus also go into
 * the device's dma_alias_mask.
 * Return: 0, -EINVAL (malformed, topology unchanged), -ENOMEM.
 */
int dmaown_ivrs_apply(struct dmaown_topology *t, const uint8_t *tbl, size_t len,
		      struct dmaown_err *err);

#ifdef __cplusplus
}
#endif
#endif
