/* Events from consecutive snapshots: what traps and notifications will carry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "events.h"
#include "fixture.h"

/* 172.16.0.6 (private secondary) goes from Established to Active. */
#define SEC_UP "\"address\": \"172.16.0.6\", \"local-address\": \"172.16.0.5\", \"interface\": \"eth2.100\",\n        \"remote-as\": 12076, \"local-as\": 65010, \"state\": \"established\""
#define SEC_DOWN "\"address\": \"172.16.0.6\", \"local-address\": \"172.16.0.5\", \"interface\": \"eth2.100\",\n        \"remote-as\": 12076, \"local-as\": 65010, \"state\": \"active\", \"last-error\": \"Hold Timer Expired\""

static struct er_snapshot *
snapshot_of(struct fx *fx, const char *observed, long long t)
{
	char *cfg = fx_read_data(FX_CONFIG);
	struct er_snapshot *s;

	fx_load(fx, cfg, observed);
	s = er_evaluate(fx->cfg, fx->obs, NULL, t);
	free(cfg);
	return s;
}

static const struct er_event *
find(const struct er_event_list *l, enum er_event_kind k, const char *id_or_circuit)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].kind == k && (!id_or_circuit || !strcmp(l->v[i].check_id, id_or_circuit) ||
		                             (k != ER_EV_CHECK_STATUS_CHANGED && !strcmp(l->v[i].circuit, id_or_circuit))))
			return &l->v[i];
	return NULL;
}

static void
test_session_down_and_back(void **state)
{
	char *healthy = fx_read_data(FX_OBSERVED), *down = fx_replace(healthy, SEC_UP, SEC_DOWN), a[64];
	struct fx f1, f2, f3;
	struct er_snapshot *s1 = snapshot_of(&f1, healthy, 1000), *s2 = snapshot_of(&f2, down, 1030);
	struct er_snapshot *s3 = snapshot_of(&f3, healthy, 1060);
	struct er_event_list l = { 0 };
	const struct er_event *e;

	(void)state;
	er_events_diff(NULL, s1, &l);
	assert_int_equal(l.n, 0); /* first evaluation: nothing to compare */

	er_events_diff(s1, s2, &l);
	e = find(&l, ER_EV_BGP_SESSION_CHANGED, "er-ams-1");
	assert_non_null(e);
	assert_int_equal(e->peering, ER_PEERING_PRIVATE);
	assert_int_equal(e->path, ER_PATH_SECONDARY);
	assert_string_equal(er_addr_str(&e->neighbor, a, sizeof(a)), "172.16.0.6");
	assert_int_equal(e->old_value, ER_BGP_ESTABLISHED);
	assert_int_equal(e->new_value, ER_BGP_ACTIVE);
	assert_string_equal(e->detail, "secondary session to 172.16.0.6 Established -> Active: Hold Timer Expired");
	e = find(&l, ER_EV_REDUNDANCY_LOST, "er-ams-1");
	assert_non_null(e);
	assert_int_equal(e->sessions_up, 1);
	assert_int_equal(e->path, ER_PATH_SECONDARY);
	assert_string_equal(e->detail,
	    "Azure private peering: 1 of 2 links Established (172.16.0.6 down): redundancy lost, availability SLA void");
	e = find(&l, ER_EV_CHECK_STATUS_CHANGED, "bgp-both-established/er-ams-1/azure-private/secondary");
	assert_non_null(e);
	assert_int_equal(e->code, 20);
	assert_int_equal(e->old_value, ER_PASS);
	assert_int_equal(e->new_value, ER_FAIL);
	assert_string_equal(e->detail, "secondary session to 172.16.0.6 is Active, not Established: redundancy lost, "
	                               "availability SLA void (last error: Hold Timer Expired)");
	e = find(&l, ER_EV_READINESS_CHANGED, "");
	assert_non_null(e);
	/* one router holds both links: healthy reads degraded (check 11) */
	assert_int_equal(e->old_value, ER_DEGRADED);
	assert_int_equal(e->new_value, ER_NOT_READY);
	assert_non_null(find(&l, ER_EV_READINESS_CHANGED, "er-ams-1"));
	assert_null(find(&l, ER_EV_REDUNDANCY_RESTORED, NULL));
	er_event_list_free(&l);

	er_events_diff(s2, s3, &l);
	e = find(&l, ER_EV_REDUNDANCY_RESTORED, "er-ams-1");
	assert_non_null(e);
	assert_int_equal(e->sessions_up, 2);
	assert_string_equal(e->detail, "Azure private peering: both links Established again");
	e = find(&l, ER_EV_BGP_SESSION_CHANGED, "er-ams-1");
	assert_non_null(e);
	assert_int_equal(e->new_value, ER_BGP_ESTABLISHED);
	assert_null(find(&l, ER_EV_REDUNDANCY_LOST, NULL));
	er_event_list_free(&l);

	/* No change, no event. */
	er_events_diff(s1, s3, &l);
	assert_int_equal(l.n, 0);
	er_event_list_free(&l);

	er_snapshot_unref(s1);
	er_snapshot_unref(s2);
	er_snapshot_unref(s3);
	fx_free(&f1);
	fx_free(&f2);
	fx_free(&f3);
	free(healthy);
	free(down);
}

/* The two-router example (ce-a) with partner ce-b's healthy reply: it reads ready. */
static struct er_snapshot *
two_router_snapshot_of(struct fx *fx, const char *observed, long long t)
{
	char *cfg = fx_read_data(ERREADY_SOURCE_DIR "/examples/erready-two-routers.json");
	struct er_snapshot *s;

	fx_load(fx, cfg, observed);
	fx_partner(fx, "ce-b", "partner/ce-b-healthy.xml");
	s = er_evaluate(fx->cfg, fx->obs, NULL, t);
	free(cfg);
	return s;
}

static void
test_bgp_unknown_is_not_a_session_change(void **state)
{
	char *healthy = fx_read_data("observed-two-circuits.json");
	struct fx f1, f2;
	struct er_snapshot *s1 = two_router_snapshot_of(&f1, healthy, 1000), *s2 = two_router_snapshot_of(&f2, "{}", 1030);
	struct er_event_list l = { 0 };

	(void)state;
	er_events_diff(s1, s2, &l);
	assert_null(find(&l, ER_EV_BGP_SESSION_CHANGED, NULL));
	assert_null(find(&l, ER_EV_REDUNDANCY_LOST, NULL));
	/* The checks themselves do change: pass -> unknown. */
	assert_non_null(find(&l, ER_EV_CHECK_STATUS_CHANGED, "bgp-both-established/er-ams-1/azure-private/primary"));
	assert_int_equal(s1->overall.readiness, ER_READY);
	assert_non_null(find(&l, ER_EV_READINESS_CHANGED, ""));
	assert_int_equal(find(&l, ER_EV_READINESS_CHANGED, "")->new_value, ER_UNKNOWN_READINESS);
	er_event_list_free(&l);
	er_snapshot_unref(s1);
	er_snapshot_unref(s2);
	fx_free(&f1);
	fx_free(&f2);
	free(healthy);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_down_and_back),
		cmocka_unit_test(test_bgp_unknown_is_not_a_session_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
