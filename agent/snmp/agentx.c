#include "agentx.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define BACKOFF_FIRST_MS 100
/* A master that stops reading: beyond this much unsent output it is dropped. */
#define WBUF_MAX (4u << 20)
/* A response built for one request stops growing here (GetBulk: fewer repetitions, RFC 2741 7.2.3.3). */
#define RESPONSE_SOFT_MAX (60u << 10)

enum st { ST_IDLE, ST_CONNECTING, ST_OPENING, ST_REGISTERING, ST_READY };

/* What we asked the master and wait for (Response by packet id). */
enum want { W_NONE, W_OPEN, W_REGISTER, W_PING, W_NOTIFY };

struct ax_session {
	struct ax_session_cfg cfg;
	char *address, *descr;
	uint32_t *subtree;
	struct ax_ops ops;
	struct sockaddr_storage sa;
	socklen_t salen;

	enum st st;
	int fd;
	uint32_t session_id, next_packet;
	uint64_t retry_at_ms, backoff_ms, next_ping_ms, started_ms;
	struct {
		enum want what;
		uint32_t packet;
		uint64_t deadline_ms;
	} wait[3]; /* the Open or Register, a Ping, a Notify: at most one of each at a time */
	bool set_open; /* a TestSet was answered: CommitSet/UndoSet/CleanupSet follow */

	uint8_t *rbuf;
	size_t rlen, rcap;
	struct ax_buf out;
	struct ax_stats st_;
	bool logged_down; /* "cannot reach the master" was logged: repeats are debug */
	char last_why[96]; /* the last reason a session failed before it was ready: repeats are debug */
};

static uint64_t
uptime_cs(const struct ax_session *s, uint64_t now_ms)
{
	return (now_ms - s->started_ms) / 10;
}

/* ---- address ---- */

static int
parse_address(struct ax_session *s, const char *a, char *err, size_t errlen)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&s->sa;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	char host[256], *colon;
	const char *port = "705";
	int rc;

	if (!strncmp(a, "unix:", 5))
		a += 5;
	if (a[0] == '/') {
		if (strlen(a) >= sizeof(sun->sun_path)) {
			snprintf(err, errlen, "AgentX socket path too long: %s", a);
			return -1;
		}
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, a, strlen(a) + 1);
		s->salen = sizeof(*sun);
		return 0;
	}
	if (!strncmp(a, "tcp:", 4))
		a += 4;
	snprintf(host, sizeof(host), "%s", a);
	if (host[0] == '[' && (colon = strchr(host, ']'))) { /* [v6]:port */
		*colon = '\0';
		if (colon[1] == ':')
			port = colon + 2;
		memmove(host, host + 1, strlen(host));
	} else if ((colon = strrchr(host, ':')) && strchr(host, ':') == colon) {
		*colon = '\0';
		port = colon + 1;
	}
	/* resolved once here, at start: the loop never waits on DNS */
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0 || !res) {
		snprintf(err, errlen, "AgentX master address %s: %s", a, rc ? gai_strerror(rc) : "no address");
		return -1;
	}
	memcpy(&s->sa, res->ai_addr, res->ai_addrlen);
	s->salen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* ---- output ---- */

/* A PDU of ours (our session, network byte order), or an answer (the request's session and order). */
static void
begin(struct ax_session *s, uint8_t type, uint32_t session, uint32_t transaction, uint32_t packet, bool nbo)
{
	struct ax_hdr h = { .version = 1,
		.type = type,
		.flags = nbo ? AX_F_NETWORK_BYTE_ORDER : 0,
		.session = session,
		.transaction = transaction,
		.packet = packet };

	ax_pdu_begin(&s->out, &h);
}

static void
flush(struct ax_session *s)
{
	while (s->out.len && s->fd >= 0 && s->st != ST_CONNECTING) {
		ssize_t n = send(s->fd, s->out.p, s->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* EAGAIN: POLLOUT will say when; an error: the next read sees it */
		ax_buf_consume(&s->out, (size_t)n);
	}
}

static void
expect(struct ax_session *s, int slot, enum want what, uint32_t packet, uint64_t now_ms)
{
	s->wait[slot].what = what;
	s->wait[slot].packet = packet;
	s->wait[slot].deadline_ms = now_ms + s->cfg.deadline_ms;
}

/* ---- connection ---- */

static void
drop(struct ax_session *s, uint64_t now_ms, const char *why)
{
	bool was_ready = s->st == ST_READY;

	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	if (s->st >= ST_OPENING) {
		s->st_.drops++;
		if (was_ready)
			log_warnx("snmp: AgentX master %s lost (%s); notifications are queued until it is back, "
				  "reconnecting", s->cfg.address, why);
		else if (strcmp(why, s->last_why)) /* a master that refuses us every second: said once */
			log_warnx("snmp: AgentX master %s: %s; retrying", s->cfg.address, why);
		else
			log_debug("snmp: AgentX master %s: %s; retrying", s->cfg.address, why);
		snprintf(s->last_why, sizeof(s->last_why), "%s", was_ready ? "" : why);
	}
	if (s->set_open && s->ops.cleanup_set)
		s->ops.cleanup_set(s->ops.arg); /* the master never ends this SET now */
	s->set_open = false;
	if (s->wait[2].what == W_NOTIFY && s->ops.notified)
		s->ops.notified(s->ops.arg, false);
	memset(s->wait, 0, sizeof(s->wait));
	s->st = ST_IDLE;
	s->out.len = 0;
	s->out.start = 0;
	s->rlen = 0;
	s->session_id = 0;
	s->retry_at_ms = now_ms + s->backoff_ms;
	s->backoff_ms = s->backoff_ms * 2 > s->cfg.ping_ms ? s->cfg.ping_ms : s->backoff_ms * 2;
	if (was_ready && s->ops.state)
		s->ops.state(s->ops.arg, false);
}

static void
send_open(struct ax_session *s, uint64_t now_ms)
{
	uint32_t p = ++s->next_packet;

	s->st = ST_OPENING;
	begin(s, AX_OPEN, 0, 0, p, true);
	/* timeout 0: the master's default for our answers */
	ax_put_u8x4(&s->out, 0, 0, 0, 0);
	ax_put_oid(&s->out, s->subtree, s->cfg.subtree_len, false);
	ax_put_octets(&s->out, s->descr, strlen(s->descr));
	ax_pdu_end(&s->out);
	expect(s, 0, W_OPEN, p, now_ms);
	flush(s);
}

static void
send_register(struct ax_session *s, uint64_t now_ms)
{
	uint32_t p = ++s->next_packet;

	s->st = ST_REGISTERING;
	begin(s, AX_REGISTER, s->session_id, 0, p, true);
	ax_put_u8x4(&s->out, 0, 127, 0, 0); /* timeout default, priority 127 (RFC 2741 6.2.3), no range */
	ax_put_oid(&s->out, s->subtree, s->cfg.subtree_len, false);
	ax_pdu_end(&s->out);
	expect(s, 0, W_REGISTER, p, now_ms);
	flush(s);
}

static void
try_connect(struct ax_session *s, uint64_t now_ms)
{
	int fd = socket(s->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		s->retry_at_ms = now_ms + s->cfg.ping_ms;
		return;
	}
	s->fd = fd;
	if (connect(fd, (struct sockaddr *)&s->sa, s->salen) == 0) {
		send_open(s, now_ms);
		return;
	}
	if (errno == EINPROGRESS) { /* TCP: POLLOUT says how it went */
		s->st = ST_CONNECTING;
		s->wait[0].deadline_ms = now_ms + s->cfg.deadline_ms;
		s->wait[0].what = W_OPEN;
		return;
	}
	if (!s->logged_down)
		log_warnx("snmp: cannot reach the AgentX master %s: %s; retrying every %u s at most",
		    s->cfg.address, strerror(errno), (unsigned)(s->cfg.ping_ms / 1000));
	else
		log_debug("snmp: cannot reach the AgentX master %s: %s", s->cfg.address, strerror(errno));
	s->logged_down = true;
	drop(s, now_ms, strerror(errno));
}

/* ---- requests from the master ---- */

static void
respond_head(struct ax_session *s, const struct ax_pdu *q, uint16_t error, uint16_t index, uint64_t now_ms)
{
	/* the request's session id, even when it is not ours (notOpen), and its byte order */
	begin(s, AX_RESPONSE, q->h.session, q->h.transaction, q->h.packet,
	    (q->h.flags & AX_F_NETWORK_BYTE_ORDER) != 0);
	ax_put_u32(&s->out, (uint32_t)uptime_cs(s, now_ms));
	ax_put_u16(&s->out, error);
	ax_put_u16(&s->out, index);
}

static void
respond_error(struct ax_session *s, const struct ax_pdu *q, uint16_t error, uint16_t index, uint64_t now_ms)
{
	respond_head(s, q, error, index, now_ms);
	ax_pdu_end(&s->out);
}

static bool
range_next(struct ax_session *s, const uint32_t *start, size_t n, bool include, const struct ax_oid *end,
    uint32_t *out, size_t *outn)
{
	if (s->ops.next(s->ops.arg, start, n, include, end, &s->out, out, outn))
		return true;
	ax_put_vb_none(&s->out, start, n, AX_V_ENDOFMIBVIEW);
	memcpy(out, start, n * sizeof(*start));
	*outn = n;
	return false;
}

/*
 * GetBulk (RFC 2741 7.2.3.3): the non-repeaters as GetNext, then up to
 * max-repetitions rounds over the repeaters, each from where the previous
 * round left it. Ends early once a whole round is endOfMibView, or when
 * the answer would outgrow what an SNMP message can carry anyway.
 */
static void
answer_bulk(struct ax_session *s, const struct ax_pdu *q)
{
	size_t nr = q->u.bulk.non_repeaters < q->n_ranges ? q->u.bulk.non_repeaters : q->n_ranges, i, k;
	size_t reps = q->n_ranges - nr;
	uint32_t tmp[AX_MAX_OID];
	size_t tn;
	uint32_t (*cur)[AX_MAX_OID] = NULL;
	size_t *curn = NULL;
	bool *done = NULL;

	for (i = 0; i < nr; i++) {
		const struct ax_range *r = &q->ranges[i];
		(void)range_next(s, r->start.sub, r->start.n, r->start.include, &r->end, tmp, &tn);
	}
	if (!reps || !q->u.bulk.max_repetitions)
		return;
	cur = xcalloc(reps, sizeof(*cur));
	curn = xcalloc(reps, sizeof(*curn));
	done = xcalloc(reps, sizeof(*done));
	for (k = 0; k < q->u.bulk.max_repetitions; k++) {
		bool all_end = true;
		for (i = 0; i < reps; i++) {
			const struct ax_range *r = &q->ranges[nr + i];
			const uint32_t *from = k ? cur[i] : r->start.sub;
			size_t fn = k ? curn[i] : r->start.n;

			if (done[i]) {
				ax_put_vb_none(&s->out, cur[i], curn[i], AX_V_ENDOFMIBVIEW);
				continue;
			}
			if (range_next(s, from, fn, k ? false : r->start.include, &r->end, tmp, &tn))
				all_end = false;
			else
				done[i] = true;
			memcpy(cur[i], tmp, tn * sizeof(*tmp));
			curn[i] = tn;
		}
		if (all_end || ax_pdu_size(&s->out) > RESPONSE_SOFT_MAX)
			break;
	}
	free(cur);
	free(curn);
	free(done);
}

static void
handle_request(struct ax_session *s, const struct ax_pdu *q, uint64_t now_ms)
{
	uint32_t tmp[AX_MAX_OID];
	size_t i, tn;
	unsigned err, index = 0;

	s->st_.requests++;
	if (s->st != ST_READY || q->h.session != s->session_id) {
		respond_error(s, q, AX_E_NOTOPEN, 0, now_ms);
		return;
	}
	if (q->has_context) {
		respond_error(s, q, AX_E_UNSUPPORTEDCONTEXT, 0, now_ms); /* we registered the default context only */
		return;
	}
	switch (q->h.type) {
	case AX_GET:
		respond_head(s, q, 0, 0, now_ms);
		for (i = 0; i < q->n_ranges; i++)
			s->ops.get(s->ops.arg, q->ranges[i].start.sub, q->ranges[i].start.n, &s->out);
		s->st_.varbinds += q->n_ranges;
		break;
	case AX_GETNEXT:
		respond_head(s, q, 0, 0, now_ms);
		for (i = 0; i < q->n_ranges; i++) {
			const struct ax_range *r = &q->ranges[i];
			(void)range_next(s, r->start.sub, r->start.n, r->start.include, &r->end, tmp, &tn);
		}
		s->st_.varbinds += q->n_ranges;
		break;
	case AX_GETBULK:
		respond_head(s, q, 0, 0, now_ms);
		answer_bulk(s, q);
		s->st_.varbinds += q->n_ranges;
		break;
	case AX_TESTSET:
		if (s->set_open && s->ops.cleanup_set)
			s->ops.cleanup_set(s->ops.arg); /* a new SET: the master dropped the old one */
		err = s->ops.test_set(s->ops.arg, q->vbs, q->n_vbs, &index);
		s->set_open = true;
		respond_head(s, q, (uint16_t)err, (uint16_t)(err ? index : 0), now_ms);
		s->st_.varbinds += q->n_vbs;
		break;
	case AX_COMMITSET:
		err = s->set_open ? s->ops.commit_set(s->ops.arg) : AX_E_PROCESSINGERROR;
		respond_head(s, q, (uint16_t)err, 0, now_ms);
		break;
	case AX_UNDOSET:
		err = s->set_open ? s->ops.undo_set(s->ops.arg) : AX_E_PROCESSINGERROR;
		respond_head(s, q, (uint16_t)err, 0, now_ms);
		break;
	case AX_CLEANUPSET:
		/* no Response to CleanupSet (RFC 2741 7.2.4.4) */
		if (s->set_open)
			s->ops.cleanup_set(s->ops.arg);
		s->set_open = false;
		return;
	default:
		/* a master sends nothing else to a subagent (Open, Register, Notify, ... go the other way) */
		respond_error(s, q, AX_E_PARSEERROR, 0, now_ms);
		return;
	}
	ax_pdu_end(&s->out);
}

static void
handle_response(struct ax_session *s, const struct ax_pdu *q, uint64_t now_ms)
{
	size_t slot;

	for (slot = 0; slot < ARRAY_SIZE(s->wait); slot++)
		if (s->wait[slot].what != W_NONE && s->wait[slot].packet == q->h.packet)
			break;
	if (slot == ARRAY_SIZE(s->wait))
		return; /* late answer to something we gave up on */
	switch (s->wait[slot].what) {
	case W_OPEN:
		s->wait[slot].what = W_NONE;
		if (q->u.res.error) {
			drop(s, now_ms, "the master refused our Open");
			return;
		}
		s->session_id = q->h.session;
		s->st_.opens++;
		send_register(s, now_ms);
		break;
	case W_REGISTER:
		s->wait[slot].what = W_NONE;
		if (q->u.res.error) {
			/* duplicateRegistration: our previous session is not closed there yet */
			drop(s, now_ms, q->u.res.error == AX_E_DUPLICATEREGISTRATION ? "duplicate registration"
			                                                              : "the master refused our Register");
			return;
		}
		s->st = ST_READY;
		s->backoff_ms = BACKOFF_FIRST_MS;
		s->logged_down = false;
		s->last_why[0] = '\0';
		s->next_ping_ms = now_ms + s->cfg.ping_ms;
		log_notice("snmp: registered with the AgentX master %s (session %u)", s->cfg.address, s->session_id);
		if (s->ops.state)
			s->ops.state(s->ops.arg, true);
		break;
	case W_PING:
		s->wait[slot].what = W_NONE;
		s->next_ping_ms = now_ms + s->cfg.ping_ms;
		break;
	case W_NOTIFY:
		s->wait[slot].what = W_NONE;
		if (q->u.res.error)
			log_warnx("snmp: the AgentX master refused a notification (error %u)", q->u.res.error);
		if (s->ops.notified)
			s->ops.notified(s->ops.arg, true);
		break;
	case W_NONE:
		break;
	}
}

static void
handle_input(struct ax_session *s, uint64_t now_ms)
{
	size_t off = 0;

	while (s->fd >= 0 && s->rlen - off >= AX_HDR_LEN) {
		struct ax_hdr h;
		struct ax_pdu q;
		size_t total;

		if (ax_hdr_decode(s->rbuf + off, s->rlen - off, &h) < 0) {
			/* no way to find the next PDU: the stream is lost */
			s->st_.parse_errors++;
			drop(s, now_ms, "unparseable AgentX header");
			return;
		}
		total = AX_HDR_LEN + (size_t)h.plen;
		if (s->rlen - off < total)
			break;
		if (ax_pdu_decode(s->rbuf + off, total, &q) < 0) {
			s->st_.parse_errors++;
			if (h.type != AX_RESPONSE && h.type != AX_CLEANUPSET) {
				q.h = h;
				respond_error(s, &q, AX_E_PARSEERROR, 0, now_ms);
			}
			log_debug("snmp: AgentX %s PDU from the master does not parse: answered parseError",
			    ax_type_name(h.type));
		} else if (q.h.type == AX_RESPONSE) {
			handle_response(s, &q, now_ms);
		} else if (q.h.type == AX_CLOSE) {
			ax_pdu_clear(&q);
			drop(s, now_ms, "the master closed the session");
			return;
		} else {
			handle_request(s, &q, now_ms);
		}
		ax_pdu_clear(&q);
		off += total;
	}
	if (s->fd < 0)
		return;
	if (off) {
		memmove(s->rbuf, s->rbuf + off, s->rlen - off);
		s->rlen -= off;
	}
}

/*
 * Reads at most this many times per loop round: a master that sends
 * without pause gets its turn again at the next poll(), after the rest of
 * the daemon has had its own.
 */
#define READS_PER_ROUND 16

static void
do_read(struct ax_session *s, uint64_t now_ms)
{
	int round;

	for (round = 0; round < READS_PER_ROUND; round++) {
		ssize_t n;
		size_t room;

		if (s->rcap - s->rlen < 4096) {
			s->rcap = s->rcap ? s->rcap * 2 : 16384;
			s->rbuf = xreallocarray(s->rbuf, s->rcap, 1);
		}
		room = s->rcap - s->rlen;
		n = recv(s->fd, s->rbuf + s->rlen, room, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			drop(s, now_ms, n == 0 ? "connection closed" : strerror(errno));
			return;
		}
		s->rlen += (size_t)n;
		handle_input(s, now_ms);
		if (s->fd < 0)
			return;
		if ((size_t)n < room)
			break; /* short read: nothing more now */
	}
	/* a PDU is at most AX_MAX_PAYLOAD: whatever grows past that is not AgentX */
	if (s->rcap > 4 * (AX_HDR_LEN + AX_MAX_PAYLOAD) && !s->rlen) {
		free(s->rbuf);
		s->rbuf = NULL;
		s->rcap = 0;
	}
}

/* ---- public ---- */

struct ax_session *
ax_session_new(const struct ax_session_cfg *cfg, const struct ax_ops *ops, char *err, size_t errlen)
{
	struct ax_session *s = xcalloc(1, sizeof(*s));

	if (parse_address(s, cfg->address, err, errlen) < 0) {
		free(s);
		return NULL;
	}
	s->cfg = *cfg;
	s->address = xstrdup(cfg->address);
	s->descr = xstrdup(cfg->descr ? cfg->descr : "");
	s->cfg.address = s->address;
	s->cfg.descr = s->descr;
	s->subtree = xcalloc(cfg->subtree_len ? cfg->subtree_len : 1, sizeof(*s->subtree));
	memcpy(s->subtree, cfg->subtree, cfg->subtree_len * sizeof(*s->subtree));
	s->cfg.subtree = s->subtree;
	if (!s->cfg.ping_ms)
		s->cfg.ping_ms = 1000;
	if (!s->cfg.deadline_ms)
		s->cfg.deadline_ms = 5000;
	s->ops = *ops;
	s->fd = -1;
	s->backoff_ms = BACKOFF_FIRST_MS;
	s->started_ms = er_now_ms();
	s->retry_at_ms = 0; /* at the first process() */
	return s;
}

void
ax_session_free(struct ax_session *s)
{
	if (!s)
		return;
	if (s->fd >= 0 && s->st >= ST_OPENING) {
		begin(s, AX_CLOSE, s->session_id, 0, ++s->next_packet, true);
		ax_put_u8x4(&s->out, AX_CLOSE_SHUTDOWN, 0, 0, 0);
		ax_pdu_end(&s->out);
		flush(s);
	}
	if (s->fd >= 0)
		close(s->fd);
	ax_buf_free(&s->out);
	free(s->rbuf);
	free(s->address);
	free(s->descr);
	free(s->subtree);
	free(s);
}

bool
ax_session_ready(const struct ax_session *s)
{
	return s && s->st == ST_READY;
}

bool
ax_session_can_notify(const struct ax_session *s)
{
	return ax_session_ready(s) && s->wait[2].what == W_NONE;
}

struct ax_buf *
ax_session_notify_begin(struct ax_session *s)
{
	begin(s, AX_NOTIFY, s->session_id, 0, ++s->next_packet, true);
	return &s->out;
}

void
ax_session_notify_end(struct ax_session *s, uint64_t now_ms)
{
	ax_pdu_end(&s->out);
	expect(s, 2, W_NOTIFY, s->next_packet, now_ms);
	s->st_.notifies++;
	flush(s);
}

int
ax_session_poll_fd(const struct ax_session *s, short *events)
{
	if (s->fd < 0)
		return -1;
	*events = s->st == ST_CONNECTING ? POLLOUT : (short)(POLLIN | (s->out.len ? POLLOUT : 0));
	return s->fd;
}

static void
lower(int *timeout_ms, uint64_t at, uint64_t now_ms)
{
	long long ms = at > now_ms ? (long long)(at - now_ms) : 0;

	if (*timeout_ms < 0 || ms < *timeout_ms)
		*timeout_ms = (int)ms;
}

void
ax_session_timeout(const struct ax_session *s, int *timeout_ms, uint64_t now_ms)
{
	size_t i;

	if (s->st == ST_IDLE) {
		lower(timeout_ms, s->retry_at_ms, now_ms);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(s->wait); i++)
		if (s->wait[i].what != W_NONE)
			lower(timeout_ms, s->wait[i].deadline_ms, now_ms);
	if (s->st == ST_READY && s->wait[1].what == W_NONE)
		lower(timeout_ms, s->next_ping_ms, now_ms);
}

void
ax_session_process(struct ax_session *s, short revents, uint64_t now_ms)
{
	size_t i;

	if (s->st == ST_CONNECTING && revents) {
		int e = 0;
		socklen_t el = sizeof(e);
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e) {
			if (!s->logged_down)
				log_warnx("snmp: cannot reach the AgentX master %s: %s; retrying", s->cfg.address,
				    strerror(e ? e : errno));
			s->logged_down = true;
			drop(s, now_ms, strerror(e ? e : errno));
			return;
		}
		send_open(s, now_ms);
		revents = 0;
	}
	if (s->fd >= 0 && (revents & (POLLIN | POLLHUP | POLLERR)))
		do_read(s, now_ms);
	if (s->fd >= 0 && s->out.len)
		flush(s);
	if (s->fd >= 0 && s->out.len > WBUF_MAX) {
		drop(s, now_ms, "it does not read what we send");
		return;
	}
	if (s->st == ST_IDLE) {
		if (now_ms >= s->retry_at_ms)
			try_connect(s, now_ms);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(s->wait); i++) {
		if (s->wait[i].what != W_NONE && now_ms >= s->wait[i].deadline_ms) {
			static const char *const what[] = { "", "no answer to our Open", "no answer to our Register",
				"no answer to our Ping", "no answer to our Notify" };
			char why[96];
			snprintf(why, sizeof(why), "%s within %u ms", s->st == ST_CONNECTING ? "no connection" :
			    what[s->wait[i].what], s->cfg.deadline_ms);
			drop(s, now_ms, why);
			return;
		}
	}
	if (s->st == ST_READY && s->wait[1].what == W_NONE && now_ms >= s->next_ping_ms) {
		uint32_t p = ++s->next_packet;
		begin(s, AX_PING, s->session_id, 0, p, true);
		ax_pdu_end(&s->out);
		expect(s, 1, W_PING, p, now_ms);
		flush(s);
	}
}

void
ax_session_stats(const struct ax_session *s, struct ax_stats *st)
{
	*st = s->st_;
}
