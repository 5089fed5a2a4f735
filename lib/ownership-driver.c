// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ownership-driver.c - driver core auto-claim and the VFIO group layer
 * (spec/ownership.md §3, §4.4, §5.2).
 *
 * dmaown_dev_bind() follows really_probe(): bus dma_configure first (the
 * ownership call unless the driver sets driver_managed_dma); its failure
 * ends the probe without dma_cleanup; a failing probe() runs dma_cleanup.
 * dmaown_dev_unbind() follows __device_release_driver(): remove() (for a
 * VFIO driver: vfio_unregister_group_dev()) then dma_cleanup.
 *
 * The VFIO layer: a vfio_group exists while a member is bound to a VFIO
 * driver; its file opens once at a time; SET_CONTAINER is the group claim.
 * When the last VFIO device of a held group goes away, 6.1+ detaches the
 * container and releases ownership at once (vfio_device_remove_group),
 * while 5.19 keeps the claim until the group file is closed.  Both
 * behaviours are read from the kernel sources, TO BE CONFIRMED by the
 * real-kernel bench (tests/vm).
 *
 * VFIO noiommu/emulated groups (DMAOWN_GROUP_VFIO_FAKE) make no ownership
 * calls [L11].  The pre-5.19 "legacy" profile makes none at all: VFIO
 * walks the members for viability (vfio_dev_viable(): no driver,
 * "pci-stub", non-normal header, a VFIO device of the group, or on the
 * unbound_list) and its group notifier WARNs on a hot-add into a live
 * group and BUG_ONs - recorded as a crash - when a bind leaves a live
 * group non-viable [L9][L9b].
 */
#include <errno.h>
#include <string.h>

#include "dmaown/drivers.h"
#include "ownership-internal.h"

/*
 * bus->dma_configure(): the ownership call.  The CDX bus ignores its
 * result (cdx_dma_configure() returns 0 regardless, [C5]): the driver
 * binds and its dma_cleanup will still decrement owner_cnt.
 */
static int __dma_configure(struct dmaown_engine *eng, struct og_group *g,
			   struct og_dev *d)
{
	int r = __og_use_default(eng, g);

	if (r && d->cdx) {
		__og_kernel_bug(eng, g, "CDX dma_configure error swallowed");
		r = 0;
	}
	return r;
}

/* pre-5.19 vfio_dev_viable() of one member (group lock and dev lock held) */
void __og_legacy_update(struct og_dev *d)
{
	d->legacy_ok = d->unbound_listed || !d->driver[0] || d->bridge ||
		       dmaown_driver_name_eq(d->driver, "pci-stub") ||
		       d->vfio_bound;
}

bool __og_legacy_viable(struct dmaown_engine *eng, struct og_group *g)
{
	for (size_t i = 0; i < g->nmembers; i++) {
		struct og_dev *m = eng->devs[g->members[i]];

		if (m->group >= 0 && !m->legacy_ok)
			return false;
	}
	return true;
}

int dmaown_dev_bind(struct dmaown_engine *eng, int dev, const char *driver,
		    int probe_ret)
{
	struct og_dev *d;
	struct og_group *g;
	bool managed, vfio, calls;
	int r = 0;

	if (!eng || !driver || !*driver ||
	    strlen(driver) >= DMAOWN_DRIVER_NAME_MAX || probe_ret > 0)
		return -EINVAL;
	pthread_rwlock_rdlock(&eng->lock);
	og_driver_flags(eng, driver, &managed, &vfio);
	d = og_dev(eng, dev);
	if (!d) {
		r = -ENOENT;
		goto out;
	}
	pthread_mutex_lock(&d->lock); /* device_lock() */
	if (!d->present) {
		r = -ENODEV;
		goto unlock;
	}
	if (d->driver[0]) {
		r = -EBUSY;
		goto unlock;
	}
	g = og_dev_group(eng, d);
	/* does bus->dma_configure() make the ownership call? */
	calls = !managed && g && !og_legacy(eng);
	if (calls) {
		pthread_mutex_lock(&g->lock);
		r = __dma_configure(eng, g, d);
		pthread_mutex_unlock(&g->lock);
		if (r)
			goto unlock; /* no dma_cleanup */
	}
	/* drv->probe(); VFIO drivers need a group (no noiommu modelled) */
	if (!probe_ret && vfio && !g)
		probe_ret = -EINVAL;
	if (!probe_ret && calls && eng->prof->debug_test_driver_remove) {
		/*
		 * really_probe() test_remove: remove(), then re-probe from
		 * dma_configure.  Before ~6.5 no dma_cleanup ran in between,
		 * so the re-probe counts the driver a second time.
		 */
		pthread_mutex_lock(&g->lock);
		if (eng->prof->test_remove_runs_cleanup)
			__og_unuse_default(eng, g);
		else
			__og_kernel_bug(
				eng, g,
				"DEBUG_TEST_DRIVER_REMOVE owner_cnt leak");
		r = __dma_configure(eng, g, d);
		pthread_mutex_unlock(&g->lock);
		if (r)
			goto unlock;
	}
	if (probe_ret) {
		if (calls) { /* bus->dma_cleanup() */
			pthread_mutex_lock(&g->lock);
			__og_unuse_default(eng, g);
			pthread_mutex_unlock(&g->lock);
		}
		r = probe_ret;
		goto unlock;
	}
	strcpy(d->driver, driver);
	d->dma_counted = calls;
	d->vfio_bound = vfio;
	if (g) {
		pthread_mutex_lock(&g->lock);
		if (vfio) /* vfio_register_group_dev() */
			g->vfio_devs++;
		__og_legacy_update(d);
		/*
		 * pre-5.19 IOMMU_GROUP_NOTIFY_BOUND_DRIVER:
		 * BUG_ON(vfio_group_nb_verify()) - a live group (container
		 * set) with a member now non-viable.  The kernel dies here;
		 * the model records the crash and carries on.
		 */
		if (og_legacy(eng) && g->vfio_container && !d->legacy_ok)
			atomic_fetch_add(&eng->crashes, 1);
		pthread_mutex_unlock(&g->lock);
	}
unlock:
	pthread_mutex_unlock(&d->lock);
out:
	pthread_rwlock_unlock(&eng->lock);
	return r;
}

/* vfio_group_detach_container(): detach the user domain, then release */
static void __detach_container(struct dmaown_engine *eng, struct og_group *g)
{
	if (g->vfio_domain) {
		__og_core_domain(eng, g);
		g->vfio_domain = 0;
	}
	if (g->vfio_cookie)
		__og_group_release(eng, g);
	g->vfio_container = false;
	g->vfio_iommu = false;
	g->vfio_cookie = 0;
}

/* VFIO makes no ownership calls: legacy kernel, noiommu/emulated group */
static bool no_claim(struct dmaown_engine *eng, struct og_group *g)
{
	return og_legacy(eng) || (g->flags & DMAOWN_GROUP_VFIO_FAKE);
}

void __og_vfio_last_gone(struct dmaown_engine *eng, struct og_group *g)
{
	if (!eng->prof->vfio_release_on_last_unbind)
		return; /* 5.19: the claim lives until close */
	/* 6.1+ vfio_device_remove_group(): the fd stays open but is dead */
	if (g->vfio_container)
		__detach_container(eng, g);
	g->vfio_fd = 0;
}

/*
 * Dev lock held.  The driver's remove(): a VFIO driver unregisters its
 * device (pre-5.19: the device goes on the vfio_group's unbound_list
 * until the UNBOUND event).  The device keeps naming its driver.
 */
static void release_begin(struct dmaown_engine *eng, struct og_dev *d)
{
	struct og_group *g = og_dev_group(eng, d);

	if (!d->driver[0] || d->unbinding)
		return;
	d->unbinding = true;
	if (!d->vfio_bound)
		return;
	d->vfio_bound = false;
	if (g) { /* remove(): vfio unregister */
		pthread_mutex_lock(&g->lock);
		if (og_legacy(eng))
			d->unbound_listed = true;
		__og_legacy_update(d);
		if (!--g->vfio_devs)
			__og_vfio_last_gone(eng, g);
		pthread_mutex_unlock(&g->lock);
	}
}

/* Dev lock held: dma_cleanup, driver cleared, BUS_NOTIFY_UNBOUND_DRIVER */
static void release_finish(struct dmaown_engine *eng, struct og_dev *d)
{
	struct og_group *g = og_dev_group(eng, d);

	if (!d->driver[0])
		return;
	release_begin(eng, d);
	d->driver[0] = 0;
	if (g) {
		pthread_mutex_lock(&g->lock);
		if (d->dma_counted) /* bus->dma_cleanup() */
			__og_unuse_default(eng, g);
		d->unbound_listed = false;
		__og_legacy_update(d);
		pthread_mutex_unlock(&g->lock);
	}
	d->dma_counted = false;
	d->unbinding = false;
}

void og_release_driver(struct dmaown_engine *eng, struct og_dev *d)
{
	release_finish(eng, d);
}

static int unbind_op(struct dmaown_engine *eng, int dev, bool finish)
{
	struct og_dev *d;
	int r = 0;

	if (!eng)
		return -EINVAL;
	pthread_rwlock_rdlock(&eng->lock);
	d = og_dev(eng, dev);
	if (!d) {
		r = -ENOENT;
	} else {
		pthread_mutex_lock(&d->lock);
		if (!d->present)
			r = -ENODEV;
		else if (finish)
			release_finish(eng, d);
		else
			release_begin(eng, d);
		pthread_mutex_unlock(&d->lock);
	}
	pthread_rwlock_unlock(&eng->lock);
	return r;
}

int dmaown_dev_unbind(struct dmaown_engine *eng, int dev)
{
	return unbind_op(eng, dev, true);
}

int dmaown_dev_unbind_begin(struct dmaown_engine *eng, int dev)
{
	return unbind_op(eng, dev, false);
}

int dmaown_dev_unbind_finish(struct dmaown_engine *eng, int dev)
{
	return unbind_op(eng, dev, true);
}

/* ---- VFIO group file ---------------------------------------------------- */

enum vop { V_OPEN, V_STATUS, V_SET_CONTAINER, V_SET_IOMMU, V_UNSET, V_CLOSE };

static int __vfio_op(struct dmaown_engine *eng, struct og_group *g, enum vop op,
		     unsigned int *fd, bool *viable, bool *cset)
{
	uintptr_t cookie;
	unsigned long dom;
	int r;

	if (op == V_OPEN) {
		/* 5.19: an open file keeps its vfio_group alive */
		if (!g->vfio_devs)
			return -ENOENT;
		if (g->vfio_fd)
			return -EBUSY;
		if (!++g->vfio_fd_seq)
			g->vfio_fd_seq = 1;
		g->vfio_fd = g->vfio_fd_seq;
		*fd = g->vfio_fd;
		return 0;
	}
	if (!*fd || *fd != g->vfio_fd)
		return -EBADF;
	switch (op) {
	case V_STATUS:
		*cset = g->vfio_container;
		if (og_legacy(eng))
			*viable = __og_legacy_viable(eng, g);
		else
			*viable = g->vfio_container || !g->owner_cnt;
		return 0;
	case V_SET_CONTAINER:
		if (g->vfio_container)
			return -EINVAL;
		if (no_claim(eng, g)) {
			/* pre-5.19: no viability check here; live now */
			g->vfio_container = true;
			return 0;
		}
		cookie = eng->prof->vfio_cookie_is_group ?
				 (uintptr_t)&g->group_token :
				 (uintptr_t)&g->container_token;
		r = __og_group_claim(eng, g, cookie);
		if (r)
			return r; /* EPERM / EBUSY straight back */
		g->vfio_container = true;
		g->vfio_cookie = cookie;
		return 0;
	case V_SET_IOMMU:
		if (!g->vfio_container)
			return -EINVAL;
		if (g->vfio_iommu)
			return -EBUSY;
		if (g->flags & DMAOWN_GROUP_VFIO_FAKE) {
			/* noiommu / mdev backends attach no IOMMU domain */
			g->vfio_iommu = true;
			return 0;
		}
		dom = dmaown_domain_alloc(eng, DMAOWN_DOMAIN_UNMANAGED);
		r = __og_attach(eng, g, dom);
		if (r) {
			__detach_container(eng, g);
			return r;
		}
		g->vfio_domain = dom;
		g->vfio_iommu = true;
		return 0;
	case V_UNSET:
		if (!g->vfio_container)
			return -EINVAL;
		__detach_container(eng, g);
		return 0;
	case V_CLOSE:
		if (g->vfio_container)
			__detach_container(eng, g);
		g->vfio_fd = 0;
		return 0;
	default:
		return -EINVAL;
	}
}

static int vfio_op(struct dmaown_engine *eng, int group, enum vop op,
		   unsigned int *fd, bool *viable, bool *cset)
{
	struct og_group *g;
	int r;

	if (!eng)
		return -EINVAL;
	pthread_rwlock_rdlock(&eng->lock);
	g = og_group(eng, group);
	if (!g) {
		r = -ENOENT;
	} else {
		pthread_mutex_lock(&g->lock);
		r = __vfio_op(eng, g, op, fd, viable, cset);
		pthread_mutex_unlock(&g->lock);
	}
	pthread_rwlock_unlock(&eng->lock);
	return r;
}

int dmaown_vfio_open(struct dmaown_engine *eng, int group, unsigned int *ret_fd)
{
	unsigned int fd = 0;
	int r = vfio_op(eng, group, V_OPEN, &fd, NULL, NULL);

	if (!r && ret_fd)
		*ret_fd = fd;
	return r;
}

int dmaown_vfio_status(struct dmaown_engine *eng, int group, unsigned int fd,
		       bool *ret_viable, bool *ret_container_set)
{
	bool v, c;
	int r = vfio_op(eng, group, V_STATUS, &fd, &v, &c);

	if (!r) {
		if (ret_viable)
			*ret_viable = v;
		if (ret_container_set)
			*ret_container_set = c;
	}
	return r;
}

int dmaown_vfio_set_container(struct dmaown_engine *eng, int group,
			      unsigned int fd)
{
	return vfio_op(eng, group, V_SET_CONTAINER, &fd, NULL, NULL);
}

int dmaown_vfio_set_iommu(struct dmaown_engine *eng, int group, unsigned int fd)
{
	return vfio_op(eng, group, V_SET_IOMMU, &fd, NULL, NULL);
}

int dmaown_vfio_unset_container(struct dmaown_engine *eng, int group,
				unsigned int fd)
{
	return vfio_op(eng, group, V_UNSET, &fd, NULL, NULL);
}

int dmaown_vfio_close(struct dmaown_engine *eng, int group, unsigned int fd)
{
	return vfio_op(eng, group, V_CLOSE, &fd, NULL, NULL);
}
