/*
 * Alert policy: hold-down (a change that reverts in time is never sent),
 * maintenance suppression, order, the bounded queue and the rate limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alerts.h"

static struct er_event
session(const char *circuit, int oldv, int newv)
{
	struct er_event e;

	memset(&e, 0, sizeof(e));
	e.kind = ER_EV_BGP_SESSION_CHANGED;
	snprintf(e.circuit, sizeof(e.circuit), "%s", circuit);
	e.peering = ER_PEERING_PRIVATE;
	e.path = ER_PATH_SECONDARY;
	e.neighbor.family = ER_AF_INET;
	e.neighbor.bytes[0] = 172;
	e.neighbor.bytes[3] = 6;
	e.old_value = oldv;
	e.new_value = newv;
	return e;
}

static struct er_event
redundancy(enum er_event_kind k)
{
	struct er_event e = session("c1", 0, 0);

	e.kind = k;
	return e;
}

static void
push1(struct er_alerts *a, struct er_event e, uint64_t now)
{
	struct er_event_list l = { &e, 1, 1 };

	er_alerts_push(a, &l, now);
}

static void
test_no_hold_down(void **state)
{
	struct er_alerts *a = er_alerts_new();
	struct er_event out;

	(void)state;
	er_alerts_configure(a, 0, 10, 100);
	push1(a, session("c1", 6, 3), 1000);
	assert_true(er_alerts_pop(a, 1000, &out));
	assert_int_equal(out.new_value, 3);
	assert_false(er_alerts_pop(a, 1000, &out));
	er_alerts_free(a);
}

static void
test_flap_within_hold_down_is_silent(void **state)
{
	struct er_alerts *a = er_alerts_new();
	struct er_event out;
	struct er_alerts_stats st;

	(void)state;
	er_alerts_configure(a, 10, 10, 100);
	push1(a, session("c1", 6, 3), 1000);
	push1(a, redundancy(ER_EV_REDUNDANCY_LOST), 1000);
	assert_false(er_alerts_pop(a, 5000, &out));
	assert_int_equal(er_alerts_next_ms(a, 5000), 11000);
	push1(a, session("c1", 3, 6), 6000); /* back up: both cancel */
	push1(a, redundancy(ER_EV_REDUNDANCY_RESTORED), 6000);
	assert_false(er_alerts_pop(a, 20000, &out));
	assert_int_equal(er_alerts_pending(a), 0);
	er_alerts_stats(a, &st);
	assert_int_equal(st.cancelled, 4);
	assert_int_equal(st.sent, 0);
	er_alerts_free(a);
}

static void
test_change_that_holds_is_sent_once(void **state)
{
	struct er_alerts *a = er_alerts_new();
	struct er_event out;

	(void)state;
	er_alerts_configure(a, 10, 10, 100);
	push1(a, session("c1", 6, 3), 1000);
	push1(a, session("c1", 3, 1), 4000); /* further change: old stays 6, timer restarts */
	assert_false(er_alerts_pop(a, 11000, &out));
	assert_true(er_alerts_pop(a, 14000, &out));
	assert_int_equal(out.old_value, 6);
	assert_int_equal(out.new_value, 1);
	assert_false(er_alerts_pop(a, 30000, &out));
	er_alerts_free(a);
}

/* Sessions change across Established: Established -> Active -> ... -> Idle is still down. */
static void
test_bgp_flap_across_established(void **state)
{
	struct er_alerts *a = er_alerts_new();
	struct er_event out;

	(void)state;
	er_alerts_configure(a, 10, 10, 100);
	push1(a, session("c1", 1, 6), 1000); /* Idle -> Established */
	push1(a, session("c1", 6, 3), 3000); /* -> Active: back down, within the hold-down */
	assert_false(er_alerts_pop(a, 30000, &out));
	assert_int_equal(er_alerts_pending(a), 0);
	er_alerts_free(a);
}

/* A change held when the circuit enters maintenance is never sent. */
static void
test_maintenance_cancels_held(void **state)
{
	struct er_alerts *a = er_alerts_new();
	struct er_event out, restored = redundancy(ER_EV_REDUNDANCY_RESTORED);

	(void)state;
	er_alerts_configure(a, 10, 10, 100);
	push1(a, redundancy(ER_EV_REDUNDANCY_LOST), 1000);
	restored.maintenance = true;
	push1(a, restored, 3000);
	assert_false(er_alerts_pop(a, 30000, &out));
	assert_int_equal(er_alerts_pending(a), 0);
	er_alerts_free(a);
}

static void
test_maintenance_suppressed(void **state)
{
	struct er_alerts *a = er_alerts_new();
	struct er_event out, e = session("c1", 6, 3);
	struct er_alerts_stats st;

	(void)state;
	er_alerts_configure(a, 0, 10, 100);
	e.maintenance = true;
	push1(a, e, 1000);
	assert_false(er_alerts_pop(a, 2000, &out));
	er_alerts_stats(a, &st);
	assert_int_equal(st.suppressed, 1);
	er_alerts_free(a);
}

static void
test_queue_bound_and_order(void **state)
{
	struct er_alerts *a = er_alerts_new();
	struct er_event out;
	struct er_alerts_stats st;
	char name[16];
	int i;

	(void)state;
	er_alerts_configure(a, 0, 5, 10000);
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		push1(a, session(name, 6, 3), 1000);
	}
	er_alerts_stats(a, &st);
	assert_int_equal(st.dropped, 3); /* the oldest go */
	for (i = 3; i < 8; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		assert_true(er_alerts_pop(a, 1000, &out));
		assert_string_equal(out.circuit, name);
		if (i == 3) { /* could not be sent: it stays first */
			er_alerts_unpop(a, &out);
			assert_true(er_alerts_pop(a, 1000, &out));
			assert_string_equal(out.circuit, name);
		}
	}
	assert_false(er_alerts_pop(a, 1000, &out));
	er_alerts_free(a);
}

static void
test_rate_limit(void **state)
{
	struct er_alerts *a = er_alerts_new();
	struct er_event out;
	char name[16];
	int i, sent = 0;
	uint64_t t;

	(void)state;
	er_alerts_configure(a, 0, 1000, 100);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		push1(a, session(name, 6, 3), 1000);
	}
	while (er_alerts_pop(a, 1000, &out))
		sent++;
	assert_int_equal(sent, 10); /* a tenth of a second's worth at once */
	t = er_alerts_next_ms(a, 1000);
	assert_true(t > 1000 && t <= 1011);
	for (t = 1010; t <= 11000; t += 10)
		while (er_alerts_pop(a, t, &out))
			sent++;
	assert_int_equal(sent, 1000);
	er_alerts_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_hold_down),
		cmocka_unit_test(test_flap_within_hold_down_is_silent),
		cmocka_unit_test(test_change_that_holds_is_sent_once),
		cmocka_unit_test(test_maintenance_suppressed),
		cmocka_unit_test(test_bgp_flap_across_established),
		cmocka_unit_test(test_maintenance_cancels_held),
		cmocka_unit_test(test_queue_bound_and_order),
		cmocka_unit_test(test_rate_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
