/*
 * Checked parsing of rtnetlink messages and attributes, shared by the
 * collectors of links (collect_netlink.c) and traffic control
 * (collect_tc.c); see netlink_attr.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "netlink_attr.h"
#include "util.h"

int
nl_perr(const struct nl_msgpos *m, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(m->err, m->errlen, "%s at byte %zu: %s", m->what, m->off, msg);
	return -1;
}

static const char *
msg_name(uint16_t type)
{
	switch (type) {
	case RTM_NEWLINK:
		return "RTM_NEWLINK";
	case RTM_NEWADDR:
		return "RTM_NEWADDR";
	case RTM_NEWNEIGH:
		return "RTM_NEWNEIGH";
	case RTM_NEWQDISC:
		return "RTM_NEWQDISC";
	case RTM_NEWTCLASS:
		return "RTM_NEWTCLASS";
	case RTM_NEWTFILTER:
		return "RTM_NEWTFILTER";
	case NLMSG_ERROR:
		return "NLMSG_ERROR";
	case NLMSG_DONE:
		return "NLMSG_DONE";
	default:
		return "message";
	}
}

/*
 * Attributes
 *
 * The buffers come from outside (a file, a test), so every length is
 * checked before it is trusted; mnl's own iterators stop silently at a
 * bad length, which would hide a truncated message.
 */

/* Index the attributes in @p data by type into @p tb (types above @p max are skipped). */
int
nl_attr_table(const struct nl_msgpos *m, const char *where, const void *data, size_t len, const struct nlattr **tb,
    unsigned max)
{
	const char *p = data;
	size_t off = 0;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	while (off < len) {
		const void *at = p + off;
		const struct nlattr *a = at;
		size_t rem = len - off, step;

		if (rem < sizeof(*a) || a->nla_len < sizeof(*a) || a->nla_len > rem)
			return nl_perr(m, "%s: malformed attribute at byte %zu of %zu", where, off, len);
		if (mnl_attr_get_type(a) <= max)
			tb[mnl_attr_get_type(a)] = a;
		step = MNL_ALIGN(a->nla_len);
		off += step < rem ? step : rem;
	}
	return 0;
}

/* The attributes nested in @p a. */
int
nl_attr_nested(const struct nl_msgpos *m, const char *where, const struct nlattr *a, const struct nlattr **tb,
    unsigned max)
{
	return nl_attr_table(m, where, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a), tb, max);
}

int
nl_attr_u8(const struct nl_msgpos *m, const char *name, const struct nlattr *a, uint8_t *out)
{
	if (mnl_attr_get_payload_len(a) < sizeof(*out))
		return nl_perr(m, "%s shorter than 1 byte", name);
	*out = mnl_attr_get_u8(a);
	return 0;
}

int
nl_attr_u16(const struct nl_msgpos *m, const char *name, const struct nlattr *a, uint16_t *out)
{
	if (mnl_attr_get_payload_len(a) < sizeof(*out))
		return nl_perr(m, "%s shorter than 2 bytes", name);
	*out = mnl_attr_get_u16(a);
	return 0;
}

int
nl_attr_u32(const struct nl_msgpos *m, const char *name, const struct nlattr *a, uint32_t *out)
{
	if (mnl_attr_get_payload_len(a) < sizeof(*out))
		return nl_perr(m, "%s shorter than 4 bytes", name);
	*out = mnl_attr_get_u32(a);
	return 0;
}

int
nl_attr_u64(const struct nl_msgpos *m, const char *name, const struct nlattr *a, uint64_t *out)
{
	if (mnl_attr_get_payload_len(a) < sizeof(*out))
		return nl_perr(m, "%s shorter than 8 bytes", name);
	*out = mnl_attr_get_u64(a);
	return 0;
}

/* A fixed-size structure, copied out so its alignment does not matter. */
int
nl_attr_struct(const struct nl_msgpos *m, const char *name, const struct nlattr *a, void *out, size_t size)
{
	if (mnl_attr_get_payload_len(a) < size)
		return nl_perr(m, "%s shorter than %zu bytes", name, size);
	memcpy(out, mnl_attr_get_payload(a), size);
	return 0;
}

/* A NUL-terminated string; longer than @p len - 1 is an error unless @p cut. */
int
nl_attr_str(const struct nl_msgpos *m, const char *name, const struct nlattr *a, char *out, size_t len, bool cut)
{
	const char *s = mnl_attr_get_payload(a);
	size_t plen = mnl_attr_get_payload_len(a), n;

	if (!plen || !memchr(s, '\0', plen))
		return nl_perr(m, "%s not NUL-terminated", name);
	n = strlen(s);
	if (n >= len) {
		if (!cut)
			return nl_perr(m, "%s longer than %zu bytes", name, len - 1);
		n = len - 1;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* The family header after the netlink header, and the attributes after it. */
int
nl_msg_payload(const struct nl_msgpos *m, const struct nlmsghdr *nlh, void *hdr, size_t size, const void **attrs,
    size_t *alen)
{
	size_t off = MNL_NLMSG_HDRLEN + MNL_ALIGN(size);

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + size)
		return nl_perr(m, "%u bytes, too short for its %zu-byte header", nlh->nlmsg_len, size);
	memcpy(hdr, mnl_nlmsg_get_payload(nlh), size);
	*attrs = (const char *)nlh + (off < nlh->nlmsg_len ? off : nlh->nlmsg_len);
	*alen = off < nlh->nlmsg_len ? nlh->nlmsg_len - off : 0;
	return 0;
}

/*
 * Messages
 */

/* The kernel's text for an NLMSG_ERROR, with its extended-ack message when there is one. */
void
nl_error_text(const struct nlmsghdr *nlh, char *buf, size_t len)
{
	size_t plen = nlh->nlmsg_len - MNL_NLMSG_HDRLEN, off;
	const char *p = mnl_nlmsg_get_payload(nlh);
	struct nlmsgerr e;

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(e)) {
		snprintf(buf, len, "malformed NLMSG_ERROR");
		return;
	}
	memcpy(&e, p, sizeof(e));
	snprintf(buf, len, "%s", strerror(e.error < 0 ? -e.error : e.error));
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	off = sizeof(e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e.msg.nlmsg_len > sizeof(e.msg))
		off += e.msg.nlmsg_len - sizeof(e.msg);
	off = MNL_ALIGN(off);
	while (off + sizeof(struct nlattr) <= plen) {
		const void *at = p + off;
		const struct nlattr *a = at;
		if (a->nla_len < sizeof(*a) || a->nla_len > plen - off)
			return;
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG) {
			const char *s = mnl_attr_get_payload(a);
			size_t n = mnl_attr_get_payload_len(a);
			if (n && memchr(s, '\0', n))
				strlcatf(buf, len, " (%s)", s);
			return;
		}
		off += MNL_ALIGN(a->nla_len);
	}
}

/*
 * Call @p fn for each message of @p buf; NLMSG_DONE and NLMSG_NOOP are
 * skipped, an error reply or an interrupted dump fails the whole buffer.
 */
int
nl_walk(const void *buf, size_t len, nl_msg_fn fn, void *arg, char *err, size_t errlen)
{
	const char *p = buf;
	size_t off = 0;

	while (off < len) {
		const void *at = p + off;
		const struct nlmsghdr *nlh = at;
		size_t rem = len - off, step;
		struct nl_msgpos m = { "message", off, err, errlen };

		if (rem < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > rem) {
			snprintf(err, errlen, "truncated netlink message at byte %zu of %zu (%zu bytes left, length field %u)",
			    off, len, rem, rem < sizeof(*nlh) ? 0 : nlh->nlmsg_len);
			return -1;
		}
		m.what = msg_name(nlh->nlmsg_type);
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			return nl_perr(&m, "dump interrupted (NLM_F_DUMP_INTR): the table changed while it was read");
		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
			break;
		case NLMSG_DONE: {
			int32_t code = 0;
			if (nlh->nlmsg_len >= MNL_NLMSG_HDRLEN + sizeof(code))
				memcpy(&code, mnl_nlmsg_get_payload(nlh), sizeof(code));
			/* a corrupt INT32_MIN has no positive errno (and negating it overflows) */
			if (code < 0)
				return nl_perr(&m, "the dump ended with an error: %s",
				    code == INT32_MIN ? "invalid error code" : strerror(-code));
			break;
		}
		case NLMSG_ERROR: {
			struct nlmsgerr e = { 0 };
			char text[160];
			if (nlh->nlmsg_len >= MNL_NLMSG_HDRLEN + sizeof(e))
				memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
			else
				return nl_perr(&m, "%u bytes, too short for an error reply", nlh->nlmsg_len);
			if (e.error == 0) /* an acknowledgement */
				break;
			nl_error_text(nlh, text, sizeof(text));
			return nl_perr(&m, "the kernel answered: %s", text);
		}
		default:
			if (fn(nlh, &m, arg) < 0)
				return -1;
		}
		step = MNL_ALIGN(nlh->nlmsg_len);
		off += step < rem ? step : rem;
	}
	return 0;
}

/* Parsers take 4-byte aligned buffers; copy the rare one that is not. */
const void *
nl_aligned(const void *buf, size_t len, void **copy)
{
	*copy = NULL;
	if (((uintptr_t)buf & (MNL_ALIGNTO - 1)) == 0)
		return buf;
	*copy = xcalloc(1, len ? len : 1);
	memcpy(*copy, buf, len);
	return *copy;
}
