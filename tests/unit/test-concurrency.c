// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-concurrency.c - threads racing binds, claims, VFIO holds and
 * hot-add/remove on the same group and on different groups.  A checker
 * thread runs dmaown_engine_check() throughout; after the run the state
 * is checked again and no kernel WARN may have fired (every thread only
 * undoes what it did itself, as well-behaved kernel code would).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "dmaown/ownership.h"

#define NGROUPS	       4
#define DEVS_PER_GROUP 4
#define ITERS	       20000

struct race {
	struct dmaown_engine *e;
	int groups[NGROUPS];
	int devs[NGROUPS][DEVS_PER_GROUP];
	bool same; /* every thread on group 0 */
	atomic_bool stop;
	atomic_ulong checks, claims, binds_ok, binds_busy, holds, hotadds;
	char why[256];
	atomic_int violated;
};

struct worker {
	struct race *r;
	unsigned int seed;
	int id;
};

/* keep going past ITERS until every path was seen (bounded) */
static bool more(struct race *r, int i)
{
	if (i < ITERS)
		return true;
	return i < 50 * ITERS &&
	       !(atomic_load(&r->claims) && atomic_load(&r->holds) &&
		 atomic_load(&r->binds_ok) && atomic_load(&r->binds_busy));
}

static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 16;
}

static int pick_group(struct worker *w)
{
	return w->r->same ? 0 : (w->id + (int)(rnd(&w->seed) % 2)) % NGROUPS;
}

static void *binder(void *arg)
{
	/* K-drvs (e1000e, nvme) are unbound again at once, so that user
	 * claims get their chance on a shared group */
	static const char *const drv[] = { "e1000e", "vfio-pci", "pci-stub",
					   "nvme",   "vfio-pci", "pcieport" };
	struct worker *w = arg;
	struct race *r = w->r;

	for (int i = 0; more(r, i); i++) {
		int g = pick_group(w);
		int d = r->devs[g][rnd(&w->seed) % DEVS_PER_GROUP];
		unsigned int k = rnd(&w->seed) % 6;
		int ret = dmaown_dev_bind(r->e, d, drv[k], 0);

		if (!ret)
			atomic_fetch_add(&r->binds_ok, 1);
		else if (ret == -EBUSY)
			atomic_fetch_add(&r->binds_busy, 1);
		else
			fail_msg("bind: %d", ret);
		if (k == 0 || k == 3 || rnd(&w->seed) % 2)
			assert_int_equal(dmaown_dev_unbind(r->e, d), 0);
	}
	return NULL;
}

static void *claimer(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->r;
	uintptr_t cookie = 0x1000 + (uintptr_t)w->id;

	for (int i = 0; more(r, i); i++) {
		int g = r->groups[pick_group(w)];
		int ret;

		/* leave room for VFIO holders on a shared group */
		if (rnd(&w->seed) % 4) {
			sched_yield();
			continue;
		}
		ret = dmaown_group_claim(r->e, g, cookie);

		if (ret == 0) {
			atomic_fetch_add(&r->claims, 1);
			assert_int_equal(dmaown_group_release(r->e, g), 0);
		} else if (ret != -EPERM && ret != -EBUSY) {
			fail_msg("claim: %d", ret);
		}
	}
	return NULL;
}

static void *holder(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->r;

	for (int i = 0; more(r, i); i++) {
		int g = r->groups[pick_group(w)];
		unsigned int fd;
		bool viable;

		if (dmaown_vfio_open(r->e, g, &fd))
			continue; /* ENOENT / EBUSY */
		if (!dmaown_vfio_status(r->e, g, fd, &viable, NULL) &&
		    !dmaown_vfio_set_container(r->e, g, fd)) {
			/* the last VFIO device may be unbound under us */
			if (!dmaown_vfio_set_iommu(r->e, g, fd))
				atomic_fetch_add(&r->holds, 1);
		}
		dmaown_vfio_close(r->e, g, fd);
	}
	return NULL;
}

static void *hotadder(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->r;

	for (int i = 0; i < ITERS / 10; i++) {
		int g = r->groups[pick_group(w)];
		char name[32];
		int d;

		snprintf(name, sizeof(name), "hot%d.%d", w->id, i);
		assert_int_equal(dmaown_dev_new(r->e, name, g, 0, &d), 0);
		atomic_fetch_add(&r->hotadds, 1);
		/* its native driver auto-probes; EBUSY when user-owned */
		dmaown_dev_bind(r->e, d, "igb", 0);
		assert_int_equal(dmaown_dev_remove(r->e, d), 0);
		assert_int_equal(dmaown_dev_readd(r->e, d), 0);
		dmaown_dev_bind(r->e, d, "igb", 0);
		assert_int_equal(dmaown_dev_remove(r->e, d), 0);
	}
	return NULL;
}

static void *checker(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop)) {
		char why[256];

		if (dmaown_engine_check(r->e, why, sizeof(why)) &&
		    !atomic_exchange(&r->violated, 1))
			memcpy(r->why, why, sizeof(why));
		atomic_fetch_add(&r->checks, 1);
		nanosleep(&(struct timespec){ .tv_nsec = 20000 }, NULL);
	}
	return NULL;
}

static void race(bool same, const char *profile)
{
	void *(*fns[])(void *) = { binder, binder, claimer,  claimer,
				   holder, holder, hotadder, hotadder };
	enum { N = sizeof(fns) / sizeof(fns[0]) };
	struct worker w[N];
	pthread_t t[N], ct;
	struct race r;
	char why[256];

	memset(&r, 0, sizeof(r));
	r.same = same;
	assert_int_equal(dmaown_engine_new(dmaown_profile_get(profile), &r.e),
			 0);
	for (int g = 0; g < NGROUPS; g++) {
		assert_int_equal(dmaown_group_new(r.e, 0, &r.groups[g]), 0);
		for (int d = 0; d < DEVS_PER_GROUP; d++) {
			char name[16];

			snprintf(name, sizeof(name), "g%dd%d", g, d);
			assert_int_equal(dmaown_dev_new(r.e, name, r.groups[g],
							0, &r.devs[g][d]),
					 0);
		}
	}
	assert_int_equal(pthread_create(&ct, NULL, checker, &r), 0);
	for (int i = 0; i < N; i++) {
		w[i] = (struct worker){ .r = &r, .seed = 7u * i + 1, .id = i };
		assert_int_equal(pthread_create(&t[i], NULL, fns[i], &w[i]), 0);
	}
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	atomic_store(&r.stop, true);
	pthread_join(ct, NULL);

	printf("# %s %s: %lu checks, %lu claims, %lu holds, %lu binds (%lu EBUSY)\n",
	       profile, same ? "same group" : "different groups",
	       atomic_load(&r.checks), atomic_load(&r.claims),
	       atomic_load(&r.holds), atomic_load(&r.binds_ok),
	       atomic_load(&r.binds_busy));
	if (atomic_load(&r.violated))
		fail_msg("invariant during the run: %s", r.why);
	if (dmaown_engine_check(r.e, why, sizeof(why)))
		fail_msg("invariant after the run: %s", why);
	assert_int_equal(dmaown_engine_warns(r.e), 0);
	/* the race really exercised every path */
	assert_true(atomic_load(&r.checks) > 0);
	assert_true(atomic_load(&r.claims) > 0);
	assert_true(atomic_load(&r.binds_ok) > 0);
	assert_true(atomic_load(&r.binds_busy) > 0);
	assert_true(atomic_load(&r.holds) > 0);
	assert_int_equal(atomic_load(&r.hotadds), 2 * (ITERS / 10));

	/* unbind everything: every group must come back to IDLE */
	for (int g = 0; g < NGROUPS; g++) {
		struct dmaown_group_info gi;

		for (int d = 0; d < DEVS_PER_GROUP; d++)
			assert_int_equal(dmaown_dev_unbind(r.e, r.devs[g][d]),
					 0);
		assert_int_equal(dmaown_group_info(r.e, r.groups[g], &gi), 0);
		assert_int_equal(gi.mode, DMAOWN_GROUP_MODE_IDLE);
		assert_int_equal(gi.domain, gi.default_domain);
		assert_true(gi.blocking_allocs <= 1);
	}
	dmaown_engine_free(r.e);
}

static void same_group_latest(void **state)
{
	race(true, "latest");
}

static void different_groups_latest(void **state)
{
	race(false, "latest");
}

static void same_group_519(void **state)
{
	race(true, "5.19");
}

static void different_groups_519(void **state)
{
	race(false, "5.19");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_group_latest),
		cmocka_unit_test(different_groups_latest),
		cmocka_unit_test(same_group_519),
		cmocka_unit_test(different_groups_519),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
