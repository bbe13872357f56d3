/*
 * The readiness printer (state_xml.h) against libyang: for each fixture,
 * its text must be byte for byte what libyang prints for the tree
 * state_tree.c builds (XML, shrink, with-defaults explicit), and libyang
 * must parse it strictly against the module and print it back unchanged.
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

#include "datastore.h"
#include "fixture.h"
#include "nc_schema.h"
#include "state_tree.h"
#include "state_xml.h"

#define TWO_ROUTERS ERREADY_SOURCE_DIR "/examples/erready-two-routers.json"
#define RD_PARTS (ER_ST_SUMMARY | ER_ST_COLLECTORS | ER_ST_CHECKS | ER_ST_HOST)
#define OPEN "<expressroute xmlns=\"urn:erready:params:xml:ns:yang:expressroute-readiness\">"
#define CLOSE "</expressroute>"
#define PRINT (LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK | LYD_PRINT_WD_EXPLICIT)

/* the example config with @p observed (a path, or NULL: nothing observed) */
static void
load(struct fx *fx, const char *observed)
{
	char *cfg = fx_read_data(FX_CONFIG), *obs = observed ? fx_read_data(observed) : NULL;

	fx_load(fx, cfg, obs);
	free(cfg);
	free(obs);
}

static struct ly_ctx *
ctx_of(struct er_ds **ds)
{
	char err[ER_ERRLEN];

	if (!(*ds = er_ds_new_with(er_nc_ctx_hook, err, sizeof(err))))
		fail_msg("datastore: %s", err);
	return er_ds_ctx(*ds);
}

/* libyang's text of the readiness parts @p parts of @p s (NULL: nothing printed, as for an empty container) */
static char *
by_libyang(const struct er_snapshot *s, const struct ly_ctx *ctx, unsigned parts)
{
	struct lyd_node *tree = NULL;
	char *xml = NULL;

	assert_int_equal(er_state_tree_parts(s, ctx, parts, &tree), 0);
	assert_int_equal(lyd_print_mem(&xml, tree, LYD_XML, PRINT), LY_SUCCESS);
	lyd_free_all(tree);
	return xml;
}

/* the printer's text of the same, inside /expressroute as libyang prints an otherwise empty one (NULL: nothing) */
static char *
by_printer(const struct er_snapshot *s, const struct ly_ctx *ctx, unsigned parts, er_state_xml_may_read may_read,
    void *arg)
{
	struct er_buf b = { 0 };
	char *xml = NULL;

	er_buf_add(&b, "x", 1);
	assert_int_equal(er_state_xml_readiness(s, ctx, parts, may_read, arg, &b), 0);
	if (b.len > 1)
		assert_true(asprintf(&xml, OPEN "%.*s" CLOSE, (int)(b.len - 1), er_buf_data(&b) + 1) > 0);
	assert_int_equal(er_buf_data(&b)[0], 'x'); /* appended, nothing before touched */
	er_buf_free(&b);
	return xml;
}

/* libyang parses @p xml strictly against the module and prints it back the same */
static void
assert_valid(const struct ly_ctx *ctx, const char *xml)
{
	struct lyd_node *tree = NULL;
	char *again = NULL;

	if (lyd_parse_data_mem(ctx, xml, LYD_XML, LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0, &tree) != LY_SUCCESS)
		fail_msg("libyang refused the printed text: %s", ly_errmsg(ctx));
	assert_int_equal(lyd_print_mem(&again, tree, LYD_XML, PRINT), LY_SUCCESS);
	assert_string_equal(again, xml);
	free(again);
	lyd_free_all(tree);
}

static void
same_as_libyang(const struct er_snapshot *s, const struct ly_ctx *ctx, unsigned parts)
{
	char *want = by_libyang(s, ctx, parts), *got = by_printer(s, ctx, parts, NULL, NULL);

	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_valid(ctx, got);
	free(want);
	free(got);
}

/* every part and the lean checks, on the example config with the healthy host state (NAT, DSCP, queues, conntrack) */
/*
 * The config of @p ds as a full <get> prints it (expressroute only, secrets
 * stripped), and the same with the circuit state of @p s merged in as
 * libyang prints it (@p merged); the splice of the state into the first
 * must be the second, byte for byte. Returns the config text.
 */
static char *
splice_same_as_libyang(const struct er_snapshot *s, struct er_ds *ds)
{
	struct lyd_node *tree = NULL, *st = NULL, *n, *next;
	char *want = NULL, *conf = NULL;
	struct er_buf b = { 0 };

	assert_int_equal(lyd_dup_siblings(er_ds_running(ds), NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &tree),
	    LY_SUCCESS);
	LY_LIST_FOR_SAFE(tree, next, n)
		if (strcmp(n->schema->module->name, "expressroute-readiness")) {
			if (n == tree)
				tree = next;
			lyd_free_tree(n);
		}
	er_ds_strip_secrets(tree);
	assert_int_equal(lyd_print_mem(&conf, tree, LYD_XML, PRINT), LY_SUCCESS);
	assert_int_equal(er_state_tree_parts(s, er_ds_ctx(ds), ER_ST_CIRCUITS | ER_ST_RESILIENCY, &st), 0);
	assert_int_equal(lyd_merge_siblings(&tree, st, LYD_MERGE_DESTRUCT), LY_SUCCESS);
	assert_int_equal(lyd_print_mem(&want, tree, LYD_XML, PRINT), LY_SUCCESS);
	lyd_free_all(tree);
	er_buf_add(&b, "x", 1);
	assert_int_equal(er_state_xml_splice(s, er_ds_ctx(ds), conf, strlen(conf), &b), 0);
	er_buf_add(&b, "", 1);
	assert_int_equal(er_buf_data(&b)[0], 'x'); /* appended, nothing before touched */
	assert_string_equal(er_buf_data(&b) + 1, want);
	er_buf_free(&b);
	free(want);
	return conf;
}

/* A text that is not running's print for the config @p s evaluated: refused, nothing appended. */
static void
splice_refused(const struct er_snapshot *s, struct er_ds *ds, const char *conf)
{
	struct er_buf b = { 0 };

	er_buf_add(&b, "x", 1);
	assert_int_equal(er_state_xml_splice(s, er_ds_ctx(ds), conf, strlen(conf), &b), -1);
	assert_int_equal(b.len, 1);
	er_buf_free(&b);
}

static void
test_healthy(void **state)
{
	struct er_snapshot *s;
	struct er_ds *ds;
	struct ly_ctx *ctx = ctx_of(&ds);
	struct fx fx;
	char *got;

	(void)state;
	load(&fx, FX_OBSERVED);
	s = er_evaluate(fx.cfg, fx.obs, NULL, 1795000000);
	same_as_libyang(s, ctx, RD_PARTS);
	same_as_libyang(s, ctx, RD_PARTS | ER_ST_CHECKS_LEAN);
	same_as_libyang(s, ctx, ER_ST_SUMMARY);
	same_as_libyang(s, ctx, ER_ST_HOST);
	same_as_libyang(s, ctx, ER_ST_CHECKS | ER_ST_CHECKS_LEAN);
	free(splice_same_as_libyang(s, fx.ds));
	got = by_printer(s, ctx, RD_PARTS, NULL, NULL);
	/* the fixture holds what the comparison is about */
	assert_non_null(strstr(got, OPEN "<readiness><readiness>"));
	assert_non_null(strstr(got, "<last-evaluation>2026-11-1"));
	assert_non_null(strstr(got, "<nat><rule><index>1</index>"));
	assert_non_null(strstr(got, "<translated>"));
	assert_non_null(strstr(got, "<qos><dscp-rule><index>1</index>"));
	assert_non_null(strstr(got, "<match-dscp>"));
	assert_non_null(strstr(got, "<queue><interface>"));
	assert_non_null(strstr(got, "<conntrack-count>"));
	assert_non_null(strstr(got, "<collector><source>bgp</source><daemon>"));
	free(got);
	er_snapshot_unref(s);
	er_ds_free(ds);
	fx_free(&fx);
}

/* two routers with the partner's reply: per-link results on both paths, partner collector */
static void
test_two_routers(void **state)
{
	char *cfg = fx_read_data(TWO_ROUTERS), *obs = fx_read_data("observed-two-circuits.json");
	struct er_snapshot *s;
	struct er_ds *ds;
	struct ly_ctx *ctx = ctx_of(&ds);
	struct fx fx;

	(void)state;
	char *conf, *bad;

	fx_load(&fx, cfg, obs);
	fx_partner(&fx, "ce-b", "partner/ce-b-healthy.xml");
	s = er_evaluate(fx.cfg, fx.obs, NULL, 0);
	same_as_libyang(s, ctx, RD_PARTS);
	/* the circuit state spliced into the config: links here and on ce-b, groups, the partner */
	conf = splice_same_as_libyang(s, fx.ds);
	assert_non_null(strstr(conf, "<resiliency-group>"));
	assert_non_null(strstr(conf, "<partner><name>ce-b</name>"));
	/* running is not what was evaluated: a circuit renamed, a circuit gone, a peering gone */
	bad = fx_replace(conf, "<name>er-ams-1</name>", "<name>er-zzz-1</name>");
	splice_refused(s, fx.ds, bad);
	free(bad);
	bad = fx_replace(conf, "<circuit><name>er-ams-1</name>", "<circuit-x><name>er-ams-1</name>");
	splice_refused(s, fx.ds, bad);
	free(bad);
	bad = fx_replace(conf, "<type>microsoft</type>", "<type>azure-public</type>");
	splice_refused(s, fx.ds, bad);
	free(bad);
	bad = fx_replace(conf, "<circuit>", "<!-- a comment --><circuit>");
	splice_refused(s, fx.ds, bad);
	free(bad);
	free(conf);
	er_snapshot_unref(s);
	/* the partner not contacted yet, and stale: its links without data */
	fx_free(&fx);
	fx_load(&fx, cfg, obs);
	s = er_evaluate(fx.cfg, fx.obs, NULL, 0);
	free(splice_same_as_libyang(s, fx.ds));
	er_snapshot_unref(s);
	er_ds_free(ds);
	fx_free(&fx);
	free(cfg);
	free(obs);
}

/* nothing observed: collectors "not collected", no NAT or QoS container (libyang leaves empty ones out) */
static void
test_nothing_observed(void **state)
{
	struct er_snapshot *s;
	struct er_ds *ds;
	struct ly_ctx *ctx = ctx_of(&ds);
	struct fx fx;
	char *got;

	(void)state;
	load(&fx, NULL);
	s = er_evaluate(fx.cfg, fx.obs, NULL, 1795000000);
	same_as_libyang(s, ctx, RD_PARTS);
	same_as_libyang(s, ctx, ER_ST_HOST);
	free(splice_same_as_libyang(s, fx.ds));
	assert_null(by_printer(s, ctx, ER_ST_HOST, NULL, NULL));
	assert_null(by_libyang(s, ctx, ER_ST_HOST));
	got = by_printer(s, ctx, ER_ST_COLLECTORS, NULL, NULL);
	assert_non_null(strstr(got, "<collector><source>bgp</source><status>disabled</status>"
	                            "<message>not collected</message><duration>0</duration></collector>"));
	free(got);
	er_snapshot_unref(s);
	er_ds_free(ds);
	fx_free(&fx);
}

/* XML's special characters are escaped as libyang does; UTF-8 passes; a bad byte makes the printer step back */
static void
test_escaping(void **state)
{
	struct er_snapshot *s;
	struct er_ds *ds;
	struct ly_ctx *ctx = ctx_of(&ds);
	struct er_buf b = { 0 };
	struct fx fx;
	char *got;

	(void)state;
	load(&fx, FX_OBSERVED);
	s = er_evaluate(fx.cfg, fx.obs, NULL, 1795000000);
	assert_true(s->n_results > 1);
	s->results[0].detail = "a & b < c > d \"quoted\" 'single' \xe2\x89\xa4 5 \xf0\x9f\x99\x82\ttab";
	same_as_libyang(s, ctx, RD_PARTS);
	got = by_printer(s, ctx, ER_ST_CHECKS | ER_ST_CHECKS_LEAN, NULL, NULL);
	assert_non_null(strstr(got, "<detail>a &amp; b &lt; c &gt; d \"quoted\" 'single' \xe2\x89\xa4 5 "
	                            "\xf0\x9f\x99\x82\ttab</detail>"));
	free(got);

	/* invalid UTF-8 and a control character: nothing appended, -1 (nc_get.c builds the tree instead) */
	s->results[1].detail = "bad \xff byte";
	er_buf_add(&b, "keep", 4);
	assert_int_equal(er_state_xml_readiness(s, ctx, RD_PARTS, NULL, NULL, &b), -1);
	assert_int_equal(b.len, 4);
	s->results[1].detail = "bell \x07";
	assert_int_equal(er_state_xml_readiness(s, ctx, RD_PARTS, NULL, NULL, &b), -1);
	assert_int_equal(b.len, 4);
	er_buf_free(&b);
	er_snapshot_unref(s);
	er_ds_free(ds);
	fx_free(&fx);
}

/* The read hook (RFC 8341 NACM plugs in here): a refused subtree is left out, nothing else changes. */
struct seen {
	unsigned asked;
	const char *refuse_path, *refuse_key;
};

static bool
may_read(void *arg, const char *path, const char *key)
{
	struct seen *w = arg;

	w->asked++;
	if (strcmp(path, w->refuse_path))
		return true;
	/* refused, but for the one key named */
	return w->refuse_key && key && !strcmp(key, w->refuse_key);
}

static void
test_read_hook(void **state)
{
	struct er_snapshot *s;
	struct er_ds *ds;
	struct ly_ctx *ctx = ctx_of(&ds);
	struct seen w = { 0, "/expressroute-readiness:expressroute/readiness/check", NULL };
	struct fx fx;
	char *all, *got, id[256], *one;

	(void)state;
	load(&fx, FX_OBSERVED);
	s = er_evaluate(fx.cfg, fx.obs, NULL, 1795000000);
	all = by_printer(s, ctx, RD_PARTS, NULL, NULL);

	/* every check refused: the text is the one without checks */
	got = by_printer(s, ctx, RD_PARTS, may_read, &w);
	one = by_printer(s, ctx, RD_PARTS & ~(unsigned)ER_ST_CHECKS, NULL, NULL);
	assert_string_equal(got, one);
	assert_true(w.asked >= s->n_results);
	free(got);
	free(one);

	/* only the first check readable: exactly its entry remains */
	er_result_id(&s->results[0], id, sizeof(id));
	w.refuse_key = id;
	got = by_printer(s, ctx, RD_PARTS, may_read, &w);
	assert_int_equal(strstr(got, "<check>") - got, strstr(all, "<check>") - all);
	assert_null(strstr(strstr(got, "</check>"), "<check>"));
	assert_valid(ctx, got);
	free(got);

	/* a refused container (NAT) */
	w.refuse_path = "/expressroute-readiness:expressroute/readiness/nat";
	w.refuse_key = "none";
	got = by_printer(s, ctx, RD_PARTS, may_read, &w);
	assert_null(strstr(got, "<nat>"));
	assert_non_null(strstr(all, "<nat>"));
	assert_non_null(strstr(got, "<qos>"));
	free(got);
	free(all);
	er_snapshot_unref(s);
	er_ds_free(ds);
	fx_free(&fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy),
		cmocka_unit_test(test_two_routers),
		cmocka_unit_test(test_nothing_observed),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_read_hook),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
