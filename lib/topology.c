// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * topology.c - the in-memory PCI topology (pure model, no I/O)
 *
 * Finalize turns a bag of records into a linked tree the way the kernel's
 * PCI core sees it: each device knows the bridge that owns its bus, VFs on
 * virtual buses fall through to their PF's bus, VMD children know their
 * VMD endpoint, and PCIe port types get set_pcie_port_type()'s correction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "dmaown/topology.h"

struct dmaown_topology {
	struct dmaown_dev *devs;
	size_t n, cap;
	bool finalized;
	bool sorted;		/* records so far are in address order */
	struct dmaown_host_info host;
};

/* ---- addresses -------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* parse exactly 1..maxdigits hex digits; advance *p */
static int parse_hex(const char **p, int maxdigits, uint64_t *ret)
{
	uint64_t v = 0;
	int n = 0, h;

	while ((h = hexval(**p)) >= 0) {
		if (++n > maxdigits)
			return -EINVAL;
		v = v * 16 + (uint64_t)h;
		(*p)++;
	}
	if (!n)
		return -EINVAL;
	*ret = v;
	return 0;
}

int dmaown_bdf_parse(const char *s, struct dmaown_bdf *ret)
{
	uint64_t a, b, slot, fn, domain = 0, bus;
	const char *p = s;

	if (!s || !ret)
		return -EINVAL;
	if (parse_hex(&p, 8, &a) || *p++ != ':')
		return -EINVAL;
	if (parse_hex(&p, 2, &b))
		return -EINVAL;
	if (*p == ':') {
		/* DDDD:BB:SS.F */
		p++;
		domain = a;
		bus = b;
		if (parse_hex(&p, 2, &slot))
			return -EINVAL;
	} else {
		/* BB:SS.F */
		if (a > 0xff)
			return -EINVAL;
		bus = a;
		slot = b;
	}
	if (*p++ != '.')
		return -EINVAL;
	if (parse_hex(&p, 1, &fn) || *p)
		return -EINVAL;
	if (bus > 0xff || slot > 0x1f || fn > 7 || domain > 0xffffffffull)
		return -EINVAL;
	ret->domain = (uint32_t)domain;
	ret->bus = (uint8_t)bus;
	ret->devfn = DMAOWN_DEVFN(slot, fn);
	return 0;
}

char *dmaown_bdf_format(struct dmaown_bdf bdf, char buf[DMAOWN_BDF_STRLEN])
{
	snprintf(buf, DMAOWN_BDF_STRLEN, "%04x:%02x:%02x.%x", bdf.domain,
		 bdf.bus, DMAOWN_SLOT(bdf.devfn), DMAOWN_FUNC(bdf.devfn));
	return buf;
}

int dmaown_bdf_cmp(struct dmaown_bdf a, struct dmaown_bdf b)
{
	if (a.domain != b.domain)
		return a.domain < b.domain ? -1 : 1;
	if (a.bus != b.bus)
		return a.bus < b.bus ? -1 : 1;
	if (a.devfn != b.devfn)
		return a.devfn < b.devfn ? -1 : 1;
	return 0;
}

/* ---- records ---------------------------------------------------------- */

void dmaown_dev_init(struct dmaown_dev *d)
{
	memset(d, 0, sizeof(*d));
	d->pcie_type_raw = DMAOWN_PCIE_NONE;
	d->pcie_type = DMAOWN_PCIE_NONE;
	d->parent = -1;
	d->physfn = -1;
	d->vmd_owner = -1;
	d->kernel_group = -1;
	d->acs_known = true;
}

int dmaown_dev_set_str(char **field, const char *value)
{
	char *c = NULL;

	if (value) {
		c = strdup(value);
		if (!c)
			return -ENOMEM;
	}
	free(*field);
	*field = c;
	return 0;
}

static void dev_release(struct dmaown_dev *d)
{
	free(d->driver);
	free(d->driver_override);
	free(d->modalias);
	free(d->name);
	free(d->dma_alias_mask);
}

struct dmaown_topology *dmaown_topology_new(void)
{
	return calloc(1, sizeof(struct dmaown_topology));
}

void dmaown_topology_free(struct dmaown_topology *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++)
		dev_release(&t->devs[i]);
	free(t->devs);
	free(t->host.cmdline);
	free(t->host.kernel_release);
	free(t->host.iommu_kind);
	free(t);
}

int dmaown_topology_add(struct dmaown_topology *t, const struct dmaown_dev *tmpl)
{
	struct dmaown_dev *d;

	if (!t || !tmpl)
		return -EINVAL;
	if (t->finalized)
		return -EBUSY;
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		struct dmaown_dev *nd = realloc(t->devs, ncap * sizeof(*nd));

		if (!nd)
			return -ENOMEM;
		t->devs = nd;
		t->cap = ncap;
	}
	if (!t->n)
		t->sorted = true;
	else if (dmaown_bdf_cmp(t->devs[t->n - 1].bdf, tmpl->bdf) >= 0)
		t->sorted = false;
	d = &t->devs[t->n];
	*d = *tmpl;
	d->driver = d->driver_override = d->modalias = d->name = NULL;
	d->dma_alias_mask = NULL;
	if (dmaown_dev_set_str(&d->driver, tmpl->driver) ||
	    dmaown_dev_set_str(&d->driver_override, tmpl->driver_override) ||
	    dmaown_dev_set_str(&d->modalias, tmpl->modalias) ||
	    dmaown_dev_set_str(&d->name, tmpl->name))
		goto oom;
	if (tmpl->dma_alias_mask) {
		d->dma_alias_mask = malloc(32);
		if (!d->dma_alias_mask)
			goto oom;
		memcpy(d->dma_alias_mask, tmpl->dma_alias_mask, 32);
	}
	return (int)t->n++;
oom:
	dev_release(d);
	return -ENOMEM;
}

size_t dmaown_topology_count(const struct dmaown_topology *t)
{
	return t ? t->n : 0;
}

const struct dmaown_dev *dmaown_topology_dev(const struct dmaown_topology *t,
					     size_t i)
{
	return (t && i < t->n) ? &t->devs[i] : NULL;
}

struct dmaown_dev *dmaown_topology_dev_mut(struct dmaown_topology *t, size_t i)
{
	return (t && i < t->n) ? &t->devs[i] : NULL;
}

struct dmaown_host_info *dmaown_topology_host(struct dmaown_topology *t)
{
	return t ? &t->host : NULL;
}

const struct dmaown_host_info *
dmaown_topology_host_const(const struct dmaown_topology *t)
{
	return t ? &t->host : NULL;
}

int dmaown_topology_find(const struct dmaown_topology *t, struct dmaown_bdf bdf)
{
	size_t lo = 0, hi;

	if (!t)
		return -ENODEV;
	if (!t->finalized && !t->sorted) {
		for (lo = 0; lo < t->n; lo++)
			if (!dmaown_bdf_cmp(t->devs[lo].bdf, bdf))
				return (int)lo;
		return -ENODEV;
	}
	hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = dmaown_bdf_cmp(t->devs[mid].bdf, bdf);

		if (!c)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -ENODEV;
}

/* ---- finalize --------------------------------------------------------- */

static int cmp_dev(const void *a, const void *b)
{
	const struct dmaown_dev *x = a, *y = b;

	return dmaown_bdf_cmp(x->bdf, y->bdf);
}

/* per-domain map from a bus number to the bridge whose secondary it is */
struct busmap {
	uint32_t domain;
	int owner[256];
};

static struct busmap *busmap_get(struct busmap **maps, size_t *n, uint32_t dom)
{
	size_t i;
	struct busmap *m;

	for (i = 0; i < *n; i++)
		if ((*maps)[i].domain == dom)
			return &(*maps)[i];
	m = realloc(*maps, (*n + 1) * sizeof(**maps));
	if (!m)
		return NULL;
	*maps = m;
	m = &m[(*n)++];
	m->domain = dom;
	for (i = 0; i < 256; i++)
		m->owner[i] = -1;
	return m;
}

static bool is_vmd_endpoint(const struct dmaown_dev *d)
{
	/* Intel VMD: vendor 8086, class RAID (0x0104xx), in a normal domain */
	return d->vendor == 0x8086 && (d->class_code >> 8) == 0x0104 &&
	       d->bdf.domain < 0x10000 && d->header_type == 0;
}

static bool downstream_port_type(int type)
{
	return type == DMAOWN_PCIE_ROOT_PORT ||
	       type == DMAOWN_PCIE_DOWNSTREAM ||
	       type == DMAOWN_PCIE_PCI_TO_PCIE;
}

/* set_pcie_port_type(), applied parents first */
static void fix_port_type(struct dmaown_topology *t, size_t i, char *done)
{
	struct dmaown_dev *d = &t->devs[i];
	const struct dmaown_dev *p;

	if (done[i])
		return;
	done[i] = 1;
	d->pcie_type = d->is_pcie ? d->pcie_type_raw : DMAOWN_PCIE_NONE;
	if (!d->is_pcie || d->parent < 0)
		return;
	fix_port_type(t, (size_t)d->parent, done);
	p = &t->devs[d->parent];
	if (d->pcie_type == DMAOWN_PCIE_DOWNSTREAM && p->is_pcie &&
	    downstream_port_type(p->pcie_type)) {
		d->pcie_type = DMAOWN_PCIE_UPSTREAM;
		d->pcie_type_corrected = true;
	} else if (d->pcie_type == DMAOWN_PCIE_UPSTREAM && p->is_pcie &&
		   p->pcie_type == DMAOWN_PCIE_UPSTREAM) {
		d->pcie_type = DMAOWN_PCIE_DOWNSTREAM;
		d->pcie_type_corrected = true;
	}
}

static int vmd_of(struct dmaown_topology *t, size_t i, int depth)
{
	struct dmaown_dev *d = &t->devs[i];

	if (d->vmd_owner >= 0 || depth > 64)
		return d->vmd_owner;
	if (d->parent >= 0)
		d->vmd_owner = vmd_of(t, (size_t)d->parent, depth + 1);
	return d->vmd_owner;
}

int dmaown_topology_finalize(struct dmaown_topology *t, struct dmaown_err *err)
{
	struct busmap *maps = NULL;
	size_t nmaps = 0, i, nvmd = 0;
	int *vmds = NULL;
	uint32_t *vmd_domains = NULL;
	size_t nvmd_domains = 0;
	char *done = NULL, buf[DMAOWN_BDF_STRLEN];
	int r = 0;

	if (!t)
		return -EINVAL;
	if (t->finalized)
		return 0;
	if (t->n)
		qsort(t->devs, t->n, sizeof(*t->devs), cmp_dev);
	t->finalized = true;
	t->sorted = true;
	for (i = 1; i < t->n; i++)
		if (!dmaown_bdf_cmp(t->devs[i - 1].bdf, t->devs[i].bdf)) {
			r = dmaown_err_set(err, -EEXIST,
					   "%s: device listed twice",
					   dmaown_bdf_format(t->devs[i].bdf, buf));
			goto out;
		}

	/* bus owners */
	for (i = 0; i < t->n; i++) {
		struct dmaown_dev *d = &t->devs[i];
		struct busmap *m;

		d->parent = -1;
		d->physfn = -1;
		d->on_root_bus = false;
		d->on_virtual_bus = false;
		if (!d->is_bridge || d->secondary == 0 ||
		    d->secondary <= d->bdf.bus)
			continue;
		m = busmap_get(&maps, &nmaps, d->bdf.domain);
		if (!m) {
			r = -ENOMEM;
			goto out;
		}
		if (m->owner[d->secondary] < 0)
			m->owner[d->secondary] = (int)i;
		if (is_vmd_endpoint(d))
			continue;
	}

	/* VMD endpoints in address order; VMD domains in numeric order */
	vmds = calloc(t->n + 1, sizeof(*vmds));
	vmd_domains = calloc(t->n + 1, sizeof(*vmd_domains));
	done = calloc(t->n + 1, 1);
	if (!vmds || !vmd_domains || !done) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < t->n; i++) {
		struct dmaown_dev *d = &t->devs[i];

		if (is_vmd_endpoint(d))
			vmds[nvmd++] = (int)i;
		if (d->bdf.domain >= 0x10000 &&
		    (!nvmd_domains ||
		     vmd_domains[nvmd_domains - 1] != d->bdf.domain))
			vmd_domains[nvmd_domains++] = d->bdf.domain;
	}

	/* parents: PFs and ordinary devices first, VFs second */
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < t->n; i++) {
			struct dmaown_dev *d = &t->devs[i];
			struct busmap *m = NULL;
			size_t k;

			if ((pass == 0) == d->is_vf)
				continue;
			if (d->is_vf) {
				int pf = dmaown_topology_find(t, d->physfn_bdf);

				if (pf < 0 || t->devs[pf].is_vf) {
					r = dmaown_err_set(err, -EINVAL,
						"%s: virtual function without its physical function",
						dmaown_bdf_format(d->bdf, buf));
					goto out;
				}
				d->physfn = pf;
			}
			if (d->parent_known) {
				if (d->has_parent) {
					int p = dmaown_topology_find(t, d->parent_bdf);

					if (p < 0) {
						r = dmaown_err_set(err, -EINVAL,
							"%s: parent bridge not in the topology",
							dmaown_bdf_format(d->bdf, buf));
						goto out;
					}
					if (t->devs[p].bdf.domain != d->bdf.domain) {
						/* VMD child: root bus of a VMD domain */
						d->vmd_owner = p;
						d->on_root_bus = true;
					} else {
						d->parent = p;
					}
				} else {
					d->on_root_bus = true;
				}
				if (!d->is_vf || d->parent < 0 ||
				    t->devs[d->parent].secondary == d->bdf.bus)
					continue;
				/* VF on a bus its parent does not own */
				d->parent = -1;
			} else {
				for (k = 0; k < nmaps; k++)
					if (maps[k].domain == d->bdf.domain)
						m = &maps[k];
				if (m && m->owner[d->bdf.bus] >= 0 &&
				    m->owner[d->bdf.bus] != (int)i) {
					d->parent = m->owner[d->bdf.bus];
					continue;
				}
				if (!d->is_vf) {
					d->on_root_bus = true;
					continue;
				}
			}
			/* VF on a virtual bus: fall through to its PF's bus */
			if (d->is_vf && d->bdf.bus != t->devs[d->physfn].bdf.bus) {
				const struct dmaown_dev *pf = &t->devs[d->physfn];

				d->on_virtual_bus = true;
				d->parent = pf->parent;
				d->on_root_bus = pf->on_root_bus;
			} else if (d->is_vf) {
				const struct dmaown_dev *pf = &t->devs[d->physfn];

				d->parent = pf->parent;
				d->on_root_bus = pf->on_root_bus;
			}
		}
	}

	/* guard against cycles from corrupt input */
	for (i = 0; i < t->n; i++) {
		int p = t->devs[i].parent, steps = 0;

		while (p >= 0 && steps < 300) {
			p = t->devs[p].parent;
			steps++;
		}
		if (p >= 0) {
			r = dmaown_err_set(err, -EINVAL,
					   "%s: bridge chain loops (corrupt bus numbers)",
					   dmaown_bdf_format(t->devs[i].bdf, buf));
			goto out;
		}
	}

	/* VMD owners for sources without sysfs paths */
	for (i = 0; i < t->n; i++) {
		struct dmaown_dev *d = &t->devs[i];

		if (d->bdf.domain >= 0x10000 && d->parent < 0 &&
		    d->vmd_owner < 0) {
			size_t k;

			for (k = 0; k < nvmd_domains && k < nvmd; k++)
				if (vmd_domains[k] == d->bdf.domain)
					d->vmd_owner = vmds[k];
		}
	}
	for (i = 0; i < t->n; i++)
		vmd_of(t, i, 0);

	for (i = 0; i < t->n; i++)
		fix_port_type(t, i, done);

	for (i = 0; i < t->n; i++) {
		struct dmaown_dev *d = &t->devs[i];

		if (d->is_vf)
			d->multifunction = false;
		else
			d->multifunction = d->hdr_multifunction ||
					   DMAOWN_FUNC(d->bdf.devfn) != 0 ||
					   (d->ari && d->bdf.devfn != 0);
	}
out:
	free(maps);
	free(vmds);
	free(vmd_domains);
	free(done);
	return r;
}

/* ---- scan order ------------------------------------------------------- */

struct order_ctx {
	const struct dmaown_topology *t;
	size_t *out;
	size_t n;
	char *seen;
	size_t *first_child;	/* per parent+1: bucket start */
	size_t *children;
};

static void order_bus(struct order_ctx *c, int parent_plus1, uint32_t domain,
		      int vmd, bool root)
{
	size_t s = c->first_child[parent_plus1];
	size_t e = c->first_child[parent_plus1 + 1];
	size_t k;

	for (k = s; k < e; k++) {
		size_t i = c->children[k];
		const struct dmaown_dev *d = &c->t->devs[i];

		if (c->seen[i] || d->is_vf)
			continue;
		if (root && (d->bdf.domain != domain || d->vmd_owner != vmd ||
			     !d->on_root_bus))
			continue;
		c->seen[i] = 1;
		c->out[c->n++] = i;
	}
	for (k = s; k < e; k++) {
		size_t i = c->children[k];
		const struct dmaown_dev *d = &c->t->devs[i];

		if (d->is_bridge && !d->is_vf && c->seen[i] &&
		    (!root || (d->bdf.domain == domain && d->vmd_owner == vmd)))
			order_bus(c, (int)i + 1, domain, vmd, false);
	}
}

int dmaown_topology_scan_order(const struct dmaown_topology *t, size_t **ret)
{
	struct order_ctx c = { .t = t };
	size_t i, n = t ? t->n : 0, *cnt;

	if (!t || !ret)
		return -EINVAL;
	c.out = calloc(n + 1, sizeof(size_t));
	c.seen = calloc(n + 1, 1);
	c.first_child = calloc(n + 2, sizeof(size_t));
	c.children = calloc(n + 1, sizeof(size_t));
	cnt = calloc(n + 2, sizeof(size_t));
	if (!c.out || !c.seen || !c.first_child || !c.children || !cnt) {
		free(c.out);
		free(c.seen);
		free(c.first_child);
		free(c.children);
		free(cnt);
		return -ENOMEM;
	}
	/* bucket devices by parent index + 1 (0 = root buses) */
	for (i = 0; i < n; i++)
		cnt[t->devs[i].parent + 1]++;
	for (i = 0; i <= n; i++)
		c.first_child[i + 1] = c.first_child[i] + cnt[i];
	memset(cnt, 0, (n + 2) * sizeof(size_t));
	for (i = 0; i < n; i++) {
		size_t b = (size_t)(t->devs[i].parent + 1);

		c.children[c.first_child[b] + cnt[b]++] = i;
	}
	/* ordinary root buses by domain, then VMD domains, then VFs */
	for (int vmdpass = 0; vmdpass < 2; vmdpass++)
		for (i = 0; i < n; i++) {
			const struct dmaown_dev *d = &t->devs[i];

			if (c.seen[i] || d->is_vf || !d->on_root_bus ||
			    (d->vmd_owner >= 0) != vmdpass)
				continue;
			order_bus(&c, 0, d->bdf.domain, d->vmd_owner, true);
		}
	for (i = 0; i < n; i++)
		if (!c.seen[i] && !t->devs[i].is_vf) {
			/* orphans (bridge chain through unseen devices) */
			c.seen[i] = 1;
			c.out[c.n++] = i;
		}
	for (i = 0; i < n; i++)
		if (!c.seen[i]) {
			c.seen[i] = 1;
			c.out[c.n++] = i;
		}
	free(c.seen);
	free(c.first_child);
	free(c.children);
	free(cnt);
	*ret = c.out;
	return 0;
}

/* ---- partitions ------------------------------------------------------- */

struct dmaown_groups *dmaown_groups_new(size_t ndevs)
{
	struct dmaown_groups *g = calloc(1, sizeof(*g));
	size_t i;

	if (!g)
		return NULL;
	g->ndevs = ndevs;
	g->group_of = malloc((ndevs + 1) * sizeof(int));
	if (!g->group_of) {
		free(g);
		return NULL;
	}
	for (i = 0; i < ndevs; i++)
		g->group_of[i] = -1;
	return g;
}

void dmaown_groups_free(struct dmaown_groups *g)
{
	size_t i;

	if (!g)
		return;
	if (g->why)
		for (i = 0; i < g->ngroups; i++)
			free(g->why[i]);
	free(g->why);
	free(g->kernel_id);
	free(g->group_of);
	free(g);
}

int dmaown_groups_from_kernel(const struct dmaown_topology *t,
			      struct dmaown_groups **ret)
{
	struct dmaown_groups *g;
	size_t i, j;
	int maxid = -1;
	int *map;

	if (!t || !ret)
		return -EINVAL;
	g = dmaown_groups_new(t->n);
	if (!g)
		return -ENOMEM;
	for (i = 0; i < t->n; i++)
		if (t->devs[i].kernel_group > maxid)
			maxid = t->devs[i].kernel_group;
	map = malloc(((size_t)maxid + 2) * sizeof(int));
	g->kernel_id = malloc(((size_t)maxid + 2) * sizeof(int));
	g->why = calloc((size_t)maxid + 2, sizeof(char *));
	if (!map || !g->kernel_id || !g->why) {
		free(map);
		dmaown_groups_free(g);
		return -ENOMEM;
	}
	for (j = 0; j < (size_t)maxid + 1; j++)
		map[j] = -1;
	for (i = 0; i < t->n; i++) {
		int k = t->devs[i].kernel_group;

		if (k < 0)
			continue;
		if (map[k] < 0) {
			map[k] = (int)g->ngroups;
			g->kernel_id[g->ngroups++] = k;
		}
		g->group_of[i] = map[k];
	}
	free(map);
	*ret = g;
	return 0;
}

bool dmaown_groups_equal(const struct dmaown_groups *a,
			 const struct dmaown_groups *b)
{
	int *ab, *ba;
	size_t i;
	bool eq = true;

	if (!a || !b || a->ndevs != b->ndevs)
		return false;
	ab = malloc((a->ngroups + 1) * sizeof(int));
	ba = malloc((b->ngroups + 1) * sizeof(int));
	if (!ab || !ba) {
		free(ab);
		free(ba);
		return false;
	}
	for (i = 0; i < a->ngroups; i++)
		ab[i] = -1;
	for (i = 0; i < b->ngroups; i++)
		ba[i] = -1;
	for (i = 0; i < a->ndevs && eq; i++) {
		int x = a->group_of[i], y = b->group_of[i];

		if ((x < 0) != (y < 0)) {
			eq = false;
		} else if (x >= 0) {
			if (ab[x] < 0 && ba[y] < 0) {
				ab[x] = y;
				ba[y] = x;
			} else if (ab[x] != y || ba[y] != x) {
				eq = false;
			}
		}
	}
	free(ab);
	free(ba);
	return eq;
}

int dmaown_groups_members(const struct dmaown_groups *gs, size_t g,
			  size_t **ret)
{
	size_t i, n = 0, *out;

	if (!gs || !ret || g >= gs->ngroups)
		return -EINVAL;
	out = malloc((gs->ndevs + 1) * sizeof(size_t));
	if (!out)
		return -ENOMEM;
	for (i = 0; i < gs->ndevs; i++)
		if (gs->group_of[i] == (int)g)
			out[n++] = i;
	*ret = out;
	return (int)n;
}
