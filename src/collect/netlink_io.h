/*
 * Internal to the rtnetlink collectors: dump requests and the reading of
 * whole dumps over a struct er_nl_io (netlink_parse.h).
 */
#ifndef ER_NETLINK_IO_H
#define ER_NETLINK_IO_H

#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "netlink_parse.h"

/* The kernel sizes dump datagrams after the reader's buffer, up to 32 KiB. */
#define NL_RECV_SIZE 32768

/* Dumps as received, message after message, each padded to alignment. */
struct nl_buf {
	char *p;
	size_t len, cap;
};

/* A dump request: the netlink header and a zeroed family header of @p hdrlen bytes. */
union nl_req {
	struct nlmsghdr h;
	char b[256];
};

/** Start a dump request of @p type in @p r; *@p hdr is its zeroed family header. */
struct nlmsghdr *nl_req_start(union nl_req *r, uint16_t type, size_t hdrlen, void **hdr);
/**
 * Send @p req and append its whole answer, as received, to @p out. A dump
 * marked NLM_F_DUMP_INTR is read to its end, dropped and asked again.
 * @p rbuf holds NL_RECV_SIZE bytes. ER_COLLECT_OK, or an ER_COLLECT_* error with @p err set.
 */
int nl_dump(struct er_nl_io *io, struct nlmsghdr *req, const char *what, char *rbuf, struct nl_buf *out,
    unsigned long long deadline_us, char *err, size_t errlen);
/** Every interface, without counters, appended to @p out. */
int nl_dump_links(struct er_nl_io *io, char *rbuf, struct nl_buf *out, unsigned long long deadline_us, char *err,
    size_t errlen);

#endif
