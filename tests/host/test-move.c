// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-move.c - whole-group moves on fake roots: round trip, a failure
 * injected at every step of assign and release, kill -9 after every
 * host write followed by recover, the lock, dry run versus real run,
 * persistence, and the fake kernel's answers.  Never touches /sys.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dmaown/host.h"
#include "dmaown/journal.h"
#include "dmaown/move.h"
#include "dmaown/persist.h"
#include "fakeroot.h"

#define G4 "0000:06:01.0"

static struct dmaown_bdf bdf(const char *s)
{
	struct dmaown_bdf b;

	assert_int_equal(dmaown_bdf_parse(s, &b), 0);
	return b;
}

struct env {
	char *root;
	char state[PATH_MAX];
	struct dmaown_topology *t;
	char *before; /* fake_state() at the start */
};

static void env_init(struct env *e)
{
	e->root = fake_root_new();
	snprintf(e->state, sizeof(e->state), "%s/run/dmaown", e->root);
	e->t = fake_topology();
	e->before = fake_state(e->root);
}

static void env_fini(struct env *e)
{
	free(e->before);
	dmaown_topology_free(e->t);
	fake_root_free(e->root);
}

static struct dmaown_state *state_open(struct env *e)
{
	struct dmaown_state *s;

	assert_int_equal(dmaown_state_open(e->state, NULL, &s, NULL), 0);
	assert_int_equal(dmaown_state_lock(s, 0, NULL), 0);
	return s;
}

static struct dmaown_host *host(struct env *e)
{
	struct dmaown_host *h;

	assert_int_equal(dmaown_host_open(e->root, &h), 0);
	assert_true(dmaown_host_is_fake(h));
	return h;
}

static struct dmaown_move_plan *plan(struct env *e, const char *driver,
				     bool persist)
{
	struct dmaown_assign_opts o = { .driver = driver, .persist = persist };
	struct dmaown_move_plan *p;
	struct dmaown_host *h = host(e);

	o.target_loaded = dmaown_host_driver_loaded(h, driver) == 1;
	dmaown_host_free(h);
	assert_int_equal(dmaown_move_plan_assign(e->t, bdf(G4), &o, &p, NULL),
			 0);
	return p;
}

/* run an assign in this process; returns the errno */
static int do_assign(struct env *e, const char *driver, bool persist,
		     struct dmaown_move_report *rep)
{
	struct dmaown_move_plan *p = plan(e, driver, persist);
	struct dmaown_state *s = state_open(e);
	struct dmaown_host *h = host(e);
	struct dmaown_err err = { 0 };
	int r;

	r = dmaown_move_assign(h, s, p, rep, &err);
	dmaown_host_free(h);
	dmaown_state_close(s);
	dmaown_move_plan_free(p);
	return r;
}

static int do_release(struct env *e, bool persist,
		      struct dmaown_move_report *rep)
{
	struct dmaown_move_plan *rec, *p;
	struct dmaown_state *s = state_open(e);
	struct dmaown_host *h = host(e);
	int r;

	assert_int_equal(dmaown_state_load(s, 4, &rec, NULL), 0);
	assert_int_equal(
		dmaown_move_plan_release(rec, bdf(G4), persist, &p, NULL), 0);
	r = dmaown_move_release(h, s, p, rep, NULL);
	dmaown_move_plan_free(rec);
	dmaown_move_plan_free(p);
	dmaown_host_free(h);
	dmaown_state_close(s);
	return r;
}

static int do_recover(struct env *e, int *done)
{
	struct dmaown_move_report rep;
	struct dmaown_state *s = state_open(e);
	struct dmaown_host *h = host(e);
	int r;

	r = dmaown_move_recover(h, s, &rep, done, NULL);
	dmaown_move_report_free(&rep);
	dmaown_host_free(h);
	dmaown_state_close(s);
	return r;
}

static int nrecords(struct env *e)
{
	struct dmaown_state *s;
	int *g = NULL, n;

	assert_int_equal(dmaown_state_open(e->state, NULL, &s, NULL), 0);
	n = dmaown_state_groups(s, &g);
	free(g);
	dmaown_state_close(s);
	return n;
}

static void assert_original(struct env *e)
{
	char *now = fake_state(e->root);

	assert_string_equal(now, e->before);
	free(now);
	assert_int_equal(nrecords(e), 0);
}

static const char assigned_state[] = "0000:00:00.0 - -\n"
				     "0000:00:10.0 pcieport -\n"
				     "0000:00:12.0 - -\n"
				     "0000:00:13.0 e1000 -\n"
				     "0000:01:00.0 e1000e -\n"
				     "0000:06:01.0 vfio-pci vfio-pci\n"
				     "0000:06:02.0 vfio-pci vfio-pci\n";

/* ---- plans ------------------------------------------------------------ */

static void test_plan(void **unused)
{
	struct env e;
	struct dmaown_move_plan *p;
	struct dmaown_err err = { 0 };

	(void)unused;
	env_init(&e);
	p = plan(&e, "vfio-pci", false);
	assert_int_equal(p->group, 4);
	assert_int_equal(p->ndevs, 3);
	assert_true(p->load_target);
	assert_false(p->devs[0].move); /* 00:12.0 bridge */
	assert_int_equal(p->devs[0].why, DMAOWN_WHY_BRIDGE);
	assert_true(p->devs[1].move);
	assert_int_equal(p->devs[1].why, DMAOWN_WHY_DMA_API);
	assert_string_equal(p->devs[1].before, "e1000");
	assert_string_equal(p->devs[1].after, "vfio-pci");
	dmaown_move_plan_free(p);

	/* bad input: no group, unknown device, unsupported driver */
	assert_int_equal(
		dmaown_move_plan_assign(e.t, bdf("00:13.0"), NULL, &p, &err),
		-ENOENT);
	assert_non_null(strstr(err.msg, "0000:00:13.0 has no IOMMU group"));
	dmaown_err_clear(&err);
	assert_int_equal(
		dmaown_move_plan_assign(e.t, bdf("00:1f.0"), NULL, &p, &err),
		-ENODEV);
	assert_non_null(strstr(err.msg, "0000:00:1f.0"));
	dmaown_err_clear(&err);
	{
		struct dmaown_assign_opts o = { .driver = "e1000" };

		assert_int_equal(
			dmaown_move_plan_assign(e.t, bdf(G4), &o, &p, &err),
			-EINVAL);
		assert_non_null(strstr(err.msg, "e1000"));
	}
	env_fini(&e);
}

static void test_record_parse(void **unused)
{
	struct dmaown_move_plan *p, *q;
	struct dmaown_err err = { 0 };
	struct env e;
	char *a, *b;

	(void)unused;
	env_init(&e);
	p = plan(&e, "vfio-pci", true);
	assert_int_equal(dmaown_record_format(p, &a), 0);
	assert_int_equal(dmaown_record_parse("x", a, &q, &err), 0);
	assert_int_equal(dmaown_record_format(q, &b), 0);
	assert_string_equal(a, b);
	free(a);
	free(b);
	dmaown_move_plan_free(q);
	dmaown_move_plan_free(p);
	assert_int_equal(
		dmaown_record_parse(
			"rec",
			"dmaown-record 1\nop assign\ngroup 4\ndev 0000:06:01.0 move=1\n",
			&q, &err),
		-EINVAL);
	assert_non_null(strstr(err.msg, "rec:4"));
	dmaown_err_clear(&err);
	assert_int_equal(dmaown_record_parse("rec", "garbage", &q, &err),
			 -EINVAL);
	env_fini(&e);
}

/* ---- the fake kernel -------------------------------------------------- */

static void test_fake_kernel(void **unused)
{
	struct env e;
	struct dmaown_host *h;
	char drv[64];
	bool viable;

	(void)unused;
	env_init(&e);
	h = host(&e);
	/* vfio-pci not loaded: bind file missing */
	assert_int_equal(dmaown_host_bind(h, bdf(G4), "vfio-pci"), -ENOENT);
	assert_int_equal(dmaown_host_load_module(h, "vfio_pci"), 0);
	assert_int_equal(dmaown_host_driver_loaded(h, "vfio-pci"), 1);
	/* bound already; then no override: vfio-pci does not match */
	assert_int_equal(dmaown_host_unbind(h, bdf(G4), "e1000e"), -ENODEV);
	assert_int_equal(dmaown_host_unbind(h, bdf(G4), "e1000"), 0);
	assert_int_equal(dmaown_host_bind(h, bdf(G4), "vfio-pci"), -ENODEV);
	assert_int_equal(dmaown_host_set_override(h, bdf(G4), "vfio-pci"), 0);
	assert_int_equal(dmaown_host_bind(h, bdf(G4), "vfio-pci"), 0);
	assert_int_equal(dmaown_host_bind(h, bdf(G4), "vfio-pci"), -EBUSY);
	assert_int_equal(dmaown_host_driver(h, bdf(G4), drv, sizeof(drv)), 0);
	assert_string_equal(drv, "vfio-pci");
	/* 06:02.0 still on e1000: not viable (owner_cnt 1) */
	assert_int_equal(dmaown_host_vfio_viable(h, 4, &viable, NULL), 0);
	assert_false(viable);
	/* a user owns group 4: e1000 cannot bind (dma_configure EBUSY) */
	assert_int_equal(dmaown_host_unbind(h, bdf("06:02.0"), "e1000"), 0);
	assert_int_equal(dmaown_host_vfio_viable(h, 4, &viable, NULL), 0);
	assert_true(viable);
	assert_int_equal(fake_put(e.root, ".dmaown-fake-held", "4\n"), 0);
	assert_int_equal(dmaown_host_bind(h, bdf("06:02.0"), "e1000"), -EBUSY);
	assert_int_equal(dmaown_host_probe(h, bdf("06:02.0")), -EINVAL);
	assert_int_equal(
		dmaown_host_driver(h, bdf("06:02.0"), drv, sizeof(drv)), 0);
	assert_string_equal(drv, "");
	/* driverless groups have no /dev/vfio/N */
	assert_int_equal(dmaown_host_vfio_viable(h, 6, &viable, NULL), -ENOENT);
	/* a vanished device */
	assert_int_equal(
		dmaown_host_driver(h, bdf("00:1f.0"), drv, sizeof(drv)),
		-ENODEV);
	assert_int_equal(dmaown_host_iommu_group(h, bdf(G4)), 4);
	assert_int_equal(dmaown_host_iommu_group(h, bdf("00:13.0")), -ENOENT);
	dmaown_host_free(h);
	env_fini(&e);
}

static char *held_file(struct env *e)
{
	char path[PATH_MAX], *buf = calloc(1, 256);
	FILE *f;

	snprintf(path, sizeof(path), "%s/.dmaown-fake-held", e->root);
	f = fopen(path, "r");
	if (f) {
		if (!fread(buf, 1, 255, f))
			buf[0] = '\0';
		fclose(f);
	}
	return buf;
}

static void assert_held(struct env *e, const char *want)
{
	char *now = held_file(e);

	assert_string_equal(now, want);
	free(now);
}

/* the ownership engine decides: a user-owned group refuses DMA drivers */
static void test_fake_engine(void **unused)
{
	struct dmaown_host *h;
	struct env e;
	char drv[64];
	bool viable, cset;

	(void)unused;
	env_init(&e);
	h = host(&e);
	assert_int_equal(dmaown_host_load_module(h, "vfio-pci"), 0);
	assert_int_equal(dmaown_host_load_module(h, "pci-stub"), 0);
	/* no VFIO member: nothing to hold */
	assert_int_equal(dmaown_host_fake_hold(h, 4), -ENOENT);
	assert_int_equal(dmaown_host_unbind(h, bdf(G4), "e1000"), 0);
	assert_int_equal(dmaown_host_set_override(h, bdf(G4), "vfio-pci"), 0);
	assert_int_equal(dmaown_host_bind(h, bdf(G4), "vfio-pci"), 0);
	/* 06:02.0 on e1000: owner_cnt 1, the claim says EPERM */
	assert_int_equal(dmaown_host_fake_hold(h, 4), -EPERM);
	assert_held(&e, "");
	assert_int_equal(dmaown_host_unbind(h, bdf("06:02.0"), "e1000"), 0);
	assert_int_equal(dmaown_host_fake_hold(h, 4), 0);
	assert_held(&e, "4\n");
	assert_int_equal(dmaown_host_fake_hold(h, 4), -EBUSY);
	assert_int_equal(dmaown_host_vfio_viable(h, 4, &viable, &cset), 0);
	assert_true(viable);
	assert_true(cset);
	/* DMA-API driver into the user-owned group: EBUSY, stays driverless */
	assert_int_equal(dmaown_host_bind(h, bdf("06:02.0"), "e1000"), -EBUSY);
	assert_int_equal(
		dmaown_host_driver(h, bdf("06:02.0"), drv, sizeof(drv)), 0);
	assert_string_equal(drv, "");
	assert_int_equal(dmaown_host_probe(h, bdf("06:02.0")), -EINVAL);
	assert_int_equal(
		dmaown_host_driver(h, bdf("06:02.0"), drv, sizeof(drv)), 0);
	assert_string_equal(drv, "");
	/* pci-stub sets driver_managed_dma: fine */
	assert_int_equal(
		dmaown_host_set_override(h, bdf("06:02.0"), "pci-stub"), 0);
	assert_int_equal(dmaown_host_bind(h, bdf("06:02.0"), "pci-stub"), 0);
	assert_int_equal(
		dmaown_host_driver(h, bdf("06:02.0"), drv, sizeof(drv)), 0);
	assert_string_equal(drv, "pci-stub");
	assert_held(&e, "4\n");
	/* the last VFIO device goes: the kernel (latest) lets the group go */
	assert_int_equal(dmaown_host_unbind(h, bdf(G4), "vfio-pci"), 0);
	assert_held(&e, "");
	assert_int_equal(dmaown_host_set_override(h, bdf(G4), NULL), 0);
	assert_int_equal(dmaown_host_bind(h, bdf(G4), "e1000"), 0);
	assert_int_equal(dmaown_host_fake_unhold(h, 4), -ENOENT);
	/* not a fake */
	dmaown_host_free(h);
	assert_int_equal(dmaown_host_live_new(e.root, &h), 0);
	assert_int_equal(dmaown_host_fake_hold(h, 4), -EINVAL);
	dmaown_host_free(h);
	env_fini(&e);
}

/* ---- round trip ------------------------------------------------------- */

static void round_trip(const char *driver)
{
	struct dmaown_move_report rep;
	struct env e;
	char *now;

	env_init(&e);
	assert_int_equal(do_assign(&e, driver, false, &rep), 0);
	assert_int_equal(rep.failed_step, -1);
	dmaown_move_report_free(&rep);
	now = fake_state(e.root);
	if (!strcmp(driver, "vfio-pci"))
		assert_string_equal(now, assigned_state);
	else
		assert_non_null(strstr(now, G4 " pci-stub pci-stub\n"));
	free(now);
	assert_int_equal(nrecords(&e), 1);
	/* a second assign of the same group is refused */
	assert_int_equal(do_assign(&e, driver, false, &rep), -EBUSY);
	dmaown_move_report_free(&rep);
	assert_int_equal(do_release(&e, false, &rep), 0);
	dmaown_move_report_free(&rep);
	assert_original(&e);
	env_fini(&e);
}

static void test_round_trip_vfio(void **unused)
{
	(void)unused;
	round_trip("vfio-pci");
}

static void test_round_trip_stub(void **unused)
{
	(void)unused;
	round_trip("pci-stub");
}

/* ---- failure at every step -------------------------------------------- */

static void test_assign_fail_every_step(void **unused)
{
	struct dmaown_move_report rep;
	char rule[64];
	int n, r, failures = 0;

	(void)unused;
	for (n = 1; n < 100; n++) {
		struct env e;

		env_init(&e);
		snprintf(rule, sizeof(rule), "write %d EIO\n", n);
		assert_int_equal(fake_put(e.root, ".dmaown-fail", rule), 0);
		r = do_assign(&e, "vfio-pci", false, &rep);
		if (r == 0) {
			/* the fault was never reached: the run is complete */
			assert_int_equal(rep.failed_step, -1);
			dmaown_move_report_free(&rep);
			env_fini(&e);
			break;
		}
		failures++;
		assert_int_equal(r, -EIO);
		assert_true(rep.undone);
		assert_false(rep.incomplete);
		assert_true(rep.failed_step >= 0);
		dmaown_move_report_free(&rep);
		assert_original(&e);
		env_fini(&e);
	}
	/* load + 2 x (override, unbind, bind) */
	assert_int_equal(failures, 7);
}

static void fail_named(const char *rules, int want)
{
	struct dmaown_move_report rep;
	struct env e;

	env_init(&e);
	assert_int_equal(fake_put(e.root, ".dmaown-fail", rules), 0);
	assert_int_equal(do_assign(&e, "vfio-pci", false, &rep), want);
	assert_true(rep.undone);
	assert_true(rep.step_text[0]);
	dmaown_move_report_free(&rep);
	assert_original(&e);
	env_fini(&e);
}

static void test_assign_fail_named(void **unused)
{
	(void)unused;
	fail_named("bind 0000:06:02.0 vfio-pci EIO\n", -EIO);
	fail_named("unbind 0000:06:02.0 EBUSY\n", -EBUSY);
	fail_named("override 0000:06:01.0 EACCES\n", -EACCES);
	fail_named("load vfio-pci ENOENT\n", -ENOENT);
	/* verification: VFIO cannot report the group */
	fail_named("status 4 EIO\n", -EIO);
}

static void test_assign_rebind_fails(void **unused)
{
	struct dmaown_move_report rep;
	struct env e;
	char *now;

	(void)unused;
	env_init(&e);
	/* the bind of 06:02.0 fails, and e1000 refuses 06:01.0 back */
	assert_int_equal(
		fake_put(
			e.root, ".dmaown-fail",
			"bind 0000:06:02.0 vfio-pci EIO\nbind 0000:06:01.0 e1000 ENXIO\n"),
		0);
	assert_int_equal(do_assign(&e, "vfio-pci", false, &rep), -EIO);
	assert_true(rep.incomplete);
	assert_non_null(rep.log);
	assert_non_null(strstr(
		rep.log,
		"0000:06:01.0: COULD NOT RE-BIND its original driver e1000"));
	assert_non_null(strstr(rep.log, "/sys/bus/pci/drivers/e1000/bind"));
	dmaown_move_report_free(&rep);
	assert_int_equal(nrecords(&e), 1); /* kept for recover */
	/* the cause goes away; recover finishes the undo */
	assert_int_equal(fake_put(e.root, ".dmaown-fail", ""), 0);
	now = fake_state(e.root);
	assert_string_not_equal(now, e.before);
	free(now);
	assert_int_equal(do_recover(&e, NULL), 0);
	assert_original(&e);
	env_fini(&e);
}

static void test_release_fail_every_step(void **unused)
{
	struct dmaown_move_report rep;
	char rule[64];
	int n, r, hit = 0;

	(void)unused;
	for (n = 1; n < 100; n++) {
		struct env e;

		env_init(&e);
		assert_int_equal(do_assign(&e, "vfio-pci", false, &rep), 0);
		dmaown_move_report_free(&rep);
		snprintf(rule, sizeof(rule), "write %d EIO\n", n);
		assert_int_equal(fake_put(e.root, ".dmaown-fail", rule), 0);
		r = do_release(&e, false, &rep);
		assert_int_equal(r, 0);
		assert_false(rep.incomplete);
		if (rep.failed_step < 0) {
			dmaown_move_report_free(&rep);
			assert_original(&e);
			env_fini(&e);
			break;
		}
		hit++;
		assert_true(rep.undone);
		dmaown_move_report_free(&rep);
		assert_original(&e);
		env_fini(&e);
	}
	assert_int_equal(hit, 6); /* 2 x (override, unbind, bind) */
}

static void test_release_persistent_failure(void **unused)
{
	struct dmaown_move_report rep;
	struct dmaown_state *s;
	struct dmaown_move_plan *rec;
	struct env e;
	int done = -1;

	(void)unused;
	env_init(&e);
	assert_int_equal(do_assign(&e, "vfio-pci", false, &rep), 0);
	dmaown_move_report_free(&rep);
	assert_int_equal(fake_put(e.root, ".dmaown-fail",
				  "bind 0000:06:02.0 e1000 EIO\n"),
			 0);
	assert_true(do_release(&e, false, &rep) < 0);
	assert_true(rep.incomplete);
	assert_non_null(strstr(rep.log, "0000:06:02.0: COULD NOT RE-BIND"));
	dmaown_move_report_free(&rep);
	assert_int_equal(dmaown_state_open(e.state, NULL, &s, NULL), 0);
	assert_int_equal(dmaown_state_load(s, 4, &rec, NULL), 0);
	assert_int_equal(rec->phase, DMAOWN_PHASE_RELEASING);
	dmaown_move_plan_free(rec);
	dmaown_state_close(s);
	assert_int_equal(fake_put(e.root, ".dmaown-fail", ""), 0);
	assert_int_equal(do_recover(&e, &done), 0);
	assert_int_equal(done, 1);
	assert_original(&e);
	assert_int_equal(do_recover(&e, &done), 0); /* idempotent */
	assert_int_equal(done, 0);
	env_fini(&e);
}

/* ---- kill -9 after every write, then recover -------------------------- */

static int child_run(struct env *e, bool release, int n)
{
	char rule[64];
	pid_t pid;
	int st;

	snprintf(rule, sizeof(rule), "crash-after %d\n", n);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct dmaown_move_report rep;

		if (fake_put(e->root, ".dmaown-fail", rule))
			_exit(99);
		_exit(release ?
			      (do_release(e, false, &rep) ? 1 : 0) :
			      (do_assign(e, "vfio-pci", false, &rep) ? 1 : 0));
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(fake_put(e->root, ".dmaown-fail", ""), 0);
	return WEXITSTATUS(st);
}

static void crash_loop(bool release)
{
	struct dmaown_move_report rep;
	int n, crashes = 0, done;

	for (n = 1; n < 100; n++) {
		struct env e;
		int st;

		env_init(&e);
		if (release) {
			assert_int_equal(do_assign(&e, "vfio-pci", false, &rep),
					 0);
			dmaown_move_report_free(&rep);
		}
		st = child_run(&e, release, n);
		if (st == 0) {
			env_fini(&e);
			break;
		}
		assert_int_equal(st, 137);
		crashes++;
		assert_int_equal(do_recover(&e, &done), 0);
		assert_original(&e);
		assert_int_equal(do_recover(&e, &done), 0);
		assert_int_equal(done, 0);
		assert_original(&e);
		env_fini(&e);
	}
	assert_int_equal(crashes, release ? 6 : 7);
}

static void test_crash_assign(void **unused)
{
	(void)unused;
	crash_loop(false);
}

static void test_crash_release(void **unused)
{
	(void)unused;
	crash_loop(true);
}

/* ---- lock ------------------------------------------------------------- */

static void test_lock(void **unused)
{
	struct dmaown_state *s;
	struct dmaown_err err = { 0 };
	struct env e;
	int fds[2], st;
	char c, want[64];
	pid_t pid;

	(void)unused;
	env_init(&e);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct dmaown_state *cs;

		if (dmaown_state_open(e.state, NULL, &cs, NULL) ||
		    dmaown_state_lock(cs, 0, NULL))
			_exit(1);
		if (write(fds[1], "x", 1) != 1)
			_exit(1);
		sleep(1);
		dmaown_state_close(cs);
		_exit(0);
	}
	assert_int_equal(read(fds[0], &c, 1), 1);
	assert_int_equal(dmaown_state_open(e.state, NULL, &s, NULL), 0);
	assert_int_equal(dmaown_state_lock(s, 0, &err), -EWOULDBLOCK);
	snprintf(want, sizeof(want), "another dmaown (pid %d) holds", (int)pid);
	assert_non_null(strstr(err.msg, want));
	/* waiting long enough gets it once the child is gone */
	assert_int_equal(dmaown_state_lock(s, 10, NULL), 0);
	dmaown_state_close(s);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(WEXITSTATUS(st), 0);
	close(fds[0]);
	close(fds[1]);
	env_fini(&e);
}

/* ---- dry run equals the real run -------------------------------------- */

struct trace {
	char lines[64][256];
	int n;
};

static void trace_fn(void *ctx, const char *path, const char *value, int r)
{
	struct trace *t = ctx;

	(void)r;
	if (t->n < 64)
		dmaown_move_trace_text(path, value, t->lines[t->n++], 256);
}

static void compare_dry_run(struct dmaown_move_plan *p, struct trace *t)
{
	struct dmaown_move_step *steps;
	char text[256];
	int n, k, w = 0;

	n = dmaown_move_steps(p, &steps);
	assert_true(n > 1);
	for (k = 0; k < n; k++) {
		if (steps[k].kind == DMAOWN_STEP_VERIFY)
			continue;
		dmaown_move_step_text(p, &steps[k], text, sizeof(text));
		assert_true(w < t->n);
		assert_string_equal(text, t->lines[w]);
		w++;
	}
	assert_int_equal(w, t->n);
	free(steps);
}

static void test_dry_run_equals_run(void **unused)
{
	struct dmaown_move_report rep;
	struct dmaown_move_plan *p, *dry, *rec;
	struct trace t = { .n = 0 };
	struct dmaown_state *s;
	struct dmaown_host *h;
	struct env e;

	(void)unused;
	env_init(&e);
	p = plan(&e, "vfio-pci", false);
	dry = dmaown_move_plan_dup(p);
	s = state_open(&e);
	h = host(&e);
	dmaown_host_set_trace(h, trace_fn, &t);
	assert_int_equal(dmaown_move_assign(h, s, p, &rep, NULL), 0);
	dmaown_move_report_free(&rep);
	compare_dry_run(dry, &t);
	assert_string_equal(t.lines[0], "load vfio-pci");
	assert_string_equal(
		t.lines[1],
		"write vfio-pci > sys/bus/pci/devices/0000:06:01.0/driver_override");
	assert_string_equal(
		t.lines[2],
		"write 0000:06:01.0 > sys/bus/pci/drivers/e1000/unbind");
	dmaown_move_plan_free(p);
	dmaown_move_plan_free(dry);
	/* and for release */
	t.n = 0;
	assert_int_equal(dmaown_state_load(s, 4, &rec, NULL), 0);
	assert_int_equal(
		dmaown_move_plan_release(rec, bdf(G4), false, &p, NULL), 0);
	dry = dmaown_move_plan_dup(p);
	assert_int_equal(dmaown_move_release(h, s, p, &rep, NULL), 0);
	dmaown_move_report_free(&rep);
	compare_dry_run(dry, &t);
	assert_string_equal(
		t.lines[0],
		"write \\n > sys/bus/pci/devices/0000:06:01.0/driver_override");
	dmaown_move_plan_free(p);
	dmaown_move_plan_free(dry);
	dmaown_move_plan_free(rec);
	dmaown_host_free(h);
	dmaown_state_close(s);
	assert_original(&e);
	env_fini(&e);
}

/* ---- persistence ------------------------------------------------------ */

static void put_dsn(struct env *e, const char *b)
{
	char path[PATH_MAX];
	static const unsigned char cap[12] = {
		0x03, 0x00, 0x01, 0x00, /* DSN, version 1, next 0 */
		0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,
	};
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/config",
		 e->root, b);
	f = fopen(path, "r+");
	assert_non_null(f);
	/* conventional devices get 256 bytes: extend to 4096 */
	assert_int_equal(fseek(f, 4095, SEEK_SET), 0);
	fputc(0, f);
	assert_int_equal(fseek(f, 0x100, SEEK_SET), 0);
	assert_int_equal(fwrite(cap, 1, sizeof(cap), f), sizeof(cap));
	fclose(f);
}

static char *slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void test_persist(void **unused)
{
	struct dmaown_move_report rep;
	char path[PATH_MAX], *text;
	struct env e;

	(void)unused;
	env_init(&e);
	put_dsn(&e, "0000:06:02.0");
	assert_int_equal(do_assign(&e, "vfio-pci", true, &rep), 0);
	dmaown_move_report_free(&rep);
	assert_int_equal(
		dmaown_persist_path(e.root, bdf(G4), path, sizeof(path)), 0);
	text = slurp(path);
	assert_non_null(text);
	assert_non_null(strstr(
		text,
		"ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"0000:06:01.0\", ATTR{vendor}==\"0x8086\", ATTR{device}==\"0x100e\", ATTR{subsystem_vendor}==\"0x1af4\", ATTR{subsystem_device}==\"0x1100\", ATTR{driver_override}=\"vfio-pci\""));
	assert_null(strstr(text, "RESULT")); /* no DSN on 06:01.0 */
	free(text);
	assert_int_equal(
		dmaown_persist_path(e.root, bdf("06:02.0"), path, sizeof(path)),
		0);
	text = slurp(path);
	assert_non_null(text);
	assert_non_null(strstr(text, "serial 01-23-45-67-89-ab-cd-ef"));
	assert_non_null(strstr(
		text,
		"PROGRAM==\"/usr/bin/od -An -tx1 -j 260 -N 8 /sys%p/config\", RESULT==\"*ef cd ab 89 67 45 23 01\""));
	assert_non_null(strstr(text, "KERNEL==\"0000:06:02.0\""));
	free(text);
	/* the bridge stays and gets no rule */
	assert_int_equal(
		dmaown_persist_path(e.root, bdf("00:12.0"), path, sizeof(path)),
		0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(do_release(&e, true, &rep), 0);
	dmaown_move_report_free(&rep);
	assert_int_equal(
		dmaown_persist_path(e.root, bdf(G4), path, sizeof(path)), 0);
	assert_int_equal(access(path, F_OK), -1);
	env_fini(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_record_parse),
		cmocka_unit_test(test_fake_kernel),
		cmocka_unit_test(test_fake_engine),
		cmocka_unit_test(test_round_trip_vfio),
		cmocka_unit_test(test_round_trip_stub),
		cmocka_unit_test(test_assign_fail_every_step),
		cmocka_unit_test(test_assign_fail_named),
		cmocka_unit_test(test_assign_rebind_fails),
		cmocka_unit_test(test_release_fail_every_step),
		cmocka_unit_test(test_release_persistent_failure),
		cmocka_unit_test(test_crash_assign),
		cmocka_unit_test(test_crash_release),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_dry_run_equals_run),
		cmocka_unit_test(test_persist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
