// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench-engine.c - operations per second of the ownership engine:
 * group claim/release and DMA-API driver bind/unbind, with 1 and 2
 * threads, on the same group and on different groups.
 *
 * Usage: bench-engine [SECONDS_PER_CASE]   (default 1)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dmaown/ownership.h"

#define MAXT 2

struct ctx {
	struct dmaown_engine *e;
	int groups[MAXT], devs[MAXT];
	atomic_bool stop;
};

struct worker {
	struct ctx *c;
	int group, dev;
	bool claim;
	unsigned long ops, fails;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	uintptr_t cookie = (uintptr_t)w;

	while (!atomic_load_explicit(&w->c->stop, memory_order_relaxed)) {
		for (int i = 0; i < 256; i++) {
			if (w->claim) {
				if (dmaown_group_claim(w->c->e, w->group,
						       cookie)) {
					w->fails++;
					continue;
				}
				dmaown_group_release(w->c->e, w->group);
			} else {
				if (dmaown_dev_bind(w->c->e, w->dev, "e1000e",
						    0)) {
					w->fails++;
					continue;
				}
				dmaown_dev_unbind(w->c->e, w->dev);
			}
			w->ops++;
		}
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run(const char *what, bool claim, int nthreads, bool same,
		double secs)
{
	struct worker w[MAXT] = { 0 };
	pthread_t t[MAXT];
	struct ctx c = { 0 };
	unsigned long ops = 0, fails = 0;
	struct timespec ts = { (time_t)secs,
			       (long)((secs - (time_t)secs) * 1e9) };
	double t0, dt;

	if (dmaown_engine_new(NULL, &c.e))
		exit(2);
	for (int i = 0; i < MAXT; i++) {
		char name[16];

		snprintf(name, sizeof(name), "d%d", i);
		if (dmaown_group_new(c.e, 0, &c.groups[i]) ||
		    dmaown_dev_new(c.e, name, same ? c.groups[0] : c.groups[i],
				   0, &c.devs[i]))
			exit(2);
	}
	t0 = now();
	for (int i = 0; i < nthreads; i++) {
		w[i] = (struct worker){ .c = &c,
					.claim = claim,
					.group = c.groups[same ? 0 : i],
					.dev = c.devs[i] };
		pthread_create(&t[i], NULL, work, &w[i]);
	}
	nanosleep(&ts, NULL);
	atomic_store(&c.stop, true);
	for (int i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		ops += w[i].ops;
		fails += w[i].fails;
	}
	dt = now() - t0;
	if (dmaown_engine_check(c.e, NULL, 0))
		fprintf(stderr, "invariant violated after %s\n", what);
	printf("| %-16s | %d | %-9s | %12.0f | %10lu |\n", what, nthreads,
	       nthreads == 1 ? "-" :
	       same	     ? "same" :
			       "different",
	       ops / dt, fails);
	dmaown_engine_free(c.e);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0;

	if (secs <= 0 || secs > 600) {
		fprintf(stderr, "usage: bench-engine [SECONDS_PER_CASE]\n");
		return 2;
	}
	printf("| operation        | threads | groups | pairs/s | refused |\n");
	printf("|---|---|---|---|---|\n");
	for (int claim = 1; claim >= 0; claim--) {
		const char *what = claim ? "claim+release" : "bind+unbind";

		run(what, claim, 1, true, secs);
		run(what, claim, 2, true, secs);
		run(what, claim, 2, false, secs);
	}
	return 0;
}
