/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cfgbuild.h - build raw PCI config spaces for the sources tests
 */
#ifndef DMAOWN_TEST_CFGBUILD_H
#define DMAOWN_TEST_CFGBUILD_H

#include <stdint.h>
#include <string.h>

struct cfgb {
	uint8_t b[4096];
	uint8_t last_std;	/* offset of the last standard cap, 0: none */
	uint16_t last_ext;	/* offset of the last extended cap, 0: none */
};

static inline void cb_w8(struct cfgb *c, unsigned int pos, uint8_t v)
{
	c->b[pos] = v;
}

static inline void cb_w16(struct cfgb *c, unsigned int pos, uint16_t v)
{
	c->b[pos] = (uint8_t)v;
	c->b[pos + 1] = (uint8_t)(v >> 8);
}

static inline void cb_w32(struct cfgb *c, unsigned int pos, uint32_t v)
{
	cb_w16(c, pos, (uint16_t)v);
	cb_w16(c, pos + 2, (uint16_t)(v >> 16));
}

/* header: ids, class (24 bit), header type byte (with bit 7) */
static inline void cb_init(struct cfgb *c, uint16_t ven, uint16_t dev,
			   uint32_t cls, uint8_t ht)
{
	memset(c, 0, sizeof(*c));
	cb_w16(c, 0, ven);
	cb_w16(c, 2, dev);
	cb_w8(c, 8, 0x01);
	cb_w8(c, 9, (uint8_t)cls);
	cb_w8(c, 10, (uint8_t)(cls >> 8));
	cb_w8(c, 11, (uint8_t)(cls >> 16));
	cb_w8(c, 0x0e, ht);
}

static inline void cb_bridge(struct cfgb *c, uint8_t pri, uint8_t sec,
			     uint8_t sub)
{
	cb_w8(c, 0x18, pri);
	cb_w8(c, 0x19, sec);
	cb_w8(c, 0x1a, sub);
}

/* append a standard capability at @pos; returns @pos */
static inline unsigned int cb_cap(struct cfgb *c, unsigned int pos,
				  uint8_t id)
{
	cb_w16(c, 0x06, 0x0010);
	if (c->last_std)
		c->b[c->last_std + 1] = (uint8_t)pos;
	else
		c->b[0x34] = (uint8_t)pos;
	c->b[pos] = id;
	c->b[pos + 1] = 0;
	c->last_std = (uint8_t)pos;
	return pos;
}

static inline void cb_pcie(struct cfgb *c, unsigned int pos, int type)
{
	cb_cap(c, pos, 0x10);
	cb_w16(c, pos + 2, (uint16_t)(0x2 | type << 4));
}

/* append an extended capability at @pos; returns @pos */
static inline unsigned int cb_ext(struct cfgb *c, unsigned int pos,
				  uint16_t id)
{
	if (c->last_ext) {
		uint32_t h = c->b[c->last_ext] | c->b[c->last_ext + 1] << 8 |
			     (uint32_t)c->b[c->last_ext + 2] << 16 |
			     (uint32_t)c->b[c->last_ext + 3] << 24;

		cb_w32(c, c->last_ext, (h & 0x000fffff) | (uint32_t)pos << 20);
	}
	cb_w32(c, pos, (uint32_t)id | 1u << 16);
	c->last_ext = (uint16_t)pos;
	return pos;
}

static inline void cb_acs(struct cfgb *c, unsigned int pos, uint16_t cap,
			  uint16_t ctl)
{
	cb_ext(c, pos, 0x0d);
	cb_w16(c, pos + 4, cap);
	cb_w16(c, pos + 6, ctl);
}

static inline void cb_sriov(struct cfgb *c, unsigned int pos, uint16_t total,
			    uint16_t num, uint16_t off, uint16_t stride,
			    uint16_t vfdev)
{
	cb_ext(c, pos, 0x10);
	cb_w16(c, pos + 0x0c, total);
	cb_w16(c, pos + 0x0e, total);
	cb_w16(c, pos + 0x10, num);
	cb_w16(c, pos + 0x14, off);
	cb_w16(c, pos + 0x16, stride);
	cb_w16(c, pos + 0x1a, vfdev);
}

#endif
