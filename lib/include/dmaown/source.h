/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmaown/source.h - where a topology comes from
 *
 * Every source yields the same struct dmaown_topology (finalized):
 *  - sysfs: the live host (root "/") or a snapshot directory laid out like
 *    "/" (sys/bus/pci/devices/..., sys/kernel/iommu_groups/..., proc/cmdline);
 *    config space through libpci's sysfs access method;
 *  - lspci dump: `lspci -xxx` / `-xxxx` hex dumps through libpci's dump
 *    method;
 *  - lspci text: `lspci -vvnn` output as pasted in bug reports.
 * Sources only read.  Errors name the file (and line) or the device.
 */
#ifndef DMAOWN_SOURCE_H
#define DMAOWN_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "dmaown/error.h"
#include "dmaown/topology.h"

#ifdef __cplusplus
extern "C" {
#endif

enum dmaown_source_kind {
	DMAOWN_SOURCE_SYSFS,		/* live host or snapshot root */
	DMAOWN_SOURCE_LSPCI_DUMP,
	DMAOWN_SOURCE_LSPCI_TEXT,
};

/**
 * dmaown_source_load() - read a topology
 * @kind: which source
 * @path: root directory ("/" for the live host) or input file
 * @ret: the finalized topology on success
 * @err: detail on failure (may be NULL)
 *
 * Return: 0; -ENOENT when @path does not exist; -EINVAL for malformed
 * input (@err names file:line or device); -ENOMEM.
 */
int dmaown_source_load(enum dmaown_source_kind kind, const char *path,
		       struct dmaown_topology **ret, struct dmaown_err *err);

/**
 * dmaown_config_parse() - the config-space walker
 * @d: record to fill (identity, header, bridge bus numbers and windows,
 *     BARs as far as they can be read without sizing, PCIe type, ACS
 *     words and dwords, SR-IOV and ARI capabilities)
 * @cfg: raw config bytes as read
 * @len: how many bytes were readable (64, 256 or 4096 typically)
 *
 * Capability chains are followed with loop and bounds protection; a
 * truncated buffer marks what could not be seen (acs_known = false when
 * extended space is missing) rather than failing.
 * Return: 0, or -EINVAL if @len < 64 or the vendor ID is 0xffff/0x0000.
 */
int dmaown_config_parse(struct dmaown_dev *d, const uint8_t *cfg, size_t len);

/**
 * dmaown_snapshot_write() - copy what dmaown reads from @root ("/") into
 * the directory @dir, laid out like "/", so that --root @dir reproduces it.
 * Return: 0 or negative errno with @err naming the failing path.
 */
int dmaown_snapshot_write(const char *root, const char *dir,
			  struct dmaown_err *err);

#ifdef __cplusplus
}
#endif
#endif
