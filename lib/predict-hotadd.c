// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * predict-hotadd.c - the IOMMU group a hot-added PCI device joins
 * (spec/groups.md §1.4, pci_device_group() run once, incrementally)
 *
 * At boot the IOMMU probes after enumeration, so predict.c's formula
 * (§1.5) holds.  A device added later (rescan, hotplug) is probed from
 * BUS_NOTIFY_ADD_DEVICE inside device_add(), i.e. inside
 * pci_scan_single_device(), before pci_scan_slot() forces
 * dev->multifunction = 1 on functions > 0.  So at grouping time the new
 * device is multifunction only if its header type has bit 7; the
 * devices already present keep their effective (forced) bit.
 *
 * The steps below follow §1.4 literally: A the DMA-alias walk, B the
 * climb while the ACS path is not enabled, C the same-bus alias search,
 * D the same-slot function search (sharing C's visited bitmap), E a new
 * group.  Searches run over the present devices in registration order
 * (for_each_pci_dev() walks the bus's device list in device_add()
 * order), which picks the group when several would do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grouping.h"

struct hstate {
	struct gctx *c;
	const int *group_of;
	const size_t *order;
	size_t dev;
	uint8_t visited[32];
};

static const struct dmaown_dev *hdev(const struct hstate *h, size_t i)
{
	return dmaown_topology_dev(h->c->t, i);
}

/* for_each_pci_dev() sees it: the new device, or one with a group */
static bool present(const struct hstate *h, size_t i)
{
	return i == h->dev || h->group_of[i] >= 0;
}

static int group(const struct hstate *h, size_t i)
{
	return i == h->dev ? -1 : h->group_of[i];
}

/* dev->multifunction as the IOMMU probe of the new device sees it */
static bool is_mf(const struct hstate *h, size_t i)
{
	const struct dmaown_dev *d = hdev(h, i);

	if (i == h->dev)
		return !d->is_vf && d->hdr_multifunction;
	return d->multifunction;
}

/*
 * pci_acs_enabled(dev, REQ_ACS_FLAGS).  For the new device it is read
 * only when is_mf() holds, and then its header bit equals the effective
 * bit the memo was computed with, so the memo is exact.
 */
static bool acs_ok(const struct hstate *h, size_t i)
{
	return gctx_acs_ok(h->c, i);
}

static bool same_bus(const struct dmaown_dev *a, const struct dmaown_dev *b)
{
	return a->bdf.domain == b->bdf.domain && a->bdf.bus == b->bdf.bus;
}

static bool mask_has(const struct gctx *c, size_t i, uint8_t devfn)
{
	const uint8_t *m;

	if (c->mask_of[i] < 0)
		return false;
	m = c->masks[c->mask_of[i]];
	return m[devfn >> 3] & (1u << (devfn & 7));
}

/* pci_devs_are_dma_aliases() */
static bool dma_aliases(const struct hstate *h, size_t a, size_t b)
{
	const struct dmaown_dev *da = hdev(h, a), *db = hdev(h, b);

	return mask_has(h->c, a, db->bdf.devfn) ||
	       mask_has(h->c, b, da->bdf.devfn) || da->vmd_owner == (int)b ||
	       db->vmd_owner == (int)a;
}

static int function_group(struct hstate *h, size_t p);

/* Step C: get_pci_alias_group() */
static int alias_group(struct hstate *h, size_t p)
{
	const struct dmaown_dev *d = hdev(h, p);
	uint8_t df = d->bdf.devfn;
	size_t n = h->c->n, k;
	int g;

	if (h->visited[df >> 3] & (1u << (df & 7)))
		return -1;
	h->visited[df >> 3] |= (uint8_t)(1u << (df & 7));
	g = group(h, p);
	if (g >= 0)
		return g;
	for (k = 0; k < n; k++) {
		size_t x = h->order[k];

		if (x == p || !present(h, x) || !same_bus(hdev(h, x), d) ||
		    !dma_aliases(h, p, x))
			continue;
		g = alias_group(h, x);
		if (g < 0)
			g = function_group(h, x);
		if (g >= 0)
			return g;
	}
	return -1;
}

/* Step D: get_pci_function_alias_group() */
static int function_group(struct hstate *h, size_t p)
{
	const struct dmaown_dev *d = hdev(h, p);
	size_t n = h->c->n, k;
	int g;

	if (!is_mf(h, p) || acs_ok(h, p))
		return -1;
	for (k = 0; k < n; k++) {
		size_t x = h->order[k];
		const struct dmaown_dev *e = hdev(h, x);

		if (x == p || !present(h, x) || !same_bus(e, d) ||
		    DMAOWN_SLOT(e->bdf.devfn) != DMAOWN_SLOT(d->bdf.devfn) ||
		    acs_ok(h, x))
			continue;
		g = alias_group(h, x);
		if (g >= 0)
			return g;
	}
	return -1;
}

/* the walk stops below a PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT bridge */
static bool xlate_root(struct gctx *c, size_t i)
{
	const struct dmaown_dev *d = dmaown_topology_dev(c->t, i);
	uint8_t m[32] = { 0 };
	uint32_t fl = 0;

	if (d->dev_flags & DMAOWN_DEVF_BRIDGE_XLATE_ROOT)
		return true;
	if (c->q.no_quirks || d->vendor != 0x14e4)
		return false;
	return dmaown_quirk_dma_alias(c->t, i, &c->q, m, &fl, NULL) &&
	       (fl & DMAOWN_DEVF_BRIDGE_XLATE_ROOT);
}

/* pci_acs_path_enabled(@b, NULL, REQ_ACS_FLAGS) */
static bool path_ok(struct gctx *c, int b)
{
	for (; b >= 0; b = dmaown_topology_dev(c->t, (size_t)b)->parent)
		if (!gctx_acs_ok(c, (size_t)b))
			return false;
	return true;
}

static int device_group(struct hstate *h)
{
	const struct dmaown_dev *d = hdev(h, h->dev);
	size_t p = d->vmd_owner >= 0 ? (size_t)d->vmd_owner : h->dev;
	int b, g;

	/* Step A: pci_for_each_dma_alias() from the real DMA device */
	g = group(h, p);
	if (g >= 0)
		return g;
	for (b = hdev(h, p)->parent; b >= 0; b = hdev(h, (size_t)b)->parent) {
		if (xlate_root(h->c, (size_t)b))
			break;
		if (!gctx_aliasing_bridge(h->c, (size_t)b))
			continue;
		g = group(h, (size_t)b);
		if (g >= 0)
			return g;
		p = (size_t)b;
	}
	/* Step B: climb while the path to the root lacks ACS */
	for (b = hdev(h, p)->parent; b >= 0; b = hdev(h, (size_t)b)->parent) {
		if (path_ok(h->c, b))
			break;
		p = (size_t)b;
		g = group(h, p);
		if (g >= 0)
			return g;
	}
	/* Steps C and D on P, one visited bitmap */
	g = alias_group(h, p);
	if (g < 0)
		g = function_group(h, p);
	return g; /* Step E: -1, a new group */
}

int dmaown_predict_hotadd(const struct dmaown_topology *t,
			  const struct dmaown_groups *cur,
			  const size_t *reg_order, size_t dev,
			  const struct dmaown_predict_opts *o, int *ret)
{
	struct hstate h = { 0 };
	struct gctx c;
	size_t *own = NULL, k;
	int r;

	if (!t || !cur || !ret || !cur->group_of ||
	    cur->ndevs != dmaown_topology_count(t) || dev >= cur->ndevs)
		return -EINVAL;
	if (o && o->model != DMAOWN_MODEL_KERNEL)
		return -EOPNOTSUPP;
	if (reg_order)
		for (k = 0; k < cur->ndevs; k++)
			if (reg_order[k] >= cur->ndevs)
				return -EINVAL;
	r = gctx_init(&c, t, o, false);
	if (r)
		return r;
	if (!c.iommu || gctx_uncovered(&c, dev)) {
		r = -ENODEV;
		goto out;
	}
	if (!reg_order) {
		r = dmaown_topology_scan_order(t, &own);
		if (r)
			goto out;
		reg_order = own;
	}
	h.c = &c;
	h.group_of = cur->group_of;
	h.order = reg_order;
	h.dev = dev;
	*ret = device_group(&h);
out:
	free(own);
	gctx_fini(&c);
	return r;
}
