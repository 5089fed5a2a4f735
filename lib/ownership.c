// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ownership.c - the engine: groups, devices, hot-add/remove, snapshots
 * and the invariant checker (spec/ownership.md §1, §5.1, §5.2).
 *
 * Mirrors iommu_group_alloc(), iommu_group_add_device() /
 * __iommu_probe_device() (joining the CURRENT domain) and
 * __iommu_group_remove_device() (latest: WARN and free when emptied).
 * Locking: see ownership-internal.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ownership-internal.h"

int dmaown_engine_new(const struct dmaown_profile *profile,
		      struct dmaown_engine **ret)
{
	struct dmaown_engine *eng;
	pthread_rwlockattr_t attr;

	if (!ret)
		return -EINVAL;
	eng = calloc(1, sizeof(*eng));
	if (!eng)
		return -ENOMEM;
	eng->prof = profile ? profile : dmaown_profile_get("latest");
	/* the checker takes the lock for writing: do not starve it */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(
		&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&eng->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	atomic_init(&eng->warns, 0);
	atomic_init(&eng->crashes, 0);
	atomic_init(&eng->kernel_bugs, 0);
	atomic_init(&eng->next_domain, 1);
	atomic_init(&eng->allow_unsafe_interrupts, false);
	*ret = eng;
	return 0;
}

void dmaown_engine_free(struct dmaown_engine *eng)
{
	if (!eng)
		return;
	for (size_t i = 0; i < eng->ndevs; i++) {
		pthread_mutex_destroy(&eng->devs[i]->lock);
		free(eng->devs[i]);
	}
	for (size_t i = 0; i < eng->ngroups; i++) {
		pthread_mutex_destroy(&eng->groups[i]->lock);
		free(eng->groups[i]->members);
		free(eng->groups[i]);
	}
	for (size_t i = 0; i < eng->noverrides; i++)
		free((char *)eng->overrides[i].name);
	free(eng->overrides);
	free(eng->devs);
	free(eng->groups);
	pthread_rwlock_destroy(&eng->lock);
	free(eng);
}

const struct dmaown_profile *
dmaown_engine_profile(const struct dmaown_engine *eng)
{
	return eng->prof;
}

unsigned long dmaown_engine_warns(struct dmaown_engine *eng)
{
	return atomic_load(&eng->warns);
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem);

unsigned long dmaown_engine_crashes(struct dmaown_engine *eng)
{
	return atomic_load(&eng->crashes);
}

unsigned long dmaown_engine_kernel_bugs(struct dmaown_engine *eng)
{
	return atomic_load(&eng->kernel_bugs);
}

void dmaown_engine_set_allow_unsafe_interrupts(struct dmaown_engine *eng,
					       bool allow)
{
	atomic_store(&eng->allow_unsafe_interrupts, allow);
}

int dmaown_engine_driver_override(struct dmaown_engine *eng, const char *name,
				  bool driver_managed_dma, bool vfio)
{
	struct dmaown_driver *o = NULL;
	char *copy;
	int r = 0;

	if (!eng || !name || !*name || strlen(name) >= DMAOWN_DRIVER_NAME_MAX)
		return -EINVAL;
	pthread_rwlock_wrlock(&eng->lock);
	for (size_t i = 0; i < eng->noverrides; i++)
		if (dmaown_driver_name_eq(eng->overrides[i].name, name))
			o = &eng->overrides[i];
	if (!o) {
		r = grow((void **)&eng->overrides, &eng->ocap, eng->noverrides,
			 sizeof(*eng->overrides));
		copy = r ? NULL : strdup(name);
		if (!r && !copy)
			r = -ENOMEM;
		if (!r) {
			o = &eng->overrides[eng->noverrides++];
			memset(o, 0, sizeof(*o));
			o->name = copy;
			o->bus = "";
			o->provenance = "dmaown_engine_driver_override()";
		}
	}
	if (o) {
		o->driver_managed_dma = driver_managed_dma;
		o->vfio = vfio;
	}
	pthread_rwlock_unlock(&eng->lock);
	return r;
}

void og_driver_flags(struct dmaown_engine *eng, const char *name, bool *managed,
		     bool *vfio)
{
	for (size_t i = 0; i < eng->noverrides; i++) {
		if (dmaown_driver_name_eq(eng->overrides[i].name, name)) {
			*managed = eng->overrides[i].driver_managed_dma;
			*vfio = eng->overrides[i].vfio;
			return;
		}
	}
	*managed = dmaown_driver_managed_dma(name);
	*vfio = dmaown_driver_is_vfio(name);
}

unsigned long dmaown_domain_alloc(struct dmaown_engine *eng,
				  enum dmaown_domain_type type)
{
	if (type <= DMAOWN_DOMAIN_NONE || type > DMAOWN_DOMAIN_DMA_FQ)
		return 0;
	return (atomic_fetch_add(&eng->next_domain, 1) << 3) | type;
}

enum dmaown_domain_type dmaown_domain_type(unsigned long id)
{
	return id ? (enum dmaown_domain_type)(id & 7) : DMAOWN_DOMAIN_NONE;
}

struct og_dev *og_dev(struct dmaown_engine *eng, int id)
{
	return id >= 0 && (size_t)id < eng->ndevs ? eng->devs[id] : NULL;
}

struct og_group *og_group(struct dmaown_engine *eng, int id)
{
	return id >= 0 && (size_t)id < eng->ngroups ? eng->groups[id] : NULL;
}

struct og_group *og_dev_group(struct dmaown_engine *eng, struct og_dev *d)
{
	return og_group(eng, d->group);
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

int dmaown_group_new(struct dmaown_engine *eng, unsigned int flags, int *ret)
{
	struct og_group *g;
	int r;

	if (!eng || !ret || (flags & ~0x3fu))
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	pthread_mutex_init(&g->lock, NULL);
	g->flags = flags;
	g->default_ready = !(flags & DMAOWN_GROUP_DEFER_DEFAULT);
	pthread_rwlock_wrlock(&eng->lock);
	r = grow((void **)&eng->groups, &eng->gcap, eng->ngroups,
		 sizeof(*eng->groups));
	if (!r) {
		*ret = (int)eng->ngroups;
		eng->groups[eng->ngroups++] = g;
	}
	pthread_rwlock_unlock(&eng->lock);
	if (r) {
		pthread_mutex_destroy(&g->lock);
		free(g);
	}
	return r;
}

/* group lock held */
static void __make_default(struct dmaown_engine *eng, struct og_group *g)
{
	/* a VFIO fake group has no IOMMU behind it, hence no domains */
	if (g->default_domain || !g->default_ready ||
	    (g->flags & DMAOWN_GROUP_VFIO_FAKE))
		return;
	g->default_domain =
		dmaown_domain_alloc(eng, (g->flags & DMAOWN_GROUP_IDENTITY) ?
						 DMAOWN_DOMAIN_IDENTITY :
						 DMAOWN_DOMAIN_DMA);
	if (!g->domain) {
		g->domain = g->default_domain;
		for (size_t i = 0; i < g->nmembers; i++) {
			struct og_dev *m = eng->devs[g->members[i]];

			if (m->group >= 0)
				m->attached = g->domain;
		}
	}
}

int dmaown_group_default_ready(struct dmaown_engine *eng, int group)
{
	struct og_group *g;

	pthread_rwlock_rdlock(&eng->lock);
	g = og_group(eng, group);
	if (g) {
		pthread_mutex_lock(&g->lock);
		g->default_ready = true;
		if (g->ndevs)
			__make_default(eng, g);
		pthread_mutex_unlock(&g->lock);
	}
	pthread_rwlock_unlock(&eng->lock);
	return g ? 0 : -ENOENT;
}

/*
 * Engine write lock held.  The IOMMU core adds @d to @g before any driver
 * probes (§5.1).  The newcomer joins the group's current domain.
 */
static int join(struct dmaown_engine *eng, struct og_dev *d, struct og_group *g)
{
	unsigned long target;

	pthread_mutex_lock(&g->lock);
	__make_default(eng, g);
	if (!g->domain)
		g->domain = g->default_domain;
	target = g->domain;
	if (d->require_direct && eng->prof->require_direct_blocks_blocking &&
	    target && target == g->blocking_domain) {
		/* probe fails: the device stays outside any group (inferred) */
		pthread_mutex_unlock(&g->lock);
		og_warn(eng);
		d->group = -1;
		d->attached = 0;
		return -EINVAL;
	}
	d->attached = target;
	/* v5.19 quirk: unowned group on a private domain -> default */
	if (eng->prof->hotadd_reattach_default && !g->owner &&
	    g->default_domain && target != g->default_domain)
		d->attached = g->default_domain;
	d->group = d->home;
	g->ndevs++;
	d->legacy_ok = true; /* no driver yet */
	/* pre-5.19 vfio_group_nb_add_dev(): "Device added to live group" */
	if (og_legacy(eng) && g->vfio_container)
		og_warn(eng);
	pthread_mutex_unlock(&g->lock);
	return 0;
}

int dmaown_dev_new(struct dmaown_engine *eng, const char *name, int group,
		   unsigned int flags, int *ret)
{
	struct og_dev *d;
	struct og_group *g = NULL;
	int r, id;

	if (!eng || !ret || !name || (flags & ~0xfu))
		return -EINVAL;
	if ((flags & DMAOWN_DEV_CDX) && !eng->prof->cdx_bus)
		return -EOPNOTSUPP;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	pthread_mutex_init(&d->lock, NULL);
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->home = group;
	d->group = -1;
	d->require_direct = flags & DMAOWN_DEV_REQUIRE_DIRECT;
	d->bridge = flags & DMAOWN_DEV_BRIDGE;
	d->no_coherency = flags & DMAOWN_DEV_NO_COHERENCY;
	d->cdx = flags & DMAOWN_DEV_CDX;
	d->present = true;

	pthread_rwlock_wrlock(&eng->lock);
	if (group >= 0) {
		g = og_group(eng, group);
		if (!g) {
			r = -ENOENT;
			goto fail;
		}
		r = grow((void **)&g->members, &g->cap, g->nmembers,
			 sizeof(*g->members));
		if (r)
			goto fail;
	} else {
		d->home = -1;
	}
	r = grow((void **)&eng->devs, &eng->dcap, eng->ndevs,
		 sizeof(*eng->devs));
	if (r)
		goto fail;
	id = (int)eng->ndevs;
	eng->devs[eng->ndevs++] = d;
	*ret = id;
	r = 0;
	if (g) {
		g->members[g->nmembers++] = id;
		r = join(eng, d, g);
	}
	pthread_rwlock_unlock(&eng->lock);
	return r;
fail:
	pthread_rwlock_unlock(&eng->lock);
	pthread_mutex_destroy(&d->lock);
	free(d);
	return r;
}

int dmaown_dev_remove(struct dmaown_engine *eng, int dev)
{
	struct og_dev *d;
	struct og_group *g;
	int r = 0;

	pthread_rwlock_wrlock(&eng->lock);
	d = og_dev(eng, dev);
	if (!d) {
		r = -ENOENT;
		goto out;
	}
	if (!d->present) {
		r = -ENODEV;
		goto out;
	}
	/* device_del(): the driver goes first (dma_cleanup, VFIO remove) */
	pthread_mutex_lock(&d->lock);
	og_release_driver(eng, d);
	pthread_mutex_unlock(&d->lock);
	d->present = false;
	g = og_dev_group(eng, d);
	if (g) {
		/* BUS_NOTIFY_REMOVED_DEVICE -> iommu_release_device() */
		pthread_mutex_lock(&g->lock);
		g->ndevs--;
		if (d->resetting) {
			d->resetting = false;
			g->resetting--;
		}
		d->unbound_listed = false;
		if (!g->ndevs && eng->prof->empty_group_warn_and_free) {
			if (g->owner_cnt || g->domain != g->default_domain)
				og_warn(eng);
			if (g->default_domain || g->blocking_domain)
				g->domain_frees++;
			g->default_domain = 0;
			g->blocking_domain = 0;
			g->domain = 0;
		}
		pthread_mutex_unlock(&g->lock);
	}
	d->group = -1;
	d->attached = 0;
out:
	pthread_rwlock_unlock(&eng->lock);
	return r;
}

/* engine write lock held: make @group (-1: none) the home of @d */
static int move_home(struct dmaown_engine *eng, struct og_dev *d, int id,
		     int group)
{
	struct og_group *old = og_group(eng, d->home), *g = NULL;
	int r;

	if (group == d->home)
		return 0;
	if (group >= 0) {
		g = og_group(eng, group);
		if (!g)
			return -ENOENT;
		r = grow((void **)&g->members, &g->cap, g->nmembers,
			 sizeof(*g->members));
		if (r)
			return r;
	}
	if (old)
		for (size_t i = 0; i < old->nmembers; i++)
			if (old->members[i] == id) {
				memmove(&old->members[i], &old->members[i + 1],
					(old->nmembers - i - 1) *
						sizeof(*old->members));
				old->nmembers--;
				break;
			}
	if (g)
		g->members[g->nmembers++] = id;
	d->home = group;
	return 0;
}

static int readd(struct dmaown_engine *eng, int dev, bool move, int group)
{
	struct og_dev *d;
	struct og_group *g;
	int r = 0;

	pthread_rwlock_wrlock(&eng->lock);
	d = og_dev(eng, dev);
	if (!d) {
		r = -ENOENT;
	} else if (d->present) {
		r = -EEXIST;
	} else {
		if (move)
			r = move_home(eng, d, dev, group);
		if (!r) {
			d->present = true;
			g = og_group(eng, d->home);
			if (g)
				r = join(eng, d, g);
		}
	}
	pthread_rwlock_unlock(&eng->lock);
	return r;
}

int dmaown_dev_readd(struct dmaown_engine *eng, int dev)
{
	return readd(eng, dev, false, -1);
}

int dmaown_dev_readd_group(struct dmaown_engine *eng, int dev, int group)
{
	return group < -1 ? -EINVAL : readd(eng, dev, true, group);
}

size_t dmaown_engine_ndevs(struct dmaown_engine *eng)
{
	size_t n;

	pthread_rwlock_rdlock(&eng->lock);
	n = eng->ndevs;
	pthread_rwlock_unlock(&eng->lock);
	return n;
}

size_t dmaown_engine_ngroups(struct dmaown_engine *eng)
{
	size_t n;

	pthread_rwlock_rdlock(&eng->lock);
	n = eng->ngroups;
	pthread_rwlock_unlock(&eng->lock);
	return n;
}

int dmaown_group_info(struct dmaown_engine *eng, int group,
		      struct dmaown_group_info *ret)
{
	struct og_group *g;

	if (!eng || !ret)
		return -EINVAL;
	pthread_rwlock_rdlock(&eng->lock);
	g = og_group(eng, group);
	if (g) {
		pthread_mutex_lock(&g->lock);
		memset(ret, 0, sizeof(*ret));
		ret->mode = g->owner	 ? DMAOWN_GROUP_MODE_USER :
			    g->owner_cnt ? DMAOWN_GROUP_MODE_KERNEL :
					   DMAOWN_GROUP_MODE_IDLE;
		ret->owner = g->owner;
		ret->owner_cnt = g->owner_cnt;
		ret->pasid_cnt = g->pasid_cnt;
		ret->domain = g->domain;
		ret->default_domain = g->default_domain;
		ret->blocking_domain = g->blocking_domain;
		ret->ndevs = g->ndevs;
		ret->blocking_allocs = g->blocking_allocs;
		ret->resetting = g->resetting;
		ret->kernel_bug = g->kbug != NULL;
		ret->vfio_exists = g->vfio_devs > 0;
		ret->vfio_open = g->vfio_fd != 0;
		ret->vfio_fd = g->vfio_fd;
		ret->vfio_container = g->vfio_container;
		ret->vfio_domain = g->vfio_domain;
		ret->vfio_cookie = g->vfio_cookie;
		pthread_mutex_unlock(&g->lock);
	}
	pthread_rwlock_unlock(&eng->lock);
	return g ? 0 : -ENOENT;
}

int dmaown_dev_info(struct dmaown_engine *eng, int dev,
		    struct dmaown_dev_info *ret)
{
	struct og_dev *d;
	struct og_group *g;

	if (!eng || !ret)
		return -EINVAL;
	pthread_rwlock_rdlock(&eng->lock);
	d = og_dev(eng, dev);
	if (d) {
		pthread_mutex_lock(&d->lock);
		memset(ret, 0, sizeof(*ret));
		memcpy(ret->name, d->name, sizeof(ret->name));
		memcpy(ret->driver, d->driver, sizeof(ret->driver));
		ret->group = d->group;
		ret->present = d->present;
		ret->dma_counted = d->dma_counted;
		g = og_dev_group(eng, d);
		if (g)
			pthread_mutex_lock(&g->lock);
		ret->attached = d->attached;
		if (g)
			pthread_mutex_unlock(&g->lock);
		pthread_mutex_unlock(&d->lock);
	}
	pthread_rwlock_unlock(&eng->lock);
	return d ? 0 : -ENOENT;
}
