/*
 * The messages between the collector and view processes (frame.h,
 * observed_wire.h, collect_wire.h): whole messages come through unchanged;
 * truncated, oversized, mistyped and lying ones are refused with their
 * reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "collect_wire.h"
#include "fixture.h"
#include "frame.h"
#include "observed_wire.h"
#include "util.h"

static void
pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

static void
raw(int fd, uint32_t type, uint32_t len, const void *body, size_t body_len)
{
	struct er_frame_hdr h = { type, len };

	assert_int_equal(write(fd, &h, sizeof(h)), (ssize_t)sizeof(h));
	if (body_len)
		assert_int_equal(write(fd, body, body_len), (ssize_t)body_len);
}

/* Receive on sv[0] after sv[1] was closed; the result and the reason. */
static int
recv_closed(int sv[2], uint32_t want, size_t max, char *err, size_t errlen)
{
	void *p;
	size_t n;
	int rc;

	close(sv[1]);
	rc = er_frame_recv(sv[0], want, max, 0, &p, &n, err, errlen);
	close(sv[0]);
	if (rc == 0)
		free(p);
	return rc;
}

static void
frame_roundtrip(void **state)
{
	int sv[2];
	char err[128];
	void *p;
	size_t n;

	(void)state;
	pair(sv);
	assert_int_equal(er_frame_send(sv[1], ER_MSG_COLLECT, "hello", 5, err, sizeof(err)), 0);
	assert_int_equal(er_frame_send(sv[1], ER_MSG_COLLECT, NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(er_frame_recv(sv[0], ER_MSG_COLLECT, 1024, 0, &p, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(p, "hello", 5);
	free(p);
	assert_int_equal(er_frame_recv(sv[0], ER_MSG_COLLECT, 1024, 0, &p, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_null(p);
	/* the peer closed between two messages: end of file, not an error */
	assert_int_equal(recv_closed(sv, ER_MSG_COLLECT, 1024, err, sizeof(err)), ER_FRAME_EOF);
}

static void
frame_truncated_header(void **state)
{
	int sv[2];
	char err[128];

	(void)state;
	pair(sv);
	assert_int_equal(write(sv[1], "\1\0\0\0\5", 5), 5);
	assert_int_equal(recv_closed(sv, ER_MSG_COLLECT, 1024, err, sizeof(err)), ER_FRAME_BAD);
	assert_string_equal(err, "truncated header: 5 of 8 bytes");
}

static void
frame_truncated_payload(void **state)
{
	int sv[2];
	char err[128];

	(void)state;
	pair(sv);
	raw(sv[1], ER_MSG_OBSERVED, 100, "0123456789", 10);
	assert_int_equal(recv_closed(sv, ER_MSG_OBSERVED, 1024, err, sizeof(err)), ER_FRAME_BAD);
	assert_string_equal(err, "truncated message: 10 of 100 bytes");
}

static void
frame_oversized(void **state)
{
	int sv[2];
	char err[128];

	(void)state;
	pair(sv);
	/* refused on the header: nothing is allocated for the 4 GiB it claims */
	raw(sv[1], ER_MSG_COLLECT, UINT32_MAX, NULL, 0);
	assert_int_equal(recv_closed(sv, ER_MSG_COLLECT, 1024, err, sizeof(err)), ER_FRAME_BAD);
	assert_string_equal(err, "message of 4294967295 bytes is over the limit of 1024");
}

static void
frame_wrong_type(void **state)
{
	int sv[2];
	char err[128];

	(void)state;
	pair(sv);
	raw(sv[1], ER_MSG_OBSERVED, 0, NULL, 0);
	assert_int_equal(recv_closed(sv, ER_MSG_COLLECT, 1024, err, sizeof(err)), ER_FRAME_BAD);
	assert_string_equal(err, "message type 2 where 1 was expected");
	pair(sv);
	raw(sv[1], 0, 0, NULL, 0);
	assert_int_equal(recv_closed(sv, ER_MSG_OBSERVED, 1024, err, sizeof(err)), ER_FRAME_BAD);
	assert_string_equal(err, "message type 0 where 2 was expected");
}

static void
frame_deadline(void **state)
{
	int sv[2];
	char err[128];
	void *p;
	size_t n;

	(void)state;
	pair(sv);
	assert_int_equal(er_frame_recv(sv[0], ER_MSG_OBSERVED, 1024, er_now_us() + 50000, &p, &n, err, sizeof(err)),
	    ER_FRAME_IO);
	assert_string_equal(err, "no answer within the deadline");
	close(sv[0]);
	close(sv[1]);
}

static struct er_observed *
healthy(void)
{
	char err[256];
	char *text = fx_read_data("observed-healthy.json");
	struct er_observed *obs = er_observed_parse_json(text, "observed-healthy.json", err, sizeof(err));

	assert_non_null(obs);
	free(text);
	return obs;
}

static char *
dump(const struct er_observed *obs)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	er_observed_dump(obs, f);
	fclose(f);
	return text;
}

static void
observed_roundtrip(void **state)
{
	struct er_observed *obs = healthy(), *back;
	struct er_wbuf b = { NULL, 0, 0 };
	char err[256], *d1, *d2;
	int s;

	(void)state;
	assert_true(obs->n_nbrs > 0 && obs->n_ifs > 0 && obs->n_nat > 0 && obs->n_dscp > 0);
	er_observed_wire_encode(obs, &b);
	back = er_observed_wire_decode(b.p, b.len, err, sizeof(err));
	assert_non_null(back);
	d1 = dump(obs);
	d2 = dump(back);
	assert_string_equal(d2, d1);
	assert_int_equal(back->collected_at, obs->collected_at);
	for (s = 0; s < ER_SRC_COUNT; s++) {
		assert_int_equal(back->src[s].status, obs->src[s].status);
		assert_string_equal(back->src[s].message, obs->src[s].message);
	}
	/* the indexes are rebuilt on this side */
	assert_int_equal(back->addr_idx.n, obs->addr_idx.n);
	free(d1);
	free(d2);
	er_wbuf_free(&b);
	er_observed_unref(back);
	er_observed_unref(obs);
}

/* Decode @p b as changed by @p edit at @p off (bytes of @p n), expecting NULL and @p want. */
static void
observed_refused(const struct er_wbuf *b, size_t cut, size_t off, const void *edit, size_t n, const char *want)
{
	unsigned char *copy = xcalloc(1, b->len + 4);
	char err[256];
	struct er_observed *obs;

	memcpy(copy, b->p, b->len);
	if (edit)
		memcpy(copy + off, edit, n);
	obs = er_observed_wire_decode(copy, cut, err, sizeof(err));
	assert_null(obs);
	assert_string_equal(err, want);
	free(copy);
}

static void
observed_lies(void **state)
{
	struct er_observed *obs = healthy();
	struct er_wbuf b = { NULL, 0, 0 };
	size_t nbr_count = sizeof(uint64_t) + sizeof(obs->src), first_nbr = nbr_count + 4;
	uint32_t big = 1000000;
	unsigned char bad_state = 9;
	struct er_bgp_neighbor nb;
	char want[256];

	(void)state;
	er_observed_wire_encode(obs, &b);
	/* a count that the bytes left cannot hold */
	snprintf(want, sizeof(want), "neighbors: count 1000000 needs %zu bytes, %zu left",
	    (size_t)1000000 * sizeof(struct er_bgp_neighbor), b.len - first_nbr);
	observed_refused(&b, b.len, nbr_count, &big, sizeof(big), want);
	/* cut short, and longer than it says */
	observed_refused(&b, b.len - 1, 0, NULL, 0, "queues: count 2 needs 96 bytes, 95 left");
	observed_refused(&b, b.len + 4, 0, NULL, 0, "observed state: 4 bytes left over after the last field");
	observed_refused(&b, 3, 0, NULL, 0, "collected-at: 8 bytes needed, 3 left");
	/* a value its type cannot hold */
	observed_refused(&b, b.len, first_nbr + offsetof(struct er_bgp_neighbor, state), &bad_state, 1,
	    "neighbor: state 9");
	memcpy(&nb, b.p + first_nbr, sizeof(nb));
	memset(nb.last_error, 'x', sizeof(nb.last_error));
	observed_refused(&b, b.len, first_nbr, &nb, sizeof(nb), "neighbor: unterminated string");
	er_wbuf_free(&b);
	er_observed_unref(obs);
}

/* A neighbour whose route points outside its AS-path pool. */
static void
observed_path_outside_pool(void **state)
{
	struct er_observed *obs = er_observed_new(), *back;
	struct er_wbuf b = { NULL, 0, 0 };
	char err[256];
	uint32_t path[2] = { 12076, 65000 };

	(void)state;
	obs->nbrs = xcalloc(1, sizeof(*obs->nbrs));
	obs->n_nbrs = 1;
	obs->nbrs[0].addr.family = ER_AF_INET;
	obs->nbrs[0].state = ER_BGP_ESTABLISHED;
	obs->nbrs[0].rcv = xcalloc(1, sizeof(struct er_route));
	obs->nbrs[0].n_rcv = 1;
	obs->nbrs[0].rcv[0].pfx.addr.family = ER_AF_INET;
	obs->nbrs[0].rcv[0].pfx.len = 24;
	obs->nbrs[0].rcv[0].path_off = 1;
	obs->nbrs[0].rcv[0].path_len = 2;
	obs->nbrs[0].paths = xcalloc(2, sizeof(uint32_t));
	memcpy(obs->nbrs[0].paths, path, sizeof(path));
	obs->nbrs[0].n_paths = 2;
	er_observed_wire_encode(obs, &b);
	assert_null(er_observed_wire_decode(b.p, b.len, err, sizeof(err)));
	assert_string_equal(err, "route: AS path 1+2 outside a pool of 2");
	er_wbuf_free(&b);
	obs->nbrs[0].rcv[0].path_off = 0;
	er_observed_wire_encode(obs, &b);
	back = er_observed_wire_decode(b.p, b.len, err, sizeof(err));
	assert_non_null(back);
	assert_int_equal(er_route_path(&back->nbrs[0], &back->nbrs[0].rcv[0])[1], 65000);
	er_observed_unref(back);
	er_wbuf_free(&b);
	er_observed_unref(obs);
}

static void
request_roundtrip(void **state)
{
	struct fx fx;
	struct er_collect_opts o, got;
	struct er_config *cfg;
	struct er_wbuf b = { NULL, 0, 0 };
	char err[256], *text = fx_read_data(FX_CONFIG);
	size_t c, p, n = 0;

	(void)state;
	fx_load(&fx, text, NULL);
	free(text);
	er_collect_opts_init(&o, fx.cfg);
	o.timeout_ms = 1234;
	er_collect_wire_encode(&o, &b);
	er_collect_opts_init(&got, NULL);
	assert_int_equal(er_collect_wire_decode(b.p, b.len, &got, &cfg, err, sizeof(err)), 0);
	assert_int_equal(got.timeout_ms, 1234);
	assert_int_equal(got.bgp, o.bgp);
	assert_string_equal(got.bird_socket, o.bird_socket);
	assert_string_equal(got.vtysh, "vtysh"); /* the collector's own, never sent */
	for (c = 0; c < fx.cfg->n_circuits; c++)
		for (p = 0; p < fx.cfg->circuits[c].n_peerings; p++, n++) {
			const struct er_peering_cfg *a = &fx.cfg->circuits[c].peerings[p], *z = &cfg->circuits[0].peerings[n];
			assert_int_equal(z->type, a->type);
			assert_int_equal(z->enabled, a->enabled);
			assert_int_equal(z->has_md5, a->has_md5);
			assert_memory_equal(z->v4, a->v4, sizeof(a->v4));
			assert_string_equal(z->ifname[0], a->ifname[0]);
		}
	assert_true(n > 0);
	assert_int_equal(cfg->n_peering_ifnames, fx.cfg->n_peering_ifnames);
	assert_true(er_config_is_peering_interface(cfg, fx.cfg->peering_ifnames[0]));
	er_config_unref(cfg);
	er_wbuf_free(&b);
	fx_free(&fx);
}

static void
request_expect(const struct er_collect_opts *o, const char *want)
{
	struct er_wbuf b = { NULL, 0, 0 };
	struct er_collect_opts got;
	struct er_config *cfg;
	char err[256];

	er_collect_wire_encode(o, &b);
	er_collect_opts_init(&got, NULL);
	assert_int_equal(er_collect_wire_decode(b.p, b.len, &got, &cfg, err, sizeof(err)), -1);
	assert_null(cfg);
	assert_string_equal(err, want);
	er_wbuf_free(&b);
}

static void
request_policy_ok(const struct er_collect_opts *o)
{
	struct er_wbuf b = { NULL, 0, 0 };
	struct er_collect_opts got;
	struct er_config *cfg;
	char err[256];

	er_collect_wire_encode(o, &b);
	er_collect_opts_init(&got, NULL);
	assert_int_equal(er_collect_wire_decode(b.p, b.len, &got, &cfg, err, sizeof(err)), 0);
	assert_int_equal(got.bgp, o->bgp);
	assert_string_equal(got.frr_pathspace, o->frr_pathspace);
	er_config_unref(cfg);
	er_wbuf_free(&b);
}

/* Sound, but not to be used: 1, BGP not collected, the reason for its status. */
static void
request_policy(const struct er_collect_opts *o, const char *want)
{
	struct er_wbuf b = { NULL, 0, 0 };
	struct er_collect_opts got;
	struct er_config *cfg;
	char err[256];

	er_collect_wire_encode(o, &b);
	er_collect_opts_init(&got, NULL);
	assert_int_equal(er_collect_wire_decode(b.p, b.len, &got, &cfg, err, sizeof(err)), 1);
	assert_int_equal(got.bgp, ER_BGPSRC_NONE);
	assert_string_equal(err, want);
	er_config_unref(cfg);
	er_wbuf_free(&b);
}

static void
request_unusable_paths(void **state)
{
	struct er_collect_opts o;

	(void)state;
	er_collect_opts_init(&o, NULL);
	o.frr_pathspace = "../../tmp/x";
	request_policy(&o, "frr-pathspace is not a plain name: not used by the collector process");
	er_collect_opts_init(&o, NULL);
	o.bird_socket = "run/bird.ctl";
	request_policy(&o, "bird-socket is not an absolute path (without ..) of at most 107 bytes: not used by the "
			   "collector process");
	o.bird_socket = "/run/bird/../frr/zserv.api";
	request_policy(&o, "bird-socket is not an absolute path (without ..) of at most 107 bytes: not used by the "
			   "collector process");
	/* FRR's default instance and a named one pass */
	er_collect_opts_init(&o, NULL);
	o.frr_pathspace = "";
	request_policy_ok(&o);
	o.frr_pathspace = "erl12-ce";
	request_policy_ok(&o);
}

static void
request_refused(void **state)
{
	struct er_collect_opts o;
	struct er_wbuf b = { NULL, 0, 0 };
	struct er_config *cfg;
	char err[256];
	uint32_t lie = 3;

	(void)state;
	er_collect_opts_init(&o, NULL);
	o.timeout_ms = 0;
	request_expect(&o, "timeout: 0 ms is not within 1..600000");
	er_collect_opts_init(&o, NULL);
	o.bgp = (enum er_bgp_source)9;
	request_expect(&o, "bgp source: 9 is not a source");
	/* a peering count the message does not hold */
	er_collect_opts_init(&o, NULL);
	er_collect_wire_encode(&o, &b);
	memcpy(b.p + b.len - 8, &lie, sizeof(lie));
	assert_int_equal(er_collect_wire_decode(b.p, b.len, &o, &cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "peerings: count 3 needs 318 bytes, 4 left");
	er_wbuf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frame_roundtrip),
		cmocka_unit_test(frame_truncated_header),
		cmocka_unit_test(frame_truncated_payload),
		cmocka_unit_test(frame_oversized),
		cmocka_unit_test(frame_wrong_type),
		cmocka_unit_test(frame_deadline),
		cmocka_unit_test(observed_roundtrip),
		cmocka_unit_test(observed_lies),
		cmocka_unit_test(observed_path_outside_pool),
		cmocka_unit_test(request_roundtrip),
		cmocka_unit_test(request_unusable_paths),
		cmocka_unit_test(request_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
