/*
 * Benchmark (not a test): evaluation time with a partner's data against
 * the same circuits all on one router (issue 12: under 1.2x). Inputs are
 * what tests/bench/bench_partner.py writes: ce-a's configuration (the
 * secondary links on partner ce-b), the same circuits on one router, the
 * host snapshot and ce-b's reply to the partner <get>.
 *
 * usage: bench_partner_eval A.json SINGLE.json OBSERVED.json REPLY.xml
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datastore.h"
#include "eval.h"
#include "partner.h"
#include "util.h"

#define RUNS 15

static int
ull_cmp(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return (x > y) - (x < y);
}

static unsigned long long
median_eval(const struct er_config *cfg, struct er_observed *obs, long long now, enum er_readiness *r)
{
	unsigned long long t[RUNS];
	int i;

	for (i = 0; i < RUNS; i++) {
		unsigned long long t0 = er_now_us();
		struct er_snapshot *s = er_evaluate(cfg, obs, NULL, now);
		t[i] = er_now_us() - t0;
		*r = s->overall.readiness;
		er_snapshot_unref(s);
	}
	qsort(t, RUNS, sizeof(t[0]), ull_cmp);
	return t[RUNS / 2];
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, n;

	if (!f)
		return NULL;
	do {
		buf = realloc(buf, len + 65536 + 1);
		n = fread(buf + len, 1, 65536, f);
		len += n;
	} while (n == 65536);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

int
main(int argc, char **argv)
{
	char err[ER_ERRLEN], *xml;
	struct er_ds *a, *single;
	struct er_observed *obs, *obs2;
	struct er_partner_view *pv;
	enum er_readiness ra, rs;
	unsigned long long ta, ts, t0;

	if (argc != 5) {
		fprintf(stderr, "usage: bench_partner_eval A.json SINGLE.json OBSERVED.json REPLY.xml\n");
		return 64;
	}
	if (!(a = er_ds_new(err, sizeof(err))) || er_ds_load_file(a, argv[1], err, sizeof(err)) < 0 ||
	    !(single = er_ds_new(err, sizeof(err))) || er_ds_load_file(single, argv[2], err, sizeof(err)) < 0 ||
	    !(obs = er_observed_load_json(argv[3], err, sizeof(err))) ||
	    !(obs2 = er_observed_load_json(argv[3], err, sizeof(err))) || !(xml = slurp(argv[4]))) {
		fprintf(stderr, "bench_partner_eval: %s\n", err);
		return 1;
	}
	pv = er_partner_view_new("ce-b");
	t0 = er_now_us();
	if (er_partner_view_parse(pv, er_ds_ctx(a), xml, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_partner_eval: %s: %s\n", argv[4], err);
		return 1;
	}
	printf("parse of the partner reply: %zu bytes in %.2f ms\n", strlen(xml), (double)(er_now_us() - t0) / 1000.0);
	er_observed_add_partner(obs, pv);
	er_partner_view_unref(pv);
	ta = median_eval(er_ds_config(a), obs, obs->collected_at, &ra);
	ts = median_eval(er_ds_config(single), obs2, obs2->collected_at, &rs);
	printf("evaluation, median of %d: with partner data %.2f ms (%s), one router %.2f ms (%s): %.2fx\n", RUNS,
	    (double)ta / 1000.0, er_readiness_name(ra), (double)ts / 1000.0, er_readiness_name(rs), (double)ta / (double)ts);
	free(xml);
	return 0;
}
