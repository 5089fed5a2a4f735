// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * move-exec.c - carry out move plans through the host actuator
 *
 * Forward steps are exactly the plan's (dmaown_move_steps()), so a dry
 * run shows what a real run writes.  The undo path is state based, like
 * the revert loop of __iommu_group_set_domain_internal(): for each moved
 * device it reads what the host has now and drives it to the recorded
 * original (clear or restore driver_override, unbind whatever is bound,
 * bind the original driver, falling back to drivers_probe), retrying
 * each write once.  Being state based makes it idempotent, so recovery
 * after a crash at any point is the same code.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmaown/drivers.h"
#include "dmaown/journal.h"
#include "dmaown/move.h"
#include "dmaown/persist.h"

#define NAME DMAOWN_MOVE_NAME_MAX

static void logf_(struct dmaown_move_report *rep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void logf_(struct dmaown_move_report *rep, const char *fmt, ...)
{
	size_t old = rep->log ? strlen(rep->log) : 0;
	char line[768];
	va_list ap;
	char *n;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	n = realloc(rep->log, old + strlen(line) + 2);
	if (!n)
		return;
	rep->log = n;
	strcpy(n + old, line);
	strcat(n, "\n");
}

void dmaown_move_report_free(struct dmaown_move_report *r)
{
	if (!r)
		return;
	free(r->log);
	memset(r, 0, sizeof(*r));
	r->failed_step = -1;
}

static void report_init(struct dmaown_move_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->failed_step = -1;
}

/* ---- restore (undo, finish release, recover) -------------------------- */

static int restore_dev(struct dmaown_host *h, const struct dmaown_move_dev *d,
		       struct dmaown_move_report *rep)
{
	char b[DMAOWN_BDF_STRLEN], cur[NAME], ovr[NAME];
	int r, tries;

	dmaown_bdf_format(d->bdf, b);
	r = dmaown_host_override(h, d->bdf, ovr, sizeof(ovr));
	for (tries = 0; !r && strcmp(ovr, d->orig_override) && tries < 2;
	     tries++) {
		r = dmaown_host_set_override(h, d->bdf, d->orig_override);
		if (!r)
			r = dmaown_host_override(h, d->bdf, ovr, sizeof(ovr));
		else if (tries == 0)
			r = 0; /* retry once */
	}
	if (r < 0 || strcmp(ovr, d->orig_override)) {
		logf_(rep,
		      "%s: could not %s driver_override (%s); fix: echo '%s' > /sys/bus/pci/devices/%s/driver_override",
		      b, *d->orig_override ? "restore" : "clear",
		      dmaown_errno_name(r ? r : -EIO), d->orig_override, b);
		return r ? r : -EIO;
	}
	r = dmaown_host_driver(h, d->bdf, cur, sizeof(cur));
	if (r < 0) {
		logf_(rep, "%s: cannot read its driver (%s)", b,
		      dmaown_errno_name(r));
		return r;
	}
	if (!strcmp(cur, d->orig_driver))
		return 0;
	for (tries = 0; *cur && tries < 2; tries++) {
		r = dmaown_host_unbind(h, d->bdf, cur);
		if (dmaown_host_driver(h, d->bdf, cur, sizeof(cur)) < 0)
			break;
	}
	if (*cur) {
		logf_(rep,
		      "%s: could not unbind %s (%s); fix: echo %s > /sys/bus/pci/drivers/%s/unbind, then run `dmaown recover`",
		      b, cur, dmaown_errno_name(r ? r : -EIO), b, cur);
		return r ? r : -EIO;
	}
	if (!*d->orig_driver)
		return 0;
	r = dmaown_host_bind(h, d->bdf, d->orig_driver);
	if (r < 0)
		r = dmaown_host_bind(h, d->bdf, d->orig_driver);
	if (r < 0)
		(void)dmaown_host_probe(h, d->bdf);
	if (dmaown_host_driver(h, d->bdf, cur, sizeof(cur)) == 0 &&
	    !strcmp(cur, d->orig_driver))
		return 0;
	logf_(rep,
	      "%s: COULD NOT RE-BIND its original driver %s (%s): the device is left %s%s; fix the cause, then run `dmaown recover` or: echo %s > /sys/bus/pci/drivers/%s/bind",
	      b, d->orig_driver, dmaown_errno_name(r ? r : -EIO),
	      *cur ? "on " : "without a driver", cur, b, d->orig_driver);
	return r ? r : -EIO;
}

/* put every moved device of @p back on its original driver */
static int restore_all(struct dmaown_host *h, struct dmaown_state *s,
		       struct dmaown_move_plan *p,
		       struct dmaown_move_report *rep, struct dmaown_err *err)
{
	size_t i;
	int r, first = 0;

	r = dmaown_state_save(s, p, err);
	if (r < 0)
		return r;
	for (i = 0; i < p->ndevs; i++) {
		if (!p->devs[i].move)
			continue;
		r = restore_dev(h, &p->devs[i], rep);
		if (r < 0 && !first)
			first = r;
	}
	if (first) {
		rep->incomplete = true;
		logf_(rep,
		      "group %d: not every device is back; the journal in %s is kept for `dmaown recover`",
		      p->group, dmaown_state_dir(s));
		return first;
	}
	if (p->op == DMAOWN_MOVE_RELEASE && p->persist) {
		r = dmaown_persist_remove(dmaown_host_root(h), p, err);
		if (r < 0)
			return r;
	}
	rep->undone = true;
	return dmaown_state_remove(s, p->group);
}

/* ---- forward steps ---------------------------------------------------- */

static int verify(struct dmaown_host *h, const struct dmaown_move_plan *p,
		  struct dmaown_err *err)
{
	char b[DMAOWN_BDF_STRLEN], cur[NAME];
	bool viable = false;
	size_t i;
	int r;

	for (i = 0; i < p->ndevs; i++) {
		const struct dmaown_move_dev *d = &p->devs[i];

		dmaown_bdf_format(d->bdf, b);
		r = dmaown_host_driver(h, d->bdf, cur, sizeof(cur));
		if (r < 0)
			return dmaown_err_set(err, r,
					      "%s: cannot read its driver", b);
		/* drivers_probe can "succeed" without binding (nasty#603) */
		if (strcmp(cur, d->after))
			return dmaown_err_set(
				err, -EIO,
				"%s: on %s after the move, expected %s", b,
				*cur ? cur : "no driver",
				*d->after ? d->after : "none");
		if (p->op == DMAOWN_MOVE_ASSIGN && *cur &&
		    !dmaown_driver_managed_dma(cur))
			return dmaown_err_set(
				err, -EBUSY,
				"%s: still on DMA-API driver %s; group %d is not viable",
				b, cur, p->group);
	}
	if (p->op != DMAOWN_MOVE_ASSIGN || !dmaown_driver_is_vfio(p->target))
		return 0;
	r = dmaown_host_vfio_viable(h, p->group, &viable, NULL);
	if (r < 0)
		return dmaown_err_set(
			err, r,
			"group %d: VFIO_GROUP_GET_STATUS on /dev/vfio/%d failed (%s)",
			p->group, p->group, dmaown_errno_name(r));
	if (!viable)
		return dmaown_err_set(
			err, -EBUSY,
			"group %d: VFIO reports the group not viable",
			p->group);
	return 0;
}

static int do_step(struct dmaown_host *h, const struct dmaown_move_plan *p,
		   const struct dmaown_move_step *st, struct dmaown_err *err)
{
	const struct dmaown_move_dev *d = &p->devs[st->dev];
	int r;

	switch (st->kind) {
	case DMAOWN_STEP_LOAD:
		r = dmaown_host_load_module(h, p->target);
		if (!r && dmaown_host_driver_loaded(h, p->target) != 1)
			r = -ENOENT;
		return r;
	case DMAOWN_STEP_OVERRIDE:
		return dmaown_host_set_override(h, d->bdf, d->override_after);
	case DMAOWN_STEP_UNBIND:
		return dmaown_host_unbind(h, d->bdf, d->before);
	case DMAOWN_STEP_BIND:
		return dmaown_host_bind(h, d->bdf, d->after);
	case DMAOWN_STEP_VERIFY:
		return verify(h, p, err);
	default:
		return -EINVAL;
	}
}

/* run the plan's steps, journaling before each; 0 or the failing errno */
static int run_steps(struct dmaown_host *h, struct dmaown_state *s,
		     struct dmaown_move_plan *p, struct dmaown_move_report *rep,
		     struct dmaown_err *err)
{
	struct dmaown_move_step *steps;
	struct dmaown_err serr = { 0 };
	int n, k, r = 0;

	n = dmaown_move_steps(p, &steps);
	if (n < 0)
		return n;
	for (k = 0; k < n; k++) {
		p->step = (unsigned int)k;
		r = dmaown_state_save(s, p, err);
		if (r < 0)
			break; /* nothing done for this step yet */
		r = do_step(h, p, &steps[k], &serr);
		if (r < 0) {
			rep->failed_step = k;
			rep->step_err = r;
			dmaown_move_step_text(p, &steps[k], rep->step_text,
					      sizeof(rep->step_text));
			if (serr.msg[0])
				dmaown_err_set(err, r, "%s", serr.msg);
			else
				dmaown_err_set(err, r,
					       "step %d (%s) failed: %s", k + 1,
					       rep->step_text,
					       dmaown_errno_name(r));
			break;
		}
	}
	free(steps);
	return r;
}

int dmaown_move_assign(struct dmaown_host *h, struct dmaown_state *s,
		       struct dmaown_move_plan *p,
		       struct dmaown_move_report *rep, struct dmaown_err *err)
{
	struct dmaown_move_plan *old = NULL;
	char b[DMAOWN_BDF_STRLEN], cur[NAME];
	size_t i;
	int r;

	report_init(rep);
	if (!h || !s || !p || p->op != DMAOWN_MOVE_ASSIGN)
		return -EINVAL;
	r = dmaown_state_load(s, p->group, &old, NULL);
	if (r == 0) {
		dmaown_move_plan_free(old);
		return dmaown_err_set(
			err, -EBUSY,
			"group %d is already held by dmaown (record in %s); `dmaown release %s` first",
			p->group, dmaown_state_dir(s),
			dmaown_bdf_format(p->requested, b));
	}
	for (i = 0; i < p->ndevs; i++) {
		const struct dmaown_move_dev *d = &p->devs[i];

		r = dmaown_host_driver(h, d->bdf, cur, sizeof(cur));
		if (r < 0 || strcmp(cur, d->before))
			return dmaown_err_set(
				err, r < 0 ? r : -ESTALE,
				"%s is now on %s, not %s as planned; nothing was changed, run the command again",
				dmaown_bdf_format(d->bdf, b),
				r < 0 ? "?" :
				*cur  ? cur :
					"no driver",
				*d->before ? d->before : "no driver");
	}
	p->pid = (long)getpid();
	p->phase = DMAOWN_PHASE_ASSIGNING;
	r = run_steps(h, s, p, rep, err);
	if (!r && p->persist)
		r = dmaown_persist_write(dmaown_host_root(h), p, err);
	if (!r) {
		p->phase = DMAOWN_PHASE_ASSIGNED;
		r = dmaown_state_save(s, p, err);
		if (!r)
			return 0;
	}
	p->phase = DMAOWN_PHASE_ROLLING_BACK;
	if (restore_all(h, s, p, rep, NULL) < 0)
		rep->incomplete = true;
	return r;
}

int dmaown_move_release(struct dmaown_host *h, struct dmaown_state *s,
			struct dmaown_move_plan *p,
			struct dmaown_move_report *rep, struct dmaown_err *err)
{
	int r;

	report_init(rep);
	if (!h || !s || !p || p->op != DMAOWN_MOVE_RELEASE)
		return -EINVAL;
	p->pid = (long)getpid();
	p->phase = DMAOWN_PHASE_RELEASING;
	r = run_steps(h, s, p, rep, err);
	if (!r && p->persist)
		r = dmaown_persist_remove(dmaown_host_root(h), p, err);
	if (!r)
		return dmaown_state_remove(s, p->group);
	if (rep->failed_step < 0)
		return r; /* journal or rule file trouble: record kept */
	/* finish it the robust way; the record keeps phase RELEASING */
	logf_(rep,
	      "group %d: step %d (%s) failed (%s); returning every device by the fallback path",
	      p->group, rep->failed_step + 1, rep->step_text,
	      dmaown_errno_name(r));
	return restore_all(h, s, p, rep, err);
}

int dmaown_move_recover(struct dmaown_host *h, struct dmaown_state *s,
			struct dmaown_move_report *rep, int *ret_done,
			struct dmaown_err *err)
{
	int *groups = NULL, n, i, r = 0, done = 0;

	report_init(rep);
	n = dmaown_state_groups(s, &groups);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		struct dmaown_move_plan *p = NULL;
		struct dmaown_err lerr = { 0 };
		int q;

		q = dmaown_state_load(s, groups[i], &p, &lerr);
		if (q < 0) {
			logf_(rep, "%s",
			      lerr.msg[0] ? lerr.msg : "unreadable record");
			r = r ? r : q;
			continue;
		}
		if (p->phase == DMAOWN_PHASE_ASSIGNED) {
			dmaown_move_plan_free(p);
			continue;
		}
		logf_(rep,
		      "group %d: %s interrupted in phase %s at step %u (pid %ld); %s",
		      p->group, dmaown_move_op_name(p->op),
		      dmaown_move_phase_name(p->phase), p->step + 1, p->pid,
		      p->op == DMAOWN_MOVE_ASSIGN ? "undoing it" :
						    "finishing it");
		if (p->op == DMAOWN_MOVE_ASSIGN)
			p->phase = DMAOWN_PHASE_ROLLING_BACK;
		q = restore_all(h, s, p, rep, &lerr);
		if (q < 0) {
			r = r ? r : q;
			if (lerr.msg[0])
				dmaown_err_set(err, q, "%s", lerr.msg);
		} else {
			logf_(rep,
			      "group %d: every device is on its original driver",
			      p->group);
		}
		done++;
		dmaown_move_plan_free(p);
	}
	free(groups);
	if (ret_done)
		*ret_done = done;
	if (r < 0)
		rep->incomplete = true;
	return r;
}
