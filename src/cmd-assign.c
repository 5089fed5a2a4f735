// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-assign.c - dmaown assign / release / recover / explain
 *
 * Thin over libdmaown: dmaown/move.h plans and runs the move,
 * dmaown/journal.h keeps the record and the lock, dmaown/safety.h says
 * what would break, dmaown/host.h touches the host (a fake root when
 * --root points at a tree holding .dmaown-fake).
 *
 * Exit status: 0 done; 1 refused (safety, not viable) or failed and put
 * back cleanly; 2 bad input, an error, or a failure that left a device
 * off its original driver (the message names it and the fix).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "dmaown/drivers.h"
#include "dmaown/holders.h"
#include "dmaown/host.h"
#include "dmaown/journal.h"
#include "dmaown/move.h"
#include "dmaown/p2p.h"
#include "dmaown/safety.h"
#include "cli.h"

struct opts {
	const char *driver;
	const char *state_dir;
	int wait;
	bool dry_run, force, persist, all, json;
	const char *bdf;
};

static int parse_opts(struct cli *cli, int argc, char **argv, struct opts *o,
		      bool want_bdf)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->json = cli->json;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **val = NULL;
		const char *waitv = NULL;

		if (!strcmp(a, "--driver"))
			val = &o->driver;
		else if (!strcmp(a, "--state-dir"))
			val = &o->state_dir;
		else if (!strcmp(a, "--wait"))
			val = &waitv;
		if (val) {
			if (++i >= argc)
				return cli_error(cli, "%s needs a value", a);
			*val = argv[i];
			if (waitv) {
				char *end;
				long w = strtol(waitv, &end, 10);

				if (*end || end == waitv || w < 0 || w > 86400)
					return cli_error(
						cli,
						"--wait: '%s' is not a number of seconds",
						waitv);
				o->wait = (int)w;
			}
		} else if (!strcmp(a, "--dry-run")) {
			o->dry_run = true;
		} else if (!strcmp(a, "--force")) {
			o->force = true;
		} else if (!strcmp(a, "--persist")) {
			o->persist = true;
		} else if (!strcmp(a, "--all")) {
			o->all = true;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (a[0] == '-') {
			return cli_error(cli, "%s: unknown option '%s'",
					 argv[0], a);
		} else if (want_bdf && !o->bdf) {
			o->bdf = a;
		} else {
			return cli_error(cli, "%s: unexpected argument '%s'",
					 argv[0], a);
		}
	}
	if (want_bdf && !o->bdf)
		return cli_error(cli, "%s: which device? (dmaown %s BDF)",
				 argv[0], argv[0]);
	return 0;
}

static int open_state(struct cli *cli, const struct opts *o, bool lock,
		      struct dmaown_state **ret)
{
	char dir[PATH_MAX], durable[PATH_MAX];
	struct dmaown_err err = { 0 };
	const char *root = cli_root(cli);
	int r;

	if (o->state_dir) {
		r = dmaown_state_open(o->state_dir, NULL, ret, &err);
	} else {
		snprintf(dir, sizeof(dir), "%s/run/dmaown",
			 strcmp(root, "/") ? root : "");
		snprintf(durable, sizeof(durable), "%s/var/lib/dmaown",
			 strcmp(root, "/") ? root : "");
		r = dmaown_state_open(dir, durable, ret, &err);
	}
	if (!r && lock)
		r = dmaown_state_lock(*ret, o->wait, &err);
	if (r < 0) {
		if (*ret && r != 0)
			dmaown_state_close(*ret);
		*ret = NULL;
		return cli_error(cli, "%s",
				 err.msg[0] ? err.msg : strerror(-r));
	}
	return 0;
}

static void trace(void *ctx, const char *path, const char *value, int r)
{
	struct cli *cli = ctx;
	char line[512];

	dmaown_move_trace_text(path, value, line, sizeof(line));
	fprintf(cli->errf, "dmaown: %s: %s\n", line, dmaown_errno_name(r));
}

static void print_plan(struct cli *cli, const struct dmaown_move_plan *p,
		       const struct opts *o, const char *result)
{
	struct dmaown_move_step *steps = NULL;
	char b[DMAOWN_BDF_STRLEN], text[320];
	int n, k;
	size_t i;
	FILE *f = cli->out;

	n = dmaown_move_steps(p, &steps);
	if (o->json) {
		fprintf(f,
			"{\"schema\":1,\"op\":\"%s\",\"group\":%d,\"target\":\"%s\",\"dry_run\":%s,\"result\":\"%s\",\"devices\":[",
			dmaown_move_op_name(p->op), p->group,
			p->op == DMAOWN_MOVE_ASSIGN ? p->target : "",
			o->dry_run ? "true" : "false", result);
		for (i = 0; i < p->ndevs; i++)
			fprintf(f,
				"%s{\"bdf\":\"%s\",\"move\":%s,\"before\":\"%s\",\"after\":\"%s\",\"why\":\"%s\"}",
				i ? "," : "",
				dmaown_bdf_format(p->devs[i].bdf, b),
				p->devs[i].move ? "true" : "false",
				p->devs[i].before, p->devs[i].after,
				dmaown_move_why_name(p->devs[i].why));
		fprintf(f, "],\"steps\":[");
		for (k = 0; k < n; k++) {
			dmaown_move_step_text(p, &steps[k], text, sizeof(text));
			fprintf(f, "%s\"%s\"", k ? "," : "", text);
		}
		fprintf(f, "]}\n");
		free(steps);
		return;
	}
	if (p->op == DMAOWN_MOVE_ASSIGN)
		fprintf(f, "IOMMU group %d: assign to %s\n", p->group,
			p->target);
	else
		fprintf(f, "IOMMU group %d: release to the recorded drivers\n",
			p->group);
	for (i = 0; i < p->ndevs; i++) {
		const struct dmaown_move_dev *d = &p->devs[i];

		fprintf(f, "  %s  %-10s -> %-10s %s: %s\n",
			dmaown_bdf_format(d->bdf, b),
			*d->before ? d->before : "(none)",
			*d->after ? d->after : "(none)",
			d->move ? "moves" : "stays",
			dmaown_move_why_text(d->why));
	}
	fprintf(f, "steps%s:\n",
		o->dry_run ? " (dry run, nothing written)" : "");
	for (k = 0; k < n; k++) {
		dmaown_move_step_text(p, &steps[k], text, sizeof(text));
		fprintf(f, "  %d. %s\n", k + 1, text);
	}
	free(steps);
}

static int finish(struct cli *cli, int r, struct dmaown_move_report *rep,
		  const struct dmaown_err *err, const char *what)
{
	int code;

	if (rep->log)
		fputs(rep->log, cli->errf);
	if (!r) {
		code = CLI_OK;
	} else {
		cli_error(cli, "%s failed: %s", what,
			  err->msg[0] ? err->msg : dmaown_errno_name(r));
		if (rep->incomplete)
			code = CLI_ERR;
		else if (rep->failed_step >= 0 && rep->undone)
			code = CLI_NO;
		else
			code = CLI_ERR;
		if (rep->failed_step >= 0 && rep->undone)
			fprintf(cli->errf,
				"dmaown: every device is back on its original driver\n");
	}
	dmaown_move_report_free(rep);
	return code;
}

/*
 * The actuator for --root: a fake tree, or the live sysfs.  A snapshot
 * directory is never changed: only a dry run may look at it.
 */
static int open_host(struct cli *cli, bool will_write, struct dmaown_host **ret)
{
	int r = dmaown_host_open(cli_root(cli), ret);

	if (r < 0) {
		cli_error(cli, "%s: %s", cli_root(cli), strerror(-r));
		return r;
	}
	if (will_write && !dmaown_host_can_change(*ret)) {
		cli_error(cli, "%s is not a live sysfs (a snapshot?): nothing can be changed there; use --dry-run to see the plan",
			  cli_root(cli));
		dmaown_host_free(*ret);
		*ret = NULL;
		return -EROFS;
	}
	return 0;
}

int cmd_assign(struct cli *cli, int argc, char **argv)
{
	static const char usage[] =
		"Usage: dmaown assign BDF [--driver vfio-pci|pci-stub] [--dry-run] [--force]\n"
		"                     [--persist] [--all] [--state-dir DIR] [--wait SECS] [--json]\n"
		"Move BDF's whole IOMMU group to a userspace driver, transactionally.\n";
	struct dmaown_assign_opts ao = { 0 };
	struct dmaown_safety_report sr = { 0 };
	struct dmaown_move_report rep = { .failed_step = -1 };
	struct dmaown_err err = { 0 };
	struct dmaown_move_plan *p = NULL;
	struct dmaown_state *s = NULL;
	struct dmaown_host *h = NULL;
	struct opts o;
	int idx, r, code = CLI_ERR;
	size_t i;

	if (cli_wants_help(cli, argc, argv, usage))
		return CLI_OK;
	if (parse_opts(cli, argc, argv, &o, true))
		return CLI_ERR;
	idx = cli_find_dev(cli, o.bdf);
	if (idx < 0)
		return CLI_ERR;
	r = open_host(cli, !o.dry_run, &h);
	if (r < 0)
		return CLI_ERR;
	if (open_state(cli, &o, !o.dry_run, &s))
		goto out;
	ao.driver = o.driver;
	ao.include_managed = o.all;
	ao.persist = o.persist;
	ao.target_loaded = dmaown_host_driver_loaded(
				   h, o.driver ? o.driver : "vfio-pci") == 1;
	r = dmaown_move_plan_assign(
		cli->topo, dmaown_topology_dev(cli->topo, (size_t)idx)->bdf,
		&ao, &p, &err);
	if (r < 0) {
		cli_error(cli, "%s", err.msg);
		code = r == -ENOENT ? CLI_NO : CLI_ERR;
		goto out;
	}
	r = dmaown_safety_check(cli_root(cli), p, s, &sr);
	for (i = 0; r > 0 && i < sr.n; i++)
		fprintf(cli->errf, "dmaown: %s%s\n",
			o.force ? "warning (--force): " : "", sr.f[i].msg);
	if (r > 0 && !o.force) {
		fprintf(cli->errf, "dmaown: refusing to assign group %d\n",
			p->group);
		code = CLI_NO;
		goto out;
	}
	if (o.dry_run) {
		print_plan(cli, p, &o, "planned");
		code = CLI_OK;
		goto out;
	}
	if (!o.json)
		print_plan(cli, p, &o, "running");
	if (cli->verbose)
		dmaown_host_set_trace(h, trace, cli);
	r = dmaown_move_assign(h, s, p, &rep, &err);
	if (o.json)
		print_plan(cli, p, &o, r ? "failed" : "ok");
	else if (!r)
		fprintf(cli->out, "group %d is on %s and viable%s\n", p->group,
			p->target, p->persist ? " (udev rules written)" : "");
	code = finish(cli, r, &rep, &err, "assign");
out:
	dmaown_safety_report_free(&sr);
	dmaown_move_plan_free(p);
	dmaown_state_close(s);
	dmaown_host_free(h);
	return code;
}

int cmd_release(struct cli *cli, int argc, char **argv)
{
	static const char usage[] =
		"Usage: dmaown release BDF [--dry-run] [--persist] [--state-dir DIR] [--wait SECS] [--json]\n"
		"Return BDF's group to the drivers recorded when it was assigned.\n";
	struct dmaown_move_report rep = { .failed_step = -1 };
	struct dmaown_move_plan *rec = NULL, *p = NULL;
	struct dmaown_err err = { 0 };
	struct dmaown_state *s = NULL;
	struct dmaown_host *h = NULL;
	struct dmaown_bdf bdf;
	char b[DMAOWN_BDF_STRLEN];
	struct opts o;
	int idx, r, group, code = CLI_ERR;

	if (cli_wants_help(cli, argc, argv, usage))
		return CLI_OK;
	if (parse_opts(cli, argc, argv, &o, true))
		return CLI_ERR;
	idx = cli_find_dev(cli, o.bdf);
	if (idx < 0)
		return CLI_ERR;
	bdf = dmaown_topology_dev(cli->topo, (size_t)idx)->bdf;
	dmaown_bdf_format(bdf, b);
	group = dmaown_topology_dev(cli->topo, (size_t)idx)->kernel_group;
	if (group < 0)
		return cli_error(
			cli, "%s has no IOMMU group; nothing to release", b);
	r = open_host(cli, !o.dry_run, &h);
	if (r < 0)
		return CLI_ERR;
	if (open_state(cli, &o, !o.dry_run, &s))
		goto out;
	r = dmaown_state_load(s, group, &rec, &err);
	if (r == -ENOENT) {
		cli_error(
			cli,
			"%s: group %d was not assigned by dmaown (no record in %s)",
			b, group, dmaown_state_dir(s));
		code = CLI_NO;
		goto out;
	}
	if (r < 0) {
		cli_error(cli, "%s", err.msg);
		goto out;
	}
	if (rec->phase != DMAOWN_PHASE_ASSIGNED) {
		cli_error(
			cli,
			"%s: group %d has an interrupted %s (phase %s); run `dmaown recover`",
			b, group, dmaown_move_op_name(rec->op),
			dmaown_move_phase_name(rec->phase));
		goto out;
	}
	r = dmaown_move_plan_release(rec, bdf, o.persist, &p, &err);
	if (r < 0) {
		cli_error(cli, "%s", err.msg);
		goto out;
	}
	if (o.dry_run || !o.json)
		print_plan(cli, p, &o, "planned");
	if (o.dry_run) {
		code = CLI_OK;
		goto out;
	}
	if (cli->verbose)
		dmaown_host_set_trace(h, trace, cli);
	r = dmaown_move_release(h, s, p, &rep, &err);
	if (o.json)
		print_plan(cli, p, &o, r ? "failed" : "ok");
	else if (!r)
		fprintf(cli->out, "group %d is back on its original drivers\n",
			group);
	code = finish(cli, r, &rep, &err, "release");
out:
	dmaown_move_plan_free(rec);
	dmaown_move_plan_free(p);
	dmaown_state_close(s);
	dmaown_host_free(h);
	return code;
}

int cmd_recover(struct cli *cli, int argc, char **argv)
{
	static const char usage[] =
		"Usage: dmaown recover [--state-dir DIR] [--wait SECS]\n"
		"Undo an interrupted assign, finish an interrupted release.\n";
	struct dmaown_move_report rep = { .failed_step = -1 };
	struct dmaown_err err = { 0 };
	struct dmaown_state *s = NULL;
	struct dmaown_host *h = NULL;
	struct opts o;
	int r, done = 0, code = CLI_ERR;

	if (cli_wants_help(cli, argc, argv, usage))
		return CLI_OK;
	if (parse_opts(cli, argc, argv, &o, false))
		return CLI_ERR;
	r = open_host(cli, true, &h);
	if (r < 0)
		return CLI_ERR;
	if (open_state(cli, &o, true, &s))
		goto out;
	r = dmaown_move_recover(h, s, &rep, &done, &err);
	if (rep.log)
		fputs(rep.log, cli->out);
	if (!r && !done)
		fprintf(cli->out, "nothing to recover\n");
	dmaown_move_report_free(&rep);
	if (r < 0)
		cli_error(cli, "recover incomplete: %s",
			  err.msg[0] ? err.msg : dmaown_errno_name(r));
	code = r < 0 ? CLI_ERR : CLI_OK;
out:
	dmaown_state_close(s);
	dmaown_host_free(h);
	return code;
}

/* ---- explain ---------------------------------------------------------- */

/* does the journal hold a record of @group?  (read-only check) */
static bool has_record(struct cli *cli, const struct opts *o, int group)
{
	const char *root = strcmp(cli_root(cli), "/") ? cli_root(cli) : "";
	char path[PATH_MAX];

	if (o->state_dir) {
		snprintf(path, sizeof(path), "%s/group-%d", o->state_dir,
			 group);
		return !access(path, F_OK);
	}
	snprintf(path, sizeof(path), "%s/run/dmaown/group-%d", root, group);
	if (!access(path, F_OK))
		return true;
	snprintf(path, sizeof(path), "%s/var/lib/dmaown/group-%d", root,
		 group);
	return !access(path, F_OK);
}

static const char *drv_of(const struct dmaown_dev *d)
{
	return d->driver && *d->driver ? d->driver : NULL;
}

static bool is_bridge_dev(const struct dmaown_dev *d)
{
	return d->is_bridge || (d->header_type & 0x7f) == 1 ||
	       (d->header_type & 0x7f) == 2;
}

/*
 * The isolation warnings of the P2P analysis: weaknesses of the kernel's
 * groups touching @group, and peers outside @group whose requests reach
 * @idx's BARs below the root complex.  Added to @jw / @jp (JSON) and
 * printed when @f is set.
 */
static int explain_p2p(struct cli *cli, size_t idx, int group,
		       struct json_object *jw, struct json_object *jp, FILE *f)
{
	const struct dmaown_topology *t = cli->topo;
	struct dmaown_predict_opts po = { 0 };
	struct dmaown_groups *kg = NULL;
	struct dmaown_weakness *w = NULL;
	struct dmaown_p2p *pp = NULL;
	struct dmaown_p2p_path path;
	char b[DMAOWN_BDF_STRLEN], m[DMAOWN_BDF_STRLEN], v[DMAOWN_BDF_STRLEN];
	char fix[256];
	size_t nw = 0, i, k, n = dmaown_topology_count(t);
	int r, nwarn = 0;

	dmaown_bdf_format(dmaown_topology_dev(t, idx)->bdf, b);
	r = dmaown_p2p_new(t, &po, &pp);
	if (!r)
		r = dmaown_groups_from_kernel(t, &kg);
	if (!r)
		r = dmaown_p2p_weaknesses(pp, kg, &w, &nw);
	if (r)
		goto out;
	for (k = 0; k < nw; k++) {
		struct json_object *o, *d;
		bool touches = false;

		for (i = 0; i < w[k].ndevs && !touches; i++)
			touches = dmaown_topology_dev(t, w[k].devs[i])
					  ->kernel_group == group;
		if (!touches)
			continue;
		o = json_object_new_object();
		d = json_object_new_array();
		json_object_object_add(o, "kind",
				       json_object_new_string(
					       dmaown_weak_kind_name(w[k].kind)));
		json_object_object_add(o, "sentence",
				       json_object_new_string(w[k].sentence));
		for (i = 0; i < w[k].ndevs; i++)
			json_object_array_add(
				d, json_object_new_string(dmaown_bdf_format(
					   dmaown_topology_dev(t, w[k].devs[i])
						   ->bdf,
					   m)));
		json_object_object_add(o, "devices", d);
		json_object_array_add(jw, o);
		if (f) {
			fprintf(f, "%s  [%s] %s\n    devices:",
				nwarn++ ? "" :
					  "Isolation warnings (P2P analysis):\n",
				dmaown_weak_kind_name(w[k].kind),
				w[k].sentence);
			for (i = 0; i < w[k].ndevs; i++)
				fprintf(f, " %s",
					dmaown_bdf_format(
						dmaown_topology_dev(
							t, w[k].devs[i])
							->bdf,
						m));
			fprintf(f, "\n");
		}
	}
	for (i = 0; i < n; i++) {
		const struct dmaown_dev *x = dmaown_topology_dev(t, i);
		const char *drv = drv_of(x);
		struct json_object *o;

		if (i == idx || (group >= 0 && x->kernel_group == group))
			continue;
		if (dmaown_p2p_reach(pp, i, idx, &path) != 1)
			continue;
		dmaown_bdf_format(x->bdf, m);
		dmaown_bdf_format(
			dmaown_topology_dev(t, (size_t)path.via)->bdf, v);
		/* the peer must not be another user's: same VM, or nobody's */
		snprintf(fix, sizeof(fix), "dmaown assign %s", m);
		o = json_object_new_object();
		json_object_object_add(o, "bdf", json_object_new_string(m));
		json_object_object_add(o, "driver",
				       drv ? json_object_new_string(drv) :
					     NULL);
		json_object_object_add(o, "group",
				       json_object_new_int(x->kernel_group));
		json_object_object_add(
			o, "kind",
			json_object_new_string(dmaown_p2p_kind_name(path.kind)));
		json_object_object_add(o, "via", json_object_new_string(v));
		json_object_object_add(o, "fix", json_object_new_string(fix));
		json_object_array_add(jp, o);
		if (f)
			fprintf(f,
				"%s  %s (%s, group %d) can reach %s's BARs without the IOMMU: %s via %s\n"
				"    Fix: %s   (then give group %d to the same VM as group %d, or to none)\n",
				nwarn++ ? "" :
					  "Isolation warnings (P2P analysis):\n",
				m, drv ? drv : "no driver", x->kernel_group, b,
				dmaown_p2p_kind_name(path.kind), v, fix,
				x->kernel_group, group);
	}
out:
	free(w);
	dmaown_groups_free(kg);
	dmaown_p2p_free(pp);
	return r;
}

int cmd_explain(struct cli *cli, int argc, char **argv)
{
	static const char usage[] =
		"Usage: dmaown explain BDF [--state-dir DIR] [--json]\n"
		"Why BDF's IOMMU group can or cannot be taken by userspace now,\n"
		"and how its isolation is weaker than it looks (P2P analysis).\n"
		"Exit status: 0 usable by userspace now, 1 not, 2 bad input.\n";
	struct json_object *jo, *jm, *jb, *jh, *jw, *jp;
	struct dmaown_holder *hs = NULL;
	const struct dmaown_dev *d;
	char b[DMAOWN_BDF_STRLEN], m[DMAOWN_BDF_STRLEN];
	char reason[512] = "", fix[512] = "";
	const char *own;
	struct opts o;
	size_t i;
	int idx, nblock = 0, nh, k, nheld = 0, group, r;
	bool usable;
	FILE *f = cli->out;

	if (cli_wants_help(cli, argc, argv, usage))
		return CLI_OK;
	if (parse_opts(cli, argc, argv, &o, true))
		return CLI_ERR;
	idx = cli_find_dev(cli, o.bdf);
	if (idx < 0)
		return CLI_ERR;
	d = dmaown_topology_dev(cli->topo, (size_t)idx);
	own = drv_of(d);
	group = d->kernel_group;
	dmaown_bdf_format(d->bdf, b);
	jo = json_object_new_object();
	jm = json_object_new_array();
	jb = json_object_new_array();
	jh = json_object_new_array();
	jw = json_object_new_array();
	jp = json_object_new_array();
	json_object_object_add(jo, "schema", json_object_new_int(1));
	json_object_object_add(jo, "bdf", json_object_new_string(b));
	json_object_object_add(jo, "group", json_object_new_int(group));
	json_object_object_add(jo, "driver",
			       own ? json_object_new_string(own) : NULL);
	if (group < 0) {
		snprintf(reason, sizeof(reason),
			 "%s has no IOMMU group: the kernel has no IOMMU isolating it, so VFIO cannot take it",
			 b);
		snprintf(fix, sizeof(fix),
			 "enable the IOMMU (intel_iommu=on or amd_iommu=on on the kernel command line, and VT-d/AMD-Vi in firmware), reboot, then `dmaown explain %s`",
			 b);
		if (!o.json)
			fprintf(f, "%s.\nFix: %s\n", reason, fix);
		json_object_object_add(jo, "viable",
				       json_object_new_boolean(false));
		json_object_put(jm);	/* no members, no blockers */
		json_object_put(jb);
		goto p2p;
	}
	if (!o.json)
		fprintf(f,
			"%s is in IOMMU group %d; userspace can take the group only when no member is bound to a DMA-API driver:\n",
			b, group);
	for (i = 0; i < dmaown_topology_count(cli->topo); i++) {
		const struct dmaown_dev *x = dmaown_topology_dev(cli->topo, i);
		const char *drv = drv_of(x);
		bool blocks = drv && !dmaown_driver_managed_dma(drv);
		struct json_object *e;

		if (x->kernel_group != group)
			continue;
		dmaown_bdf_format(x->bdf, m);
		e = json_object_new_object();
		json_object_object_add(e, "bdf", json_object_new_string(m));
		json_object_object_add(e, "driver",
				       drv ? json_object_new_string(drv) :
					     NULL);
		json_object_object_add(e, "blocks",
				       json_object_new_boolean(blocks));
		json_object_array_add(jm, e);
		if (blocks) {
			json_object_array_add(jb, json_object_get(e));
			k = (int)strlen(reason);
			if (k < (int)sizeof(reason))
				snprintf(reason + k, sizeof(reason) - (size_t)k,
					 "%s%s is bound to %s (a DMA-API driver)",
					 nblock ? "; " : "", m, drv);
			nblock++;
		}
		if (o.json)
			continue;
		if (blocks)
			fprintf(f,
				"  %s  %-10s BLOCKS: %s uses the kernel DMA API (owner_cnt > 0)\n",
				m, drv, drv);
		else
			fprintf(f, "  %s  %-10s ok: %s\n", m,
				drv ? drv : "(none)",
				!drv ? "no driver" :
				dmaown_driver_is_vfio(drv) ?
				       "VFIO driver" :
				       "driver_managed_dma driver");
	}
	json_object_object_add(jo, "members", jm);
	json_object_object_add(jo, "blockers", jb);
	json_object_object_add(jo, "viable",
			       json_object_new_boolean(!nblock));
	nh = dmaown_vfio_holders(cli_root(cli), &hs);
	for (k = 0; k < nh; k++) {
		struct json_object *e;

		if (hs[k].group != group)
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "pid",
				       json_object_new_int((int)hs[k].pid));
		json_object_object_add(e, "comm",
				       json_object_new_string(hs[k].comm));
		json_object_array_add(jh, e);
		if (!o.json)
			fprintf(f,
				"group %d is held open by pid %d (%s) through /dev/vfio/%d\n",
				group, (int)hs[k].pid, hs[k].comm, group);
		if (!nheld++)
			snprintf(fix, sizeof(fix),
				 "stop pid %d (%s), which holds /dev/vfio/%d, then `dmaown explain %s`",
				 (int)hs[k].pid, hs[k].comm, group, b);
	}
	free(hs);
	if (nblock) {
		/* a pci-stub BDF would stay there without --all */
		snprintf(fix, sizeof(fix), "dmaown assign %s%s", b,
			 own && !is_bridge_dev(d) && !dmaown_driver_is_vfio(own) &&
					 dmaown_driver_managed_dma(own) ?
				 " --all" :
				 "");
		if (!o.json)
			fprintf(f,
				"Not viable: QEMU would say \"group %d is not viable\".\n"
				"Fix: %s   (moves every blocking member to vfio-pci and back with `dmaown release %s`)\n",
				group, fix, b);
	} else if (nheld) {
		snprintf(reason, sizeof(reason),
			 "group %d is viable but in use by another process",
			 group);
		if (!o.json)
			fprintf(f, "Viable but in use: %s.\nFix: %s\n", reason,
				fix);
	} else if (!is_bridge_dev(d) && !(own && dmaown_driver_is_vfio(own))) {
		snprintf(reason, sizeof(reason),
			 "group %d is viable, but %s %s%s, not a VFIO driver: there is no VFIO device to open",
			 group, b, own ? "is on " : "has no driver",
			 own ? own : "");
		if (has_record(cli, &o, group))
			snprintf(fix, sizeof(fix),
				 "dmaown release %s && dmaown assign %s",
				 b, b);
		else
			snprintf(fix, sizeof(fix), "dmaown assign %s%s", b,
				 own ? " --all" : "");
		if (!o.json)
			fprintf(f, "Viable, but not usable yet: %s.\nFix: %s\n",
				reason, fix);
	} else if (!o.json) {
		fprintf(f,
			"Viable: no member uses the kernel DMA API; VFIO can claim group %d.\n",
			group);
	}
p2p:
	usable = group >= 0 && !*fix;
	r = explain_p2p(cli, (size_t)idx, group, jw, jp, o.json ? NULL : f);
	if (r < 0)
		cli_warn(cli, "explain: P2P analysis failed: %s",
			 strerror(-r));
	json_object_object_add(jo, "holders", jh);
	json_object_object_add(jo, "usable", json_object_new_boolean(usable));
	json_object_object_add(jo, "reason",
			       *reason ? json_object_new_string(reason) :
					 NULL);
	json_object_object_add(jo, "fix",
			       *fix ? json_object_new_string(fix) : NULL);
	json_object_object_add(jo, "warnings", jw);
	json_object_object_add(jo, "peers", jp);
	if (o.json)
		fprintf(f, "%s\n",
			json_object_to_json_string_ext(jo,
						       JSON_C_TO_STRING_PLAIN));
	json_object_put(jo);
	return usable ? CLI_OK : CLI_NO;
}
