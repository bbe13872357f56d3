/*
 * nc_gate.c: admission of unauthenticated SSH connections as sshd's
 * MaxStartups, PerSourceMaxStartups and PerSourcePenalties decide it, with
 * the time and the random numbers given by the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "nc_gate.h"

static const struct er_nc_gate_cfg dflt = {
	.start = 10, .rate = 30, .full = 100, .per_source = 10,
	.penalty_authfail_ms = 5000, .penalty_noauth_ms = 1000, .penalty_grace_ms = 10000,
	.penalty_min_ms = 15000, .penalty_max_ms = 600000,
	.log_burst = 3, .log_interval_ms = 60000,
};

static void
per_source_limit(void **state)
{
	struct er_nc_gate *g = er_nc_gate_new(&dflt);
	int i;

	(void)state;
	/* rnd 99: never below a drop probability < 100 %, so only the limits refuse */
	for (i = 0; i < 10; i++)
		assert_int_equal(er_nc_gate_admit(g, "127.0.0.2", 1000, 99), ER_NC_GATE_ADMIT);
	assert_int_equal(er_nc_gate_admit(g, "127.0.0.2", 1000, 99), ER_NC_GATE_PER_SOURCE);
	assert_int_equal(er_nc_gate_pending(g), 10);
	/* another address is not held back by the first one's ten */
	assert_int_equal(er_nc_gate_admit(g, "127.0.0.1", 1000, 0), ER_NC_GATE_ADMIT);
	er_nc_gate_release(g, "127.0.0.2");
	assert_int_equal(er_nc_gate_pending(g), 10);
	assert_int_equal(er_nc_gate_admit(g, "127.0.0.2", 1000, 99), ER_NC_GATE_ADMIT);
	assert_string_equal(er_nc_gate_verdict_str(ER_NC_GATE_PER_SOURCE),
	    "too many unauthenticated connections from this address (per-source-max-startups)");
	er_nc_gate_free(g);
}

static void
random_early_drop(void **state)
{
	struct er_nc_gate_cfg c = dflt;
	struct er_nc_gate *g;
	char host[32];
	int i;

	(void)state;
	c.per_source = 0;
	g = er_nc_gate_new(&c);
	for (i = 0; i < 10; i++)
		assert_int_equal(er_nc_gate_admit(g, "10.0.0.1", 0, 0), ER_NC_GATE_ADMIT);
	/* 10 pending = start: 30 % dropped; rnd % 100 = 29 drops, 30 passes */
	assert_int_equal(er_nc_gate_admit(g, "10.0.0.1", 0, 29), ER_NC_GATE_EARLY_DROP);
	assert_int_equal(er_nc_gate_admit(g, "10.0.0.1", 0, 130), ER_NC_GATE_ADMIT);
	/* 11 pending: 30 + 70 * 1 / 90 = 30 % (integer) */
	assert_int_equal(er_nc_gate_admit(g, "10.0.0.1", 0, 30), ER_NC_GATE_ADMIT);
	/* 12 pending ... up to 55: p = 30 + 70 * 45 / 90 = 65 % */
	for (i = 12; i < 55; i++)
		assert_int_equal(er_nc_gate_admit(g, "10.0.0.1", 0, 99), ER_NC_GATE_ADMIT);
	assert_int_equal(er_nc_gate_admit(g, "10.0.0.1", 0, 64), ER_NC_GATE_EARLY_DROP);
	assert_int_equal(er_nc_gate_admit(g, "10.0.0.1", 0, 65), ER_NC_GATE_ADMIT);
	/* a source with nothing in progress is not dropped early, whatever rnd */
	assert_int_equal(er_nc_gate_admit(g, "10.0.0.9", 0, 0), ER_NC_GATE_ADMIT);
	/* ... its second one is */
	assert_int_equal(er_nc_gate_admit(g, "10.0.0.9", 0, 0), ER_NC_GATE_EARLY_DROP);
	/* fill to full (100): then everyone is refused, new sources too */
	for (i = (int)er_nc_gate_pending(g); i < 100; i++) {
		snprintf(host, sizeof(host), "10.1.0.%d", i);
		assert_int_equal(er_nc_gate_admit(g, host, 0, 0), ER_NC_GATE_ADMIT);
	}
	assert_int_equal(er_nc_gate_admit(g, "10.2.0.1", 0, 99), ER_NC_GATE_FULL);
	er_nc_gate_release(g, "10.1.0.99");
	assert_int_equal(er_nc_gate_admit(g, "10.2.0.1", 0, 0), ER_NC_GATE_ADMIT);
	er_nc_gate_free(g);
}

static void
penalties(void **state)
{
	struct er_nc_gate *g = er_nc_gate_new(&dflt);

	(void)state;
	/* two failed logins: 10 s, below min (15 s): not refused yet */
	er_nc_gate_penalise(g, "192.0.2.1", 0, dflt.penalty_authfail_ms);
	er_nc_gate_penalise(g, "192.0.2.1", 0, dflt.penalty_authfail_ms);
	assert_int_equal(er_nc_gate_admit(g, "192.0.2.1", 1, 99), ER_NC_GATE_ADMIT);
	er_nc_gate_release(g, "192.0.2.1");
	/* the third at once makes 15 s: refused until it has run out */
	er_nc_gate_penalise(g, "192.0.2.1", 0, dflt.penalty_authfail_ms);
	assert_int_equal(er_nc_gate_admit(g, "192.0.2.1", 2, 99), ER_NC_GATE_PENALTY);
	assert_int_equal(er_nc_gate_admit(g, "192.0.2.1", 14999, 99), ER_NC_GATE_PENALTY);
	assert_int_equal(er_nc_gate_admit(g, "192.0.2.2", 14999, 99), ER_NC_GATE_ADMIT);
	assert_int_equal(er_nc_gate_admit(g, "192.0.2.1", 15000, 99), ER_NC_GATE_ADMIT);
	er_nc_gate_release(g, "192.0.2.1");
	/* gone below min while running: refusal ends with the penalty, not before */
	er_nc_gate_penalise(g, "192.0.2.1", 20000, dflt.penalty_grace_ms);
	er_nc_gate_penalise(g, "192.0.2.1", 20000, dflt.penalty_grace_ms);
	assert_int_equal(er_nc_gate_admit(g, "192.0.2.1", 39999, 99), ER_NC_GATE_PENALTY);
	assert_int_equal(er_nc_gate_admit(g, "192.0.2.1", 40000, 99), ER_NC_GATE_ADMIT);
	er_nc_gate_release(g, "192.0.2.1");
	/* capped at max */
	for (int i = 0; i < 100; i++)
		er_nc_gate_penalise(g, "192.0.2.3", 50000, dflt.penalty_grace_ms);
	assert_int_equal(er_nc_gate_admit(g, "192.0.2.3", 50000 + 599999, 99), ER_NC_GATE_PENALTY);
	assert_int_equal(er_nc_gate_admit(g, "192.0.2.3", 50000 + 600000, 99), ER_NC_GATE_ADMIT);
	/* 0 adds nothing (a setting of 0 s turns a penalty off) */
	er_nc_gate_penalise(g, "192.0.2.4", 0, 0);
	er_nc_gate_penalise(g, "192.0.2.4", 0, 0);
	assert_int_equal(er_nc_gate_admit(g, "192.0.2.4", 0, 99), ER_NC_GATE_ADMIT);
	assert_string_equal(er_nc_gate_verdict_str(ER_NC_GATE_PENALTY),
	    "refused: this address is penalised for failed or unfinished logins");
	er_nc_gate_free(g);
}

static void
log_rate_limit(void **state)
{
	struct er_nc_gate *g = er_nc_gate_new(&dflt);
	char sum[160];
	int i, logged = 0;

	(void)state;
	for (i = 0; i < 200; i++) {
		logged += er_nc_gate_log_ok(g, 100000 + (uint64_t)i, sum, sizeof(sum));
		assert_string_equal(sum, "");
	}
	assert_int_equal(logged, 3);
	/* the next interval starts with the summary of the last */
	assert_true(er_nc_gate_log_ok(g, 160000, sum, sizeof(sum)));
	assert_string_equal(sum, "197 more refused or failed connections in the last 60 s (not logged one by one)");
	er_nc_gate_log_flush(g, 170000, sum, sizeof(sum));
	assert_string_equal(sum, "");
	er_nc_gate_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(per_source_limit),
		cmocka_unit_test(random_early_drop),
		cmocka_unit_test(penalties),
		cmocka_unit_test(log_rate_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
