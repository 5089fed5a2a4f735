// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cmdline.c - kernel command-line parameters that change grouping
 * (spec/groups.md §4).  Pure: parses strings only.
 *
 * Mirrors pci_setup(), __pci_config_acs(), pci_dev_str_match() and the
 * out-of-tree pcie_acs_override= parser: values the kernel would ignore
 * are ignored here too, with a warning string instead of a log line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmaown/cmdline.h"

__attribute__((format(printf, 2, 3))) static void
warn(struct dmaown_cmdline *cl, const char *fmt, ...)
{
	va_list ap;

	if (cl->nwarn >= DMAOWN_CMDLINE_MAX_WARN)
		return;
	va_start(ap, fmt);
	vsnprintf(cl->warn[cl->nwarn++], DMAOWN_CMDLINE_WARN_LEN, fmt, ap);
	va_end(ap);
}

/* hex number of at most @max digits; advances *p; -1 if none */
static long hex(const char **p, int max)
{
	long v = 0;
	int n = 0;

	while (isxdigit((unsigned char)**p) && n < max) {
		char c = (char)tolower((unsigned char)**p);

		v = v * 16 +
		    (isdigit((unsigned char)c) ? c - '0' : c - 'a' + 10);
		(*p)++;
		n++;
	}
	if (!n || isxdigit((unsigned char)**p))
		return -1;
	return v;
}

static bool at_end(const char *p, const char *end)
{
	return p == end;
}

/* one selector in [s, end); Return: 0 or -EINVAL */
static int parse_sel(const char *s, const char *end, struct dmaown_acs_sel *sel)
{
	const char *p = s;
	long a, b, c, d;

	if (end - s >= 4 && !strncmp(s, "pci:", 4)) {
		p += 4;
		sel->by_id = true;
		if ((a = hex(&p, 4)) < 0 || *p++ != ':' || (b = hex(&p, 4)) < 0)
			return -EINVAL;
		sel->vendor = (uint16_t)a;
		sel->device = (uint16_t)b;
		if (at_end(p, end))
			return 0;
		if (*p++ != ':' || (c = hex(&p, 4)) < 0 || *p++ != ':' ||
		    (d = hex(&p, 4)) < 0 || !at_end(p, end))
			return -EINVAL;
		sel->subvendor = (uint16_t)c;
		sel->subdevice = (uint16_t)d;
		return 0;
	}
	/* [domain:]bus:dev.fn */
	if ((a = hex(&p, 8)) < 0 || *p++ != ':' || (b = hex(&p, 2)) < 0)
		return -EINVAL;
	if (*p == ':') {
		p++;
		sel->domain = (uint32_t)a;
		sel->bus = (uint8_t)b;
		if ((c = hex(&p, 2)) < 0)
			return -EINVAL;
	} else {
		if (a > 0xff)
			return -EINVAL;
		sel->bus = (uint8_t)a;
		c = b;
	}
	if (*p++ != '.' || (d = hex(&p, 1)) < 0 || c > 0x1f || d > 7)
		return -EINVAL;
	sel->path[sel->npath++] = DMAOWN_DEVFN(c, d);
	while (!at_end(p, end)) {
		if (*p++ != '/' || (c = hex(&p, 2)) < 0 || *p++ != '.' ||
		    (d = hex(&p, 1)) < 0 || c > 0x1f || d > 7)
			return -EINVAL;
		if (sel->npath >= DMAOWN_CMDLINE_MAX_PATH)
			return -EINVAL;
		sel->path[sel->npath++] = DMAOWN_DEVFN(c, d);
	}
	return 0;
}

/* config_acs flag string "xx1x0xx": right to left, bit 0 = SV */
static int parse_acs_flags(const char *s, const char *end, uint16_t *mask,
			   uint16_t *flags)
{
	int bit = 0;

	*mask = *flags = 0;
	if (s == end)
		return -EINVAL;
	for (const char *p = end; p > s; bit++) {
		char ch = *--p;

		if (bit > 6 && ch != 'x')
			return -EINVAL; /* "Invalid ACS flags specified" */
		if (ch == '0' || ch == '1') {
			*mask |= (uint16_t)(1u << bit);
			if (ch == '1')
				*flags |= (uint16_t)(1u << bit);
		} else if (ch != 'x') {
			return -EINVAL;
		}
	}
	return 0;
}

/* a ';' separated list of [flags@]selector entries */
static void parse_acs_list(struct dmaown_cmdline *cl, const char *s,
			   const char *end, bool disable)
{
	const char *opt = disable ? "disable_acs_redir" : "config_acs";

	while (s < end) {
		const char *e = memchr(s, ';', (size_t)(end - s));
		struct dmaown_acs_sel sel = { 0 };
		const char *at;

		if (!e)
			e = end;
		sel.disable_redir = disable;
		if (disable) {
			sel.mask =
				DMAOWN_ACS_RR | DMAOWN_ACS_CR | DMAOWN_ACS_EC;
			at = s;
		} else {
			at = memchr(s, '@', (size_t)(e - s));
			if (!at ||
			    parse_acs_flags(s, at, &sel.mask, &sel.flags)) {
				warn(cl,
				     "pci=%s=%.*s: invalid ACS flags, rest ignored",
				     opt, (int)(e - s), s);
				return;
			}
			at++;
		}
		if (parse_sel(at, e, &sel)) {
			warn(cl,
			     "pci=%s=%.*s: can't parse the device, rest ignored",
			     opt, (int)(e - s), s);
			return;
		}
		if (cl->nsel >= DMAOWN_CMDLINE_MAX_SEL) {
			warn(cl, "pci=%s: too many entries, rest ignored", opt);
			return;
		}
		cl->sel[cl->nsel++] = sel;
		s = e + 1;
	}
}

static void parse_pci(struct dmaown_cmdline *cl, const char *s, const char *end)
{
	while (s < end) {
		const char *e = memchr(s, ',', (size_t)(end - s));
		size_t n;

		if (!e)
			e = end;
		n = (size_t)(e - s);
		if (n == 5 && !strncmp(s, "noats", 5))
			cl->noats = true;
		else if (n > 18 && !strncmp(s, "disable_acs_redir=", 18))
			parse_acs_list(cl, s + 18, e, true);
		else if (n > 11 && !strncmp(s, "config_acs=", 11))
			parse_acs_list(cl, s + 11, e, false);
		s = e + 1;
	}
}

static void parse_override(struct dmaown_cmdline *cl, const char *s,
			   const char *end)
{
	struct dmaown_acs_override *o = &cl->ovr;

	o->set = true;
	while (s < end) {
		const char *e = memchr(s, ',', (size_t)(end - s));
		size_t n;

		if (!e)
			e = end;
		n = (size_t)(e - s);
		if (n == 10 && !strncmp(s, "downstream", 10)) {
			o->downstream = true;
		} else if (n == 13 && !strncmp(s, "multifunction", 13)) {
			o->multifunction = true;
		} else if (n > 3 && !strncmp(s, "id:", 3)) {
			const char *p = s + 3;
			long v, d = -1;

			v = hex(&p, 4);
			if (v >= 0 && *p == ':') {
				p++;
				d = hex(&p, 4);
			}
			if (v < 0 || d < 0 || p != e) {
				warn(cl,
				     "pcie_acs_override: bad id entry '%.*s'",
				     (int)n, s);
			} else if (o->nids >= DMAOWN_ACS_OVERRIDE_MAX_IDS) {
				warn(cl,
				     "pcie_acs_override: more than %d ids, '%.*s' ignored",
				     DMAOWN_ACS_OVERRIDE_MAX_IDS, (int)n, s);
			} else {
				o->ids[o->nids][0] = (uint16_t)v;
				o->ids[o->nids][1] = (uint16_t)d;
				o->nids++;
			}
		} else if (n) {
			warn(cl, "pcie_acs_override: unknown option '%.*s'",
			     (int)n, s);
		}
		s = e + 1;
	}
}

static bool word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !strncmp(s, w, n);
}

int dmaown_cmdline_parse(const char *s, struct dmaown_cmdline *cl)
{
	if (!cl)
		return -EINVAL;
	memset(cl, 0, sizeof(*cl));
	if (!s)
		return 0;
	while (*s) {
		const char *e, *eq;
		size_t klen;

		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		e = s;
		while (*e && !isspace((unsigned char)*e))
			e++;
		eq = memchr(s, '=', (size_t)(e - s));
		klen = eq ? (size_t)(eq - s) : (size_t)(e - s);
		if (eq) {
			const char *v = eq + 1;
			size_t vlen = (size_t)(e - v);

			if (word_is(s, klen, "iommu") ||
			    word_is(s, klen, "intel_iommu") ||
			    word_is(s, klen, "amd_iommu")) {
				/* comma-separated option lists */
				for (const char *p = v; p < e;) {
					const char *q =
						memchr(p, ',', (size_t)(e - p));

					if (!q)
						q = e;
					if (word_is(p, (size_t)(q - p), "off"))
						cl->iommu_off = true;
					else if (word_is(p, (size_t)(q - p),
							 "pt"))
						cl->passthrough = true;
					p = q + 1;
				}
			} else if (word_is(s, klen, "iommu.passthrough")) {
				cl->passthrough = word_is(v, vlen, "1") ||
						  word_is(v, vlen, "y");
			} else if (word_is(s, klen, "pci")) {
				parse_pci(cl, v, e);
			} else if (word_is(s, klen, "pcie_acs_override")) {
				parse_override(cl, v, e);
			}
		}
		s = e;
	}
	return 0;
}

bool dmaown_acs_sel_match(const struct dmaown_acs_sel *sel,
			  const struct dmaown_topology *t, size_t i)
{
	const struct dmaown_dev *d = dmaown_topology_dev(t, i);
	int k;

	if (!d)
		return false;
	if (sel->by_id)
		return (!sel->vendor || sel->vendor == d->vendor) &&
		       (!sel->device || sel->device == d->device) &&
		       (!sel->subvendor ||
			sel->subvendor == d->subsys_vendor) &&
		       (!sel->subdevice || sel->subdevice == d->subsys_device);
	/* last path element is the device, walk up one bridge per element */
	for (k = sel->npath - 1; k > 0; k--) {
		if (d->bdf.devfn != sel->path[k] || d->parent < 0)
			return false;
		d = dmaown_topology_dev(t, (size_t)d->parent);
	}
	return d->bdf.devfn == sel->path[0] && d->bdf.bus == sel->bus &&
	       d->bdf.domain == sel->domain;
}

uint16_t dmaown_cmdline_acs_edit(const struct dmaown_cmdline *cl,
				 const struct dmaown_topology *t, size_t i,
				 uint16_t fw_ctrl, uint16_t kernel_ctrl,
				 bool *matched)
{
	uint16_t ctrl = kernel_ctrl;
	int pass, k;

	if (matched)
		*matched = false;
	/* disable_acs_redir= first, then config_acs=; both from firmware */
	for (pass = 0; pass < 2; pass++) {
		for (k = 0; k < cl->nsel; k++) {
			const struct dmaown_acs_sel *s = &cl->sel[k];

			if (s->disable_redir != (pass == 0) ||
			    !dmaown_acs_sel_match(s, t, i))
				continue;
			ctrl = (uint16_t)((fw_ctrl & ~s->mask) |
					  (s->flags & s->mask));
			if (matched)
				*matched = true;
			break;
		}
	}
	return ctrl;
}
