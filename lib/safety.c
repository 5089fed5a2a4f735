// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * safety.c - refuse to take devices the host is using
 *
 * The checks unify what the incumbents do separately (ecosystem.md §1.4):
 * SPDK's mounted/held block devices, dpdk-devbind's "interface with
 * routes", and the boot VGA / framebuffer case nobody checks.  A device
 * is tied to a PCI function through its sysfs path: the last
 * DDDD:BB:SS.F component of the resolved path is the function that owns
 * it.
 */
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmaown/holders.h"
#include "dmaown/safety.h"

struct ctx {
	const char *root;
	const struct dmaown_move_plan *p;
	struct dmaown_safety_report *rep;
	int nomem;
};

const char *dmaown_safety_kind_name(enum dmaown_safety_kind k)
{
	static const char *const n[] = { "block", "vga", "net", "held" };

	return k < DMAOWN_SAFETY_KIND_MAX ? n[k] : "?";
}

static void add(struct ctx *c, struct dmaown_bdf bdf,
		enum dmaown_safety_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(struct ctx *c, struct dmaown_bdf bdf,
		enum dmaown_safety_kind kind, const char *fmt, ...)
{
	struct dmaown_safety_finding *f;
	va_list ap;

	f = realloc(c->rep->f, (c->rep->n + 1) * sizeof(*f));
	if (!f) {
		c->nomem = 1;
		return;
	}
	c->rep->f = f;
	f += c->rep->n++;
	f->bdf = bdf;
	f->kind = kind;
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
}

static int read_small(const char *root, const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

/* the moved plan member owning sysfs object ROOT/@rel, or NULL */
static const struct dmaown_move_dev *owner(struct ctx *c, const char *rel)
{
	char path[PATH_MAX], real[PATH_MAX], *tok, *save = NULL;
	struct dmaown_bdf last, b;
	bool found = false;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", c->root, rel);
	if (!realpath(path, real))
		return NULL;
	for (tok = strtok_r(real, "/", &save); tok;
	     tok = strtok_r(NULL, "/", &save))
		if (strlen(tok) >= 12 && dmaown_bdf_parse(tok, &b) == 0) {
			last = b;
			found = true;
		}
	if (!found)
		return NULL;
	for (i = 0; i < c->p->ndevs; i++)
		if (c->p->devs[i].move &&
		    !dmaown_bdf_cmp(c->p->devs[i].bdf, last))
			return &c->p->devs[i];
	return NULL;
}

typedef int (*dir_fn)(struct ctx *c, const char *name, void *arg);

static void each_entry(struct ctx *c, const char *rel, dir_fn fn, void *arg)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (snprintf(path, sizeof(path), "%s/%s", c->root, rel) >=
	    (int)sizeof(path))
		return;
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && fn(c, de->d_name, arg))
			break;
	closedir(d);
}

/* ---- block devices ---------------------------------------------------- */

struct blk {
	const struct dmaown_move_dev *dev;
	const char *disk;
	char names[16][256]; /* disk and partitions */
	char devno[16][32]; /* "major:minor" */
	int n;
};

static int add_part(struct ctx *c, const char *name, void *arg)
{
	struct blk *k = arg;
	char rel[PATH_MAX], buf[32];

	snprintf(rel, sizeof(rel), "sys/block/%s/%s/partition", k->disk, name);
	if (read_small(c->root, rel, buf, sizeof(buf)))
		return 0; /* not a partition */
	if (k->n >= 16)
		return 1;
	snprintf(k->names[k->n], sizeof(k->names[0]), "%s", name);
	snprintf(rel, sizeof(rel), "sys/block/%s/%s/dev", k->disk, name);
	if (read_small(c->root, rel, k->devno[k->n], sizeof(k->devno[0])))
		k->devno[k->n][0] = '\0';
	k->n++;
	return 0;
}

static void check_mounts(struct ctx *c, struct blk *k, char *b)
{
	char path[PATH_MAX], line[1024], mnt[512], src[512], devno[32];
	bool mountinfo = true;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/proc/self/mountinfo", c->root);
	f = fopen(path, "re");
	if (!f) {
		mountinfo = false;
		snprintf(path, sizeof(path), "%s/proc/mounts", c->root);
		f = fopen(path, "re");
	}
	while (f && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");

		if (mountinfo) {
			if (!sep ||
			    sscanf(line, "%*s %*s %31s %*s %511s", devno,
				   mnt) != 2 ||
			    sscanf(sep + 3, "%*s %511s", src) != 1)
				continue;
		} else if (sscanf(line, "%511s %511s", src, mnt) != 2) {
			continue;
		}
		for (i = 0; i < k->n; i++) {
			const char *base = strrchr(src, '/');

			base = base ? base + 1 : src;
			if ((mountinfo && *k->devno[i] &&
			     !strcmp(devno, k->devno[i])) ||
			    !strcmp(base, k->names[i])) {
				add(c, k->dev->bdf, DMAOWN_SAFETY_BLOCK,
				    "%s (%s) holds %s (mounted from %s); use --force to override",
				    b, k->disk, mnt, src);
				break;
			}
		}
	}
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "%s/proc/swaps", c->root);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		const char *base;

		if (sscanf(line, "%511s", src) != 1 || src[0] != '/')
			continue;
		base = strrchr(src, '/') + 1;
		for (i = 0; i < k->n; i++)
			if (!strcmp(base, k->names[i]))
				add(c, k->dev->bdf, DMAOWN_SAFETY_BLOCK,
				    "%s (%s) holds swap on %s (proc/swaps); use --force to override",
				    b, k->disk, src);
	}
	if (f)
		fclose(f);
}

static int holder_found(struct ctx *c, const char *name, void *arg)
{
	if (snprintf(arg, 256, "%s", name) < 0)
		return 0;
	return 1;
}

static int check_disk(struct ctx *c, const char *disk, void *arg)
{
	char rel[PATH_MAX], b[DMAOWN_BDF_STRLEN], holder[256] = "";
	struct blk k = { .disk = disk };
	int i;

	snprintf(rel, sizeof(rel), "sys/block/%s", disk);
	k.dev = owner(c, rel);
	if (!k.dev)
		return 0;
	dmaown_bdf_format(k.dev->bdf, b);
	snprintf(k.names[0], sizeof(k.names[0]), "%s", disk);
	snprintf(rel, sizeof(rel), "sys/block/%s/dev", disk);
	if (read_small(c->root, rel, k.devno[0], sizeof(k.devno[0])))
		k.devno[0][0] = '\0';
	k.n = 1;
	snprintf(rel, sizeof(rel), "sys/block/%s", disk);
	each_entry(c, rel, add_part, &k);
	check_mounts(c, &k, b);
	for (i = 0; i < k.n && !*holder; i++) {
		snprintf(rel, sizeof(rel),
			 i ? "sys/block/%s/%s/holders" :
			     "sys/block/%s/holders%.0s",
			 disk, k.names[i]);
		each_entry(c, rel, holder_found, holder);
		if (*holder)
			add(c, k.dev->bdf, DMAOWN_SAFETY_BLOCK,
			    "%s (%s) is in use by %s (%s); use --force to override",
			    b, k.names[i], holder, rel);
	}
	return 0;
}

/* ---- display ---------------------------------------------------------- */

static void check_vga(struct ctx *c)
{
	char rel[PATH_MAX], b[DMAOWN_BDF_STRLEN], v[16];
	size_t i;

	for (i = 0; i < c->p->ndevs; i++) {
		if (!c->p->devs[i].move)
			continue;
		dmaown_bdf_format(c->p->devs[i].bdf, b);
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/boot_vga",
			 b);
		if (!read_small(c->root, rel, v, sizeof(v)) && !strcmp(v, "1"))
			add(c, c->p->devs[i].bdf, DMAOWN_SAFETY_VGA,
			    "%s is the boot VGA device (%s = 1); the console would go dark; use --force to override",
			    b, rel);
	}
}

static int check_fb(struct ctx *c, const char *fb, void *arg)
{
	const struct dmaown_move_dev *d;
	char rel[PATH_MAX], b[DMAOWN_BDF_STRLEN];

	if (strncmp(fb, "fb", 2))
		return 0;
	snprintf(rel, sizeof(rel), "sys/class/graphics/%s/device", fb);
	d = owner(c, rel);
	if (d)
		add(c, d->bdf, DMAOWN_SAFETY_VGA,
		    "%s drives framebuffer %s (%s); use --force to override",
		    dmaown_bdf_format(d->bdf, b), fb, rel);
	return 0;
}

/* ---- network ---------------------------------------------------------- */

static bool ipv4_addr(struct ctx *c, const char *ifname, char *buf, size_t len)
{
	char path[PATH_MAX], line[256], a[64], b[64];
	bool found = false;
	FILE *f;

	if (!strcmp(c->root, "/")) {
		struct ifaddrs *ifa, *i;

		if (getifaddrs(&ifa) < 0)
			return false;
		for (i = ifa; i && !found; i = i->ifa_next)
			if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
			    !strcmp(i->ifa_name, ifname)) {
				inet_ntop(AF_INET,
					  &((struct sockaddr_in *)(void *)
						    i->ifa_addr)
						   ->sin_addr,
					  buf, (socklen_t)len);
				found = true;
			}
		freeifaddrs(ifa);
		return found;
	}
	snprintf(path, sizeof(path), "%s/.dmaown-ipv4", c->root);
	f = fopen(path, "re");
	while (f && !found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %63s", a, b) == 2 &&
		    !strcmp(a, ifname)) {
			snprintf(buf, len, "%s", b);
			found = true;
		}
	if (f)
		fclose(f);
	return found;
}

static bool ipv6_addr(struct ctx *c, const char *ifname, char *buf, size_t len)
{
	char path[PATH_MAX], line[256], hex[64], name[64];
	unsigned int idx, plen, scope, flags;
	FILE *f;
	bool found = false;

	snprintf(path, sizeof(path), "%s/proc/net/if_inet6", c->root);
	f = fopen(path, "re");
	while (f && !found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %x %x %x %x %63s", hex, &idx, &plen,
			   &scope, &flags, name) == 6 &&
		    !strcmp(name, ifname) && scope != 0x20) {
			snprintf(buf, len, "%s", hex);
			found = true;
		}
	if (f)
		fclose(f);
	return found;
}

static bool has_route(struct ctx *c, const char *ifname)
{
	char path[PATH_MAX], line[512], name[64];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/net/route", c->root);
	f = fopen(path, "re");
	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%63s", name) == 1 &&
			!strcmp(name, ifname);
	if (f)
		fclose(f);
	return found;
}

static int check_net(struct ctx *c, const char *ifname, void *arg)
{
	const struct dmaown_move_dev *d;
	char rel[PATH_MAX], b[DMAOWN_BDF_STRLEN], st[32], addr[64];

	snprintf(rel, sizeof(rel), "sys/class/net/%s/device", ifname);
	d = owner(c, rel);
	if (!d)
		return 0;
	snprintf(rel, sizeof(rel), "sys/class/net/%s/operstate", ifname);
	if (read_small(c->root, rel, st, sizeof(st)) || strcmp(st, "up"))
		return 0;
	dmaown_bdf_format(d->bdf, b);
	if (ipv4_addr(c, ifname, addr, sizeof(addr)) ||
	    ipv6_addr(c, ifname, addr, sizeof(addr)))
		add(c, d->bdf, DMAOWN_SAFETY_NET,
		    "%s (%s) is up with address %s; taking it would cut the host's network; use --force to override",
		    b, ifname, addr);
	else if (has_route(c, ifname))
		add(c, d->bdf, DMAOWN_SAFETY_NET,
		    "%s (%s) is up and carries routes (proc/net/route); use --force to override",
		    b, ifname);
	return 0;
}

/* ---- holds ------------------------------------------------------------ */

static void check_held(struct ctx *c, struct dmaown_state *s)
{
	struct dmaown_holder *hs = NULL;
	struct dmaown_move_plan *rec = NULL;
	char b[DMAOWN_BDF_STRLEN], line[64], path[PATH_MAX];
	struct dmaown_bdf first = c->p->requested;
	FILE *f;
	int n, i;

	dmaown_bdf_format(first, b);
	if (s && dmaown_state_load(s, c->p->group, &rec, NULL) == 0) {
		add(c, first, DMAOWN_SAFETY_HELD,
		    "%s: group %d is already held by dmaown (%s by pid %ld, record in %s)",
		    b, c->p->group, dmaown_move_phase_name(rec->phase),
		    rec->pid, dmaown_state_dir(s));
		dmaown_move_plan_free(rec);
	}
	n = dmaown_vfio_holders(c->root, &hs);
	for (i = 0; i < n; i++)
		if (hs[i].group == c->p->group)
			add(c, first, DMAOWN_SAFETY_HELD,
			    "%s: group %d is held open by pid %d (%s) through /dev/vfio/%d; use --force to override",
			    b, c->p->group, (int)hs[i].pid, hs[i].comm,
			    c->p->group);
	free(hs);
	snprintf(path, sizeof(path), "%s/.dmaown-fake-held", c->root);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (line[0] >= '0' && line[0] <= '9' &&
		    atoi(line) == c->p->group)
			add(c, first, DMAOWN_SAFETY_HELD,
			    "%s: group %d is held by a VFIO user (.dmaown-fake-held); use --force to override",
			    b, c->p->group);
	if (f)
		fclose(f);
}

int dmaown_safety_check(const char *root, const struct dmaown_move_plan *p,
			struct dmaown_state *s,
			struct dmaown_safety_report *ret)
{
	struct ctx c = { .root = root, .p = p, .rep = ret };

	memset(ret, 0, sizeof(*ret));
	each_entry(&c, "sys/block", check_disk, NULL);
	check_vga(&c);
	each_entry(&c, "sys/class/graphics", check_fb, NULL);
	each_entry(&c, "sys/class/net", check_net, NULL);
	check_held(&c, s);
	if (c.nomem) {
		dmaown_safety_report_free(ret);
		return -ENOMEM;
	}
	return (int)ret->n;
}

void dmaown_safety_report_free(struct dmaown_safety_report *r)
{
	if (!r)
		return;
	free(r->f);
	r->f = NULL;
	r->n = 0;
}
