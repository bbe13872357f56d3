/*
 * Benchmark (not a test): the CPU time of the parts of an unfiltered
 * <get>'s first print after an evaluation (agent/netconf/nc_get.c
 * full_print), in one process so that a loaded machine's scheduling does
 * not hide them: the readiness container printed from the snapshot
 * (state_xml.c); the config with the circuit state spliced in from the
 * snapshot (state_xml.c er_state_xml_splice: copy of running, its print,
 * the splice), what erreadyd does; and, for comparison, the copy of
 * running with the circuit state merged in as a tree (state_tree.c) and
 * libyang's print of that tree, what it did before.
 *
 * usage: bench_get_print CONFIG.json OBSERVED.json
 * (gen_synthetic.py SESSIONS DIR writes both)
 */
#include <libyang/libyang.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datastore.h"
#include "eval.h"
#include "log.h"
#include "nc_schema.h"
#include "state_tree.h"
#include "state_xml.h"
#include "util.h"

#include "bench_cpu.h"

#define RUNS 7

static ssize_t
buf_write(void *arg, const void *d, size_t n)
{
	er_buf_add(arg, d, n);
	return (ssize_t)n;
}

/* The config of @p ds printed by libyang; with @p s's circuit state merged in as a tree when @p merged. */
static void
print_tree(struct er_ds *ds, const struct er_snapshot *s, bool merged, struct er_buf *b, double *t_copy, double *t_build,
    double *t_merge, double *t_print, double *t_free)
{
	struct lyd_node *data = NULL, *st = NULL;
	double t0 = cpu_ms(), t1, t2, t3, t4;

	if (lyd_dup_siblings(er_ds_running(ds), NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &data) != LY_SUCCESS)
		fatalx("cannot copy running");
	t1 = cpu_ms();
	if (merged && er_state_tree_parts(s, er_ds_ctx(ds), ER_ST_CIRCUITS | ER_ST_RESILIENCY, &st) < 0)
		fatalx("cannot build the circuit state tree");
	t2 = cpu_ms();
	if (merged && lyd_merge_siblings(&data, st, LYD_MERGE_DESTRUCT) != LY_SUCCESS)
		fatalx("cannot merge the circuit state into the config");
	t3 = cpu_ms();
	if (lyd_print_clb(buf_write, b, data, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK | LYD_PRINT_WD_EXPLICIT) !=
	    LY_SUCCESS)
		fatalx("cannot print the tree");
	t4 = cpu_ms();
	lyd_free_all(data);
	*t_copy = t1 - t0;
	*t_build = t2 - t1;
	*t_merge = t3 - t2;
	*t_print = t4 - t3;
	*t_free = cpu_ms() - t4;
}

static double
median(double *v)
{
	qsort(v, RUNS, sizeof(v[0]), dbl_cmp);
	return v[RUNS / 2];
}

int
main(int argc, char **argv)
{
	double rd[RUNS], copy[RUNS], build[RUNS], merge[RUNS], print[RUNS], fr[RUNS], sc[RUNS], sp[RUNS], xc, xb, xm, xp, xf;
	size_t rd_bytes = 0, tree_bytes = 0, conf_bytes = 0;
	char err[ER_ERRLEN];
	struct er_observed *obs;
	struct er_snapshot *s;
	struct er_ds *ds;
	bool same = true;
	int i;

	if (argc != 3) {
		fprintf(stderr, "usage: bench_get_print CONFIG.json OBSERVED.json\n");
		return 64;
	}
	if (!(ds = er_ds_new_with(er_nc_ctx_hook, err, sizeof(err))) || er_ds_load_file(ds, argv[1], err, sizeof(err)) < 0 ||
	    !(obs = er_observed_load_json(argv[2], err, sizeof(err)))) {
		fprintf(stderr, "bench_get_print: %s\n", err);
		return 1;
	}
	s = er_evaluate(er_ds_config(ds), obs, NULL, obs->collected_at);
	for (i = 0; i < RUNS; i++) {
		struct er_buf b = { 0 }, m = { 0 }, c = { 0 };
		double t0 = cpu_ms(), t1;

		if (er_state_xml_readiness(s, er_ds_ctx(ds), ER_ST_SUMMARY | ER_ST_COLLECTORS | ER_ST_CHECKS | ER_ST_HOST, NULL,
		        NULL, &b) < 0)
			fatalx("readiness cannot be printed from the snapshot");
		rd[i] = cpu_ms() - t0;
		rd_bytes = b.len;
		er_buf_free(&b);
		/* before: the tree merged and printed */
		print_tree(ds, s, true, &m, &copy[i], &build[i], &merge[i], &print[i], &fr[i]);
		tree_bytes = m.len;
		/* now: the config printed, the state spliced in */
		print_tree(ds, s, false, &c, &xc, &xb, &xm, &xp, &xf);
		sc[i] = xc + xb + xm + xp + xf;
		conf_bytes = c.len;
		t0 = cpu_ms();
		if (er_state_xml_splice(s, er_ds_ctx(ds), er_buf_data(&c), c.len, &b) < 0)
			fatalx("the circuit state cannot be spliced into the config");
		t1 = cpu_ms();
		sp[i] = t1 - t0;
		same = same && b.len == m.len && !memcmp(er_buf_data(&b), er_buf_data(&m), b.len);
		er_buf_free(&b);
		er_buf_free(&m);
		er_buf_free(&c);
	}
	printf("%zu results; CPU median of %d: readiness printed from the snapshot %.1f ms (%zu bytes)\n", s->n_results,
	    RUNS, median(rd), rd_bytes);
	printf("config and circuit state as a libyang tree: copy of running %.1f ms, state tree %.1f ms, merge %.1f ms, "
	       "print %.1f ms, free %.1f ms (%zu bytes)\n",
	    median(copy), median(build), median(merge), median(print), median(fr), tree_bytes);
	printf("config printed, circuit state spliced in from the snapshot: config copy, print and free %.1f ms "
	       "(%zu bytes), splice %.1f ms (%s)\n",
	    median(sc), conf_bytes, median(sp), same ? "identical" : "DIFFERENT");
	er_snapshot_unref(s);
	er_observed_unref(obs);
	er_ds_free(ds);
	return 0;
}
