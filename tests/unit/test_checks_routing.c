/*
 * Routing checks toward Microsoft: 250 (rule 25, the communities of the
 * routes received on Microsoft peering), 260 (rule 26, ExpressRoute
 * preferred over the Internet by local-pref) and 321 (rule 32, the host's
 * route toward the prefixes received on Microsoft peering). The healthy
 * state is
 * examples/erready.json with tests/data/observed-healthy.json (twelve
 * Microsoft prefixes received from 131.107.0.2 and 131.107.0.6, each looked
 * up via eth1.300 or eth2.300), edited with fx_replace().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

#define CIRCUIT "er-ams-1"
#define MSFT ER_PEERING_MICROSOFT
#define NOPATH ER_PATH_NONE
#define CHECK(fx, code, status, detail) assert_check((fx), (code), CIRCUIT, MSFT, NOPATH, (status), (detail))

#define LOOKUP_40 "{ \"prefix\": \"40.96.0.0/13\", \"type\": \"unicast\", \"interface\": \"eth1.300\", \"gateway\": \"131.107.0.2\" }"
#define RCV_MSFT "\"received\": [ \"13.107.6.152/31\", \"13.107.18.10/31\", \"13.107.128.0/22\", \"23.103.160.0/20\", " \
	"\"40.96.0.0/13\", \"40.104.0.0/15\", \"52.96.0.0/14\", \"52.112.0.0/14\", \"131.253.33.215/32\", " \
	"\"132.245.0.0/16\", \"150.171.32.0/22\", \"204.79.197.215/32\" ]"

struct tfx {
	struct fx fx;
	bool loaded;
};

static int
setup(void **state)
{
	*state = calloc(1, sizeof(struct tfx));
	return *state ? 0 : -1;
}

static int
teardown(void **state)
{
	struct tfx *t = *state;

	if (t->loaded)
		fx_free(&t->fx);
	free(t);
	return 0;
}

/* Load the example config with observed text @p o (frees it). */
static struct fx *
load(void **state, char *o)
{
	struct tfx *t = *state;
	char *c = fx_read_data(FX_CONFIG);

	fx_load(&t->fx, c, o);
	t->loaded = true;
	free(c);
	free(o);
	return &t->fx;
}

static char *
healthy(void)
{
	return fx_read_data(FX_OBSERVED);
}

/* Every received prefix leaves through one of the two Microsoft peering links. */
static void
test_321_pass(void **state)
{
	struct fx *fx = load(state, healthy());

	CHECK(fx, 321, ER_PASS, "traffic toward the 12 prefixes received from Microsoft leaves through eth1.300/eth2.300");
}

/* A more specific route toward a Microsoft prefix through the Internet link (lab fault msft-route-via-inet). */
static void
test_321_via_internet(void **state)
{
	struct fx *fx = load(state, fx_edit(healthy(), LOOKUP_40,
	    "{ \"prefix\": \"40.96.0.0/13\", \"type\": \"unicast\", \"interface\": \"eth0\", \"gateway\": \"198.18.0.1\" }"));

	CHECK(fx, 321, ER_FAIL, "traffic toward 40.96.0.0/13 (received from Microsoft) leaves through eth0 via 198.18.0.1, "
	                        "not the Microsoft peering interfaces eth1.300/eth2.300: it takes another edge than ExpressRoute");
}

/* A blackhole toward a Microsoft prefix: no traffic reaches Microsoft at all. */
static void
test_321_blackhole(void **state)
{
	char *o = fx_edit(healthy(), LOOKUP_40, "{ \"prefix\": \"40.96.0.0/13\", \"type\": \"blackhole\" }");
	struct fx *fx;

	o = fx_edit(o, "{ \"prefix\": \"52.96.0.0/14\", \"type\": \"unicast\", \"interface\": \"eth1.300\"",
	    "{ \"prefix\": \"52.96.0.0/14\", \"type\": \"unicast\", \"interface\": \"eth9\"");
	fx = load(state, o);
	CHECK(fx, 321, ER_FAIL, "the host has blackhole route toward 40.96.0.0/13 (received from Microsoft) "
	                        "(2 of 12 prefixes looked up)");
}

static void
test_321_no_route(void **state)
{
	struct fx *fx = load(state, fx_edit(healthy(), LOOKUP_40, "{ \"prefix\": \"40.96.0.0/13\", \"type\": \"none\" }"));

	CHECK(fx, 321, ER_FAIL, "the host has no route toward 40.96.0.0/13 (received from Microsoft)");
}

/* Lookups for part of the prefixes (a sample): the detail says how many. */
static void
test_321_sample(void **state)
{
	struct fx *fx = load(state, fx_edit(healthy(), LOOKUP_40 ",", ""));

	CHECK(fx, 321, ER_PASS, "traffic toward the 11 prefixes received from Microsoft leaves through eth1.300/eth2.300 "
	                        "(11 of 12 looked up)");
}

/* No lookups at all (interfaces collected, lookups failed): unknown, not pass. */
static void
test_321_not_looked_up(void **state)
{
	char *o = healthy(), *s = strstr(o, "  \"route-lookups\""), *e = strstr(s, "  ],\n");
	struct fx *fx;

	memmove(s, e + 5, strlen(e + 5) + 1);
	fx = load(state, o);
	CHECK(fx, 321, ER_UNKNOWN, "the host's routes toward the 12 prefixes received from Microsoft were not looked up");
}

/* The MSEEs' received routes were not collected: unknown. */
static void
test_321_received_not_collected(void **state)
{
	char *o = fx_edit(healthy(), "],\n        " RCV_MSFT, "]");
	struct fx *fx = load(state, fx_edit(o, "],\n        " RCV_MSFT, "]"));

	CHECK(fx, 321, ER_UNKNOWN,
	    "the routes received from the MSEEs were not collected: the path toward Microsoft cannot be verified");
}

/* Nothing received (no route filter): nothing to look up. */
static void
test_321_nothing_received(void **state)
{
	char *o = fx_edit(healthy(), RCV_MSFT, "\"received\": []");
	struct fx *fx = load(state, fx_edit(o, RCV_MSFT, "\"received\": []"));

	CHECK(fx, 321, ER_NA, "no prefixes received from Microsoft to look up (a missing route filter is rule 24)");
}

/* Both Microsoft sessions down: nothing is received, rule 2 reports the sessions. */
static void
test_321_na_sessions_down(void **state)
{
	char *o = fx_edit(healthy(), "\"interface\": \"eth1.300\",\n        \"remote-as\": 12076, \"local-as\": 23500, \"state\": \"established\"",
	    "\"interface\": \"eth1.300\",\n        \"remote-as\": 12076, \"local-as\": 23500, \"state\": \"active\"");
	struct fx *fx = load(state, fx_edit(o, "\"interface\": \"eth2.300\",\n        \"remote-as\": 12076, \"local-as\": 23500, \"state\": \"established\"",
	    "\"interface\": \"eth2.300\",\n        \"remote-as\": 12076, \"local-as\": 23500, \"state\": \"active\""));

	CHECK(fx, 321, ER_NA, "no Microsoft peering session Established: nothing received to look up");
}

/* One session down: the other's prefixes still count. */
static void
test_321_one_session_down(void **state)
{
	struct fx *fx = load(state, fx_edit(healthy(), "\"interface\": \"eth1.300\",\n        \"remote-as\": 12076, \"local-as\": 23500, \"state\": \"established\"",
	    "\"interface\": \"eth1.300\",\n        \"remote-as\": 12076, \"local-as\": 23500, \"state\": \"active\""));

	CHECK(fx, 321, ER_PASS, "traffic toward the 12 prefixes received from Microsoft leaves through eth1.300/eth2.300");
}

/* Interfaces not collected: unknown, from the source test. */
static void
test_321_interfaces_unknown(void **state)
{
	struct fx *fx = load(state, fx_edit(healthy(), "\"interfaces\": { \"status\": \"ok\"",
	    "\"interfaces\": { \"status\": \"timeout\""));

	CHECK(fx, 321, ER_UNKNOWN, "interface state not available: netlink timeout");
}

/* ---- 250 bgp-communities-microsoft ---- */

#define PFX_128 "{ \"prefix\": \"13.107.128.0/22\", \"paths\": [\n" \
	"        { \"peer\": \"131.107.0.2\", \"best\": true, \"as-path-length\": 1, \"communities\": [\"12076:5100\", \"12076:51004\"] },\n" \
	"        { \"peer\": \"131.107.0.6\", \"best\": false, \"as-path-length\": 1, \"communities\": [\"12076:5100\", \"12076:51004\"] } ] }"

/* Replace every occurrence of @p from (frees @p text). */
static char *
edit_all(char *text, const char *from, const char *to)
{
	while (strstr(text, from))
		text = fx_edit(text, from, to);
	return text;
}

static void
test_250_pass(void **state)
{
	struct fx *fx = load(state, healthy());

	CHECK(fx, 250, ER_PASS, "received 12076:5010 (Exchange), 12076:5100 (Other Office 365 Services), 12076:51004 "
	                        "(East US) on 12 prefixes from Microsoft");
}

/* Values without a documented name are shown bare; other ASes' communities are not listed. */
static void
test_250_unnamed_values(void **state)
{
	char *o = edit_all(healthy(), "\"12076:5100\", \"12076:51004\"", "\"12076:5100\", \"12076:51999\", \"65000:1\"");
	struct fx *fx = load(state, edit_all(o, "\"12076:5010\", \"12076:51004\"", "\"12076:5010\", \"12076:50001\""));

	CHECK(fx, 250, ER_PASS, "received 12076:5010 (Exchange), 12076:5100 (Other Office 365 Services), 12076:50001, "
	                        "12076:51999 (a region) on 12 prefixes from Microsoft");
}

static void
test_250_none_tagged(void **state)
{
	char *o = edit_all(healthy(), "[\"12076:5100\", \"12076:51004\"]", "[]");
	struct fx *fx = load(state, edit_all(o, "[\"12076:5010\", \"12076:51004\"]", "[\"65000:1\"]"));

	CHECK(fx, 250, ER_WARN, "none of the 12 prefixes received from Microsoft carries an AS 12076 community: Microsoft "
	                        "tags its routes with their region and service, so a provider or a policy in between removed "
	                        "them and community-based routing will not match");
}

static void
test_250_some_untagged(void **state)
{
	struct fx *fx = load(state, fx_edit(healthy(), PFX_128, "{ \"prefix\": \"13.107.128.0/22\", \"paths\": [\n"
	    "        { \"peer\": \"131.107.0.2\", \"best\": true, \"as-path-length\": 1 } ] }"));

	CHECK(fx, 250, ER_WARN, "1 of 12 prefixes received from Microsoft carry no AS 12076 community (13.107.128.0/22 "
	                        "first): a provider or a policy in between removed them");
}

/* Routes received, their paths not collected: unknown, not pass. */
static void
test_250_paths_not_collected(void **state)
{
	char *o = healthy(), *s = strstr(o, "    \"prefixes\": ["), *e = strstr(s, "    ],\n");
	struct fx *fx;

	memmove(s, e + 7, strlen(e + 7) + 1);
	fx = load(state, o);
	CHECK(fx, 250, ER_UNKNOWN, "the BGP paths of the prefixes received from Microsoft were not collected");
	CHECK(fx, 260, ER_UNKNOWN, "the BGP paths of the prefixes received from Microsoft were not collected");
}

static void
test_250_na(void **state)
{
	char *o = fx_edit(healthy(), "\"interface\": \"eth1.300\",\n        \"remote-as\": 12076, \"local-as\": 23500, \"state\": \"established\"",
	    "\"interface\": \"eth1.300\",\n        \"remote-as\": 12076, \"local-as\": 23500, \"state\": \"idle\"");
	struct fx *fx = load(state, fx_edit(o, "\"interface\": \"eth2.300\",\n        \"remote-as\": 12076, \"local-as\": 23500, \"state\": \"established\"",
	    "\"interface\": \"eth2.300\",\n        \"remote-as\": 12076, \"local-as\": 23500, \"state\": \"idle\""));

	CHECK(fx, 250, ER_NA, "no Microsoft peering session Established: nothing received");
	CHECK(fx, 260, ER_NA, "no Microsoft peering session Established: nothing received");
}

/* ---- 260 bgp-prefer-expressroute ---- */

static void
test_260_pass_no_overlap(void **state)
{
	struct fx *fx = load(state, healthy());

	CHECK(fx, 260, ER_PASS, "none of the 12 prefixes received from Microsoft is also received from an Internet neighbour");
}

/* The same prefix from AS 174: Microsoft's path wins by local-pref, as Microsoft asks. */
static void
test_260_pass_local_pref(void **state)
{
	struct fx *fx = load(state, fx_edit(healthy(), PFX_128, "{ \"prefix\": \"13.107.128.0/22\", \"paths\": [\n"
	    "        { \"peer\": \"131.107.0.2\", \"best\": true, \"local-pref\": 200, \"as-path-length\": 1 },\n"
	    "        { \"peer\": \"198.18.0.1\", \"best\": false, \"as-path-length\": 2 } ] }"));

	CHECK(fx, 260, ER_PASS, "the 1 prefix also received from an Internet neighbour prefers Microsoft's path (local-pref "
	                        "200 over 100)");
}

/* Same local-pref: Microsoft wins on AS-path length only (lab fault inet-sends-msft-prefix). */
static void
test_260_warn_no_local_pref(void **state)
{
	struct fx *fx = load(state, fx_edit(healthy(), PFX_128, "{ \"prefix\": \"13.107.128.0/22\", \"paths\": [\n"
	    "        { \"peer\": \"131.107.0.2\", \"best\": true, \"as-path-length\": 1 },\n"
	    "        { \"peer\": \"198.18.0.1\", \"best\": false, \"local-pref\": 100, \"as-path-length\": 2 } ] }"));

	CHECK(fx, 260, ER_WARN, "13.107.128.0/22 is also received from Internet neighbour 198.18.0.1 with the same local-pref "
	                        "(100): Microsoft's path wins only on AS-path length or a tie-break, and a maintenance prepend "
	                        "on ExpressRoute would move the traffic to the Internet; set a higher local-pref on routes "
	                        "from AS 12076");
}

/* The Internet path is best: traffic to Microsoft leaves by the Internet. */
static void
test_260_fail_internet_best(void **state)
{
	struct fx *fx = load(state, fx_edit(healthy(), PFX_128, "{ \"prefix\": \"13.107.128.0/22\", \"paths\": [\n"
	    "        { \"peer\": \"131.107.0.2\", \"best\": false, \"as-path-length\": 3 },\n"
	    "        { \"peer\": \"198.18.0.1\", \"best\": true, \"local-pref\": 100, \"as-path-length\": 2 } ] }"));

	CHECK(fx, 260, ER_FAIL, "the best path toward 13.107.128.0/22 is from Internet neighbour 198.18.0.1 (local-pref 100, "
	                        "AS path of 2), not from Microsoft (local-pref 100, AS path of 3): traffic to Microsoft leaves "
	                        "by the Internet; set a higher local-pref on routes from AS 12076");
}

/* No Internet neighbour recorded: nothing to compare with. */
static void
test_260_na_no_internet(void **state)
{
	struct tfx *t = *state;
	char *c = fx_edit(fx_read_data(FX_CONFIG), "\"internet-bgp-neighbor\": [\"198.18.0.1\"]", "\"internet-bgp-neighbor\": []");
	char *o = healthy();

	fx_load(&t->fx, c, o);
	t->loaded = true;
	free(c);
	free(o);
	CHECK(&t->fx, 260, ER_NA, "no Internet BGP neighbours recorded (edge/internet-bgp-neighbor)");
}

/* The snapshot format: a bad type is an error naming the JSON path. */
static void
test_lookup_snapshot_errors(void **state)
{
	char err[512];
	struct er_observed *obs;

	(void)state;
	obs = er_observed_parse_json("{\"route-lookups\": [{\"prefix\": \"40.96.0.0/13\", \"type\": \"sideways\"}]}", "t.json",
	    err, sizeof(err));
	assert_null(obs);
	assert_string_equal(err, "t.json: /route-lookups/0/type: 'sideways' is not none, unicast, blackhole, unreachable, "
	                         "prohibit, local or other");
	obs = er_observed_parse_json("{\"route-lookups\": [{\"type\": \"none\"}]}", "t.json", err, sizeof(err));
	assert_null(obs);
	assert_string_equal(err, "t.json: /route-lookups/0/prefix: missing");
	obs = er_observed_parse_json("{\"bgp\": {\"prefixes\": [{\"prefix\": \"13.107.6.0/24\", \"paths\": [{\"peer\": "
	                             "\"131.107.0.2\", \"communities\": [\"12076:70000\"]}]}]}}", "t.json", err, sizeof(err));
	assert_null(obs);
	assert_string_equal(err, "t.json: /bgp/prefixes/0/paths/0/communities: element 0 is not a community ASN:value");
	obs = er_observed_parse_json("{\"bgp\": {\"prefixes\": [{\"prefix\": \"13.107.6.0/24\", \"paths\": [{\"best\": true}]}]}}",
	    "t.json", err, sizeof(err));
	assert_null(obs);
	assert_string_equal(err, "t.json: /bgp/prefixes/0/paths/0/peer: missing");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_321_pass),
		T(test_321_via_internet),
		T(test_321_blackhole),
		T(test_321_no_route),
		T(test_321_sample),
		T(test_321_not_looked_up),
		T(test_321_received_not_collected),
		T(test_321_nothing_received),
		T(test_321_na_sessions_down),
		T(test_321_one_session_down),
		T(test_321_interfaces_unknown),
		T(test_250_pass),
		T(test_250_unnamed_values),
		T(test_250_none_tagged),
		T(test_250_some_untagged),
		T(test_250_paths_not_collected),
		T(test_250_na),
		T(test_260_pass_no_overlap),
		T(test_260_pass_local_pref),
		T(test_260_warn_no_local_pref),
		T(test_260_fail_internet_best),
		T(test_260_na_no_internet),
		T(test_lookup_snapshot_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
