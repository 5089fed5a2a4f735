// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * src-lspci-text.c - topology from `lspci -vv[v]`, with or without -nn
 * and -D, as pasted in bug reports and forum posts
 *
 * What the text cannot say and how we fill it in:
 *  - header type bit 7 (multifunction): set when another function of the
 *    same slot is listed;
 *  - the parent bridge: finalize derives it from bus numbers; when the
 *    text has bridges without "Bus:" lines (`lspci -nnk`, `lspci -nn`)
 *    the numbering is inferred (src-busnum.c) and the devices say so;
 *  - VFs: a function inside a listed PF's SR-IOV routing-ID range;
 *  - ACS: known only when the device's capabilities were printed (as
 *    root); "<access denied>" or no capabilities leave acs_known false;
 *  - the ACS dword at +4 is rebuilt from the two words; the dword at +8
 *    (egress vector / Intel SPT control) is not printed: left 0.
 * Listings of IOMMU groups ("IOMMU Group 3:", "IOMMU group: 3", "### Group
 * 3 ###", "Group Device: ...", and the one-line "IOMMU group 3 00:1f.0 ..."
 * of the usual sysfs loop) set kernel_group, also when mixed with lspci
 * output in one file: a header's group covers the device lines under it
 * until a blank line, a fence or other unindented text (a shell prompt),
 * a one-line record only its own line.  A device listed twice is merged
 * when the IDs agree.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "src-internal.h"

#define TEXT_MAX (32u << 20)
#define LINE_MAX_LEN 4096

struct tdev {
	struct dmaown_dev d;
	unsigned int line;
	bool saw_caps, saw_ext, denied, has_ids;
	bool bus_seen;		/* a "Bus: primary=" line gave its numbers */
	bool bridge_hint;	/* bridge-only lines (windows, BridgeCtl) */
	bool acs_ctl_seen;	/* an "ACSCtl:" line */
};

struct tparse {
	const char *name;
	struct tdev *v;
	size_t n, cap;
	struct tdev *cur;
	int group;
	unsigned int line;
	struct dmaown_err *err;
	struct dmaown_host_info host;
};

static const struct {
	const char *name;
	uint32_t cls;
} class_names[] = {
	{ "Host bridge", 0x0600 },	{ "ISA bridge", 0x0601 },
	{ "PCI bridge", 0x0604 },	{ "CardBus bridge", 0x0607 },
	{ "VGA compatible controller", 0x0300 },
	{ "3D controller", 0x0302 },	{ "Display controller", 0x0380 },
	{ "Ethernet controller", 0x0200 },
	{ "Network controller", 0x0280 },
	{ "USB controller", 0x0c03 },	{ "SMBus", 0x0c05 },
	{ "SATA controller", 0x0106 },	{ "RAID bus controller", 0x0104 },
	{ "Non-Volatile memory controller", 0x0108 },
	{ "Audio device", 0x0403 },	{ "Multimedia audio controller", 0x0401 },
	{ "Signal processing controller", 0x1180 },
	{ "Communication controller", 0x0780 },
	{ "Serial controller", 0x0700 },
	{ "System peripheral", 0x0880 },
	{ "Memory controller", 0x0580 },	{ "RAM memory", 0x0500 },
	{ "Serial bus controller", 0x0c80 },
	{ "Encryption controller", 0x1080 },
	{ "Non-Essential Instrumentation", 0x1300 },
};

static const struct {
	const char *name;
	int type;
} pcie_types[] = {
	/* longer names first: "Endpoint" is a suffix of several */
	{ "Root Complex Integrated Endpoint", DMAOWN_PCIE_RCIEP },
	{ "Root Complex Event Collector", DMAOWN_PCIE_RCEC },
	{ "Legacy Endpoint", DMAOWN_PCIE_LEGACY_ENDPOINT },
	{ "Endpoint", DMAOWN_PCIE_ENDPOINT },
	{ "Root Port", DMAOWN_PCIE_ROOT_PORT },
	{ "Upstream Port", DMAOWN_PCIE_UPSTREAM },
	{ "Downstream Port", DMAOWN_PCIE_DOWNSTREAM },
	{ "PCI-Express to PCI/PCI-X Bridge", DMAOWN_PCIE_PCIE_TO_PCI },
	{ "PCI/PCI-X to PCI-Express Bridge", DMAOWN_PCIE_PCI_TO_PCIE },
};

static const struct {
	const char *name;
	uint16_t bit;
} acs_flags[] = {
	{ "SrcValid", DMAOWN_ACS_SV },	  { "TransBlk", DMAOWN_ACS_TB },
	{ "ReqRedir", DMAOWN_ACS_RR },	  { "CmpltRedir", DMAOWN_ACS_CR },
	{ "UpstreamFwd", DMAOWN_ACS_UF }, { "EgressCtrl", DMAOWN_ACS_EC },
	{ "DirectTrans", DMAOWN_ACS_DT },
};

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static int hexn(const char *s, int n, unsigned long *ret)
{
	unsigned long v = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		v = v << 4 | (unsigned long)(isdigit((unsigned char)s[i]) ?
			s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' + 10));
	}
	*ret = v;
	return 0;
}

/*
 * "[DDDD:]BB:SS.F" followed by a blank; returns the rest of the line
 * after the blank, or NULL.
 */
static const char *parse_bdf(const char *s, struct dmaown_bdf *bdf)
{
	unsigned long dom = 0, bus, slot, fn;
	size_t dl = 0;

	while (isxdigit((unsigned char)s[dl]) && dl < 9)
		dl++;
	if (s[dl] == ':' && dl >= 4 && dl <= 8 &&
	    isxdigit((unsigned char)s[dl + 1]) &&
	    isxdigit((unsigned char)s[dl + 2]) && s[dl + 3] == ':') {
		if (hexn(s, (int)dl, &dom))
			return NULL;
		s += dl + 1;
	}
	if (hexn(s, 2, &bus) || s[2] != ':' || hexn(s + 3, 2, &slot) ||
	    s[5] != '.' || !isdigit((unsigned char)s[6]) || s[7] != ' ')
		return NULL;
	fn = (unsigned long)(s[6] - '0');
	if (slot > 0x1f || fn > 7)
		return NULL;
	bdf->domain = (uint32_t)dom;
	bdf->bus = (uint8_t)bus;
	bdf->devfn = DMAOWN_DEVFN(slot, fn);
	return s + 8;
}

/* the last "[hhhh:hhhh]" in s[0..len) */
static bool find_ids(const char *s, size_t len, uint16_t *a, uint16_t *b)
{
	size_t i;

	for (i = len; i-- > 0;) {
		unsigned long x, y;

		if (s[i] != '[' || len - i < 11 || s[i + 5] != ':' ||
		    s[i + 10] != ']' || hexn(s + i + 1, 4, &x) ||
		    hexn(s + i + 6, 4, &y))
			continue;
		*a = (uint16_t)x;
		*b = (uint16_t)y;
		return true;
	}
	return false;
}

static int tp_fail(struct tparse *p, const char *what)
{
	return dmaown_err_set(p->err, -EINVAL, "%s:%u: %s", p->name, p->line,
			      what);
}

static struct tdev *tp_get(struct tparse *p, struct dmaown_bdf bdf)
{
	struct tdev *nv;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (!dmaown_bdf_cmp(p->v[i].d.bdf, bdf))
			return &p->v[i];
	if (p->n == p->cap) {
		size_t nc = p->cap ? 2 * p->cap : 32;

		nv = realloc(p->v, nc * sizeof(*nv));
		if (!nv)
			return NULL;
		p->v = nv;
		p->cap = nc;
	}
	memset(&p->v[p->n], 0, sizeof(p->v[p->n]));
	dmaown_dev_init(&p->v[p->n].d);
	p->v[p->n].d.bdf = bdf;
	p->v[p->n].d.mem_base = p->v[p->n].d.pref_base = 1;
	p->v[p->n].line = p->line;
	return &p->v[p->n++];
}

/* a device line; returns 1 if it was one, 0 if not, <0 on error */
static int device_line(struct tparse *p, const char *s)
{
	struct dmaown_bdf bdf;
	const char *rest, *colon, *q;
	uint16_t ven = 0, dev = 0;
	unsigned long cls = 0, v;
	bool ids = false, have_cls = false;
	struct tdev *t;
	size_t i;

	rest = parse_bdf(s, &bdf);
	if (!rest)
		return 0;
	if (starts(rest, "- "))		/* "Group Device: BDF - Class" */
		rest += 2;
	colon = strstr(rest, ": ");
	if (!colon)
		return 0;		/* prose that starts with an address */
	/* -n: "0604: 8086:1901"; -nn: "PCI bridge [0604]: ... [8086:1901]" */
	if (colon - rest == 4 && !hexn(rest, 4, &cls)) {
		have_cls = true;
		ids = strlen(colon + 2) >= 9 && colon[6] == ':' &&
		      !hexn(colon + 2, 4, &v) && (ven = (uint16_t)v, 1) &&
		      !hexn(colon + 7, 4, &v) && (dev = (uint16_t)v, 1);
	} else {
		if (colon - rest >= 7 && colon[-1] == ']' && colon[-6] == '[' &&
		    !hexn(colon - 5, 4, &cls))
			have_cls = true;
		for (i = 0; !have_cls && i < sizeof(class_names) /
					      sizeof(class_names[0]); i++)
			if ((size_t)(colon - rest) == strlen(class_names[i].name) &&
			    starts(rest, class_names[i].name)) {
				cls = class_names[i].cls;
				have_cls = true;
			}
		ids = find_ids(colon, strlen(colon), &ven, &dev);
	}
	if (!have_cls && !ids)
		return 0;
	t = tp_get(p, bdf);
	if (!t)
		return -ENOMEM;
	if (ids && t->has_ids && (t->d.vendor != ven || t->d.device != dev))
		return tp_fail(p, "device listed again with other IDs");
	p->cur = t;
	if (ids) {
		t->d.vendor = ven;
		t->d.device = dev;
		t->has_ids = true;
	}
	if (have_cls)
		t->d.class_code = (uint32_t)cls << 8 |
				  (t->d.class_code & 0xff);
	q = strstr(colon, "(rev ");
	if (q && !hexn(q + 5, 2, &v))
		t->d.revision = (uint8_t)v;
	q = strstr(colon, "(prog-if ");
	if (q && !hexn(q + 9, 2, &v))
		t->d.class_code = (t->d.class_code & ~0xffu) | (uint32_t)v;
	if (p->group >= 0)
		t->d.kernel_group = p->group;
	return 1;
}

/* group headers; returns true if the line was one */
static bool group_line(struct tparse *p, const char **sp)
{
	const char *s = *sp;
	char *end;
	long g;

	if (starts(s, "IOMMU group: "))	/* lspci's own per-device line */
		return false;
	if (starts(s, "### Group "))
		s += 10;
	else if (!strncasecmp(s, "IOMMU group", 11))
		s = skip_ws(s + 11 + (s[11] == ':'));
	else
		return false;
	g = strtol(s, &end, 10);
	if (end == s || g < 0 || g > 1 << 30)
		return false;
	p->group = (int)g;
	p->cur = NULL;
	s = skip_ws(end);
	if (*s == ':' || *s == '#')
		s = skip_ws(s + strspn(s, ":# "));
	*sp = s;		/* "IOMMU group 3 00:1f.0 ..." continues */
	return true;
}

static uint64_t size_val(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 10);

	switch (*end) {
	case 'K': return v << 10;
	case 'M': return v << 20;
	case 'G': return v << 30;
	case 'T': return v << 40;
	default: return v;
	}
}

static void region(struct tdev *t, const char *s)
{
	struct dmaown_bar *b;
	const char *q;
	char *end;
	long i = strtol(s, &end, 10);

	if (end == s || *end != ':' || i < 0 || i >= DMAOWN_MAX_BARS)
		return;
	b = &t->d.bar[i];
	s = skip_ws(end + 1);
	if (starts(s, "Memory at ")) {
		b->is_mem = true;
		s += 10;
	} else if (starts(s, "I/O ports at ")) {
		s += 13;
	} else {
		return;
	}
	b->base = strtoull(s, NULL, 16);
	b->prefetch = strstr(s, " prefetchable") != NULL;
	q = strstr(s, "[size=");
	if (q)
		b->size = size_val(q + 6);
	if (t->d.nbars <= i)
		t->d.nbars = (int)i + 1;
}

static uint16_t acs_bits(const char *s)
{
	uint16_t v = 0;
	size_t i;

	for (i = 0; i < sizeof(acs_flags) / sizeof(acs_flags[0]); i++) {
		const char *q = strstr(s, acs_flags[i].name);

		if (q && q[strlen(acs_flags[i].name)] == '+')
			v |= acs_flags[i].bit;
	}
	return v;
}

static void window(const char *s, uint64_t *base, uint64_t *limit)
{
	unsigned long long a, b;

	if (sscanf(s, "%llx-%llx", &a, &b) == 2 && a <= b) {
		*base = a;
		*limit = b;
	}
}

static void capability(struct tdev *t, const char *s)
{
	unsigned long pos = strtoul(s, NULL, 16);
	const char *name = strchr(s, ']');
	size_t i;

	t->saw_caps = true;
	if (starts(s, "<access denied>")) {
		t->denied = true;
		return;
	}
	if (!name)
		return;
	name = skip_ws(name + 1);
	if (pos >= 0x100)
		t->saw_ext = true;
	if (starts(name, "Express ")) {
		t->d.is_pcie = true;
		t->d.pcie_type_raw = -2;	/* unknown type: fixed below */
		for (i = 0; i < sizeof(pcie_types) / sizeof(pcie_types[0]); i++)
			if (strstr(name, pcie_types[i].name)) {
				t->d.pcie_type_raw = pcie_types[i].type;
				break;
			}
		if (t->d.pcie_type_raw == -2)
			t->d.pcie_type_raw = DMAOWN_PCIE_ENDPOINT;
	} else if (starts(name, "Access Control Services")) {
		t->d.acs_pos = (uint16_t)(pos & 0xffc);
	} else if (starts(name, "Alternative Routing-ID")) {
		t->d.ari = true;
	}
}

static void detail_line(struct tparse *p, const char *s)
{
	struct tdev *t = p->cur;
	unsigned int a, b, c;
	uint16_t x, y;

	if (starts(s, "IOMMU: ")) {
		s += 7;
		if (!p->host.iommu_kind)
			p->host.iommu_kind = strdup(starts(s, "dmar") ? "intel" :
				starts(s, "ivhd") ? "amd" : "unknown");
		p->host.iommu_present = p->host.iommu_known = true;
		return;
	}
	if (!t)
		return;
	if (starts(s, "Bus: primary=") &&
	    sscanf(s, "Bus: primary=%x, secondary=%x, subordinate=%x", &a, &b,
		   &c) == 3) {
		t->d.is_bridge = true;
		t->d.header_type = (t->d.class_code >> 8) == 0x0607 ? 2 : 1;
		t->d.secondary = (uint8_t)b;
		t->d.subordinate = (uint8_t)c;
		t->bus_seen = true;
	} else if (starts(s, "Memory behind bridge: ")) {
		window(s + 22, &t->d.mem_base, &t->d.mem_limit);
		t->bridge_hint = true;
	} else if (starts(s, "Prefetchable memory behind bridge: ")) {
		window(s + 35, &t->d.pref_base, &t->d.pref_limit);
		t->bridge_hint = true;
	} else if (starts(s, "I/O behind bridge: ") ||
		   starts(s, "BridgeCtl: ") ||
		   starts(s, "Secondary status: ")) {
		t->bridge_hint = true;
	} else if (starts(s, "Capabilities: ")) {
		capability(t, skip_ws(s + 14) + (s[14] == '[' ? 1 : 0));
	} else if (starts(s, "ACSCap:")) {
		t->d.acs_cap = acs_bits(s + 7);
	} else if (starts(s, "ACSCtl:")) {
		t->d.acs_ctrl = acs_bits(s + 7);
		t->acs_ctl_seen = true;
	} else if (starts(s, "Initial VFs:")) {
		if (sscanf(s, "Initial VFs: %u, Total VFs: %u, Number of VFs: %u",
			   &a, &b, &c) == 3) {
			t->d.sriov_total_vfs = (uint16_t)b;
			t->d.sriov_num_vfs = (uint16_t)c;
		}
	} else if (starts(s, "VF offset:")) {
		if (sscanf(s, "VF offset: %u, stride: %u, Device ID: %x", &a,
			   &b, &c) == 3) {
			t->d.sriov_offset = (uint16_t)a;
			t->d.sriov_stride = (uint16_t)b;
			t->d.sriov_vf_device = (uint16_t)c;
		}
	} else if (starts(s, "Kernel driver in use: ")) {
		dmaown_dev_set_str(&t->d.driver, skip_ws(s + 22));
	} else if (starts(s, "Subsystem: ")) {
		if (find_ids(s, strlen(s), &x, &y) ||
		    sscanf(s + 11, "%4hx:%4hx", &x, &y) == 2) {
			t->d.subsys_vendor = x;
			t->d.subsys_device = y;
		}
	} else if (starts(s, "Region ")) {
		region(t, s + 7);
	} else if (starts(s, "Flags: ") || starts(s, "IOMMU group: ")) {
		const char *q = strstr(s, "IOMMU group");

		if (q)
			t->d.kernel_group = atoi(skip_ws(q + 11 +
							 (q[11] == ':')));
	}
}

static int one_line(struct tparse *p, char *s)
{
	bool indented = *s == ' ' || *s == '\t', inline_group = false;
	int r;

	src_chomp(s);
	s = (char *)skip_ws(s);
	if (!*s || starts(s, "```")) {
		p->group = -1;
		p->cur = NULL;
		return 0;
	}
	if (group_line(p, (const char **)&s)) {
		if (!*s)
			return 0;
		inline_group = true;
	}
	if (starts(s, "Group Device: "))
		s += 14;
	r = device_line(p, s);
	if (inline_group)
		p->group = -1;	/* "IOMMU group 3 BDF ...": this line only */
	if (r)
		return r < 0 ? r : 0;
	if (!indented) {
		/* prose or a shell prompt: ends a group and a device block */
		p->group = -1;
		p->cur = NULL;
		return 0;
	}
	detail_line(p, s);
	return 0;
}

static bool vf_of(const struct dmaown_dev *pf, const struct dmaown_dev *d)
{
	unsigned int pf_rid = (unsigned int)pf->bdf.bus << 8 | pf->bdf.devfn;
	unsigned int rid = (unsigned int)d->bdf.bus << 8 | d->bdf.devfn;
	unsigned int i;

	if (pf == d || pf->bdf.domain != d->bdf.domain || !pf->sriov_offset)
		return false;
	for (i = 0; i < pf->sriov_num_vfs; i++)
		if (pf_rid + pf->sriov_offset + i * pf->sriov_stride == rid)
			return true;
	return false;
}

static void infer(struct tparse *p)
{
	bool as_root = false;
	size_t i, j;

	/* any readable capability list means lspci could read config */
	for (i = 0; i < p->n; i++)
		if (p->v[i].saw_caps && !p->v[i].denied)
			as_root = true;

	for (i = 0; i < p->n; i++) {
		struct dmaown_dev *d = &p->v[i].d;

		d->acs_dw_cap = (uint32_t)d->acs_cap |
				(uint32_t)d->acs_ctrl << 16;
		if (p->v[i].saw_caps)
			d->acs_known = !p->v[i].denied &&
				       (!d->is_pcie || p->v[i].saw_ext);
		else
			d->acs_known = as_root;
		/* `lspci -v` names the ACS capability but prints no bits */
		if (d->acs_pos && !p->v[i].acs_ctl_seen)
			d->acs_known = false;
		d->config_len = 0;
		if ((d->class_code >> 8) == 0x0607) {
			d->is_bridge = true;
			d->header_type = 2;
		} else if ((d->class_code >> 8) == 0x0604 ||
			   (d->class_code >> 8) == 0x0609 ||
			   (p->v[i].bridge_hint && !d->is_bridge)) {
			d->is_bridge = true;
			d->header_type = 1;
		}
		if (d->is_bridge && d->nbars > 2)
			d->nbars = 2;
		if (!d->nbars)
			d->nbars = d->is_bridge ? 2 : 6;
		for (j = 0; j < p->n; j++)
			if (p->v[j].d.sriov_total_vfs &&
			    vf_of(&p->v[j].d, d)) {
				d->is_vf = true;
				d->physfn_bdf = p->v[j].d.bdf;
			}
	}
	for (i = 0; i < p->n; i++) {
		struct dmaown_dev *d = &p->v[i].d;

		for (j = 0; j < p->n && !d->is_vf; j++) {
			const struct dmaown_dev *o = &p->v[j].d;

			if (i != j && !o->is_vf &&
			    o->bdf.domain == d->bdf.domain &&
			    o->bdf.bus == d->bdf.bus &&
			    DMAOWN_SLOT(o->bdf.devfn) == DMAOWN_SLOT(d->bdf.devfn))
				d->hdr_multifunction = true;
		}
	}
}

/* bridges printed without "Bus:" lines: infer the numbering */
static int infer_hierarchy(struct tparse *p)
{
	struct dmaown_dev **v = malloc((p->n + 1) * sizeof(*v));
	bool *known = malloc(p->n + 1);
	size_t i;
	int r = -ENOMEM;

	if (v && known) {
		for (i = 0; i < p->n; i++) {
			v[i] = &p->v[i].d;
			known[i] = p->v[i].bus_seen;
		}
		r = src_infer_buses(v, known, p->n, &p->host.bus_numbers);
	}
	free(v);
	free(known);
	return r;
}

static int build(struct tparse *p, struct dmaown_topology **ret)
{
	struct dmaown_topology *t;
	struct dmaown_host_info *h;
	size_t i;
	int r;

	infer(p);
	r = infer_hierarchy(p);
	if (r)
		return r;
	t = dmaown_topology_new();
	if (!t)
		return -ENOMEM;
	for (i = 0; i < p->n && r >= 0; i++)
		r = dmaown_topology_add(t, &p->v[i].d);
	h = dmaown_topology_host(t);
	h->iommu_present = p->host.iommu_present;
	h->iommu_known = p->host.iommu_known;
	h->bus_numbers = p->host.bus_numbers;
	if (r >= 0 && p->host.iommu_kind)
		r = dmaown_dev_set_str(&h->iommu_kind, p->host.iommu_kind);
	if (r < 0) {
		dmaown_topology_free(t);
		return r;
	}
	return src_finish(t, p->name, ret, p->err);
}

int dmaown_lspci_text_parse(const char *text, size_t len, const char *name,
			    struct dmaown_topology **ret,
			    struct dmaown_err *err)
{
	struct tparse p = { .name = name ? name : "<text>", .group = -1,
			    .err = err };
	char line[LINE_MAX_LEN];
	size_t pos = 0, i;
	int r = 0;

	while (pos < len && !r) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t ll = (nl ? (size_t)(nl - text) : len) - pos;

		p.line++;
		if (ll >= sizeof(line))
			ll = sizeof(line) - 1;	/* overlong: keep the head */
		memcpy(line, text + pos, ll);
		line[ll] = 0;
		if (memchr(line, 0, ll)) {
			r = tp_fail(&p, "NUL byte: not a text file");
			break;
		}
		r = one_line(&p, line);
		pos = nl ? (size_t)(nl - text) + 1 : len;
	}
	if (!r && !p.n)
		r = dmaown_err_set(err, -EINVAL,
				   "%s: no lspci device lines found", p.name);
	if (!r)
		r = build(&p, ret);
	for (i = 0; i < p.n; i++)
		free(p.v[i].d.driver);
	free(p.v);
	free(p.host.iommu_kind);
	return r;
}

int src_load_text(const char *path, struct dmaown_topology **ret,
		  struct dmaown_err *err)
{
	char *text;
	long n;
	int r;

	n = src_read_file(path, TEXT_MAX, &text);
	if (n < 0)
		return dmaown_err_set(err, (int)n, "%s: %s", path,
				      strerror((int)-n));
	r = dmaown_lspci_text_parse(text, (size_t)n, path, ret, err);
	free(text);
	return r;
}
