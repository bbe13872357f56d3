/*
 * Route lookups toward Microsoft (rule 32): RTM_GETROUTE answers captured
 * on a real kernel (tests/fixtures/netlink/<uname -r>/route-*.rtnl, the
 * link dump then one answer per looked-up prefix, with the prefixes in
 * route-*.targets), replayed through er_route_parse(); the choice of
 * prefixes; malformed answers; and, as root, a live lookup in a network
 * namespace of our own, which is also how the fixture is captured:
 *   test_golden_route --capture DIR   (then ERREADY_UPDATE_GOLDEN=1 to write
 *                                      the .expected file)
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "collect.h"
#include "fixture.h"
#include "netlink_parse.h"
#include "util.h"

#define NETNS_SKIP 77

/* The MSEEs of the example config's Microsoft peering send these; the namespace below routes each differently. */
static const char BGP_SNAPSHOT[] =
	"{\"bgp\": {\"neighbors\": ["
	"{\"address\": \"131.107.0.2\", \"remote-as\": 12076, \"state\": \"established\", \"received\": ["
	"\"40.96.0.0/13\", \"52.96.0.0/14\", \"13.107.128.0/22\", \"23.103.160.0/20\", \"132.245.0.0/16\"]},"
	"{\"address\": \"131.107.0.6\", \"remote-as\": 12076, \"state\": \"established\", \"received\": ["
	"\"40.96.0.0/13\", \"150.171.32.0/22\", \"204.79.197.215/32\"]},"
	"{\"address\": \"172.16.0.2\", \"remote-as\": 12076, \"state\": \"established\", \"received\": [\"10.10.0.0/16\"]}"
	"]}}";

static const char SETUP[] =
	"ip link set lo up\n"
	"ip link add eth1.300 type veth peer name m1\n"
	"ip link add eth2.300 type veth peer name m2\n"
	"ip link add eth0 type veth peer name i0\n"
	"for d in eth1.300 m1 eth2.300 m2 eth0 i0; do ip link set $d up; done\n"
	"ip addr add 131.107.0.1/30 dev eth1.300\n"
	"ip addr add 131.107.0.5/30 dev eth2.300\n"
	"ip addr add 198.18.0.2/30 dev eth0\n"
	"ip route add 40.96.0.0/13 via 131.107.0.2\n"
	"ip route add 40.96.0.0/16 via 198.18.0.1\n"
	"ip route add 52.96.0.0/14 via 131.107.0.6\n"
	"ip route add blackhole 13.107.128.0/22\n"
	"ip route add unreachable 23.103.160.0/20\n"
	"ip route add prohibit 132.245.0.0/16\n"
	"ip route add 204.79.197.215/32 dev eth2.300\n";
/* 150.171.32.0/22 has no route at all (no default route): "network unreachable". */

static const char EXPECTED_LIVE[] =
	"lookup 13.107.128.0/22 type=blackhole oif=- via=-\n"
	"lookup 23.103.160.0/20 type=unreachable oif=- via=-\n"
	"lookup 40.96.0.0/13 type=unicast oif=eth0 via=198.18.0.1\n"
	"lookup 52.96.0.0/14 type=unicast oif=eth2.300 via=131.107.0.6\n"
	"lookup 132.245.0.0/16 type=prohibit oif=- via=-\n"
	"lookup 150.171.32.0/22 type=none oif=- via=-\n"
	"lookup 204.79.197.215/32 type=unicast oif=eth2.300 via=-\n";

static const char *capture_dir;

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = xcalloc(1, (size_t)n + 1);
	if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail_msg("cannot read %s", path);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The lookups only, as er_observed_dump prints them. */
static char *
dump_lookups(const struct er_observed *obs)
{
	char *text = NULL, *out = xcalloc(1, 1), *line, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	er_observed_dump(obs, f);
	fclose(f);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "lookup ", 7)) {
			out = xreallocarray(out, strlen(out) + strlen(line) + 2, 1);
			strcat(out, line);
			strcat(out, "\n");
		}
	free(text);
	return out;
}

/* The config's choice: Microsoft peering prefixes only, sorted, each once; not the private peering's. */
static void
test_targets(void **state)
{
	struct fx fx;
	struct er_prefix *t;
	char a[ER_PREFIX_STRLEN];
	size_t n, i;
	char *c = fx_read_data(FX_CONFIG), got[1024] = "";

	(void)state;
	fx_load(&fx, c, BGP_SNAPSHOT);
	n = er_route_lookup_targets(fx.cfg, fx.obs, &t);
	for (i = 0; i < n; i++)
		strlcatf(got, sizeof(got), "%s%s", i ? " " : "", er_prefix_str(&t[i], a, sizeof(a)));
	assert_string_equal(got, "13.107.128.0/22 23.103.160.0/20 40.96.0.0/13 52.96.0.0/14 132.245.0.0/16 "
	                         "150.171.32.0/22 204.79.197.215/32");
	free(t);
	fx_free(&fx);
	free(c);
}

/* More prefixes than the bound: an even sample over the sorted table, its first and spread entries. */
static void
test_targets_bounded(void **state)
{
	char *snap = xcalloc(1, 64 * 1024), *c = fx_read_data(FX_CONFIG), a[ER_PREFIX_STRLEN];
	struct er_prefix *t;
	struct fx fx;
	size_t n, i;

	(void)state;
	strcat(snap, "{\"bgp\": {\"neighbors\": [{\"address\": \"131.107.0.2\", \"state\": \"established\", \"received\": [");
	for (i = 0; i < 1000; i++)
		sprintf(snap + strlen(snap), "%s\"20.%zu.%zu.0/24\"", i ? ", " : "", i / 256, i % 256);
	strcat(snap, "]}]}}");
	fx_load(&fx, c, snap);
	n = er_route_lookup_targets(fx.cfg, fx.obs, &t);
	assert_int_equal(n, ER_ROUTE_LOOKUP_MAX);
	assert_string_equal(er_prefix_str(&t[0], a, sizeof(a)), "20.0.0.0/24");
	assert_string_equal(er_prefix_str(&t[1], a, sizeof(a)), "20.0.15.0/24"); /* 1 * 1000 / 64 = 15 */
	assert_string_equal(er_prefix_str(&t[63], a, sizeof(a)), "20.3.216.0/24"); /* 63 * 1000 / 64 = 984 */
	free(t);
	fx_free(&fx);
	free(c);
	free(snap);
}

/* Read "prefix" lines of a .targets file. */
static size_t
read_targets(const char *path, struct er_prefix **out)
{
	size_t len, n = 0;
	char *text = slurp(path, &len), *line, *save = NULL;

	*out = NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || !line[0])
			continue;
		*out = xreallocarray(*out, n + 1, sizeof(**out));
		if (er_prefix_parse(line, false, true, &(*out)[n++]) < 0)
			fail_msg("%s: '%s' is not a prefix", path, line);
	}
	free(text);
	return n;
}

/* Every tests/fixtures/netlink/<kernel>/route-*.rtnl with its .targets against its .expected. */
static void
test_golden_captured(void **state)
{
	static const char *const cases[] = { "6.18.44-fc-v1272/route-lookup" };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char bin[1200], tgt[1200], rel[300], err[512];
		struct er_observed *obs = er_observed_new();
		struct er_prefix *t;
		size_t len, n;
		char *buf;

		snprintf(rel, sizeof(rel), "netlink/%s.rtnl", cases[i]);
		snprintf(bin, sizeof(bin), "%s", fx_fixture(rel));
		snprintf(rel, sizeof(rel), "netlink/%s.targets", cases[i]);
		snprintf(tgt, sizeof(tgt), "%s", fx_fixture(rel));
		buf = slurp(bin, &len);
		n = read_targets(tgt, &t);
		if (er_route_parse(buf, len, t, n, obs, err, sizeof(err)) < 0)
			fail_msg("%s: %s", bin, err);
		er_observed_finalize(obs);
		snprintf(rel, sizeof(rel), "netlink/%s.expected", cases[i]);
		fx_golden(obs, rel);
		er_observed_unref(obs);
		free(buf);
		free(t);
	}
}

/* Hand-built answers: an unexpected kernel error, too many and too few answers, a cut message. */
static void
test_malformed(void **state)
{
	union {
		struct nlmsghdr h;
		char b[1024];
	} u;
	struct er_prefix t[1];
	struct er_observed *obs = er_observed_new();
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	struct rtmsg *rtm;
	char err[256];

	(void)state;
	assert_int_equal(er_prefix_parse("40.96.0.0/13", false, true, &t[0]), 0);
	memset(&u, 0, sizeof(u));
	nlh = mnl_nlmsg_put_header(u.b);
	nlh->nlmsg_type = NLMSG_ERROR;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -EPERM;
	assert_int_equal(er_route_parse(u.b, nlh->nlmsg_len, t, 1, obs, err, sizeof(err)), -1);
	assert_string_equal(err, "NLMSG_ERROR at byte 0: the kernel answered: Operation not permitted");

	/* No answer for the one lookup. */
	assert_int_equal(er_route_parse(u.b, 0, t, 1, obs, err, sizeof(err)), -1);
	assert_string_equal(err, "0 answers for 1 lookups");

	/* Two answers for one lookup. */
	memset(&u, 0, sizeof(u));
	nlh = mnl_nlmsg_put_header(u.b);
	nlh->nlmsg_type = RTM_NEWROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_OIF, 7);
	memcpy(u.b + nlh->nlmsg_len, u.b, nlh->nlmsg_len);
	assert_int_equal(er_route_parse(u.b, 2 * nlh->nlmsg_len, t, 1, obs, err, sizeof(err)), -1);
	assert_string_equal(err, "RTM_NEWROUTE at byte 36: more answers than the 1 lookups");

	/* A message cut short, and an attribute whose length runs past its message. */
	assert_int_equal(er_route_parse(u.b, nlh->nlmsg_len - 4, t, 1, obs, err, sizeof(err)), -1);
	assert_string_equal(err, "truncated netlink message at byte 0 of 32");
	((struct nlattr *)(void *)(u.b + MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*rtm))))->nla_len = 200;
	assert_int_equal(er_route_parse(u.b, nlh->nlmsg_len, t, 1, obs, err, sizeof(err)), -1);
	assert_string_equal(err, "message at byte 0: attribute at offset 12 has a bad length 200");
	assert_int_equal(obs->n_lookups, 0);
	er_observed_unref(obs);
}

static int
enter_new_netns(void)
{
	struct stat before, after;

	if (stat("/proc/self/ns/net", &before) < 0 || unshare(CLONE_NEWNET) < 0 ||
	    stat("/proc/self/ns/net", &after) < 0 || before.st_ino == after.st_ino)
		return -1;
	return 0;
}

/*
 * Child: in a fresh namespace set up by SETUP, collect as erreadyd does
 * (links, addresses, neighbours, then the lookups) and write the lookups
 * to @p fd; with capture_dir, record what the kernel answered.
 */
static int
live_child(int fd)
{
	char *argv[] = { "/bin/sh", "-ec", (char *)SETUP, NULL }, *o = NULL, err[512], path[1200];
	char *c = fx_read_data(FX_CONFIG), *text;
	struct er_collect_opts opts;
	struct er_nl_io io;
	struct fx fx;
	FILE *rec = NULL;
	int rc;

	if (enter_new_netns() < 0)
		return NETNS_SKIP;
	if (er_run_command(argv, er_now_us() + 30000000ull, &o, NULL, err, sizeof(err)) != ER_COLLECT_OK) {
		dprintf(fd, "setup failed: %s\n", err);
		return 2;
	}
	free(o);
	fx_load(&fx, c, BGP_SNAPSHOT);
	er_collect_opts_init(&opts, fx.cfg);
	if (er_nl_io_kernel(&io, err, sizeof(err)) != ER_COLLECT_OK)
		return 3;
	if (capture_dir) {
		snprintf(path, sizeof(path), "%s/route-lookup.rtnl", capture_dir);
		if (!(rec = fopen(path, "wb")))
			return 4;
		io.record = rec;
	}
	rc = er_netlink_collect_io(&io, &opts, fx.obs, er_now_us() + 5000000ull, err, sizeof(err));
	er_nl_io_close(&io);
	if (rec)
		fclose(rec);
	if (rc != ER_COLLECT_OK) {
		dprintf(fd, "collector failed (%d): %s\n", rc, err);
		return 5;
	}
	er_observed_finalize(fx.obs);
	text = dump_lookups(fx.obs);
	dprintf(fd, "%s", text);
	if (capture_dir) {
		struct er_prefix *t;
		size_t n = er_route_lookup_targets(fx.cfg, fx.obs, &t), i;
		char a[ER_PREFIX_STRLEN], *line, *save = NULL;
		FILE *f;
		struct utsname u;
		snprintf(path, sizeof(path), "%s/route-lookup.targets", capture_dir);
		if (!(f = fopen(path, "w")))
			return 6;
		uname(&u);
		fprintf(f, "# Captured by test_golden_route --capture on %s in a fresh network namespace set up with:\n",
		    u.release);
		o = xstrdup(SETUP);
		for (line = strtok_r(o, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			fprintf(f, "# %s\n", line);
		free(o);
		fprintf(f, "# The prefixes looked up, in order (received from 131.107.0.2 and 131.107.0.6):\n");
		for (i = 0; i < n; i++)
			fprintf(f, "%s\n", er_prefix_str(&t[i], a, sizeof(a)));
		fclose(f);
		free(t);
	}
	free(text);
	fx_free(&fx);
	free(c);
	return 0;
}

/* Fork, run live_child, read what it writes; its exit status. */
static int
in_child(char **text)
{
	size_t len = 0, cap = 4096;
	int p[2], status = 0;
	ssize_t r;
	pid_t pid;

	*text = xcalloc(1, cap);
	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(p[0]);
		_exit(live_child(p[1]));
	}
	assert_true(pid > 0);
	close(p[1]);
	while ((r = read(p[0], *text + len, cap - len - 1)) > 0) {
		len += (size_t)r;
		if (cap - len < 512)
			*text = xreallocarray(*text, cap *= 2, 1);
	}
	(*text)[len] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* As root: the real kernel answers, through the collector erreadyd runs. */
static void
test_live(void **state)
{
	char *text;
	int st;

	(void)state;
	if (geteuid() != 0) {
		skip();
		return;
	}
	st = in_child(&text);
	if (st == NETNS_SKIP) {
		free(text);
		skip();
		return;
	}
	if (st != 0)
		fail_msg("live lookup child exited %d: %s", st, text);
	assert_string_equal(text, EXPECTED_LIVE);
	free(text);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_targets_bounded),
		cmocka_unit_test(test_golden_captured),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_live),
	};

	if (argc == 3 && !strcmp(argv[1], "--capture")) {
		char *text;
		int st;
		capture_dir = argv[2];
		st = in_child(&text);
		fputs(text, stdout);
		free(text);
		return st;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
