/*
 * Checks from host data that no check read before: the MSEE in the
 * neighbour table (31), IP MTU (100), VRRP/HSRP virtual MACs (120),
 * routes received on private peering (410, 411), conntrack failure
 * counters and NAT pool ports (331, 332); and the collector and snapshot
 * pieces they need. Every case runs the real check on the example config
 * and the healthy observed state, edited as text, and asserts the exact
 * status and detail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "collect.h"
#include "fixture.h"

#define CIRCUIT "er-ams-1"
#define PRIV CIRCUIT, ER_PEERING_PRIVATE, ER_PATH_NONE
#define PRIV1 CIRCUIT, ER_PEERING_PRIVATE, ER_PATH_PRIMARY
#define PRIV2 CIRCUIT, ER_PEERING_PRIVATE, ER_PATH_SECONDARY
#define MSFT CIRCUIT, ER_PEERING_MICROSOFT, ER_PATH_NONE
#define MSFT1 CIRCUIT, ER_PEERING_MICROSOFT, ER_PATH_PRIMARY

static const char *const HEALTHY[] = { NULL };

/* An IPv6 /126 pair on the private peering (config edit). */
#define PRIV_IPV6 \
	"\"primary-interface\": \"eth1.100\",", \
	    "\"ipv6\": { \"primary-subnet\": \"fd00:10::/126\", \"secondary-subnet\": \"fd00:10::4/126\" }, " \
	    "\"primary-interface\": \"eth1.100\","
/* The Microsoft primary session (131.107.0.2, first in the file) down. */
#define MSFT1_ACTIVE \
	"\"remote-as\": 12076, \"local-as\": 23500, \"state\": \"established\"", \
	    "\"remote-as\": 12076, \"local-as\": 23500, \"state\": \"active\""
#define PRIV2_NEIGH "{ \"address\": \"172.16.0.6\", \"interface\": \"eth2.100\", \"state\": \"reachable\" }"

static char *
edited(const char *path, const char *const *edits)
{
	char *text = fx_read_data(path);
	size_t i;

	for (i = 0; edits[i]; i += 2)
		text = fx_edit(text, edits[i], edits[i + 1]);
	return text;
}

static void
expect(const char *const *cfg_edits, const char *const *obs_edits, uint32_t code, const char *circuit,
    enum er_peering_type peering, enum er_path path, enum er_status status, const char *detail)
{
	char *cfg = edited(FX_CONFIG, cfg_edits), *obs = edited(FX_OBSERVED, obs_edits);
	struct fx fx;

	fx_load(&fx, cfg, obs);
	assert_check(&fx, code, circuit, peering, path, status, detail);
	fx_free(&fx);
	free(cfg);
	free(obs);
}

/* ------------------------------------------------------------------ */
/* 31 link-msee-arp-nd */

static void
test_31_pass_reachable(void **state)
{
	(void)state;
	expect(HEALTHY, HEALTHY, 31, PRIV1, ER_PASS, "MSEE 172.16.0.2 answers ARP on eth1.100");
}

static void
test_31_pass_no_entry_established(void **state)
{
	(void)state;
	expect(HEALTHY, HEALTHY, 31, MSFT1, ER_PASS,
	    "MSEE 131.107.0.2: no ARP entry, but the BGP session over it is Established");
}

static void
test_31_fail_failed(void **state)
{
	static const char *const obs[] = {
		PRIV2_NEIGH, "{ \"address\": \"172.16.0.6\", \"interface\": \"eth2.100\", \"state\": \"failed\" }", NULL,
	};

	(void)state;
	expect(HEALTHY, obs, 31, PRIV2, ER_FAIL,
	    "MSEE 172.16.0.6 does not answer ARP on eth2.100 (failed): check that this router has 172.16.0.5, the "
	    "first address of 172.16.0.4/30, and that the VLAN (C-Tag) and any S-Tag match the circuit");
}

static void
test_31_fail_incomplete(void **state)
{
	static const char *const obs[] = {
		PRIV2_NEIGH, "{ \"address\": \"172.16.0.6\", \"interface\": \"eth2.100\", \"state\": \"incomplete\" }", NULL,
	};

	(void)state;
	expect(HEALTHY, obs, 31, PRIV2, ER_FAIL,
	    "MSEE 172.16.0.6 does not answer ARP on eth2.100 (incomplete): check that this router has 172.16.0.5, the "
	    "first address of 172.16.0.4/30, and that the VLAN (C-Tag) and any S-Tag match the circuit");
}

static void
test_31_pass_permanent(void **state)
{
	static const char *const obs[] = {
		PRIV2_NEIGH, "{ \"address\": \"172.16.0.6\", \"interface\": \"eth2.100\", \"state\": \"permanent\" }", NULL,
	};

	(void)state;
	expect(HEALTHY, obs, 31, PRIV2, ER_PASS,
	    "MSEE 172.16.0.6 answers ARP on eth2.100 (permanent: a static entry, not verified)");
}

static void
test_31_warn_no_entry_session_down(void **state)
{
	static const char *const obs[] = { MSFT1_ACTIVE, NULL };

	(void)state;
	expect(HEALTHY, obs, 31, MSFT1, ER_WARN,
	    "no ARP entry for MSEE 131.107.0.2 and no Established BGP session to it: layer 2 to the MSEE is unverified");
}

static void
test_31_ipv6(void **state)
{
	static const char *const cfg[] = { PRIV_IPV6, NULL };
	static const char *const obs[] = {
		"{ \"address\": \"172.16.0.2\", \"interface\": \"eth1.100\", \"state\": \"reachable\" }",
		"{ \"address\": \"fd00:10::2\", \"interface\": \"eth1.100\", \"state\": \"stale\" }, "
		"{ \"address\": \"172.16.0.2\", \"interface\": \"eth1.100\", \"state\": \"reachable\" }", NULL,
	};

	(void)state;
	/* The IPv4 MSEE answers, the IPv6 one was never resolved: the worse of the two. */
	expect(cfg, HEALTHY, 31, PRIV1, ER_WARN, "no neighbour discovery entry for MSEE fd00:10::2 and no Established "
	                                         "BGP session to it: layer 2 to the MSEE is unverified");
	expect(cfg, obs, 31, PRIV1, ER_PASS, "MSEE 172.16.0.2 answers ARP on eth1.100; MSEE fd00:10::2 answers "
	                                     "neighbour discovery on eth1.100");
}

static void
test_31_na_managed_l3(void **state)
{
	static const char *const cfg[] = { "\"service-layer\": \"layer-2\"", "\"service-layer\": \"managed-layer-3\"", NULL };

	(void)state;
	expect(cfg, HEALTHY, 31, PRIV1, ER_NA, "managed layer 3: the provider runs BGP with the MSEEs");
}

/* ------------------------------------------------------------------ */
/* 100 link-ip-mtu */

#define MSFT1_MTU_9000 \
	"\"name\": \"eth1.300\", \"oper-status\": \"up\", \"mtu\": 1500", \
	    "\"name\": \"eth1.300\", \"oper-status\": \"up\", \"mtu\": 9000"
#define DIRECT "\"cloud-exchange-colocation\"", "\"expressroute-direct\""

static void
test_100_pass(void **state)
{
	(void)state;
	expect(HEALTHY, HEALTHY, 100, MSFT1, ER_PASS, "eth1.300 has IP MTU 1500, as the MSEE");
}

static void
test_100_warn_provider(void **state)
{
	static const char *const obs[] = { MSFT1_MTU_9000, NULL };

	(void)state;
	expect(HEALTHY, obs, 100, MSFT1, ER_WARN,
	    "eth1.300 has IP MTU 9000; Microsoft states IP MTU 1500 for the MSEE (ExpressRoute Direct) and 1,400 bytes "
	    "end to end: set 1500 unless the provider documents another MTU");
}

static void
test_100_fail_direct(void **state)
{
	static const char *const cfg[] = { DIRECT, NULL };
	static const char *const obs[] = { MSFT1_MTU_9000, NULL };

	(void)state;
	expect(cfg, obs, 100, MSFT1, ER_FAIL,
	    "eth1.300 has IP MTU 9000; ExpressRoute Direct MSEE interfaces use IP MTU 1500: set 1500");
	expect(cfg, HEALTHY, 100, MSFT1, ER_PASS, "eth1.300 has IP MTU 1500, as the MSEE");
}

static void
test_100_unknown_and_missing(void **state)
{
	static const char *const no_mtu[] = {
		"\"name\": \"eth1.300\", \"oper-status\": \"up\", \"mtu\": 1500,", "\"name\": \"eth1.300\", \"oper-status\": \"up\",",
		NULL,
	};
	static const char *const gone[] = { "\"primary-interface\": \"eth1.300\"", "\"primary-interface\": \"eth9.300\"", NULL };

	(void)state;
	expect(HEALTHY, no_mtu, 100, MSFT1, ER_UNKNOWN, "eth1.300: MTU not reported");
	expect(gone, HEALTHY, 100, MSFT1, ER_FAIL, "primary interface eth9.300 not present");
}

/* ------------------------------------------------------------------ */
/* 120 link-no-vrrp-hsrp */

#define ADD_IF(json) "\"interfaces\": [", "\"interfaces\": [ " json ","

static void
test_120_pass(void **state)
{
	static const char *const obs[] = {
		"\"name\": \"eth2.100\",", "\"name\": \"eth2.100\", \"mac\": \"02:00:00:00:21:00\",",
		ADD_IF("{ \"name\": \"mv0\", \"kind\": \"macvlan\", \"link\": \"eth2.100\", \"mac\": \"02:00:00:00:00:10\" }"),
		NULL,
	};

	(void)state;
	expect(HEALTHY, HEALTHY, 120, PRIV1, ER_PASS,
	    "no VRRP or HSRP virtual MAC or multicast group on eth1.100 or an interface on it (its own MAC not reported)");
	expect(HEALTHY, obs, 120, PRIV2, ER_PASS,
	    "no VRRP or HSRP virtual MAC or multicast group on eth2.100 or an interface on it");
}

static void
test_120_fail_keepalived_vmac(void **state)
{
	static const char *const obs[] = {
		ADD_IF("{ \"name\": \"vrrp.10\", \"kind\": \"macvlan\", \"link\": \"eth1.100\", \"mac\": \"00:00:5E:00:01:0a\" }"),
		NULL,
	};
	static const char *const v6[] = {
		ADD_IF("{ \"name\": \"vrrp6.7\", \"kind\": \"macvlan\", \"link\": \"eth1.300\", \"mac\": \"00:00:5e:00:02:07\" }"),
		NULL,
	};

	(void)state;
	expect(HEALTHY, obs, 120, PRIV1, ER_FAIL,
	    "vrrp.10 (macvlan on the peering interface) has 00:00:5e:00:01:0a, a VRRP (IPv4) virtual MAC: Microsoft "
	    "supports no router redundancy protocol on ExpressRoute; the BGP session pair provides redundancy");
	expect(HEALTHY, v6, 120, MSFT1, ER_FAIL,
	    "vrrp6.7 (macvlan on the peering interface) has 00:00:5e:00:02:07, a VRRP (IPv6) virtual MAC: Microsoft "
	    "supports no router redundancy protocol on ExpressRoute; the BGP session pair provides redundancy");
	/* The same macvlan on another interface is not this link's business. */
	expect(HEALTHY, obs, 120, PRIV2, ER_PASS,
	    "no VRRP or HSRP virtual MAC or multicast group on eth2.100 or an interface on it (its own MAC not reported)");
}

static void
test_120_fail_hsrp_on_interface(void **state)
{
	static const char *const v1[] = { "\"name\": \"eth2.100\",", "\"name\": \"eth2.100\", \"mac\": \"00:00:0c:07:ac:01\",", NULL };
	static const char *const v2[] = { "\"name\": \"eth2.100\",", "\"name\": \"eth2.100\", \"mac\": \"00:00:0c:9f:f0:12\",", NULL };
	static const char *const v6[] = { "\"name\": \"eth2.100\",", "\"name\": \"eth2.100\", \"mac\": \"00:05:73:a0:0f:ff\",", NULL };
	/* IANA's 00:00:5e block outside the VRRP ranges, and just past HSRP IPv6's. */
	static const char *const near[] = { "\"name\": \"eth2.100\",", "\"name\": \"eth2.100\", \"mac\": \"00:00:5e:00:03:01\",",
		"\"name\": \"eth1.100\",", "\"name\": \"eth1.100\", \"mac\": \"00:05:73:a0:10:00\",", NULL };

	(void)state;
	expect(HEALTHY, v1, 120, PRIV2, ER_FAIL,
	    "eth2.100 has 00:00:0c:07:ac:01, an HSRP virtual MAC: Microsoft supports no router redundancy protocol on "
	    "ExpressRoute; the BGP session pair provides redundancy");
	expect(HEALTHY, v2, 120, PRIV2, ER_FAIL,
	    "eth2.100 has 00:00:0c:9f:f0:12, an HSRP virtual MAC: Microsoft supports no router redundancy protocol on "
	    "ExpressRoute; the BGP session pair provides redundancy");
	expect(HEALTHY, v6, 120, PRIV2, ER_FAIL,
	    "eth2.100 has 00:05:73:a0:0f:ff, an HSRP (IPv6) virtual MAC: Microsoft supports no router redundancy protocol "
	    "on ExpressRoute; the BGP session pair provides redundancy");
	expect(HEALTHY, near, 120, PRIV2, ER_PASS,
	    "no VRRP or HSRP virtual MAC or multicast group on eth2.100 or an interface on it");
	expect(HEALTHY, near, 120, PRIV1, ER_PASS,
	    "no VRRP or HSRP virtual MAC or multicast group on eth1.100 or an interface on it");
}

static void
test_120_fail_multicast_group(void **state)
{
	static const char *const own[] = {
		"\"name\": \"eth1.300\",", "\"name\": \"eth1.300\", \"redundancy-groups\": [\"224.0.0.18\"],", NULL,
	};
	static const char *const stacked[] = {
		ADD_IF("{ \"name\": \"br-x\", \"link\": \"eth2.300\", \"redundancy-groups\": [\"ff02::66\"] }"), NULL,
	};

	(void)state;
	expect(HEALTHY, own, 120, MSFT1, ER_FAIL,
	    "eth1.300 has joined 224.0.0.18, the VRRP multicast group: Microsoft supports no router redundancy protocol "
	    "on ExpressRoute; the BGP session pair provides redundancy");
	expect(HEALTHY, stacked, 120, CIRCUIT, ER_PEERING_MICROSOFT, ER_PATH_SECONDARY, ER_FAIL,
	    "br-x (interface on the peering interface) has joined ff02::66, the HSRP (IPv6) multicast group: Microsoft "
	    "supports no router redundancy protocol on ExpressRoute; the BGP session pair provides redundancy");
}

/* ------------------------------------------------------------------ */
/* 410, 411 bgp-received-limit-ipv4/ipv6 */

/* The private primary session without its received list, reporting @p n IPv4 prefixes. */
#define PRIV1_RCVD(n) \
	"\"prefixes-received\": { \"ipv4\": 3 }", "\"prefixes-received\": { " n " }", \
	"\"advertised\": [\"10.20.0.0/16\", \"10.21.0.0/16\"],\n" \
	"        \"received\": [\"10.10.0.0/16\", \"10.11.0.0/16\", \"10.12.0.0/16\"] }", \
	"\"advertised\": [\"10.20.0.0/16\", \"10.21.0.0/16\"] }"

static void
test_410_pass(void **state)
{
	static const char *const obs[] = { PRIV1_RCVD("\"ipv4\": 999"), NULL };

	(void)state;
	expect(HEALTHY, HEALTHY, 410, PRIV1, ER_PASS, "receiving 3 IPv4 prefixes, below the 1000 per connection");
	expect(HEALTHY, obs, 410, PRIV1, ER_PASS, "receiving 999 IPv4 prefixes, below the 1000 per connection");
}

static void
test_410_warn_at_limit(void **state)
{
	static const char *const at[] = { PRIV1_RCVD("\"ipv4\": 1000"), NULL };
	static const char *const over[] = { PRIV1_RCVD("\"ipv4\": 2400"), NULL };

	(void)state;
	expect(HEALTHY, at, 410, PRIV1, ER_WARN,
	    "receiving 1000 IPv4 prefixes: Azure sends at most 1000 per ExpressRoute connection and disconnects a "
	    "connection (gateway) above it; summarize VNet address spaces");
	expect(HEALTHY, over, 410, PRIV1, ER_WARN,
	    "receiving 2400 IPv4 prefixes: Azure sends at most 1000 per ExpressRoute connection and disconnects a "
	    "connection (gateway) above it; summarize VNet address spaces");
}

static void
test_410_na_session_down(void **state)
{
	static const char *const obs[] = {
		"\"remote-as\": 12076, \"local-as\": 65010, \"state\": \"established\"",
		"\"remote-as\": 12076, \"local-as\": 65010, \"state\": \"idle\"", NULL,
	};

	(void)state;
	expect(HEALTHY, obs, 410, PRIV1, ER_NA, "no Established session on the primary link: nothing received to count");
}

static void
test_411(void **state)
{
	static const char *const cfg[] = { PRIV_IPV6, NULL };
	static const char *const at[] = { PRIV1_RCVD("\"ipv4\": 3, \"ipv6\": 100"), NULL };
	static const char *const below[] = { PRIV1_RCVD("\"ipv4\": 3, \"ipv6\": 99"), NULL };

	(void)state;
	expect(HEALTHY, HEALTHY, 411, PRIV1, ER_NA, "no IPv6 link subnets configured");
	expect(cfg, below, 411, PRIV1, ER_PASS, "receiving 99 IPv6 prefixes, below the 100 per connection");
	expect(cfg, at, 411, PRIV1, ER_WARN,
	    "receiving 100 IPv6 prefixes: Azure sends at most 100 per ExpressRoute connection and disconnects a "
	    "connection (gateway) above it; summarize VNet address spaces");
}

/* ------------------------------------------------------------------ */
/* 331 nat-conntrack-drops, over consecutive evaluations */

#define CT_STATS "\"conntrack-insert-failed\": 0, \"conntrack-drop\": 0, \"conntrack-early-drop\": 0"

static struct er_observed *
poll_state(long long at, const char *stats)
{
	char *text = fx_read_data(FX_OBSERVED), err[256], when[32];
	struct er_observed *obs;

	snprintf(when, sizeof(when), "\"collected-at\": %lld", at);
	text = fx_edit(text, "\"collected-at\": 1795000000", when);
	text = fx_edit(text, CT_STATS, stats);
	obs = er_observed_parse_json(text, "poll", err, sizeof(err));
	if (!obs)
		fail_msg("%s", err);
	free(text);
	return obs;
}

static void
assert_result(const struct er_snapshot *s, enum er_status st, const char *detail)
{
	const struct er_result *r = er_snapshot_find(s, CIRCUIT, ER_PEERING_MICROSOFT, 331, ER_PATH_NONE);

	assert_non_null(r);
	assert_string_equal(r->detail, detail);
	assert_string_equal(er_status_name(r->status), er_status_name(st));
}

static void
test_331_rise_between_polls(void **state)
{
	struct er_observed *o1 = poll_state(1795000000, "\"conntrack-insert-failed\": 5, \"conntrack-drop\": 0, "
	                                                "\"conntrack-early-drop\": 1"),
	                   *o2 = poll_state(1795000030, "\"conntrack-insert-failed\": 9, \"conntrack-drop\": 2, "
	                                                "\"conntrack-early-drop\": 1"),
	                   *o3 = poll_state(1795000060, "\"conntrack-insert-failed\": 9, \"conntrack-drop\": 2, "
	                                                "\"conntrack-early-drop\": 1");
	struct er_snapshot *s1, *s2, *s3, *s4;
	char *cfg = fx_read_data(FX_CONFIG);
	struct fx fx;

	(void)state;
	fx_load(&fx, cfg, NULL);
	free(cfg);
	s1 = er_evaluate(fx.cfg, o1, NULL, 1795000000);
	assert_result(s1, ER_PASS, "insert_failed 5, drop 0, early_drop 1 since the table was created; no earlier poll "
	                           "to compare (a rise between two polls warns)");
	s2 = er_evaluate(fx.cfg, o2, s1, 1795000030);
	assert_result(s2, ER_WARN, "since the previous poll (30s ago) insert_failed rose by 4, drop by 2, early_drop by 0: "
	                           "connections (NAT sessions toward Microsoft among them) are being refused");
	/* A reload re-evaluates the same poll: it keeps comparing with the poll before. */
	s3 = er_evaluate(fx.cfg, o2, s2, 1795000040);
	assert_result(s3, ER_WARN, "since the previous poll (30s ago) insert_failed rose by 4, drop by 2, early_drop by 0: "
	                           "connections (NAT sessions toward Microsoft among them) are being refused");
	s4 = er_evaluate(fx.cfg, o3, s3, 1795000060);
	assert_result(s4, ER_PASS, "no insert failure or drop since the previous poll (30s ago)");
	er_snapshot_unref(s1);
	er_snapshot_unref(s2);
	er_snapshot_unref(s3);
	er_snapshot_unref(s4);
	er_observed_unref(o1);
	er_observed_unref(o2);
	er_observed_unref(o3);
	fx_free(&fx);
}

static void
test_331_counters_reset(void **state)
{
	struct er_observed *o1 = poll_state(1795000000, "\"conntrack-insert-failed\": 5, \"conntrack-drop\": 3, "
	                                                "\"conntrack-early-drop\": 0"),
	                   *o2 = poll_state(1795000030, CT_STATS);
	struct er_snapshot *s1, *s2;
	char *cfg = fx_read_data(FX_CONFIG);
	struct fx fx;

	(void)state;
	fx_load(&fx, cfg, NULL);
	free(cfg);
	s1 = er_evaluate(fx.cfg, o1, NULL, 1795000000);
	s2 = er_evaluate(fx.cfg, o2, s1, 1795000030);
	assert_result(s2, ER_PASS, "insert_failed 0, drop 0, early_drop 0 since the table was created; no earlier poll "
	                           "to compare (a rise between two polls warns)");
	er_snapshot_unref(s1);
	er_snapshot_unref(s2);
	er_observed_unref(o1);
	er_observed_unref(o2);
	fx_free(&fx);
}

static void
test_331_not_reported(void **state)
{
	static const char *const obs[] = { ",\n    " CT_STATS, "", NULL };

	(void)state;
	expect(HEALTHY, obs, 331, MSFT, ER_UNKNOWN,
	    "per-CPU conntrack statistics (/proc/net/stat/nf_conntrack) not reported");
}

/* ------------------------------------------------------------------ */
/* 332 nat-pool-ports */

static void
test_332(void **state)
{
	static const char *const busy[] = {
		"\"conntrack-count\": 1200", "\"conntrack-count\": 450000",
		"\"conntrack-max\": 262144", "\"conntrack-max\": 1048576", NULL,
	};
	static const char *const one[] = { "\"nat-pool\": [\"123.0.0.0/29\"]", "\"nat-pool\": [\"123.0.0.7/32\"]", NULL };
	static const char *const none[] = { "\"nat-pool\": [\"123.0.0.0/29\"],", "", NULL };

	(void)state;
	expect(HEALTHY, HEALTHY, 332, MSFT, ER_PASS,
	    "1200 connections tracked; a pool of 8 addresses gives 516096 source ports per destination and protocol");
	expect(HEALTHY, busy, 332, MSFT, ER_WARN,
	    "450000 connections tracked, 87% of the 516096 source ports a pool of 8 addresses gives toward one "
	    "destination and protocol (warning at 80%): widen the NAT pool");
	expect(one, busy, 332, MSFT, ER_WARN,
	    "450000 connections tracked, 697% of the 64512 source ports a pool of 1 address gives toward one "
	    "destination and protocol (warning at 80%): widen the NAT pool");
	expect(none, HEALTHY, 332, MSFT, ER_NA, "no NAT pool configured");
}

/* ------------------------------------------------------------------ */
/* Collector and snapshot pieces */

/* The header of /proc/net/stat/nf_conntrack as kernel 6.18 prints it, two CPUs. */
static const char CT_PROC[] =
	"entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  "
	"expect_new expect_create expect_delete search_restart\n"
	"000004b0  00000001 00000000 00000000 00000003 00000000 00000000 00000000 00000000 0000000a 00000002 00000000 "
	"00000000  00000000 00000000 00000000 00000000\n"
	"000004b0  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000011 00000000 00000005 "
	"00000000  00000000 00000000 00000000 00000000\n";

static void
test_conntrack_stats_parse(void **state)
{
	struct er_observed *obs = er_observed_new();
	char err[128] = "";

	(void)state;
	assert_int_equal(er_conntrack_stats_parse(CT_PROC, obs, err, sizeof(err)), 0);
	assert_true(obs->have_ct_stats);
	assert_int_equal(obs->ct_insert_failed, 0x0a + 0x11);
	assert_int_equal(obs->ct_drop, 2);
	assert_int_equal(obs->ct_early_drop, 5);
	/* An older kernel's header without early_drop, a short line, no CPU line. */
	assert_int_equal(er_conntrack_stats_parse("entries searched found insert_failed drop\n0 0 0 1 1\n", obs, err,
	                     sizeof(err)), -1);
	assert_string_equal(err, "no early_drop column in the header");
	assert_int_equal(er_conntrack_stats_parse("entries insert_failed drop early_drop\n0000 0001 0002\n", obs, err,
	                     sizeof(err)), -1);
	assert_string_equal(err, "line 2: 3 columns, no early_drop");
	assert_int_equal(er_conntrack_stats_parse("entries insert_failed drop early_drop\n", obs, err, sizeof(err)), -1);
	assert_string_equal(err, "no per-CPU line");
	assert_int_equal(er_conntrack_stats_parse("entries insert_failed drop early_drop\n0 1 zz 2\n", obs, err,
	                     sizeof(err)), -1);
	assert_string_equal(err, "line 2: not a hexadecimal counter");
	er_observed_unref(obs);
}

/* /proc/net/igmp and igmp6 captured in a namespace where VRRP's and HSRP's groups were joined (groups.txt). */
static void
test_rr_groups_parse(void **state)
{
	char *v4 = fx_read_data(fx_fixture("procfs/6.18.44-fc-v1272/igmp")),
	     *v6 = fx_read_data(fx_fixture("procfs/6.18.44-fc-v1272/igmp6")), err[128] = "";
	struct er_observed *obs = er_observed_new();
	static const char *const names[] = { "lo", "msee1", "pri1" };
	size_t i;

	(void)state;
	obs->ifs = calloc(3, sizeof(*obs->ifs));
	for (i = 0; i < 3; i++)
		snprintf(obs->ifs[i].name, sizeof(obs->ifs[i].name), "%s", names[i]);
	obs->n_ifs = 3;
	assert_int_equal(er_rr_groups_parse(v4, v6, obs, err, sizeof(err)), 0);
	assert_int_equal(obs->ifs[0].rr_groups, 0);
	assert_int_equal(obs->ifs[1].rr_groups, ER_RRG_HSRP2 | ER_RRG_HSRP6);
	assert_int_equal(obs->ifs[2].rr_groups, ER_RRG_VRRP4 | ER_RRG_VRRP6);
	/* A device name of 10 or more characters runs into the colon. */
	obs->ifs[0].rr_groups = 0;
	snprintf(obs->ifs[0].name, sizeof(obs->ifs[0].name), "keepalived0");
	assert_int_equal(er_rr_groups_parse("Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n"
	                                    "4\tkeepalived0:     2      V3\n\t\t\t\t120000E0     1 0:00000000\t\t0\n",
	                     NULL, obs, err, sizeof(err)), 0);
	assert_int_equal(obs->ifs[0].rr_groups, ER_RRG_VRRP4);
	assert_int_equal(er_rr_groups_parse("hdr\n\t\t\t\t120000E0 1\n", NULL, obs, err, sizeof(err)), -1);
	assert_string_equal(err, "igmp line 2: not a group of a device");
	assert_int_equal(er_rr_groups_parse(NULL, "1 lo ff02\n", obs, err, sizeof(err)), -1);
	assert_string_equal(err, "igmp6 line 1: not 'index device group ...'");
	er_observed_unref(obs);
	free(v4);
	free(v6);
}

static void
test_snapshot_keys(void **state)
{
	static const char good[] =
	    "{ \"interfaces\": [ { \"name\": \"eth1\", \"mac\": \"00:00:5E:00:01:0A\" },"
	    "  { \"name\": \"vrrp.10\", \"kind\": \"macvlan\", \"link\": \"eth1\" } ],"
	    "  \"neighbors\": [ { \"address\": \"172.16.0.2\", \"interface\": \"eth1\", \"state\": \"permanent\" } ],"
	    "  \"nat\": { \"conntrack-count\": 1, \"conntrack-max\": 2, \"conntrack-insert-failed\": 3,"
	    "  \"conntrack-drop\": 4, \"conntrack-early-drop\": 5 } }";
	char err[256] = "";
	struct er_observed *obs;

	(void)state;
	assert_non_null(obs = er_observed_parse_json(good, "t.json", err, sizeof(err)));
	assert_int_equal(obs->ifs[0].mac_len, 6);
	assert_int_equal(obs->ifs[0].mac[5], 0x0a);
	assert_string_equal(obs->ifs[1].link, "eth1");
	assert_int_equal(obs->ifs[1].mac_len, 0);
	assert_int_equal(obs->neigh[0].state, ER_NEIGH_PERMANENT);
	assert_true(obs->have_ct_stats);
	assert_int_equal(obs->ct_insert_failed + obs->ct_drop + obs->ct_early_drop, 12);
	er_observed_unref(obs);
	assert_null(er_observed_parse_json("{ \"interfaces\": [ { \"name\": \"eth1\", \"mac\": \"00:00:5e:00:01\" } ] }",
	    "t.json", err, sizeof(err)));
	assert_string_equal(err, "t.json: /interfaces/0/mac: '00:00:5e:00:01' is not a MAC address (aa:bb:cc:dd:ee:ff)");
	assert_null(er_observed_parse_json("{ \"interfaces\": [ { \"name\": \"eth1\", \"redundancy-groups\": "
	                                   "[\"224.0.0.5\"] } ] }", "t.json", err, sizeof(err)));
	assert_string_equal(err, "t.json: /interfaces/0/redundancy-groups: element 0 is not 224.0.0.18, ff02::12, "
	                         "224.0.0.102 or ff02::66");
	assert_null(er_observed_parse_json("{ \"nat\": { \"conntrack-count\": 1, \"conntrack-max\": 2, "
	                                   "\"conntrack-drop\": 4 } }", "t.json", err, sizeof(err)));
	assert_string_equal(err, "t.json: /nat/conntrack-insert-failed: conntrack-insert-failed, conntrack-drop and "
	                         "conntrack-early-drop go together");
}

/* ------------------------------------------------------------------ */
/* 90 link-direct-tagging (rule 9) */

/* eth1.100 and eth1.300 sit on port eth1 (IFLA_LINK), eth2.x on eth2. */
#define ON_PORTS \
	"\"vlan-id\": 100,\n      \"vlan-protocol\": \"802.1Q\", \"addresses\": [\"172.16.0.1/30\"]", \
	    "\"vlan-id\": 100,\n      \"vlan-protocol\": \"802.1Q\", \"link\": \"eth1\", \"addresses\": [\"172.16.0.1/30\"]", \
	"\"vlan-id\": 300,\n      \"vlan-protocol\": \"802.1Q\", \"addresses\": [\"131.107.0.1/30\"]", \
	    "\"vlan-id\": 300,\n      \"vlan-protocol\": \"802.1Q\", \"link\": \"eth1\", \"addresses\": [\"131.107.0.1/30\"]"

static void
test_90_na_provider(void **state)
{
	(void)state;
	expect(HEALTHY, HEALTHY, 90, PRIV1, ER_NA,
	    "not an ExpressRoute Direct circuit (connectivity-model): the provider tags the VLANs");
}

static void
test_90_pass_dot1q(void **state)
{
	static const char *const cfg[] = { DIRECT, NULL };
	static const char *const obs[] = { ON_PORTS, NULL };

	(void)state;
	expect(cfg, obs, 90, PRIV1, ER_PASS,
	    "Dot1Q: VLAN 100 on eth1.100 (802.1Q), used by no other Direct circuit or peering on port eth1");
}

static void
test_90_pass_port_unknown(void **state)
{
	static const char *const cfg[] = { DIRECT, NULL };

	(void)state;
	expect(cfg, HEALTHY, 90, PRIV2, ER_PASS,
	    "Dot1Q: VLAN 100 on eth2.100 (802.1Q); its port is not visible here, so its uniqueness on the port pair "
	    "is not verified");
}

static void
test_90_fail_8021ad(void **state)
{
	static const char *const cfg[] = { DIRECT, NULL };
	static const char *const obs[] = {
		"\"vlan-id\": 100,\n      \"vlan-protocol\": \"802.1Q\", \"addresses\": [\"172.16.0.5/30\"]",
		"\"vlan-id\": 100,\n      \"vlan-protocol\": \"802.1ad\", \"addresses\": [\"172.16.0.5/30\"]", NULL,
	};

	(void)state;
	expect(cfg, obs, 90, PRIV2, ER_FAIL,
	    "eth2.100 tags VLAN 100 with ethertype 0x88a8: ExpressRoute Direct takes 802.1Q tags only (Ethertype 0x8100)");
}

static void
test_90_fail_ctag_shared(void **state)
{
	/* The Microsoft peering on VLAN 100 too, on the same port: Dot1Q C-Tags must differ. */
	static const char *const cfg[] = { DIRECT, "\"vlan-id\": 300", "\"vlan-id\": 100", NULL };
	static const char *const obs[] = { ON_PORTS, "\"vlan-id\": 300,", "\"vlan-id\": 100,", NULL };

	(void)state;
	expect(cfg, obs, 90, PRIV1, ER_FAIL,
	    "Dot1Q: VLAN 100 on eth1.100 is also used by circuit er-ams-1, microsoft peering (eth1.300) on the same port "
	    "eth1: the C-Tag must be unique across all circuits and peerings of the ExpressRoute Direct port pair");
}

static void
test_90_qinq(void **state)
{
	static const char *const cfg[] = { DIRECT, NULL };
	/* eth1.100 on an S-Tag interface eth1.7 (802.1Q: pass; 802.1ad: fail). */
	static const char *const ok[] = {
		"\"vlan-id\": 100,\n      \"vlan-protocol\": \"802.1Q\", \"addresses\": [\"172.16.0.1/30\"]",
		"\"vlan-id\": 100,\n      \"vlan-protocol\": \"802.1Q\", \"link\": \"eth1.7\", \"addresses\": [\"172.16.0.1/30\"] },\n"
		"    { \"name\": \"eth1.7\", \"oper-status\": \"up\", \"mtu\": 1500, \"kind\": \"vlan\", \"vlan-id\": 7, "
		"\"vlan-protocol\": \"802.1Q\"", NULL,
	};
	static const char *const bad[] = {
		"\"vlan-id\": 100,\n      \"vlan-protocol\": \"802.1Q\", \"addresses\": [\"172.16.0.1/30\"]",
		"\"vlan-id\": 100,\n      \"vlan-protocol\": \"802.1Q\", \"link\": \"eth1.7\", \"addresses\": [\"172.16.0.1/30\"] },\n"
		"    { \"name\": \"eth1.7\", \"oper-status\": \"up\", \"mtu\": 1500, \"kind\": \"vlan\", \"vlan-id\": 7, "
		"\"vlan-protocol\": \"802.1ad\"", NULL,
	};

	(void)state;
	expect(cfg, ok, 90, PRIV1, ER_PASS, "QinQ: S-Tag 7 on eth1.7, C-Tag 100 on eth1.100, both 802.1Q (0x8100)");
	expect(cfg, bad, 90, PRIV1, ER_FAIL,
	    "QinQ: the outer tag (S-Tag 7 on eth1.7) uses ethertype 0x88a8: ExpressRoute Direct's QinQ uses 802.1Q "
	    "(0x8100) for both tags");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_90_na_provider),
		cmocka_unit_test(test_90_pass_dot1q),
		cmocka_unit_test(test_90_pass_port_unknown),
		cmocka_unit_test(test_90_fail_8021ad),
		cmocka_unit_test(test_90_fail_ctag_shared),
		cmocka_unit_test(test_90_qinq),
		cmocka_unit_test(test_31_pass_reachable),
		cmocka_unit_test(test_31_pass_no_entry_established),
		cmocka_unit_test(test_31_fail_failed),
		cmocka_unit_test(test_31_fail_incomplete),
		cmocka_unit_test(test_31_pass_permanent),
		cmocka_unit_test(test_31_warn_no_entry_session_down),
		cmocka_unit_test(test_31_ipv6),
		cmocka_unit_test(test_31_na_managed_l3),
		cmocka_unit_test(test_100_pass),
		cmocka_unit_test(test_100_warn_provider),
		cmocka_unit_test(test_100_fail_direct),
		cmocka_unit_test(test_100_unknown_and_missing),
		cmocka_unit_test(test_120_pass),
		cmocka_unit_test(test_120_fail_keepalived_vmac),
		cmocka_unit_test(test_120_fail_hsrp_on_interface),
		cmocka_unit_test(test_120_fail_multicast_group),
		cmocka_unit_test(test_410_pass),
		cmocka_unit_test(test_410_warn_at_limit),
		cmocka_unit_test(test_410_na_session_down),
		cmocka_unit_test(test_411),
		cmocka_unit_test(test_331_rise_between_polls),
		cmocka_unit_test(test_331_counters_reset),
		cmocka_unit_test(test_331_not_reported),
		cmocka_unit_test(test_332),
		cmocka_unit_test(test_conntrack_stats_parse),
		cmocka_unit_test(test_rr_groups_parse),
		cmocka_unit_test(test_snapshot_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
