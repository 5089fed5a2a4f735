/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmaown/holders.h - which processes hold VFIO groups open
 *
 * The kernel exposes no owner of a group in sysfs; the only trace of a
 * userspace owner is an open /dev/vfio/N (or /dev/vfio/devices/vfioX,
 * /dev/iommu) file descriptor.  This reads ROOT/proc/PID/fd links.
 */
#ifndef DMAOWN_HOLDERS_H
#define DMAOWN_HOLDERS_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dmaown_holder {
	int group;		/* IOMMU group number held */
	pid_t pid;
	char comm[32];		/* process name */
};

/**
 * dmaown_vfio_holders() - list processes with /dev/vfio/N, or an iommufd
 * VFIO device cdev /dev/vfio/devices/vfioX, open (the latter mapped to
 * its device's group through ROOT/sys/class/vfio-dev/vfioX/device)
 * @root: "/" or a snapshot root (a snapshot normally has no proc/PID)
 * @ret: malloc'd array (free() it), NULL when none
 *
 * Process directories that vanish or cannot be read (no permission) are
 * skipped.  Return: number of entries, or a negative errno.
 */
int dmaown_vfio_holders(const char *root, struct dmaown_holder **ret);

#ifdef __cplusplus
}
#endif
#endif
