// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-list.c - `dmaown list`: every IOMMU group, its devices and drivers,
 * who owns its DMA now, and whether userspace can take it.
 *
 * Ownership as the kernel counts it (ownership.md §1): a group is
 * "kernel" while any member is bound to a DMA-API driver (owner_cnt > 0,
 * owner NULL), "user" while a process holds its VFIO group (claimed with
 * a cookie), else "idle".  Userspace can take it only when no member is
 * bound to a driver without driver_managed_dma.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "dmaown/drivers.h"
#include "dmaown/holders.h"

static const char list_usage[] =
	"Usage: dmaown [--root DIR|--lspci-dump F|--lspci-text F] list [--json]\n"
	"\n"
	"List every IOMMU group with its devices, drivers and ownership:\n"
	"  idle    no DMA-API driver bound, nobody holds it\n"
	"  kernel  a member is bound to a driver that uses the DMA API\n"
	"  user    a process holds the group through VFIO\n"
	"and whether userspace can take the group now (viable).\n"
	"Exit status: 0, or 2 if the source cannot be read.\n";

struct group_view {
	int kid;		/* kernel group number */
	size_t *members;
	int nmembers;
	const char *state;	/* idle, kernel, user */
	bool viable;
	int nblockers;
	pid_t holder;
	char holder_comm[32];
};

static bool blocks_user(const struct dmaown_dev *d)
{
	return d->driver && d->driver[0] &&
	       !dmaown_driver_managed_dma(d->driver);
}

static void dev_json(struct cli *cli, const struct dmaown_dev *d,
		     struct json_object *arr)
{
	struct json_object *o = json_object_new_object();
	char buf[DMAOWN_BDF_STRLEN], tmp[16], cls[128];

	json_object_object_add(o, "bdf",
			       json_object_new_string(dmaown_bdf_format(d->bdf, buf)));
	snprintf(tmp, sizeof(tmp), "%04x", d->vendor);
	json_object_object_add(o, "vendor", json_object_new_string(tmp));
	snprintf(tmp, sizeof(tmp), "%04x", d->device);
	json_object_object_add(o, "device", json_object_new_string(tmp));
	snprintf(tmp, sizeof(tmp), "%06x", d->class_code);
	json_object_object_add(o, "class", json_object_new_string(tmp));
	json_object_object_add(o, "class_name",
			       json_object_new_string(cli_class_name(cli, d->class_code,
								     cls, sizeof(cls))));
	if (d->name)
		json_object_object_add(o, "name", json_object_new_string(d->name));
	json_object_object_add(o, "driver",
			       d->driver ? json_object_new_string(d->driver) : NULL);
	if (d->driver)
		json_object_object_add(o, "driver_managed_dma",
				       json_object_new_boolean(!blocks_user(d)));
	if (d->driver_override && d->driver_override[0])
		json_object_object_add(o, "driver_override",
				       json_object_new_string(d->driver_override));
	if (d->is_vf) {
		char pf[DMAOWN_BDF_STRLEN];

		json_object_object_add(o, "physfn",
				       json_object_new_string(dmaown_bdf_format(d->physfn_bdf, pf)));
	}
	json_object_array_add(arr, o);
}

static void dev_text(struct cli *cli, const struct dmaown_dev *d, bool grouped)
{
	char buf[DMAOWN_BDF_STRLEN], cls[128];
	const char *drv = d->driver ? d->driver : "-";

	fprintf(cli->out, "  %s [%04x:%04x] %s: %s  driver: %s%s\n",
		dmaown_bdf_format(d->bdf, buf), d->vendor, d->device,
		cli_class_name(cli, d->class_code, cls, sizeof(cls)),
		d->name ? d->name : "(unknown)", drv,
		grouped && blocks_user(d) ? " (DMA API)" : "");
}

static int cmp_view(const void *a, const void *b)
{
	const struct group_view *x = a, *y = b;

	return (x->kid > y->kid) - (x->kid < y->kid);
}

static int build_views(struct cli *cli, const struct dmaown_topology *t,
		       const struct dmaown_groups *g, struct group_view **ret,
		       size_t **ret_all)
{
	struct dmaown_holder *holders = NULL;
	struct group_view *v;
	size_t i, *all;
	int nh, h, k;

	v = calloc(g->ngroups + 1, sizeof(*v));
	all = malloc((g->ndevs + 1) * sizeof(*all));
	if (!v || !all) {
		free(v);
		free(all);
		return -ENOMEM;
	}
	/* members of every group in one pass (address order kept) */
	for (i = 0; i < g->ndevs; i++)
		if (g->group_of[i] >= 0)
			v[g->group_of[i]].nmembers++;
	for (i = 0, k = 0; i < g->ngroups; i++) {
		v[i].members = all + k;
		k += v[i].nmembers;
		v[i].nmembers = 0;
	}
	for (i = 0; i < g->ndevs; i++)
		if (g->group_of[i] >= 0) {
			struct group_view *gv = &v[g->group_of[i]];

			gv->members[gv->nmembers++] = i;
		}
	nh = (cli->root || cli->lspci_dump || cli->lspci_text) ? 0 :
	     dmaown_vfio_holders("/", &holders);
	if (nh < 0)
		nh = 0;
	for (i = 0; i < g->ngroups; i++) {
		struct group_view *gv = &v[i];

		gv->kid = g->kernel_id ? g->kernel_id[i] : (int)i;
		for (k = 0; k < gv->nmembers; k++)
			if (blocks_user(dmaown_topology_dev(t, gv->members[k])))
				gv->nblockers++;
		gv->state = gv->nblockers ? "kernel" : "idle";
		gv->viable = gv->nblockers == 0;
		for (h = 0; h < nh; h++)
			if (holders[h].group == gv->kid) {
				gv->state = "user";
				gv->holder = holders[h].pid;
				snprintf(gv->holder_comm, sizeof(gv->holder_comm),
					 "%s", holders[h].comm);
			}
	}
	free(holders);
	qsort(v, g->ngroups, sizeof(*v), cmp_view);
	*ret = v;
	*ret_all = all;
	return 0;
}

static int list_json(struct cli *cli, const struct dmaown_topology *t,
		     const struct dmaown_groups *g, struct group_view *v)
{
	const struct dmaown_host_info *hi = dmaown_topology_host_const(t);
	struct json_object *root = json_object_new_object();
	struct json_object *iommu = json_object_new_object();
	struct json_object *groups = json_object_new_array();
	struct json_object *ungrouped = json_object_new_array();
	size_t i;
	int k;

	json_object_object_add(iommu, "present",
			       hi->iommu_known ? json_object_new_boolean(hi->iommu_present || g->ngroups) :
			       (g->ngroups ? json_object_new_boolean(1) : NULL));
	if (hi->iommu_kind)
		json_object_object_add(iommu, "kind",
				       json_object_new_string(hi->iommu_kind));
	json_object_object_add(root, "iommu", iommu);
	for (i = 0; i < g->ngroups; i++) {
		struct json_object *o = json_object_new_object();
		struct json_object *devs = json_object_new_array();
		struct json_object *blk = json_object_new_array();

		json_object_object_add(o, "group", json_object_new_int(v[i].kid));
		json_object_object_add(o, "state", json_object_new_string(v[i].state));
		json_object_object_add(o, "viable", json_object_new_boolean(v[i].viable));
		if (v[i].holder) {
			json_object_object_add(o, "holder_pid",
					       json_object_new_int(v[i].holder));
			json_object_object_add(o, "holder",
					       json_object_new_string(v[i].holder_comm));
		}
		for (k = 0; k < v[i].nmembers; k++) {
			const struct dmaown_dev *d =
				dmaown_topology_dev(t, v[i].members[k]);
			char buf[DMAOWN_BDF_STRLEN];

			dev_json(cli, d, devs);
			if (blocks_user(d))
				json_object_array_add(blk,
					json_object_new_string(dmaown_bdf_format(d->bdf, buf)));
		}
		json_object_object_add(o, "devices", devs);
		json_object_object_add(o, "blocking", blk);
		json_object_array_add(groups, o);
	}
	for (i = 0; i < dmaown_topology_count(t); i++)
		if (g->group_of[i] < 0)
			dev_json(cli, dmaown_topology_dev(t, i), ungrouped);
	json_object_object_add(root, "groups", groups);
	json_object_object_add(root, "ungrouped", ungrouped);
	fprintf(cli->out, "%s\n",
		json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return CLI_OK;
}

static int list_text(struct cli *cli, const struct dmaown_topology *t,
		     const struct dmaown_groups *g, struct group_view *v)
{
	const struct dmaown_host_info *hi = dmaown_topology_host_const(t);
	size_t i, nung = 0;
	int k;

	for (i = 0; i < dmaown_topology_count(t); i++)
		if (g->group_of[i] < 0)
			nung++;
	if (!g->ngroups) {
		if (hi->iommu_known && !hi->iommu_present)
			fprintf(cli->out,
				"No IOMMU: the kernel has no IOMMU driver (disabled, absent, or off on\n"
				"the command line), so there are no IOMMU groups and no device can be\n"
				"given to userspace safely (VFIO would need its unsafe no-IOMMU mode).\n");
		else
			fprintf(cli->out,
				"No IOMMU groups in this source: either the host has no IOMMU or the\n"
				"source does not record groups (try `dmaown predict`).\n");
	} else {
		fprintf(cli->out, "IOMMU%s%s: %zu groups\n",
			hi->iommu_kind ? " " : "",
			hi->iommu_kind ? hi->iommu_kind : "", g->ngroups);
	}
	for (i = 0; i < g->ngroups; i++) {
		fprintf(cli->out, "\nGroup %d  %s  %s", v[i].kid, v[i].state,
			v[i].viable ? "viable (userspace can take it)" :
				      "not viable");
		if (!v[i].viable)
			fprintf(cli->out, ": %d member%s bound to DMA-API driver%s",
				v[i].nblockers, v[i].nblockers == 1 ? "" : "s",
				v[i].nblockers == 1 ? "" : "s");
		if (v[i].holder)
			fprintf(cli->out, " [held by %s, pid %d]",
				v[i].holder_comm, (int)v[i].holder);
		fputc('\n', cli->out);
		for (k = 0; k < v[i].nmembers; k++)
			dev_text(cli, dmaown_topology_dev(t, v[i].members[k]), true);
	}
	if (nung) {
		fprintf(cli->out, "\n%s (%zu devices)\n",
			g->ngroups ? "Devices in no IOMMU group" :
				     "Devices", nung);
		for (i = 0; i < dmaown_topology_count(t); i++)
			if (g->group_of[i] < 0)
				dev_text(cli, dmaown_topology_dev(t, i), false);
	}
	return CLI_OK;
}

int cmd_list(struct cli *cli, int argc, char **argv)
{
	struct dmaown_topology *t;
	struct dmaown_groups *g = NULL;
	struct group_view *v = NULL;
	size_t *all = NULL;
	int r, i2;

	if (cli_wants_help(cli, argc, argv, list_usage))
		return CLI_OK;
	for (i2 = 1; i2 < argc; i2++)
		return cli_error(cli, "list: unexpected argument '%s' (see dmaown list --help)",
				 argv[i2]);
	t = cli_topology(cli);
	if (!t)
		return CLI_ERR;
	r = dmaown_groups_from_kernel(t, &g);
	if (r < 0)
		return cli_error(cli, "list: %s", strerror(-r));
	r = build_views(cli, t, g, &v, &all);
	if (r < 0) {
		dmaown_groups_free(g);
		return cli_error(cli, "list: %s", strerror(-r));
	}
	r = cli->json ? list_json(cli, t, g, v) : list_text(cli, t, g, v);
	free(all);
	free(v);
	dmaown_groups_free(g);
	return r;
}
