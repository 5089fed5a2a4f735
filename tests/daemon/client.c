// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * client.c - a dmaownd client for the daemon tests, polite and hostile
 *
 *   client SOCK req [--hold] [--close-on-hangup] [--vfio] [--check-fd PATH]
 *		   JSON...
 *	send each JSON line, print each answer line; for an answer carrying
 *	an fd print "fd: same-file" when it is PATH's file (else
 *	"fd: other-file"); --vfio then uses that fd as a VFIO group
 *	(VFIO_GROUP_GET_STATUS, VFIO_GROUP_SET_CONTAINER on a new
 *	/dev/vfio/vfio, VFIO_SET_IOMMU TYPE1v2) and prints one "vfio: ..."
 *	line per step; --hold then prints "holding" and sleeps until killed
 *	(or until the daemon hangs up: "hangup"; with --close-on-hangup the
 *	client then closes the group and container files: "closed")
 *   client SOCK raw          send stdin as is, print the answers until EOF
 *   client SOCK big N        send a line of N bytes, print the answer
 *   client SOCK half         send half a request, then close
 *   client SOCK flood N      open N connections at once, send hello on
 *			      each; print "connected C answered A"
 *
 * Exit status: 0, 1 when the daemon could not be reached or an answer
 * was missing, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/vfio.h>

static int dial(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t n)
{
	ssize_t w;

	while (n) {
		w = send(fd, buf, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Read one answer line into @buf (NUL-terminated, newline removed);
 * an fd passed with it goes to *@ret_fd.  Return 0, -1 on EOF/timeout.
 */
static int read_line(int fd, char *buf, size_t len, int *ret_fd, int ms)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} u;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t n = 0;

	while (n + 1 < len) {
		struct msghdr mh = { 0 };
		struct iovec iov = { .iov_base = buf + n, .iov_len = 1 };
		struct cmsghdr *cm;
		ssize_t r;

		if (poll(&p, 1, ms) <= 0)
			return -1;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = u.b;
		mh.msg_controllen = sizeof(u.b);
		r = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (r <= 0)
			return -1;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_RIGHTS && ret_fd)
				memcpy(ret_fd, CMSG_DATA(cm), sizeof(int));
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return 0;
}

/* errno as its name for the few a VFIO ioctl gives, else the number */
static const char *errname(int e)
{
	static char buf[16];

	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	case EACCES: return "EACCES";
	case EBUSY: return "EBUSY";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	}
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

/*
 * Use @gfd as a VFIO group the way a VFIO user does: status, a container,
 * the type1v2 IOMMU.  Return the container fd (kept open: it holds the
 * group's IOMMU context) or -1.
 */
static int vfio_use(int gfd)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	int cfd;

	if (ioctl(gfd, VFIO_GROUP_GET_STATUS, &st) < 0) {
		printf("vfio: get-status error %s\n", errname(errno));
		return -1;
	}
	printf("vfio: get-status flags 0x%x %s\n", st.flags,
	       st.flags & VFIO_GROUP_FLAGS_VIABLE ? "viable" : "not-viable");
	cfd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (cfd < 0) {
		printf("vfio: open-container error %s\n", errname(errno));
		return -1;
	}
	printf("vfio: api-version %d\n", ioctl(cfd, VFIO_GET_API_VERSION));
	if (ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &cfd) < 0) {
		printf("vfio: set-container error %s\n", errname(errno));
		close(cfd);
		return -1;
	}
	printf("vfio: set-container ok\n");
	if (ioctl(cfd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0) {
		printf("vfio: set-iommu error %s\n", errname(errno));
		return cfd;
	}
	printf("vfio: set-iommu ok\n");
	st.flags = 0;
	if (!ioctl(gfd, VFIO_GROUP_GET_STATUS, &st))
		printf("vfio: get-status flags 0x%x%s\n", st.flags,
		       st.flags & VFIO_GROUP_FLAGS_CONTAINER_SET ?
			       " container-set" : "");
	return cfd;
}

static int cmd_req(const char *sock, int argc, char **argv)
{
	const char *check = NULL;
	static char line[1 << 20];
	int hold = 0, vfio = 0, close_hup = 0, fd, i, got;
	int gfd = -1, cfd = -1;

	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--hold"))
			hold = 1;
		else if (!strcmp(argv[i], "--vfio"))
			vfio = 1;
		else if (!strcmp(argv[i], "--close-on-hangup"))
			close_hup = 1;
		else if (!strcmp(argv[i], "--check-fd") && i + 1 < argc)
			check = argv[++i];
		else
			return 2;
	}
	fd = dial(sock);
	if (fd < 0) {
		perror("client: connect");
		return 1;
	}
	for (; i < argc; i++) {
		got = -1;
		if (send_all(fd, argv[i], strlen(argv[i])) ||
		    send_all(fd, "\n", 1) ||
		    read_line(fd, line, sizeof(line), &got, 30000)) {
			fprintf(stderr, "client: no answer\n");
			return 1;
		}
		printf("%s\n", line);
		if (got >= 0) {
			struct stat a, b;

			if (check && !fstat(got, &a) && !stat(check, &b) &&
			    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
				printf("fd: same-file\n");
			else
				printf("fd: other-file\n");
			/* keep it open: it is the client's group */
			if (gfd < 0) {
				gfd = got;
				if (vfio)
					cfd = vfio_use(gfd);
			}
		}
		fflush(stdout);
	}
	if (hold) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char c;

		printf("holding\n");
		fflush(stdout);
		for (;;) {
			if (poll(&p, 1, -1) > 0 && recv(fd, &c, 1, 0) <= 0) {
				printf("hangup\n");
				if (close_hup) {
					if (gfd >= 0)
						close(gfd);
					if (cfd >= 0)
						close(cfd);
					printf("closed\n");
				}
				fflush(stdout);
				pause();
			}
		}
	}
	close(fd);
	return 0;
}

static int print_answers(int fd)
{
	static char line[1 << 20];
	int n = 0;

	while (!read_line(fd, line, sizeof(line), NULL, 5000)) {
		printf("%s\n", line);
		n++;
	}
	return n;
}

static int cmd_raw(const char *sock)
{
	static char buf[1 << 22];
	size_t n = 0;
	ssize_t r;
	int fd;

	while ((r = read(0, buf + n, sizeof(buf) - n)) > 0)
		n += (size_t)r;
	fd = dial(sock);
	if (fd < 0)
		return 1;
	send_all(fd, buf, n); /* the daemon may hang up midway */
	shutdown(fd, SHUT_WR);
	print_answers(fd);
	close(fd);
	return 0;
}

static int cmd_big(const char *sock, size_t n)
{
	char *buf = malloc(n + 1);
	int fd;

	if (!buf)
		return 1;
	memset(buf, 'a', n);
	buf[n] = '\n';
	fd = dial(sock);
	if (fd < 0)
		return 1;
	send_all(fd, buf, n + 1);
	print_answers(fd);
	close(fd);
	free(buf);
	return 0;
}

static int cmd_half(const char *sock)
{
	int fd = dial(sock);

	if (fd < 0)
		return 1;
	send_all(fd, "{\"op\":\"acq", 10);
	close(fd);
	return 0;
}

static int cmd_flood(const char *sock, int n)
{
	static char line[65536];
	int *fds = calloc((size_t)n, sizeof(int));
	int i, conn = 0, ans = 0;

	if (!fds)
		return 1;
	for (i = 0; i < n; i++) {
		fds[i] = dial(sock);
		if (fds[i] >= 0)
			conn++;
	}
	for (i = 0; i < n; i++)
		if (fds[i] >= 0) {
			/* turned away clients are hung up on: still read */
			send_all(fds[i], "{\"op\":\"hello\",\"version\":1}\n",
				 28);
			if (!read_line(fds[i], line, sizeof(line), NULL, 10000))
				ans++;
		}
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	printf("connected %d answered %d\n", conn, ans);
	free(fds);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		goto usage;
	if (!strcmp(argv[2], "req"))
		return cmd_req(argv[1], argc - 3, argv + 3);
	if (!strcmp(argv[2], "raw"))
		return cmd_raw(argv[1]);
	if (!strcmp(argv[2], "big") && argc == 4)
		return cmd_big(argv[1], strtoul(argv[3], NULL, 10));
	if (!strcmp(argv[2], "half"))
		return cmd_half(argv[1]);
	if (!strcmp(argv[2], "flood") && argc == 4)
		return cmd_flood(argv[1], atoi(argv[3]));
usage:
	fprintf(stderr, "usage: client SOCK req|raw|big N|half|flood N ...\n");
	return 2;
}
