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
 */
#include <errno.h>
#include <string.h>

#include "dmaown/drivers.h"
#include "ownership-internal.h"

int dmaown_dev_bind(struct dmaown_engine *eng, int dev, const char *driver,
		    int probe_ret)
{
	struct og_dev *d;
	struct og_group *g;
	bool managed, vfio;
	int r = 0;

	if (!eng || !driver || !*driver ||
	    strlen(driver) >= DMAOWN_DRIVER_NAME_MAX || probe_ret > 0)
		return -EINVAL;
	managed = dmaown_driver_managed_dma(driver);
	vfio = dmaown_driver_is_vfio(driver);
	pthread_rwlock_rdlock(&eng->lock);
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
	/* bus->dma_configure() */
	if (!managed && g) {
		pthread_mutex_lock(&g->lock);
		r = __og_use_default(eng, g);
		pthread_mutex_unlock(&g->lock);
		if (r)
			goto unlock; /* no dma_cleanup */
	}
	/* drv->probe(); VFIO drivers need a group (no noiommu modelled) */
	if (!probe_ret && vfio && !g)
		probe_ret = -EINVAL;
	if (probe_ret) {
		if (!managed && g) { /* bus->dma_cleanup() */
			pthread_mutex_lock(&g->lock);
			__og_unuse_default(eng, g);
			pthread_mutex_unlock(&g->lock);
		}
		r = probe_ret;
		goto unlock;
	}
	if (vfio) { /* vfio_register_group_dev() */
		pthread_mutex_lock(&g->lock);
		g->vfio_devs++;
		pthread_mutex_unlock(&g->lock);
	}
	strcpy(d->driver, driver);
	d->dma_counted = !managed && g;
	d->vfio_bound = vfio;
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
	__og_group_release(eng, g);
	g->vfio_container = false;
	g->vfio_cookie = 0;
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

void og_release_driver(struct dmaown_engine *eng, struct og_dev *d)
{
	struct og_group *g = og_dev_group(eng, d);

	if (!d->driver[0])
		return;
	if (d->vfio_bound && g) { /* remove(): vfio unregister */
		pthread_mutex_lock(&g->lock);
		if (!--g->vfio_devs)
			__og_vfio_last_gone(eng, g);
		pthread_mutex_unlock(&g->lock);
	}
	if (d->dma_counted && g) { /* bus->dma_cleanup() */
		pthread_mutex_lock(&g->lock);
		__og_unuse_default(eng, g);
		pthread_mutex_unlock(&g->lock);
	}
	d->driver[0] = 0;
	d->dma_counted = false;
	d->vfio_bound = false;
}

int dmaown_dev_unbind(struct dmaown_engine *eng, int dev)
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
		else
			og_release_driver(eng, d);
		pthread_mutex_unlock(&d->lock);
	}
	pthread_rwlock_unlock(&eng->lock);
	return r;
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
		*viable = g->vfio_container || !g->owner_cnt;
		return 0;
	case V_SET_CONTAINER:
		if (g->vfio_container)
			return -EINVAL;
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
		if (g->vfio_domain)
			return -EBUSY;
		dom = dmaown_domain_alloc(eng, DMAOWN_DOMAIN_UNMANAGED);
		r = __og_attach(eng, g, dom);
		if (r) {
			__detach_container(eng, g);
			return r;
		}
		g->vfio_domain = dom;
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
