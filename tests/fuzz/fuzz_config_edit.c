/*
 * Config edits (agent/netconf/nc_edit.c over src/datastore.c): the input is the
 * content of an edit-config <config>, its first byte the default-operation
 * and error-option. As in erreadyd, the <rpc> first passes the message
 * guard (libyang 2.1.30 crashes on some XML that is not namespace-well-
 * formed, e.g. "<r:t/><t/>" in a <config>: regress/config_edit/), then it
 * is parsed as libnetconf2 parses it, applied to a copy of the example
 * config and committed. RFC 6241 7.2: with
 * stop-on-error and rollback-on-error a failed edit leaves the target as
 * it was; a committed config is evaluated.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "datastore.h"
#include "fuzz.h"
#include "nc_edit.h"
#include "nc_err.h"
#include "nc_guard.h"
#include "nc_schema.h"
#include "observed.h"

static struct er_ds *ds;

static void
reset(void)
{
	char err[ER_ERRLEN];

	if (er_ds_load_mem(ds, fz_example_config(), ER_FMT_JSON, "erready.json", err, sizeof(err)) < 0)
		fz_fail("%s", err);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[ER_ERRLEN];

	(void)argc;
	(void)argv;
	fz_quiet();
	er_nc_guard_init();
	if (!(ds = er_ds_new_with(er_nc_ctx_hook, err, sizeof(err))))
		fz_fail("datastore: %s", err);
	reset();
	fz_healthy_observed();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "<rpc message-id=\"1\" xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\" "
				   "xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\">"
				   "<edit-config><target><running/></target><config>",
			  tail[] = "</config></edit-config></rpc>";
	struct ly_ctx *ctx = er_ds_ctx(ds);
	struct lyd_node *env = NULL, *op = NULL, *cfgnode = NULL;
	struct er_nc_errs errs = { 0 };
	struct ly_in *in = NULL;
	struct er_ds_txn *txn;
	enum er_nc_defop defop;
	enum er_nc_errop errop;
	char *xml, err[ER_ERRLEN], why[256], *refused;
	uint32_t opts = 0;
	bool skip;
	int rc;

	if (size < 1)
		return 0;
	defop = (enum er_nc_defop)(data[0] % 3);
	errop = (enum er_nc_errop)((data[0] / 3) % 3);
	xml = malloc(sizeof(head) + size - 1 + sizeof(tail));
	if (!xml)
		abort();
	memcpy(xml, head, sizeof(head) - 1);
	memcpy(xml + sizeof(head) - 1, data + 1, size - 1);
	memcpy(xml + sizeof(head) - 1 + size - 1, tail, sizeof(tail));
	if ((refused = er_nc_guard_check(xml, strlen(xml), true, NULL, &skip, why, sizeof(why)))) {
		free(refused); /* erreadyd answers it without libnetconf2 */
		free(xml);
		return 0;
	}
	ly_temp_log_options(&opts);
	if (ly_in_new_memory(xml, &in) != LY_SUCCESS)
		abort();
	rc = lyd_parse_op(ctx, NULL, in, LYD_XML, LYD_TYPE_RPC_NETCONF, &env, &op);
	ly_in_free(in, 0);
	if (rc != LY_SUCCESS || lyd_find_path(op, "config", 0, &cfgnode) != LY_SUCCESS ||
	    ((struct lyd_node_any *)cfgnode)->value_type != LYD_ANYDATA_DATATREE)
		goto out;
	txn = er_ds_txn_begin(ds);
	rc = er_nc_edit_apply(er_ds_txn_tree(txn), ((struct lyd_node_any *)cfgnode)->value.tree, defop, errop, &errs);
	if (rc < 0 && !errs.n)
		fz_fail("er_nc_edit_apply failed without an error");
	if (rc < 0 && errop != ER_NC_CONTINUE_ON_ERROR &&
	    lyd_compare_siblings(er_ds_txn_peek(txn), er_ds_running(ds),
		LYD_COMPARE_FULL_RECURSION | LYD_COMPARE_DEFAULTS) != LY_SUCCESS)
		fz_fail("a failed edit with %s changed the target",
		    errop == ER_NC_STOP_ON_ERROR ? "stop-on-error" : "rollback-on-error");
	if (rc == 0 || errop == ER_NC_CONTINUE_ON_ERROR) {
		err[0] = '\0';
		if (er_ds_txn_commit(txn, err, sizeof(err)) == 0) {
			const struct er_config *cfg = er_ds_config(ds);
			fz_evaluate(cfg, fz_healthy_observed());
			er_ds_config_unref(cfg);
			reset();
		} else if (!err[0])
			fz_fail("a commit failed without a message");
	} else
		er_ds_txn_abort(txn);
out:
	ly_temp_log_options(NULL);
	er_nc_errs_clear(&errs);
	lyd_free_all(env);
	lyd_free_all(op);
	free(xml);
	return 0;
}
