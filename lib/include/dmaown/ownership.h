/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmaown/ownership.h - the IOMMU DMA-ownership engine (pure model)
 *
 * A model of the kernel's per-IOMMU-group ownership state (struct
 * iommu_group in drivers/iommu/iommu.c: default/blocking/current domain,
 * owner cookie, owner_cnt, PASIDs), of the driver core's auto-claim
 * (really_probe, bus dma_configure/dma_cleanup) and of the VFIO group
 * layer on top.  spec/ownership.md is the reference; section numbers in
 * comments point into it.
 *
 * Thread-safe: each group has its own mutex, each device its own mutex
 * (the model's device_lock), and an engine rwlock is held for reading by
 * every operation and for writing only to add or remove devices/groups
 * and by the invariant checker.  Lock order: engine rwlock -> device
 * mutex -> group mutex.  No callbacks are made under any lock.
 *
 * Kernel WARN_ON paths never abort: they bump a counter read with
 * dmaown_engine_warns().  A kernel BUG_ON (pre-5.19 VFIO) never aborts
 * either: it is recorded as a crash, read with dmaown_engine_crashes().
 * Where the modelled kernel itself breaks an ownership invariant (a known
 * kernel hole: the CDX bus quirk, the DEBUG_TEST_DRIVER_REMOVE leak) the
 * engine counts a kernel-bug event (dmaown_engine_kernel_bugs()) and the
 * invariant checker still reports the violation, labelled "kernel bug".
 *
 * Domains are plain identifiers (unsigned long, 0 = NULL domain); the
 * engine allocates them and dmaown_domain_type() tells their type.
 */
#ifndef DMAOWN_OWNERSHIP_H
#define DMAOWN_OWNERSHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmaown/error.h"
#include "dmaown/script.h"
#include "dmaown/topology.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- semantics profiles (spec §8.9) ----------------------------------- */

/**
 * struct dmaown_profile - kernel behaviour toggles
 * Each field names the spec section it models.
 */
struct dmaown_profile {
	const char *name;
	bool pasid_checks;		/* §2.1/2.3: PASIDs block (>=6.2) */
	bool null_cookie_einval;	/* §2.3: NULL cookie -> EINVAL (>=6.2) */
	bool device_claim_api;		/* §2.5/2.6 exist (>=6.2) */
	bool amd_identity_tolerance;	/* §2.1: 6.0-rc4 .. 6.6 */
	bool probe_defer_without_default; /* §2.1: EPROBE_DEFER (6.14, 6.12.y) */
	bool sysfs_type_uses_owner_cnt;	/* §5.3 (~6.4+) */
	bool empty_group_warn_and_free;	/* §5.2 latest */
	bool require_direct_blocks_blocking; /* §5.1 latest */
	bool hotadd_reattach_default;	/* §5.1: v5.19 re-attach quirk */
	bool blocking_alloc_einval;	/* §1: v5.19 maps alloc failure to EINVAL */
	bool vfio_cookie_is_group;	/* §0: cookie vfio_group (~6.1) vs container */
	bool vfio_release_on_last_unbind; /* §4.4: vfio_device_remove_group (6.1+) */
	/*
	 * §4.4, §5.1: pre-5.19 ("5.18"): no ownership calls at all; VFIO
	 * viability walks the members; the group notifier WARNs "Device
	 * added to live group" and BUG_ONs (recorded as a crash) when a
	 * non-viable driver binds into a live group.
	 */
	bool legacy_vfio_bug_on;
	/* §3.3: CONFIG_DEBUG_TEST_DRIVER_REMOVE (a build option, off in
	 * every named profile; copy a profile to turn it on) */
	bool debug_test_driver_remove;
	/* §3.3: ~6.5 fix: the test-remove path runs dma_cleanup */
	bool test_remove_runs_cleanup;
	/* §3.1: CDX bus exists (~6.4); its dma_configure swallows the
	 * ownership error [C5] */
	bool cdx_bus;
	/* §1, §7 #50 (proposed, off in every released profile): claims and
	 * attaches return -EBUSY while a member is being reset */
	bool reset_blocks_attach;
};

/**
 * dmaown_profile_get() - a profile by name
 * @name: "5.18" (pre-framework legacy VFIO), "5.19", "6.1", "6.2",
 *	"6.12", "latest"; NULL or "" = "latest"
 * Return: the profile, or NULL for an unknown name.
 */
const struct dmaown_profile *dmaown_profile_get(const char *name);

/**
 * dmaown_profile_auto() - the profile for a kernel release string
 * @release: "6.1.0-56-amd64", "6.12.117+deb12-amd64", "5.19.0", ...
 * @ret: the chosen profile
 *
 * A kernel older than 5.19 has no ownership framework: it gets the "5.18"
 * legacy-VFIO profile (viability walk, BUG_ON on a bad bind into a live
 * group).
 *
 * Return: 0; -EINVAL if no "MAJOR.MINOR" can be read.
 */
int dmaown_profile_auto(const char *release,
			const struct dmaown_profile **ret);

/** dmaown_profile_name_at() - profile names for help texts, NULL at end */
const char *dmaown_profile_name_at(size_t i);

/* ---- engine ----------------------------------------------------------- */

struct dmaown_engine;

enum dmaown_domain_type {
	DMAOWN_DOMAIN_NONE = 0,		/* id 0: the NULL domain */
	DMAOWN_DOMAIN_DMA,		/* kernel default, translating */
	DMAOWN_DOMAIN_IDENTITY,		/* kernel default, passthrough */
	DMAOWN_DOMAIN_BLOCKED,		/* a driver BLOCKED domain */
	DMAOWN_DOMAIN_UNMANAGED,	/* caller/user domain, or empty paging
					 * domain used as blocking fallback */
	DMAOWN_DOMAIN_DMA_FQ,		/* kernel default, translating, lazy */
};

/** dmaown_domain_type() - type of domain @id (encoded in the id) */
enum dmaown_domain_type dmaown_domain_type(unsigned long id);

/* group flags for dmaown_group_new() */
#define DMAOWN_GROUP_IDENTITY	   (1u << 0) /* default domain is identity */
#define DMAOWN_GROUP_NO_BLOCKED	   (1u << 1) /* driver has no BLOCKED domain */
#define DMAOWN_GROUP_NO_PAGING	   (1u << 2) /* paging alloc fails (ENOMEM) */
#define DMAOWN_GROUP_DEFER_DEFAULT (1u << 3) /* no default domain until
					      * dmaown_group_default_ready() */
#define DMAOWN_GROUP_VFIO_FAKE	   (1u << 4) /* VFIO noiommu or emulated
					      * (mdev) group: no IOMMU, no
					      * domains, VFIO makes no
					      * ownership calls (§4.4) */
#define DMAOWN_GROUP_NO_MSI_ISOLATION (1u << 5) /* iommufd: MSIs not
						 * isolated (§4.5) */
/* device flags for dmaown_dev_new() */
#define DMAOWN_DEV_REQUIRE_DIRECT  (1u << 0) /* firmware 1:1 (RMRR) */
#define DMAOWN_DEV_BRIDGE	   (1u << 1) /* PCI header type not normal */
#define DMAOWN_DEV_NO_COHERENCY	   (1u << 2) /* no IOMMU_CAP_CACHE_COHERENCY */
#define DMAOWN_DEV_CDX		   (1u << 3) /* on the CDX bus (§3.1) */

enum dmaown_group_mode {
	DMAOWN_GROUP_MODE_IDLE,
	DMAOWN_GROUP_MODE_KERNEL,
	DMAOWN_GROUP_MODE_USER,
};

/**
 * struct dmaown_group_info - snapshot of one group (racy, for display
 * and tests; exact when the caller is the only thread)
 */
struct dmaown_group_info {
	enum dmaown_group_mode mode;
	uintptr_t owner;
	unsigned int owner_cnt;
	unsigned int pasid_cnt;
	unsigned long domain;
	unsigned long default_domain;
	unsigned long blocking_domain;
	size_t ndevs;			/* present members */
	unsigned int blocking_allocs;	/* blocking domains ever allocated */
	unsigned int resetting;		/* members under reset (proposed) */
	bool kernel_bug;		/* a known kernel hole was hit here */
	/* VFIO layer */
	bool vfio_exists;		/* a member is bound to a VFIO driver */
	bool vfio_open;			/* the group file is open */
	bool vfio_container;		/* SET_CONTAINER done */
	unsigned long vfio_domain;	/* type1 domain, 0 if none */
	uintptr_t vfio_cookie;		/* the cookie VFIO claims with */
	unsigned int vfio_fd;		/* the open group file, 0 if none */
};

/** struct dmaown_dev_info - snapshot of one device */
struct dmaown_dev_info {
	char name[DMAOWN_BDF_STRLEN + 16];
	char driver[DMAOWN_DRIVER_NAME_MAX];	/* "" if none */
	int group;			/* -1: no IOMMU group */
	bool present;			/* false after dmaown_dev_remove() */
	bool dma_counted;		/* its driver counts in owner_cnt */
	unsigned long attached;		/* domain the device is attached to */
};

/**
 * dmaown_engine_new() - an empty engine
 * @profile: semantics; NULL = "latest".  Must outlive the engine.
 * @ret: the engine; free with dmaown_engine_free()
 * Return: 0 or -ENOMEM.
 */
int dmaown_engine_new(const struct dmaown_profile *profile,
		      struct dmaown_engine **ret);

/** dmaown_engine_free() - free an engine; NULL is fine. No thread may use it. */
void dmaown_engine_free(struct dmaown_engine *eng);

const struct dmaown_profile *dmaown_engine_profile(const struct dmaown_engine *eng);

/** dmaown_engine_warns() - WARN events counted so far */
unsigned long dmaown_engine_warns(struct dmaown_engine *eng);

/** dmaown_engine_crashes() - BUG_ON events (legacy VFIO) so far */
unsigned long dmaown_engine_crashes(struct dmaown_engine *eng);

/** dmaown_engine_kernel_bugs() - known kernel holes hit so far */
unsigned long dmaown_engine_kernel_bugs(struct dmaown_engine *eng);

/**
 * dmaown_engine_driver_override() - declare a driver's flags for this
 * engine only, ahead of the built-in table (dmaown/drivers.h); e.g. an
 * early v5.19-rc VFIO variant driver without driver_managed_dma (§7 #41)
 * Context: takes the engine lock for writing.
 * Return: 0, -EINVAL for a bad name, -ENOMEM.
 */
int dmaown_engine_driver_override(struct dmaown_engine *eng, const char *name,
				  bool driver_managed_dma, bool vfio);

/**
 * dmaown_engine_set_allow_unsafe_interrupts() - the iommufd module
 * parameter allow_unsafe_interrupts (§4.5)
 */
void dmaown_engine_set_allow_unsafe_interrupts(struct dmaown_engine *eng,
					       bool allow);

/**
 * dmaown_group_new() - register an IOMMU group with no members
 * @flags: DMAOWN_GROUP_* (IOMMU driver capabilities)
 * @ret: group id (>= 0)
 * Context: takes the engine lock for writing.
 * Return: 0 or -ENOMEM, -EINVAL for unknown flags.
 */
int dmaown_group_new(struct dmaown_engine *eng, unsigned int flags, int *ret);

/**
 * dmaown_group_default_ready() - the IOMMU finished registering: create
 * the default domain of a DMAOWN_GROUP_DEFER_DEFAULT group (§2.1, 6.14).
 */
int dmaown_group_default_ready(struct dmaown_engine *eng, int group);

/**
 * dmaown_dev_new() - add a device (boot scan or hot-add)
 * @name: label, usually the BDF
 * @group: its IOMMU group, or -1 for a device behind no IOMMU
 * @flags: DMAOWN_DEV_*
 * @ret: device id (>= 0)
 *
 * The IOMMU core adds the device to @group (§5.1): it joins the group's
 * CURRENT domain (blocking or user domain when owned; with the v5.19
 * quirk an unowned group on a private domain re-attaches the newcomer to
 * the default domain).  The first member creates the default domain.
 * No driver probes here; callers model auto-probe with dmaown_dev_bind().
 * Context: takes the engine lock for writing.
 * Legacy profile: joining a group whose container is set WARNs ("Device
 * added to live group").
 * Return: 0; -ENOENT for an unknown group; -EINVAL if a 1:1-mapped device
 * cannot join a blocked group (latest; the device is then present but in
 * no group, and a WARN is counted); -EOPNOTSUPP for a CDX device in a
 * profile without the CDX bus; -ENOMEM.
 */
int dmaown_dev_new(struct dmaown_engine *eng, const char *name, int group,
		   unsigned int flags, int *ret);

/**
 * dmaown_dev_remove() - hot-remove (sysfs remove): unbind the driver
 * (dma_cleanup; for a VFIO driver the VFIO unregister path), then leave
 * the group.  Latest: an emptied group WARNs unless owner_cnt == 0 and
 * domain == default, then frees its domains and sets domain to NULL.
 * Return: 0; -ENODEV if already removed; -ENOENT for an unknown id.
 */
int dmaown_dev_remove(struct dmaown_engine *eng, int dev);

/**
 * dmaown_dev_readd() - hot-add a removed device back into its group (as
 * dmaown_dev_new() does).  Return: 0; -EEXIST if present; -ENOENT; -EINVAL
 * as dmaown_dev_new().
 */
int dmaown_dev_readd(struct dmaown_engine *eng, int dev);

/**
 * dmaown_dev_readd_group() - hot-add a removed device into @group, which
 * may differ from the one it left (the IOMMU core groups a hot-added
 * device afresh, spec/groups.md §1.4); -1: into no group.  Create a new
 * group first with dmaown_group_new().  Return: as dmaown_dev_readd();
 * -ENOENT also for an unknown @group.
 */
int dmaown_dev_readd_group(struct dmaown_engine *eng, int dev, int group);

size_t dmaown_engine_ndevs(struct dmaown_engine *eng);
size_t dmaown_engine_ngroups(struct dmaown_engine *eng);
int dmaown_group_info(struct dmaown_engine *eng, int group,
		      struct dmaown_group_info *ret);
int dmaown_dev_info(struct dmaown_engine *eng, int dev,
		    struct dmaown_dev_info *ret);

/* ---- ownership calls (§2), each under the group mutex ------------------ */

/** iommu_device_use_default_domain(): 0, -EBUSY, -EAGAIN (EPROBE_DEFER) */
int dmaown_dev_use_default_domain(struct dmaown_engine *eng, int dev);
/** iommu_device_unuse_default_domain(): WARN when owner_cnt is 0 */
int dmaown_dev_unuse_default_domain(struct dmaown_engine *eng, int dev);
/** iommu_group_claim_dma_owner(): 0, -EPERM, -EBUSY, -EINVAL, -ENOMEM */
int dmaown_group_claim(struct dmaown_engine *eng, int group, uintptr_t cookie);
/** iommu_group_release_dma_owner(): WARN (and 0) if not owned */
int dmaown_group_release(struct dmaown_engine *eng, int group);
/** iommu_device_claim_dma_owner() (>=6.2, else -EOPNOTSUPP): -ENODEV no group */
int dmaown_dev_claim(struct dmaown_engine *eng, int dev, uintptr_t cookie);
/** iommu_device_release_dma_owner() (>=6.2, else -EOPNOTSUPP) */
int dmaown_dev_release(struct dmaown_engine *eng, int dev);
/*
 * In the legacy profile none of these calls exist: they return
 * -EOPNOTSUPP (dmaown_group_claimed() returns false).
 */
/** iommu_group_dma_owner_claimed(): owner_cnt != 0 (racy) */
bool dmaown_group_claimed(struct dmaown_engine *eng, int group);
/** attach/detach a PASID domain (counted only; >=6.2 checks use it) */
int dmaown_group_pasid_attach(struct dmaown_engine *eng, int group);
int dmaown_group_pasid_detach(struct dmaown_engine *eng, int group);

/**
 * dmaown_iommufd_bind() - iommufd_device_bind(ictx=@ctx, dev) (§4.5, >=6.2,
 * else -EOPNOTSUPP): -EINVAL without cache coherency (or with no IOMMU),
 * -EPERM if the group cannot isolate MSIs and allow_unsafe_interrupts is
 * off, then iommu_device_claim_dma_owner(dev, ctx).
 */
int dmaown_iommufd_bind(struct dmaown_engine *eng, int dev, uintptr_t ctx);
/** dmaown_iommufd_unbind() - iommu_device_release_dma_owner(dev) */
int dmaown_iommufd_unbind(struct dmaown_engine *eng, int dev);

/**
 * dmaown_dev_reset_prepare() - proposed iommu_dev_reset_prepare(): the
 * group's resetting_domain is set until dmaown_dev_reset_done().
 * Return: 0; -EOPNOTSUPP without reset_blocks_attach; -ENODEV no group;
 * -EBUSY if @dev is already under reset.
 */
int dmaown_dev_reset_prepare(struct dmaown_engine *eng, int dev);
/** dmaown_dev_reset_done() - end the reset: 0, -EINVAL if none pending */
int dmaown_dev_reset_done(struct dmaown_engine *eng, int dev);

/* ---- /sys/kernel/iommu_groups/N/type (§5.3) ----------------------------- */

/**
 * dmaown_group_type_read() - the DEFAULT domain's type: "DMA", "DMA-FQ",
 * "identity", "blocked", "unmanaged", or "unknown" without one
 * Return: 0 or -ENOENT.
 */
int dmaown_group_type_read(struct dmaown_engine *eng, int group,
			   const char **ret);

/**
 * dmaown_group_type_write() - write @buf ("DMA", "DMA-FQ", "identity",
 * "auto", a trailing newline allowed) to the group's type file
 * @capable: the writer has CAP_SYS_ADMIN and CAP_SYS_RAWIO
 *
 * v5.19: -EINVAL unless exactly one device; -EBUSY if it is bound to any
 * driver (except DMA -> DMA-FQ) or the group is not on its default domain.
 * sysfs_type_uses_owner_cnt: DMA -> DMA-FQ always allowed; otherwise
 * -EPERM with no devices or owner_cnt > 0.  A DMA -> DMA-FQ upgrade keeps
 * the kernel's domain object; the model renumbers it (ids encode the type).
 * Context: takes the device mutex of a singleton's member (v5.19).
 * Return: 0, -EACCES, -EINVAL, -EBUSY, -EPERM, -ENOENT.
 */
int dmaown_group_type_write(struct dmaown_engine *eng, int group,
			    const char *buf, bool capable);

/* ---- attach / detach (§4.1, §4.2): no ownership checks ----------------- */

/**
 * dmaown_domain_alloc() - a new domain id of @type (a caller domain is
 * DMAOWN_DOMAIN_UNMANAGED; IDENTITY models the AMD PASID case of §2.1)
 * Return: the id, 0 for DMAOWN_DOMAIN_NONE or a bad type.
 */
unsigned long dmaown_domain_alloc(struct dmaown_engine *eng,
				  enum dmaown_domain_type type);
/** iommu_attach_group(): -EBUSY if on a caller domain already */
int dmaown_group_attach(struct dmaown_engine *eng, int group,
			unsigned long domain);
/** iommu_detach_group(): back to the core domain (blocking if owned) */
int dmaown_group_detach(struct dmaown_engine *eng, int group,
			unsigned long domain);
/** iommu_attach_device(): -ENODEV no group, -EINVAL not a singleton */
int dmaown_dev_attach(struct dmaown_engine *eng, int dev, unsigned long domain);
/** iommu_detach_device(): WARN + no-op if not current or not singleton */
int dmaown_dev_detach(struct dmaown_engine *eng, int dev, unsigned long domain);

/* ---- driver core (§3) --------------------------------------------------- */

/**
 * dmaown_dev_bind() - really_probe() of @driver on @dev
 * @probe_ret: what the driver's own probe() returns (0 = success)
 *
 * Order: dma_configure (iommu_device_use_default_domain unless the
 * driver sets driver_managed_dma; a failure returns at once and does not
 * run dma_cleanup), then probe(); a probe() failure runs dma_cleanup.  A
 * VFIO driver registers the device with its VFIO group; on a device with
 * no IOMMU group its probe fails -EINVAL (noiommu is modelled only as a
 * DMAOWN_GROUP_VFIO_FAKE group).  Driver flags come from the engine's
 * overrides, then the built-in table.  A CDX device's dma_configure
 * swallows the ownership error (kernel bug event).  With
 * debug_test_driver_remove the probe is followed by remove and re-probe;
 * without test_remove_runs_cleanup that leaks one owner_cnt (kernel bug
 * event).  Legacy profile: no ownership call; binding a driver that makes
 * the member non-viable in a group with a container set is a BUG_ON,
 * recorded as a crash (the bind itself completes).
 * Context: takes the device mutex, then the group mutex.
 * Return: 0; -EBUSY already bound or ownership conflict; -EAGAIN for
 * EPROBE_DEFER; @probe_ret; -ENODEV removed; -ENOENT unknown id.
 */
int dmaown_dev_bind(struct dmaown_engine *eng, int dev, const char *driver,
		    int probe_ret);

/**
 * dmaown_dev_unbind() - __device_release_driver(): driver remove (VFIO
 * unregister), then dma_cleanup.  Return: 0 (also when no driver was
 * bound), -ENODEV removed, -ENOENT unknown id.
 */
int dmaown_dev_unbind(struct dmaown_engine *eng, int dev);

/**
 * dmaown_dev_unbind_begin() - the first half of dmaown_dev_unbind(): the
 * driver's remove() (VFIO unregister; legacy: the device joins the VFIO
 * group's unbound_list) while the device still names its driver.
 * dmaown_dev_unbind_finish() runs dma_cleanup, clears the driver and
 * delivers the UNBOUND event.  Between the two the device is "unbinding":
 * binds return -EBUSY.  Return: as dmaown_dev_unbind(); _finish without a
 * _begin is a full unbind.
 */
int dmaown_dev_unbind_begin(struct dmaown_engine *eng, int dev);
int dmaown_dev_unbind_finish(struct dmaown_engine *eng, int dev);

/* ---- VFIO group layer (§4.4) -------------------------------------------- */

/*
 * The group file is named by (group, fd): dmaown_vfio_open() returns an
 * fd number (> 0) and every other call needs it; an fd whose vfio_group
 * went away (6.1+, last VFIO device removed) or that was closed gives
 * -EBADF.
 */
/** open /dev/vfio/N: -ENOENT no VFIO member, -EBUSY already open */
int dmaown_vfio_open(struct dmaown_engine *eng, int group,
		     unsigned int *ret_fd);
/** VFIO_GROUP_GET_STATUS (legacy: VIABLE from walking the members:
 * no driver, pci-stub, non-normal header, VFIO device, unbound_list) */
int dmaown_vfio_status(struct dmaown_engine *eng, int group, unsigned int fd,
		       bool *ret_viable, bool *ret_container_set);
/** VFIO_GROUP_SET_CONTAINER: the group claim (-EPERM/-EBUSY straight
 * back); -EINVAL if already set.  No ownership call for a
 * DMAOWN_GROUP_VFIO_FAKE group or in the legacy profile (which checks
 * no viability here either: the group just becomes "live"). */
int dmaown_vfio_set_container(struct dmaown_engine *eng, int group,
			      unsigned int fd);
/** VFIO_SET_IOMMU(TYPE1v2): allocate and attach a user domain; on failure
 * ownership is released.  -EINVAL without a container. */
int dmaown_vfio_set_iommu(struct dmaown_engine *eng, int group,
			  unsigned int fd);
/** VFIO_GROUP_UNSET_CONTAINER: detach, then release ownership */
int dmaown_vfio_unset_container(struct dmaown_engine *eng, int group,
				unsigned int fd);
/** close the group file (unsets the container first) */
int dmaown_vfio_close(struct dmaown_engine *eng, int group, unsigned int fd);

/**
 * dmaown_engine_check() - the invariant checker
 * @why: receives the first violation, "group N: ..." (may be NULL)
 * @len: size of @why
 * Context: takes the engine lock for writing (a quiescent point).
 * Return: 0 if all invariants hold, -EPROTO otherwise.
 */
int dmaown_engine_check(struct dmaown_engine *eng, char *why, size_t len);

/* ---- the model backend for step scripts --------------------------------- */

/**
 * struct dmaown_sim_config - how to seed the model backend
 * @topo: finalized topology (must outlive the backend)
 * @groups: partition of @topo's devices (copied)
 * @profile: NULL = latest
 * @loaded: NULL-terminated names of the host's loaded drivers; binding
 *	any other driver gives -ENOENT
 * @native: optional hook: the driver that auto-probes @d on rescan; NULL
 *	hook: @d's current driver unless it is driver_managed_dma
 */
struct dmaown_sim_config {
	const struct dmaown_topology *topo;
	const struct dmaown_groups *groups;
	const struct dmaown_profile *profile;
	const char *const *loaded;
	const char *(*native)(void *native_ctx, const struct dmaown_dev *d);
	void *native_ctx;
};

struct dmaown_sim_model;

/**
 * dmaown_sim_model_new() - the model backend
 * @cfg: seed; devices bound in @cfg->topo are bound in the engine (their
 *	DMA-API drivers counted in owner_cnt)
 * @ret: free with dmaown_sim_model_free()
 * @err: names the device on failure (may be NULL)
 * Return: 0, -EINVAL (partition does not fit the topology), -ENOMEM, or
 * the errno of seeding a bound driver.
 */
int dmaown_sim_model_new(const struct dmaown_sim_config *cfg,
			 struct dmaown_sim_model **ret, struct dmaown_err *err);
void dmaown_sim_model_free(struct dmaown_sim_model *m);
/** dmaown_sim_model_backend() - the vtable, ctx set to @m */
void dmaown_sim_model_backend(struct dmaown_sim_model *m,
			      struct dmaown_sim_backend *ret);
/** dmaown_sim_model_engine() - the engine inside, for inspection */
struct dmaown_engine *dmaown_sim_model_engine(struct dmaown_sim_model *m);
/** dmaown_sim_model_dev() - engine device id of topology index @i */
int dmaown_sim_model_dev(struct dmaown_sim_model *m, size_t i);

#ifdef __cplusplus
}
#endif
#endif
