/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * grouping.h - private context shared by predict.c and p2p.c: the
 * effective ACS words and the memoised acs_ok() answer of every device.
 */
#ifndef DMAOWN_GROUPING_PRIV_H
#define DMAOWN_GROUPING_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "dmaown/cmdline.h"
#include "dmaown/predict.h"
#include "dmaown/quirks.h"
#include "dmaown/topology.h"

/* how acs_ok() was decided */
enum acs_how {
	ACS_HOW_TYPE, /* type rule (no ACS needed / never) */
	ACS_HOW_STD, /* standard masked check */
	ACS_HOW_NOCAP, /* RP/DSP/MFD without ACS capability */
	ACS_HOW_UNKNOWN, /* source could not read ACS */
	ACS_HOW_QUIRK, /* device-specific quirk */
	ACS_HOW_OVERRIDE, /* pcie_acs_override */
};

struct gctx {
	const struct dmaown_topology *t;
	size_t n;
	bool spec;
	bool iommu;
	struct dmaown_cmdline cl;
	struct dmaown_quirk_opts q;
	unsigned int kver;
	uint16_t *ctrl; /* effective ACS Control */
	uint32_t *dwctrl; /* effective SPT dword control */
	int8_t *ok; /* memo: -1 unknown, 0, 1 */
	uint8_t *how; /* enum acs_how */
	uint8_t *qkind; /* enum dmaown_acs_quirk_kind when QUIRK */
	int *mask_of; /* index into masks[], -1: no alias mask */
	uint8_t (*masks)[32]; /* alias masks (quirk + source) */
	size_t nmasks;
	bool switchtec; /* a Switchtec NTB: aliases not derivable */
};

int gctx_init(struct gctx *c, const struct dmaown_topology *t,
	      const struct dmaown_predict_opts *o, bool spec);
void gctx_fini(struct gctx *c);
/* pci_acs_enabled(dev, SV|RR|CR|UF) */
bool gctx_acs_ok(struct gctx *c, size_t i);
/* acs as if @i were multifunction (SR-IOV PF rule, spec mode) */
bool gctx_mfd_isolated(struct gctx *c, size_t i);
/* a device no IOMMU probes (the AMD IOMMU's own function) */
bool gctx_uncovered(const struct gctx *c, size_t i);
/* an aliasing bridge in the §1.3 sense */
bool gctx_aliasing_bridge(const struct gctx *c, size_t i);
/* has an MMIO BAR */
bool gctx_has_mmio(const struct dmaown_dev *d);
/* short description of why @i fails acs_ok: "without ACS" ... */
const char *gctx_acs_desc(struct gctx *c, size_t i, char *buf, size_t len);

/* ---- predict.c / predict-why.c internals ---- */

enum {
	L_SUBTREE = 1 << 0, /* a bridge's subtree */
	L_SLOT = 1 << 1, /* multifunction slot */
	L_ALIAS = 1 << 2, /* DMA alias */
	L_VMD = 1 << 3,
	L_SRIOV = 1 << 4, /* spec: PF + VFs */
	L_DSPBUS = 1 << 5, /* spec: switch bus with a DSP without ACS */
	L_UNKNOWN = 1 << 6, /* depended on unreadable ACS */
};

struct uf {
	int *p;
	uint8_t *fl;
	int *subj_sub, *subj_slot, *subj_alias, *subj_vmd, *subj_sriov,
		*subj_dsp;
};

struct pstate {
	struct gctx *c;
	struct uf u;
	int *ftop; /* topmost acs-failing (or spec-marked) in [i..root] */
	int *atop; /* topmost aliasing bridge below first XLATE_ROOT */
	int *depth;
	uint8_t *memo; /* bit 0: ftop/atop/depth valid */
	uint8_t *busbad; /* spec: USP whose internal bus is non-isolated */
};

/* predict_why() @hier bits: some member's parent link was ... */
#define WHY_HIER_INFERRED 0x1	/* inferred from bus numbers */
#define WHY_HIER_UNKNOWN 0x2	/* not known at all */

/* the one-line reason of the component rooted at @r (example member @m) */
char *predict_why(struct pstate *s, int r, int m, int nmembers,
		  unsigned int hier);

#endif
