/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmaown/drivers.h - what the kernel knows about a driver's DMA use
 *
 * The kernel's auto-claim (spec/ownership.md §3) depends on one per-driver
 * flag, driver_managed_dma, set in the bus driver struct.  Drivers with
 * the flag (VFIO drivers, pci-stub, pcieport) never touch owner_cnt; every
 * other driver, known or not, is a DMA-API user and counts.  Names match
 * with '-' and '_' treated alike (module and driver names differ so).
 */
#ifndef DMAOWN_DRIVERS_H
#define DMAOWN_DRIVERS_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct dmaown_driver - one table entry
 * @name: the driver's name as in /sys/bus/<bus>/drivers/
 * @bus: "pci", "platform", "amba", "fsl-mc", "cdx"
 * @driver_managed_dma: the driver opts out of auto-claim
 * @vfio: a VFIO driver (registers VFIO devices; binding it creates the
 *	group's /dev/vfio/N)
 * @provenance: where the fact comes from (commit or source file)
 */
struct dmaown_driver {
	const char *name;
	const char *bus;
	bool driver_managed_dma;
	bool vfio;
	const char *provenance;
};

/**
 * dmaown_driver_name_eq() - compare driver names, '-' equal to '_'
 * Return: true if equal.  NULL never equals anything.
 */
bool dmaown_driver_name_eq(const char *a, const char *b);

/**
 * dmaown_driver_lookup() - the table entry for @name
 * Return: the entry, or NULL for a driver not in the table (which the
 * kernel treats as a DMA-API user).
 */
const struct dmaown_driver *dmaown_driver_lookup(const char *name);

/** dmaown_driver_managed_dma() - does @name set driver_managed_dma? */
bool dmaown_driver_managed_dma(const char *name);

/** dmaown_driver_is_vfio() - is @name a VFIO driver? */
bool dmaown_driver_is_vfio(const char *name);

/** dmaown_driver_count() - entries in the table */
size_t dmaown_driver_count(void);

/** dmaown_driver_at() - entry @i, NULL past the end */
const struct dmaown_driver *dmaown_driver_at(size_t i);

#ifdef __cplusplus
}
#endif
#endif
