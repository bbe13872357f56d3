/*
 * The config loader (src/datastore.c, src/config.c): the input is a whole
 * config file, read as JSON and as XML. A config that loads is evaluated
 * against the healthy observed state, and its canonical print must load
 * again to the same tree (files are views of the YANG data).
 */
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "datastore.h"
#include "fuzz.h"
#include "observed.h"

static struct er_ds *ds;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet();
	ds = fz_ds_new();
	fz_healthy_observed();
	return 0;
}

static void
round_trip(enum er_ds_format fmt)
{
	char *printed = er_ds_print(ds, fmt, true), err[ER_ERRLEN];
	struct lyd_node *again = NULL;

	if (!printed)
		fz_fail("er_ds_print failed on a loaded config");
	if (er_ds_parse(ds, printed, fmt, "printed", &again, err, sizeof(err)) < 0)
		fz_fail("the canonical print does not load again: %s\n%s", err, printed);
	if (lyd_compare_siblings(again, er_ds_running(ds), LYD_COMPARE_FULL_RECURSION | LYD_COMPARE_DEFAULTS) !=
	    LY_SUCCESS)
		fz_fail("the canonical print loads to another tree:\n%s", printed);
	lyd_free_all(again);
	free(printed);
}

static void
load(const char *text, enum er_ds_format fmt)
{
	char err[ER_ERRLEN];

	err[0] = '\0';
	if (er_ds_load_mem(ds, text, fmt, "fuzz", err, sizeof(err)) < 0) {
		if (!err[0])
			fz_fail("er_ds_load_mem failed without a message");
		return;
	}
	const struct er_config *cfg = er_ds_config(ds);
	fz_evaluate(cfg, fz_healthy_observed());
	er_ds_config_unref(cfg);
	round_trip(ER_FMT_JSON);
	round_trip(ER_FMT_XML);
	/*
	 * back to a config without circuits: one input's result must not leak
	 * into the next ("{}" is no configuration: it has none of the module's data)
	 */
	if (er_ds_load_mem(ds, "{\"expressroute-readiness:expressroute\": {\"agent\": {\"poll-interval\": 30}}}",
	        ER_FMT_JSON, "empty", err, sizeof(err)) < 0)
		fz_fail("cannot load an empty config: %s", err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_strndup(data, size);

	load(text, ER_FMT_JSON);
	load(text, ER_FMT_XML);
	free(text);
	return 0;
}
