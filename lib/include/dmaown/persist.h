/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmaown/persist.h - make an assign survive a reboot with udev rules
 *
 * `dmaown assign --persist` writes one rule file per moved device,
 * ROOT/etc/udev/rules.d/61-dmaown-BDF.rules, that sets driver_override
 * when the device is added at boot and re-probes it.  The rule matches
 * the address AND the vendor, device and subsystem IDs, AND the PCI
 * Device Serial Number (extended capability 0x0003) when the device has
 * one, so a renumbered bus or a swapped card does not inherit the
 * override (spec/ecosystem.md §7.5, pain B3).  `dmaown release
 * --persist` removes the files.
 */
#ifndef DMAOWN_PERSIST_H
#define DMAOWN_PERSIST_H

#include <stddef.h>
#include <stdint.h>

#include "dmaown/error.h"
#include "dmaown/move.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * dmaown_dsn_find() - the Device Serial Number in raw config space
 * @cfg: config bytes; @len: how many (the DSN needs more than 256)
 * @ret: the 64-bit serial; @ret_off: offset of its first byte (cap + 4)
 *
 * Pure.  Walks the extended capability list with loop protection.
 * Return: 0, or -ENOENT when there is no DSN capability.
 */
int dmaown_dsn_find(const uint8_t *cfg, size_t len, uint64_t *ret,
		    unsigned int *ret_off);

/**
 * dmaown_persist_path() - ROOT/etc/udev/rules.d/61-dmaown-BDF.rules
 * Return: 0 or -ENAMETOOLONG.
 */
int dmaown_persist_path(const char *root, struct dmaown_bdf bdf, char *buf,
			size_t len);

/**
 * dmaown_persist_rule() - the rule text for one device
 * @root: where the device's sysfs attributes are read
 * @bdf: the device
 * @driver: driver_override to set at boot
 * @group: IOMMU group (for the comment)
 * @ret: malloc'd text
 * Return: 0; -ENODEV if the device's IDs cannot be read (@err names it).
 */
int dmaown_persist_rule(const char *root, struct dmaown_bdf bdf,
			const char *driver, int group, char **ret,
			struct dmaown_err *err);

/**
 * dmaown_persist_write() - write the rules for every moved device of @p
 * Return: 0 or negative errno (@err names the file); on failure the
 * files already written are removed again.
 */
int dmaown_persist_write(const char *root, const struct dmaown_move_plan *p,
			 struct dmaown_err *err);

/**
 * dmaown_persist_remove() - remove the rules of every moved device of @p
 * (missing files are fine).  Return: 0 or negative errno.
 */
int dmaown_persist_remove(const char *root, const struct dmaown_move_plan *p,
			  struct dmaown_err *err);

#ifdef __cplusplus
}
#endif
#endif
