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

enum {
	L_SUBTREE = 1 << 0,	/* a bridge's subtree */
	L_SLOT = 1 << 1,	/* multifunction slot */
	L_ALIAS = 1 << 2,	/* DMA alias */
	L_VMD = 1 << 3,
	L_SRIOV = 1 << 4,	/* spec: PF + VFs */
	L_DSPBUS = 1 << 5,	/* spec: switch bus with a DSP without ACS */
	L_UNKNOWN = 1 << 6,	/* depended on unreadable ACS */
};

struct uf {
	int *p;
	uint8_t *fl;
	int *subj_sub, *subj_slot, *subj_alias, *subj_vmd, *subj_sriov,
		*subj_dsp;
};

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

struct pstate {
	struct gctx *c;
	struct uf u;
	int *ftop;	/* topmost acs-failing (or spec-marked) in [i..root] */
	int *atop;	/* topmost aliasing bridge below first XLATE_ROOT */
	int *depth;
	uint8_t *memo;	/* bit 0: ftop/atop/depth valid */
	uint8_t *busbad;	/* spec: USP whose internal bus is non-isolated */
};

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
		int pf = p >= 0 ? s->ftop[p] : -1, pa = p >= 0 ? s->atop[p] : -1;
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
		s->ftop[x] = pf >= 0 ? pf : (marked_fail(s, (size_t)x) ? x : -1);
		if (xlate && !s->c->spec)
			s->atop[x] = -1;
		else
			s->atop[x] = pa >= 0 ? pa :
				     (gctx_aliasing_bridge(s->c, (size_t)x) ? x : -1);
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
			    DMAOWN_SLOT(b->bdf.devfn) != DMAOWN_SLOT(a->bdf.devfn))
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
				const struct dmaown_dev *d = dmaown_topology_dev(t, k);

				if (anc[k] == (int)k && d->multifunction &&
				    !d->is_bridge && !d->is_vf &&
				    d->vmd_owner < 0)
					uf_union(&s->u, first_ep, (int)k, L_SLOT,
						 (int)k);
			}
		i = j;
	}
}

static const char *type_word(const struct dmaown_dev *d)
{
	if (!d->is_pcie)
		return d->is_bridge ? "conventional PCI bridge" :
				      "conventional PCI device";
	switch (d->pcie_type) {
	case DMAOWN_PCIE_ROOT_PORT:
		return "root port";
	case DMAOWN_PCIE_DOWNSTREAM:
		return "downstream port";
	case DMAOWN_PCIE_UPSTREAM:
		return "upstream port";
	case DMAOWN_PCIE_PCIE_TO_PCI:
		return "PCIe-to-PCI bridge";
	case DMAOWN_PCIE_PCI_TO_PCIE:
		return "PCI-to-PCIe bridge";
	case DMAOWN_PCIE_RCEC:
		return "RC event collector";
	case DMAOWN_PCIE_RCIEP:
		return "RC integrated endpoint";
	default:
		return "function";
	}
}

static void append(char *buf, size_t len, const char *s)
{
	size_t l = strlen(buf);

	if (l && l + 2 < len) {
		strcat(buf, "; ");
		l += 2;
	}
	snprintf(buf + l, len - l, "%s", s);
}

/* the one-line reason of a component rooted at @r with example @m */
static char *why_text(struct pstate *s, int r, int m, int nmembers)
{
	struct gctx *c = s->c;
	const struct dmaown_topology *t = c->t;
	uint8_t fl = s->u.fl[r];
	char out[512] = "", piece[256], b1[DMAOWN_BDF_STRLEN],
	     b2[DMAOWN_BDF_STRLEN], acs[96];
	int x;

	if ((x = s->u.subj_vmd[r]) >= 0) {
		snprintf(piece, sizeof(piece),
			 "VMD %s: devices in its domain DMA as it",
			 dmaown_bdf_format(dmaown_topology_dev(t, (size_t)x)->bdf, b1));
		append(out, sizeof(out), piece);
	}
	if ((x = s->u.subj_dsp[r]) >= 0) {
		const struct dmaown_dev *d = dmaown_topology_dev(t, (size_t)x);

		snprintf(piece, sizeof(piece),
			 "switch below upstream port %s: a downstream port without ACS redirect lets all its ports reach each other",
			 dmaown_bdf_format(dmaown_topology_dev(t, (size_t)d->parent)->bdf, b1));
		append(out, sizeof(out), piece);
	}
	if ((x = s->u.subj_sub[r]) >= 0 && !(fl & L_DSPBUS && s->c->spec &&
					       dmaown_topology_dev(t, (size_t)x)->pcie_type == DMAOWN_PCIE_DOWNSTREAM &&
					       gctx_acs_ok(c, (size_t)x))) {
		const struct dmaown_dev *d = dmaown_topology_dev(t, (size_t)x);

		uint8_t qm[32] = { 0 };
		uint32_t qf = d->dev_flags;

		dmaown_quirk_dma_alias(t, (size_t)x, &c->q, qm, &qf, NULL);
		dmaown_bdf_format(d->bdf, b1);
		if (d->pcie_type == DMAOWN_PCIE_PCIE_TO_PCI ||
		    (gctx_aliasing_bridge(c, (size_t)x) &&
		     (qf & DMAOWN_DEVF_PCIE_BRIDGE_ALIAS))) {
			struct dmaown_bdf al = d->bdf;

			al.bus = d->secondary;
			al.devfn = 0;
			snprintf(piece, sizeof(piece),
				 "behind %s %s (DMA alias %s)%s", type_word(d),
				 b1, (qf & DMAOWN_DEVF_PCI_BRIDGE_NO_ALIAS) ?
				 "skipped: NO_ALIAS" : dmaown_bdf_format(al, b2),
				 c->spec && !gctx_has_mmio(d) &&
						 d->pcie_type == DMAOWN_PCIE_PCIE_TO_PCI ?
					 "; the bridge has no MMIO and stays out" : "");
		} else if (gctx_aliasing_bridge(c, (size_t)x)) {
			snprintf(piece, sizeof(piece),
				 "behind %s %s (DMA alias %s)", type_word(d), b1,
				 b1);
		} else if (d->pcie_type == DMAOWN_PCIE_UPSTREAM) {
			snprintf(piece, sizeof(piece),
				 "%s multifunction upstream port %s: the whole switch joins it",
				 b1, gctx_acs_desc(c, (size_t)x, acs, sizeof(acs)));
		} else {
			snprintf(piece, sizeof(piece),
				 "%s %s %s: its subtree joins it", b1,
				 type_word(d),
				 gctx_acs_desc(c, (size_t)x, acs, sizeof(acs)));
		}
		append(out, sizeof(out), piece);
	}
	if ((x = s->u.subj_slot[r]) >= 0) {
		const struct dmaown_dev *d = dmaown_topology_dev(t, (size_t)x);

		snprintf(piece, sizeof(piece), "multifunction slot %04x:%02x:%02x without ACS%s",
			 d->bdf.domain, d->bdf.bus, DMAOWN_SLOT(d->bdf.devfn),
			 c->spec ? " on every function" : "");
		append(out, sizeof(out), piece);
	}
	if ((x = s->u.subj_alias[r]) >= 0) {
		snprintf(piece, sizeof(piece),
			 "DMA alias: %s uses requester IDs of devices on its bus",
			 dmaown_bdf_format(dmaown_topology_dev(t, (size_t)x)->bdf, b1));
		append(out, sizeof(out), piece);
	}
	if ((x = s->u.subj_sriov[r]) >= 0) {
		snprintf(piece, sizeof(piece),
			 "SR-IOV PF %s without ACS: its VFs can reach it internally",
			 dmaown_bdf_format(dmaown_topology_dev(t, (size_t)x)->bdf, b1));
		append(out, sizeof(out), piece);
	}
	if (!out[0]) {
		const struct dmaown_dev *d = dmaown_topology_dev(t, (size_t)m);
		int p = d->parent, ovr = -1, q = -1;

		for (; p >= 0; p = dmaown_topology_dev(t, (size_t)p)->parent) {
			gctx_acs_ok(c, (size_t)p);
			if (c->how[p] == ACS_HOW_OVERRIDE)
				ovr = p;
			else if (c->how[p] == ACS_HOW_QUIRK)
				q = p;
		}
		if (ovr < 0 && d->multifunction) {
			gctx_acs_ok(c, (size_t)m);
			if (c->how[m] == ACS_HOW_OVERRIDE)
				ovr = m;
		}
		if (ovr >= 0)
			snprintf(out, sizeof(out),
				 "isolated only by pcie_acs_override on %s",
				 dmaown_bdf_format(dmaown_topology_dev(t, (size_t)ovr)->bdf, b1));
		else if (nmembers > 1)
			snprintf(out, sizeof(out), "joined devices");
		else if (d->is_vf)
			snprintf(out, sizeof(out),
				 "isolated: a VF is never multifunction and ACS holds upstream");
		else if (q >= 0)
			snprintf(out, sizeof(out),
				 "isolated: ACS on every port upstream (%s by %s)",
				 dmaown_bdf_format(dmaown_topology_dev(t, (size_t)q)->bdf, b1),
				 dmaown_acs_quirk_name(c->qkind[q]));
		else if (d->parent < 0)
			snprintf(out, sizeof(out), "isolated: on a root bus");
		else
			snprintf(out, sizeof(out),
				 "isolated: ACS on every port upstream");
	}
	if (fl & L_UNKNOWN)
		append(out, sizeof(out),
		       "ACS not readable (no root?): assumed not isolated");
	return strdup(out);
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
	int r = dmaown_topology_scan_order(s->c->t, &order);

	if (r)
		return r;
	gid_of_root = malloc((2 * n + 1) * sizeof(int));
	g->kernel_id = malloc((n + 1) * sizeof(int));
	g->why = calloc(n + 1, sizeof(char *));
	example = malloc((n + 1) * sizeof(int));
	count = calloc(n + 1, sizeof(int));
	if (!gid_of_root || !g->kernel_id || !g->why || !example || !count) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < 2 * n + 1; i++)
		gid_of_root[i] = -1;
	for (i = 0; i < n; i++) {
		size_t x = order[i];
		int root = uf_find(&s->u, (int)x);

		if (gid_of_root[root] < 0) {
			gid_of_root[root] = (int)g->ngroups;
			example[g->ngroups] = (int)x;
			g->kernel_id[g->ngroups] =
				s->c->spec ? -1 : (int)g->ngroups;
			g->ngroups++;
		}
		g->group_of[x] = gid_of_root[root];
		count[gid_of_root[root]]++;
	}
	if (o->no_why)
		goto out;
	for (i = 0; i < g->ngroups; i++) {
		int root = uf_find(&s->u, example[i]);

		g->why[i] = why_text(s, root, example[i], count[i]);
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
			    dmaown_topology_dev(t, (size_t)d->parent)->pcie_type ==
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
			uf_union(&s.u, (int)i, d->vmd_owner, L_VMD, d->vmd_owner);
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
