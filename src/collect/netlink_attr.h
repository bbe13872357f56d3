/*
 * Internal to the rtnetlink collectors: checked attribute parsing and the
 * walk over a dump buffer (see netlink_parse.h for what a buffer is).
 *
 * The buffers come from outside (a file, a test), so every length is
 * checked before it is trusted; mnl's own iterators stop silently at a
 * bad length, which would hide a truncated message.
 */
#ifndef ER_NETLINK_ATTR_H
#define ER_NETLINK_ATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

/* Where in a buffer parsing is, for error messages. */
struct nl_msgpos {
	const char *what; /* message type name */
	size_t off;       /* byte offset of the message */
	char *err;
	size_t errlen;
};

/** Set "<what> at byte <off>: <message>" as the error; returns -1. */
int nl_perr(const struct nl_msgpos *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Index the attributes in @p data by type into @p tb (types above @p max are skipped). */
int nl_attr_table(const struct nl_msgpos *m, const char *where, const void *data, size_t len,
    const struct nlattr **tb, unsigned max);
/** The attributes nested in @p a. */
int nl_attr_nested(const struct nl_msgpos *m, const char *where, const struct nlattr *a, const struct nlattr **tb,
    unsigned max);
int nl_attr_u8(const struct nl_msgpos *m, const char *name, const struct nlattr *a, uint8_t *out);
int nl_attr_u16(const struct nl_msgpos *m, const char *name, const struct nlattr *a, uint16_t *out);
int nl_attr_u32(const struct nl_msgpos *m, const char *name, const struct nlattr *a, uint32_t *out);
int nl_attr_u64(const struct nl_msgpos *m, const char *name, const struct nlattr *a, uint64_t *out);
/** A fixed-size structure, copied out so its alignment does not matter. */
int nl_attr_struct(const struct nl_msgpos *m, const char *name, const struct nlattr *a, void *out, size_t size);
/** A NUL-terminated string; longer than @p len - 1 is an error unless @p cut. */
int nl_attr_str(const struct nl_msgpos *m, const char *name, const struct nlattr *a, char *out, size_t len, bool cut);
/** The family header after the netlink header, and the attributes after it. */
int nl_msg_payload(const struct nl_msgpos *m, const struct nlmsghdr *nlh, void *hdr, size_t size,
    const void **attrs, size_t *alen);

typedef int (*nl_msg_fn)(const struct nlmsghdr *nlh, const struct nl_msgpos *m, void *arg);

/** The kernel's text for an NLMSG_ERROR, with its extended-ack message when there is one. */
void nl_error_text(const struct nlmsghdr *nlh, char *buf, size_t len);
/**
 * Call @p fn for each message of @p buf; NLMSG_DONE and NLMSG_NOOP are
 * skipped, an error reply or an interrupted dump fails the whole buffer.
 */
int nl_walk(const void *buf, size_t len, nl_msg_fn fn, void *arg, char *err, size_t errlen);
/** Parsers take 4-byte aligned buffers: @p buf, or a copy in *@p copy (free it) when it is not. */
const void *nl_aligned(const void *buf, size_t len, void **copy);

#endif
