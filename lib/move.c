// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * move.c - whole-group move plans (pure: no I/O)
 *
 * Which members move follows from the kernel's auto-claim rule
 * (spec/ownership.md §3.1, §3.4): only drivers without
 * driver_managed_dma count in owner_cnt and make the group non-viable,
 * so those members must leave their drivers; bridges on pcieport and
 * members on pci-stub or a VFIO driver may stay.  An unbound endpoint
 * moves too: left driverless, any host driver could claim it later.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmaown/drivers.h"
#include "dmaown/move.h"

static const char *const why_names[DMAOWN_WHY_MAX] = {
	[DMAOWN_WHY_DMA_API] = "dma-api",
	[DMAOWN_WHY_UNBOUND] = "unbound",
	[DMAOWN_WHY_BRIDGE] = "bridge",
	[DMAOWN_WHY_MANAGED] = "managed",
	[DMAOWN_WHY_MANAGED_ASKED] = "managed-asked",
	[DMAOWN_WHY_ALREADY] = "already",
	[DMAOWN_WHY_RETURN] = "return",
};

static const char *const why_texts[DMAOWN_WHY_MAX] = {
	[DMAOWN_WHY_DMA_API] =
		"bound to a DMA-API driver, which keeps the group kernel-owned",
	[DMAOWN_WHY_UNBOUND] =
		"no driver; bound so that no host driver can claim it",
	[DMAOWN_WHY_BRIDGE] =
		"bridge; pcieport or no driver does not use the DMA API",
	[DMAOWN_WHY_MANAGED] =
		"its driver sets driver_managed_dma; the group stays viable",
	[DMAOWN_WHY_MANAGED_ASKED] = "driver_managed_dma, moved as asked",
	[DMAOWN_WHY_ALREADY] = "already on the target driver",
	[DMAOWN_WHY_RETURN] = "back to the driver recorded before assign",
};

static const char *const phase_names[DMAOWN_PHASE_MAX] = {
	[DMAOWN_PHASE_PLANNED] = "planned",
	[DMAOWN_PHASE_ASSIGNING] = "assigning",
	[DMAOWN_PHASE_ASSIGNED] = "assigned",
	[DMAOWN_PHASE_ROLLING_BACK] = "rolling-back",
	[DMAOWN_PHASE_RELEASING] = "releasing",
};

static const char *const op_names[DMAOWN_MOVE_OP_MAX] = {
	[DMAOWN_MOVE_ASSIGN] = "assign",
	[DMAOWN_MOVE_RELEASE] = "release",
};

static int lookup(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; s && i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -EINVAL;
}

const char *dmaown_move_why_name(enum dmaown_move_why why)
{
	return why >= 0 && why < DMAOWN_WHY_MAX ? why_names[why] : "?";
}

const char *dmaown_move_why_text(enum dmaown_move_why why)
{
	return why >= 0 && why < DMAOWN_WHY_MAX ? why_texts[why] : "?";
}

enum dmaown_move_why dmaown_move_why_from_name(const char *s)
{
	return (enum dmaown_move_why)lookup(why_names, DMAOWN_WHY_MAX, s);
}

const char *dmaown_move_phase_name(enum dmaown_move_phase ph)
{
	return ph >= 0 && ph < DMAOWN_PHASE_MAX ? phase_names[ph] : "?";
}

enum dmaown_move_phase dmaown_move_phase_from_name(const char *s)
{
	return (enum dmaown_move_phase)lookup(phase_names, DMAOWN_PHASE_MAX, s);
}

const char *dmaown_move_op_name(enum dmaown_move_op op)
{
	return op >= 0 && op < DMAOWN_MOVE_OP_MAX ? op_names[op] : "?";
}

enum dmaown_move_op dmaown_move_op_from_name(const char *s)
{
	return (enum dmaown_move_op)lookup(op_names, DMAOWN_MOVE_OP_MAX, s);
}

/* ---- plans ------------------------------------------------------------ */

void dmaown_move_plan_free(struct dmaown_move_plan *p)
{
	if (!p)
		return;
	free(p->devs);
	free(p);
}

struct dmaown_move_plan *dmaown_move_plan_dup(const struct dmaown_move_plan *p)
{
	struct dmaown_move_plan *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	*c = *p;
	c->devs = calloc(p->ndevs ? p->ndevs : 1, sizeof(*c->devs));
	if (!c->devs) {
		free(c);
		return NULL;
	}
	memcpy(c->devs, p->devs, p->ndevs * sizeof(*c->devs));
	return c;
}

static void copy_name(char *dst, const char *src)
{
	snprintf(dst, DMAOWN_MOVE_NAME_MAX, "%s", src ? src : "");
}

static bool is_bridge(const struct dmaown_dev *d)
{
	return d->is_bridge || (d->header_type & 0x7f) == 1 ||
	       (d->header_type & 0x7f) == 2 ||
	       (d->driver && !strcmp(d->driver, "pcieport"));
}

static void classify(struct dmaown_move_dev *m, const struct dmaown_dev *d,
		     const char *target, bool include_managed)
{
	const char *drv = d->driver && *d->driver ? d->driver : NULL;

	copy_name(m->orig_driver, drv);
	copy_name(m->orig_override,
		  d->driver_override && strcmp(d->driver_override, "(null)") ?
			  d->driver_override :
			  NULL);
	copy_name(m->before, drv);
	if (drv && dmaown_driver_name_eq(drv, target)) {
		m->why = DMAOWN_WHY_ALREADY;
	} else if (is_bridge(d) && (!drv || dmaown_driver_managed_dma(drv))) {
		m->why = DMAOWN_WHY_BRIDGE;
	} else if (drv && dmaown_driver_managed_dma(drv)) {
		m->why = include_managed ? DMAOWN_WHY_MANAGED_ASKED :
					   DMAOWN_WHY_MANAGED;
		m->move = include_managed;
	} else {
		m->why = drv ? DMAOWN_WHY_DMA_API : DMAOWN_WHY_UNBOUND;
		m->move = true;
	}
	copy_name(m->after, m->move ? target : drv);
	copy_name(m->override_after, m->move ? target : m->orig_override);
}

int dmaown_move_plan_assign(const struct dmaown_topology *t,
			    struct dmaown_bdf bdf,
			    const struct dmaown_assign_opts *o,
			    struct dmaown_move_plan **ret,
			    struct dmaown_err *err)
{
	static const struct dmaown_assign_opts defaults = { 0 };
	const struct dmaown_dev *d;
	struct dmaown_move_plan *p;
	char b[DMAOWN_BDF_STRLEN], target[DMAOWN_MOVE_NAME_MAX];
	size_t i, n = 0;
	int idx;

	if (!t || !ret)
		return -EINVAL;
	if (!o)
		o = &defaults;
	dmaown_bdf_format(bdf, b);
	copy_name(target, o->driver ? o->driver : "vfio-pci");
	if (dmaown_driver_name_eq(target, "vfio-pci"))
		strcpy(target, "vfio-pci");
	else if (dmaown_driver_name_eq(target, "pci-stub"))
		strcpy(target, "pci-stub");
	else
		return dmaown_err_set(
			err, -EINVAL,
			"%s: cannot assign to driver '%s' (use vfio-pci or pci-stub)",
			b, target);
	idx = dmaown_topology_find(t, bdf);
	if (idx < 0)
		return dmaown_err_set(err, -ENODEV, "%s: no such PCI device",
				      b);
	d = dmaown_topology_dev(t, (size_t)idx);
	if (d->kernel_group < 0)
		return dmaown_err_set(
			err, -ENOENT,
			"%s has no IOMMU group: no IOMMU isolates it (enable intel_iommu=on or amd_iommu=on, see `dmaown explain %s`); refusing to hand it to userspace",
			b, b);
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->devs = calloc(dmaown_topology_count(t), sizeof(*p->devs));
	if (!p->devs) {
		free(p);
		return -ENOMEM;
	}
	p->op = DMAOWN_MOVE_ASSIGN;
	p->phase = DMAOWN_PHASE_PLANNED;
	p->group = d->kernel_group;
	p->requested = bdf;
	copy_name(p->target, target);
	p->load_target = !o->target_loaded;
	p->persist = o->persist;
	for (i = 0; i < dmaown_topology_count(t); i++) {
		const struct dmaown_dev *m = dmaown_topology_dev(t, i);

		if (m->kernel_group != p->group)
			continue;
		p->devs[n].bdf = m->bdf;
		classify(&p->devs[n], m, target, o->include_managed);
		n++;
	}
	p->ndevs = n;
	/* nothing to bind: no need to load the driver either */
	for (i = 0; i < n && !p->devs[i].move; i++)
		;
	if (i == n)
		p->load_target = false;
	*ret = p;
	return 0;
}

int dmaown_move_plan_release(const struct dmaown_move_plan *rec,
			     struct dmaown_bdf bdf, bool persist,
			     struct dmaown_move_plan **ret,
			     struct dmaown_err *err)
{
	struct dmaown_move_plan *p;
	size_t i;

	if (!rec || !ret)
		return -EINVAL;
	if (rec->op != DMAOWN_MOVE_ASSIGN)
		return dmaown_err_set(err, -EINVAL,
				      "group %d: the record is not an assign",
				      rec->group);
	p = dmaown_move_plan_dup(rec);
	if (!p)
		return -ENOMEM;
	p->op = DMAOWN_MOVE_RELEASE;
	p->phase = DMAOWN_PHASE_PLANNED;
	p->requested = bdf;
	p->load_target = false;
	p->persist = persist;
	p->step = 0;
	for (i = 0; i < p->ndevs; i++) {
		struct dmaown_move_dev *d = &p->devs[i];

		if (!d->move) {
			copy_name(d->before, d->after);
			continue;
		}
		d->why = DMAOWN_WHY_RETURN;
		copy_name(d->before, rec->devs[i].after);
		copy_name(d->after, d->orig_driver);
		copy_name(d->override_after, d->orig_override);
	}
	*ret = p;
	return 0;
}

/* ---- steps ------------------------------------------------------------ */

int dmaown_move_steps(const struct dmaown_move_plan *p,
		      struct dmaown_move_step **ret)
{
	struct dmaown_move_step *s;
	size_t i, n = 0;

	s = calloc(p->ndevs * 3 + 2, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (p->load_target)
		s[n++].kind = DMAOWN_STEP_LOAD;
	for (i = 0; i < p->ndevs; i++) {
		const struct dmaown_move_dev *d = &p->devs[i];

		if (!d->move)
			continue;
		s[n].kind = DMAOWN_STEP_OVERRIDE;
		s[n++].dev = i;
		if (*d->before) {
			s[n].kind = DMAOWN_STEP_UNBIND;
			s[n++].dev = i;
		}
		if (*d->after) {
			s[n].kind = DMAOWN_STEP_BIND;
			s[n++].dev = i;
		}
	}
	s[n++].kind = DMAOWN_STEP_VERIFY;
	*ret = s;
	return (int)n;
}

void dmaown_move_trace_text(const char *path, const char *value, char *buf,
			    size_t len)
{
	char v[DMAOWN_MOVE_NAME_MAX];
	size_t n;

	if (!strncmp(path, "module:", 7)) {
		snprintf(buf, len, "load %s", value);
		return;
	}
	snprintf(v, sizeof(v), "%s", value);
	n = strlen(v);
	while (n && v[n - 1] == '\n')
		v[--n] = '\0';
	snprintf(buf, len, "write %s > %s", n ? v : "\\n", path);
}

void dmaown_move_step_text(const struct dmaown_move_plan *p,
			   const struct dmaown_move_step *s, char *buf,
			   size_t len)
{
	const struct dmaown_move_dev *d = &p->devs[s->dev];
	char b[DMAOWN_BDF_STRLEN], path[256];

	switch (s->kind) {
	case DMAOWN_STEP_LOAD:
		snprintf(buf, len, "load %s", p->target);
		return;
	case DMAOWN_STEP_VERIFY:
		snprintf(buf, len, "verify group %d", p->group);
		return;
	default:
		break;
	}
	dmaown_bdf_format(d->bdf, b);
	if (s->kind == DMAOWN_STEP_OVERRIDE) {
		snprintf(path, sizeof(path),
			 "sys/bus/pci/devices/%s/driver_override", b);
		dmaown_move_trace_text(path, d->override_after, buf, len);
	} else {
		snprintf(path, sizeof(path), "sys/bus/pci/drivers/%s/%s",
			 s->kind == DMAOWN_STEP_UNBIND ? d->before : d->after,
			 s->kind == DMAOWN_STEP_UNBIND ? "unbind" : "bind");
		dmaown_move_trace_text(path, b, buf, len);
	}
}
