/*
 * The observed-state snapshot reader (src/snapshot_json.c): any text either
 * parses into an observed state the checks can evaluate, or fails with a
 * message. A parsed state is evaluated against the example config.
 */
#include <stdlib.h>

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
	char *text = fz_strndup(data, size), err[ER_ERRLEN];
	struct er_observed *obs = er_observed_parse_json(text, "fuzz", err, sizeof(err));

	if (obs) {
		fz_evaluate(cfg, obs);
		er_observed_unref(obs);
	} else if (!err[0])
		fz_fail("er_observed_parse_json failed without a message");
	free(text);
	return 0;
}
