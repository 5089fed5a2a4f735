// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * topo-dsl.c - parser of the test topology language (see topo-dsl.h)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo-dsl.h"

struct pending {
	int model; /* -1: none */
	int line;
	char *text;
};

struct pctx {
	const char *name;
	int line;
	struct dmaown_err *err;
	struct pending exp[2];
	bool none;
};

#define FAIL(p, ...) dmaown_err_set((p)->err, -EINVAL, __VA_ARGS__)

static const struct {
	const char *word;
	int type;
	bool bridge;
} types[] = {
	{ "ep", DMAOWN_PCIE_ENDPOINT, false },
	{ "legacy", DMAOWN_PCIE_LEGACY_ENDPOINT, false },
	{ "rciep", DMAOWN_PCIE_RCIEP, false },
	{ "rcec", DMAOWN_PCIE_RCEC, false },
	{ "rp", DMAOWN_PCIE_ROOT_PORT, true },
	{ "usp", DMAOWN_PCIE_UPSTREAM, true },
	{ "dsp", DMAOWN_PCIE_DOWNSTREAM, true },
	{ "pcie2pci", DMAOWN_PCIE_PCIE_TO_PCI, true },
	{ "pci2pcie", DMAOWN_PCIE_PCI_TO_PCIE, true },
	{ "pci", DMAOWN_PCIE_NONE, false },
	{ "pcibridge", DMAOWN_PCIE_NONE, true },
};

static int hexpair(const char *s, unsigned long *a, unsigned long *b)
{
	char *e;

	*a = strtoul(s, &e, 16);
	if (e == s || *e != ':' || *a > 0xffff)
		return -1;
	s = e + 1;
	*b = strtoul(s, &e, 16);
	if (e == s || *e || *b > 0xffff)
		return -1;
	return 0;
}

static int hexnum(const char *s, unsigned long max, unsigned long *v)
{
	char *e;

	*v = strtoul(s, &e, 16);
	return (e == s || *e || *v > max) ? -1 : 0;
}

static int parse_dev(struct pctx *p, struct dsl_case *c, char *args)
{
	struct dmaown_dev d;
	char *tok, *save = NULL;
	unsigned long a, b;
	size_t k;
	int r;

	dmaown_dev_init(&d);
	tok = strtok_r(args, " \t", &save);
	if (!tok || dmaown_bdf_parse(tok, &d.bdf))
		return FAIL(p, "%s:%d: bad device address '%s'", p->name,
			    p->line, tok ? tok : "");
	tok = strtok_r(NULL, " \t", &save);
	for (k = 0; tok && k < sizeof(types) / sizeof(types[0]); k++)
		if (!strcmp(tok, types[k].word))
			break;
	if (!tok || k == sizeof(types) / sizeof(types[0]))
		return FAIL(p, "%s:%d: unknown device type '%s'", p->name,
			    p->line, tok ? tok : "");
	d.is_pcie = types[k].type != DMAOWN_PCIE_NONE;
	d.pcie_type_raw = types[k].type;
	d.is_bridge = types[k].bridge;
	d.header_type = d.is_bridge ? 1 : 0;
	d.vendor = 0x1234;
	d.device = 0x0001;
	d.class_code = d.is_bridge ? 0x060400 : 0x020000;
	d.config_full = true;
	d.config_len = 4096;
	while ((tok = strtok_r(NULL, " \t", &save))) {
		if (!strncmp(tok, "sec=", 4)) {
			if (hexnum(tok + 4, 0xff, &a) || !d.is_bridge)
				goto bad;
			d.secondary = d.subordinate = (uint8_t)a;
		} else if (!strncmp(tok, "id=", 3)) {
			if (hexpair(tok + 3, &a, &b))
				goto bad;
			d.vendor = (uint16_t)a;
			d.device = (uint16_t)b;
		} else if (!strncmp(tok, "subsys=", 7)) {
			if (hexpair(tok + 7, &a, &b))
				goto bad;
			d.subsys_vendor = (uint16_t)a;
			d.subsys_device = (uint16_t)b;
		} else if (!strncmp(tok, "class=", 6)) {
			if (hexnum(tok + 6, 0xffffff, &a))
				goto bad;
			d.class_code = (uint32_t)a;
		} else if (!strcmp(tok, "mf")) {
			d.hdr_multifunction = true;
		} else if (!strcmp(tok, "ari")) {
			d.ari = true;
		} else if (!strcmp(tok, "mmio")) {
			d.nbars = 1;
			d.bar[0].is_mem = true;
			d.bar[0].base = 0xf0000000;
			d.bar[0].size = 0x1000;
		} else if (!strcmp(tok, "acs=?")) {
			d.acs_known = false;
		} else if (!strncmp(tok, "acs=", 4) ||
			   !strncmp(tok, "acsdw=", 6)) {
			bool dw = tok[3] == 'd';
			char *s = tok + (dw ? 6 : 4), *e;

			a = strtoul(s, &e, 16);
			if (e == s || *e != '/')
				goto bad;
			s = e + 1;
			b = strtoul(s, &e, 16);
			if (e == s || *e)
				goto bad;
			d.acs_pos = 0x100;
			if (dw) {
				d.acs_dw_cap = (uint32_t)a;
				d.acs_dw_ctrl = (uint32_t)b;
			} else {
				if (a > 0xffff || b > 0xffff)
					goto bad;
				d.acs_cap = (uint16_t)a;
				d.acs_ctrl = (uint16_t)b;
			}
		} else if (!strncmp(tok, "vf=", 3)) {
			if (dmaown_bdf_parse(tok + 3, &d.physfn_bdf))
				goto bad;
			d.is_vf = true;
		} else if (!strncmp(tok, "rcba=", 5)) {
			if (hexnum(tok + 5, 0xffffffff, &a))
				goto bad;
			d.rcba = (uint32_t)a;
		} else if (!strncmp(tok, "alias=", 6)) {
			if (hexnum(tok + 6, 0xff, &a))
				goto bad;
			if (!d.dma_alias_mask)
				d.dma_alias_mask = calloc(1, 32);
			if (!d.dma_alias_mask)
				return -ENOMEM;
			d.dma_alias_mask[a >> 3] |= (uint8_t)(1u << (a & 7));
		} else {
			goto bad;
		}
	}
	if (d.is_bridge && !d.secondary) {
		free(d.dma_alias_mask);
		return FAIL(p, "%s:%d: bridge without sec=BUS", p->name,
			    p->line);
	}
	r = dmaown_topology_add(c->t, &d);
	free(d.dma_alias_mask);
	if (r == -EEXIST || r == -EBUSY)
		return FAIL(p, "%s:%d: device listed twice", p->name, p->line);
	return r < 0 ? r : 0;
bad:
	free(d.dma_alias_mask);
	return FAIL(p, "%s:%d: bad device attribute '%s'", p->name, p->line,
		    tok);
}

static int parse_host(struct pctx *p, struct dsl_case *c, char *args)
{
	struct dmaown_host_info *h = dmaown_topology_host(c->t);
	char *tok, *save = NULL;

	for (tok = strtok_r(args, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(tok, "iommu=0") || !strcmp(tok, "iommu=1")) {
			h->iommu_known = true;
			h->iommu_present = tok[6] == '1';
		} else if (!strcmp(tok, "ivrs=0") || !strcmp(tok, "ivrs=1")) {
			h->ivrs_present = tok[5] == '1';
		} else if (!strncmp(tok, "kver=", 5)) {
			if (dmaown_dev_set_str(&h->kernel_release, tok + 5))
				return -ENOMEM;
		} else {
			return FAIL(p, "%s:%d: bad host attribute '%s'",
				    p->name, p->line, tok);
		}
	}
	return 0;
}

static int model_word(const char *w)
{
	if (!strcmp(w, "kernel"))
		return DMAOWN_MODEL_KERNEL;
	if (!strcmp(w, "spec"))
		return DMAOWN_MODEL_SPEC;
	return -1;
}

static int parse_line(struct pctx *p, struct dsl_case *c, char *line)
{
	char *key = line, *args, *nl;
	int m;

	if ((nl = strchr(line, '#')))
		*nl = 0;
	while (*key == ' ' || *key == '\t')
		key++;
	nl = key + strlen(key);
	while (nl > key && (nl[-1] == ' ' || nl[-1] == '\t' || nl[-1] == '\r'))
		*--nl = 0;
	if (!*key)
		return 0;
	args = key + strcspn(key, " \t");
	if (*args)
		*args++ = 0;
	while (*args == ' ' || *args == '\t')
		args++;
	if (!strcmp(key, "dev"))
		return parse_dev(p, c, args);
	if (!strcmp(key, "host"))
		return parse_host(p, c, args);
	if (!strcmp(key, "cmdline")) {
		free(c->cmdline);
		c->cmdline = strdup(args);
		return c->cmdline ? 0 : -ENOMEM;
	}
	if (!strcmp(key, "weak")) {
		if (c->nweak >= 4 || !*args || strlen(args) >= 32)
			return FAIL(p, "%s:%d: bad weak line", p->name,
				    p->line);
		snprintf(c->weak[c->nweak++], 32, "%s", args);
		return 0;
	}
	if (!strcmp(key, "mode")) {
		if (!strcmp(args, "firmware"))
			c->acs_input = DMAOWN_ACS_FIRMWARE;
		else if (!strcmp(args, "post-boot"))
			c->acs_input = DMAOWN_ACS_POST_BOOT;
		else
			return FAIL(p, "%s:%d: bad mode '%s'", p->name, p->line,
				    args);
		return 0;
	}
	if (!strcmp(key, "expect") || !strcmp(key, "why")) {
		char *rest = args + strcspn(args, " \t");

		if (*rest)
			*rest++ = 0;
		if (!strcmp(key, "expect") && !strcmp(args, "none")) {
			p->none = true;
			return 0;
		}
		m = model_word(args);
		if (m < 0)
			return FAIL(
				p,
				"%s:%d: expected 'kernel' or 'spec', got '%s'",
				p->name, p->line, args);
		while (*rest == ' ' || *rest == '\t')
			rest++;
		if (!strcmp(key, "expect")) {
			free(p->exp[m].text);
			p->exp[m].text = strdup(rest);
			p->exp[m].line = p->line;
			return p->exp[m].text ? 0 : -ENOMEM;
		}
		if (c->nwhy >= DSL_MAX_WHY)
			return FAIL(p, "%s:%d: too many why lines", p->name,
				    p->line);
		{
			struct dsl_why *w = &c->why[c->nwhy];
			char *txt = rest + strcspn(rest, " \t");

			if (*txt)
				*txt++ = 0;
			if (dmaown_bdf_parse(rest, &w->bdf) || !*txt)
				return FAIL(
					p, "%s:%d: why needs a device and text",
					p->name, p->line);
			w->model = m;
			snprintf(w->text, sizeof(w->text), "%s", txt);
			c->nwhy++;
		}
		return 0;
	}
	return FAIL(p, "%s:%d: unknown directive '%s'", p->name, p->line, key);
}

/* "{a b} {c}" -> group numbers per device */
static int resolve(struct pctx *p, struct dsl_case *c, int m)
{
	size_t n = dmaown_topology_count(c->t), i;
	char *s = p->exp[m].text, *tok, *save = NULL;
	int g = -1, *out;
	bool open = false, none = false;

	out = malloc((n + 1) * sizeof(int));
	if (!out)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		out[i] = -2;
	c->expect[m] = out;
	p->line = p->exp[m].line;
	/* put spaces around braces so strtok sees them as tokens */
	{
		size_t l = strlen(s), k, j = 0;
		char *b = malloc(3 * l + 1);

		if (!b)
			return -ENOMEM;
		for (k = 0; k < l; k++) {
			if (s[k] == '{' || s[k] == '}') {
				b[j++] = ' ';
				b[j++] = s[k];
				b[j++] = ' ';
			} else {
				b[j++] = s[k];
			}
		}
		b[j] = 0;
		free(s);
		s = p->exp[m].text = b;
	}
	for (tok = strtok_r(s, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		struct dmaown_bdf b;
		int k;

		if (!strcmp(tok, "none") && !open) {
			none = true;	/* the next {...}: in no group */
		} else if (!strcmp(tok, "{")) {
			if (open)
				return FAIL(p, "%s:%d: nested '{'", p->name,
					    p->line);
			open = true;
			g++;
		} else if (!strcmp(tok, "}")) {
			if (!open)
				return FAIL(p, "%s:%d: '}' without '{'",
					    p->name, p->line);
			open = false;
			none = false;
		} else {
			if (!open || dmaown_bdf_parse(tok, &b))
				return FAIL(p, "%s:%d: bad group member '%s'",
					    p->name, p->line, tok);
			k = dmaown_topology_find(c->t, b);
			if (k < 0)
				return FAIL(p, "%s:%d: %s is not a device",
					    p->name, p->line, tok);
			if (out[k] != -2)
				return FAIL(p, "%s:%d: %s is in two groups",
					    p->name, p->line, tok);
			out[k] = none ? -1 : g;
		}
	}
	if (open)
		return FAIL(p, "%s:%d: missing '}'", p->name, p->line);
	for (i = 0; i < n; i++)
		if (out[i] == -2) {
			char buf[DMAOWN_BDF_STRLEN];

			return FAIL(p, "%s:%d: %s is in no expected group",
				    p->name, p->line,
				    dmaown_bdf_format(
					    dmaown_topology_dev(c->t, i)->bdf,
					    buf));
		}
	return 0;
}

int dsl_load_string(const char *name, const char *text, struct dsl_case *c,
		    struct dmaown_err *err)
{
	struct pctx p = { .name = name, .err = err };
	char *copy, *line, *save = NULL;
	int r = 0, m;

	memset(c, 0, sizeof(*c));
	c->t = dmaown_topology_new();
	copy = strdup(text ? text : "");
	if (!c->t || !copy) {
		free(copy);
		dsl_free(c);
		return -ENOMEM;
	}
	/* strtok_r would skip empty lines and lose the count: split by hand */
	line = copy;
	while (line && !r) {
		char *e = strchr(line, '\n');

		if (e)
			*e = 0;
		p.line++;
		r = parse_line(&p, c, line);
		line = e ? e + 1 : NULL;
	}
	(void)save;
	if (!r)
		r = dmaown_topology_finalize(c->t, err);
	c->expect_none = p.none;
	for (m = 0; m < 2 && !r; m++)
		if (p.exp[m].text)
			r = resolve(&p, c, m);
	for (m = 0; m < 2; m++)
		free(p.exp[m].text);
	free(copy);
	if (r)
		dsl_free(c);
	return r;
}

int dsl_load(const char *path, struct dsl_case *c, struct dmaown_err *err)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;
	int r;

	if (!f)
		return dmaown_err_set(err, -errno, "%s: %s", path,
				      strerror(errno));
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		fclose(f);
		return dmaown_err_set(err, -EIO, "%s: read error", path);
	}
	buf[len] = 0;
	fclose(f);
	r = dsl_load_string(path, buf, c, err);
	free(buf);
	return r;
}

void dsl_free(struct dsl_case *c)
{
	dmaown_topology_free(c->t);
	free(c->cmdline);
	free(c->expect[0]);
	free(c->expect[1]);
	memset(c, 0, sizeof(*c));
}

bool dsl_check(const struct dsl_case *c, int model,
	       const struct dmaown_groups *g, char *msg, size_t len)
{
	const int *e = c->expect[model] ? c->expect[model] :
					  c->expect[DMAOWN_MODEL_KERNEL];
	struct dmaown_groups *want;
	size_t n = dmaown_topology_count(c->t), i;
	bool eq;
	int maxg = -1;

	if (c->expect_none) {
		for (i = 0; i < n; i++)
			if (g->group_of[i] >= 0) {
				snprintf(msg, len, "expected no groups");
				return false;
			}
		return true;
	}
	if (!e) {
		snprintf(msg, len, "no expectation given");
		return false;
	}
	want = dmaown_groups_new(n);
	if (!want)
		return false;
	for (i = 0; i < n; i++) {
		want->group_of[i] = e[i];
		if (e[i] > maxg)
			maxg = e[i];
	}
	want->ngroups = (size_t)(maxg + 1);
	eq = dmaown_groups_equal(want, g);
	dmaown_groups_free(want);
	if (!eq) {
		size_t l = 0, k;
		char b[DMAOWN_BDF_STRLEN];

		l += (size_t)snprintf(msg + l, len - l, "got");
		for (k = 0; k < g->ngroups && l < len; k++) {
			l += (size_t)snprintf(msg + l, len - l, " {");
			for (i = 0; i < n && l < len; i++)
				if (g->group_of[i] == (int)k)
					l += (size_t)snprintf(
						msg + l, len - l, " %s",
						dmaown_bdf_format(
							dmaown_topology_dev(
								c->t, i)
								->bdf,
							b));
			if (l < len)
				l += (size_t)snprintf(msg + l, len - l, " }");
		}
	}
	return eq;
}
