/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmaown/move.h - move a whole IOMMU group between host drivers and
 * userspace drivers (vfio-pci, pci-stub), transactionally
 *
 * A plan is pure: it is computed from a topology (the host state fields
 * give each member's driver now) and says, for every member of the
 * group, its driver before and after and why.  Bridges on pcieport and
 * members on other driver_managed_dma drivers stay (spec/ownership.md
 * §3.4: they do not count in owner_cnt); every other member moves.
 *
 * Execution goes through the host actuator (dmaown/host.h) and the
 * journal (dmaown/journal.h): the journal is written and synced before
 * every step, so an interrupted move can be finished or undone by
 * dmaown_move_recover().  Steps per moving device, in group order:
 * driver_override := new driver, unbind the old driver, bind the new
 * one; before them, loading the new driver's module if its directory is
 * missing; after them, verification (every driver link as planned, no
 * member on a DMA-API driver, and for VFIO targets VFIO_GROUP_GET_STATUS
 * reports the group viable).
 *
 * The promised end state: an assign ends with the whole group on the
 * plan's drivers, or with every member back on its original driver and
 * driver_override.  The one exception is a member whose original driver
 * refuses to bind again; the report names it and the command that fixes
 * it, and the journal is kept so that `dmaown recover` can retry.
 */
#ifndef DMAOWN_MOVE_H
#define DMAOWN_MOVE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "dmaown/error.h"
#include "dmaown/host.h"
#include "dmaown/topology.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DMAOWN_MOVE_NAME_MAX 64

enum dmaown_move_op {
	DMAOWN_MOVE_ASSIGN,
	DMAOWN_MOVE_RELEASE,
	DMAOWN_MOVE_OP_MAX,
	DMAOWN_MOVE_OP_INVALID = -EINVAL,
};

/* journal phases: what an interrupted run left behind */
enum dmaown_move_phase {
	DMAOWN_PHASE_PLANNED,		/* nothing done yet */
	DMAOWN_PHASE_ASSIGNING,		/* assign steps running: undo */
	DMAOWN_PHASE_ASSIGNED,		/* verified and committed */
	DMAOWN_PHASE_ROLLING_BACK,	/* assign failed, undo running */
	DMAOWN_PHASE_RELEASING,		/* release running: finish it */
	DMAOWN_PHASE_MAX,
	DMAOWN_PHASE_INVALID = -EINVAL,
};

enum dmaown_move_why {
	DMAOWN_WHY_DMA_API,	/* on a DMA-API driver: moves */
	DMAOWN_WHY_UNBOUND,	/* no driver: moves, so no host driver grabs it */
	DMAOWN_WHY_BRIDGE,	/* a bridge (pcieport or none): stays */
	DMAOWN_WHY_MANAGED,	/* on a driver_managed_dma driver: stays */
	DMAOWN_WHY_MANAGED_ASKED,	/* same, but moved on request */
	DMAOWN_WHY_ALREADY,	/* already on the target driver */
	DMAOWN_WHY_RETURN,	/* release: back to the recorded driver */
	DMAOWN_WHY_MAX,
	DMAOWN_WHY_INVALID = -EINVAL,
};

/**
 * struct dmaown_move_dev - one group member in a plan
 * @bdf: the device
 * @move: true if this operation changes its driver
 * @why: reason for @move
 * @orig_driver: driver before dmaown touched it ("" none); kept in the
 *	journal and used by release and recovery
 * @orig_override: driver_override before dmaown touched it ("" unset)
 * @before: driver at the start of this operation
 * @after: driver at its end
 * @override_after: driver_override this operation sets ("" clears)
 */
struct dmaown_move_dev {
	struct dmaown_bdf bdf;
	bool move;
	enum dmaown_move_why why;
	char orig_driver[DMAOWN_MOVE_NAME_MAX];
	char orig_override[DMAOWN_MOVE_NAME_MAX];
	char before[DMAOWN_MOVE_NAME_MAX];
	char after[DMAOWN_MOVE_NAME_MAX];
	char override_after[DMAOWN_MOVE_NAME_MAX];
};

/**
 * struct dmaown_move_plan - a whole-group move, also the journal record
 * @op: assign or release
 * @phase: journal phase
 * @group: IOMMU group number
 * @requested: the device the user named
 * @target: assign: vfio-pci or pci-stub; release: ""
 * @load_target: the target driver is not loaded; load it first
 * @persist: also write (assign) or remove (release) the udev rules
 * @pid: process that wrote the record (journal only)
 * @step: journal: index of the step about to run or running
 * @ndevs: members
 * @devs: members in address order
 */
struct dmaown_move_plan {
	enum dmaown_move_op op;
	enum dmaown_move_phase phase;
	int group;
	struct dmaown_bdf requested;
	char target[DMAOWN_MOVE_NAME_MAX];
	bool load_target;
	bool persist;
	long pid;
	unsigned int step;
	size_t ndevs;
	struct dmaown_move_dev *devs;
};

/**
 * struct dmaown_assign_opts - what `dmaown assign` asks for
 * @driver: "vfio-pci" (default when NULL) or "pci-stub"; the module
 *	spellings vfio_pci and pci_stub are accepted
 * @include_managed: also move members on driver_managed_dma drivers
 *	(pci-stub, another VFIO driver); bridges always stay
 * @target_loaded: the target driver's sysfs directory exists (ask
 *	dmaown_host_driver_loaded()); when false the plan loads it
 * @persist: write udev rules after a verified assign
 */
struct dmaown_assign_opts {
	const char *driver;
	bool include_managed;
	bool target_loaded;
	bool persist;
};

/**
 * dmaown_move_plan_assign() - plan taking @bdf's group for userspace
 * @t: finalized topology with host state (drivers, kernel groups)
 * @bdf: any member of the group
 * @o: options (NULL: vfio-pci, defaults)
 * @ret: the plan; free with dmaown_move_plan_free()
 * @err: detail on failure (may be NULL)
 *
 * Pure.  Return: 0; -ENODEV if @bdf is not in @t; -ENOENT if it has no
 * IOMMU group (no IOMMU: the kernel cannot isolate it, @err says so);
 * -EINVAL for an unsupported driver; -ENOMEM.
 */
int dmaown_move_plan_assign(const struct dmaown_topology *t,
			    struct dmaown_bdf bdf,
			    const struct dmaown_assign_opts *o,
			    struct dmaown_move_plan **ret,
			    struct dmaown_err *err);

/**
 * dmaown_move_plan_release() - plan returning a group to its drivers
 * @rec: the assign record from the journal (phase ASSIGNED)
 * @bdf: the device the user named (for messages)
 * @persist: also remove the udev rules
 * @ret: the plan: every member that moved goes back to @orig_driver,
 *	driver_override back to @orig_override
 *
 * Pure.  Return: 0, -EINVAL if @rec is not an assign record, -ENOMEM.
 */
int dmaown_move_plan_release(const struct dmaown_move_plan *rec,
			     struct dmaown_bdf bdf, bool persist,
			     struct dmaown_move_plan **ret,
			     struct dmaown_err *err);

/** dmaown_move_plan_free() - free a plan; NULL is fine. */
void dmaown_move_plan_free(struct dmaown_move_plan *p);

/** dmaown_move_plan_dup() - deep copy; NULL on allocation failure. */
struct dmaown_move_plan *dmaown_move_plan_dup(const struct dmaown_move_plan *p);

/* ---- steps ------------------------------------------------------------ */

enum dmaown_move_step_kind {
	DMAOWN_STEP_LOAD,	/* load the target driver's module */
	DMAOWN_STEP_OVERRIDE,	/* write driver_override */
	DMAOWN_STEP_UNBIND,	/* write BDF to drivers/OLD/unbind */
	DMAOWN_STEP_BIND,	/* write BDF to drivers/NEW/bind */
	DMAOWN_STEP_VERIFY,	/* check links and viability (no write) */
	DMAOWN_STEP_KIND_MAX,
};

struct dmaown_move_step {
	enum dmaown_move_step_kind kind;
	size_t dev;		/* index into plan->devs (not for LOAD, VERIFY) */
};

/**
 * dmaown_move_steps() - the host steps a plan performs, in order
 * @ret: malloc'd array; free() it
 * Return: number of steps (the last is VERIFY), or -ENOMEM.
 */
int dmaown_move_steps(const struct dmaown_move_plan *p,
		      struct dmaown_move_step **ret);

/**
 * dmaown_move_step_text() - one step as the host write it makes:
 * "write vfio-pci > sys/bus/pci/devices/0000:06:01.0/driver_override",
 * "load vfio-pci", "verify group 4".  The executor's trace (see
 * dmaown_move_trace_text()) prints writes the same way, so a dry run
 * and a real run can be compared line by line.
 */
void dmaown_move_step_text(const struct dmaown_move_plan *p,
			   const struct dmaown_move_step *s, char *buf,
			   size_t len);

/**
 * dmaown_move_trace_text() - a host write as dmaown_move_step_text()
 * shows it (for use in a dmaown_host_trace_fn)
 */
void dmaown_move_trace_text(const char *path, const char *value, char *buf,
			    size_t len);

/** name tables for output and the journal */
const char *dmaown_move_why_text(enum dmaown_move_why why);
const char *dmaown_move_why_name(enum dmaown_move_why why);
enum dmaown_move_why dmaown_move_why_from_name(const char *s);
const char *dmaown_move_phase_name(enum dmaown_move_phase ph);
enum dmaown_move_phase dmaown_move_phase_from_name(const char *s);
const char *dmaown_move_op_name(enum dmaown_move_op op);
enum dmaown_move_op dmaown_move_op_from_name(const char *s);

/* ---- execution -------------------------------------------------------- */

struct dmaown_state;

/**
 * struct dmaown_move_report - what an execution did
 * @failed_step: index of the step that failed, -1 if none
 * @step_text: that step, as dmaown_move_step_text() shows it
 * @step_err: its negative errno
 * @undone: the group was put back on its original drivers after the
 *	failure (assign) or the release was finished by the fallback path
 * @incomplete: some device could not be restored; @log says which and
 *	how to fix it, and the journal was kept for `dmaown recover`
 * @log: malloc'd text, one line per event worth telling ("0000:06:01.0:
 *	could not re-bind e1000 (EIO) ..."), or NULL; free with
 *	dmaown_move_report_free()
 */
struct dmaown_move_report {
	int failed_step;
	char step_text[256];
	int step_err;
	bool undone;
	bool incomplete;
	char *log;
};

/** dmaown_move_report_free() - free @r->log and reset @r */
void dmaown_move_report_free(struct dmaown_move_report *r);

/**
 * dmaown_move_assign() - carry out an assign plan
 * @h: host actuator
 * @s: journal, locked by the caller (dmaown_state_lock())
 * @p: plan from dmaown_move_plan_assign(); its phase and step are
 *	updated as it runs
 * @rep: what happened (always filled)
 * @err: one-line detail on failure (may be NULL)
 *
 * Context: the caller holds the state lock for the whole call.
 * Return: 0 when the group is on the planned drivers and verified (the
 * journal then holds the ASSIGNED record release uses); -EBUSY if the
 * group already has a record; -ESTALE if a member's driver is no longer
 * the planned one (nothing was done); otherwise the failing step's
 * errno after the group was put back (@rep->undone, or
 * @rep->incomplete when a device could not be restored).
 */
int dmaown_move_assign(struct dmaown_host *h, struct dmaown_state *s,
		       struct dmaown_move_plan *p,
		       struct dmaown_move_report *rep,
		       struct dmaown_err *err);

/**
 * dmaown_move_release() - carry out a release plan
 *
 * Like dmaown_move_assign().  A failing step does not leave the group
 * half released: every moved device is then driven to its recorded
 * driver by the restore path (retrying, and falling back from the
 * driver's bind file to drivers_probe).  Return: 0 when every member is
 * back on its recorded driver and the record is gone; a negative errno
 * with @rep->incomplete otherwise (the record stays, phase RELEASING).
 */
int dmaown_move_release(struct dmaown_host *h, struct dmaown_state *s,
			struct dmaown_move_plan *p,
			struct dmaown_move_report *rep,
			struct dmaown_err *err);

/**
 * dmaown_move_recover() - finish or undo whatever the journal says was
 * interrupted: an assign not yet verified is undone, a release or a
 * rollback is finished; ASSIGNED records are left alone.  Idempotent.
 * @ret_done: number of records acted on (may be NULL)
 *
 * Context: the caller holds the state lock.
 * Return: 0, or a negative errno with @rep->incomplete set when some
 * device could not be restored (its record is kept).
 */
int dmaown_move_recover(struct dmaown_host *h, struct dmaown_state *s,
			struct dmaown_move_report *rep, int *ret_done,
			struct dmaown_err *err);

#ifdef __cplusplus
}
#endif
#endif
