/*
 * The nftables netlink decoder (src/collect/collect_nft.c), as the collector
 * reads the kernel's nf_tables dump: NAT and DSCP rules either decode or fail
 * with a message; what decodes is evaluated against the example config.
 * Seeds: the captures of tests/fixtures/nft (the first 64 KiB of each).
 */
#include <stdlib.h>

#include "collect.h"
#include "datastore.h"
#include "fuzz.h"
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
	char err[ER_ERRLEN];
	struct er_observed *obs = er_observed_new();

	err[0] = '\0';
	if (er_nft_parse(data, size, obs, err, sizeof(err)) < 0 && !err[0])
		fz_fail("er_nft_parse failed without a message");
	er_observed_finalize(obs);
	fz_evaluate(cfg, obs);
	er_observed_unref(obs);
	return 0;
}
