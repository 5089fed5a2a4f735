/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmaown/journal.h - durable move records and the host-wide lock
 *
 * State lives in a directory (ROOT/run/dmaown by default) with a durable
 * copy in a second one (ROOT/var/lib/dmaown), or in one directory given
 * with --state-dir.  One record per IOMMU group, "group-N", holds the
 * move plan with its phase and current step (struct dmaown_move_plan).
 * Every save writes a temporary file, fsyncs it, renames it over the
 * record and fsyncs the directory, so a record is always either the old
 * or the new version.  The lock is an flock() on "lock" in the state
 * directory; its holder writes its pid into it.
 *
 * Record format (text, one field a line; "-" stands for an empty name):
 *
 *   dmaown-record 1
 *   op assign|release
 *   phase planned|assigning|assigned|rolling-back|releasing
 *   group N
 *   requested BDF
 *   target NAME
 *   load 0|1
 *   persist 0|1
 *   pid PID
 *   step N
 *   dev BDF move=0|1 why=NAME orig=D orig-override=D before=D after=D
 *       override-after=D            (one line per member)
 */
#ifndef DMAOWN_JOURNAL_H
#define DMAOWN_JOURNAL_H

#include "dmaown/error.h"
#include "dmaown/move.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dmaown_state;

/**
 * dmaown_state_open() - open (creating) the state directories
 * @dir: the state directory (created with its parents, mode 0700)
 * @durable: directory for the durable copy, or NULL for none
 * @ret: the state handle; free with dmaown_state_close()
 * @err: detail on failure, naming the directory (may be NULL)
 *
 * Return: 0 or negative errno.
 */
int dmaown_state_open(const char *dir, const char *durable,
		      struct dmaown_state **ret, struct dmaown_err *err);

/** dmaown_state_close() - release the lock (if held) and free; NULL ok */
void dmaown_state_close(struct dmaown_state *s);

/** dmaown_state_dir() - the state directory */
const char *dmaown_state_dir(const struct dmaown_state *s);

/**
 * dmaown_state_lock() - take the host-wide dmaown lock
 * @wait_secs: how long to wait for another holder; 0 fails at once
 *
 * Return: 0; -EWOULDBLOCK when another process holds it (@err names its
 * pid and the lock file); other negative errno.
 */
int dmaown_state_lock(struct dmaown_state *s, int wait_secs,
		      struct dmaown_err *err);

/**
 * dmaown_state_save() - write @p as group @p->group's record (both
 * copies), durably
 * Return: 0 or negative errno with @err naming the file.
 */
int dmaown_state_save(struct dmaown_state *s, const struct dmaown_move_plan *p,
		      struct dmaown_err *err);

/**
 * dmaown_state_load() - read group @group's record (the state directory
 * first, then the durable copy)
 * Return: 0; -ENOENT when there is none; -EINVAL for a malformed record
 * (@err names file:line); -ENOMEM.
 */
int dmaown_state_load(struct dmaown_state *s, int group,
		      struct dmaown_move_plan **ret, struct dmaown_err *err);

/** dmaown_state_remove() - delete group @group's record (both copies) */
int dmaown_state_remove(struct dmaown_state *s, int group);

/**
 * dmaown_state_groups() - groups that have a record (either copy)
 * @ret: malloc'd sorted array (NULL when none); free() it
 * Return: count, or negative errno.
 */
int dmaown_state_groups(struct dmaown_state *s, int **ret);

/**
 * dmaown_record_format() - @p as record text (malloc'd into @ret)
 * dmaown_record_parse() - the inverse; @name is used in messages
 * Return: 0 or negative errno (-EINVAL: "NAME:LINE: problem" in @err).
 */
int dmaown_record_format(const struct dmaown_move_plan *p, char **ret);
int dmaown_record_parse(const char *name, const char *text,
			struct dmaown_move_plan **ret, struct dmaown_err *err);

#ifdef __cplusplus
}
#endif
#endif
