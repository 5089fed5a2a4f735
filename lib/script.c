// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * script.c - step scripts: parser and runner (dmaown/script.h)
 *
 * The parser is pure; the runner only writes its report lines to the
 * caller's FILE * and acts through the caller's backend.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmaown/script.h"

static const struct {
	const char *name;
	int nargs; /* after the verb */
	bool need_expect;
} verbs[DMAOWN_STEP_MAX] = {
	[DMAOWN_STEP_BIND] = { "bind", 2, false },
	[DMAOWN_STEP_UNBIND] = { "unbind", 1, false },
	[DMAOWN_STEP_HOLD] = { "hold", 1, false },
	[DMAOWN_STEP_RELEASE] = { "release", 1, false },
	[DMAOWN_STEP_REMOVE] = { "remove", 1, false },
	[DMAOWN_STEP_RESCAN] = { "rescan", 0, false },
	[DMAOWN_STEP_EXPECT_DRIVER] = { "expect-driver", 1, true },
	[DMAOWN_STEP_EXPECT_VIABLE] = { "expect-viable", 1, true },
};

const char *dmaown_step_verb_name(enum dmaown_step_verb verb)
{
	return verb >= 0 && verb < DMAOWN_STEP_MAX ? verbs[verb].name : NULL;
}

void dmaown_script_free(struct dmaown_script *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nsteps; i++) {
		free(s->steps[i].text);
		free(s->steps[i].driver);
		free(s->steps[i].expect_driver);
	}
	free(s->steps);
	free(s->name);
	free(s);
}

#define MAX_TOKENS 4

/* split @line in place on blanks; returns the count, or MAX_TOKENS + 1 */
static int tokenize(char *line, char **tok)
{
	int n = 0;

	for (char *p = line; *p;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (n == MAX_TOKENS)
			return MAX_TOKENS + 1;
		tok[n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = 0;
	}
	return n;
}

static int valid_driver_name(const char *s)
{
	if (strlen(s) >= DMAOWN_DRIVER_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return 0;
	return 1;
}

static int parse_outcome(struct dmaown_step *st, char *out, const char *name,
			 unsigned int ln, struct dmaown_err *err)
{
	char *tok[MAX_TOKENS];
	int n = tokenize(out, tok);

	if (n == 0)
		return dmaown_err_set(err, -EINVAL,
				      "%s:%u: missing outcome after '=>'", name,
				      ln);
	if (n > 1)
		return dmaown_err_set(err, -EINVAL,
				      "%s:%u: bad outcome '%s %s'", name, ln,
				      tok[0], tok[1]);
	st->has_expect = true;
	switch (st->verb) {
	case DMAOWN_STEP_EXPECT_DRIVER:
		if (!strcmp(tok[0], "none"))
			return 0;
		if (!valid_driver_name(tok[0]))
			return dmaown_err_set(err, -EINVAL,
					      "%s:%u: bad driver name '%s'",
					      name, ln, tok[0]);
		st->expect_driver = strdup(tok[0]);
		return st->expect_driver ? 0 : -ENOMEM;
	case DMAOWN_STEP_EXPECT_VIABLE:
		if (!strcmp(tok[0], "yes") || !strcmp(tok[0], "no")) {
			st->expect_viable = !strcmp(tok[0], "yes");
			return 0;
		}
		return dmaown_err_set(
			err, -EINVAL,
			"%s:%u: bad outcome '%s' (want yes or no)", name, ln,
			tok[0]);
	default:
		if (dmaown_errno_parse(tok[0], &st->expect_err) < 0)
			return dmaown_err_set(
				err, -EINVAL,
				"%s:%u: bad outcome '%s' (want ok or an errno name)",
				name, ln, tok[0]);
		return 0;
	}
}

/* parse one line (NUL-terminated, modifiable); 1 = step, 0 = blank */
static int parse_line(char *line, const char *name, unsigned int ln,
		      struct dmaown_step *st, struct dmaown_err *err)
{
	char *tok[MAX_TOKENS], *arrow, *hash;
	int n, v, r;
	size_t tl;

	hash = strchr(line, '#');
	if (hash)
		*hash = 0;
	arrow = strstr(line, "=>");
	if (arrow) {
		*arrow = 0;
		arrow += 2;
	}
	n = tokenize(line, tok);
	if (n == 0) {
		if (arrow)
			return dmaown_err_set(err, -EINVAL,
					      "%s:%u: outcome without a step",
					      name, ln);
		return 0;
	}
	for (v = 0; v < DMAOWN_STEP_MAX; v++)
		if (!strcmp(tok[0], verbs[v].name))
			break;
	if (v == DMAOWN_STEP_MAX)
		return dmaown_err_set(err, -EINVAL,
				      "%s:%u: unknown verb '%.40s'", name, ln,
				      tok[0]);
	st->verb = v;
	st->line = ln;
	if (n - 1 < verbs[v].nargs)
		return dmaown_err_set(
			err, -EINVAL, "%s:%u: %s: missing argument (%s)", name,
			ln, tok[0],
			n == 1 && v != DMAOWN_STEP_RESCAN ? "BDF" : "DRIVER");
	if (n - 1 > verbs[v].nargs)
		return dmaown_err_set(
			err, -EINVAL, "%s:%u: %s: unexpected argument '%.40s'",
			name, ln, tok[0], tok[verbs[v].nargs + 1]);
	if (verbs[v].nargs >= 1 && dmaown_bdf_parse(tok[1], &st->bdf) < 0)
		return dmaown_err_set(err, -EINVAL,
				      "%s:%u: malformed BDF '%.40s'", name, ln,
				      tok[1]);
	if (v == DMAOWN_STEP_BIND) {
		if (!valid_driver_name(tok[2]))
			return dmaown_err_set(err, -EINVAL,
					      "%s:%u: bad driver name '%.40s'",
					      name, ln, tok[2]);
		st->driver = strdup(tok[2]);
		if (!st->driver)
			return -ENOMEM;
	}
	tl = 1;
	for (int i = 0; i < n; i++)
		tl += strlen(tok[i]) + 1;
	st->text = calloc(1, tl);
	if (!st->text)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		size_t at = strlen(st->text);

		snprintf(st->text + at, tl - at, "%s%s", i ? " " : "", tok[i]);
	}
	if (arrow) {
		r = parse_outcome(st, arrow, name, ln, err);
		if (r)
			return r;
	} else if (verbs[v].need_expect) {
		return dmaown_err_set(err, -EINVAL,
				      "%s:%u: %s needs '=> outcome'", name, ln,
				      tok[0]);
	}
	return 1;
}

int dmaown_script_parse(const char *name, const char *text, size_t len,
			struct dmaown_script **ret, struct dmaown_err *err)
{
	struct dmaown_script *s;
	size_t cap = 0, pos = 0;
	unsigned int ln = 0;
	int r = 0;

	if (!ret || (!text && len))
		return -EINVAL;
	if (!name)
		name = "<script>";
	s = calloc(1, sizeof(*s));
	if (!s || !(s->name = strdup(name))) {
		free(s);
		return -ENOMEM;
	}
	while (pos < len && r >= 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - text - pos) : len - pos;
		struct dmaown_step st = { 0 };
		char *line;

		ln++;
		if (memchr(text + pos, 0, ll)) {
			r = dmaown_err_set(err, -EINVAL, "%s:%u: NUL byte",
					   name, ln);
			break;
		}
		line = strndup(text + pos, ll);
		if (!line) {
			r = -ENOMEM;
			break;
		}
		pos += ll + 1;
		r = parse_line(line, name, ln, &st, err);
		free(line);
		if (r == 1 && s->nsteps == cap) {
			struct dmaown_step *p;

			cap = cap ? cap * 2 : 16;
			p = realloc(s->steps, cap * sizeof(*p));
			if (!p)
				r = -ENOMEM;
			else
				s->steps = p;
		}
		if (r == 1) {
			s->steps[s->nsteps++] = st;
		} else {
			free(st.text);
			free(st.driver);
			free(st.expect_driver);
		}
	}
	if (r < 0) {
		if (r == -ENOMEM)
			dmaown_err_set(err, r, "%s:%u: out of memory", name,
				       ln);
		dmaown_script_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

/* ---- runner ------------------------------------------------------------- */

static bool backend_ok(const struct dmaown_sim_backend *be)
{
	return be && be->bind && be->unbind && be->hold && be->release &&
	       be->remove && be->rescan && be->get_driver && be->get_viable;
}

/* run one step; @got receives the outcome text; returns true if matched */
static bool run_step(const struct dmaown_step *st,
		     const struct dmaown_sim_backend *be, char *got,
		     size_t glen, char *want, size_t wlen)
{
	char drv[DMAOWN_DRIVER_NAME_MAX];
	bool viable = false;
	int r;

	switch (st->verb) {
	case DMAOWN_STEP_BIND:
		r = be->bind(be->ctx, st->bdf, st->driver);
		break;
	case DMAOWN_STEP_UNBIND:
		r = be->unbind(be->ctx, st->bdf);
		break;
	case DMAOWN_STEP_HOLD:
		r = be->hold(be->ctx, st->bdf);
		break;
	case DMAOWN_STEP_RELEASE:
		r = be->release(be->ctx, st->bdf);
		break;
	case DMAOWN_STEP_REMOVE:
		r = be->remove(be->ctx, st->bdf);
		break;
	case DMAOWN_STEP_RESCAN:
		r = be->rescan(be->ctx);
		break;
	case DMAOWN_STEP_EXPECT_DRIVER:
		drv[0] = 0;
		r = be->get_driver(be->ctx, st->bdf, drv, sizeof(drv));
		snprintf(want, wlen, "%s",
			 st->expect_driver ? st->expect_driver : "none");
		if (r < 0) {
			snprintf(got, glen, "%s", dmaown_errno_name(r));
			return false;
		}
		drv[sizeof(drv) - 1] = 0;
		snprintf(got, glen, "%s", drv[0] ? drv : "none");
		return !strcmp(got, want);
	case DMAOWN_STEP_EXPECT_VIABLE:
		r = be->get_viable(be->ctx, st->bdf, &viable);
		snprintf(want, wlen, "%s", st->expect_viable ? "yes" : "no");
		if (r < 0) {
			snprintf(got, glen, "%s", dmaown_errno_name(r));
			return false;
		}
		snprintf(got, glen, "%s", viable ? "yes" : "no");
		return viable == st->expect_viable;
	default:
		r = -EINVAL;
		break;
	}
	if (r > 0)
		r = -EIO; /* a backend must not return positive values */
	snprintf(got, glen, "%s", dmaown_errno_name(r));
	snprintf(want, wlen, "%s", dmaown_errno_name(st->expect_err));
	return !st->has_expect || r == st->expect_err;
}

int dmaown_script_run(const struct dmaown_script *s,
		      const struct dmaown_sim_backend *be, FILE *out,
		      struct dmaown_script_result *res, struct dmaown_err *err)
{
	struct dmaown_script_result rr = { 0 };

	if (!s || !backend_ok(be))
		return dmaown_err_set(err, -EINVAL, "incomplete backend");
	if (be->lookup) {
		for (size_t i = 0; i < s->nsteps; i++) {
			const struct dmaown_step *st = &s->steps[i];
			char b[DMAOWN_BDF_STRLEN];

			if (st->verb == DMAOWN_STEP_RESCAN ||
			    !be->lookup(be->ctx, st->bdf))
				continue;
			return dmaown_err_set(
				err, -ENODEV, "%s:%u: no device %s", s->name,
				st->line, dmaown_bdf_format(st->bdf, b));
		}
	}
	for (size_t i = 0; i < s->nsteps; i++) {
		const struct dmaown_step *st = &s->steps[i];
		char got[DMAOWN_DRIVER_NAME_MAX], want[DMAOWN_DRIVER_NAME_MAX];
		bool ok =
			run_step(st, be, got, sizeof(got), want, sizeof(want));

		rr.nsteps++;
		rr.nexpect += st->has_expect;
		if (out)
			fprintf(out, "%s => %s", st->text, got);
		if (!ok) {
			rr.nmismatch++;
			if (!rr.first_mismatch_line)
				rr.first_mismatch_line = st->line;
			if (out)
				fprintf(out, "  MISMATCH (expected %s)", want);
		}
		if (out)
			fputc('\n', out);
		if (out && be->events) {
			char ev[256];

			while (be->events(be->ctx, ev, sizeof(ev)) > 0)
				fprintf(out, "  # kernel: %s\n", ev);
		}
	}
	if (res)
		*res = rr;
	return rr.nmismatch ? 1 : 0;
}
