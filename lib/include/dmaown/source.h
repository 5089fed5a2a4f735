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

/* ---- additions by the sources module ---------------------------------- */

/**
 * dmaown_lspci_text_parse() - parse `lspci -vv[v][nn][D]` text held in
 * memory (what DMAOWN_SOURCE_LSPCI_TEXT does after reading the file)
 * @text: the text, need not be NUL-terminated
 * @len: its length
 * @name: file name used in error messages ("file:line: ...")
 * @ret: the finalized topology
 * @err: detail on failure (may be NULL)
 *
 * Markdown fences, leading blanks, CRLF and unrelated lines are skipped.
 * "IOMMU group N" lines (lspci -vv, or the usual listing scripts) set
 * kernel_group.  lspci does not print the multifunction header bit;
 * hdr_multifunction is inferred when another function of the same slot is
 * listed.  Parents come from bus numbers.
 * Return: 0, -EINVAL (no devices, malformed device line), -ENOMEM.
 */
int dmaown_lspci_text_parse(const char *text, size_t len, const char *name,
			    struct dmaown_topology **ret,
			    struct dmaown_err *err);

/**
 * dmaown_source_drivers() - PCI drivers the kernel has loaded
 * (ROOT/sys/bus/pci/drivers/NAME), sorted, as a NULL-terminated malloc'd
 * array to free with dmaown_strv_free().
 * Return: the count, or negative errno (-ENOENT: no such directory).
 */
int dmaown_source_drivers(const char *root, char ***ret);

/** dmaown_strv_free() - free a NULL-terminated array of strings */
void dmaown_strv_free(char **v);

/* dmaown_snapshot_write_flags() flags */
#define DMAOWN_SNAPSHOT_NO_GROUPS 0x1	/* leave out the kernel's groups */

/**
 * dmaown_snapshot_write_flags() - dmaown_snapshot_write() with options
 * @flags: DMAOWN_SNAPSHOT_NO_GROUPS leaves out sys/kernel/iommu_groups and
 * the per-device iommu_group links (so a prediction provably does not
 * read the kernel's answer).
 */
int dmaown_snapshot_write_flags(const char *root, const char *dir,
				unsigned int flags, struct dmaown_err *err);

#ifdef __cplusplus
}
#endif
#endif
