/*
 * The NETCONF message guard end to end (agent/netconf/nc_guard.c): the input is
 * everything a client sends on a session, hello included; the harness plays
 * libnetconf2 (its hello offers base:1.1 when the first byte is odd) and
 * reads whatever the guard forwards until the session ends. This drives
 * the RFC 6242 framing (end-of-message marker, then chunks), the checks,
 * and the queue of the guard's own replies. A session must always end
 * once the client has finished sending and hung up. When bit 1 of the
 * first byte is set (base:1.0 sessions, whose framing the harness knows
 * before the client's hello), libnetconf2's first reply carries a splice
 * marker and the guard streams a 300 KB text in its place (er_nc_guard_splice)
 * while the client sends, reads and hangs up as the input says.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "datastore.h"
#include "fuzz.h"
#include "nc_guard.h"
#include "nc_schema.h"

#define NS "urn:ietf:params:xml:ns:netconf:base:1.0"
#define HELLO(caps) "<hello xmlns=\"" NS "\"><capabilities>" caps "</capabilities><session-id>1</session-id></hello>]]>]]>"

static struct er_ds *ds;
static volatile bool stop;
/* small limits, so inputs a fuzzer makes reach them (the hello alone is about 200 bytes) */
static struct er_nc_limits limits;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[ER_ERRLEN];

	(void)argc;
	(void)argv;
	fz_quiet();
	er_nc_guard_init();
	er_nc_limits_set(&limits, 4096, 8192);
	if (!(ds = er_ds_new_with(er_nc_ctx_hook, err, sizeof(err))))
		fz_fail("datastore: %s", err);
	return 0;
}

static void
drain(int *fd, bool *eof)
{
	char b[65536];
	ssize_t r;

	while ((r = recv(*fd, b, sizeof(b), MSG_DONTWAIT)) > 0)
		;
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
		*eof = true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char h10[] = HELLO("<capability>urn:ietf:params:netconf:base:1.0</capability>"),
			  h11[] = HELLO("<capability>urn:ietf:params:netconf:base:1.0</capability>"
					"<capability>urn:ietf:params:netconf:base:1.1</capability>");
	struct er_nc_guard *g;
	int sp[2], cli, srv;
	bool cli_eof = false, srv_eof = false, shut = false;
	size_t off = 1, piece;

	if (size < 1)
		return 0;
	piece = 1 + (size_t)(data[0] >> 1) * 97; /* write sizes vary, so messages split differently */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		fz_fail("socketpair: %s", strerror(errno));
	cli = sp[0];
	if (!(g = er_nc_guard_start(sp[1], er_ds_ctx(ds), &limits, NULL, NULL, &stop, &srv)))
		fz_fail("er_nc_guard_start failed");
	if (data[0] & 1) {
		if (write(srv, h11, sizeof(h11) - 1) != (ssize_t)sizeof(h11) - 1)
			fz_fail("server hello not written");
	} else if (write(srv, h10, sizeof(h10) - 1) != (ssize_t)sizeof(h10) - 1)
		fz_fail("server hello not written");
	else if (data[0] & 2) {
		static const char reply[] = "<rpc-reply xmlns=\"" NS "\" message-id=\"1\"><data><!--fz-mk--></data>"
					    "</rpc-reply>]]>]]>";
		enum { TEXT = 300 * 1024 };
		char *t = malloc(TEXT);

		if (!t)
			fz_fail("out of memory");
		memset(t, 'x', TEXT);
		er_nc_guard_splice(g, "<!--fz-mk-->", er_nc_text_new(t, TEXT));
		if (write(srv, reply, sizeof(reply) - 1) != (ssize_t)sizeof(reply) - 1)
			fz_fail("server reply not written");
	}
	while (!cli_eof) {
		struct pollfd p[2] = { { cli, POLLIN, 0 }, { srv, POLLIN, 0 } };
		if (off < size)
			p[0].events |= POLLOUT;
		if (srv_eof)
			p[1].fd = -1;
		if (poll(p, 2, 10000) == 0)
			fz_fail("the session did not end within 10 s after the client hung up");
		if (off < size && (p[0].revents & POLLOUT)) {
			size_t n = size - off < piece ? size - off : piece;
			ssize_t w = send(cli, data + off, n, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (w > 0)
				off += (size_t)w;
			else if (w < 0 && errno != EAGAIN && errno != EINTR)
				off = size; /* the guard closed the session */
		}
		if (off >= size && !shut) {
			shutdown(cli, SHUT_WR);
			shut = true;
		}
		if (!srv_eof && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			drain(&srv, &srv_eof);
			if (srv_eof)
				close(srv); /* libnetconf2 ends the session when its input ends */
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
			drain(&cli, &cli_eof);
	}
	if (!srv_eof)
		close(srv);
	er_nc_guard_join(g);
	close(cli);
	if (__atomic_load_n(&limits.used, __ATOMIC_RELAXED))
		fz_fail("%zu bytes still counted as held after the session ended", limits.used);
	return 0;
}
