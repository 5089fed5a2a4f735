/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmaown/script.h - step scripts: a tiny language of host actions with
 * expected outcomes, a backend vtable that performs them, and a runner.
 *
 * One step per line; '#' starts a comment; blank lines are ignored.  An
 * optional expected outcome follows "=>":
 *
 *   bind BDF DRIVER   => ok|EBUSY|EPERM|EINVAL|ENODEV|ENOENT|...
 *   unbind BDF        => ok
 *   hold BDF          => ok|EPERM|EBUSY|ENOENT|...   (VFIO group of BDF:
 *                        open, SET_CONTAINER, SET_IOMMU(TYPE1v2); kept)
 *   release BDF       => ok         (close what "hold" opened)
 *   remove BDF        => ok         (sysfs remove)
 *   rescan            => ok         (re-add what was removed)
 *   expect-driver BDF => DRIVER|none
 *   expect-viable BDF => yes|no     (VFIO_GROUP_GET_STATUS VIABLE)
 *
 * A group is named by any one of its devices.  The same runner drives the
 * pure model (dmaown_sim_model_new(), declared in dmaown/ownership.h) and
 * the live host (lib/host-live.c) through struct dmaown_sim_backend.
 */
#ifndef DMAOWN_SCRIPT_H
#define DMAOWN_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "dmaown/error.h"
#include "dmaown/topology.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DMAOWN_DRIVER_NAME_MAX 64

/**
 * struct dmaown_sim_backend - what a step script acts on
 * @name: short name for messages ("model", "live")
 * @ctx: passed unchanged to every op
 *
 * Every op returns 0 or the negative errno the host reported (for the
 * live host: the errno of the sysfs write or ioctl, unchanged).  All ops
 * are mandatory except @lookup.
 *
 * @bind: unbind the current driver if any, set driver_override to
 *	@driver, write BDF to the driver's bind file (-ENOENT: the driver
 *	is not loaded; -ENODEV: the device is gone).
 * @unbind: unbind the current driver (0 if none is bound).
 * @hold: open the VFIO group of @bdf's IOMMU group, SET_CONTAINER,
 *	SET_IOMMU(VFIO_TYPE1v2_IOMMU); keep it until @release.  -ENOENT: no
 *	VFIO group (no member bound to a VFIO driver); -EBUSY: already
 *	open; -EPERM/-EBUSY from SET_CONTAINER.
 * @release: close what @hold opened (-ENOENT: nothing held).
 * @remove: write 1 to the device's remove file.
 * @rescan: write 1 to the bus rescan file (re-adds removed devices,
 *	whose native driver may then auto-probe).
 * @get_driver: the bound driver's name into @buf (@len bytes), "" if
 *	none; -ENODEV if the device is gone.
 * @get_viable: VFIO_GROUP_GET_STATUS VIABLE flag of @bdf's group
 *	(opening the group file briefly, or reusing a held one); false
 *	when the group has no VFIO group node (no member on a VFIO
 *	driver, or no IOMMU group at all).
 * @lookup: optional; 0 if @bdf is a device of this host (even if
 *	currently removed), -ENODEV if the host never had it.  The runner
 *	checks every step with it before running anything.
 * @events: optional; after each step, 1 with a one-line description in
 *	@buf of what the kernel would have logged or suffered (WARN,
 *	BUG_ON, a known kernel bug path) since the previous call, else 0.
 *	The runner prints it as "  # kernel: ..." under the step.
 */
struct dmaown_sim_backend {
	const char *name;
	void *ctx;
	int (*bind)(void *ctx, struct dmaown_bdf bdf, const char *driver);
	int (*unbind)(void *ctx, struct dmaown_bdf bdf);
	int (*hold)(void *ctx, struct dmaown_bdf bdf);
	int (*release)(void *ctx, struct dmaown_bdf bdf);
	int (*remove)(void *ctx, struct dmaown_bdf bdf);
	int (*rescan)(void *ctx);
	int (*get_driver)(void *ctx, struct dmaown_bdf bdf, char *buf,
			  size_t len);
	int (*get_viable)(void *ctx, struct dmaown_bdf bdf, bool *ret);
	int (*lookup)(void *ctx, struct dmaown_bdf bdf);
	int (*events)(void *ctx, char *buf, size_t len);
};

enum dmaown_step_verb {
	DMAOWN_STEP_BIND,
	DMAOWN_STEP_UNBIND,
	DMAOWN_STEP_HOLD,
	DMAOWN_STEP_RELEASE,
	DMAOWN_STEP_REMOVE,
	DMAOWN_STEP_RESCAN,
	DMAOWN_STEP_EXPECT_DRIVER,
	DMAOWN_STEP_EXPECT_VIABLE,
	DMAOWN_STEP_MAX,
};

/**
 * struct dmaown_step - one parsed line
 * @verb: what to do
 * @line: 1-based line number in the script
 * @text: the step as written, without comment and "=> outcome"
 * @bdf: target device (not for rescan)
 * @driver: bind: the driver name
 * @has_expect: an "=> outcome" was given
 * @expect_err: action verbs: 0 for "ok" or a negative errno
 * @expect_driver: expect-driver: name, or NULL for "none"
 * @expect_viable: expect-viable: yes (true) / no (false)
 */
struct dmaown_step {
	enum dmaown_step_verb verb;
	unsigned int line;
	char *text;
	struct dmaown_bdf bdf;
	char *driver;
	bool has_expect;
	int expect_err;
	char *expect_driver;
	bool expect_viable;
};

struct dmaown_script {
	char *name;		/* file name used in messages */
	size_t nsteps;
	struct dmaown_step *steps;
};

/**
 * dmaown_script_parse() - parse a step script held in memory
 * @name: file name for messages ("FILE:LINE: message")
 * @text: script text (need not be NUL-terminated)
 * @len: bytes in @text
 * @ret: the parsed script on success; free with dmaown_script_free()
 * @err: on failure "NAME:LINE: message" (may be NULL)
 *
 * Return: 0; -EINVAL for an unknown verb, a malformed BDF, a missing or
 * extra argument, a bad outcome or a NUL byte; -ENOMEM.
 */
int dmaown_script_parse(const char *name, const char *text, size_t len,
			struct dmaown_script **ret, struct dmaown_err *err);

/** dmaown_script_free() - free a parsed script; NULL is fine. */
void dmaown_script_free(struct dmaown_script *s);

/** dmaown_step_verb_name() - "bind", "expect-viable", ...; NULL if bad */
const char *dmaown_step_verb_name(enum dmaown_step_verb verb);

/**
 * struct dmaown_script_result - what a run found
 * @nsteps: steps run
 * @nexpect: steps that carried an expectation
 * @nmismatch: expectations that did not hold
 * @first_mismatch_line: line of the first mismatch, 0 if none
 */
struct dmaown_script_result {
	size_t nsteps;
	size_t nexpect;
	size_t nmismatch;
	unsigned int first_mismatch_line;
};

/**
 * dmaown_script_run() - run every step against a backend
 * @s: parsed script
 * @be: backend (all mandatory ops set)
 * @out: where "STEP => OUTCOME" lines go, with "  MISMATCH (expected X)"
 *	appended when an expectation fails; NULL for silence
 * @res: counts (may be NULL)
 * @err: detail when the run cannot proceed (may be NULL)
 *
 * A step's errno is an outcome, not a failure of the run: every step is
 * run even after a mismatch.
 * Return: 0 if every expectation matched, 1 if at least one did not;
 * -ENODEV if @be->lookup rejects a step's device (@err names
 * "FILE:LINE"), nothing is run then; -EINVAL for a bad backend.
 */
int dmaown_script_run(const struct dmaown_script *s,
		      const struct dmaown_sim_backend *be, FILE *out,
		      struct dmaown_script_result *res,
		      struct dmaown_err *err);

#ifdef __cplusplus
}
#endif
#endif
