/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * src-internal.h - private helpers shared by the topology sources
 * (not installed; not part of the public API)
 */
#ifndef DMAOWN_SRC_INTERNAL_H
#define DMAOWN_SRC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmaown/source.h"

#define SRC_CFG_MAX 4096

/* one device's config bytes as libpci returned them */
struct src_raw {
	struct dmaown_bdf bdf;
	size_t len;			/* readable bytes: 4096, 256, 64 or 0 */
	uint8_t cfg[SRC_CFG_MAX];
};

/**
 * src_pci_collect() - run libpci (method @method, parameter @param=@value)
 * and read every device's config space.
 * @what: file or directory named in error messages
 *
 * libpci's error hook is turned into a clean -EINVAL naming @what.
 * Return: number of devices (*ret malloc'd), or negative errno.
 */
int src_pci_collect(int method, const char *param, const char *value,
		    const char *what, struct src_raw **ret,
		    struct dmaown_err *err);

/**
 * src_read_file() - bounded read of a small file into a NUL-terminated
 * malloc'd buffer.  Return: bytes read, or negative errno.
 */
long src_read_file(const char *path, size_t max, char **ret);

/** src_read_bin() - bounded binary read into @buf; returns bytes or -errno */
long src_read_bin(const char *path, uint8_t *buf, size_t max);

/**
 * src_path() - @a "/" @b into @buf (@b may contain further "/").
 * Return: 0, or -ENAMETOOLONG (then @buf holds "").
 */
int src_path(char *buf, size_t len, const char *a, const char *b);

/** src_chomp() - strip trailing whitespace in place; returns @s */
char *src_chomp(char *s);

int src_load_sysfs(const char *root, struct dmaown_topology **ret,
		   struct dmaown_err *err);
int src_load_dump(const char *path, struct dmaown_topology **ret,
		  struct dmaown_err *err);
int src_load_text(const char *path, struct dmaown_topology **ret,
		  struct dmaown_err *err);

/**
 * dmaown_lspci_text_parse() lives in source.h; the dump and text loaders
 * share the finalize step below.
 */
int src_finish(struct dmaown_topology *t, const char *what,
	       struct dmaown_topology **ret, struct dmaown_err *err);

/**
 * src_infer_buses() - infer the secondary/subordinate bus numbers of
 * bridges the source printed without them (src-busnum.c)
 * @v: the records (not yet added to a topology); VFs already marked
 * @known: per record, true when the source gave its bus numbers
 * @how: raised to the rule that was needed (never lowered)
 *
 * Sets secondary/subordinate of bridges with !known[i] and the
 * parent_inferred / parent_unknown flags of the devices concerned.
 * Return: 0 or -ENOMEM.
 */
int src_infer_buses(struct dmaown_dev **v, const bool *known, size_t n,
		    enum dmaown_bus_numbers *how);

#endif
