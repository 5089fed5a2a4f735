// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-grouping-property.c - random topologies (seeded, deterministic):
 *  - every P2P-reachable pair lies inside one spec-mode group;
 *  - kernel groups are wider than spec groups only around a PCIe-to-PCI
 *    bridge without MMIO (§1.9);
 *  - wherever kernel groups are narrower, the weakness report names the
 *    place with a known kind (DSP peers, partial-ACS MFD, SR-IOV PF).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dmaown/p2p.h"
#include "dmaown/predict.h"

struct gen {
	struct dmaown_topology *t;
	uint64_t s;
	int nextbus;
};

static unsigned int rnd(struct gen *g, unsigned int n)
{
	g->s = g->s * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned int)(g->s >> 33) % n;
}

static void add(struct gen *g, int bus, int slot, int fn, int type, bool bridge,
		int sec, bool mf, int acs, bool mmio)
{
	struct dmaown_dev d;

	dmaown_dev_init(&d);
	d.bdf.bus = (uint8_t)bus;
	d.bdf.devfn = DMAOWN_DEVFN(slot, fn);
	d.is_pcie = type != DMAOWN_PCIE_NONE;
	d.pcie_type_raw = type;
	d.is_bridge = bridge;
	d.header_type = bridge;
	d.secondary = d.subordinate = (uint8_t)sec;
	d.hdr_multifunction = mf;
	d.vendor = 0x1234;
	d.device = 0x0001;
	if (acs) {
		d.acs_pos = 0x100;
		d.acs_cap = 0x1f;
		d.acs_ctrl = acs == 1 ? 0x1f : 0x11; /* 2: RR/CR off */
	}
	if (mmio) {
		d.nbars = 1;
		d.bar[0].is_mem = true;
		d.bar[0].size = 0x1000;
	}
	dmaown_topology_add(g->t, &d);
}

static void endpoint_slot(struct gen *g, int bus, int slot, int depth);

static void below_port(struct gen *g, int bus, int depth)
{
	unsigned int k = rnd(g, depth > 2 ? 2 : 5), i, n;
	int sec;

	if (k <= 1) {
		endpoint_slot(g, bus, 0, depth);
	} else if (k == 2 || k == 3) {
		/* switch */
		sec = g->nextbus++;
		add(g, bus, 0, 0, DMAOWN_PCIE_UPSTREAM, true, sec, false, 0,
		    false);
		n = 1 + rnd(g, 3);
		for (i = 0; i < n; i++) {
			int s2 = g->nextbus++;

			add(g, sec, (int)i, 0, DMAOWN_PCIE_DOWNSTREAM, true, s2,
			    false, (int)rnd(g, 3), rnd(g, 2));
			below_port(g, s2, depth + 1);
		}
	} else {
		/* PCIe-to-PCI bridge with conventional devices */
		sec = g->nextbus++;
		add(g, bus, 0, 0, DMAOWN_PCIE_PCIE_TO_PCI, true, sec, false, 0,
		    rnd(g, 2));
		n = 1 + rnd(g, 3);
		for (i = 0; i < n; i++)
			add(g, sec, (int)i, 0, DMAOWN_PCIE_NONE, false, 0,
			    false, 0, true);
	}
}

static void endpoint_slot(struct gen *g, int bus, int slot, int depth)
{
	unsigned int nf = 1 + rnd(g, 3), f, nvf, v;

	for (f = 0; f < nf; f++)
		add(g, bus, slot, (int)f, DMAOWN_PCIE_ENDPOINT, false, 0,
		    nf > 1 && f == 0, (int)rnd(g, 2) * (int)rnd(g, 3), true);
	if (nf == 1 && rnd(g, 3) == 0) {
		/* SR-IOV PF: VFs on the same bus */
		struct dmaown_dev d;

		nvf = 1 + rnd(g, 4);
		for (v = 0; v < nvf; v++) {
			dmaown_dev_init(&d);
			d.bdf.bus = (uint8_t)bus;
			d.bdf.devfn = DMAOWN_DEVFN(slot + 1, v);
			d.is_pcie = true;
			d.pcie_type_raw = DMAOWN_PCIE_ENDPOINT;
			d.is_vf = true;
			d.physfn_bdf.bus = (uint8_t)bus;
			d.physfn_bdf.devfn = DMAOWN_DEVFN(slot, 0);
			d.vendor = 0x1234;
			dmaown_topology_add(g->t, &d);
		}
	}
	(void)depth;
}

static struct dmaown_topology *generate(uint64_t seed)
{
	struct gen g = { .t = dmaown_topology_new(), .s = seed, .nextbus = 1 };
	unsigned int nrp = 1 + rnd(&g, 4), i;
	int slot = 1;

	for (i = 0; i < nrp; i++) {
		bool mfslot = rnd(&g, 4) == 0;
		int nf = mfslot ? 2 : 1, f;

		for (f = 0; f < nf; f++) {
			int sec = g.nextbus++;

			add(&g, 0, slot, f, DMAOWN_PCIE_ROOT_PORT, true, sec,
			    mfslot && f == 0, (int)rnd(&g, 3), false);
			below_port(&g, sec, 0);
		}
		slot++;
	}
	if (rnd(&g, 2))
		endpoint_slot(&g, 0, 0x1f, 0);
	assert_int_equal(dmaown_topology_finalize(g.t, NULL), 0);
	return g.t;
}

static bool bridge_no_mmio(const struct dmaown_dev *d)
{
	return d->pcie_type == DMAOWN_PCIE_PCIE_TO_PCI && d->nbars == 0;
}

/* print the topology and both partitions (on failure) */
static void dump(const struct dmaown_topology *t,
		 const struct dmaown_groups *kg, const struct dmaown_groups *sg)
{
	size_t i;
	char b[DMAOWN_BDF_STRLEN];

	for (i = 0; i < dmaown_topology_count(t); i++) {
		const struct dmaown_dev *d = dmaown_topology_dev(t, i);

		fprintf(stderr,
			"  %s type %d%s%s acs %d/%04x vf %d sec %02x mmio %d  kernel %d spec %d\n",
			dmaown_bdf_format(d->bdf, b), d->pcie_type,
			d->is_bridge ? " bridge" : "",
			d->multifunction ? " mf" : "", d->acs_pos != 0,
			d->acs_ctrl, d->is_vf, d->secondary, d->nbars,
			kg->group_of[i], sg->group_of[i]);
	}
}

static void check_one(uint64_t seed)
{
	struct dmaown_topology *t = generate(seed);
	struct dmaown_predict_opts ko = { .model = DMAOWN_MODEL_KERNEL };
	struct dmaown_predict_opts so = { .model = DMAOWN_MODEL_SPEC };
	struct dmaown_groups *kg, *sg;
	struct dmaown_weakness *w = NULL;
	struct dmaown_p2p *p;
	size_t n = dmaown_topology_count(t), a, b, nw = 0, k;
	bool narrower = false;

	assert_int_equal(dmaown_predict(t, &ko, &kg), 0);
	assert_int_equal(dmaown_predict(t, &so, &sg), 0);
	assert_int_equal(dmaown_p2p_new(t, &ko, &p), 0);
	for (a = 0; a < n; a++) {
		assert_true(kg->group_of[a] >= 0);
		assert_true(sg->group_of[a] >= 0);
		for (b = 0; b < n; b++) {
			struct dmaown_p2p_path path;
			bool sk = kg->group_of[a] == kg->group_of[b];
			bool ss = sg->group_of[a] == sg->group_of[b];
			int r;

			if (a == b)
				continue;
			r = dmaown_p2p_reach(p, a, b, &path);
			assert_true(r == 0 || r == 1);
			if (r == 1 && !ss)
				dump(t, kg, sg);
			if (r == 1 && !ss)
				fail_msg(
					"seed %llu: %zu reaches %zu (%s) across spec groups",
					(unsigned long long)seed, a, b,
					dmaown_p2p_kind_name(path.kind));
			if (r == 1)
				assert_true(path.nhops >= 2);
			if (sk && !ss &&
			    !bridge_no_mmio(dmaown_topology_dev(t, a)) &&
			    !bridge_no_mmio(dmaown_topology_dev(t, b))) {
				dump(t, kg, sg);
				fail_msg(
					"seed %llu: kernel wider than spec at %zu/%zu",
					(unsigned long long)seed, a, b);
			}
			if (ss && !sk)
				narrower = true;
		}
	}
	assert_int_equal(dmaown_p2p_weaknesses(p, kg, &w, &nw), 0);
	if (narrower && !nw)
		fail_msg("seed %llu: kernel narrower but no weakness reported",
			 (unsigned long long)seed);
	if (!narrower && nw)
		fail_msg("seed %llu: weakness '%s' without a split",
			 (unsigned long long)seed, w[0].sentence);
	for (k = 0; k < nw; k++) {
		if (w[k].kind == DMAOWN_WEAK_OTHER)
			dump(t, kg, sg);
		if (w[k].kind == DMAOWN_WEAK_OTHER)
			fail_msg("seed %llu: unexplained split: %s",
				 (unsigned long long)seed, w[k].sentence);
		assert_true(w[k].ndevs >= 1);
	}
	free(w);
	dmaown_p2p_free(p);
	dmaown_groups_free(kg);
	dmaown_groups_free(sg);
	dmaown_topology_free(t);
}

static void test_random(void **state)
{
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 3000; seed++)
		check_one(seed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
