/*
 * Every BGP path of a prefix received from Microsoft (rules 25, 26):
 * answers captured from the lab (FRR 8.4.4 and BIRD 2.0.12 customer edge,
 * with the fault inet-sends-msft-prefix, so that 13.107.6.0/24 came from
 * both MSEEs and from the Internet neighbour AS 174), parsed and compared
 * with their .expected files (ERREADY_UPDATE_GOLDEN=1 rewrites them); and
 * the answers for a prefix that is not in the table.
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
#include "util.h"

/* The lab's neighbours, in the order of BIRD's protocol names below. */
static const char NEIGHBORS[] =
	"{\"bgp\": {\"neighbors\": ["
	"{\"address\": \"131.107.0.2\", \"state\": \"established\"}, {\"address\": \"131.107.0.6\", \"state\": \"established\"}, {\"address\": \"198.18.0.1\", \"state\": \"established\"},"
	"{\"address\": \"2a01:111:2000::2\", \"state\": \"established\"}, {\"address\": \"2a01:111:2000::6\", \"state\": \"established\"}]}}";
static const char PROTOS[][64] = { "mp4", "ms4", "inet", "mp6", "ms6" };

static char *
read_fixture(const char *rel)
{
	const char *path = fx_fixture(rel);
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;

	if (!f)
		fail_msg("cannot open %s", path);
	if (getdelim(&buf, &cap, '\0', f) < 0)
		fail_msg("cannot read %s", path);
	fclose(f);
	return buf;
}

static void
test_frr(void **state)
{
	static const char *const files[] = { "frr/8.4.4/established-prefix-inet.json", "frr/8.4.4/established-prefix6.json" };
	struct er_observed *obs = er_observed_new();
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		char *json = read_fixture(files[i]);
		if (er_frr_parse_prefix(json, strlen(json), obs, err, sizeof(err)) < 0)
			fail_msg("%s: %s", files[i], err);
		free(json);
	}
	/* Not in the table: FRR answers an empty object. */
	assert_int_equal(er_frr_parse_prefix("{\n}\n", 4, obs, err, sizeof(err)), 0);
	er_observed_finalize(obs);
	assert_int_equal(obs->n_pfx_paths, 2);
	fx_golden(obs, "frr/8.4.4/established-prefix.expected");
	assert_int_equal(er_frr_parse_prefix("{\"prefix\": \"x\", \"paths\": []}", 30, obs, err, sizeof(err)), -1);
	assert_string_equal(err, "prefix: missing or not an IP prefix");
	assert_int_equal(er_frr_parse_prefix("{\"prefix\": \"13.107.6.0/24\", \"paths\": [{\"peer\": {\"peerId\": \"nope\"}}]}",
	    70, obs, err, sizeof(err)), -1);
	assert_string_equal(err, "paths[0].peer.peerId: 'nope' is not an address");
	er_observed_unref(obs);
}

static void
test_bird(void **state)
{
	static const char *const files[] = { "bird/2.0.12/ce-prefix-inet.txt", "bird/2.0.12/ce-prefix6.txt",
		"bird/2.0.12/ce-prefix-notfound.txt" };
	char err[256];
	struct er_observed *obs = er_observed_parse_json(NEIGHBORS, "neighbors", err, sizeof(err));
	size_t i, n0;

	(void)state;
	assert_non_null(obs);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		char *reply = read_fixture(files[i]);
		if (er_bird_parse_prefix(reply, PROTOS, ARRAY_SIZE(PROTOS), obs, err, sizeof(err)) < 0)
			fail_msg("%s: %s", files[i], err);
		free(reply);
	}
	n0 = obs->n_pfx_paths;
	assert_int_equal(n0, 2); /* "Network not found" adds nothing */
	/* Build a copy without the neighbours: only the paths are compared. */
	{
		struct er_observed *only = er_observed_new();
		only->pfx_paths = obs->pfx_paths;
		only->n_pfx_paths = obs->n_pfx_paths;
		obs->pfx_paths = NULL;
		obs->n_pfx_paths = 0;
		er_observed_finalize(only);
		fx_golden(only, "bird/2.0.12/ce-prefix.expected");
		er_observed_unref(only);
	}
	assert_int_equal(er_bird_parse_prefix("9001 Syntax error\n", PROTOS, ARRAY_SIZE(PROTOS), obs, err, sizeof(err)), -1);
	assert_string_equal(err, "BIRD: Syntax error");
	er_observed_unref(obs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frr),
		cmocka_unit_test(test_bird),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
