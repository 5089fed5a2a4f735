// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * src-busnum.c - bridge bus numbers for sources that lack them
 *
 * `lspci -nnk` and `lspci -nn` print no "Bus: primary=.. secondary=.."
 * lines, so nothing says which bridge a device sits behind.  Firmware and
 * Linux number buses depth first: the bridges of a bus in devfn order,
 * each bridge's secondary bus the next free number, its subtree numbered
 * before its next sibling.  We replay that numbering over the buses that
 * have devices:
 *
 *  1. plain DFS: every bridge takes exactly one new number (an empty slot
 *     still takes one); a populated bus beyond the numbers the bridges of
 *     the domain can reach starts a new root bus only when it looks like
 *     one (a host bridge, or endpoints on several slots): a lone device on
 *     a bus of its own sits behind a bridge;
 *  2. with gaps: firmware reserving bus numbers for hotplug (Thunderbolt,
 *     hotplug slots) breaks (1); each populated bus is then matched to the
 *     nearest preceding unassigned bridge in DFS order, backtracking to
 *     earlier ones when a later bus would be left without an owner;
 *  3. if both fail, the bridges keep no bus numbers and the devices are
 *     marked parent_unknown.
 *
 * Bridges whose numbers the text did give are constraints: their
 * secondary bus can only be owned by them.  Devices whose link rests on
 * (1) or (2) are marked parent_inferred.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "src-internal.h"

#define BUSNUM_MAX_STEPS 200000

struct bsearch {
	struct dmaown_dev **v;
	const bool *known;
	size_t n;
	int *br;		/* bridge records of the domain */
	size_t nbr;
	int *on_bus[256];	/* bridges on each bus, devfn order */
	size_t non_bus[256];
	int known_owner[256];	/* bus -> bridge whose Bus: line names it */
	int pops[256];		/* populated buses, ascending */
	size_t npop;
	bool root_like[256];
	int *sec;		/* per record: inferred secondary, -1 none */
	bool gaps;		/* rule 2 allowed */
	unsigned long steps;
};

static int cmp_devfn(const void *a, const void *b, void *ctx)
{
	struct dmaown_dev **v = ctx;
	int x = *(const int *)a, y = *(const int *)b;

	return (int)v[x]->bdf.devfn - (int)v[y]->bdf.devfn;
}

/* insertion sort: at most 256 bridges per bus, no qsort_r portability */
static void sort_bridges(struct bsearch *s, int *a, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		int x = a[i];

		for (j = i; j > 0 && cmp_devfn(&a[j - 1], &x, s->v) > 0; j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

/* give the bridges cand[0..cnt) consecutive numbers from *next (empty) */
static void number_empty(struct bsearch *s, const int *cand, size_t cnt,
			 int *next)
{
	size_t i;

	for (i = 0; i < cnt; i++) {
		int b = cand[i];

		if (s->known[b])
			continue;
		s->sec[b] = *next <= 255 ? (*next)++ : -1;
	}
}

/*
 * Process populated bus pops[k] with the DFS candidates cand[0..m)
 * (unassigned bridges in DFS order) and next free bus number @next.
 * Return: 1 solved, 0 no solution, -ENOMEM.
 */
static int solve(struct bsearch *s, size_t k, const int *cand, size_t m,
		 int next)
{
	int P, reach, r = 0;
	size_t j, lo, hi, nc;
	int *nxt;
	bool try_root;

	if (++s->steps > BUSNUM_MAX_STEPS)
		return 0;
	if (k == s->npop) {
		number_empty(s, cand, m, &next);
		return 1;
	}
	P = s->pops[k];
	reach = P - next + 1;		/* >= 1: next <= P always */
	nxt = malloc((s->nbr + 1) * sizeof(*nxt));
	if (!nxt)
		return -ENOMEM;

	/* a new root bus: the first bus, or beyond what the bridges reach */
	try_root = k == 0 || ((size_t)reach > m && s->root_like[P] &&
			      s->known_owner[P] < 0);
	if (try_root) {
		int nx = next;

		number_empty(s, cand, m, &nx);
		if (s->non_bus[P])
			memcpy(nxt, s->on_bus[P],
			       s->non_bus[P] * sizeof(*nxt));
		r = solve(s, k + 1, nxt, s->non_bus[P], P + 1);
		if (r || k == 0)
			goto out;
	}

	/* candidate positions (1-based): plain DFS allows only reach */
	if (s->gaps) {
		lo = 1;
		hi = (size_t)reach < m ? (size_t)reach : m;
		if (s->known_owner[P] >= 0)
			hi = m;
	} else {
		lo = hi = (size_t)reach;
		if (hi > m)
			goto out;
	}
	for (j = hi; j >= lo && !r; j--) {
		int b = cand[j - 1], nx = next;

		if (s->known_owner[P] >= 0 ? s->known_owner[P] != b :
					     s->known[b])
			continue;
		number_empty(s, cand, j - 1, &nx);
		s->sec[b] = P;
		nc = s->non_bus[P];
		if (nc)
			memcpy(nxt, s->on_bus[P], nc * sizeof(*nxt));
		if (m > j)
			memcpy(nxt + nc, cand + j, (m - j) * sizeof(*nxt));
		r = solve(s, k + 1, nxt, nc + m - j, P + 1);
	}
out:
	free(nxt);
	return r;
}

static int subordinate(struct bsearch *s, int b, int depth)
{
	int sub = s->sec[b], i = s->sec[b];
	size_t j;

	if (i < 0 || depth > 256)
		return i;
	for (j = 0; j < s->non_bus[i]; j++) {
		int c = s->on_bus[i][j], x;

		if (s->known[c])
			x = s->v[c]->subordinate;
		else
			x = subordinate(s, c, depth + 1);
		if (x > sub)
			sub = x;
	}
	return sub;
}

static void mark(struct bsearch *s, uint32_t dom, int lowest, bool unknown)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct dmaown_dev *d = s->v[i];

		if (d->bdf.domain != dom || d->bdf.bus == lowest ||
		    s->known_owner[d->bdf.bus] >= 0)
			continue;
		if (unknown)
			d->parent_unknown = true;
		else
			d->parent_inferred = true;
	}
}

static int infer_domain(struct bsearch *s, uint32_t dom,
			enum dmaown_bus_numbers *how)
{
	bool need = false, pop[256] = { false };
	size_t i, b, slots[256] = { 0 };
	bool endpoint[256] = { false };
	int lowest = -1, r = 0, *cand = NULL;
	uint32_t slotmask[256] = { 0 };

	s->nbr = 0;
	s->npop = 0;
	for (b = 0; b < 256; b++) {
		s->non_bus[b] = 0;
		s->known_owner[b] = -1;
		s->root_like[b] = false;
	}
	for (i = 0; i < s->n; i++) {
		struct dmaown_dev *d = s->v[i];

		s->sec[i] = -1;
		if (d->bdf.domain != dom || d->is_vf)
			continue;
		pop[d->bdf.bus] = true;
		slotmask[d->bdf.bus] |= 1u << DMAOWN_SLOT(d->bdf.devfn);
		if ((d->class_code >> 8) == 0x0600)
			s->root_like[d->bdf.bus] = true;
		if (!d->is_bridge) {
			endpoint[d->bdf.bus] = true;
			continue;
		}
		s->br[s->nbr++] = (int)i;
		s->non_bus[d->bdf.bus]++;
		if (!s->known[i])
			need = true;
		else if (d->secondary > d->bdf.bus &&
			 s->known_owner[d->secondary] < 0)
			s->known_owner[d->secondary] = (int)i;
	}
	if (!need)
		return 0;
	for (b = 0; b < 256; b++) {
		uint32_t x = slotmask[b];

		while (x) {
			slots[b]++;
			x &= x - 1;
		}
		if (slots[b] >= 2 && endpoint[b])
			s->root_like[b] = true;
		if (pop[b]) {
			if (lowest < 0)
				lowest = (int)b;
			s->pops[s->npop++] = (int)b;
		}
		if (!s->non_bus[b])
			continue;
		s->on_bus[b] = malloc(s->non_bus[b] * sizeof(int));
		if (!s->on_bus[b]) {
			r = -ENOMEM;
			goto out;
		}
		s->non_bus[b] = 0;
	}
	for (i = 0; i < s->nbr; i++) {
		int x = s->br[i];
		unsigned int bus = s->v[x]->bdf.bus;

		s->on_bus[bus][s->non_bus[bus]++] = x;
	}
	for (b = 0; b < 256; b++)
		if (s->non_bus[b] > 1)
			sort_bridges(s, s->on_bus[b], s->non_bus[b]);

	cand = malloc(sizeof(int));
	if (!cand) {
		r = -ENOMEM;
		goto out;
	}
	s->gaps = false;
	s->steps = 0;
	r = solve(s, 0, cand, 0, lowest);
	if (!r) {
		s->gaps = true;
		s->steps = 0;
		r = solve(s, 0, cand, 0, lowest);
		if (r > 0 && *how < DMAOWN_BUSNUM_GAPS)
			*how = DMAOWN_BUSNUM_GAPS;
	} else if (r > 0 && *how < DMAOWN_BUSNUM_DFS) {
		*how = DMAOWN_BUSNUM_DFS;
	}
	if (r < 0)
		goto out;
	if (!r) {
		*how = DMAOWN_BUSNUM_UNKNOWN;
		mark(s, dom, lowest, true);
		goto out;
	}
	for (i = 0; i < s->nbr; i++) {
		int x = s->br[i];
		struct dmaown_dev *d = s->v[x];

		if (s->known[x])
			continue;
		if (s->sec[x] <= (int)d->bdf.bus) {
			d->secondary = d->subordinate = 0;
			continue;
		}
		d->secondary = (uint8_t)s->sec[x];
		d->subordinate = (uint8_t)subordinate(s, x, 0);
	}
	mark(s, dom, lowest, false);
	r = 0;
out:
	for (b = 0; b < 256; b++) {
		free(s->on_bus[b]);
		s->on_bus[b] = NULL;
		s->non_bus[b] = 0;
	}
	free(cand);
	return r;
}

int src_infer_buses(struct dmaown_dev **v, const bool *known, size_t n,
		    enum dmaown_bus_numbers *how)
{
	struct bsearch s = { .v = v, .known = known, .n = n };
	size_t i, j;
	int r = 0;

	s.br = malloc((n + 1) * sizeof(int));
	s.sec = malloc((n + 1) * sizeof(int));
	if (!s.br || !s.sec) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n && r >= 0; i++) {
		for (j = 0; j < i; j++)
			if (v[j]->bdf.domain == v[i]->bdf.domain)
				break;
		if (j == i)
			r = infer_domain(&s, v[i]->bdf.domain, how);
	}
out:
	free(s.br);
	free(s.sec);
	return r < 0 ? r : 0;
}
