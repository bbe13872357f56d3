/*
 * rtnetlink collector (libmnl): interfaces, their addresses and the
 * neighbour table (er_collect_netlink). Each interface's root queueing
 * discipline is collect_tc.c's; the reading of dumps is netlink_io.c's.
 *
 * Each dump is read whole into a buffer first, exactly as the kernel sent
 * it, and parsed afterwards: a dump the kernel flags NLM_F_DUMP_INTR (its
 * table changed while it was read) is then simply thrown away and asked
 * again, and the same parsers serve the golden tests, which replay dumps
 * captured on real kernels.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "collect.h"
#include "log.h"
#include "netlink_attr.h"
#include "netlink_io.h"
#include "netlink_link.h"
#include "netlink_parse.h"
#include "util.h"

/*
 * Links, addresses, neighbours
 */

static int
link_cmp(const void *a, const void *b)
{
	int x = ((const struct nl_link *)a)->ifindex, y = ((const struct nl_link *)b)->ifindex;

	return x < y ? -1 : x > y;
}

const struct nl_link *
nl_link_find(const struct nl_link *v, size_t n, int ifindex)
{
	struct nl_link key = { .ifindex = ifindex };

	return n ? bsearch(&key, v, n, sizeof(*v), link_cmp) : NULL;
}

/* Sort by ifindex; the same index twice means the buffer is not one dump. */
int
nl_link_sort(struct nl_link *v, size_t n, char *err, size_t errlen)
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
int
nl_link_parse(const struct nlmsghdr *nlh, const struct nl_msgpos *m, struct nl_link *le, struct er_interface *ifp)
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
	if (nl_msg_payload(m, nlh, &ifi, sizeof(ifi), &attrs, &alen) < 0 ||
	    nl_attr_table(m, "link", attrs, alen, tb, IFLA_MAX) < 0)
		return -1;
	le->ifindex = ifi.ifi_index;
	if (!tb[IFLA_IFNAME])
		return nl_perr(m, "interface index %d has no IFLA_IFNAME", ifi.ifi_index);
	if (nl_attr_str(m, "IFLA_IFNAME", tb[IFLA_IFNAME], le->name, sizeof(le->name), false) < 0)
		return -1;
	memcpy(ifp->name, le->name, sizeof(ifp->name));
	if (tb[IFLA_MTU] && nl_attr_u32(m, "IFLA_MTU", tb[IFLA_MTU], &ifp->mtu) < 0)
		return -1;
	if (tb[IFLA_OPERSTATE]) {
		if (nl_attr_u8(m, "IFLA_OPERSTATE", tb[IFLA_OPERSTATE], &oper) < 0)
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
		if (nl_attr_u32(m, "IFLA_LINK", tb[IFLA_LINK], &link) < 0)
			return -1;
		le->link = link != (uint32_t)ifi.ifi_index ? (int)link : 0;
	}
	/* A bond's slaves share its ports (resiliency check 11). */
	if (tb[IFLA_MASTER] && nl_attr_u32(m, "IFLA_MASTER", tb[IFLA_MASTER], &idx) == 0)
		le->master = (int)idx;
	if (!tb[IFLA_LINKINFO])
		return 0; /* a physical device, or loopback */
	if (nl_attr_nested(m, "IFLA_LINKINFO", tb[IFLA_LINKINFO], li, IFLA_INFO_MAX) < 0)
		return -1;
	/* Kinds are short ("veth", "vlan"); an unknown long one is cut, not fatal. */
	if (li[IFLA_INFO_KIND] &&
	    nl_attr_str(m, "IFLA_INFO_KIND", li[IFLA_INFO_KIND], ifp->kind, sizeof(ifp->kind), true) < 0)
		return -1;
	if (strcmp(ifp->kind, "vlan") != 0 || !li[IFLA_INFO_DATA])
		return 0;
	if (nl_attr_nested(m, "IFLA_INFO_DATA", li[IFLA_INFO_DATA], vt, IFLA_VLAN_MAX) < 0)
		return -1;
	/* As ip(8) prints it: the ID in host order, the protocol in network order, 802.1Q when absent (before 3.10). */
	if (vt[IFLA_VLAN_ID] && nl_attr_u16(m, "IFLA_VLAN_ID", vt[IFLA_VLAN_ID], &ifp->vlan_id) < 0)
		return -1;
	if (!vt[IFLA_VLAN_ID])
		return nl_perr(m, "VLAN %s has no IFLA_VLAN_ID", ifp->name);
	ifp->vlan_proto = ETH_P_8021Q;
	if (vt[IFLA_VLAN_PROTOCOL]) {
		if (nl_attr_u16(m, "IFLA_VLAN_PROTOCOL", vt[IFLA_VLAN_PROTOCOL], &proto) < 0)
			return -1;
		ifp->vlan_proto = ntohs(proto);
	}
	return 0;
}

struct link_state {
	struct er_observed *obs;
	struct nl_link *map; /* sorted by ifindex after the first pass */
	size_t n_map, cap_map, cap_ifs, cap_neigh;
};

static int
link_pass(const struct nlmsghdr *nlh, const struct nl_msgpos *m, void *arg)
{
	struct link_state *st = arg;
	struct er_observed *obs = st->obs;
	struct nl_link le;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
		break;
	case RTM_NEWADDR:
	case RTM_NEWNEIGH:
		return 0; /* second pass */
	default:
		return nl_perr(m, "unexpected message type %u in a link, address or neighbour dump", nlh->nlmsg_type);
	}
	ER_GROW(obs->ifs, obs->n_ifs, st->cap_ifs);
	if (nl_link_parse(nlh, m, &le, &obs->ifs[obs->n_ifs]) < 0)
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
attr_inaddr(const struct nl_msgpos *m, const char *name, uint8_t family, const struct nlattr *at, struct er_addr *a)
{
	size_t want = family == AF_INET ? 4 : 16;

	if (mnl_attr_get_payload_len(at) != want)
		return nl_perr(m, "%s is %u bytes, not the %zu of an %s address", name, mnl_attr_get_payload_len(at), want,
		    family == AF_INET ? "IPv4" : "IPv6");
	memset(a, 0, sizeof(*a));
	a->family = family == AF_INET ? ER_AF_INET : ER_AF_INET6;
	memcpy(a->bytes, mnl_attr_get_payload(at), want);
	return 0;
}

static int
parse_addr(const struct nlmsghdr *nlh, const struct nl_msgpos *m, struct link_state *st)
{
	const struct nlattr *tb[IFA_MAX + 1], *a;
	const struct nl_link *le;
	struct ifaddrmsg ifa;
	struct er_prefix p;
	const void *attrs = NULL;
	size_t alen = 0;

	if (nl_msg_payload(m, nlh, &ifa, sizeof(ifa), &attrs, &alen) < 0 ||
	    nl_attr_table(m, "address", attrs, alen, tb, IFA_MAX) < 0)
		return -1;
	if (ifa.ifa_family != AF_INET && ifa.ifa_family != AF_INET6)
		return 0;
	/*
	 * IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer's
	 * on a point-to-point link (both families), else the same address.
	 */
	if (!(a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS]))
		return nl_perr(m, "no IFA_LOCAL or IFA_ADDRESS (interface index %u)", ifa.ifa_index);
	if (attr_inaddr(m, tb[IFA_LOCAL] ? "IFA_LOCAL" : "IFA_ADDRESS", ifa.ifa_family, a, &p.addr) < 0)
		return -1;
	if (ifa.ifa_prefixlen > er_addr_maxlen(&p.addr))
		return nl_perr(m, "prefix length %u", ifa.ifa_prefixlen);
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
	if (!(le = nl_link_find(st->map, st->n_map, (int)ifa.ifa_index)))
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
parse_neigh(const struct nlmsghdr *nlh, const struct nl_msgpos *m, struct link_state *st)
{
	const struct nlattr *tb[NDA_MAX + 1];
	const struct nl_link *le;
	struct er_neighbor_entry *n;
	struct er_observed *obs = st->obs;
	struct ndmsg nd;
	struct er_addr a;
	const void *attrs = NULL;
	size_t alen = 0;

	if (nl_msg_payload(m, nlh, &nd, sizeof(nd), &attrs, &alen) < 0 ||
	    nl_attr_table(m, "neighbour", attrs, alen, tb, NDA_MAX) < 0)
		return -1;
	/* Bridge FDB and proxy entries are not neighbours; NOARP ones map multicast and broadcast. */
	if ((nd.ndm_family != AF_INET && nd.ndm_family != AF_INET6) || (nd.ndm_flags & NTF_PROXY) ||
	    (nd.ndm_state & NUD_NOARP))
		return 0;
	if (!tb[NDA_DST])
		return nl_perr(m, "no NDA_DST (interface index %d)", nd.ndm_ifindex);
	if (attr_inaddr(m, "NDA_DST", nd.ndm_family, tb[NDA_DST], &a) < 0)
		return -1;
	if (!(le = nl_link_find(st->map, st->n_map, nd.ndm_ifindex)))
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
addr_neigh_pass(const struct nlmsghdr *nlh, const struct nl_msgpos *m, void *arg)
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
	const void *p = nl_aligned(buf, len, &copy);
	int rc = -1;

	/* Links first, so addresses and neighbours can name their interface whatever the order. */
	if (nl_walk(p, len, link_pass, &st, err, errlen) < 0 || nl_link_sort(st.map, st.n_map, err, errlen) < 0 ||
	    nl_walk(p, len, addr_neigh_pass, &st, err, errlen) < 0)
		goto out;
	for (i = 0; i < st.n_map; i++) {
		const struct nl_link *lower = st.map[i].link ? nl_link_find(st.map, st.n_map, st.map[i].link) : NULL,
				      *up = st.map[i].master ? nl_link_find(st.map, st.n_map, st.map[i].master) : NULL;
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

int
er_netlink_collect_io(struct er_nl_io *io, const struct er_collect_opts *o, struct er_observed *obs,
    unsigned long long deadline_us, char *err, size_t errlen)
{
	char *rbuf = xcalloc(1, NL_RECV_SIZE);
	struct nl_buf out = { 0 };
	union nl_req r;
	void *hdr;
	struct nlmsghdr *nlh;
	int rc;

	/* every interface: checks also look for addresses on the wrong one */
	if ((rc = nl_dump_links(io, rbuf, &out, deadline_us, err, errlen)) != 0)
		goto out;
	nlh = nl_req_start(&r, RTM_GETADDR, sizeof(struct ifaddrmsg), &hdr);
	((struct ifaddrmsg *)hdr)->ifa_family = AF_UNSPEC;
	if ((rc = nl_dump(io, nlh, "RTM_GETADDR dump", rbuf, &out, deadline_us, err, errlen)) != 0)
		goto out;
	nlh = nl_req_start(&r, RTM_GETNEIGH, sizeof(struct ndmsg), &hdr);
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
