/*
 * The config-change log line: which data paths changed, never a value
 * (md5-key, SNMP keys and communities, password hashes are config leaves).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libyang/libyang.h>

#include "config_diff.h"
#include "fixture.h"

#define P "/expressroute-readiness:expressroute"

struct pair {
	struct er_ds *ds;
	struct lyd_node *old, *new;
};

static char *
example_text(void)
{
	FILE *f = fopen(FX_CONFIG, "r");
	char *buf = calloc(1, 65536);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, 65535, f);
	fclose(f);
	assert_true(n > 0);
	return buf;
}

static struct lyd_node *
parse(struct er_ds *ds, const char *text)
{
	char err[ER_ERRLEN];
	struct lyd_node *t = NULL;

	if (er_ds_parse(ds, text, ER_FMT_JSON, "test", &t, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return t;
}

/* The example as old, the example with @p from replaced by @p to as new. */
static void
pair_load(struct pair *p, const char *from, const char *to)
{
	char err[ER_ERRLEN], *text = example_text(), *edited;

	p->ds = er_ds_new(err, sizeof(err));
	assert_non_null(p->ds);
	p->old = parse(p->ds, text);
	edited = from ? fx_replace(text, from, to) : strdup(text);
	p->new = parse(p->ds, edited);
	free(edited);
	free(text);
}

static void
pair_free(struct pair *p)
{
	lyd_free_all(p->old);
	lyd_free_all(p->new);
	er_ds_free(p->ds);
}

static void
test_unchanged(void **state)
{
	struct pair p;

	(void)state;
	pair_load(&p, NULL, NULL);
	assert_null(er_config_diff_paths(p.old, p.new, 8));
	pair_free(&p);
}

static void
test_leaf_replaced(void **state)
{
	struct pair p;
	char *d;

	(void)state;
	pair_load(&p, "\"poll-interval\": 30", "\"poll-interval\": 60");
	d = er_config_diff_paths(p.old, p.new, 8);
	assert_string_equal(d, "replace " P "/agent/poll-interval");
	free(d);
	pair_free(&p);
}

/* Secret leaves: the path is named, the value never. */
static void
test_secrets_never_printed(void **state)
{
	struct pair p;
	char *d, *back;

	(void)state;
	pair_load(&p, "\"bfd-expected\": true\n",
	    "\"bfd-expected\": true, \"md5-key\": \"Md5Secret42\"\n");
	d = er_config_diff_paths(p.old, p.new, 8);
	assert_string_equal(d, "create " P "/circuit[name='er-ams-1']/peering[type='azure-private']/md5-key");
	assert_null(strstr(d, "Md5Secret42"));
	/* and back: a deleted secret is not printed either */
	back = er_config_diff_paths(p.new, p.old, 8);
	assert_string_equal(back, "delete " P "/circuit[name='er-ams-1']/peering[type='azure-private']/md5-key");
	free(back);
	free(d);
	pair_free(&p);

	pair_load(&p, "\"bgp\": { \"source\": \"auto\" }",
	    "\"bgp\": { \"source\": \"auto\" }, \"snmp\": { \"community\": \"CommSecret7\", \"user\": [ { \"name\": "
	    "\"nms\", \"auth-key\": \"AuthSecret-123\", \"priv-key\": \"PrivSecret-456\", \"access\": \"read-write\" } ] }");
	d = er_config_diff_paths(p.old, p.new, 8);
	assert_null(strstr(d, "CommSecret7"));
	assert_null(strstr(d, "AuthSecret-123"));
	assert_null(strstr(d, "PrivSecret-456"));
	/* the snmp container held only defaults: the community's default is replaced */
	assert_string_equal(d, "replace " P "/agent/snmp/community, create " P "/agent/snmp/user[name='nms']");
	free(d);
	pair_free(&p);
}

/* A leaf-list entry is named by its leaf-list: its value could be anything. */
static void
test_leaf_list_without_value(void **state)
{
	struct pair p;
	char *d;

	(void)state;
	pair_load(&p, "\"vnet-address-space\": [\"10.10.0.0/16\"]",
	    "\"vnet-address-space\": [\"10.10.0.0/16\", \"10.99.0.0/16\", \"10.98.0.0/16\"]");
	d = er_config_diff_paths(p.old, p.new, 8);
	assert_string_equal(d, "create " P "/circuit[name='er-ams-1']/vnet-address-space");
	free(d);
	d = er_config_diff_paths(p.new, p.old, 8);
	assert_string_equal(d, "delete " P "/circuit[name='er-ams-1']/vnet-address-space");
	free(d);
	pair_free(&p);
}

static void
test_capped(void **state)
{
	struct pair p;
	char *d;

	(void)state;
	pair_load(&p, "\"provider\": \"Equinix\",\n        \"peering-location\": \"Amsterdam\",",
	    "\"provider\": \"Megaport\",\n        \"peering-location\": \"Paris\",");
	d = er_config_diff_paths(p.old, p.new, 1);
	assert_string_equal(d, "replace " P "/circuit[name='er-ams-1']/provider and 1 more");
	free(d);
	pair_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unchanged),
		cmocka_unit_test(test_leaf_replaced),
		cmocka_unit_test(test_secrets_never_printed),
		cmocka_unit_test(test_leaf_list_without_value),
		cmocka_unit_test(test_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
