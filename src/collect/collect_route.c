/*
 * Rule 32, second half: which way the host would send traffic toward
 * Microsoft. For the prefixes received from the MSEEs of Microsoft (and
 * public) peering, ask the kernel the route it would use (RTM_GETROUTE for
 * the prefix's first address, in the namespace erreadyd runs in, as
 * `ip route get` does) and record the output interface and gateway.
 *
 * Runs inside the rtnetlink collector, after the BGP collector filled the
 * received routes, under the same deadline. A failed or late lookup leaves
 * the lookups out (the check says unknown) and never the interfaces.
 *
 * Answers are replies to single requests, not dumps: one RTM_NEWROUTE, or
 * one NLMSG_ERROR whose code says why there is no usable route (no route
 * at all, or an unreachable / prohibit / blackhole route). The buffer given
 * to er_route_parse() holds the link dump (for interface names) and then
 * the answers in request order, as tests/fixtures/netlink captures keep it.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>

#include "collect.h"
#include "log.h"
#include "netlink_parse.h"
#include "util.h"

#define RECV_SIZE 32768

struct ifname_ent {
	uint32_t index;
	char name[ER_OBS_IFNAMSIZ];
};

struct route_parse {
	struct ifname_ent *names;
	size_t n_names;
	const struct er_prefix *targets;
	size_t n_targets, next; /* next answer's target */
	struct er_route_lookup *out;
	char *err;
	size_t errlen;
};

/*
 * The attributes after a family header of @p hdrlen bytes, every length
 * checked (mnl's iterators stop silently at a bad one): 0, or -1 with
 * @p err set.
 */
static int
attrs(const struct nlmsghdr *nlh, size_t off, size_t hdrlen, const struct nlattr **tb, unsigned max, char *err,
    size_t errlen)
{
	const char *p = mnl_nlmsg_get_payload(nlh);
	size_t len = nlh->nlmsg_len - MNL_NLMSG_HDRLEN, pos = MNL_ALIGN(hdrlen);

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (len < hdrlen) {
		snprintf(err, errlen, "message at byte %zu: %zu bytes, too short for its header", off, len);
		return -1;
	}
	while (pos + sizeof(struct nlattr) <= len) {
		const void *at = p + pos;
		const struct nlattr *a = at;
		if (a->nla_len < sizeof(*a) || a->nla_len > len - pos) {
			snprintf(err, errlen, "message at byte %zu: attribute at offset %zu has a bad length %u", off, pos,
			    a->nla_len);
			return -1;
		}
		if (mnl_attr_get_type(a) <= max)
			tb[mnl_attr_get_type(a)] = a;
		pos += MNL_ALIGN(a->nla_len);
	}
	return 0;
}

static const char *
ifname_of(const struct route_parse *st, uint32_t index)
{
	size_t i;

	for (i = 0; i < st->n_names; i++)
		if (st->names[i].index == index)
			return st->names[i].name;
	return NULL;
}

static int
parse_link(struct route_parse *st, const struct nlmsghdr *nlh, size_t off)
{
	const struct nlattr *tb[IFLA_IFNAME + 1];
	struct ifinfomsg ifi;
	struct ifname_ent *e;
	size_t n;

	if (attrs(nlh, off, sizeof(ifi), tb, IFLA_IFNAME, st->err, st->errlen) < 0)
		return -1;
	memcpy(&ifi, mnl_nlmsg_get_payload(nlh), sizeof(ifi));
	if (!tb[IFLA_IFNAME])
		return 0;
	n = mnl_attr_get_payload_len(tb[IFLA_IFNAME]);
	if (!n || !memchr(mnl_attr_get_payload(tb[IFLA_IFNAME]), '\0', n) || n > ER_OBS_IFNAMSIZ) {
		snprintf(st->err, st->errlen, "RTM_NEWLINK at byte %zu: bad IFLA_IFNAME", off);
		return -1;
	}
	st->names = xreallocarray(st->names, st->n_names + 1, sizeof(*st->names));
	e = &st->names[st->n_names++];
	e->index = (uint32_t)ifi.ifi_index;
	snprintf(e->name, sizeof(e->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	return 0;
}

static enum er_route_type
rtn_type(uint8_t t)
{
	switch (t) {
	case RTN_UNICAST:
		return ER_RT_UNICAST;
	case RTN_LOCAL:
		return ER_RT_LOCAL;
	case RTN_BLACKHOLE:
		return ER_RT_BLACKHOLE;
	case RTN_UNREACHABLE:
		return ER_RT_UNREACHABLE;
	case RTN_PROHIBIT:
		return ER_RT_PROHIBIT;
	default:
		return ER_RT_OTHER;
	}
}

/* The answer for the next target: the route the kernel would use. */
static int
parse_route(struct route_parse *st, const struct nlmsghdr *nlh, size_t off)
{
	const struct nlattr *tb[RTA_VIA + 1];
	struct er_route_lookup *l;
	struct rtmsg rtm;

	if (st->next >= st->n_targets) {
		snprintf(st->err, st->errlen, "RTM_NEWROUTE at byte %zu: more answers than the %zu lookups", off,
		    st->n_targets);
		return -1;
	}
	if (attrs(nlh, off, sizeof(rtm), tb, RTA_VIA, st->err, st->errlen) < 0)
		return -1;
	memcpy(&rtm, mnl_nlmsg_get_payload(nlh), sizeof(rtm));
	l = &st->out[st->next];
	l->pfx = st->targets[st->next++];
	l->type = rtn_type(rtm.rtm_type);
	if (tb[RTA_OIF]) {
		const char *name;
		if (mnl_attr_get_payload_len(tb[RTA_OIF]) != sizeof(uint32_t)) {
			snprintf(st->err, st->errlen, "RTM_NEWROUTE at byte %zu: RTA_OIF is not 4 bytes", off);
			return -1;
		}
		name = ifname_of(st, mnl_attr_get_u32(tb[RTA_OIF]));
		snprintf(l->oif, sizeof(l->oif), "%s", name ? name : "?");
	}
	if (tb[RTA_GATEWAY]) {
		size_t n = mnl_attr_get_payload_len(tb[RTA_GATEWAY]);
		if (n != 4 && n != 16) {
			snprintf(st->err, st->errlen, "RTM_NEWROUTE at byte %zu: RTA_GATEWAY of %zu bytes", off, n);
			return -1;
		}
		l->gateway.family = n == 4 ? ER_AF_INET : ER_AF_INET6;
		memcpy(l->gateway.bytes, mnl_attr_get_payload(tb[RTA_GATEWAY]), n);
	} else if (tb[RTA_VIA]) {
		/* An IPv4 route through an IPv6 next hop (RFC 5549). */
		size_t n = mnl_attr_get_payload_len(tb[RTA_VIA]);
		const uint8_t *v = mnl_attr_get_payload(tb[RTA_VIA]);
		if (n == 2 + 16 && v[0] == AF_INET6) {
			l->gateway.family = ER_AF_INET6;
			memcpy(l->gateway.bytes, v + 2, 16);
		} else if (n == 2 + 4 && v[0] == AF_INET) {
			l->gateway.family = ER_AF_INET;
			memcpy(l->gateway.bytes, v + 2, 4);
		}
	}
	return 0;
}

/* An error answer: the kernel has no usable route for the next target. */
static int
parse_error(struct route_parse *st, const struct nlmsghdr *nlh, size_t off)
{
	struct er_route_lookup *l;
	struct nlmsgerr e;

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(e)) {
		snprintf(st->err, st->errlen, "NLMSG_ERROR at byte %zu: too short for an error reply", off);
		return -1;
	}
	memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
	if (e.error == 0)
		return 0; /* an acknowledgement */
	if (st->next >= st->n_targets) {
		snprintf(st->err, st->errlen, "NLMSG_ERROR at byte %zu: more answers than the %zu lookups", off,
		    st->n_targets);
		return -1;
	}
	l = &st->out[st->next++];
	l->pfx = st->targets[st->next - 1];
	/* What ip_route_output/ip6_route_output report for each kind of route. */
	/* widened: negating a corrupt INT_MIN would overflow */
	switch (-(long)e.error) {
	case ENETUNREACH:
		l->type = ER_RT_NONE;
		break;
	case EHOSTUNREACH:
		l->type = ER_RT_UNREACHABLE;
		break;
	case EACCES:
		l->type = ER_RT_PROHIBIT;
		break;
	case EINVAL:
		l->type = ER_RT_BLACKHOLE;
		break;
	default:
		snprintf(st->err, st->errlen, "NLMSG_ERROR at byte %zu: the kernel answered: %s", off,
		    e.error == INT_MIN ? "invalid error code" : strerror(-e.error));
		return -1;
	}
	return 0;
}

int
er_route_parse(const void *buf, size_t len, const struct er_prefix *targets, size_t n, struct er_observed *obs,
    char *err, size_t errlen)
{
	struct route_parse st = { NULL, 0, targets, n, 0, NULL, err, errlen };
	const char *p;
	void *copy = NULL;
	size_t off = 0;
	int rc = 0;

	if (((uintptr_t)buf & (MNL_ALIGNTO - 1)) != 0) {
		copy = xcalloc(1, len ? len : 1);
		memcpy(copy, buf, len);
		buf = copy;
	}
	p = buf;
	st.out = xcalloc(n ? n : 1, sizeof(*st.out));
	while (off < len && rc == 0) {
		const void *at = p + off;
		const struct nlmsghdr *nlh = at;
		size_t rem = len - off;

		if (rem < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > rem) {
			snprintf(err, errlen, "truncated netlink message at byte %zu of %zu", off, len);
			rc = -1;
			break;
		}
		switch (nlh->nlmsg_type) {
		case RTM_NEWLINK:
			rc = parse_link(&st, nlh, off);
			break;
		case RTM_NEWROUTE:
			rc = parse_route(&st, nlh, off);
			break;
		case NLMSG_ERROR:
			rc = parse_error(&st, nlh, off);
			break;
		default: /* the address and neighbour dumps of the same capture, NLMSG_DONE */
			break;
		}
		off += MNL_ALIGN(nlh->nlmsg_len) < rem ? MNL_ALIGN(nlh->nlmsg_len) : rem;
	}
	if (rc == 0 && st.next != n) {
		snprintf(err, errlen, "%zu answers for %zu lookups", st.next, n);
		rc = -1;
	}
	if (rc == 0 && n) {
		obs->lookups = xreallocarray(obs->lookups, obs->n_lookups + n, sizeof(*obs->lookups));
		memcpy(obs->lookups + obs->n_lookups, st.out, n * sizeof(*st.out));
		obs->n_lookups += n;
	}
	free(st.out);
	free(st.names);
	free(copy);
	return rc;
}

static int
pfx_cmp(const void *a, const void *b)
{
	return er_prefix_cmp(a, b);
}

/* Collection runs before er_observed_finalize(): the neighbours are not sorted yet. */
static const struct er_bgp_neighbor *
find_neighbor(const struct er_observed *obs, const struct er_addr *a)
{
	size_t i;

	for (i = 0; i < obs->n_nbrs; i++)
		if (er_addr_eq(&obs->nbrs[i].addr, a))
			return &obs->nbrs[i];
	return NULL;
}

size_t
er_route_lookup_targets(const struct er_config *cfg, const struct er_observed *obs, struct er_prefix **out)
{
	struct er_prefix *v = NULL, *pick;
	size_t n = 0, u = 0, i, j, k;

	*out = NULL;
	if (!cfg)
		return 0;
	for (i = 0; i < cfg->n_circuits; i++) {
		for (j = 0; j < cfg->circuits[i].n_peerings; j++) {
			const struct er_peering_cfg *pc = &cfg->circuits[i].peerings[j];
			const struct er_prefix *sub[4];
			size_t ns;

			if (!pc->enabled || (pc->type != ER_PEERING_MICROSOFT && pc->type != ER_PEERING_PUBLIC))
				continue;
			ns = er_peering_subnets(pc, sub);
			for (k = 0; k < ns; k++) {
				struct er_addr customer, msee;
				const struct er_bgp_neighbor *nb;
				size_t r;
				er_link_addrs(sub[k], &customer, &msee);
				if (!(nb = find_neighbor(obs, &msee)) || !nb->n_rcv)
					continue;
				v = xreallocarray(v, n + nb->n_rcv, sizeof(*v));
				for (r = 0; r < nb->n_rcv; r++)
					er_prefix_network(&nb->rcv[r].pfx, &v[n++]);
			}
		}
	}
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), pfx_cmp);
	for (i = 0; i < n; i++)
		if (!u || er_prefix_cmp(&v[u - 1], &v[i]) != 0)
			v[u++] = v[i];
	if (u <= ER_ROUTE_LOOKUP_MAX) {
		*out = v;
		return u;
	}
	/* A sample spread over the whole (sorted) table, not its first entries. */
	pick = xcalloc(ER_ROUTE_LOOKUP_MAX, sizeof(*pick));
	for (i = 0; i < ER_ROUTE_LOOKUP_MAX; i++)
		pick[i] = v[i * u / ER_ROUTE_LOOKUP_MAX];
	free(v);
	*out = pick;
	return ER_ROUTE_LOOKUP_MAX;
}

/* Append one message, padded so the next one starts aligned. */
static void
buf_add(char **b, size_t *len, const struct nlmsghdr *nlh)
{
	size_t pad = MNL_ALIGN(nlh->nlmsg_len);

	*b = xreallocarray(*b, *len + pad, 1);
	memset(*b + *len, 0, pad);
	memcpy(*b + *len, nlh, nlh->nlmsg_len);
	*len += pad;
}

/* Send one lookup and append its answer (the first message with its sequence number) to @p b. */
static int
lookup_one(struct er_nl_io *io, const struct er_prefix *target, char *rbuf, char **b, size_t *blen,
    unsigned long long deadline_us, char *err, size_t errlen)
{
	union {
		struct nlmsghdr h;
		char b[128];
	} req;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	size_t alen = target->addr.family == ER_AF_INET ? 4 : 16;
	char e[200], a[ER_PREFIX_STRLEN];
	int rc;

	memset(&req, 0, sizeof(req));
	nlh = mnl_nlmsg_put_header(req.b);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++io->seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = target->addr.family == ER_AF_INET ? AF_INET : AF_INET6;
	rtm->rtm_dst_len = (uint8_t)(alen * 8);
	mnl_attr_put(nlh, RTA_DST, alen, target->addr.bytes);
	er_addr_str(&target->addr, a, sizeof(a));
	io->dumps++;
	if ((rc = io->send(io->arg, nlh, e, sizeof(e))) != 0) {
		snprintf(err, errlen, "RTM_GETROUTE %s: %s", a, e);
		return rc;
	}
	for (;;) {
		long n = io->recv(io->arg, rbuf, RECV_SIZE, deadline_us, e, sizeof(e));
		size_t off = 0;
		if (n < 0) {
			snprintf(err, errlen, "RTM_GETROUTE %s: %s", a, e);
			return (int)n;
		}
		while (off < (size_t)n) {
			const void *at = rbuf + off;
			const struct nlmsghdr *m = at;
			size_t rem = (size_t)n - off;
			if (rem < sizeof(*m) || m->nlmsg_len < sizeof(*m) || m->nlmsg_len > rem) {
				snprintf(err, errlen, "RTM_GETROUTE %s: truncated message from the kernel", a);
				return ER_COLLECT_ERROR;
			}
			off += MNL_ALIGN(m->nlmsg_len) < rem ? MNL_ALIGN(m->nlmsg_len) : rem;
			if (m->nlmsg_seq != nlh->nlmsg_seq)
				continue; /* left over from an abandoned request */
			buf_add(b, blen, m);
			if (io->record && fwrite(m, 1, MNL_ALIGN(m->nlmsg_len), io->record) != MNL_ALIGN(m->nlmsg_len)) {
				snprintf(err, errlen, "RTM_GETROUTE %s: cannot record the answer", a);
				return ER_COLLECT_ERROR;
			}
			return ER_COLLECT_OK;
		}
	}
}

int
er_route_lookup_io(struct er_nl_io *io, const struct er_collect_opts *o, struct er_observed *obs,
    const void *links, size_t links_len, unsigned long long deadline_us, char *err, size_t errlen)
{
	struct er_prefix *targets;
	size_t n = er_route_lookup_targets(o ? o->cfg : NULL, obs, &targets), i, blen = links_len;
	char *rbuf, *b;
	int rc = ER_COLLECT_OK;

	if (!n)
		return ER_COLLECT_OK;
	rbuf = xcalloc(1, RECV_SIZE);
	b = xcalloc(1, links_len ? links_len : 1);
	memcpy(b, links, links_len);
	for (i = 0; i < n && rc == ER_COLLECT_OK; i++)
		rc = lookup_one(io, &targets[i], rbuf, &b, &blen, deadline_us, err, errlen);
	if (rc == ER_COLLECT_OK && er_route_parse(b, blen, targets, n, obs, err, errlen) < 0)
		rc = ER_COLLECT_ERROR;
	free(b);
	free(rbuf);
	free(targets);
	return rc;
}
