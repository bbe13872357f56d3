/*
 * edit-config semantics (RFC 6241 sections 7.2 and 8) over the example
 * config: every operation on containers, list entries, leaves and
 * leaf-lists, default-operation, the edit's own errors with their tag,
 * path and message, and the three error-options. Edits are parsed from a
 * whole <rpc> the way libnetconf2 does it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libyang/libyang.h>

#include "fixture.h"
#include "nc_edit.h"
#include "nc_schema.h"
#include "util.h"

#define NS "urn:erready:params:xml:ns:yang:expressroute-readiness"
#define ER(body) "<expressroute xmlns=\"" NS "\">" body "</expressroute>"
#define TOP "/expressroute-readiness:expressroute"
#define AMS TOP "/circuit[name='er-ams-1']"
#define OP(op) " xc:operation=\"" op "\""

#define MERGE ER_NC_DEFOP_MERGE
#define REPLACE ER_NC_DEFOP_REPLACE
#define NONE ER_NC_DEFOP_NONE
#define STOP ER_NC_STOP_ON_ERROR
#define CONTINUE ER_NC_CONTINUE_ON_ERROR
#define ROLLBACK ER_NC_ROLLBACK_ON_ERROR

#define APP NC_ERR_TYPE_APP
#define PROT NC_ERR_TYPE_PROT

struct t {
	struct er_ds *ds;
	struct ly_ctx *ctx;
	struct er_ds_txn *txn;
	struct lyd_node **tree; /* running with its defaults, as the daemon passes it */
	struct lyd_node *env, *op;
	struct er_nc_errs errs;
};

static int
setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	char err[ER_ERRLEN];

	if (!(t->ds = er_ds_new_with(er_nc_ctx_hook, err, sizeof(err))))
		fail_msg("datastore: %s", err);
	if (er_ds_load_file(t->ds, FX_CONFIG, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	t->ctx = er_ds_ctx(t->ds);
	t->txn = er_ds_txn_begin(t->ds);
	t->tree = er_ds_txn_tree(t->txn);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t *t = *state;

	lyd_free_all(t->op);
	lyd_free_all(t->env);
	er_nc_errs_clear(&t->errs);
	er_ds_txn_abort(t->txn);
	er_ds_free(t->ds);
	free(t);
	return 0;
}

/* The <config> content of an edit-config, parsed as libnetconf2 parses the <rpc>. */
static const struct lyd_node *
parse(struct t *t, const char *config)
{
	struct ly_in *in = NULL;
	struct lyd_node *n = NULL;
	char *xml;

	lyd_free_all(t->op);
	lyd_free_all(t->env);
	t->op = t->env = NULL;
	assert_true(asprintf(&xml,
	                "<rpc message-id=\"1\" xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\" "
	                "xmlns:xc=\"urn:ietf:params:xml:ns:netconf:base:1.0\">"
	                "<edit-config><target><running/></target><config>%s</config></edit-config></rpc>",
	                config) > 0);
	assert_int_equal(ly_in_new_memory(xml, &in), LY_SUCCESS);
	if (lyd_parse_op(t->ctx, NULL, in, LYD_XML, LYD_TYPE_RPC_NETCONF, &t->env, &t->op) != LY_SUCCESS)
		fail_msg("rpc does not parse: %s", ly_errmsg(t->ctx));
	ly_in_free(in, 0);
	free(xml);
	assert_int_equal(lyd_find_path(t->op, "config", 0, &n), LY_SUCCESS);
	assert_int_equal(((struct lyd_node_any *)n)->value_type, LYD_ANYDATA_DATATREE);
	return ((struct lyd_node_any *)n)->value.tree;
}

static int
run(struct t *t, const char *config, enum er_nc_defop defop, enum er_nc_errop errop)
{
	er_nc_errs_clear(&t->errs);
	return er_nc_edit_apply(t->tree, parse(t, config), defop, errop, &t->errs);
}

/* On a mismatch, show every error the edit reported. */
static void
dump_errs(const struct t *t)
{
	const struct er_nc_err *e;
	size_t i;

	for (i = 0; i < t->errs.n; i++) {
		e = &t->errs.v[i];
		print_message("error %zu: tag %d type %d path %s: %s\n", i, (int)e->tag, (int)e->type,
		    e->path ? e->path : "(none)", e->msg);
	}
}

/* Apply with @p defop and @p errop and require success. */
static void
ok_with(struct t *t, const char *config, enum er_nc_defop defop, enum er_nc_errop errop)
{
	if (run(t, config, defop, errop) != 0 || t->errs.n) {
		dump_errs(t);
		fail_msg("edit failed");
	}
}

static void
ok(struct t *t, const char *config)
{
	ok_with(t, config, MERGE, STOP);
}

/* Apply and require failure with @p n errors. */
static void
bad(struct t *t, const char *config, enum er_nc_defop defop, enum er_nc_errop errop, size_t n)
{
	int rc = run(t, config, defop, errop);

	if (rc != -1 || t->errs.n != n) {
		dump_errs(t);
		fail_msg("edit returned %d with %zu errors, expected -1 with %zu", rc, t->errs.n, n);
	}
}

static void
assert_err(struct t *t, size_t i, NC_ERR tag, NC_ERR_TYPE type, const char *path, const char *msg)
{
	const struct er_nc_err *e = i < t->errs.n ? &t->errs.v[i] : NULL;

	if (!e || e->tag != tag || e->type != type || (path && (!e->path || strcmp(e->path, path))) ||
	    (!path && e->path) || (msg && strcmp(e->msg, msg)))
		dump_errs(t);
	assert_non_null(e);
	assert_int_equal(e->tag, tag);
	assert_int_equal(e->type, type);
	if (path)
		assert_string_equal(e->path, path);
	else
		assert_null(e->path);
	if (msg)
		assert_string_equal(e->msg, msg);
}

static struct lyd_node *
node(struct t *t, const char *xpath)
{
	struct ly_set *set = NULL;
	struct lyd_node *n = NULL;

	if (*t->tree && lyd_find_xpath(*t->tree, xpath, &set) == LY_SUCCESS && set->count)
		n = set->dnodes[0];
	ly_set_free(set, NULL);
	return n;
}

static size_t
count(struct t *t, const char *xpath)
{
	struct ly_set *set = NULL;
	size_t n = 0;

	if (*t->tree && lyd_find_xpath(*t->tree, xpath, &set) == LY_SUCCESS)
		n = set->count;
	ly_set_free(set, NULL);
	return n;
}

/* The explicit value of a leaf, NULL when absent or only a default. */
static const char *
value(struct t *t, const char *xpath)
{
	struct lyd_node *n = node(t, xpath);

	return n && !(n->flags & LYD_DEFAULT) ? lyd_get_value(n) : NULL;
}

/* The whole tree, default flags included. */
static char *
print(struct t *t)
{
	char *s = NULL;

	if (*t->tree)
		assert_int_equal(lyd_print_mem(&s, *t->tree, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_WD_ALL_TAG),
		    LY_SUCCESS);
	return s ? s : strdup("");
}

static void
assert_same(const char *before, struct t *t)
{
	char *after = print(t);

	assert_string_equal(before, after);
	free(after);
}

/* The edited tree passes the caller's validation (libyang and our checks). */
static void
assert_valid(struct t *t)
{
	char err[ER_ERRLEN];

	if (er_ds_txn_validate(t->txn, err, sizeof(err)) < 0)
		fail_msg("edited config does not validate: %s", err);
}

/* No operation (or any other) metadata was copied from the edit. */
static void
assert_no_meta(struct t *t)
{
	const struct lyd_node *top, *n;

	LY_LIST_FOR(*t->tree, top) {
		LYD_TREE_DFS_BEGIN(top, n) {
			if (n->meta)
				fail_msg("metadata %s on %s", n->meta->name, LYD_NAME(n));
			LYD_TREE_DFS_END(top, n);
		}
	}
}

/* ---- merge ---- */

static void
test_merge_leaf(void **state)
{
	struct t *t = *state;

	/* the canonical value goes in (libyang leaves "02000" opaque in an edit: octal 1024 is out of range) */
	ok(t, ER("<circuit><name>er-ams-1</name><bandwidth>02000</bandwidth></circuit>"));
	assert_string_equal(value(t, AMS "/bandwidth"), "2000");
	assert_string_equal(value(t, AMS "/provider"), "Equinix");
	assert_int_equal(count(t, AMS "/peering"), 2);
	ok(t, ER("<circuit><name>er-ams-1</name><bandwidth>500</bandwidth></circuit>"));
	assert_string_equal(value(t, AMS "/bandwidth"), "500");
	assert_valid(t);
}

static void
test_merge_creates_list_entry(void **state)
{
	struct t *t = *state;

	ok(t, ER("<circuit" OP("merge") "><name>er-fra-1</name><bandwidth>500</bandwidth>"
	         "<peering><type>azure-private</type><vlan-id>200</vlan-id><customer-asn>65020</customer-asn>"
	         "<ipv4><primary-subnet>172.16.1.0/30</primary-subnet>"
	         "<secondary-subnet>172.16.1.4/30</secondary-subnet></ipv4>"
	         "</peering></circuit>"));
	assert_int_equal(count(t, TOP "/circuit"), 2);
	assert_string_equal(value(t, TOP "/circuit[name='er-fra-1']/bandwidth"), "500");
	assert_string_equal(value(t, TOP "/circuit[name='er-fra-1']/peering[type='azure-private']/vlan-id"), "200");
	assert_string_equal(value(t, AMS "/bandwidth"), "1000");
	assert_no_meta(t);
	assert_valid(t);
}

static void
test_merge_container_over_defaults(void **state)
{
	struct t *t = *state;
	struct lyd_node *snmp = node(t, TOP "/agent/snmp");

	/* the snmp container holds only defaults: merge fills it */
	assert_non_null(snmp);
	assert_true(snmp->flags & LYD_DEFAULT);
	ok(t, ER("<agent><snmp><community>s3cret</community><trap-rate>50</trap-rate></snmp></agent>"));
	snmp = node(t, TOP "/agent/snmp");
	assert_false(snmp->flags & LYD_DEFAULT);
	assert_string_equal(value(t, TOP "/agent/snmp/community"), "s3cret");
	assert_string_equal(value(t, TOP "/agent/snmp/trap-rate"), "50");
	assert_string_equal(value(t, TOP "/agent/poll-interval"), "30");
	assert_valid(t);
}

static void
test_merge_default_leaf(void **state)
{
	struct t *t = *state;

	assert_null(value(t, TOP "/agent/alert-hold-down"));
	assert_non_null(node(t, TOP "/agent/alert-hold-down"));
	/* the same value as the default: now explicit */
	ok(t, ER("<agent><alert-hold-down>10</alert-hold-down></agent>"));
	assert_string_equal(value(t, TOP "/agent/alert-hold-down"), "10");
}

static void
test_merge_leaf_list(void **state)
{
	struct t *t = *state;

	ok(t, ER("<edge><internet-bgp-neighbor>198.18.0.2</internet-bgp-neighbor>"
	         "<internet-bgp-neighbor>198.18.0.1</internet-bgp-neighbor></edge>"));
	assert_int_equal(count(t, TOP "/edge/internet-bgp-neighbor"), 2);
	assert_non_null(node(t, TOP "/edge/internet-bgp-neighbor[.='198.18.0.2']"));
	/* entries match by value, canonical or not */
	ok(t, ER("<edge><internet-bgp-neighbor>2001:DB8::1</internet-bgp-neighbor></edge>"));
	ok(t, ER("<edge><internet-bgp-neighbor>2001:db8:0:0::1</internet-bgp-neighbor></edge>"));
	assert_int_equal(count(t, TOP "/edge/internet-bgp-neighbor"), 3);
	assert_non_null(node(t, TOP "/edge/internet-bgp-neighbor[.='2001:db8::1']"));
	assert_valid(t);
}

static void
test_merge_several_top_level(void **state)
{
	struct t *t = *state;

	ok(t, ER("<agent><poll-interval>60</poll-interval></agent>")
	          ER("<circuit><name>er-ams-1</name><bandwidth>200</bandwidth></circuit>"));
	assert_string_equal(value(t, TOP "/agent/poll-interval"), "60");
	assert_string_equal(value(t, AMS "/bandwidth"), "200");
}

/* A case of a choice replaces the other when the caller validates (libyang's rule for new data). */
static void
test_merge_choice_case(void **state)
{
	struct t *t = *state;

	ok(t, ER("<circuit><name>er-ams-1</name><peering><type>azure-private</type>"
	         "<ipv4><subnet>192.168.100.128/29</subnet></ipv4></peering></circuit>"));
	assert_valid(t);
	assert_string_equal(value(t, AMS "/peering[type='azure-private']/ipv4/subnet"), "192.168.100.128/29");
	assert_null(node(t, AMS "/peering[type='azure-private']/ipv4/primary-subnet"));
}

/* ---- replace ---- */

static void
test_replace_container(void **state)
{
	struct t *t = *state;

	ok(t, ER("<agent" OP("replace") "><alert-hold-down>20</alert-hold-down></agent>"));
	assert_string_equal(value(t, TOP "/agent/alert-hold-down"), "20");
	assert_null(value(t, TOP "/agent/poll-interval"));
	assert_null(value(t, TOP "/agent/bgp/source"));
	assert_no_meta(t);
	assert_valid(t);
	/* the default comes back */
	assert_string_equal(lyd_get_value(node(t, TOP "/agent/poll-interval")), "30");
}

static void
test_replace_list_entry_drops_children(void **state)
{
	struct t *t = *state;

	ok(t, ER("<circuit" OP("replace") "><name>er-ams-1</name><bandwidth>100</bandwidth>"
	         "<peering><type>microsoft</type><vlan-id>301</vlan-id><customer-asn>23500</customer-asn></peering>"
	         "</circuit>"));
	assert_string_equal(value(t, AMS "/bandwidth"), "100");
	assert_null(value(t, AMS "/provider"));
	assert_null(value(t, AMS "/service-key"));
	assert_int_equal(count(t, AMS "/vnet-address-space"), 0);
	assert_int_equal(count(t, AMS "/peering"), 1);
	assert_string_equal(value(t, AMS "/peering[type='microsoft']/vlan-id"), "301");
	/* replaced below too: the old microsoft peering's ipv4 and prefixes are gone (ipv4 only as a default) */
	assert_null(node(t, AMS "/peering[type='microsoft']/ipv4/primary-subnet"));
	assert_true(node(t, AMS "/peering[type='microsoft']/ipv4")->flags & LYD_DEFAULT);
	assert_int_equal(count(t, AMS "/peering[type='microsoft']/advertised-public-prefix"), 0);
	assert_no_meta(t);
}

static void
test_replace_leaf(void **state)
{
	struct t *t = *state;

	ok(t, ER("<circuit><name>er-ams-1</name><provider" OP("replace") ">Megaport</provider></circuit>"));
	assert_string_equal(value(t, AMS "/provider"), "Megaport");
	assert_string_equal(value(t, AMS "/bandwidth"), "1000");
	assert_no_meta(t);
}

static void
test_replace_leaf_list_entry(void **state)
{
	struct t *t = *state;

	ok(t, ER("<circuit><name>er-ams-1</name>"
	         "<vnet-address-space" OP("replace") ">10.20.0.0/16</vnet-address-space>"
	         "<vnet-address-space" OP("replace") ">10.10.0.0/16</vnet-address-space></circuit>"));
	/* only the entries named are affected */
	assert_int_equal(count(t, AMS "/vnet-address-space"), 2);
	assert_non_null(node(t, AMS "/vnet-address-space[.='10.20.0.0/16']"));
	assert_non_null(node(t, AMS "/vnet-address-space[.='10.10.0.0/16']"));
	assert_no_meta(t);
}

static void
test_default_operation_replace(void **state)
{
	struct t *t = *state;

	ok_with(t, ER("<agent><poll-interval>45</poll-interval></agent>"), REPLACE, STOP);
	assert_int_equal(count(t, TOP "/circuit"), 0);
	assert_null(value(t, TOP "/account/subscription-id"));
	assert_string_equal(value(t, TOP "/agent/poll-interval"), "45");
	assert_null(value(t, TOP "/agent/bgp/source"));
	assert_valid(t);
}

/* ---- create ---- */

static void
test_create(void **state)
{
	struct t *t = *state;

	ok(t, ER("<circuit" OP("create") "><name>er-lon-1</name><bandwidth>50</bandwidth></circuit>"
	         "<circuit><name>er-ams-1</name><peering-location" OP("remove") "/>"
	         "<vnet-address-space" OP("create") ">10.30.0.0/16</vnet-address-space></circuit>"
	         "<edge" OP("remove") "/>"));
	assert_string_equal(value(t, TOP "/circuit[name='er-lon-1']/bandwidth"), "50");
	assert_non_null(node(t, AMS "/vnet-address-space[.='10.30.0.0/16']"));
	assert_null(value(t, AMS "/peering-location"));
	ok(t, ER("<circuit><name>er-ams-1</name>"
	         "<peering-location" OP("create") ">Amsterdam2</peering-location></circuit>"
	         "<edge" OP("create") "><internet-bgp-neighbor>198.18.0.9</internet-bgp-neighbor></edge>"));
	assert_string_equal(value(t, AMS "/peering-location"), "Amsterdam2");
	assert_int_equal(count(t, TOP "/edge/internet-bgp-neighbor"), 1);
	assert_non_null(node(t, TOP "/edge/internet-bgp-neighbor[.='198.18.0.9']"));
	assert_no_meta(t);
	assert_valid(t);
}

static void
test_create_existing(void **state)
{
	struct t *t = *state;

	bad(t, ER("<circuit" OP("create") "><name>er-ams-1</name></circuit>"), MERGE, CONTINUE, 1);
	assert_err(t, 0, NC_ERR_DATA_EXISTS, APP, AMS, "cannot create circuit[name='er-ams-1']: it already exists");

	bad(t, ER("<circuit><name>er-ams-1</name><bandwidth" OP("create") ">50</bandwidth>"
	          "<vnet-address-space" OP("create") ">10.10.0.0/16</vnet-address-space>"
	          "</circuit><account" OP("create") "/>"),
	    MERGE, CONTINUE, 3);
	/* libyang orders the edit's nodes as the schema does: account comes first */
	assert_err(t, 0, NC_ERR_DATA_EXISTS, APP, TOP "/account", "cannot create account: it already exists");
	assert_err(t, 1, NC_ERR_DATA_EXISTS, APP, AMS "/bandwidth", "cannot create bandwidth: it already exists");
	assert_err(t, 2, NC_ERR_DATA_EXISTS, APP, AMS "/vnet-address-space[.='10.10.0.0/16']",
	    "cannot create vnet-address-space[.='10.10.0.0/16']: it already exists");
	assert_string_equal(value(t, AMS "/bandwidth"), "1000");
}

static void
test_create_over_default(void **state)
{
	struct t *t = *state;

	/* alert-hold-down and the snmp container exist only as defaults: create succeeds */
	ok(t, ER("<agent><alert-hold-down" OP("create") ">15</alert-hold-down>"
	         "<snmp" OP("create") "><trap-rate>7</trap-rate></snmp></agent>"));
	assert_string_equal(value(t, TOP "/agent/alert-hold-down"), "15");
	assert_string_equal(value(t, TOP "/agent/snmp/trap-rate"), "7");
	assert_valid(t);
	assert_string_equal(lyd_get_value(node(t, TOP "/agent/snmp/community")), "public");
}

/* ---- delete and remove ---- */

static void
test_delete(void **state)
{
	struct t *t = *state;

	ok(t, ER("<circuit><name>er-ams-1</name><bandwidth" OP("delete") "/>"
	         "<peering" OP("delete") "><type>microsoft</type></peering>"
	         "<vnet-address-space" OP("delete") ">10.10.0.0/16</vnet-address-space></circuit>"
	         "<account" OP("delete") "/>"));
	assert_null(value(t, AMS "/bandwidth"));
	assert_int_equal(count(t, AMS "/peering"), 1);
	assert_non_null(node(t, AMS "/peering[type='azure-private']"));
	assert_int_equal(count(t, AMS "/vnet-address-space"), 0);
	assert_null(value(t, TOP "/account/subscription-id"));
	ok(t, ER("<circuit" OP("delete") "><name>er-ams-1</name></circuit>"));
	assert_int_equal(count(t, TOP "/circuit"), 0);
	assert_valid(t);
}

static void
test_delete_missing(void **state)
{
	struct t *t = *state;

	bad(t, ER("<circuit" OP("delete") "><name>er-nowhere</name></circuit>"
	          "<circuit><name>er-ams-1</name>"
	          "<vnet-address-space" OP("delete") ">10.99.0.0/16</vnet-address-space>"
	          "<peering><type>azure-private</type><md5-key" OP("delete") "/></peering></circuit>"),
	    MERGE, CONTINUE, 3);
	assert_err(t, 0, NC_ERR_DATA_MISSING, APP, TOP "/circuit[name='er-nowhere']",
	    "cannot delete circuit[name='er-nowhere']: it does not exist");
	assert_err(t, 1, NC_ERR_DATA_MISSING, APP, AMS "/vnet-address-space[.='10.99.0.0/16']",
	    "cannot delete vnet-address-space[.='10.99.0.0/16']: it does not exist");
	/* <md5-key/> does not fit the type and comes as an opaque node: its value does not matter to delete */
	assert_err(t, 2, NC_ERR_DATA_MISSING, APP, AMS "/peering[type='azure-private']/md5-key",
	    "cannot delete md5-key: it does not exist");
}

static void
test_delete_default_is_missing(void **state)
{
	struct t *t = *state;
	char *before = print(t);

	bad(t, ER("<agent><alert-hold-down" OP("delete") "/></agent>"), MERGE, STOP, 1);
	assert_err(t, 0, NC_ERR_DATA_MISSING, APP, TOP "/agent/alert-hold-down",
	    "cannot delete alert-hold-down: it does not exist");
	/* remove of a default: nothing to do */
	ok(t, ER("<agent><alert-hold-down" OP("remove") "/><snmp" OP("remove") "/></agent>"));
	assert_same(before, t);
	free(before);
}

static void
test_remove(void **state)
{
	struct t *t = *state;
	static const char edit[] = ER("<circuit><name>er-ams-1</name><provider" OP("remove") "/>"
	                              "<peering" OP("remove") "><type>microsoft</type></peering>"
	                              "<vnet-address-space" OP("remove") ">10.10.0.0/16</vnet-address-space></circuit>"
	                              "<edge" OP("remove") "/>"
	                              "<circuit" OP("remove") "><name>er-nowhere</name></circuit>");
	char *before;

	ok(t, edit);
	assert_null(value(t, AMS "/provider"));
	assert_int_equal(count(t, AMS "/peering"), 1);
	assert_int_equal(count(t, AMS "/vnet-address-space"), 0);
	assert_int_equal(count(t, TOP "/edge/internet-bgp-neighbor"), 0);
	/* again: all of it is missing now, and that is fine */
	before = print(t);
	ok(t, edit);
	assert_same(before, t);
	free(before);
	assert_valid(t);
}

/* ---- default-operation none ---- */

static void
test_none_descends(void **state)
{
	struct t *t = *state;

	ok_with(t, ER("<circuit><name>er-ams-1</name><provider>Ignored</provider><bandwidth" OP("delete") "/>"
	              "<peering><type>microsoft</type><vlan-id" OP("merge") ">333</vlan-id></peering></circuit>"
	              "<agent><poll-interval>99</poll-interval><alert-hold-down>1</alert-hold-down></agent>"),
	    NONE, STOP);
	assert_string_equal(value(t, AMS "/provider"), "Equinix");
	assert_null(value(t, AMS "/bandwidth"));
	assert_string_equal(value(t, AMS "/peering[type='microsoft']/vlan-id"), "333");
	assert_string_equal(value(t, TOP "/agent/poll-interval"), "30");
	assert_null(value(t, TOP "/agent/alert-hold-down"));
	assert_no_meta(t);
}

static void
test_none_creates_path(void **state)
{
	struct t *t = *state;

	ok_with(t, ER("<circuit><name>er-new</name><bandwidth" OP("merge") ">50</bandwidth></circuit>"
	              "<agent><snmp><user><name>ops</name>"
	              "<auth-key" OP("create") ">authpass1</auth-key></user></snmp></agent>"),
	    NONE, STOP);
	assert_string_equal(value(t, TOP "/circuit[name='er-new']/bandwidth"), "50");
	assert_string_equal(value(t, TOP "/agent/snmp/user[name='ops']/auth-key"), "authpass1");
	assert_null(value(t, TOP "/agent/snmp/user[name='ops']/priv-key"));
}

static void
test_none_missing(void **state)
{
	struct t *t = *state;
	char *before = print(t);

	/* only removes below a missing node, or nothing at all: nothing happens */
	ok_with(t, ER("<circuit><name>er-new</name><bandwidth" OP("remove") "/>"
	              "<peering><type>microsoft</type><vlan-id" OP("remove") "/></peering></circuit>"
	              "<circuit><name>er-empty</name></circuit>"),
	    NONE, STOP);
	assert_same(before, t);
	assert_int_equal(count(t, TOP "/circuit"), 1);

	/* a delete or a plain leaf below a missing node: data-missing where it is */
	bad(t, ER("<circuit><name>er-new</name><bandwidth" OP("delete") "/></circuit>"
	          "<circuit><name>er-new2</name><peering><type>microsoft</type><vlan-id>5</vlan-id></peering></circuit>"
	          "<circuit><name>er-ams-1</name><peering><type>azure-private</type>"
	          "<md5-key>Secret42</md5-key></peering></circuit>"),
	    NONE, CONTINUE, 3);
	assert_err(t, 0, NC_ERR_DATA_MISSING, APP, TOP "/circuit[name='er-new']/bandwidth",
	    "cannot delete bandwidth: it does not exist");
	assert_err(t, 1, NC_ERR_DATA_MISSING, APP, TOP "/circuit[name='er-new2']/peering[type='microsoft']/vlan-id",
	    "vlan-id does not exist, and operation none does not create it");
	assert_err(t, 2, NC_ERR_DATA_MISSING, APP, AMS "/peering[type='azure-private']/md5-key",
	    "md5-key does not exist, and operation none does not create it");
	assert_same(before, t);
	free(before);
}

/* ---- the edit's own errors ---- */

static void
test_bad_operation(void **state)
{
	struct t *t = *state;

	/*
	 * libyang rejects a bad value of the operation annotation on a schema
	 * node while parsing the rpc; on an opaque node it comes through as an
	 * attribute, and that is where it is ours to report.
	 */
	bad(t, ER("<agent><poll-interval" OP("update") ">abc</poll-interval></agent>"), MERGE, STOP, 1);
	assert_err(t, 0, NC_ERR_BAD_ATTR, PROT, TOP "/agent/poll-interval",
	    "invalid operation \"update\" on poll-interval: expected merge, replace, create, delete or remove");
	assert_string_equal(t->errs.v[0].bad_attr, "operation");
	assert_string_equal(t->errs.v[0].bad_elem, "poll-interval");
}

static void
test_key_operation(void **state)
{
	struct t *t = *state;

	bad(t, ER("<circuit><name" OP("delete") ">er-ams-1</name><bandwidth>50</bandwidth></circuit>"), MERGE, STOP, 1);
	assert_err(t, 0, NC_ERR_BAD_ATTR, PROT, AMS "/name",
	    "operation \"delete\" on key name differs from \"merge\" of its circuit entry: keys cannot be changed");
	assert_string_equal(t->errs.v[0].bad_attr, "operation");
	assert_string_equal(t->errs.v[0].bad_elem, "name");
	/* the same operation as the entry's is fine */
	ok(t, ER("<circuit" OP("replace") "><name" OP("replace") ">er-ams-1</name>"
	         "<bandwidth>50</bandwidth></circuit>"));
	assert_string_equal(value(t, AMS "/bandwidth"), "50");
	assert_null(value(t, AMS "/provider"));
}

static void
test_unknown_element(void **state)
{
	struct t *t = *state;

	bad(t, ER("<agent><poll-interval>60</poll-interval><pol-interval>60</pol-interval></agent>")
	        "<sessions xmlns=\"urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring\"/>",
	    MERGE, CONTINUE, 2);
	assert_err(t, 0, NC_ERR_UNKNOWN_ELEM, APP, TOP "/agent/pol-interval",
	    "unknown element \"pol-interval\": agent has no such child in module expressroute-readiness");
	assert_string_equal(t->errs.v[0].bad_elem, "pol-interval");
	assert_err(t, 1, NC_ERR_UNKNOWN_ELEM, APP, "/ietf-netconf-monitoring:sessions",
	    "unknown element \"sessions\": module ietf-netconf-monitoring has no such top-level node");
	assert_string_equal(t->errs.v[1].bad_elem, "sessions");
	/* continue-on-error: the good sibling went in */
	assert_string_equal(value(t, TOP "/agent/poll-interval"), "60");
}

static void
test_unknown_namespace(void **state)
{
	struct t *t = *state;

	bad(t, ER("<agent><x:poll-interval xmlns:x=\"urn:example:nope\">60</x:poll-interval></agent>")
	        "<y:top xmlns:y=\"urn:example:other\"/>",
	    MERGE, CONTINUE, 2);
	assert_err(t, 0, NC_ERR_UNKNOWN_NS, APP, TOP "/agent",
	    "element \"poll-interval\" is in namespace \"urn:example:nope\", which is not a data model of this server");
	assert_string_equal(t->errs.v[0].bad_elem, "poll-interval");
	assert_string_equal(t->errs.v[0].bad_ns, "urn:example:nope");
	assert_err(t, 1, NC_ERR_UNKNOWN_NS, APP, NULL,
	    "element \"top\" is in namespace \"urn:example:other\", which is not a data model of this server");
	assert_string_equal(t->errs.v[1].bad_elem, "top");
	assert_string_equal(t->errs.v[1].bad_ns, "urn:example:other");
	assert_string_equal(value(t, TOP "/agent/poll-interval"), "30");
}

static void
test_invalid_value(void **state)
{
	struct t *t = *state;

	bad(t, ER("<agent><poll-interval>1</poll-interval></agent>"
	          "<circuit><name>er-ams-1</name><bandwidth>300</bandwidth>"
	          "<vnet-address-space>10.0.0.300/16</vnet-address-space></circuit>"),
	    MERGE, CONTINUE, 3);
	assert_err(t, 0, NC_ERR_INVALID_VALUE, APP, AMS "/bandwidth",
	    "invalid value \"300\" for bandwidth: bandwidth must be one of 50, 100, 200, 500, 1000, 2000, 5000, "
	    "10000, 40000, 100000 Mbps");
	assert_err(t, 1, NC_ERR_INVALID_VALUE, APP, AMS "/vnet-address-space", NULL);
	assert_non_null(strstr(t->errs.v[1].msg, "invalid value \"10.0.0.300/16\" for vnet-address-space: "));
	assert_err(t, 2, NC_ERR_INVALID_VALUE, APP, TOP "/agent/poll-interval",
	    "invalid value \"1\" for poll-interval: Unsatisfied range - value \"1\" is out of the allowed range.");
	assert_string_equal(value(t, AMS "/bandwidth"), "1000");
	assert_string_equal(value(t, TOP "/agent/poll-interval"), "30");
}

static void
test_invalid_secret_not_shown(void **state)
{
	struct t *t = *state;

	bad(t, ER("<circuit><name>er-ams-1</name><peering><type>azure-private</type>"
	          "<md5-key>Not-So-Secret!</md5-key></peering></circuit>"),
	    MERGE, STOP, 1);
	assert_err(t, 0, NC_ERR_INVALID_VALUE, APP, AMS "/peering[type='azure-private']/md5-key",
	    "invalid value for md5-key (not shown: write-only): MD5 key must be 1 to 25 letters or digits "
	    "(Azure accepts no special characters)");
	assert_null(strstr(t->errs.v[0].msg, "Not-So-Secret!"));
	/* a valid one goes in */
	ok(t, ER("<circuit><name>er-ams-1</name><peering><type>azure-private</type>"
	         "<md5-key>Secret42</md5-key></peering></circuit>"));
	assert_string_equal(value(t, AMS "/peering[type='azure-private']/md5-key"), "Secret42");
}

static void
test_missing_key(void **state)
{
	struct t *t = *state;

	bad(t, ER("<circuit" OP("create") "><bandwidth>1000</bandwidth></circuit>"
	          "<circuit><name>er-ams-1</name><peering><vlan-id>7</vlan-id></peering></circuit>"),
	    MERGE, CONTINUE, 2);
	assert_err(t, 0, NC_ERR_MISSING_ELEM, APP, AMS "/peering", "peering entry without its key \"type\"");
	assert_string_equal(t->errs.v[0].bad_elem, "type");
	assert_err(t, 1, NC_ERR_MISSING_ELEM, APP, TOP "/circuit", "circuit entry without its key \"name\"");
	assert_string_equal(t->errs.v[1].bad_elem, "name");
	assert_int_equal(count(t, TOP "/circuit"), 1);
	assert_int_equal(count(t, AMS "/peering"), 2);
}

static void
test_invalid_key(void **state)
{
	struct t *t = *state;

	bad(t, ER("<circuit><name>bad name!</name><bandwidth>1000</bandwidth></circuit>"), MERGE, STOP, 1);
	assert_err(t, 0, NC_ERR_INVALID_VALUE, APP, TOP "/circuit/name",
	    "invalid value \"bad name!\" for key name of circuit: circuit name must start with a letter or digit and "
	    "contain only letters, digits, '.', '_' and '-'");
}

static void
test_state_data(void **state)
{
	struct t *t = *state;

	bad(t, ER("<circuit><name>er-ams-1</name><bandwidth>2000</bandwidth>"
	          "<state><readiness>ready</readiness></state></circuit>"
	          "<readiness><checks-fail>0</checks-fail></readiness>"),
	    MERGE, CONTINUE, 2);
	assert_err(t, 0, NC_ERR_INVALID_VALUE, APP, AMS "/state",
	    "state is state data (config false): it cannot be configured");
	assert_err(t, 1, NC_ERR_INVALID_VALUE, APP, TOP "/readiness",
	    "readiness is state data (config false): it cannot be configured");
	assert_string_equal(value(t, AMS "/bandwidth"), "2000");
	assert_null(node(t, TOP "/readiness"));
}

/* A malformed content under delete fails the delete: nothing is deleted on a bad request. */
static void
test_delete_bad_content(void **state)
{
	struct t *t = *state;

	bad(t, ER("<circuit" OP("delete") "><name>er-ams-1</name><foo/></circuit>"), MERGE, CONTINUE, 1);
	assert_err(t, 0, NC_ERR_UNKNOWN_ELEM, APP, AMS "/foo",
	    "unknown element \"foo\": circuit has no such child in module expressroute-readiness");
	assert_int_equal(count(t, TOP "/circuit"), 1);
}

/* ---- error-option ---- */

/* Three good changes around two bad ones. */
static const char BAD_EDIT[] =
    ER("<agent><poll-interval>60</poll-interval></agent>"
       "<circuit><name>er-ams-1</name><bandwidth>5000</bandwidth><provider" OP("create") ">Other</provider></circuit>"
       "<circuit" OP("create") "><name>er-new</name><bandwidth>50</bandwidth></circuit>"
       "<edge><internet-bgp-neighbor" OP("delete") ">198.18.0.7</internet-bgp-neighbor>"
       "<internet-bgp-neighbor>198.18.0.8</internet-bgp-neighbor></edge>");

/* The first error ends the edit and the tree is the same, bit for bit. */
static void
unchanged_on(struct t *t, enum er_nc_errop errop)
{
	struct lyd_node *root = *t->tree;
	char *before = print(t);

	bad(t, BAD_EDIT, MERGE, errop, 1);
	assert_true(*t->tree == root);
	assert_same(before, t);
	free(before);
	/* in schema order, edge comes before circuit */
	assert_err(t, 0, NC_ERR_DATA_MISSING, APP, TOP "/edge/internet-bgp-neighbor[.='198.18.0.7']",
	    "cannot delete internet-bgp-neighbor[.='198.18.0.7']: it does not exist");
}

static void
test_stop_on_error(void **state)
{
	unchanged_on(*state, STOP);
}

static void
test_rollback_on_error(void **state)
{
	unchanged_on(*state, ROLLBACK);
}

static void
test_continue_on_error(void **state)
{
	struct t *t = *state;

	bad(t, BAD_EDIT, MERGE, CONTINUE, 2);
	assert_err(t, 0, NC_ERR_DATA_MISSING, APP, TOP "/edge/internet-bgp-neighbor[.='198.18.0.7']",
	    "cannot delete internet-bgp-neighbor[.='198.18.0.7']: it does not exist");
	assert_err(t, 1, NC_ERR_DATA_EXISTS, APP, AMS "/provider", "cannot create provider: it already exists");
	/* everything else applied */
	assert_string_equal(value(t, TOP "/agent/poll-interval"), "60");
	assert_string_equal(value(t, AMS "/bandwidth"), "5000");
	assert_string_equal(value(t, AMS "/provider"), "Equinix");
	assert_string_equal(value(t, TOP "/circuit[name='er-new']/bandwidth"), "50");
	assert_non_null(node(t, TOP "/edge/internet-bgp-neighbor[.='198.18.0.8']"));
	assert_no_meta(t);
}

static void
test_success_all_options(void **state)
{
	struct t *t = *state;
	static const enum er_nc_errop ops[] = { STOP, CONTINUE, ROLLBACK };
	char v[16], cfg[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		snprintf(v, sizeof(v), "%zu", 100 + i);
		snprintf(cfg, sizeof(cfg), ER("<agent><poll-interval>%s</poll-interval></agent>"), v);
		ok_with(t, cfg, MERGE, ops[i]);
		assert_string_equal(value(t, TOP "/agent/poll-interval"), v);
	}
	assert_valid(t);
}

static void
test_empty_edit(void **state)
{
	struct t *t = *state;
	struct lyd_node *root = *t->tree;

	assert_int_equal(er_nc_edit_apply(t->tree, NULL, REPLACE, STOP, &t->errs), 0);
	assert_true(*t->tree == root);
	assert_int_equal(t->errs.n, 0);
}

static void
test_empty_target(void **state)
{
	struct t *t = *state;

	lyd_free_all(*t->tree);
	*t->tree = NULL;
	ok_with(t, ER("<agent><poll-interval>60</poll-interval></agent>"), MERGE, ROLLBACK);
	assert_string_equal(value(t, TOP "/agent/poll-interval"), "60");
	ok(t, "<expressroute xmlns=\"" NS "\"" OP("delete") "/>");
	/* what is left is the defaults alone, as validation would leave it */
	assert_null(value(t, TOP "/agent/poll-interval"));
	assert_true((*t->tree)->flags & LYD_DEFAULT);
	bad(t, "<expressroute xmlns=\"" NS "\"" OP("delete") "/>", MERGE, STOP, 1);
	assert_err(t, 0, NC_ERR_DATA_MISSING, APP, TOP, "cannot delete expressroute: it does not exist");
}

/*
 * What an edit creates comes with its defaults, and a deleted leaf that has
 * one goes back to it, without a validation (a candidate edited with
 * test-option "set" is not validated, yet with-defaults report-all shows
 * every default).
 */
static void
test_defaults_after_edit(void **state)
{
	struct t *t = *state;
	struct lyd_node *n;

	ok(t, ER("<circuit><name>er-new</name><bandwidth>50</bandwidth>"
	         "<peering><type>azure-private</type><vlan-id>7</vlan-id></peering></circuit>"
	         "<agent><alert-hold-down>20</alert-hold-down></agent>"));
	n = node(t, TOP "/circuit[name='er-new']/maintenance");
	assert_non_null(n);
	assert_true(n->flags & LYD_DEFAULT);
	assert_string_equal(lyd_get_value(n), "false");
	n = node(t, TOP "/circuit[name='er-new']/peering[type='azure-private']/prefix-limit-warning");
	assert_non_null(n);
	assert_string_equal(lyd_get_value(n), "90");
	assert_string_equal(value(t, TOP "/agent/alert-hold-down"), "20");
	ok(t, ER("<agent><alert-hold-down" OP("delete") "/></agent>"));
	n = node(t, TOP "/agent/alert-hold-down");
	assert_non_null(n);
	assert_true(n->flags & LYD_DEFAULT);
	assert_string_equal(lyd_get_value(n), "10");
	/* continue-on-error: the same for what was applied */
	bad(t, ER("<circuit><name>er-c</name><bandwidth>3</bandwidth></circuit>"), MERGE, CONTINUE, 1);
	assert_null(node(t, TOP "/circuit[name='er-c']/bandwidth"));
	n = node(t, TOP "/circuit[name='er-c']/service-layer");
	assert_non_null(n);
	assert_true(n->flags & LYD_DEFAULT);
	assert_no_meta(t);
}

/* ---- ordered-by user (yang:insert) ---- */

#define YANG " xmlns:yang=\"urn:ietf:params:xml:ns:yang:1\""
#define LISTEN(attrs, v) "<listen" attrs ">" v "</listen>"
#define AT(where) " yang:insert=\"" where "\""
#define NEXT_TO(where, v) " yang:insert=\"" where "\" yang:value=\"" v "\""
#define SNMP(body) ER("<agent><snmp" YANG ">" body "</snmp></agent>")

static void
assert_listen(struct t *t, const char *want)
{
	struct ly_set *set = NULL;
	char buf[256] = "";
	uint32_t i;

	assert_int_equal(lyd_find_xpath(*t->tree, TOP "/agent/snmp/listen", &set), LY_SUCCESS);
	for (i = 0; i < set->count; i++)
		strlcatf(buf, sizeof(buf), "%s%s", i ? " " : "", lyd_get_value(set->dnodes[i]));
	ly_set_free(set, NULL);
	assert_string_equal(buf, want);
}

static void
test_user_ordered(void **state)
{
	struct t *t = *state;

	ok(t, SNMP(LISTEN("", "a") LISTEN("", "b") LISTEN("", "c")));
	assert_listen(t, "a b c");
	ok(t, SNMP(LISTEN(AT("first"), "d") LISTEN(AT("first"), "c") LISTEN(NEXT_TO("after", "a"), "e")));
	assert_listen(t, "c d a e b");
	/* replace keeps the place; before and last move */
	ok(t, SNMP(LISTEN(OP("replace"), "a") LISTEN(NEXT_TO("before", "c"), "b") LISTEN(AT("last"), "c")));
	assert_listen(t, "b d a e c");
	assert_no_meta(t);

	bad(t, SNMP(LISTEN(NEXT_TO("before", "zz"), "f")), MERGE, STOP, 1);
	assert_err(t, 0, NC_ERR_BAD_ATTR, PROT, TOP "/agent/snmp/listen[.='f']",
	    "insert before \"zz\": listen has no such entry");
	assert_string_equal(t->errs.v[0].bad_attr, "value");
	assert_string_equal(t->errs.v[0].app_tag, "missing-instance");
	bad(t, SNMP(LISTEN(AT("after"), "f")), MERGE, STOP, 1);
	assert_err(t, 0, NC_ERR_MISSING_ATTR, PROT, TOP "/agent/snmp/listen[.='f']",
	    "insert after on listen without the value attribute");
	assert_string_equal(t->errs.v[0].bad_attr, "value");
	assert_listen(t, "b d a e c");
	assert_valid(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_merge_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_creates_list_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_container_over_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_default_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_leaf_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_several_top_level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_choice_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_container, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_list_entry_drops_children, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_leaf_list_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_operation_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_existing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_over_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_default_is_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_none_descends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_none_creates_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_none_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_operation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_operation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_element, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_namespace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_secret_not_shown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_bad_content, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_on_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_on_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_continue_on_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_success_all_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_edit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_target, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults_after_edit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_ordered, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
