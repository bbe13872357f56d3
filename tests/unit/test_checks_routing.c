/*
 * Routing checks toward Microsoft: 321 (rule 32, the host's route toward
 * the prefixes received on Microsoft peering). The healthy state is
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
		T(test_lookup_snapshot_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
