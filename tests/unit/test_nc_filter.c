/*
 * NETCONF filters: <rpc> requests parsed the way libnetconf2 parses them
 * (lyd_parse_op, LYD_TYPE_RPC_NETCONF), their <filter> turned into XPaths
 * (RFC 6241 subtree semantics, :xpath with the client's prefixes) and
 * applied to config + state data, to notifications, and to pushdown.
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

#define NS_BASE "urn:ietf:params:xml:ns:netconf:base:1.0"
#define NS_ER "urn:erready:params:xml:ns:yang:expressroute-readiness"
#define NS_NOTIF "urn:ietf:params:xml:ns:netconf:notification:1.0"
#define NS_MON "urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring"
#define TOP "/expressroute-readiness:expressroute"

/* <get> with @p f as its filter, as ncclient writes it (nc: prefix, unprefixed attributes). */
#define GET(f) "<nc:rpc message-id=\"101\" xmlns:nc=\"" NS_BASE "\"><nc:get>" f "</nc:get></nc:rpc>"
/* The same with a default namespace on <rpc>, as hand-written requests do. */
#define GET_DFLT(f) "<rpc message-id=\"7\" xmlns=\"" NS_BASE "\"><get>" f "</get></rpc>"
#define SUBTREE(x) "<nc:filter type=\"subtree\">" x "</nc:filter>"
#define ER(x) "<expressroute xmlns=\"" NS_ER "\">" x "</expressroute>"

/* State data next to the example config (examples/erready.json), plus another module. */
static const char STATE_JSON[] =
    "{\"expressroute-readiness:expressroute\":{"
    "\"circuit\":[{\"name\":\"er-ams-1\",\"state\":{\"readiness\":\"degraded\",\"checks-fail\":0},"
    "\"peering\":[{\"type\":\"microsoft\",\"state\":{\"link\":[{\"path\":\"primary\",\"oper-status\":\"up\","
    "\"bgp-session\":["
    "{\"neighbor-address\":\"131.107.0.2\",\"state\":\"established\",\"remote-as\":12076},"
    "{\"neighbor-address\":\"131.107.0.10\",\"state\":\"idle\",\"remote-as\":12076,"
    "\"last-error\":\"peer said \\\"it's down\\\"\"}]}]}}]}],"
    "\"readiness\":{\"readiness\":\"degraded\",\"check\":["
    "{\"id\":\"c1\",\"code\":1,\"status\":\"pass\",\"severity\":\"major\"},"
    "{\"id\":\"c2\",\"code\":2,\"status\":\"fail\",\"severity\":\"major\"},"
    "{\"id\":\"c3\",\"code\":3,\"status\":\"fail\",\"severity\":\"minor\"}]}},"
    "\"ietf-netconf-monitoring:netconf-state\":{\"capabilities\":{\"capability\":"
    "[\"urn:ietf:params:netconf:base:1.0\",\"urn:ietf:params:netconf:base:1.1\"]}}}";

struct t {
	struct er_ds *ds;
	const struct ly_ctx *ctx;
	struct lyd_node *data; /* running (with its defaults) + STATE_JSON */
	struct er_nc_filter f;
	struct er_nc_errs errs;
};

static int
setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	struct lyd_node *st = NULL;
	char err[ER_ERRLEN];

	assert_non_null(t);
	if (!(t->ds = er_ds_new_with(er_nc_ctx_hook, err, sizeof(err))))
		fail_msg("datastore: %s", err);
	if (er_ds_load_file(t->ds, FX_CONFIG, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	t->ctx = er_ds_ctx(t->ds);
	assert_int_equal(lyd_dup_siblings(er_ds_running(t->ds), NULL, LYD_DUP_RECURSIVE, &t->data), LY_SUCCESS);
	if (lyd_parse_data_mem(t->ctx, STATE_JSON, LYD_JSON, LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0, &st) != LY_SUCCESS)
		fail_msg("state: %s", ly_errmsg(t->ctx));
	assert_int_equal(lyd_merge_siblings(&t->data, st, LYD_MERGE_DESTRUCT), LY_SUCCESS);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t *t = *state;

	er_nc_filter_clear(&t->f);
	er_nc_errs_clear(&t->errs);
	lyd_free_all(t->data);
	er_ds_free(t->ds);
	free(t);
	return 0;
}

/* Parse @p rpc like libnetconf2 and return its operation node (caller frees), failing the test on error. */
static struct lyd_node *
parse_rpc(const struct t *t, const char *rpc)
{
	struct lyd_node *env = NULL, *op = NULL;
	struct ly_in *in = NULL;
	LY_ERR r;

	assert_int_equal(ly_in_new_memory(rpc, &in), LY_SUCCESS);
	r = lyd_parse_op(t->ctx, NULL, in, LYD_XML, LYD_TYPE_RPC_NETCONF, &env, &op);
	ly_in_free(in, 0);
	lyd_free_all(env);
	if (r != LY_SUCCESS)
		fail_msg("lyd_parse_op: %s", ly_errmsg(t->ctx));
	assert_non_null(op);
	return op;
}

static const struct lyd_node *
filter_of(const struct lyd_node *op)
{
	const struct lyd_node *n;

	for (n = lyd_child(op); n; n = n->next)
		if (!strcmp(LYD_NAME(n), "filter"))
			return n;
	return NULL;
}

/* er_nc_filter_parse() on the filter of @p rpc into t->f; returns its result. */
static int
parse(struct t *t, const char *rpc)
{
	struct lyd_node *op = parse_rpc(t, rpc);
	int rc;

	er_nc_filter_clear(&t->f);
	er_nc_errs_clear(&t->errs);
	rc = er_nc_filter_parse(t->ctx, filter_of(op), &t->f, &t->errs);
	lyd_free_all(op);
	if (rc == 0)
		assert_int_equal(t->errs.n, 0);
	else
		assert_int_not_equal(t->errs.n, 0);
	return rc;
}

static void
parse_ok(struct t *t, const char *rpc)
{
	if (parse(t, rpc) < 0)
		fail_msg("filter rejected: %s", t->errs.v[0].msg);
}

static void
assert_xpaths(const struct t *t, const char *const *want, size_t n)
{
	size_t i;

	for (i = 0; i < t->f.n && i < n; i++)
		assert_string_equal(t->f.xpaths[i], want[i]);
	assert_int_equal(t->f.n, n);
	assert_false(t->f.all);
}

static char *
print(const struct lyd_node *tree, LYD_FORMAT fmt, uint32_t opts)
{
	char *s = NULL;

	if (!tree)
		return strdup("");
	assert_int_equal(lyd_print_mem(&s, tree, fmt, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK | opts), LY_SUCCESS);
	return s;
}

/* Apply t->f to t->data and compare the compact JSON of the result. */
static void
assert_selects(struct t *t, const char *want)
{
	struct lyd_node *out = NULL;
	char *got;

	if (er_nc_filter_apply(&t->f, t->data, &out, &t->errs) < 0)
		fail_msg("apply: %s", t->errs.v[0].msg);
	got = print(out, LYD_JSON, 0);
	assert_string_equal(got, want);
	free(got);
	lyd_free_all(out);
}

static void
assert_error(const struct t *t, NC_ERR tag, NC_ERR_TYPE type, const char *msg)
{
	assert_int_equal(t->errs.n, 1);
	assert_int_equal(t->errs.v[0].tag, tag);
	assert_int_equal(t->errs.v[0].type, type);
	assert_string_equal(t->errs.v[0].msg, msg);
	assert_int_equal(t->f.n, 0);
}

/* ---- subtree ---- */

static void
test_subtree_containment_selection(void **state)
{
	struct t *t = *state;
	static const char *const want[] = {
		TOP "/agent/poll-interval",
		TOP "/readiness/readiness",
	};

	parse_ok(t, GET(SUBTREE(ER("<agent><poll-interval/></agent><readiness><readiness/></readiness>"))));
	assert_xpaths(t, want, 2);
	assert_selects(t, "{\"expressroute-readiness:expressroute\":{\"agent\":{\"poll-interval\":30},"
	    "\"readiness\":{\"readiness\":\"degraded\"}}}");

	/* A selection node brings its whole subtree, a list its every entry; no match for one part leaves it out. */
	parse_ok(t, GET(SUBTREE(ER("<circuit><peering><state/></peering></circuit><account><subscription-id/></account>"
				   "<edge><internet-bgp-neighbor>192.0.2.1</internet-bgp-neighbor></edge>"))));
	assert_selects(t, "{\"expressroute-readiness:expressroute\":{\"account\":{\"subscription-id\":"
	    "\"0b1f6471-1bf0-4dda-aec3-cb9272f09590\"},\"circuit\":[{\"name\":\"er-ams-1\",\"peering\":["
	    "{\"type\":\"microsoft\",\"state\":{\"link\":[{\"path\":\"primary\",\"oper-status\":\"up\","
	    "\"bgp-session\":[{\"neighbor-address\":\"131.107.0.2\",\"state\":\"established\",\"remote-as\":12076},"
	    "{\"neighbor-address\":\"131.107.0.10\",\"state\":\"idle\",\"remote-as\":12076,"
	    "\"last-error\":\"peer said \\\"it's down\\\"\"}]}]}}]}]}}");
}

static void
test_subtree_unknown_element(void **state)
{
	struct t *t = *state;

	assert_int_equal(parse(t, GET(SUBTREE(ER("<account><nothing-here/></account>")))), -1);
	assert_error(t, NC_ERR_UNKNOWN_ELEM, NC_ERR_TYPE_APP,
	    "subtree filter: no node \"nothing-here\" of module expressroute-readiness under " TOP "/account");
	assert_string_equal(t->errs.v[0].bad_elem, "nothing-here");
}

static void
test_subtree_list_by_key(void **state)
{
	struct t *t = *state;
	static const char *const want[] = {
		TOP "/circuit[name='er-ams-1']/name",
		TOP "/circuit[name='er-ams-1']/peering[type='microsoft']/type",
		TOP "/circuit[name='er-ams-1']/peering[type='microsoft']/state/link/bgp-session/state",
		TOP "/circuit[name='er-ams-1']/peering[type='microsoft']/vlan-id",
	};

	/*
	 * Hand-written style: default namespace on <rpc>, the filter's own on
	 * <expressroute>. libyang orders the filter's schema nodes by the schema
	 * and puts opaque ones (an empty <vlan-id/> is no uint16) last.
	 */
	parse_ok(t, GET_DFLT("<filter type=\"subtree\">"
			     ER("<circuit><name>er-ams-1</name><peering><type>microsoft</type><vlan-id/>"
				"<state><link><bgp-session><state/></bgp-session></link></state></peering>"
				"</circuit>") "</filter>"));
	assert_xpaths(t, want, 4);
	/* The list entries come with their keys, the key selected once. */
	assert_selects(t, "{\"expressroute-readiness:expressroute\":{\"circuit\":[{\"name\":\"er-ams-1\","
	    "\"peering\":[{\"type\":\"microsoft\",\"vlan-id\":300,\"state\":{\"link\":[{\"path\":\"primary\","
	    "\"bgp-session\":[{\"neighbor-address\":\"131.107.0.2\",\"state\":\"established\"},"
	    "{\"neighbor-address\":\"131.107.0.10\",\"state\":\"idle\"}]}]}}]}]}}");

	/* Only keys: the entries with their keys and nothing else. */
	parse_ok(t, GET(SUBTREE(ER("<readiness><check><id/></check></readiness>"))));
	assert_selects(t, "{\"expressroute-readiness:expressroute\":{\"readiness\":{\"check\":["
	    "{\"id\":\"c1\"},{\"id\":\"c2\"},{\"id\":\"c3\"}]}}}");
}

static void
test_subtree_content_match_non_key(void **state)
{
	struct t *t = *state;
	static const char *const want[] = { TOP "/readiness/check[status='fail']" };

	/* Only a content match in the set: the whole matching entries (RFC 6241 6.2.5). */
	parse_ok(t, GET(SUBTREE(ER("<readiness><check><status>fail</status></check></readiness>"))));
	assert_xpaths(t, want, 1);
	assert_selects(t, "{\"expressroute-readiness:expressroute\":{\"readiness\":{\"check\":["
	    "{\"id\":\"c2\",\"code\":2,\"status\":\"fail\",\"severity\":\"major\"},"
	    "{\"id\":\"c3\",\"code\":3,\"status\":\"fail\",\"severity\":\"minor\"}]}}}");

	/* With a selection sibling: the content match node and the selection only. */
	parse_ok(t, GET(SUBTREE(ER("<readiness><check><status>fail</status><code/></check></readiness>"))));
	assert_selects(t, "{\"expressroute-readiness:expressroute\":{\"readiness\":{\"check\":["
	    "{\"id\":\"c2\",\"code\":2,\"status\":\"fail\"},{\"id\":\"c3\",\"code\":3,\"status\":\"fail\"}]}}}");

	/* Leading and trailing white space is not part of the value; the value is compared as its type. */
	parse_ok(t, GET(SUBTREE(ER("<circuit><peering><vlan-id>\n 0300 </vlan-id><customer-asn/>"
				   "</peering></circuit>"))));
	assert_selects(t, "{\"expressroute-readiness:expressroute\":{\"circuit\":[{\"name\":\"er-ams-1\","
	    "\"peering\":[{\"type\":\"microsoft\",\"vlan-id\":300,\"customer-asn\":23500}]}]}}");
}

static void
test_subtree_two_content_matches(void **state)
{
	struct t *t = *state;
	static const char *const want[] = {
		TOP "/readiness/check[status='fail'][severity='minor']/status",
		TOP "/readiness/check[status='fail'][severity='minor']/severity",
		TOP "/readiness/check[status='fail'][severity='minor']/code",
	};

	parse_ok(t, GET(SUBTREE(ER("<readiness><check><status>fail</status><severity>minor</severity><code/></check>"
				   "</readiness>"))));
	assert_xpaths(t, want, 3);
	assert_selects(t, "{\"expressroute-readiness:expressroute\":{\"readiness\":{\"check\":["
	    "{\"id\":\"c3\",\"code\":3,\"status\":\"fail\",\"severity\":\"minor\"}]}}}");

	/* ANDed: one false match and nothing of the set, not even the parent. */
	parse_ok(t, GET(SUBTREE(ER("<readiness><check><status>pass</status><severity>minor</severity></check>"
				   "<readiness/></readiness>"))));
	assert_selects(t, "{\"expressroute-readiness:expressroute\":{\"readiness\":{\"readiness\":\"degraded\"}}}");
}

static void
test_subtree_no_match(void **state)
{
	struct t *t = *state;

	parse_ok(t, GET(SUBTREE(ER("<circuit><name>er-fra-9</name></circuit>"))));
	assert_selects(t, "");
	/* A value that cannot be of the leaf's type matches nothing, it is not an error. */
	parse_ok(t, GET(SUBTREE(ER("<circuit><peering><vlan-id>many</vlan-id></peering></circuit>"))));
	assert_selects(t, "");
}

static void
test_subtree_quotes(void **state)
{
	struct t *t = *state;
	static const char *const want[] = {
		TOP "/circuit/peering/state/link/bgp-session[last-error=concat('peer said \"it', \"'\", 's down\"')]",
	};

	parse_ok(t, GET(SUBTREE(ER("<circuit><peering><state><link><bgp-session>"
				   "<last-error>peer said \"it's down\"</last-error>"
				   "</bgp-session></link></state></peering></circuit>"))));
	assert_xpaths(t, want, 1);
	assert_selects(t, "{\"expressroute-readiness:expressroute\":{\"circuit\":[{\"name\":\"er-ams-1\","
	    "\"peering\":[{\"type\":\"microsoft\",\"state\":{\"link\":[{\"path\":\"primary\",\"bgp-session\":["
	    "{\"neighbor-address\":\"131.107.0.10\",\"state\":\"idle\",\"remote-as\":12076,"
	    "\"last-error\":\"peer said \\\"it's down\\\"\"}]}]}}]}]}}");
}

static void
test_subtree_empty(void **state)
{
	struct t *t = *state;
	struct lyd_node *out = (struct lyd_node *)t->data;

	/* RFC 6241 6.4.2: an empty filter selects nothing; no filter selects everything. */
	parse_ok(t, GET(SUBTREE("")));
	assert_false(t->f.all);
	assert_int_equal(t->f.n, 0);
	assert_int_equal(er_nc_filter_apply(&t->f, t->data, &out, &t->errs), 0);
	assert_null(out);
	parse_ok(t, GET("<nc:filter/>"));
	assert_false(t->f.all);
	assert_int_equal(t->f.n, 0);
	parse_ok(t, GET("<nc:filter type=\"subtree\">\n  </nc:filter>"));
	assert_int_equal(t->f.n, 0);
	parse_ok(t, GET(""));
	assert_true(t->f.all);
	assert_true(er_nc_filter_wants(t->ctx, &t->f, TOP "/readiness"));
}

static void
test_subtree_namespaces(void **state)
{
	struct t *t = *state;
	static const char *const want[] = {
		TOP "/agent/poll-interval",
		"/ietf-netconf-monitoring:netconf-state/capabilities",
	};

	/* Unknown namespace. */
	assert_int_equal(parse(t, GET(SUBTREE("<expressroute xmlns=\"urn:example:nope\"><agent/>"
					      "</expressroute>"))),
	    -1);
	assert_error(t, NC_ERR_UNKNOWN_NS, NC_ERR_TYPE_APP,
	    "subtree filter: element \"expressroute\" is in namespace \"urn:example:nope\", which no YANG module "
	    "of this server has");
	assert_string_equal(t->errs.v[0].bad_elem, "expressroute");
	assert_string_equal(t->errs.v[0].bad_ns, "urn:example:nope");

	/* A known namespace that has no such element. */
	assert_int_equal(parse(t, GET(SUBTREE("<expressroute xmlns=\"" NS_MON "\"/>"))), -1);
	assert_error(t, NC_ERR_UNKNOWN_ELEM, NC_ERR_TYPE_APP,
	    "subtree filter: no node \"expressroute\" of module ietf-netconf-monitoring at the top level");

	/* A child in another module's namespace than the node it is in. */
	assert_int_equal(parse(t, GET(SUBTREE(ER("<agent xmlns=\"" NS_MON "\"/>")))), -1);
	assert_error(t, NC_ERR_UNKNOWN_ELEM, NC_ERR_TYPE_APP,
	    "subtree filter: no node \"agent\" of module ietf-netconf-monitoring under " TOP);

	/* No namespace at all (xmlns=""): any module's node of that name. */
	parse_ok(t, GET(SUBTREE("<expressroute xmlns=\"\"><agent><poll-interval/></agent></expressroute>"
				"<netconf-state xmlns=\"\"><capabilities/></netconf-state>")));
	assert_xpaths(t, want, 2);
	assert_selects(t, "{\"expressroute-readiness:expressroute\":{\"agent\":{\"poll-interval\":30}},"
	    "\"ietf-netconf-monitoring:netconf-state\":{\"capabilities\":{\"capability\":"
	    "[\"urn:ietf:params:netconf:base:1.0\",\"urn:ietf:params:netconf:base:1.1\"]}}}");

	/* Elements left in the NETCONF base namespace by <rpc xmlns=...> count as unqualified too. */
	parse_ok(t, GET_DFLT("<filter><expressroute><agent><poll-interval/></agent></expressroute></filter>"));
	assert_xpaths(t, want, 1);
}

static void
test_subtree_attribute_match(void **state)
{
	struct t *t = *state;

	assert_int_equal(parse(t, GET(SUBTREE(ER("<readiness><check status=\"fail\"/></readiness>")))), -1);
	assert_error(t, NC_ERR_UNKNOWN_ATTR, NC_ERR_TYPE_APP,
	    "subtree filter: attribute match expressions are not supported "
	    "(attribute \"status\" on element \"check\")");
	assert_string_equal(t->errs.v[0].bad_attr, "status");
	assert_string_equal(t->errs.v[0].bad_elem, "check");

	/* Text in a container is no content match. */
	assert_int_equal(parse(t, GET(SUBTREE(ER("<agent>30</agent>")))), -1);
	assert_error(t, NC_ERR_BAD_ELEM, NC_ERR_TYPE_APP,
	    "subtree filter: element \"agent\" holds text but is not a leaf (no content match possible)");
}

/* Filter content libyang kept as text (another anyxml value type) is parsed again. */
static void
test_subtree_text_value(void **state)
{
	struct t *t = *state;
	const struct lys_module *nc = ly_ctx_get_module_implemented(t->ctx, "ietf-netconf");
	struct lyd_node *op = NULL, *filter = NULL;
	static const char *const want[] = { TOP "/agent/poll-interval" };

	assert_int_equal(lyd_new_inner(NULL, nc, "get", 0, &op), LY_SUCCESS);
	assert_int_equal(lyd_new_any(op, NULL, "filter", ER("<agent><poll-interval/></agent>"), 0, LYD_ANYDATA_XML, 0,
			     &filter),
	    LY_SUCCESS);
	assert_int_equal(er_nc_filter_parse(t->ctx, filter, &t->f, &t->errs), 0);
	lyd_free_all(op);
	assert_xpaths(t, want, 1);
	assert_selects(t, "{\"expressroute-readiness:expressroute\":{\"agent\":{\"poll-interval\":30}}}");

	/* Text that is no element at all. */
	assert_int_equal(parse(t, GET(SUBTREE("poll-interval"))), -1);
	assert_error(t, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT,
	    "subtree filter content is not well-formed: Invalid character sequence \"poll-interval\", expected element "
	    "tag start ('<').");
}

/* ---- xpath ---- */

static void
test_xpath_ncclient_prefixes(void **state)
{
	struct t *t = *state;
	static const char *const want[] = { TOP "/agent/poll-interval | " TOP "/readiness/check[status='fail']/id" };
	struct lyd_node *env = NULL, *op = NULL;
	struct ly_in *in = NULL;

	/* ncclient ('xpath', (nsmap, expr)): xmlns:er on the filter element. */
	parse_ok(t, GET("<nc:filter xmlns:er=\"" NS_ER "\" type=\"xpath\" "
			"select=\"/er:expressroute/er:agent/er:poll-interval | "
			"/er:expressroute/er:readiness/er:check[er:status='fail']/er:id\"/>"));
	assert_xpaths(t, want, 1);
	assert_selects(t, "{\"expressroute-readiness:expressroute\":{\"agent\":{\"poll-interval\":30},"
	    "\"readiness\":{\"check\":[{\"id\":\"c2\"},{\"id\":\"c3\"}]}}}");

	/* The prefix declared on <rpc>, any prefix name. */
	parse_ok(t, "<rpc message-id=\"1\" xmlns=\"" NS_BASE "\" xmlns:x=\"" NS_ER "\"><get>"
		    "<filter type=\"xpath\" select=\"/x:expressroute/x:readiness/x:readiness\"/></get></rpc>");
	assert_string_equal(t->f.xpaths[0], TOP "/readiness/readiness");
	assert_selects(t, "{\"expressroute-readiness:expressroute\":{\"readiness\":{\"readiness\":\"degraded\"}}}");

	/* No select: a type-less filter with a select is an XPath one. */
	parse_ok(t, GET("<nc:filter xmlns:er=\"" NS_ER "\" select=\"/er:expressroute/er:account\"/>"));
	assert_string_equal(t->f.xpaths[0], TOP "/account");

	/*
	 * ncclient ('xpath', expr) declares no prefix: libyang already refuses
	 * the <rpc> (libnetconf2 answers operation-failed with this message).
	 */
	assert_int_equal(ly_in_new_memory(GET("<nc:filter type=\"xpath\" select=\"/er:expressroute\"/>"), &in),
	    LY_SUCCESS);
	assert_int_not_equal(lyd_parse_op(t->ctx, NULL, in, LYD_XML, LYD_TYPE_RPC_NETCONF, &env, &op), LY_SUCCESS);
	assert_string_equal(ly_errmsg(t->ctx), "Failed to resolve prefix \"er\".");
	ly_in_free(in, 0);
	lyd_free_all(env);
	lyd_free_all(op);
	ly_err_clean((struct ly_ctx *)t->ctx, NULL);
}

/* A filter node libyang did not type (opaque, raw attributes): reaches the checks libyang's parser does first. */
static int
parse_opaque(struct t *t, const char *type, const char *select)
{
	struct lyd_node *filter = NULL;
	int rc;

	assert_int_equal(lyd_new_opaq(NULL, t->ctx, "filter", NULL, NULL, "ietf-netconf", &filter), LY_SUCCESS);
	if (type)
		assert_int_equal(lyd_new_attr(filter, NULL, "type", type, NULL), LY_SUCCESS);
	if (select)
		assert_int_equal(lyd_new_attr(filter, NULL, "select", select, NULL), LY_SUCCESS);
	er_nc_filter_clear(&t->f);
	er_nc_errs_clear(&t->errs);
	rc = er_nc_filter_parse(t->ctx, filter, &t->f, &t->errs);
	lyd_free_all(filter);
	return rc;
}

static void
test_xpath_bad(void **state)
{
	struct t *t = *state;

	/* Parses, but is no node-set. */
	assert_int_equal(parse(t, GET("<nc:filter xmlns:er=\"" NS_ER "\" type=\"xpath\" "
				      "select=\"count(/er:expressroute)\"/>")),
	    -1);
	assert_error(t, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP,
	    "XPath filter \"count(" TOP ")\" is not valid: XPath \"count(" TOP ")\" result is not a node set.");

	/* Syntax. */
	assert_int_equal(parse_opaque(t, "xpath", TOP "/circuit[name="), -1);
	assert_error(t, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP,
	    "XPath filter \"" TOP "/circuit[name=\" is not valid: Unexpected XPath expression end.");

	/* Module names are the prefixes; another prefix does not resolve. */
	assert_int_equal(parse_opaque(t, "xpath", TOP "/agent"), 0);
	assert_string_equal(t->f.xpaths[0], TOP "/agent");
	assert_int_equal(parse_opaque(t, "xpath", "/er:expressroute/er:agent"), -1);
	assert_error(t, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP,
	    "XPath filter \"/er:expressroute/er:agent\" is not valid: Unknown/non-implemented module \"er\".");

	/* type="xpath" needs select. */
	assert_int_equal(parse(t, GET("<nc:filter type=\"xpath\"/>")), -1);
	assert_error(t, NC_ERR_MISSING_ATTR, NC_ERR_TYPE_PROT, "an XPath filter needs a select attribute");
	assert_string_equal(t->errs.v[0].bad_attr, "select");
	assert_string_equal(t->errs.v[0].bad_elem, "filter");
	assert_int_equal(parse_opaque(t, "xpath", "  "), -1);
	assert_error(t, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, "XPath filter: the select expression is empty");
}

static void
test_bad_type(void **state)
{
	struct t *t = *state;
	struct lyd_node *env = NULL, *op = NULL;
	struct ly_in *in = NULL;

	/* libyang checks the type attribute itself (an enumeration in its ietf-netconf annotations). */
	assert_int_equal(ly_in_new_memory(GET("<nc:filter type=\"regex\"/>"), &in), LY_SUCCESS);
	assert_int_not_equal(lyd_parse_op(t->ctx, NULL, in, LYD_XML, LYD_TYPE_RPC_NETCONF, &env, &op), LY_SUCCESS);
	assert_string_equal(ly_errmsg(t->ctx), "Invalid enumeration value \"regex\".");
	ly_in_free(in, 0);
	lyd_free_all(env);
	lyd_free_all(op);
	ly_err_clean((struct ly_ctx *)t->ctx, NULL);

	assert_int_equal(parse_opaque(t, "regex", NULL), -1);
	assert_error(t, NC_ERR_BAD_ATTR, NC_ERR_TYPE_PROT,
	    "unknown filter type \"regex\" (expected \"subtree\" or \"xpath\")");
	assert_string_equal(t->errs.v[0].bad_attr, "type");
	assert_string_equal(t->errs.v[0].bad_elem, "filter");

	/* select belongs to XPath filters only. */
	assert_int_equal(parse(t, GET("<nc:filter xmlns:er=\"" NS_ER "\" type=\"subtree\" "
				      "select=\"/er:expressroute\"/>")),
	    -1);
	assert_error(t, NC_ERR_BAD_ATTR, NC_ERR_TYPE_PROT, "the select attribute is only allowed with type=\"xpath\"");
	assert_string_equal(t->errs.v[0].bad_attr, "select");
}

/* ---- pushdown, notifications, defaults ---- */

static void
test_wants(void **state)
{
	struct t *t = *state;

	parse_ok(t, GET(SUBTREE(ER("<readiness><check><status>fail</status></check></readiness>"))));
	assert_true(er_nc_filter_wants(t->ctx, &t->f, TOP));
	assert_true(er_nc_filter_wants(t->ctx, &t->f, TOP "/readiness"));
	assert_true(er_nc_filter_wants(t->ctx, &t->f, TOP "/readiness/check"));
	assert_true(er_nc_filter_wants(t->ctx, &t->f, TOP "/readiness/check/detail"));
	assert_false(er_nc_filter_wants(t->ctx, &t->f, TOP "/readiness/collector"));
	assert_false(er_nc_filter_wants(t->ctx, &t->f, TOP "/circuit/state"));
	assert_false(er_nc_filter_wants(t->ctx, &t->f, "/ietf-netconf-monitoring:netconf-state"));

	/* A predicate needs what it tests, not what it passes through. */
	parse_ok(t, GET("<nc:filter xmlns:er=\"" NS_ER "\" type=\"xpath\" "
			"select=\"/er:expressroute/er:circuit[er:state/er:readiness='ready']/er:name\"/>"));
	assert_true(er_nc_filter_wants(t->ctx, &t->f, TOP "/circuit/state"));
	assert_true(er_nc_filter_wants(t->ctx, &t->f, TOP "/circuit"));
	assert_false(er_nc_filter_wants(t->ctx, &t->f, TOP "/circuit/peering/state"));
	assert_false(er_nc_filter_wants(t->ctx, &t->f, TOP "/readiness"));

	/* Everything below a selected node. */
	parse_ok(t, GET(SUBTREE(ER(""))));
	assert_true(er_nc_filter_wants(t->ctx, &t->f, TOP "/circuit/peering/state"));
	assert_false(er_nc_filter_wants(t->ctx, &t->f, "/ietf-netconf-monitoring:netconf-state"));

	/* Nothing for an empty filter; an unknown path is built to be safe. */
	parse_ok(t, GET(SUBTREE("")));
	assert_false(er_nc_filter_wants(t->ctx, &t->f, TOP));
	parse_ok(t, GET(SUBTREE(ER("<agent/>"))));
	assert_true(er_nc_filter_wants(t->ctx, &t->f, TOP "/no-such-node"));
}

/* A partner's fetch (src/partner.c er_partner_filter): the get builds only what it can select. */
#define PARTNER_LINKS "<circuit><peering><state><link><observed-by>local</observed-by></link></state></peering></circuit>"

static void
assert_list_match(const struct t *t, const char *want)
{
	char *v = er_nc_filter_list_match(t->ctx, &t->f, TOP "/readiness/check", "path");

	if (want && !v)
		fail_msg("no single path value; want %s", want);
	if (!want && v)
		fail_msg("path value %s; want none", v);
	if (want)
		assert_string_equal(v, want);
	free(v);
}

static void
test_list_match(void **state)
{
	static const char *const other[] = {
		TOP "/readiness/check[path='secondary']/status | " TOP "/readiness/check/detail",
		TOP "/readiness/check[path='secondary']/../check/status",
		TOP "/readiness/check[path='secondary']/following-sibling::check",
		TOP "/readiness/check[path='secondary' or code=20]/status",
		TOP "/readiness/check[path='secondary']x",
		TOP "/readiness/check[status='pass']/path",
		TOP "/readiness/*/status",
		"//check[path='secondary']/status",
		TOP "/readiness",
	};
	struct t *t = *state;
	size_t i;

	/* the partner's filter: only the secondary links' results can be selected */
	parse_ok(t, GET(SUBTREE(ER(PARTNER_LINKS "<readiness><last-evaluation/><collector/><check><path>secondary</path>"
				   "<status/><detail/></check></readiness>"))));
	assert_list_match(t, "secondary");
	parse_ok(t, GET(SUBTREE(ER("<readiness><check><path>primary</path></check></readiness>"))));
	assert_list_match(t, "primary");
	/* double quotes (a value with an apostrophe) are read the same way */
	parse_opaque(t, "xpath", TOP "/readiness/check[path=\"secondary\"]/status");
	assert_list_match(t, "secondary");

	/* no content match, or one that does not reach the checks: every entry */
	parse_ok(t, GET(SUBTREE(ER("<readiness><check><status/><detail/></check></readiness>"))));
	assert_list_match(t, NULL);
	parse_ok(t, GET(SUBTREE(ER(PARTNER_LINKS "<readiness><collector/></readiness>"))));
	assert_list_match(t, NULL);
	/* another selection reaches the checks without it */
	parse_ok(t, GET(SUBTREE(ER("<readiness><check><path>secondary</path><status/></check></readiness><readiness/>"))));
	assert_list_match(t, NULL);
	parse_ok(t, GET(SUBTREE(ER(""))));
	assert_list_match(t, NULL);
	/* two values */
	assert_int_equal(parse_opaque(t, "xpath", TOP "/readiness/check[path='secondary']/status"), 0);
	t->f.xpaths = realloc(t->f.xpaths, 2 * sizeof(*t->f.xpaths));
	t->f.xpaths[t->f.n++] = strdup(TOP "/readiness/check[path='primary']/detail");
	assert_list_match(t, NULL);

	/* XPath that leaves the entries it names, or names them otherwise: every entry */
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		if (parse_opaque(t, "xpath", other[i]) < 0)
			continue; /* libyang refused it: nothing to build anyway */
		if (er_nc_filter_list_match(t->ctx, &t->f, TOP "/readiness/check", "path"))
			fail_msg("%s: a single path value", other[i]);
	}
	/* not a list */
	parse_ok(t, GET(SUBTREE(ER("<readiness><check><path>secondary</path></check></readiness>"))));
	assert_null(er_nc_filter_list_match(t->ctx, &t->f, TOP "/readiness", "path"));
}

static void
test_wants_config(void **state)
{
	struct t *t = *state;

	/* state only, list keys on the way: answered from the state data */
	parse_ok(t, GET(SUBTREE(ER(PARTNER_LINKS "<readiness><last-evaluation/><collector/><check><path>secondary</path>"
				   "<status/><detail/></check></readiness>"))));
	assert_false(er_nc_filter_wants_config(t->ctx, &t->f));
	assert_int_equal(parse_opaque(t, "xpath", TOP "/circuit[name='er-ams-1']/state"), 0);
	assert_false(er_nc_filter_wants_config(t->ctx, &t->f));
	/* a key in the output is config: running may hold an entry the last evaluation has not */
	parse_ok(t, GET(SUBTREE(ER("<circuit><name>er-ams-1</name><state/></circuit>"))));
	assert_true(er_nc_filter_wants_config(t->ctx, &t->f));

	/* config selected, tested, or below a selected node */
	parse_ok(t, GET(SUBTREE(ER("<circuit><name/></circuit>"))));
	assert_true(er_nc_filter_wants_config(t->ctx, &t->f));
	parse_ok(t, GET(SUBTREE(ER("<circuit><provider>Equinix</provider><state/></circuit>"))));
	assert_true(er_nc_filter_wants_config(t->ctx, &t->f));
	parse_ok(t, GET(SUBTREE(ER("<circuit/>"))));
	assert_true(er_nc_filter_wants_config(t->ctx, &t->f));
	parse_ok(t, GET(SUBTREE(ER(""))));
	assert_true(er_nc_filter_wants_config(t->ctx, &t->f));
	parse_ok(t, GET(SUBTREE(ER("<agent><poll-interval/></agent>"))));
	assert_true(er_nc_filter_wants_config(t->ctx, &t->f));
	parse_ok(t, GET(""));
	assert_true(er_nc_filter_wants_config(t->ctx, &t->f));
}

static struct lyd_node *
notif(const struct t *t, const char *json)
{
	struct lyd_node *tree = NULL, *op = NULL;
	struct ly_in *in = NULL;

	assert_int_equal(ly_in_new_memory(json, &in), LY_SUCCESS);
	if (lyd_parse_op(t->ctx, NULL, in, LYD_JSON, LYD_TYPE_NOTIF_YANG, &tree, &op) != LY_SUCCESS)
		fail_msg("notification: %s", ly_errmsg(t->ctx));
	ly_in_free(in, 0);
	assert_ptr_equal(tree, op);
	return tree;
}

#define SUBSCRIBE(f)                                                                                   \
	"<rpc message-id=\"3\" xmlns=\"" NS_BASE "\"><create-subscription xmlns=\"" NS_NOTIF "\">" f \
	"</create-subscription></rpc>"

static void
test_match_notification(void **state)
{
	struct t *t = *state;
	struct lyd_node *lost = notif(t, "{\"expressroute-readiness:redundancy-lost\":{\"circuit\":\"er-ams-1\","
					 "\"peering\":\"microsoft\",\"path\":\"secondary\",\"sessions-up\":1}}");
	struct lyd_node *other = notif(t, "{\"expressroute-readiness:redundancy-lost\":{\"circuit\":\"er-fra-2\","
					  "\"peering\":\"microsoft\",\"sessions-up\":0}}");
	struct lyd_node *changed = notif(t, "{\"expressroute-readiness:readiness-changed\":"
					    "{\"new-readiness\":\"ready\"}}");
	static const char *const want[] = { "/expressroute-readiness:redundancy-lost[circuit='er-ams-1']" };

	parse_ok(t, SUBSCRIBE("<filter type=\"subtree\"><redundancy-lost xmlns=\"" NS_ER "\">"
			      "<circuit>er-ams-1</circuit></redundancy-lost></filter>"));
	assert_xpaths(t, want, 1);
	assert_true(er_nc_filter_match(&t->f, lost));
	assert_false(er_nc_filter_match(&t->f, other));
	assert_false(er_nc_filter_match(&t->f, changed));

	parse_ok(t, SUBSCRIBE("<filter xmlns:er=\"" NS_ER "\" type=\"xpath\" "
			      "select=\"/er:redundancy-lost[er:sessions-up=0] | /er:readiness-changed\"/>"));
	assert_false(er_nc_filter_match(&t->f, lost));
	assert_true(er_nc_filter_match(&t->f, other));
	assert_true(er_nc_filter_match(&t->f, changed));

	/* A data filter passes no notification; no filter passes all; an empty one none. */
	parse_ok(t, SUBSCRIBE("<filter>" ER("") "</filter>"));
	assert_false(er_nc_filter_match(&t->f, lost));
	parse_ok(t, SUBSCRIBE(""));
	assert_true(er_nc_filter_match(&t->f, lost));
	parse_ok(t, SUBSCRIBE("<filter/>"));
	assert_false(er_nc_filter_match(&t->f, lost));

	lyd_free_all(lost);
	lyd_free_all(other);
	lyd_free_all(changed);
}

static void
test_defaults_kept(void **state)
{
	struct t *t = *state;
	struct lyd_node *out = NULL, *n;
	char *s;

	/* enabled and prefix-limit-warning are defaults in the example config, vlan-id is set. */
	parse_ok(t, GET(SUBTREE(ER("<circuit><peering><type>microsoft</type><enabled/><vlan-id/><prefix-limit-warning/>"
				   "</peering></circuit>"))));
	assert_int_equal(er_nc_filter_apply(&t->f, t->data, &out, &t->errs), 0);
	assert_int_equal(lyd_find_path(out, TOP "/circuit[name='er-ams-1']/peering[type='microsoft']/enabled", 0, &n),
	    LY_SUCCESS);
	assert_true(n->flags & LYD_DEFAULT);
	assert_int_equal(lyd_find_path(out, TOP "/circuit[name='er-ams-1']/peering[type='microsoft']/vlan-id", 0, &n),
	    LY_SUCCESS);
	assert_false(n->flags & LYD_DEFAULT);

	/* So with-defaults printing still works on the result. */
	s = print(out, LYD_JSON, LYD_PRINT_WD_TRIM);
	assert_string_equal(s, "{\"expressroute-readiness:expressroute\":{\"circuit\":[{\"name\":\"er-ams-1\","
	    "\"peering\":[{\"type\":\"microsoft\",\"vlan-id\":300}]}]}}");
	free(s);
	s = print(out, LYD_XML, LYD_PRINT_WD_ALL_TAG);
	assert_string_equal(s, "<expressroute xmlns=\"" NS_ER "\"><circuit><name>er-ams-1</name><peering>"
	    "<type>microsoft</type><enabled xmlns:ncwd=\"urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults\" "
	    "ncwd:default=\"true\">true</enabled><vlan-id>300</vlan-id>"
	    "<prefix-limit-warning xmlns:ncwd=\"urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults\" "
	    "ncwd:default=\"true\">90</prefix-limit-warning></peering></circuit></expressroute>");
	free(s);
	lyd_free_all(out);
}

static void
test_union_no_duplicates(void **state)
{
	struct t *t = *state;

	/* Overlapping selections across modules: each node once, the larger selection wins. */
	parse_ok(t, GET("<nc:filter xmlns:er=\"" NS_ER "\" xmlns:m=\"" NS_MON "\" "
			"select=\"/m:netconf-state/m:capabilities/m:capability[.='urn:ietf:params:netconf:base:1.1'] | "
			"/er:expressroute/er:readiness/er:check/er:id | "
			"/er:expressroute/er:readiness/er:check[er:id='c2'] | "
			"/er:expressroute/er:readiness/er:check[er:id='c2']/er:status\"/>"));
	assert_selects(t, "{\"expressroute-readiness:expressroute\":{\"readiness\":{\"check\":[{\"id\":\"c1\"},"
	    "{\"id\":\"c2\",\"code\":2,\"status\":\"fail\",\"severity\":\"major\"},{\"id\":\"c3\"}]}},"
	    "\"ietf-netconf-monitoring:netconf-state\":{\"capabilities\":{\"capability\":"
	    "[\"urn:ietf:params:netconf:base:1.1\"]}}}");

	/* Two subtree filters for the same node, and the whole tree. */
	parse_ok(t, GET(SUBTREE(ER("<agent><poll-interval/></agent><agent><poll-interval/></agent>"))));
	assert_int_equal(t->f.n, 1);
	parse_ok(t, GET("<nc:filter type=\"xpath\" select=\"/*\"/>"));
	{
		struct lyd_node *out = NULL;
		char *a, *b;

		assert_int_equal(er_nc_filter_apply(&t->f, t->data, &out, &t->errs), 0);
		a = print(out, LYD_JSON, LYD_PRINT_WD_ALL);
		b = print(t->data, LYD_JSON, LYD_PRINT_WD_ALL);
		assert_string_equal(a, b);
		free(a);
		free(b);
		lyd_free_all(out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_subtree_containment_selection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_match, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wants_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subtree_unknown_element, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subtree_list_by_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subtree_content_match_non_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subtree_two_content_matches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subtree_no_match, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subtree_quotes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subtree_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subtree_namespaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subtree_attribute_match, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subtree_text_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xpath_ncclient_prefixes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xpath_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_notification, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_union_no_duplicates, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
