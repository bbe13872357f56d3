/*
 * Traffic-control collector (libmnl): each interface's root queueing
 * discipline (er_collect_tc), read with netlink_io.c and parsed with
 * netlink_attr.c like the links of collect_netlink.c.
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
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_ematch/tc_em_cmp.h>

#include "collect.h"
#include "log.h"
#include "netlink_attr.h"
#include "netlink_io.h"
#include "netlink_link.h"
#include "netlink_parse.h"
#include "util.h"

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
	struct nl_link *links;
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
tc_msg(const struct nlmsghdr *nlh, const struct nl_msgpos *m, struct tcmsg *t, const struct nlattr **tb, char *kind,
    size_t kindlen)
{
	const void *attrs = NULL;
	size_t alen = 0;

	if (nl_msg_payload(m, nlh, t, sizeof(*t), &attrs, &alen) < 0 || nl_attr_table(m, "tc", attrs, alen, tb, TCA_MAX) < 0)
		return -1;
	if (!tb[TCA_KIND])
		return nl_perr(m, "no TCA_KIND (interface index %d, handle %x:%x)", t->tcm_ifindex,
		    TC_H_MAJ(t->tcm_handle) >> 16, TC_H_MIN(t->tcm_handle));
	return nl_attr_str(m, "TCA_KIND", tb[TCA_KIND], kind, kindlen, true);
}

static int
parse_qdisc(const struct nlmsghdr *nlh, const struct nl_msgpos *m, struct tc_state *st)
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
		if (nl_attr_nested(m, "tbf TCA_OPTIONS", tb[TCA_OPTIONS], o, TCA_TBF_MAX) < 0)
			return -1;
		if (o[TCA_TBF_PARMS]) {
			if (nl_attr_struct(m, "TCA_TBF_PARMS", o[TCA_TBF_PARMS], &opt, sizeof(opt)) < 0)
				return -1;
			q.rate_bps = (uint64_t)opt.rate.rate * 8;
		}
		/* Rates of 2^32 bytes/s and more only fit here. */
		if (o[TCA_TBF_RATE64] && nl_attr_u64(m, "TCA_TBF_RATE64", o[TCA_TBF_RATE64], &q.rate_bps) < 0)
			return -1;
		if (o[TCA_TBF_RATE64])
			q.rate_bps *= 8;
	} else if (!strcmp(q.kind, "ets") && tb[TCA_OPTIONS]) {
		const struct nlattr *o[TCA_ETS_MAX + 1];
		uint8_t n = 0;
		if (nl_attr_nested(m, "ets TCA_OPTIONS", tb[TCA_OPTIONS], o, TCA_ETS_MAX) < 0)
			return -1;
		if (o[TCA_ETS_NSTRICT] && nl_attr_u8(m, "TCA_ETS_NSTRICT", o[TCA_ETS_NSTRICT], &n) < 0)
			return -1;
		q.nstrict = n;
	}
	ER_GROW(st->q, st->n_q, st->cap_q);
	st->q[st->n_q++] = q;
	return 0;
}

static int
parse_class(const struct nlmsghdr *nlh, const struct nl_msgpos *m, struct tc_state *st)
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
		return nl_perr(m, "htb class %x:%x without TCA_OPTIONS", TC_H_MAJ(t.tcm_handle) >> 16, TC_H_MIN(t.tcm_handle));
	if (nl_attr_nested(m, "htb TCA_OPTIONS", tb[TCA_OPTIONS], o, TCA_HTB_MAX) < 0)
		return -1;
	if (!o[TCA_HTB_PARMS])
		return nl_perr(m, "htb class %x:%x without TCA_HTB_PARMS", TC_H_MAJ(t.tcm_handle) >> 16,
		    TC_H_MIN(t.tcm_handle));
	if (nl_attr_struct(m, "TCA_HTB_PARMS", o[TCA_HTB_PARMS], &opt, sizeof(opt)) < 0)
		return -1;
	c.ifindex = t.tcm_ifindex;
	c.id = t.tcm_handle;
	c.parent = t.tcm_parent;
	c.prio = opt.prio;
	c.rate_bps = (uint64_t)opt.rate.rate * 8;
	if (o[TCA_HTB_RATE64]) {
		if (nl_attr_u64(m, "TCA_HTB_RATE64", o[TCA_HTB_RATE64], &c.rate_bps) < 0)
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
filter_u32(const struct nl_msgpos *m, const struct nlattr *opts, int l3, bool *ef, uint32_t *target)
{
	const struct nlattr *o[TCA_U32_MAX + 1];
	struct tc_u32_sel sel;
	struct tc_u32_key k;
	const char *keys;
	unsigned i;

	if (nl_attr_nested(m, "u32 TCA_OPTIONS", opts, o, TCA_U32_MAX) < 0)
		return -1;
	/* Hash tables and links to them classify nothing themselves. */
	if (!o[TCA_U32_CLASSID] || !o[TCA_U32_SEL])
		return 0;
	if (nl_attr_u32(m, "TCA_U32_CLASSID", o[TCA_U32_CLASSID], target) < 0 ||
	    nl_attr_struct(m, "TCA_U32_SEL", o[TCA_U32_SEL], &sel, sizeof(sel)) < 0)
		return -1;
	if (mnl_attr_get_payload_len(o[TCA_U32_SEL]) < sizeof(sel) + sel.nkeys * sizeof(k))
		return nl_perr(m, "TCA_U32_SEL shorter than its %u keys", sel.nkeys);
	keys = (const char *)mnl_attr_get_payload(o[TCA_U32_SEL]) + sizeof(sel);
	for (i = 0; i < sel.nkeys && !*ef; i++) {
		memcpy(&k, keys + i * sizeof(k), sizeof(k));
		*ef = ef_u32_key(&k, l3);
	}
	return 0;
}

static int
filter_flower(const struct nl_msgpos *m, const struct nlattr *opts, int l3, bool *ef, uint32_t *target)
{
	const struct nlattr *o[TCA_FLOWER_MAX + 1];
	uint8_t tos = 0, mask = 0xff;

	(void)l3; /* flower's ip_tos is the IPv4 TOS or the IPv6 traffic class alike */
	if (nl_attr_nested(m, "flower TCA_OPTIONS", opts, o, TCA_FLOWER_MAX) < 0)
		return -1;
	if (!o[TCA_FLOWER_CLASSID] || !o[TCA_FLOWER_KEY_IP_TOS])
		return 0;
	if (nl_attr_u32(m, "TCA_FLOWER_CLASSID", o[TCA_FLOWER_CLASSID], target) < 0 ||
	    nl_attr_u8(m, "TCA_FLOWER_KEY_IP_TOS", o[TCA_FLOWER_KEY_IP_TOS], &tos) < 0)
		return -1;
	if (o[TCA_FLOWER_KEY_IP_TOS_MASK] &&
	    nl_attr_u8(m, "TCA_FLOWER_KEY_IP_TOS_MASK", o[TCA_FLOWER_KEY_IP_TOS_MASK], &mask) < 0)
		return -1;
	*ef = (mask & 0xfc) == 0xfc && (tos & 0xfc) == 0xb8;
	return 0;
}

static int
filter_basic(const struct nl_msgpos *m, const struct nlattr *opts, int l3, bool *ef, uint32_t *target)
{
	const struct nlattr *o[TCA_BASIC_MAX + 1], *t[TCA_EMATCH_TREE_MAX + 1];
	const char *p;
	size_t len, off = 0;
	bool hit = false;

	if (nl_attr_nested(m, "basic TCA_OPTIONS", opts, o, TCA_BASIC_MAX) < 0)
		return -1;
	if (!o[TCA_BASIC_CLASSID] || !o[TCA_BASIC_EMATCHES])
		return 0;
	if (nl_attr_u32(m, "TCA_BASIC_CLASSID", o[TCA_BASIC_CLASSID], target) < 0 ||
	    nl_attr_nested(m, "TCA_BASIC_EMATCHES", o[TCA_BASIC_EMATCHES], t, TCA_EMATCH_TREE_MAX) < 0)
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
			return nl_perr(m, "TCA_EMATCH_TREE_LIST: malformed attribute at byte %zu of %zu", off, len);
		if (nl_attr_struct(m, "ematch header", a, &h, sizeof(h)) < 0)
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
parse_filter(const struct nlmsghdr *nlh, const struct nl_msgpos *m, struct tc_state *st)
{
	const struct nlattr *tb[TCA_MAX + 1];
	struct tcmsg t;
	char kind[16];
	uint32_t chain = 0, target = 0;
	bool ef = false;
	int l3, rc = 0;

	if (tc_msg(nlh, m, &t, tb, kind, sizeof(kind)) < 0)
		return -1;
	if (tb[TCA_CHAIN] && nl_attr_u32(m, "TCA_CHAIN", tb[TCA_CHAIN], &chain) < 0)
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
tc_pass(const struct nlmsghdr *nlh, const struct nl_msgpos *m, void *arg)
{
	struct tc_state *st = arg;
	struct er_interface ifp;
	struct nl_link le;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
		if (nl_link_parse(nlh, m, &le, &ifp) < 0)
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
		return nl_perr(m, "unexpected message type %u in a link or traffic-control dump", nlh->nlmsg_type);
	}
}

static int
tc_feed(struct tc_state *st, const void *buf, size_t len, char *err, size_t errlen)
{
	void *copy;
	const void *p = nl_aligned(buf, len, &copy);
	int rc = nl_walk(p, len, tc_pass, st, err, errlen);

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
		const struct nl_link *le = nl_link_find(st->links, st->n_links, q->ifindex);
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

	if (tc_feed(&st, buf, len, err, errlen) == 0 && nl_link_sort(st.links, st.n_links, err, errlen) == 0) {
		tc_derive(&st, cfg, obs);
		rc = 0;
	}
	tc_state_free(&st);
	return rc;
}

/* Dump one kind of tc object of interface @p ifindex (all interfaces for 0) and feed it to @p st. */
static int
tc_dump(struct er_nl_io *io, struct tc_state *st, uint16_t type, int ifindex, uint32_t parent, const char *ifname,
    char *rbuf, struct nl_buf *out, unsigned long long deadline_us, char *err, size_t errlen)
{
	union nl_req r;
	void *hdr;
	struct nlmsghdr *nlh = nl_req_start(&r, type, sizeof(struct tcmsg), &hdr);
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
	struct nl_buf out = { 0 };
	size_t i, j, k, n_roots;
	int rc;

	if ((rc = nl_dump_links(io, rbuf, &out, deadline_us, err, errlen)) != 0)
		goto out;
	if (tc_feed(&st, out.p, out.len, err, errlen) < 0 || nl_link_sort(st.links, st.n_links, err, errlen) < 0) {
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
		const struct nl_link *le = nl_link_find(st.links, st.n_links, q.ifindex);
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
