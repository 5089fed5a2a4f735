/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmaown/safety.h - refuse to take devices the host is using
 *
 * Before an assign moves a group's devices off their host drivers, these
 * checks look for what would break (spec/ecosystem.md §7.4), all read
 * relative to a root directory so they run on fake trees:
 *
 *  - block devices (sys/block/X, owned through their sysfs path) that
 *    are mounted (proc/self/mountinfo, else proc/mounts), used as swap
 *    (proc/swaps) or held by dm/md (sys/block/X/holders), including the
 *    root filesystem's disk;
 *  - the boot VGA device (sys/bus/pci/devices/BDF/boot_vga) and devices
 *    driving a framebuffer console (sys/class/graphics/fbN/device);
 *  - network interfaces (sys/class/net/IF/device) that are up
 *    (operstate) with addresses or routes: IPv6 from proc/net/if_inet6
 *    (link-local addresses do not count), routes from proc/net/route,
 *    IPv4 addresses from getifaddrs() when the root is "/", else from
 *    the file ROOT/.dmaown-ipv4 ("IFACE ADDRESS" lines);
 *  - groups already held: by a dmaown record, by a process with
 *    /dev/vfio/N open (dmaown/holders.h), or listed in a fake root's
 *    .dmaown-fake-held.
 *
 * Only members the plan moves are checked.
 */
#ifndef DMAOWN_SAFETY_H
#define DMAOWN_SAFETY_H

#include <stddef.h>

#include "dmaown/journal.h"
#include "dmaown/move.h"

#ifdef __cplusplus
extern "C" {
#endif

enum dmaown_safety_kind {
	DMAOWN_SAFETY_BLOCK,	/* mounted, swap or held block device */
	DMAOWN_SAFETY_VGA,	/* boot VGA or framebuffer console */
	DMAOWN_SAFETY_NET,	/* interface up with addresses or routes */
	DMAOWN_SAFETY_HELD,	/* group already held */
	DMAOWN_SAFETY_KIND_MAX,
};

struct dmaown_safety_finding {
	struct dmaown_bdf bdf;
	enum dmaown_safety_kind kind;
	char msg[512];		/* "0000:03:00.0 (nvme0n1) holds / (...)" */
};

struct dmaown_safety_report {
	size_t n;
	struct dmaown_safety_finding *f;
};

/**
 * dmaown_safety_check() - what would break if @p ran
 * @root: "/" or a tree laid out like it
 * @p: an assign plan
 * @s: the journal, for dmaown's own holds (may be NULL)
 * @ret: findings (n == 0: nothing found); free with
 *	dmaown_safety_report_free()
 *
 * Unreadable files count as "nothing found there".
 * Return: number of findings, or -ENOMEM.
 */
int dmaown_safety_check(const char *root, const struct dmaown_move_plan *p,
			struct dmaown_state *s,
			struct dmaown_safety_report *ret);

/** dmaown_safety_report_free() - free the findings; resets @r */
void dmaown_safety_report_free(struct dmaown_safety_report *r);

/** dmaown_safety_kind_name() - "block", "vga", "net", "held" */
const char *dmaown_safety_kind_name(enum dmaown_safety_kind k);

#ifdef __cplusplus
}
#endif
#endif
