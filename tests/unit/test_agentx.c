/*
 * Our AgentX subagent (agent/snmp/agentx_pdu.c, agentx.c, agentx_glue.c).
 * The codec: every PDU type encoded and decoded again in both byte
 * orders, one PDU checked byte for byte against RFC 2741's layout, and
 * malformed PDUs refused. The session: this test plays the master on a
 * UNIX socket (the real snmpd is in integration.snmp.agentx) and checks
 * Open and Register, GET/GETNEXT/GETBULK answered from the real MIB view
 * in the request's byte order, TestSet/CommitSet through the datastore,
 * Notify, parseError, and a master that stops answering being dropped and
 * reconnected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <libyang/libyang.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agentx.h"
#include "agentx_glue.h"
#include "agentx_pdu.h"
#include "alerts.h"
#include "datastore.h"
#include "fixture.h"
#include "snmp_agent.h"
#include "snmp_mib.h"
#include "util.h"

static const uint32_t ROOT[] = { ER_MIB_ROOT };

/* ---- codec ---- */

static size_t
mkoid(uint32_t *o, const uint32_t *rel, size_t n)
{
	memcpy(o, ROOT, sizeof(ROOT));
	memcpy(o + ER_MIB_ROOT_LEN, rel, n * sizeof(*rel));
	return ER_MIB_ROOT_LEN + n;
}

static void
begin(struct ax_buf *b, uint8_t type, uint8_t flags)
{
	struct ax_hdr h = { .version = 1, .type = type, .flags = flags, .session = 7, .transaction = 8, .packet = 9 };

	ax_pdu_begin(b, &h);
}

static void
decode_ok(struct ax_buf *b, struct ax_pdu *p, uint8_t type, bool nbo)
{
	assert_int_equal(ax_pdu_decode(b->p, b->len, p), 0);
	assert_int_equal(p->h.type, type);
	assert_int_equal(p->h.session, 7);
	assert_int_equal(p->h.transaction, 8);
	assert_int_equal(p->h.packet, 9);
	assert_int_equal(p->h.plen, b->len - AX_HDR_LEN);
	assert_int_equal((p->h.flags & AX_F_NETWORK_BYTE_ORDER) != 0, nbo);
}

static void
assert_oid(const struct ax_oid *o, const uint32_t *want, size_t n)
{
	assert_int_equal(o->n, n);
	assert_memory_equal(o->sub, want, n * sizeof(*want));
}

static void
roundtrip_order(uint8_t nbo)
{
	struct ax_buf b = { 0 };
	struct ax_pdu p;
	uint32_t o[ER_MIB_MAX_OID], e[ER_MIB_MAX_OID];
	static const uint32_t rel1[] = { 1, 1, 1, 0 }, rel2[] = { 1, 6 }, nonstd[] = { 2, 5, 4 };
	size_t n1 = mkoid(o, rel1, 4), n2 = mkoid(e, rel2, 2);
	uint8_t f = nbo ? AX_F_NETWORK_BYTE_ORDER : 0;
	int t;

	/* Open: timeout, id, description */
	begin(&b, AX_OPEN, f);
	ax_put_u8x4(&b, 12, 0, 0, 0);
	ax_put_oid(&b, ROOT, ER_MIB_ROOT_LEN, false);
	ax_put_octets(&b, "erreadyd", 8);
	ax_pdu_end(&b);
	decode_ok(&b, &p, AX_OPEN, nbo);
	assert_int_equal(p.u.open.timeout, 12);
	assert_oid(&p.u.open.id, ROOT, ER_MIB_ROOT_LEN);
	assert_int_equal(p.u.open.descr_len, 8);
	assert_memory_equal(p.u.open.descr, "erreadyd", 8);
	ax_pdu_clear(&p);
	b.len = 0;

	begin(&b, AX_CLOSE, f);
	ax_put_u8x4(&b, AX_CLOSE_SHUTDOWN, 0, 0, 0);
	ax_pdu_end(&b);
	decode_ok(&b, &p, AX_CLOSE, nbo);
	assert_int_equal(p.u.close_reason, AX_CLOSE_SHUTDOWN);
	ax_pdu_clear(&p);
	b.len = 0;

	/* Register and Unregister, with a range (RFC 2741 6.2.3: upper_bound after the subtree) */
	for (t = AX_REGISTER; t <= AX_UNREGISTER; t++) {
		begin(&b, (uint8_t)t, f);
		ax_put_u8x4(&b, 3, 127, 10, 0);
		ax_put_oid(&b, o, n1, false);
		ax_put_u32(&b, 22);
		ax_pdu_end(&b);
		decode_ok(&b, &p, (uint8_t)t, nbo);
		assert_int_equal(p.u.reg.timeout, 3);
		assert_int_equal(p.u.reg.priority, 127);
		assert_int_equal(p.u.reg.range_subid, 10);
		assert_int_equal(p.u.reg.upper, 22);
		assert_oid(&p.u.reg.subtree, o, n1);
		ax_pdu_clear(&p);
		b.len = 0;
	}

	/* Get, GetNext, GetBulk: search ranges (a non-internet OID has no prefix) */
	for (t = AX_GET; t <= AX_GETBULK; t++) {
		begin(&b, (uint8_t)t, f);
		if (t == AX_GETBULK) {
			ax_put_u16(&b, 1);
			ax_put_u16(&b, 25);
		}
		ax_put_oid(&b, o, n1, true);
		ax_put_oid(&b, e, n2, false);
		ax_put_oid(&b, nonstd, 3, false);
		ax_put_oid(&b, NULL, 0, false);
		ax_pdu_end(&b);
		decode_ok(&b, &p, (uint8_t)t, nbo);
		assert_int_equal(p.n_ranges, 2);
		assert_oid(&p.ranges[0].start, o, n1);
		assert_true(p.ranges[0].start.include);
		assert_oid(&p.ranges[0].end, e, n2);
		assert_oid(&p.ranges[1].start, nonstd, 3);
		assert_int_equal(p.ranges[1].end.n, 0);
		if (t == AX_GETBULK) {
			assert_int_equal(p.u.bulk.non_repeaters, 1);
			assert_int_equal(p.u.bulk.max_repetitions, 25);
		}
		ax_pdu_clear(&p);
		b.len = 0;
	}

	/* TestSet, Notify, IndexAllocate, IndexDeallocate, Response: every varbind type */
	for (t = AX_TESTSET; t <= AX_RESPONSE; t++) {
		if (t != AX_TESTSET && t != AX_NOTIFY && t != AX_INDEXALLOCATE && t != AX_INDEXDEALLOCATE &&
		    t != AX_RESPONSE)
			continue;
		begin(&b, (uint8_t)t, f);
		if (t == AX_RESPONSE) {
			ax_put_u32(&b, 123456);
			ax_put_u16(&b, AX_E_PARSEERROR);
			ax_put_u16(&b, 2);
		}
		ax_put_vb_num(&b, o, n1, AX_V_INTEGER, (uint64_t)(int64_t)-5);
		ax_put_vb_num(&b, o, n1, AX_V_GAUGE32, 4000000000u);
		ax_put_vb_num(&b, o, n1, AX_V_COUNTER32, 1);
		ax_put_vb_num(&b, o, n1, AX_V_TIMETICKS, 100);
		ax_put_vb_num(&b, o, n1, AX_V_COUNTER64, 0x0102030405060708ull);
		ax_put_vb_octets(&b, o, n1, AX_V_OCTETS, "abcde", 5);
		ax_put_vb_octets(&b, o, n1, AX_V_IPADDRESS, "\x0a\x00\x00\x01", 4);
		ax_put_vb_octets(&b, o, n1, AX_V_OPAQUE, "", 0);
		ax_put_vb_oid(&b, o, n1, e, n2);
		ax_put_vb_none(&b, o, n1, AX_V_NULL);
		ax_put_vb_none(&b, o, n1, AX_V_NOSUCHOBJECT);
		ax_put_vb_none(&b, o, n1, AX_V_NOSUCHINSTANCE);
		ax_put_vb_none(&b, e, n2, AX_V_ENDOFMIBVIEW);
		ax_pdu_end(&b);
		decode_ok(&b, &p, (uint8_t)t, nbo);
		if (t == AX_RESPONSE) {
			assert_int_equal(p.u.res.sysuptime, 123456);
			assert_int_equal(p.u.res.error, AX_E_PARSEERROR);
			assert_int_equal(p.u.res.index, 2);
		}
		assert_int_equal(p.n_vbs, 13);
		assert_oid(&p.vbs[0].name, o, n1);
		assert_int_equal(p.vbs[0].type, AX_V_INTEGER);
		assert_int_equal((int64_t)p.vbs[0].num, -5);
		assert_int_equal(p.vbs[1].num, 4000000000u);
		assert_int_equal(p.vbs[2].type, AX_V_COUNTER32);
		assert_int_equal(p.vbs[3].num, 100);
		assert_int_equal(p.vbs[4].num, 0x0102030405060708ull);
		assert_int_equal(p.vbs[5].len, 5);
		assert_memory_equal(p.vbs[5].octets, "abcde", 5);
		assert_int_equal(p.vbs[6].type, AX_V_IPADDRESS);
		assert_memory_equal(p.vbs[6].octets, "\x0a\x00\x00\x01", 4);
		assert_int_equal(p.vbs[7].len, 0);
		assert_oid(&p.vbs[8].oid, e, n2);
		assert_int_equal(p.vbs[9].type, AX_V_NULL);
		assert_int_equal(p.vbs[10].type, AX_V_NOSUCHOBJECT);
		assert_int_equal(p.vbs[11].type, AX_V_NOSUCHINSTANCE);
		assert_int_equal(p.vbs[12].type, AX_V_ENDOFMIBVIEW);
		assert_oid(&p.vbs[12].name, e, n2);
		ax_pdu_clear(&p);
		b.len = 0;
	}

	/* header-only PDUs */
	for (t = AX_COMMITSET; t <= AX_PING; t++) {
		if (t == AX_NOTIFY)
			continue;
		begin(&b, (uint8_t)t, f);
		ax_pdu_end(&b);
		decode_ok(&b, &p, (uint8_t)t, nbo);
		assert_int_equal(p.h.plen, 0);
		ax_pdu_clear(&p);
		b.len = 0;
	}

	/* agent capabilities */
	begin(&b, AX_ADDAGENTCAPS, f);
	ax_put_oid(&b, o, n1, false);
	ax_put_octets(&b, "caps", 4);
	ax_pdu_end(&b);
	decode_ok(&b, &p, AX_ADDAGENTCAPS, nbo);
	assert_oid(&p.u.open.id, o, n1);
	assert_int_equal(p.u.open.descr_len, 4);
	ax_pdu_clear(&p);
	b.len = 0;
	begin(&b, AX_REMOVEAGENTCAPS, f);
	ax_put_oid(&b, o, n1, false);
	ax_pdu_end(&b);
	decode_ok(&b, &p, AX_REMOVEAGENTCAPS, nbo);
	assert_oid(&p.u.open.id, o, n1);
	ax_pdu_clear(&p);

	/* a context (NON_DEFAULT_CONTEXT) before a Get's ranges */
	b.len = 0;
	begin(&b, AX_GET, f | AX_F_NON_DEFAULT_CONTEXT);
	ax_put_octets(&b, "vrf-a", 5);
	ax_put_oid(&b, o, n1, false);
	ax_put_oid(&b, NULL, 0, false);
	ax_pdu_end(&b);
	assert_int_equal(ax_pdu_decode(b.p, b.len, &p), 0);
	assert_true(p.has_context);
	assert_int_equal(p.context_len, 5);
	assert_memory_equal(p.context, "vrf-a", 5);
	assert_int_equal(p.n_ranges, 1);
	ax_pdu_clear(&p);
	ax_buf_free(&b);
}

static void
test_roundtrip(void **state)
{
	(void)state;
	roundtrip_order(1);
	roundtrip_order(0);
}

/* RFC 2741 6.1 and 5.1: a GetNext of 1.3.6.1.4.1.8072.9999.9999.1 (prefix 4), byte for byte, both orders. */
static void
test_wire_bytes(void **state)
{
	static const uint8_t nbo[] = {
		1, 6, 0x10, 0, 0, 0, 0, 7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0, 28, /* header, payload 28 */
		5, 4, 1, 0, 0, 0, 0, 1, 0, 0, 0x1f, 0x88, /* 8072 */ 0, 0, 0x27, 0x0f, 0, 0, 0x27, 0x0f, 0, 0, 0, 1,
		0, 0, 0, 0, /* the null end OID */
	};
	static const uint8_t le[] = {
		1, 6, 0, 0, 7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0, 28, 0, 0, 0,
		5, 4, 1, 0, 1, 0, 0, 0, 0x88, 0x1f, 0, 0, 0x0f, 0x27, 0, 0, 0x0f, 0x27, 0, 0, 1, 0, 0, 0,
		0, 0, 0, 0,
	};
	uint32_t o[ER_MIB_MAX_OID];
	static const uint32_t rel[] = { 1 };
	size_t n = mkoid(o, rel, 1);
	struct ax_buf b = { 0 };

	(void)state;
	begin(&b, AX_GETNEXT, AX_F_NETWORK_BYTE_ORDER);
	ax_put_oid(&b, o, n, true);
	ax_put_oid(&b, NULL, 0, false);
	ax_pdu_end(&b);
	assert_int_equal(b.len, sizeof(nbo));
	assert_memory_equal(b.p, nbo, sizeof(nbo));
	b.len = 0;
	begin(&b, AX_GETNEXT, 0);
	ax_put_oid(&b, o, n, true);
	ax_put_oid(&b, NULL, 0, false);
	ax_pdu_end(&b);
	assert_int_equal(b.len, sizeof(le));
	assert_memory_equal(b.p, le, sizeof(le));
	ax_buf_free(&b);
}

/* Build a PDU from raw payload words (network order), for the malformed cases. */
static size_t
raw(uint8_t *out, uint8_t type, uint8_t flags, const uint8_t *payload, size_t plen, size_t claim)
{
	memset(out, 0, AX_HDR_LEN);
	out[0] = 1;
	out[1] = type;
	out[2] = flags | AX_F_NETWORK_BYTE_ORDER;
	out[16] = (uint8_t)(claim >> 24);
	out[17] = (uint8_t)(claim >> 16);
	out[18] = (uint8_t)(claim >> 8);
	out[19] = (uint8_t)claim;
	if (plen)
		memcpy(out + AX_HDR_LEN, payload, plen);
	return AX_HDR_LEN + plen;
}

static void
test_malformed(void **state)
{
	static const struct {
		const char *what;
		uint8_t type, flags;
		uint8_t payload[48];
		size_t plen;
		long claim; /* -1: plen */
	} cases[] = {
		{ "OID runs past the payload", AX_GET, 0, { 3, 0, 0, 0, 0, 0, 0, 1 }, 8, -1 },
		{ "OID of 129 sub-identifiers (with prefix)", AX_GET, 0, { 124, 4, 0, 0 }, 4, -1 },
		{ "include of 2", AX_GETNEXT, 0, { 0, 0, 2, 0, 0, 0, 0, 0 }, 8, -1 },
		{ "range without its end OID", AX_GET, 0, { 0, 0, 0, 0 }, 4, -1 },
		{ "octet string longer than the payload", AX_OPEN, 0, { 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff }, 12,
		    -1 },
		{ "octet string padding missing", AX_OPEN, 0, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 'a', 'b', 'c' }, 15,
		    -1 },
		{ "unknown varbind type", AX_TESTSET, 0, { 0, 99, 0, 0, 0, 0, 0, 0 }, 8, -1 },
		{ "IpAddress of 5 octets", AX_TESTSET, 0,
		    { 0, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5, 0, 0, 0 }, 20, -1 },
		{ "Counter64 cut short", AX_TESTSET, 0, { 0, 70, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 12, -1 },
		{ "bytes left over after a Ping", AX_PING, 0, { 0, 0, 0, 0 }, 4, -1 },
		{ "payload length not a multiple of 4", AX_PING, 0, { 0 }, 0, 3 },
		{ "payload length above the limit", AX_PING, 0, { 0 }, 0, (long)AX_MAX_PAYLOAD + 4 },
		{ "payload shorter than its header says", AX_PING, 0, { 0 }, 0, 8 },
		{ "context on a Response", AX_RESPONSE, AX_F_NON_DEFAULT_CONTEXT,
		    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 12, -1 },
		{ "Response without its error and index", AX_RESPONSE, 0, { 0, 0, 0, 0 }, 4, -1 },
		{ "Register range_subid beyond the subtree", AX_REGISTER, 0,
		    { 0, 127, 3, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9 }, 16, -1 },
		{ "unknown PDU type", 19, 0, { 0 }, 0, -1 },
	};
	uint8_t buf[AX_HDR_LEN + 64];
	struct ax_pdu p;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t len = raw(buf, cases[i].type, cases[i].flags, cases[i].payload, cases[i].plen,
		    cases[i].claim < 0 ? cases[i].plen : (size_t)cases[i].claim);
		if (ax_pdu_decode(buf, len, &p) == 0)
			fail_msg("accepted: %s", cases[i].what);
		assert_null(p.vbs);
		assert_null(p.ranges);
	}
	/* version 2 */
	raw(buf, AX_PING, 0, NULL, 0, 0);
	buf[0] = 2;
	assert_int_equal(ax_pdu_decode(buf, AX_HDR_LEN, &p), -1);
	/* a header alone: shorter than 20 octets */
	assert_int_equal(ax_pdu_decode(buf, 19, &p), -1);
}

/* ---- the session, against a scripted master ---- */

struct master {
	char dir[64], path[96];
	int lfd, fd;
	uint8_t buf[1 << 16];
	size_t len;
};

static void
master_listen(struct master *m)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *tmp = getenv("TMPDIR");

	snprintf(m->dir, sizeof(m->dir), "%s/er-axtest-XXXXXX", tmp && *tmp && strlen(tmp) < 32 ? tmp : P_tmpdir);
	assert_non_null(mkdtemp(m->dir));
	snprintf(m->path, sizeof(m->path), "%s/master", m->dir);
	memcpy(sun.sun_path, m->path, strlen(m->path) + 1);
	m->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(m->lfd >= 0);
	assert_int_equal(bind(m->lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(m->lfd, 4), 0);
	m->fd = -1;
}

static void
master_close(struct master *m)
{
	if (m->fd >= 0)
		close(m->fd);
	close(m->lfd);
	unlink(m->path);
	rmdir(m->dir);
}

/* The subagent side: run one round of its loop (up to @p ms). */
typedef void (*drive_fn)(void *arg, int ms);

static void
drive_agentx(void *arg, int ms)
{
	struct er_agentx *x = arg;
	struct pollfd pfd[1];
	int timeout = ms;
	size_t n = er_agentx_poll_prepare(x, pfd, 1, &timeout, er_now_ms());

	if (timeout > ms || timeout < 0)
		timeout = ms;
	poll(pfd, n, timeout);
	er_agentx_poll_process(x, pfd, n, er_now_ms());
}

static void
drive_session(void *arg, int ms)
{
	struct ax_session *s = arg;
	struct pollfd pfd = { .fd = -1 };
	int timeout = ms;

	pfd.fd = ax_session_poll_fd(s, &pfd.events);
	ax_session_timeout(s, &timeout, er_now_ms());
	if (timeout > ms || timeout < 0)
		timeout = ms;
	pfd.revents = 0;
	poll(&pfd, pfd.fd >= 0 ? 1 : 0, timeout);
	ax_session_process(s, pfd.fd >= 0 ? pfd.revents : 0, er_now_ms());
}

/* Accept the subagent's connection within @p ms while driving it. */
static bool
master_accept(struct master *m, drive_fn drive, void *arg, int ms)
{
	unsigned long long end = er_now_ms() + (unsigned)ms;

	while (er_now_ms() < end) {
		struct pollfd p = { .fd = m->lfd, .events = POLLIN };
		drive(arg, 10);
		if (poll(&p, 1, 0) == 1) {
			if (m->fd >= 0)
				close(m->fd);
			m->fd = accept4(m->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
			m->len = 0;
			return m->fd >= 0;
		}
	}
	return false;
}

/* The next PDU from the subagent (decoded into @p p) within @p ms; false on EOF or timeout. */
static bool
master_recv(struct master *m, drive_fn drive, void *arg, struct ax_pdu *p, int ms)
{
	unsigned long long end = er_now_ms() + (unsigned)ms;
	struct ax_hdr h;

	for (;;) {
		if (m->len >= AX_HDR_LEN && ax_hdr_decode(m->buf, m->len, &h) == 0 && m->len >= AX_HDR_LEN + h.plen) {
			static uint8_t pdu[sizeof(m->buf)];
			size_t total = AX_HDR_LEN + h.plen;
			memcpy(pdu, m->buf, total);
			memmove(m->buf, m->buf + total, m->len - total);
			m->len -= total;
			assert_int_equal(ax_pdu_decode(pdu, total, p), 0);
			return true;
		}
		if (er_now_ms() >= end)
			return false;
		drive(arg, 5);
		ssize_t n = recv(m->fd, m->buf + m->len, sizeof(m->buf) - m->len, MSG_DONTWAIT);
		if (n == 0)
			return false;
		if (n > 0)
			m->len += (size_t)n;
	}
}

static void
master_send(struct master *m, struct ax_buf *b)
{
	assert_int_equal(send(m->fd, b->p, b->len, MSG_NOSIGNAL), (ssize_t)b->len);
	b->len = 0;
}

static void
master_respond(struct master *m, const struct ax_pdu *q, uint32_t session, uint16_t error)
{
	struct ax_buf b = { 0 };
	struct ax_hdr h = { .version = 1, .type = AX_RESPONSE, .flags = AX_F_NETWORK_BYTE_ORDER,
		.session = session, .transaction = q->h.transaction, .packet = q->h.packet };

	ax_pdu_begin(&b, &h);
	ax_put_u32(&b, 0);
	ax_put_u16(&b, error);
	ax_put_u16(&b, 0);
	ax_pdu_end(&b);
	master_send(m, &b);
	ax_buf_free(&b);
}

/* Accept, answer Open and Register: the subagent is then ready. */
static void
master_handshake(struct master *m, drive_fn drive, void *arg, uint32_t session)
{
	struct ax_pdu p;

	assert_true(master_accept(m, drive, arg, 3000));
	assert_true(master_recv(m, drive, arg, &p, 3000));
	assert_int_equal(p.h.type, AX_OPEN);
	assert_oid(&p.u.open.id, ROOT, ER_MIB_ROOT_LEN);
	master_respond(m, &p, session, 0);
	ax_pdu_clear(&p);
	assert_true(master_recv(m, drive, arg, &p, 3000));
	assert_int_equal(p.h.type, AX_REGISTER);
	assert_int_equal(p.h.session, session);
	assert_int_equal(p.u.reg.priority, 127);
	assert_oid(&p.u.reg.subtree, ROOT, ER_MIB_ROOT_LEN);
	master_respond(m, &p, session, 0);
	ax_pdu_clear(&p);
}

struct gctx {
	struct fx fx;
	struct er_snapshot *snap;
	struct er_mib *mib;
	struct er_alerts *alerts;
	struct er_agentx *x;
	struct master m;
	struct er_snmp_cfg cfg;
	char sock[160];
};

static int
gsetup(void **state)
{
	struct gctx *c = calloc(1, sizeof(*c));
	char *cfg = fx_read_data(FX_CONFIG), *obs = fx_read_data(FX_OBSERVED), err[256];
	struct er_snmp_env env = { 0 };

	fx_load(&c->fx, cfg, obs);
	free(cfg);
	free(obs);
	c->snap = er_evaluate(c->fx.cfg, c->fx.obs, NULL, 1795000000);
	c->mib = er_mib_new(c->snap);
	master_listen(&c->m);
	snprintf(c->sock, sizeof(c->sock), "unix:%s", c->m.path);
	c->cfg.agentx_socket = c->sock;
	c->cfg.ping_interval = 1;
	c->alerts = er_alerts_new();
	er_alerts_configure(c->alerts, 0, 10, 100);
	env.ds = c->fx.ds;
	c->x = er_agentx_new(&c->cfg, &env, c->alerts, err, sizeof(err));
	assert_non_null(c->x);
	er_agentx_set_mib(c->x, c->mib);
	master_handshake(&c->m, drive_agentx, c->x, 42);
	drive_agentx(c->x, 10);
	assert_true(er_agentx_ready(c->x));
	*state = c;
	return 0;
}

static int
gteardown(void **state)
{
	struct gctx *c = *state;

	er_agentx_free(c->x);
	er_alerts_free(c->alerts);
	master_close(&c->m);
	er_mib_free(c->mib);
	er_snapshot_unref(c->snap);
	fx_free(&c->fx);
	free(c);
	return 0;
}

/* Send a request, return the Response (decoded into @p r). */
static void
ask(struct gctx *c, struct ax_buf *b, struct ax_pdu *r)
{
	master_send(&c->m, b);
	assert_true(master_recv(&c->m, drive_agentx, c->x, r, 3000));
	assert_int_equal(r->h.type, AX_RESPONSE);
	assert_int_equal(r->h.packet, 9);
	assert_int_equal(r->h.transaction, 8);
}

static void
req(struct ax_buf *b, uint8_t type, uint8_t flags)
{
	struct ax_hdr h = { .version = 1, .type = type, .flags = flags, .session = 42, .transaction = 8, .packet = 9 };

	ax_pdu_begin(b, &h);
}

/* GET in both byte orders: the answer in the request's order, values as the MIB view has them. */
static void
test_get(void **state)
{
	struct gctx *c = *state;
	static const uint32_t readiness[] = { 1, 1, 1, 0 }, nosuch[] = { 1, 2, 77, 0 },
			      noinst[] = { 1, 3, 1, 14, 3, 120, 121, 122 };
	uint32_t o[3][ER_MIB_MAX_OID];
	size_t n[3] = { mkoid(o[0], readiness, 4), mkoid(o[1], nosuch, 4), mkoid(o[2], noinst, 8) };
	struct ax_buf b = { 0 };
	struct ax_pdu r;
	struct er_mib_value v;
	int order, i;

	assert_int_equal(er_mib_get(c->mib, o[0], n[0], &v), ER_MIB_FOUND);
	for (order = 0; order < 2; order++) {
		req(&b, AX_GET, order ? AX_F_NETWORK_BYTE_ORDER : 0);
		for (i = 0; i < 3; i++) {
			ax_put_oid(&b, o[i], n[i], false);
			ax_put_oid(&b, NULL, 0, false);
		}
		ax_pdu_end(&b);
		ask(c, &b, &r);
		assert_int_equal((r.h.flags & AX_F_NETWORK_BYTE_ORDER) != 0, order);
		assert_int_equal(r.h.session, 42);
		assert_int_equal(r.u.res.error, 0);
		assert_int_equal(r.n_vbs, 3);
		assert_oid(&r.vbs[0].name, o[0], n[0]);
		assert_int_equal(r.vbs[0].type, AX_V_INTEGER);
		assert_int_equal((int64_t)r.vbs[0].num, v.num);
		assert_int_equal(v.num, 2); /* degraded: both links of the example on one router */
		assert_int_equal(r.vbs[1].type, AX_V_NOSUCHOBJECT);
		assert_oid(&r.vbs[1].name, o[1], n[1]);
		assert_int_equal(r.vbs[2].type, AX_V_NOSUCHINSTANCE);
		ax_pdu_clear(&r);
	}
	ax_buf_free(&b);
}

/* GETNEXT follows er_mib_next; an end bound before the next instance gives endOfMibView. */
static void
test_getnext(void **state)
{
	struct gctx *c = *state;
	static const uint32_t start[] = { 1, 6 }, end[] = { 1, 6, 1, 5 }, tight[] = { 1, 3 };
	uint32_t s[ER_MIB_MAX_OID], e[ER_MIB_MAX_OID], t[ER_MIB_MAX_OID], want[ER_MIB_MAX_OID];
	size_t sn = mkoid(s, start, 2), en = mkoid(e, end, 4), tn = mkoid(t, tight, 2), wn;
	struct ax_buf b = { 0 };
	struct ax_pdu r;
	struct er_mib_value v;

	assert_int_equal(er_mib_next(c->mib, s, sn, false, want, &wn, &v), ER_MIB_FOUND);
	req(&b, AX_GETNEXT, AX_F_NETWORK_BYTE_ORDER);
	ax_put_oid(&b, s, sn, false);
	ax_put_oid(&b, e, en, false);
	ax_put_oid(&b, s, sn, false);
	ax_put_oid(&b, s, sn - 1, false); /* end before the start: nothing can be in range */
	ax_put_oid(&b, t, tn, false);
	ax_put_oid(&b, NULL, 0, false);
	ax_pdu_end(&b);
	ask(c, &b, &r);
	assert_int_equal(r.n_vbs, 3);
	assert_oid(&r.vbs[0].name, want, wn);
	assert_int_equal(r.vbs[0].type, AX_V_INTEGER); /* erSessionLocalAddrType */
	assert_int_equal(r.vbs[1].type, AX_V_ENDOFMIBVIEW);
	assert_oid(&r.vbs[1].name, s, sn);
	assert_true(r.vbs[2].name.n > tn); /* the first circuit column */
	ax_pdu_clear(&r);
	ax_buf_free(&b);
}

/* GETBULK: non-repeaters once, then max-repetitions rounds, each continuing from the last. */
static void
test_getbulk(void **state)
{
	struct gctx *c = *state;
	static const uint32_t nr[] = { 1, 1 }, r1[] = { 1, 6 }, r2[] = { 1, 12 };
	uint32_t a[ER_MIB_MAX_OID], b1[ER_MIB_MAX_OID], b2[ER_MIB_MAX_OID], cur[ER_MIB_MAX_OID],
	    nx[ER_MIB_MAX_OID];
	size_t an = mkoid(a, nr, 2), b1n = mkoid(b1, r1, 2), b2n = mkoid(b2, r2, 2), cn, nn, i;
	struct ax_buf b = { 0 };
	struct ax_pdu r;
	struct er_mib_value v;

	req(&b, AX_GETBULK, 0);
	ax_put_u16(&b, 1);
	ax_put_u16(&b, 30);
	ax_put_oid(&b, a, an, false);
	ax_put_oid(&b, NULL, 0, false);
	ax_put_oid(&b, b1, b1n, false);
	ax_put_oid(&b, NULL, 0, false);
	ax_put_oid(&b, b2, b2n, false);
	ax_put_oid(&b, NULL, 0, false);
	ax_pdu_end(&b);
	ask(c, &b, &r);
	assert_int_equal(r.u.res.error, 0);
	assert_int_equal(r.n_vbs, 1 + 30 * 2);
	/* the first repeater walks erSessionTable on, instance after instance */
	memcpy(cur, b1, b1n * sizeof(*b1));
	cn = b1n;
	for (i = 0; i < 30; i++) {
		assert_int_equal(er_mib_next(c->mib, cur, cn, false, nx, &nn, &v), ER_MIB_FOUND);
		assert_oid(&r.vbs[1 + 2 * i].name, nx, nn);
		memcpy(cur, nx, nn * sizeof(*nx));
		cn = nn;
	}
	ax_pdu_clear(&r);

	/* past the end of the MIB: a round of endOfMibView ends the answer */
	req(&b, AX_GETBULK, 0);
	ax_put_u16(&b, 0);
	ax_put_u16(&b, 50);
	ax_put_oid(&b, b2, b2n, false);
	ax_put_oid(&b, NULL, 0, false);
	ax_pdu_end(&b);
	ask(c, &b, &r);
	assert_true(r.n_vbs >= 1 && r.n_vbs < 50);
	assert_int_equal(r.vbs[r.n_vbs - 1].type, AX_V_ENDOFMIBVIEW);
	for (i = 0; i + 1 < r.n_vbs; i++)
		assert_int_not_equal(r.vbs[i].type, AX_V_ENDOFMIBVIEW);
	ax_pdu_clear(&r);
	ax_buf_free(&b);
}

/* TestSet/CommitSet/CleanupSet write running; a wrong type is refused at TestSet with its index. */
static void
test_set(void **state)
{
	struct gctx *c = *state;
	static const uint32_t poll_rel[] = { 1, 2, 1, 0 }, ro_rel[] = { 1, 2, 2, 0 };
	uint32_t o[ER_MIB_MAX_OID], ro[ER_MIB_MAX_OID];
	size_t n = mkoid(o, poll_rel, 4), rn = mkoid(ro, ro_rel, 4);
	struct ax_buf b = { 0 };
	struct ax_pdu r;
	char *json;

	/* the second varbind is read-only: notWritable, index 2, nothing written */
	req(&b, AX_TESTSET, 0);
	ax_put_vb_num(&b, o, n, AX_V_GAUGE32, 45);
	ax_put_vb_num(&b, ro, rn, AX_V_GAUGE32, 5);
	ax_pdu_end(&b);
	ask(c, &b, &r);
	assert_int_equal(r.u.res.error, 17);
	assert_int_equal(r.u.res.index, 2);
	ax_pdu_clear(&r);
	req(&b, AX_CLEANUPSET, 0);
	ax_pdu_end(&b);
	master_send(&c->m, &b);

	req(&b, AX_TESTSET, 0);
	ax_put_vb_num(&b, o, n, AX_V_INTEGER, 45);
	ax_pdu_end(&b);
	ask(c, &b, &r);
	assert_int_equal(r.u.res.error, 7); /* wrongType: erPollInterval is Unsigned32 */
	assert_int_equal(r.u.res.index, 1);
	ax_pdu_clear(&r);
	req(&b, AX_CLEANUPSET, 0);
	ax_pdu_end(&b);
	master_send(&c->m, &b);

	req(&b, AX_TESTSET, AX_F_NETWORK_BYTE_ORDER);
	ax_put_vb_num(&b, o, n, AX_V_GAUGE32, 45);
	ax_pdu_end(&b);
	ask(c, &b, &r);
	assert_int_equal(r.u.res.error, 0);
	ax_pdu_clear(&r);
	req(&b, AX_COMMITSET, AX_F_NETWORK_BYTE_ORDER);
	ax_pdu_end(&b);
	ask(c, &b, &r);
	assert_int_equal(r.u.res.error, 0);
	ax_pdu_clear(&r);
	req(&b, AX_CLEANUPSET, AX_F_NETWORK_BYTE_ORDER);
	ax_pdu_end(&b);
	master_send(&c->m, &b);
	drive_agentx(c->x, 20);
	assert_int_equal(lyd_print_mem(&json, er_ds_running(c->fx.ds), LYD_JSON, LYD_PRINT_WITHSIBLINGS), 0);
	assert_non_null(strstr(json, "\"poll-interval\": 45"));
	free(json);
	ax_buf_free(&b);
}

/* A request that does not parse is answered parseError; the session stays up. */
static void
test_parse_error(void **state)
{
	struct gctx *c = *state;
	struct ax_buf b = { 0 };
	struct ax_pdu r;

	req(&b, AX_GET, AX_F_NETWORK_BYTE_ORDER);
	ax_put_u8x4(&b, 9, 0, 0, 0); /* an OID of 9 sub-identifiers with none following */
	ax_pdu_end(&b);
	ask(c, &b, &r);
	assert_int_equal(r.u.res.error, AX_E_PARSEERROR);
	ax_pdu_clear(&r);
	/* and a request in a session that is not ours: notOpen */
	{
		struct ax_hdr h = { .version = 1, .type = AX_GET, .session = 41, .transaction = 8, .packet = 9 };
		ax_pdu_begin(&b, &h);
		ax_pdu_end(&b);
	}
	ask(c, &b, &r);
	assert_int_equal(r.u.res.error, AX_E_NOTOPEN);
	assert_int_equal(r.h.session, 41);
	ax_pdu_clear(&r);
	assert_true(er_agentx_ready(c->x));
	ax_buf_free(&b);
}

/* A notification goes out as one Notify: snmpTrapOID.0 first, then the MIB's objects. */
static void
test_notify(void **state)
{
	struct gctx *c = *state;
	static const uint32_t trap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
	struct er_event_list evs = { 0 };
	struct er_event *e;
	struct ax_pdu p;
	uint32_t want[ER_MIB_MAX_OID];

	ER_GROW(evs.v, evs.n, evs.cap);
	e = &evs.v[evs.n++];
	memset(e, 0, sizeof(*e));
	e->kind = ER_EV_READINESS_CHANGED;
	snprintf(e->circuit, sizeof(e->circuit), "er-ams-1");
	e->old_value = 1;
	e->new_value = 3;
	e->checks_fail = 2;
	snprintf(e->detail, sizeof(e->detail), "test");
	er_alerts_push(c->alerts, &evs, er_now_ms());
	er_agentx_pump(c->x, er_now_ms());
	assert_true(master_recv(&c->m, drive_agentx, c->x, &p, 3000));
	assert_int_equal(p.h.type, AX_NOTIFY);
	assert_int_equal(p.h.session, 42);
	assert_int_equal(p.n_vbs, 5);
	assert_oid(&p.vbs[0].name, trap_oid, ARRAY_SIZE(trap_oid));
	memcpy(want, ROOT, sizeof(ROOT));
	want[ER_MIB_ROOT_LEN] = 0;
	want[ER_MIB_ROOT_LEN + 1] = ER_EV_READINESS_CHANGED;
	assert_oid(&p.vbs[0].oid, want, ER_MIB_ROOT_LEN + 2);
	assert_int_equal(p.vbs[1].type, AX_V_OCTETS);
	assert_memory_equal(p.vbs[1].octets, "er-ams-1", 8);
	assert_int_equal(p.vbs[3].num, 3);
	assert_int_equal(p.vbs[4].type, AX_V_GAUGE32);
	master_respond(&c->m, &p, 42, 0);
	ax_pdu_clear(&p);
	drive_agentx(c->x, 20);
	assert_int_equal(er_alerts_pending(c->alerts), 0);
	er_event_list_free(&evs);
}

/* ---- session timers ---- */

static void
nop_get(void *arg, const uint32_t *name, size_t n, struct ax_buf *b)
{
	(void)arg;
	ax_put_vb_none(b, name, n, AX_V_NOSUCHOBJECT);
}

static bool
nop_next(void *arg, const uint32_t *start, size_t n, bool include, const struct ax_oid *end, struct ax_buf *b,
    uint32_t *out, size_t *outn)
{
	(void)arg, (void)start, (void)n, (void)include, (void)end, (void)b, (void)out, (void)outn;
	return false;
}

static int states[2];

static void
on_state(void *arg, bool ready)
{
	(void)arg;
	states[ready]++;
}

static void
drive_nothing(void *arg, int ms)
{
	(void)arg;
	(void)ms;
}

/* A master that stops answering our Ping is dropped at the deadline and reconnected. */
static void
test_ping_deadline(void **state)
{
	struct master m;
	struct ax_ops ops = { .get = nop_get, .next = nop_next, .state = on_state };
	struct ax_session_cfg cfg = { .subtree = ROOT, .subtree_len = ER_MIB_ROOT_LEN, .descr = "t", .ping_ms = 200,
		.deadline_ms = 300 };
	struct ax_session *s;
	struct ax_pdu p;
	struct ax_stats st;
	char addr[160], err[128];
	unsigned long long t0;

	(void)state;
	memset(states, 0, sizeof(states));
	master_listen(&m);
	snprintf(addr, sizeof(addr), "%s", m.path);
	cfg.address = addr;
	s = ax_session_new(&cfg, &ops, err, sizeof(err));
	assert_non_null(s);
	master_handshake(&m, drive_session, s, 5);
	drive_session(s, 5);
	assert_true(ax_session_ready(s));
	assert_int_equal(states[1], 1);
	/* the first Ping, answered */
	assert_true(master_recv(&m, drive_session, s, &p, 1000));
	assert_int_equal(p.h.type, AX_PING);
	master_respond(&m, &p, 5, 0);
	ax_pdu_clear(&p);
	/* the second, not answered: dropped within the deadline */
	assert_true(master_recv(&m, drive_session, s, &p, 1000));
	assert_int_equal(p.h.type, AX_PING);
	ax_pdu_clear(&p);
	t0 = er_now_ms();
	assert_false(master_recv(&m, drive_session, s, &p, 2000)); /* EOF */
	assert_true(er_now_ms() - t0 < 1000);
	assert_false(ax_session_ready(s));
	assert_int_equal(states[0], 1);
	/* and it comes back (back-off from 100 ms) */
	master_handshake(&m, drive_session, s, 6);
	drive_session(s, 5);
	assert_true(ax_session_ready(s));
	ax_session_stats(s, &st);
	assert_int_equal(st.opens, 2);
	assert_int_equal(st.drops, 1);
	ax_session_free(s);
	/* a Close goes out when the session ends */
	assert_true(master_recv(&m, drive_nothing, NULL, &p, 1000));
	assert_int_equal(p.h.type, AX_CLOSE);
	assert_int_equal(p.u.close_reason, AX_CLOSE_SHUTDOWN);
	ax_pdu_clear(&p);
	master_close(&m);
}

/* The address forms, and a refused one. */
static void
test_address(void **state)
{
	struct ax_ops ops = { .get = nop_get, .next = nop_next };
	struct ax_session_cfg cfg = { .subtree = ROOT, .subtree_len = ER_MIB_ROOT_LEN, .descr = "t" };
	char err[256];
	struct ax_session *s;
	static const char *const good[] = { "/var/agentx/master", "unix:/var/agentx/master", "tcp:127.0.0.1:705",
		"tcp:127.0.0.1", "tcp:[::1]:7050", "127.0.0.1:705" };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		cfg.address = good[i];
		s = ax_session_new(&cfg, &ops, err, sizeof(err));
		if (!s)
			fail_msg("%s refused: %s", good[i], err);
		ax_session_free(s);
	}
	cfg.address = "unix:/a/path/that/is/much/too/long/for/a/unix/socket/address/because/sun_path/has/"
		      "only/108/octets/of/room/for/it/x";
	assert_null(ax_session_new(&cfg, &ops, err, sizeof(err)));
	assert_non_null(strstr(err, "AgentX socket path too long: /a/path/that/is/much/too/long"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_wire_bytes),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_ping_deadline),
		cmocka_unit_test_setup_teardown(test_get, gsetup, gteardown),
		cmocka_unit_test_setup_teardown(test_getnext, gsetup, gteardown),
		cmocka_unit_test_setup_teardown(test_getbulk, gsetup, gteardown),
		cmocka_unit_test_setup_teardown(test_set, gsetup, gteardown),
		cmocka_unit_test_setup_teardown(test_parse_error, gsetup, gteardown),
		cmocka_unit_test_setup_teardown(test_notify, gsetup, gteardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
