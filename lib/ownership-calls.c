// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ownership-calls.c - the ownership calls and attach/detach
 * (spec/ownership.md §2.1-§2.7, §4.1, §4.2).
 *
 * Mirrors iommu_device_use_default_domain(), ..._unuse_default_domain(),
 * iommu_group_claim_dma_owner(), iommu_group_release_dma_owner(),
 * iommu_device_claim_dma_owner(), iommu_device_release_dma_owner(),
 * iommu_attach_group()/iommu_detach_group() and the device variants.
 * Every public call takes eng->lock for reading, then group->lock.
 */
#include <errno.h>
#include <string.h>

#include "ownership-internal.h"

/* switch every present member to @dom; refuses what latest refuses */
int __og_set_domain(struct dmaown_engine *eng, struct og_group *g,
		    unsigned long dom)
{
	if (eng->prof->require_direct_blocks_blocking && dom &&
	    dom == g->blocking_domain) {
		for (size_t i = 0; i < g->nmembers; i++) {
			struct og_dev *m = eng->devs[g->members[i]];

			if (m->group >= 0 && m->require_direct)
				return -EINVAL;
		}
	}
	g->domain = dom;
	for (size_t i = 0; i < g->nmembers; i++) {
		struct og_dev *m = eng->devs[g->members[i]];

		if (m->group >= 0)
			m->attached = dom;
	}
	return 0;
}

/* __iommu_group_set_core_domain(): blocking while owned, else default */
void __og_core_domain(struct dmaown_engine *eng, struct og_group *g)
{
	__og_set_domain(eng, g,
			g->owner ? g->blocking_domain : g->default_domain);
}

static bool on_default(struct dmaown_engine *eng, struct og_group *g)
{
	if (g->domain == g->default_domain)
		return true;
	/* 2380f1e8195e: identity vs identity counted as default (AMD) */
	return eng->prof->amd_identity_tolerance &&
	       dmaown_domain_type(g->default_domain) ==
		       DMAOWN_DOMAIN_IDENTITY &&
	       dmaown_domain_type(g->domain) == DMAOWN_DOMAIN_IDENTITY;
}

int __og_use_default(struct dmaown_engine *eng, struct og_group *g)
{
	if (eng->prof->probe_defer_without_default && !g->default_domain)
		return -EAGAIN; /* -EPROBE_DEFER, EAGAIN at sysfs */
	if (g->owner_cnt && (!on_default(eng, g) || g->owner ||
			     (eng->prof->pasid_checks && g->pasid_cnt)))
		return -EBUSY;
	g->owner_cnt++;
	return 0;
}

void __og_unuse_default(struct dmaown_engine *eng, struct og_group *g)
{
	if (!g->owner_cnt || (eng->prof->pasid_checks && g->pasid_cnt)) {
		og_warn(eng);
		return;
	}
	g->owner_cnt--;
}

/* __iommu_take_dma_ownership(): checks domain/PASIDs, blocks the group */
static int take(struct dmaown_engine *eng, struct og_group *g, uintptr_t cookie)
{
	int r;

	if (g->resetting) /* proposed resetting_domain */
		return -EBUSY;
	if (g->domain && g->domain != g->default_domain)
		return -EBUSY;
	if (eng->prof->pasid_checks && g->pasid_cnt)
		return -EBUSY;
	if (!g->blocking_domain) {
		enum dmaown_domain_type t = DMAOWN_DOMAIN_BLOCKED;

		if (g->flags & DMAOWN_GROUP_NO_BLOCKED)
			t = DMAOWN_DOMAIN_UNMANAGED; /* empty paging domain */
		if ((g->flags & DMAOWN_GROUP_NO_BLOCKED) &&
		    (g->flags & DMAOWN_GROUP_NO_PAGING))
			return eng->prof->blocking_alloc_einval ? -EINVAL :
								  -ENOMEM;
		g->blocking_domain = dmaown_domain_alloc(eng, t);
		g->blocking_allocs++;
	}
	r = __og_set_domain(eng, g, g->blocking_domain);
	if (r)
		return r;
	g->owner = cookie;
	g->owner_cnt = 1;
	return 0;
}

int __og_group_claim(struct dmaown_engine *eng, struct og_group *g,
		     uintptr_t cookie)
{
	if (!cookie && eng->prof->null_cookie_einval) {
		og_warn(eng);
		return -EINVAL;
	}
	if (g->owner_cnt)
		return -EPERM;
	return take(eng, g, cookie);
}

/* __iommu_release_dma_ownership(): always back to the default domain */
void __og_group_release(struct dmaown_engine *eng, struct og_group *g)
{
	if (!g->owner_cnt || !g->owner ||
	    (eng->prof->pasid_checks && g->pasid_cnt)) {
		og_warn(eng);
		return;
	}
	g->owner = 0;
	g->owner_cnt = 0;
	if (__og_set_domain(eng, g, g->default_domain))
		og_warn(eng);
}

int __og_attach(struct dmaown_engine *eng, struct og_group *g,
		unsigned long dom)
{
	if (!dom)
		return -EINVAL;
	if (g->resetting) /* proposed resetting_domain */
		return -EBUSY;
	if (g->domain && g->domain != g->default_domain &&
	    g->domain != g->blocking_domain)
		return -EBUSY;
	return __og_set_domain(eng, g, dom);
}

/*
 * Run @fn on the group of device @dev (or on group @group if @dev < 0)
 * under the locks.  Returns @nogroup when the device has no group.
 */
struct call {
	int (*fn)(struct dmaown_engine *eng, struct og_group *g,
		  struct call *c);
	uintptr_t cookie;
	unsigned long dom;
	int nogroup;
};

static int with_group(struct dmaown_engine *eng, int dev, int group,
		      struct call *c)
{
	struct og_group *g;
	int r;

	if (!eng)
		return -EINVAL;
	pthread_rwlock_rdlock(&eng->lock);
	if (dev >= 0 || group < 0) {
		struct og_dev *d = og_dev(eng, dev);

		if (!d) {
			r = -ENOENT;
			goto out;
		}
		g = og_dev_group(eng, d);
		if (!g) {
			r = c->nogroup;
			goto out;
		}
	} else {
		g = og_group(eng, group);
		if (!g) {
			r = -ENOENT;
			goto out;
		}
	}
	pthread_mutex_lock(&g->lock);
	r = c->fn(eng, g, c);
	pthread_mutex_unlock(&g->lock);
out:
	pthread_rwlock_unlock(&eng->lock);
	return r;
}

static int do_use(struct dmaown_engine *eng, struct og_group *g, struct call *c)
{
	return __og_use_default(eng, g);
}

int dmaown_dev_use_default_domain(struct dmaown_engine *eng, int dev)
{
	struct call c = { .fn = do_use, .nogroup = 0 };

	if (eng && og_legacy(eng))
		return -EOPNOTSUPP;
	return with_group(eng, dev, -1, &c);
}

static int do_unuse(struct dmaown_engine *eng, struct og_group *g,
		    struct call *c)
{
	__og_unuse_default(eng, g);
	return 0;
}

int dmaown_dev_unuse_default_domain(struct dmaown_engine *eng, int dev)
{
	struct call c = { .fn = do_unuse, .nogroup = 0 };

	if (eng && og_legacy(eng))
		return -EOPNOTSUPP;
	return with_group(eng, dev, -1, &c);
}

static int do_claim(struct dmaown_engine *eng, struct og_group *g,
		    struct call *c)
{
	return __og_group_claim(eng, g, c->cookie);
}

int dmaown_group_claim(struct dmaown_engine *eng, int group, uintptr_t cookie)
{
	struct call c = { .fn = do_claim, .cookie = cookie };

	if (eng && og_legacy(eng))
		return -EOPNOTSUPP;
	return group < 0 ? -ENOENT : with_group(eng, -1, group, &c);
}

static int do_release(struct dmaown_engine *eng, struct og_group *g,
		      struct call *c)
{
	__og_group_release(eng, g);
	return 0;
}

int dmaown_group_release(struct dmaown_engine *eng, int group)
{
	struct call c = { .fn = do_release };

	if (eng && og_legacy(eng))
		return -EOPNOTSUPP;
	return group < 0 ? -ENOENT : with_group(eng, -1, group, &c);
}

static int do_dev_claim(struct dmaown_engine *eng, struct og_group *g,
			struct call *c)
{
	if (g->owner_cnt) {
		if (g->owner != c->cookie)
			return -EPERM;
		g->owner_cnt++; /* no domain or PASID re-check */
		return 0;
	}
	return take(eng, g, c->cookie);
}

int dmaown_dev_claim(struct dmaown_engine *eng, int dev, uintptr_t cookie)
{
	struct call c = { .fn = do_dev_claim,
			  .cookie = cookie,
			  .nogroup = -ENODEV };

	if (!eng)
		return -EINVAL;
	if (!eng->prof->device_claim_api)
		return -EOPNOTSUPP;
	if (!cookie) {
		og_warn(eng);
		return -EINVAL;
	}
	return with_group(eng, dev, -1, &c);
}

static int do_dev_release(struct dmaown_engine *eng, struct og_group *g,
			  struct call *c)
{
	if (g->owner_cnt > 1)
		g->owner_cnt--;
	else
		__og_group_release(eng, g);
	return 0;
}

int dmaown_dev_release(struct dmaown_engine *eng, int dev)
{
	struct call c = { .fn = do_dev_release, .nogroup = -ENODEV };

	if (!eng)
		return -EINVAL;
	if (!eng->prof->device_claim_api)
		return -EOPNOTSUPP;
	return with_group(eng, dev, -1, &c);
}

static int do_claimed(struct dmaown_engine *eng, struct og_group *g,
		      struct call *c)
{
	return g->owner_cnt != 0;
}

bool dmaown_group_claimed(struct dmaown_engine *eng, int group)
{
	struct call c = { .fn = do_claimed };

	if (eng && og_legacy(eng))
		return false;
	return group >= 0 && with_group(eng, -1, group, &c) == 1;
}

static int do_pasid(struct dmaown_engine *eng, struct og_group *g,
		    struct call *c)
{
	if (c->cookie) {
		g->pasid_cnt++;
		return 0;
	}
	if (!g->pasid_cnt)
		return -ENOENT;
	g->pasid_cnt--;
	return 0;
}

int dmaown_group_pasid_attach(struct dmaown_engine *eng, int group)
{
	struct call c = { .fn = do_pasid, .cookie = 1 };

	if (eng && !eng->prof->pasid_checks)
		return -EOPNOTSUPP;
	return group < 0 ? -ENOENT : with_group(eng, -1, group, &c);
}

int dmaown_group_pasid_detach(struct dmaown_engine *eng, int group)
{
	struct call c = { .fn = do_pasid, .cookie = 0 };

	if (eng && !eng->prof->pasid_checks)
		return -EOPNOTSUPP;
	return group < 0 ? -ENOENT : with_group(eng, -1, group, &c);
}

static int do_attach(struct dmaown_engine *eng, struct og_group *g,
		     struct call *c)
{
	return __og_attach(eng, g, c->dom);
}

int dmaown_group_attach(struct dmaown_engine *eng, int group,
			unsigned long domain)
{
	struct call c = { .fn = do_attach, .dom = domain };

	return group < 0 ? -ENOENT : with_group(eng, -1, group, &c);
}

static int do_detach(struct dmaown_engine *eng, struct og_group *g,
		     struct call *c)
{
	/* the domain argument is ignored (§4.1) */
	__og_core_domain(eng, g);
	return 0;
}

int dmaown_group_detach(struct dmaown_engine *eng, int group,
			unsigned long domain)
{
	struct call c = { .fn = do_detach, .dom = domain };

	return group < 0 ? -ENOENT : with_group(eng, -1, group, &c);
}

static int do_dev_attach(struct dmaown_engine *eng, struct og_group *g,
			 struct call *c)
{
	if (g->ndevs != 1)
		return -EINVAL;
	return __og_attach(eng, g, c->dom);
}

int dmaown_dev_attach(struct dmaown_engine *eng, int dev, unsigned long domain)
{
	struct call c = { .fn = do_dev_attach,
			  .dom = domain,
			  .nogroup = -ENODEV };

	return with_group(eng, dev, -1, &c);
}

static int do_dev_detach(struct dmaown_engine *eng, struct og_group *g,
			 struct call *c)
{
	if (c->dom != g->domain || g->ndevs != 1) {
		og_warn(eng);
		return 0;
	}
	__og_core_domain(eng, g);
	return 0;
}

int dmaown_dev_detach(struct dmaown_engine *eng, int dev, unsigned long domain)
{
	struct call c = { .fn = do_dev_detach,
			  .dom = domain,
			  .nogroup = -ENODEV };

	return with_group(eng, dev, -1, &c);
}

/* ---- iommufd_device_bind() (§4.5) --------------------------------------- */

static int do_iommufd_bind(struct dmaown_engine *eng, struct og_group *g,
			   struct call *c)
{
	/*
	 * Not isolated: refused unless allow_unsafe_interrupts, which only
	 * logs (dev_warn, not a WARN_ON: nothing is counted).
	 */
	if ((g->flags & DMAOWN_GROUP_NO_MSI_ISOLATION) &&
	    !atomic_load(&eng->allow_unsafe_interrupts))
		return -EPERM;
	return do_dev_claim(eng, g, c);
}

int dmaown_iommufd_bind(struct dmaown_engine *eng, int dev, uintptr_t ctx)
{
	struct call c = { .fn = do_iommufd_bind,
			  .cookie = ctx,
			  /* device_iommu_capable() is false without an IOMMU */
			  .nogroup = -EINVAL };
	struct og_dev *d;
	bool coherent;

	if (!eng || !ctx)
		return -EINVAL;
	if (!eng->prof->device_claim_api)
		return -EOPNOTSUPP;
	pthread_rwlock_rdlock(&eng->lock);
	d = og_dev(eng, dev);
	coherent = d && !d->no_coherency;
	pthread_rwlock_unlock(&eng->lock);
	if (!d)
		return -ENOENT;
	if (!coherent)
		return -EINVAL; /* no IOMMU_CAP_CACHE_COHERENCY */
	return with_group(eng, dev, -1, &c);
}

int dmaown_iommufd_unbind(struct dmaown_engine *eng, int dev)
{
	return dmaown_dev_release(eng, dev);
}

/* ---- proposed resetting_domain (§1, [L24]) ------------------------------ */

static int reset_op(struct dmaown_engine *eng, int dev, bool prepare)
{
	struct og_dev *d;
	struct og_group *g;
	int r = 0;

	if (!eng)
		return -EINVAL;
	if (!eng->prof->reset_blocks_attach)
		return -EOPNOTSUPP;
	pthread_rwlock_rdlock(&eng->lock);
	d = og_dev(eng, dev);
	g = d ? og_dev_group(eng, d) : NULL;
	if (!d) {
		r = -ENOENT;
	} else if (!g) {
		r = -ENODEV;
	} else {
		pthread_mutex_lock(&g->lock);
		if (prepare && d->resetting) {
			r = -EBUSY;
		} else if (!prepare && !d->resetting) {
			r = -EINVAL;
		} else {
			d->resetting = prepare;
			if (prepare)
				g->resetting++;
			else
				g->resetting--;
		}
		pthread_mutex_unlock(&g->lock);
	}
	pthread_rwlock_unlock(&eng->lock);
	return r;
}

int dmaown_dev_reset_prepare(struct dmaown_engine *eng, int dev)
{
	return reset_op(eng, dev, true);
}

int dmaown_dev_reset_done(struct dmaown_engine *eng, int dev)
{
	return reset_op(eng, dev, false);
}

/* ---- sysfs type (§5.3) ---------------------------------------------------- */

static const char *type_name(unsigned long dom)
{
	switch (dmaown_domain_type(dom)) {
	case DMAOWN_DOMAIN_DMA:
		return "DMA";
	case DMAOWN_DOMAIN_DMA_FQ:
		return "DMA-FQ";
	case DMAOWN_DOMAIN_IDENTITY:
		return "identity";
	case DMAOWN_DOMAIN_BLOCKED:
		return "blocked";
	case DMAOWN_DOMAIN_UNMANAGED:
		return "unmanaged";
	default:
		return "unknown";
	}
}

static int do_type_read(struct dmaown_engine *eng, struct og_group *g,
			struct call *c)
{
	c->dom = g->default_domain;
	return 0;
}

int dmaown_group_type_read(struct dmaown_engine *eng, int group,
			   const char **ret)
{
	struct call c = { .fn = do_type_read };
	int r;

	if (!ret)
		return -EINVAL;
	r = group < 0 ? -ENOENT : with_group(eng, -1, group, &c);
	if (!r)
		*ret = type_name(c.dom);
	return r;
}

/* sysfs_streq(): equal, ignoring one trailing newline on either side */
static bool streq_nl(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && a[la - 1] == '\n')
		la--;
	return la == lb && !strncmp(a, b, la);
}

/* the domain "auto" asks for: the IOMMU's default type for the group */
static enum dmaown_domain_type auto_type(struct og_group *g)
{
	return (g->flags & DMAOWN_GROUP_IDENTITY) ? DMAOWN_DOMAIN_IDENTITY :
						    DMAOWN_DOMAIN_DMA;
}

/* replace the default domain by a new one of @type; group lock held */
static void __retype_default(struct dmaown_engine *eng, struct og_group *g,
			     enum dmaown_domain_type type)
{
	unsigned long old = g->default_domain;
	unsigned long dom = dmaown_domain_alloc(eng, type);

	g->default_domain = dom;
	if (g->domain == old)
		g->domain = dom;
	for (size_t i = 0; i < g->nmembers; i++) {
		struct og_dev *m = eng->devs[g->members[i]];

		if (m->group >= 0 && m->attached == old)
			m->attached = dom;
	}
}

/*
 * Group lock held.  @bound: v5.19 only, whether the singleton's device has
 * a driver.  Device-specific type requirements (iommu_get_def_domain_type,
 * e.g. untrusted devices) are not modelled.
 */
static int __type_write(struct dmaown_engine *eng, struct og_group *g,
			enum dmaown_domain_type req, bool bound)
{
	enum dmaown_domain_type cur = dmaown_domain_type(g->default_domain);
	bool fq_upgrade =
		req == DMAOWN_DOMAIN_DMA_FQ && cur == DMAOWN_DOMAIN_DMA;

	if (eng->prof->sysfs_type_uses_owner_cnt) {
		/* a flush queue comes up without tearing the domain down */
		if (fq_upgrade) {
			__retype_default(eng, g, req);
			return 0;
		}
		if (!g->ndevs || g->owner_cnt)
			return -EPERM;
		if (!g->default_domain) /* (inferred) not set up yet */
			return -EINVAL;
		if (req == DMAOWN_DOMAIN_NONE)
			req = auto_type(g);
		if (req != cur)
			__retype_default(eng, g, req);
		return 0;
	}
	/*
	 * v5.19 iommu_group_store_type() / iommu_change_dev_def_domain();
	 * the caller checked for a singleton (membership cannot change
	 * under the engine lock, so the kernel's re-check is moot).
	 */
	if (bound && !fq_upgrade)
		return -EBUSY;
	if (g->domain != g->default_domain)
		return -EBUSY;
	if (!g->default_domain)
		return -EINVAL;
	if (req == DMAOWN_DOMAIN_NONE)
		req = auto_type(g);
	if (req != cur)
		__retype_default(eng, g, req);
	return 0;
}

static struct og_dev *sole_member(struct dmaown_engine *eng, struct og_group *g)
{
	for (size_t i = 0; i < g->nmembers; i++) {
		struct og_dev *m = eng->devs[g->members[i]];

		if (m->group >= 0)
			return m;
	}
	return NULL;
}

int dmaown_group_type_write(struct dmaown_engine *eng, int group,
			    const char *buf, bool capable)
{
	enum dmaown_domain_type req;
	struct og_group *g;
	struct og_dev *m = NULL;
	int r;

	if (!eng || !buf)
		return -EINVAL;
	if (!capable)
		return -EACCES;
	if (streq_nl(buf, "identity"))
		req = DMAOWN_DOMAIN_IDENTITY;
	else if (streq_nl(buf, "DMA"))
		req = DMAOWN_DOMAIN_DMA;
	else if (streq_nl(buf, "DMA-FQ"))
		req = DMAOWN_DOMAIN_DMA_FQ;
	else if (streq_nl(buf, "auto"))
		req = DMAOWN_DOMAIN_NONE;
	else
		return -EINVAL;

	pthread_rwlock_rdlock(&eng->lock);
	g = og_group(eng, group);
	if (!g) {
		r = -ENOENT;
		goto out;
	}
	if (eng->prof->sysfs_type_uses_owner_cnt) {
		pthread_mutex_lock(&g->lock);
		r = __type_write(eng, g, req, false);
		pthread_mutex_unlock(&g->lock);
		goto out;
	}
	/*
	 * v5.19: -EINVAL unless a singleton; find its device under the group
	 * mutex, drop it, take device_lock, then the group mutex again.
	 */
	pthread_mutex_lock(&g->lock);
	if (g->ndevs == 1)
		m = sole_member(eng, g);
	pthread_mutex_unlock(&g->lock);
	if (!m) {
		r = -EINVAL;
		goto out;
	}
	pthread_mutex_lock(&m->lock);
	pthread_mutex_lock(&g->lock);
	r = __type_write(eng, g, req, m->driver[0] != 0);
	pthread_mutex_unlock(&g->lock);
	pthread_mutex_unlock(&m->lock);
out:
	pthread_rwlock_unlock(&eng->lock);
	return r;
}
