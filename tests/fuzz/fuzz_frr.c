/*
 * FRR's JSON (src/collect_frr.c): the input goes through the neighbour,
 * the BFD and both route parsers, as vtysh's reply to each command would.
 * Routes are read into the first neighbour of the healthy observed state,
 * which the example config names, so the checks walk the parsed AS paths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "datastore.h"
#include "fuzz.h"
#include "observed.h"

static struct er_ds *ds;
static const struct er_config *cfg;
static char *healthy;

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
	healthy = fz_read_source("tests/data/observed-healthy.json");
	return 0;
}

static void
routes_into(struct er_bgp_neighbor *n)
{
	free(n->adv);
	free(n->rcv);
	free(n->paths);
	n->adv = n->rcv = NULL;
	n->paths = NULL;
	n->n_adv = n->n_rcv = n->n_paths = 0;
	n->have_adv = n->have_rcv = false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_strndup(data, size), err[ER_ERRLEN];
	struct er_observed *obs = er_observed_new();

	err[0] = '\0';
	if (er_frr_parse_neighbors(text, obs, err, sizeof(err)) < 0 && !err[0])
		fz_fail("neighbors: failed without a message");
	err[0] = '\0';
	if (er_frr_parse_bfd(text, obs, err, sizeof(err)) < 0 && !err[0])
		fz_fail("bfd: failed without a message");
	er_observed_finalize(obs);
	fz_evaluate(cfg, obs);
	er_observed_unref(obs);

	if (!(obs = er_observed_parse_json(healthy, "observed-healthy.json", err, sizeof(err))) || !obs->n_nbrs)
		fz_fail("observed-healthy.json: %s", err);
	routes_into(&obs->nbrs[0]);
	if (er_frr_parse_routes(text, &obs->nbrs[0], true, err, sizeof(err)) == 0)
		(void)er_frr_parse_routes(text, &obs->nbrs[0], false, err, sizeof(err));
	fz_evaluate(cfg, obs);
	er_observed_unref(obs);
	free(text);
	return 0;
}
