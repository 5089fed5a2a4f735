// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * source.c - dmaown_source_load() and the libpci glue the sources share
 *
 * libpci reports fatal problems through pci_access->error(), which must
 * not return and gets no context pointer.  We install a hook that
 * longjmp()s back to src_pci_collect().  The only way for the hook to find
 * its way back is a call-scoped, per-thread pointer to the active guard:
 * it is set on entry and cleared on every exit of src_pci_collect(), so
 * the library keeps no state between calls and stays thread safe.
 */
#include <errno.h>
#include <fcntl.h>
#include <pci/pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src-internal.h"

struct pci_guard {
	jmp_buf jb;
	char msg[256];
};

static _Thread_local struct pci_guard *active_guard;

static void __attribute__((noreturn)) pci_hook_error(char *msg, ...)
{
	struct pci_guard *g = active_guard;
	va_list ap;

	if (!g)		/* cannot happen: hooks are only live under a guard */
		abort();
	va_start(ap, msg);
	vsnprintf(g->msg, sizeof(g->msg), msg, ap);
	va_end(ap);
	longjmp(g->jb, 1);
}

static void pci_hook_quiet(char *msg, ...)
{
	/* warnings (unreadable config...) show up as short reads */
}

static size_t read_len(struct pci_dev *pd, uint8_t *buf)
{
	static const int lens[] = { 4096, 256, 128, 64 };
	size_t i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		if (pci_read_block(pd, 0, buf, lens[i]))
			return (size_t)lens[i];
	return 0;
}

struct collect {
	struct pci_guard guard;
	struct pci_access *pacc;
	struct src_raw *raw;
	size_t n;
};

static int collect_run(struct collect *c)
{
	struct pci_dev *pd;
	size_t n = 0;

	pci_init(c->pacc);
	pci_scan_bus(c->pacc);
	for (pd = c->pacc->devices; pd; pd = pd->next)
		n++;
	c->raw = calloc(n ? n : 1, sizeof(*c->raw));
	if (!c->raw)
		return -ENOMEM;
	for (pd = c->pacc->devices; pd; pd = pd->next) {
		struct src_raw *r = &c->raw[c->n++];

		r->bdf.domain = (uint32_t)pd->domain;
		r->bdf.bus = pd->bus;
		r->bdf.devfn = DMAOWN_DEVFN(pd->dev & 0x1f, pd->func & 7);
		r->len = read_len(pd, r->cfg);
	}
	return 0;
}

int src_pci_collect(int method, const char *param, const char *value,
		    const char *what, struct src_raw **ret,
		    struct dmaown_err *err)
{
	struct collect *c;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->pacc = pci_alloc();
	if (!c->pacc) {
		free(c);
		return -ENOMEM;
	}
	c->pacc->error = pci_hook_error;
	c->pacc->warning = pci_hook_quiet;
	c->pacc->debug = pci_hook_quiet;
	c->pacc->method = method;
	c->pacc->buscentric = 1;
	if (pci_set_param(c->pacc, (char *)param, (char *)value)) {
		pci_cleanup(c->pacc);
		free(c);
		return dmaown_err_set(err, -EINVAL,
				      "%s: libpci has no parameter %s", what,
				      param);
	}

	active_guard = &c->guard;
	if (setjmp(c->guard.jb)) {
		active_guard = NULL;
		r = dmaown_err_set(err, -EINVAL, "%s: %s", what,
				   c->guard.msg);
		free(c->raw);
		pci_cleanup(c->pacc);
		free(c);
		return r;
	}
	r = collect_run(c);
	active_guard = NULL;
	pci_cleanup(c->pacc);
	if (r < 0) {
		free(c->raw);
		free(c);
		return r;
	}
	*ret = c->raw;
	r = (int)c->n;
	free(c);
	return r;
}

long src_read_bin(const char *path, uint8_t *buf, size_t max)
{
	size_t got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	while (got < max) {
		ssize_t n = read(fd, buf + got, max - got);

		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return (long)got;
}

long src_read_file(const char *path, size_t max, char **ret)
{
	struct stat st;
	char *buf;
	long n;

	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	buf = malloc(max + 1);
	if (!buf)
		return -ENOMEM;
	n = src_read_bin(path, (uint8_t *)buf, max);
	if (n < 0) {
		free(buf);
		return n;
	}
	buf[n] = 0;
	*ret = buf;
	return n;
}

int src_path(char *buf, size_t len, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la + lb + 2 > len) {
		if (len)
			buf[0] = 0;
		return -ENAMETOOLONG;
	}
	memmove(buf, a, la);
	buf[la] = '/';
	memcpy(buf + la + 1, b, lb + 1);
	return 0;
}

char *src_chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' ||
		     s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = 0;
	return s;
}

int src_finish(struct dmaown_topology *t, const char *what,
	       struct dmaown_topology **ret, struct dmaown_err *err)
{
	struct dmaown_err ferr = { 0 };
	int r;

	r = dmaown_topology_finalize(t, &ferr);
	if (r < 0) {
		dmaown_topology_free(t);
		return dmaown_err_set(err, r, "%s: %s", what, ferr.msg);
	}
	*ret = t;
	return 0;
}

int dmaown_source_load(enum dmaown_source_kind kind, const char *path,
		       struct dmaown_topology **ret, struct dmaown_err *err)
{
	struct stat st;

	if (!path || !ret)
		return dmaown_err_set(err, -EINVAL, "no source path given");
	if (stat(path, &st) < 0) {
		int e = errno;

		return dmaown_err_set(err, -e, "%s: %s", path, strerror(e));
	}
	switch (kind) {
	case DMAOWN_SOURCE_SYSFS:
		if (!S_ISDIR(st.st_mode))
			return dmaown_err_set(err, -ENOTDIR,
					      "%s: not a directory", path);
		return src_load_sysfs(path, ret, err);
	case DMAOWN_SOURCE_LSPCI_DUMP:
	case DMAOWN_SOURCE_LSPCI_TEXT:
		if (!S_ISREG(st.st_mode))
			return dmaown_err_set(err, -EINVAL,
					      "%s: not a regular file", path);
		if (kind == DMAOWN_SOURCE_LSPCI_DUMP)
			return src_load_dump(path, ret, err);
		return src_load_text(path, ret, err);
	}
	return dmaown_err_set(err, -EINVAL, "unknown source kind %d", kind);
}
