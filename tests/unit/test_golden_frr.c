/*
 * FRR collector (src/collect/collect_frr.c): golden files over vtysh answers.
 *
 * tests/fixtures/frr/8.4.4/ was captured from the real FRR 8.4.4 (bgpd,
 * bfdd, zebra) by capture-lab.sh, with BIRD 2 as the MSEE: CASE.N.* are
 * the collector's own vtysh runs (recorded through record-vtysh.sh and
 * played back by fake-vtysh.sh, which also checks that the collector sends
 * the same commands); CASE-*.json are single commands for the parsers.
 * CASE.expected is er_observed_dump() of the result
 * (ERREADY_UPDATE_GOLDEN=1 rewrites it from the fixtures).
 *
 * 9.1/ and 10.2/ are written by hand from those releases' source
 * (FRRouting/frr tags frr-9.1 and frr-10.2: bgpd/bgp_vty.c bgp_show_peer(),
 * bgpd/bgp_route.c route_vty_out_tmp() and route_vty_out(), lib/asn.c
 * asn_asn2json(), bfdd/bfdd_vty.c __display_peer_json()). What differs
 * from 8.4:
 *  - 9.0+: with `router bgp ... as-notation dot+` (or dot, for 4-byte
 *    ASNs) remoteAs/localAs are strings "0.12076", and so are the ASNs in
 *    "path" strings;
 *  - 9.0+: advertised routes carry "valid"/"best" beside 8.4's
 *    "appliedStatusSymbols"/"bgpOriginCode" and "origin"; 10.0 drops the
 *    8.4 pair;
 *  - 10.x prints advertised-routes with vty_json_no_pretty (one line);
 *    neighbours gain keys such as "softwareVersion", "pathsLimit",
 *    "localAsReplaceAsDualAs", ignored here; bfdd adds "type".
 * The neighbour keys read here (bgpState, bgpTimerUpMsec, hostLocal,
 * bgpTimer*Msecs, addressFamilyInfo.*Unicast.{accepted,sent}PrefixCounter,
 * lastNotificationReason, lastResetDueTo) and the `vrf all` grouping per
 * VRF are unchanged from 8.4 to 10.7.
 *
 * broken-vrf-all.json is `vrf all` output as releases before the fixes
 * printed it elsewhere (FRRouting/frr PR #15632, FRR 10.1: `show ip route
 * vrf all json` printed one object per VRF, "{...}{...}"; tynany/frr_exporter
 * issue #79: a `vrf all` summary that JSON parsers rejected): one document
 * per VRF, and a ',' missing between two VRFs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "collect.h"
#include "fixture.h"
#include "util.h"

/* The lab's addressing: private peering 172.16.0.0/30 (+ /126) and .4/30, Internet neighbour 198.18.0.1. */
static const char LAB_CONFIG[] =
    "{ \"expressroute-readiness:expressroute\": {"
    "  \"account\": { \"subscription-id\": \"0b1f6471-1bf0-4dda-aec3-cb9272f09590\" },"
    "  \"edge\": { \"internet-bgp-neighbor\": [\"198.18.0.1\"] },"
    "  \"circuit\": [ { \"name\": \"lab\", \"peering\": [ {"
    "    \"type\": \"azure-private\", \"vlan-id\": 100, \"customer-asn\": 65010,"
    "    \"ipv4\": { \"primary-subnet\": \"172.16.0.0/30\", \"secondary-subnet\": \"172.16.0.4/30\" },"
    "    \"ipv6\": { \"primary-subnet\": \"2001:db8:ff::/126\", \"secondary-subnet\": \"2001:db8:ff::4/126\" },"
    "    \"primary-interface\": \"ce0\", \"secondary-interface\": \"ce1\", \"bfd-expected\": true } ] } ],"
    "  \"agent\": { \"bgp\": { \"source\": \"frr\" } } } }";

static char *
fixture_text(const char *rel)
{
	return fx_read_data(fx_fixture(rel));
}

static struct er_bgp_neighbor *
nbr(struct er_observed *obs, const char *addr)
{
	struct er_addr a;
	size_t i;

	assert_int_equal(er_addr_parse(addr, &a), 0);
	for (i = 0; i < obs->n_nbrs; i++)
		if (er_addr_eq(&obs->nbrs[i].addr, &a))
			return &obs->nbrs[i];
	fail_msg("no neighbour %s", addr);
	return NULL;
}

static void
parse_file(const char *rel, int (*fn)(const char *, struct er_observed *, char *, size_t), struct er_observed *obs)
{
	char *text = fixture_text(rel), err[256] = "";

	if (fn(text, obs, err, sizeof(err)) < 0)
		fail_msg("%s: %s", rel, err);
	free(text);
}

static void
routes_file(const char *rel, struct er_observed *obs, const char *addr, bool advertised)
{
	char *text = fixture_text(rel), err[256] = "";

	if (er_frr_parse_routes(text, nbr(obs, addr), advertised, err, sizeof(err)) < 0)
		fail_msg("%s: %s", rel, err);
	free(text);
}

/* Run the collector with @p vtysh (a script under tests/fixtures/frr/) playing back @p case_. */
static int
collect_with(const char *vtysh, const char *case_, const struct er_config *cfg, unsigned timeout_ms,
    struct er_observed *obs, char *err, size_t errlen, unsigned long long *elapsed_ms)
{
	char seq[] = "/tmp/erready-fake-vtysh.XXXXXX", script[1024];
	struct er_collect_opts o;
	unsigned long long t0;
	int fd, rc;

	if ((fd = mkstemp(seq)) < 0)
		fail_msg("mkstemp");
	close(fd);
	snprintf(script, sizeof(script), "%s", fx_fixture(vtysh));
	setenv("ERREADY_FAKE_VTYSH_SEQ", seq, 1);
	if (case_)
		setenv("ERREADY_FAKE_VTYSH", fx_fixture(case_), 1);
	er_collect_opts_init(&o, cfg);
	o.vtysh = script;
	o.frr_pathspace = "lab";
	t0 = er_now_us();
	rc = er_collect_frr(&o, obs, t0 + timeout_ms * 1000ull, err, errlen);
	if (elapsed_ms)
		*elapsed_ms = (er_now_us() - t0) / 1000;
	unlink(seq);
	return rc;
}

/* One captured case through the whole collector, against its golden file. */
static void
golden_case(const char *case_, int want_rc)
{
	char path[256], err[512] = "";
	struct fx fx;
	struct er_observed *obs = er_observed_new();
	int rc;

	fx_load(&fx, LAB_CONFIG, NULL);
	snprintf(path, sizeof(path), "frr/%s", case_);
	rc = collect_with("frr/fake-vtysh.sh", path, fx.cfg, 5000, obs, err, sizeof(err), NULL);
	if (rc != want_rc)
		fail_msg("%s: collector returned %d (%s)", case_, rc, err);
	er_observed_finalize(obs);
	snprintf(path, sizeof(path), "frr/%s.expected", case_);
	fx_golden(obs, path);
	er_observed_unref(obs);
	fx_free(&fx);
}

/* All four sessions Established, BFD up; route lists of the MSEEs and the Internet neighbour. */
static void
test_established(void **state)
{
	(void)state;
	golden_case("8.4.4/established", ER_COLLECT_OK);
}

/* BIRD's receive limit dropped the secondary: Cease/Maximum Number of Prefixes Reached. */
static void
test_maxprefix(void **state)
{
	(void)state;
	golden_case("8.4.4/maxprefix", ER_COLLECT_OK);
}

/* BIRD stopped: sessions Active, BFD down, no route commands for down sessions. */
static void
test_active(void **state)
{
	(void)state;
	golden_case("8.4.4/active", ER_COLLECT_OK);
}

/* bfdd stopped: vtysh stops at `show bfd peers json`; the collector asks again without it. */
static void
test_no_bfdd(void **state)
{
	(void)state;
	golden_case("8.4.4/nobfdd", ER_COLLECT_OK);
}

/* Hand-made: bfdd answers with an error line but vtysh exits 0; the BGP state stays. */
static void
test_bfd_error_line(void **state)
{
	(void)state;
	golden_case("handmade/bfd-error-line", ER_COLLECT_OK);
}

/* Hand-made: bgpd gone before the route run: neighbours kept, route lists not collected. */
static void
test_routes_fail(void **state)
{
	(void)state;
	golden_case("handmade/routes-fail", ER_COLLECT_OK);
}

/* FRR stopped: vtysh's own message. */
static void
test_frr_not_running(void **state)
{
	struct er_observed *obs = er_observed_new();
	char err[512] = "", want[1200];
	struct fx fx;

	(void)state;
	fx_load(&fx, LAB_CONFIG, NULL);
	assert_int_equal(collect_with("frr/fake-vtysh.sh", "frr/8.4.4/notrunning", fx.cfg, 5000, obs, err,
	                     sizeof(err), NULL),
	    ER_COLLECT_ERROR);
	snprintf(want, sizeof(want), "%s exited with status 1: Exiting: failed to connect to any daemons.",
	    fx_fixture("frr/fake-vtysh.sh"));
	assert_string_equal(err, want);
	assert_int_equal(obs->n_nbrs, 0);
	er_observed_unref(obs);
	fx_free(&fx);
}

static void
test_fail_script(void **state)
{
	struct er_observed *obs = er_observed_new();
	char err[512] = "", want[1200];

	(void)state;
	assert_int_equal(collect_with("frr/fail-vtysh.sh", NULL, NULL, 5000, obs, err, sizeof(err), NULL),
	    ER_COLLECT_ERROR);
	snprintf(want, sizeof(want), "%s exited with status 1: Exiting: failed to connect to any daemons.",
	    fx_fixture("frr/fail-vtysh.sh"));
	assert_string_equal(err, want);
	er_observed_unref(obs);
}

/* A wedged vtysh: TIMEOUT at the 300 ms deadline, not later. */
static void
test_hang_script(void **state)
{
	struct er_observed *obs = er_observed_new();
	unsigned long long ms = 0;
	char err[512] = "", want[1200];

	(void)state;
	assert_int_equal(collect_with("frr/hang-vtysh.sh", NULL, NULL, 300, obs, err, sizeof(err), &ms),
	    ER_COLLECT_TIMEOUT);
	snprintf(want, sizeof(want), "%s: no answer before the deadline", fx_fixture("frr/hang-vtysh.sh"));
	assert_string_equal(err, want);
	assert_true(ms >= 290 && ms < 800);
	er_observed_unref(obs);
}

/* The public parsers over single 8.4.4 answers. */
static void
test_parsers_844(void **state)
{
	struct er_observed *obs = er_observed_new();

	(void)state;
	parse_file("frr/8.4.4/established-neighbors.json", er_frr_parse_neighbors, obs);
	parse_file("frr/8.4.4/established-bfd.json", er_frr_parse_bfd, obs);
	routes_file("frr/8.4.4/established-adv4.json", obs, "172.16.0.2", true);
	routes_file("frr/8.4.4/established-rcv4.json", obs, "172.16.0.2", false);
	routes_file("frr/8.4.4/established-rcv6.json", obs, "2001:db8:ff::2", false);
	routes_file("frr/8.4.4/established-adv4-erpriv.json", obs, "172.16.0.6", true);
	/* not in the dump: bgpTimerUpMsec of the capture */
	assert_int_equal(nbr(obs, "172.16.0.2")->uptime, 8);
	er_observed_finalize(obs);
	fx_golden(obs, "frr/8.4.4/established-parsed.expected");
	er_observed_unref(obs);
}

/* The single answers captured a moment after the collector's runs of the down cases. */
static void
test_parsers_844_down(void **state)
{
	static const char *const cases[] = { "active", "maxprefix" };
	char path[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct er_observed *obs = er_observed_new();
		snprintf(path, sizeof(path), "frr/8.4.4/%s-neighbors.json", cases[i]);
		parse_file(path, er_frr_parse_neighbors, obs);
		snprintf(path, sizeof(path), "frr/8.4.4/%s-bfd.json", cases[i]);
		parse_file(path, er_frr_parse_bfd, obs);
		er_observed_finalize(obs);
		snprintf(path, sizeof(path), "frr/8.4.4/%s-parsed.expected", cases[i]);
		fx_golden(obs, path);
		er_observed_unref(obs);
	}
}

static void
version_parsers(const char *ver)
{
	struct er_observed *obs = er_observed_new();
	char path[256], exp[256];

	snprintf(path, sizeof(path), "frr/%s/neighbors.json", ver);
	parse_file(path, er_frr_parse_neighbors, obs);
	snprintf(path, sizeof(path), "frr/%s/bfd.json", ver);
	parse_file(path, er_frr_parse_bfd, obs);
	snprintf(path, sizeof(path), "frr/%s/adv4.json", ver);
	routes_file(path, obs, "172.16.0.2", true);
	snprintf(path, sizeof(path), "frr/%s/rcv4.json", ver);
	routes_file(path, obs, "172.16.0.2", false);
	er_observed_finalize(obs);
	snprintf(exp, sizeof(exp), "frr/%s/parsed.expected", ver);
	fx_golden(obs, exp);
	er_observed_unref(obs);
}

static void
test_parsers_91(void **state)
{
	(void)state;
	version_parsers("9.1");
}

static void
test_parsers_102(void **state)
{
	(void)state;
	version_parsers("10.2");
}

/* Per-VRF documents and a missing ',' give the same neighbours as well-formed JSON. */
static void
test_broken_vrf_all(void **state)
{
	struct er_observed *obs = er_observed_new();

	(void)state;
	parse_file("frr/broken-vrf-all.json", er_frr_parse_neighbors, obs);
	assert_int_equal(obs->n_nbrs, 4);
	er_observed_finalize(obs);
	fx_golden(obs, "frr/broken-vrf-all.expected");
	er_observed_unref(obs);
}

static void
expect_nbr_error(const char *json, const char *want)
{
	struct er_observed *obs = er_observed_new();
	char err[512] = "";

	if (er_frr_parse_neighbors(json, obs, err, sizeof(err)) != -1)
		fail_msg("accepted: %s", json);
	assert_string_equal(err, want);
	assert_int_equal(obs->n_nbrs, 0); /* nothing half-parsed is kept */
	er_observed_unref(obs);
}

static void
test_truncated(void **state)
{
	char *text = fixture_text("frr/8.4.4/established-neighbors.json");

	(void)state;
	text[500] = '\0';
	expect_nbr_error(text, "truncated JSON: the answer ends inside a document (500 bytes)");
	free(text);
	expect_nbr_error("% Unknown command: show bgp vrf all neighbors json",
	    "not JSON: '% Unknown command: show bgp vrf all neighbors json'");
	expect_nbr_error("{\"default\":{\"172.16.0.2\":{\"bgpState\":\"Established\"}}} x",
	    "not JSON: 'x'");
	expect_nbr_error("{\"default\":{\"172.16.0.2\":{\"bgpState\" \"Established\"}}}",
	    "invalid JSON at byte 37: object property name separator ':' expected");
}

static void
test_wrong_types(void **state)
{
	(void)state;
	expect_nbr_error("[]", "show bgp vrf all neighbors: expected an object of VRFs, got array");
	expect_nbr_error("{\"default\":{\"172.16.0.2\":{\"bgpState\":6}}}",
	    "neighbor 172.16.0.2 (vrf default): bgpState: expected a string, got int");
	expect_nbr_error("{\"blue\":{\"172.16.0.2\":{\"bgpState\":\"Active\",\"remoteAs\":[12076]}}}",
	    "neighbor 172.16.0.2 (vrf blue): remoteAs: expected an AS number, got array");
	expect_nbr_error("{\"default\":{\"172.16.0.2\":{\"remoteAs\":\"12076x\"}}}",
	    "neighbor 172.16.0.2 (vrf default): remoteAs: '12076x' is not an AS number");
	expect_nbr_error("{\"default\":{\"172.16.0.2\":{\"bgpState\":\"Established\","
	                 "\"bgpTimerHoldTimeMsecs\":\"90000\"}}}",
	    "neighbor 172.16.0.2 (vrf default): bgpTimerHoldTimeMsecs: expected an integer, got string");
	expect_nbr_error("{\"default\":{\"172.16.0.2\":{\"remoteAs\":12076,\"addressFamilyInfo\":"
	                 "{\"ipv4Unicast\":{\"acceptedPrefixCounter\":-1}}}}}",
	    "neighbor 172.16.0.2 (vrf default): addressFamilyInfo.ipv4Unicast.acceptedPrefixCounter: "
	    "-1 is out of range 0..4294967295");
	expect_nbr_error("{\"default\":{\"172.16.0.2\":{\"remoteAs\":12076,\"addressFamilyInfo\":[]}}}",
	    "neighbor 172.16.0.2 (vrf default): addressFamilyInfo: expected an object, got array");
	expect_nbr_error("{\"default\":{\"172.16.0.2\":{\"remoteAs\":12076,\"lastNotificationReason\":[\"Cease\"]}}}",
	    "neighbor 172.16.0.2 (vrf default): lastNotificationReason: expected a string, got array");
}

static void
expect_bfd_error(const char *json, const char *want)
{
	struct er_observed *obs = er_observed_new();
	char err[512] = "";

	assert_int_equal(er_frr_parse_bfd(json, obs, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_int_equal(obs->n_bfd, 0);
	er_observed_unref(obs);
}

static void
test_bfd_errors(void **state)
{
	(void)state;
	expect_bfd_error("bfdd is not running", "not JSON: 'bfdd is not running'");
	expect_bfd_error("7\n", "show bfd peers: expected an array of peers, got int");
	expect_bfd_error("[{\"peer\":\"172.16.0.2\",\"status\":\"up\"},{\"status\":\"up\"}]",
	    "BFD peer 1: peer: missing");
	expect_bfd_error("[{\"peer\":\"172.16.0.2\",\"status\":4}]",
	    "BFD peer 172.16.0.2: status: expected a string, got int");
	expect_bfd_error("[{\"peer\":\"msee\",\"status\":\"up\"}]", "BFD peer 0: peer: 'msee' is not an address");
	expect_bfd_error("[\"172.16.0.2\"]", "BFD peer 0: expected an object, got string");
}

static void
expect_route_error(const char *json, bool advertised, const char *want)
{
	struct er_bgp_neighbor n;
	char err[512] = "";

	memset(&n, 0, sizeof(n));
	assert_int_equal(er_addr_parse("172.16.0.2", &n.addr), 0);
	assert_int_equal(er_frr_parse_routes(json, &n, advertised, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_false(advertised ? n.have_adv : n.have_rcv);
	assert_int_equal(n.n_adv + n.n_rcv + n.n_paths, 0);
}

static void
test_route_errors(void **state)
{
	(void)state;
	expect_route_error("{\"advertisedRoutes\":{\"10.20.0.0/16\":{\"path\":12076}}}", true,
	    "neighbor 172.16.0.2 advertised routes: advertisedRoutes[\"10.20.0.0/16\"].path: "
	    "expected a string, got int");
	expect_route_error("{\"advertisedRoutes\":{\"10.20.0.0/16\":{\"path\":\"\"},"
	                   "\"10.21.0.0/16\":{\"path\":\"65010 x\"}}}",
	    true, "neighbor 172.16.0.2 advertised routes: advertisedRoutes[\"10.21.0.0/16\"].path: "
	          "'65010 x' is not an AS path");
	expect_route_error("{\"routes\":{\"10.10.0.0/33\":[{\"path\":\"12076\"}]}}", false,
	    "neighbor 172.16.0.2 received routes: routes[\"10.10.0.0/33\"]: not an IP prefix");
	expect_route_error("{\"routes\":[]}", false,
	    "neighbor 172.16.0.2 received routes: routes: expected an object, got array");
	expect_route_error("{\"routes\":{\"10.10.0.0/16\":[7]}}", false,
	    "neighbor 172.16.0.2 received routes: routes[\"10.10.0.0/16\"]: expected an object, got int");
	expect_route_error("{\"routes\":{\"10.10.0.0/16\":[{\"valid\":true,\"bestpath\":true,\"path\":\"12076\"}]",
	    false, "truncated JSON: the answer ends inside a document (73 bytes)");
}

/* Missing and unknown keys leave fields unset; odd but valid values never fail. */
static void
test_lenient(void **state)
{
	struct er_observed *obs = er_observed_new();
	struct er_bgp_neighbor *n;
	char err[512] = "";

	(void)state;
	assert_int_equal(er_frr_parse_neighbors(
	                     "{\"default\":{\"vrfId\":0,\"vrfName\":\"default\",\"bgpNoSuchNeighbor\":true,"
	                     "\"172.16.0.9\":{\"bgpState\":\"Established\",\"someFutureKey\":{\"x\":[1]}},"
	                     "\"172.16.0.10\":{\"bgpState\":\"Clearing\",\"remoteAs\":\"1.10\",\"hostLocal\":\"Unknown\","
	                     "\"lastErrorCodeSubcode\":\"0601\",\"lastResetDueTo\":\"Notification received\"},"
	                     "\"172.16.0.11\":{\"bgpState\":\"Bogus\",\"remoteAs\":12076,\"bgpTimerHoldTimeMsecs\":90000},"
	                     "\"eth0\":{\"bgpNeighborAddr\":\"fe80::1\",\"bgpState\":\"Active\",\"remoteAs\":12076},"
	                     "\"eth1\":{\"bgpNeighborAddr\":\"none\",\"bgpState\":\"Idle\",\"remoteAs\":12076}}}",
	                     obs, err, sizeof(err)),
	    0);
	assert_int_equal(obs->n_nbrs, 4);
	n = nbr(obs, "172.16.0.9");
	assert_int_equal(n->state, ER_BGP_ESTABLISHED);
	assert_int_equal(n->remote_as + n->hold_time + n->keepalive + n->uptime + n->pfx_rcvd[0], 0);
	n = nbr(obs, "172.16.0.10");
	assert_int_equal(n->state, ER_BGP_IDLE);
	assert_int_equal(n->remote_as, 65546);
	assert_int_equal(n->local.family, 0);
	assert_string_equal(n->last_error, "Cease/Maximum Number of Prefixes Reached (Notification received)");
	n = nbr(obs, "172.16.0.11");
	assert_int_equal(n->state, ER_BGP_UNKNOWN);
	assert_int_equal(n->hold_time, 0); /* not Established: nothing negotiated */
	n = nbr(obs, "fe80::1");
	assert_string_equal(n->ifname, "eth0");
	assert_int_equal(n->state, ER_BGP_ACTIVE);
	er_observed_unref(obs);

	obs = er_observed_new();
	assert_int_equal(er_frr_parse_bfd("[]", obs, err, sizeof(err)), 0);
	assert_int_equal(obs->n_bfd, 0);
	assert_int_equal(er_frr_parse_bfd("[{\"peer\":\"172.16.0.2\",\"status\":\"shutdown\"},"
	                                  "{\"peer\":\"172.16.0.6\",\"status\":\"unknown\",\"interface\":\"ce1\"}]",
	                     obs, err, sizeof(err)),
	    0);
	assert_int_equal(obs->n_bfd, 2);
	assert_int_equal(obs->bfd[0].state, ER_BFD_ADMIN_DOWN);
	assert_int_equal(obs->bfd[1].state, ER_BFD_DOWN);
	assert_string_equal(obs->bfd[1].ifname, "ce1");
	er_observed_unref(obs);
}

/* Route lists: the warning answer collects nothing; v4 and v6 answers add up; sets and confederations flatten. */
static void
test_route_lists(void **state)
{
	struct er_bgp_neighbor n;
	char err[512] = "";
	const uint32_t *p;

	(void)state;
	memset(&n, 0, sizeof(n));
	assert_int_equal(er_addr_parse("172.16.0.2", &n.addr), 0);
	assert_int_equal(er_frr_parse_routes("{ \"warning\": \"No such neighbor or address family\" }", &n, true,
	                     err, sizeof(err)),
	    0);
	assert_false(n.have_adv);
	assert_int_equal(er_frr_parse_routes("{\"advertisedRoutes\":{}}", &n, true, err, sizeof(err)), 0);
	assert_true(n.have_adv);
	assert_int_equal(n.n_adv, 0);
	assert_int_equal(er_frr_parse_routes("{\"advertisedRoutes\":{\"10.20.0.0/16\":"
	                                     "{\"path\":\"65010 {64500,64501}\"}}}",
	                     &n, true, err, sizeof(err)),
	    0);
	assert_int_equal(er_frr_parse_routes("{\"advertisedRoutes\":{\"2001:db8:100::/48\":"
	                                     "{\"path\":\"(65001 65002) 1.10\"}}}",
	                     &n, true, err, sizeof(err)),
	    0);
	assert_int_equal(n.n_adv, 2);
	assert_int_equal(n.adv[0].path_len, 3);
	p = er_route_path(&n, &n.adv[1]);
	assert_int_equal(n.adv[1].path_len, 3);
	assert_int_equal(p[0], 65001);
	assert_int_equal(p[2], 65546);
	assert_int_equal(er_neighbor_adv_count(&n, ER_AFI_V6), 1);
	/* received: the best path's AS path; a prefix whose path list is empty is left out */
	assert_int_equal(er_frr_parse_routes("{\"routes\":{\"10.10.0.0/16\":[{\"valid\":true,\"path\":\"12076 64999\"},"
	                                     "{\"valid\":true,\"bestpath\":true,\"path\":\"12076\"}],\"10.11.0.0/16\":[]}}",
	                     &n, false, err, sizeof(err)),
	    0);
	assert_true(n.have_rcv);
	assert_int_equal(n.n_rcv, 1);
	assert_int_equal(n.rcv[0].path_len, 1);
	free(n.adv);
	free(n.rcv);
	free(n.paths);
}

/*
 * Not a test of its own: with ERREADY_FRR_LAB=<pathspace> and
 * ERREADY_FRR_RECORD=<fixture prefix> (set by capture-lab.sh) it records
 * the collector's vtysh runs against the lab and prints how long one
 * collection takes, and the same commands run raw through vtysh.
 */
static void
test_lab_capture(void **state)
{
	const char *ps = getenv("ERREADY_FRR_LAB"), *rec = getenv("ERREADY_FRR_RECORD");
	char err[512] = "", script[1024];
	unsigned long long t0, best[2] = { ~0ull, ~0ull }, sum[2] = { 0, 0 };
	struct er_collect_opts o;
	struct fx fx;
	int i, run, rc;

	(void)state;
	if (!ps || !rec)
		skip();
	fx_load(&fx, LAB_CONFIG, NULL);
	er_collect_opts_init(&o, fx.cfg);
	o.frr_pathspace = ps;
	snprintf(script, sizeof(script), "%s", fx_fixture("frr/record-vtysh.sh"));
	o.vtysh = script;
	{
		struct er_observed *obs = er_observed_new();
		rc = er_collect_frr(&o, obs, er_now_us() + 5000000ull, err, sizeof(err));
		printf("lab: %s: recorded, rc %d %s\n", rec, rc, err);
		er_observed_unref(obs);
	}
	o.vtysh = "vtysh";
	for (i = 0; i < 20; i++) {
		struct er_observed *obs = er_observed_new();
		t0 = er_now_us();
		er_collect_frr(&o, obs, t0 + 5000000ull, err, sizeof(err));
		t0 = er_now_us() - t0;
		sum[0] += t0;
		best[0] = t0 < best[0] ? t0 : best[0];
		er_observed_unref(obs);
	}
	/* the recorded runs again, raw: vtysh alone, no parsing */
	for (i = 0; i < 20; i++) {
		unsigned long long total = 0;
		for (run = 1;; run++) {
			char path[1100], line[512], *argv[128], *out = NULL;
			size_t argc = 0;
			FILE *f;

			snprintf(path, sizeof(path), "%s.%d.args", rec, run);
			if (!(f = fopen(path, "r")))
				break;
			argv[argc++] = xstrdup("vtysh");
			argv[argc++] = xstrdup("-N");
			argv[argc++] = xstrdup(ps);
			while (argc < 127 && fgets(line, sizeof(line), f)) {
				line[strcspn(line, "\n")] = '\0';
				argv[argc++] = xstrdup(line);
			}
			argv[argc] = NULL;
			fclose(f);
			t0 = er_now_us();
			er_run_command(argv, t0 + 5000000ull, &out, NULL, err, sizeof(err));
			total += er_now_us() - t0;
			free(out);
			while (argc)
				free(argv[--argc]);
		}
		sum[1] += total;
		best[1] = total < best[1] ? total : best[1];
	}
	printf("lab: %s: collector %.1f ms (best %.1f), raw vtysh runs %.1f ms (best %.1f), mean of 20\n", rec,
	    sum[0] / 20e3, best[0] / 1e3, sum[1] / 20e3, best[1] / 1e3);
	fx_free(&fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_established),
		cmocka_unit_test(test_maxprefix),
		cmocka_unit_test(test_active),
		cmocka_unit_test(test_no_bfdd),
		cmocka_unit_test(test_bfd_error_line),
		cmocka_unit_test(test_routes_fail),
		cmocka_unit_test(test_frr_not_running),
		cmocka_unit_test(test_fail_script),
		cmocka_unit_test(test_hang_script),
		cmocka_unit_test(test_parsers_844),
		cmocka_unit_test(test_parsers_844_down),
		cmocka_unit_test(test_parsers_91),
		cmocka_unit_test(test_parsers_102),
		cmocka_unit_test(test_broken_vrf_all),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_bfd_errors),
		cmocka_unit_test(test_route_errors),
		cmocka_unit_test(test_lenient),
		cmocka_unit_test(test_route_lists),
		cmocka_unit_test(test_lab_capture),
	};

	/* capture-lab.sh runs only the recording */
	if (getenv("ERREADY_FRR_LAB"))
		cmocka_set_test_filter("test_lab_capture");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
