/*
 * rtnetlink collectors (libmnl): interfaces, their addresses and the
 * neighbour table (er_collect_netlink), and each interface's root queueing
 * discipline (er_collect_tc).
 *
 * Each dump is read whole into a buffer first, exactly as the kernel sent
 * it, and parsed afterwards: a dump the kernel flags NLM_F_DUMP_INTR (its
 * table changed while it was read) is then simply thrown away and asked
 * again, and the same parsers serve the golden tests, which replay dumps
 * captured on real kernels.
 *
 * EF priority (er_queue.ef_priority). A filter "feeds EF" when it matches
 * DSCP 46 on the root qdisc or on one of its classes, in chain 0:
 *  - u32 (classifier or ematch): a key at offset 0 of the network header
 *    whose mask covers the six DSCP bits and whose value has DSCP 46
 *    there: TOS byte 0xb8/0xfc for IPv4 (key 0x00b80000/0x00fc0000), the
 *    traffic class 0x0b800000/0x0fc00000 for IPv6 (filter protocol ipv6);
 *  - flower: ip_tos 0xb8 with a mask covering 0xfc;
 *  - basic: an ematch list with a non-inverted u32 key as above or a cmp
 *    "layer network, eq" on those bits (no containers, no "trans").
 * Other keys of the same filter may narrow the match further (a
 * destination, say): it still sends voice to that class. The filter's
 * target class is the priority class when
 *  - htb: it is a leaf whose prio is strictly lower (served first) than
 *    that of every sibling (same parent);
 *  - prio: it is band 1 (minor 1, the highest priority band);
 *  - ets: it is band 1 and the qdisc has at least one strict band.
 * Every other classful qdisc (hfsc, drr, qfq, ...) reports no EF priority:
 * its classes are shares, not priorities. Filters reached only through
 * "goto chain" actions, and classification by skb->priority (nftables
 * "meta priority set"), are not followed.
 *
 * Shaping (er_queue.rate_bps): the sum of the rates of an htb root's top
 * classes (usually one), or a tbf root's rate; 0 for anything else.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_ematch/tc_em_cmp.h>

#include "collect.h"
#include "log.h"
#include "netlink_parse.h"
#include "util.h"

/* The kernel sizes dump datagrams after the reader's buffer, up to 32 KiB. */
#define NL_RECV_SIZE 32768


/* Where in a buffer parsing is, for error messages. */
struct msgpos {
	const char *what; /* message type name */
	size_t off;       /* byte offset of the message */
	char *err;
	size_t errlen;
};

static int perr(const struct msgpos *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
perr(const struct msgpos *m, const char *fmt, ...)
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
static int
attr_table(const struct msgpos *m, const char *where, const void *data, size_t len, const struct nlattr **tb,
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
			return perr(m, "%s: malformed attribute at byte %zu of %zu", where, off, len);
		if (mnl_attr_get_type(a) <= max)
			tb[mnl_attr_get_type(a)] = a;
		step = MNL_ALIGN(a->nla_len);
		off += step < rem ? step : rem;
	}
	return 0;
}

/* The attributes nested in @p a. */
static int
attr_nested(const struct msgpos *m, const char *where, const struct nlattr *a, const struct nlattr **tb,
    unsigned max)
{
	return attr_table(m, where, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a), tb, max);
}

static int
attr_u8(const struct msgpos *m, const char *name, const struct nlattr *a, uint8_t *out)
{
	if (mnl_attr_get_payload_len(a) < sizeof(*out))
		return perr(m, "%s shorter than 1 byte", name);
	*out = mnl_attr_get_u8(a);
	return 0;
}

static int
attr_u16(const struct msgpos *m, const char *name, const struct nlattr *a, uint16_t *out)
{
	if (mnl_attr_get_payload_len(a) < sizeof(*out))
		return perr(m, "%s shorter than 2 bytes", name);
	*out = mnl_attr_get_u16(a);
	return 0;
}

static int
attr_u32(const struct msgpos *m, const char *name, const struct nlattr *a, uint32_t *out)
{
	if (mnl_attr_get_payload_len(a) < sizeof(*out))
		return perr(m, "%s shorter than 4 bytes", name);
	*out = mnl_attr_get_u32(a);
	return 0;
}

static int
attr_u64(const struct msgpos *m, const char *name, const struct nlattr *a, uint64_t *out)
{
	if (mnl_attr_get_payload_len(a) < sizeof(*out))
		return perr(m, "%s shorter than 8 bytes", name);
	*out = mnl_attr_get_u64(a);
	return 0;
}

/* A fixed-size structure, copied out so its alignment does not matter. */
static int
attr_struct(const struct msgpos *m, const char *name, const struct nlattr *a, void *out, size_t size)
{
	if (mnl_attr_get_payload_len(a) < size)
		return perr(m, "%s shorter than %zu bytes", name, size);
	memcpy(out, mnl_attr_get_payload(a), size);
	return 0;
}

/* A NUL-terminated string; longer than @p len - 1 is an error unless @p cut. */
static int
attr_str(const struct msgpos *m, const char *name, const struct nlattr *a, char *out, size_t len, bool cut)
{
	const char *s = mnl_attr_get_payload(a);
	size_t plen = mnl_attr_get_payload_len(a), n;

	if (!plen || !memchr(s, '\0', plen))
		return perr(m, "%s not NUL-terminated", name);
	n = strlen(s);
	if (n >= len) {
		if (!cut)
			return perr(m, "%s longer than %zu bytes", name, len - 1);
		n = len - 1;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* The family header after the netlink header, and the attributes after it. */
static int
msg_payload(const struct msgpos *m, const struct nlmsghdr *nlh, void *hdr, size_t size, const void **attrs,
    size_t *alen)
{
	size_t off = MNL_NLMSG_HDRLEN + MNL_ALIGN(size);

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + size)
		return perr(m, "%u bytes, too short for its %zu-byte header", nlh->nlmsg_len, size);
	memcpy(hdr, mnl_nlmsg_get_payload(nlh), size);
	*attrs = (const char *)nlh + (off < nlh->nlmsg_len ? off : nlh->nlmsg_len);
	*alen = off < nlh->nlmsg_len ? nlh->nlmsg_len - off : 0;
	return 0;
}

/*
 * Messages
 */

typedef int (*msg_fn)(const struct nlmsghdr *nlh, const struct msgpos *m, void *arg);

/* The kernel's text for an NLMSG_ERROR, with its extended-ack message when there is one. */
static void
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
static int
walk(const void *buf, size_t len, msg_fn fn, void *arg, char *err, size_t errlen)
{
	const char *p = buf;
	size_t off = 0;

	while (off < len) {
		const void *at = p + off;
		const struct nlmsghdr *nlh = at;
		size_t rem = len - off, step;
		struct msgpos m = { "message", off, err, errlen };

		if (rem < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > rem) {
			snprintf(err, errlen, "truncated netlink message at byte %zu of %zu (%zu bytes left, length field %u)",
			    off, len, rem, rem < sizeof(*nlh) ? 0 : nlh->nlmsg_len);
			return -1;
		}
		m.what = msg_name(nlh->nlmsg_type);
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			return perr(&m, "dump interrupted (NLM_F_DUMP_INTR): the table changed while it was read");
		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
			break;
		case NLMSG_DONE: {
			int32_t code = 0;
			if (nlh->nlmsg_len >= MNL_NLMSG_HDRLEN + sizeof(code))
				memcpy(&code, mnl_nlmsg_get_payload(nlh), sizeof(code));
			if (code < 0)
				return perr(&m, "the dump ended with an error: %s", strerror(-code));
			break;
		}
		case NLMSG_ERROR: {
			struct nlmsgerr e = { 0 };
			char text[160];
			if (nlh->nlmsg_len >= MNL_NLMSG_HDRLEN + sizeof(e))
				memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
			else
				return perr(&m, "%u bytes, too short for an error reply", nlh->nlmsg_len);
			if (e.error == 0) /* an acknowledgement */
				break;
			nl_error_text(nlh, text, sizeof(text));
			return perr(&m, "the kernel answered: %s", text);
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
static const void *
aligned(const void *buf, size_t len, void **copy)
{
	*copy = NULL;
	if (((uintptr_t)buf & (MNL_ALIGNTO - 1)) == 0)
		return buf;
	*copy = xcalloc(1, len ? len : 1);
	memcpy(*copy, buf, len);
	return *copy;
}

/*
 * Links, addresses, neighbours
 */

struct link_ent {
	int ifindex;
	int link, master; /* IFLA_LINK in this namespace, IFLA_MASTER; 0 if none */
	size_t pos; /* in obs->ifs */
	char name[ER_OBS_IFNAMSIZ];
};

static int
link_cmp(const void *a, const void *b)
{
	int x = ((const struct link_ent *)a)->ifindex, y = ((const struct link_ent *)b)->ifindex;

	return x < y ? -1 : x > y;
}

static const struct link_ent *
link_find(const struct link_ent *v, size_t n, int ifindex)
{
	struct link_ent key = { .ifindex = ifindex };

	return n ? bsearch(&key, v, n, sizeof(*v), link_cmp) : NULL;
}

/* Sort by ifindex; the same index twice means the buffer is not one dump. */
static int
link_sort(struct link_ent *v, size_t n, char *err, size_t errlen)
{
	size_t i;

	if (n)
		qsort(v, n, sizeof(*v), link_cmp);
	for (i = 1; i < n; i++)
		if (v[i].ifindex == v[i - 1].ifindex) {
			snprintf(err, errlen, "RTM_NEWLINK: interface index %d reported twice (%s, %s)", v[i].ifindex,
			    v[i - 1].name, v[i].name);
			return -1;
		}
	return 0;
}

/*
 * RFC 2863 states to what the checks need: dormant, testing and
 * not-present interfaces carry no user traffic, so they count as down.
 */
static enum er_oper
oper_state(uint8_t s)
{
	switch (s) {
	case IF_OPER_UP:
		return ER_OPER_UP;
	case IF_OPER_LOWERLAYERDOWN:
		return ER_OPER_LOWER_DOWN;
	case IF_OPER_DOWN:
	case IF_OPER_NOTPRESENT:
	case IF_OPER_TESTING:
	case IF_OPER_DORMANT:
		return ER_OPER_DOWN;
	default:
		return ER_OPER_UNKNOWN;
	}
}

/* One RTM_NEWLINK into @p le and @p ifp. */
static int
parse_link(const struct nlmsghdr *nlh, const struct msgpos *m, struct link_ent *le, struct er_interface *ifp)
{
	const struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1], *vt[IFLA_VLAN_MAX + 1];
	struct ifinfomsg ifi;
	const void *attrs = NULL;
	size_t alen = 0;
	uint8_t oper = IF_OPER_UNKNOWN;
	uint16_t proto;
	uint32_t idx = 0;

	memset(ifp, 0, sizeof(*ifp));
	memset(le, 0, sizeof(*le));
	if (msg_payload(m, nlh, &ifi, sizeof(ifi), &attrs, &alen) < 0 ||
	    attr_table(m, "link", attrs, alen, tb, IFLA_MAX) < 0)
		return -1;
	le->ifindex = ifi.ifi_index;
	if (!tb[IFLA_IFNAME])
		return perr(m, "interface index %d has no IFLA_IFNAME", ifi.ifi_index);
	if (attr_str(m, "IFLA_IFNAME", tb[IFLA_IFNAME], le->name, sizeof(le->name), false) < 0)
		return -1;
	memcpy(ifp->name, le->name, sizeof(ifp->name));
	if (tb[IFLA_MTU] && attr_u32(m, "IFLA_MTU", tb[IFLA_MTU], &ifp->mtu) < 0)
		return -1;
	if (tb[IFLA_OPERSTATE]) {
		if (attr_u8(m, "IFLA_OPERSTATE", tb[IFLA_OPERSTATE], &oper) < 0)
			return -1;
		ifp->oper = oper_state(oper);
	}
	/* Only 6-byte (Ethernet-like) addresses: rule 12 looks for VRRP/HSRP virtual MACs. */
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == sizeof(ifp->mac)) {
		memcpy(ifp->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), sizeof(ifp->mac));
		ifp->mac_len = sizeof(ifp->mac);
	}
	/*
	 * The lower device (a VLAN's or macvlan's parent, a veth's peer). With
	 * IFLA_LINK_NETNSID it lives in another namespace, where the index means
	 * nothing here.
	 */
	if (tb[IFLA_LINK] && !tb[IFLA_LINK_NETNSID]) {
		uint32_t link = 0;
		if (attr_u32(m, "IFLA_LINK", tb[IFLA_LINK], &link) < 0)
			return -1;
		le->link = link != (uint32_t)ifi.ifi_index ? (int)link : 0;
	}
	/* A bond's slaves share its ports (resiliency check 11). */
	if (tb[IFLA_MASTER] && attr_u32(m, "IFLA_MASTER", tb[IFLA_MASTER], &idx) == 0)
		le->master = (int)idx;
	if (!tb[IFLA_LINKINFO])
		return 0; /* a physical device, or loopback */
	if (attr_nested(m, "IFLA_LINKINFO", tb[IFLA_LINKINFO], li, IFLA_INFO_MAX) < 0)
		return -1;
	/* Kinds are short ("veth", "vlan"); an unknown long one is cut, not fatal. */
	if (li[IFLA_INFO_KIND] &&
	    attr_str(m, "IFLA_INFO_KIND", li[IFLA_INFO_KIND], ifp->kind, sizeof(ifp->kind), true) < 0)
		return -1;
	if (strcmp(ifp->kind, "vlan") != 0 || !li[IFLA_INFO_DATA])
		return 0;
	if (attr_nested(m, "IFLA_INFO_DATA", li[IFLA_INFO_DATA], vt, IFLA_VLAN_MAX) < 0)
		return -1;
	/* As ip(8) prints it: the ID in host order, the protocol in network order, 802.1Q when absent (before 3.10). */
	if (vt[IFLA_VLAN_ID] && attr_u16(m, "IFLA_VLAN_ID", vt[IFLA_VLAN_ID], &ifp->vlan_id) < 0)
		return -1;
	if (!vt[IFLA_VLAN_ID])
		return perr(m, "VLAN %s has no IFLA_VLAN_ID", ifp->name);
	ifp->vlan_proto = ETH_P_8021Q;
	if (vt[IFLA_VLAN_PROTOCOL]) {
		if (attr_u16(m, "IFLA_VLAN_PROTOCOL", vt[IFLA_VLAN_PROTOCOL], &proto) < 0)
			return -1;
		ifp->vlan_proto = ntohs(proto);
	}
	return 0;
}

struct link_state {
	struct er_observed *obs;
	struct link_ent *map; /* sorted by ifindex after the first pass */
	size_t n_map, cap_map, cap_ifs, cap_neigh;
};

static int
link_pass(const struct nlmsghdr *nlh, const struct msgpos *m, void *arg)
{
	struct link_state *st = arg;
	struct er_observed *obs = st->obs;
	struct link_ent le;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
		break;
	case RTM_NEWADDR:
	case RTM_NEWNEIGH:
		return 0; /* second pass */
	default:
		return perr(m, "unexpected message type %u in a link, address or neighbour dump", nlh->nlmsg_type);
	}
	ER_GROW(obs->ifs, obs->n_ifs, st->cap_ifs);
	if (parse_link(nlh, m, &le, &obs->ifs[obs->n_ifs]) < 0)
		return -1;
	le.pos = obs->n_ifs++;
	ER_GROW(st->map, st->n_map, st->cap_map);
	st->map[st->n_map++] = le;
	return 0;
}

static void
add_addr(struct er_interface *ifp, const struct er_prefix *p)
{
	/* er_interface keeps no capacity: grow at powers of two. */
	if ((ifp->n_addrs & (ifp->n_addrs - 1)) == 0)
		ifp->addrs = xreallocarray(ifp->addrs, ifp->n_addrs ? ifp->n_addrs * 2 : 1, sizeof(*ifp->addrs));
	ifp->addrs[ifp->n_addrs++] = *p;
}

/* An IPv4 or IPv6 address attribute into @p a; 0 for another family (skipped). */
static int
attr_inaddr(const struct msgpos *m, const char *name, uint8_t family, const struct nlattr *at, struct er_addr *a)
{
	size_t want = family == AF_INET ? 4 : 16;

	if (mnl_attr_get_payload_len(at) != want)
		return perr(m, "%s is %u bytes, not the %zu of an %s address", name, mnl_attr_get_payload_len(at), want,
		    family == AF_INET ? "IPv4" : "IPv6");
	memset(a, 0, sizeof(*a));
	a->family = family == AF_INET ? ER_AF_INET : ER_AF_INET6;
	memcpy(a->bytes, mnl_attr_get_payload(at), want);
	return 0;
}

static int
parse_addr(const struct nlmsghdr *nlh, const struct msgpos *m, struct link_state *st)
{
	const struct nlattr *tb[IFA_MAX + 1], *a;
	const struct link_ent *le;
	struct ifaddrmsg ifa;
	struct er_prefix p;
	const void *attrs = NULL;
	size_t alen = 0;

	if (msg_payload(m, nlh, &ifa, sizeof(ifa), &attrs, &alen) < 0 ||
	    attr_table(m, "address", attrs, alen, tb, IFA_MAX) < 0)
		return -1;
	if (ifa.ifa_family != AF_INET && ifa.ifa_family != AF_INET6)
		return 0;
	/*
	 * IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer's
	 * on a point-to-point link (both families), else the same address.
	 */
	if (!(a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS]))
		return perr(m, "no IFA_LOCAL or IFA_ADDRESS (interface index %u)", ifa.ifa_index);
	if (attr_inaddr(m, tb[IFA_LOCAL] ? "IFA_LOCAL" : "IFA_ADDRESS", ifa.ifa_family, a, &p.addr) < 0)
		return -1;
	if (ifa.ifa_prefixlen > er_addr_maxlen(&p.addr))
		return perr(m, "prefix length %u", ifa.ifa_prefixlen);
	p.len = ifa.ifa_prefixlen;
	{
		/* The kernel does not use an address that failed or has not passed DAD. */
		uint32_t flags = ifa.ifa_flags;
		if (tb[IFA_FLAGS] && mnl_attr_get_payload_len(tb[IFA_FLAGS]) >= sizeof(uint32_t))
			flags = mnl_attr_get_u32(tb[IFA_FLAGS]);
		if (flags & (IFA_F_DADFAILED | IFA_F_TENTATIVE))
			return 0;
	}
	/* An interface created after the link dump: not seen, so not reported. */
	if (!(le = link_find(st->map, st->n_map, (int)ifa.ifa_index)))
		return 0;
	add_addr(&st->obs->ifs[le->pos], &p);
	return 0;
}

static enum er_neigh_state
neigh_state(uint16_t s)
{
	if (s & NUD_REACHABLE)
		return ER_NEIGH_REACHABLE;
	/* Delay and probe are stale entries being confirmed. */
	if (s & (NUD_STALE | NUD_DELAY | NUD_PROBE))
		return ER_NEIGH_STALE;
	if (s & NUD_FAILED)
		return ER_NEIGH_FAILED;
	if (s & NUD_INCOMPLETE)
		return ER_NEIGH_INCOMPLETE;
	if (s & NUD_PERMANENT)
		return ER_NEIGH_PERMANENT;
	return ER_NEIGH_OTHER; /* none */
}

static int
parse_neigh(const struct nlmsghdr *nlh, const struct msgpos *m, struct link_state *st)
{
	const struct nlattr *tb[NDA_MAX + 1];
	const struct link_ent *le;
	struct er_neighbor_entry *n;
	struct er_observed *obs = st->obs;
	struct ndmsg nd;
	struct er_addr a;
	const void *attrs = NULL;
	size_t alen = 0;

	if (msg_payload(m, nlh, &nd, sizeof(nd), &attrs, &alen) < 0 ||
	    attr_table(m, "neighbour", attrs, alen, tb, NDA_MAX) < 0)
		return -1;
	/* Bridge FDB and proxy entries are not neighbours; NOARP ones map multicast and broadcast. */
	if ((nd.ndm_family != AF_INET && nd.ndm_family != AF_INET6) || (nd.ndm_flags & NTF_PROXY) ||
	    (nd.ndm_state & NUD_NOARP))
		return 0;
	if (!tb[NDA_DST])
		return perr(m, "no NDA_DST (interface index %d)", nd.ndm_ifindex);
	if (attr_inaddr(m, "NDA_DST", nd.ndm_family, tb[NDA_DST], &a) < 0)
		return -1;
	if (!(le = link_find(st->map, st->n_map, nd.ndm_ifindex)))
		return 0;
	ER_GROW(obs->neigh, obs->n_neigh, st->cap_neigh);
	n = &obs->neigh[obs->n_neigh++];
	memset(n, 0, sizeof(*n));
	n->addr = a;
	memcpy(n->ifname, le->name, sizeof(n->ifname));
	n->state = neigh_state(nd.ndm_state);
	return 0;
}

static int
addr_neigh_pass(const struct nlmsghdr *nlh, const struct msgpos *m, void *arg)
{
	switch (nlh->nlmsg_type) {
	case RTM_NEWADDR:
		return parse_addr(nlh, m, arg);
	case RTM_NEWNEIGH:
		return parse_neigh(nlh, m, arg);
	default:
		return 0;
	}
}

int
er_netlink_parse(const void *buf, size_t len, struct er_observed *obs, char *err, size_t errlen)
{
	struct link_state st = { .obs = obs, .cap_ifs = obs->n_ifs, .cap_neigh = obs->n_neigh };
	size_t n_ifs0 = obs->n_ifs, n_neigh0 = obs->n_neigh, i;
	void *copy;
	const void *p = aligned(buf, len, &copy);
	int rc = -1;

	/* Links first, so addresses and neighbours can name their interface whatever the order. */
	if (walk(p, len, link_pass, &st, err, errlen) < 0 || link_sort(st.map, st.n_map, err, errlen) < 0 ||
	    walk(p, len, addr_neigh_pass, &st, err, errlen) < 0)
		goto out;
	for (i = 0; i < st.n_map; i++) {
		const struct link_ent *lower = st.map[i].link ? link_find(st.map, st.n_map, st.map[i].link) : NULL,
				      *up = st.map[i].master ? link_find(st.map, st.n_map, st.map[i].master) : NULL;
		if (lower)
			memcpy(obs->ifs[st.map[i].pos].link, lower->name, sizeof(obs->ifs[0].link));
		if (up)
			memcpy(obs->ifs[st.map[i].pos].master, up->name, sizeof(obs->ifs[0].master));
	}
	/* er_observed_finalize() sorts the neighbour entries with everything else. */
	rc = 0;
out:
	if (rc < 0) {
		/* Leave @p obs as it was. */
		for (i = n_ifs0; i < obs->n_ifs; i++)
			free(obs->ifs[i].addrs);
		obs->n_ifs = n_ifs0;
		obs->n_neigh = n_neigh0;
	}
	free(st.map);
	free(copy);
	return rc;
}

/*
 * Traffic control
 */

struct tc_qdisc {
	int ifindex;
	uint32_t handle;
	char kind[16];
	uint64_t rate_bps; /* tbf */
	unsigned nstrict;  /* ets */
};

struct tc_class { /* htb classes only */
	int ifindex;
	uint32_t id, parent;
	uint32_t prio;
	uint64_t rate_bps;
};

struct tc_ef { /* a filter feeding DSCP 46 to a class */
	int ifindex;
	uint32_t parent, target;
};

struct tc_state {
	struct link_ent *links;
	size_t n_links, cap_links;
	struct tc_qdisc *q; /* root qdiscs */
	size_t n_q, cap_q;
	struct tc_class *cl;
	size_t n_cl, cap_cl;
	struct tc_ef *ef;
	size_t n_ef, cap_ef;
};

static void
tc_state_free(struct tc_state *st)
{
	free(st->links);
	free(st->q);
	free(st->cl);
	free(st->ef);
}

/* The tcmsg header, the attributes and TCA_KIND of a qdisc, class or filter message. */
static int
tc_msg(const struct nlmsghdr *nlh, const struct msgpos *m, struct tcmsg *t, const struct nlattr **tb, char *kind,
    size_t kindlen)
{
	const void *attrs = NULL;
	size_t alen = 0;

	if (msg_payload(m, nlh, t, sizeof(*t), &attrs, &alen) < 0 || attr_table(m, "tc", attrs, alen, tb, TCA_MAX) < 0)
		return -1;
	if (!tb[TCA_KIND])
		return perr(m, "no TCA_KIND (interface index %d, handle %x:%x)", t->tcm_ifindex,
		    TC_H_MAJ(t->tcm_handle) >> 16, TC_H_MIN(t->tcm_handle));
	return attr_str(m, "TCA_KIND", tb[TCA_KIND], kind, kindlen, true);
}

static int
parse_qdisc(const struct nlmsghdr *nlh, const struct msgpos *m, struct tc_state *st)
{
	const struct nlattr *tb[TCA_MAX + 1];
	struct tc_qdisc q = { 0 };
	struct tcmsg t;

	if (tc_msg(nlh, m, &t, tb, q.kind, sizeof(q.kind)) < 0)
		return -1;
	if (t.tcm_parent != TC_H_ROOT)
		return 0; /* inner qdiscs, ingress, clsact */
	q.ifindex = t.tcm_ifindex;
	q.handle = t.tcm_handle;
	if (!strcmp(q.kind, "tbf") && tb[TCA_OPTIONS]) {
		const struct nlattr *o[TCA_TBF_MAX + 1];
		struct tc_tbf_qopt opt;
		if (attr_nested(m, "tbf TCA_OPTIONS", tb[TCA_OPTIONS], o, TCA_TBF_MAX) < 0)
			return -1;
		if (o[TCA_TBF_PARMS]) {
			if (attr_struct(m, "TCA_TBF_PARMS", o[TCA_TBF_PARMS], &opt, sizeof(opt)) < 0)
				return -1;
			q.rate_bps = (uint64_t)opt.rate.rate * 8;
		}
		/* Rates of 2^32 bytes/s and more only fit here. */
		if (o[TCA_TBF_RATE64] && attr_u64(m, "TCA_TBF_RATE64", o[TCA_TBF_RATE64], &q.rate_bps) < 0)
			return -1;
		if (o[TCA_TBF_RATE64])
			q.rate_bps *= 8;
	} else if (!strcmp(q.kind, "ets") && tb[TCA_OPTIONS]) {
		const struct nlattr *o[TCA_ETS_MAX + 1];
		uint8_t n = 0;
		if (attr_nested(m, "ets TCA_OPTIONS", tb[TCA_OPTIONS], o, TCA_ETS_MAX) < 0)
			return -1;
		if (o[TCA_ETS_NSTRICT] && attr_u8(m, "TCA_ETS_NSTRICT", o[TCA_ETS_NSTRICT], &n) < 0)
			return -1;
		q.nstrict = n;
	}
	ER_GROW(st->q, st->n_q, st->cap_q);
	st->q[st->n_q++] = q;
	return 0;
}

static int
parse_class(const struct nlmsghdr *nlh, const struct msgpos *m, struct tc_state *st)
{
	const struct nlattr *tb[TCA_MAX + 1], *o[TCA_HTB_MAX + 1];
	struct tc_class c = { 0 };
	struct tc_htb_opt opt;
	struct tcmsg t;
	char kind[16];

	if (tc_msg(nlh, m, &t, tb, kind, sizeof(kind)) < 0)
		return -1;
	if (strcmp(kind, "htb") != 0)
		return 0; /* the rule needs no other classes (prio and ets bands are fixed) */
	if (!tb[TCA_OPTIONS])
		return perr(m, "htb class %x:%x without TCA_OPTIONS", TC_H_MAJ(t.tcm_handle) >> 16, TC_H_MIN(t.tcm_handle));
	if (attr_nested(m, "htb TCA_OPTIONS", tb[TCA_OPTIONS], o, TCA_HTB_MAX) < 0)
		return -1;
	if (!o[TCA_HTB_PARMS])
		return perr(m, "htb class %x:%x without TCA_HTB_PARMS", TC_H_MAJ(t.tcm_handle) >> 16,
		    TC_H_MIN(t.tcm_handle));
	if (attr_struct(m, "TCA_HTB_PARMS", o[TCA_HTB_PARMS], &opt, sizeof(opt)) < 0)
		return -1;
	c.ifindex = t.tcm_ifindex;
	c.id = t.tcm_handle;
	c.parent = t.tcm_parent;
	c.prio = opt.prio;
	c.rate_bps = (uint64_t)opt.rate.rate * 8;
	if (o[TCA_HTB_RATE64]) {
		if (attr_u64(m, "TCA_HTB_RATE64", o[TCA_HTB_RATE64], &c.rate_bps) < 0)
			return -1;
		c.rate_bps *= 8;
	}
	ER_GROW(st->cl, st->n_cl, st->cap_cl);
	st->cl[st->n_cl++] = c;
	return 0;
}

/* Which IP header layout a filter's keys apply to: 4, 6, or 0 for either (protocol all). */
static int
l3_of(uint16_t proto_be)
{
	switch (ntohs(proto_be)) {
	case ETH_P_IP:
		return 4;
	case ETH_P_IPV6:
		return 6;
	default:
		return 0;
	}
}

/*
 * Do mask @p m and value @p v over the first two bytes of the network
 * header require DSCP 46? IPv4: the TOS byte (byte 1), DSCP in its top six
 * bits. IPv6: the traffic class, bits 4 to 11, DSCP in bits 4 to 9.
 */
static bool
ef_header(const uint8_t m[2], const uint8_t v[2], int l3)
{
	bool v4 = (m[1] & 0xfc) == 0xfc && (v[1] & 0xfc) == 0xb8;
	bool v6 = (m[0] & 0x0f) == 0x0f && (m[1] & 0xc0) == 0xc0 && (v[0] & 0x0f) == 0x0b && (v[1] & 0xc0) == 0x80;

	return l3 == 4 ? v4 : l3 == 6 ? v6 : v4 || v6;
}

/* A u32 key (classifier or ematch): both words are in network order, as in the packet. */
static bool
ef_u32_key(const struct tc_u32_key *k, int l3)
{
	uint8_t m[4], v[4];

	if (k->off != 0 || k->offmask != 0)
		return false;
	memcpy(m, &k->mask, 4);
	memcpy(v, &k->val, 4);
	return ef_header(m, v, l3);
}

/* A cmp ematch: @p c.val is the big-endian value of the @p c.align bytes at @p c.off. */
static bool
ef_cmp(const struct tcf_em_cmp *c, int l3)
{
	uint8_t m[4] = { 0 }, v[4] = { 0 };
	unsigned w = c->align, i;
	uint32_t mask = c->mask;

	if (c->layer != TCF_LAYER_NETWORK || c->opnd != TCF_EM_OPND_EQ || (c->flags & TCF_EM_CMP_TRANS))
		return false;
	if ((w != 1 && w != 2 && w != 4) || c->off + w > 4)
		return false;
	if (!mask) /* no mask: the whole value is compared */
		mask = w == 4 ? 0xffffffffu : (1u << (8 * w)) - 1;
	for (i = 0; i < w; i++) {
		unsigned shift = 8 * (w - 1 - i);
		m[c->off + i] = (uint8_t)(mask >> shift);
		v[c->off + i] = (uint8_t)(c->val >> shift);
	}
	return ef_header(m, v, l3);
}

static int
filter_u32(const struct msgpos *m, const struct nlattr *opts, int l3, bool *ef, uint32_t *target)
{
	const struct nlattr *o[TCA_U32_MAX + 1];
	struct tc_u32_sel sel;
	struct tc_u32_key k;
	const char *keys;
	unsigned i;

	if (attr_nested(m, "u32 TCA_OPTIONS", opts, o, TCA_U32_MAX) < 0)
		return -1;
	/* Hash tables and links to them classify nothing themselves. */
	if (!o[TCA_U32_CLASSID] || !o[TCA_U32_SEL])
		return 0;
	if (attr_u32(m, "TCA_U32_CLASSID", o[TCA_U32_CLASSID], target) < 0 ||
	    attr_struct(m, "TCA_U32_SEL", o[TCA_U32_SEL], &sel, sizeof(sel)) < 0)
		return -1;
	if (mnl_attr_get_payload_len(o[TCA_U32_SEL]) < sizeof(sel) + sel.nkeys * sizeof(k))
		return perr(m, "TCA_U32_SEL shorter than its %u keys", sel.nkeys);
	keys = (const char *)mnl_attr_get_payload(o[TCA_U32_SEL]) + sizeof(sel);
	for (i = 0; i < sel.nkeys && !*ef; i++) {
		memcpy(&k, keys + i * sizeof(k), sizeof(k));
		*ef = ef_u32_key(&k, l3);
	}
	return 0;
}

static int
filter_flower(const struct msgpos *m, const struct nlattr *opts, int l3, bool *ef, uint32_t *target)
{
	const struct nlattr *o[TCA_FLOWER_MAX + 1];
	uint8_t tos = 0, mask = 0xff;

	(void)l3; /* flower's ip_tos is the IPv4 TOS or the IPv6 traffic class alike */
	if (attr_nested(m, "flower TCA_OPTIONS", opts, o, TCA_FLOWER_MAX) < 0)
		return -1;
	if (!o[TCA_FLOWER_CLASSID] || !o[TCA_FLOWER_KEY_IP_TOS])
		return 0;
	if (attr_u32(m, "TCA_FLOWER_CLASSID", o[TCA_FLOWER_CLASSID], target) < 0 ||
	    attr_u8(m, "TCA_FLOWER_KEY_IP_TOS", o[TCA_FLOWER_KEY_IP_TOS], &tos) < 0)
		return -1;
	if (o[TCA_FLOWER_KEY_IP_TOS_MASK] &&
	    attr_u8(m, "TCA_FLOWER_KEY_IP_TOS_MASK", o[TCA_FLOWER_KEY_IP_TOS_MASK], &mask) < 0)
		return -1;
	*ef = (mask & 0xfc) == 0xfc && (tos & 0xfc) == 0xb8;
	return 0;
}

static int
filter_basic(const struct msgpos *m, const struct nlattr *opts, int l3, bool *ef, uint32_t *target)
{
	const struct nlattr *o[TCA_BASIC_MAX + 1], *t[TCA_EMATCH_TREE_MAX + 1];
	const char *p;
	size_t len, off = 0;
	bool hit = false;

	if (attr_nested(m, "basic TCA_OPTIONS", opts, o, TCA_BASIC_MAX) < 0)
		return -1;
	if (!o[TCA_BASIC_CLASSID] || !o[TCA_BASIC_EMATCHES])
		return 0;
	if (attr_u32(m, "TCA_BASIC_CLASSID", o[TCA_BASIC_CLASSID], target) < 0 ||
	    attr_nested(m, "TCA_BASIC_EMATCHES", o[TCA_BASIC_EMATCHES], t, TCA_EMATCH_TREE_MAX) < 0)
		return -1;
	if (!t[TCA_EMATCH_TREE_LIST])
		return 0;
	/* The list's attributes are numbered 1..n, one per ematch: walk them in order. */
	p = mnl_attr_get_payload(t[TCA_EMATCH_TREE_LIST]);
	len = mnl_attr_get_payload_len(t[TCA_EMATCH_TREE_LIST]);
	while (off < len) {
		const void *at = p + off;
		const struct nlattr *a = at;
		struct tcf_ematch_hdr h;
		size_t rem = len - off, step, dlen;
		const char *data;

		if (rem < sizeof(*a) || a->nla_len < sizeof(*a) || a->nla_len > rem)
			return perr(m, "TCA_EMATCH_TREE_LIST: malformed attribute at byte %zu of %zu", off, len);
		if (attr_struct(m, "ematch header", a, &h, sizeof(h)) < 0)
			return -1;
		data = (const char *)mnl_attr_get_payload(a) + sizeof(h);
		dlen = mnl_attr_get_payload_len(a) - sizeof(h);
		/* A container makes it a tree: give up rather than guess. */
		if (h.kind == TCF_EM_CONTAINER)
			return 0;
		if (!(h.flags & TCF_EM_INVERT)) {
			if (h.kind == TCF_EM_U32 && dlen >= sizeof(struct tc_u32_key)) {
				struct tc_u32_key k;
				memcpy(&k, data, sizeof(k));
				hit = hit || ef_u32_key(&k, l3);
			} else if (h.kind == TCF_EM_CMP && dlen >= sizeof(struct tcf_em_cmp)) {
				struct tcf_em_cmp c;
				memcpy(&c, data, sizeof(c));
				hit = hit || ef_cmp(&c, l3);
			}
		}
		step = MNL_ALIGN(a->nla_len);
		off += step < rem ? step : rem;
	}
	*ef = hit;
	return 0;
}

static int
parse_filter(const struct nlmsghdr *nlh, const struct msgpos *m, struct tc_state *st)
{
	const struct nlattr *tb[TCA_MAX + 1];
	struct tcmsg t;
	char kind[16];
	uint32_t chain = 0, target = 0;
	bool ef = false;
	int l3, rc = 0;

	if (tc_msg(nlh, m, &t, tb, kind, sizeof(kind)) < 0)
		return -1;
	if (tb[TCA_CHAIN] && attr_u32(m, "TCA_CHAIN", tb[TCA_CHAIN], &chain) < 0)
		return -1;
	/* Other chains are reached only through "goto chain" actions. */
	if (chain != 0 || !tb[TCA_OPTIONS])
		return 0;
	/* tcm_info holds the filter's priority (high half) and protocol (low half, network order). */
	l3 = l3_of((uint16_t)TC_H_MIN(t.tcm_info));
	if (!strcmp(kind, "u32"))
		rc = filter_u32(m, tb[TCA_OPTIONS], l3, &ef, &target);
	else if (!strcmp(kind, "flower"))
		rc = filter_flower(m, tb[TCA_OPTIONS], l3, &ef, &target);
	else if (!strcmp(kind, "basic"))
		rc = filter_basic(m, tb[TCA_OPTIONS], l3, &ef, &target);
	if (rc < 0)
		return -1;
	if (ef && target) {
		ER_GROW(st->ef, st->n_ef, st->cap_ef);
		st->ef[st->n_ef].ifindex = t.tcm_ifindex;
		st->ef[st->n_ef].parent = t.tcm_parent;
		st->ef[st->n_ef++].target = target;
	}
	return 0;
}

static int
tc_pass(const struct nlmsghdr *nlh, const struct msgpos *m, void *arg)
{
	struct tc_state *st = arg;
	struct er_interface ifp;
	struct link_ent le;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
		if (parse_link(nlh, m, &le, &ifp) < 0)
			return -1;
		ER_GROW(st->links, st->n_links, st->cap_links);
		st->links[st->n_links++] = le;
		return 0;
	case RTM_NEWQDISC:
		return parse_qdisc(nlh, m, st);
	case RTM_NEWTCLASS:
		return parse_class(nlh, m, st);
	case RTM_NEWTFILTER:
		return parse_filter(nlh, m, st);
	default:
		return perr(m, "unexpected message type %u in a link or traffic-control dump", nlh->nlmsg_type);
	}
}

static int
tc_feed(struct tc_state *st, const void *buf, size_t len, char *err, size_t errlen)
{
	void *copy;
	const void *p = aligned(buf, len, &copy);
	int rc = walk(p, len, tc_pass, st, err, errlen);

	free(copy);
	return rc;
}

/*
 * Qdiscs that sort packets into classes with queues of their own, as
 * against one queue (fq_codel, pfifo_fast, tbf, noqueue, ...).
 */
static bool
classful(const char *kind)
{
	static const char *const k[] = { "atm", "cbq", "drr", "dsmark", "ets", "hfsc", "htb", "mq", "mqprio",
		"multiq", "prio", "qfq", "taprio" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(k); i++)
		if (!strcmp(kind, k[i]))
			return true;
	return false;
}

/* The qdiscs for which the EF rule can hold: only they need their classes and filters dumped. */
static bool
ef_capable(const char *kind)
{
	return !strcmp(kind, "htb") || !strcmp(kind, "prio") || !strcmp(kind, "ets");
}

/* One device's classes and EF filters: ranges of the sorted arrays. */
struct tc_dev {
	const struct tc_qdisc *q;
	const struct tc_class *cl;
	size_t n_cl;
	const struct tc_ef *ef;
	size_t n_ef;
};

/* htb: @p id is a leaf of the device's tree served before each of its siblings. */
static bool
htb_priority_leaf(const struct tc_dev *d, uint32_t id)
{
	const struct tc_class *c = NULL;
	size_t i;

	for (i = 0; i < d->n_cl && !c; i++)
		if (d->cl[i].id == id)
			c = &d->cl[i];
	if (!c)
		return false;
	for (i = 0; i < d->n_cl; i++) {
		const struct tc_class *o = &d->cl[i];
		if (TC_H_MAJ(o->id) != TC_H_MAJ(d->q->handle) || o == c)
			continue;
		if (o->parent == id)
			return false; /* an inner class: its own children get the traffic */
		if (o->parent == c->parent && o->prio <= c->prio)
			return false;
	}
	return true;
}

/*
 * The filter's attachment point only has to be this qdisc or one of its
 * classes: the rule does not depend on which, and cannot, as a u32 dump
 * lists every hash table of the qdisc with the same priority, whichever
 * class its filter hangs from.
 */
static bool
ef_priority(const struct tc_dev *d)
{
	const struct tc_qdisc *q = d->q;
	size_t i;

	for (i = 0; i < d->n_ef; i++) {
		const struct tc_ef *f = &d->ef[i];
		if (TC_H_MAJ(f->target) != TC_H_MAJ(q->handle) || TC_H_MAJ(f->parent) != TC_H_MAJ(q->handle))
			continue;
		if (!strcmp(q->kind, "htb") && htb_priority_leaf(d, f->target))
			return true;
		if (!strcmp(q->kind, "prio") && TC_H_MIN(f->target) == 1)
			return true;
		if (!strcmp(q->kind, "ets") && q->nstrict > 0 && TC_H_MIN(f->target) == 1)
			return true;
	}
	return false;
}

static uint64_t
shaping_rate(const struct tc_dev *d)
{
	uint64_t sum = 0;
	size_t i;

	if (!strcmp(d->q->kind, "tbf"))
		return d->q->rate_bps;
	if (strcmp(d->q->kind, "htb") != 0)
		return 0;
	for (i = 0; i < d->n_cl; i++)
		if (d->cl[i].parent == TC_H_ROOT && TC_H_MAJ(d->cl[i].id) == TC_H_MAJ(d->q->handle))
			sum += d->cl[i].rate_bps;
	return sum;
}

static bool
wanted(const struct er_config *cfg, const char *ifname)
{
	return !cfg || !cfg->n_peering_ifnames || er_config_is_peering_interface(cfg, ifname);
}

static int
class_cmp(const void *a, const void *b)
{
	const struct tc_class *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int
ef_cmp_ifindex(const void *a, const void *b)
{
	int x = ((const struct tc_ef *)a)->ifindex, y = ((const struct tc_ef *)b)->ifindex;

	return x < y ? -1 : x > y;
}

/*
 * Classes and EF filters are sorted by device once, so each device looks
 * at its own few: linear in the number of interfaces.
 */
static void
tc_derive(struct tc_state *st, const struct er_config *cfg, struct er_observed *obs)
{
	size_t i, n = 0, ci, ei;

	if (st->n_cl)
		qsort(st->cl, st->n_cl, sizeof(*st->cl), class_cmp);
	if (st->n_ef)
		qsort(st->ef, st->n_ef, sizeof(*st->ef), ef_cmp_ifindex);
	obs->queues = xreallocarray(obs->queues, obs->n_queues + st->n_q + 1, sizeof(*obs->queues));
	for (i = 0; i < st->n_q; i++) {
		const struct tc_qdisc *q = &st->q[i];
		const struct link_ent *le = link_find(st->links, st->n_links, q->ifindex);
		struct tc_dev d = { .q = q };
		struct er_queue *e;
		size_t lo, hi, mid;
		if (!le || !wanted(cfg, le->name))
			continue;
		for (lo = 0, hi = st->n_cl; lo < hi;) {
			mid = lo + (hi - lo) / 2;
			if (st->cl[mid].ifindex < q->ifindex)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* no classes or filters at all: the arrays are NULL, and NULL + 0 is undefined */
		for (d.cl = st->cl ? st->cl + lo : NULL, ci = lo; ci < st->n_cl && st->cl[ci].ifindex == q->ifindex; ci++)
			d.n_cl++;
		for (lo = 0, hi = st->n_ef; lo < hi;) {
			mid = lo + (hi - lo) / 2;
			if (st->ef[mid].ifindex < q->ifindex)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (d.ef = st->ef ? st->ef + lo : NULL, ei = lo; ei < st->n_ef && st->ef[ei].ifindex == q->ifindex; ei++)
			d.n_ef++;
		e = &obs->queues[obs->n_queues + n++];
		memset(e, 0, sizeof(*e));
		memcpy(e->ifname, le->name, sizeof(e->ifname));
		snprintf(e->qdisc, sizeof(e->qdisc), "%s", q->kind);
		e->classful = classful(q->kind);
		e->ef_priority = ef_priority(&d);
		e->rate_bps = shaping_rate(&d);
	}
	obs->n_queues += n;
}

int
er_tc_parse(const void *buf, size_t len, const struct er_config *cfg, struct er_observed *obs, char *err,
    size_t errlen)
{
	struct tc_state st = { 0 };
	int rc = -1;

	if (tc_feed(&st, buf, len, err, errlen) == 0 && link_sort(st.links, st.n_links, err, errlen) == 0) {
		tc_derive(&st, cfg, obs);
		rc = 0;
	}
	tc_state_free(&st);
	return rc;
}

/*
 * I/O
 */

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
	struct kio *k = xcalloc(1, sizeof(*k));
	int one = 1;

	memset(io, 0, sizeof(*io));
	if (!(k->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC)) ||
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

struct nlbuf {
	char *p;
	size_t len, cap;
};

static void
nlbuf_add(struct nlbuf *b, const void *data, size_t len)
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
nlbuf_add_msg(struct nlbuf *b, const struct nlmsghdr *nlh)
{
	static const char pad[MNL_ALIGNTO];

	nlbuf_add(b, nlh, nlh->nlmsg_len);
	nlbuf_add(b, pad, MNL_ALIGN(nlh->nlmsg_len) - nlh->nlmsg_len);
}

/* A dump request: the netlink header and a zeroed family header of @p hdrlen bytes. */
union nlreq {
	struct nlmsghdr h;
	char b[256];
};

static struct nlmsghdr *
req_start(union nlreq *r, uint16_t type, size_t hdrlen, void **hdr)
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
static int
nl_dump(struct er_nl_io *io, struct nlmsghdr *req, const char *what, char *rbuf, struct nlbuf *out,
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
				nlbuf_add_msg(out, nlh);
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

static int
dump_links(struct er_nl_io *io, char *rbuf, struct nlbuf *out, unsigned long long deadline_us, char *err,
    size_t errlen)
{
	union nlreq r;
	void *hdr;
	struct nlmsghdr *nlh = req_start(&r, RTM_GETLINK, sizeof(struct ifinfomsg), &hdr);
	struct ifinfomsg *ifi = hdr;

	ifi->ifi_family = AF_UNSPEC;
	/* Counters are a third of each message and unused here. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return nl_dump(io, nlh, "RTM_GETLINK dump", rbuf, out, deadline_us, err, errlen);
}

int
er_netlink_collect_io(struct er_nl_io *io, const struct er_collect_opts *o, struct er_observed *obs,
    unsigned long long deadline_us, char *err, size_t errlen)
{
	char *rbuf = xcalloc(1, NL_RECV_SIZE);
	struct nlbuf out = { 0 };
	union nlreq r;
	void *hdr;
	struct nlmsghdr *nlh;
	int rc;

	/* every interface: checks also look for addresses on the wrong one */
	if ((rc = dump_links(io, rbuf, &out, deadline_us, err, errlen)) != 0)
		goto out;
	nlh = req_start(&r, RTM_GETADDR, sizeof(struct ifaddrmsg), &hdr);
	((struct ifaddrmsg *)hdr)->ifa_family = AF_UNSPEC;
	if ((rc = nl_dump(io, nlh, "RTM_GETADDR dump", rbuf, &out, deadline_us, err, errlen)) != 0)
		goto out;
	nlh = req_start(&r, RTM_GETNEIGH, sizeof(struct ndmsg), &hdr);
	((struct ndmsg *)hdr)->ndm_family = AF_UNSPEC;
	if ((rc = nl_dump(io, nlh, "RTM_GETNEIGH dump", rbuf, &out, deadline_us, err, errlen)) != 0)
		goto out;
	rc = er_netlink_parse(out.p, out.len, obs, err, errlen) == 0 ? ER_COLLECT_OK : ER_COLLECT_ERROR;
	if (rc == ER_COLLECT_OK) {
		/* Rule 32: without the lookups the interfaces still count; the check says unknown. */
		char lerr[256];
		if (er_route_lookup_io(io, o, obs, out.p, out.len, deadline_us, lerr, sizeof(lerr)) != ER_COLLECT_OK)
			log_warnx("netlink: routes toward Microsoft not looked up: %s", lerr);
	}
out:
	free(out.p);
	free(rbuf);
	return rc;
}

/* Dump one kind of tc object of interface @p ifindex (all interfaces for 0) and feed it to @p st. */
static int
tc_dump(struct er_nl_io *io, struct tc_state *st, uint16_t type, int ifindex, uint32_t parent, const char *ifname,
    char *rbuf, struct nlbuf *out, unsigned long long deadline_us, char *err, size_t errlen)
{
	union nlreq r;
	void *hdr;
	struct nlmsghdr *nlh = req_start(&r, type, sizeof(struct tcmsg), &hdr);
	struct tcmsg *t = hdr;
	char what[80];
	int rc;

	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	t->tcm_parent = parent;
	snprintf(what, sizeof(what), "%s dump%s%s", type == RTM_GETQDISC ? "RTM_GETQDISC" :
	    type == RTM_GETTCLASS ? "RTM_GETTCLASS" : "RTM_GETTFILTER", ifname ? " of " : "", ifname ? ifname : "");
	out->len = 0;
	if ((rc = nl_dump(io, nlh, what, rbuf, out, deadline_us, err, errlen)) != 0)
		return rc;
	return tc_feed(st, out->p, out->len, err, errlen) == 0 ? ER_COLLECT_OK : ER_COLLECT_ERROR;
}

int
er_tc_collect_io(struct er_nl_io *io, const struct er_collect_opts *o, struct er_observed *obs,
    unsigned long long deadline_us, char *err, size_t errlen)
{
	const struct er_config *cfg = o ? o->cfg : NULL;
	char *rbuf = xcalloc(1, NL_RECV_SIZE);
	struct tc_state st = { 0 };
	struct nlbuf out = { 0 };
	size_t i, j, k, n_roots;
	int rc;

	if ((rc = dump_links(io, rbuf, &out, deadline_us, err, errlen)) != 0)
		goto out;
	if (tc_feed(&st, out.p, out.len, err, errlen) < 0 || link_sort(st.links, st.n_links, err, errlen) < 0) {
		rc = ER_COLLECT_ERROR;
		goto out;
	}
	if ((rc = tc_dump(io, &st, RTM_GETQDISC, 0, 0, NULL, rbuf, &out, deadline_us, err, errlen)) != 0)
		goto out;
	/*
	 * Classes and filters are dumped per device, and only where the EF
	 * rule can hold (htb, prio, ets roots) on the interfaces that matter:
	 * 1000 interfaces with a default qdisc cost two dumps, not 2001.
	 */
	n_roots = st.n_q;
	for (i = 0; i < n_roots; i++) {
		const struct tc_qdisc q = st.q[i];
		const struct link_ent *le = link_find(st.links, st.n_links, q.ifindex);
		size_t cl0 = st.n_cl;
		if (!le || !wanted(cfg, le->name) || !ef_capable(q.kind))
			continue;
		if (!strcmp(q.kind, "htb") && (rc = tc_dump(io, &st, RTM_GETTCLASS, q.ifindex, 0, le->name, rbuf, &out,
		    deadline_us, err, errlen)) != 0)
			goto out;
		if ((rc = tc_dump(io, &st, RTM_GETTFILTER, q.ifindex, q.handle, le->name, rbuf, &out, deadline_us, err,
		    errlen)) != 0)
			goto out;
		/* htb also classifies with the filters of inner classes. */
		for (j = cl0; j < st.n_cl; j++) {
			bool inner = false;
			for (k = cl0; k < st.n_cl && !inner; k++)
				inner = st.cl[k].parent == st.cl[j].id;
			if (inner && (rc = tc_dump(io, &st, RTM_GETTFILTER, q.ifindex, st.cl[j].id, le->name, rbuf, &out,
			    deadline_us, err, errlen)) != 0)
				goto out;
		}
	}
	tc_derive(&st, cfg, obs);
	rc = ER_COLLECT_OK;
out:
	tc_state_free(&st);
	free(out.p);
	free(rbuf);
	return rc;
}

int
er_collect_netlink(const struct er_collect_opts *o, struct er_observed *obs, unsigned long long deadline_us,
    char *err, size_t errlen)
{
	struct er_nl_io io;
	int rc;

	if ((rc = er_nl_io_kernel(&io, err, errlen)) != ER_COLLECT_OK)
		return rc;
	rc = er_netlink_collect_io(&io, o, obs, deadline_us, err, errlen);
	er_nl_io_close(&io);
	return rc;
}

int
er_collect_tc(const struct er_collect_opts *o, struct er_observed *obs, unsigned long long deadline_us, char *err,
    size_t errlen)
{
	struct er_nl_io io;
	int rc;

	if ((rc = er_nl_io_kernel(&io, err, errlen)) != ER_COLLECT_OK)
		return rc;
	rc = er_tc_collect_io(&io, o, obs, deadline_us, err, errlen);
	er_nl_io_close(&io);
	return rc;
}
