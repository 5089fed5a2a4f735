// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * host.c - the host actuator: common helpers and the live implementation
 *
 * The live actuator writes sysfs the way systemd's
 * sd_device_set_sysattr_value() does: values of at most 4 KiB, one
 * unbuffered write(2), the final path component never followed if it is
 * a symlink, and the kernel's errno returned unchanged (spec/ownership.md
 * §8: EBUSY, EINVAL and EPERM mean different things).  Module loading
 * goes through libkmod when it is available; VFIO viability is
 * VFIO_GROUP_GET_STATUS on /dev/vfio/N (spec/ownership.md §4.4).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "config.h"
#if HAVE_KMOD
#include <libkmod.h>
#endif

#include "host-internal.h"

/* ---- plain file primitives -------------------------------------------- */

int host_file_write(struct dmaown_host *h, const char *path, const char *value)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd, r = 0;

	if (len > DMAOWN_HOST_VALUE_MAX)
		return -EINVAL;
	/* O_TRUNC: sysfs ignores it; regular files must not keep old bytes */
	fd = openat(h->rootfd, path,
		    O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	if (close(fd) < 0 && !r)
		r = -errno;
	return r;
}

int host_file_read(struct dmaown_host *h, const char *path, char *buf,
		   size_t len)
{
	ssize_t n;
	int fd, r = 0;

	if (!len)
		return -EINVAL;
	fd = openat(h->rootfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		r = -errno;
		n = 0;
	}
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	close(fd);
	return r;
}

int host_file_link(struct dmaown_host *h, const char *path, char *buf,
		   size_t len)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlinkat(h->rootfd, path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

int host_file_exists(struct dmaown_host *h, const char *path)
{
	struct stat st;

	if (fstatat(h->rootfd, path, &st, 0) < 0)
		return -errno;
	return 0;
}

void host_driver_name(const char *in, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "%s", in ? in : "");
	/* module vfio_pci provides driver vfio-pci (ecosystem.md §5.2) */
	if (!strcmp(buf, "vfio_pci") || !strcmp(buf, "pci_stub"))
		for (i = 0; buf[i]; i++)
			if (buf[i] == '_')
				buf[i] = '-';
}

int host_new(const struct dmaown_host_ops *ops, const char *root,
	     struct dmaown_host **ret)
{
	struct dmaown_host *h;

	if (!root || !ret)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->ops = ops;
	h->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	h->root = strdup(root);
	if (h->rootfd < 0 || !h->root) {
		int r = h->rootfd < 0 ? -errno : -ENOMEM;

		dmaown_host_free(h);
		return r;
	}
	*ret = h;
	return 0;
}

/* ---- live ops --------------------------------------------------------- */

static int live_load_module(struct dmaown_host *h, const char *name)
{
#if HAVE_KMOD
	struct kmod_ctx *ctx;
	struct kmod_list *list = NULL, *l;
	int r;

	/* never load modules into this kernel on behalf of another root */
	if (strcmp(h->root, "/"))
		return -EOPNOTSUPP;
	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	r = kmod_module_new_from_lookup(ctx, name, &list);
	if (r >= 0 && !list)
		r = -ENOENT;
	kmod_list_foreach(l, list)
	{
		struct kmod_module *mod = kmod_module_get_module(l);

		r = kmod_module_probe_insert_module(mod, 0, NULL, NULL, NULL,
						    NULL);
		kmod_module_unref(mod);
		if (r < 0)
			break;
	}
	kmod_module_unref_list(list);
	kmod_unref(ctx);
	return r < 0 ? r : 0;
#else
	(void)h;
	(void)name;
	return -EOPNOTSUPP;
#endif
}

static int live_vfio_group_status(struct dmaown_host *h, int group,
				  unsigned int *ret_flags)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[64];
	int fd, r = 0;

	snprintf(path, sizeof(path), "dev/vfio/%d", group);
	fd = openat(h->rootfd, path, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, VFIO_GROUP_GET_STATUS, &st) < 0)
		r = -errno;
	else
		*ret_flags = st.flags;
	close(fd);
	return r;
}

static const struct dmaown_host_ops live_ops = {
	.name = "live",
	.write_attr = host_file_write,
	.read_attr = host_file_read,
	.read_link = host_file_link,
	.exists = host_file_exists,
	.load_module = live_load_module,
	.vfio_group_status = live_vfio_group_status,
};

/* the test hook of dmaown/host.h: DMAOWN_TEST_STOP_AFTER=N */
static void test_stop_init(struct dmaown_host *h)
{
	const char *v = getenv("DMAOWN_TEST_STOP_AFTER");
	unsigned long n;
	char *end;

	if (!v || !*v)
		return;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || v[0] == '-')
		return;
	h->test_stop = true;
	h->test_stop_after = n;
}

int dmaown_host_live_new(const char *root, struct dmaown_host **ret)
{
	int r = host_new(&live_ops, root, ret);

	if (!r)
		test_stop_init(*ret);
	return r;
}

int dmaown_host_open(const char *root, struct dmaown_host **ret)
{
	char path[PATH_MAX];

	if (!root || !ret)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", root, DMAOWN_FAKE_MARK);
	if (access(path, F_OK) == 0)
		return dmaown_host_fake_new(root, ret);
	return dmaown_host_live_new(root, ret);
}

void dmaown_host_free(struct dmaown_host *h)
{
	if (!h)
		return;
	if (h->rootfd >= 0)
		close(h->rootfd);
	free(h->root);
	free(h);
}

const char *dmaown_host_name(const struct dmaown_host *h)
{
	return h->ops->name;
}

const char *dmaown_host_root(const struct dmaown_host *h)
{
	return h->root;
}

bool dmaown_host_can_change(const struct dmaown_host *h)
{
	char path[PATH_MAX];
	struct statfs sfs;

	if (dmaown_host_is_fake(h))
		return true;
	/* a live actuator writes only into a real sysfs, never a snapshot */
	snprintf(path, sizeof(path), "%s/sys", h->root);
	return statfs(path, &sfs) == 0 && sfs.f_type == SYSFS_MAGIC;
}

bool dmaown_host_is_fake(const struct dmaown_host *h)
{
	return !strcmp(h->ops->name, "fake");
}

unsigned long dmaown_host_writes(const struct dmaown_host *h)
{
	return h->nwrites;
}

void dmaown_host_set_trace(struct dmaown_host *h, dmaown_host_trace_fn fn,
			   void *ctx)
{
	h->trace = fn;
	h->trace_ctx = ctx;
}

/* ---- device-level helpers --------------------------------------------- */

/* stop this process when @n host writes are done (test hook) */
static void test_stop(const struct dmaown_host *h, unsigned long n)
{
	if (h->test_stop && h->test_stop_after == n)
		raise(SIGSTOP);
}

/* every host write goes through here: count, act, trace */
static int host_write(struct dmaown_host *h, const char *path,
		      const char *value)
{
	int r;

	if (!h->nwrites)
		test_stop(h, 0);
	h->nwrites++;
	r = h->ops->write_attr(h, path, value);
	if (h->trace)
		h->trace(h->trace_ctx, path, value, r);
	test_stop(h, h->nwrites);
	return r;
}

static void dev_path(char *buf, size_t len, struct dmaown_bdf bdf,
		     const char *attr)
{
	char b[DMAOWN_BDF_STRLEN];

	snprintf(buf, len, "sys/bus/pci/devices/%s%s%s",
		 dmaown_bdf_format(bdf, b), attr ? "/" : "", attr ? attr : "");
}

int dmaown_host_driver(struct dmaown_host *h, struct dmaown_bdf bdf, char *buf,
		       size_t len)
{
	char path[PATH_MAX];
	int r;

	dev_path(path, sizeof(path), bdf, NULL);
	r = h->ops->exists(h, path);
	if (r < 0)
		return r == -ENOENT ? -ENODEV : r;
	dev_path(path, sizeof(path), bdf, "driver");
	r = h->ops->read_link(h, path, buf, len);
	if (r == -ENOENT) {
		buf[0] = '\0';
		return 0;
	}
	return r;
}

int dmaown_host_override(struct dmaown_host *h, struct dmaown_bdf bdf,
			 char *buf, size_t len)
{
	char path[PATH_MAX];
	int r;

	dev_path(path, sizeof(path), bdf, "driver_override");
	r = h->ops->read_attr(h, path, buf, len);
	if (r == -ENOENT)
		return -ENODEV;
	if (r < 0)
		return r;
	if (!strcmp(buf, "(null)"))
		buf[0] = '\0';
	return 0;
}

int dmaown_host_set_override(struct dmaown_host *h, struct dmaown_bdf bdf,
			     const char *driver)
{
	char path[PATH_MAX];

	dev_path(path, sizeof(path), bdf, "driver_override");
	/* a lone newline clears it (libvirt does the same) */
	return host_write(h, path, driver && *driver ? driver : "\n");
}

static int driver_file_write(struct dmaown_host *h, struct dmaown_bdf bdf,
			     const char *driver, const char *file)
{
	char path[PATH_MAX], b[DMAOWN_BDF_STRLEN];

	if (!driver || !*driver || strchr(driver, '/'))
		return -EINVAL;
	snprintf(path, sizeof(path), "sys/bus/pci/drivers/%s/%s", driver, file);
	return host_write(h, path, dmaown_bdf_format(bdf, b));
}

int dmaown_host_unbind(struct dmaown_host *h, struct dmaown_bdf bdf,
		       const char *driver)
{
	return driver_file_write(h, bdf, driver, "unbind");
}

int dmaown_host_bind(struct dmaown_host *h, struct dmaown_bdf bdf,
		     const char *driver)
{
	return driver_file_write(h, bdf, driver, "bind");
}

int dmaown_host_probe(struct dmaown_host *h, struct dmaown_bdf bdf)
{
	char b[DMAOWN_BDF_STRLEN];

	return host_write(h, "sys/bus/pci/drivers_probe",
			  dmaown_bdf_format(bdf, b));
}

int dmaown_host_driver_loaded(struct dmaown_host *h, const char *driver)
{
	char path[PATH_MAX];
	int r;

	if (!driver || !*driver || strchr(driver, '/'))
		return -EINVAL;
	snprintf(path, sizeof(path), "sys/bus/pci/drivers/%s", driver);
	r = h->ops->exists(h, path);
	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : 1;
}

int dmaown_host_load_module(struct dmaown_host *h, const char *driver)
{
	char name[64], path[80];
	int r;

	host_driver_name(driver, name, sizeof(name));
	snprintf(path, sizeof(path), "module:%s", name);
	if (!h->nwrites)
		test_stop(h, 0);
	h->nwrites++;
	r = h->ops->load_module(h, name);
	if (h->trace)
		h->trace(h->trace_ctx, path, name, r);
	test_stop(h, h->nwrites);
	return r;
}

int dmaown_host_vfio_viable(struct dmaown_host *h, int group, bool *ret_viable,
			    bool *ret_container)
{
	unsigned int flags = 0;
	int r;

	r = h->ops->vfio_group_status(h, group, &flags);
	if (r < 0)
		return r;
	*ret_viable = flags & VFIO_GROUP_FLAGS_VIABLE;
	if (ret_container)
		*ret_container = flags & VFIO_GROUP_FLAGS_CONTAINER_SET;
	return 0;
}

int dmaown_host_iommu_group(struct dmaown_host *h, struct dmaown_bdf bdf)
{
	char path[PATH_MAX], buf[32], *end;
	long g;
	int r;

	dev_path(path, sizeof(path), bdf, NULL);
	r = h->ops->exists(h, path);
	if (r < 0)
		return r == -ENOENT ? -ENODEV : r;
	dev_path(path, sizeof(path), bdf, "iommu_group");
	r = h->ops->read_link(h, path, buf, sizeof(buf));
	if (r < 0)
		return r;
	errno = 0;
	g = strtol(buf, &end, 10);
	if (errno || *end || end == buf || g < 0 || g > INT_MAX)
		return -EINVAL;
	return (int)g;
}
