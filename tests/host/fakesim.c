// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fakesim - run a step script (dmaown/script.h) against a fake root
 * through the host actuator, so that its answers can be compared with
 * `dmaown sim` on a snapshot of the same tree.
 *
 *   fakesim [-l DRIVER]... ROOT SCRIPT
 *
 * -l loads DRIVER's module first.  Prints "STEP => OUTCOME" lines as
 * `dmaown sim` does.  Exit: 0 every expectation held, 1 a mismatch, 2 error.
 * hold/release act as a VFIO user (dmaown_host_fake_hold()); remove and
 * rescan are not supported by the fake.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmaown/host.h"
#include "dmaown/script.h"

#define MAX_HELD 64

struct fsim {
	struct dmaown_host *h;
	int held[MAX_HELD];	/* groups this script holds */
	size_t nheld;
};

static int f_lookup(void *ctx, struct dmaown_bdf bdf)
{
	struct fsim *f = ctx;
	char drv[64];

	return dmaown_host_driver(f->h, bdf, drv, sizeof(drv)) == -ENODEV ?
		       -ENODEV :
		       0;
}

static int f_unbind(void *ctx, struct dmaown_bdf bdf)
{
	struct fsim *f = ctx;
	char drv[64];
	int r;

	r = dmaown_host_driver(f->h, bdf, drv, sizeof(drv));
	if (r < 0 || !*drv)
		return r;
	return dmaown_host_unbind(f->h, bdf, drv);
}

static int f_bind(void *ctx, struct dmaown_bdf bdf, const char *driver)
{
	struct fsim *f = ctx;
	int r;

	r = dmaown_host_driver_loaded(f->h, driver);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	r = f_unbind(ctx, bdf);
	if (!r)
		r = dmaown_host_set_override(f->h, bdf, driver);
	return r ? r : dmaown_host_bind(f->h, bdf, driver);
}

static int f_hold(void *ctx, struct dmaown_bdf bdf)
{
	struct fsim *f = ctx;
	int g = dmaown_host_iommu_group(f->h, bdf), r;

	if (g < 0)
		return g;
	if (f->nheld == MAX_HELD)
		return -ENOSPC;
	r = dmaown_host_fake_hold(f->h, g);
	if (!r)
		f->held[f->nheld++] = g;
	return r;
}

static int f_release(void *ctx, struct dmaown_bdf bdf)
{
	struct fsim *f = ctx;
	int g = dmaown_host_iommu_group(f->h, bdf), r;

	if (g < 0)
		return g;
	for (size_t i = 0; i < f->nheld; i++) {
		if (f->held[i] != g)
			continue;
		f->held[i] = f->held[--f->nheld];
		r = dmaown_host_fake_unhold(f->h, g);
		/* a dead fd (the kernel let go) closes fine */
		return r == -ENOENT ? 0 : r;
	}
	return -EBADF;
}

static int f_remove(void *ctx, struct dmaown_bdf bdf)
{
	(void)ctx;
	(void)bdf;
	return -EOPNOTSUPP;
}

static int f_rescan(void *ctx)
{
	(void)ctx;
	return -EOPNOTSUPP;
}

static int f_get_driver(void *ctx, struct dmaown_bdf bdf, char *buf,
			size_t len)
{
	struct fsim *f = ctx;

	return dmaown_host_driver(f->h, bdf, buf, len);
}

static int f_get_viable(void *ctx, struct dmaown_bdf bdf, bool *ret)
{
	struct fsim *f = ctx;
	int g = dmaown_host_iommu_group(f->h, bdf), r;

	*ret = false;
	if (g == -ENOENT)
		return 0;
	if (g < 0)
		return g;
	r = dmaown_host_vfio_viable(f->h, g, ret, NULL);
	return r == -ENOENT ? 0 : r;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "re");
	char *buf;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	*len = n > 0 ? (size_t)n : 0;
	return buf;
}

int main(int argc, char **argv)
{
	struct dmaown_err err = { 0 };
	struct dmaown_script *s = NULL;
	struct dmaown_sim_backend be;
	struct fsim f = { 0 };
	int i = 1, r;
	size_t len;
	char *text;

	for (; i + 1 < argc && !strcmp(argv[i], "-l"); i += 2)
		;
	if (argc - i != 2) {
		fprintf(stderr, "usage: fakesim [-l DRIVER]... ROOT SCRIPT\n");
		return 2;
	}
	if (dmaown_host_fake_new(argv[i], &f.h) < 0) {
		fprintf(stderr, "fakesim: %s is not a fake root\n", argv[i]);
		return 2;
	}
	for (int k = 1; k < i; k += 2)
		if ((r = dmaown_host_load_module(f.h, argv[k + 1])) < 0) {
			fprintf(stderr, "fakesim: load %s: %s\n", argv[k + 1],
				dmaown_errno_name(r));
			return 2;
		}
	text = slurp(argv[i + 1], &len);
	if (!text || dmaown_script_parse(argv[i + 1], text, len, &s, &err)) {
		if (err.msg[0])
			fprintf(stderr, "fakesim: %s\n", err.msg);
		else
			fprintf(stderr, "fakesim: %s: cannot read\n",
				argv[i + 1]);
		free(text);
		return 2;
	}
	free(text);
	be = (struct dmaown_sim_backend){
		.name = "fake",
		.ctx = &f,
		.bind = f_bind,
		.unbind = f_unbind,
		.hold = f_hold,
		.release = f_release,
		.remove = f_remove,
		.rescan = f_rescan,
		.get_driver = f_get_driver,
		.get_viable = f_get_viable,
		.lookup = f_lookup,
	};
	r = dmaown_script_run(s, &be, stdout, NULL, &err);
	if (r < 0)
		fprintf(stderr, "fakesim: %s\n", err.msg);
	dmaown_script_free(s);
	dmaown_host_free(f.h);
	return r < 0 ? 2 : r;
}
