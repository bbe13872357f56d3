/*
 * The rtnetlink parsers (src/collect/netlink_parse.h): the input is what the
 * kernel would answer to the link/address/neighbour dumps and to the tc
 * dumps, read by both parsers (tc with and without the example config
 * naming the peering interfaces). Lengths in the messages are the
 * attacker's: nothing may be read outside the buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "datastore.h"
#include "fuzz.h"
#include "netlink_parse.h"
#include "observed.h"

static struct er_ds *ds;
static const struct er_config *cfg;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[ER_ERRLEN];

	(void)argc;
	(void)argv;
	fz_quiet();
	ds = fz_ds_new();
	if (er_ds_load_mem(ds, fz_example_config(), ER_FMT_JSON, "erready.json", err, sizeof(err)) < 0)
		fz_fail("%s", err);
	cfg = er_ds_config(ds);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so ASan sees a read past the end */
	void *buf = malloc(size ? size : 1);
	struct er_observed *obs = er_observed_new();
	char err[ER_ERRLEN];

	memcpy(buf, data, size);
	err[0] = '\0';
	if (er_netlink_parse(buf, size, obs, err, sizeof(err)) < 0 && !err[0])
		fz_fail("er_netlink_parse failed without a message");
	err[0] = '\0';
	if (er_tc_parse(buf, size, NULL, obs, err, sizeof(err)) < 0 && !err[0])
		fz_fail("er_tc_parse failed without a message");
	er_observed_finalize(obs);
	fz_evaluate(cfg, obs);
	er_observed_unref(obs);
	obs = er_observed_new();
	err[0] = '\0';
	if (er_tc_parse(buf, size, cfg, obs, err, sizeof(err)) < 0 && !err[0])
		fz_fail("er_tc_parse (config) failed without a message");
	er_observed_finalize(obs);
	fz_evaluate(cfg, obs);
	er_observed_unref(obs);
	free(buf);
	return 0;
}
