/*
 * A partner router's <get> reply (src/partner_reply.c), the one input
 * erreadyd takes from another machine over NETCONF: any text either becomes
 * a partner view or fails with a message, read both ways: untyped, as the
 * fetch reads it (er_partner_reply_module: every value checked by
 * partner_reply.c), and typed with the module (--partner). A view is
 * attached to ce-a's observed state (examples/erready-two-routers.json,
 * the two-circuit snapshot) and the whole catalogue is evaluated over it,
 * as every poll does.
 */
#include <libyang/libyang.h>
#include <stdlib.h>

#include "datastore.h"
#include "fuzz.h"
#include "observed.h"
#include "partner.h"

static struct er_ds *ds;
static struct ly_ctx *opaque_ctx;
static const struct er_config *cfg;
static char *observed_text;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[ER_ERRLEN], *text = fz_read_source("examples/erready-two-routers.json");

	(void)argc;
	(void)argv;
	fz_quiet();
	ds = fz_ds_new();
	if (er_ds_load_mem(ds, text, ER_FMT_JSON, "erready-two-routers.json", err, sizeof(err)) < 0)
		fz_fail("%s", err);
	free(text);
	cfg = er_ds_config(ds);
	observed_text = fz_read_source("tests/data/observed-two-circuits.json");
	if (ly_ctx_new(NULL, LY_CTX_DISABLE_SEARCHDIR_CWD, &opaque_ctx) != LY_SUCCESS ||
	    er_partner_reply_module(opaque_ctx, err, sizeof(err)) < 0)
		fz_fail("the reply module: %s", err);
	return 0;
}

static void
one(const struct ly_ctx *ctx, const char *xml)
{
	struct er_partner_view *pv = er_partner_view_new("ce-b");
	struct er_observed *obs;
	char err[512] = "";

	if (er_partner_view_parse(pv, ctx, xml, err, sizeof(err)) == 0) {
		if (!(obs = er_observed_parse_json(observed_text, "observed-two-circuits.json", err, sizeof(err))))
			fz_fail("observed: %s", err);
		er_observed_add_partner(obs, pv);
		fz_evaluate(cfg, obs);
		er_observed_unref(obs);
	} else if (!err[0])
		fz_fail("er_partner_view_parse failed without a message");
	er_partner_view_unref(pv);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *xml = fz_strndup(data, size);

	one(opaque_ctx, xml);
	one(er_ds_ctx(ds), xml);
	free(xml);
	return 0;
}
