// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz-script.c - the step-script parser on arbitrary text; scripts that
 * parse are run against the ownership model (a bridge group of three
 * devices and a device behind no IOMMU), whose invariants must hold.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dmaown/ownership.h"
#include "dmaown/script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void add(struct dmaown_topology *t, const char *bdf, int group,
		const char *driver, bool bridge)
{
	struct dmaown_dev d;

	dmaown_dev_init(&d);
	dmaown_bdf_parse(bdf, &d.bdf);
	d.header_type = bridge;
	d.is_bridge = bridge;
	d.secondary = d.subordinate = bridge ? 6 : 0;
	d.kernel_group = group;
	d.driver = (char *)driver;
	dmaown_topology_add(t, &d);
}

static void run(const struct dmaown_script *s)
{
	static const char *const loaded[] = { "e1000", "vfio-pci", "pci-stub",
					      NULL };
	struct dmaown_topology *t = dmaown_topology_new();
	struct dmaown_sim_config cfg = { 0 };
	struct dmaown_sim_model *m = NULL;
	struct dmaown_groups *g = NULL;
	struct dmaown_sim_backend be;

	add(t, "00:12.0", 4, NULL, true);
	add(t, "06:01.0", 4, "e1000", false);
	add(t, "06:02.0", 4, "e1000", false);
	add(t, "00:1e.0", -1, "e1000", false);
	if (dmaown_topology_finalize(t, NULL) ||
	    dmaown_groups_from_kernel(t, &g))
		__builtin_trap();
	cfg.topo = t;
	cfg.groups = g;
	cfg.loaded = loaded;
	cfg.profile = dmaown_profile_get(s->nsteps % 2 ? "5.19" : "latest");
	if (dmaown_sim_model_new(&cfg, &m, NULL))
		__builtin_trap();
	dmaown_sim_model_backend(m, &be);
	dmaown_script_run(s, &be, NULL, NULL, NULL);
	if (dmaown_engine_check(dmaown_sim_model_engine(m), NULL, 0) ||
	    dmaown_engine_warns(dmaown_sim_model_engine(m)))
		__builtin_trap();
	dmaown_sim_model_free(m);
	dmaown_groups_free(g);
	dmaown_topology_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmaown_script *s = NULL;
	struct dmaown_err err = { 0 };

	if (dmaown_script_parse("fuzz", (const char *)data, size, &s, &err)) {
		if (s || !err.msg[0] || strchr(err.msg, '\n'))
			__builtin_trap(); /* errors are one line */
		return 0;
	}
	if (s->nsteps <= 64)
		run(s);
	dmaown_script_free(s);
	return 0;
}
