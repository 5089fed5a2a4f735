// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz-acpi.c - the DMAR and IVRS scope parsers on arbitrary bytes (the
 * first byte picks the table; the signature is forced so the structure
 * parsers are reached).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmaown/acpi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dmaown_topology *fabric(void)
{
	struct dmaown_topology *t = dmaown_topology_new();
	struct dmaown_dev d;
	int k;

	for (k = 0; k < 4; k++) {
		dmaown_dev_init(&d);
		d.bdf.bus = (uint8_t)(k ? k - 1 : 0);
		d.bdf.devfn = (uint8_t)(k ? 0 : 8);
		d.is_pcie = true;
		d.is_bridge = k < 3;
		d.secondary = d.subordinate = (uint8_t)(k < 3 ? k + 1 : 0);
		d.pcie_type_raw = k == 0 ? DMAOWN_PCIE_ROOT_PORT :
				  k == 3 ? DMAOWN_PCIE_ENDPOINT :
				  k == 1 ? DMAOWN_PCIE_UPSTREAM :
					   DMAOWN_PCIE_DOWNSTREAM;
		dmaown_topology_add(t, &d);
	}
	dmaown_topology_finalize(t, NULL);
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmaown_topology *t;
	uint8_t *b;

	if (size < 1)
		return 0;
	b = malloc(size + 4);
	if (!b)
		return 0;
	memcpy(b, data + 1, size - 1);
	if (size - 1 >= 4)
		memcpy(b, data[0] & 1 ? "IVRS" : "DMAR", 4);
	t = fabric();
	if (data[0] & 1)
		dmaown_ivrs_apply(t, b, size - 1, NULL);
	else
		dmaown_dmar_apply(t, b, size - 1, NULL);
	dmaown_topology_free(t);
	free(b);
	return 0;
}
