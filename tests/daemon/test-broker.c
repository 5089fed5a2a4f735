// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-broker.c - the dmaownd protocol parser, answers, lease records and
 * the policy (parser and evaluation on the group4 fake topology)
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "dmaown/broker.h"
#include "fakeroot.h"

static int parse(const char *s, struct dmaown_broker_req *q,
		 struct dmaown_err *e)
{
	dmaown_err_clear(e);
	return dmaown_broker_parse(s, strlen(s), q, e);
}

static void test_parse_ok(void **state)
{
	struct dmaown_broker_req q;
	struct dmaown_err e;
	char b[DMAOWN_BDF_STRLEN];

	(void)state;
	assert_int_equal(parse("{\"op\":\"hello\",\"version\":1}", &q, &e), 0);
	assert_int_equal(q.op, DMAOWN_BROKER_HELLO);
	assert_string_equal(q.id, "");
	assert_int_equal(parse("{\"op\":\"list\",\"id\":\"a\\\"b\"} \r", &q,
			       &e),
			 0);
	assert_int_equal(q.op, DMAOWN_BROKER_LIST);
	assert_string_equal(q.id, "\"a\\\"b\"");
	assert_int_equal(parse("{\"id\":-5,\"op\":\"acquire\",\"device\":\"06:01.0\"}",
			       &q, &e),
			 0);
	assert_string_equal(q.id, "-5");
	assert_string_equal(dmaown_bdf_format(q.device, b), "0000:06:01.0");
	assert_string_equal(q.driver, "vfio-pci");
	assert_int_equal(parse("{\"op\":\"acquire\",\"device\":\"0000:06:01.0\",\"driver\":\"pci_stub\"}",
			       &q, &e),
			 0);
	assert_string_equal(q.driver, "pci-stub");
	assert_int_equal(parse("{\"op\":\"release\",\"group\":12}", &q, &e), 0);
	assert_int_equal(q.op, DMAOWN_BROKER_RELEASE);
	assert_int_equal(q.group, 12);
	assert_int_equal(parse("{\"op\":\"status\"}", &q, &e), 0);
	assert_int_equal(q.op, DMAOWN_BROKER_STATUS);
}

static void expect_err(const char *s, size_t len, int code, const char *msg)
{
	struct dmaown_broker_req q;
	struct dmaown_err e = { 0 };

	int r = dmaown_broker_parse(s, len, &q, &e);

	if (r != code)
		fail_msg("'%s': got %d (%s) want %d", s, r, e.msg, code);
	if (!strstr(e.msg, msg))
		fail_msg("'%s': message '%s' lacks '%s'", s, e.msg, msg);
	assert_null(strchr(e.msg, '\n'));
}

#define ERR(s, code, msg) expect_err(s, sizeof(s) - 1, code, msg)

static void test_parse_errors(void **state)
{
	char *big;

	(void)state;
	ERR("", -EINVAL, "empty request");
	ERR("   ", -EINVAL, "empty request");
	ERR("{", -EINVAL, "not complete JSON");
	ERR("{\"op\":\"list\"} x", -EINVAL, "not valid JSON");
	ERR("{\"op\":\"list\"}{}", -EINVAL, "not valid JSON");
	ERR("[]", -EINVAL, "must be a JSON object");
	ERR("\"op\"", -EINVAL, "must be a JSON object");
	ERR("{\"op\":\"li\0st\"}", -EINVAL, "NUL byte");
	ERR("{\"op\":\"list\\u0000\"}", -EINVAL, "'op' contains a NUL");
	ERR("{\"op\":\"\xc3\x28\"}", -EINVAL, "not valid UTF-8");
	ERR("{\"op\":\"\xed\xa0\x80\"}", -EINVAL, "not valid UTF-8");
	ERR("{\"op\":\"\xc0\xaf\"}", -EINVAL, "not valid UTF-8");
	ERR("{\"op\":\"\xf4\x90\x80\x80\"}", -EINVAL, "not valid UTF-8");
	ERR("{\"op\":\"list\",\"id\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}", 0, "");
	ERR("{'op':'list'}", -EINVAL, "not valid JSON");
	ERR("{\"op\":\"list\",}", -EINVAL, "not valid JSON");
	ERR("{}", -EINVAL, "request has no 'op'");
	ERR("{\"op\":1}", -EINVAL, "'op' must be a string");
	ERR("{\"op\":\"fly\"}", -EOPNOTSUPP, "unknown op 'fly'");
	ERR("{\"op\":\"list\",\"device\":\"06:01.0\"}", -EINVAL,
	    "list: unknown member 'device'");
	ERR("{\"op\":\"acquire\"}", -EINVAL, "'device' missing");
	ERR("{\"op\":\"acquire\",\"device\":5}", -EINVAL,
	    "'device' must be a string");
	ERR("{\"op\":\"acquire\",\"device\":\"zz\"}", -EINVAL,
	    "'zz' is not a PCI address");
	ERR("{\"op\":\"acquire\",\"device\":\"06:01.0\",\"driver\":\"e1000\"}",
	    -EINVAL, "driver 'e1000' is not handed out");
	ERR("{\"op\":\"acquire\",\"device\":\"06:01.0\",\"driver\":null}",
	    -EINVAL, "'driver' must be a string");
	ERR("{\"op\":\"release\"}", -EINVAL, "'group' missing");
	ERR("{\"op\":\"release\",\"group\":\"4\"}", -EINVAL,
	    "'group' must be an integer");
	ERR("{\"op\":\"release\",\"group\":-1}", -EINVAL, "between 0 and");
	ERR("{\"op\":\"release\",\"group\":99999999999}", -EINVAL,
	    "between 0 and");
	ERR("{\"op\":\"release\",\"group\":4.0}", -EINVAL, "must be an integer");
	ERR("{\"op\":\"hello\",\"version\":2}", -EPROTONOSUPPORT,
	    "version 2 is not spoken");
	ERR("{\"op\":\"list\",\"id\":[1]}", -EINVAL,
	    "'id' must be a string or an integer");
	ERR("{\"op\":\"list\",\"id\":\"0123456789012345678901234567890123456789012345678901234567890123456789\"}",
	    -EINVAL, "'id' is longer");
	ERR("{\"op\":\"list\",\"x\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]}", -EINVAL,
	    "nesting too deep");
	big = malloc(DMAOWN_BROKER_LINE_MAX);
	assert_non_null(big);
	memset(big, ' ', DMAOWN_BROKER_LINE_MAX);
	memcpy(big, "{\"op\":\"list\"}", 13);
	expect_err(big, DMAOWN_BROKER_LINE_MAX - 1, 0, "");
	expect_err(big, DMAOWN_BROKER_LINE_MAX, -E2BIG, "longer than 4095");
	free(big);
}

/* a parse of random bytes never crashes; errors are one line */
static void test_parse_random(void **state)
{
	static const char *const seeds[] = {
		"{\"op\":\"acquire\",\"device\":\"06:01.0\",\"driver\":\"vfio-pci\"}",
		"{\"op\":\"release\",\"group\":4,\"id\":\"x\"}",
	};
	struct dmaown_broker_req q;
	struct dmaown_err e;
	char buf[128];
	unsigned int seed = 1, i, k, ok = 0;
	size_t n;

	(void)state;
	for (i = 0; i < 20000; i++) {
		const char *s = seeds[i % 2];

		n = strlen(s);
		memcpy(buf, s, n);
		for (k = 0; k < 1 + i % 4; k++)
			buf[rand_r(&seed) % n] = (char)(rand_r(&seed) % 256);
		dmaown_err_clear(&e);
		if (!dmaown_broker_parse(buf, n, &q, &e))
			ok++;
		else
			assert_null(strchr(e.msg, '\n'));
	}
	assert_true(ok > 0 && ok < 20000);
}

/* every answer is one line of valid JSON with "ok" */
static void check_json(const char *line, bool ok)
{
	struct json_object *o, *v;
	size_t n = strlen(line);

	assert_true(n > 0 && line[n - 1] == '\n');
	assert_null(memchr(line, '\n', n - 1));
	o = json_tokener_parse(line);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "ok", &v));
	assert_int_equal(json_object_get_boolean(v), ok);
	json_object_put(o);
}

static void test_answers(void **state)
{
	struct dmaown_broker_dev dev = { .vendor = 0x8086, .device = 0x100e };
	struct dmaown_broker_group g = { .group = 4,
					 .state = DMAOWN_BROKER_LEASED,
					 .holder = 42,
					 .drivers = DMAOWN_BROKER_DRV_VFIO,
					 .ndevs = 1,
					 .devs = &dev };
	struct dmaown_lease l = { .group = 4, .pid = 42, .uid = 1000 };
	char *s;

	(void)state;
	dmaown_bdf_parse("06:01.0", &dev.bdf);
	strcpy(dev.driver, "vfio-pci");
	assert_int_equal(dmaown_broker_error("\"x\"", -EPERM,
					     "bad \xff\xfe byte\nnewline", &s),
			 0);
	check_json(s, false);
	assert_non_null(strstr(s, "\"error\":\"EPERM\""));
	assert_non_null(strstr(s, "\"id\":\"x\""));
	assert_non_null(strstr(s, "bad ?? byte\\nnewline"));
	free(s);
	assert_int_equal(dmaown_broker_format_hello("3", 0, 1, &s), 0);
	check_json(s, true);
	assert_non_null(strstr(s, "\"id\":3"));
	free(s);
	assert_int_equal(dmaown_broker_format_list(NULL, &g, 1, &s), 0);
	check_json(s, true);
	assert_non_null(strstr(
		s,
		"{\"group\":4,\"state\":\"leased\",\"holder\":42,\"drivers\":[\"vfio-pci\"],\"devices\":[{\"bdf\":\"0000:06:01.0\",\"vendor\":\"8086\",\"device\":\"100e\",\"driver\":\"vfio-pci\"}]}"));
	free(s);
	assert_int_equal(dmaown_broker_format_acquired("", 4, "vfio-pci",
						       "/dev/vfio/4", &dev, 1,
						       &s),
			 0);
	check_json(s, true);
	assert_non_null(strstr(s, "\"path\":\"/dev/vfio/4\""));
	free(s);
	assert_int_equal(dmaown_broker_format_released("", 4, &s), 0);
	assert_string_equal(s, "{\"ok\":true,\"group\":4}\n");
	free(s);
	strcpy(l.driver, "vfio-pci");
	assert_int_equal(dmaown_broker_format_status("", &l, 1, 42, &s), 0);
	check_json(s, true);
	assert_non_null(strstr(s, "\"mine\":true"));
	free(s);
}

static void test_lease(void **state)
{
	struct dmaown_lease l = { .group = 17, .pid = 4242,
				  .start = 123456789012ULL, .uid = 1000,
				  .gid = 100 }, m;
	struct dmaown_err e = { 0 };
	char *s;

	(void)state;
	dmaown_bdf_parse("0000:06:01.0", &l.device);
	strcpy(l.driver, "pci-stub");
	assert_int_equal(dmaown_lease_format(&l, &s), 0);
	assert_int_equal(dmaown_lease_parse("x", s, strlen(s), &m, &e), 0);
	assert_memory_equal(&l, &m, sizeof(l));
	free(s);
	assert_int_equal(dmaown_lease_parse("f", "dmaownd-lease 2\n", 16, &m,
					    &e),
			 -EINVAL);
	assert_string_equal(e.msg, "f:1: not a dmaownd lease record");
	dmaown_err_clear(&e);
	s = "dmaownd-lease 1\ngroup 4\npid 9\nstart 0\nuid 0\ngid 0\ndevice 06:01.0\ndriver e1000\n";
	assert_int_equal(dmaown_lease_parse("f", s, strlen(s), &m, &e),
			 -EINVAL);
	assert_string_equal(e.msg, "f:8: bad driver 'e1000'");
	dmaown_err_clear(&e);
	s = "dmaownd-lease 1\ngroup 4\npid 9\n";
	assert_int_equal(dmaown_lease_parse("f", s, strlen(s), &m, &e),
			 -EINVAL);
	assert_string_equal(e.msg, "f: lease record has no start");
	dmaown_err_clear(&e);
	s = "dmaownd-lease 1\ngroup 4\ngroup 5\n";
	assert_int_equal(dmaown_lease_parse("f", s, strlen(s), &m, &e),
			 -EINVAL);
	assert_string_equal(e.msg, "f:3: repeated key 'group'");
	dmaown_err_clear(&e);
	s = "dmaownd-lease 1\nuid 4294967296\n";
	assert_int_equal(dmaown_lease_parse("f", s, strlen(s), &m, &e),
			 -EINVAL);
	assert_string_equal(e.msg, "f:2: bad uid '4294967296'");
}

static void policy_err(const char *text, const char *msg)
{
	struct dmaown_policy *p = (void *)1;
	struct dmaown_err e = { 0 };

	assert_int_equal(dmaown_policy_parse("pol", text, strlen(text), &p,
					     &e),
			 -EINVAL);
	assert_null(p);
	if (strcmp(e.msg, msg))
		fail_msg("'%s': got '%s' want '%s'", text, e.msg, msg);
}

static void test_policy_parse(void **state)
{
	struct dmaown_policy *p = NULL;
	const char *ok = "# comment\n\n  allow uid=0 device=06:01.0   # x\n"
			 "allow driver=pci-stub vendor=8086 group=kvm\r\n"
			 "allow user=alice group-of=0000:06:01.0 driver=vfio_pci\n"
			 "\tallow gid=100 vendor=8086:100E";

	(void)state;
	assert_int_equal(dmaown_policy_parse("pol", ok, strlen(ok), &p, NULL),
			 0);
	assert_int_equal(dmaown_policy_count(p), 4);
	dmaown_policy_free(p);
	assert_int_equal(dmaown_policy_parse("pol", "", 0, &p, NULL), 0);
	assert_int_equal(dmaown_policy_count(p), 0);
	dmaown_policy_free(p);
	policy_err("allow uid=0 device=06:01.0\ndeny uid=0 device=06:01.0",
		   "pol:2: a rule starts with 'allow', not 'deny'");
	policy_err("allow device=06:01.0",
		   "pol:1: rule names no subject (user=, uid=, group= or gid=)");
	policy_err("allow uid=0",
		   "pol:1: rule names no devices (device=, vendor= or group-of=)");
	policy_err("allow uid=0 uid=1 device=06:01.0",
		   "pol:1: more than one subject (user/uid/group/gid) in a rule");
	policy_err("allow uid=0 device=06:01.0 vendor=8086",
		   "pol:1: more than one device selector (device/vendor/group-of) in a rule");
	policy_err("allow uid=x device=06:01.0", "pol:1: bad uid 'x'");
	policy_err("allow uid=4294967295 device=06:01.0",
		   "pol:1: bad uid '4294967295'");
	policy_err("allow user= device=06:01.0", "pol:1: bad user name ''");
	policy_err("allow uid=0 device=06:20.0",
		   "pol:1: bad PCI address '06:20.0' (DDDD:BB:SS.F or BB:SS.F)");
	policy_err("allow uid=0 vendor=808",
		   "pol:1: bad vendor '808' (VVVV or VVVV:DDDD, hex)");
	policy_err("allow uid=0 vendor=8086:10", "pol:1: bad vendor '8086:10' (VVVV or VVVV:DDDD, hex)");
	policy_err("allow uid=0 device=06:01.0 driver=e1000",
		   "pol:1: bad driver 'e1000' (vfio-pci or pci-stub)");
	policy_err("allow uid=0 device=06:01.0 colour=red",
		   "pol:1: unknown key 'colour' (user, uid, group, gid, device, vendor, group-of, driver)");
	policy_err("allow uid=0 device",
		   "pol:1: expected KEY=VALUE, got 'device'");
	{
		struct dmaown_err e = { 0 };

		assert_int_equal(dmaown_policy_parse("pol", "allow\0x", 7, &p,
						     &e),
				 -EINVAL);
		assert_string_equal(e.msg, "pol:1: NUL byte");
	}
}

static struct dmaown_policy *pol(const char *text)
{
	struct dmaown_policy *p = NULL;
	struct dmaown_err e = { 0 };

	if (dmaown_policy_parse("pol", text, strlen(text), &p, &e))
		fail_msg("%s", e.msg);
	return p;
}

static void test_policy_eval(void **state)
{
	static const uint32_t gids[] = { 1000, 36 };
	static const char *const names[] = { "alice", "kvm" };
	struct dmaown_broker_client alice = { .uid = 1000, .gid = 1000,
					      .user = "alice", .ngids = 2,
					      .gids = gids, .groups = names };
	struct dmaown_broker_client bob = { .uid = 1001, .gid = 1001,
					    .user = "bob" };
	struct dmaown_topology *t = fake_topology();
	struct dmaown_policy *p;
	struct dmaown_err e = { 0 };
	struct dmaown_bdf b;
	unsigned int line = 0;
	int i06;

	(void)state;
	dmaown_bdf_parse("06:01.0", &b);
	i06 = dmaown_topology_find(t, b);
	assert_true(i06 >= 0);

	/* device= allows one member; the group needs both e1000s */
	p = pol("allow user=alice device=06:01.0");
	assert_true(dmaown_policy_allows(p, &alice, t, (size_t)i06, "vfio-pci",
					 &line));
	assert_int_equal(line, 1);
	assert_false(dmaown_policy_allows(p, &bob, t, (size_t)i06, "vfio-pci",
					  NULL));
	assert_false(dmaown_policy_allows(p, &alice, t, (size_t)i06, "e1000",
					  NULL));
	assert_int_equal(dmaown_policy_check_group(p, &alice, t, 4, "vfio-pci",
						   &e),
			 -EPERM);
	assert_string_equal(e.msg,
			    "0000:06:02.0 (IOMMU group 4): no policy rule allows uid 1000 (alice) this device; the whole group is handed over, so every member must be allowed");
	dmaown_policy_free(p);

	/* group-of covers the group; the bridge 00:12.0 needs no rule */
	p = pol("allow group=kvm group-of=06:02.0 driver=vfio-pci");
	assert_int_equal(dmaown_policy_check_group(p, &alice, t, 4, "vfio-pci",
						   NULL),
			 0);
	dmaown_err_clear(&e);
	assert_int_equal(dmaown_policy_check_group(p, &alice, t, 4, "pci-stub",
						   &e),
			 -EPERM);
	assert_string_equal(e.msg,
			    "0000:06:01.0 (IOMMU group 4): the policy allows uid 1000 (alice) only vfio-pci, not pci-stub");
	assert_int_equal(dmaown_policy_check_group(p, &bob, t, 4, "vfio-pci",
						   NULL),
			 -EPERM);
	assert_int_equal(dmaown_policy_check_group(p, &alice, t, 6, "vfio-pci",
						   NULL),
			 -EPERM);
	dmaown_policy_free(p);

	/* vendor and vendor:device, gid (supplementary), uid */
	p = pol("allow gid=36 vendor=8086:100e\nallow uid=1001 vendor=8086");
	assert_int_equal(dmaown_policy_check_group(p, &alice, t, 4, "pci-stub",
						   NULL),
			 0);
	assert_int_equal(dmaown_policy_check_group(p, &alice, t, 6, "vfio-pci",
						   NULL),
			 -EPERM); /* 01:00.0 is 8086:10d3 */
	assert_int_equal(dmaown_policy_check_group(p, &bob, t, 6, "vfio-pci",
						   NULL),
			 0);
	/* a group of bridges only, a group that does not exist */
	dmaown_err_clear(&e);
	assert_int_equal(dmaown_policy_check_group(p, &bob, t, 2, "vfio-pci",
						   &e),
			 -EPERM);
	assert_string_equal(e.msg,
			    "IOMMU group 2 holds only bridges: nothing to hand over");
	assert_int_equal(dmaown_policy_check_group(p, &bob, t, 99, "vfio-pci",
						   NULL),
			 -ENOENT);
	dmaown_policy_free(p);

	/* the empty policy denies everything */
	p = pol("# nothing\n");
	assert_int_equal(dmaown_policy_check_group(p, &alice, t, 4, "vfio-pci",
						   NULL),
			 -EPERM);
	dmaown_policy_free(p);
	dmaown_topology_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_random),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_lease),
		cmocka_unit_test(test_policy_parse),
		cmocka_unit_test(test_policy_eval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
