/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmaown/host-live.h - the live backend of step scripts (dmaown sim --live)
 *
 * Performs the steps of dmaown/script.h on a running kernel: sysfs writes
 * (driver_override, a driver's bind and unbind files, remove, rescan) and
 * VFIO ioctls on /dev/vfio.  Every path is taken relative to a root
 * directory ("/" on a real host), so the backend can be exercised on a
 * fake tree.  Each op returns the errno of the write or ioctl unchanged.
 *
 *   bind       unbind the current driver, write driver_override, write the
 *              BDF to sys/bus/pci/drivers/DRIVER/bind (that write's errno)
 *   unbind     write the BDF to the bound driver's unbind file
 *   hold       open dev/vfio/N (N from the iommu_group link), open a new
 *              dev/vfio/vfio, VFIO_GROUP_SET_CONTAINER, then
 *              VFIO_SET_IOMMU(VFIO_TYPE1v2_IOMMU); kept open until release
 *   release    close both descriptors
 *   remove     write 1 to the device's remove file
 *   rescan     write 1 to sys/bus/pci/rescan
 *   get_driver the driver link's last component
 *   get_viable VFIO_GROUP_GET_STATUS VIABLE flag; "no" without a group node
 */
#ifndef DMAOWN_HOST_LIVE_H
#define DMAOWN_HOST_LIVE_H

#include "dmaown/error.h"
#include "dmaown/script.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dmaown_sim_live;

/**
 * dmaown_sim_live_new() - a live backend for the host rooted at @root
 * @root: "/" for this host, or a directory laid out like "/"
 * @ret: the backend state; free with dmaown_sim_live_free(), which also
 *	releases every group still held
 * @err: detail on failure (may be NULL)
 *
 * Return: 0; -ENOENT (or another negative errno) if @root cannot be
 * opened; -ENOMEM.
 */
int dmaown_sim_live_new(const char *root, struct dmaown_sim_live **ret,
			struct dmaown_err *err);

/** dmaown_sim_live_free() - close held groups and free; NULL is fine. */
void dmaown_sim_live_free(struct dmaown_sim_live *l);

/** dmaown_sim_live_backend() - fill @ret with the vtable, ctx set to @l */
void dmaown_sim_live_backend(struct dmaown_sim_live *l,
			     struct dmaown_sim_backend *ret);

/** dmaown_sim_live_held() - number of groups currently held */
size_t dmaown_sim_live_held(const struct dmaown_sim_live *l);

#ifdef __cplusplus
}
#endif
#endif
