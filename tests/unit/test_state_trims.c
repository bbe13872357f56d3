/*
 * The trims of a filtered <get> (state_tree.h ER_ST_CHECKS_LEAN and
 * ER_ST_NO_CIRCUIT_STATE): what the partner fetch's filter selects is the
 * same whether the state tree was built whole or trimmed, and the trimmed
 * leaves are exactly those the filter cannot select. Router ce-a of
 * examples/erready-two-routers.json with ce-b's captured reply, so the
 * tree has per-link results on both paths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libyang/libyang.h>

#include "fixture.h"
#include "nc_filter.h"
#include "nc_schema.h"
#include "partner.h"
#include "state_tree.h"
#include "state_xml.h"

#define TWO_ROUTERS ERREADY_SOURCE_DIR "/examples/erready-two-routers.json"
#define TOP "/expressroute-readiness:expressroute"
#define PARTS (ER_ST_CIRCUITS | ER_ST_SUMMARY | ER_ST_COLLECTORS | ER_ST_CHECKS)
/* what agent/nc_get.c state_trims finds for ce-a's filter to ce-b (the secondary links) */
#define TRIMS (ER_ST_CHECKS_LEAN | ER_ST_CHECKS_NO_REFS | ER_ST_CHECKS_SECONDARY | ER_ST_NO_CIRCUIT_STATE)

/* The filter of a <get> whose <filter> is @p filter_xml, parsed as erreadyd's NETCONF server does. */
static void
parse_filter(const struct ly_ctx *ctx, const char *filter_xml, struct er_nc_filter *f)
{
	struct er_nc_errs errs = { NULL, 0 };

	assert_int_equal(er_nc_filter_parse_subtree(ctx, filter_xml, f, &errs), 0);
	assert_int_equal(errs.n, 0);
}

/* The XML that @p f selects from the state tree of @p s built with @p parts; the printed size of the whole tree in @p built_bytes. */
static char *
selected(const struct er_snapshot *s, const struct ly_ctx *ctx, const struct er_nc_filter *f, unsigned parts,
    size_t *built_bytes)
{
	struct lyd_node *tree = NULL, *out = NULL;
	struct er_nc_errs errs = { NULL, 0 };
	char *xml = NULL, *all = NULL;

	assert_int_equal(er_state_tree_parts(s, ctx, parts, &tree), 0);
	assert_int_equal(lyd_print_mem(&all, tree, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK), LY_SUCCESS);
	*built_bytes = strlen(all);
	free(all);
	assert_int_equal(er_nc_filter_apply(f, tree, &out, &errs), 0);
	assert_non_null(out);
	assert_int_equal(lyd_print_mem(&xml, out, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK), LY_SUCCESS);
	lyd_free_all(out);
	lyd_free_all(tree);
	return xml;
}

/* The partner's answer printed straight from @p s (state_xml.c), as a string. */
static char *
printed(const struct er_snapshot *s, const struct ly_ctx *ctx, enum er_path only)
{
	struct er_buf b = { 0 };

	assert_int_equal(er_state_xml_partner(s, ctx, only, &b), 0);
	er_buf_add(&b, "", 1);
	return er_buf_data(&b);
}

/* What @p f selects from running of @p ds with the whole state of @p s merged in. */
static char *
selected_with_config(const struct er_snapshot *s, struct er_ds *ds, const struct er_nc_filter *f)
{
	struct lyd_node *tree = NULL, *st = NULL, *out = NULL;
	struct er_nc_errs errs = { NULL, 0 };
	char *xml = NULL;

	assert_int_equal(lyd_dup_siblings(er_ds_running(ds), NULL, LYD_DUP_RECURSIVE, &tree), LY_SUCCESS);
	assert_int_equal(er_state_tree_parts(s, er_ds_ctx(ds), ER_ST_ALL, &st), 0);
	assert_int_equal(lyd_merge_siblings(&tree, st, LYD_MERGE_DESTRUCT), LY_SUCCESS);
	assert_int_equal(er_nc_filter_apply(f, tree, &out, &errs), 0);
	assert_int_equal(lyd_print_mem(&xml, out, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK), LY_SUCCESS);
	lyd_free_all(out);
	lyd_free_all(tree);
	return xml;
}

static void
test_partner_filter_trimmed(void **state)
{
	char *cfg = fx_read_data(TWO_ROUTERS), *obs = fx_read_data("observed-two-circuits.json"), *filter;
	char *whole, *lean, err[ER_ERRLEN], *path;
	struct er_nc_filter f = { false, NULL, 0 };
	struct er_snapshot *s;
	struct er_ds *ds;
	struct fx fx;
	size_t whole_bytes, lean_bytes, trim_bytes;

	(void)state;
	fx_load(&fx, cfg, obs);
	fx_partner(&fx, "ce-b", "partner/ce-b-healthy.xml");
	s = er_evaluate(fx.cfg, fx.obs, NULL, 0);
	if (!(ds = er_ds_new_with(er_nc_ctx_hook, err, sizeof(err))) || er_ds_load_file(ds, TWO_ROUTERS, err, sizeof(err)) < 0)
		fail_msg("datastore: %s", err);

	filter = er_partner_filter(fx.cfg, "ce-b");
	parse_filter(er_ds_ctx(ds), filter, &f);
	/* what the fetch needs is wanted; what the trims leave out is not */
	assert_true(er_nc_filter_wants(er_ds_ctx(ds), &f, TOP "/circuit/peering/state"));
	assert_true(er_nc_filter_wants(er_ds_ctx(ds), &f, TOP "/readiness/check/detail"));
	assert_true(er_nc_filter_wants(er_ds_ctx(ds), &f, TOP "/readiness/check/path"));
	assert_false(er_nc_filter_wants(er_ds_ctx(ds), &f, TOP "/circuit/state"));
	assert_false(er_nc_filter_wants(er_ds_ctx(ds), &f, TOP "/readiness/check/name"));
	assert_false(er_nc_filter_wants(er_ds_ctx(ds), &f, TOP "/readiness/check/area"));
	assert_false(er_nc_filter_wants(er_ds_ctx(ds), &f, TOP "/readiness/check/severity"));
	assert_false(er_nc_filter_wants(er_ds_ctx(ds), &f, TOP "/readiness/check/rule"));
	assert_false(er_nc_filter_wants(er_ds_ctx(ds), &f, TOP "/readiness/check/since"));

	/* ... nor the leaves the id names, nor the other path's results, nor any config */
	assert_false(er_nc_filter_wants(er_ds_ctx(ds), &f, TOP "/readiness/check/code"));
	assert_false(er_nc_filter_wants(er_ds_ctx(ds), &f, TOP "/readiness/check/circuit"));
	assert_false(er_nc_filter_wants(er_ds_ctx(ds), &f, TOP "/readiness/check/peering"));
	path = er_nc_filter_list_match(er_ds_ctx(ds), &f, TOP "/readiness/check", "path");
	assert_non_null(path);
	assert_string_equal(path, "secondary");
	free(path);
	assert_false(er_nc_filter_wants_config(er_ds_ctx(ds), &f));

	/* the same answer from a smaller tree */
	whole = selected(s, er_ds_ctx(ds), &f, PARTS, &whole_bytes);
	lean = selected(s, er_ds_ctx(ds), &f, PARTS | ER_ST_CHECKS_LEAN | ER_ST_NO_CIRCUIT_STATE, &lean_bytes);
	assert_string_equal(lean, whole);
	assert_true(lean_bytes < whole_bytes);
	free(lean);
	lean = selected(s, er_ds_ctx(ds), &f, PARTS | TRIMS, &trim_bytes);
	assert_string_equal(lean, whole);
	assert_true(trim_bytes < lean_bytes);
	assert_non_null(strstr(whole, "<check><id>bgp-both-established/er-ams-1/azure-private/secondary</id>"
	                              "<path>secondary</path><status>pass</status><detail>"));
	assert_null(strstr(whole, "<path>primary</path><status>"));
	assert_null(strstr(whole, "<code>"));
	/* only the links of the router asked (here ce-a's primaries), whole */
	assert_non_null(strstr(whole, "<link><path>primary</path><observed-by>local</observed-by><observed-age>0</observed-age>"
	                              "<interface>eth1.100</interface><oper-status>up</oper-status>"));
	assert_null(strstr(whole, "<observed-by>ce-b</observed-by>"));
	/* and the same as from running with the state merged in (what a get built before) */
	free(lean);
	lean = selected_with_config(s, ds, &f);
	assert_string_equal(lean, whole);
	/* and the same bytes printed without a tree (what nc_get.c sends a partner) */
	free(lean);
	lean = printed(s, er_ds_ctx(ds), ER_PATH_SECONDARY);
	assert_string_equal(lean, whole);

	/* a partner holding both paths of some peering: every result, still without the leaves the id names */
	er_nc_filter_clear(&f);
	parse_filter(er_ds_ctx(ds), ER_PARTNER_FILTER, &f);
	assert_null(er_nc_filter_list_match(er_ds_ctx(ds), &f, TOP "/readiness/check", "path"));
	assert_false(er_nc_filter_wants(er_ds_ctx(ds), &f, TOP "/readiness/check/code"));
	free(whole);
	free(lean);
	whole = selected(s, er_ds_ctx(ds), &f, PARTS, &whole_bytes);
	lean = selected(s, er_ds_ctx(ds), &f, PARTS | ER_ST_CHECKS_LEAN | ER_ST_CHECKS_NO_REFS | ER_ST_NO_CIRCUIT_STATE,
	    &lean_bytes);
	assert_string_equal(lean, whole);
	assert_non_null(strstr(whole, "<check><id>bgp-both-established/er-ams-1/azure-private/primary</id><status>"));
	free(lean);
	lean = printed(s, er_ds_ctx(ds), ER_PATH_NONE);
	assert_string_equal(lean, whole);

	/* a filter that names a trimmed leaf gets it: the trim is not applied (nc_ops.c state_trims) */
	er_nc_filter_clear(&f);
	parse_filter(er_ds_ctx(ds), "<expressroute xmlns=\"urn:erready:params:xml:ns:yang:expressroute-readiness\">"
	                            "<readiness><check><rule/></check></readiness></expressroute>", &f);
	assert_true(er_nc_filter_wants(er_ds_ctx(ds), &f, TOP "/readiness/check/rule"));

	er_nc_filter_clear(&f);
	free(whole);
	free(lean);
	free(filter);
	er_ds_free(ds);
	er_snapshot_unref(s);
	fx_free(&fx);
	free(cfg);
	free(obs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_partner_filter_trimmed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
