/*
 * Benchmark (not a test): the CPU time of a partner's answer to the
 * partner <get> (issue 12: a fetch at 100 circuits under 50 ms), in one
 * process so that a loaded machine's scheduling does not hide it: the
 * state tree built whole or trimmed (state_tree.h), the filter applied,
 * the reply printed, and the other side's parse of that text and reading
 * of the parsed tree (partner.c).
 *
 * usage: [SPLIT=1] [DUMP=FILE] bench_partner_answer CONFIG.json OBSERVED.json
 * (SPLIT=1: each run's build, filter and print times on stderr; DUMP=FILE: the answer's text there)
 * (gen_synthetic.py writes both; every link is local, and the filter asks
 * for the secondary links' results as a partner holding the primaries does)
 */
#include <libyang/libyang.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datastore.h"
#include "log.h"
#include "eval.h"
#include "nc_filter.h"
#include "nc_schema.h"
#include "partner.h"
#include "state_tree.h"
#include "state_xml.h"
#include "util.h"

#include "bench_cpu.h"

#define RUNS 15
#define PARTS (ER_ST_CIRCUITS | ER_ST_SUMMARY | ER_ST_COLLECTORS | ER_ST_CHECKS)
/* what nc_get.c state_trims finds for this filter (tests/unit/test_state_trims.c checks the answer is the same) */
#define TRIMS (ER_ST_CHECKS_LEAN | ER_ST_CHECKS_NO_REFS | ER_ST_CHECKS_SECONDARY | ER_ST_NO_CIRCUIT_STATE)

static void
parse_filter(const struct ly_ctx *ctx, const char *filter_xml, struct er_nc_filter *f)
{
	struct er_nc_errs errs = { NULL, 0 };

	if (er_nc_filter_parse_subtree(ctx, filter_xml, f, &errs) < 0)
		fatalx("filter rejected");
}

/* Median CPU ms of build + filter + print with @p parts; the reply text of the last run in @p out. */
static double
answer(const struct er_snapshot *s, const struct ly_ctx *ctx, const struct er_nc_filter *f, unsigned parts, char **out)
{
	double t[RUNS];
	int i;

	for (i = 0; i < RUNS; i++) {
		struct lyd_node *tree = NULL, *sel = NULL;
		struct er_nc_errs errs = { NULL, 0 };
		double t0 = cpu_ms();

		free(*out);
		*out = NULL;
		double t1, t2;
		if (er_state_tree_parts(s, ctx, parts, &tree) < 0)
			fatalx("cannot build the state tree");
		t1 = cpu_ms();
		if (er_nc_filter_apply(f, tree, &sel, &errs) < 0)
			fatalx("cannot apply the filter");
		t2 = cpu_ms();
		if (lyd_print_mem(out, sel, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK) != LY_SUCCESS)
			fatalx("cannot print the answer");
		t[i] = cpu_ms() - t0;
		if (getenv("SPLIT"))
			fprintf(stderr, "build %.1f filter %.1f print %.1f\n", t1 - t0, t2 - t1, cpu_ms() - t2);
		lyd_free_all(sel);
		lyd_free_all(tree);
	}
	qsort(t, RUNS, sizeof(t[0]), dbl_cmp);
	return t[RUNS / 2];
}

/* Median CPU ms of the answer printed straight from the snapshot (what erreadyd sends: nc_get.c); its text in @p out. */
static double
printed(const struct er_snapshot *s, const struct ly_ctx *ctx, char **out)
{
	double t[RUNS];
	int i;

	for (i = 0; i < RUNS; i++) {
		struct er_buf b = { 0 };
		double t0 = cpu_ms();

		free(*out);
		if (er_state_xml_partner(s, ctx, ER_PATH_SECONDARY, &b) < 0)
			fatalx("the answer cannot be printed from the snapshot");
		er_buf_add(&b, "", 1);
		t[i] = cpu_ms() - t0;
		*out = er_buf_data(&b);
	}
	qsort(t, RUNS, sizeof(t[0]), dbl_cmp);
	return t[RUNS / 2];
}

/*
 * Median CPU ms of the other side's libyang parse of @p xml (in @p ctx:
 * untyped with er_partner_reply_module, as the fetch reads it, or typed) and,
 * in @p read_ms, of reading the tree into a view.
 */
static double
parse_median(const struct ly_ctx *ctx, bool typed, const char *xml, double *read_ms)
{
	double t[RUNS], r[RUNS];
	char err[256];
	int i;

	for (i = 0; i < RUNS; i++) {
		struct er_partner_view *pv = er_partner_view_new("ce-b");
		struct lyd_node *tree = NULL;
		double t0 = cpu_ms(), t1;
		if (lyd_parse_data_mem(ctx, xml, LYD_XML, LYD_PARSE_ONLY | (typed ? LYD_PARSE_STRICT : LYD_PARSE_OPAQ), 0,
		        &tree) != LY_SUCCESS)
			fatalx("cannot parse the answer");
		t1 = cpu_ms();
		if (er_partner_view_from_tree(pv, tree, err, sizeof(err)) < 0)
			fatalx("the answer is not a partner's: %s", err);
		r[i] = cpu_ms() - t1;
		t[i] = t1 - t0;
		er_partner_view_unref(pv);
		lyd_free_all(tree);
	}
	qsort(t, RUNS, sizeof(t[0]), dbl_cmp);
	qsort(r, RUNS, sizeof(r[0]), dbl_cmp);
	*read_ms = r[RUNS / 2];
	return t[RUNS / 2];
}

int
main(int argc, char **argv)
{
	char err[ER_ERRLEN], *filter, *whole = NULL, *lean = NULL, *direct = NULL, *p;
	struct er_nc_filter f = { false, NULL, 0 };
	struct er_observed *obs;
	struct er_snapshot *s;
	struct er_ds *ds;
	double tw, tl, td, tp, tr;
	struct ly_ctx *rctx = NULL;

	if (argc != 3) {
		fprintf(stderr, "usage: bench_partner_answer CONFIG.json OBSERVED.json\n");
		return 64;
	}
	if (!(ds = er_ds_new_with(er_nc_ctx_hook, err, sizeof(err))) || er_ds_load_file(ds, argv[1], err, sizeof(err)) < 0 ||
	    !(obs = er_observed_load_json(argv[2], err, sizeof(err)))) {
		fprintf(stderr, "bench_partner_answer: %s\n", err);
		return 1;
	}
	s = er_evaluate(er_ds_config(ds), obs, NULL, obs->collected_at);
	/* the filter of a partner that holds the primary links */
	filter = xstrdup(ER_PARTNER_FILTER);
	if (!(p = strstr(filter, "<check>")))
		fatalx("ER_PARTNER_FILTER has no <check>");
	p += strlen("<check>");
	if (asprintf(&p, "%.*s<path>secondary</path>%s", (int)(p - filter), filter, p) < 0)
		fatalx("out of memory");
	parse_filter(er_ds_ctx(ds), p, &f);
	tw = answer(s, er_ds_ctx(ds), &f, PARTS, &whole);
	tl = answer(s, er_ds_ctx(ds), &f, PARTS | TRIMS, &lean);
	printf("%zu results; answer (build + filter + print), CPU median of %d: whole tree %.1f ms, trimmed %.1f ms "
	       "(%zu bytes, %s)\n",
	    s->n_results, RUNS, tw, tl, strlen(lean), strcmp(whole, lean) ? "DIFFERENT" : "identical");
	td = printed(s, er_ds_ctx(ds), &direct);
	printf("answer printed from the snapshot (state_xml.c, what erreadyd sends), CPU median of %d: %.1f ms "
	       "(%zu bytes, %s)\n",
	    RUNS, td, strlen(direct), strcmp(direct, lean) ? "DIFFERENT" : "identical");
	if (getenv("DUMP")) {
		FILE *o = fopen(getenv("DUMP"), "w");
		if (!o || fputs(direct, o) < 0 || fclose(o) != 0)
			fatalx("cannot write %s", getenv("DUMP"));
	}
	if (ly_ctx_new(NULL, LY_CTX_DISABLE_SEARCHDIR_CWD, &rctx) != LY_SUCCESS || er_partner_reply_module(rctx, err, sizeof(err)) < 0)
		fatalx("the reply module: %s", err);
	tp = parse_median(rctx, false, direct, &tr);
	printf("the other side's parse of it, untyped as the fetch reads it (libyang, CPU median of %d): %.1f ms, "
	       "reading it (partner.c) %.1f ms\n", RUNS, tp, tr);
	tp = parse_median(er_ds_ctx(ds), true, direct, &tr);
	printf("the same typed with the module (--partner): %.1f ms, reading it %.1f ms\n", tp, tr);
	ly_ctx_destroy(rctx);
	er_nc_filter_clear(&f);
	free(p);
	free(filter);
	free(whole);
	free(lean);
	free(direct);
	er_snapshot_unref(s);
	er_observed_unref(obs);
	er_ds_free(ds);
	return 0;
}
