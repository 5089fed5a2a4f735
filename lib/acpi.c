// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * acpi.c - IOMMU scope from the DMAR and IVRS tables (pure: bytes in,
 * flags out).  Every read is bounds-checked; a malformed table changes
 * nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dmaown/acpi.h"

static unsigned int rd16(const uint8_t *p)
{
	return (unsigned int)p[0] | (unsigned int)p[1] << 8;
}

static int find(const struct dmaown_topology *t, uint32_t seg, unsigned int bus,
		unsigned int devfn)
{
	struct dmaown_bdf b = { seg, (uint8_t)bus, (uint8_t)devfn };

	return dmaown_topology_find(t, b);
}

/* resolve a DMAR device-scope path to a device index, or -1 */
static int scope_dev(const struct dmaown_topology *t, uint32_t seg,
		     const uint8_t *sc, size_t sclen)
{
	unsigned int bus = sc[5];
	size_t k;
	int i = -1;

	for (k = 6; k + 1 < sclen; k += 2) {
		if (i >= 0) {
			const struct dmaown_dev *d =
				dmaown_topology_dev(t, (size_t)i);

			if (!d->is_bridge)
				return -1;
			bus = d->secondary;
		}
		i = find(t, seg, bus,
			 DMAOWN_DEVFN(sc[k] & 0x1f, sc[k + 1] & 7));
		if (i < 0)
			return -1;
	}
	return i;
}

static bool below(const struct dmaown_topology *t, size_t i, int anc)
{
	int p = dmaown_topology_dev(t, i)->parent, steps = 0;

	for (; p >= 0 && steps < 300; steps++) {
		if (p == anc)
			return true;
		p = dmaown_topology_dev(t, (size_t)p)->parent;
	}
	return false;
}

int dmaown_dmar_apply(struct dmaown_topology *t, const uint8_t *tbl, size_t len,
		      struct dmaown_err *err)
{
	size_t n = dmaown_topology_count(t), i, off;
	int8_t *cov;

	if (!t || !tbl)
		return -EINVAL;
	if (len < 48 || memcmp(tbl, "DMAR", 4))
		return dmaown_err_set(err, -EINVAL, "DMAR: not a DMAR table");
	cov = calloc(n + 1, 1);
	if (!cov)
		return -ENOMEM;
	for (off = 48; off < len;) {
		unsigned int type, slen;
		uint32_t seg;
		size_t so;

		if (off + 4 > len)
			goto bad;
		type = rd16(tbl + off);
		slen = rd16(tbl + off + 2);
		if (slen < 4 || off + slen > len)
			goto bad;
		if (type != 0) { /* only DRHD units matter */
			off += slen;
			continue;
		}
		if (slen < 16)
			goto bad;
		seg = rd16(tbl + off + 6);
		if (tbl[off + 4] & 1) { /* INCLUDE_PCI_ALL */
			for (i = 0; i < n; i++)
				if (dmaown_topology_dev(t, i)->bdf.domain ==
				    seg)
					cov[i] = 1;
		}
		for (so = off + 16; so < off + slen;) {
			const uint8_t *sc = tbl + so;
			int d;

			if (so + 6 > off + slen || sc[1] < 6 ||
			    so + sc[1] > off + slen)
				goto bad;
			d = (sc[0] == 1 || sc[0] == 2) ?
				    scope_dev(t, seg, sc, sc[1]) :
				    -1;
			if (d >= 0) {
				cov[d] = 1;
				if (sc[0] == 2)
					for (i = 0; i < n; i++)
						if (below(t, i, d))
							cov[i] = 1;
			}
			so += sc[1];
		}
		off += slen;
	}
	for (i = 0; i < n; i++) {
		struct dmaown_dev *d = dmaown_topology_dev_mut(t, i);
		int j = d->is_vf && d->physfn >= 0 ? d->physfn : (int)i;

		/* VMD children are judged by their VMD endpoint */
		if (d->vmd_owner >= 0)
			j = d->vmd_owner;
		d->iommu_scope = cov[j] ? 1 : -1;
	}
	free(cov);
	return 0;
bad:
	free(cov);
	return dmaown_err_set(err, -EINVAL,
			      "DMAR: malformed structure at offset 0x%zx", off);
}

/* one IVHD block's device entries; marks cov[] and collects aliases */
static int ivhd_entries(struct dmaown_topology *t, uint32_t seg,
			const uint8_t *e, size_t len, int8_t *cov,
			uint32_t *alias, size_t *nalias, size_t *bad_off)
{
	size_t off = 0;
	int start = -1, alias_to = -1, i;
	unsigned int k;

	while (off < len) {
		unsigned int type = e[off];
		size_t sz = type < 0x40 ? 4 : type < 0x80 ? 8 : 0;
		unsigned int devid;

		if (!sz) { /* variable length: 0xf0 ACPI HID */
			if (off + 22 > len)
				goto bad;
			sz = 22 + (size_t)e[off + 21];
		}
		if (off + sz > len)
			goto bad;
		devid = rd16(e + off + 1);
		switch (type) {
		case 1: /* all devices */
			for (k = 0; k < 0x10000; k++) {
				i = find(t, seg, k >> 8, k & 0xff);
				if (i >= 0)
					cov[i] = 1;
			}
			break;
		case 2: /* select */
		case 0x46: /* extended select */
			i = find(t, seg, devid >> 8, devid & 0xff);
			if (i >= 0)
				cov[i] = 1;
			break;
		case 0x42: /* alias select */
			i = find(t, seg, devid >> 8, devid & 0xff);
			if (i >= 0) {
				cov[i] = 1;
				if (*nalias < dmaown_topology_count(t))
					alias[(*nalias)++] = (uint32_t)i << 16 |
							     rd16(e + off + 5);
			}
			break;
		case 3: /* start of range */
		case 0x47:
			start = (int)devid;
			alias_to = -1;
			break;
		case 0x43: /* alias start of range */
			start = (int)devid;
			alias_to = (int)rd16(e + off + 5);
			break;
		case 4: /* end of range */
			if (start < 0)
				goto bad;
			for (k = (unsigned int)start; k <= devid && k < 0x10000;
			     k++) {
				i = find(t, seg, k >> 8, k & 0xff);
				if (i < 0)
					continue;
				cov[i] = 1;
				if (alias_to >= 0 &&
				    *nalias < dmaown_topology_count(t))
					alias[(*nalias)++] = (uint32_t)i << 16 |
							     (uint32_t)alias_to;
			}
			start = alias_to = -1;
			break;
		default:
			break;
		}
		off += sz;
	}
	return 0;
bad:
	*bad_off = off;
	return -EINVAL;
}

int dmaown_ivrs_apply(struct dmaown_topology *t, const uint8_t *tbl, size_t len,
		      struct dmaown_err *err)
{
	size_t n = dmaown_topology_count(t), i, off, nalias = 0, bad = 0;
	int8_t *cov;
	uint32_t *alias;
	int r = 0;

	if (!t || !tbl)
		return -EINVAL;
	if (len < 48 || memcmp(tbl, "IVRS", 4))
		return dmaown_err_set(err, -EINVAL, "IVRS: not an IVRS table");
	cov = calloc(n + 1, 1);
	alias = malloc((n + 1) * sizeof(*alias));
	if (!cov || !alias) {
		free(cov);
		free(alias);
		return -ENOMEM;
	}
	for (off = 48; off < len && !r;) {
		unsigned int type, blen, hlen;

		if (off + 4 > len) {
			bad = off;
			r = -EINVAL;
			break;
		}
		type = tbl[off];
		blen = rd16(tbl + off + 2);
		if (blen < 4 || off + blen > len) {
			bad = off;
			r = -EINVAL;
			break;
		}
		hlen = type == 0x10		      ? 24 :
		       (type == 0x11 || type == 0x40) ? 40 :
							0;
		if (hlen && blen >= hlen) {
			size_t rel = 0;

			r = ivhd_entries(t, rd16(tbl + off + 16),
					 tbl + off + hlen, blen - hlen, cov,
					 alias, &nalias, &rel);
			if (r)
				bad = off + hlen + rel;
		}
		off += blen;
	}
	if (r) {
		free(cov);
		free(alias);
		return dmaown_err_set(err, -EINVAL,
				      "IVRS: malformed entry at offset 0x%zx",
				      bad);
	}
	for (i = 0; i < n; i++) {
		struct dmaown_dev *d = dmaown_topology_dev_mut(t, i);

		d->iommu_scope =
			cov[d->vmd_owner >= 0 ? d->vmd_owner : (int)i] ? 1 : -1;
	}
	/* same-bus IVRS aliases become DMA aliases (setup_aliases()) */
	for (i = 0; i < nalias && i < n; i++) {
		struct dmaown_dev *d =
			dmaown_topology_dev_mut(t, alias[i] >> 16);
		unsigned int a = alias[i] & 0xffff;

		if ((a >> 8) != d->bdf.bus || (a & 0xff) == d->bdf.devfn)
			continue;
		if (!d->dma_alias_mask)
			d->dma_alias_mask = calloc(1, 32);
		if (!d->dma_alias_mask) {
			r = -ENOMEM;
			break;
		}
		d->dma_alias_mask[(a & 0xff) >> 3] |= (uint8_t)(1u << (a & 7));
	}
	free(cov);
	free(alias);
	return r;
}
