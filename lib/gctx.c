// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gctx.c - per-device ACS facts for the group predictor and the P2P
 * model: effective ACS Control (post-boot as read, or pci_enable_acs()
 * simulated on firmware state, §2.4) and pci_acs_enabled() (§2.1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grouping.h"

void gctx_fini(struct gctx *c)
{
	free(c->ctrl);
	free(c->dwctrl);
	free(c->ok);
	free(c->how);
	free(c->qkind);
	free(c->mask_of);
	free(c->masks);
	memset(c, 0, sizeof(*c));
}

static int add_mask(struct gctx *c, size_t i, const uint8_t m[32])
{
	uint8_t(*nm)[32];
	int k;

	for (k = 0; k < 32 && !m[k]; k++)
		;
	if (k == 32)
		return 0;
	if (c->mask_of[i] >= 0) {
		for (k = 0; k < 32; k++)
			c->masks[c->mask_of[i]][k] |= m[k];
		return 0;
	}
	nm = realloc(c->masks, (c->nmasks + 1) * sizeof(*nm));
	if (!nm)
		return -ENOMEM;
	c->masks = nm;
	memcpy(nm[c->nmasks], m, 32);
	c->mask_of[i] = (int)c->nmasks++;
	return 0;
}

int gctx_init(struct gctx *c, const struct dmaown_topology *t,
	      const struct dmaown_predict_opts *o, bool spec)
{
	static const struct dmaown_predict_opts defaults;
	const struct dmaown_host_info *h = dmaown_topology_host_const(t);
	size_t i;

	memset(c, 0, sizeof(*c));
	if (!t)
		return -EINVAL;
	if (!o)
		o = &defaults;
	c->t = t;
	c->n = dmaown_topology_count(t);
	c->spec = spec;
	dmaown_cmdline_parse(o->cmdline ? o->cmdline : h->cmdline, &c->cl);
	c->iommu = !c->cl.iommu_off && !(h->iommu_known && !h->iommu_present);
	c->kver = o->kver ? o->kver : dmaown_kver_parse(h->kernel_release);
	if (!c->kver)
		c->kver = DMAOWN_KVER_NEWEST;
	if (c->kver < DMAOWN_KVER(6, 11, 0)) {
		/* no config_acs= before ~6.11 */
		int k, w = 0;

		for (k = 0; k < c->cl.nsel; k++)
			if (c->cl.sel[k].disable_redir)
				c->cl.sel[w++] = c->cl.sel[k];
		c->cl.nsel = w;
	}
	c->q.kver = c->kver;
	c->q.no_quirks = o->no_quirks;
	c->q.ivrs_present = h->ivrs_present;
	/* spec mode models hardware: the override is a lie to the kernel */
	c->q.ovr = (!spec && !o->no_override_patch && c->cl.ovr.set) ?
			   &c->cl.ovr :
			   NULL;
	c->ctrl = malloc((c->n + 1) * sizeof(*c->ctrl));
	c->dwctrl = malloc((c->n + 1) * sizeof(*c->dwctrl));
	c->ok = malloc(c->n + 1);
	c->how = calloc(c->n + 1, 1);
	c->qkind = calloc(c->n + 1, 1);
	c->mask_of = malloc((c->n + 1) * sizeof(int));
	if (!c->ctrl || !c->dwctrl || !c->ok || !c->how || !c->qkind ||
	    !c->mask_of) {
		gctx_fini(c);
		return -ENOMEM;
	}
	memset(c->ok, -1, c->n + 1);
	for (i = 0; i < c->n; i++) {
		const struct dmaown_dev *d = dmaown_topology_dev(t, i);
		uint16_t fw = d->acs_ctrl, k = d->acs_ctrl;
		uint32_t dw = d->acs_dw_ctrl;
		uint16_t en = DMAOWN_ACS_REQ;
		uint8_t m[32] = { 0 };
		uint32_t fl = 0;
		bool spt = dmaown_quirk_intel_spt(d), matched;

		c->mask_of[i] = -1;
		if (o->acs_input == DMAOWN_ACS_FIRMWARE && d->acs_pos) {
			if (c->cl.noats)
				en |= DMAOWN_ACS_TB;
			if (c->iommu) {
				if (spt && !o->no_quirks)
					dw |= d->acs_dw_cap & en;
				else
					k |= d->acs_cap & en;
			}
			k = dmaown_cmdline_acs_edit(&c->cl, t, i, fw, k,
						    &matched);
			if (matched && spt && !o->no_quirks) {
				dw &= ~(uint32_t)(DMAOWN_ACS_RR |
						  DMAOWN_ACS_CR |
						  DMAOWN_ACS_EC);
				k = fw;
			}
		}
		c->ctrl[i] = k;
		c->dwctrl[i] = dw;
		if (d->dma_alias_mask && add_mask(c, i, d->dma_alias_mask))
			goto oom;
		if (dmaown_quirk_dma_alias(t, i, &c->q, m, &fl,
					   &c->switchtec) &&
		    add_mask(c, i, m))
			goto oom;
	}
	return 0;
oom:
	gctx_fini(c);
	return -ENOMEM;
}

static bool std_check(struct gctx *c, size_t i, const struct dmaown_dev *d)
{
	uint16_t cap = d->acs_cap, req;

	if (!d->acs_known) {
		c->how[i] = ACS_HOW_UNKNOWN;
		return false;
	}
	if (!d->acs_pos) {
		c->how[i] = ACS_HOW_NOCAP;
		return false;
	}
	/* v7.1: IDT 80b5/8090 lose SV from the cached capability */
	if (d->vendor == 0x111d &&
	    (d->device == 0x80b5 || d->device == 0x8090) &&
	    c->kver >= DMAOWN_KVER(7, 1, 0))
		cap &= (uint16_t)~DMAOWN_ACS_SV;
	req = DMAOWN_ACS_REQ & (cap | DMAOWN_ACS_EC);
	c->how[i] = ACS_HOW_STD;
	return (c->ctrl[i] & req) == req;
}

static int quirk(struct gctx *c, size_t i)
{
	enum dmaown_acs_quirk_kind kind;
	int r = dmaown_quirk_acs_enabled(c->t, i, DMAOWN_ACS_REQ, c->dwctrl[i],
					 &c->q, &kind);

	if (r >= 0) {
		c->how[i] = kind == DMAOWN_AQ_OVERRIDE ? ACS_HOW_OVERRIDE :
							 ACS_HOW_QUIRK;
		c->qkind[i] = (uint8_t)kind;
	}
	return r;
}

bool gctx_acs_ok(struct gctx *c, size_t i)
{
	const struct dmaown_dev *d = dmaown_topology_dev(c->t, i);
	int r;

	if (c->ok[i] >= 0)
		return c->ok[i];
	r = quirk(c, i);
	if (r < 0) {
		c->how[i] = ACS_HOW_TYPE;
		if (!d->is_pcie) {
			r = 0;
		} else {
			switch (d->pcie_type) {
			case DMAOWN_PCIE_PCIE_TO_PCI:
			case DMAOWN_PCIE_PCI_TO_PCIE:
			case DMAOWN_PCIE_RCEC:
				r = 0;
				break;
			case DMAOWN_PCIE_ROOT_PORT:
			case DMAOWN_PCIE_DOWNSTREAM:
				r = std_check(c, i, d);
				break;
			case DMAOWN_PCIE_ENDPOINT:
			case DMAOWN_PCIE_UPSTREAM:
			case DMAOWN_PCIE_LEGACY_ENDPOINT:
			case DMAOWN_PCIE_RCIEP:
				r = d->multifunction ? std_check(c, i, d) : 1;
				break;
			default:
				r = 1;
			}
		}
	}
	c->ok[i] = (int8_t)(r > 0);
	return r > 0;
}

bool gctx_mfd_isolated(struct gctx *c, size_t i)
{
	const struct dmaown_dev *d = dmaown_topology_dev(c->t, i);
	int r;

	if (d->multifunction)
		return gctx_acs_ok(c, i);
	r = quirk(c, i);
	if (r >= 0)
		return r > 0;
	if (!d->is_pcie)
		return false;
	return std_check(c, i, d);
}

bool gctx_aliasing_bridge(const struct gctx *c, size_t i)
{
	const struct dmaown_dev *d = dmaown_topology_dev(c->t, i);

	if (!d->is_bridge)
		return false;
	if (!d->is_pcie)
		return true;
	if (d->pcie_type == DMAOWN_PCIE_PCI_TO_PCIE)
		return true;
	if (d->pcie_type == DMAOWN_PCIE_PCIE_TO_PCI) {
		uint8_t m[32] = { 0 };
		uint32_t fl = d->dev_flags;

		dmaown_quirk_dma_alias(c->t, i, &c->q, m, &fl, NULL);
		return !(fl & DMAOWN_DEVF_PCI_BRIDGE_NO_ALIAS);
	}
	return false;
}

bool gctx_has_mmio(const struct dmaown_dev *d)
{
	int k;

	for (k = 0; k < d->nbars && k < DMAOWN_MAX_BARS; k++)
		if (d->bar[k].is_mem && (d->bar[k].size || d->bar[k].base))
			return true;
	return false;
}

const char *gctx_acs_desc(struct gctx *c, size_t i, char *buf, size_t len)
{
	const struct dmaown_dev *d = dmaown_topology_dev(c->t, i);

	gctx_acs_ok(c, i);
	switch (c->how[i]) {
	case ACS_HOW_UNKNOWN:
		snprintf(buf, len, "with ACS not readable (assumed absent)");
		break;
	case ACS_HOW_NOCAP:
		snprintf(buf, len, "without ACS");
		break;
	case ACS_HOW_STD:
		snprintf(buf, len, "with ACS control 0x%04x lacking%s%s%s%s",
			 c->ctrl[i],
			 (d->acs_cap & DMAOWN_ACS_SV) &&
					 !(c->ctrl[i] & DMAOWN_ACS_SV) ?
				 " SV" :
				 "",
			 (d->acs_cap & DMAOWN_ACS_RR) &&
					 !(c->ctrl[i] & DMAOWN_ACS_RR) ?
				 " RR" :
				 "",
			 (d->acs_cap & DMAOWN_ACS_CR) &&
					 !(c->ctrl[i] & DMAOWN_ACS_CR) ?
				 " CR" :
				 "",
			 (d->acs_cap & DMAOWN_ACS_UF) &&
					 !(c->ctrl[i] & DMAOWN_ACS_UF) ?
				 " UF" :
				 "");
		break;
	case ACS_HOW_QUIRK:
		snprintf(buf, len, "without ACS (%s says no%s)",
			 dmaown_acs_quirk_name(c->qkind[i]),
			 c->qkind[i] == DMAOWN_AQ_INTEL_PCH ?
				 ", RCBA not enabled" :
				 "");
		break;
	default:
		snprintf(buf, len,
			 d->is_pcie ? "without ACS" :
				      "(conventional PCI, no ACS)");
	}
	return buf;
}

bool gctx_uncovered(const struct gctx *c, size_t i)
{
	const struct dmaown_dev *d = dmaown_topology_dev(c->t, i);

	/*
	 * The AMD IOMMU's own PCI function (class 0806) never gets a group:
	 * seen on 6.1 and 6.12 with QEMU's amd-iommu (1022:0010) and in
	 * listings from Zen hosts (00:00.2 is absent from every group).
	 */
	if (d->iommu_scope < 0)
		return true; /* outside every DMAR/IVRS scope */
	return d->vendor == 0x1022 && (d->class_code >> 8) == 0x0806;
}
