// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * journal.c - durable move records and the host-wide lock
 *
 * The record is what makes a group move undoable after kill -9 or a
 * power cut (spec/ecosystem.md §7.1): it is saved, synced and renamed
 * into place before every host step, and it records each member's
 * original driver, so release and recovery use what was recorded rather
 * than guessing from modalias (the pains D1-D4 and E5 there).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dmaown/journal.h"

struct dmaown_state {
	char *dir;
	char *durable; /* NULL: no durable copy */
	int lockfd; /* -1 until dmaown_state_lock() */
};

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX], *p;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int dmaown_state_open(const char *dir, const char *durable,
		      struct dmaown_state **ret, struct dmaown_err *err)
{
	struct dmaown_state *s;
	int r;

	if (!dir || !ret)
		return -EINVAL;
	r = mkdir_p(dir);
	if (r < 0)
		return dmaown_err_set(err, r, "state directory %s: %s", dir,
				      strerror(-r));
	if (durable) {
		r = mkdir_p(durable);
		if (r < 0)
			return dmaown_err_set(err, r, "state directory %s: %s",
					      durable, strerror(-r));
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->lockfd = -1;
	s->dir = strdup(dir);
	s->durable = durable ? strdup(durable) : NULL;
	if (!s->dir || (durable && !s->durable)) {
		dmaown_state_close(s);
		return -ENOMEM;
	}
	*ret = s;
	return 0;
}

void dmaown_state_close(struct dmaown_state *s)
{
	if (!s)
		return;
	if (s->lockfd >= 0)
		close(s->lockfd); /* drops the flock */
	free(s->dir);
	free(s->durable);
	free(s);
}

const char *dmaown_state_dir(const struct dmaown_state *s)
{
	return s->dir;
}

static long lock_holder(int fd)
{
	char buf[32];
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

int dmaown_state_lock(struct dmaown_state *s, int wait_secs,
		      struct dmaown_err *err)
{
	char path[PATH_MAX], pid[32];
	struct timespec start, now, nap = { 0, 50 * 1000 * 1000 };
	int fd, n;

	if (s->lockfd >= 0)
		return 0;
	snprintf(path, sizeof(path), "%s/lock", s->dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return dmaown_err_set(err, -errno, "%s: %s", path,
				      strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int r = -errno;

			close(fd);
			return dmaown_err_set(err, r, "%s: %s", path,
					      strerror(-r));
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= wait_secs) {
			long holder = lock_holder(fd);

			close(fd);
			return dmaown_err_set(
				err, -EWOULDBLOCK,
				"another dmaown (pid %ld) holds %s; wait for it or use --wait SECS",
				holder, path);
		}
		nanosleep(&nap, NULL);
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		int r = -errno;

		close(fd);
		return dmaown_err_set(err, r ? r : -EIO, "%s: %s", path,
				      strerror(r ? -r : EIO));
	}
	s->lockfd = fd;
	return 0;
}

/* ---- record text ------------------------------------------------------ */

static const char *nm(const char *s)
{
	return s && *s ? s : "-";
}

int dmaown_record_format(const struct dmaown_move_plan *p, char **ret)
{
	char *buf = NULL, bdf[DMAOWN_BDF_STRLEN];
	size_t len = 0, i;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f, "dmaown-record 1\nop %s\nphase %s\ngroup %d\n",
		dmaown_move_op_name(p->op), dmaown_move_phase_name(p->phase),
		p->group);
	fprintf(f, "requested %s\ntarget %s\nload %d\npersist %d\n",
		dmaown_bdf_format(p->requested, bdf), nm(p->target),
		p->load_target, p->persist);
	fprintf(f, "pid %ld\nstep %u\n", p->pid, p->step);
	for (i = 0; i < p->ndevs; i++) {
		const struct dmaown_move_dev *d = &p->devs[i];

		fprintf(f,
			"dev %s move=%d why=%s orig=%s orig-override=%s before=%s after=%s override-after=%s\n",
			dmaown_bdf_format(d->bdf, bdf), d->move,
			dmaown_move_why_name(d->why), nm(d->orig_driver),
			nm(d->orig_override), nm(d->before), nm(d->after),
			nm(d->override_after));
	}
	if (fclose(f) || !buf) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}

static int set_name(char *dst, const char *v)
{
	if (strlen(v) >= DMAOWN_MOVE_NAME_MAX || strchr(v, '/'))
		return -EINVAL;
	strcpy(dst, strcmp(v, "-") ? v : "");
	return 0;
}

static int parse_dev(struct dmaown_move_dev *d, char *line)
{
	char *tok, *save = NULL, *v;
	int r = 0, seen = 0;

	tok = strtok_r(line, " ", &save);
	if (!tok || dmaown_bdf_parse(tok, &d->bdf) < 0)
		return -EINVAL;
	while (!r && (tok = strtok_r(NULL, " ", &save))) {
		v = strchr(tok, '=');
		if (!v)
			return -EINVAL;
		*v++ = '\0';
		seen++;
		if (!strcmp(tok, "move"))
			d->move = !strcmp(v, "1");
		else if (!strcmp(tok, "why"))
			r = (int)(d->why = dmaown_move_why_from_name(v)) < 0 ?
				    -EINVAL :
				    0;
		else if (!strcmp(tok, "orig"))
			r = set_name(d->orig_driver, v);
		else if (!strcmp(tok, "orig-override"))
			r = set_name(d->orig_override, v);
		else if (!strcmp(tok, "before"))
			r = set_name(d->before, v);
		else if (!strcmp(tok, "after"))
			r = set_name(d->after, v);
		else if (!strcmp(tok, "override-after"))
			r = set_name(d->override_after, v);
		else
			seen--;
	}
	return r ? r : seen == 7 ? 0 : -EINVAL;
}

static int parse_line(struct dmaown_move_plan *p, char *line)
{
	char *v = strchr(line, ' ');
	char *end;
	long n;

	if (!v)
		return -EINVAL;
	*v++ = '\0';
	if (!strcmp(line, "dev")) {
		struct dmaown_move_dev *nd;

		nd = realloc(p->devs, (p->ndevs + 1) * sizeof(*nd));
		if (!nd)
			return -ENOMEM;
		p->devs = nd;
		memset(&nd[p->ndevs], 0, sizeof(*nd));
		if (parse_dev(&nd[p->ndevs], v) < 0)
			return -EINVAL;
		p->ndevs++;
		return 0;
	}
	if (!strcmp(line, "op"))
		return (int)(p->op = dmaown_move_op_from_name(v)) < 0 ?
			       -EINVAL :
			       0;
	if (!strcmp(line, "phase"))
		return (int)(p->phase = dmaown_move_phase_from_name(v)) < 0 ?
			       -EINVAL :
			       0;
	if (!strcmp(line, "requested"))
		return dmaown_bdf_parse(v, &p->requested);
	if (!strcmp(line, "target"))
		return set_name(p->target, v);
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || end == v || n < 0 || n > INT_MAX)
		return -EINVAL;
	if (!strcmp(line, "group"))
		p->group = (int)n;
	else if (!strcmp(line, "load"))
		p->load_target = n;
	else if (!strcmp(line, "persist"))
		p->persist = n;
	else if (!strcmp(line, "pid"))
		p->pid = n;
	else if (!strcmp(line, "step"))
		p->step = (unsigned int)n;
	/* unknown keys from newer versions are ignored */
	return 0;
}

int dmaown_record_parse(const char *name, const char *text,
			struct dmaown_move_plan **ret, struct dmaown_err *err)
{
	struct dmaown_move_plan *p;
	char *copy, *line, *save = NULL;
	unsigned int lineno = 0;
	int r = 0;

	p = calloc(1, sizeof(*p));
	copy = strdup(text);
	if (!p || !copy) {
		free(p);
		free(copy);
		return -ENOMEM;
	}
	p->group = -1;
	for (line = strtok_r(copy, "\n", &save); line && !r;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (lineno == 1) {
			if (strcmp(line, "dmaown-record 1"))
				r = -EINVAL;
			continue;
		}
		r = parse_line(p, line);
	}
	if (!r && (lineno == 0 || p->group < 0 || !p->ndevs))
		r = -EINVAL;
	free(copy);
	if (r < 0) {
		dmaown_move_plan_free(p);
		if (r == -ENOMEM)
			return r;
		return dmaown_err_set(err, r, "%s:%u: malformed dmaown record",
				      name, lineno);
	}
	*ret = p;
	return 0;
}

/* ---- files ------------------------------------------------------------ */

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	close(fd);
	return 0;
}

static int write_durably(const char *dir, int group, const char *text,
			 struct dmaown_err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	size_t len = strlen(text);
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/group-%d", dir, group);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		return dmaown_err_set(err, -errno, "%s: %s", tmp,
				      strerror(errno));
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
		r = errno ? -errno : -EIO;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (!r)
		r = sync_dir(dir);
	if (r < 0) {
		unlink(tmp);
		return dmaown_err_set(err, r, "%s: %s", path, strerror(-r));
	}
	return 0;
}

int dmaown_state_save(struct dmaown_state *s, const struct dmaown_move_plan *p,
		      struct dmaown_err *err)
{
	char *text;
	int r;

	r = dmaown_record_format(p, &text);
	if (r < 0)
		return r;
	r = write_durably(s->dir, p->group, text, err);
	if (!r && s->durable)
		r = write_durably(s->durable, p->group, text, err);
	free(text);
	return r;
}

static int load_from(const char *dir, int group, struct dmaown_move_plan **ret,
		     struct dmaown_err *err)
{
	char path[PATH_MAX], buf[65536];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/group-%d", dir, group);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return dmaown_err_set(err, -errno, "%s: %s", path,
				      strerror(errno));
	if (n == sizeof(buf) - 1)
		return dmaown_err_set(err, -EFBIG, "%s: record too large",
				      path);
	buf[n] = '\0';
	return dmaown_record_parse(path, buf, ret, err);
}

int dmaown_state_load(struct dmaown_state *s, int group,
		      struct dmaown_move_plan **ret, struct dmaown_err *err)
{
	int r;

	r = load_from(s->dir, group, ret, err);
	if (r == -ENOENT && s->durable)
		r = load_from(s->durable, group, ret, err);
	return r;
}

int dmaown_state_remove(struct dmaown_state *s, int group)
{
	char path[PATH_MAX];
	int r = 0;

	snprintf(path, sizeof(path), "%s/group-%d", s->dir, group);
	if (unlink(path) < 0 && errno != ENOENT)
		r = -errno;
	if (!r)
		r = sync_dir(s->dir);
	if (s->durable && !r) {
		snprintf(path, sizeof(path), "%s/group-%d", s->durable, group);
		if (unlink(path) < 0 && errno != ENOENT)
			r = -errno;
		if (!r)
			r = sync_dir(s->durable);
	}
	return r;
}

static int add_groups(const char *dir, int **arr, int *n)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char *end;
		long g;
		int i, *na;

		if (strncmp(de->d_name, "group-", 6))
			continue;
		g = strtol(de->d_name + 6, &end, 10);
		if (*end || end == de->d_name + 6 || g < 0 || g > INT_MAX)
			continue;
		for (i = 0; i < *n && (*arr)[i] != g; i++)
			;
		if (i < *n)
			continue;
		na = realloc(*arr, (size_t)(*n + 1) * sizeof(int));
		if (!na) {
			closedir(d);
			return -ENOMEM;
		}
		*arr = na;
		(*arr)[(*n)++] = (int)g;
	}
	closedir(d);
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int dmaown_state_groups(struct dmaown_state *s, int **ret)
{
	int *arr = NULL, n = 0, r;

	r = add_groups(s->dir, &arr, &n);
	if (!r && s->durable)
		r = add_groups(s->durable, &arr, &n);
	if (r < 0) {
		free(arr);
		return r;
	}
	if (n)
		qsort(arr, (size_t)n, sizeof(int), cmp_int);
	*ret = arr;
	return n;
}
