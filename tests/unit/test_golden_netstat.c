/*
 * The TCP-MD5 counters of /proc/net/netstat: golden files from captured
 * procfs text (tests/fixtures/procfs/), the rise between two readings, and
 * the real kernel counting a key mismatch in a private network namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "collect.h"
#include "fixture.h"
#include "util.h"

#define FIX "procfs/6.18/"

static struct er_observed *
parse_fixture(const char *name)
{
	char err[256], *text = fx_read_data(fx_fixture(name));
	struct er_observed *obs = er_observed_new();

	if (er_netstat_parse_md5(text, &obs->tcp_md5, err, sizeof(err)) < 0)
		fail_msg("%s: %s", name, err);
	free(text);
	er_observed_finalize(obs);
	return obs;
}

static void
test_golden(void **state)
{
	struct er_observed *obs;

	(void)state;
	obs = parse_fixture(FIX "netstat-md5-mismatch.txt");
	fx_golden(obs, FIX "netstat-md5-mismatch.expected");
	er_observed_unref(obs);
	obs = parse_fixture(FIX "netstat-healthy.txt");
	fx_golden(obs, FIX "netstat-healthy.expected");
	er_observed_unref(obs);
}

static void
test_bad_text(void **state)
{
	struct er_tcp_md5 m;
	char err[256];

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(er_netstat_parse_md5("IpExt: InNoRoutes\nIpExt: 0\n", &m, err, sizeof(err)), -1);
	assert_string_equal(err, "netstat: no TcpExt rows");
	/* a kernel built without TCP_MD5SIG has no such columns */
	assert_int_equal(er_netstat_parse_md5("TcpExt: SyncookiesSent TCPMD5Failure\nTcpExt: 0 4\n", &m, err, sizeof(err)), -1);
	assert_string_equal(err, "netstat: no TCPMD5Failure/NotFound/Unexpected counters (kernel without TCP_MD5SIG?)");
	assert_int_equal(er_netstat_parse_md5("TcpExt: TCPMD5NotFound TCPMD5Unexpected TCPMD5Failure\nTcpExt: 0 0\n", &m, err,
	                     sizeof(err)), -1);
	assert_string_equal(err, "netstat: TcpExt has no value for TCPMD5Failure");
	assert_int_equal(er_netstat_parse_md5("TcpExt: TCPMD5NotFound TCPMD5Unexpected TCPMD5Failure\nTcpExt: 0 x 1\n", &m, err,
	                     sizeof(err)), -1);
	assert_string_equal(err, "netstat: TCPMD5Unexpected is not a number: 'x'");
	assert_false(m.have);
}

/* A proc root holding net/netstat with the given counters. */
static void
write_netstat(const char *root, unsigned failure, unsigned not_found, unsigned unexpected)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/net", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/net/netstat", root);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "TcpExt: SyncookiesSent TCPMD5NotFound TCPMD5Unexpected TCPMD5Failure TCPAckCompressed\n"
	           "TcpExt: 0 %u %u %u 7\nIpExt: InNoRoutes\nIpExt: 0\n", not_found, unexpected, failure);
	fclose(f);
}

static struct er_observed *
collect_at(const struct er_collect_opts *o, long long at)
{
	struct er_observed *obs = er_observed_new();
	char err[256];

	obs->collected_at = at;
	if (er_collect_tcp_md5(o, obs, err, sizeof(err)) != ER_COLLECT_OK)
		fail_msg("collect: %s", err);
	return obs;
}

/* A running agent: each collection compares with the one before; the latest rise is remembered. */
static void
test_rise_between_readings(void **state)
{
	char dir[] = "/tmp/ernetstat-XXXXXX", path[256], err[256];
	struct er_collect_opts o;
	struct er_observed *a, *b, *c, *d, *e;

	(void)state;
	assert_non_null(mkdtemp(dir));
	er_collect_opts_init(&o, NULL);
	o.proc_root = dir;

	write_netstat(dir, 10, 1, 0);
	a = collect_at(&o, 1000); /* first reading: counters, no rise */
	assert_true(a->tcp_md5.have);
	assert_false(a->tcp_md5.have_rise);
	assert_int_equal(a->tcp_md5.failure, 10);
	assert_int_equal(a->tcp_md5.not_found, 1);

	write_netstat(dir, 14, 2, 1);
	o.prev = a;
	b = collect_at(&o, 1030);
	assert_true(b->tcp_md5.have_rise);
	assert_int_equal(b->tcp_md5.rise, 6);
	assert_int_equal(b->tcp_md5.last_rise_at, 1030);

	assert_int_equal(b->tcp_md5.watched_ms, 30000);
	o.prev = b; /* no change: the last rise is kept */
	c = collect_at(&o, 1060);
	assert_true(c->tcp_md5.have_rise);
	assert_int_equal(c->tcp_md5.rise, 0);
	assert_int_equal(c->tcp_md5.last_rise_at, 1030);

	write_netstat(dir, 2, 0, 0); /* counters went down (a new namespace): nothing to compare */
	o.prev = c;
	d = collect_at(&o, 1090);
	assert_false(d->tcp_md5.have_rise);
	assert_int_equal(d->tcp_md5.last_rise_at, 0);

	snprintf(path, sizeof(path), "%s/net/netstat", dir);
	unlink(path);
	o.prev = d;
	e = er_observed_new();
	assert_int_equal(er_collect_tcp_md5(&o, e, err, sizeof(err)), ER_COLLECT_ERROR);
	assert_false(e->tcp_md5.have);
	snprintf(path, sizeof(path), "%s/net/netstat: No such file or directory", dir);
	assert_string_equal(err, path);

	snprintf(path, sizeof(path), "%s/net", dir);
	rmdir(path);
	rmdir(dir);
	er_observed_unref(a);
	er_observed_unref(b);
	er_observed_unref(c);
	er_observed_unref(d);
	er_observed_unref(e);
}

/*
 * One collection without a previous one (erreadyd --check) and a session
 * with a key down: the counters are watched, here for the 300 ms the
 * collector may take, and do not move; with every keyed session up there
 * is nothing to watch.
 */
static void
test_watch_without_previous(void **state)
{
	char dir[] = "/tmp/ernetstat-XXXXXX", path[256], err[256];
	char *cfg = fx_edit(fx_read_data(FX_CONFIG), "\"customer-asn\": 65010,", "\"customer-asn\": 65010, \"md5-key\": \"k1\",");
	char *snap = fx_edit(fx_read_data(FX_OBSERVED), "\"state\": \"established\"", "\"state\": \"active\"");
	struct er_collect_opts o;
	struct er_observed *obs;
	unsigned long long t0;
	struct fx fx;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_netstat(dir, 5, 0, 0);
	fx_load(&fx, cfg, snap);
	er_collect_opts_init(&o, fx.cfg);
	o.proc_root = dir;
	o.timeout_ms = 300;
	/* the snapshot's first neighbour, 172.16.0.2, is the private primary MSEE: now Active */
	obs = er_observed_new();
	obs->nbrs = fx.obs->nbrs;
	obs->n_nbrs = fx.obs->n_nbrs;
	t0 = er_now_us();
	assert_int_equal(er_collect_tcp_md5(&o, obs, err, sizeof(err)), ER_COLLECT_OK);
	assert_true(er_now_us() - t0 >= 290000);
	assert_true(obs->tcp_md5.have_rise);
	assert_int_equal(obs->tcp_md5.rise, 0);
	assert_true(obs->tcp_md5.watched_ms >= 290 && obs->tcp_md5.watched_ms < 2000);
	assert_int_equal(obs->tcp_md5.last_rise_at, 0);
	obs->nbrs = NULL;
	obs->n_nbrs = 0;
	er_observed_unref(obs);
	fx_free(&fx);

	/* every session Established: one reading, no wait */
	fx_load(&fx, cfg, NULL);
	er_collect_opts_init(&o, fx.cfg);
	o.proc_root = dir;
	obs = er_observed_new();
	t0 = er_now_us();
	assert_int_equal(er_collect_tcp_md5(&o, obs, err, sizeof(err)), ER_COLLECT_OK);
	assert_true(er_now_us() - t0 < 100000);
	assert_false(obs->tcp_md5.have_rise);
	assert_int_equal(obs->tcp_md5.failure, 5);
	er_observed_unref(obs);
	fx_free(&fx);

	free(cfg);
	free(snap);
	snprintf(path, sizeof(path), "%s/net/netstat", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/net", dir);
	rmdir(path);
	rmdir(dir);
}

static void
set_key(int fd, const char *key)
{
	struct tcp_md5sig sig;
	struct sockaddr_in *peer = (struct sockaddr_in *)&sig.tcpm_addr;

	memset(&sig, 0, sizeof(sig));
	peer->sin_family = AF_INET;
	peer->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sig.tcpm_keylen = (uint16_t)strlen(key);
	memcpy(sig.tcpm_key, key, strlen(key));
	if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof(sig)) < 0)
		_exit(3);
}

/*
 * The real kernel, in a network namespace of its own (nothing touches the
 * host's): a listener keyed "keyA" and a client keyed "keyB" on loopback.
 * The listener's side drops the client's SYNs and counts TCPMD5Failure;
 * the collector reads the rise through /proc.
 */
static void
test_live_kernel_mismatch(void **state)
{
	int status;
	pid_t child;

	(void)state;
	if (geteuid() != 0)
		skip();
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct er_collect_opts o;
		struct er_observed *before, *after;
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);
		struct pollfd p;
		int lfd, cfd, one = 1, i;
		char err[256];

		if (unshare(CLONE_NEWNET) < 0 || system("ip link set lo up") != 0)
			_exit(2);
		er_collect_opts_init(&o, NULL);
		before = er_observed_new();
		if (er_collect_tcp_md5(&o, before, err, sizeof(err)) != ER_COLLECT_OK)
			_exit(4);
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		lfd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		set_key(lfd, "keyA");
		if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1) < 0 ||
		    getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0)
			_exit(5);
		cfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		set_key(cfd, "keyB");
		if (connect(cfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno != EINPROGRESS)
			_exit(6);
		/* the SYN goes out at once; the kernel retransmits after 1 s: wait at most 3 s for a count */
		o.prev = before;
		for (i = 0; i < 30; i++) {
			p.fd = cfd;
			p.events = POLLOUT;
			if (poll(&p, 1, 100) > 0 && !(p.revents & (POLLERR | POLLHUP)))
				_exit(7); /* connected: the keys were not checked */
			after = er_observed_new();
			after->collected_at = 2000;
			if (er_collect_tcp_md5(&o, after, err, sizeof(err)) != ER_COLLECT_OK)
				_exit(8);
			if (after->tcp_md5.have_rise && after->tcp_md5.rise > 0 && after->tcp_md5.failure > before->tcp_md5.failure &&
			    after->tcp_md5.last_rise_at == 2000) {
				er_observed_unref(after);
				er_observed_unref(before);
				_exit(0);
			}
			er_observed_unref(after);
		}
		_exit(9);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_bad_text),
		cmocka_unit_test(test_rise_between_readings),
		cmocka_unit_test(test_watch_without_previous),
		cmocka_unit_test(test_live_kernel_mismatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
