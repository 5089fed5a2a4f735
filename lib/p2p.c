// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p2p.c - the routing model of spec/groups.md §5.2: per-pair reachability
 * below the root complex, isolation domains, and the places where a
 * partition is weaker than the hardware.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmaown/p2p.h"
#include "grouping.h"

struct dmaown_p2p {
	const struct dmaown_topology *t;
	struct dmaown_predict_opts o;
	char *cmdline;
	struct gctx hw; /* hardware view: no override */
	struct gctx kern; /* kernel view: override in force */
};

int dmaown_p2p_new(const struct dmaown_topology *t,
		   const struct dmaown_predict_opts *o, struct dmaown_p2p **ret)
{
	struct dmaown_p2p *p;
	int r;

	if (!t || !ret)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->t = t;
	if (o)
		p->o = *o;
	if (p->o.cmdline) {
		p->cmdline = strdup(p->o.cmdline);
		if (!p->cmdline) {
			free(p);
			return -ENOMEM;
		}
		p->o.cmdline = p->cmdline;
	}
	r = gctx_init(&p->hw, t, &p->o, true);
	if (!r) {
		r = gctx_init(&p->kern, t, &p->o, false);
		if (r)
			gctx_fini(&p->hw);
	}
	if (r) {
		free(p->cmdline);
		free(p);
		return r;
	}
	*ret = p;
	return 0;
}

void dmaown_p2p_free(struct dmaown_p2p *p)
{
	if (!p)
		return;
	gctx_fini(&p->hw);
	gctx_fini(&p->kern);
	free(p->cmdline);
	free(p);
}

const char *dmaown_p2p_kind_name(enum dmaown_p2p_kind kind)
{
	switch (kind) {
	case DMAOWN_P2P_NONE:
		return "not reachable below the root complex";
	case DMAOWN_P2P_MFD_INTERNAL:
		return "inside a multifunction device without ACS";
	case DMAOWN_P2P_SRIOV_INTERNAL:
		return "inside an SR-IOV device whose PF lacks ACS";
	case DMAOWN_P2P_CONVENTIONAL:
		return "on a conventional PCI segment behind a bridge";
	case DMAOWN_P2P_SUBTREE_LOOPBACK:
		return "turned around at a port without ACS upstream forwarding";
	case DMAOWN_P2P_SWITCH:
		return "switch P2P: downstream port without ACS redirect";
	}
	return "?";
}

static const struct dmaown_dev *dev(const struct dmaown_p2p *p, int i)
{
	return dmaown_topology_dev(p->t, (size_t)i);
}

/* is @anc a strict ancestor of @x? */
static bool below(const struct dmaown_p2p *p, int anc, int x)
{
	int steps = 0;

	for (x = dev(p, x)->parent; x >= 0 && steps < 300; steps++) {
		if (x == anc)
			return true;
		x = dev(p, x)->parent;
	}
	return false;
}

static void push(struct dmaown_p2p_path *path, int i)
{
	if (path->nhops < DMAOWN_P2P_MAX_HOPS)
		path->hops[path->nhops++] = i;
}

/* hops from just below @top down to @b */
static void descend(const struct dmaown_p2p *p, struct dmaown_p2p_path *path,
		    int top, int b)
{
	int chain[300], n = 0, x;

	for (x = b; x >= 0 && x != top && n < 300; x = dev(p, x)->parent)
		chain[n++] = x;
	while (n)
		push(path, chain[--n]);
}

static bool is_port(const struct dmaown_dev *d)
{
	return d->is_pcie && (d->pcie_type == DMAOWN_PCIE_ROOT_PORT ||
			      d->pcie_type == DMAOWN_PCIE_DOWNSTREAM);
}

int dmaown_p2p_reach(struct dmaown_p2p *p, size_t a, size_t b,
		     struct dmaown_p2p_path *path)
{
	struct dmaown_p2p_path tmp;
	const struct dmaown_dev *A, *B;
	int cur, steps, pfa, pfb;

	if (!p || a == b || a >= p->hw.n || b >= p->hw.n)
		return -EINVAL;
	if (!path)
		path = &tmp;
	memset(path, 0, sizeof(*path));
	path->via = -1;
	A = dev(p, (int)a);
	B = dev(p, (int)b);
	push(path, (int)a);
	if (A->is_bridge)
		return 0; /* bridges and ports do not initiate requests */
	if (A->bdf.domain == B->bdf.domain && A->bdf.bus == B->bdf.bus &&
	    DMAOWN_SLOT(A->bdf.devfn) == DMAOWN_SLOT(B->bdf.devfn) &&
	    A->multifunction && B->multifunction && !A->is_vf && !B->is_vf &&
	    !gctx_acs_ok(&p->hw, a)) {
		path->kind = DMAOWN_P2P_MFD_INTERNAL;
		path->via = (int)a;
		push(path, (int)b);
		return 1;
	}
	pfa = A->is_vf ? A->physfn : (int)a;
	pfb = B->is_vf ? B->physfn : (int)b;
	if ((A->is_vf || B->is_vf) && pfa == pfb && pfa >= 0 &&
	    !gctx_mfd_isolated(&p->hw, (size_t)pfa)) {
		path->kind = DMAOWN_P2P_SRIOV_INTERNAL;
		path->via = pfa;
		push(path, (int)b);
		return 1;
	}
	for (cur = (int)a, steps = 0; steps < 300; steps++) {
		int P = dev(p, cur)->parent;
		const struct dmaown_dev *PD;

		if (P < 0)
			return 0; /* reached the root complex */
		PD = dev(p, P);
		push(path, P);
		if (P == (int)b)
			return 0; /* the port's own target: redirected */
		if (below(p, P, (int)b)) {
			if (!PD->is_pcie ||
			    PD->pcie_type == DMAOWN_PCIE_PCIE_TO_PCI ||
			    PD->pcie_type == DMAOWN_PCIE_PCI_TO_PCIE) {
				path->kind = DMAOWN_P2P_CONVENTIONAL;
				path->via = P;
				descend(p, path, P, (int)b);
				return 1;
			}
			if (is_port(PD) && !gctx_acs_ok(&p->hw, (size_t)P)) {
				path->kind = DMAOWN_P2P_SUBTREE_LOOPBACK;
				path->via = P;
				descend(p, path, P, (int)b);
				return 1;
			}
		} else if (PD->pcie_type == DMAOWN_PCIE_DOWNSTREAM &&
			   PD->parent >= 0 && below(p, PD->parent, (int)b) &&
			   !gctx_acs_ok(&p->hw, (size_t)P)) {
			path->kind = DMAOWN_P2P_SWITCH;
			path->via = P;
			/*
			 * turned around on the switch's internal bus: the
			 * upstream port that owns it is not crossed
			 */
			descend(p, path, PD->parent, (int)b);
			return 1;
		}
		cur = P; /* forwarded or redirected upstream */
	}
	return 0;
}

int dmaown_p2p_domains(struct dmaown_p2p *p, struct dmaown_groups **ret)
{
	struct dmaown_predict_opts o;

	if (!p || !ret)
		return -EINVAL;
	o = p->o;
	o.model = DMAOWN_MODEL_SPEC;
	return dmaown_predict(p->t, &o, ret);
}

const char *dmaown_weak_kind_name(enum dmaown_weak_kind kind)
{
	switch (kind) {
	case DMAOWN_WEAK_SWITCH_DSP:
		return "switch-dsp-no-acs";
	case DMAOWN_WEAK_MFD_SPLIT:
		return "mfd-partial-acs";
	case DMAOWN_WEAK_SRIOV:
		return "sriov-pf-no-acs";
	case DMAOWN_WEAK_ACS_OVERRIDE:
		return "acs-override";
	case DMAOWN_WEAK_OTHER:
		return "other";
	}
	return "?";
}

struct wlist {
	struct dmaown_weakness *w;
	size_t n, cap;
};

static struct dmaown_weakness *wadd(struct wlist *l, enum dmaown_weak_kind k)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? 2 * l->cap : 8;
		struct dmaown_weakness *nw = realloc(l->w, nc * sizeof(*nw));

		if (!nw)
			return NULL;
		l->w = nw;
		l->cap = nc;
	}
	memset(&l->w[l->n], 0, sizeof(l->w[0]));
	l->w[l->n].kind = k;
	return &l->w[l->n++];
}

static void wdev(struct dmaown_weakness *w, size_t i)
{
	if (w->ndevs < DMAOWN_WEAK_MAX_DEVS)
		w->devs[w->ndevs++] = i;
}

static const char *bdf(const struct dmaown_p2p *p, int i, char *buf)
{
	return dmaown_bdf_format(dev(p, i)->bdf, buf);
}

/* children of every device, bucketed by parent (n: root buses) */
static int children_index(const struct dmaown_p2p *p, size_t **start,
			  size_t **list)
{
	size_t n = p->hw.n, i, *st, *li, *fill;

	st = calloc(n + 3, sizeof(*st));
	li = malloc((n + 1) * sizeof(*li));
	fill = calloc(n + 2, sizeof(*fill));
	if (!st || !li || !fill) {
		free(st);
		free(li);
		free(fill);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		int par = dev(p, (int)i)->parent;

		st[(par >= 0 ? (size_t)par : n) + 1]++;
	}
	for (i = 0; i < n + 1; i++)
		st[i + 1] += st[i];
	for (i = 0; i < n; i++) {
		int par = dev(p, (int)i)->parent;
		size_t b = par >= 0 ? (size_t)par : n;

		li[st[b] + fill[b]++] = i;
	}
	free(fill);
	*start = st;
	*list = li;
	return 0;
}

int dmaown_p2p_weaknesses(struct dmaown_p2p *p,
			  const struct dmaown_groups *part,
			  struct dmaown_weakness **ret, size_t *nret)
{
	struct dmaown_groups *dom = NULL;
	struct wlist l = { 0 };
	size_t n, i, j;
	int *first = NULL, *flag = NULL, r;
	size_t *cstart = NULL, *clist = NULL, c;
	uint8_t *split = NULL, *covered = NULL;
	char b1[DMAOWN_BDF_STRLEN], b2[DMAOWN_BDF_STRLEN];

	if (!p || !part || !ret || !nret || part->ndevs != p->hw.n)
		return -EINVAL;
	n = p->hw.n;
	r = dmaown_p2p_domains(p, &dom);
	if (r)
		return r;
	r = children_index(p, &cstart, &clist);
	if (r)
		goto out;
	first = malloc((dom->ngroups + 1) * sizeof(int));
	split = calloc(dom->ngroups + 1, 1);
	covered = calloc(dom->ngroups + 1, 1);
	flag = malloc((n + 1) * sizeof(int));
	if (!first || !split || !covered || !flag) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < dom->ngroups; i++)
		first[i] = -1;
	for (i = 0; i < n; i++) {
		int d = dom->group_of[i], g = part->group_of[i];

		flag[i] = -1;
		if (d < 0 || g < 0)
			continue;
		if (first[d] < 0)
			first[d] = g;
		else if (first[d] != g)
			split[d] = 1;
	}
#define SPLIT(x) (dom->group_of[x] >= 0 && split[dom->group_of[x]])
#define PG(x)	 (part->group_of[x])
	/* DSPs of one switch in different groups: flag[usp] = first DSP */
	for (i = 0; i < n; i++) {
		const struct dmaown_dev *d = dev(p, (int)i);
		int u = d->parent;

		if (d->pcie_type != DMAOWN_PCIE_DOWNSTREAM || u < 0 ||
		    !SPLIT(i))
			continue;
		if (flag[u] == -1)
			flag[u] = (int)i;
		else if (flag[u] >= 0 && PG(flag[u]) != PG(i) &&
			 dom->group_of[flag[u]] == dom->group_of[i])
			flag[u] = -2 - flag[u]; /* mark: split switch */
	}
	for (i = 0; i < n; i++) {
		struct dmaown_weakness *w;

		if (flag[i] > -2)
			continue;
		w = wadd(&l, DMAOWN_WEAK_SWITCH_DSP);
		if (!w)
			goto oom;
		for (c = cstart[i]; c < cstart[i + 1]; c++)
			if (dev(p, (int)clist[c])->pcie_type ==
			    DMAOWN_PCIE_DOWNSTREAM)
				wdev(w, clist[c]);
		covered[dom->group_of[w->devs[0]]] = 1;
		snprintf(
			w->sentence, sizeof(w->sentence),
			"downstream ports of the switch below %s are in different groups, but one lacks ACS redirect, so devices below them can reach each other without the IOMMU",
			bdf(p, (int)i, b1));
	}
	/* functions of one slot split, PF/VFs split */
	for (i = 0; i < n; i = j) {
		const struct dmaown_dev *a = dev(p, (int)i);
		bool s = false;

		for (j = i + 1; j < n; j++) {
			const struct dmaown_dev *b = dev(p, (int)j);

			if (b->bdf.domain != a->bdf.domain ||
			    b->bdf.bus != a->bdf.bus ||
			    DMAOWN_SLOT(b->bdf.devfn) !=
				    DMAOWN_SLOT(a->bdf.devfn))
				break;
			if (!b->is_vf && !a->is_vf && SPLIT(j) &&
			    dom->group_of[j] == dom->group_of[i] &&
			    PG(j) != PG(i))
				s = true;
		}
		if (s) {
			struct dmaown_weakness *w =
				wadd(&l, DMAOWN_WEAK_MFD_SPLIT);
			size_t k;

			if (!w)
				goto oom;
			for (k = i; k < j; k++)
				if (!dev(p, (int)k)->is_vf)
					wdev(w, k);
			covered[dom->group_of[i]] = 1;
			snprintf(
				w->sentence, sizeof(w->sentence),
				"multifunction device %04x:%02x:%02x is split across groups by partial ACS, but a function without ACS can reach its siblings internally",
				a->bdf.domain, a->bdf.bus,
				DMAOWN_SLOT(a->bdf.devfn));
		}
	}
	for (i = 0; i < n; i++)
		flag[i] = -1;
	for (i = 0; i < n; i++) {
		const struct dmaown_dev *d = dev(p, (int)i);

		if (d->is_vf && d->physfn >= 0 && SPLIT(i) &&
		    PG(i) != PG(d->physfn) &&
		    dom->group_of[i] == dom->group_of[d->physfn])
			flag[d->physfn] = 1;
	}
	for (i = 0; i < n; i++) {
		struct dmaown_weakness *w;

		if (flag[i] != 1)
			continue;
		w = wadd(&l, DMAOWN_WEAK_SRIOV);
		if (!w)
			goto oom;
		wdev(w, i);
		/* VFs sit on the PF's bus or a virtual bus: bucketed by parent */
		{
			int par = dev(p, (int)i)->parent;
			size_t s0 = par >= 0 ? cstart[par] : cstart[n];
			size_t s1 = par >= 0 ? cstart[par + 1] : cstart[n + 1];

			for (c = s0; c < s1; c++)
				if (dev(p, (int)clist[c])->is_vf &&
				    dev(p, (int)clist[c])->physfn == (int)i)
					wdev(w, clist[c]);
		}
		covered[dom->group_of[i]] = 1;
		snprintf(
			w->sentence, sizeof(w->sentence),
			"SR-IOV PF %s has no ACS, so its VFs can reach it (and each other) inside the device, yet they sit in separate groups",
			bdf(p, (int)i, b1));
	}
	/* pcie_acs_override: a device the override calls isolated */
	for (i = 0; i < n; i++) {
		struct dmaown_weakness *w;

		if (!SPLIT(i))
			continue;
		gctx_acs_ok(&p->kern, i);
		if (p->kern.how[i] != ACS_HOW_OVERRIDE)
			continue;
		w = wadd(&l, DMAOWN_WEAK_ACS_OVERRIDE);
		if (!w)
			goto oom;
		wdev(w, i);
		covered[dom->group_of[i]] = 1;
		snprintf(
			w->sentence, sizeof(w->sentence),
			"pcie_acs_override makes %s count as isolated although it has no ACS capability; the groups it splits are not isolated in hardware",
			bdf(p, (int)i, b1));
	}
	/* anything left: name two devices */
	for (i = 0; i < n; i++)
		flag[i] = -1;
	for (i = 0; i < n; i++) {
		int d = dom->group_of[i];

		if (d >= 0 && PG(i) == first[d] && flag[d] < 0)
			flag[d] = (int)i; /* a member of the first group */
	}
	for (i = 0; i < n; i++) {
		int d = dom->group_of[i];

		if (d < 0 || !split[d] || covered[d] || PG(i) == first[d] ||
		    PG(i) < 0)
			continue;
		j = (size_t)flag[d];
		{
			struct dmaown_weakness *w = wadd(&l, DMAOWN_WEAK_OTHER);

			if (!w)
				goto oom;
			wdev(w, j);
			wdev(w, i);
			covered[d] = 1;
			snprintf(
				w->sentence, sizeof(w->sentence),
				"%s and %s share an isolation domain but not a group",
				bdf(p, (int)j, b1), bdf(p, (int)i, b2));
		}
	}
#undef SPLIT
#undef PG
	*ret = l.w;
	*nret = l.n;
	l.w = NULL;
	r = 0;
	goto out;
oom:
	r = -ENOMEM;
out:
	free(l.w);
	free(first);
	free(split);
	free(covered);
	free(flag);
	free(cstart);
	free(clist);
	dmaown_groups_free(dom);
	return r;
}
