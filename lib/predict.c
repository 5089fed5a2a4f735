// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * predict.c - IOMMU group prediction (spec/groups.md §1.5 and §1.9/§5.2)
 *
 * KERNEL mode is the order-independent form of pci_device_group():
 *  1. VMD children join their VMD endpoint;
 *  2. anchor(X) = topmost bridge above X that fails acs_ok() or is an
 *     aliasing bridge below the first XLATE_ROOT bridge, else X;
 *  3. anchors on one bus merge when DMA aliases, or when they share a
 *     slot, are multifunction and both fail acs_ok();
 *  4. everything else joins its anchor's component.
 * SPEC mode changes three rules to follow reachability: every DSP on a
 * switch bus that has one non-isolating DSP is marked and the DSPs are
 * linked; a multifunction slot with one non-isolated endpoint function
 * joins all its functions; an SR-IOV PF without ACS joins its VFs; and a
 * PCIe-to-PCI bridge without MMIO stays out of its children's group.
 *
 * Union-find over the devices; anchors come from memoised walks up the
 * bridge chain; same-bus links use the address order of the records, so
 * the whole pass is O(n log n) (the log from alias lookups).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grouping.h"

static int uf_find(struct uf *u, int x)
{
	while (u->p[x] != x) {
		u->p[x] = u->p[u->p[x]];
		x = u->p[x];
	}
	return x;
}

static void keep(int *a, int b)
{
	if (*a < 0)
		*a = b;
}

static void uf_union(struct uf *u, int a, int b, uint8_t fl, int subj)
{
	int ra = uf_find(u, a), rb = uf_find(u, b);

	if (a == b)
		return;
	if (ra != rb) {
		if (ra > rb) {
			int tmp = ra;

			ra = rb;
			rb = tmp;
		}
		u->p[rb] = ra;
		u->fl[ra] |= u->fl[rb];
		keep(&u->subj_sub[ra], u->subj_sub[rb]);
		keep(&u->subj_slot[ra], u->subj_slot[rb]);
		keep(&u->subj_alias[ra], u->subj_alias[rb]);
		keep(&u->subj_vmd[ra], u->subj_vmd[rb]);
		keep(&u->subj_sriov[ra], u->subj_sriov[rb]);
		keep(&u->subj_dsp[ra], u->subj_dsp[rb]);
	}
	u->fl[ra] |= fl;
	if (fl & L_SUBTREE)
		keep(&u->subj_sub[ra], subj);
	if (fl & L_SLOT)
		keep(&u->subj_slot[ra], subj);
	if (fl & L_ALIAS)
		keep(&u->subj_alias[ra], subj);
	if (fl & L_VMD)
		keep(&u->subj_vmd[ra], subj);
	if (fl & L_SRIOV)
		keep(&u->subj_sriov[ra], subj);
	if (fl & L_DSPBUS)
		keep(&u->subj_dsp[ra], subj);
}

static bool marked_fail(struct pstate *s, size_t i)
{
	const struct dmaown_dev *d = dmaown_topology_dev(s->c->t, i);

	if (!gctx_acs_ok(s->c, i))
		return true;
	return s->c->spec && d->pcie_type == DMAOWN_PCIE_DOWNSTREAM &&
	       d->parent >= 0 && s->busbad[d->parent];
}

/* fill ftop/atop/depth of @i and its ancestors (iterative) */
static void chain(struct pstate *s, int i)
{
	const struct dmaown_topology *t = s->c->t;
	int stack[320], sp = 0;

	while (i >= 0 && !s->memo[i] && sp < 320) {
		stack[sp++] = i;
		i = dmaown_topology_dev(t, (size_t)i)->parent;
	}
	while (sp) {
		int x = stack[--sp];
		const struct dmaown_dev *d = dmaown_topology_dev(t, (size_t)x);
		int p = d->parent;
		int pf = p >= 0 ? s->ftop[p] : -1,
		    pa = p >= 0 ? s->atop[p] : -1;
		bool xlate = d->dev_flags & DMAOWN_DEVF_BRIDGE_XLATE_ROOT;

		if (!s->c->spec && !xlate && !s->c->q.no_quirks) {
			uint8_t m[32] = { 0 };
			uint32_t fl = 0;

			if (d->vendor == 0x14e4 &&
			    dmaown_quirk_dma_alias(t, (size_t)x, &s->c->q, m,
						   &fl, NULL))
				xlate = fl & DMAOWN_DEVF_BRIDGE_XLATE_ROOT;
		}
		s->depth[x] = p >= 0 ? s->depth[p] + 1 : 0;
		s->ftop[x] =
			pf >= 0 ? pf : (marked_fail(s, (size_t)x) ? x : -1);
		if (xlate && !s->c->spec)
			s->atop[x] = -1;
		else
			s->atop[x] =
				pa >= 0 ?
					pa :
					(gctx_aliasing_bridge(s->c, (size_t)x) ?
						 x :
						 -1);
		s->memo[x] = 1;
	}
}

static int anchor_of(struct pstate *s, size_t i)
{
	const struct dmaown_dev *d = dmaown_topology_dev(s->c->t, i);
	int p = d->parent, f, a;

	if (p < 0)
		return (int)i;
	chain(s, p);
	f = s->ftop[p];
	a = s->atop[p];
	if (f < 0 && a < 0)
		return (int)i;
	if (f < 0)
		return a;
	if (a < 0)
		return f;
	return s->depth[f] <= s->depth[a] ? f : a;
}

static bool unknown(struct gctx *c, int i)
{
	return i >= 0 && c->ok[i] >= 0 && c->how[i] == ACS_HOW_UNKNOWN;
}

static void link_alias(struct pstate *s, size_t i, int *anc)
{
	const struct dmaown_topology *t = s->c->t;
	const struct dmaown_dev *d = dmaown_topology_dev(t, i);
	const uint8_t *m = s->c->masks[s->c->mask_of[i]];
	unsigned int df;

	for (df = 0; df < 256; df++) {
		struct dmaown_bdf b = d->bdf;
		int j;

		if (!(m[df >> 3] & (1u << (df & 7))))
			continue;
		b.devfn = (uint8_t)df;
		j = dmaown_topology_find(t, b);
		if (j < 0 || (size_t)j == i || anc[j] != j)
			continue;
		uf_union(&s->u, (int)i, j, L_ALIAS, (int)i);
	}
}

/* same (domain, bus, slot) runs of anchors: rule 4(b), spec MFD rule */
static void link_slots(struct pstate *s, const int *anc)
{
	const struct dmaown_topology *t = s->c->t;
	size_t n = s->c->n, i = 0, j, k;

	while (i < n) {
		const struct dmaown_dev *a = dmaown_topology_dev(t, i);
		int first_fail = -1, first_ep = -1;

		for (j = i + 1; j < n; j++) {
			const struct dmaown_dev *b = dmaown_topology_dev(t, j);

			if (b->bdf.domain != a->bdf.domain ||
			    b->bdf.bus != a->bdf.bus ||
			    DMAOWN_SLOT(b->bdf.devfn) !=
				    DMAOWN_SLOT(a->bdf.devfn))
				break;
		}
		if (j - i < 2) {
			i = j;
			continue;
		}
		for (k = i; k < j; k++) {
			const struct dmaown_dev *d = dmaown_topology_dev(t, k);
			uint8_t fl = L_SLOT;

			if (anc[k] != (int)k || !d->multifunction || d->is_vf ||
			    d->vmd_owner >= 0 || gctx_acs_ok(s->c, k))
				continue;
			if (unknown(s->c, (int)k))
				fl |= L_UNKNOWN;
			if (first_fail < 0)
				first_fail = (int)k;
			uf_union(&s->u, first_fail, (int)k, fl, (int)k);
			if (!d->is_bridge && first_ep < 0)
				first_ep = (int)k;
		}
		if (s->c->spec && first_ep >= 0)
			for (k = i; k < j; k++) {
				const struct dmaown_dev *d =
					dmaown_topology_dev(t, k);

				if (anc[k] == (int)k && d->multifunction &&
				    !d->is_bridge && !d->is_vf &&
				    d->vmd_owner < 0)
					uf_union(&s->u, first_ep, (int)k,
						 L_SLOT, (int)k);
			}
		i = j;
	}
}

static void pstate_free(struct pstate *s)
{
	free(s->u.p);
	free(s->u.fl);
	free(s->u.subj_sub);
	free(s->u.subj_slot);
	free(s->u.subj_alias);
	free(s->u.subj_vmd);
	free(s->u.subj_sriov);
	free(s->u.subj_dsp);
	free(s->ftop);
	free(s->atop);
	free(s->depth);
	free(s->memo);
	free(s->busbad);
}

static int pstate_init(struct pstate *s, struct gctx *c)
{
	size_t n = c->n, m = 2 * n + 1, i;

	memset(s, 0, sizeof(*s));
	s->c = c;
	s->u.p = malloc(m * sizeof(int));
	s->u.fl = calloc(m, 1);
	s->u.subj_sub = malloc(m * sizeof(int));
	s->u.subj_slot = malloc(m * sizeof(int));
	s->u.subj_alias = malloc(m * sizeof(int));
	s->u.subj_vmd = malloc(m * sizeof(int));
	s->u.subj_sriov = malloc(m * sizeof(int));
	s->u.subj_dsp = malloc(m * sizeof(int));
	s->ftop = malloc((n + 1) * sizeof(int));
	s->atop = malloc((n + 1) * sizeof(int));
	s->depth = malloc((n + 1) * sizeof(int));
	s->memo = calloc(n + 1, 1);
	s->busbad = calloc(n + 1, 1);
	if (!s->u.p || !s->u.fl || !s->u.subj_sub || !s->u.subj_slot ||
	    !s->u.subj_alias || !s->u.subj_vmd || !s->u.subj_sriov ||
	    !s->u.subj_dsp || !s->ftop || !s->atop || !s->depth || !s->memo ||
	    !s->busbad) {
		pstate_free(s);
		return -ENOMEM;
	}
	for (i = 0; i < m; i++) {
		s->u.p[i] = (int)i;
		s->u.subj_sub[i] = s->u.subj_slot[i] = s->u.subj_alias[i] = -1;
		s->u.subj_vmd[i] = s->u.subj_sriov[i] = s->u.subj_dsp[i] = -1;
	}
	return 0;
}

bool dmaown_predict_iommu_off(const struct dmaown_topology *t,
			      const struct dmaown_predict_opts *o)
{
	const struct dmaown_host_info *h = dmaown_topology_host_const(t);
	struct dmaown_cmdline cl;

	if (!h)
		return true;
	dmaown_cmdline_parse(o && o->cmdline ? o->cmdline : h->cmdline, &cl);
	return cl.iommu_off || (h->iommu_known && !h->iommu_present);
}

static int number_groups(struct pstate *s, struct dmaown_groups *g,
			 const struct dmaown_predict_opts *o)
{
	size_t n = s->c->n, i, *order = NULL;
	int *gid_of_root = NULL, *example = NULL, *count = NULL;
	unsigned int *hier = NULL;
	int r = dmaown_topology_scan_order(s->c->t, &order);

	if (r)
		return r;
	gid_of_root = malloc((2 * n + 1) * sizeof(int));
	g->kernel_id = malloc((n + 1) * sizeof(int));
	g->why = calloc(n + 1, sizeof(char *));
	example = malloc((n + 1) * sizeof(int));
	count = calloc(n + 1, sizeof(int));
	hier = calloc(n + 1, sizeof(*hier));
	if (!gid_of_root || !g->kernel_id || !g->why || !example || !count ||
	    !hier) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < 2 * n + 1; i++)
		gid_of_root[i] = -1;
	for (i = 0; i < n; i++) {
		size_t x = order[i];
		int root = uf_find(&s->u, (int)x);
		const struct dmaown_dev *d;

		if (gctx_uncovered(s->c, x))
			continue;	/* no IOMMU probes it: no group */
		if (gid_of_root[root] < 0) {
			gid_of_root[root] = (int)g->ngroups;
			example[g->ngroups] = (int)x;
			g->kernel_id[g->ngroups] =
				s->c->spec ? -1 : (int)g->ngroups;
			g->ngroups++;
		}
		g->group_of[x] = gid_of_root[root];
		count[gid_of_root[root]]++;
		d = dmaown_topology_dev(s->c->t, x);
		if (d->parent_inferred)
			hier[gid_of_root[root]] |= WHY_HIER_INFERRED;
		if (d->parent_unknown)
			hier[gid_of_root[root]] |= WHY_HIER_UNKNOWN;
	}
	if (o->no_why)
		goto out;
	for (i = 0; i < g->ngroups; i++) {
		int root = uf_find(&s->u, example[i]);

		g->why[i] = predict_why(s, root, example[i], count[i],
					hier[i]);
		if (!g->why[i]) {
			r = -ENOMEM;
			goto out;
		}
	}
out:
	free(order);
	free(gid_of_root);
	free(example);
	free(count);
	free(hier);
	return r;
}

static int predict_core(struct gctx *c, struct dmaown_groups *g,
			const struct dmaown_predict_opts *o)
{
	const struct dmaown_topology *t = c->t;
	struct pstate s;
	size_t n = c->n, i;
	int *anc, r;

	r = pstate_init(&s, c);
	if (r)
		return r;
	anc = malloc((n + 1) * sizeof(int));
	if (!anc) {
		pstate_free(&s);
		return -ENOMEM;
	}
	/* spec: switch buses where some DSP does not isolate */
	if (c->spec)
		for (i = 0; i < n; i++) {
			const struct dmaown_dev *d = dmaown_topology_dev(t, i);

			if (d->pcie_type == DMAOWN_PCIE_DOWNSTREAM &&
			    d->parent >= 0 &&
			    dmaown_topology_dev(t, (size_t)d->parent)
					    ->pcie_type ==
				    DMAOWN_PCIE_UPSTREAM &&
			    (!gctx_acs_ok(c, i) || c->mask_of[i] >= 0))
				s.busbad[d->parent] = 1;
		}
	for (i = 0; i < n; i++) {
		const struct dmaown_dev *d = dmaown_topology_dev(t, i);

		anc[i] = d->vmd_owner >= 0 ? -1 : anchor_of(&s, i);
	}
	for (i = 0; i < n; i++) {
		const struct dmaown_dev *d = dmaown_topology_dev(t, i);
		int a = anc[i];

		if (d->vmd_owner >= 0) {
			uf_union(&s.u, (int)i, d->vmd_owner, L_VMD,
				 d->vmd_owner);
			continue;
		}
		if (a == (int)i)
			continue;
		if (c->spec &&
		    dmaown_topology_dev(t, (size_t)a)->pcie_type ==
			    DMAOWN_PCIE_PCIE_TO_PCI &&
		    !gctx_has_mmio(dmaown_topology_dev(t, (size_t)a))) {
			/* §1.9: the bridge itself stays out */
			uf_union(&s.u, (int)i, (int)n + a, L_SUBTREE, a);
			continue;
		}
		uf_union(&s.u, (int)i, a,
			 L_SUBTREE | (unknown(c, a) ? L_UNKNOWN : 0), a);
	}
	for (i = 0; i < n; i++) {
		const struct dmaown_dev *d = dmaown_topology_dev(t, i);

		if (c->mask_of[i] >= 0 && anc[i] == (int)i)
			link_alias(&s, i, anc);
		if (c->spec && d->pcie_type == DMAOWN_PCIE_DOWNSTREAM &&
		    d->parent >= 0 && s.busbad[d->parent] && anc[i] == (int)i) {
			/* link every DSP of the bus to the USP's first DSP */
			uf_union(&s.u, (int)i, (int)n + d->parent, L_DSPBUS,
				 (int)i);
		}
		if (c->spec && d->is_vf && d->physfn >= 0 &&
		    !gctx_mfd_isolated(c, (size_t)d->physfn))
			uf_union(&s.u, (int)i, d->physfn, L_SRIOV, d->physfn);
	}
	link_slots(&s, anc);
	r = number_groups(&s, g, o);
	free(anc);
	pstate_free(&s);
	return r;
}

int dmaown_predict(const struct dmaown_topology *t,
		   const struct dmaown_predict_opts *o,
		   struct dmaown_groups **ret)
{
	static const struct dmaown_predict_opts defaults;
	struct dmaown_groups *g;
	struct gctx c;
	int r;

	if (!t || !ret)
		return -EINVAL;
	if (!o)
		o = &defaults;
	r = gctx_init(&c, t, o, o->model == DMAOWN_MODEL_SPEC);
	if (r)
		return r;
	g = dmaown_groups_new(c.n);
	if (!g) {
		gctx_fini(&c);
		return -ENOMEM;
	}
	if (c.iommu)
		r = predict_core(&c, g, o);
	gctx_fini(&c);
	if (r) {
		dmaown_groups_free(g);
		return r;
	}
	*ret = g;
	return 0;
}
