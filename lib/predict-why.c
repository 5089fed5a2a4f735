// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * predict-why.c - the one-line "why" of each predicted group: which rule
 * of spec/groups.md §1.5 (or of the spec model) made it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grouping.h"

/* lspci text without capabilities: PCIe or conventional, nobody knows */
static bool type_unknown(const struct dmaown_dev *d)
{
	return !d->is_pcie && !d->acs_known && !d->config_len &&
	       (d->parent_inferred || d->parent_unknown || d->is_bridge);
}

static const char *type_word(const struct dmaown_dev *d)
{
	if (type_unknown(d))
		return d->is_bridge ? "bridge of unknown type (no capabilities listed)" :
				      "function";
	if (!d->is_pcie)
		return d->is_bridge ? "conventional PCI bridge" :
				      "conventional PCI device";
	switch (d->pcie_type) {
	case DMAOWN_PCIE_ROOT_PORT:
		return "root port";
	case DMAOWN_PCIE_DOWNSTREAM:
		return "downstream port";
	case DMAOWN_PCIE_UPSTREAM:
		return "upstream port";
	case DMAOWN_PCIE_PCIE_TO_PCI:
		return "PCIe-to-PCI bridge";
	case DMAOWN_PCIE_PCI_TO_PCIE:
		return "PCI-to-PCIe bridge";
	case DMAOWN_PCIE_RCEC:
		return "RC event collector";
	case DMAOWN_PCIE_RCIEP:
		return "RC integrated endpoint";
	default:
		return "function";
	}
}

static void append(char *buf, size_t len, const char *s)
{
	size_t l = strlen(buf);

	if (l && l + 2 < len) {
		strcat(buf, "; ");
		l += 2;
	}
	snprintf(buf + l, len - l, "%s", s);
}

/* the one-line reason of a component rooted at @r with example @m */
char *predict_why(struct pstate *s, int r, int m, int nmembers,
		  unsigned int hier)
{
	struct gctx *c = s->c;
	const struct dmaown_topology *t = c->t;
	uint8_t fl = s->u.fl[r];
	char out[768] = "", piece[256], b1[DMAOWN_BDF_STRLEN],
	     b2[DMAOWN_BDF_STRLEN], acs[96];
	int x;

	if ((x = s->u.subj_vmd[r]) >= 0) {
		snprintf(piece, sizeof(piece),
			 "VMD %s: devices in its domain DMA as it",
			 dmaown_bdf_format(
				 dmaown_topology_dev(t, (size_t)x)->bdf, b1));
		append(out, sizeof(out), piece);
	}
	if ((x = s->u.subj_dsp[r]) >= 0) {
		const struct dmaown_dev *d = dmaown_topology_dev(t, (size_t)x);

		snprintf(
			piece, sizeof(piece),
			"switch below upstream port %s: a downstream port without ACS redirect lets all its ports reach each other",
			dmaown_bdf_format(
				dmaown_topology_dev(t, (size_t)d->parent)->bdf,
				b1));
		append(out, sizeof(out), piece);
	}
	if ((x = s->u.subj_sub[r]) >= 0 &&
	    !(fl & L_DSPBUS && s->c->spec &&
	      dmaown_topology_dev(t, (size_t)x)->pcie_type ==
		      DMAOWN_PCIE_DOWNSTREAM &&
	      gctx_acs_ok(c, (size_t)x))) {
		const struct dmaown_dev *d = dmaown_topology_dev(t, (size_t)x);

		uint8_t qm[32] = { 0 };
		uint32_t qf = d->dev_flags;

		dmaown_quirk_dma_alias(t, (size_t)x, &c->q, qm, &qf, NULL);
		dmaown_bdf_format(d->bdf, b1);
		if (type_unknown(d)) {
			snprintf(piece, sizeof(piece),
				 "%s %s: its subtree joins it", b1,
				 type_word(d));
		} else if (d->pcie_type == DMAOWN_PCIE_PCIE_TO_PCI ||
		    (gctx_aliasing_bridge(c, (size_t)x) &&
		     (qf & DMAOWN_DEVF_PCIE_BRIDGE_ALIAS))) {
			struct dmaown_bdf al = d->bdf;

			al.bus = d->secondary;
			al.devfn = 0;
			snprintf(
				piece, sizeof(piece),
				"behind %s %s (DMA alias %s)%s", type_word(d),
				b1,
				(qf & DMAOWN_DEVF_PCI_BRIDGE_NO_ALIAS) ?
					"skipped: NO_ALIAS" :
					dmaown_bdf_format(al, b2),
				c->spec && !gctx_has_mmio(d) &&
						d->pcie_type ==
							DMAOWN_PCIE_PCIE_TO_PCI ?
					"; the bridge has no MMIO and stays out" :
					"");
		} else if (gctx_aliasing_bridge(c, (size_t)x)) {
			snprintf(piece, sizeof(piece),
				 "behind %s %s (DMA alias %s)", type_word(d),
				 b1, b1);
		} else if (d->pcie_type == DMAOWN_PCIE_UPSTREAM) {
			snprintf(
				piece, sizeof(piece),
				"%s multifunction upstream port %s: the whole switch joins it",
				b1,
				gctx_acs_desc(c, (size_t)x, acs, sizeof(acs)));
		} else {
			snprintf(piece, sizeof(piece),
				 "%s %s %s: its subtree joins it", b1,
				 type_word(d),
				 gctx_acs_desc(c, (size_t)x, acs, sizeof(acs)));
		}
		append(out, sizeof(out), piece);
	}
	if ((x = s->u.subj_slot[r]) >= 0) {
		const struct dmaown_dev *d = dmaown_topology_dev(t, (size_t)x);

		snprintf(piece, sizeof(piece),
			 "multifunction slot %04x:%02x:%02x without ACS%s",
			 d->bdf.domain, d->bdf.bus, DMAOWN_SLOT(d->bdf.devfn),
			 c->spec ? " on every function" : "");
		append(out, sizeof(out), piece);
	}
	if ((x = s->u.subj_alias[r]) >= 0) {
		snprintf(
			piece, sizeof(piece),
			"DMA alias: %s uses requester IDs of devices on its bus",
			dmaown_bdf_format(
				dmaown_topology_dev(t, (size_t)x)->bdf, b1));
		append(out, sizeof(out), piece);
	}
	if ((x = s->u.subj_sriov[r]) >= 0) {
		snprintf(
			piece, sizeof(piece),
			"SR-IOV PF %s without ACS: its VFs can reach it internally",
			dmaown_bdf_format(
				dmaown_topology_dev(t, (size_t)x)->bdf, b1));
		append(out, sizeof(out), piece);
	}
	if (!out[0]) {
		const struct dmaown_dev *d = dmaown_topology_dev(t, (size_t)m);
		int p = d->parent, ovr = -1, q = -1;

		for (; p >= 0; p = dmaown_topology_dev(t, (size_t)p)->parent) {
			gctx_acs_ok(c, (size_t)p);
			if (c->how[p] == ACS_HOW_OVERRIDE)
				ovr = p;
			else if (c->how[p] == ACS_HOW_QUIRK)
				q = p;
		}
		if (ovr < 0 && d->multifunction) {
			gctx_acs_ok(c, (size_t)m);
			if (c->how[m] == ACS_HOW_OVERRIDE)
				ovr = m;
		}
		if (ovr >= 0)
			snprintf(out, sizeof(out),
				 "isolated only by pcie_acs_override on %s",
				 dmaown_bdf_format(
					 dmaown_topology_dev(t, (size_t)ovr)
						 ->bdf,
					 b1));
		else if (nmembers > 1)
			snprintf(out, sizeof(out), "joined devices");
		else if (d->is_vf)
			snprintf(
				out, sizeof(out),
				"isolated: a VF is never multifunction and ACS holds upstream");
		else if (q >= 0)
			snprintf(
				out, sizeof(out),
				"isolated: ACS on every port upstream (%s by %s)",
				dmaown_bdf_format(
					dmaown_topology_dev(t, (size_t)q)->bdf,
					b1),
				dmaown_acs_quirk_name(c->qkind[q]));
		else if (d->parent < 0)
			snprintf(out, sizeof(out), "isolated: on a root bus");
		else
			snprintf(out, sizeof(out),
				 "isolated: ACS on every port upstream");
	}
	if ((fl & L_UNKNOWN) && !strstr(out, "not readable"))
		append(out, sizeof(out),
		       "ACS not readable (no root?): assumed not isolated");
	if (hier & WHY_HIER_UNKNOWN)
		append(out, sizeof(out),
		       "bus hierarchy unknown (lspci text had no Bus: lines and the bus numbers fit no numbering rule)");
	else if (hier & WHY_HIER_INFERRED)
		append(out, sizeof(out),
		       "bus hierarchy inferred from bus numbers (lspci text had no Bus: lines)");
	return strdup(out);
}
