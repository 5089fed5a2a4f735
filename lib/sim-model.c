// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sim-model.c - the model backend of step scripts (dmaown/script.h)
 *
 * Seeds an ownership engine from a topology and a group partition: one
 * engine group per partition group, one engine device per PCI function,
 * in the kernel's scan order, then binds the drivers the host has bound
 * (DMA-API drivers count in owner_cnt, as after boot).  Script actions
 * map to what the kernel does for the matching sysfs writes and VFIO
 * ioctls (spec/ownership.md §3.3, §4.4, §5).  A rescan groups each
 * re-added device afresh, parents first, as the IOMMU core does on
 * hot-add (dmaown_predict_hotadd(), spec/groups.md §1.4): it may join
 * another group than the one it left, or a new one.  Pure: no I/O.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dmaown/drivers.h"
#include "dmaown/ownership.h"
#include "dmaown/predict.h"

struct held {
	bool held;
	unsigned int fd; /* the group file we keep open */
};

struct dmaown_sim_model {
	struct dmaown_engine *eng;
	const struct dmaown_topology *topo;
	size_t ndevs, ngroups;
	int *dev_id; /* topology index -> engine device */
	int *group_of; /* topology index -> partition group, -1 (or removed) */
	int *left; /* topology index -> partition group it was removed from */
	int *grp_id; /* partition group -> engine group */
	char **native; /* topology index -> auto-probing driver */
	char **override; /* topology index -> driver_override */
	char **loaded; /* NULL: any driver is loaded */
	size_t nloaded;
	struct held *held; /* per partition group */
	size_t *order; /* scan order */
	size_t *reg; /* registration order: re-added devices move last */
	unsigned long seen_warns, seen_crashes, seen_bugs; /* reported */
};

void dmaown_sim_model_free(struct dmaown_sim_model *m)
{
	if (!m)
		return;
	dmaown_engine_free(m->eng);
	for (size_t i = 0; i < m->ndevs; i++) {
		if (m->native)
			free(m->native[i]);
		if (m->override)
			free(m->override[i]);
	}
	for (size_t i = 0; i < m->nloaded; i++)
		free(m->loaded[i]);
	free(m->loaded);
	free(m->native);
	free(m->override);
	free(m->dev_id);
	free(m->group_of);
	free(m->left);
	free(m->reg);
	free(m->grp_id);
	free(m->held);
	free(m->order);
	free(m);
}

static const char *default_native(const struct dmaown_dev *d)
{
	/* vfio and pci-stub bind by override or new_id, never natively */
	if (!d->driver || !*d->driver || dmaown_driver_is_vfio(d->driver) ||
	    dmaown_driver_name_eq(d->driver, "pci-stub"))
		return NULL;
	return d->driver;
}

static bool is_loaded(struct dmaown_sim_model *m, const char *drv)
{
	if (!m->loaded)
		return true;
	for (size_t i = 0; i < m->nloaded; i++)
		if (dmaown_driver_name_eq(m->loaded[i], drv))
			return true;
	return false;
}

static int add_loaded(struct dmaown_sim_model *m, const char *drv)
{
	char **p;

	if (is_loaded(m, drv))
		return 0;
	p = realloc(m->loaded, (m->nloaded + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	m->loaded = p;
	p[m->nloaded] = strdup(drv);
	if (!p[m->nloaded])
		return -ENOMEM;
	m->nloaded++;
	return 0;
}

static int seed(struct dmaown_sim_model *m, const struct dmaown_sim_config *cfg,
		struct dmaown_err *err)
{
	char b[DMAOWN_BDF_STRLEN];
	int r;

	for (size_t g = 0; g < m->ngroups; g++) {
		r = dmaown_group_new(m->eng, 0, &m->grp_id[g]);
		if (r)
			return r;
	}
	if (cfg->loaded) {
		m->loaded = calloc(1, sizeof(*m->loaded));
		if (!m->loaded)
			return -ENOMEM;
		for (size_t i = 0; cfg->loaded[i]; i++)
			if ((r = add_loaded(m, cfg->loaded[i])))
				return r;
	}
	for (size_t k = 0; k < m->ndevs; k++) {
		size_t i = m->order[k];
		const struct dmaown_dev *d = dmaown_topology_dev(m->topo, i);
		int gi = m->group_of[i];
		const char *nat;

		r = dmaown_dev_new(m->eng, dmaown_bdf_format(d->bdf, b),
				   gi >= 0 ? m->grp_id[gi] : -1, 0,
				   &m->dev_id[i]);
		if (r)
			return dmaown_err_set(err, r, "%s: cannot add: %s", b,
					      dmaown_errno_name(r));
		nat = cfg->native ? cfg->native(cfg->native_ctx, d) :
				    default_native(d);
		if (nat && !(m->native[i] = strdup(nat)))
			return -ENOMEM;
		if (d->driver_override && *d->driver_override &&
		    !(m->override[i] = strdup(d->driver_override)))
			return -ENOMEM;
	}
	for (size_t k = 0; k < m->ndevs; k++) {
		size_t i = m->order[k];
		const struct dmaown_dev *d = dmaown_topology_dev(m->topo, i);

		if (!d->driver || !*d->driver)
			continue;
		if (m->loaded && (r = add_loaded(m, d->driver)))
			return r;
		r = dmaown_dev_bind(m->eng, m->dev_id[i], d->driver, 0);
		if (r)
			return dmaown_err_set(err, r,
					      "%s: seeding driver %s: %s",
					      dmaown_bdf_format(d->bdf, b),
					      d->driver, dmaown_errno_name(r));
	}
	return 0;
}

int dmaown_sim_model_new(const struct dmaown_sim_config *cfg,
			 struct dmaown_sim_model **ret, struct dmaown_err *err)
{
	struct dmaown_sim_model *m;
	int r;

	if (!cfg || !cfg->topo || !cfg->groups || !ret)
		return -EINVAL;
	if (cfg->groups->ndevs != dmaown_topology_count(cfg->topo))
		return dmaown_err_set(
			err, -EINVAL,
			"group partition has %zu devices, topology %zu",
			cfg->groups->ndevs, dmaown_topology_count(cfg->topo));
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->topo = cfg->topo;
	m->ndevs = cfg->groups->ndevs;
	m->ngroups = cfg->groups->ngroups;
	r = dmaown_engine_new(cfg->profile, &m->eng);
	if (r)
		goto fail;
	r = -ENOMEM;
	m->dev_id = calloc(m->ndevs + 1, sizeof(*m->dev_id));
	m->group_of = calloc(m->ndevs + 1, sizeof(*m->group_of));
	m->left = calloc(m->ndevs + 1, sizeof(*m->left));
	m->reg = calloc(m->ndevs + 1, sizeof(*m->reg));
	m->native = calloc(m->ndevs + 1, sizeof(*m->native));
	m->override = calloc(m->ndevs + 1, sizeof(*m->override));
	m->grp_id = calloc(m->ngroups + 1, sizeof(*m->grp_id));
	m->held = calloc(m->ngroups + 1, sizeof(*m->held));
	if (!m->dev_id || !m->group_of || !m->left || !m->reg || !m->native ||
	    !m->override || !m->grp_id || !m->held)
		goto fail;
	for (size_t i = 0; i < m->ndevs; i++) {
		int g = cfg->groups->group_of[i];

		if (g >= (int)m->ngroups) {
			r = dmaown_err_set(err, -EINVAL,
					   "device %zu in group %d of %zu", i,
					   g, m->ngroups);
			goto fail;
		}
		m->group_of[i] = g < 0 ? -1 : g;
	}
	r = dmaown_topology_scan_order(m->topo, &m->order);
	if (r)
		goto fail;
	memcpy(m->reg, m->order, m->ndevs * sizeof(*m->reg));
	r = seed(m, cfg, err);
	if (r)
		goto fail;
	*ret = m;
	return 0;
fail:
	dmaown_sim_model_free(m);
	return r;
}

struct dmaown_engine *dmaown_sim_model_engine(struct dmaown_sim_model *m)
{
	return m->eng;
}

int dmaown_sim_model_dev(struct dmaown_sim_model *m, size_t i)
{
	return i < m->ndevs ? m->dev_id[i] : -ENOENT;
}

/* topology index of @bdf if present; -ENODEV unknown or removed */
static int find(struct dmaown_sim_model *m, struct dmaown_bdf bdf)
{
	struct dmaown_dev_info info;
	int i = dmaown_topology_find(m->topo, bdf);

	if (i < 0)
		return -ENODEV;
	if (dmaown_dev_info(m->eng, m->dev_id[i], &info) || !info.present)
		return -ENODEV;
	return i;
}

static int m_lookup(void *ctx, struct dmaown_bdf bdf)
{
	struct dmaown_sim_model *m = ctx;

	return dmaown_topology_find(m->topo, bdf) < 0 ? -ENODEV : 0;
}

static bool is_port(const struct dmaown_dev *d)
{
	return d->is_bridge && d->is_pcie &&
	       (d->pcie_type == DMAOWN_PCIE_ROOT_PORT ||
		d->pcie_type == DMAOWN_PCIE_UPSTREAM ||
		d->pcie_type == DMAOWN_PCIE_DOWNSTREAM ||
		d->pcie_type == DMAOWN_PCIE_RCEC);
}

static int m_bind(void *ctx, struct dmaown_bdf bdf, const char *driver)
{
	struct dmaown_sim_model *m = ctx;
	int i = find(m, bdf), probe = 0;
	char *o;

	if (i < 0)
		return i;
	/* /sys/bus/pci/drivers/DRIVER/bind does not exist */
	if (!is_loaded(m, driver))
		return -ENOENT;
	dmaown_dev_unbind(m->eng, m->dev_id[i]);
	o = strdup(driver);
	if (!o)
		return -ENOMEM;
	free(m->override[i]);
	m->override[i] = o;
	/* pcie_portdrv_probe() refuses what is not a PCIe port */
	if (dmaown_driver_name_eq(driver, "pcieport") &&
	    !is_port(dmaown_topology_dev(m->topo, i)))
		probe = -ENODEV;
	/*
	 * vfio_pci_core_register_device() refuses bridges and every other
	 * non-normal header with -EINVAL (seen on 6.1 and 6.12 in the bench).
	 */
	if (dmaown_driver_is_vfio(driver) &&
	    dmaown_topology_dev(m->topo, i)->header_type != 0)
		probe = -EINVAL;
	return dmaown_dev_bind(m->eng, m->dev_id[i], driver, probe);
}

static int m_unbind(void *ctx, struct dmaown_bdf bdf)
{
	struct dmaown_sim_model *m = ctx;
	int i = find(m, bdf);

	return i < 0 ? i : dmaown_dev_unbind(m->eng, m->dev_id[i]);
}

/* partition group of a present device: >= 0, -ENOENT none, -ENODEV */
static int find_group(struct dmaown_sim_model *m, struct dmaown_bdf bdf)
{
	int i = find(m, bdf);

	if (i < 0)
		return i;
	return m->group_of[i] < 0 ? -ENOENT : m->group_of[i];
}

static int m_hold(void *ctx, struct dmaown_bdf bdf)
{
	struct dmaown_sim_model *m = ctx;
	int g = find_group(m, bdf), eg, r;
	unsigned int fd;

	if (g < 0)
		return g;
	eg = m->grp_id[g];
	r = dmaown_vfio_open(m->eng, eg, &fd);
	if (r)
		return r;
	r = dmaown_vfio_set_container(m->eng, eg, fd);
	if (!r)
		r = dmaown_vfio_set_iommu(m->eng, eg, fd);
	if (r) {
		dmaown_vfio_close(m->eng, eg, fd);
		return r;
	}
	m->held[g].held = true;
	m->held[g].fd = fd;
	return 0;
}

static int m_release(void *ctx, struct dmaown_bdf bdf)
{
	struct dmaown_sim_model *m = ctx;
	int g = find_group(m, bdf), r;

	if (g < 0)
		return g;
	if (!m->held[g].held)
		return -EBADF;
	m->held[g].held = false;
	r = dmaown_vfio_close(m->eng, m->grp_id[g], m->held[g].fd);
	/* a dead vfio_group's fd closes without touching ownership */
	return r == -EBADF ? 0 : r;
}

static int m_remove(void *ctx, struct dmaown_bdf bdf)
{
	struct dmaown_sim_model *m = ctx;
	int i = find(m, bdf), r;

	if (i < 0)
		return i;
	free(m->override[i]);
	m->override[i] = NULL;
	r = dmaown_dev_remove(m->eng, m->dev_id[i]);
	if (!r) {
		m->left[i] = m->group_of[i];
		m->group_of[i] = -1;
	}
	return r;
}

/* a new partition group backed by a new engine group */
static int new_group(struct dmaown_sim_model *m, int *ret)
{
	int *gi;
	struct held *h;
	int r;

	gi = realloc(m->grp_id, (m->ngroups + 1) * sizeof(*gi));
	if (!gi)
		return -ENOMEM;
	m->grp_id = gi;
	h = realloc(m->held, (m->ngroups + 1) * sizeof(*h));
	if (!h)
		return -ENOMEM;
	m->held = h;
	r = dmaown_group_new(m->eng, 0, &gi[m->ngroups]);
	if (r)
		return r;
	h[m->ngroups] = (struct held){ 0 };
	*ret = (int)m->ngroups++;
	return 0;
}

/*
 * The partition group a re-added device joins: pci_device_group() over
 * the devices present now.  A device that had no group stays without;
 * one the predictor sees no IOMMU for goes back where it was.
 */
static int hotadd_group(struct dmaown_sim_model *m, size_t i, int *ret)
{
	struct dmaown_groups now = { .ndevs = m->ndevs,
				     .ngroups = m->ngroups,
				     .group_of = m->group_of };
	int r, g;

	*ret = m->left[i];
	if (m->left[i] < 0)
		return 0;
	r = dmaown_predict_hotadd(m->topo, &now, m->reg, i, NULL, &g);
	if (r == -ENOMEM)
		return r;
	if (r)
		return 0;
	if (g < 0)
		return new_group(m, ret);
	*ret = g;
	return 0;
}

/* device_add() puts @i at the end of the bus's device list */
static void move_last(struct dmaown_sim_model *m, size_t i)
{
	size_t k;

	for (k = 0; k < m->ndevs && m->reg[k] != i; k++)
		;
	if (k == m->ndevs)
		return;
	memmove(&m->reg[k], &m->reg[k + 1],
		(m->ndevs - k - 1) * sizeof(*m->reg));
	m->reg[m->ndevs - 1] = i;
}

static int m_rescan(void *ctx)
{
	struct dmaown_sim_model *m = ctx;
	struct dmaown_dev_info info;
	int g, r;

	for (size_t k = 0; k < m->ndevs; k++) {
		size_t i = m->order[k];

		if (dmaown_dev_info(m->eng, m->dev_id[i], &info) ||
		    info.present)
			continue;
		r = hotadd_group(m, i, &g);
		if (r)
			return r;
		/* hot-add: joins the group's current domain (§5.1) */
		r = dmaown_dev_readd_group(m->eng, m->dev_id[i],
					   g >= 0 ? m->grp_id[g] : -1);
		if (r == -ENOMEM)
			return r;
		/* -EINVAL: present, but the IOMMU probe failed: no group */
		m->group_of[i] = r ? -1 : g;
		move_last(m, i);
		/* auto-probe: errors are swallowed (§3.3) */
		if (m->native[i] && is_loaded(m, m->native[i]))
			dmaown_dev_bind(m->eng, m->dev_id[i], m->native[i], 0);
	}
	return 0;
}

static int m_get_driver(void *ctx, struct dmaown_bdf bdf, char *buf, size_t len)
{
	struct dmaown_sim_model *m = ctx;
	struct dmaown_dev_info info;
	int i = find(m, bdf), r;

	if (i < 0)
		return i;
	r = dmaown_dev_info(m->eng, m->dev_id[i], &info);
	if (r)
		return r;
	if (len)
		snprintf(buf, len, "%s", info.driver);
	return 0;
}

static int m_get_viable(void *ctx, struct dmaown_bdf bdf, bool *ret)
{
	struct dmaown_sim_model *m = ctx;
	int g = find_group(m, bdf), eg, r;
	unsigned int fd;

	if (g == -ENOENT) {
		*ret = false; /* no IOMMU group, no VFIO group */
		return 0;
	}
	if (g < 0)
		return g;
	eg = m->grp_id[g];
	if (m->held[g].held &&
	    !dmaown_vfio_status(m->eng, eg, m->held[g].fd, ret, NULL))
		return 0;
	r = dmaown_vfio_open(m->eng, eg, &fd);
	if (r == -ENOENT) {
		*ret = false; /* no /dev/vfio/N: not viable (as live) */
		return 0;
	}
	if (r)
		return r;
	r = dmaown_vfio_status(m->eng, eg, fd, ret, NULL);
	dmaown_vfio_close(m->eng, eg, fd);
	return r;
}

/* what the kernel would have logged or suffered since the last call */
static int m_events(void *ctx, char *buf, size_t len)
{
	struct dmaown_sim_model *m = ctx;
	unsigned long c = dmaown_engine_crashes(m->eng);
	unsigned long b = dmaown_engine_kernel_bugs(m->eng);
	unsigned long w = dmaown_engine_warns(m->eng);

	if (b > m->seen_bugs) {
		m->seen_bugs = b;
		snprintf(buf, len, "known kernel bug path hit (ownership count no longer matches the drivers)");
		return 1;
	}
	if (w > m->seen_warns) {
		snprintf(buf, len, "WARN (%lu) logged by the IOMMU or VFIO core",
			 w - m->seen_warns);
		m->seen_warns = w;
		return 1;
	}
	if (c > m->seen_crashes) {
		m->seen_crashes = c;
		snprintf(buf, len, "BUG_ON in VFIO's group notifier: the real kernel crashes here (pre-5.19)");
		return 1;
	}
	return 0;
}

void dmaown_sim_model_backend(struct dmaown_sim_model *m,
			      struct dmaown_sim_backend *ret)
{
	*ret = (struct dmaown_sim_backend){
		.name = "model",
		.ctx = m,
		.bind = m_bind,
		.unbind = m_unbind,
		.hold = m_hold,
		.release = m_release,
		.remove = m_remove,
		.rescan = m_rescan,
		.get_driver = m_get_driver,
		.get_viable = m_get_viable,
		.lookup = m_lookup,
		.events = m_events,
	};
}
