/*
 * The kernel side of struct er_nl_io (netlink_parse.h): a NETLINK_ROUTE
 * socket read with a deadline, and whole dumps read into a buffer as the
 * kernel sent them, so that the same parsers serve live dumps and the
 * golden tests' captured ones.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "collect.h"
#include "netlink_attr.h"
#include "netlink_io.h"
#include "netlink_parse.h"
#include "util.h"

struct kio {
	struct mnl_socket *nl;
};

static int
kio_send(void *arg, const struct nlmsghdr *req, char *err, size_t errlen)
{
	struct kio *k = arg;

	if (mnl_socket_sendto(k->nl, req, req->nlmsg_len) < 0) {
		snprintf(err, errlen, "netlink send: %s", strerror(errno));
		return ER_COLLECT_ERROR;
	}
	return 0;
}

static long
kio_recv(void *arg, void *buf, size_t len, unsigned long long deadline_us, char *err, size_t errlen)
{
	struct kio *k = arg;
	int fd = mnl_socket_get_fd(k->nl);

	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		struct sockaddr_nl sa;
		socklen_t salen = sizeof(sa);
		unsigned long long now = er_now_us();
		ssize_t n;
		int ms, r;

		ms = now >= deadline_us ? 0 : (int)((deadline_us - now + 999) / 1000);
		if (ms == 0 || (r = poll(&pfd, 1, ms)) == 0) {
			snprintf(err, errlen, "no answer before the deadline");
			return ER_COLLECT_TIMEOUT;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return ER_COLLECT_ERROR;
		}
		/* MSG_TRUNC: learn the datagram's real length, to refuse a cut one. */
		n = recvfrom(fd, buf, len, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&sa, &salen);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			snprintf(err, errlen, "netlink receive: %s", strerror(errno));
			return ER_COLLECT_ERROR;
		}
		if ((size_t)n > len) {
			snprintf(err, errlen, "a %zd-byte datagram does not fit the %zu-byte buffer", n, len);
			return ER_COLLECT_ERROR;
		}
		if (sa.nl_pid != 0)
			continue; /* not from the kernel */
		return (long)n;
	}
}

static void
kio_close(void *arg)
{
	struct kio *k = arg;

	if (k->nl)
		mnl_socket_close(k->nl);
	free(k);
}

int
er_nl_io_kernel(struct er_nl_io *io, char *err, size_t errlen)
{
	return er_nl_io_kernel_proto(io, NETLINK_ROUTE, err, errlen);
}

int
er_nl_io_kernel_proto(struct er_nl_io *io, int proto, char *err, size_t errlen)
{
	struct kio *k = xcalloc(1, sizeof(*k));
	int one = 1;

	memset(io, 0, sizeof(*io));
	if (!(k->nl = mnl_socket_open2(proto, SOCK_CLOEXEC)) ||
	    mnl_socket_bind(k->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "netlink socket: %s", strerror(errno));
		kio_close(k);
		return ER_COLLECT_ERROR;
	}
	/* The kernel's own words in error replies, without our request echoed back; older kernels lack both. */
	(void)mnl_socket_setsockopt(k->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(k->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	io->send = kio_send;
	io->recv = kio_recv;
	io->close = kio_close;
	io->arg = k;
	io->seq = (uint32_t)time(NULL);
	return ER_COLLECT_OK;
}

void
er_nl_io_close(struct er_nl_io *io)
{
	if (io->close)
		io->close(io->arg);
	io->close = NULL;
	io->arg = NULL;
}

static void
nl_buf_add(struct nl_buf *b, const void *data, size_t len)
{
	if (b->cap - b->len < len) {
		size_t cap = b->cap ? b->cap : 65536;
		while (cap - b->len < len)
			cap *= 2;
		b->p = xreallocarray(b->p, cap, 1);
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

/* One message, padded so the next one starts aligned whatever the sender did. */
static void
nl_buf_add_msg(struct nl_buf *b, const struct nlmsghdr *nlh)
{
	static const char pad[MNL_ALIGNTO];

	nl_buf_add(b, nlh, nlh->nlmsg_len);
	nl_buf_add(b, pad, MNL_ALIGN(nlh->nlmsg_len) - nlh->nlmsg_len);
}

struct nlmsghdr *
nl_req_start(union nl_req *r, uint16_t type, size_t hdrlen, void **hdr)
{
	struct nlmsghdr *nlh;

	memset(r, 0, sizeof(*r));
	nlh = mnl_nlmsg_put_header(r->b);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	*hdr = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

/*
 * Send @p req and append its whole answer, as received, to @p out. A dump
 * marked NLM_F_DUMP_INTR is read to its end, dropped and asked again.
 */
int
nl_dump(struct er_nl_io *io, struct nlmsghdr *req, const char *what, char *rbuf, struct nl_buf *out,
    unsigned long long deadline_us, char *err, size_t errlen)
{
	size_t start = out->len;
	char e[200];
	int try, rc;

	for (try = 0; try < ER_NL_DUMP_TRIES; try++) {
		bool intr = false, done = false;
		out->len = start;
		req->nlmsg_seq = ++io->seq;
		io->dumps++;
		if ((rc = io->send(io->arg, req, e, sizeof(e))) != 0) {
			snprintf(err, errlen, "%s: %s", what, e);
			return rc;
		}
		while (!done) {
			long n = io->recv(io->arg, rbuf, NL_RECV_SIZE, deadline_us, e, sizeof(e));
			size_t off = 0;
			if (n < 0) {
				snprintf(err, errlen, "%s: %s", what, e);
				return (int)n;
			}
			while (off < (size_t)n && !done) {
				const void *at = rbuf + off;
				const struct nlmsghdr *nlh = at;
				size_t rem = (size_t)n - off;
				if (rem < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > rem) {
					snprintf(err, errlen, "%s: truncated message from the kernel", what);
					return ER_COLLECT_ERROR;
				}
				off += MNL_ALIGN(nlh->nlmsg_len) < rem ? MNL_ALIGN(nlh->nlmsg_len) : rem;
				/* Left over from an abandoned request. */
				if (nlh->nlmsg_seq != req->nlmsg_seq)
					continue;
				if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
					intr = true;
				if (nlh->nlmsg_type == NLMSG_ERROR) {
					struct nlmsgerr ne = { 0 };
					if (nlh->nlmsg_len >= MNL_NLMSG_HDRLEN + sizeof(ne))
						memcpy(&ne, mnl_nlmsg_get_payload(nlh), sizeof(ne));
					if (ne.error == 0)
						continue;
					nl_error_text(nlh, e, sizeof(e));
					snprintf(err, errlen, "%s: %s", what, e);
					return ER_COLLECT_ERROR;
				}
				nl_buf_add_msg(out, nlh);
				done = nlh->nlmsg_type == NLMSG_DONE;
			}
		}
		if (!intr) {
			if (io->record && fwrite(out->p + start, 1, out->len - start, io->record) != out->len - start) {
				snprintf(err, errlen, "%s: cannot record the dump", what);
				return ER_COLLECT_ERROR;
			}
			return ER_COLLECT_OK;
		}
	}
	out->len = start;
	snprintf(err, errlen, "%s: %d interrupted dumps in a row (the table kept changing)", what, ER_NL_DUMP_TRIES);
	return ER_COLLECT_ERROR;
}

int
nl_dump_links(struct er_nl_io *io, char *rbuf, struct nl_buf *out, unsigned long long deadline_us, char *err,
    size_t errlen)
{
	union nl_req r;
	void *hdr;
	struct nlmsghdr *nlh = nl_req_start(&r, RTM_GETLINK, sizeof(struct ifinfomsg), &hdr);
	struct ifinfomsg *ifi = hdr;

	ifi->ifi_family = AF_UNSPEC;
	/* Counters are a third of each message and unused here. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return nl_dump(io, nlh, "RTM_GETLINK dump", rbuf, out, deadline_us, err, errlen);
}
