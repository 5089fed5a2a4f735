/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmaown/host.h - the host actuator: everything that changes the host
 *
 * Every write dmaown makes to a host (driver_override, a driver's bind
 * and unbind files, drivers_probe, loading vfio-pci) and every read the
 * mover needs to stay correct (the driver link, the VFIO group status)
 * goes through one small vtable.  Two implementations:
 *
 *  - live: paths under a root directory ("/" on a real host).  Writes are
 *    single unbuffered write(2) calls of at most 4 KiB, opened with
 *    O_NOFOLLOW; the kernel's errno comes back unchanged.
 *  - fake: a writable fake sysfs tree under a directory marked by the file
 *    DIR/.dmaown-fake.  Its bind, unbind, drivers_probe and
 *    driver_override writes behave like the kernel's (driver links move,
 *    a DMA-API driver cannot bind into a user-owned group, drivers_probe
 *    turns probe errors into EINVAL ...), and it fails on demand.
 *
 * Fake root control files (all optional, re-read on every operation):
 *
 *  DIR/.dmaown-fake        marks the tree as fake (content ignored)
 *  DIR/.dmaown-fake-held   IOMMU group numbers, one a line, that a VFIO
 *                          user (say QEMU) holds: user-owned groups, if
 *                          the ownership engine lets the user claim them
 *                          (see dmaown_host_fake_hold())
 *  DIR/.dmaown-fake-match  "BDF DRIVER" lines: the native driver that
 *                          matches each device (drivers_probe, bind
 *                          without driver_override)
 *  DIR/.dmaown-fail        failure rules, one a line ('#' comments):
 *      override BDF ERRNO        driver_override write fails
 *      unbind BDF ERRNO          unbind fails
 *      bind BDF DRIVER ERRNO     bind (also via drivers_probe) fails
 *      probe BDF ERRNO           drivers_probe write fails
 *      load MODULE ERRNO         module load fails
 *      status GROUP ERRNO        VFIO_GROUP_GET_STATUS fails
 *      write N ERRNO             the Nth host write fails, once
 *      crash-after N             _exit(137) right after the Nth write
 *      delay MS                  sleep MS milliseconds before each write
 *    ERRNO is a name such as EIO or EBUSY.  "Nth write" counts every
 *    write attempt of one struct dmaown_host, from 1.
 *
 * Test hook of the live actuator (the real-kernel bench, tests/vm/assign):
 * when the environment variable DMAOWN_TEST_STOP_AFTER=N is set as
 * dmaown_host_live_new() runs, the process raises SIGSTOP right after its
 * Nth host write (N = 0: just before the first one), so that a test can
 * kill -9 it, remove a device or race it at an exact step, then SIGCONT
 * or recover.  Never set it in production.
 *
 * Paths given to the ops are relative to the root ("sys/bus/pci/...").
 */
#ifndef DMAOWN_HOST_H
#define DMAOWN_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "dmaown/error.h"
#include "dmaown/topology.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DMAOWN_HOST_VALUE_MAX 4096
#define DMAOWN_FAKE_MARK ".dmaown-fake"

struct dmaown_host;

/**
 * struct dmaown_host_ops - one actuator implementation
 * @name: "live" or "fake"
 * @write_attr: write @value to the attribute at @path (one write call)
 * @read_attr: read the attribute at @path into @buf (NUL-terminated,
 *	trailing newline removed)
 * @read_link: the last path component of the symlink at @path
 * @exists: 0 if @path exists, -ENOENT if not, other negative errno
 * @load_module: load a kernel module by name or alias
 * @vfio_group_status: VFIO_GROUP_GET_STATUS flags of /dev/vfio/@group
 *
 * All return 0 or a negative errno.
 */
struct dmaown_host_ops {
	const char *name;
	int (*write_attr)(struct dmaown_host *h, const char *path,
			  const char *value);
	int (*read_attr)(struct dmaown_host *h, const char *path, char *buf,
			 size_t len);
	int (*read_link)(struct dmaown_host *h, const char *path, char *buf,
			 size_t len);
	int (*exists)(struct dmaown_host *h, const char *path);
	int (*load_module)(struct dmaown_host *h, const char *name);
	int (*vfio_group_status)(struct dmaown_host *h, int group,
				 unsigned int *ret_flags);
};

/**
 * typedef dmaown_host_trace_fn - called after every host write
 * @ctx: the pointer given to dmaown_host_set_trace()
 * @path: attribute written (relative to the root), or "module:NAME"
 * @value: value written (module name for loads)
 * @r: 0 or the negative errno of the write
 */
typedef void (*dmaown_host_trace_fn)(void *ctx, const char *path,
				     const char *value, int r);

/**
 * dmaown_host_live_new() - actuator for the host rooted at @root
 * @root: "/" for this host, or a directory laid out like "/"
 * @ret: the new actuator; free with dmaown_host_free()
 *
 * Return: 0, -ENOENT if @root does not exist, -ENOMEM.
 */
int dmaown_host_live_new(const char *root, struct dmaown_host **ret);

/**
 * dmaown_host_fake_new() - actuator over the fake sysfs tree at @root
 * @root: a directory holding DMAOWN_FAKE_MARK
 * @ret: the new actuator; free with dmaown_host_free()
 *
 * Return: 0, -ENOENT if @root has no fake mark, -ENOMEM.
 */
int dmaown_host_fake_new(const char *root, struct dmaown_host **ret);

/**
 * dmaown_host_open() - the fake actuator if @root is marked fake, else live
 * Return: as dmaown_host_live_new().
 */
int dmaown_host_open(const char *root, struct dmaown_host **ret);

/** dmaown_host_free() - release an actuator; NULL is fine. */
void dmaown_host_free(struct dmaown_host *h);

/** dmaown_host_name() - "live" or "fake" */
const char *dmaown_host_name(const struct dmaown_host *h);

/** dmaown_host_root() - the root directory the actuator works under */
const char *dmaown_host_root(const struct dmaown_host *h);

/**
 * dmaown_host_can_change() - true if writes reach a kernel: the fake
 * actuator, or a live one whose ROOT/sys is a mounted sysfs.  A snapshot
 * directory is never written.
 */
bool dmaown_host_can_change(const struct dmaown_host *h);

/** dmaown_host_is_fake() - true for the fake actuator */
bool dmaown_host_is_fake(const struct dmaown_host *h);

/** dmaown_host_writes() - number of write attempts made so far */
unsigned long dmaown_host_writes(const struct dmaown_host *h);

/** dmaown_host_set_trace() - install a hook called after each write */
void dmaown_host_set_trace(struct dmaown_host *h, dmaown_host_trace_fn fn,
			   void *ctx);

/* ---- device-level helpers (all go through the ops) -------------------- */

/**
 * dmaown_host_driver() - name of the driver bound to @bdf
 * @buf: receives the name, "" when no driver is bound
 * Return: 0, -ENODEV if the device does not exist, other negative errno.
 */
int dmaown_host_driver(struct dmaown_host *h, struct dmaown_bdf bdf,
		       char *buf, size_t len);

/**
 * dmaown_host_override() - current driver_override of @bdf
 * @buf: receives the value, "" when unset ("(null)" in sysfs)
 * Return: 0, -ENODEV if the device does not exist, other negative errno.
 */
int dmaown_host_override(struct dmaown_host *h, struct dmaown_bdf bdf,
			 char *buf, size_t len);

/**
 * dmaown_host_set_override() - write driver_override of @bdf
 * @driver: driver name, or NULL / "" to clear it
 * Return: 0 or the errno of the write.
 */
int dmaown_host_set_override(struct dmaown_host *h, struct dmaown_bdf bdf,
			     const char *driver);

/** dmaown_host_unbind() - write @bdf to drivers/@driver/unbind */
int dmaown_host_unbind(struct dmaown_host *h, struct dmaown_bdf bdf,
		       const char *driver);

/** dmaown_host_bind() - write @bdf to drivers/@driver/bind */
int dmaown_host_bind(struct dmaown_host *h, struct dmaown_bdf bdf,
		     const char *driver);

/** dmaown_host_probe() - write @bdf to sys/bus/pci/drivers_probe */
int dmaown_host_probe(struct dmaown_host *h, struct dmaown_bdf bdf);

/**
 * dmaown_host_driver_loaded() - does sys/bus/pci/drivers/@driver exist?
 * Return: 1 yes, 0 no, negative errno if it cannot be told.
 */
int dmaown_host_driver_loaded(struct dmaown_host *h, const char *driver);

/**
 * dmaown_host_load_module() - load the module providing @driver
 * ("vfio-pci" loads vfio_pci).  Counts as a host write.
 * Return: 0; -EOPNOTSUPP without libkmod, or for a live root other than
 * "/"; the loader's negative errno.
 */
int dmaown_host_load_module(struct dmaown_host *h, const char *driver);

/**
 * dmaown_host_vfio_viable() - VFIO_GROUP_GET_STATUS of group @group
 * @ret_viable: VIABLE flag
 * @ret_container: CONTAINER_SET flag (a VFIO user holds the group); may
 *	be NULL
 * Return: 0; -ENOENT when /dev/vfio/@group does not exist (no member
 * bound to a VFIO driver); the ioctl's negative errno.
 */
int dmaown_host_vfio_viable(struct dmaown_host *h, int group,
			    bool *ret_viable, bool *ret_container);

/**
 * dmaown_host_iommu_group() - the IOMMU group number of @bdf
 * Return: group >= 0, -ENOENT when the device has no group (no IOMMU),
 * -ENODEV when it does not exist.
 */
int dmaown_host_iommu_group(struct dmaown_host *h, struct dmaown_bdf bdf);

/* ---- fake roots ------------------------------------------------------- */

/**
 * dmaown_fake_build() - write a fake sysfs tree for @t under @dir
 * @dir: directory to create (its parent must exist); must not exist yet
 *	or be empty
 * @t: finalized topology; each device's driver and kernel_group (host
 *	state) become the tree's driver links and IOMMU groups
 * @err: detail on failure (may be NULL)
 *
 * The tree is laid out like "/" as the sysfs source reads it:
 * sys/devices/pciDDDD:BB/... device directories (vendor, device,
 * subsystem_*, class, revision, config, driver_override, driver and
 * iommu_group links), sys/bus/pci/devices links, the drivers in sys/bus/pci/drivers,
 * sys/kernel/iommu_groups/N/devices, proc/cmdline, dev/vfio, plus
 * DMAOWN_FAKE_MARK and .dmaown-fake-match (each device's driver).
 * Config space is synthesised: 256 bytes (4096 for PCIe devices) with
 * the IDs, class, header type, bridge bus numbers and a PCIe capability.
 *
 * Return: 0 or negative errno with @err naming the path.
 */
int dmaown_fake_build(const char *dir, const struct dmaown_topology *t,
		      struct dmaown_err *err);

/**
 * dmaown_host_fake_hold() - a VFIO user (say QEMU) takes group @group of
 * a fake root: open /dev/vfio/@group, SET_CONTAINER, SET_IOMMU(TYPE1v2)
 * in the ownership engine seeded from the tree; on success the group is
 * listed in .dmaown-fake-held.  Not a host write (not counted, no trace).
 * Return: 0; -ENOENT unknown group or no member on a VFIO driver; -EBUSY
 * already held; -EPERM/-EBUSY from the claim; -EINVAL not a fake host.
 */
int dmaown_host_fake_hold(struct dmaown_host *h, int group);

/**
 * dmaown_host_fake_unhold() - the VFIO user closes group @group (it leaves
 * .dmaown-fake-held).  Return: 0; -ENOENT if not listed; -EINVAL not fake.
 */
int dmaown_host_fake_unhold(struct dmaown_host *h, int group);

#ifdef __cplusplus
}
#endif
#endif
