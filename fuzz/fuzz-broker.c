// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz-broker.c - the dmaownd request parser, policy parser and lease
 * record parser on arbitrary bytes.  Errors are one line; every answer
 * built from a request (or from an error message) is one line of JSON.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "dmaown/broker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(char *line)
{
	struct json_object *o;
	size_t n;

	if (!line)
		__builtin_trap();
	n = strlen(line);
	if (!n || line[n - 1] != '\n' || memchr(line, '\n', n - 1))
		__builtin_trap();
	o = json_tokener_parse(line);
	if (!o)
		__builtin_trap();
	json_object_put(o);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct dmaown_broker_req q;
	struct dmaown_policy *p = NULL;
	struct dmaown_lease l;
	struct dmaown_err err = { 0 };
	char *line = NULL;
	int r;

	r = dmaown_broker_parse(s, size, &q, &err);
	if (r) {
		if (!err.msg[0] || strchr(err.msg, '\n'))
			__builtin_trap();
		dmaown_broker_error(q.id, r, err.msg, &line);
		check_line(line);
	} else {
		if ((unsigned int)q.op >= DMAOWN_BROKER_OP_MAX)
			__builtin_trap();
		if (strcmp(q.driver, "vfio-pci") && strcmp(q.driver, "pci-stub"))
			__builtin_trap();
		dmaown_broker_format_released(q.id, q.group, &line);
		check_line(line);
	}
	dmaown_err_clear(&err);
	if (dmaown_policy_parse("fuzz", s, size, &p, &err)) {
		if (p || !err.msg[0] || strchr(err.msg, '\n'))
			__builtin_trap();
	}
	dmaown_policy_free(p);
	dmaown_err_clear(&err);
	if (!dmaown_lease_parse("fuzz", s, size, &l, &err)) {
		/* a record that parses formats back to one that parses alike */
		struct dmaown_lease m;

		if (dmaown_lease_format(&l, &line) ||
		    dmaown_lease_parse("again", line, strlen(line), &m, NULL) ||
		    memcmp(&l, &m, sizeof(l)))
			__builtin_trap();
		free(line);
	} else if (!err.msg[0] || strchr(err.msg, '\n')) {
		__builtin_trap();
	}
	return 0;
}
