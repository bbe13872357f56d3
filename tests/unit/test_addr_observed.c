/* Address arithmetic, and the observed-state snapshot parser's errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

static const char *
pstr(const struct er_prefix *p)
{
	static char buf[ER_PREFIX_STRLEN];

	return er_prefix_str(p, buf, sizeof(buf));
}

static void
test_prefix_parse(void **state)
{
	struct er_prefix p;

	(void)state;
	assert_int_equal(er_prefix_parse("172.16.0.0/30", true, false, &p), 0);
	assert_string_equal(pstr(&p), "172.16.0.0/30");
	assert_int_equal(er_prefix_parse("172.16.0.1/30", true, false, &p), -1); /* host bits, strict */
	assert_int_equal(er_prefix_parse("172.16.0.1/30", false, false, &p), 0);
	assert_string_equal(pstr(&p), "172.16.0.0/30");
	assert_int_equal(er_prefix_parse("172.16.0.0/33", false, false, &p), -1);
	assert_int_equal(er_prefix_parse("172.16.0.0/", false, false, &p), -1);
	assert_int_equal(er_prefix_parse("172.16.0.0/3x", false, false, &p), -1);
	assert_int_equal(er_prefix_parse("172.16.0.0", false, false, &p), -1);
	assert_int_equal(er_prefix_parse("172.16.0.9", false, true, &p), 0);
	assert_string_equal(pstr(&p), "172.16.0.9/32");
	assert_int_equal(er_prefix_parse("2001:db8::/126", true, false, &p), 0);
	assert_string_equal(pstr(&p), "2001:db8::/126");
	assert_int_equal(er_prefix_parse("2001:db8::/129", false, false, &p), -1);
	assert_int_equal(er_ifaddr_parse("172.16.0.1/30", &p), 0);
	assert_string_equal(pstr(&p), "172.16.0.1/30"); /* interface addresses keep host bits */
}

static void
test_link_arithmetic(void **state)
{
	struct er_prefix blk, lo, hi;
	struct er_addr c, m;
	char a[64];

	(void)state;
	/* R16's example: 192.168.100.128/29 -> .129/.130 primary, .133/.134 secondary. */
	assert_int_equal(er_prefix_parse("192.168.100.128/29", true, false, &blk), 0);
	er_prefix_halves(&blk, &lo, &hi);
	assert_string_equal(pstr(&lo), "192.168.100.128/30");
	assert_string_equal(pstr(&hi), "192.168.100.132/30");
	er_link_addrs(&hi, &c, &m);
	assert_string_equal(er_addr_str(&c, a, sizeof(a)), "192.168.100.133");
	assert_string_equal(er_addr_str(&m, a, sizeof(a)), "192.168.100.134");
	/* Carry across bytes. */
	assert_int_equal(er_prefix_parse("10.0.0.252/30", true, false, &lo), 0);
	er_prefix_nth(&lo, 6, &c);
	assert_string_equal(er_addr_str(&c, a, sizeof(a)), "10.0.1.2");
	assert_int_equal(er_prefix_parse("2001:db8:1::/125", true, false, &blk), 0);
	er_prefix_halves(&blk, &lo, &hi);
	assert_string_equal(pstr(&hi), "2001:db8:1::4/126");
	er_link_addrs(&hi, &c, &m);
	assert_string_equal(er_addr_str(&m, a, sizeof(a)), "2001:db8:1::6");
}

static void
test_special_ranges(void **state)
{
	static const struct {
		const char *p;
		bool rfc1918, special;
	} cases[] = {
		{ "10.1.0.0/16", true, true }, { "172.31.255.0/24", true, true },
		{ "172.32.0.0/16", false, false }, { "192.168.100.128/30", true, true },
		{ "131.107.0.0/30", false, false }, { "8.0.0.0/6", true, true }, /* contains 10/8 */
		{ "100.64.1.0/24", false, true }, { "203.0.113.0/24", false, true },
		{ "0.0.0.0/0", false, true }, { "fd00::/64", true, true }, { "2001:db8::/126", false, true },
		{ "2a01:111::/32", false, false },
	};
	struct er_prefix p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(er_prefix_parse(cases[i].p, false, false, &p), 0);
		if (er_prefix_is_rfc1918(&p) != cases[i].rfc1918 || er_prefix_is_special(&p) != cases[i].special)
			fail_msg("%s: rfc1918 %d special %d", cases[i].p, er_prefix_is_rfc1918(&p), er_prefix_is_special(&p));
	}
}

struct bad_snapshot {
	const char *json;
	const char *error;
};

static const struct bad_snapshot bad[] = {
	{ "{\"bgp\": {\"neighbors\": [{\"address\": \"172.16.0.2\", \"state\": \"up\"}]}}",
	    "snap: /bgp/neighbors/0/state: 'up' is not a BGP state (idle, connect, active, opensent, openconfirm, established)" },
	{ "{\"bgp\": {\"neighbors\": [{\"address\": \"172.16.0.300\", \"state\": \"idle\"}]}}",
	    "snap: /bgp/neighbors/0/address: '172.16.0.300' is not an IPv4 or IPv6 address" },
	{ "{\"bgp\": {\"neighbors\": [{\"address\": \"172.16.0.2\", \"state\": \"idle\", \"remote-as\": \"12076\"}]}}",
	    "snap: /bgp/neighbors/0/remote-as: expected an integer" },
	{ "{\"bgp\": {\"neighbors\": [{\"address\": \"172.16.0.2\", \"state\": \"idle\", \"remote-as\": -1}]}}",
	    "snap: /bgp/neighbors/0/remote-as: -1 out of range 0..4294967295" },
	{ "{\"bgp\": {\"neighbors\": [{\"address\": \"172.16.0.2\", \"state\": \"established\", \"advertised\": [\"10.0.0.0/33\"]}]}}",
	    "snap: /bgp/neighbors/0/advertised/0: '10.0.0.0/33' is not an IP prefix" },
	{ "{\"bgp\": {\"neighbours\": []}}", "snap: /bgp/neighbours: unknown key" },
	{ "{\"interfaces\": [{\"name\": \"eth1\", \"oper-status\": \"sideways\"}]}",
	    "snap: /interfaces/0/oper-status: 'sideways' is not up, down, lower-layer-down or unknown" },
	{ "{\"interfaces\": [{\"name\": \"eth1\", \"vlan-id\": 4096}]}",
	    "snap: /interfaces/0/vlan-id: 4096 out of range 0..4095" },
	{ "{\"qos\": {\"dscp-rules\": [{\"set-dscp\": 64}]}}", "snap: /qos/dscp-rules/0/set-dscp: 64 out of range 0..63" },
	{ "{\"nat\": {\"rules\": [{\"action\": \"dnat\"}]}}", "snap: /nat/rules/0/action: 'dnat' is not snat or masquerade" },
	{ "{\"sources\": {\"bgp\": {\"status\": \"fine\"}}}", "snap: /sources/bgp/status: 'fine' is not ok, error, timeout or disabled" },
	{ "{\"sources\": {\"ospf\": {\"status\": \"ok\"}}}", "snap: /sources/ospf: unknown source (bgp, interfaces, nat, qos, conntrack)" },
	{ "[1, 2]", "snap: /: expected an object" },
	{ "{\"bgp\": ", "snap: not valid JSON: unexpected end of data" },
};

static void
test_bad_snapshots(void **state)
{
	char err[ER_ERRLEN];
	size_t i;
	int wrong = 0;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct er_observed *o;
		err[0] = '\0';
		if ((o = er_observed_parse_json(bad[i].json, "snap", err, sizeof(err)))) {
			er_observed_unref(o);
			fail_msg("accepted: %s", bad[i].json);
		}
		if (strcmp(err, bad[i].error) != 0) {
			print_error("%s\n  got:  %s\n  want: %s\n", bad[i].json, err, bad[i].error);
			wrong++;
		}
	}
	assert_int_equal(wrong, 0);
}

static void
test_snapshot_sections(void **state)
{
	char err[ER_ERRLEN];
	struct er_observed *o = er_observed_parse_json("{\"interfaces\": [], \"sources\": {\"bgp\": {\"status\": "
	                                               "\"timeout\", \"daemon\": \"frr\", \"message\": \"no answer\"}}}",
	    "snap", err, sizeof(err));

	(void)state;
	assert_non_null(o);
	assert_true(er_observed_ok(o, ER_SRC_INTERFACES)); /* present section = collected */
	assert_false(er_observed_ok(o, ER_SRC_BGP));        /* source says timeout */
	assert_int_equal(o->src[ER_SRC_BGP].status, ER_COLL_TIMEOUT);
	assert_string_equal(o->src[ER_SRC_BGP].message, "no answer");
	assert_false(er_observed_ok(o, ER_SRC_NAT)); /* absent = not collected */
	er_observed_unref(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_parse),
		cmocka_unit_test(test_link_arithmetic),
		cmocka_unit_test(test_special_ranges),
		cmocka_unit_test(test_bad_snapshots),
		cmocka_unit_test(test_snapshot_sections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
