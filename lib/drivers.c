// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * drivers.c - the driver_managed_dma table (spec/ownership.md §3.4)
 *
 * Upstream keeps driver_managed_dma in each bus driver struct (§3.2).
 * Every driver not listed here is a DMA-API user: the kernel counts it in
 * owner_cnt and it makes its group unclaimable.
 */
#include <stddef.h>
#include <string.h>

#include "dmaown/drivers.h"

static const struct dmaown_driver table[] = {
	{ "pci-stub", "pci", true, false,
	  "18c7a349d072 PCI: pci_stub: Set driver_managed_dma (v5.19)" },
	{ "pcieport", "pci", true, false,
	  "c7d469849747 PCI: portdrv: Set driver_managed_dma (v5.19)" },
	{ "vfio-pci", "pci", true, true,
	  "70693f470848 vfio: Set DMA ownership for VFIO devices (v5.19)" },
	{ "vfio-platform", "platform", true, true, "70693f470848 (v5.19)" },
	{ "vfio-amba", "amba", true, true, "70693f470848 (v5.19)" },
	{ "vfio-fsl-mc", "fsl-mc", true, true, "70693f470848 (v5.19)" },
	{ "mlx5_vfio_pci", "pci", true, true,
	  "vfio/pci: Add driver_managed_dma to the new vfio_pci drivers (v5.19)" },
	{ "hisi_acc_vfio_pci", "pci", true, true,
	  "vfio/pci: Add driver_managed_dma to the new vfio_pci drivers (v5.19)" },
	{ "virtio_vfio_pci", "pci", true, true,
	  "drivers/vfio/pci/virtio/main.c driver struct" },
	{ "pds_vfio_pci", "pci", true, true,
	  "drivers/vfio/pci/pds/pci_drv.c driver struct" },
	{ "nvgrace_gpu_vfio_pci", "pci", true, true,
	  "drivers/vfio/pci/nvgrace-gpu/main.c driver struct" },
	{ "qat_vfio_pci", "pci", true, true,
	  "inferred: iommufd_device_bind() users must set the flag" },
	{ "xe_vfio_pci", "pci", true, true,
	  "xe-vfio-pci driver struct (2025, release not checked)" },
	{ "vfio-cdx", "cdx", true, true,
	  "drivers/vfio/cdx/main.c driver struct" },
};

bool dmaown_driver_name_eq(const char *a, const char *b)
{
	if (!a || !b)
		return false;
	for (;; a++, b++) {
		char x = *a == '-' ? '_' : *a;
		char y = *b == '-' ? '_' : *b;

		if (x != y)
			return false;
		if (!x)
			return true;
	}
}

const struct dmaown_driver *dmaown_driver_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (dmaown_driver_name_eq(table[i].name, name))
			return &table[i];
	return NULL;
}

bool dmaown_driver_managed_dma(const char *name)
{
	const struct dmaown_driver *d = dmaown_driver_lookup(name);

	return d && d->driver_managed_dma;
}

bool dmaown_driver_is_vfio(const char *name)
{
	const struct dmaown_driver *d = dmaown_driver_lookup(name);

	return d && d->vfio;
}

size_t dmaown_driver_count(void)
{
	return sizeof(table) / sizeof(table[0]);
}

const struct dmaown_driver *dmaown_driver_at(size_t i)
{
	return i < dmaown_driver_count() ? &table[i] : NULL;
}
