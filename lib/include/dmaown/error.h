/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmaown/error.h - error detail for libdmaown calls
 *
 * Every fallible call returns 0 or a negative errno.  Calls that read
 * outside input also take an optional struct dmaown_err * (may be NULL)
 * which, on failure, receives one line naming the problem: the file and
 * line, or the device, and what was wrong.  The library never prints.
 */
#ifndef DMAOWN_ERROR_H
#define DMAOWN_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#define DMAOWN_ERR_MAX 512

struct dmaown_err {
	int code;		/* negative errno, 0 if unset */
	char msg[DMAOWN_ERR_MAX];
};

/**
 * dmaown_err_set() - record an error and return it
 * @err: where to record (may be NULL)
 * @code: negative errno
 * @fmt: printf format of the one-line message
 *
 * Return: @code, so callers can write "return dmaown_err_set(...)".
 * The first error recorded wins; later calls keep the original message.
 */
int dmaown_err_set(struct dmaown_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** dmaown_err_clear() - reset @err so a new error can be recorded. */
void dmaown_err_clear(struct dmaown_err *err);

/**
 * dmaown_errno_name() - "EBUSY" for -EBUSY or EBUSY, "ok" for 0.
 * Return: a static string; "E?" style names for unknown values.
 */
const char *dmaown_errno_name(int err);

/**
 * dmaown_errno_parse() - inverse of dmaown_errno_name()
 * Return: 0 on success with *ret set (0 for "ok", else a negative errno),
 * -EINVAL if @s is not a known name.
 */
int dmaown_errno_parse(const char *s, int *ret);

#ifdef __cplusplus
}
#endif
#endif
