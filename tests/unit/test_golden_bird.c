/*
 * BIRD 2 collector: golden files captured from BIRD 2.0.12's control
 * socket (tests/fixtures/bird/2.0.12/), error replies, and the collector
 * against a live BIRD in a private network namespace and against a socket
 * that never answers.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "collect.h"
#include "fixture.h"
#include "util.h"

#define FIX "bird/2.0.12/"

static struct er_observed *
parse_protocols_fixture(const char *name)
{
	char err[512], *text = fx_read_data(fx_fixture(name));
	struct er_observed *obs = er_observed_new();

	if (er_bird_parse_protocols(text, obs, err, sizeof(err)) < 0)
		fail_msg("%s: %s", name, err);
	free(text);
	return obs;
}

static void
test_protocols_established(void **state)
{
	struct er_observed *obs = parse_protocols_fixture(FIX "ce-established.protocols.txt");

	(void)state;
	er_observed_finalize(obs);
	fx_golden(obs, FIX "ce-established.expected");
	er_observed_unref(obs);
}

static void
test_protocols_down(void **state)
{
	struct er_observed *obs = parse_protocols_fixture(FIX "ce-msee-down.protocols.txt");

	(void)state;
	er_observed_finalize(obs);
	fx_golden(obs, FIX "ce-msee-down.expected");
	er_observed_unref(obs);
}

static void
test_routes(void **state)
{
	struct er_observed *obs = parse_protocols_fixture(FIX "ce-established.protocols.txt");
	char err[512], *exp = fx_read_data(fx_fixture(FIX "ce-export-pp.routes.txt"));
	char *rcv = fx_read_data(fx_fixture(FIX "ce-protocol-pp.routes.txt"));
	char *exp6 = fx_read_data(fx_fixture(FIX "ce-export-pp6.routes.txt"));

	(void)state;
	/* nbrs[0] is pp (172.16.0.2), nbrs[1] pp6, in reply order before finalize */
	assert_int_equal(er_bird_parse_routes(exp, &obs->nbrs[0], true, err, sizeof(err)), 0);
	assert_int_equal(er_bird_parse_routes(rcv, &obs->nbrs[0], false, err, sizeof(err)), 0);
	assert_int_equal(er_bird_parse_routes(exp6, &obs->nbrs[1], true, err, sizeof(err)), 0);
	er_observed_finalize(obs);
	fx_golden(obs, FIX "ce-routes.expected");
	free(exp);
	free(rcv);
	free(exp6);
	er_observed_unref(obs);
}

static char *
fixture_text(const char *name)
{
	return fx_read_data(fx_fixture(name));
}

/* The sessions of a `show protocols all` capture, read against BIRD's `show status` clock of the same moment. */
static struct er_observed *
parse_at_status(const char *protocols, const char *status)
{
	char err[512], *p = fixture_text(protocols), *st = fixture_text(status);
	struct er_observed *obs = er_observed_new();
	long long now;

	assert_int_equal(er_bird_parse_status(st, &now), 0);
	if (er_bird_parse_protocols_at(p, now, obs, err, sizeof(err)) < 0)
		fail_msg("%s: %s", protocols, err);
	free(p);
	free(st);
	return obs;
}

/*
 * Uptime from the "Since" column: BIRD's default "iso short ms" time of
 * day (captured from the lab's BIRD customer edge), and "iso long" with a
 * "%s" server clock (the same BIRD with `timeformat protocol iso long;
 * timeformat base "%s";`). Both captures were made in UTC.
 */
static void
test_uptime(void **state)
{
	/* protocol order: pp ps mp4 ms4 mp6 ms6 inet; mp4 restarted (03:31:31.925, then 03:31:40), the rest came up at 03:30:56 */
	static const uint32_t short_ms[] = { 43, 43, 8, 43, 43, 43, 43 };
	static const uint32_t iso_long[] = { 48, 48, 4, 48, 48, 48, 48 };
	struct er_observed *obs;
	size_t i;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	obs = parse_at_status(FIX "ce-uptime.protocols.txt", FIX "ce-uptime.status.txt");
	assert_int_equal(obs->n_nbrs, 7);
	for (i = 0; i < obs->n_nbrs; i++) {
		assert_int_equal(obs->nbrs[i].state, ER_BGP_ESTABLISHED);
		assert_int_equal(obs->nbrs[i].uptime, short_ms[i]);
	}
	er_observed_unref(obs);
	obs = parse_at_status(FIX "ce-isolong.protocols.txt", FIX "ce-isolong.status.txt");
	assert_int_equal(obs->n_nbrs, 7);
	for (i = 0; i < obs->n_nbrs; i++)
		assert_int_equal(obs->nbrs[i].uptime, iso_long[i]);
	er_observed_unref(obs);
	/* A session that is not up has no uptime, whatever its "since". */
	obs = parse_at_status(FIX "ce-msee-down.protocols.txt", FIX "ce-uptime.status.txt");
	for (i = 0; i < obs->n_nbrs; i++)
		if (obs->nbrs[i].state != ER_BGP_ESTABLISHED)
			assert_int_equal(obs->nbrs[i].uptime, 0);
	er_observed_unref(obs);
}

/* BIRD's other forms of "since", in its own reply format (the capture's lines with other stamps). */
static void
test_uptime_forms(void **state)
{
	static const struct {
		const char *now, *since;
		uint32_t uptime;
	} cases[] = {
		{ "2026-12-07 00:00:10.000", "23:59:50.000", 20 },       /* up since yesterday evening */
		{ "2026-12-07 03:31:39.498", "03:31:39.100", 0 },        /* same second */
		{ "2026-12-07 03:31:39.498", "2026-12-05", 99099 },      /* past the 20 h limit: from the end of that day */
		{ "2026-12-07 03:31:39.498", "2026-12-06 23:31:39", 14400 }, /* iso long */
		{ "1796614301", "1796610701", 3600 },                  /* "%s" both */
		{ "2026-12-07 03:31:39.498", "00:00", 0 },               /* not a BIRD stamp: unknown, never made up */
	};
	char err[512], status[256], prot[512];
	struct er_observed *obs;
	long long now;
	size_t i;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(status, sizeof(status), "1000-BIRD 2.0.12\n1011-Router ID is 172.16.0.1\n Hostname is vm\n"
		                                 " Current server time is %s\n0013 Daemon is up and running\n", cases[i].now);
		snprintf(prot, sizeof(prot), "2002-Name       Proto      Table      State  Since         Info\n"
		                             "1002-pp         BGP        ---        up     %-13s Established   \n"
		                             "1006-  BGP state:          Established\n     Neighbor address: 172.16.0.2\n0000 \n",
		    cases[i].since);
		assert_int_equal(er_bird_parse_status(status, &now), 0);
		obs = er_observed_new();
		assert_int_equal(er_bird_parse_protocols_at(prot, now, obs, err, sizeof(err)), 0);
		assert_int_equal(obs->n_nbrs, 1);
		if (obs->nbrs[0].uptime != cases[i].uptime)
			fail_msg("now %s, since %s: uptime %u, want %u", cases[i].now, cases[i].since, obs->nbrs[0].uptime,
			    cases[i].uptime);
		er_observed_unref(obs);
	}
	assert_int_equal(er_bird_parse_status("1000-BIRD 2.0.12\n0013 Daemon is up and running\n", &now), -1);
}

/*
 * Captured from the lab's BIRD customer edge: ::/0 exported to Microsoft
 * peering (fault adv-default6-msft), and with ADD-PATH on a session a
 * network exported with two routes, the second printed without its net.
 * Each route keeps its own AS path.
 */
static void
test_routes_default6_and_second_route(void **state)
{
	struct er_observed *obs = parse_protocols_fixture(FIX "ce-uptime.protocols.txt");
	char err[512], *v4 = fixture_text(FIX "ce-export-mp4-addpath.routes.txt");
	char *v6 = fixture_text(FIX "ce-export-mp6-default.routes.txt");

	(void)state;
	/* nbrs[2] is mp4 (131.107.0.2), nbrs[4] mp6 (2a01:111:2000::2), in reply order before finalize */
	assert_int_equal(er_bird_parse_routes(v4, &obs->nbrs[2], true, err, sizeof(err)), 0);
	assert_int_equal(er_bird_parse_routes(v6, &obs->nbrs[4], true, err, sizeof(err)), 0);
	er_observed_finalize(obs);
	fx_golden(obs, FIX "ce-default6-addpath.expected");
	free(v4);
	free(v6);
	er_observed_unref(obs);
}

static void
test_bfd(void **state)
{
	char err[512], *up = fx_read_data(fx_fixture(FIX "ce-bfd-up.txt"));
	char *down = fx_read_data(fx_fixture(FIX "ce-bfd-down.txt"));
	struct er_observed *obs = er_observed_new();

	(void)state;
	assert_int_equal(er_bird_parse_bfd(up, obs, err, sizeof(err)), 0);
	er_observed_finalize(obs);
	fx_golden(obs, FIX "ce-bfd-up.expected");
	er_observed_unref(obs);
	obs = er_observed_new();
	assert_int_equal(er_bird_parse_bfd(down, obs, err, sizeof(err)), 0);
	er_observed_finalize(obs);
	fx_golden(obs, FIX "ce-bfd-down.expected");
	er_observed_unref(obs);
	obs = er_observed_new();
	assert_int_equal(er_bird_parse_bfd("1020-bfd1:\n 172.16.0.2 pri1 Sleepy 00:00 1 1\n0000 \n", obs, err,
	                     sizeof(err)), -1);
	assert_string_equal(err, "BIRD BFD session 172.16.0.2: unknown state 'Sleepy'");
	er_observed_unref(obs);
	free(up);
	free(down);
}

static void
test_error_replies(void **state)
{
	char err[512], *text = fx_read_data(fx_fixture(FIX "error-noproto.txt"));
	struct er_observed *obs = er_observed_new();
	struct er_bgp_neighbor n;

	(void)state;
	memset(&n, 0, sizeof(n));
	assert_int_equal(er_bird_parse_routes(text, &n, true, err, sizeof(err)), -1);
	assert_string_equal(err, "BIRD refused 'show route': syntax error, unexpected CF_SYM_UNDEFINED, expecting CF_SYM_KNOWN or TABLE");
	assert_int_equal(er_bird_parse_protocols("1002-x BGP --- up 00:00 Established\n1006-  BGP state: Dancing\n0000 \n",
	                     obs, err, sizeof(err)), -1);
	assert_string_equal(err, "BIRD protocol x: unknown BGP state 'Dancing'");
	free(text);
	er_observed_unref(obs);
	obs = er_observed_new();
	assert_int_equal(er_bird_parse_protocols("1002-x BGP --- up 00:00 Established\n1006-  BGP state: Idle\n0000 \n", obs,
	                     err, sizeof(err)), -1);
	assert_string_equal(err, "BIRD protocol x: no neighbor address in the reply");
	er_observed_unref(obs);
	obs = er_observed_new();
	assert_int_equal(er_bird_parse_routes("1007-10.0.0.0/33 unicast [x]\n0000 \n", &n, true, err, sizeof(err)), -1);
	assert_string_equal(err, "BIRD route '10.0.0.0/33' is not a prefix");
	assert_int_equal(er_bird_parse_routes("1007-Table master4:\n                     unicast [x 00:00] (100)\n0000 \n", &n,
	                     true, err, sizeof(err)), -1);
	assert_string_equal(err, "BIRD route line without a net: '                    unicast [x 00:00] (100)'");
	free(n.adv);
	er_observed_unref(obs);
}

static void
test_no_socket(void **state)
{
	struct er_collect_opts o;
	struct er_observed *obs = er_observed_new();
	char err[512];

	(void)state;
	er_collect_opts_init(&o, NULL);
	o.bird_socket = "/nonexistent/bird.ctl";
	assert_int_equal(er_collect_bird(&o, obs, er_now_us() + 1000000, err, sizeof(err)), ER_COLLECT_ERROR);
	assert_string_equal(err, "cannot connect to BIRD at /nonexistent/bird.ctl: No such file or directory");
	er_observed_unref(obs);
}

/* A BIRD that accepts and then says nothing: the collector must give up at the deadline. */
static void
test_silent_socket_times_out(void **state)
{
	char dir[] = "/tmp/erbird-XXXXXX", path[128];
	struct sockaddr_un sun;
	struct er_collect_opts o;
	struct er_observed *obs = er_observed_new();
	unsigned long long t0;
	char err[512];
	int lfd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bird.ctl", dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	er_collect_opts_init(&o, NULL);
	o.bird_socket = path;
	t0 = er_now_us();
	assert_int_equal(er_collect_bird(&o, obs, t0 + 300000, err, sizeof(err)), ER_COLLECT_TIMEOUT);
	assert_true(er_now_us() - t0 < 2000000);
	assert_string_equal(err, "BIRD did not answer before the deadline");
	close(lfd);
	unlink(path);
	rmdir(dir);
	er_observed_unref(obs);
}

/*
 * A real BIRD in a private network namespace (unshare, so nothing touches
 * the host's network), with a passive BGP session that stays Active.
 */
static void
test_live_bird(void **state)
{
	char dir[] = "/tmp/erbird-XXXXXX", conf[128], sock[128], pidf[128];
	int status;
	pid_t child;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/bird.conf", dir);
	snprintf(sock, sizeof(sock), "%s/bird.ctl", dir);
	snprintf(pidf, sizeof(pidf), "%s/bird.pid", dir);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		FILE *f;
		struct er_collect_opts o;
		struct er_observed *obs = er_observed_new();
		char err[512];
		pid_t bird;
		int i, rc, ok = 1;

		if (unshare(CLONE_NEWNET) < 0)
			_exit(2);
		f = fopen(conf, "w");
		fprintf(f, "router id 192.0.2.1;\nprotocol device {}\n"
		           "protocol bgp msee { local as 65010; neighbor 192.0.2.2 as 12076; passive on;\n"
		           "  ipv4 { import all; export none; }; }\n");
		fclose(f);
		if ((bird = fork()) == 0) {
			execlp("bird", "bird", "-f", "-c", conf, "-s", sock, "-P", pidf, (char *)NULL);
			_exit(127);
		}
		for (i = 0; i < 200 && access(sock, F_OK) != 0; i++)
			usleep(10000); /* bounded: at most 2 s for the socket to appear */
		er_collect_opts_init(&o, NULL);
		o.bird_socket = sock;
		rc = er_collect_bird(&o, obs, er_now_us() + 3000000, err, sizeof(err));
		if (rc != ER_COLLECT_OK) {
			fprintf(stderr, "collector: %s\n", err);
			ok = 0;
		} else if (obs->n_nbrs != 1 || obs->nbrs[0].remote_as != 12076 || obs->nbrs[0].local_as != 65010 ||
		    (obs->nbrs[0].state != ER_BGP_ACTIVE && obs->nbrs[0].state != ER_BGP_IDLE)) {
			fprintf(stderr, "unexpected: %zu neighbours, state %d\n", obs->n_nbrs,
			    obs->n_nbrs ? (int)obs->nbrs[0].state : -1);
			ok = 0;
		}
		kill(bird, SIGTERM);
		waitpid(bird, NULL, 0);
		er_observed_unref(obs);
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	unlink(conf);
	unlink(sock);
	unlink(pidf);
	rmdir(dir);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protocols_established),
		cmocka_unit_test(test_protocols_down),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_uptime),
		cmocka_unit_test(test_uptime_forms),
		cmocka_unit_test(test_routes_default6_and_second_route),
		cmocka_unit_test(test_bfd),
		cmocka_unit_test(test_error_replies),
		cmocka_unit_test(test_no_socket),
		cmocka_unit_test(test_silent_socket_times_out),
		cmocka_unit_test(test_live_bird),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
