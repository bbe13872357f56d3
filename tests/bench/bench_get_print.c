/*
 * Benchmark (not a test): the CPU time of the parts of an unfiltered
 * <get>'s first print after an evaluation (agent/netconf/nc_get.c
 * full_print), in one process so that a loaded machine's scheduling does
 * not hide them: the readiness container printed from the snapshot
 * (state_xml.c), the copy of running with the circuit state merged in
 * (state_tree.c), and libyang's print of that tree.
 *
 * usage: bench_get_print CONFIG.json OBSERVED.json
 * (gen_synthetic.py SESSIONS DIR writes both)
 */
#include <libyang/libyang.h>
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

#define RUNS 7

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static ssize_t
buf_write(void *arg, const void *d, size_t n)
{
	er_buf_add(arg, d, n);
	return (ssize_t)n;
}

int
main(int argc, char **argv)
{
	double rd[RUNS], tree[RUNS], print[RUNS], fr[RUNS], dup[RUNS], build[RUNS], merge[RUNS];
	size_t rd_bytes = 0, tree_bytes = 0;
	char err[ER_ERRLEN];
	struct er_observed *obs;
	struct er_snapshot *s;
	struct er_ds *ds;
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
		struct er_buf b = { 0 };
		struct lyd_node *data = NULL, *st = NULL;
		double t0 = cpu_ms(), t1, t2, t3, ta, tb;

		if (er_state_xml_readiness(s, er_ds_ctx(ds), ER_ST_SUMMARY | ER_ST_COLLECTORS | ER_ST_CHECKS | ER_ST_HOST, NULL,
		        NULL, &b) < 0)
			fatalx("readiness cannot be printed from the snapshot");
		rd_bytes = b.len;
		er_buf_free(&b);
		t1 = cpu_ms();
		if (lyd_dup_siblings(er_ds_running(ds), NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &data) != LY_SUCCESS)
			fatalx("cannot copy running");
		ta = cpu_ms();
		if (er_state_tree_parts(s, er_ds_ctx(ds), ER_ST_CIRCUITS | ER_ST_RESILIENCY, &st) < 0)
			fatalx("cannot build the circuit state tree");
		tb = cpu_ms();
		if (lyd_merge_siblings(&data, st, LYD_MERGE_DESTRUCT) != LY_SUCCESS)
			fatalx("cannot merge the circuit state into the config");
		t2 = cpu_ms();
		dup[i] = ta - t1;
		build[i] = tb - ta;
		merge[i] = t2 - tb;
		memset(&b, 0, sizeof(b));
		if (lyd_print_clb(buf_write, &b, data, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK | LYD_PRINT_WD_EXPLICIT) !=
		    LY_SUCCESS)
			fatalx("cannot print the tree");
		tree_bytes = b.len;
		t3 = cpu_ms();
		lyd_free_all(data);
		er_buf_free(&b);
		rd[i] = t1 - t0;
		tree[i] = t2 - t1;
		print[i] = t3 - t2;
		fr[i] = cpu_ms() - t3;
	}
	qsort(rd, RUNS, sizeof(rd[0]), dbl_cmp);
	qsort(tree, RUNS, sizeof(tree[0]), dbl_cmp);
	qsort(print, RUNS, sizeof(print[0]), dbl_cmp);
	qsort(fr, RUNS, sizeof(fr[0]), dbl_cmp);
	qsort(dup, RUNS, sizeof(dup[0]), dbl_cmp);
	qsort(build, RUNS, sizeof(build[0]), dbl_cmp);
	qsort(merge, RUNS, sizeof(merge[0]), dbl_cmp);
	printf("%zu results; CPU median of %d: readiness printed from the snapshot %.1f ms (%zu bytes); config copy + "
	       "circuit state tree %.1f ms, its print %.1f ms (%zu bytes), freeing it %.1f ms\n",
	    s->n_results, RUNS, rd[RUNS / 2], rd_bytes, tree[RUNS / 2], print[RUNS / 2], tree_bytes, fr[RUNS / 2]);
	printf("of the tree: copy of running %.1f ms, circuit state tree %.1f ms, merge %.1f ms\n", dup[RUNS / 2],
	    build[RUNS / 2], merge[RUNS / 2]);
	er_snapshot_unref(s);
	er_observed_unref(obs);
	er_ds_free(ds);
	return 0;
}
