// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-predict.c - every spec/groups.md §6 case (tests/fixtures/groups)
 * in kernel and spec mode, plus malformed DSL input.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dmaown/p2p.h"
#include "dmaown/predict.h"
#include "topo-dsl.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "tests/fixtures/groups"
#endif

static void run_model(const char *path, struct dsl_case *c, int model)
{
	struct dmaown_predict_opts o = {
		.model = model,
		.cmdline = c->cmdline,
		.acs_input = c->acs_input,
	};
	struct dmaown_groups *g = NULL;
	char msg[2048] = "";
	int w;

	assert_int_equal(dmaown_predict(c->t, &o, &g), 0);
	if (!dsl_check(c, model, g, msg, sizeof(msg)))
		fail_msg("%s (%s mode): %s", path, model ? "spec" : "kernel",
			 msg);
	for (w = 0; w < c->nwhy; w++) {
		int i = dmaown_topology_find(c->t, c->why[w].bdf);
		const char *why;

		if (c->why[w].model != model)
			continue;
		assert_true(i >= 0);
		assert_true(g->group_of[i] >= 0);
		why = g->why[g->group_of[i]];
		assert_non_null(why);
		if (!strstr(why, c->why[w].text))
			fail_msg("%s (%s): why '%s' lacks '%s'", path,
				 model ? "spec" : "kernel", why,
				 c->why[w].text);
	}
	/* every device in exactly one group (or none without IOMMU) */
	for (size_t i = 0; i < g->ndevs; i++) {
		if (c->expect_none)
			assert_int_equal(g->group_of[i], -1);
		else if (c->expect[DMAOWN_MODEL_KERNEL][i] == -1)
			assert_int_equal(g->group_of[i], -1);
		else
			assert_true(g->group_of[i] >= 0 &&
				    (size_t)g->group_of[i] < g->ngroups);
	}
	if (!c->expect_none && model == DMAOWN_MODEL_KERNEL && g->kernel_id)
		for (size_t k = 0; k < g->ngroups; k++)
			assert_int_equal(g->kernel_id[k], (int)k);
	dmaown_groups_free(g);
}

/* the weakness report of the kernel prediction against the domains */
static void check_weaknesses(const char *path, struct dsl_case *c)
{
	struct dmaown_predict_opts o = {
		.cmdline = c->cmdline,
		.acs_input = c->acs_input,
	};
	struct dmaown_groups *kg = NULL, *sg = NULL;
	struct dmaown_weakness *w = NULL;
	struct dmaown_p2p *p = NULL;
	size_t nw = 0, a, b, k;
	bool narrower = false;
	int e;

	assert_int_equal(dmaown_predict(c->t, &o, &kg), 0);
	o.model = DMAOWN_MODEL_SPEC;
	assert_int_equal(dmaown_predict(c->t, &o, &sg), 0);
	o.model = DMAOWN_MODEL_KERNEL;
	assert_int_equal(dmaown_p2p_new(c->t, &o, &p), 0);
	assert_int_equal(dmaown_p2p_weaknesses(p, kg, &w, &nw), 0);
	for (a = 0; a < kg->ndevs; a++)
		for (b = 0; b < kg->ndevs; b++)
			if (kg->group_of[a] >= 0 &&
			    sg->group_of[a] == sg->group_of[b] &&
			    kg->group_of[a] != kg->group_of[b])
				narrower = true;
	if (narrower != (nw > 0))
		fail_msg("%s: kernel narrower: %d, weaknesses: %zu", path,
			 narrower, nw);
	for (k = 0; k < nw; k++)
		if (w[k].kind == DMAOWN_WEAK_OTHER)
			fail_msg("%s: unexplained weakness: %s", path,
				 w[k].sentence);
	for (e = 0; e < c->nweak; e++) {
		for (k = 0; k < nw; k++)
			if (!strcmp(dmaown_weak_kind_name(w[k].kind),
				    c->weak[e]))
				break;
		if (k == nw)
			fail_msg("%s: no weakness of kind %s", path,
				 c->weak[e]);
	}
	free(w);
	dmaown_p2p_free(p);
	dmaown_groups_free(kg);
	dmaown_groups_free(sg);
}

static void test_fixture(void **state)
{
	const char *path = *state;
	struct dsl_case c;
	struct dmaown_err err = { 0 };

	if (dsl_load(path, &c, &err))
		fail_msg("%s", err.msg);
	run_model(path, &c, DMAOWN_MODEL_KERNEL);
	run_model(path, &c, DMAOWN_MODEL_SPEC);
	check_weaknesses(path, &c);
	dsl_free(&c);
}

static const struct {
	const char *text, *want;
} bad[] = {
	{ "dev 00:01.0 rp\n", "bad.topo:1: bridge without sec=BUS" },
	{ "\n\ndev 00:01.0 wat\n", "bad.topo:3: unknown device type 'wat'" },
	{ "dev 00:01 ep\n", "bad.topo:1: bad device address '00:01'" },
	{ "dev 00:01.0 ep acs=zz\n",
	  "bad.topo:1: bad device attribute 'acs=zz'" },
	{ "dev 00:01.0 ep\ndev 00:01.0 ep\n", "device listed twice" },
	{ "dev 00:01.0 ep\nexpect kernel {00:01.0\n",
	  "bad.topo:2: missing '}'" },
	{ "dev 00:01.0 ep\nexpect kernel {00:02.0}\n",
	  "bad.topo:2: 00:02.0 is not a device" },
	{ "dev 00:01.0 ep\ndev 00:02.0 ep\nexpect kernel {00:01.0}\n",
	  "bad.topo:3: 0000:00:02.0 is in no expected group" },
	{ "frobnicate\n", "bad.topo:1: unknown directive 'frobnicate'" },
	{ "dev 01:00.0 ep vf=01:00.7\n",
	  "virtual function without its physical function" },
	{ "dev 00:01.0 rp sec=1\ndev 01:00.0 rp sec=1\n", NULL },
};

static void test_bad_input(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct dsl_case c;
		struct dmaown_err err = { 0 };
		int r = dsl_load_string("bad.topo", bad[k].text, &c, &err);

		if (!bad[k].want) {
			/* odd but loadable: must predict without crashing */
			struct dmaown_groups *g = NULL;

			if (!r) {
				assert_int_equal(dmaown_predict(c.t, NULL, &g),
						 0);
				dmaown_groups_free(g);
				dsl_free(&c);
			}
			continue;
		}
		assert_true(r < 0);
		if (!strstr(err.msg, bad[k].want))
			fail_msg("case %zu: '%s' lacks '%s'", k, err.msg,
				 bad[k].want);
		assert_null(strchr(err.msg, '\n'));
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	const char *dir = getenv("GROUPS_FIXTURES") ?
				  getenv("GROUPS_FIXTURES") :
				  FIXTURE_DIR;
	struct CMUnitTest *tests;
	char **paths = NULL;
	size_t n = 0, k;
	struct dirent *e;
	DIR *d = opendir(dir);
	int r;

	if (!d) {
		fprintf(stderr, "%s: cannot open fixture directory\n", dir);
		return 1;
	}
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		char **np;

		if (l < 6 || strcmp(e->d_name + l - 5, ".topo"))
			continue;
		np = realloc(paths, (n + 1) * sizeof(*paths));
		if (!np)
			return 1;
		paths = np;
		if (asprintf(&paths[n], "%s/%s", dir, e->d_name) < 0)
			return 1;
		n++;
	}
	closedir(d);
	qsort(paths, n, sizeof(*paths), cmp_str);
	if (n < 53) {
		fprintf(stderr, "%s: only %zu fixtures, expected 53\n", dir, n);
		return 1;
	}
	tests = calloc(n + 1, sizeof(*tests));
	if (!tests)
		return 1;
	for (k = 0; k < n; k++) {
		tests[k].name = strrchr(paths[k], '/') + 1;
		tests[k].test_func = test_fixture;
		tests[k].initial_state = paths[k];
	}
	tests[n].name = "bad_input";
	tests[n].test_func = test_bad_input;
	r = _cmocka_run_group_tests("predict", tests, n + 1, NULL, NULL);
	for (k = 0; k < n; k++)
		free(paths[k]);
	free(paths);
	free(tests);
	return r;
}
