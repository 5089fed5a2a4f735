// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-sim.c - `dmaown sim`: run a step script against the ownership model
 * (or, with --live, against the host through lib/host-live.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dmaown/host-live.h"
#include "dmaown/ownership.h"
#include "dmaown/predict.h"
#include "dmaown/script.h"
#include "dmaown/source.h"

static const char sim_usage[] =
	"Usage: dmaown [--root DIR] sim [--profile P] [--groups=MODE] [--live] SCRIPT\n"
	"\n"
	"Run a step script (bind, unbind, hold, release, remove, rescan,\n"
	"expect-driver, expect-viable; see dmaown(1)) against a model of the\n"
	"kernel's DMA ownership, seeded from the host or snapshot: its devices,\n"
	"bound drivers and loaded drivers.  Prints `STEP => OUTCOME` per step.\n"
	"\n"
	"  --profile P    kernel semantics: 5.18 (VFIO before the ownership\n"
	"                 API), 5.19, 6.1, 6.2, 6.12, latest (default), auto\n"
	"                 (from the snapshot's kernel release)\n"
	"  --groups=MODE  kernel: the snapshot's /sys/kernel/iommu_groups;\n"
	"                 predicted: dmaown's prediction from the topology;\n"
	"                 auto (default): kernel if the snapshot has groups,\n"
	"                 else predicted\n"
	"  --live         act on the host (--root) instead of the model: this\n"
	"                 really binds drivers and opens VFIO groups\n"
	"\n"
	"Exit status: 0 every expectation matched, 1 a mismatch, 2 bad input.\n";

static int read_file(const char *path, char **ret, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	if (!f)
		return -errno;
	for (;;) {
		size_t got;

		if (cap - n < 4096) {
			char *p;

			if (cap > (64u << 20)) {
				r = -EFBIG;
				break;
			}
			cap = cap ? cap * 2 : 8192;
			p = realloc(buf, cap);
			if (!p) {
				r = -ENOMEM;
				break;
			}
			buf = p;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				r = -EIO;
			break;
		}
	}
	fclose(f);
	if (r) {
		free(buf);
		return r;
	}
	*ret = buf;
	*len = n;
	return 0;
}

static bool has_kernel_groups(const struct dmaown_groups *g)
{
	for (size_t i = 0; i < g->ndevs; i++)
		if (g->group_of[i] >= 0)
			return true;
	return false;
}

static int pick_groups(struct cli *cli, struct dmaown_topology *t,
		       const char *mode, struct dmaown_groups **ret)
{
	struct dmaown_groups *g = NULL;
	int r;

	if (strcmp(mode, "predicted")) {
		r = dmaown_groups_from_kernel(t, &g);
		if (r < 0)
			return cli_error(cli,
					 "sim: reading the kernel's groups: %s",
					 strerror(-r));
		if (!strcmp(mode, "kernel") || has_kernel_groups(g)) {
			*ret = g;
			return CLI_OK;
		}
		dmaown_groups_free(g);
		g = NULL;
	}
	r = dmaown_predict(t, NULL, &g);
	if (r < 0)
		return cli_error(cli, "sim: predicting groups: %s",
				 strerror(-r));
	*ret = g;
	return CLI_OK;
}

static int pick_profile(struct cli *cli, struct dmaown_topology *t,
			const char *name, const struct dmaown_profile **ret)
{
	const struct dmaown_host_info *h;

	if (!name || strcmp(name, "auto")) {
		*ret = dmaown_profile_get(name);
		if (!*ret)
			return cli_error(
				cli,
				"sim: unknown profile '%s' (5.18 (pre-ownership VFIO), 5.19, 6.1, 6.2, 6.12, latest, auto)",
				name);
		return CLI_OK;
	}
	h = dmaown_topology_host_const(t);
	if (!h->kernel_release ||
	    dmaown_profile_auto(h->kernel_release, ret) == -EINVAL) {
		cli_warn(cli,
			 "sim: kernel release unknown, using profile latest");
		*ret = dmaown_profile_get("latest");
	}
	return CLI_OK;
}

static int run(struct cli *cli, struct dmaown_script *s,
	       const struct dmaown_sim_backend *be)
{
	struct dmaown_err err = { 0 };
	struct dmaown_script_result res;
	int r;

	r = dmaown_script_run(s, be, cli->out, &res, &err);
	if (r < 0)
		return cli_error(cli, "sim: %s",
				 err.msg[0] ? err.msg : strerror(-r));
	if (r > 0 && !cli->quiet)
		fprintf(cli->errf,
			"dmaown: sim: %zu of %zu expectation(s) did not hold (first at %s:%u)\n",
			res.nmismatch, res.nexpect, s->name,
			res.first_mismatch_line);
	return r ? CLI_NO : CLI_OK;
}

static int run_model(struct cli *cli, struct dmaown_script *s,
		     const char *profile, const char *gmode)
{
	struct dmaown_sim_config cfg = { 0 };
	struct dmaown_sim_model *m = NULL;
	struct dmaown_groups *g = NULL;
	struct dmaown_sim_backend be;
	struct dmaown_err err = { 0 };
	struct dmaown_topology *t;
	char **loaded = NULL;
	int r;

	t = cli_topology(cli);
	if (!t)
		return CLI_ERR;
	r = pick_profile(cli, t, profile, &cfg.profile);
	if (r)
		return r;
	r = pick_groups(cli, t, gmode, &g);
	if (r)
		return r;
	/* loaded drivers: sys/bus/pci/drivers/; without it, any driver */
	if (!cli->lspci_dump && !cli->lspci_text &&
	    dmaown_source_drivers(cli_root(cli), &loaded) < 0)
		loaded = NULL;
	cfg.topo = t;
	cfg.groups = g;
	cfg.loaded = (const char *const *)loaded;
	r = dmaown_sim_model_new(&cfg, &m, &err);
	if (r < 0) {
		r = cli_error(cli, "sim: %s",
			      err.msg[0] ? err.msg : strerror(-r));
		goto out;
	}
	dmaown_sim_model_backend(m, &be);
	r = run(cli, s, &be);
out:
	dmaown_sim_model_free(m);
	dmaown_strv_free(loaded);
	dmaown_groups_free(g);
	return r;
}

static int run_live(struct cli *cli, struct dmaown_script *s)
{
	struct dmaown_sim_live *l = NULL;
	struct dmaown_sim_backend be;
	struct dmaown_err err = { 0 };
	int r;

	r = dmaown_sim_live_new(cli_root(cli), &l, &err);
	if (r < 0)
		return cli_error(cli, "sim: %s",
				 err.msg[0] ? err.msg : strerror(-r));
	dmaown_sim_live_backend(l, &be);
	r = run(cli, s, &be);
	dmaown_sim_live_free(l);
	return r;
}

int cmd_sim(struct cli *cli, int argc, char **argv)
{
	const char *profile = cli->profile, *gmode = "auto", *path = NULL;
	struct dmaown_err err = { 0 };
	struct dmaown_script *s = NULL;
	bool live = false;
	size_t len = 0;
	char *text = NULL;
	int r;

	if (cli_wants_help(cli, argc, argv, sim_usage))
		return CLI_OK;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--profile") && i + 1 < argc)
			profile = argv[++i];
		else if (!strncmp(a, "--profile=", 10))
			profile = a + 10;
		else if (!strcmp(a, "--groups") && i + 1 < argc)
			gmode = argv[++i];
		else if (!strncmp(a, "--groups=", 9))
			gmode = a + 9;
		else if (!strcmp(a, "--live"))
			live = true;
		else if (a[0] == '-' && a[1])
			return cli_error(
				cli,
				"sim: unknown option '%s' (see dmaown sim --help)",
				a);
		else if (path)
			return cli_error(cli, "sim: unexpected argument '%s'",
					 a);
		else
			path = a;
	}
	if (!path)
		return cli_error(cli,
				 "sim: missing SCRIPT (see dmaown sim --help)");
	if (strcmp(gmode, "auto") && strcmp(gmode, "kernel") &&
	    strcmp(gmode, "predicted"))
		return cli_error(
			cli,
			"sim: --groups must be auto, kernel or predicted, not '%s'",
			gmode);
	r = read_file(path, &text, &len);
	if (r < 0)
		return cli_error(cli, "sim: %s: %s", path, strerror(-r));
	r = dmaown_script_parse(path, text, len, &s, &err);
	free(text);
	if (r < 0)
		return cli_error(cli, "%s",
				 err.msg[0] ? err.msg : strerror(-r));
	r = live ? run_live(cli, s) : run_model(cli, s, profile, gmode);
	dmaown_script_free(s);
	return r;
}
