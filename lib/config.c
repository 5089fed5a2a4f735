// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * config.c - the PCI config-space walker (pure: no I/O)
 *
 * Decodes a raw config-space buffer, as read from sysfs or an lspci hex
 * dump, into a struct dmaown_dev: identity, header, bridge windows, BAR
 * bases, the PCIe capability, ACS, SR-IOV, ARI and the Intel LPC RCBA
 * dword at 0xf0.  Every access is bounds checked against the readable
 * length; capability chains are followed with loop protection.
 */
#include <errno.h>
#include <string.h>

#include "dmaown/source.h"

#define CFG_STD_SIZE 256
#define CFG_EXT_SIZE 4096
#define MAX_STD_CAPS 48
#define MAX_EXT_CAPS 256

#define CAP_ID_PCIX 0x07
#define CAP_ID_SSVID 0x0d
#define CAP_ID_EXP 0x10
#define EXT_ID_ACS 0x0d
#define EXT_ID_ARI 0x0e
#define EXT_ID_SRIOV 0x10

#define PCIX_STATUS_266 0x00400000u
#define PCIX_STATUS_533 0x00800000u

struct cfgbuf {
	const uint8_t *p;
	size_t len;
};

static bool cfg_has(const struct cfgbuf *c, size_t pos, size_t n)
{
	return pos <= c->len && n <= c->len - pos;
}

static uint8_t rd8(const struct cfgbuf *c, size_t pos)
{
	return cfg_has(c, pos, 1) ? c->p[pos] : 0xff;
}

static uint16_t rd16(const struct cfgbuf *c, size_t pos)
{
	if (!cfg_has(c, pos, 2))
		return 0xffff;
	return (uint16_t)(c->p[pos] | c->p[pos + 1] << 8);
}

static uint32_t rd32(const struct cfgbuf *c, size_t pos)
{
	if (!cfg_has(c, pos, 4))
		return 0xffffffffu;
	return (uint32_t)c->p[pos] | (uint32_t)c->p[pos + 1] << 8 |
	       (uint32_t)c->p[pos + 2] << 16 | (uint32_t)c->p[pos + 3] << 24;
}

/* BAR registers starting at 0x10; @nregs is 6 (type 0) or 2 (type 1) */
static void parse_bars(struct dmaown_dev *d, const struct cfgbuf *c,
		       int nregs)
{
	int i;

	d->nbars = nregs;
	for (i = 0; i < nregs; i++) {
		struct dmaown_bar *b = &d->bar[i];
		size_t pos = 0x10 + 4 * (size_t)i;
		uint32_t v = rd32(c, pos);

		if (!cfg_has(c, pos, 4) || v == 0)
			continue;
		if (v & 1) {
			b->base = v & ~3u;
			continue;
		}
		b->is_mem = true;
		b->prefetch = v & 8;
		b->base = v & ~0xfu;
		if (((v >> 1) & 3) == 2 && i + 1 < nregs) {
			/* 64-bit BAR: the next register is the upper half */
			b->base |= (uint64_t)rd32(c, pos + 4) << 32;
			i++;
		}
	}
}

static void parse_bridge(struct dmaown_dev *d, const struct cfgbuf *c)
{
	uint16_t mb = rd16(c, 0x20), ml = rd16(c, 0x22);
	uint16_t pb = rd16(c, 0x24), pl = rd16(c, 0x26);

	d->is_bridge = true;
	d->secondary = rd8(c, 0x19);
	d->subordinate = rd8(c, 0x1a);
	d->mem_base = (uint64_t)(mb & 0xfff0) << 16;
	d->mem_limit = ((uint64_t)(ml & 0xfff0) << 16) | 0xfffff;
	d->pref_base = (uint64_t)(pb & 0xfff0) << 16;
	d->pref_limit = ((uint64_t)(pl & 0xfff0) << 16) | 0xfffff;
	if ((pb & 0xf) == 1) {
		d->pref_base |= (uint64_t)rd32(c, 0x28) << 32;
		d->pref_limit |= (uint64_t)rd32(c, 0x2c) << 32;
	}
	if (!cfg_has(c, 0x20, 4))
		d->mem_base = 1, d->mem_limit = 0;
	if (!cfg_has(c, 0x24, 4))
		d->pref_base = 1, d->pref_limit = 0;
}

/* walk the standard capability list; returns true if PCI-X 2.0 seen */
static bool walk_std_caps(struct dmaown_dev *d, const struct cfgbuf *c)
{
	size_t lim = c->len < CFG_STD_SIZE ? c->len : CFG_STD_SIZE;
	uint8_t ptr_reg = (d->header_type & 0x7f) == 2 ? 0x14 : 0x34;
	uint8_t pos;
	bool pcix2 = false;
	int steps;

	if (!(rd16(c, 0x06) & 0x10))		/* Status: capability list */
		return false;
	pos = rd8(c, ptr_reg);
	for (steps = 0; steps < MAX_STD_CAPS; steps++) {
		uint8_t id;

		pos &= ~3;
		if (pos < 0x40 || (size_t)pos + 2 > lim)
			break;
		id = c->p[pos];
		if (id == 0xff)
			break;
		if (id == CAP_ID_EXP && cfg_has(c, pos + 2, 2)) {
			d->is_pcie = true;
			d->pcie_type_raw = (rd16(c, pos + 2) >> 4) & 0xf;
		} else if (id == CAP_ID_PCIX && cfg_has(c, pos + 4, 4)) {
			if (rd32(c, pos + 4) & (PCIX_STATUS_266 | PCIX_STATUS_533))
				pcix2 = true;
		} else if (id == CAP_ID_SSVID && d->is_bridge &&
			   cfg_has(c, pos + 4, 4)) {
			d->subsys_vendor = rd16(c, pos + 4);
			d->subsys_device = rd16(c, pos + 6);
		}
		pos = c->p[pos + 1];
	}
	return pcix2;
}

static void parse_acs(struct dmaown_dev *d, const struct cfgbuf *c,
		      size_t pos)
{
	d->acs_pos = (uint16_t)pos;
	if (cfg_has(c, pos + 4, 4)) {
		d->acs_cap = rd16(c, pos + 4);
		d->acs_ctrl = rd16(c, pos + 6);
		d->acs_dw_cap = rd32(c, pos + 4);
	}
	if (cfg_has(c, pos + 8, 4))
		d->acs_dw_ctrl = rd32(c, pos + 8);
}

static void parse_sriov(struct dmaown_dev *d, const struct cfgbuf *c,
			size_t pos)
{
	if (!cfg_has(c, pos, 0x1c))
		return;
	d->sriov_total_vfs = rd16(c, pos + 0x0e);
	d->sriov_num_vfs = rd16(c, pos + 0x10);
	d->sriov_offset = rd16(c, pos + 0x14);
	d->sriov_stride = rd16(c, pos + 0x16);
	d->sriov_vf_device = rd16(c, pos + 0x1a);
}

static void walk_ext_caps(struct dmaown_dev *d, const struct cfgbuf *c)
{
	size_t pos = CFG_STD_SIZE;
	int steps;

	for (steps = 0; steps < MAX_EXT_CAPS; steps++) {
		uint32_t h;

		if (pos < CFG_STD_SIZE || !cfg_has(c, pos, 4))
			break;
		h = rd32(c, pos);
		if (h == 0 || h == 0xffffffffu)
			break;
		switch (h & 0xffff) {
		case EXT_ID_ACS:
			if (!d->acs_pos)
				parse_acs(d, c, pos);
			break;
		case EXT_ID_SRIOV:
			parse_sriov(d, c, pos);
			break;
		case EXT_ID_ARI:
			d->ari = true;
			break;
		default:
			break;
		}
		pos = (h >> 20) & 0xffc;
	}
}

int dmaown_config_parse(struct dmaown_dev *d, const uint8_t *cfg, size_t len)
{
	struct cfgbuf c = { cfg, len };
	uint8_t ht;
	bool pcix2;

	if (!cfg || len < 64)
		return -EINVAL;
	d->vendor = rd16(&c, 0x00);
	if (d->vendor == 0xffff || d->vendor == 0x0000)
		return -EINVAL;
	if (len > CFG_EXT_SIZE)
		c.len = len = CFG_EXT_SIZE;
	d->device = rd16(&c, 0x02);
	d->revision = rd8(&c, 0x08);
	d->class_code = (uint32_t)rd8(&c, 0x0b) << 16 |
			(uint32_t)rd8(&c, 0x0a) << 8 | rd8(&c, 0x09);
	ht = rd8(&c, 0x0e);
	d->header_type = ht & 0x7f;
	d->hdr_multifunction = ht & 0x80;
	d->config_len = (uint32_t)len;
	d->config_full = len >= CFG_EXT_SIZE;

	switch (d->header_type) {
	case 0:
		parse_bars(d, &c, 6);
		d->subsys_vendor = rd16(&c, 0x2c);
		d->subsys_device = rd16(&c, 0x2e);
		break;
	case 1:
		parse_bars(d, &c, 2);
		parse_bridge(d, &c);
		break;
	case 2:			/* CardBus: owns a bus range, no windows */
		d->is_bridge = true;
		d->secondary = rd8(&c, 0x19);
		d->subordinate = rd8(&c, 0x1a);
		d->mem_base = 1;
		d->pref_base = 1;
		d->subsys_vendor = rd16(&c, 0x40);
		d->subsys_device = rd16(&c, 0x42);
		break;
	default:
		break;
	}

	d->is_pcie = false;
	d->pcie_type_raw = DMAOWN_PCIE_NONE;
	pcix2 = walk_std_caps(d, &c);
	if (len > CFG_STD_SIZE && (d->is_pcie || pcix2))
		walk_ext_caps(d, &c);
	/*
	 * ACS lives in extended space: without it we cannot tell, unless
	 * the device is conventional PCI, which has no extended space.
	 */
	d->acs_known = len >= CFG_EXT_SIZE ||
		       (len >= CFG_STD_SIZE && !d->is_pcie && !pcix2);
	if (cfg_has(&c, 0xf0, 4))
		d->rcba = rd32(&c, 0xf0);
	return 0;
}
