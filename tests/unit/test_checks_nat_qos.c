/*
 * NAT (280, 300, 320), QoS (350, 360, 370, 380) and capacity (400) checks
 * of checks_nat_qos.c, run through er_check_run on the example config and
 * variants of the healthy observed state. Each case asserts the exact status
 * and detail; missing host state must give unknown, never pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

#define CIRCUIT "er-ams-1"
#define PRIV ER_PEERING_PRIVATE
#define MSFT ER_PEERING_MICROSOFT
#define PUB ER_PEERING_PUBLIC
#define NOPATH ER_PATH_NONE
#define PRI ER_PATH_PRIMARY
#define SEC ER_PATH_SECONDARY

/* Fragments of examples/erready.json. */
#define CFG_POOL "\"nat-pool\": [\"123.0.0.0/29\"],"
#define CFG_QOS "\"qos-profile\": \"current\""
#define CFG_BW "\"bandwidth\": 1000,"
#define CFG_MSFT_VLAN "\"vlan-id\": 300,"
#define CFG_PRIV_VLAN "\"vlan-id\": 100,"
#define CFG_MSFT_SEC_IF "\"secondary-interface\": \"eth2.300\","
#define CFG_PEERINGS "\"peering\": ["

/* An Azure public peering (eth1.200/eth2.200), inserted before the others. */
#define CFG_PUBLIC_PEERING                                                                            \
	"\"peering\": [ { \"type\": \"azure-public\", \"vlan-id\": 200, \"customer-asn\": 23500, "      \
	"\"ipv4\": { \"primary-subnet\": \"131.107.1.0/30\", \"secondary-subnet\": \"131.107.1.4/30\" }, " \
	"\"primary-interface\": \"eth1.200\", \"secondary-interface\": \"eth2.200\", "                  \
	"\"advertised-public-prefix\": [\"124.0.0.0/24\"], \"nat-pool\": [\"124.0.0.0/29\"] },"

/* Fragments of tests/data/observed-healthy.json. */
#define OBS_NAT_SRC "\"nat\": { \"status\": \"ok\", \"daemon\": \"nftables\", \"duration-ms\": 5 }"
#define OBS_QOS_SRC "\"qos\": { \"status\": \"ok\", \"daemon\": \"nftables+tc\", \"duration-ms\": 6 }"
#define OBS_SNAT_PRI "\"output-interface\": \"eth1.300\", \"action\": \"snat\""
#define OBS_SNAT_SEC "\"output-interface\": \"eth2.300\", \"action\": \"snat\""
#define OBS_MASQ_ETH0 "\"output-interface\": \"eth0\", \"action\": \"masquerade\""
#define OBS_XLAT "\"translated\": [\"123.0.0.0/29\"]"
#define OBS_KEEP_PRI "{ \"interface\": \"eth1.300\", \"direction\": \"egress\", \"set-dscp\": 0"
#define OBS_KEEP_SEC "{ \"interface\": \"eth2.300\", \"direction\": \"egress\", \"set-dscp\": 0"
#define OBS_KEEP_SET "\"match-dscp\": [46, 34, 18, 10, 0]"
#define OBS_EF_PRI "{ \"interface\": \"eth1.300\", \"direction\": \"egress\", \"set-dscp\": 46, \"match\": \"other\" },"
#define OBS_QUEUE_PRI "{ \"interface\": \"eth1.300\", \"qdisc\": \"htb\", \"classful\": true, \"ef-priority-class\": true, \"rate\": 1000000000 }"
#define OBS_QUEUE_SEC "{ \"interface\": \"eth2.300\", \"qdisc\": \"htb\", \"classful\": true, \"ef-priority-class\": true, \"rate\": 1000000000 }"

/* Inline snapshot pieces. */
#define R_SNAT(oif, to)                                                                               \
	"{ \"family\": \"ip\", \"hook\": \"postrouting\", \"output-interface\": \"" oif "\", "       \
	"\"action\": \"snat\", \"translated\": [\"" to "\"] }"
#define R_SNAT_ANY(to) "{ \"family\": \"ip\", \"hook\": \"postrouting\", \"action\": \"snat\", \"translated\": [\"" to "\"] }"
#define R_MASQ(oif) "{ \"family\": \"ip\", \"hook\": \"postrouting\", \"output-interface\": \"" oif "\", \"action\": \"masquerade\" }"
#define D_RULE(ifn, set, match, list)                                                                 \
	"{ \"interface\": \"" ifn "\", \"direction\": \"egress\", \"set-dscp\": " set ", \"match\": \"" match \
	"\", \"match-dscp\": [" list "] }"
#define D_KEEP(ifn, list) D_RULE(ifn, "0", "dscp-not-in", list)
#define D_EF(ifn) "{ \"interface\": \"" ifn "\", \"direction\": \"egress\", \"set-dscp\": 46, \"match\": \"other\" }"
#define KEEP_CURRENT "46, 34, 18, 10, 0"
#define DSCP_HEALTHY D_KEEP("eth1.300", KEEP_CURRENT) ", " D_KEEP("eth2.300", KEEP_CURRENT) ", " D_EF("eth1.300") ", " D_EF("eth2.300")
#define Q(ifn, qdisc, classful, ef, rate)                                                             \
	"{ \"interface\": \"" ifn "\", \"qdisc\": \"" qdisc "\", \"classful\": " classful                \
	", \"ef-priority-class\": " ef ", \"rate\": " rate " }"
#define Q_HTB(ifn) Q(ifn, "htb", "true", "true", "1000000000")
#define QUEUES_HEALTHY Q_HTB("eth1.300") ", " Q_HTB("eth2.300")

#define CURRENT_SET "46, 34, 18, 10, 0"
#define UNKNOWN_NAT_ERROR "NAT state not available: nftables error (nft: Operation not permitted)"
#define UNKNOWN_QOS_ERROR "QoS state not available: tc timeout (no answer within 5000 ms)"

/* ---- helpers ---- */

static char *
cfg_text(void)
{
	return fx_read_data(FX_CONFIG);
}

static char *
obs_text(void)
{
	return fx_read_data(FX_OBSERVED);
}

static char *
cfg_edit(const char *from, const char *to)
{
	return fx_edit(cfg_text(), from, to);
}

static char *
obs_edit(const char *from, const char *to)
{
	return fx_edit(obs_text(), from, to);
}

/*
 * @p text without the JSON object that contains @p needle, and without one
 * comma next to it, so the array stays valid. Frees @p text.
 */
static char *
drop_object(char *text, const char *needle)
{
	const char *at = strstr(text, needle), *start, *end, *p;
	size_t head;
	int depth = 0;
	char *out;

	if (!at)
		fail_msg("drop_object: '%s' not found", needle);
	for (start = at; start > text && *start != '{'; start--)
		;
	for (end = start; *end; end++)
		if (*end == '{')
			depth++;
		else if (*end == '}' && --depth == 0)
			break;
	if (!*end)
		fail_msg("drop_object: unbalanced object around '%s'", needle);
	end++;
	for (p = end; *p == ' ' || *p == '\n' || *p == '\t'; p++)
		;
	if (*p == ',')
		end = p + 1;
	else {
		for (p = start; p > text && (p[-1] == ' ' || p[-1] == '\n' || p[-1] == '\t'); p--)
			;
		if (p > text && p[-1] == ',')
			start = p - 1;
	}
	head = (size_t)(start - text);
	out = malloc(head + strlen(end) + 1);
	assert_non_null(out);
	memcpy(out, text, head);
	strcpy(out + head, end);
	free(text);
	return out;
}

/* A snapshot with only "nat" rules and/or "qos" lists; NULL omits a part. */
static char *
snapshot(const char *nat, const char *dscp, const char *queues)
{
	char *s = NULL;
	int n;

	if (dscp || queues)
		n = asprintf(&s, "{ %s%s%s\"qos\": { %s%s%s%s%s%s%s } }", nat ? "\"nat\": { \"rules\": [" : "",
		    nat ? nat : "", nat ? "] }, " : "", dscp ? "\"dscp-rules\": [" : "", dscp ? dscp : "",
		    dscp ? "]" : "", dscp && queues ? ", " : "", queues ? "\"queues\": [" : "", queues ? queues : "",
		    queues ? "]" : "");
	else
		n = asprintf(&s, "{ \"nat\": { \"rules\": [%s] } }", nat ? nat : "");
	assert_true(n > 0);
	return s;
}

/* Load, then free both texts. */
static void
load(struct fx *fx, char *cfg, char *obs)
{
	fx_load(fx, cfg, obs);
	free(cfg);
	free(obs);
}

/* ---- 280 nat-snat-public ---- */

static void
snat_healthy(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), obs_text());
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_PASS,
	    "traffic toward eth1.300 and eth2.300 is source-NATed to public addresses");
	fx_free(&fx);
}

static void
snat_removed_secondary(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), drop_object(obs_text(), OBS_SNAT_SEC));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "no SNAT or masquerade rule for traffic leaving eth2.300 (secondary link), and source 10.20.0.1/16 on eth3 is private (RFC 1918): "
	    "Microsoft accepts only public sources within the advertised-public-prefix");
	fx_free(&fx);
}

static void
snat_removed_primary(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), drop_object(obs_text(), OBS_SNAT_PRI));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "no SNAT or masquerade rule for traffic leaving eth1.300 (primary link), and source 10.20.0.1/16 on eth3 is private (RFC 1918): "
	    "Microsoft accepts only public sources within the advertised-public-prefix");
	fx_free(&fx);
}

/*
 * Issue 13: Microsoft requires public sources and recommends NAT. Without
 * SNAT, the host's LAN addresses decide: within the declared
 * advertised-public-prefix they pass, private or undeclared ones fail.
 */
#define LAN_IF(addr) "{ \"name\": \"eth3\", \"oper-status\": \"up\", \"mtu\": 1500, \"kind\": \"device\", \"addresses\": [\"" addr "\"] }"

static char *
obs_no_snat(const char *lan)
{
	char *o = drop_object(drop_object(obs_text(), OBS_SNAT_PRI), OBS_SNAT_SEC);

	return fx_edit(o, LAN_IF("10.20.0.1/16"), lan);
}

static void
snat_public_sources(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), obs_no_snat(LAN_IF("123.0.0.65/26")));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_PASS,
	    "no SNAT toward eth1.300 (primary link) and eth2.300 (secondary link); the host's sources (1 LAN address, e.g. 123.0.0.65/26 on eth3) "
	    "are within the declared advertised-public-prefix");
	fx_free(&fx);

	/* Loopback and link-local addresses source nothing toward Microsoft. */
	load(&fx, cfg_text(), obs_no_snat("{ \"name\": \"eth3\", \"addresses\": [\"123.0.0.65/26\", \"169.254.1.1/16\", \"123.0.0.129/26\"] }, "
	                                  "{ \"name\": \"lo\", \"addresses\": [\"127.0.0.1/8\"] }"));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_PASS,
	    "no SNAT toward eth1.300 (primary link) and eth2.300 (secondary link); the host's sources (2 LAN addresses, e.g. 123.0.0.65/26 on eth3) "
	    "are within the declared advertised-public-prefix");
	fx_free(&fx);
}

static void
snat_private_or_undeclared_sources(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), obs_no_snat(LAN_IF("10.20.0.1/16")));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "no SNAT or masquerade rule for traffic leaving eth1.300 (primary link) and eth2.300 (secondary link), and source 10.20.0.1/16 "
	    "on eth3 is private (RFC 1918): Microsoft accepts only public sources within the advertised-public-prefix");
	fx_free(&fx);

	/* Public, but not declared to Microsoft: its ACLs drop it. */
	load(&fx, cfg_text(), obs_no_snat(LAN_IF("124.1.0.1/24")));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "no SNAT or masquerade rule for traffic leaving eth1.300 (primary link) and eth2.300 (secondary link), and source 124.1.0.1/24 "
	    "on eth3 is outside the declared advertised-public-prefix: Microsoft accepts only public sources within the advertised-public-prefix");
	fx_free(&fx);

	/* A declared prefix covering only part of the LAN is not enough. */
	load(&fx, cfg_text(), obs_no_snat(LAN_IF("123.0.0.1/23")));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "no SNAT or masquerade rule for traffic leaving eth1.300 (primary link) and eth2.300 (secondary link), and source 123.0.0.1/23 "
	    "on eth3 is outside the declared advertised-public-prefix: Microsoft accepts only public sources within the advertised-public-prefix");
	fx_free(&fx);
}

static void
snat_sources_not_visible(void **state)
{
	struct fx fx;

	(void)state;
	/* Only the peering links and the Internet link (eth0 faces 198.18.0.1): nothing to judge by. */
	load(&fx, cfg_text(), drop_object(obs_no_snat(LAN_IF("10.20.0.1/16")), "\"name\": \"eth3\""));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_WARN,
	    "no SNAT or masquerade rule for traffic leaving eth1.300 (primary link) and eth2.300 (secondary link), and no LAN address on "
	    "this host shows the sources: make sure they are within the advertised-public-prefix");
	fx_free(&fx);

	load(&fx, cfg_text(), snapshot(R_MASQ("eth0"), NULL, NULL));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_UNKNOWN,
	    "no SNAT or masquerade rule for traffic leaving eth1.300 (primary link) and eth2.300 (secondary link), and interface state "
	    "not collected: the sources cannot be judged");
	fx_free(&fx);
}

/* An IPv6-only rule or one on another hook does not NAT IPv4 egress. */
static void
snat_wrong_family_or_hook(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), fx_edit(obs_text(), "\"family\": \"ip\", \"hook\": \"postrouting\", " OBS_SNAT_PRI,
	    "\"family\": \"ip6\", \"hook\": \"postrouting\", " OBS_SNAT_PRI));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "no SNAT or masquerade rule for traffic leaving eth1.300 (primary link), and source 10.20.0.1/16 on eth3 is private (RFC 1918): "
	    "Microsoft accepts only public sources within the advertised-public-prefix");
	fx_free(&fx);

	load(&fx, cfg_text(), fx_edit(obs_text(), "\"family\": \"ip\", \"hook\": \"postrouting\", " OBS_SNAT_SEC,
	    "\"family\": \"ip\", \"hook\": \"output\", " OBS_SNAT_SEC));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "no SNAT or masquerade rule for traffic leaving eth2.300 (secondary link), and source 10.20.0.1/16 on eth3 is private (RFC 1918): "
	    "Microsoft accepts only public sources within the advertised-public-prefix");
	fx_free(&fx);
}

static void
snat_private_pool(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), obs_edit(OBS_XLAT, "\"translated\": [\"10.9.0.0/29\"]"));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "SNAT toward eth1.300 translates to 10.9.0.0/29, not a public address: Microsoft accepts only public sources");
	fx_free(&fx);

	/* Shared address space (RFC 6598) is not public either. */
	load(&fx, cfg_text(), snapshot(R_SNAT("eth1.300", "123.0.0.0/29") ", " R_SNAT("eth2.300", "100.64.0.8/29"), NULL, NULL));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "SNAT toward eth2.300 translates to 100.64.0.8/29, not a public address: Microsoft accepts only public sources");
	fx_free(&fx);
}

static void
snat_outside_pool(void **state)
{
	struct fx fx;
	char *obs = obs_text();

	(void)state;
	/* The second "translated" is the eth2.300 rule's. */
	obs = fx_edit(obs, OBS_XLAT, "\"translated\": [\"123.0.0.0/28\"]");
	obs = fx_edit(obs, OBS_XLAT, "\"translated\": [\"123.0.0.8/29\"]");
	obs = fx_edit(obs, "\"translated\": [\"123.0.0.0/28\"]", OBS_XLAT);
	load(&fx, cfg_text(), obs);
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "SNAT toward eth2.300 translates to 123.0.0.8/29, outside the configured nat-pool");
	fx_free(&fx);
}

/* Single addresses inside the pool are fine. */
static void
snat_single_addresses(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), snapshot(R_SNAT("eth1.300", "123.0.0.1") ", " R_SNAT("eth2.300", "123.0.0.6"), NULL, NULL));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_PASS,
	    "traffic toward eth1.300 and eth2.300 is source-NATed to public addresses");
	fx_free(&fx);
}

/* One rule without an output interface covers both links. */
static void
snat_catch_all(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), snapshot(R_SNAT_ANY("123.0.0.0/29"), NULL, NULL));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_PASS,
	    "traffic toward eth1.300 and eth2.300 is source-NATed to public addresses");
	fx_free(&fx);
}

static void
snat_masquerade(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), snapshot(R_MASQ("eth1.300") ", " R_SNAT("eth2.300", "123.0.0.0/29"), NULL, NULL));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_WARN,
	    "masquerade toward eth1.300 uses the link address: configure a NAT pool (HC24 advises against link addresses)");
	fx_free(&fx);

	load(&fx, cfg_text(), snapshot(R_SNAT("eth1.300", "123.0.0.0/29") ", " R_MASQ("eth2.300"), NULL, NULL));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_WARN,
	    "masquerade toward eth2.300 uses the link address: configure a NAT pool (HC24 advises against link addresses)");
	fx_free(&fx);

	/* A bad SNAT on the other link still fails. */
	load(&fx, cfg_text(), snapshot(R_MASQ("eth1.300") ", " R_SNAT("eth2.300", "10.9.0.0/29"), NULL, NULL));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "SNAT toward eth2.300 translates to 10.9.0.0/29, not a public address: Microsoft accepts only public sources");
	fx_free(&fx);
}

/* Both links masquerade: the detail names only the secondary (see report). */
static void
snat_masquerade_both(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), snapshot(R_MASQ("eth1.300") ", " R_MASQ("eth2.300"), NULL, NULL));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_WARN,
	    "masquerade toward eth1.300 and eth2.300 uses the link address: configure a NAT pool (HC24 advises against link addresses)");
	fx_free(&fx);
}

static void
snat_pool_private(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_edit(CFG_POOL, "\"nat-pool\": [\"10.9.0.0/29\"],"), obs_text());
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "NAT pool 10.9.0.0/29 is not a public prefix: Microsoft accepts only public addresses");
	fx_free(&fx);
}

static void
snat_pool_not_advertised(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_edit(CFG_POOL, "\"nat-pool\": [\"124.0.0.0/29\"],"),
	    snapshot(R_SNAT("eth1.300", "124.0.0.0/29") ", " R_SNAT("eth2.300", "124.0.0.0/29"), NULL, NULL));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "NAT pool 124.0.0.0/29 is not within the declared advertised-public-prefix: return traffic has no route");
	fx_free(&fx);

	/* Larger than the declared prefix: not within it either. */
	load(&fx, cfg_edit(CFG_POOL, "\"nat-pool\": [\"123.0.0.0/23\"],"), obs_text());
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "NAT pool 123.0.0.0/23 is not within the declared advertised-public-prefix: return traffic has no route");
	fx_free(&fx);
}

/* Without a nat-pool any public translation passes. */
static void
snat_no_pool(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_edit(CFG_POOL, ""), snapshot(R_SNAT("eth1.300", "123.0.0.8/29") ", " R_SNAT("eth2.300", "123.0.0.16/29"), NULL, NULL));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_PASS,
	    "traffic toward eth1.300 and eth2.300 is source-NATed to public addresses");
	fx_free(&fx);
}

static void
snat_public_peering(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_edit(CFG_PEERINGS, CFG_PUBLIC_PEERING),
	    snapshot(R_SNAT("eth1.200", "124.0.0.0/29") ", " R_SNAT("eth2.200", "124.0.0.0/29"), NULL, NULL));
	assert_check(&fx, 280, CIRCUIT, PUB, NOPATH, ER_PASS,
	    "traffic toward eth1.200 and eth2.200 is source-NATed to public addresses");
	fx_free(&fx);

	load(&fx, cfg_edit(CFG_PEERINGS, CFG_PUBLIC_PEERING), snapshot(R_SNAT("eth1.200", "124.0.0.0/29"), NULL, NULL));
	/* Without SNAT the sources decide; this snapshot has no interface state. */
	assert_check(&fx, 280, CIRCUIT, PUB, NOPATH, ER_UNKNOWN,
	    "no SNAT or masquerade rule for traffic leaving eth2.200 (secondary link), and interface state not collected: the sources cannot be judged");
	fx_free(&fx);
}

static void
snat_unknown(void **state)
{
	struct fx fx;
	char *cfg = cfg_text();

	(void)state;
	/* Nothing collected. */
	fx_load(&fx, cfg, NULL);
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_UNKNOWN, "NAT state not collected");
	/* No observed state at all. */
	er_observed_unref(fx.obs);
	fx.obs = NULL;
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_UNKNOWN, "NAT state not collected");
	fx_free(&fx);

	/* The collector failed: its rules, if any, are not trusted. */
	fx_load(&fx, cfg, "{ \"sources\": { \"nat\": { \"status\": \"error\", \"daemon\": \"nftables\", "
	                  "\"message\": \"nft: Operation not permitted\" } } }");
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_UNKNOWN, UNKNOWN_NAT_ERROR);
	fx_free(&fx);
	load(&fx, cfg, obs_edit(OBS_NAT_SRC, "\"nat\": { \"status\": \"error\", \"daemon\": \"nftables\", "
	                                      "\"message\": \"nft: Operation not permitted\" }"));
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_UNKNOWN, UNKNOWN_NAT_ERROR);
	fx_free(&fx);
}

/* Even a broken pool is unknown, not fail, while NAT state is missing. */
static void
snat_unknown_before_pool(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_edit(CFG_POOL, "\"nat-pool\": [\"10.9.0.0/29\"],"), NULL);
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_UNKNOWN, "NAT state not collected");
	fx_free(&fx);
}

static void
snat_disabled(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_edit(CFG_MSFT_VLAN, "\"enabled\": false, " CFG_MSFT_VLAN), obs_text());
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_NA, "Microsoft peering is disabled");
	fx_free(&fx);
	load(&fx, cfg_edit(CFG_MSFT_VLAN, "\"enabled\": false, " CFG_MSFT_VLAN), NULL);
	assert_check(&fx, 280, CIRCUIT, MSFT, NOPATH, ER_NA, "Microsoft peering is disabled");
	fx_free(&fx);
}

/* ---- 300 nat-pool-not-link ---- */

static void
pool_healthy(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), obs_text());
	assert_check(&fx, 300, CIRCUIT, MSFT, NOPATH, ER_PASS, "NAT pool outside every link subnet");
	fx_free(&fx);
	/* Configuration only: no host state needed. */
	load(&fx, cfg_text(), NULL);
	assert_check(&fx, 300, CIRCUIT, MSFT, NOPATH, ER_PASS, "NAT pool outside every link subnet");
	fx_free(&fx);
}

static void
pool_overlaps_link(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_edit(CFG_POOL, "\"nat-pool\": [\"131.107.0.0/30\"],"), obs_text());
	assert_check(&fx, 300, CIRCUIT, MSFT, NOPATH, ER_WARN,
	    "NAT pool 131.107.0.0/30 overlaps link subnet 131.107.0.0/30: use addresses outside the link ranges");
	fx_free(&fx);

	/* Part of the secondary link; the second pool entry is the culprit. */
	load(&fx, cfg_edit(CFG_POOL, "\"nat-pool\": [\"123.0.0.0/29\", \"131.107.0.6/32\"],"), obs_text());
	assert_check(&fx, 300, CIRCUIT, MSFT, NOPATH, ER_WARN,
	    "NAT pool 131.107.0.6/32 overlaps link subnet 131.107.0.4/30: use addresses outside the link ranges");
	fx_free(&fx);

	/* A pool containing both links. */
	load(&fx, cfg_edit(CFG_POOL, "\"nat-pool\": [\"131.107.0.0/24\"],"), obs_text());
	assert_check(&fx, 300, CIRCUIT, MSFT, NOPATH, ER_WARN,
	    "NAT pool 131.107.0.0/24 overlaps link subnet 131.107.0.0/30: use addresses outside the link ranges");
	fx_free(&fx);
}

/* Link subnets of every peering count, not only this one's. */
static void
pool_overlaps_other_peering(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_edit(CFG_POOL, "\"nat-pool\": [\"172.16.0.4/30\"],"), NULL);
	assert_check(&fx, 300, CIRCUIT, MSFT, NOPATH, ER_WARN,
	    "NAT pool 172.16.0.4/30 overlaps link subnet 172.16.0.4/30: use addresses outside the link ranges");
	fx_free(&fx);
}

static void
pool_na(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_edit(CFG_POOL, ""), obs_text());
	assert_check(&fx, 300, CIRCUIT, MSFT, NOPATH, ER_NA, "no NAT pool configured");
	fx_free(&fx);
	load(&fx, cfg_edit(CFG_MSFT_VLAN, "\"enabled\": false, " CFG_MSFT_VLAN), obs_text());
	assert_check(&fx, 300, CIRCUIT, MSFT, NOPATH, ER_NA, "Microsoft peering is disabled");
	fx_free(&fx);
}

/* ---- 320 nat-separate-edge ---- */

static void
edge_healthy(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), obs_text());
	assert_check(&fx, 320, CIRCUIT, MSFT, NOPATH, ER_PASS, "Microsoft NAT pool used only toward ExpressRoute");
	fx_free(&fx);

	/* The Internet edge SNATs to a different pool. */
	load(&fx, cfg_text(), obs_edit(OBS_MASQ_ETH0,
	    "\"output-interface\": \"eth0\", \"action\": \"snat\", \"translated\": [\"123.0.1.0/29\"]"));
	assert_check(&fx, 320, CIRCUIT, MSFT, NOPATH, ER_PASS, "Microsoft NAT pool used only toward ExpressRoute");
	fx_free(&fx);
}

static void
edge_pool_on_internet(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), obs_edit(OBS_MASQ_ETH0,
	    "\"output-interface\": \"eth0\", \"action\": \"snat\", \"translated\": [\"123.0.0.0/29\"]"));
	assert_check(&fx, 320, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "the Microsoft NAT pool 123.0.0.0/29 is also used for traffic leaving eth0: use a separate edge and pool for the Internet");
	fx_free(&fx);

	/* One address of the pool is enough. */
	load(&fx, cfg_text(), obs_edit(OBS_MASQ_ETH0,
	    "\"output-interface\": \"eth0\", \"action\": \"snat\", \"translated\": [\"198.18.0.2\", \"123.0.0.7\"]"));
	assert_check(&fx, 320, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "the Microsoft NAT pool 123.0.0.0/29 is also used for traffic leaving eth0: use a separate edge and pool for the Internet");
	fx_free(&fx);
}

/* A rule without an output interface also NATs Internet traffic. */
static void
edge_pool_any_interface(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), snapshot(R_SNAT_ANY("123.0.0.0/29"), NULL, NULL));
	assert_check(&fx, 320, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "the Microsoft NAT pool 123.0.0.0/29 is also used for traffic leaving any interface: use a separate edge and pool for the Internet");
	fx_free(&fx);
}

static void
edge_unknown_na(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), NULL);
	assert_check(&fx, 320, CIRCUIT, MSFT, NOPATH, ER_UNKNOWN, "NAT state not collected");
	fx_free(&fx);
	load(&fx, cfg_text(), obs_edit(OBS_NAT_SRC, "\"nat\": { \"status\": \"error\", \"daemon\": \"nftables\", "
	                                             "\"message\": \"nft: Operation not permitted\" }"));
	assert_check(&fx, 320, CIRCUIT, MSFT, NOPATH, ER_UNKNOWN, UNKNOWN_NAT_ERROR);
	fx_free(&fx);
	load(&fx, cfg_text(), obs_edit(OBS_NAT_SRC, "\"nat\": { \"status\": \"disabled\", \"daemon\": \"nftables\", "
	                                             "\"message\": \"disabled in the agent config\" }"));
	assert_check(&fx, 320, CIRCUIT, MSFT, NOPATH, ER_UNKNOWN,
	    "NAT state not available: nftables: disabled in the agent config");
	fx_free(&fx);

	load(&fx, cfg_edit(CFG_POOL, ""), obs_text());
	assert_check(&fx, 320, CIRCUIT, MSFT, NOPATH, ER_NA, "no NAT pool configured");
	fx_free(&fx);
	/* Not applicable wins over missing state. */
	load(&fx, cfg_edit(CFG_POOL, ""), NULL);
	assert_check(&fx, 320, CIRCUIT, MSFT, NOPATH, ER_NA, "no NAT pool configured");
	fx_free(&fx);
	load(&fx, cfg_edit(CFG_MSFT_VLAN, "\"enabled\": false, " CFG_MSFT_VLAN), obs_text());
	assert_check(&fx, 320, CIRCUIT, MSFT, NOPATH, ER_NA, "Microsoft peering is disabled");
	fx_free(&fx);
}

/* ---- 350 qos-dscp-values ---- */

static void
dscp_healthy(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), obs_text());
	assert_check(&fx, 350, CIRCUIT, MSFT, NOPATH, ER_PASS,
	    "DSCP values set toward Microsoft (46, 0) are all in the current profile");
	fx_free(&fx);

	/* No marking rule at all sets nothing outside the profile. */
	load(&fx, cfg_text(), snapshot(NULL, NULL, QUEUES_HEALTHY));
	assert_check(&fx, 350, CIRCUIT, MSFT, NOPATH, ER_PASS,
	    "no rule toward Microsoft sets a DSCP value outside the current profile (" CURRENT_SET ")");
	fx_free(&fx);
}

static void
dscp_sets_26(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), obs_edit(OBS_EF_PRI, OBS_EF_PRI " " D_RULE("eth2.300", "26", "dscp-in", "24") ","));
	assert_check(&fx, 350, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "a rule toward eth2.300 sets DSCP 26, not in the current profile (" CURRENT_SET ")");
	fx_free(&fx);

	/* A rule for every interface names the peering interface. */
	load(&fx, cfg_text(), snapshot(NULL, DSCP_HEALTHY ", " D_RULE("", "26", "any", ""), QUEUES_HEALTHY));
	assert_check(&fx, 350, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "a rule toward eth1.300 sets DSCP 26, not in the current profile (" CURRENT_SET ")");
	fx_free(&fx);
}

/* Ingress rules and rules toward other interfaces do not count. */
static void
dscp_other_directions(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), snapshot(NULL,
	    DSCP_HEALTHY ", { \"interface\": \"eth1.300\", \"direction\": \"ingress\", \"set-dscp\": 26 }, "
	                 "{ \"interface\": \"eth0\", \"direction\": \"egress\", \"set-dscp\": 26 }",
	    QUEUES_HEALTHY));
	assert_check(&fx, 350, CIRCUIT, MSFT, NOPATH, ER_PASS,
	    "DSCP values set toward Microsoft (46, 0) are all in the current profile");
	fx_free(&fx);
}


static void
dscp_cs3_profiles(void **state)
{
	struct fx fx;

	(void)state;
	/* CS3 24 (SIP signalling) is only in the 2016 profile. */
	load(&fx, cfg_text(), snapshot(NULL, DSCP_HEALTHY ", " D_RULE("eth1.300", "24", "other", ""), QUEUES_HEALTHY));
	assert_check(&fx, 350, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "a rule toward eth1.300 sets DSCP 24, not in the current profile (" CURRENT_SET ")");
	fx_free(&fx);

	load(&fx, cfg_edit(CFG_QOS, "\"qos-profile\": \"legacy-2016\""),
	    snapshot(NULL, DSCP_HEALTHY ", " D_RULE("eth1.300", "24", "other", ""), QUEUES_HEALTHY));
	assert_check(&fx, 350, CIRCUIT, MSFT, NOPATH, ER_PASS,
	    "DSCP values set toward Microsoft (46, 24, 0) are all in the legacy-2016 profile");
	fx_free(&fx);

	/* 26 is in neither. */
	load(&fx, cfg_edit(CFG_QOS, "\"qos-profile\": \"legacy-2016\""),
	    snapshot(NULL, DSCP_HEALTHY ", " D_RULE("eth2.300", "26", "other", ""), QUEUES_HEALTHY));
	assert_check(&fx, 350, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "a rule toward eth2.300 sets DSCP 26, not in the legacy-2016 profile (46, 34, 24, 18, 10, 0)");
	fx_free(&fx);
}

static void
dscp_unknown_na(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), NULL);
	assert_check(&fx, 350, CIRCUIT, MSFT, NOPATH, ER_UNKNOWN, "QoS state not collected");
	fx_free(&fx);
	load(&fx, cfg_text(), obs_edit(OBS_QOS_SRC, "\"qos\": { \"status\": \"timeout\", \"daemon\": \"tc\", "
	                                             "\"message\": \"no answer within 5000 ms\" }"));
	assert_check(&fx, 350, CIRCUIT, MSFT, NOPATH, ER_UNKNOWN, UNKNOWN_QOS_ERROR);
	fx_free(&fx);
	/* NAT state does not stand in for QoS state. */
	load(&fx, cfg_text(), snapshot(R_SNAT_ANY("123.0.0.0/29"), NULL, NULL));
	assert_check(&fx, 350, CIRCUIT, MSFT, NOPATH, ER_UNKNOWN, "QoS state not collected");
	fx_free(&fx);

	load(&fx, cfg_edit(CFG_QOS, "\"qos-profile\": \"none\""), obs_text());
	assert_check(&fx, 350, CIRCUIT, MSFT, NOPATH, ER_NA, "QoS profile none");
	fx_free(&fx);
	load(&fx, cfg_edit(CFG_QOS, "\"qos-profile\": \"none\""), NULL);
	assert_check(&fx, 350, CIRCUIT, MSFT, NOPATH, ER_NA, "QoS profile none");
	fx_free(&fx);
	load(&fx, cfg_edit(CFG_MSFT_VLAN, "\"enabled\": false, " CFG_MSFT_VLAN), obs_text());
	assert_check(&fx, 350, CIRCUIT, MSFT, NOPATH, ER_NA, "Microsoft peering is disabled");
	fx_free(&fx);
}

/* ---- 360 qos-remark-others ---- */

static void
remark_healthy(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), obs_text());
	assert_check(&fx, 360, CIRCUIT, MSFT, NOPATH, ER_PASS,
	    "DSCP values outside " CURRENT_SET " are rewritten to 0 toward Microsoft");
	fx_free(&fx);

	/* A re-mark rule keeping fewer values is still a re-mark (370 judges what it loses). */
	load(&fx, cfg_text(), snapshot(NULL, D_KEEP("eth1.300", "46, 0") ", " D_KEEP("", "46, 34, 18"), NULL));
	assert_check(&fx, 360, CIRCUIT, MSFT, NOPATH, ER_PASS,
	    "DSCP values outside " CURRENT_SET " are rewritten to 0 toward Microsoft");
	fx_free(&fx);
}

static void
remark_missing(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), snapshot(NULL, D_EF("eth1.300") ", " D_EF("eth2.300"), QUEUES_HEALTHY));
	assert_check(&fx, 360, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "no rule toward eth1.300 rewrites DSCP values outside " CURRENT_SET " to 0 (AF31 26, for one, would reach Microsoft)");
	fx_free(&fx);

	load(&fx, cfg_text(), drop_object(obs_text(), OBS_KEEP_SEC));
	assert_check(&fx, 360, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "no rule toward eth2.300 rewrites DSCP values outside " CURRENT_SET " to 0 (AF31 26, for one, would reach Microsoft)");
	fx_free(&fx);

	/* Not a re-mark to 0: only 26 re-marked, re-mark to 8, or on ingress. */
	load(&fx, cfg_text(), snapshot(NULL,
	    D_RULE("eth1.300", "0", "dscp-in", "26") ", " D_RULE("eth1.300", "8", "dscp-not-in", KEEP_CURRENT) ", "
	    "{ \"interface\": \"eth1.300\", \"direction\": \"ingress\", \"set-dscp\": 0, \"match\": \"dscp-not-in\", "
	    "\"match-dscp\": [" KEEP_CURRENT "] }, " D_KEEP("eth2.300", KEEP_CURRENT),
	    QUEUES_HEALTHY));
	assert_check(&fx, 360, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "no rule toward eth1.300 rewrites DSCP values outside " CURRENT_SET " to 0 (AF31 26, for one, would reach Microsoft)");
	fx_free(&fx);
}

static void
remark_keeps_26(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), snapshot(NULL, D_KEEP("eth1.300", KEEP_CURRENT) ", " D_KEEP("eth2.300", "46, 34, 26, 18, 10, 0"),
	    QUEUES_HEALTHY));
	assert_check(&fx, 360, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "the re-mark rule toward eth2.300 keeps DSCP 26, not in the current profile");
	fx_free(&fx);

	load(&fx, cfg_text(), snapshot(NULL, D_KEEP("eth1.300", "46, 34, 26, 24, 18, 10, 0"), QUEUES_HEALTHY));
	assert_check(&fx, 360, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "the re-mark rule toward eth1.300 keeps DSCP 26, 24, not in the current profile");
	fx_free(&fx);
}

static void
remark_legacy(void **state)
{
	struct fx fx;
	const char *dscp = D_KEEP("eth1.300", "46, 34, 24, 18, 10, 0") ", " D_KEEP("eth2.300", "46, 34, 24, 18, 10, 0");

	(void)state;
	load(&fx, cfg_edit(CFG_QOS, "\"qos-profile\": \"legacy-2016\""), snapshot(NULL, dscp, QUEUES_HEALTHY));
	assert_check(&fx, 360, CIRCUIT, MSFT, NOPATH, ER_PASS,
	    "DSCP values outside 46, 34, 24, 18, 10, 0 are rewritten to 0 toward Microsoft");
	fx_free(&fx);

	load(&fx, cfg_text(), snapshot(NULL, dscp, QUEUES_HEALTHY));
	assert_check(&fx, 360, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "the re-mark rule toward eth1.300 keeps DSCP 24, not in the current profile");
	fx_free(&fx);
}

/*
 * Everything re-marked to 0: nothing outside the profile reaches Microsoft,
 * so 360 passes (370 fails for the lost EF).
 */
static void
remark_match_any(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), snapshot(NULL, D_RULE("", "0", "any", ""), QUEUES_HEALTHY));
	assert_check(&fx, 360, CIRCUIT, MSFT, NOPATH, ER_PASS,
	    "DSCP values outside " CURRENT_SET " are rewritten to 0 toward Microsoft");
	fx_free(&fx);
}

static void
remark_unknown_na(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), NULL);
	assert_check(&fx, 360, CIRCUIT, MSFT, NOPATH, ER_UNKNOWN, "QoS state not collected");
	fx_free(&fx);
	load(&fx, cfg_text(), obs_edit(OBS_QOS_SRC, "\"qos\": { \"status\": \"timeout\", \"daemon\": \"tc\", "
	                                             "\"message\": \"no answer within 5000 ms\" }"));
	assert_check(&fx, 360, CIRCUIT, MSFT, NOPATH, ER_UNKNOWN, UNKNOWN_QOS_ERROR);
	fx_free(&fx);
	load(&fx, cfg_edit(CFG_QOS, "\"qos-profile\": \"none\""), obs_text());
	assert_check(&fx, 360, CIRCUIT, MSFT, NOPATH, ER_NA, "QoS profile none");
	fx_free(&fx);
	load(&fx, cfg_edit(CFG_MSFT_VLAN, "\"enabled\": false, " CFG_MSFT_VLAN), NULL);
	assert_check(&fx, 360, CIRCUIT, MSFT, NOPATH, ER_NA, "Microsoft peering is disabled");
	fx_free(&fx);
}

/* ---- 370 qos-ef-queue ---- */

static void
ef_healthy(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), obs_text());
	assert_check(&fx, 370, CIRCUIT, MSFT, PRI, ER_PASS, "eth1.300: htb with a priority class for EF (46)");
	assert_check(&fx, 370, CIRCUIT, MSFT, SEC, ER_PASS, "eth2.300: htb with a priority class for EF (46)");
	fx_free(&fx);

	load(&fx, cfg_text(), snapshot(NULL, DSCP_HEALTHY, Q("eth1.300", "prio", "true", "true", "0")));
	assert_check(&fx, 370, CIRCUIT, MSFT, PRI, ER_PASS, "eth1.300: prio with a priority class for EF (46)");
	fx_free(&fx);
}

static void
ef_remark_any_to_0(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), snapshot(NULL, DSCP_HEALTHY ", " D_RULE("eth1.300", "0", "any", ""), QUEUES_HEALTHY));
	assert_check(&fx, 370, CIRCUIT, MSFT, PRI, ER_FAIL,
	    "a rule toward eth1.300 rewrites DSCP 46, 34, 18 to 0: Skype/Teams markings must be preserved");
	assert_check(&fx, 370, CIRCUIT, MSFT, SEC, ER_PASS, "eth2.300: htb with a priority class for EF (46)");
	fx_free(&fx);

	/* For every interface: both paths. */
	load(&fx, cfg_text(), snapshot(NULL, D_RULE("", "0", "any", ""), QUEUES_HEALTHY));
	assert_check(&fx, 370, CIRCUIT, MSFT, SEC, ER_FAIL,
	    "a rule toward eth2.300 rewrites DSCP 46, 34, 18 to 0: Skype/Teams markings must be preserved");
	fx_free(&fx);
}

static void
ef_keep_set_lacks_34(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), snapshot(NULL, D_KEEP("eth1.300", KEEP_CURRENT) ", " D_KEEP("eth2.300", "46, 18, 10, 0"),
	    QUEUES_HEALTHY));
	assert_check(&fx, 370, CIRCUIT, MSFT, PRI, ER_PASS, "eth1.300: htb with a priority class for EF (46)");
	assert_check(&fx, 370, CIRCUIT, MSFT, SEC, ER_FAIL,
	    "a rule toward eth2.300 rewrites DSCP 34 to 0: Skype/Teams markings must be preserved");
	fx_free(&fx);
}

static void
ef_other_remarks(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), snapshot(NULL, D_RULE("eth1.300", "0", "dscp-in", "46, 26") ", " D_KEEP("eth2.300", KEEP_CURRENT)
	    ", " D_RULE("eth2.300", "46", "any", ""), QUEUES_HEALTHY));
	assert_check(&fx, 370, CIRCUIT, MSFT, PRI, ER_FAIL,
	    "a rule toward eth1.300 rewrites DSCP 46 to 0: Skype/Teams markings must be preserved");
	assert_check(&fx, 370, CIRCUIT, MSFT, SEC, ER_FAIL,
	    "a rule toward eth2.300 rewrites DSCP 34, 18 to 46: Skype/Teams markings must be preserved");
	fx_free(&fx);

	/* Re-marking 26 only, or on ingress, keeps 46/34/18. */
	load(&fx, cfg_text(), snapshot(NULL, D_RULE("eth1.300", "0", "dscp-in", "26") ", "
	    "{ \"interface\": \"eth1.300\", \"direction\": \"ingress\", \"set-dscp\": 0 }", QUEUES_HEALTHY));
	assert_check(&fx, 370, CIRCUIT, MSFT, PRI, ER_PASS, "eth1.300: htb with a priority class for EF (46)");
	fx_free(&fx);
}

static void
ef_queues(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), drop_object(obs_text(), "\"interface\": \"eth1.300\", \"qdisc\""));
	assert_check(&fx, 370, CIRCUIT, MSFT, PRI, ER_FAIL,
	    "no queueing discipline on eth1.300: voice (EF 46) needs its own priority class");
	assert_check(&fx, 370, CIRCUIT, MSFT, SEC, ER_PASS, "eth2.300: htb with a priority class for EF (46)");
	fx_free(&fx);

	load(&fx, cfg_text(), obs_edit(OBS_QUEUE_SEC, Q("eth2.300", "fq_codel", "false", "false", "0")));
	assert_check(&fx, 370, CIRCUIT, MSFT, SEC, ER_FAIL,
	    "eth2.300 uses fq_codel, a classless qdisc: voice (EF 46) needs its own priority class");
	fx_free(&fx);

	load(&fx, cfg_text(), obs_edit(OBS_QUEUE_PRI, Q("eth1.300", "htb", "true", "false", "1000000000")));
	assert_check(&fx, 370, CIRCUIT, MSFT, PRI, ER_FAIL, "eth1.300's htb has no priority class fed by DSCP 46");
	fx_free(&fx);

	/* A queue on another interface is not this one's. */
	load(&fx, cfg_text(), snapshot(NULL, DSCP_HEALTHY, Q_HTB("eth0") ", " Q_HTB("eth1.300")));
	assert_check(&fx, 370, CIRCUIT, MSFT, SEC, ER_FAIL,
	    "no queueing discipline on eth2.300: voice (EF 46) needs its own priority class");
	fx_free(&fx);
}

static void
ef_unknown_na(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), NULL);
	assert_check(&fx, 370, CIRCUIT, MSFT, PRI, ER_UNKNOWN, "QoS state not collected");
	fx_free(&fx);
	load(&fx, cfg_text(), obs_edit(OBS_QOS_SRC, "\"qos\": { \"status\": \"timeout\", \"daemon\": \"tc\", "
	                                             "\"message\": \"no answer within 5000 ms\" }"));
	assert_check(&fx, 370, CIRCUIT, MSFT, SEC, ER_UNKNOWN, UNKNOWN_QOS_ERROR);
	fx_free(&fx);
	/* No secondary interface configured: its queues are unknown. */
	load(&fx, cfg_edit(CFG_MSFT_SEC_IF, ""), obs_text());
	assert_check(&fx, 370, CIRCUIT, MSFT, PRI, ER_PASS, "eth1.300: htb with a priority class for EF (46)");
	assert_check(&fx, 370, CIRCUIT, MSFT, SEC, ER_UNKNOWN, "no secondary-interface configured: its queues cannot be checked");
	fx_free(&fx);

	load(&fx, cfg_edit(CFG_QOS, "\"qos-profile\": \"none\""), obs_text());
	assert_check(&fx, 370, CIRCUIT, MSFT, PRI, ER_NA, "QoS profile none");
	fx_free(&fx);
	load(&fx, cfg_edit(CFG_MSFT_VLAN, "\"enabled\": false, " CFG_MSFT_VLAN), obs_text());
	assert_check(&fx, 370, CIRCUIT, MSFT, SEC, ER_NA, "Microsoft peering is disabled");
	fx_free(&fx);
}

/* ---- 380 qos-scope ---- */

static void
scope_private(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), obs_text());
	assert_check(&fx, 380, CIRCUIT, PRIV, NOPATH, ER_PASS,
	    "no QoS requirement on Azure private peering (Q16: Microsoft peering only)");
	fx_free(&fx);

	load(&fx, cfg_text(), obs_edit(OBS_EF_PRI, OBS_EF_PRI " " D_EF("eth2.100") ","));
	assert_check(&fx, 380, CIRCUIT, PRIV, NOPATH, ER_PASS,
	    "DSCP marking toward eth2.100 is kept by Azure but not used for prioritisation (Q23) (informational)");
	fx_free(&fx);

	load(&fx, cfg_text(), snapshot(NULL, DSCP_HEALTHY ", " D_EF("eth2.100") ", " D_EF("eth1.100"), NULL));
	assert_check(&fx, 380, CIRCUIT, PRIV, NOPATH, ER_PASS,
	    "DSCP marking toward eth2.100 is kept by Azure but not used for prioritisation (Q23) (informational)");
	fx_free(&fx);

	/* Ingress marking is not marking toward Azure. */
	load(&fx, cfg_text(), snapshot(NULL,
	    DSCP_HEALTHY ", { \"interface\": \"eth1.100\", \"direction\": \"ingress\", \"set-dscp\": 0 }", NULL));
	assert_check(&fx, 380, CIRCUIT, PRIV, NOPATH, ER_PASS,
	    "no QoS requirement on Azure private peering (Q16: Microsoft peering only)");
	fx_free(&fx);
}

static void
scope_public(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_edit(CFG_PEERINGS, CFG_PUBLIC_PEERING), obs_text());
	assert_check(&fx, 380, CIRCUIT, PUB, NOPATH, ER_PASS,
	    "no QoS requirement on Azure public peering (Q16: Microsoft peering only)");
	fx_free(&fx);

	load(&fx, cfg_edit(CFG_PEERINGS, CFG_PUBLIC_PEERING), snapshot(NULL, D_RULE("eth1.200", "34", "dscp-in", "26"), NULL));
	assert_check(&fx, 380, CIRCUIT, PUB, NOPATH, ER_PASS,
	    "DSCP marking toward eth1.200 is reset to 0 by Microsoft (Q19) (informational)");
	fx_free(&fx);
}

static void
scope_unknown_na(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), NULL);
	assert_check(&fx, 380, CIRCUIT, PRIV, NOPATH, ER_UNKNOWN, "QoS state not collected");
	fx_free(&fx);
	load(&fx, cfg_text(), obs_edit(OBS_QOS_SRC, "\"qos\": { \"status\": \"timeout\", \"daemon\": \"tc\", "
	                                             "\"message\": \"no answer within 5000 ms\" }"));
	assert_check(&fx, 380, CIRCUIT, PRIV, NOPATH, ER_UNKNOWN, UNKNOWN_QOS_ERROR);
	fx_free(&fx);
	load(&fx, cfg_edit(CFG_PRIV_VLAN, "\"enabled\": false, " CFG_PRIV_VLAN), obs_text());
	assert_check(&fx, 380, CIRCUIT, PRIV, NOPATH, ER_NA, "Azure private peering is disabled");
	fx_free(&fx);
}

/* ---- 400 capacity-shaper ---- */

static void
shaper_healthy(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), obs_text());
	assert_check(&fx, 400, CIRCUIT, MSFT, PRI, ER_PASS, "eth1.300 shapes to 1000 Mbps, within the 1000 Mbps circuit");
	assert_check(&fx, 400, CIRCUIT, MSFT, SEC, ER_PASS, "eth2.300 shapes to 1000 Mbps, within the 1000 Mbps circuit");
	/* No shaper on the private peering. */
	assert_check(&fx, 400, CIRCUIT, PRIV, PRI, ER_PASS, "eth1.100 not shaped; Microsoft polices the circuit at 1000 Mbps");
	assert_check(&fx, 400, CIRCUIT, PRIV, SEC, ER_PASS, "eth2.100 not shaped; Microsoft polices the circuit at 1000 Mbps");
	fx_free(&fx);
}

static void
shaper_above(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), obs_edit(OBS_QUEUE_PRI, Q("eth1.300", "htb", "true", "true", "2000000000")));
	assert_check(&fx, 400, CIRCUIT, MSFT, PRI, ER_WARN,
	    "eth1.300 shapes to 2000 Mbps, above the 1000 Mbps circuit: the excess is not guaranteed and may be dropped");
	assert_check(&fx, 400, CIRCUIT, MSFT, SEC, ER_PASS, "eth2.300 shapes to 1000 Mbps, within the 1000 Mbps circuit");
	fx_free(&fx);

	/* The same shaper on a 10 Gbps circuit is fine. */
	load(&fx, cfg_edit(CFG_BW, "\"bandwidth\": 10000,"),
	    obs_edit(OBS_QUEUE_PRI, Q("eth1.300", "htb", "true", "true", "2000000000")));
	assert_check(&fx, 400, CIRCUIT, MSFT, PRI, ER_PASS, "eth1.300 shapes to 2000 Mbps, within the 10000 Mbps circuit");
	fx_free(&fx);
}

static void
shaper_below_or_none(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), fx_edit(obs_edit(OBS_QUEUE_PRI, Q("eth1.300", "fq_codel", "false", "false", "0")),
	    OBS_QUEUE_SEC, Q("eth2.300", "tbf", "false", "false", "500000000")));
	assert_check(&fx, 400, CIRCUIT, MSFT, PRI, ER_PASS, "eth1.300 not shaped; Microsoft polices the circuit at 1000 Mbps");
	assert_check(&fx, 400, CIRCUIT, MSFT, SEC, ER_PASS, "eth2.300 shapes to 500 Mbps, within the 1000 Mbps circuit");
	fx_free(&fx);

	/* QoS collected, no queue at all. */
	load(&fx, cfg_text(), drop_object(drop_object(obs_text(), OBS_QUEUE_PRI), OBS_QUEUE_SEC));
	assert_check(&fx, 400, CIRCUIT, MSFT, SEC, ER_PASS, "eth2.300 not shaped; Microsoft polices the circuit at 1000 Mbps");
	fx_free(&fx);
}

/*
 * Issue 13: an interface that does not exist has no queue either, and
 * passed as "not shaped". It fails as in the link checks (30, 81), and is
 * unknown while interfaces were not collected.
 */
static void
shaper_missing_interface(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_edit(CFG_MSFT_SEC_IF, "\"secondary-interface\": \"eth3.300\","), obs_text());
	assert_check(&fx, 400, CIRCUIT, MSFT, SEC, ER_FAIL, "secondary interface eth3.300 not present");
	assert_check(&fx, 400, CIRCUIT, MSFT, PRI, ER_PASS, "eth1.300 shapes to 1000 Mbps, within the 1000 Mbps circuit");
	fx_free(&fx);

	load(&fx, cfg_text(), snapshot(NULL, DSCP_HEALTHY, QUEUES_HEALTHY));
	assert_check(&fx, 400, CIRCUIT, MSFT, PRI, ER_UNKNOWN, "interface state not collected");
	fx_free(&fx);
}

static void
shaper_unknown_na(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), NULL);
	assert_check(&fx, 400, CIRCUIT, MSFT, PRI, ER_UNKNOWN, "QoS state not collected");
	assert_check(&fx, 400, CIRCUIT, PRIV, SEC, ER_UNKNOWN, "QoS state not collected");
	fx_free(&fx);
	load(&fx, cfg_text(), obs_edit(OBS_QOS_SRC, "\"qos\": { \"status\": \"timeout\", \"daemon\": \"tc\", "
	                                             "\"message\": \"no answer within 5000 ms\" }"));
	assert_check(&fx, 400, CIRCUIT, MSFT, PRI, ER_UNKNOWN, UNKNOWN_QOS_ERROR);
	fx_free(&fx);
	load(&fx, cfg_edit(CFG_MSFT_SEC_IF, ""), obs_text());
	assert_check(&fx, 400, CIRCUIT, MSFT, SEC, ER_UNKNOWN, "no secondary-interface configured: its shaper cannot be checked");
	fx_free(&fx);

	load(&fx, cfg_edit(CFG_BW, ""), obs_text());
	assert_check(&fx, 400, CIRCUIT, MSFT, PRI, ER_NA, "no circuit bandwidth recorded");
	assert_check(&fx, 400, CIRCUIT, PRIV, PRI, ER_NA, "no circuit bandwidth recorded");
	fx_free(&fx);
	load(&fx, cfg_edit(CFG_BW, ""), NULL);
	assert_check(&fx, 400, CIRCUIT, MSFT, SEC, ER_NA, "no circuit bandwidth recorded");
	fx_free(&fx);
	load(&fx, cfg_edit(CFG_PRIV_VLAN, "\"enabled\": false, " CFG_PRIV_VLAN), obs_text());
	assert_check(&fx, 400, CIRCUIT, PRIV, PRI, ER_NA, "Azure private peering is disabled");
	assert_check(&fx, 400, CIRCUIT, MSFT, PRI, ER_PASS, "eth1.300 shapes to 1000 Mbps, within the 1000 Mbps circuit");
	fx_free(&fx);
}

/* ---- source status wording (checks.c), as these checks report it ---- */

static void
source_status_wording(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), obs_edit(OBS_QOS_SRC, "\"qos\": { \"status\": \"disabled\" }"));
	assert_check(&fx, 370, CIRCUIT, MSFT, PRI, ER_UNKNOWN, "QoS state not available: source disabled");
	fx_free(&fx);
	load(&fx, cfg_text(), obs_edit(OBS_QOS_SRC, "\"qos\": { \"status\": \"error\", \"message\": \"RTNETLINK answers: Operation not permitted\" }"));
	assert_check(&fx, 360, CIRCUIT, MSFT, NOPATH, ER_UNKNOWN,
	    "QoS state not available: error (RTNETLINK answers: Operation not permitted)");
	fx_free(&fx);
}

/* ---- cases that show defects (see the report); they assert the intended behaviour ---- */

/* A detail must not have an empty name: no doubled, leading or trailing space, no "'s  ". */
static void
assert_well_formed(const char *detail)
{
	size_t n = strlen(detail);

	if (!n || detail[0] == ' ' || detail[n - 1] == ' ' || strstr(detail, "  ") || strstr(detail, " and  ") ||
	    strstr(detail, "toward  "))
		fail_msg("malformed detail: \"%s\"", detail);
}

/*
 * Each runs the check, frees the fixture, then asserts, so a failing case
 * leaks nothing under valgrind.
 */
static enum er_status
run_free(struct fx *fx, uint32_t code, enum er_peering_type peering, enum er_path path, char *detail)
{
	enum er_status st = fx_run(fx, code, CIRCUIT, peering, path);

	memcpy(detail, fx->detail, ER_DETAIL_LEN);
	fx_free(fx);
	return st;
}

/* Regression: a collector error without a message left a trailing space. */
static void
regression_source_error_no_message(void **state)
{
	struct fx fx;
	char detail[ER_DETAIL_LEN];

	(void)state;
	load(&fx, cfg_text(), obs_edit(OBS_NAT_SRC, "\"nat\": { \"status\": \"error\", \"daemon\": \"nftables\" }"));
	assert_int_equal(run_free(&fx, 280, MSFT, NOPATH, detail), ER_UNKNOWN);
	assert_well_formed(detail);
	assert_string_equal(detail, "NAT state not available: nftables error");
}

/* Regression: a classful qdisc without a reported name left a hole in the detail. */
static void
regression_ef_queue_unnamed_qdisc(void **state)
{
	struct fx fx;
	char detail[ER_DETAIL_LEN];

	(void)state;
	load(&fx, cfg_text(), snapshot(NULL, DSCP_HEALTHY,
	    "{ \"interface\": \"eth1.300\", \"classful\": true, \"ef-priority-class\": false }"));
	assert_int_equal(run_free(&fx, 370, MSFT, PRI, detail), ER_FAIL);
	assert_well_formed(detail);
	assert_string_equal(detail, "eth1.300's root qdisc has no priority class fed by DSCP 46");
}

/* Regression: 1000.5 Mbps on a 1000 Mbps circuit was printed as 1000 Mbps, contradicting the warning. */
static void
regression_shaper_rounding(void **state)
{
	struct fx fx;
	char detail[ER_DETAIL_LEN];

	(void)state;
	load(&fx, cfg_text(), obs_edit(OBS_QUEUE_PRI, Q("eth1.300", "htb", "true", "true", "1000500000")));
	assert_int_equal(run_free(&fx, 400, MSFT, PRI, detail), ER_WARN);
	assert_string_equal(detail, "eth1.300 shapes to 1000.500 Mbps, above the 1000 Mbps circuit: the excess is not guaranteed and may be dropped");
}

/* Regression: with no secondary-interface the detail named an empty interface; now unknown. */
static void
regression_snat_unnamed_interface(void **state)
{
	struct fx fx;
	char detail[ER_DETAIL_LEN];

	(void)state;
	load(&fx, cfg_edit(CFG_MSFT_SEC_IF, ""), snapshot(R_SNAT_ANY("123.0.0.0/29"), NULL, NULL));
	assert_int_equal(run_free(&fx, 280, MSFT, NOPATH, detail), ER_UNKNOWN);
	assert_well_formed(detail);
	assert_string_equal(detail, "no secondary-interface configured: rules toward it cannot be matched");
}

static void
conntrack_usage(void **state)
{
	struct fx fx;

	(void)state;
	load(&fx, cfg_text(), obs_text());
	assert_check(&fx, 330, CIRCUIT, MSFT, NOPATH, ER_PASS, "conntrack table 0% full (1200 of 262144)");
	fx_free(&fx);
	load(&fx, cfg_text(), fx_edit(obs_text(), "\"conntrack-count\": 1200", "\"conntrack-count\": 220000"));
	assert_check(&fx, 330, CIRCUIT, MSFT, NOPATH, ER_WARN,
	    "conntrack table 83% full (220000 of 262144): raise nf_conntrack_max or widen the NAT pool");
	fx_free(&fx);
	load(&fx, cfg_text(), fx_edit(obs_text(), "\"conntrack-count\": 1200", "\"conntrack-count\": 262000"));
	assert_check(&fx, 330, CIRCUIT, MSFT, NOPATH, ER_FAIL,
	    "conntrack table 99% full (262000 of 262144): new NAT sessions toward Microsoft are about to be dropped");
	fx_free(&fx);
	load(&fx, cfg_text(), NULL);
	assert_check(&fx, 330, CIRCUIT, MSFT, NOPATH, ER_UNKNOWN, "conntrack state not collected");
	fx_free(&fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(snat_healthy),
		cmocka_unit_test(snat_removed_secondary),
		cmocka_unit_test(snat_removed_primary),
		cmocka_unit_test(snat_wrong_family_or_hook),
		cmocka_unit_test(snat_public_sources),
		cmocka_unit_test(snat_private_or_undeclared_sources),
		cmocka_unit_test(snat_sources_not_visible),
		cmocka_unit_test(snat_private_pool),
		cmocka_unit_test(snat_outside_pool),
		cmocka_unit_test(snat_single_addresses),
		cmocka_unit_test(snat_catch_all),
		cmocka_unit_test(snat_masquerade),
		cmocka_unit_test(snat_masquerade_both),
		cmocka_unit_test(snat_pool_private),
		cmocka_unit_test(snat_pool_not_advertised),
		cmocka_unit_test(snat_no_pool),
		cmocka_unit_test(snat_public_peering),
		cmocka_unit_test(snat_unknown),
		cmocka_unit_test(snat_unknown_before_pool),
		cmocka_unit_test(snat_disabled),
		cmocka_unit_test(pool_healthy),
		cmocka_unit_test(pool_overlaps_link),
		cmocka_unit_test(pool_overlaps_other_peering),
		cmocka_unit_test(pool_na),
		cmocka_unit_test(edge_healthy),
		cmocka_unit_test(edge_pool_on_internet),
		cmocka_unit_test(edge_pool_any_interface),
		cmocka_unit_test(edge_unknown_na),
		cmocka_unit_test(dscp_healthy),
		cmocka_unit_test(dscp_sets_26),
		cmocka_unit_test(dscp_other_directions),
		cmocka_unit_test(dscp_cs3_profiles),
		cmocka_unit_test(dscp_unknown_na),
		cmocka_unit_test(remark_healthy),
		cmocka_unit_test(remark_missing),
		cmocka_unit_test(remark_keeps_26),
		cmocka_unit_test(remark_legacy),
		cmocka_unit_test(remark_match_any),
		cmocka_unit_test(remark_unknown_na),
		cmocka_unit_test(ef_healthy),
		cmocka_unit_test(ef_remark_any_to_0),
		cmocka_unit_test(ef_keep_set_lacks_34),
		cmocka_unit_test(ef_other_remarks),
		cmocka_unit_test(ef_queues),
		cmocka_unit_test(ef_unknown_na),
		cmocka_unit_test(scope_private),
		cmocka_unit_test(scope_public),
		cmocka_unit_test(scope_unknown_na),
		cmocka_unit_test(shaper_healthy),
		cmocka_unit_test(shaper_above),
		cmocka_unit_test(shaper_below_or_none),
		cmocka_unit_test(shaper_unknown_na),
		cmocka_unit_test(shaper_missing_interface),
		cmocka_unit_test(source_status_wording),
		cmocka_unit_test(regression_source_error_no_message),
		cmocka_unit_test(regression_ef_queue_unnamed_qdisc),
		cmocka_unit_test(regression_shaper_rounding),
		cmocka_unit_test(regression_snat_unnamed_interface),
		cmocka_unit_test(conntrack_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
