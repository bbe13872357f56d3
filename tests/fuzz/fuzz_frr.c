/*
 * FRR's JSON (src/collect/collect_frr.c): the input goes through the neighbour,
 * the BFD and both route parsers, as vtysh's reply to each command would
 * (tests/fuzz/fuzz.c fz_bgp_one).
 */
#include <stdlib.h>

#include "collect.h"
#include "fuzz.h"

static const struct fz_bgp_parsers parsers = { "neighbors", er_frr_parse_neighbors, er_frr_parse_bfd, er_frr_parse_routes };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet();
	fz_bgp_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_strndup(data, size);

	fz_bgp_one(text, &parsers);
	free(text);
	return 0;
}
