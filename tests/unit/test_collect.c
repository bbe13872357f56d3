/*
 * The collector orchestration: BGP source selection (auto, frr, bird,
 * none), and that a failing or hung source is reported with its status,
 * daemon and message without holding up the others.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "collect.h"
#include "addr.h"
#include "fixture.h"
#include "util.h"

static void
opts(struct er_collect_opts *o, enum er_bgp_source bgp, const char *vtysh)
{
	er_collect_opts_init(o, NULL);
	o->bgp = bgp;
	o->vtysh = vtysh;
	o->bird_socket = "/nonexistent/bird.ctl";
	o->timeout_ms = 300;
}

static void
test_auto_none_found(void **state)
{
	char vtysh[1024];
	struct er_collect_opts o;
	struct er_observed *obs;

	(void)state;
	snprintf(vtysh, sizeof(vtysh), "%s", fx_fixture("frr/fail-vtysh.sh"));
	opts(&o, ER_BGPSRC_AUTO, vtysh);
	obs = er_collect_all(&o);
	assert_int_equal(obs->src[ER_SRC_BGP].status, ER_COLL_DISABLED);
	assert_string_equal(obs->src[ER_SRC_BGP].daemon, "auto");
	assert_non_null(strstr(obs->src[ER_SRC_BGP].message, "no BGP daemon found (FRR: "));
	assert_non_null(strstr(obs->src[ER_SRC_BGP].message, "failed to connect to any daemons."));
	assert_non_null(strstr(obs->src[ER_SRC_BGP].message, "BIRD: no socket at /nonexistent/bird.ctl)"));
	/* The other sources were still collected (each has a status). */
	assert_true(obs->src[ER_SRC_INTERFACES].status != 0);
	assert_true(obs->src[ER_SRC_NAT].status != 0);
	assert_true(obs->src[ER_SRC_QOS].status != 0);
	assert_true(obs->src[ER_SRC_CONNTRACK].status != 0);
	er_observed_unref(obs);
}

static void
test_frr_hung_times_out(void **state)
{
	char vtysh[1024];
	struct er_collect_opts o;
	struct er_observed *obs;
	unsigned long long t0;

	(void)state;
	snprintf(vtysh, sizeof(vtysh), "%s", fx_fixture("frr/hang-vtysh.sh"));
	opts(&o, ER_BGPSRC_FRR, vtysh);
	t0 = er_now_us();
	obs = er_collect_all(&o);
	/* 300 ms per source; the whole cycle stays bounded. */
	assert_true(er_now_us() - t0 < 3000000ull);
	assert_int_equal(obs->src[ER_SRC_BGP].status, ER_COLL_TIMEOUT);
	assert_string_equal(obs->src[ER_SRC_BGP].daemon, "frr");
	assert_true(obs->src[ER_SRC_INTERFACES].status != 0);
	er_observed_unref(obs);
}

static void
test_bird_forced_without_socket(void **state)
{
	struct er_collect_opts o;
	struct er_observed *obs;

	(void)state;
	opts(&o, ER_BGPSRC_BIRD, "vtysh");
	obs = er_collect_all(&o);
	assert_int_equal(obs->src[ER_SRC_BGP].status, ER_COLL_ERROR);
	assert_string_equal(obs->src[ER_SRC_BGP].daemon, "bird");
	assert_string_equal(obs->src[ER_SRC_BGP].message,
	    "cannot connect to BIRD at /nonexistent/bird.ctl: No such file or directory");
	er_observed_unref(obs);
}

static void
test_none(void **state)
{
	struct er_collect_opts o;
	struct er_observed *obs;

	(void)state;
	opts(&o, ER_BGPSRC_NONE, "vtysh");
	obs = er_collect_all(&o);
	assert_int_equal(obs->src[ER_SRC_BGP].status, ER_COLL_DISABLED);
	assert_string_equal(obs->src[ER_SRC_BGP].message, "BGP source set to none");
	assert_int_equal(obs->n_nbrs, 0);
	er_observed_unref(obs);
}

static void
test_conntrack_procfs(void **state)
{
	char dir[] = "/tmp/erct-XXXXXX", path[256];
	struct er_collect_opts o;
	struct er_observed *obs = er_observed_new();
	char err[256];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sys/net/netfilter", dir);
	{
		char cmd[512];
		snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
		assert_int_equal(system(cmd), 0);
	}
	snprintf(path, sizeof(path), "%s/sys/net/netfilter/nf_conntrack_count", dir);
	f = fopen(path, "w");
	fputs("1200\n", f);
	fclose(f);
	er_collect_opts_init(&o, NULL);
	o.proc_root = dir;
	assert_int_equal(er_collect_conntrack(&o, obs, er_now_us() + 1000000, err, sizeof(err)), ER_COLLECT_ERROR);
	snprintf(path, sizeof(path), "%s/sys/net/netfilter/nf_conntrack_max", dir);
	f = fopen(path, "w");
	fputs("262144\n", f);
	fclose(f);
	assert_int_equal(er_collect_conntrack(&o, obs, er_now_us() + 1000000, err, sizeof(err)), ER_COLLECT_OK);
	assert_int_equal(obs->conntrack_count, 1200);
	assert_int_equal(obs->conntrack_max, 262144);
	{
		char cmd[512];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
	er_observed_unref(obs);
}

/* One BGP neighbor, as a collector would have read it. */
static struct er_observed *
one_nbr(const char *addr, enum er_bgp_state st, const char *last_error)
{
	struct er_observed *obs = er_observed_new();

	obs->nbrs = calloc(1, sizeof(*obs->nbrs));
	assert_non_null(obs->nbrs);
	obs->n_nbrs = 1;
	assert_int_equal(er_addr_parse(addr, &obs->nbrs[0].addr), 0);
	obs->nbrs[0].state = st;
	snprintf(obs->nbrs[0].last_error, sizeof(obs->nbrs[0].last_error), "%s", last_error);
	er_observed_set_status(obs, ER_SRC_BGP, ER_COLL_OK, "bird", 1, NULL);
	er_observed_finalize(obs);
	return obs;
}

/*
 * The MSEE's Cease (prefix limit) outlives the refused reconnects that
 * follow it, until the session is Established again or the peer says
 * something else.
 */
static void
test_keep_peer_reasons(void **state)
{
	const char *cease = "Received: Maximum number of prefixes reached";
	struct er_observed *was = one_nbr("172.16.0.2", ER_BGP_ACTIVE, cease), *now;

	(void)state;
	now = one_nbr("172.16.0.2", ER_BGP_ACTIVE, "Socket: Connection refused");
	er_keep_peer_reasons(was, now);
	assert_string_equal(now->nbrs[0].last_error, cease);
	er_observed_unref(now);

	/* a new reason from the peer wins */
	now = one_nbr("172.16.0.2", ER_BGP_ACTIVE, "Received: Administrative shutdown");
	er_keep_peer_reasons(was, now);
	assert_string_equal(now->nbrs[0].last_error, "Received: Administrative shutdown");
	er_observed_unref(now);

	/* Established again: nothing to explain */
	now = one_nbr("172.16.0.2", ER_BGP_ESTABLISHED, "");
	er_keep_peer_reasons(was, now);
	assert_string_equal(now->nbrs[0].last_error, "");
	er_observed_unref(now);

	/* another neighbor inherits nothing */
	now = one_nbr("172.16.0.6", ER_BGP_CONNECT, "Socket: Connection refused");
	er_keep_peer_reasons(was, now);
	assert_string_equal(now->nbrs[0].last_error, "Socket: Connection refused");
	er_observed_unref(now);
	er_observed_unref(was);

	/* it was Established in between: the old reason is history */
	was = one_nbr("172.16.0.2", ER_BGP_ESTABLISHED, "");
	now = one_nbr("172.16.0.2", ER_BGP_ACTIVE, "Socket: Connection refused");
	er_keep_peer_reasons(was, now);
	assert_string_equal(now->nbrs[0].last_error, "Socket: Connection refused");
	er_observed_unref(now);
	er_observed_unref(was);

	/* FRR's wording: "<reason> (Notification received)" */
	was = one_nbr("172.16.0.2", ER_BGP_IDLE, "Cease/Maximum Number of Prefixes Reached (Notification received)");
	now = one_nbr("172.16.0.2", ER_BGP_ACTIVE, "Waiting for NHT");
	er_keep_peer_reasons(was, now);
	assert_string_equal(now->nbrs[0].last_error, "Cease/Maximum Number of Prefixes Reached (Notification received)");
	er_observed_unref(now);
	er_observed_unref(was);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_none_found),
		cmocka_unit_test(test_frr_hung_times_out),
		cmocka_unit_test(test_bird_forced_without_socket),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_conntrack_procfs),
		cmocka_unit_test(test_keep_peer_reasons),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
