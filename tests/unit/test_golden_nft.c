/*
 * nftables: the netlink decoder against rulesets captured from the real
 * kernel after nft 1.0.6 loaded them (tests/fixtures/nft/1.0.6: <case>.nft
 * loaded into a namespace, <case>.nl the nf_tables dump the collector
 * reads, captured by capture.sh with nft_capture, <case>.expected the
 * decoded state), its error messages, and, as root, the live collector
 * inside a network namespace of its own: same state as the golden file,
 * deadline and permission handling, and its time against
 * `nft -j list ruleset`.
 *
 * The live tests never touch the root namespace: they create ernft<pid>h
 * and ernft<pid>b, and delete them in the group teardown and at exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "collect.h"
#include "fixture.h"
#include "util.h"

#define CASE_DIR "nft/1.0.6/"

/* A capture: the bytes of <case>.nl. */
struct cap {
	char *p;
	size_t len;
};

static struct cap
read_case(const char *name)
{
	char rel[128];
	struct cap c = { NULL, 0 };
	FILE *f;
	long n = 0;

	snprintf(rel, sizeof(rel), CASE_DIR "%s.nl", name);
	if (!(f = fopen(fx_fixture(rel), "rb")) || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0)
		fail_msg("%s: %s", rel, strerror(errno));
	c.len = (size_t)n;
	c.p = xcalloc(1, c.len + 1);
	if (fread(c.p, 1, c.len, f) != c.len)
		fail_msg("%s: short read", rel);
	fclose(f);
	return c;
}

/* Decode a captured ruleset as er_collect_all() would use it. */
static struct er_observed *
parse_case(const char *name)
{
	char err[512] = "";
	struct cap c = read_case(name);
	struct er_observed *obs = er_observed_new();

	if (er_nft_parse(c.p, c.len, obs, err, sizeof(err)) != 0)
		fail_msg("%s.nl: %s", name, err);
	free(c.p);
	er_observed_finalize(obs);
	return obs;
}

static void
golden(const char *name)
{
	struct er_observed *obs = parse_case(name);
	char rel[128];

	snprintf(rel, sizeof(rel), CASE_DIR "%s.expected", name);
	fx_golden(obs, rel);
	er_observed_unref(obs);
}

static void
test_healthy(void **state)
{
	(void)state;
	golden("healthy");
}

static void
test_no_snat(void **state)
{
	(void)state;
	golden("no-snat");
}

static void
test_private_pool(void **state)
{
	(void)state;
	golden("private-pool");
}

static void
test_no_remark(void **state)
{
	(void)state;
	golden("no-remark");
}

static void
test_ip6(void **state)
{
	(void)state;
	golden("ip6");
}

/*
 * No ruleset: nothing decoded. (No golden file: fx_read_data() cannot read
 * an empty one.)
 */
static void
test_empty(void **state)
{
	struct er_observed *obs = parse_case("empty");
	char *dump = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&dump, &len);

	(void)state;
	er_observed_dump(obs, m);
	fclose(m);
	assert_string_equal(dump, "");
	free(dump);
	er_observed_unref(obs);
}

/*
 * Every syntax variant of forms.nft. The netdev chain's device ("lo"),
 * which nft 1.0.6 left out of its JSON, is in the netlink dump: the
 * chain's rule applies to it (the last line).
 */
static void
test_forms(void **state)
{
	(void)state;
	golden("forms");
}

/*
 * Encodings only the netlink view shows (netlink.nft says which, one per
 * rule): intervals and ranges of DSCP values, forms the decoder does not
 * follow (a shifted ip6 dscp lookup, a limit, a mark, a wildcard in a
 * set) reported as "other" and never as a match, verdict-map jumps, NAT
 * through a map of ranges, and tables that imply the address family.
 */
static void
test_netlink_forms(void **state)
{
	(void)state;
	golden("netlink");
}

static void
test_big(void **state)
{
	char err[512] = "";
	struct cap c = read_case("big");
	struct er_observed *obs = er_observed_new();
	unsigned long long t0 = er_now_us();

	(void)state;
	assert_int_equal(er_nft_parse(c.p, c.len, obs, err, sizeof(err)), 0);
	print_message("[ info     ] decoding big.nl (10,000 rules, %zu bytes): %.1f ms\n", c.len,
	    (double)(er_now_us() - t0) / 1000.0);
	assert_int_equal(obs->n_nat, 10);
	assert_int_equal(obs->n_dscp, 991); /* 988 + the Teams rule + the re-mark, once per interface */
	er_observed_finalize(obs);
	fx_golden(obs, CASE_DIR "big.expected");
	free(c.p);
	er_observed_unref(obs);
}

/*
 * The captured rulesets through the NAT and QoS checks, with the example
 * config's Microsoft peering on msft1/msft2: what each case is about is
 * what the checks find.
 */
static enum er_status
check_case(const char *name, uint32_t code)
{
	char err[512], *cfg = fx_read_data(FX_CONFIG), *c1 = fx_replace(cfg, "\"eth1.300\"", "\"msft1\""),
	    *c2 = fx_replace(c1, "\"eth2.300\"", "\"msft2\"");
	struct cap c = read_case(name);
	enum er_status st;
	struct fx fx;

	fx_load(&fx, c2, NULL);
	if (er_nft_parse(c.p, c.len, fx.obs, err, sizeof(err)) != 0)
		fail_msg("%s.nl: %s", name, err);
	er_observed_set_status(fx.obs, ER_SRC_NAT, ER_COLL_OK, "nftables", 0, NULL);
	er_observed_set_status(fx.obs, ER_SRC_QOS, ER_COLL_OK, "nftables", 0, NULL);
	er_observed_finalize(fx.obs);
	st = fx_run(&fx, code, "er-ams-1", ER_PEERING_MICROSOFT, ER_PATH_NONE);
	fx_free(&fx);
	free(c.p);
	free(c2);
	free(c1);
	free(cfg);
	return st;
}

static void
test_checks_on_captures(void **state)
{
	static const struct {
		const char *name;
		enum er_status snat, edge, dscp, remark; /* checks 280, 320, 350, 360 */
	} cases[] = {
		{ "healthy", ER_PASS, ER_PASS, ER_PASS, ER_PASS },
		/* Without SNAT the host's LAN addresses decide (rule 28); these captures carry none. */
		{ "no-snat", ER_UNKNOWN, ER_PASS, ER_PASS, ER_PASS },
		{ "private-pool", ER_FAIL, ER_PASS, ER_PASS, ER_PASS },
		{ "no-remark", ER_PASS, ER_PASS, ER_PASS, ER_FAIL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_string_equal(er_status_name(check_case(cases[i].name, 280)), er_status_name(cases[i].snat));
		assert_string_equal(er_status_name(check_case(cases[i].name, 320)), er_status_name(cases[i].edge));
		assert_string_equal(er_status_name(check_case(cases[i].name, 350)), er_status_name(cases[i].dscp));
		assert_string_equal(er_status_name(check_case(cases[i].name, 360)), er_status_name(cases[i].remark));
	}
}

/* ------------------------------------------------------------------ */
/* Errors: exact messages, and nothing appended on failure. */

static void
assert_parse_error(const void *buf, size_t len, const char *want)
{
	char err[512] = "";
	struct er_observed *obs = er_observed_new();

	assert_int_equal(er_nft_parse(buf, len, obs, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_int_equal(obs->n_nat, 0);
	assert_int_equal(obs->n_dscp, 0);
	er_observed_unref(obs);
}

/* The offset of the @p nth (0-based) message of type @p msg in @p c; fails the test when there is none. */
static size_t
msg_at(const struct cap *c, uint16_t msg, size_t nth)
{
	size_t off = 0;

	while (off + sizeof(struct nlmsghdr) <= c->len) {
		const void *at = c->p + off;
		const struct nlmsghdr *nlh = at;
		if (nlh->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | msg) && nth-- == 0)
			return off;
		off += MNL_ALIGN(nlh->nlmsg_len);
	}
	fail_msg("no message %u in the capture", msg);
	return 0;
}

static unsigned
nlh_len(const struct cap *c, size_t at)
{
	const void *p = c->p + at;

	return ((const struct nlmsghdr *)p)->nlmsg_len;
}

/* A dump cut short: the decoder names the place, and nothing is appended. */
static void
test_error_truncated(void **state)
{
	struct cap c = read_case("healthy");
	size_t at = msg_at(&c, NFT_MSG_NEWRULE, 1);
	char want[256];

	(void)state;
	snprintf(want, sizeof(want),
	    "truncated netlink message at byte %zu of %zu (%zu bytes left, length field %u)", at, at + 20, (size_t)20,
	    ((const struct nlmsghdr *)(const void *)(c.p + at))->nlmsg_len);
	assert_parse_error(c.p, at + 20, want);
	free(c.p);
}

/* Messages that are not part of an nf_tables dump, and the kernel's refusal in the stream. */
static void
test_error_messages(void **state)
{
	struct cap c = read_case("healthy");
	size_t at = msg_at(&c, NFT_MSG_NEWRULE, 0);
	void *p = c.p + at;
	struct nlmsghdr *nlh = p;
	struct nlmsgerr *e;
	char want[256];

	(void)state;
	nlh->nlmsg_type = 16; /* RTM_NEWLINK */
	snprintf(want, sizeof(want), "RTM_NEWLINK at byte %zu: message type 0x0010 is not an nf_tables object", at);
	assert_parse_error(c.p, c.len, want);
	/* An error reply where the rules were: EPERM, as an unprivileged reader gets. */
	nlh->nlmsg_type = NLMSG_ERROR;
	e = mnl_nlmsg_get_payload(nlh);
	e->error = -EPERM;
	snprintf(want, sizeof(want), "NLMSG_ERROR at byte %zu: the kernel answered: Operation not permitted", at);
	assert_parse_error(c.p, c.len, want);
	free(c.p);
}

/* An attribute whose length runs past its message: the whole dump is refused, with the place. */
static void
test_error_attribute(void **state)
{
	struct cap c = read_case("healthy");
	size_t at = msg_at(&c, NFT_MSG_NEWRULE, 0);
	void *p = c.p + at + MNL_NLMSG_HDRLEN + sizeof(struct nfgenmsg);
	struct nlattr *a = p;
	char want[256];

	(void)state;
	a->nla_len = 0xfff0;
	snprintf(want, sizeof(want), "NFT_MSG_NEWRULE at byte %zu: attributes: malformed attribute at byte 0 of %u", at,
	    nlh_len(&c, at) - (unsigned)(MNL_NLMSG_HDRLEN + sizeof(struct nfgenmsg)));
	assert_parse_error(c.p, c.len, want);
	free(c.p);
}

/*
 * An attribute of another size than the kernel writes (the fuzzer's first
 * find: libnftnl exit()s on one): the expression is not read, and the rule
 * it belongs to is narrowed by something not understood ("other"), never
 * read as a match. Here the flags of the re-mark rule's `ip dscp != { ... }`
 * lookup lose a byte (nla_len 8 -> 7; the next attribute stays aligned).
 */
static void
test_attribute_size(void **state)
{
	static const unsigned char flags_inv[] = { 8, 0, NFTA_LOOKUP_FLAGS, 0, 0, 0, 0, 1 };
	struct cap c = read_case("healthy");
	size_t at = msg_at(&c, NFT_MSG_NEWRULE, 5), i;
	struct er_observed *obs = er_observed_new();
	char err[256] = "";
	bool found = false;

	(void)state;
	for (i = at; i + sizeof(flags_inv) <= at + nlh_len(&c, at) && !found; i++)
		if (!memcmp(c.p + i, flags_inv, sizeof(flags_inv))) {
			c.p[i] = 7;
			found = true;
		}
	assert_true(found);
	assert_int_equal(er_nft_parse(c.p, c.len, obs, err, sizeof(err)), 0);
	assert_int_equal(obs->n_dscp, 5);
	assert_int_equal(obs->dscp[3].match, ER_DSCP_OTHER);
	assert_int_equal(obs->dscp[4].match, ER_DSCP_OTHER);
	assert_int_equal(obs->dscp[3].set_dscp, 0);
	/* The rules before it are read as before. */
	assert_int_equal(obs->dscp[0].match, ER_DSCP_OTHER);
	assert_int_equal(obs->dscp[0].set_dscp, 46);
	assert_int_equal(obs->n_nat, 3);
	free(c.p);
	er_observed_unref(obs);
}

/* Elements of a set that the dump does not list. */
static void
test_error_elements(void **state)
{
	struct cap c = read_case("healthy");
	size_t at = msg_at(&c, NFT_MSG_NEWSET, 0);
	void *p = c.p + at;
	struct nlmsghdr *nlh = p;
	char want[256];

	(void)state;
	/* The set becomes a table message (ignored): its elements point nowhere. */
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE;
	snprintf(want, sizeof(want), "NFT_MSG_NEWSETELEM at byte %zu: elements of set ip nat __set0, which the dump does "
	                             "not have", msg_at(&c, NFT_MSG_NEWSETELEM, 0));
	assert_parse_error(c.p, c.len, want);
	free(c.p);
}

/* A failed decode leaves rules decoded before it in place, and adds none. */
static void
test_error_keeps_state(void **state)
{
	char err[512];
	struct cap c = read_case("healthy");
	struct er_observed *obs = er_observed_new();

	(void)state;
	assert_int_equal(er_nft_parse(c.p, c.len, obs, err, sizeof(err)), 0);
	assert_int_equal(obs->n_nat, 3);
	assert_int_equal(obs->n_dscp, 5);
	assert_int_equal(er_nft_parse(c.p, c.len - 1, obs, err, sizeof(err)), -1);
	assert_int_equal(obs->n_nat, 3);
	assert_int_equal(obs->n_dscp, 5);
	free(c.p);
	er_observed_unref(obs);
}

/* ------------------------------------------------------------------ */
/* Live: the collector inside namespaces of our own. */

static char ns_healthy[32], ns_big[32];
static bool have_ns;

static void
ns_delete(char *ns)
{
	char *argv[] = { "ip", "netns", "del", ns, NULL }, *out = NULL, err[256];

	if (!ns[0])
		return;
	if (er_run_command(argv, er_now_us() + 10000000ull, &out, NULL, err, sizeof(err)) != ER_COLLECT_OK)
		print_error("cannot delete namespace %s: %s\n", ns, err);
	free(out);
	ns[0] = '\0';
}

/* Runs at exit too, so a failing test cannot leave a namespace behind. */
static void
ns_cleanup(void)
{
	ns_delete(ns_healthy);
	ns_delete(ns_big);
	have_ns = false;
}

static int
run(char *const argv[], char *err, size_t errlen)
{
	char *out = NULL;
	int rc = er_run_command(argv, er_now_us() + 60000000ull, &out, NULL, err, errlen);

	free(out);
	return rc;
}

/* Create namespace @p ns and load @p ruleset (a case name) into it. */
static bool
ns_create(char *ns, const char *suffix, const char *ruleset)
{
	char err[256], file[256];
	char *add[] = { "ip", "netns", "add", ns, NULL };
	char *load[] = { "ip", "netns", "exec", ns, "nft", "-f", file, NULL };

	snprintf(ns, 32, "ernft%ld%s", (long)getpid(), suffix);
	snprintf(file, sizeof(file), "%s", fx_fixture(CASE_DIR));
	strlcatf(file, sizeof(file), "%s.nft", ruleset);
	if (run(add, err, sizeof(err)) != ER_COLLECT_OK) {
		print_message("[ info     ] no namespace for the live tests: %s\n", err);
		ns[0] = '\0';
		return false;
	}
	if (run(load, err, sizeof(err)) != ER_COLLECT_OK) {
		print_error("loading %s into %s: %s\n", ruleset, ns, err);
		return false;
	}
	return true;
}

/*
 * Interrupted: delete the namespaces, then die of the signal. Only
 * async-signal-safe calls (fork, execvp, waitpid) here.
 */
static void
on_signal(int sig)
{
	char *names[] = { ns_healthy, ns_big };
	size_t i;
	pid_t pid;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!names[i][0])
			continue;
		if ((pid = fork()) == 0) {
			char *argv[] = { "ip", "netns", "del", names[i], NULL };
			execvp(argv[0], argv);
			_exit(127);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
live_setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	atexit(ns_cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	have_ns = ns_create(ns_healthy, "h", "healthy") && ns_create(ns_big, "b", "big");
	if (!have_ns)
		ns_cleanup();
	return 0;
}

static int
live_teardown(void **state)
{
	(void)state;
	ns_cleanup();
	return 0;
}

/* What a child reports back: a collector's result and the state's dump. */
struct live_result {
	int rc;
	char err[256];
	double collect_ms, raw_ms; /* er_collect_nft, and `nft -j list ruleset` run as a program */
	char *dump;
};

enum live_op { OP_COLLECT, OP_TIMING, OP_DEADLINE, OP_NO_PERMISSION };

/* In the child: write everything to @p fd in one text block. */
static void
child_report(int fd, int rc, const char *err, double a, double b, const struct er_observed *obs)
{
	char *dump = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&dump, &len);

	fprintf(m, "%d\n%s\n%.3f %.3f\n", rc, err, a, b);
	if (obs)
		er_observed_dump(obs, m);
	fclose(m);
	if (write(fd, dump, len) != (ssize_t)len)
		_exit(3);
	free(dump);
}

static void __attribute__((noreturn))
child_main(const char *ns, enum live_op op, int fd)
{
	char path[128], err[256] = "", *out = NULL;
	char *raw[] = { "nft", "-j", "list", "ruleset", NULL };
	struct er_observed *obs = er_observed_new();
	unsigned long long t0, t1, t2;
	int nsfd, rc;

	/* Not to outlive an interrupted test. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	if ((nsfd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
		dprintf(fd, "-9\nsetns %s: %s\n0 0\n", path, strerror(errno));
		_exit(2);
	}
	close(nsfd);
	switch (op) {
	case OP_COLLECT:
		rc = er_collect_nft(NULL, obs, er_now_us() + 60000000ull, err, sizeof(err));
		er_observed_finalize(obs);
		child_report(fd, rc, err, 0, 0, obs);
		break;
	case OP_TIMING:
		t0 = er_now_us();
		rc = er_collect_nft(NULL, obs, t0 + 60000000ull, err, sizeof(err));
		t1 = er_now_us();
		/* The same query as the nft program, in the same namespace, right after. */
		if (er_run_command(raw, t1 + 60000000ull, &out, NULL, err, sizeof(err)) != ER_COLLECT_OK)
			rc = -8;
		t2 = er_now_us();
		free(out);
		er_observed_finalize(obs);
		child_report(fd, rc, err, (double)(t1 - t0) / 1000.0, (double)(t2 - t1) / 1000.0, obs);
		break;
	case OP_DEADLINE:
		/* 1 ms for 10,000 rules: a timeout (or, on a very fast host, the answer), quickly. */
		t0 = er_now_us();
		rc = er_collect_nft(NULL, obs, t0 + 1000, err, sizeof(err));
		t1 = er_now_us();
		/* The collector's query process must be gone: no child left to reap. */
		if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD)
			rc = -7;
		/* A deadline already passed: no query at all. */
		t2 = er_now_us();
		if (er_collect_nft(NULL, obs, t2 - 1, err, sizeof(err)) != ER_COLLECT_TIMEOUT ||
		    strcmp(err, "nftables netlink: no time left before the deadline") != 0)
			rc = -6;
		child_report(fd, rc, err, (double)(t1 - t0) / 1000.0, (double)(er_now_us() - t2) / 1000.0, NULL);
		break;
	case OP_NO_PERMISSION:
		if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0) {
			dprintf(fd, "-9\nsetresuid: %s\n0 0\n", strerror(errno));
			_exit(2);
		}
		rc = er_collect_nft(NULL, obs, er_now_us() + 60000000ull, err, sizeof(err));
		child_report(fd, rc, err, 0, 0, NULL);
		break;
	}
	er_observed_unref(obs);
	_exit(0);
}

/* Fork a child into namespace @p ns to run @p op; bounded wait, child killed by pid on timeout. */
static void
live_run(const char *ns, enum live_op op, struct live_result *res)
{
	unsigned long long deadline = er_now_us() + 120000000ull;
	size_t len = 0, cap = 1 << 16;
	char *buf = xcalloc(1, cap), *p = NULL, *q = NULL;
	int pfd[2], status = 0;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(pfd[0]);
		child_main(ns, op, pfd[1]);
	}
	assert_true(pid > 0);
	close(pfd[1]);
	for (;;) {
		struct pollfd pl = { pfd[0], POLLIN, 0 };
		long long ms = ((long long)deadline - (long long)er_now_us()) / 1000;
		ssize_t r;
		if (ms <= 0 || poll(&pl, 1, (int)ms) == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			close(pfd[0]);
			free(buf);
			fail_msg("live child in %s did not answer in 120 s", ns);
		}
		if (cap - len < 4096)
			buf = xreallocarray(buf, cap *= 2, 1);
		r = read(pfd[0], buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(pfd[0]);
	buf[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* "rc\nerr\ncollect_ms raw_ms\ndump" */
	if (sscanf(buf, "%d", &res->rc) != 1 || !(p = strchr(buf, '\n')) || !(q = strchr(p + 1, '\n'))) {
		free(buf);
		fail_msg("live child in %s: no report (status %d)", ns, status);
	}
	snprintf(res->err, sizeof(res->err), "%.*s", (int)(q - p - 1), p + 1);
	if (sscanf(q + 1, "%lf %lf", &res->collect_ms, &res->raw_ms) != 2 || !(p = strchr(q + 1, '\n'))) {
		free(buf);
		fail_msg("live child in %s: bad report", ns);
	}
	res->dump = xstrdup(p + 1);
	free(buf);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("live child in %s exited with status %d: %s", ns, status, res->err);
}

static void
require_live(void)
{
	if (geteuid() != 0) {
		print_message("[ info     ] not root: live nftables tests skipped\n");
		skip();
	}
	if (!have_ns) {
		print_message("[ info     ] no test namespace: live nftables tests skipped\n");
		skip();
	}
}

static void
assert_dump_is(const char *dump, const char *expected)
{
	char *want = fx_read_data(fx_fixture(expected));

	assert_string_equal(dump, want);
	free(want);
}

static void
test_live_collect(void **state)
{
	struct live_result res;

	(void)state;
	require_live();
	live_run(ns_healthy, OP_COLLECT, &res);
	assert_string_equal(res.err, "");
	assert_int_equal(res.rc, ER_COLLECT_OK);
	assert_dump_is(res.dump, CASE_DIR "healthy.expected");
	free(res.dump);
}

static void
test_live_timing(void **state)
{
	struct live_result res;
	int i;

	(void)state;
	require_live();
	for (i = 0; i < 3; i++) {
		live_run(ns_big, OP_TIMING, &res);
		assert_string_equal(res.err, "");
		assert_int_equal(res.rc, ER_COLLECT_OK);
		print_message("[ info     ] 10,000 rules, run %d: er_collect_nft %.1f ms, nft -j list ruleset %.1f ms\n",
		    i + 1, res.collect_ms, res.raw_ms);
		assert_dump_is(res.dump, CASE_DIR "big.expected");
		free(res.dump);
	}
}

static void
test_live_deadline(void **state)
{
	struct live_result res;

	(void)state;
	require_live();
	live_run(ns_big, OP_DEADLINE, &res);
	print_message("[ info     ] 1 ms deadline: rc %d after %.1f ms; past deadline: %.3f ms\n", res.rc,
	    res.collect_ms, res.raw_ms);
	assert_true(res.rc == ER_COLLECT_TIMEOUT || res.rc == ER_COLLECT_OK);
	/* Killed at the deadline, not left to finish; generous for valgrind. */
	assert_true(res.collect_ms < 2000.0);
	assert_true(res.raw_ms < 50.0);
	free(res.dump);
}

static void
test_live_no_permission(void **state)
{
	struct live_result res;

	(void)state;
	require_live();
	live_run(ns_healthy, OP_NO_PERMISSION, &res);
	assert_int_equal(res.rc, ER_COLLECT_ERROR);
	assert_string_equal(res.err, "nftables netlink: NFT_MSG_GETCHAIN dump: Operation not permitted");
	free(res.dump);
}

int
main(void)
{
	const struct CMUnitTest parse[] = {
		cmocka_unit_test(test_healthy),
		cmocka_unit_test(test_no_snat),
		cmocka_unit_test(test_private_pool),
		cmocka_unit_test(test_no_remark),
		cmocka_unit_test(test_ip6),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_netlink_forms),
		cmocka_unit_test(test_big),
		cmocka_unit_test(test_checks_on_captures),
		cmocka_unit_test(test_error_truncated),
		cmocka_unit_test(test_error_messages),
		cmocka_unit_test(test_error_attribute),
		cmocka_unit_test(test_error_elements),
		cmocka_unit_test(test_attribute_size),
		cmocka_unit_test(test_error_keeps_state),
	};
	const struct CMUnitTest live[] = {
		cmocka_unit_test(test_live_collect),
		cmocka_unit_test(test_live_timing),
		cmocka_unit_test(test_live_deadline),
		cmocka_unit_test(test_live_no_permission),
	};
	int failed = cmocka_run_group_tests_name("nft parser", parse, NULL, NULL);

	return failed + cmocka_run_group_tests_name("nft live", live, live_setup, live_teardown);
}
