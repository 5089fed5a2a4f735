// SPDX-License-Identifier: LGPL-2.1-or-later
/* holders.c - find processes holding /dev/vfio/N open (reads proc) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmaown/holders.h"

static void read_comm(int pfd, char *buf, size_t len)
{
	int fd = openat(pfd, "comm", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0) {
		buf[0] = '\0';
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static int add_holder(struct dmaown_holder **arr, size_t *n, int group,
		      pid_t pid, const char *comm)
{
	struct dmaown_holder *a;
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*arr)[i].group == group && (*arr)[i].pid == pid)
			return 0;
	a = realloc(*arr, (*n + 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	*arr = a;
	a[*n].group = group;
	a[*n].pid = pid;
	snprintf(a[*n].comm, sizeof(a[*n].comm), "%s", comm);
	(*n)++;
	return 0;
}

/*
 * iommufd cdev: "/dev/vfio/devices/vfio3" -> the IOMMU group of the device
 * behind ROOT/sys/class/vfio-dev/vfio3/device, or -1.
 */
static int cdev_group_of(const char *root, const char *target)
{
	const char *p = "/dev/vfio/devices/vfio";
	char path[PATH_MAX], link[PATH_MAX], *base, *end;
	ssize_t n;
	long v;

	if (strncmp(target, p, strlen(p)))
		return -1;
	target += strlen(p);
	if (*target < '0' || *target > '9' || strchr(target, '/'))
		return -1;
	if (snprintf(path, sizeof(path),
		     "%s/sys/class/vfio-dev/vfio%s/device/iommu_group", root,
		     target) >= (int)sizeof(path))
		return -1;
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return -1;
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	v = strtol(base, &end, 10);
	if (*end || v < 0 || v > INT_MAX)
		return -1;
	return (int)v;
}

/* "/dev/vfio/12" -> 12; anything else -> -1 */
static int vfio_group_of(const char *target)
{
	const char *p = "/dev/vfio/";
	char *end;
	long v;

	if (strncmp(target, p, strlen(p)))
		return -1;
	target += strlen(p);
	if (*target < '0' || *target > '9')
		return -1;
	v = strtol(target, &end, 10);
	if (*end || v < 0 || v > INT_MAX)
		return -1;
	return (int)v;
}

int dmaown_vfio_holders(const char *root, struct dmaown_holder **ret)
{
	char path[PATH_MAX];
	struct dmaown_holder *arr = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *proc;
	int r = 0;

	if (!root || !ret)
		return -EINVAL;
	*ret = NULL;
	snprintf(path, sizeof(path), "%s/proc", root);
	proc = opendir(path);
	if (!proc)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(proc))) {
		char *end, comm[32];
		long pid = strtol(de->d_name, &end, 10);
		int pfd, fdd;
		DIR *fds;
		struct dirent *fe;

		if (*end || pid <= 0)
			continue;
		pfd = openat(dirfd(proc), de->d_name,
			     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd < 0)
			continue;
		fdd = openat(pfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fdd < 0) {
			close(pfd);
			continue;
		}
		fds = fdopendir(fdd);
		if (!fds) {
			close(fdd);
			close(pfd);
			continue;
		}
		comm[0] = '\0';
		while ((fe = readdir(fds))) {
			char target[PATH_MAX];
			ssize_t len;
			int g;

			if (fe->d_name[0] == '.')
				continue;
			len = readlinkat(dirfd(fds), fe->d_name, target,
					 sizeof(target) - 1);
			if (len <= 0)
				continue;
			target[len] = '\0';
			g = vfio_group_of(target);
			if (g < 0)
				g = cdev_group_of(root, target);
			if (g < 0)
				continue;
			if (!comm[0])
				read_comm(pfd, comm, sizeof(comm));
			r = add_holder(&arr, &n, g, (pid_t)pid, comm);
			if (r < 0)
				break;
		}
		closedir(fds);
		close(pfd);
		if (r < 0)
			break;
	}
	closedir(proc);
	if (r < 0) {
		free(arr);
		return r;
	}
	*ret = arr;
	return (int)n;
}
