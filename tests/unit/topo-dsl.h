/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * topo-dsl.h - a tiny topology description language for tests, the
 * property test and the benchmark (test-only code, not part of libdmaown)
 *
 *   # comment
 *   cmdline <kernel command line...>
 *   host iommu=0|1 ivrs=0|1 kver=6.18.15
 *   mode firmware|post-boot
 *   dev BDF TYPE [sec=BUS] [id=VVVV:DDDD] [subsys=VVVV:DDDD] [class=HEX]
 *       [mf] [acs=CAP/CTRL] [acs=?] [acsdw=CAP/CTRL] [vf=PF-BDF]
 *       [rcba=HEX] [mmio] [alias=DEVFN] [ari]
 *     TYPE: ep legacy rciep rcec rp usp dsp pcie2pci pci2pcie pci pcibridge
 *   expect kernel|spec {BDF BDF ...} {BDF} ... [none {BDF ...}]
 *   expect none          (no IOMMU: no device in any group)
 *   why kernel|spec BDF text   (text must occur in that device's group why)
 *   weak KIND   (the P2P weakness report of the kernel prediction has KIND)
 */
#ifndef TOPO_DSL_H
#define TOPO_DSL_H

#include <stdbool.h>

#include "dmaown/error.h"
#include "dmaown/predict.h"
#include "dmaown/topology.h"

#define DSL_MAX_WHY 16

struct dsl_why {
	int model; /* enum dmaown_predict_model */
	struct dmaown_bdf bdf;
	char text[128];
};

struct dsl_case {
	struct dmaown_topology *t;
	char *cmdline;
	enum dmaown_acs_input acs_input;
	/* expected partitions as group number per device, -2: not given */
	int *expect[2];
	bool expect_none; /* no groups at all */
	int nwhy;
	struct dsl_why why[DSL_MAX_WHY];
	int nweak;
	char weak[4][32];
};

/**
 * dsl_load() - parse @path into a finalized topology plus expectations.
 * Return: 0, or negative errno with @err as "file:line: message".
 */
int dsl_load(const char *path, struct dsl_case *c, struct dmaown_err *err);
/** dsl_load_string() - the same from memory; @name is used in errors */
int dsl_load_string(const char *name, const char *text, struct dsl_case *c,
		    struct dmaown_err *err);
void dsl_free(struct dsl_case *c);

/**
 * dsl_check() - compare a prediction with the expected partition
 * Return: true if equal; otherwise false with a description in @msg.
 */
bool dsl_check(const struct dsl_case *c, int model,
	       const struct dmaown_groups *g, char *msg, size_t len);

#endif
