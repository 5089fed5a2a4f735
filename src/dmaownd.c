// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmaownd.c - hand IOMMU groups to userspace processes under a policy and
 * take them back when the process goes away
 *
 * Thin over libdmaown: dmaown/broker.h parses requests, evaluates the
 * policy and formats answers and lease records; dmaown/move.h,
 * journal.h and safety.h move the group (the same transactional assign
 * and release `dmaown assign` uses); dmaown/host.h touches the host (a
 * fake tree when --root holds .dmaown-fake).
 *
 * One poll() loop, no threads: a listening Unix stream socket, a
 * signalfd, and at most MAX_CLIENTS non-blocking connections, each with a
 * DMAOWN_BROKER_LINE_MAX input buffer and one pending answer.  A lease
 * lives as long as the connection that acquired it; each is recorded in
 * STATE/dmaownd/lease-N before the group moves, so a daemon started after
 * a crash gives back the groups of clients that are gone (and watches the
 * ones still alive).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "dmaown/broker.h"
#include "dmaown/holders.h"
#include "dmaown/host.h"
#include "dmaown/journal.h"
#include "dmaown/move.h"
#include "dmaown/safety.h"
#include "dmaown/source.h"

#define MAX_CLIENTS 64
#define OUT_SOFT_MAX (64 * 1024)	/* stop reading while this much is queued */
#define PARTIAL_TIMEOUT_MS 10000	/* half a request for this long: drop */
#define RETRY_MS 1000			/* retry a held group's release */
#define LOCK_WAIT_SECS 5
#define STOP_GRACE_MS 5000		/* at stop: wait for hung-up clients */
#define STOP_POLL_MS 100
#define POLICY_MAX (1024 * 1024)

struct client {
	int fd;
	long pid;
	uint32_t uid, gid;
	unsigned long long start;
	char *user;
	size_t ngids;
	uint32_t *gids;
	char **groups;
	char in[DMAOWN_BROKER_LINE_MAX];
	size_t inlen;
	long long partial_since;	/* ms; 0: no partial line */
	char *out;
	size_t outlen, outpos;
	int pass_fd;			/* fd to send with byte pass_at, or -1 */
	size_t pass_at;
	bool closing;			/* close once the output is sent */
	bool gone;
};

struct lease {
	struct dmaown_lease l;
	struct client *c;	/* NULL: connection gone, or adopted */
	int group_fd;		/* our copy of the group file, or -1 */
	bool adopted;		/* recorded by an earlier daemon, client alive */
	bool pending;		/* give back as soon as the group is free */
	long long next_try;
	bool told;		/* "still held" logged */
};

struct daemon {
	const char *root;
	const char *socket_path;
	const char *socket_group;
	const char *policy_path;
	const char *state_dir;
	char state[PATH_MAX];
	char durable[PATH_MAX];
	char leases_dir[PATH_MAX];
	bool foreground;
	struct dmaown_policy *policy;
	int lfd, sfd, lockfd;
	struct client *clients[MAX_CLIENTS];
	struct lease *leases;
	size_t nleases;
	bool stop;
};

/* snprintf for paths and messages that may be cut (they never are in practice) */
static void fmt(char *buf, size_t len, const char *f, ...)
	__attribute__((format(printf, 3, 4)));

static void fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, len, f, ap);
	va_end(ap);
}

/* ---- logging ---------------------------------------------------------- */

static bool log_stderr = true;

static void say(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (log_stderr) {
		fputs("dmaownd: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(prio, fmt, ap);
	}
	va_end(ap);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- processes -------------------------------------------------------- */

/*
 * field 22 of /proc/PID/stat (start time in clock ticks), 0 if unknown;
 * field 3 (the state: R, S, Z ...) in *@ret_state if not NULL
 */
static unsigned long long proc_stat(long pid, char *ret_state)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	if (ret_state && p[1] == ' ')
		*ret_state = p[2];
	/* ")" ends field 2; each space starts the next */
	for (field = 2, p++; *p && field < 22; p++)
		if (*p == ' ' && p[1] != ' ')
			field++;
	if (field == 22)
		v = strtoull(p, NULL, 10);
	return v;
}

/*
 * Is the lease's client still running (same pid, same start time)?  A
 * zombie is not: it has closed its files, and its parent may never reap
 * it.
 */
static bool client_alive(const struct dmaown_lease *l)
{
	unsigned long long st;
	char state = '?';

	if (kill((pid_t)l->pid, 0) < 0 && errno == ESRCH)
		return false;
	st = proc_stat(l->pid, &state);
	if (!st || state == 'Z' || state == 'X')
		return false;
	return !l->start || st == l->start;
}

/* ---- lease records ---------------------------------------------------- */

static void lease_path(const struct daemon *d, int group, char *buf, size_t len)
{
	fmt(buf, len, "%s/lease-%d", d->leases_dir, group);
}

static int write_durably(const char *dir, const char *path, const char *text)
{
	char tmp[PATH_MAX];
	size_t n = strlen(text);
	int fd, dfd, r = 0;

	fmt(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		return -errno;
	if (write(fd, text, n) != (ssize_t)n || fsync(fd) < 0)
		r = errno ? -errno : -EIO;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r) {
		unlink(tmp);
		return r;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

static int lease_save(const struct daemon *d, const struct dmaown_lease *l)
{
	char path[PATH_MAX], *text;
	int r;

	r = dmaown_lease_format(l, &text);
	if (r < 0)
		return r;
	lease_path(d, l->group, path, sizeof(path));
	r = write_durably(d->leases_dir, path, text);
	free(text);
	return r;
}

static void lease_unlink(const struct daemon *d, int group)
{
	char path[PATH_MAX];

	lease_path(d, group, path, sizeof(path));
	if (unlink(path) < 0 && errno != ENOENT)
		say(LOG_ERR, "%s: %s", path, strerror(errno));
}

static struct lease *lease_find(struct daemon *d, int group)
{
	size_t i;

	for (i = 0; i < d->nleases; i++)
		if (d->leases[i].l.group == group)
			return &d->leases[i];
	return NULL;
}

static struct lease *lease_add(struct daemon *d, const struct dmaown_lease *l)
{
	struct lease *n = realloc(d->leases, (d->nleases + 1) * sizeof(*n));

	if (!n)
		return NULL;
	d->leases = n;
	n = &d->leases[d->nleases++];
	memset(n, 0, sizeof(*n));
	n->l = *l;
	n->group_fd = -1;
	return n;
}

static void lease_drop(struct daemon *d, struct lease *ls)
{
	size_t i = (size_t)(ls - d->leases);

	if (ls->group_fd >= 0)
		close(ls->group_fd);
	lease_unlink(d, ls->l.group);
	memmove(&d->leases[i], &d->leases[i + 1],
		(d->nleases - i - 1) * sizeof(*ls));
	d->nleases--;
}

/* ---- the host --------------------------------------------------------- */

static int open_state(struct daemon *d, struct dmaown_state **ret,
		      struct dmaown_err *err)
{
	int r;

	r = dmaown_state_open(d->state, d->durable[0] ? d->durable : NULL,
			      ret, err);
	if (r < 0)
		return r;
	r = dmaown_state_lock(*ret, LOCK_WAIT_SECS, err);
	if (r < 0) {
		dmaown_state_close(*ret);
		*ret = NULL;
	}
	return r;
}

/*
 * Is group @group still open by some process (a child that inherited the
 * fd, say)?  Giving it back then would fail or block in the kernel.
 */
static int group_holder(struct daemon *d, struct dmaown_host *h, int group)
{
	struct dmaown_holder *hs = NULL;
	bool viable = false, cset = false;
	int n, k, pid = 0;

	n = dmaown_vfio_holders(d->root, &hs);
	for (k = 0; k < n; k++)
		if (hs[k].group == group && hs[k].pid != getpid()) {
			pid = hs[k].pid;
			break;
		}
	free(hs);
	if (pid)
		return pid;
	n = dmaown_host_vfio_viable(h, group, &viable, &cset);
	if (n == -EBUSY || (!n && cset))
		return -1; /* held, by whom we cannot tell */
	return 0;
}

/*
 * Give group @group back to the drivers its journal record names.
 * Return: 0 done (or nothing to do), -EAGAIN still held by a process,
 * other negative errno with @err.
 */
static int give_back(struct daemon *d, int group, struct dmaown_err *err)
{
	struct dmaown_move_report rep = { .failed_step = -1 };
	struct dmaown_move_plan *rec = NULL, *p = NULL;
	struct dmaown_state *s = NULL;
	struct dmaown_host *h = NULL;
	int r, holder, done = 0;

	r = dmaown_host_open(d->root, &h);
	if (r < 0)
		return dmaown_err_set(err, r, "%s: %s", d->root, strerror(-r));
	holder = group_holder(d, h, group);
	if (holder) {
		dmaown_host_free(h);
		if (holder > 0)
			return dmaown_err_set(
				err, -EAGAIN,
				"IOMMU group %d is still open by pid %d", group,
				holder);
		return dmaown_err_set(err, -EAGAIN,
				      "IOMMU group %d is still in use", group);
	}
	r = open_state(d, &s, err);
	if (r < 0)
		goto out;
	r = dmaown_state_load(s, group, &rec, err);
	if (r == -ENOENT) {
		r = 0; /* given back already (dmaown release) */
		goto out;
	}
	if (r < 0)
		goto out;
	if (rec->phase != DMAOWN_PHASE_ASSIGNED) {
		r = dmaown_move_recover(h, s, &rep, &done, err);
		goto out;
	}
	r = dmaown_move_plan_release(rec, rec->requested, false, &p, err);
	if (!r)
		r = dmaown_move_release(h, s, p, &rep, err);
out:
	if (rep.log)
		say(r ? LOG_ERR : LOG_INFO, "%s", rep.log);
	dmaown_move_report_free(&rep);
	dmaown_move_plan_free(rec);
	dmaown_move_plan_free(p);
	dmaown_state_close(s);
	dmaown_host_free(h);
	return r;
}

/* end a lease: give the group back now, or as soon as it is free */
static void lease_end(struct daemon *d, struct lease *ls, const char *why)
{
	struct dmaown_err err = { 0 };
	int r;

	if (ls->group_fd >= 0) {
		close(ls->group_fd);
		ls->group_fd = -1;
	}
	ls->c = NULL;
	ls->adopted = false;
	r = give_back(d, ls->l.group, &err);
	if (!r) {
		say(LOG_INFO, "group %d given back (%s of pid %ld)",
		    ls->l.group, why, ls->l.pid);
		lease_drop(d, ls);
		return;
	}
	if (!ls->told || r != -EAGAIN)
		say(LOG_WARNING, "group %d not given back yet: %s",
		    ls->l.group, err.msg[0] ? err.msg : strerror(-r));
	ls->told = true;
	ls->pending = true;
	ls->next_try = now_ms() + RETRY_MS;
}

/* ---- clients ---------------------------------------------------------- */

static void client_identity(struct client *c)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	char buf[16384];
	gid_t gids[256];
	int n = 256, i;

	c->ngids = 1;
	if (!getpwuid_r(c->uid, &pw, buf, sizeof(buf), &pwp) && pwp) {
		c->user = strdup(pw.pw_name);
		if (c->user && getgrouplist(c->user, c->gid, gids, &n) >= 0 &&
		    n > 0)
			c->ngids = (size_t)n;
		else
			n = 0;
	} else {
		n = 0;
	}
	c->gids = calloc(c->ngids + 1, sizeof(*c->gids));
	c->groups = calloc(c->ngids + 1, sizeof(*c->groups));
	if (!c->gids || !c->groups) {
		c->ngids = 0;
		return;
	}
	c->gids[0] = c->gid;
	for (i = 0; i < n && (size_t)i < c->ngids; i++)
		c->gids[i] = gids[i];
	if (!n || c->gids[0] != c->gid) {
		/* make sure the primary gid is listed */
		bool have = false;
		size_t k;

		for (k = 0; k < c->ngids; k++)
			have |= c->gids[k] == c->gid;
		if (!have)
			c->gids[c->ngids++] = c->gid;
	}
	for (i = 0; (size_t)i < c->ngids; i++)
		if (!getgrgid_r(c->gids[i], &gr, buf, sizeof(buf), &grp) && grp)
			c->groups[i] = strdup(gr.gr_name);
}

static void client_free(struct client *c)
{
	size_t i;

	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	if (c->pass_fd >= 0)
		close(c->pass_fd);
	for (i = 0; c->groups && i < c->ngids; i++)
		free(c->groups[i]);
	free(c->groups);
	free(c->gids);
	free(c->user);
	free(c->out);
	free(c);
}

static void client_view(const struct client *c,
			struct dmaown_broker_client *v)
{
	v->uid = c->uid;
	v->gid = c->gid;
	v->pid = c->pid;
	v->user = c->user;
	v->ngids = c->ngids;
	v->gids = c->gids;
	v->groups = (const char *const *)c->groups;
}

/* queue @line (taken) for @c; @pass_fd rides on its first byte */
static void queue(struct client *c, char *line, int pass_fd)
{
	size_t n;
	char *o;

	if (!line) {
		if (pass_fd >= 0)
			close(pass_fd);
		c->closing = true;
		return;
	}
	n = strlen(line);
	if (c->outpos == c->outlen) {
		free(c->out);
		c->out = NULL;
		c->outpos = c->outlen = 0;
	}
	o = realloc(c->out, c->outlen + n);
	if (!o) {
		free(line);
		if (pass_fd >= 0)
			close(pass_fd);
		c->closing = true;
		return;
	}
	memcpy(o + c->outlen, line, n);
	c->out = o;
	if (pass_fd >= 0) {
		c->pass_fd = pass_fd;
		c->pass_at = c->outlen;
	}
	c->outlen += n;
	free(line);
}

static void reply_error(struct client *c, const char *id, int code,
			const char *msg)
{
	char *line = NULL;

	dmaown_broker_error(id, code, msg, &line);
	queue(c, line, -1);
}

/* the members of @group in @t, as answers list them */
static size_t group_devs(const struct dmaown_topology *t, int group,
			 struct dmaown_broker_dev **ret)
{
	size_t i, n = 0, cnt = dmaown_topology_count(t);
	struct dmaown_broker_dev *v = calloc(cnt ? cnt : 1, sizeof(*v));

	*ret = v;
	for (i = 0; v && i < cnt; i++) {
		const struct dmaown_dev *x = dmaown_topology_dev(t, i);

		if (x->kernel_group != group)
			continue;
		v[n].bdf = x->bdf;
		v[n].vendor = x->vendor;
		v[n].device = x->device;
		snprintf(v[n].driver, sizeof(v[n].driver), "%s",
			 x->driver ? x->driver : "");
		n++;
	}
	return n;
}

static int load_topology(struct daemon *d, struct dmaown_topology **t,
			 struct dmaown_err *err)
{
	return dmaown_source_load(DMAOWN_SOURCE_SYSFS, d->root, t, err);
}

static void do_list(struct daemon *d, struct client *c,
		    const struct dmaown_broker_req *q)
{
	struct dmaown_broker_client v;
	struct dmaown_topology *t = NULL;
	struct dmaown_broker_group *g = NULL;
	struct dmaown_state *s = NULL;
	struct dmaown_err err = { 0 };
	struct dmaown_move_plan *rec;
	size_t i, k, ng = 0, cnt;
	char *line = NULL;
	int r;

	r = load_topology(d, &t, &err);
	if (r < 0) {
		reply_error(c, q->id, r, err.msg);
		return;
	}
	client_view(c, &v);
	cnt = dmaown_topology_count(t);
	g = calloc(cnt ? cnt : 1, sizeof(*g));
	if (!g)
		goto oom;
	dmaown_state_open(d->state, d->durable[0] ? d->durable : NULL, &s,
			  NULL);
	for (i = 0; i < cnt; i++) {
		const struct dmaown_dev *x = dmaown_topology_dev(t, i);
		struct dmaown_err e2 = { 0 };
		struct lease *ls;
		unsigned int drv = 0;

		if (x->kernel_group < 0)
			continue;
		for (k = 0; k < ng; k++)
			if (g[k].group == x->kernel_group)
				break;
		if (k < ng)
			continue;
		if (!dmaown_policy_check_group(d->policy, &v, t,
					       x->kernel_group, "vfio-pci",
					       &e2))
			drv |= DMAOWN_BROKER_DRV_VFIO;
		if (!dmaown_policy_check_group(d->policy, &v, t,
					       x->kernel_group, "pci-stub",
					       NULL))
			drv |= DMAOWN_BROKER_DRV_STUB;
		if (!drv)
			continue;
		g[ng].group = x->kernel_group;
		g[ng].drivers = drv;
		ls = lease_find(d, x->kernel_group);
		rec = NULL;
		if (ls) {
			g[ng].state = ls->c == c ? DMAOWN_BROKER_MINE :
						   DMAOWN_BROKER_LEASED;
			g[ng].holder = ls->l.pid;
		} else if (s && !dmaown_state_load(s, x->kernel_group, &rec,
						   NULL)) {
			g[ng].state = DMAOWN_BROKER_ASSIGNED;
		}
		dmaown_move_plan_free(rec);
		g[ng].ndevs = group_devs(t, x->kernel_group, &g[ng].devs);
		ng++;
	}
	dmaown_broker_format_list(q->id, g, ng, &line);
	queue(c, line, -1);
	goto out;
oom:
	reply_error(c, q->id, -ENOMEM, "out of memory");
out:
	for (k = 0; g && k < ng; k++)
		free(g[k].devs);
	free(g);
	dmaown_state_close(s);
	dmaown_topology_free(t);
}

static void do_status(struct daemon *d, struct client *c,
		      const struct dmaown_broker_req *q)
{
	struct dmaown_lease *v = calloc(d->nleases + 1, sizeof(*v));
	char *line = NULL;
	size_t i, n = 0;

	if (!v) {
		reply_error(c, q->id, -ENOMEM, "out of memory");
		return;
	}
	for (i = 0; i < d->nleases; i++)
		if (c->uid == 0 || d->leases[i].c == c)
			v[n++] = d->leases[i].l;
	dmaown_broker_format_status(q->id, v, n, c->pid, &line);
	queue(c, line, -1);
	free(v);
}

static void do_release(struct daemon *d, struct client *c,
		       const struct dmaown_broker_req *q)
{
	struct lease *ls = lease_find(d, q->group);
	struct dmaown_err err = { 0 };
	char msg[DMAOWN_ERR_MAX + 128], *line = NULL;
	int r;

	if (!ls) {
		snprintf(msg, sizeof(msg), "IOMMU group %d is not leased",
			 q->group);
		reply_error(c, q->id, -ENOENT, msg);
		return;
	}
	if (ls->c != c) {
		snprintf(msg, sizeof(msg),
			 "IOMMU group %d is leased to pid %ld, not to you",
			 q->group, ls->l.pid);
		reply_error(c, q->id, -EPERM, msg);
		return;
	}
	if (ls->group_fd >= 0) {
		close(ls->group_fd);
		ls->group_fd = -1;
	}
	r = give_back(d, q->group, &err);
	if (r == -EAGAIN) {
		/* the client (or a child) still has the group open */
		fmt(msg, sizeof(msg),
			 "%s: close the group file first; the lease stays until then or until you disconnect",
			 err.msg);
		reply_error(c, q->id, -EBUSY, msg);
		return;
	}
	if (r < 0) {
		say(LOG_ERR, "release of group %d for pid %ld: %s", q->group,
		    c->pid, err.msg);
		ls->c = NULL;
		ls->pending = true;
		ls->next_try = now_ms() + RETRY_MS;
		reply_error(c, q->id, r, err.msg[0] ? err.msg : strerror(-r));
		return;
	}
	say(LOG_INFO, "group %d given back (released by pid %ld)", q->group,
	    c->pid);
	lease_drop(d, ls);
	dmaown_broker_format_released(q->id, q->group, &line);
	queue(c, line, -1);
}

/* the group file handed to the client: ROOT/dev/vfio/N */
static int open_group_file(struct daemon *d, bool fake, int group,
			   char *path, size_t len)
{
	struct stat st;
	int fd;

	snprintf(path, len, "%s/dev/vfio/%d", strcmp(d->root, "/") ? d->root : "",
		 group);
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 ||
	    !(S_ISCHR(st.st_mode) || (fake && S_ISREG(st.st_mode)))) {
		close(fd);
		return -ENODEV;
	}
	return fd;
}

static void do_acquire(struct daemon *d, struct client *c,
		       const struct dmaown_broker_req *q)
{
	struct dmaown_move_report rep = { .failed_step = -1 };
	struct dmaown_safety_report sr = { 0 };
	struct dmaown_assign_opts ao = { 0 };
	struct dmaown_broker_client v;
	struct dmaown_broker_dev *devs = NULL;
	struct dmaown_topology *t = NULL;
	struct dmaown_move_plan *p = NULL, *rp = NULL;
	struct dmaown_state *s = NULL;
	struct dmaown_host *h = NULL;
	struct dmaown_err err = { 0 };
	struct dmaown_lease l = { 0 };
	struct lease *ls;
	char b[DMAOWN_BDF_STRLEN], msg[DMAOWN_ERR_MAX + 64], path[PATH_MAX];
	char *line = NULL;
	bool vfio = !strcmp(q->driver, "vfio-pci");
	size_t ndevs, i;
	int r, idx, group, gfd = -1;

	dmaown_bdf_format(q->device, b);
	r = load_topology(d, &t, &err);
	if (r < 0)
		goto fail;
	idx = dmaown_topology_find(t, q->device);
	if (idx < 0) {
		r = dmaown_err_set(&err, -ENODEV, "%s: no such PCI device", b);
		goto fail;
	}
	group = dmaown_topology_dev(t, (size_t)idx)->kernel_group;
	if (group < 0) {
		r = dmaown_err_set(
			&err, -ENOENT,
			"%s has no IOMMU group: no IOMMU isolates it, so it cannot be handed to userspace",
			b);
		goto fail;
	}
	client_view(c, &v);
	r = dmaown_policy_check_group(d->policy, &v, t, group, q->driver,
				      &err);
	if (r < 0)
		goto fail;
	ls = lease_find(d, group);
	if (ls) {
		r = dmaown_err_set(
			&err, -EBUSY,
			"%s: IOMMU group %d is leased to pid %ld (uid %u)%s", b,
			group, ls->l.pid, (unsigned int)ls->l.uid,
			ls->c == c ? ", that is you" :
			ls->pending ? ", which is gone; it is being given back" :
				      "");
		goto fail;
	}
	r = dmaown_host_open(d->root, &h);
	if (r < 0) {
		dmaown_err_set(&err, r, "%s: %s", d->root, strerror(-r));
		goto fail;
	}
	if (!dmaown_host_can_change(h)) {
		r = dmaown_err_set(&err, -EROFS, "%s is not a live sysfs",
				   d->root);
		goto fail;
	}
	r = open_state(d, &s, &err);
	if (r < 0) {
		if (r == -EWOULDBLOCK)
			r = -EBUSY;
		goto fail;
	}
	ao.driver = q->driver;
	ao.target_loaded = dmaown_host_driver_loaded(h, q->driver) == 1;
	r = dmaown_move_plan_assign(t, q->device, &ao, &p, &err);
	if (r < 0)
		goto fail;
	r = dmaown_safety_check(d->root, p, s, &sr);
	if (r > 0) {
		r = dmaown_err_set(&err, -EBUSY, "refused: %s%s", sr.f[0].msg,
				   sr.n > 1 ? " (and more)" : "");
		goto fail;
	}
	/* the lease is on disk before anything moves */
	l.group = group;
	l.pid = c->pid;
	l.start = c->start;
	l.uid = c->uid;
	l.gid = c->gid;
	l.device = q->device;
	snprintf(l.driver, sizeof(l.driver), "%s", q->driver);
	r = lease_save(d, &l);
	if (r < 0) {
		dmaown_err_set(&err, r, "%s: cannot record the lease: %s",
			       d->leases_dir, strerror(-r));
		goto fail;
	}
	r = dmaown_move_assign(h, s, p, &rep, &err);
	if (rep.log)
		say(LOG_WARNING, "%s", rep.log);
	if (r < 0) {
		lease_unlink(d, group);
		goto fail;
	}
	if (vfio) {
		gfd = open_group_file(d, dmaown_host_is_fake(h), group, path,
				      sizeof(path));
		if (gfd < 0) {
			struct dmaown_move_report rep2 = { .failed_step = -1 };
			struct dmaown_err e2 = { 0 };

			r = dmaown_err_set(&err, gfd, "%s: cannot open: %s",
					   path, strerror(-gfd));
			if (dmaown_move_plan_release(p, q->device, false, &rp,
						     &e2) ||
			    dmaown_move_release(h, s, rp, &rep2, &e2))
				say(LOG_ERR, "group %d: giving back failed: %s",
				    group, e2.msg);
			dmaown_move_report_free(&rep2);
			lease_unlink(d, group);
			goto fail;
		}
	}
	ls = lease_add(d, &l);
	if (!ls) {
		r = -ENOMEM;
		if (gfd >= 0)
			close(gfd);
		/* dropped on the floor: the next start gives it back */
		goto fail;
	}
	ls->c = c;
	ls->group_fd = gfd;
	ndevs = p->ndevs;
	devs = calloc(ndevs ? ndevs : 1, sizeof(*devs));
	for (i = 0; devs && i < ndevs; i++) {
		int k = dmaown_topology_find(t, p->devs[i].bdf);

		devs[i].bdf = p->devs[i].bdf;
		if (k >= 0) {
			devs[i].vendor = dmaown_topology_dev(t, (size_t)k)->vendor;
			devs[i].device = dmaown_topology_dev(t, (size_t)k)->device;
		}
		snprintf(devs[i].driver, sizeof(devs[i].driver), "%s",
			 p->devs[i].after);
	}
	say(LOG_INFO, "group %d (%s) on %s leased to pid %ld uid %u", group,
	    b, q->driver, c->pid, (unsigned int)c->uid);
	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	dmaown_broker_format_acquired(q->id, group, q->driver,
				      vfio ? path : NULL, devs,
				      devs ? ndevs : 0, &line);
	queue(c, line, gfd >= 0 ? dup(gfd) : -1);
	goto out;
fail:
	if (!err.msg[0])
		dmaown_err_set(&err, r, "%s: %s", b, strerror(-r));
	snprintf(msg, sizeof(msg), "%s", err.msg);
	if (rep.failed_step >= 0 && rep.undone)
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
			 " (every device is back on its original driver)");
	say(LOG_NOTICE, "acquire %s by pid %ld uid %u refused: %s", b, c->pid,
	    (unsigned int)c->uid, msg);
	reply_error(c, q->id, r, msg);
out:
	free(devs);
	dmaown_move_report_free(&rep);
	dmaown_safety_report_free(&sr);
	dmaown_move_plan_free(p);
	dmaown_move_plan_free(rp);
	dmaown_state_close(s);
	dmaown_host_free(h);
	dmaown_topology_free(t);
}

static void handle_line(struct daemon *d, struct client *c, const char *buf,
			size_t len)
{
	struct dmaown_broker_req q;
	struct dmaown_err err = { 0 };
	char *line = NULL;
	int r;

	r = dmaown_broker_parse(buf, len, &q, &err);
	if (r < 0) {
		reply_error(c, q.id, r, err.msg);
		return;
	}
	switch (q.op) {
	case DMAOWN_BROKER_HELLO:
		dmaown_broker_format_hello(q.id, c->uid, c->pid, &line);
		queue(c, line, -1);
		break;
	case DMAOWN_BROKER_LIST:
		do_list(d, c, &q);
		break;
	case DMAOWN_BROKER_ACQUIRE:
		do_acquire(d, c, &q);
		break;
	case DMAOWN_BROKER_RELEASE:
		do_release(d, c, &q);
		break;
	case DMAOWN_BROKER_STATUS:
		do_status(d, c, &q);
		break;
	default:
		reply_error(c, q.id, -EOPNOTSUPP, "unknown op");
		break;
	}
}

/* run the complete lines in @c's buffer while its output is small */
static void client_process(struct daemon *d, struct client *c)
{
	char *nl;
	size_t n;

	while (!c->closing && c->outlen - c->outpos < OUT_SOFT_MAX) {
		nl = memchr(c->in, '\n', c->inlen);
		if (!nl)
			break;
		n = (size_t)(nl - c->in);
		handle_line(d, c, c->in, n);
		memmove(c->in, nl + 1, c->inlen - n - 1);
		c->inlen -= n + 1;
	}
	if (!c->closing && c->inlen == sizeof(c->in) &&
	    !memchr(c->in, '\n', c->inlen)) {
		char msg[96];

		snprintf(msg, sizeof(msg),
			 "request longer than %d bytes; closing the connection",
			 DMAOWN_BROKER_LINE_MAX - 1);
		reply_error(c, "", -E2BIG, msg);
		c->closing = true;
		c->inlen = 0;
	}
	c->partial_since = c->inlen ? (c->partial_since ? c->partial_since :
							  now_ms()) :
				      0;
}

static void client_read(struct daemon *d, struct client *c)
{
	ssize_t n;

	n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen,
		 MSG_DONTWAIT);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			c->gone = true;
		return;
	}
	if (n == 0) {
		/* EOF: what came before still counts, then the session ends */
		client_process(d, c);
		c->gone = true;
		return;
	}
	c->inlen += (size_t)n;
	client_process(d, c);
}

static void client_write(struct client *c)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { 0 };
	struct iovec iov;
	size_t end = c->outlen;
	bool with_fd = false;
	ssize_t n;

	if (c->pass_fd >= 0) {
		if (c->outpos == c->pass_at)
			with_fd = true;
		else if (c->pass_at > c->outpos)
			end = c->pass_at; /* the fd starts its own send */
	}
	iov.iov_base = c->out + c->outpos;
	iov.iov_len = end - c->outpos;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (with_fd) {
		struct cmsghdr *cm;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &c->pass_fd, sizeof(int));
	}
	n = sendmsg(c->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			c->gone = true;
		return;
	}
	if (with_fd && n > 0) {
		close(c->pass_fd);
		c->pass_fd = -1;
	}
	c->outpos += (size_t)n;
	if (c->outpos == c->outlen) {
		free(c->out);
		c->out = NULL;
		c->outpos = c->outlen = 0;
	}
}

static void client_close(struct daemon *d, size_t slot)
{
	struct client *c = d->clients[slot];
	size_t i;

	d->clients[slot] = NULL;
	for (i = 0; i < d->nleases;) {
		struct lease *ls = &d->leases[i];

		if (ls->c != c) {
			i++;
			continue;
		}
		lease_end(d, ls, "disconnect");
		/* lease_end may have dropped it: look at slot i again */
		if (i < d->nleases && &d->leases[i] == ls && ls->c == c)
			i++;
	}
	client_free(c);
}

static void accept_one(struct daemon *d)
{
	struct ucred cr;
	socklen_t cl = sizeof(cr);
	struct client *c;
	size_t slot;
	char *line = NULL;
	int fd;

	fd = accept4(d->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (slot = 0; slot < MAX_CLIENTS; slot++)
		if (!d->clients[slot])
			break;
	if (slot == MAX_CLIENTS) {
		if (!dmaown_broker_error(
			    "", -EUSERS,
			    "too many clients; try again later", &line))
			send(fd, line, strlen(line),
			     MSG_DONTWAIT | MSG_NOSIGNAL);
		free(line);
		close(fd);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) < 0) {
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->pass_fd = -1;
	c->pid = cr.pid;
	c->uid = cr.uid;
	c->gid = cr.gid;
	c->start = proc_stat(cr.pid, NULL);
	client_identity(c);
	d->clients[slot] = c;
}

/* ---- setup ------------------------------------------------------------ */

static int load_policy(struct daemon *d, struct dmaown_policy **ret)
{
	struct dmaown_err err = { 0 };
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, r;

	*ret = NULL;
	if (!d->policy_path)
		return dmaown_policy_parse("(none)", "", 0, ret, NULL);
	fd = open(d->policy_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		say(LOG_ERR, "%s: %s", d->policy_path, strerror(errno));
		return -errno;
	}
	buf = malloc(POLICY_MAX);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len < POLICY_MAX &&
	       (n = read(fd, buf + len, POLICY_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len == POLICY_MAX) {
		free(buf);
		say(LOG_ERR, "%s: larger than %d bytes", d->policy_path,
		    POLICY_MAX);
		return -EFBIG;
	}
	r = dmaown_policy_parse(d->policy_path, buf, len, ret, &err);
	free(buf);
	if (r < 0)
		say(LOG_ERR, "%s", err.msg[0] ? err.msg : strerror(-r));
	return r;
}

/*
 * mkdir -p -m MODE: @mode for @dir itself, 0755 for the parents it makes
 * (a /run made 0700 here would keep every client off a socket in it)
 */
static int mkdir_p(const char *dir, mode_t mode)
{
	char p[PATH_MAX], *s;

	snprintf(p, sizeof(p), "%s", dir);
	for (s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				return -errno;
			*s = '/';
		}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int setup_state(struct daemon *d)
{
	const char *root = strcmp(d->root, "/") ? d->root : "";
	char pid[PATH_MAX];
	int r;

	if (d->state_dir) {
		snprintf(d->state, sizeof(d->state), "%s", d->state_dir);
		d->durable[0] = '\0';
	} else {
		snprintf(d->state, sizeof(d->state), "%s/run/dmaown", root);
		snprintf(d->durable, sizeof(d->durable), "%s/var/lib/dmaown",
			 root);
	}
	fmt(d->leases_dir, sizeof(d->leases_dir), "%s/dmaownd", d->state);
	r = mkdir_p(d->leases_dir, 0700);
	if (r < 0) {
		say(LOG_ERR, "%s: %s", d->leases_dir, strerror(-r));
		return r;
	}
	fmt(pid, sizeof(pid), "%s/lock", d->leases_dir);
	d->lockfd = open(pid, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (d->lockfd < 0 || flock(d->lockfd, LOCK_EX | LOCK_NB) < 0) {
		say(LOG_ERR, "%s: %s", pid,
		    errno == EWOULDBLOCK ?
			    "another dmaownd runs on this state directory" :
			    strerror(errno));
		return -EBUSY;
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(d->lockfd, 0) < 0 ||
	    write(d->lockfd, pid, strlen(pid)) < 0)
		say(LOG_WARNING, "cannot write the pid into the lock file");
	return 0;
}

/* the leases an earlier daemon left: give back or keep watching */
static void recover(struct daemon *d)
{
	struct dmaown_move_report rep = { .failed_step = -1 };
	struct dmaown_state *s = NULL;
	struct dmaown_host *h = NULL;
	struct dmaown_err err = { 0 };
	char path[PATH_MAX], buf[1024];
	int g, done = 0, fd;
	ssize_t n;

	if (!dmaown_host_open(d->root, &h) && !open_state(d, &s, &err)) {
		if (dmaown_move_recover(h, s, &rep, &done, &err) < 0)
			say(LOG_ERR, "recover: %s", err.msg);
		else if (done)
			say(LOG_INFO, "recovered %d interrupted move%s", done,
			    done == 1 ? "" : "s");
		if (rep.log)
			say(LOG_INFO, "%s", rep.log);
	}
	dmaown_move_report_free(&rep);
	dmaown_state_close(s);
	dmaown_host_free(h);
	for (g = 0; g < 4096; g++) {
		struct dmaown_lease l;
		struct lease *ls;

		lease_path(d, g, path, sizeof(path));
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		close(fd);
		err.msg[0] = '\0';
		if (n < 0 || dmaown_lease_parse(path, buf, (size_t)n, &l,
						&err) < 0 ||
		    l.group != g) {
			say(LOG_ERR, "%s: %s; giving group %d back", path,
			    err.msg[0] ? err.msg : "unreadable", g);
			memset(&l, 0, sizeof(l));
			l.group = g;
			l.pid = 1;
		}
		ls = lease_add(d, &l);
		if (!ls)
			continue;
		if (l.pid > 1 && client_alive(&l)) {
			ls->adopted = true;
			say(LOG_INFO,
			    "group %d: pid %ld of an earlier lease still runs; given back when it exits",
			    g, l.pid);
			continue;
		}
		lease_end(d, ls, "recovery");
	}
}

static int listen_socket(struct daemon *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd;

	if (strlen(d->socket_path) >= sizeof(sa.sun_path)) {
		say(LOG_ERR, "%s: socket path too long", d->socket_path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, d->socket_path);
	if (!lstat(d->socket_path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			say(LOG_ERR, "%s exists and is not a socket",
			    d->socket_path);
			return -EEXIST;
		}
		unlink(d->socket_path); /* stale: we hold the daemon lock */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		umask(old);
		say(LOG_ERR, "%s: %s", d->socket_path, strerror(errno));
		close(fd);
		return -errno;
	}
	umask(old);
	if (chmod(d->socket_path, 0660) < 0)
		say(LOG_WARNING, "%s: chmod: %s", d->socket_path,
		    strerror(errno));
	if (d->socket_group) {
		struct group *gr = getgrnam(d->socket_group);

		if (!gr || chown(d->socket_path, (uid_t)-1, gr->gr_gid) < 0) {
			say(LOG_ERR, "%s: cannot give it to group %s",
			    d->socket_path, d->socket_group);
			close(fd);
			unlink(d->socket_path);
			return -EINVAL;
		}
	}
	if (listen(fd, 64) < 0) {
		close(fd);
		return -errno;
	}
	d->lfd = fd;
	return 0;
}

/* sd_notify("READY=1") without libsystemd */
static void notify_ready(void)
{
	const char *ns = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n;
	int fd;

	if (!ns || (ns[0] != '/' && ns[0] != '@') ||
	    (n = strlen(ns)) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, ns, n);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr *)&sa,
	       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n));
	close(fd);
}

/* ---- the loop --------------------------------------------------------- */

static void timers(struct daemon *d)
{
	long long now = now_ms();
	size_t i, s;

	for (i = 0; i < d->nleases;) {
		struct lease *ls = &d->leases[i];
		size_t before = d->nleases;

		if (ls->adopted && !client_alive(&ls->l)) {
			lease_end(d, ls, "exit");
		} else if (ls->pending && !ls->c && now >= ls->next_try) {
			lease_end(d, ls, "retry");
		}
		if (d->nleases == before)
			i++;
	}
	for (s = 0; s < MAX_CLIENTS; s++) {
		struct client *c = d->clients[s];

		if (c && c->partial_since &&
		    now - c->partial_since > PARTIAL_TIMEOUT_MS) {
			reply_error(c, "", -ETIMEDOUT,
				    "half a request for too long; closing the connection");
			c->closing = true;
			c->inlen = 0;
			c->partial_since = 0;
		}
	}
}

static int poll_timeout(const struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->nleases; i++)
		if (d->leases[i].adopted || d->leases[i].pending)
			return RETRY_MS;
	for (i = 0; i < MAX_CLIENTS; i++)
		if (d->clients[i] && d->clients[i]->partial_since)
			return RETRY_MS;
	return -1;
}

static void handle_signal(struct daemon *d)
{
	struct signalfd_siginfo si;
	struct dmaown_policy *np;

	while (read(d->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			if (!load_policy(d, &np)) {
				dmaown_policy_free(d->policy);
				d->policy = np;
				say(LOG_INFO, "policy reloaded: %zu rules",
				    dmaown_policy_count(np));
			} else {
				say(LOG_ERR, "policy not reloaded; the old one stays");
			}
		} else {
			say(LOG_INFO, "signal %u: shutting down",
			    si.ssi_signo);
			d->stop = true;
		}
	}
}

static void run(struct daemon *d)
{
	struct pollfd pfd[MAX_CLIENTS + 2];
	size_t map[MAX_CLIENTS + 2];
	size_t i, n;

	while (!d->stop) {
		pfd[0] = (struct pollfd){ .fd = d->sfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = d->lfd, .events = POLLIN };
		n = 2;
		for (i = 0; i < MAX_CLIENTS; i++) {
			struct client *c = d->clients[i];
			short ev = 0;

			if (!c)
				continue;
			if (c->outpos < c->outlen)
				ev |= POLLOUT;
			else if (!c->closing)
				ev |= POLLIN;
			map[n] = i;
			pfd[n++] = (struct pollfd){ .fd = c->fd, .events = ev };
		}
		if (poll(pfd, n, poll_timeout(d)) < 0) {
			if (errno == EINTR)
				continue;
			say(LOG_ERR, "poll: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents)
			handle_signal(d);
		if (pfd[1].revents & POLLIN)
			accept_one(d);
		for (i = 2; i < n; i++) {
			struct client *c = d->clients[map[i]];

			if (!c || !pfd[i].revents)
				continue;
			if (pfd[i].revents & POLLOUT)
				client_write(c);
			else if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				client_read(d, c);
			if (!c->gone && c->outpos == c->outlen) {
				if (c->closing)
					c->gone = true;
				else if (c->inlen)
					client_process(d, c);
			}
		}
		for (i = 0; i < MAX_CLIENTS; i++) {
			struct client *c = d->clients[i];

			/* flush what an ending session still has queued */
			if (c && c->gone && c->outpos < c->outlen)
				client_write(c);
			if (c && c->gone)
				client_close(d, i);
		}
		timers(d);
	}
}

/*
 * After the hangup a client closes its group file, but it needs to run
 * to do so, and give_back() refuses while the file is open.  Retry the
 * groups still open for up to STOP_GRACE_MS; a second SIGTERM or SIGINT
 * ends the wait.
 */
static void stop_grace(struct daemon *d)
{
	long long until = now_ms() + STOP_GRACE_MS;
	bool told = false;
	size_t i;

	for (;;) {
		struct pollfd p = { .fd = d->sfd, .events = POLLIN };
		struct signalfd_siginfo si;
		size_t waiting = 0;

		for (i = 0; i < d->nleases; i++)
			if (d->leases[i].pending && !d->leases[i].adopted)
				waiting++;
		if (!waiting || now_ms() >= until)
			return;
		if (!told)
			say(LOG_INFO,
			    "waiting up to %d s for %zu group%s still open",
			    STOP_GRACE_MS / 1000, waiting,
			    waiting == 1 ? "" : "s");
		told = true;
		if (poll(&p, 1, STOP_POLL_MS) > 0) {
			while (read(d->sfd, &si, sizeof(si)) == sizeof(si))
				if (si.ssi_signo != SIGHUP)
					return;
		}
		for (i = 0; i < d->nleases;) {
			struct lease *ls = &d->leases[i];
			struct dmaown_err err = { 0 };

			if (!ls->pending || ls->adopted ||
			    give_back(d, ls->l.group, &err)) {
				i++;
				continue;
			}
			say(LOG_INFO, "group %d given back (shutdown, pid %ld)",
			    ls->l.group, ls->l.pid);
			lease_drop(d, ls);
		}
	}
}

static void shutdown_all(struct daemon *d)
{
	size_t i;

	for (i = 0; i < MAX_CLIENTS; i++)
		if (d->clients[i]) {
			/* the client loses its session; its leases end */
			shutdown(d->clients[i]->fd, SHUT_RDWR);
			client_close(d, i);
		}
	stop_grace(d);
	while (d->nleases) {
		struct lease *ls = &d->leases[0];
		size_t before = d->nleases;

		if (ls->adopted) {
			/* its client still runs: the next start watches it */
			say(LOG_INFO, "group %d stays leased to pid %ld",
			    ls->l.group, ls->l.pid);
			if (ls->group_fd >= 0)
				close(ls->group_fd);
			memmove(ls, ls + 1, (d->nleases - 1) * sizeof(*ls));
			d->nleases--;
			continue;
		}
		if (ls->pending) {
			struct dmaown_err err = { 0 };
			int r = give_back(d, ls->l.group, &err);

			if (!r) {
				lease_drop(d, ls);
				continue;
			}
			say(LOG_WARNING,
			    "group %d: %s; the lease stays recorded for the next start",
			    ls->l.group, err.msg);
			memmove(ls, ls + 1, (d->nleases - 1) * sizeof(*ls));
			d->nleases--;
			continue;
		}
		lease_end(d, ls, "shutdown");
		if (d->nleases == before)
			d->leases[0].pending = true;
	}
}

static void usage(FILE *f)
{
	fputs("Usage: dmaownd [--root DIR] [--socket PATH] [--socket-group NAME]\n"
	      "               [--policy FILE] [--state-dir DIR] [--foreground]\n"
	      "Hand IOMMU groups to local processes under a policy; take them back\n"
	      "when the process goes away.  See dmaownd(8).\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "socket", required_argument, NULL, 's' },
		{ "socket-group", required_argument, NULL, 'g' },
		{ "policy", required_argument, NULL, 'p' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct daemon d = { .root = "/", .socket_path = "/run/dmaownd.sock",
			    .policy_path = "/etc/dmaown/policy", .lfd = -1,
			    .sfd = -1, .lockfd = -1 };
	sigset_t mask;
	int o, r;

	while ((o = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (o) {
		case 'r':
			d.root = optarg;
			break;
		case 's':
			d.socket_path = optarg;
			break;
		case 'g':
			d.socket_group = optarg;
			break;
		case 'p':
			d.policy_path = optarg;
			break;
		case 'd':
			d.state_dir = optarg;
			break;
		case 'f':
			d.foreground = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (load_policy(&d, &d.policy) < 0)
		return 2;
	if (!d.foreground) {
		if (daemon(0, 0) < 0) {
			perror("dmaownd: daemon");
			return 2;
		}
		log_stderr = false;
		openlog("dmaownd", LOG_PID, LOG_DAEMON);
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	d.sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	r = d.sfd < 0 ? -errno : setup_state(&d);
	if (r < 0)
		goto out;
	recover(&d);
	r = listen_socket(&d);
	if (r < 0)
		goto out;
	say(LOG_INFO, "ready on %s (root %s, %zu policy rules)",
	    d.socket_path, d.root, dmaown_policy_count(d.policy));
	notify_ready();
	run(&d);
	shutdown_all(&d);
	unlink(d.socket_path);
	say(LOG_INFO, "stopped");
out:
	if (d.lfd >= 0)
		close(d.lfd);
	if (d.sfd >= 0)
		close(d.sfd);
	if (d.lockfd >= 0)
		close(d.lockfd);
	free(d.leases);
	dmaown_policy_free(d.policy);
	return r < 0 ? 1 : 0;
}
