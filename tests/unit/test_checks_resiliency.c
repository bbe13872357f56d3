/*
 * Resiliency checks (11, 13, 420, 430) and the links of a partner router
 * (checks 10, 20, 210 and the per-link checks): router ce-a holds the
 * primary links of examples/erready-two-routers.json, its partner ce-b the
 * secondary links; ce-b's data is a real reply of erreadyd to the partner
 * <get> (tests/fixtures/partner/, captured by capture.py there).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libyang/libyang.h>

#include "events.h"
#include "fixture.h"
#include "partner.h"
#include "util.h"

#define TWO_ROUTERS ERREADY_SOURCE_DIR "/examples/erready-two-routers.json"
#define TWO_CIRCUITS "observed-two-circuits.json"

#define AMS "er-ams-1"
#define FRA "er-fra-1"
#define PRIV AMS, ER_PEERING_PRIVATE, ER_PATH_NONE
#define PRIV1 AMS, ER_PEERING_PRIVATE, ER_PATH_PRIMARY
#define PRIV2 AMS, ER_PEERING_PRIVATE, ER_PATH_SECONDARY
#define MSFT AMS, ER_PEERING_MICROSOFT, ER_PATH_NONE
#define CIRC_AMS AMS, ER_PEERING_NONE, ER_PATH_NONE
#define CIRC_FRA FRA, ER_PEERING_NONE, ER_PATH_NONE

/* Expands the place macros above before assert_check() counts its arguments. */
#define CHECK(...) assert_check(__VA_ARGS__)
#define RUN(...) fx_run(__VA_ARGS__)

/* On ce-a the secondary session to 172.16.0.6 is not local: the local snapshot's copy is made Idle to prove it is not read. */
#define LOCAL_SEC_UP "\"address\": \"172.16.0.6\", \"local-address\": \"172.16.0.5\", \"interface\": \"eth2.100\",\n        \"remote-as\": 12076, \"local-as\": 65010, \"state\": \"established\""
#define LOCAL_SEC_IDLE "\"address\": \"172.16.0.6\", \"local-address\": \"172.16.0.5\", \"interface\": \"eth2.100\",\n        \"remote-as\": 12076, \"local-as\": 65010, \"state\": \"idle\""

/* ce-a: the two-router example with the local snapshot; @p partner_fixture (NULL: none) as ce-b's reply. */
static struct er_partner_view *
load_ce_a(struct fx *fx, const char *const *cfg_edits, const char *partner_fixture)
{
	char *cfg = fx_read_data(TWO_ROUTERS), *obs = fx_read_data(TWO_CIRCUITS);
	struct er_partner_view *pv = NULL;
	size_t i;

	obs = fx_edit(obs, LOCAL_SEC_UP, LOCAL_SEC_IDLE);
	for (i = 0; cfg_edits && cfg_edits[i]; i += 2)
		cfg = fx_edit(cfg, cfg_edits[i], cfg_edits[i + 1]);
	fx_load(fx, cfg, obs);
	if (partner_fixture)
		pv = fx_partner(fx, "ce-b", partner_fixture);
	free(cfg);
	free(obs);
	return pv;
}

/* ---- 11 link-separate-routers ---- */

static void
test_same_router_warns(void **state)
{
	char *cfg = fx_read_data(FX_CONFIG), *obs = fx_read_data(FX_OBSERVED);
	struct fx fx;

	(void)state;
	fx_load(&fx, cfg, obs);
	CHECK(&fx, 11, PRIV, ER_WARN,
	    "primary and secondary terminate on the same router: one device failure takes both down (Microsoft HA guidance)");
	CHECK(&fx, 11, MSFT, ER_WARN,
	    "primary and secondary terminate on the same router: one device failure takes both down (Microsoft HA guidance)");
	CHECK(&fx, 13, PRIV, ER_NA, "both links terminate on this router: no partner router");
	fx_free(&fx);
	free(cfg);
	free(obs);
}

static void
test_same_port_warns_stronger(void **state)
{
	char *cfg = fx_read_data(FX_CONFIG), *obs = fx_read_data(FX_OBSERVED);
	struct fx fx;

	(void)state;
	/* eth1.100 and eth2.100 both VLANs of eth1 (IFLA_LINK) */
	obs = fx_edit(obs, "{ \"name\": \"eth1.100\",", "{ \"name\": \"eth1\", \"oper-status\": \"up\" }, { \"name\": \"eth1.100\", \"link\": \"eth1\",");
	obs = fx_edit(obs, "{ \"name\": \"eth2.100\",", "{ \"name\": \"eth2.100\", \"link\": \"eth1\",");
	fx_load(&fx, cfg, obs);
	CHECK(&fx, 11, PRIV, ER_WARN,
	    "primary (eth1.100) and secondary (eth2.100) share the physical port eth1 of this router: one port, cable or device failure takes both down (Microsoft HA guidance)");
	/* Microsoft peering: eth1.300 and eth2.300 have no parent recorded: only the same-router warning */
	CHECK(&fx, 11, MSFT, ER_WARN,
	    "primary and secondary terminate on the same router: one device failure takes both down (Microsoft HA guidance)");
	fx_free(&fx);
	free(obs);

	/* VLANs of eth1 and eth2, both slaves of bond0: one bond */
	obs = fx_read_data(FX_OBSERVED);
	obs = fx_edit(obs, "{ \"name\": \"eth1.100\",",
	    "{ \"name\": \"eth1\", \"master\": \"bond0\" }, { \"name\": \"eth2\", \"master\": \"bond0\" }, "
	    "{ \"name\": \"eth1.100\", \"link\": \"eth1\",");
	obs = fx_edit(obs, "{ \"name\": \"eth2.100\",", "{ \"name\": \"eth2.100\", \"link\": \"eth2\",");
	fx_load(&fx, cfg, obs);
	CHECK(&fx, 11, PRIV, ER_WARN,
	    "primary (eth1.100) and secondary (eth2.100) share the physical port bond0 of this router: one port, cable or device failure takes both down (Microsoft HA guidance)");
	fx_free(&fx);
	free(obs);

	/* Interfaces not collected: the same-router warning, which needs no host state */
	fx_load(&fx, cfg, NULL);
	CHECK(&fx, 11, PRIV, ER_WARN,
	    "primary and secondary terminate on the same router: one device failure takes both down (Microsoft HA guidance)");
	fx_free(&fx);
	free(cfg);
}

static void
test_two_routers_pass(void **state)
{
	struct fx fx;
	struct er_snapshot *s;

	(void)state;
	load_ce_a(&fx, NULL, "partner/ce-b-healthy.xml");
	CHECK(&fx, 11, PRIV, ER_PASS, "primary on this router, secondary on ce-b: two routers (Microsoft HA guidance)");
	CHECK(&fx, 13, PRIV, ER_PASS, "partner ce-b (secondary link) answered; its data is 0 s old");
	CHECK(&fx, 10, PRIV, ER_PASS,
	    "BGP sessions configured to 172.16.0.2 (primary) and 172.16.0.6 (secondary); the secondary link on partner ce-b");
	CHECK(&fx, 20, PRIV1, ER_PASS, "primary session to 172.16.0.2 Established");
	/* the local snapshot's Idle copy of 172.16.0.6 is not used: the partner's verdict is */
	CHECK(&fx, 20, PRIV2, ER_PASS, "on ce-b: secondary session to 172.16.0.6 Established");
	CHECK(&fx, 30, PRIV2, ER_PASS, "on ce-b: eth2.100 up with 172.16.0.5/30; MSEE 172.16.0.6");
	CHECK(&fx, 210, PRIV, ER_PASS,
	    "primary and secondary advertise the same 2 prefixes (secondary link on partner ce-b)");

	/* Microsoft's recommended design now reads READY on the router that holds the primaries */
	s = er_evaluate(fx.cfg, fx.obs, NULL, 0);
	assert_string_equal(er_readiness_name(s->circuit[0].readiness), "ready");
	assert_string_equal(er_readiness_name(s->circuit[1].readiness), "ready");
	assert_string_equal(er_readiness_name(s->overall.readiness), "ready");
	assert_int_equal(s->groups[0].reached, ER_RTIER_MAXIMUM);
	er_snapshot_unref(s);
	fx_free(&fx);
}

/* NAT and DSCP rules of a peering are checked on the router that holds each link. */
static void
test_host_rules_local_links_only(void **state)
{
	char *cfg = fx_read_data(TWO_ROUTERS), *obs = fx_read_data(TWO_CIRCUITS);
	struct fx fx;

	(void)state;
	/* ce-a has no rules toward eth2.300: that interface is on ce-b */
	obs = fx_edit(obs, "{ \"family\": \"ip\", \"hook\": \"postrouting\", \"output-interface\": \"eth2.300\", \"action\": \"snat\",\n        \"translated\": [\"123.0.0.0/29\"], \"packets\": 998 },", "");
	obs = fx_edit(obs, "{ \"interface\": \"eth2.300\", \"direction\": \"egress\", \"set-dscp\": 0, \"match\": \"dscp-not-in\",\n        \"match-dscp\": [46, 34, 18, 10, 0], \"packets\": 9 },", "");
	fx_load(&fx, cfg, obs);
	fx_partner(&fx, "ce-b", "partner/ce-b-healthy.xml");
	CHECK(&fx, 280, MSFT, ER_PASS,
	    "traffic toward eth1.300 is source-NATed to public addresses (the secondary link is checked on ce-b)");
	CHECK(&fx, 360, MSFT, ER_PASS, "DSCP values outside 46, 34, 18, 10, 0 are rewritten to 0 toward Microsoft");
	fx_free(&fx);
	/* the same snapshot on one router: the missing rules fail */
	free(cfg);
	cfg = fx_read_data(FX_CONFIG);
	fx_load(&fx, cfg, obs);
	CHECK(&fx, 280, MSFT, ER_FAIL,
	    "no SNAT or masquerade rule for traffic leaving eth2.300 (secondary link), and source 172.16.1.1/30 on eth1.200 "
	    "is private (RFC 1918): Microsoft accepts only public sources within the advertised-public-prefix");
	fx_free(&fx);
	free(cfg);
	free(obs);
}

/* ---- 13 partner-agent-reachable, and unknown partner links ---- */

static void
test_partner_missing_is_unknown(void **state)
{
	struct fx fx;

	(void)state;
	load_ce_a(&fx, NULL, NULL);
	CHECK(&fx, 13, PRIV, ER_WARN, "partner ce-b (secondary link) not usable: not contacted yet");
	CHECK(&fx, 10, PRIV, ER_UNKNOWN,
	    "the secondary link terminates on partner ce-b, whose data is not available (not contacted yet)");
	CHECK(&fx, 20, PRIV2, ER_UNKNOWN,
	    "the secondary link terminates on partner ce-b, whose data is not available (not contacted yet)");
	CHECK(&fx, 210, PRIV, ER_UNKNOWN,
	    "the secondary link terminates on partner ce-b, whose data is not available (not contacted yet)");
	/* the local link is unaffected */
	CHECK(&fx, 20, PRIV1, ER_PASS, "primary session to 172.16.0.2 Established");
	CHECK(&fx, 30, PRIV1, ER_PASS, "eth1.100 up with 172.16.0.1/30; MSEE 172.16.0.2");
	/* a per-link check that does not apply by configuration says so, partner or not */
	CHECK(&fx, 40, PRIV2, ER_NA, "no IPv6 link subnets configured");
	fx_free(&fx);
}

static void
test_partner_failures_named(void **state)
{
	static const struct {
		enum er_partner_status st;
		const char *msg, *want;
	} cases[] = {
		{ ER_PARTNER_REFUSED, "192.0.2.12 port 830: Connection refused",
		    "partner ce-b (secondary link) not usable: connection-refused: 192.0.2.12 port 830: Connection refused" },
		{ ER_PARTNER_AUTH, "user erready: publickey refused",
		    "partner ce-b (secondary link) not usable: auth-failed: user erready: publickey refused" },
		{ ER_PARTNER_HOSTKEY, "got SHA256:xyz, configured SHA256:abc",
		    "partner ce-b (secondary link) not usable: host-key-mismatch: got SHA256:xyz, configured SHA256:abc" },
		{ ER_PARTNER_TIMEOUT, "no reply within 2000 ms",
		    "partner ce-b (secondary link) not usable: timeout: no reply within 2000 ms" },
	};
	struct fx fx;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct er_partner_view *pv = load_ce_a(&fx, NULL, "partner/ce-b-healthy.xml");
		er_partner_view_fail(pv, cases[i].st, "%s", cases[i].msg);
		CHECK(&fx, 13, PRIV, ER_WARN, cases[i].want);
		assert_int_equal(RUN(&fx, 20, PRIV2), ER_UNKNOWN);
		assert_int_equal(RUN(&fx, 10, PRIV), ER_UNKNOWN);
		CHECK(&fx, 20, PRIV1, ER_PASS, "primary session to 172.16.0.2 Established");
		fx_free(&fx);
	}
}

static void
test_partner_stale(void **state)
{
	struct fx fx;
	struct er_partner_view *pv;

	(void)state;
	pv = load_ce_a(&fx, NULL, "partner/ce-b-healthy.xml");
	/* poll-interval 30: data up to 60 s old is used */
	fx.now = pv->evaluated_at + 60;
	CHECK(&fx, 13, PRIV, ER_PASS, "partner ce-b (secondary link) answered; its data is 60 s old");
	CHECK(&fx, 20, PRIV2, ER_PASS, "on ce-b: secondary session to 172.16.0.6 Established");
	fx.now = pv->evaluated_at + 61;
	CHECK(&fx, 13, PRIV, ER_WARN,
	    "partner ce-b (secondary link) not usable: stale: data 61 s old, more than two poll intervals (60 s)");
	CHECK(&fx, 20, PRIV2, ER_UNKNOWN,
	    "the secondary link terminates on partner ce-b, whose data is not available (stale: data 61 s old, more than two poll intervals (60 s))");
	fx_free(&fx);
}

static void
test_partner_link_down(void **state)
{
	struct fx fx;
	struct er_snapshot *s;

	(void)state;
	load_ce_a(&fx, NULL, "partner/ce-b-secondary-down.xml");
	/* ce-b's own verdict on its link, named */
	CHECK(&fx, 20, PRIV2, ER_FAIL,
	    "on ce-b: secondary session to 172.16.0.6 is Active, not Established: redundancy unknown (the primary link on partner ce-a is not observed: not contacted yet) (last error: Hold Timer Expired)");
	CHECK(&fx, 10, PRIV, ER_PASS,
	    "BGP sessions configured to 172.16.0.2 (primary) and 172.16.0.6 (secondary); the secondary link on partner ce-b");
	CHECK(&fx, 210, PRIV, ER_NA, "both sessions must be Established to compare their advertisements");
	s = er_evaluate(fx.cfg, fx.obs, NULL, 0);
	assert_string_equal(er_readiness_name(s->circuit[0].readiness), "not-ready");
	assert_int_equal(s->groups[0].reached, ER_RTIER_STANDARD);
	assert_string_equal(s->groups[0].reason,
	    "group prod (2 circuits) reaches standard, intended maximum: er-ams-1 azure-private secondary session not Established");
	er_snapshot_unref(s);
	fx_free(&fx);
}

/* The local session of ce-a goes down: check 20 knows the partner's link is still up. */
static void
test_local_down_partner_up(void **state)
{
	char *cfg = fx_read_data(TWO_ROUTERS), *obs = fx_read_data(TWO_CIRCUITS);
	struct fx fx;

	(void)state;
	obs = fx_edit(obs, "\"address\": \"172.16.0.2\", \"local-address\": \"172.16.0.1\", \"interface\": \"eth1.100\",\n        \"remote-as\": 12076, \"local-as\": 65010, \"state\": \"established\"",
	    "\"address\": \"172.16.0.2\", \"local-address\": \"172.16.0.1\", \"interface\": \"eth1.100\",\n        \"remote-as\": 12076, \"local-as\": 65010, \"state\": \"active\"");
	obs = fx_edit(obs, LOCAL_SEC_UP, LOCAL_SEC_IDLE);
	fx_load(&fx, cfg, obs);
	fx_partner(&fx, "ce-b", "partner/ce-b-healthy.xml");
	CHECK(&fx, 20, PRIV1, ER_FAIL,
	    "primary session to 172.16.0.2 is Active, not Established: redundancy lost, availability SLA void");
	fx_free(&fx);
	fx_load(&fx, cfg, obs);
	CHECK(&fx, 20, PRIV1, ER_FAIL,
	    "primary session to 172.16.0.2 is Active, not Established: redundancy unknown (the secondary link on partner ce-b is not observed: not contacted yet)");
	fx_free(&fx);
	free(cfg);
	free(obs);
}

/* ---- the redundancy events carry the reporting router ---- */

static void
test_redundancy_events_from_partner(void **state)
{
	struct fx f1, f2, f3;
	struct er_snapshot *s1, *s2, *s3;
	struct er_event_list l = { 0 };
	const struct er_event *e = NULL;
	size_t i;

	(void)state;
	load_ce_a(&f1, NULL, "partner/ce-b-healthy.xml");
	load_ce_a(&f2, NULL, "partner/ce-b-secondary-down.xml");
	load_ce_a(&f3, NULL, NULL);
	s1 = er_evaluate(f1.cfg, f1.obs, NULL, 0);
	s2 = er_evaluate(f2.cfg, f2.obs, s1, 0);
	s3 = er_evaluate(f3.cfg, f3.obs, s2, 0);
	er_events_diff(s1, s2, &l);
	for (i = 0; i < l.n; i++)
		if (l.v[i].kind == ER_EV_REDUNDANCY_LOST)
			e = &l.v[i];
	assert_non_null(e);
	assert_string_equal(e->circuit, AMS);
	assert_int_equal(e->path, ER_PATH_SECONDARY);
	assert_int_equal(e->sessions_up, 1);
	assert_string_equal(e->router, "ce-a");
	assert_string_equal(e->detail,
	    "Azure private peering: 1 of 2 links Established (172.16.0.6 down): redundancy lost, availability SLA void");
	er_event_list_free(&l);
	/* the partner going silent is not a session change */
	er_events_diff(s2, s3, &l);
	for (i = 0; i < l.n; i++) {
		assert_int_not_equal(l.v[i].kind, ER_EV_BGP_SESSION_CHANGED);
		assert_int_not_equal(l.v[i].kind, ER_EV_REDUNDANCY_LOST);
		assert_int_not_equal(l.v[i].kind, ER_EV_REDUNDANCY_RESTORED);
	}
	er_event_list_free(&l);
	er_snapshot_unref(s1);
	er_snapshot_unref(s2);
	er_snapshot_unref(s3);
	fx_free(&f1);
	fx_free(&f2);
	fx_free(&f3);
}

/* ---- 420 resiliency-tier ---- */

static void
test_tier(void **state)
{
	static const char *const same_location[] = { "\"peering-location\": \"Frankfurt\"", "\"peering-location\": \"Amsterdam\"", NULL };
	static const char *const intended_high[] = { "\"intended-tier\": \"maximum\"", "\"intended-tier\": \"high\"", NULL };
	static const char *const metro[] = { "\"intended-tier\": \"maximum\"", "\"intended-tier\": \"high\"",
		"\"peering-location\": \"Frankfurt\"", "\"peering-location\": \"Amsterdam\", \"secondary-peering-location\": \"Amsterdam2\"",
		NULL };
	struct fx fx;

	(void)state;
	load_ce_a(&fx, NULL, "partner/ce-b-healthy.xml");
	CHECK(&fx, 420, CIRC_AMS, ER_PASS,
	    "group prod (2 circuits) reaches maximum, intended maximum: er-ams-1 (Amsterdam) and er-fra-1 (Frankfurt) in distinct peering locations, each fully redundant");
	CHECK(&fx, 420, CIRC_FRA, ER_PASS,
	    "group prod (2 circuits) reaches maximum, intended maximum: er-ams-1 (Amsterdam) and er-fra-1 (Frankfurt) in distinct peering locations, each fully redundant");
	fx_free(&fx);

	load_ce_a(&fx, same_location, "partner/ce-b-healthy.xml");
	CHECK(&fx, 420, CIRC_AMS, ER_FAIL,
	    "group prod (2 circuits) reaches standard, intended maximum: er-ams-1 and er-fra-1 are both in Amsterdam (Maximum needs distinct peering locations)");
	fx_free(&fx);

	load_ce_a(&fx, intended_high, "partner/ce-b-healthy.xml");
	CHECK(&fx, 420, CIRC_AMS, ER_PASS,
	    "group prod (2 circuits) reaches maximum, intended high: er-ams-1 (Amsterdam) and er-fra-1 (Frankfurt) in distinct peering locations, each fully redundant");
	fx_free(&fx);

	/* er-fra-1 moved to Amsterdam as a Metro circuit: High, not Maximum */
	load_ce_a(&fx, metro, "partner/ce-b-healthy.xml");
	CHECK(&fx, 420, CIRC_FRA, ER_PASS,
	    "group prod (2 circuits) reaches high, intended high: er-fra-1 is an ExpressRoute Metro circuit (Amsterdam and Amsterdam2)");
	fx_free(&fx);

	/* no partner data: not known */
	load_ce_a(&fx, NULL, NULL);
	CHECK(&fx, 420, CIRC_AMS, ER_UNKNOWN,
	    "group prod: tier not known: er-ams-1 azure-private secondary link not observed (not contacted yet)");
	fx_free(&fx);

	/* not in a group */
	load_ce_a(&fx, (const char *const[]){ "],\n        \"resiliency-group\": \"prod\"\n      }", "]\n      }", NULL }, "partner/ce-b-healthy.xml");
	CHECK(&fx, 420, CIRC_AMS, ER_NA, "circuit in no resiliency group");
	fx_free(&fx);
}

/* Both links on one router: not fully redundant, whatever the sessions say. */
static void
test_tier_same_router(void **state)
{
	struct fx fx;

	(void)state;
	load_ce_a(&fx, (const char *const[]){ "\"bfd-expected\": false,\n            \"secondary-router\": \"ce-b\"",
	                   "\"bfd-expected\": false", NULL },
	    "partner/ce-b-healthy.xml");
	CHECK(&fx, 420, CIRC_AMS, ER_FAIL,
	    "group prod (2 circuits) reaches standard, intended maximum: er-fra-1 azure-private: both links on one router");
	fx_free(&fx);
}

/* ---- 430 resiliency-route-parity ---- */

static void
test_route_parity(void **state)
{
	struct fx fx;

	(void)state;
	load_ce_a(&fx, NULL, "partner/ce-b-healthy.xml");
	CHECK(&fx, 430, CIRC_AMS, ER_PASS,
	    "advertises every prefix of the other circuits of group prod (2 on er-ams-1); AS-path prepends differ: 0 on er-ams-1, 1 on er-fra-1 (selects the active circuit)");
	fx_free(&fx);

	/*
	 * ce-a's primary of er-fra-1 advertises both prefixes; a circuit's set is
	 * read from its primary when that is up: drop 10.21.0.0/16 there.
	 */
	{
		char *cfg = fx_read_data(TWO_ROUTERS), *obs = fx_read_data(TWO_CIRCUITS);
		obs = fx_edit(obs, "\"prefixes-advertised\": { \"ipv4\": 2 },\n        \"advertised\": [ { \"prefix\": \"10.20.0.0/16\", \"as-path\": [65010, 65010] }, \"10.21.0.0/16\"]",
		    "\"prefixes-advertised\": { \"ipv4\": 1 },\n        \"advertised\": [ { \"prefix\": \"10.20.0.0/16\", \"as-path\": [65010, 65010] }]");
		fx_load(&fx, cfg, obs);
		fx_partner(&fx, "ce-b", "partner/ce-b-uneven.xml");
		CHECK(&fx, 430, CIRC_FRA, ER_WARN,
		    "missing on er-fra-1: 10.21.0.0/16 (advertised on er-ams-1): the circuits of group prod advertise different route sets (Microsoft: identical routes over redundant circuits)");
		CHECK(&fx, 430, CIRC_AMS, ER_WARN,
		    "advertises every prefix of the other circuits of group prod (2 on er-ams-1, 1 of them missing elsewhere: see those circuits); AS-path prepends differ: 0 on er-ams-1, 1 on er-fra-1 (selects the active circuit)");
		fx_free(&fx);
		free(cfg);
		free(obs);
	}

	/* routes not observed */
	{
		char *cfg = fx_read_data(TWO_ROUTERS);
		fx_load(&fx, cfg, NULL);
		CHECK(&fx, 430, CIRC_AMS, ER_UNKNOWN,
		    "routes advertised on er-ams-1 private peering not observed (no Established session with collected routes)");
		fx_free(&fx);
		free(cfg);
	}
}

/* ---- configuration ---- */

static void
test_both_links_on_partners_refused(void **state)
{
	char *cfg = fx_read_data(TWO_ROUTERS), err[ER_ERRLEN];
	struct er_ds *ds;

	(void)state;
	cfg = fx_edit(cfg, "\"bfd-expected\": true,\n            \"secondary-router\": \"ce-b\"",
	    "\"bfd-expected\": true,\n            \"primary-router\": \"ce-b\", \"secondary-router\": \"ce-b\"");
	ds = er_ds_new(err, sizeof(err));
	assert_int_equal(er_ds_load_mem(ds, cfg, ER_FMT_JSON, "two.json", err, sizeof(err)), -1);
	assert_string_equal(err,
	    "two.json: /expressroute-readiness:expressroute/circuit[name='er-ams-1']/peering[type='azure-private']/secondary-router: both links on partner routers (ce-b, ce-b): one of them must terminate on this router");
	free(cfg);

	/* a partner must exist */
	cfg = fx_read_data(TWO_ROUTERS);
	cfg = fx_edit(cfg, "\"secondary-router\": \"ce-b\"", "\"secondary-router\": \"ce-c\"");
	assert_int_equal(er_ds_load_mem(ds, cfg, ER_FMT_JSON, "two.json", err, sizeof(err)), -1);
	assert_string_equal(err,
	    "two.json: /expressroute-readiness:expressroute/circuit[name='er-ams-1']/peering[type='azure-private']/secondary-router: "
	    "Invalid leafref value \"ce-c\" - no target instance \"/err:expressroute/err:agent/err:partner/err:name\" with the same value.");
	free(cfg);
	er_ds_free(ds);
}

/*
 * The <get> asks only for what the evaluation reads: the partner's own links
 * and, of each check, its status and detail (the key id names the rest), of
 * the path the partner holds. tests/fixtures/partner/capture.py sends the
 * same text.
 */
#define LEAN_FILTER(check)                                                                                           \
	"<expressroute xmlns=\"urn:erready:params:xml:ns:yang:expressroute-readiness\">"                              \
	"<circuit><peering><state><link><observed-by>local</observed-by></link></state></peering></circuit>"          \
	"<readiness><last-evaluation/><collector/><check>" check "<status/><detail/></check></readiness></expressroute>"

static void
test_partner_filter(void **state)
{
	struct fx fx;
	char *f;

	(void)state;
	load_ce_a(&fx, NULL, NULL);
	f = er_partner_filter(fx.cfg, "ce-b");
	assert_string_equal(f, LEAN_FILTER("<path>secondary</path>"));
	free(f);
	fx_free(&fx);
	/* one peering with the primary on ce-b too: both paths */
	load_ce_a(&fx, (const char *const[]){ "\"bfd-expected\": false,\n            \"secondary-router\": \"ce-b\"",
	                   "\"bfd-expected\": false,\n            \"primary-router\": \"ce-b\"", NULL }, NULL);
	f = er_partner_filter(fx.cfg, "ce-b");
	assert_string_equal(f, LEAN_FILTER(""));
	assert_string_equal(f, ER_PARTNER_FILTER);
	free(f);
	fx_free(&fx);
}

/* A result's key comes from its id alone; whatever else a (hostile) partner puts there is refused. */
static void
test_partner_check_id(void **state)
{
	static const char *const bad[] = {
		NULL,
		"",
		"bgp-both-established",
		"bgp-both-established/er-ams-1",
		"bgp-both-established/er-ams-1/azure-private",
		"bgp-both-established//azure-private/secondary",
		"bgp-both-established/er-ams-1/azure-private/tertiary",
		"bgp-both-established/er-ams-1/azure-private/secondary/",
		"bgp-both-established/er-ams-1/azure-publik/secondary",
		"bgp-both-established/er-ams-1/none/secondary",
		"no-such-check/er-ams-1/azure-private/secondary",
		"bgp-both-established/er/ams-1/azure-private/secondary",
		"bgp-both-established/er-ams-1/azure-private-and-then-some-more-text/secondary",
		"bgp-both-established-and-a-name-longer-than-sixty-three-characters-of-any-known-check/c/azure-private/primary",
		"bgp-both-established/er-01234567890123456789012345678901234567890123456789012345678901/azure-private/primary",
	};
	struct er_partner_result r;
	size_t i;

	(void)state;
	assert_int_equal(er_partner_check_id("bgp-both-established/er-ams-1/azure-private/secondary", &r), 0);
	assert_string_equal(r.circuit, "er-ams-1");
	assert_int_equal(r.peering, ER_PEERING_PRIVATE);
	assert_int_equal(r.path, ER_PATH_SECONDARY);
	assert_int_equal(r.code, er_check_by_name("bgp-both-established")->code);
	/* the longest circuit name the YANG model allows */
	assert_int_equal(er_partner_check_id(
	                     "bgp-both-established/er-0123456789012345678901234567890123456789012345678901234567890/"
	                     "microsoft/primary",
	                     &r),
	    0);
	assert_int_equal(strlen(r.circuit), 64);
	assert_int_equal(r.peering, ER_PEERING_MICROSOFT);
	assert_int_equal(r.path, ER_PATH_PRIMARY);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (er_partner_check_id(bad[i], &r) == 0)
			fail_msg("id \"%s\" accepted", bad[i] ? bad[i] : "(null)");
		assert_int_equal(r.code, 0);
		assert_string_equal(r.circuit, "");
	}
}

/* Results that do not hold together are dropped, not trusted: their check reads unknown. */
static void
test_partner_results_refused(void **state)
{
	char *xml = fx_read_data(fx_fixture("partner/ce-b-healthy.xml")), *bad, err[512];
	struct er_partner_view *pv = er_partner_view_new("ce-b");
	const uint32_t c20 = er_check_by_name("bgp-both-established")->code;
	const uint32_t c30 = er_check_by_name("link-ipv4-addressing")->code;
	struct fx fx;

	(void)state;
	load_ce_a(&fx, NULL, NULL);
	/* a path leaf that contradicts the id */
	bad = fx_replace(xml, "<id>bgp-both-established/er-ams-1/azure-private/secondary</id><path>secondary</path>",
	    "<id>bgp-both-established/er-ams-1/azure-private/secondary</id><path>primary</path>");
	/* a verdict on a link the partner does not hold (ce-a's own primary) */
	bad = fx_edit(bad, "<id>link-ipv4-addressing/er-ams-1/azure-private/secondary</id>",
	    "<id>link-ipv4-addressing/er-ams-1/azure-private/primary</id>");
	if (er_partner_view_parse(pv, er_ds_ctx(fx.ds), bad, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(pv->status, ER_PARTNER_OK);
	assert_null(er_partner_view_result(pv, "er-ams-1", ER_PEERING_PRIVATE, c20, ER_PATH_SECONDARY));
	assert_null(er_partner_view_result(pv, "er-ams-1", ER_PEERING_PRIVATE, c20, ER_PATH_PRIMARY));
	assert_null(er_partner_view_result(pv, "er-ams-1", ER_PEERING_PRIVATE, c30, ER_PATH_PRIMARY));
	assert_null(er_partner_view_result(pv, "er-ams-1", ER_PEERING_PRIVATE, c30, ER_PATH_SECONDARY));
	/* the others stand */
	assert_non_null(er_partner_view_result(pv, "er-ams-1", ER_PEERING_MICROSOFT, c20, ER_PATH_SECONDARY));
	assert_string_equal(er_partner_view_result(pv, "er-fra-1", ER_PEERING_PRIVATE, c20, ER_PATH_SECONDARY)->detail,
	    "secondary session to 172.16.1.6 Established");
	/* and the check reads unknown, saying so */
	er_observed_add_partner(fx.obs, pv);
	assert_check(&fx, c20, "er-ams-1", ER_PEERING_PRIVATE, ER_PATH_SECONDARY, ER_UNKNOWN,
	    "partner ce-b did not report this check for its secondary link");
	er_partner_view_unref(pv);
	free(bad);
	free(xml);
	fx_free(&fx);
}

/* ---- the partner reply golden file ---- */

static void
test_partner_golden(void **state)
{
	struct fx fx;
	struct er_partner_view *pv;
	char *dump = NULL, *want;
	size_t len = 0;
	FILE *f;

	(void)state;
	pv = load_ce_a(&fx, NULL, "partner/ce-b-healthy.xml");
	f = open_memstream(&dump, &len);
	er_partner_view_dump(pv, f);
	fclose(f);
	if (getenv("ERREADY_UPDATE_GOLDEN")) {
		f = fopen(fx_fixture("partner/ce-b-healthy.expected"), "w");
		fputs(dump, f);
		fclose(f);
	}
	want = fx_read_data(fx_fixture("partner/ce-b-healthy.expected"));
	assert_string_equal(dump, want);
	free(want);
	free(dump);
	fx_free(&fx);
}

/* A context with the module as the fetch reads a reply: /expressroute as one anydata (opaque data). */
static struct ly_ctx *
reply_ctx(void)
{
	struct ly_ctx *ctx = NULL;
	char err[256];

	assert_int_equal(ly_ctx_new(NULL, LY_CTX_DISABLE_SEARCHDIR_CWD, &ctx), LY_SUCCESS);
	if (er_partner_reply_module(ctx, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return ctx;
}

static char *
dump_of(const struct er_partner_view *pv)
{
	char *dump = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&dump, &len);

	er_partner_view_dump(pv, f);
	fclose(f);
	return dump;
}

/*
 * The fetch reads the reply untyped (er_partner_reply_module): the same
 * view as the typed parse, golden file and all; and a value of the wrong
 * form, which libyang refused when it typed the reply, refuses it here.
 */
static void
test_partner_reply_opaque(void **state)
{
	static const struct {
		const char *from, *to, *why;
	} bad[] = {
		{ "<uptime>86400</uptime>", "<uptime>86400x</uptime>", "the reply has an invalid uptime \"86400x\"" },
		{ "<uptime>86400</uptime>", "<uptime>4294967296</uptime>", "the reply has an invalid uptime \"4294967296\"" },
		{ "<neighbor-address>172.16.0.6</neighbor-address>", "<neighbor-address>172.16.0.666</neighbor-address>",
		    "the reply has an invalid neighbor-address \"172.16.0.666\"" },
		{ "<neighbor-address>172.16.0.6</neighbor-address>", "", "the reply has an invalid neighbor-address \"\"" },
		{ "<address>172.16.0.5/30</address>", "<address>172.16.0.5/33</address>",
		    "the reply has an invalid address \"172.16.0.5/33\"" },
		{ "<prefix>10.20.0.0/16</prefix><as-path/>", "<prefix>10.20.0.0/16</prefix><as-path>65010  65010</as-path>",
		    "the reply has an invalid as-path \"65010  65010\"" },
		{ "<vlan-id>100</vlan-id>", "<vlan-id>4095</vlan-id>", "the reply has an invalid vlan-id \"4095\"" },
		{ "<name>er-ams-1</name>", "<name>-er-ams-1</name>", "the reply has an invalid circuit name \"-er-ams-1\"" },
		{ "<path>secondary</path><observed-by>", "<path>tertiary</path><observed-by>",
		    "the reply has an invalid link path \"tertiary\"" },
		{ "<last-evaluation>", "<last-evaluation>yesterday", NULL },
	};
	char *xml = fx_read_data(fx_fixture("partner/ce-b-healthy.xml")), *want, *got, err[512];
	struct ly_ctx *ctx = reply_ctx();
	struct er_partner_view *pv = er_partner_view_new("ce-b");
	struct fx fx;
	size_t i;

	(void)state;
	if (er_partner_view_parse(pv, ctx, xml, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(pv->status, ER_PARTNER_OK);
	got = dump_of(pv);
	want = fx_read_data(fx_fixture("partner/ce-b-healthy.expected"));
	assert_string_equal(got, want);
	free(got);
	free(want);
	er_partner_view_unref(pv);

	load_ce_a(&fx, NULL, NULL);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		char *b = fx_replace(xml, bad[i].from, bad[i].to);

		/* refused untyped, with the value named ... */
		pv = er_partner_view_new("ce-b");
		assert_int_equal(er_partner_view_parse(pv, ctx, b, err, sizeof(err)), -1);
		if (bad[i].why)
			assert_string_equal(err, bad[i].why);
		else
			assert_non_null(strstr(err, "the reply has an invalid last-evaluation"));
		assert_int_equal(pv->status, ER_PARTNER_ERROR);
		assert_int_equal(pv->n_results, 0);
		er_partner_view_unref(pv);
		/* ... as typed */
		pv = er_partner_view_new("ce-b");
		assert_int_equal(er_partner_view_parse(pv, er_ds_ctx(fx.ds), b, err, sizeof(err)), -1);
		er_partner_view_unref(pv);
		free(b);
	}
	fx_free(&fx);
	ly_ctx_destroy(ctx);
	free(xml);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_router_warns),
		cmocka_unit_test(test_partner_reply_opaque),
		cmocka_unit_test(test_same_port_warns_stronger),
		cmocka_unit_test(test_two_routers_pass),
		cmocka_unit_test(test_host_rules_local_links_only),
		cmocka_unit_test(test_partner_missing_is_unknown),
		cmocka_unit_test(test_partner_failures_named),
		cmocka_unit_test(test_partner_stale),
		cmocka_unit_test(test_partner_link_down),
		cmocka_unit_test(test_local_down_partner_up),
		cmocka_unit_test(test_redundancy_events_from_partner),
		cmocka_unit_test(test_tier),
		cmocka_unit_test(test_tier_same_router),
		cmocka_unit_test(test_route_parity),
		cmocka_unit_test(test_both_links_on_partners_refused),
		cmocka_unit_test(test_partner_filter),
		cmocka_unit_test(test_partner_check_id),
		cmocka_unit_test(test_partner_results_refused),
		cmocka_unit_test(test_partner_golden),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
