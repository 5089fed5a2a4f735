// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-predict.c - `dmaown predict`, `dmaown groups` and `dmaown p2p`:
 * IOMMU groups as mainline Linux forms them (or as true isolation needs
 * them), the kernel's own groups beside the prediction, and peer-to-peer
 * isolation domains.  Thin over dmaown/predict.h and dmaown/p2p.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "dmaown/acpi.h"
#include "dmaown/cmdline.h"
#include "dmaown/p2p.h"
#include "dmaown/predict.h"
#include "dmaown/quirks.h"

static const char predict_usage[] =
	"Usage: dmaown [SOURCE] predict [--model=kernel|spec] [--cmdline=STR]\n"
	"                               [--kver=X.Y.Z] [--firmware] [--no-quirks] [--json]\n"
	"\n"
	"Predict IOMMU groups from the PCI topology (never from the kernel's groups).\n"
	"  --model=kernel  the groups mainline Linux forms (default)\n"
	"  --model=spec    the groups true isolation needs (P2P reachability)\n"
	"  --cmdline=STR   kernel command line to assume (default: the source's)\n"
	"  --kver=X.Y.Z    kernel version to model (default: the source's, else 7.1.5)\n"
	"  --firmware      ACS words are firmware state: simulate pci_enable_acs()\n"
	"  --no-quirks     a kernel built without CONFIG_PCI_QUIRKS\n"
	"  --no-acs-override  a mainline kernel: ignore pcie_acs_override=\n"
	"Exit status: 0, or 2 on bad input.\n";

static const char groups_usage[] =
	"Usage: dmaown [SOURCE] groups [--diff] [--json] [predict options]\n"
	"\n"
	"Show the kernel's IOMMU groups.  With --diff, show the prediction\n"
	"beside them and explain each difference.\n"
	"Exit status: 0; 1 when --diff finds a difference; 2 on bad input.\n";

static const char p2p_usage[] =
	"Usage: dmaown [SOURCE] p2p [--json] [predict options] [BDF-A BDF-B]\n"
	"\n"
	"Show the peer-to-peer isolation domains and every place where the\n"
	"kernel's groups (or the predicted ones, when the source has none) are\n"
	"weaker than the hardware.  With two devices, show whether A's\n"
	"untranslated requests reach B below the root complex, and how.\n"
	"Exit status: 0 (1 with two devices that can reach each other); 2 on bad input.\n";

struct popts {
	struct dmaown_predict_opts o;
	bool json, diff;
	const char *pos[2];
	int npos;
};

static int parse_opts(struct cli *cli, int argc, char **argv, struct popts *p,
		      bool allow_diff, int maxpos)
{
	int i;

	memset(p, 0, sizeof(*p));
	p->json = cli->json;
	if (cli->profile && strcmp(cli->profile, "auto") &&
	    strcmp(cli->profile, "latest"))
		p->o.kver = dmaown_kver_parse(cli->profile);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json")) {
			p->json = true;
		} else if (!strcmp(a, "--model=kernel")) {
			p->o.model = DMAOWN_MODEL_KERNEL;
		} else if (!strcmp(a, "--model=spec")) {
			p->o.model = DMAOWN_MODEL_SPEC;
		} else if (!strncmp(a, "--cmdline=", 10)) {
			p->o.cmdline = a + 10;
		} else if (!strncmp(a, "--kver=", 7)) {
			p->o.kver = dmaown_kver_parse(a + 7);
			if (!p->o.kver)
				return cli_error(
					cli,
					"--kver: '%s' is not a kernel version",
					a + 7);
		} else if (!strcmp(a, "--firmware")) {
			p->o.acs_input = DMAOWN_ACS_FIRMWARE;
		} else if (!strcmp(a, "--no-quirks")) {
			p->o.no_quirks = true;
		} else if (!strcmp(a, "--no-acs-override")) {
			p->o.no_override_patch = true;
		} else if (allow_diff && !strcmp(a, "--diff")) {
			p->diff = true;
		} else if (a[0] != '-' && p->npos < maxpos) {
			p->pos[p->npos++] = a;
		} else {
			return cli_error(
				cli,
				"%s: unknown option '%s' (see `dmaown %s --help`)",
				argv[0], a, argv[0]);
		}
	}
	return CLI_OK;
}

static void cmdline_warnings(struct cli *cli, const struct dmaown_topology *t,
			     const struct dmaown_predict_opts *o)
{
	const struct dmaown_host_info *h = dmaown_topology_host_const(t);
	struct dmaown_cmdline cl;
	int k;

	dmaown_cmdline_parse(o->cmdline ? o->cmdline : h->cmdline, &cl);
	for (k = 0; k < cl.nwarn; k++)
		cli_warn(cli, "kernel command line: %s", cl.warn[k]);
}

/*
 * IOMMU scope from the ACPI tables of a sysfs source (readable by root
 * only on a live host; silently skipped when absent or unreadable).
 */
static void load_scope(struct cli *cli, struct dmaown_topology *t)
{
	static const char *const names[] = { "DMAR", "IVRS" };
	size_t k;

	if (cli->lspci_dump || cli->lspci_text)
		return;
	for (k = 0; k < 2; k++) {
		struct dmaown_err err = { 0 };
		char path[4096];
		uint8_t *buf;
		long len;
		FILE *f;
		int r;

		snprintf(path, sizeof(path), "%s/sys/firmware/acpi/tables/%s",
			 strcmp(cli_root(cli), "/") ? cli_root(cli) : "",
			 names[k]);
		f = fopen(path, "rb");
		if (!f)
			continue;
		buf = malloc(1 << 20);
		len = buf ? (long)fread(buf, 1, 1 << 20, f) : -1;
		fclose(f);
		if (len > 0) {
			r = k ? dmaown_ivrs_apply(t, buf, (size_t)len, &err) :
				dmaown_dmar_apply(t, buf, (size_t)len, &err);
			if (r)
				cli_warn(cli, "%s: %s (IOMMU scope ignored)",
					 path,
					 err.msg[0] ? err.msg : strerror(-r));
		}
		free(buf);
	}
}

static struct dmaown_topology *topology(struct cli *cli)
{
	struct dmaown_topology *t = cli_topology(cli);

	if (t)
		load_scope(cli, t);
	return t;
}

static const char *bdfs(const struct dmaown_topology *t, size_t i, char *buf)
{
	return dmaown_bdf_format(dmaown_topology_dev(t, i)->bdf, buf);
}

static const char *dev_label(const struct dmaown_dev *d, char *buf, size_t len)
{
	snprintf(buf, len, "[%04x:%04x]%s%s", d->vendor, d->device,
		 d->name ? " " : "", d->name ? d->name : "");
	return buf;
}

/* a partition as text or JSON; @title "group" or "domain" */
static void print_partition(struct cli *cli, const struct dmaown_topology *t,
			    const struct dmaown_groups *g, bool json,
			    const char *title, const char *nogroup_why,
			    struct json_object *into)
{
	size_t n = dmaown_topology_count(t), k, i, nung = 0;
	char b[DMAOWN_BDF_STRLEN], lab[256];
	struct json_object *arr = json ? json_object_new_array() : NULL;
	struct json_object *ung = json ? json_object_new_array() : NULL;
	size_t *first = calloc(g->ngroups + 1, sizeof(size_t));
	size_t *next = malloc((n + 1) * sizeof(size_t));
	size_t *last = calloc(g->ngroups + 1, sizeof(size_t));

	if (!first || !next || !last) {
		cli_error(cli, "out of memory");
		goto out;
	}
	/* member lists in address order, O(n) */
	for (i = n; i-- > 0;) {
		int x = g->group_of[i];

		if (x < 0)
			continue;
		next[i] = first[x];
		first[x] = i + 1;
	}
	for (k = 0; k < g->ngroups; k++) {
		struct json_object *o = NULL, *devs = NULL;
		const char *why = g->why && g->why[k] ? g->why[k] : "";

		if (json) {
			o = json_object_new_object();
			devs = json_object_new_array();
		} else {
			fprintf(cli->out, "%s %zu", title, k);
			if (g->kernel_id && g->kernel_id[k] >= 0 &&
			    g->kernel_id[k] != (int)k)
				fprintf(cli->out, " (kernel %d)",
					g->kernel_id[k]);
			fprintf(cli->out, "%s%s\n", why[0] ? ": " : "", why);
		}
		for (i = first[k]; i; i = next[i - 1]) {
			const struct dmaown_dev *d =
				dmaown_topology_dev(t, i - 1);

			if (json)
				json_object_array_add(
					devs, json_object_new_string(
						      bdfs(t, i - 1, b)));
			else
				fprintf(cli->out, "  %s  %s\n",
					bdfs(t, i - 1, b),
					dev_label(d, lab, sizeof(lab)));
		}
		if (json) {
			json_object_object_add(o, "devices", devs);
			json_object_object_add(o, "why",
					       json_object_new_string(why));
			json_object_array_add(arr, o);
		}
	}
	for (i = 0; i < n; i++)
		if (g->group_of[i] < 0) {
			nung++;
			if (json)
				json_object_array_add(
					ung,
					json_object_new_string(bdfs(t, i, b)));
		}
	if (json) {
		json_object_object_add(
			into, title[0] == 'g' ? "groups" : "domains", arr);
		arr = NULL;
		if (nung) {
			json_object_object_add(into, "ungrouped", ung);
			json_object_object_add(
				into, "ungrouped_why",
				json_object_new_string(nogroup_why));
			ung = NULL;
		}
	} else if (nung) {
		fprintf(cli->out, "%zu device%s in no group: %s\n", nung,
			nung == 1 ? "" : "s", nogroup_why);
		for (i = 0; i < n; i++)
			if (g->group_of[i] < 0)
				fprintf(cli->out, "  %s  %s\n", bdfs(t, i, b),
					dev_label(dmaown_topology_dev(t, i),
						  lab, sizeof(lab)));
	}
out:
	json_object_put(arr);
	json_object_put(ung);
	free(first);
	free(next);
	free(last);
}

static void json_print(struct cli *cli, struct json_object *o)
{
	fprintf(cli->out, "%s\n",
		json_object_to_json_string_ext(
			o, JSON_C_TO_STRING_PRETTY |
				   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static const char *no_iommu_why(const struct dmaown_topology *t,
				const struct dmaown_predict_opts *o)
{
	const struct dmaown_host_info *h = dmaown_topology_host_const(t);
	struct dmaown_cmdline cl;

	dmaown_cmdline_parse(o->cmdline ? o->cmdline : h->cmdline, &cl);
	if (cl.iommu_off)
		return "the kernel command line turns the IOMMU off";
	if (h->iommu_known && !h->iommu_present)
		return "no IOMMU driver is registered on this host";
	return "no IOMMU covers these devices (the AMD IOMMU's own function is never grouped)";
}

int cmd_predict(struct cli *cli, int argc, char **argv)
{
	struct dmaown_topology *t;
	struct dmaown_groups *g = NULL;
	struct popts p;
	int r;

	if (cli_wants_help(cli, argc, argv, predict_usage))
		return CLI_OK;
	if (parse_opts(cli, argc, argv, &p, false, 0))
		return CLI_ERR;
	t = topology(cli);
	if (!t)
		return CLI_ERR;
	cmdline_warnings(cli, t, &p.o);
	r = dmaown_predict(t, &p.o, &g);
	if (r)
		return cli_error(cli, "predict: %s", strerror(-r));
	if (p.json) {
		struct json_object *o = json_object_new_object();

		print_partition(cli, t, g, true, "group", no_iommu_why(t, &p.o),
				o);
		json_print(cli, o);
	} else {
		print_partition(cli, t, g, false, "group",
				no_iommu_why(t, &p.o), NULL);
	}
	dmaown_groups_free(g);
	return CLI_OK;
}

static bool has_kernel_groups(const struct dmaown_topology *t)
{
	size_t i, n = dmaown_topology_count(t);

	for (i = 0; i < n; i++)
		if (dmaown_topology_dev(t, i)->kernel_group >= 0)
			return true;
	return false;
}

/* why might kernel group @members differ from the prediction? */
static void explain(struct cli *cli, const struct dmaown_topology *t,
		    const struct dmaown_groups *kg,
		    const struct dmaown_groups *pg, const size_t *m, size_t nm,
		    const struct dmaown_predict_opts *o,
		    struct json_object *arr)
{
	const struct dmaown_host_info *h = dmaown_topology_host_const(t);
	struct dmaown_cmdline cl;
	char line[512];
	size_t k;
	bool unknown = false, ungrouped = false, pred_none = false;
	bool inferred = false, hunknown = false;
	size_t n = dmaown_topology_count(t), i;

	dmaown_cmdline_parse(o->cmdline ? o->cmdline : h->cmdline, &cl);
	/* the hierarchy matters if a member, or a device sharing one of
	 * the members' predicted groups, hangs on an inferred link */
	for (i = 0; i < n; i++) {
		const struct dmaown_dev *d = dmaown_topology_dev(t, i);
		bool near = false;

		if (!d->parent_inferred && !d->parent_unknown)
			continue;
		for (k = 0; k < nm && !near; k++)
			near = m[k] == i || (pg->group_of[i] >= 0 &&
					     pg->group_of[i] ==
						     pg->group_of[m[k]]);
		if (near) {
			inferred |= d->parent_inferred;
			hunknown |= d->parent_unknown;
		}
	}
	for (k = 0; k < nm; k++) {
		const struct dmaown_dev *d = dmaown_topology_dev(t, m[k]);
		int pa = d->parent;

		unknown |= !d->acs_known;
		for (; pa >= 0; pa = dmaown_topology_dev(t, (size_t)pa)->parent)
			unknown |=
				!dmaown_topology_dev(t, (size_t)pa)->acs_known;
		ungrouped |= kg->group_of[m[k]] < 0;
		pred_none |= pg->group_of[m[k]] < 0;
	}
	if (ungrouped && !pred_none)
		snprintf(
			line, sizeof(line),
			"a device the IOMMU does not cover (outside every DMAR/IVRS scope, or intel_iommu=igfx_off)");
	else if (pred_none)
		snprintf(
			line, sizeof(line),
			"the prediction assumed no IOMMU, but the kernel made groups");
	else if (unknown)
		snprintf(
			line, sizeof(line),
			"ACS not readable without root: the prediction assumed no ACS; run as root or snapshot as root");
	else if (cl.ovr.set)
		snprintf(
			line, sizeof(line),
			"pcie_acs_override is on the command line: the prediction assumes the kernel carries the override patch (Proxmox position)");
	else
		snprintf(
			line, sizeof(line),
			"a quirk missing from dmaown's table (a distribution kernel's own quirks?) or a kernel-version difference");
	if (arr)
		json_object_array_add(arr, json_object_new_string(line));
	else
		fprintf(cli->out, "  explanation: %s\n", line);
	if (!hunknown && !inferred)
		return;
	snprintf(line, sizeof(line), "%s",
		 hunknown ?
			 "bus hierarchy unknown: lspci text had no Bus: lines and its bus numbers fit no numbering rule, so devices behind bridges were taken to sit on a root bus; paste `lspci -vv` (or -t) for the real tree" :
			 "bus hierarchy inferred from bus numbers (lspci text had no Bus: lines): firmware that reserves bus numbers (hotplug, Thunderbolt) can make the guess wrong; paste `lspci -vv` for the real tree");
	if (arr)
		json_object_array_add(arr, json_object_new_string(line));
	else
		fprintf(cli->out, "  explanation: %s\n", line);
}

static int groups_diff(struct cli *cli, const struct dmaown_topology *t,
		       const struct dmaown_groups *kg, struct popts *p,
		       struct json_object *jo)
{
	struct dmaown_groups *pg = NULL;
	size_t n = dmaown_topology_count(t), i, k, ndiff = 0;
	size_t *m = malloc((n + 1) * sizeof(size_t));
	int *kfirst = NULL, *pcount = NULL, *kcount = NULL;
	struct json_object *darr = jo ? json_object_new_array() : NULL;
	char b[DMAOWN_BDF_STRLEN];
	int r;

	p->o.model = DMAOWN_MODEL_KERNEL;
	r = dmaown_predict(t, &p->o, &pg);
	if (r || !m) {
		free(m);
		json_object_put(darr);
		return cli_error(cli, "predict: %s", strerror(r ? -r : ENOMEM));
	}
	kfirst = malloc((kg->ngroups + 1) * sizeof(int));
	kcount = calloc(kg->ngroups + 1, sizeof(int));
	pcount = calloc(pg->ngroups + 1, sizeof(int));
	if (!kfirst || !kcount || !pcount) {
		r = cli_error(cli, "out of memory");
		goto out;
	}
	for (k = 0; k < kg->ngroups; k++)
		kfirst[k] = -2;
	for (i = 0; i < n; i++) {
		int x = kg->group_of[i], y = pg->group_of[i];

		if (x >= 0) {
			kcount[x]++;
			if (kfirst[x] == -2)
				kfirst[x] = y;
			else if (kfirst[x] != y)
				kfirst[x] = -3; /* split in the prediction */
		}
		if (y >= 0)
			pcount[y]++;
	}
	/* a kernel group differs unless one predicted group has exactly it */
	for (k = 0; k <= kg->ngroups; k++) {
		bool differs;
		size_t nm = 0;
		struct json_object *o = NULL, *ke = NULL, *pe = NULL,
				   *ex = NULL;

		if (k < kg->ngroups) {
			differs =
				kfirst[k] < 0 || pcount[kfirst[k]] != kcount[k];
			for (i = 0; i < n; i++)
				if (kg->group_of[i] == (int)k)
					m[nm++] = i;
		} else {
			/* devices the kernel left out that the prediction groups */
			for (i = 0; i < n; i++)
				if (kg->group_of[i] < 0 && pg->group_of[i] >= 0)
					m[nm++] = i;
			differs = nm > 0;
		}
		if (!differs)
			continue;
		ndiff++;
		if (jo) {
			o = json_object_new_object();
			ke = json_object_new_array();
			pe = json_object_new_array();
			ex = json_object_new_array();
		} else if (k < kg->ngroups) {
			fprintf(cli->out, "kernel group %d differs:\n",
				kg->kernel_id ? kg->kernel_id[k] : (int)k);
		} else {
			fprintf(cli->out,
				"not in any kernel group, but predicted in one:\n");
		}
		for (i = 0; i < nm; i++) {
			int y = pg->group_of[m[i]];

			if (jo) {
				json_object_array_add(
					ke, json_object_new_string(
						    bdfs(t, m[i], b)));
				continue;
			}
			fprintf(cli->out, "  %s  predicted group %d: %s\n",
				bdfs(t, m[i], b), y,
				y >= 0 && pg->why[y] ? pg->why[y] : "no IOMMU");
		}
		if (jo) {
			for (i = 0; i < nm; i++) {
				int y = pg->group_of[m[i]];

				json_object_array_add(
					pe, y >= 0 && pg->why[y] ?
						    json_object_new_string(
							    pg->why[y]) :
						    NULL);
			}
			json_object_object_add(o, "kernel_devices", ke);
			json_object_object_add(o, "predicted_why", pe);
		}
		explain(cli, t, kg, pg, m, nm, &p->o, ex);
		if (jo) {
			json_object_object_add(o, "explanations", ex);
			json_object_array_add(darr, o);
		}
	}
	if (jo) {
		json_object_object_add(jo, "differences", darr);
		darr = NULL;
	} else if (!ndiff) {
		fprintf(cli->out,
			"prediction matches the kernel's %zu groups\n",
			kg->ngroups);
	}
	r = ndiff ? CLI_NO : CLI_OK;
out:
	json_object_put(darr);
	free(m);
	free(kfirst);
	free(kcount);
	free(pcount);
	dmaown_groups_free(pg);
	return r;
}

int cmd_groups(struct cli *cli, int argc, char **argv)
{
	struct dmaown_topology *t;
	struct dmaown_groups *kg = NULL;
	struct json_object *jo = NULL;
	struct popts p;
	int r;

	if (cli_wants_help(cli, argc, argv, groups_usage))
		return CLI_OK;
	if (parse_opts(cli, argc, argv, &p, true, 0))
		return CLI_ERR;
	t = topology(cli);
	if (!t)
		return CLI_ERR;
	cmdline_warnings(cli, t, &p.o);
	if (p.diff && !has_kernel_groups(t) &&
	    !dmaown_predict_iommu_off(t, &p.o))
		return cli_error(
			cli,
			"groups --diff: the source has no IOMMU group data (use `dmaown predict`)");
	r = dmaown_groups_from_kernel(t, &kg);
	if (r)
		return cli_error(cli, "groups: %s", strerror(-r));
	if (p.json)
		jo = json_object_new_object();
	print_partition(cli, t, kg, p.json, "group",
			"the kernel put them in no IOMMU group", jo);
	r = CLI_OK;
	if (p.diff) {
		if (!p.json)
			fprintf(cli->out, "\n");
		r = groups_diff(cli, t, kg, &p, jo);
	}
	if (jo)
		json_print(cli, jo);
	dmaown_groups_free(kg);
	return r;
}

static int p2p_pair(struct cli *cli, struct dmaown_p2p *pp,
		    const struct dmaown_topology *t, struct popts *p)
{
	struct dmaown_p2p_path path;
	int a = cli_find_dev(cli, p->pos[0]), b, r, k;
	char buf[DMAOWN_BDF_STRLEN];

	if (a < 0)
		return CLI_ERR;
	b = cli_find_dev(cli, p->pos[1]);
	if (b < 0)
		return CLI_ERR;
	r = dmaown_p2p_reach(pp, (size_t)a, (size_t)b, &path);
	if (r < 0)
		return cli_error(cli,
				 "p2p: %s and %s must be two different devices",
				 p->pos[0], p->pos[1]);
	if (p->json) {
		struct json_object *o = json_object_new_object();
		struct json_object *hops = json_object_new_array();

		json_object_object_add(o, "reachable",
				       json_object_new_boolean(r));
		json_object_object_add(
			o, "kind",
			json_object_new_string(
				dmaown_p2p_kind_name(path.kind)));
		for (k = 0; k < path.nhops; k++)
			json_object_array_add(
				hops, json_object_new_string(bdfs(
					      t, (size_t)path.hops[k], buf)));
		json_object_object_add(o, "hops", hops);
		json_print(cli, o);
	} else {
		fprintf(cli->out, "%s -> %s: %s\n", p->pos[0], p->pos[1],
			r ? dmaown_p2p_kind_name(path.kind) :
			    "not reachable below the root complex (the IOMMU sees it)");
		if (r) {
			fprintf(cli->out, "  path:");
			for (k = 0; k < path.nhops; k++)
				fprintf(cli->out, "%s %s", k ? " ->" : "",
					bdfs(t, (size_t)path.hops[k], buf));
			fprintf(cli->out, "\n");
		}
	}
	return r ? CLI_NO : CLI_OK;
}

int cmd_p2p(struct cli *cli, int argc, char **argv)
{
	struct dmaown_topology *t;
	struct dmaown_groups *dom = NULL, *part = NULL;
	struct dmaown_weakness *w = NULL;
	struct dmaown_p2p *pp = NULL;
	struct json_object *jo = NULL;
	const char *against;
	size_t nw = 0, k, i;
	struct popts p;
	char buf[DMAOWN_BDF_STRLEN];
	int r;

	if (cli_wants_help(cli, argc, argv, p2p_usage))
		return CLI_OK;
	if (parse_opts(cli, argc, argv, &p, false, 2))
		return CLI_ERR;
	if (p.npos == 1)
		return cli_error(cli, "p2p: give two devices, or none");
	t = topology(cli);
	if (!t)
		return CLI_ERR;
	cmdline_warnings(cli, t, &p.o);
	r = dmaown_p2p_new(t, &p.o, &pp);
	if (r)
		return cli_error(cli, "p2p: %s", strerror(-r));
	if (p.npos == 2) {
		r = p2p_pair(cli, pp, t, &p);
		dmaown_p2p_free(pp);
		return r;
	}
	if (has_kernel_groups(t)) {
		against = "kernel";
		r = dmaown_groups_from_kernel(t, &part);
	} else {
		against = "predicted";
		p.o.model = DMAOWN_MODEL_KERNEL;
		r = dmaown_predict(t, &p.o, &part);
	}
	if (!r)
		r = dmaown_p2p_domains(pp, &dom);
	if (!r)
		r = dmaown_p2p_weaknesses(pp, part, &w, &nw);
	if (r) {
		r = cli_error(cli, "p2p: %s", strerror(-r));
		goto out;
	}
	if (p.json) {
		struct json_object *arr = json_object_new_array();

		jo = json_object_new_object();
		print_partition(cli, t, dom, true, "domain",
				no_iommu_why(t, &p.o), jo);
		json_object_object_add(jo, "against",
				       json_object_new_string(against));
		for (k = 0; k < nw; k++) {
			struct json_object *o = json_object_new_object();
			struct json_object *d = json_object_new_array();

			for (i = 0; i < w[k].ndevs; i++)
				json_object_array_add(
					d, json_object_new_string(
						   bdfs(t, w[k].devs[i], buf)));
			json_object_object_add(
				o, "kind",
				json_object_new_string(
					dmaown_weak_kind_name(w[k].kind)));
			json_object_object_add(o, "devices", d);
			json_object_object_add(
				o, "sentence",
				json_object_new_string(w[k].sentence));
			json_object_array_add(arr, o);
		}
		json_object_object_add(jo, "weaknesses", arr);
		json_print(cli, jo);
	} else {
		fprintf(cli->out,
			"isolation domains (P2P reachability + DMA aliases):\n");
		print_partition(cli, t, dom, false, "domain",
				no_iommu_why(t, &p.o), NULL);
		fprintf(cli->out, "\nweaknesses of the %s groups: %zu\n",
			against, nw);
		for (k = 0; k < nw; k++) {
			fprintf(cli->out, "  [%s] %s\n    devices:",
				dmaown_weak_kind_name(w[k].kind),
				w[k].sentence);
			for (i = 0; i < w[k].ndevs; i++)
				fprintf(cli->out, " %s",
					bdfs(t, w[k].devs[i], buf));
			fprintf(cli->out, "\n");
		}
	}
	r = CLI_OK;
out:
	free(w);
	dmaown_groups_free(dom);
	dmaown_groups_free(part);
	dmaown_p2p_free(pp);
	return r;
}
