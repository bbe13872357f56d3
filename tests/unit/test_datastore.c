/* Datastore: load, validate, edit, round-trip, atomic save. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libyang/libyang.h>

#include "config_diff.h"
#include "fixture.h"

static struct er_ds *
ds_with_example(void)
{
	char err[ER_ERRLEN];
	struct er_ds *ds = er_ds_new(err, sizeof(err));

	assert_non_null(ds);
	if (er_ds_load_file(ds, FX_CONFIG, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return ds;
}

static char *
tmpdir_new(void)
{
	char *d = strdup("/tmp/erready-test-XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void
rm_rf(char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

static void
test_load_example(void **state)
{
	struct er_ds *ds = ds_with_example();
	const struct er_config *cfg = er_ds_config(ds);
	const struct er_circuit_cfg *c;
	const struct er_peering_cfg *p;
	char buf[ER_PREFIX_STRLEN];

	(void)state;
	assert_int_equal(cfg->n_circuits, 1);
	c = er_config_circuit(cfg, "er-ams-1");
	assert_non_null(c);
	assert_int_equal(c->bandwidth_mbps, 1000);
	assert_int_equal(c->n_peerings, 2);
	p = er_circuit_peering(c, ER_PEERING_MICROSOFT);
	assert_non_null(p);
	assert_int_equal(p->vlan_id, 300);
	assert_string_equal(er_prefix_str(&p->v4[1], buf, sizeof(buf)), "131.107.0.4/30");
	assert_string_equal(p->ifname[1], "eth2.300");
	assert_int_equal(p->qos, ER_QOS_CURRENT);
	assert_int_equal(p->limit_warn_pct, 90); /* YANG default */
	assert_int_equal(cfg->agent.poll_interval, 30);
	assert_int_equal(er_ds_generation(ds), 1);
	er_ds_config_unref(cfg);
	er_ds_free(ds);
}

static void
test_block_29_splits(void **state)
{
	struct fx fx;
	char *text = fx_read_data(FX_CONFIG), *v;
	char buf[ER_PREFIX_STRLEN];
	const struct er_peering_cfg *p;

	(void)state;
	v = fx_replace(text, "\"primary-subnet\": \"172.16.0.0/30\",\n              \"secondary-subnet\": \"172.16.0.4/30\"",
	    "\"subnet\": \"192.168.100.128/29\"");
	fx_load(&fx, v, NULL);
	p = er_circuit_peering(er_config_circuit(fx.cfg, "er-ams-1"), ER_PEERING_PRIVATE);
	/* R16's example: .129/.130 primary, .133/.134 secondary. */
	assert_string_equal(er_prefix_str(&p->v4[0], buf, sizeof(buf)), "192.168.100.128/30");
	assert_string_equal(er_prefix_str(&p->v4[1], buf, sizeof(buf)), "192.168.100.132/30");
	fx_free(&fx);
	free(v);
	free(text);
}

static void
test_round_trip(void **state)
{
	struct er_ds *ds = ds_with_example(), *ds2;
	char err[ER_ERRLEN], *json, *json2, *xml, *xml2;

	(void)state;
	json = er_ds_print(ds, ER_FMT_JSON, true);
	xml = er_ds_print(ds, ER_FMT_XML, true);
	assert_non_null(ds2 = er_ds_new(err, sizeof(err)));
	if (er_ds_load_mem(ds2, json, ER_FMT_AUTO, "printed json", err, sizeof(err)) < 0)
		fail_msg("%s", err);
	json2 = er_ds_print(ds2, ER_FMT_JSON, true);
	assert_string_equal(json, json2);
	if (er_ds_load_mem(ds2, xml, ER_FMT_AUTO, "printed xml", err, sizeof(err)) < 0)
		fail_msg("%s", err);
	xml2 = er_ds_print(ds2, ER_FMT_XML, true);
	assert_string_equal(xml, xml2);
	free(json);
	free(json2);
	free(xml);
	free(xml2);
	er_ds_free(ds2);
	er_ds_free(ds);
}

static void
test_md5_write_only(void **state)
{
	char err[ER_ERRLEN], *text = fx_read_data(FX_CONFIG), *v, *pub, *full;
	struct er_ds *ds = er_ds_new(err, sizeof(err));
	const struct er_config *cfg;

	(void)state;
	v = fx_replace(text, "\"customer-asn\": 65010,", "\"customer-asn\": 65010, \"md5-key\": \"Secret42\",");
	assert_int_equal(er_ds_load_mem(ds, v, ER_FMT_JSON, "md5", err, sizeof(err)), 0);
	cfg = er_ds_config(ds);
	assert_true(er_circuit_peering(&cfg->circuits[0], ER_PEERING_PRIVATE)->has_md5);
	pub = er_ds_print(ds, ER_FMT_JSON, false);
	full = er_ds_print(ds, ER_FMT_JSON, true);
	assert_null(strstr(pub, "Secret42"));
	assert_null(strstr(pub, "md5-key"));
	assert_non_null(strstr(full, "\"md5-key\": \"Secret42\""));
	er_ds_config_unref(cfg);
	free(pub);
	free(full);
	free(v);
	free(text);
	er_ds_free(ds);
}

/* The SNMPv2c community and the trap-sink communities are write-only like the v3 keys (issue 16). */
static void
test_communities_write_only(void **state)
{
	char err[ER_ERRLEN], *pub, *full;
	struct er_ds *ds = ds_with_example();
	struct er_ds_txn *txn = er_ds_txn_begin(ds);
	const struct er_config *cfg;

	(void)state;
	assert_int_equal(er_ds_txn_merge(txn,
			     "{\"expressroute-readiness:expressroute\":{\"agent\":{\"snmp\":{\"mode\":\"master\","
			     "\"community\":\"Ro-Comm-77\",\"trap-sink\":[{\"address\":\"127.0.0.1\",\"port\":162,"
			     "\"community\":\"Trap-Comm-88\"}]}}}}",
			     ER_FMT_JSON, err, sizeof(err)),
	    0);
	if (er_ds_txn_commit(txn, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	cfg = er_ds_config(ds);
	assert_string_equal(cfg->agent.snmp.community, "Ro-Comm-77");
	assert_string_equal(cfg->agent.snmp.sinks[0].community, "Trap-Comm-88");
	pub = er_ds_print(ds, ER_FMT_XML, false);
	full = er_ds_print(ds, ER_FMT_XML, true);
	assert_null(strstr(pub, "Comm-"));
	assert_null(strstr(pub, "<community>"));
	assert_non_null(strstr(pub, "<trap-sink>"));
	assert_non_null(strstr(full, "<community>Ro-Comm-77</community>"));
	assert_non_null(strstr(full, "<community>Trap-Comm-88</community>"));
	er_ds_config_unref(cfg);
	free(pub);
	free(full);
	er_ds_free(ds);
}

static void
test_bad_file_keeps_previous(void **state)
{
	struct er_ds *ds = ds_with_example();
	char err[ER_ERRLEN], *before = er_ds_print(ds, ER_FMT_JSON, true), *after;
	char *dir = tmpdir_new(), path[512];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/bad.json", dir);
	f = fopen(path, "w");
	fputs("{ \"expressroute-readiness:expressroute\": { \"agent\": { \"poll-interval\": 2 } } }", f);
	fclose(f);
	assert_int_equal(er_ds_load_file(ds, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad.json: line 1: /expressroute-readiness:expressroute/agent/poll-interval: "));
	assert_non_null(strstr(err, "range"));
	after = er_ds_print(ds, ER_FMT_JSON, true);
	assert_string_equal(before, after);
	assert_int_equal(er_ds_generation(ds), 1);
	free(before);
	free(after);
	rm_rf(dir);
	er_ds_free(ds);
}

static void
test_edit_set_and_commit(void **state)
{
	struct er_ds *ds = ds_with_example();
	const struct er_config *old = er_ds_config(ds), *cfg;
	struct er_ds_txn *txn;
	char err[ER_ERRLEN];

	(void)state;
	txn = er_ds_txn_begin(ds);
	assert_int_equal(er_ds_txn_set(txn,
	    "/expressroute-readiness:expressroute/circuit[name='er-ams-1']/maintenance", "true", err, sizeof(err)), 0);
	assert_int_equal(er_ds_txn_set(txn, "/expressroute-readiness:expressroute/agent/poll-interval", "60", err,
	    sizeof(err)), 0);
	assert_int_equal(er_ds_txn_commit(txn, err, sizeof(err)), 0);
	cfg = er_ds_config(ds);
	assert_true(cfg->circuits[0].maintenance);
	assert_int_equal(cfg->agent.poll_interval, 60);
	/* A reader's reference still sees the config it took. */
	assert_false(old->circuits[0].maintenance);
	assert_int_equal(old->agent.poll_interval, 30);
	assert_int_equal(er_ds_generation(ds), 2);
	er_ds_config_unref(old);
	er_ds_config_unref(cfg);
	er_ds_free(ds);
}

static void
test_edit_rejected_changes_nothing(void **state)
{
	struct er_ds *ds = ds_with_example();
	char err[ER_ERRLEN], *before = er_ds_print(ds, ER_FMT_JSON, true), *after;
	struct er_ds_txn *txn;

	(void)state;
	/* A good leaf, then a bad one in the same edit: nothing applies. */
	txn = er_ds_txn_begin(ds);
	assert_int_equal(er_ds_txn_set(txn, "/expressroute-readiness:expressroute/agent/poll-interval", "60", err,
	    sizeof(err)), 0);
	assert_int_equal(er_ds_txn_set(txn,
	    "/expressroute-readiness:expressroute/circuit[name='er-ams-1']/peering[type='microsoft']/ipv4/primary-subnet",
	    "172.16.0.4/30", err, sizeof(err)), 0);
	assert_int_equal(er_ds_txn_commit(txn, err, sizeof(err)), -1);
	assert_string_equal(err,
	    "edit: /expressroute-readiness:expressroute/circuit[name='er-ams-1']/peering[type='microsoft']/ipv4/primary-subnet: "
	    "link subnet 172.16.0.4/30 overlaps 172.16.0.4/30 at "
	    "/expressroute-readiness:expressroute/circuit[name='er-ams-1']/peering[type='azure-private']/ipv4/secondary-subnet "
	    "(rule 5: link subnets must be unique per peering)");
	after = er_ds_print(ds, ER_FMT_JSON, true);
	assert_string_equal(before, after);

	/* A type error is refused when set. */
	txn = er_ds_txn_begin(ds);
	assert_int_equal(er_ds_txn_set(txn, "/expressroute-readiness:expressroute/agent/poll-interval", "often", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "often"));
	er_ds_txn_abort(txn);

	/* A merge with an unknown element is refused. */
	txn = er_ds_txn_begin(ds);
	assert_int_equal(er_ds_txn_merge(txn,
	    "{\"expressroute-readiness:expressroute\":{\"agent\":{\"polling\":5}}}", ER_FMT_JSON, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "polling"));
	er_ds_txn_abort(txn);
	free(after);
	after = er_ds_print(ds, ER_FMT_JSON, true);
	assert_string_equal(before, after);
	assert_int_equal(er_ds_generation(ds), 1);
	free(before);
	free(after);
	er_ds_free(ds);
}

static void
test_merge_edit(void **state)
{
	struct er_ds *ds = ds_with_example();
	const struct er_config *cfg;
	struct er_ds_txn *txn = er_ds_txn_begin(ds);
	char err[ER_ERRLEN];

	(void)state;
	assert_int_equal(er_ds_txn_merge(txn,
	    "{\"expressroute-readiness:expressroute\":{\"circuit\":[{\"name\":\"er-ams-1\",\"peering\":"
	    "[{\"type\":\"microsoft\",\"prefix-limit-warning\":75}]}]}}", ER_FMT_JSON, err, sizeof(err)), 0);
	assert_int_equal(er_ds_txn_commit(txn, err, sizeof(err)), 0);
	cfg = er_ds_config(ds);
	assert_int_equal(er_circuit_peering(&cfg->circuits[0], ER_PEERING_MICROSOFT)->limit_warn_pct, 75);
	er_ds_config_unref(cfg);
	er_ds_free(ds);
}

/* The whole config, defaults included, as text. */
static char *
all_text(struct er_ds_txn *txn)
{
	char *t = NULL;

	assert_int_equal(lyd_print_mem(&t, er_ds_txn_peek(txn), LYD_JSON, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_WD_ALL), 0);
	return t;
}

/* Validating only the circuits an edit names gives what validating everything gives. */
static void
test_validate_entries_same_as_full(void **state)
{
	static const char *const edits[] = {
		/* a changed leaf, a new circuit with only its name, one that does not exist any more */
		"{\"expressroute-readiness:expressroute\":{\"circuit\":[{\"name\":\"er-ams-1\",\"maintenance\":true,"
		"\"peering\":[{\"type\":\"microsoft\",\"prefix-limit-warning\":75}]}]}}",
		"{\"expressroute-readiness:expressroute\":{\"circuit\":[{\"name\":\"er-new\"}]}}",
		"{\"expressroute-readiness:expressroute\":{\"circuit\":[{\"name\":\"er-new\",\"bandwidth\":1000,"
		"\"peering\":[{\"type\":\"azure-private\",\"vlan-id\":300}]}]}}",
	};
	const char *keys[] = { "er-ams-1", "er-new", "er-gone" };
	struct er_ds *ds = ds_with_example();
	char err1[ER_ERRLEN], err2[ER_ERRLEN];
	int valid = 0, invalid = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		struct er_ds_txn *a = er_ds_txn_begin(ds), *b = er_ds_txn_begin(ds);
		int ra, rb;

		assert_int_equal(er_ds_txn_merge(a, edits[i], ER_FMT_JSON, err1, sizeof(err1)), 0);
		assert_int_equal(er_ds_txn_merge(b, edits[i], ER_FMT_JSON, err2, sizeof(err2)), 0);
		err1[0] = err2[0] = '\0';
		ra = er_ds_txn_validate(a, err1, sizeof(err1));
		rb = er_ds_txn_validate_entries(b, "circuit", keys, 3, err2, sizeof(err2));
		assert_int_equal(ra, rb);
		assert_string_equal(err1, err2);
		ra == 0 ? valid++ : invalid++;
		if (ra == 0) {
			char *ta = all_text(a), *tb = all_text(b);
			assert_string_equal(ta, tb);
			assert_true(er_ds_txn_validated(b));
			free(ta);
			free(tb);
		}
		er_ds_txn_abort(a);
		er_ds_txn_abort(b);
	}
	print_message("%d valid, %d refused alike\n", valid, invalid);
	assert_true(valid >= 1);
	er_ds_free(ds);
}

/* Running, as text with every default and secret: what a copy of it must print. */
static char *
running_text(struct er_ds *ds)
{
	char *t = NULL;

	assert_int_equal(lyd_print_mem(&t, er_ds_running(ds), LYD_JSON, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_WD_ALL), 0);
	return t;
}

#define CIRCUIT "/expressroute-readiness:expressroute/circuit"

/* A txn scoped to circuit @p key whose tree @p change() changes; validated for the commit. */
/* our container's schema: running's top level also holds ietf-netconf-acm's nacm */
static const struct lysc_node *
er_top(struct er_ds *ds)
{
	const struct lyd_node *top;

	LY_LIST_FOR(er_ds_running(ds), top)
		if (!strcmp(LYD_NAME(top), "expressroute"))
			return top->schema;
	fail_msg("no expressroute container in running");
	return NULL;
}

static struct er_ds_txn *
scoped_edit(struct er_ds *ds, const char *key, void (*change)(struct lyd_node **, const char *))
{
	struct er_ds_txn *txn = er_ds_txn_begin(ds);
	const char *keys[] = { key };
	struct lyd_node **tree;
	char err[ER_ERRLEN];

	tree = er_ds_txn_tree_scoped(txn, er_top(ds), "circuit", keys, 1);
	change(tree, key);
	if (er_ds_txn_validate_entries(txn, "circuit", keys, 1, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return txn;
}

static void
set_maintenance(struct lyd_node **tree, const char *key)
{
	struct lyd_node *m = NULL;
	char path[256];
	bool on;

	/* flipped: a real change */
	snprintf(path, sizeof(path), CIRCUIT "[name='%s']/maintenance", key);
	on = lyd_find_path(*tree, path, 0, &m) == LY_SUCCESS && !strcmp(lyd_get_value(m), "true");
	assert_int_equal(lyd_new_path(*tree, NULL, path, on ? "false" : "true", LYD_NEW_PATH_UPDATE, NULL), LY_SUCCESS);
}

static void
add_circuit(struct lyd_node **tree, const char *key)
{
	char path[256];

	snprintf(path, sizeof(path), CIRCUIT "[name='%s']", key);
	assert_int_equal(lyd_new_path(*tree, NULL, path, NULL, 0, NULL), LY_SUCCESS);
}

static void
drop_circuit(struct lyd_node **tree, const char *key)
{
	struct lyd_node *n = NULL;
	char path[256];

	snprintf(path, sizeof(path), CIRCUIT "[name='%s']", key);
	assert_int_equal(lyd_find_path(*tree, path, 0, &n), LY_SUCCESS);
	lyd_free_tree(n);
}

static void
assert_same_str(const char *a, const char *b)
{
	if (a || b) {
		assert_non_null(a);
		assert_non_null(b);
		assert_string_equal(a, b);
	}
}

static void
assert_same_mem(const void *a, size_t na, const void *b, size_t nb, size_t size)
{
	assert_int_equal(na, nb);
	if (na)
		assert_memory_equal(a, b, na * size);
}

/* Two C views of one config: field by field, arrays by content. */
static void
assert_same_config(const struct er_config *a, const struct er_config *b)
{
	size_t i, j;

	assert_int_equal(a->n_circuits, b->n_circuits);
	for (i = 0; i < a->n_circuits; i++) {
		const struct er_circuit_cfg *x = &a->circuits[i], *y = &b->circuits[i];
		struct er_circuit_cfg xs = *x, ys = *y;

		assert_same_str(x->provider, y->provider);
		assert_same_str(x->location, y->location);
		assert_same_str(x->secondary_location, y->secondary_location);
		assert_same_mem(x->vnets, x->n_vnets, y->vnets, y->n_vnets, sizeof(*x->vnets));
		assert_int_equal(x->n_peerings, y->n_peerings);
		for (j = 0; j < x->n_peerings; j++) {
			struct er_peering_cfg xp = x->peerings[j], yp = y->peerings[j];

			assert_same_mem(xp.adv_public, xp.n_adv_public, yp.adv_public, yp.n_adv_public, sizeof(*xp.adv_public));
			assert_same_mem(xp.nat_pool, xp.n_nat_pool, yp.nat_pool, yp.n_nat_pool, sizeof(*xp.nat_pool));
			xp.adv_public = yp.adv_public = NULL;
			xp.nat_pool = yp.nat_pool = NULL;
			assert_memory_equal(&xp, &yp, sizeof(xp));
		}
		/* the rest of the struct, by value */
		xs.provider = ys.provider = xs.location = ys.location = NULL;
		xs.secondary_location = ys.secondary_location = NULL;
		xs.vnets = ys.vnets = NULL;
		xs.peerings = ys.peerings = NULL;
		assert_memory_equal(&xs, &ys, sizeof(xs));
	}
	assert_same_mem(a->link_subnets, a->n_link_subnets, b->link_subnets, b->n_link_subnets, sizeof(*a->link_subnets));
	assert_int_equal(a->n_peering_ifnames, b->n_peering_ifnames);
	for (i = 0; i < a->n_peering_ifnames; i++)
		assert_string_equal(a->peering_ifnames[i], b->peering_ifnames[i]);
}

/*
 * An edit scoped to some circuits leaves the datastore a spare copy of
 * running: the next txn starts from the old running tree patched (or the
 * aborted txn's tree patched back), not from a copy of the whole config,
 * and that tree prints exactly as running does.
 */
static void
test_scoped_edits_recycle_running(void **state)
{
	static const struct {
		const char *key;
		void (*change)(struct lyd_node **, const char *);
		bool commit;
	} steps[] = {
		{ "er-ams-1", set_maintenance, true },
		{ "er-new", add_circuit, true },
		{ "er-ams-1", set_maintenance, true },
		{ "er-new", set_maintenance, false },
		{ "er-new", drop_circuit, true },
		{ "er-ams-1", drop_circuit, false },
		{ "er-ams-1", set_maintenance, true },
	};
	struct er_ds *ds = ds_with_example();
	char err[ER_ERRLEN], *want, *got;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct er_ds_txn *txn = scoped_edit(ds, steps[i].key, steps[i].change), *next;
		const struct lyd_node *kept = steps[i].commit ? er_ds_running(ds) : er_ds_txn_peek(txn);
		unsigned long gen = er_ds_generation(ds);
		char *full = er_config_diff_paths(er_ds_running(ds), er_ds_txn_peek(txn), 8);
		char *scoped = er_ds_txn_diff_paths(txn, 8);

		/* the log line compares only the scope, and says what the whole comparison says */
		assert_non_null(full);
		assert_non_null(scoped);
		assert_string_equal(scoped, full);
		free(full);
		free(scoped);

		if (steps[i].commit) {
			const struct er_config *cfg;
			struct er_config *built = NULL;

			if (er_ds_txn_commit(txn, err, sizeof(err)) < 0)
				fail_msg("step %zu: %s", i, err);
			assert_int_equal(er_ds_generation(ds), gen + 1);
			/* the C view copied the circuits out of scope from the old one: as if built anew */
			cfg = er_ds_config(ds);
			assert_int_equal(er_config_from_tree(er_ds_running(ds), &built, err, sizeof(err)), 0);
			assert_same_config(cfg, built);
			er_config_free(built);
			er_ds_config_unref(cfg);
		} else
			er_ds_txn_abort(txn);
		next = er_ds_txn_begin(ds);
		/* the very tree, no copy: and it is running to the last default */
		assert_ptr_equal(er_ds_txn_peek(next), kept);
		assert_ptr_not_equal(er_ds_txn_peek(next), er_ds_running(ds));
		want = running_text(ds);
		got = all_text(next);
		assert_string_equal(got, want);
		free(want);
		free(got);
		er_ds_txn_abort(next); /* untouched: the spare again */
	}
	er_ds_free(ds);
}

static void
add_overlapping(struct lyd_node **tree, const char *key)
{
	static const char *const leaf[][2] = {
		{ "vlan-id", "200" },
		{ "customer-asn", "65010" },
		{ "ipv4/primary-subnet", "172.16.0.0/30" }, /* er-ams-1's */
		{ "ipv4/secondary-subnet", "172.16.0.8/30" },
	};
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(leaf) / sizeof(leaf[0]); i++) {
		snprintf(path, sizeof(path), CIRCUIT "[name='%s']/peering[type='azure-private']/%s", key, leaf[i][0]);
		assert_int_equal(lyd_new_path(*tree, NULL, path, leaf[i][1], 0, NULL), LY_SUCCESS);
	}
}

/* A rule YANG cannot express (rule 5, unique link subnets) refuses a scoped edit as it refuses any, word for word. */
static void
test_scoped_edit_refused_alike(void **state)
{
	struct er_ds *ds = ds_with_example();
	struct er_ds_txn *a = er_ds_txn_begin(ds), *b = er_ds_txn_begin(ds);
	const char *keys[] = { "er-dup" };
	char err1[ER_ERRLEN] = "", err2[ER_ERRLEN] = "", *before = running_text(ds), *after;

	(void)state;
	add_overlapping(er_ds_txn_tree(a), "er-dup");
	add_overlapping(er_ds_txn_tree_scoped(b, er_top(ds), "circuit", keys, 1), "er-dup");
	assert_int_equal(er_ds_txn_validate(a, err1, sizeof(err1)), -1);
	assert_int_equal(er_ds_txn_validate_entries(b, "circuit", keys, 1, err2, sizeof(err2)), -1);
	assert_string_equal(err2, err1);
	assert_non_null(strstr(err1, "overlaps"));
	er_ds_txn_abort(a);
	er_ds_txn_abort(b);
	after = running_text(ds);
	assert_string_equal(after, before);
	free(before);
	free(after);
	er_ds_free(ds);
}

/*
 * A txn that may have changed anything, or whose base is no longer
 * running, leaves no spare: the next one is a copy of running all the
 * same. (Which tree it is cannot be told by address: a freed tree's
 * memory holds the next copy.)
 */
static void
test_unscoped_edit_copies(void **state)
{
	struct er_ds *ds = ds_with_example();
	struct er_ds_txn *txn = er_ds_txn_begin(ds), *next;
	struct lyd_node *m = NULL;
	char err[ER_ERRLEN], *want, *got;

	(void)state;
	assert_int_equal(er_ds_txn_set(txn, CIRCUIT "[name='er-ams-1']/maintenance", "true", err, sizeof(err)), 0);
	assert_int_equal(er_ds_txn_commit(txn, err, sizeof(err)), 0);
	next = er_ds_txn_begin(ds);
	want = running_text(ds);
	got = all_text(next);
	assert_string_equal(got, want);
	free(want);
	free(got);
	/* a scoped txn whose base is no longer running (running changed meanwhile) is not kept either */
	txn = scoped_edit(ds, "er-ams-1", set_maintenance);
	/* running gets the other value: a stale tree kept would print differently */
	assert_int_equal(lyd_find_path(er_ds_txn_peek(txn), CIRCUIT "[name='er-ams-1']/maintenance", 0, &m), LY_SUCCESS);
	assert_int_equal(er_ds_txn_set(next, CIRCUIT "[name='er-ams-1']/maintenance",
	                     strcmp(lyd_get_value(m), "true") ? "true" : "false", err, sizeof(err)),
	    0);
	assert_int_equal(er_ds_txn_commit(next, err, sizeof(err)), 0);
	er_ds_txn_abort(txn);
	next = er_ds_txn_begin(ds);
	want = running_text(ds);
	got = all_text(next);
	assert_string_equal(got, want);
	free(want);
	free(got);
	er_ds_txn_abort(next);
	er_ds_free(ds);
}

/*
 * er_ds_txn_validate_entries() is sound only while no YANG constraint
 * relates two circuits: no must, unique, min/max-elements on the list, no
 * leafref to a circuit, and when-conditions that stay inside their
 * circuit. A leafref out of the circuit list (to agent/partner or a
 * resiliency-group) is sound: the scoped copy keeps everything that is not
 * a circuit, and an edit of those nodes is not circuit-only.
 */
static void
test_model_relates_no_circuits(void **state)
{
	struct er_ds *ds = ds_with_example();
	const struct lysc_node *circ = lys_find_path(er_ds_ctx(ds), NULL, "/" ER_YANG_MODULE ":expressroute/circuit", 0),
			       *n;
	const struct lysc_node_list *l = (const struct lysc_node_list *)circ;

	(void)state;
	assert_non_null(circ);
	assert_int_equal(l->min, 0);
	assert_int_equal(l->max, UINT32_MAX);
	LYSC_TREE_DFS_BEGIN(circ, n) {
		LY_ARRAY_COUNT_TYPE u;
		struct lysc_when **w = lysc_node_when(n);
		int depth = 0;
		const struct lysc_node *p;

		for (p = n; p != circ; p = p->parent)
			depth++;
		if (lysc_node_musts(n))
			fail_msg("%s has a must", n->name);
		if (n->nodetype == LYS_LIST && ((const struct lysc_node_list *)n)->uniques)
			fail_msg("%s has unique", n->name);
		if ((n->nodetype & LYD_NODE_TERM) && ((const struct lysc_node_leaf *)n)->type->basetype == LY_TYPE_LEAFREF) {
			const char *target = lyxp_get_expr(((const struct lysc_type_leafref *)((const struct lysc_node_leaf *)n)->type)->path);
			if (strncmp(target, "/err:expressroute/err:agent/", 28) &&
			    strncmp(target, "/err:expressroute/err:resiliency-group/", 39))
				fail_msg("%s is a leafref to %s", n->name, target);
		}
		LY_ARRAY_FOR(w, u) {
			const char *e = lyxp_get_expr(w[u]->cond), *q = e;
			int up = 0;
			while ((q = strstr(q, "../"))) {
				up++;
				q += 3;
			}
			if (e[0] == '/' || up >= depth + (w[u]->context == n ? 0 : 1))
				fail_msg("when \"%s\" on %s may reach outside its circuit", e, n->name);
		}
		LYSC_TREE_DFS_END(circ, n);
	}
	er_ds_free(ds);
}

static void
test_save_atomic(void **state)
{
	struct er_ds *ds = ds_with_example(), *ds2;
	char err[ER_ERRLEN], *dir = tmpdir_new(), path[512];
	char *a, *b;
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/running.json", dir);
	assert_int_equal(er_ds_save(ds, path, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_non_null(ds2 = er_ds_new(err, sizeof(err)));
	assert_int_equal(er_ds_load_file(ds2, path, err, sizeof(err)), 0);
	a = er_ds_print(ds, ER_FMT_JSON, true);
	b = er_ds_print(ds2, ER_FMT_JSON, true);
	assert_string_equal(a, b);
	free(a);
	free(b);
	er_ds_free(ds2);
	rm_rf(dir);
	er_ds_free(ds);
}

/* Fails after 100 bytes, as a full disk would. */
static size_t written;

static ssize_t
failing_write(int fd, const void *buf, size_t len)
{
	size_t n = len;

	if (written >= 100) {
		errno = ENOSPC;
		return -1;
	}
	if (n > 100 - written)
		n = 100 - written;
	written += n;
	return write(fd, buf, n);
}

static void
test_save_failure_keeps_old_file(void **state)
{
	struct er_ds *ds = ds_with_example();
	struct er_ds_txn *txn;
	char err[ER_ERRLEN], *dir = tmpdir_new(), path[512], *before, *after, cmd[600];
	FILE *p;

	(void)state;
	snprintf(path, sizeof(path), "%s/running.json", dir);
	assert_int_equal(er_ds_save(ds, path, err, sizeof(err)), 0);
	before = fx_read_data(path);

	txn = er_ds_txn_begin(ds);
	assert_int_equal(er_ds_txn_set(txn, "/expressroute-readiness:expressroute/agent/poll-interval", "300", err,
	    sizeof(err)), 0);
	assert_int_equal(er_ds_txn_commit(txn, err, sizeof(err)), 0);
	written = 0;
	er_ds_set_write_fn(ds, failing_write);
	assert_int_equal(er_ds_save(ds, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot write: No space left on device"));
	after = fx_read_data(path);
	assert_string_equal(before, after); /* the old file, whole */

	/* No temporary file is left behind. */
	snprintf(cmd, sizeof(cmd), "ls '%s' | wc -l", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fgetc(p), '1');
	pclose(p);

	er_ds_set_write_fn(ds, NULL);
	assert_int_equal(er_ds_save(ds, path, err, sizeof(err)), 0);
	free(after);
	after = fx_read_data(path);
	assert_non_null(strstr(after, "\"poll-interval\": 300"));
	free(before);
	free(after);
	rm_rf(dir);
	er_ds_free(ds);
}

static void
test_save_unwritable_dir(void **state)
{
	struct er_ds *ds = ds_with_example();
	char err[ER_ERRLEN];

	(void)state;
	assert_int_equal(er_ds_save(ds, "/nonexistent-dir/running.json", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot create temporary file"));
	er_ds_free(ds);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_example),
		cmocka_unit_test(test_validate_entries_same_as_full),
		cmocka_unit_test(test_scoped_edits_recycle_running),
		cmocka_unit_test(test_unscoped_edit_copies),
		cmocka_unit_test(test_scoped_edit_refused_alike),
		cmocka_unit_test(test_model_relates_no_circuits),
		cmocka_unit_test(test_block_29_splits),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_md5_write_only),
		cmocka_unit_test(test_communities_write_only),
		cmocka_unit_test(test_bad_file_keeps_previous),
		cmocka_unit_test(test_edit_set_and_commit),
		cmocka_unit_test(test_edit_rejected_changes_nothing),
		cmocka_unit_test(test_merge_edit),
		cmocka_unit_test(test_save_atomic),
		cmocka_unit_test(test_save_failure_keeps_old_file),
		cmocka_unit_test(test_save_unwritable_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
