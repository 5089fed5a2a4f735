// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-script.c - step-script parser, runner and the model backend.
 *
 * The spec/real-kernel.md ownership table (observed on Debian 6.1 under
 * QEMU) is reproduced on its "Example topology" built in code: group 4 =
 * 00:12.0 (PCIe-to-PCI bridge) 06:01.0 06:02.0 (e1000).
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
#include "dmaown/script.h"

/* ---- parser ------------------------------------------------------------- */

static int parse(const char *text, struct dmaown_script **s,
		 struct dmaown_err *err)
{
	dmaown_err_clear(err);
	return dmaown_script_parse("t.steps", text, strlen(text), s, err);
}

static void parse_ok(void **state)
{
	struct dmaown_script *s;
	struct dmaown_err err;
	const char *text = "# comment\n"
			   "\n"
			   "bind 06:01.0 vfio-pci => ok   # trailing\n"
			   "  unbind   0000:06:02.0\n"
			   "hold 06:01.0 => EPERM\n"
			   "release 06:01.0 => ok\n"
			   "remove 06:02.0 => ok\n"
			   "rescan\n"
			   "expect-driver 06:02.0 => none\n"
			   "expect-driver 06:02.0 => e1000\n"
			   "expect-viable 06:01.0 => yes\n"
			   "expect-viable 06:01.0 => no";

	assert_int_equal(parse(text, &s, &err), 0);
	assert_int_equal(s->nsteps, 10);
	assert_int_equal(s->steps[0].verb, DMAOWN_STEP_BIND);
	assert_int_equal(s->steps[0].line, 3);
	assert_string_equal(s->steps[0].driver, "vfio-pci");
	assert_string_equal(s->steps[0].text, "bind 06:01.0 vfio-pci");
	assert_true(s->steps[0].has_expect);
	assert_int_equal(s->steps[0].expect_err, 0);
	assert_false(s->steps[1].has_expect);
	assert_string_equal(s->steps[1].text, "unbind 0000:06:02.0");
	assert_int_equal(s->steps[1].bdf.bus, 6);
	assert_int_equal(s->steps[1].bdf.devfn, 0x10);
	assert_int_equal(s->steps[2].expect_err, -EPERM);
	assert_int_equal(s->steps[5].verb, DMAOWN_STEP_RESCAN);
	assert_null(s->steps[6].expect_driver);
	assert_string_equal(s->steps[7].expect_driver, "e1000");
	assert_true(s->steps[8].expect_viable);
	assert_false(s->steps[9].expect_viable);
	assert_int_equal(s->steps[9].line, 12);
	dmaown_script_free(s);

	assert_int_equal(parse("", &s, &err), 0);
	assert_int_equal(s->nsteps, 0);
	dmaown_script_free(s);
}

static void parse_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "frob 06:01.0", "t.steps:1: unknown verb 'frob'" },
		{ "\n\nbind 6:1.0.0 e1000",
		  "t.steps:3: malformed BDF '6:1.0.0'" },
		{ "bind 06:20.0 e1000", "t.steps:1: malformed BDF" },
		{ "bind 06:01.0",
		  "t.steps:1: bind: missing argument (DRIVER)" },
		{ "unbind", "t.steps:1: unbind: missing argument (BDF)" },
		{ "rescan 06:01.0", "t.steps:1: rescan: unexpected argument" },
		{ "unbind 06:01.0 x",
		  "t.steps:1: unbind: unexpected argument 'x'" },
		{ "bind 06:01.0 e1000 => EWHAT",
		  "t.steps:1: bad outcome 'EWHAT'" },
		{ "bind 06:01.0 e1000 =>", "t.steps:1: missing outcome" },
		{ "bind 06:01.0 e1000 => ok ok",
		  "t.steps:1: bad outcome 'ok ok'" },
		{ "expect-driver 06:01.0", "t.steps:1: expect-driver needs" },
		{ "expect-viable 06:01.0 => maybe",
		  "t.steps:1: bad outcome 'maybe'" },
		{ "expect-driver 06:01.0 => e/1",
		  "t.steps:1: bad driver name" },
		{ "bind 06:01.0 ../x", "t.steps:1: bad driver name" },
		{ "=> ok", "t.steps:1: outcome without a step" },
		{ "ok\nbind 06:01.0 a b c d e",
		  "t.steps:1: unknown verb 'ok'" },
		{ "rescan\nbind 06:01.0 a b c d e",
		  "t.steps:2: bind: unexpected" },
	};
	struct dmaown_script *s = NULL;
	struct dmaown_err err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].text, &s, &err), -EINVAL);
		if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)))
			fail_msg("case %zu: got '%s', want '%s'", i, err.msg,
				 cases[i].msg);
		assert_null(strchr(err.msg, '\n'));
	}
	/* a NUL byte */
	dmaown_err_clear(&err);
	assert_int_equal(
		dmaown_script_parse("t.steps", "rescan\n\0x\n", 10, &s, &err),
		-EINVAL);
	assert_string_equal(err.msg, "t.steps:2: NUL byte");
}

/* ---- the example topology ----------------------------------------------- */

static void add(struct dmaown_topology *t, const char *bdf, int group,
		const char *driver, bool bridge, uint8_t sec)
{
	struct dmaown_dev d;

	dmaown_dev_init(&d);
	assert_int_equal(dmaown_bdf_parse(bdf, &d.bdf), 0);
	d.vendor = 0x8086;
	d.device = 0x100e;
	d.class_code = bridge ? 0x060400 : 0x020000;
	d.header_type = bridge ? 1 : 0;
	d.is_bridge = bridge;
	d.secondary = sec;
	d.subordinate = sec;
	d.is_pcie = bridge;
	d.pcie_type_raw = bridge ? DMAOWN_PCIE_PCIE_TO_PCI : DMAOWN_PCIE_NONE;
	d.kernel_group = group;
	d.driver = (char *)driver;
	assert_true(dmaown_topology_add(t, &d) >= 0);
}

static struct dmaown_topology *example(void)
{
	struct dmaown_topology *t = dmaown_topology_new();

	assert_non_null(t);
	add(t, "00:00.0", 0, NULL, false, 0);
	add(t, "00:12.0", 4, NULL, true, 6);
	add(t, "06:01.0", 4, "e1000", false, 0);
	add(t, "06:02.0", 4, "e1000", false, 0);
	add(t, "00:1e.0", -1, "e1000", false, 0); /* behind no IOMMU */
	assert_int_equal(dmaown_topology_finalize(t, NULL), 0);
	dmaown_topology_host(t)->iommu_present = true;
	return t;
}

struct run {
	int ret;
	char *out;
	struct dmaown_script_result res;
	struct dmaown_err err;
};

static struct run run_script(const char *profile, const char *text)
{
	static const char *const loaded[] = { "e1000", "vfio-pci", "pci-stub",
					      "pcieport", NULL };
	struct dmaown_topology *t = example();
	struct dmaown_sim_config cfg = { 0 };
	struct dmaown_sim_model *m;
	struct dmaown_groups *g;
	struct dmaown_sim_backend be;
	struct dmaown_script *s;
	struct run r = { 0 };
	size_t len;
	FILE *f;
	char why[256];

	assert_int_equal(dmaown_groups_from_kernel(t, &g), 0);
	cfg.topo = t;
	cfg.groups = g;
	cfg.profile = dmaown_profile_get(profile);
	cfg.loaded = loaded;
	assert_int_equal(dmaown_sim_model_new(&cfg, &m, &r.err), 0);
	dmaown_sim_model_backend(m, &be);
	assert_int_equal(
		dmaown_script_parse("ex.steps", text, strlen(text), &s, &r.err),
		0);
	f = open_memstream(&r.out, &len);
	assert_non_null(f);
	r.ret = dmaown_script_run(s, &be, f, &r.res, &r.err);
	fclose(f);
	if (dmaown_engine_check(dmaown_sim_model_engine(m), why, sizeof(why)))
		fail_msg("invariant after run: %s", why);
	dmaown_script_free(s);
	dmaown_sim_model_free(m);
	dmaown_groups_free(g);
	dmaown_topology_free(t);
	return r;
}

/* spec/real-kernel.md, "DMA ownership, observed on 6.1 (group 4 above)" */
static const char real_kernel_table[] = "bind 06:01.0 vfio-pci => ok\n"
					"expect-driver 06:02.0 => e1000\n"
					"expect-viable 06:01.0 => no\n"
					"hold 06:01.0 => EPERM\n"
					"bind 06:02.0 pci-stub => ok\n"
					"expect-viable 06:01.0 => yes\n"
					"hold 06:01.0 => ok\n"
					"bind 06:02.0 e1000 => EBUSY\n"
					"expect-driver 06:02.0 => none\n"
					"remove 06:02.0 => ok\n"
					"rescan => ok\n"
					"expect-driver 06:02.0 => none\n"
					"expect-viable 06:02.0 => yes\n"
					"release 06:01.0 => ok\n"
					"bind 06:02.0 e1000 => ok\n"
					"expect-driver 06:02.0 => e1000\n";

static void real_kernel_ownership_table(void **state)
{
	struct run r = run_script(*state, real_kernel_table);

	if (r.ret)
		fail_msg("%s", r.out);
	assert_int_equal(r.res.nsteps, 16);
	assert_int_equal(r.res.nexpect, 16);
	assert_int_equal(r.res.nmismatch, 0);
	assert_non_null(strstr(r.out, "hold 06:01.0 => EPERM\n"));
	assert_non_null(strstr(r.out, "bind 06:02.0 e1000 => EBUSY\n"));
	free(r.out);
}

/* the last VFIO device of a held group is unbound: 6.1+ releases */
static void last_vfio_unbind_per_profile(void **state)
{
	const char *text = "bind 06:01.0 vfio-pci\n"
			   "bind 06:02.0 pci-stub\n"
			   "hold 06:01.0 => ok\n"
			   "unbind 06:01.0 => ok\n"
			   "bind 06:02.0 e1000 => %s\n"
			   "release 06:01.0 => ok\n"
			   "bind 06:02.0 e1000 => ok\n";
	char buf[512];
	struct run r;

	snprintf(buf, sizeof(buf), text, "ok");
	r = run_script("6.1", buf);
	if (r.ret)
		fail_msg("%s", r.out);
	free(r.out);
	snprintf(buf, sizeof(buf), text, "EBUSY");
	r = run_script("5.19", buf);
	if (r.ret)
		fail_msg("%s", r.out);
	free(r.out);
}

static void mismatch_reported(void **state)
{
	struct run r = run_script("latest", "bind 06:01.0 vfio-pci => EBUSY\n"
					    "expect-viable 06:01.0 => yes\n"
					    "expect-driver 06:01.0 => e1000\n"
					    "unbind 06:01.0\n");

	assert_int_equal(r.ret, 1);
	assert_int_equal(r.res.nmismatch, 3);
	assert_int_equal(r.res.nexpect, 3);
	assert_int_equal(r.res.first_mismatch_line, 1);
	assert_string_equal(
		r.out,
		"bind 06:01.0 vfio-pci => ok  MISMATCH (expected EBUSY)\n"
		"expect-viable 06:01.0 => no  MISMATCH (expected yes)\n"
		"expect-driver 06:01.0 => vfio-pci  MISMATCH (expected e1000)\n"
		"unbind 06:01.0 => ok\n");
	free(r.out);
}

static void model_errnos(void **state)
{
	struct run r = run_script(
		"latest",
		"bind 06:01.0 nvme => ENOENT\n" /* not loaded */
		"hold 06:01.0 => ENOENT\n" /* no VFIO group */
		"release 06:01.0 => EBADF\n" /* nothing held */
		"bind 00:12.0 pcieport => ENODEV\n" /* not a PCIe port */
		"remove 06:01.0 => ok\n"
		"remove 06:01.0 => ENODEV\n"
		"bind 06:01.0 e1000 => ENODEV\n"
		"expect-driver 06:01.0 => none\n" /* gone: ENODEV */
		"rescan => ok\n"
		"expect-driver 06:01.0 => e1000\n" /* native re-probe */
		"bind 00:1e.0 vfio-pci => EINVAL\n" /* no IOMMU group */
		"expect-viable 00:1e.0 => no\n"
		"hold 00:1e.0 => ENOENT\n"
		"bind 00:1e.0 e1000 => ok\n"
		"bind 06:01.0 vfio-pci => ok\n"
		"hold 06:01.0 => EPERM\n");

	assert_int_equal(r.ret, 1);
	assert_int_equal(r.res.nmismatch, 1);
	assert_int_equal(r.res.first_mismatch_line, 8);
	assert_non_null(strstr(
		r.out,
		"expect-driver 06:01.0 => ENODEV  MISMATCH (expected none)\n"));
	free(r.out);
}

static void unknown_device(void **state)
{
	struct run r = run_script("latest", "bind 06:01.0 vfio-pci\n"
					    "unbind 09:00.0\n");

	assert_int_equal(r.ret, -ENODEV);
	assert_string_equal(r.err.msg, "ex.steps:2: no device 0000:09:00.0");
	assert_string_equal(r.out, ""); /* nothing was run */
	free(r.out);
}

static int nop_bind(void *ctx, struct dmaown_bdf b, const char *d)
{
	return 0;
}

static void bad_backend(void **state)
{
	struct dmaown_sim_backend be = { .bind = nop_bind };
	struct dmaown_script *s;
	struct dmaown_err err;

	assert_int_equal(parse("rescan", &s, &err), 0);
	assert_int_equal(dmaown_script_run(s, &be, NULL, NULL, NULL), -EINVAL);
	dmaown_script_free(s);
}

static void seed_mismatch(void **state)
{
	struct dmaown_topology *t = example();
	struct dmaown_groups *g = dmaown_groups_new(2);
	struct dmaown_sim_config cfg = { .topo = t, .groups = g };
	struct dmaown_sim_model *m = NULL;
	struct dmaown_err err = { 0 };

	assert_int_equal(dmaown_sim_model_new(&cfg, &m, &err), -EINVAL);
	assert_null(m);
	assert_non_null(strstr(err.msg, "partition"));
	dmaown_groups_free(g);
	dmaown_topology_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_ok),
		cmocka_unit_test(parse_errors),
		cmocka_unit_test_prestate(real_kernel_ownership_table,
					  (void *)"6.1"),
		cmocka_unit_test_prestate(real_kernel_ownership_table,
					  (void *)"5.19"),
		cmocka_unit_test_prestate(real_kernel_ownership_table,
					  (void *)"latest"),
		cmocka_unit_test(last_vfio_unbind_per_profile),
		cmocka_unit_test(mismatch_reported),
		cmocka_unit_test(model_errnos),
		cmocka_unit_test(unknown_device),
		cmocka_unit_test(bad_backend),
		cmocka_unit_test(seed_mismatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
