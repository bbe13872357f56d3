/*
 * RFC 8341 NACM rule evaluation (agent/netconf/nc_nacm.c) on the real datastore
 * context (our module, ietf-netconf-acm, ietf-netconf from libyuma-base)
 * and the example config's admin and nms groups.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libyang/libyang.h>

#include "datastore.h"
#include "fixture.h"
#include "nc_nacm.h"
#include "nc_schema.h"

#define ER "/expressroute-readiness:expressroute"

struct t {
	struct er_ds *ds;
	struct ly_ctx *ctx;
};

static int
setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	char err[ER_ERRLEN];

	assert_non_null(t);
	if (!(t->ds = er_ds_new_with(er_nc_ctx_hook, err, sizeof(err))))
		fail_msg("datastore: %s", err);
	if (er_ds_load_file(t->ds, FX_CONFIG, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	t->ctx = er_ds_ctx(t->ds);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t *t = *state;

	er_ds_free(t->ds);
	free(t);
	return 0;
}

/* running with @p json (a JSON fragment of ietf-netconf-acm) merged in, validated. */
static struct lyd_node *
running_with(struct t *t, const char *json)
{
	struct er_ds_txn *txn = er_ds_txn_begin(t->ds);
	struct lyd_node *out = NULL;
	char err[ER_ERRLEN];

	if (json && er_ds_txn_merge(txn, json, ER_FMT_JSON, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	if (er_ds_txn_validate(txn, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(lyd_dup_siblings(er_ds_txn_peek(txn), NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &out),
	    LY_SUCCESS);
	er_ds_txn_abort(txn);
	return out;
}

static const struct lysc_node *
snode(struct t *t, const char *path)
{
	const struct lysc_node *s = lys_find_path(t->ctx, NULL, path, 0);

	if (!s)
		fail_msg("no schema node %s", path);
	return s;
}

static bool
has(const struct lyd_node *tree, const char *xpath)
{
	struct ly_set *set = NULL;
	bool found;

	assert_int_equal(lyd_find_xpath(tree, xpath, &set), LY_SUCCESS);
	found = set->count > 0;
	ly_set_free(set, NULL);
	return found;
}

/* A copy of @p tree with @p xpath's leaf set to @p value. */
static struct lyd_node *
changed(const struct lyd_node *tree, const char *xpath, const char *value)
{
	struct lyd_node *c = NULL;

	assert_int_equal(lyd_dup_siblings(tree, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &c), LY_SUCCESS);
	assert_int_equal(lyd_new_path(c, NULL, xpath, value, LYD_NEW_PATH_UPDATE, NULL), LY_SUCCESS);
	return c;
}

/* A copy of @p tree without the node at @p xpath. */
static struct lyd_node *
removed(const struct lyd_node *tree, const char *xpath)
{
	struct lyd_node *c = NULL, *n = NULL;

	assert_int_equal(lyd_dup_siblings(tree, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &c), LY_SUCCESS);
	assert_int_equal(lyd_find_path(c, xpath, 0, &n), LY_SUCCESS);
	lyd_free_tree(n);
	return c;
}

/* The example's groups: admin may do everything, nms may read and execute only what is not a change. */
static void
test_example_groups(void **state)
{
	struct t *t = *state;
	struct lyd_node *run = running_with(t, NULL), *poll = changed(run, ER "/agent/poll-interval", "60"),
			*tree = NULL;
	struct er_nacm *admin = er_nacm_new(run, "admin", false), *nms = er_nacm_new(run, "nms", false);
	char path[256] = "";
	unsigned op = 0;

	assert_true(er_nacm_enforced(admin));
	assert_true(er_nacm_rpc_allowed(admin, snode(t, "/ietf-netconf:edit-config")));
	assert_true(er_nacm_rpc_allowed(admin, snode(t, "/ietf-netconf:kill-session")));
	assert_true(er_nacm_rpc_allowed(admin, snode(t, "/ietf-netconf:delete-config")));
	assert_int_equal(er_nacm_check_write(admin, run, poll, path, sizeof(path), &op), 0);

	assert_true(er_nacm_rpc_allowed(nms, snode(t, "/ietf-netconf:get")));
	assert_true(er_nacm_rpc_allowed(nms, snode(t, "/ietf-netconf:get-config")));
	assert_true(er_nacm_rpc_allowed(nms, snode(t, "/expressroute-readiness:evaluate-now")));
	assert_true(er_nacm_rpc_allowed(nms, snode(t, "/ietf-netconf:close-session")));
	assert_false(er_nacm_rpc_allowed(nms, snode(t, "/ietf-netconf:edit-config")));
	assert_false(er_nacm_rpc_allowed(nms, snode(t, "/ietf-netconf:commit")));
	assert_false(er_nacm_rpc_allowed(nms, snode(t, "/ietf-netconf:lock")));
	assert_int_equal(er_nacm_check_write(nms, run, poll, path, sizeof(path), &op), 1);
	assert_string_equal(path, ER "/agent/poll-interval");
	assert_int_equal(op, ER_NACM_UPDATE);
	assert_string_equal(er_nacm_op_name(op), "update");
	assert_false(er_nacm_read_restricted(nms));

	/* reads: the access control config itself is nacm:default-deny-all */
	assert_int_equal(lyd_dup_siblings(run, NULL, LYD_DUP_RECURSIVE, &tree), LY_SUCCESS);
	er_nacm_prune(nms, &tree);
	assert_true(has(tree, ER "/circuit[name='er-ams-1']/service-key"));
	assert_false(has(tree, "/ietf-netconf-acm:nacm"));
	lyd_free_all(tree);
	assert_int_equal(lyd_dup_siblings(run, NULL, LYD_DUP_RECURSIVE, &tree), LY_SUCCESS);
	er_nacm_prune(admin, &tree);
	assert_true(has(tree, "/ietf-netconf-acm:nacm/rule-list[name='nms']"));
	lyd_free_all(tree);

	er_nacm_free(admin);
	er_nacm_free(nms);
	lyd_free_all(poll);
	lyd_free_all(run);
}

/* A user in no group: read-default permit, write-default deny, exec-default permit, the RFC's deny-all operations. */
static void
test_defaults(void **state)
{
	struct t *t = *state;
	struct lyd_node *run = running_with(t, NULL), *poll = changed(run, ER "/agent/poll-interval", "60"), *tree = NULL;
	struct er_nacm *g = er_nacm_new(run, "guest", false), *none = er_nacm_new(NULL, "guest", false);
	char path[256] = "";
	unsigned op = 0;

	assert_true(er_nacm_rpc_allowed(g, snode(t, "/ietf-netconf:edit-config")));
	assert_true(er_nacm_rpc_allowed(g, snode(t, "/ietf-netconf:get")));
	assert_false(er_nacm_rpc_allowed(g, snode(t, "/ietf-netconf:kill-session")));
	assert_false(er_nacm_rpc_allowed(g, snode(t, "/ietf-netconf:delete-config")));
	assert_true(er_nacm_rpc_allowed(g, snode(t, "/ietf-netconf:close-session")));
	assert_int_equal(er_nacm_check_write(g, run, poll, path, sizeof(path), &op), 1);
	assert_string_equal(path, ER "/agent/poll-interval");
	assert_int_equal(op, ER_NACM_UPDATE);
	/* no /nacm at all: the module's defaults, the same answers */
	assert_true(er_nacm_enforced(none));
	assert_false(er_nacm_rpc_allowed(none, snode(t, "/ietf-netconf:kill-session")));
	assert_int_equal(er_nacm_check_write(none, run, poll, path, sizeof(path), &op), 1);
	assert_true(er_nacm_notif_allowed(g, snode(t, "/expressroute-readiness:readiness-changed")));
	assert_int_equal(lyd_dup_siblings(run, NULL, LYD_DUP_RECURSIVE, &tree), LY_SUCCESS);
	er_nacm_prune(g, &tree);
	assert_true(has(tree, ER "/agent/poll-interval"));
	assert_false(has(tree, "/ietf-netconf-acm:nacm"));
	lyd_free_all(tree);
	/* an unchanged config is no write at all */
	assert_int_equal(er_nacm_check_write(g, run, run, path, sizeof(path), &op), 0);
	er_nacm_free(g);
	er_nacm_free(none);
	lyd_free_all(poll);
	lyd_free_all(run);
}

/* The recovery session and enable-nacm false are not restricted at all. */
static void
test_recovery_and_disabled(void **state)
{
	struct t *t = *state;
	struct lyd_node *run = running_with(t, NULL),
			*off = running_with(t, "{\"ietf-netconf-acm:nacm\":{\"enable-nacm\":false}}"),
			*poll = changed(run, ER "/agent/poll-interval", "60"), *tree = NULL;
	struct er_nacm *root = er_nacm_new(run, "root", true), *d = er_nacm_new(off, "guest", false);
	char path[256] = "";
	unsigned op = 0;

	assert_false(er_nacm_enforced(root));
	assert_false(er_nacm_enforced(d));
	assert_true(er_nacm_rpc_allowed(root, snode(t, "/ietf-netconf:kill-session")));
	assert_true(er_nacm_rpc_allowed(d, snode(t, "/ietf-netconf:delete-config")));
	assert_int_equal(er_nacm_check_write(root, run, poll, path, sizeof(path), &op), 0);
	assert_int_equal(er_nacm_check_write(d, run, poll, path, sizeof(path), &op), 0);
	assert_int_equal(lyd_dup_siblings(run, NULL, LYD_DUP_RECURSIVE, &tree), LY_SUCCESS);
	er_nacm_prune(root, &tree);
	assert_true(has(tree, "/ietf-netconf-acm:nacm/groups/group[name='admin']"));
	lyd_free_all(tree);
	er_nacm_free(root);
	er_nacm_free(d);
	lyd_free_all(poll);
	lyd_free_all(off);
	lyd_free_all(run);
}

/*
 * Data-node rules: first match wins in rule-list order; a path names the
 * node and its subtree; create checks every new node, delete only the
 * top of what goes (its descendants go with it), a value change is update.
 */
static const char PATH_RULES[] =
    "{\"ietf-netconf-acm:nacm\":{\"write-default\":\"permit\",\"groups\":{\"group\":["
    "{\"name\":\"ops\",\"user-name\":[\"olga\"]}]},"
    "\"rule-list\":[{\"name\":\"ops\",\"group\":[\"ops\"],\"rule\":["
    "{\"name\":\"keys-hidden\",\"module-name\":\"expressroute-readiness\","
    "\"path\":\"/expressroute-readiness:expressroute/circuit/service-key\",\"access-operations\":\"read update\","
    "\"action\":\"deny\"},"
    "{\"name\":\"no-circuit-delete\",\"module-name\":\"expressroute-readiness\","
    "\"path\":\"/expressroute-readiness:expressroute/circuit\",\"access-operations\":\"delete\",\"action\":\"deny\"},"
    "{\"name\":\"no-readiness-notif\",\"module-name\":\"expressroute-readiness\","
    "\"notification-name\":\"readiness-changed\",\"access-operations\":\"read\",\"action\":\"deny\"}]},"
    "{\"name\":\"later\",\"group\":[\"*\"],\"rule\":["
    "{\"name\":\"too-late\",\"module-name\":\"*\",\"access-operations\":\"*\",\"action\":\"permit\"}]}]}}";

static void
test_path_rules(void **state)
{
	struct t *t = *state;
	struct lyd_node *run = running_with(t, PATH_RULES), *tree = NULL, *b;
	struct er_nacm *o = er_nacm_new(run, "olga", false), *other = er_nacm_new(run, "pat", false);
	char path[256] = "";
	unsigned op = 0;

	assert_true(er_nacm_read_restricted(o));
	assert_false(er_nacm_read_restricted(other));
	assert_int_equal(lyd_dup_siblings(run, NULL, LYD_DUP_RECURSIVE, &tree), LY_SUCCESS);
	er_nacm_prune(o, &tree);
	assert_true(has(tree, ER "/circuit[name='er-ams-1']/provider"));
	assert_false(has(tree, ER "/circuit[name='er-ams-1']/service-key"));
	lyd_free_all(tree);
	/* the "*" rule-list comes after ops: it permits nacm to others, not the key to olga */
	assert_int_equal(lyd_dup_siblings(run, NULL, LYD_DUP_RECURSIVE, &tree), LY_SUCCESS);
	er_nacm_prune(other, &tree);
	assert_true(has(tree, ER "/circuit[name='er-ams-1']/service-key"));
	assert_true(has(tree, "/ietf-netconf-acm:nacm/rule-list[name='ops']"));
	lyd_free_all(tree);

	/* update of a denied leaf; another leaf of the same circuit is fine (write-default permit) */
	b = changed(run, ER "/circuit[name='er-ams-1']/service-key", "11111111-2222-3333-4444-555555555555");
	assert_int_equal(er_nacm_check_write(o, run, b, path, sizeof(path), &op), 1);
	assert_string_equal(path, ER "/circuit[name='er-ams-1']/service-key");
	assert_int_equal(op, ER_NACM_UPDATE);
	lyd_free_all(b);
	b = changed(run, ER "/circuit[name='er-ams-1']/provider", "Megaport");
	assert_int_equal(er_nacm_check_write(o, run, b, path, sizeof(path), &op), 0);
	lyd_free_all(b);
	/* deleting the circuit needs delete on the circuit itself */
	b = removed(run, ER "/circuit[name='er-ams-1']");
	assert_int_equal(er_nacm_check_write(o, run, b, path, sizeof(path), &op), 1);
	assert_string_equal(path, ER "/circuit[name='er-ams-1']");
	assert_int_equal(op, ER_NACM_DELETE);
	/* ... and creating it back is create on every new node: its service-key is only denied read/update */
	assert_int_equal(er_nacm_check_write(o, b, run, path, sizeof(path), &op), 0);
	assert_int_equal(er_nacm_check_write(other, run, b, path, sizeof(path), &op), 0);
	lyd_free_all(b);
	/* a path covers the node's subtree: deleting a leaf inside the circuit is denied too */
	b = removed(run, ER "/circuit[name='er-ams-1']/provider");
	assert_int_equal(er_nacm_check_write(o, run, b, path, sizeof(path), &op), 1);
	assert_string_equal(path, ER "/circuit[name='er-ams-1']/provider");
	assert_int_equal(op, ER_NACM_DELETE);
	lyd_free_all(b);
	/* ... but not outside it */
	b = removed(run, ER "/agent/poll-interval");
	assert_int_equal(er_nacm_check_write(o, run, b, path, sizeof(path), &op), 0);
	lyd_free_all(b);

	/* notifications by event type */
	assert_false(er_nacm_notif_allowed(o, snode(t, "/expressroute-readiness:readiness-changed")));
	assert_true(er_nacm_notif_allowed(o, snode(t, "/expressroute-readiness:check-status-changed")));
	assert_true(er_nacm_notif_allowed(o, snode(t, "/nc-notifications:replayComplete")));
	assert_true(er_nacm_notif_allowed(other, snode(t, "/expressroute-readiness:readiness-changed")));
	er_nacm_free(o);
	er_nacm_free(other);
	lyd_free_all(run);
}

/* A create is checked on every node it makes: a denied leaf deep in a new entry denies the whole edit. */
static void
test_create_checks_descendants(void **state)
{
	struct t *t = *state;
	struct lyd_node *run = running_with(t,
			    "{\"ietf-netconf-acm:nacm\":{\"write-default\":\"permit\",\"rule-list\":[{\"name\":\"all\","
			    "\"group\":[\"*\"],\"rule\":[{\"name\":\"no-new-keys\",\"path\":"
			    "\"/expressroute-readiness:expressroute/circuit/service-key\",\"access-operations\":\"create\","
			    "\"action\":\"deny\"}]}]}}"),
			*gone = removed(run, ER "/circuit[name='er-ams-1']");
	struct er_nacm *u = er_nacm_new(run, "anyone", false);
	char path[256] = "";
	unsigned op = 0;

	assert_int_equal(er_nacm_check_write(u, gone, run, path, sizeof(path), &op), 1);
	assert_string_equal(path, ER "/circuit[name='er-ams-1']/service-key");
	assert_int_equal(op, ER_NACM_CREATE);
	assert_int_equal(er_nacm_check_write(u, run, gone, path, sizeof(path), &op), 0);
	er_nacm_free(u);
	lyd_free_all(gone);
	lyd_free_all(run);
}

/* The module's secrets are nacm:default-deny-all: write-default permit does not open them, a rule does. */
static void
test_secrets_deny_all(void **state)
{
	struct t *t = *state;
	struct lyd_node *run = running_with(t, "{\"ietf-netconf-acm:nacm\":{\"write-default\":\"permit\"}}"),
			*poll = changed(run, ER "/agent/poll-interval", "60"),
			*comm = changed(run, ER "/agent/snmp/community", "Other-Comm"),
			*md5 = changed(run, ER "/circuit[name='er-ams-1']/peering[type='azure-private']/md5-key", "Key42"),
			*rule = running_with(t, "{\"ietf-netconf-acm:nacm\":{\"rule-list\":[{\"name\":\"all\","
					     "\"group\":[\"*\"],\"rule\":[{\"name\":\"comm\",\"path\":"
					     "\"/expressroute-readiness:expressroute/agent/snmp/community\","
					     "\"access-operations\":\"create update\",\"action\":\"permit\"}]}]}}");
	struct er_nacm *u = er_nacm_new(run, "anyone", false), *r = er_nacm_new(rule, "anyone", false);
	char path[256] = "";
	unsigned op = 0;

	assert_int_equal(er_nacm_check_write(u, run, poll, path, sizeof(path), &op), 0);
	assert_int_equal(er_nacm_check_write(u, run, comm, path, sizeof(path), &op), 1);
	assert_string_equal(path, ER "/agent/snmp/community");
	assert_int_equal(er_nacm_check_write(u, run, md5, path, sizeof(path), &op), 1);
	assert_string_equal(path, ER "/circuit[name='er-ams-1']/peering[type='azure-private']/md5-key");
	assert_int_equal(op, ER_NACM_CREATE);
	/* an explicit rule opens the community (and only it: poll-interval is write-default deny there) */
	if (er_nacm_check_write(r, run, comm, path, sizeof(path), &op) != 0)
		fail_msg("denied %s %u", path, op);
	assert_int_equal(er_nacm_check_write(r, run, poll, path, sizeof(path), &op), 1);
	er_nacm_free(u);
	er_nacm_free(r);
	lyd_free_all(poll);
	lyd_free_all(comm);
	lyd_free_all(md5);
	lyd_free_all(rule);
	lyd_free_all(run);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_groups),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_recovery_and_disabled),
		cmocka_unit_test(test_path_rules),
		cmocka_unit_test(test_create_checks_descendants),
		cmocka_unit_test(test_secrets_deny_all),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
