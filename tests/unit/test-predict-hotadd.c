// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-predict-hotadd.c - dmaown_predict_hotadd() (spec/groups.md §1.4
 * on hot-add) and the sim model's rescan that uses it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dmaown/ownership.h"
#include "dmaown/predict.h"
#include "dmaown/script.h"
#include "topo-dsl.h"

/*
 * 01: a 3-function endpoint under an ACS root port, header bit only on
 *     fn0 (QEMU multifunction=on); 08: the same with the bit on fn1 too
 * 04: behind a DSP without ACS; 05: behind a DSP with ACS
 * 07: conventional devices behind a PCIe-to-PCI bridge (ACS root port)
 */
static const char topo[] = "dev 00:01.0 rp sec=1 acs=001f/001f\n"
			   "dev 01:00.0 ep mf\n"
			   "dev 01:00.1 ep\n"
			   "dev 01:00.2 ep\n"
			   "dev 00:02.0 rp sec=2 acs=001f/001f\n"
			   "dev 02:00.0 usp sec=3\n"
			   "dev 03:00.0 dsp sec=4\n"
			   "dev 03:01.0 dsp sec=5 acs=001f/001f\n"
			   "dev 04:00.0 ep\n"
			   "dev 05:00.0 ep\n"
			   "dev 00:03.0 rp sec=6 acs=001f/001f\n"
			   "dev 06:00.0 pcie2pci sec=7 id=1b36:000e\n"
			   "dev 07:01.0 pci\n"
			   "dev 07:02.0 pci\n"
			   "dev 00:04.0 rp sec=8 acs=001f/001f\n"
			   "dev 08:00.0 ep mf\n"
			   "dev 08:00.1 ep mf\n";

struct fx {
	struct dsl_case c;
	struct dmaown_groups *g; /* boot partition, edited by the tests */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct dmaown_err err = { 0 };

	assert_non_null(f);
	if (dsl_load_string("hotadd", topo, &f->c, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(dmaown_predict(f->c.t, NULL, &f->g), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	dmaown_groups_free(f->g);
	dsl_free(&f->c);
	free(f);
	return 0;
}

static size_t idx(struct fx *f, const char *s)
{
	struct dmaown_bdf b;
	int i;

	assert_int_equal(dmaown_bdf_parse(s, &b), 0);
	i = dmaown_topology_find(f->c.t, b);
	assert_true(i >= 0);
	return (size_t)i;
}

static int grp(struct fx *f, const char *s)
{
	return f->g->group_of[idx(f, s)];
}

/* remove @s from the partition, then predict its hot-add */
static int readd(struct fx *f, const char *s, const size_t *order)
{
	size_t i = idx(f, s);
	int g = -7;

	f->g->group_of[i] = -1;
	assert_int_equal(
		dmaown_predict_hotadd(f->c.t, f->g, order, i, NULL, &g), 0);
	return g;
}

static void boot_groups(void **state)
{
	struct fx *f = *state;

	/* the boot partition the hot-add cases start from */
	assert_int_equal(grp(f, "01:00.0"), grp(f, "01:00.1"));
	assert_int_equal(grp(f, "01:00.0"), grp(f, "01:00.2"));
	assert_int_not_equal(grp(f, "01:00.0"), grp(f, "00:01.0"));
	assert_int_equal(grp(f, "04:00.0"), grp(f, "03:00.0"));
	assert_int_not_equal(grp(f, "05:00.0"), grp(f, "03:01.0"));
	assert_int_equal(grp(f, "07:01.0"), grp(f, "06:00.0"));
	assert_int_equal(grp(f, "08:00.0"), grp(f, "08:00.1"));
}

/* fn1 without the header bit under an ACS port: a new group */
static void fn_without_bit_alone(void **state)
{
	struct fx *f = *state;

	assert_int_equal(readd(f, "01:00.1", NULL), -1);
	assert_int_equal(readd(f, "01:00.2", NULL), -1);
}

/* fn0 has the bit: the function search finds its siblings' group */
static void fn0_rejoins(void **state)
{
	struct fx *f = *state;
	int g0 = grp(f, "01:00.0");

	assert_int_equal(readd(f, "01:00.0", NULL), g0);
}

/*
 * fn1 and fn2 came back in groups 100 and 101; fn0 then joins the one
 * found first in registration order (for_each_pci_dev())
 */
static void fn0_follows_registration_order(void **state)
{
	struct fx *f = *state;
	size_t n = f->g->ndevs, *order = malloc(n * sizeof(*order)), k, w = 0;
	size_t f1 = idx(f, "01:00.1"), f2 = idx(f, "01:00.2");

	assert_non_null(order);
	f->g->group_of[f1] = 100;
	f->g->group_of[f2] = 101;
	assert_int_equal(readd(f, "01:00.0", NULL), 100);
	/* fn2 re-added before fn1: fn2 is earlier on the device list */
	for (k = 0; k < n; k++)
		if (k != f1 && k != f2)
			order[w++] = k;
	order[w++] = f2;
	order[w++] = f1;
	assert_int_equal(readd(f, "01:00.0", order), 101);
	/* no sibling left: a new group */
	f->g->group_of[f1] = f->g->group_of[f2] = -1;
	assert_int_equal(readd(f, "01:00.0", order), -1);
	free(order);
}

/* the ACS climb stops at a DSP without ACS, which has a group */
static void behind_noacs_dsp(void **state)
{
	struct fx *f = *state;

	assert_int_equal(readd(f, "04:00.0", NULL), grp(f, "03:00.0"));
	assert_int_equal(readd(f, "05:00.0", NULL), -1);
}

/* the DMA-alias walk reaches the PCIe-to-PCI bridge */
static void behind_pcie_to_pci(void **state)
{
	struct fx *f = *state;

	assert_int_equal(readd(f, "07:02.0", NULL), grp(f, "06:00.0"));
}

/*
 * With the bridge declared isolated (pcie_acs_override=id:, an
 * out-of-tree patch) the ACS climb stops below it: only the alias walk
 * still puts its children in its group
 */
static void alias_walk_alone(void **state)
{
	struct fx *f = *state;
	struct dmaown_predict_opts o = {
		.cmdline = "pcie_acs_override=id:1b36:000e"
	};
	struct dmaown_groups *g = NULL;
	size_t i = idx(f, "07:02.0");
	int r = -7;

	assert_int_equal(dmaown_predict(f->c.t, &o, &g), 0);
	assert_int_equal(g->group_of[i], g->group_of[idx(f, "06:00.0")]);
	g->group_of[i] = -1;
	assert_int_equal(dmaown_predict_hotadd(f->c.t, g, NULL, i, &o, &r), 0);
	assert_int_equal(r, g->group_of[idx(f, "06:00.0")]);
	dmaown_groups_free(g);
}

/* fn1 with the header bit rejoins fn0's group */
static void fn_with_bit_rejoins(void **state)
{
	struct fx *f = *state;

	assert_int_equal(readd(f, "08:00.1", NULL), grp(f, "08:00.0"));
}

static void errors(void **state)
{
	struct fx *f = *state;
	struct dmaown_predict_opts spec = { .model = DMAOWN_MODEL_SPEC };
	struct dmaown_predict_opts off = { .cmdline = "intel_iommu=off" };
	struct dmaown_groups bad = *f->g;
	size_t i = idx(f, "01:00.1");
	int g;

	f->g->group_of[i] = -1;
	assert_int_equal(
		dmaown_predict_hotadd(f->c.t, f->g, NULL, i, &spec, &g),
		-EOPNOTSUPP);
	assert_int_equal(dmaown_predict_hotadd(f->c.t, f->g, NULL, i, &off, &g),
			 -ENODEV);
	assert_int_equal(dmaown_predict_hotadd(f->c.t, f->g, NULL, f->g->ndevs,
					       NULL, &g),
			 -EINVAL);
	bad.ndevs--;
	assert_int_equal(dmaown_predict_hotadd(f->c.t, &bad, NULL, i, NULL, &g),
			 -EINVAL);
}

/* the sim model regroups on rescan and names groups by membership */
static void sim_rescan_regroups(void **state)
{
	static const char steps[] = "bind 01:00.1 e1000e => ok\n"
				    "bind 01:00.2 e1000e => ok\n"
				    "bind 01:00.0 vfio-pci => ok\n"
				    "hold 01:00.0 => EPERM\n"
				    "remove 01:00.1 => ok\n"
				    "remove 01:00.2 => ok\n"
				    "rescan => ok\n"
				    "bind 01:00.1 e1000e => ok\n"
				    "bind 01:00.2 e1000e => ok\n"
				    "expect-viable 01:00.0 => yes\n"
				    "hold 01:00.0 => ok\n"
				    "release 01:00.0 => ok\n"
				    "remove 01:00.0 => ok\n"
				    "rescan => ok\n"
				    "bind 01:00.0 vfio-pci => ok\n"
				    "expect-viable 01:00.0 => no\n"
				    "hold 01:00.0 => EPERM\n"
				    "bind 01:00.1 vfio-pci => ok\n"
				    "hold 01:00.1 => ok\n"
				    "remove 04:00.0 => ok\n"
				    "rescan => ok\n"
				    "bind 04:00.0 vfio-pci => ok\n"
				    "hold 04:00.0 => ok\n";
	struct fx *f = *state;
	struct dmaown_sim_config cfg = { .topo = f->c.t, .groups = f->g };
	struct dmaown_sim_model *m = NULL;
	struct dmaown_sim_backend be;
	struct dmaown_script_result res;
	struct dmaown_script *s = NULL;
	struct dmaown_err err = { 0 };
	struct dmaown_dev_info i0, i1, i2;
	struct dmaown_engine *eng;
	size_t ng, len = 0;
	char *out = NULL, why[256];
	FILE *o = open_memstream(&out, &len);
	int r;

	assert_non_null(o);
	assert_int_equal(dmaown_sim_model_new(&cfg, &m, &err), 0);
	eng = dmaown_sim_model_engine(m);
	ng = dmaown_engine_ngroups(eng);
	dmaown_sim_model_backend(m, &be);
	assert_int_equal(dmaown_script_parse("hotadd.steps", steps,
					     strlen(steps), &s, &err),
			 0);
	r = dmaown_script_run(s, &be, o, &res, &err);
	fclose(o);
	if (r)
		fail_msg("%s", out);
	assert_int_equal(res.nmismatch, 0);
	/* fn1 and fn2 each got a new engine group; fn0 joined fn1's */
	assert_int_equal(dmaown_engine_ngroups(eng), ng + 2);
	assert_int_equal(
		dmaown_dev_info(eng, dmaown_sim_model_dev(m, idx(f, "01:00.0")),
				&i0),
		0);
	assert_int_equal(
		dmaown_dev_info(eng, dmaown_sim_model_dev(m, idx(f, "01:00.1")),
				&i1),
		0);
	assert_int_equal(
		dmaown_dev_info(eng, dmaown_sim_model_dev(m, idx(f, "01:00.2")),
				&i2),
		0);
	assert_int_equal(i0.group, i1.group);
	assert_int_not_equal(i1.group, i2.group);
	assert_true(i1.group >= (int)ng && i2.group >= (int)ng);
	if (dmaown_engine_check(eng, why, sizeof(why)))
		fail_msg("invariant: %s", why);
	free(out);
	dmaown_script_free(s);
	dmaown_sim_model_free(m);
}

/* the engine half: re-adding into another group moves the member */
static void engine_readd_group(void **state)
{
	struct dmaown_engine *eng;
	int g0, g1, d0, d1;
	struct dmaown_group_info gi;
	char why[256];

	(void)state;
	assert_int_equal(dmaown_engine_new(NULL, &eng), 0);
	assert_int_equal(dmaown_group_new(eng, 0, &g0), 0);
	assert_int_equal(dmaown_dev_new(eng, "a", g0, 0, &d0), 0);
	assert_int_equal(dmaown_dev_new(eng, "b", g0, 0, &d1), 0);
	assert_int_equal(dmaown_dev_readd_group(eng, d1, g0), -EEXIST);
	assert_int_equal(dmaown_dev_remove(eng, d1), 0);
	assert_int_equal(dmaown_dev_readd_group(eng, d1, 99), -ENOENT);
	assert_int_equal(dmaown_group_new(eng, 0, &g1), 0);
	assert_int_equal(dmaown_dev_readd_group(eng, d1, g1), 0);
	assert_int_equal(dmaown_group_info(eng, g0, &gi), 0);
	assert_int_equal(gi.ndevs, 1);
	assert_int_equal(dmaown_group_info(eng, g1, &gi), 0);
	assert_int_equal(gi.ndevs, 1);
	/* g0 is viable for VFIO with b (DMA driver) gone from it */
	assert_int_equal(dmaown_dev_bind(eng, d1, "e1000e", 0), 0);
	assert_int_equal(dmaown_group_claim(eng, g0, 1), 0);
	assert_int_equal(dmaown_group_release(eng, g0), 0);
	/* a plain re-add goes back to the new home */
	assert_int_equal(dmaown_dev_remove(eng, d1), 0);
	assert_int_equal(dmaown_dev_readd(eng, d1), 0);
	assert_int_equal(dmaown_group_info(eng, g1, &gi), 0);
	assert_int_equal(gi.ndevs, 1);
	if (dmaown_engine_check(eng, why, sizeof(why)))
		fail_msg("invariant: %s", why);
	dmaown_engine_free(eng);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(boot_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(fn_without_bit_alone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(fn0_rejoins, setup, teardown),
		cmocka_unit_test_setup_teardown(fn0_follows_registration_order,
						setup, teardown),
		cmocka_unit_test_setup_teardown(behind_noacs_dsp, setup,
						teardown),
		cmocka_unit_test_setup_teardown(behind_pcie_to_pci, setup,
						teardown),
		cmocka_unit_test_setup_teardown(alias_walk_alone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(fn_with_bit_rejoins, setup,
						teardown),
		cmocka_unit_test_setup_teardown(errors, setup, teardown),
		cmocka_unit_test_setup_teardown(sim_rescan_regroups, setup,
						teardown),
		cmocka_unit_test(engine_readd_group),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
