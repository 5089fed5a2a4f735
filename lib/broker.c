// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * broker.c - the dmaownd protocol, policy and lease records (pure; see
 * dmaown/broker.h)
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "dmaown/broker.h"
#include "dmaown/drivers.h"

#define JSON_DEPTH 8

static const char *const op_names[DMAOWN_BROKER_OP_MAX] = {
	[DMAOWN_BROKER_HELLO] = "hello",
	[DMAOWN_BROKER_LIST] = "list",
	[DMAOWN_BROKER_ACQUIRE] = "acquire",
	[DMAOWN_BROKER_RELEASE] = "release",
	[DMAOWN_BROKER_STATUS] = "status",
};

const char *dmaown_broker_op_name(enum dmaown_broker_op op)
{
	if ((unsigned int)op >= DMAOWN_BROKER_OP_MAX)
		return "?";
	return op_names[op];
}

static const char *const gstate_names[DMAOWN_BROKER_GSTATE_MAX] = {
	[DMAOWN_BROKER_FREE] = "free",
	[DMAOWN_BROKER_LEASED] = "leased",
	[DMAOWN_BROKER_MINE] = "mine",
	[DMAOWN_BROKER_ASSIGNED] = "assigned",
};

const char *dmaown_broker_gstate_name(enum dmaown_broker_gstate s)
{
	if ((unsigned int)s >= DMAOWN_BROKER_GSTATE_MAX)
		return "?";
	return gstate_names[s];
}

/*
 * Copy at most @max bytes of the (valid UTF-8) string @s into @buf for a
 * message, cutting at a character boundary and marking the cut.
 */
static const char *clip(const char *s, size_t max, char *buf, size_t len)
{
	size_t n = strlen(s), i;

	if (max + 4 > len)
		max = len - 4;
	if (n <= max) {
		memcpy(buf, s, n + 1);
	} else {
		n = max;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		memcpy(buf, s, n);
		memcpy(buf + n, "...", 4);
	}
	/* messages are one line */
	for (i = 0; buf[i]; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	return buf;
}

/* a normalised driver name, or NULL if the broker does not hand it out */
static const char *broker_driver(const char *s)
{
	if (!strcmp(s, "vfio-pci") || !strcmp(s, "vfio_pci"))
		return "vfio-pci";
	if (!strcmp(s, "pci-stub") || !strcmp(s, "pci_stub"))
		return "pci-stub";
	return NULL;
}

static unsigned int driver_bit(const char *driver)
{
	const char *d = broker_driver(driver);

	if (!d)
		return 0;
	return !strcmp(d, "vfio-pci") ? DMAOWN_BROKER_DRV_VFIO :
					 DMAOWN_BROKER_DRV_STUB;
}

static int parse_id(struct json_object *v, struct dmaown_broker_req *r,
		    struct dmaown_err *err)
{
	const char *s;

	if (json_object_is_type(v, json_type_int)) {
		snprintf(r->id, sizeof(r->id), "%" PRId64,
			 json_object_get_int64(v));
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return dmaown_err_set(err, -EINVAL,
				      "'id' must be a string or an integer");
	if (json_object_get_string_len(v) > DMAOWN_BROKER_ID_MAX)
		return dmaown_err_set(err, -EINVAL,
				      "'id' is longer than %d bytes",
				      DMAOWN_BROKER_ID_MAX);
	s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE);
	/* escapes can make it longer: keep it only if it fits whole */
	if (!s || strlen(s) >= sizeof(r->id))
		return dmaown_err_set(err, -EINVAL, "'id' is too long");
	strcpy(r->id, s);
	return 0;
}

/* a string member without NULs, at most @max bytes */
static int get_str(struct json_object *v, const char *key, size_t max,
		   const char **ret, struct dmaown_err *err)
{
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return dmaown_err_set(err, -EINVAL, "'%s' must be a string",
				      key);
	s = json_object_get_string(v);
	if ((size_t)json_object_get_string_len(v) != strlen(s))
		return dmaown_err_set(err, -EINVAL,
				      "'%s' contains a NUL character", key);
	if (strlen(s) > max)
		return dmaown_err_set(err, -EINVAL,
				      "'%s' is longer than %zu bytes", key,
				      max);
	*ret = s;
	return 0;
}

static int get_int(struct json_object *v, const char *key, int lo, int hi,
		   int *ret, struct dmaown_err *err)
{
	int64_t x;

	if (!json_object_is_type(v, json_type_int))
		return dmaown_err_set(err, -EINVAL,
				      "'%s' must be an integer", key);
	x = json_object_get_int64(v);
	if (x < lo || x > hi)
		return dmaown_err_set(err, -EINVAL,
				      "'%s' must be between %d and %d", key,
				      lo, hi);
	*ret = (int)x;
	return 0;
}

static int parse_member(struct dmaown_broker_req *r, const char *key,
			struct json_object *v, bool *seen_device,
			struct dmaown_err *err)
{
	char b[48];
	const char *s, *d;
	int rr;

	switch (r->op) {
	case DMAOWN_BROKER_HELLO:
		if (!strcmp(key, "version"))
			return get_int(v, key, 0, INT_MAX, &r->version, err);
		break;
	case DMAOWN_BROKER_ACQUIRE:
		if (!strcmp(key, "device")) {
			rr = get_str(v, key, 32, &s, err);
			if (rr)
				return rr;
			if (dmaown_bdf_parse(s, &r->device))
				return dmaown_err_set(
					err, -EINVAL,
					"'%s' is not a PCI address (DDDD:BB:SS.F or BB:SS.F)",
					clip(s, 20, b, sizeof(b)));
			*seen_device = true;
			return 0;
		}
		if (!strcmp(key, "driver")) {
			rr = get_str(v, key, 32, &s, err);
			if (rr)
				return rr;
			d = broker_driver(s);
			if (!d)
				return dmaown_err_set(
					err, -EINVAL,
					"driver '%s' is not handed out (vfio-pci or pci-stub)",
					clip(s, 20, b, sizeof(b)));
			snprintf(r->driver, sizeof(r->driver), "%s", d);
			return 0;
		}
		break;
	case DMAOWN_BROKER_RELEASE:
		if (!strcmp(key, "group")) {
			rr = get_int(v, key, 0, INT_MAX, &r->group, err);
			if (!rr)
				*seen_device = true;
			return rr;
		}
		break;
	default:
		break;
	}
	return dmaown_err_set(err, -EINVAL, "%s: unknown member '%s'",
			      dmaown_broker_op_name(r->op),
			      clip(key, 24, b, sizeof(b)));
}

static int parse_object(struct json_object *o, struct dmaown_broker_req *r,
			struct dmaown_err *err)
{
	struct json_object *v;
	const char *op = NULL;
	bool seen = false;
	char b[48];
	int rr, i;

	if (json_object_object_get_ex(o, "id", &v)) {
		rr = parse_id(v, r, err);
		if (rr)
			return rr;
	}
	if (!json_object_object_get_ex(o, "op", &v))
		return dmaown_err_set(err, -EINVAL, "request has no 'op'");
	rr = get_str(v, "op", 64, &op, err);
	if (rr)
		return rr;
	for (i = 0; i < DMAOWN_BROKER_OP_MAX; i++)
		if (!strcmp(op, op_names[i]))
			break;
	if (i == DMAOWN_BROKER_OP_MAX)
		return dmaown_err_set(
			err, -EOPNOTSUPP,
			"unknown op '%s' (hello, list, acquire, release, status)",
			clip(op, 24, b, sizeof(b)));
	r->op = (enum dmaown_broker_op)i;
	json_object_object_foreach(o, key, val) {
		if (!strcmp(key, "op") || !strcmp(key, "id"))
			continue;
		if (strlen(key) > 64)
			return dmaown_err_set(err, -EINVAL,
					      "%s: unknown member",
					      op_names[r->op]);
		rr = parse_member(r, key, val, &seen, err);
		if (rr)
			return rr;
	}
	if (r->op == DMAOWN_BROKER_ACQUIRE && !seen)
		return dmaown_err_set(err, -EINVAL,
				      "acquire: which device? ('device' missing)");
	if (r->op == DMAOWN_BROKER_RELEASE && !seen)
		return dmaown_err_set(err, -EINVAL,
				      "release: which group? ('group' missing)");
	if (r->op == DMAOWN_BROKER_HELLO &&
	    r->version != DMAOWN_BROKER_VERSION)
		return dmaown_err_set(
			err, -EPROTONOSUPPORT,
			"protocol version %d is not spoken here (version %d)",
			r->version, DMAOWN_BROKER_VERSION);
	return 0;
}

/* strict UTF-8: no overlong forms, surrogates or code points > U+10FFFF */
static bool valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0, k, len;
	uint32_t cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			len = 2;
			cp = s[i] & 0x1f;
		} else if ((s[i] & 0xf0) == 0xe0) {
			len = 3;
			cp = s[i] & 0x0f;
		} else if ((s[i] & 0xf8) == 0xf0) {
			len = 4;
			cp = s[i] & 0x07;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

int dmaown_broker_parse(const char *line, size_t len,
			struct dmaown_broker_req *ret, struct dmaown_err *err)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error je;
	size_t end;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->version = DMAOWN_BROKER_VERSION;
	ret->group = -1;
	strcpy(ret->driver, "vfio-pci");
	if (len >= DMAOWN_BROKER_LINE_MAX)
		return dmaown_err_set(err, -E2BIG,
				      "request longer than %d bytes",
				      DMAOWN_BROKER_LINE_MAX - 1);
	if (memchr(line, '\0', len))
		return dmaown_err_set(err, -EINVAL,
				      "request contains a NUL byte");
	if (!valid_utf8((const unsigned char *)line, len))
		return dmaown_err_set(err, -EINVAL,
				      "request is not valid UTF-8");
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
		       line[len - 1] == '\t'))
		len--;
	if (!len)
		return dmaown_err_set(err, -EINVAL, "empty request");
	tok = json_tokener_new_ex(JSON_DEPTH);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, line, (int)len);
	je = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o || je != json_tokener_success) {
		json_object_put(o);
		if (je == json_tokener_continue)
			return dmaown_err_set(err, -EINVAL,
					      "request is not complete JSON");
		return dmaown_err_set(err, -EINVAL,
				      "request is not valid JSON: %s",
				      json_tokener_error_desc(je));
	}
	for (; end < len; end++)
		if (line[end] != ' ' && line[end] != '\t')
			break;
	if (end < len) {
		json_object_put(o);
		return dmaown_err_set(err, -EINVAL,
				      "text after the JSON object");
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return dmaown_err_set(err, -EINVAL,
				      "request must be a JSON object");
	}
	r = parse_object(o, ret, err);
	json_object_put(o);
	return r;
}

/* ---- answers ---------------------------------------------------------- */

static int finish(struct json_object *o, const char *id, char **ret)
{
	struct json_object *jid;
	const char *s;
	size_t n;

	*ret = NULL;
	if (!o)
		return -ENOMEM;
	if (id && *id) {
		jid = json_tokener_parse(id);
		if (jid)
			json_object_object_add(o, "id", jid);
	}
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s) {
		n = strlen(s);
		*ret = malloc(n + 2);
		if (*ret) {
			memcpy(*ret, s, n);
			(*ret)[n] = '\n';
			(*ret)[n + 1] = '\0';
		}
	}
	json_object_put(o);
	return *ret ? 0 : -ENOMEM;
}

static struct json_object *ok_object(void)
{
	struct json_object *o = json_object_new_object();

	if (o)
		json_object_object_add(o, "ok", json_object_new_boolean(1));
	return o;
}

/* the message with invalid UTF-8 bytes replaced, so the answer is JSON */
static char *clean_utf8(const char *s)
{
	size_t n = strlen(s), i = 0, k, len;
	char *out = malloc(n + 1);
	unsigned char c;

	if (!out)
		return NULL;
	memcpy(out, s, n + 1);
	while (i < n) {
		c = (unsigned char)out[i];
		len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 :
			(c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		if (len == 1) {
			i++;
			continue;
		}
		for (k = 1; len && k < len; k++)
			if (i + k >= n ||
			    ((unsigned char)out[i + k] & 0xc0) != 0x80)
				len = 0;
		if (!len || (len == 2 && c < 0xc2)) {
			out[i++] = '?';
			continue;
		}
		i += len;
	}
	return out;
}

/* the errno's name: dmaown's table, else the C library's */
static const char *errno_name(int code)
{
	const char *n = dmaown_errno_name(code);

	if (n && strncmp(n, "E?", 2))
		return n;
	n = strerrorname_np(-code);
	return n ? n : "EIO";
}

int dmaown_broker_error(const char *id, int code, const char *message,
			char **ret)
{
	struct json_object *o = json_object_new_object();
	char *m = clean_utf8(message ? message : "");

	if (!o || !m) {
		free(m);
		json_object_put(o);
		*ret = NULL;
		return -ENOMEM;
	}
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error",
			       json_object_new_string(
				       errno_name(code > 0 ? -code : code)));
	json_object_object_add(o, "message", json_object_new_string(m));
	free(m);
	return finish(o, id, ret);
}

int dmaown_broker_format_hello(const char *id, uint32_t uid, long pid,
			       char **ret)
{
	struct json_object *o = ok_object();

	if (o) {
		json_object_object_add(
			o, "version",
			json_object_new_int(DMAOWN_BROKER_VERSION));
		json_object_object_add(o, "server",
				       json_object_new_string("dmaownd"));
		json_object_object_add(o, "uid", json_object_new_int64(uid));
		json_object_object_add(o, "pid", json_object_new_int64(pid));
	}
	return finish(o, id, ret);
}

static struct json_object *devs_array(const struct dmaown_broker_dev *d,
				      size_t n)
{
	struct json_object *a = json_object_new_array(), *e;
	char b[DMAOWN_BDF_STRLEN], x[8];
	size_t i;

	for (i = 0; a && i < n; i++) {
		e = json_object_new_object();
		if (!e)
			break;
		json_object_object_add(
			e, "bdf",
			json_object_new_string(dmaown_bdf_format(d[i].bdf, b)));
		snprintf(x, sizeof(x), "%04x", d[i].vendor);
		json_object_object_add(e, "vendor", json_object_new_string(x));
		snprintf(x, sizeof(x), "%04x", d[i].device);
		json_object_object_add(e, "device", json_object_new_string(x));
		json_object_object_add(e, "driver",
				       d[i].driver[0] ?
					       json_object_new_string(
						       d[i].driver) :
					       NULL);
		json_object_array_add(a, e);
	}
	return a;
}

int dmaown_broker_format_list(const char *id,
			      const struct dmaown_broker_group *g, size_t n,
			      char **ret)
{
	struct json_object *o = ok_object(), *a, *e, *dr;
	size_t i;

	if (!o)
		return finish(o, id, ret);
	a = json_object_new_array();
	for (i = 0; a && i < n; i++) {
		e = json_object_new_object();
		dr = json_object_new_array();
		if (!e || !dr) {
			json_object_put(e);
			json_object_put(dr);
			break;
		}
		json_object_object_add(e, "group",
				       json_object_new_int(g[i].group));
		json_object_object_add(
			e, "state",
			json_object_new_string(
				dmaown_broker_gstate_name(g[i].state)));
		if (g[i].state == DMAOWN_BROKER_LEASED ||
		    g[i].state == DMAOWN_BROKER_MINE)
			json_object_object_add(
				e, "holder", json_object_new_int64(g[i].holder));
		if (g[i].drivers & DMAOWN_BROKER_DRV_VFIO)
			json_object_array_add(
				dr, json_object_new_string("vfio-pci"));
		if (g[i].drivers & DMAOWN_BROKER_DRV_STUB)
			json_object_array_add(
				dr, json_object_new_string("pci-stub"));
		json_object_object_add(e, "drivers", dr);
		json_object_object_add(e, "devices",
				       devs_array(g[i].devs, g[i].ndevs));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "groups", a);
	return finish(o, id, ret);
}

int dmaown_broker_format_acquired(const char *id, int group,
				  const char *driver, const char *path,
				  const struct dmaown_broker_dev *devs,
				  size_t ndevs, char **ret)
{
	struct json_object *o = ok_object();

	if (o) {
		json_object_object_add(o, "group", json_object_new_int(group));
		json_object_object_add(o, "driver",
				       json_object_new_string(driver));
		json_object_object_add(o, "path",
				       path ? json_object_new_string(path) :
					      NULL);
		json_object_object_add(o, "devices", devs_array(devs, ndevs));
	}
	return finish(o, id, ret);
}

int dmaown_broker_format_released(const char *id, int group, char **ret)
{
	struct json_object *o = ok_object();

	if (o)
		json_object_object_add(o, "group", json_object_new_int(group));
	return finish(o, id, ret);
}

int dmaown_broker_format_status(const char *id,
				const struct dmaown_lease *l, size_t n,
				long mine_pid, char **ret)
{
	struct json_object *o = ok_object(), *a, *e;
	char b[DMAOWN_BDF_STRLEN];
	size_t i;

	if (!o)
		return finish(o, id, ret);
	a = json_object_new_array();
	for (i = 0; a && i < n; i++) {
		e = json_object_new_object();
		if (!e)
			break;
		json_object_object_add(e, "group",
				       json_object_new_int(l[i].group));
		json_object_object_add(e, "pid", json_object_new_int64(l[i].pid));
		json_object_object_add(e, "uid", json_object_new_int64(l[i].uid));
		json_object_object_add(e, "driver",
				       json_object_new_string(l[i].driver));
		json_object_object_add(
			e, "device",
			json_object_new_string(
				dmaown_bdf_format(l[i].device, b)));
		json_object_object_add(
			e, "mine", json_object_new_boolean(l[i].pid == mine_pid));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "leases", a);
	return finish(o, id, ret);
}

/* ---- lease records ---------------------------------------------------- */

int dmaown_lease_format(const struct dmaown_lease *l, char **ret)
{
	char b[DMAOWN_BDF_STRLEN];

	if (asprintf(ret,
		     "dmaownd-lease 1\ngroup %d\npid %ld\nstart %llu\nuid %" PRIu32
		     "\ngid %" PRIu32 "\ndevice %s\ndriver %s\n",
		     l->group, l->pid, l->start, l->uid, l->gid,
		     dmaown_bdf_format(l->device, b), l->driver) < 0) {
		*ret = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int parse_ull(const char *s, unsigned long long max,
		     unsigned long long *ret)
{
	unsigned long long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (max - (unsigned long long)(*s - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (unsigned long long)(*s - '0');
	}
	*ret = v;
	return 0;
}

int dmaown_lease_parse(const char *name, const char *text, size_t len,
		       struct dmaown_lease *ret, struct dmaown_err *err)
{
	enum { F_GROUP, F_PID, F_START, F_UID, F_GID, F_DEV, F_DRV, F_MAX };
	static const char *const keys[F_MAX] = { "group", "pid", "start", "uid",
						 "gid", "device", "driver" };
	unsigned int seen = 0, lineno = 0;
	unsigned long long v;
	const char *p = text, *end = text + len, *nl, *d;
	char line[128], *val;
	size_t n;
	int k;

	memset(ret, 0, sizeof(*ret));
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl ? nl : end) - p);
		lineno++;
		if (n >= sizeof(line) || memchr(p, '\0', n))
			return dmaown_err_set(err, -EINVAL,
					      "%s:%u: malformed line", name,
					      lineno);
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (nl ? 1 : 0);
		if (lineno == 1) {
			if (strcmp(line, "dmaownd-lease 1"))
				return dmaown_err_set(
					err, -EINVAL,
					"%s:1: not a dmaownd lease record",
					name);
			continue;
		}
		if (!*line)
			continue;
		val = strchr(line, ' ');
		if (!val)
			return dmaown_err_set(err, -EINVAL,
					      "%s:%u: expected 'KEY VALUE'",
					      name, lineno);
		*val++ = '\0';
		for (k = 0; k < F_MAX; k++)
			if (!strcmp(line, keys[k]))
				break;
		if (k == F_MAX || seen & (1u << k))
			return dmaown_err_set(
				err, -EINVAL, "%s:%u: %s key '%s'", name,
				lineno, k == F_MAX ? "unknown" : "repeated",
				line);
		seen |= 1u << k;
		switch (k) {
		case F_DEV:
			if (dmaown_bdf_parse(val, &ret->device))
				goto bad;
			break;
		case F_DRV:
			d = broker_driver(val);
			if (!d)
				goto bad;
			snprintf(ret->driver, sizeof(ret->driver), "%s", d);
			break;
		default:
			if (parse_ull(val,
				      k == F_START ? ULLONG_MAX :
				      k == F_UID || k == F_GID ? UINT32_MAX :
								 INT_MAX,
				      &v))
				goto bad;
			if (k == F_GROUP)
				ret->group = (int)v;
			else if (k == F_PID)
				ret->pid = (long)v;
			else if (k == F_START)
				ret->start = v;
			else if (k == F_UID)
				ret->uid = (uint32_t)v;
			else
				ret->gid = (uint32_t)v;
			break;
		}
		continue;
bad:
		return dmaown_err_set(err, -EINVAL, "%s:%u: bad %s '%s'", name,
				      lineno, keys[k], val);
	}
	if (!lineno)
		return dmaown_err_set(err, -EINVAL, "%s: empty lease record",
				      name);
	for (k = 0; k < F_MAX; k++)
		if (!(seen & (1u << k)))
			return dmaown_err_set(err, -EINVAL,
					      "%s: lease record has no %s",
					      name, keys[k]);
	if (ret->pid <= 0)
		return dmaown_err_set(err, -EINVAL, "%s: bad pid", name);
	return 0;
}

/* ---- policy ----------------------------------------------------------- */

enum subj_kind { S_USER, S_UID, S_GROUP, S_GID };
enum dev_kind { D_DEVICE, D_VENDOR, D_GROUP_OF };

#define POLICY_NAME_MAX 64

struct rule {
	unsigned int line;
	enum subj_kind subj;
	uint32_t id;
	char name[POLICY_NAME_MAX];
	enum dev_kind dev;
	struct dmaown_bdf bdf;
	uint16_t vendor, device;
	bool any_device;
	unsigned int drivers;
};

struct dmaown_policy {
	size_t n, cap;
	struct rule *r;
};

void dmaown_policy_free(struct dmaown_policy *p)
{
	if (!p)
		return;
	free(p->r);
	free(p);
}

size_t dmaown_policy_count(const struct dmaown_policy *p)
{
	return p ? p->n : 0;
}

static int parse_hex16(const char *s, size_t n, uint16_t *ret)
{
	unsigned int v = 0;
	size_t i;

	if (n != 4)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned int)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	*ret = (uint16_t)v;
	return 0;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= POLICY_NAME_MAX)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f ||
		    *s == ':' || *s == '=')
			return false;
	return true;
}

/* one "key=value" word of a rule */
static int parse_word(struct rule *r, char *w, unsigned int *seen,
		      const char *name, struct dmaown_err *err)
{
	enum { W_SUBJ = 1, W_DEV = 2, W_DRV = 4 };
	unsigned long long v;
	char *val = strchr(w, '=');
	unsigned int kind;
	const char *d;

	if (!val)
		return dmaown_err_set(err, -EINVAL,
				      "%s:%u: expected KEY=VALUE, got '%.40s'",
				      name, r->line, w);
	*val++ = '\0';
	if (!strcmp(w, "user") || !strcmp(w, "uid") || !strcmp(w, "group") ||
	    !strcmp(w, "gid"))
		kind = W_SUBJ;
	else if (!strcmp(w, "device") || !strcmp(w, "vendor") ||
		 !strcmp(w, "group-of"))
		kind = W_DEV;
	else if (!strcmp(w, "driver"))
		kind = W_DRV;
	else
		return dmaown_err_set(
			err, -EINVAL,
			"%s:%u: unknown key '%.40s' (user, uid, group, gid, device, vendor, group-of, driver)",
			name, r->line, w);
	if (*seen & kind)
		return dmaown_err_set(
			err, -EINVAL, "%s:%u: more than one %s in a rule",
			name, r->line,
			kind == W_SUBJ ? "subject (user/uid/group/gid)" :
			kind == W_DEV ? "device selector (device/vendor/group-of)" :
					"driver");
	*seen |= kind;
	if (!strcmp(w, "user") || !strcmp(w, "group")) {
		r->subj = !strcmp(w, "user") ? S_USER : S_GROUP;
		if (!valid_name(val))
			return dmaown_err_set(err, -EINVAL,
					      "%s:%u: bad %s name '%.40s'",
					      name, r->line, w, val);
		strcpy(r->name, val);
	} else if (!strcmp(w, "uid") || !strcmp(w, "gid")) {
		r->subj = !strcmp(w, "uid") ? S_UID : S_GID;
		if (parse_ull(val, UINT32_MAX - 1, &v))
			return dmaown_err_set(err, -EINVAL,
					      "%s:%u: bad %s '%.40s'", name,
					      r->line, w, val);
		r->id = (uint32_t)v;
	} else if (!strcmp(w, "device") || !strcmp(w, "group-of")) {
		r->dev = !strcmp(w, "device") ? D_DEVICE : D_GROUP_OF;
		if (dmaown_bdf_parse(val, &r->bdf))
			return dmaown_err_set(
				err, -EINVAL,
				"%s:%u: bad PCI address '%.40s' (DDDD:BB:SS.F or BB:SS.F)",
				name, r->line, val);
	} else if (!strcmp(w, "vendor")) {
		char *colon = strchr(val, ':');

		r->dev = D_VENDOR;
		r->any_device = !colon;
		if (parse_hex16(val, colon ? (size_t)(colon - val) : strlen(val),
				&r->vendor) ||
		    (colon && parse_hex16(colon + 1, strlen(colon + 1),
					  &r->device)))
			return dmaown_err_set(
				err, -EINVAL,
				"%s:%u: bad vendor '%.40s' (VVVV or VVVV:DDDD, hex)",
				name, r->line, val);
	} else {
		d = broker_driver(val);
		if (!d)
			return dmaown_err_set(
				err, -EINVAL,
				"%s:%u: bad driver '%.40s' (vfio-pci or pci-stub)",
				name, r->line, val);
		r->drivers = driver_bit(d);
	}
	return 0;
}

static int parse_rule(struct dmaown_policy *p, char *line, unsigned int lineno,
		      const char *name, struct dmaown_err *err)
{
	struct rule r = { .line = lineno,
			  .drivers = DMAOWN_BROKER_DRV_VFIO |
				     DMAOWN_BROKER_DRV_STUB };
	unsigned int seen = 0;
	char *save = NULL, *w;
	void *nr;
	int rr;

	w = strtok_r(line, " \t\r\v\f", &save);
	if (!w)
		return 0;
	if (strcmp(w, "allow"))
		return dmaown_err_set(
			err, -EINVAL,
			"%s:%u: a rule starts with 'allow', not '%.40s'", name,
			lineno, w);
	while ((w = strtok_r(NULL, " \t\r\v\f", &save))) {
		rr = parse_word(&r, w, &seen, name, err);
		if (rr)
			return rr;
	}
	if (!(seen & 1))
		return dmaown_err_set(
			err, -EINVAL,
			"%s:%u: rule names no subject (user=, uid=, group= or gid=)",
			name, lineno);
	if (!(seen & 2))
		return dmaown_err_set(
			err, -EINVAL,
			"%s:%u: rule names no devices (device=, vendor= or group-of=)",
			name, lineno);
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;

		nr = realloc(p->r, cap * sizeof(*p->r));
		if (!nr)
			return -ENOMEM;
		p->r = nr;
		p->cap = cap;
	}
	p->r[p->n++] = r;
	return 0;
}

int dmaown_policy_parse(const char *name, const char *text, size_t len,
			struct dmaown_policy **ret,
			struct dmaown_err *err)
{
	struct dmaown_policy *p;
	const char *s = text, *end = text + len, *nl;
	unsigned int lineno = 0;
	char *line, *hash;
	size_t n;
	int r = 0;

	*ret = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	while (!r && s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		n = (size_t)((nl ? nl : end) - s);
		lineno++;
		if (memchr(s, '\0', n)) {
			r = dmaown_err_set(err, -EINVAL,
					   "%s:%u: NUL byte", name, lineno);
			break;
		}
		line = strndup(s, n);
		if (!line) {
			r = -ENOMEM;
			break;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		r = parse_rule(p, line, lineno, name, err);
		free(line);
		s += n + (nl ? 1 : 0);
	}
	if (r) {
		dmaown_policy_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

bool dmaown_broker_is_bridge(const struct dmaown_dev *d)
{
	return d->is_bridge || (d->header_type & 0x7f) == 1 ||
	       (d->header_type & 0x7f) == 2;
}

static bool subject_matches(const struct rule *r,
			    const struct dmaown_broker_client *c)
{
	size_t i;

	switch (r->subj) {
	case S_USER:
		return c->user && !strcmp(c->user, r->name);
	case S_UID:
		return c->uid == r->id;
	case S_GID:
		if (c->gid == r->id)
			return true;
		for (i = 0; i < c->ngids; i++)
			if (c->gids && c->gids[i] == r->id)
				return true;
		return false;
	case S_GROUP:
		for (i = 0; i < c->ngids; i++)
			if (c->groups && c->groups[i] &&
			    !strcmp(c->groups[i], r->name))
				return true;
		return false;
	}
	return false;
}

static bool device_matches(const struct rule *r,
			   const struct dmaown_topology *t, size_t idx)
{
	const struct dmaown_dev *d = dmaown_topology_dev(t, idx);
	int k;

	switch (r->dev) {
	case D_DEVICE:
		return !dmaown_bdf_cmp(d->bdf, r->bdf);
	case D_VENDOR:
		return d->vendor == r->vendor &&
		       (r->any_device || d->device == r->device);
	case D_GROUP_OF:
		k = dmaown_topology_find(t, r->bdf);
		return k >= 0 && d->kernel_group >= 0 &&
		       dmaown_topology_dev(t, (size_t)k)->kernel_group ==
			       d->kernel_group;
	}
	return false;
}

/* the drivers some rule allows @c for device @idx */
static unsigned int allowed_drivers(const struct dmaown_policy *p,
				    const struct dmaown_broker_client *c,
				    const struct dmaown_topology *t,
				    size_t idx, unsigned int want,
				    unsigned int *ret_line)
{
	unsigned int got = 0;
	size_t i;

	for (i = 0; p && i < p->n; i++) {
		const struct rule *r = &p->r[i];

		if (!subject_matches(r, c) || !device_matches(r, t, idx))
			continue;
		if ((r->drivers & want) && ret_line && !(got & want))
			*ret_line = r->line;
		got |= r->drivers;
	}
	return got;
}

bool dmaown_policy_allows(const struct dmaown_policy *p,
			  const struct dmaown_broker_client *c,
			  const struct dmaown_topology *t, size_t idx,
			  const char *driver, unsigned int *ret_line)
{
	unsigned int want = driver_bit(driver);

	if (!want || idx >= dmaown_topology_count(t))
		return false;
	return allowed_drivers(p, c, t, idx, want, ret_line) & want;
}

int dmaown_policy_check_group(const struct dmaown_policy *p,
			      const struct dmaown_broker_client *c,
			      const struct dmaown_topology *t, int group,
			      const char *driver, struct dmaown_err *err)
{
	unsigned int want = driver_bit(driver), got;
	char b[DMAOWN_BDF_STRLEN], who[96];
	size_t i, members = 0, handed = 0;

	if (c->user)
		snprintf(who, sizeof(who), "uid %" PRIu32 " (%.64s)", c->uid,
			 c->user);
	else
		snprintf(who, sizeof(who), "uid %" PRIu32, c->uid);
	if (!want)
		return dmaown_err_set(err, -EINVAL,
				      "driver '%s' is not handed out",
				      driver ? driver : "");
	for (i = 0; i < dmaown_topology_count(t); i++) {
		const struct dmaown_dev *d = dmaown_topology_dev(t, i);

		if (group < 0 || d->kernel_group != group)
			continue;
		members++;
		if (dmaown_broker_is_bridge(d))
			continue;
		handed++;
		got = allowed_drivers(p, c, t, i, want, NULL);
		if (got & want)
			continue;
		dmaown_bdf_format(d->bdf, b);
		if (got)
			return dmaown_err_set(
				err, -EPERM,
				"%s (IOMMU group %d): the policy allows %s only %s, not %s",
				b, group, who,
				got & DMAOWN_BROKER_DRV_VFIO ? "vfio-pci" :
							       "pci-stub",
				driver);
		return dmaown_err_set(
			err, -EPERM,
			"%s (IOMMU group %d): no policy rule allows %s this device; the whole group is handed over, so every member must be allowed",
			b, group, who);
	}
	if (!members)
		return dmaown_err_set(err, -ENOENT, "no IOMMU group %d",
				      group);
	if (!handed)
		return dmaown_err_set(
			err, -EPERM,
			"IOMMU group %d holds only bridges: nothing to hand over",
			group);
	return 0;
}
