/*
 * The SNMP view of a snapshot: a walk from the root visits every instance
 * once, in strictly increasing OID order, and agrees with GET; the edges
 * (noSuchObject, noSuchInstance, end of MIB, partial OIDs) answer as SNMP
 * says; writable objects are found with their row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "snmp_mib.h"

static const uint32_t ROOT[] = { ER_MIB_ROOT };

struct ctx {
	struct fx fx;
	struct er_snapshot *snap;
	struct er_mib *mib;
};

static int
setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	char *cfg = fx_read_data(FX_CONFIG);
	char *obs = fx_read_data(FX_OBSERVED);

	fx_load(&c->fx, cfg, obs);
	free(cfg);
	free(obs);
	c->snap = er_evaluate(c->fx.cfg, c->fx.obs, NULL, 1795000000);
	c->mib = er_mib_new(c->snap);
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;

	er_mib_free(c->mib);
	er_snapshot_unref(c->snap);
	fx_free(&c->fx);
	free(c);
	return 0;
}

static int
oid_cmp(const uint32_t *a, size_t al, const uint32_t *b, size_t bl)
{
	size_t i;

	for (i = 0; i < al && i < bl; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return al < bl ? -1 : al > bl ? 1 : 0;
}

static size_t
oid_of(uint32_t *o, const uint32_t *rel, size_t n)
{
	memcpy(o, ROOT, sizeof(ROOT));
	memcpy(o + ER_MIB_ROOT_LEN, rel, n * sizeof(*rel));
	return ER_MIB_ROOT_LEN + n;
}

/* Walk the whole MIB: strictly increasing, every answer equals GET, count matches. */
static void
test_walk(void **state)
{
	struct ctx *c = *state;
	uint32_t cur[ER_MIB_MAX_OID], next[ER_MIB_MAX_OID];
	size_t len = ER_MIB_ROOT_LEN, nlen, n = 0, sessions = 0, v6 = 0;
	struct er_mib_value v, g;

	memcpy(cur, ROOT, sizeof(ROOT));
	while (er_mib_next(c->mib, cur, len, false, next, &nlen, &v) == ER_MIB_FOUND) {
		assert_true(oid_cmp(cur, len, next, nlen) < 0);
		assert_int_equal(oid_cmp(next, ER_MIB_ROOT_LEN, ROOT, ER_MIB_ROOT_LEN), 0);
		assert_int_equal(er_mib_get(c->mib, next, nlen, &g), ER_MIB_FOUND);
		assert_int_equal(g.type, v.type);
		if (v.type == ER_MIB_OCTETS) {
			assert_int_equal(g.len, v.len);
		} else {
			assert_true(g.num == v.num);
		}
		if (next[ER_MIB_ROOT_LEN + 1] == 6 && next[ER_MIB_ROOT_LEN + 3] == 6) {
			sessions++; /* erSessionState */
			if (next[nlen - 17] == 2)
				v6++;
		}
		memcpy(cur, next, nlen * sizeof(*next));
		len = nlen;
		n++;
		assert_true(n < 100000);
	}
	assert_int_equal(n, er_mib_count(c->mib));
	/* 2 peerings x 2 links with IPv4, private peering also IPv6 per the example */
	assert_true(sessions >= 4);
	assert_true(n > 500);
	(void)v6;
}

static void
test_get_edges(void **state)
{
	struct ctx *c = *state;
	uint32_t o[ER_MIB_MAX_OID];
	struct er_mib_value v;
	static const uint32_t readiness[] = { 1, 1, 1, 0 }, poll[] = { 1, 2, 1, 0 };
	static const uint32_t nocol[] = { 1, 2, 9, 0 }, noinst[] = { 1, 1, 1, 1 }, table[] = { 1, 3, 1, 2 };
	static const uint32_t notif[] = { 1, 11, 1, 0 }, cnot[] = { 1, 3, 1, 2, 3, 'x', 'y', 'z' };

	assert_int_equal(er_mib_get(c->mib, o, oid_of(o, readiness, 4), &v), ER_MIB_FOUND);
	assert_int_equal(v.type, ER_MIB_INTEGER);
	assert_int_equal(v.num, c->snap->overall.readiness);
	assert_int_equal(er_mib_get(c->mib, o, oid_of(o, poll, 4), &v), ER_MIB_FOUND);
	assert_int_equal(v.type, ER_MIB_GAUGE);
	assert_int_equal(v.num, 30);
	assert_int_equal(er_mib_get(c->mib, o, oid_of(o, nocol, 4), &v), ER_MIB_NO_OBJECT);
	assert_int_equal(er_mib_get(c->mib, o, oid_of(o, noinst, 4), &v), ER_MIB_NO_INSTANCE);
	assert_int_equal(er_mib_get(c->mib, o, oid_of(o, table, 4), &v), ER_MIB_NO_INSTANCE);
	assert_int_equal(er_mib_get(c->mib, o, oid_of(o, notif, 4), &v), ER_MIB_NO_OBJECT);
	assert_int_equal(er_mib_get(c->mib, o, oid_of(o, cnot, 8), &v), ER_MIB_NO_INSTANCE);
	assert_int_equal(er_mib_get(c->mib, ROOT, 3, &v), ER_MIB_NO_OBJECT);
}

static void
test_next_edges(void **state)
{
	struct ctx *c = *state;
	uint32_t o[ER_MIB_MAX_OID], out[ER_MIB_MAX_OID];
	size_t olen;
	struct er_mib_value v;
	static const uint32_t first[] = { 1, 1, 1, 0 }, last_summary[] = { 1, 1, 6, 0 }, settings1[] = { 1, 2, 1, 0 };
	static const uint32_t conf[] = { 2 }, notifs[] = { 0, 5 }, table[] = { 1, 3 }, col[] = { 1, 3, 1, 2 };
	static const uint32_t past_col[] = { 1, 3, 1, 99 }, peering[] = { 1, 4, 1 };
	static const uint32_t before[] = { 1, 3, 6, 1, 4, 1, 8072 };

	/* from before the module and from its notifications arc: the first instance */
	assert_int_equal(er_mib_next(c->mib, before, 7, false, out, &olen, &v), ER_MIB_FOUND);
	assert_int_equal(oid_cmp(out, olen, o, oid_of(o, first, 4)), 0);
	assert_int_equal(er_mib_next(c->mib, o, oid_of(o, notifs, 2), false, out, &olen, &v), ER_MIB_FOUND);
	assert_int_equal(oid_cmp(out, olen, o, oid_of(o, first, 4)), 0);
	/* inclusive: the instance itself */
	assert_int_equal(er_mib_next(c->mib, o, oid_of(o, first, 4), true, out, &olen, &v), ER_MIB_FOUND);
	assert_int_equal(oid_cmp(out, olen, o, oid_of(o, first, 4)), 0);
	/* from the last summary scalar into the settings */
	assert_int_equal(er_mib_next(c->mib, o, oid_of(o, last_summary, 4), false, out, &olen, &v), ER_MIB_FOUND);
	assert_int_equal(oid_cmp(out, olen, o, oid_of(o, settings1, 4)), 0);
	/* partial OIDs: a table, a column, a column past the last */
	assert_int_equal(er_mib_next(c->mib, o, oid_of(o, table, 2), false, out, &olen, &v), ER_MIB_FOUND);
	assert_int_equal(oid_cmp(out, 13, o, oid_of(o, col, 4)), 0);
	assert_int_equal(er_mib_next(c->mib, o, oid_of(o, col, 4), false, out, &olen, &v), ER_MIB_FOUND);
	assert_int_equal(oid_cmp(out, 13, o, oid_of(o, col, 4)), 0);
	assert_int_equal(er_mib_next(c->mib, o, oid_of(o, past_col, 4), false, out, &olen, &v), ER_MIB_FOUND);
	assert_int_equal(oid_cmp(out, 12, o, oid_of(o, peering, 3)), 0);
	/* conformance and beyond: nothing */
	assert_int_equal(er_mib_next(c->mib, o, oid_of(o, conf, 1), false, out, &olen, &v), ER_MIB_END);
}

static void
test_writable(void **state)
{
	struct ctx *c = *state;
	uint32_t o[ER_MIB_MAX_OID];
	struct er_mib_target t;
	uint32_t rel[96] = { 1, 3, 1, 12 };
	const char *name = c->fx.cfg->circuits[0].name;
	size_t n = 4, i;
	static const uint32_t poll[] = { 1, 2, 1, 0 }, hold[] = { 1, 2, 2, 0 };

	er_mib_target(c->mib, o, oid_of(o, poll, 4), &t);
	assert_int_equal(t.what, ER_MIB_W_POLL_INTERVAL);
	assert_true(t.exists);
	er_mib_target(c->mib, o, oid_of(o, hold, 4), &t);
	assert_int_equal(t.what, ER_MIB_W_NONE);

	rel[n++] = (uint32_t)strlen(name);
	for (i = 0; name[i]; i++)
		rel[n++] = (uint8_t)name[i];
	er_mib_target(c->mib, o, oid_of(o, rel, n), &t);
	assert_int_equal(t.what, ER_MIB_W_MAINTENANCE);
	assert_true(t.exists);
	assert_string_equal(t.circuit, name);

	rel[1] = 4;
	rel[3] = 23;
	rel[n] = ER_PEERING_MICROSOFT;
	er_mib_target(c->mib, o, oid_of(o, rel, n + 1), &t);
	assert_int_equal(t.what, ER_MIB_W_LIMIT_WARN);
	assert_true(t.exists);
	assert_int_equal(t.peering, ER_PEERING_MICROSOFT);
	rel[n] = ER_PEERING_PUBLIC; /* not configured: no row to create */
	er_mib_target(c->mib, o, oid_of(o, rel, n + 1), &t);
	assert_int_equal(t.what, ER_MIB_W_LIMIT_WARN);
	assert_false(t.exists);
}

/* erCircuitProvider is SIZE (0..128) octets: a 100-character UTF-8 provider (200 octets) is cut at a character. */
static void
test_octet_limit(void **state)
{
	struct fx fx;
	char *cfg = fx_read_data(FX_CONFIG), *obs = fx_read_data(FX_OBSERVED), prov[256] = "", *edited;
	struct er_snapshot *snap;
	struct er_mib *mib;
	struct er_mib_value v;
	uint32_t o[ER_MIB_MAX_OID], rel[80] = { 1, 3, 1, 3 };
	size_t n = 4, i;
	int k;

	(void)state;
	for (k = 0; k < 100; k++)
		strcat(prov, "\xc3\xa9"); /* e acute */
	edited = fx_replace(cfg, "\"Equinix\"", "\"PROVIDER\"");
	free(cfg);
	cfg = fx_replace(edited, "PROVIDER", prov);
	free(edited);
	fx_load(&fx, cfg, obs);
	snap = er_evaluate(fx.cfg, fx.obs, NULL, 1795000000);
	mib = er_mib_new(snap);
	rel[n++] = (uint32_t)strlen(fx.cfg->circuits[0].name);
	for (i = 0; fx.cfg->circuits[0].name[i]; i++)
		rel[n++] = (uint8_t)fx.cfg->circuits[0].name[i];
	assert_int_equal(er_mib_get(mib, o, oid_of(o, rel, n), &v), ER_MIB_FOUND);
	assert_int_equal(v.len, 128);
	assert_memory_equal(v.octets, prov, 128);
	er_mib_free(mib);
	er_snapshot_unref(snap);
	fx_free(&fx);
	free(cfg);
	free(obs);
}

static void
test_date_and_time(void **state)
{
	uint8_t b[11];

	(void)state;
	assert_int_equal(er_mib_date_and_time(0, b), 8);
	assert_int_equal(b[0] | b[1] | b[2] | b[7], 0);
	assert_int_equal(er_mib_date_and_time(1795000000, b), 11); /* 2026-11-18T11:06:40Z */
	assert_int_equal((b[0] << 8) | b[1], 2026);
	assert_int_equal(b[2], 11);
	assert_int_equal(b[3], 18);
	assert_int_equal(b[4], 11);
	assert_int_equal(b[5], 6);
	assert_int_equal(b[6], 40);
	assert_int_equal(b[8], '+');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writable, setup, teardown),
		cmocka_unit_test(test_octet_limit),
		cmocka_unit_test(test_date_and_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
