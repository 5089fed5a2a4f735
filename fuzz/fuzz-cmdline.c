// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz-cmdline.c - the kernel command-line parser and the predictor on
 * whatever it accepts (firmware mode, so config_acs= edits run too).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmaown/cmdline.h"
#include "dmaown/predict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dmaown_topology *fabric(void)
{
	static const int type[] = {
		DMAOWN_PCIE_ROOT_PORT,	DMAOWN_PCIE_UPSTREAM,
		DMAOWN_PCIE_DOWNSTREAM, DMAOWN_PCIE_DOWNSTREAM,
		DMAOWN_PCIE_ENDPOINT,	DMAOWN_PCIE_ENDPOINT
	};
	static const uint8_t bus[] = { 0, 1, 2, 2, 3, 4 };
	static const uint8_t devfn[] = { 8, 0, 0, 8, 0, 0 };
	static const uint8_t sec[] = { 1, 2, 3, 4, 0, 0 };
	struct dmaown_topology *t = dmaown_topology_new();
	struct dmaown_dev d;
	int k;

	for (k = 0; k < 6; k++) {
		dmaown_dev_init(&d);
		d.bdf.bus = bus[k];
		d.bdf.devfn = devfn[k];
		d.is_pcie = true;
		d.pcie_type_raw = type[k];
		d.is_bridge = sec[k] != 0;
		d.secondary = d.subordinate = sec[k];
		d.vendor = 0x1b36;
		d.device = 0x000c;
		d.acs_pos = k != 1 ? 0x100 : 0;
		d.acs_cap = 0x5f;
		dmaown_topology_add(t, &d);
	}
	dmaown_topology_finalize(t, NULL);
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dmaown_topology *t;
	struct dmaown_predict_opts o = { .acs_input = DMAOWN_ACS_FIRMWARE };
	struct dmaown_groups *g = NULL;
	struct dmaown_cmdline cl;
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	if (!t)
		t = fabric();
	dmaown_cmdline_parse(s, &cl);
	o.cmdline = s;
	if (!dmaown_predict(t, &o, &g))
		dmaown_groups_free(g);
	o.model = DMAOWN_MODEL_SPEC;
	if (!dmaown_predict(t, &o, &g))
		dmaown_groups_free(g);
	free(s);
	return 0;
}
