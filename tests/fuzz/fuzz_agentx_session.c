/*
 * Our AgentX subagent against a hostile master: for each input a fresh
 * session (agent/snmp/agentx.c with the real MIB glue, agentx_glue.c, over the
 * example config's view and datastore) connects to this target's UNIX
 * socket, is opened and registered properly, and then receives the input
 * as the master's byte stream: requests of every kind with any lengths,
 * byte orders, contexts and session ids, Closes, Responses to nothing.
 * It must answer or drop the master without reading outside a buffer,
 * leaking, or looping (libFuzzer's -timeout catches a hang).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agentx_glue.h"
#include "agentx_pdu.h"
#include "alerts.h"
#include "datastore.h"
#include "eval.h"
#include "fuzz.h"
#include "snmp_agent.h"
#include "snmp_mib.h"
#include "util.h"

static struct er_ds *ds;
static struct er_snapshot *snap;
static struct er_mib *mib;
static struct er_alerts *alerts;
static struct er_snmp_cfg cfg;
static char dir[64], path[128], address[160];
static int lfd = -1;
static uint8_t rbuf[1 << 18];

static void
cleanup(void)
{
	if (lfd >= 0)
		close(lfd);
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[ER_ERRLEN];
	const char *tmp = getenv("TMPDIR");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const struct er_config *c;

	(void)argc;
	(void)argv;
	fz_quiet();
	ds = fz_ds_new();
	if (er_ds_load_mem(ds, fz_example_config(), ER_FMT_JSON, "erready.json", err, sizeof(err)) < 0)
		fz_fail("%s", err);
	c = er_ds_config(ds);
	snap = er_evaluate(c, fz_healthy_observed(), NULL, 1795000000);
	er_ds_config_unref(c);
	mib = er_mib_new(snap);
	alerts = er_alerts_new();
	snprintf(dir, sizeof(dir), "%s/er-fzax-XXXXXX", tmp && *tmp && strlen(tmp) < 32 ? tmp : P_tmpdir);
	if (!mkdtemp(dir))
		fz_fail("mkdtemp: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/master", dir);
	snprintf(address, sizeof(address), "unix:%s", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(lfd, 4) < 0)
		fz_fail("master socket: %s", strerror(errno));
	atexit(cleanup);
	cfg.agentx_socket = address;
	cfg.ping_interval = 1;
	return 0;
}

static void
drive(struct er_agentx *x)
{
	struct pollfd pfd[1];
	int timeout = 0;
	size_t n = er_agentx_poll_prepare(x, pfd, 1, &timeout, er_now_ms());

	poll(pfd, n, 0);
	er_agentx_poll_process(x, pfd, n, er_now_ms());
}

/* The next whole PDU from the subagent into rbuf, within about a second. */
static bool
next_pdu(struct er_agentx *x, int fd, struct ax_pdu *p, size_t *have)
{
	struct ax_hdr h;
	int i;

	for (i = 0; i < 1000; i++) {
		ssize_t n;

		if (*have >= AX_HDR_LEN && ax_hdr_decode(rbuf, *have, &h) == 0 && *have >= AX_HDR_LEN + h.plen) {
			size_t total = AX_HDR_LEN + h.plen;
			int rc = ax_pdu_decode(rbuf, total, p);
			memmove(rbuf, rbuf + total, *have - total);
			*have -= total;
			return rc == 0;
		}
		drive(x);
		n = recv(fd, rbuf + *have, sizeof(rbuf) - *have, MSG_DONTWAIT);
		if (n == 0)
			return false;
		if (n > 0)
			*have += (size_t)n;
		else
			usleep(1000);
	}
	return false;
}

static void
respond(int fd, const struct ax_pdu *q)
{
	struct ax_buf b = { 0 };
	struct ax_hdr h = { .version = 1, .type = AX_RESPONSE, .flags = AX_F_NETWORK_BYTE_ORDER, .session = 1,
		.transaction = q->h.transaction, .packet = q->h.packet };

	ax_pdu_begin(&b, &h);
	ax_put_u32(&b, 0);
	ax_put_u16(&b, 0);
	ax_put_u16(&b, 0);
	ax_pdu_end(&b);
	if (send(fd, b.p, b.len, MSG_NOSIGNAL) != (ssize_t)b.len)
		fz_fail("the master could not answer");
	ax_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct er_snmp_env env = { .ds = ds };
	struct er_agentx *x;
	struct ax_pdu p;
	char err[256];
	size_t have = 0, off = 0;
	int fd = -1, i, step;

	/* a connection the previous input's session made after a drop (and closed) is not this one's */
	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0)
		close(fd);
	x = er_agentx_new(&cfg, &env, alerts, err, sizeof(err));
	if (!x)
		fz_fail("%s", err);
	er_agentx_set_mib(x, mib);
	/* the handshake, as snmpd does it (session id 1) */
	for (i = 0; i < 1000 && fd < 0; i++) {
		struct pollfd lp = { .fd = lfd, .events = POLLIN };
		drive(x);
		if (poll(&lp, 1, 1) == 1)
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	}
	if (fd < 0)
		fz_fail("the subagent did not connect");
	for (step = 0; step < 2; step++) {
		if (!next_pdu(x, fd, &p, &have) || p.h.type != (step ? AX_REGISTER : AX_OPEN))
			fz_fail("no %s from the subagent", step ? "Register" : "Open");
		respond(fd, &p);
		ax_pdu_clear(&p);
	}
	for (i = 0; i < 100 && !er_agentx_ready(x); i++)
		drive(x);
	if (!er_agentx_ready(x))
		fz_fail("the subagent is not registered after the handshake");
	/* the input, as the master's stream; the answers are read and dropped */
	for (i = 0; i < 64 && (off < size || i < 4); i++) {
		if (off < size) {
			ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0)
				off += (size_t)n;
		}
		drive(x);
		while (recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT) > 0)
			;
	}
	er_agentx_free(x);
	close(fd);
	return 0;
}
