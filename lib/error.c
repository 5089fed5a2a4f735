// SPDX-License-Identifier: LGPL-2.1-or-later
/* error.c - error detail records and errno names */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dmaown/error.h"

int dmaown_err_set(struct dmaown_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->code)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void dmaown_err_clear(struct dmaown_err *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

static const struct {
	int no;
	const char *name;
} errno_names[] = {
	{ EPERM, "EPERM" },   { ENOENT, "ENOENT" }, { EIO, "EIO" },
	{ ENXIO, "ENXIO" },   { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
	{ EACCES, "EACCES" }, { EBUSY, "EBUSY" },   { EEXIST, "EEXIST" },
	{ ENODEV, "ENODEV" }, { EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" },
	{ ENOTTY, "ENOTTY" }, { ENOSYS, "ENOSYS" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	{ ETIMEDOUT, "ETIMEDOUT" }, { EROFS, "EROFS" }, { EBADF, "EBADF" },
	{ EFAULT, "EFAULT" }, { ENOTDIR, "ENOTDIR" }, { E2BIG, "E2BIG" },
	{ EDEADLK, "EDEADLK" }, { ECANCELED, "ECANCELED" },
	{ EPROTO, "EPROTO" }, { ERANGE, "ERANGE" }, { ESRCH, "ESRCH" },
};

const char *dmaown_errno_name(int err)
{
	size_t i;

	if (err == 0)
		return "ok";
	if (err < 0)
		err = -err;
	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].no == err)
			return errno_names[i].name;
	return "E?";
}

int dmaown_errno_parse(const char *s, int *ret)
{
	size_t i;

	if (!s || !ret)
		return -EINVAL;
	if (!strcmp(s, "ok")) {
		*ret = 0;
		return 0;
	}
	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (!strcmp(errno_names[i].name, s)) {
			*ret = -errno_names[i].no;
			return 0;
		}
	return -EINVAL;
}
