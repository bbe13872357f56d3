/*
 * Benchmark (not a test): the observed state crossing from the collector
 * process to the view process (src/wire/observed_wire.c over a socketpair, as
 * agent/privsep.c sends it), against parsing the same state from its JSON
 * snapshot form (src/snapshot_json.c). Input: an observed-state snapshot,
 * e.g. from tests/bench/gen_synthetic.py 10000 DIR (10,000 sessions).
 *
 * usage: bench_privsep_wire OBSERVED.json
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "observed_wire.h"
#include "util.h"

#define RUNS 5

struct sender {
	int fd;
	const struct er_wbuf *b;
};

static double
now_ms(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

static void *
send_main(void *arg)
{
	struct sender *s = arg;
	char err[256];

	if (er_frame_send(s->fd, ER_MSG_OBSERVED, s->b->p, s->b->len, err, sizeof(err)) < 0)
		fprintf(stderr, "send: %s\n", err);
	return NULL;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	double wall[RUNS], cpu[RUNS], jwall[RUNS], w0, c0;
	struct er_observed *obs, *back;
	char err[1024];
	size_t bytes = 0;
	int r, sv[2];
	double load = 0;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OBSERVED.json\n", argv[0]);
		return 64;
	}
	for (r = 0; r < RUNS; r++) {
		w0 = now_ms(CLOCK_MONOTONIC);
		if (!(obs = er_observed_load_json(argv[1], err, sizeof(err)))) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		jwall[r] = now_ms(CLOCK_MONOTONIC) - w0;
		if (r < RUNS - 1)
			er_observed_unref(obs);
	}
	for (r = 0; r < RUNS; r++) {
		struct er_wbuf b = { NULL, 0, 0 };
		struct sender s;
		pthread_t th;
		void *p;
		size_t n;

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return 1;
		w0 = now_ms(CLOCK_MONOTONIC);
		c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
		er_observed_wire_encode(obs, &b);
		s.fd = sv[1];
		s.b = &b;
		pthread_create(&th, NULL, send_main, &s);
		if (er_frame_recv(sv[0], ER_MSG_OBSERVED, 1u << 30, 0, &p, &n, err, sizeof(err)) != 0) {
			fprintf(stderr, "recv: %s\n", err);
			return 1;
		}
		pthread_join(th, NULL);
		if (!(back = er_observed_wire_decode(p, n, err, sizeof(err)))) {
			fprintf(stderr, "decode: %s\n", err);
			return 1;
		}
		wall[r] = now_ms(CLOCK_MONOTONIC) - w0;
		cpu[r] = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
		bytes = n;
		free(p);
		er_wbuf_free(&b);
		er_observed_unref(back);
		close(sv[0]);
		close(sv[1]);
	}
	if ((f = fopen("/proc/loadavg", "r"))) {
		if (fscanf(f, "%lf", &load) != 1)
			load = 0;
		fclose(f);
	}
	qsort(wall, RUNS, sizeof(double), cmp);
	qsort(cpu, RUNS, sizeof(double), cmp);
	qsort(jwall, RUNS, sizeof(double), cmp);
	printf("%zu sessions, %zu interfaces: %zu bytes on the socketpair\n", obs->n_nbrs, obs->n_ifs, bytes);
	printf("collector -> view (encode, socketpair, decode + finalize): median %.1f ms wall, %.1f ms CPU\n",
	    wall[RUNS / 2], cpu[RUNS / 2]);
	printf("the same state parsed from its JSON snapshot: median %.1f ms wall\n", jwall[RUNS / 2]);
	printf("RESULT privsep-wire-observed | observed state collector -> view process, %zu sessions "
	       "(encode, socketpair, checked decode) | <= 100 ms | %.1f ms wall, %.1f ms CPU, %.1f MB (load %.1f)\n",
	    obs->n_nbrs, wall[RUNS / 2], cpu[RUNS / 2], (double)bytes / 1e6, load);
	printf("RESULT privsep-wire-json | the same state from the JSON snapshot form, for comparison | - | "
	       "%.1f ms wall (load %.1f)\n",
	    jwall[RUNS / 2], load);
	er_observed_unref(obs);
	return 0;
}
