#include "observed_wire.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* No list is longer than this; the bytes received bound them first anyway. */
#define LIST_MAX (1u << 24)

#define CSTR_OK(a) er_wire_cstr_ok((a), sizeof(a))

/* Write a list: its count, then its elements with @p clear applied to a copy of each. */
#define PUT_LIST(b, arr, n, clear)                                   \
	do {                                                         \
		size_t i_;                                           \
		er_wbuf_u32((b), (uint32_t)(n));                     \
		for (i_ = 0; i_ < (n); i_++) {                       \
			__typeof__(*(arr)) e_ = (arr)[i_];           \
			clear(&e_);                                  \
			er_wbuf_put((b), &e_, sizeof(e_));           \
		}                                                    \
	} while (0)

#define NO_CLEAR(e) ((void)(e))

static void
clear_nbr(struct er_bgp_neighbor *n)
{
	n->adv = n->rcv = NULL;
	n->paths = NULL;
	n->n_adv = n->n_rcv = n->n_paths = 0;
}

static void
clear_if(struct er_interface *f)
{
	f->addrs = NULL;
	f->n_addrs = 0;
}

static void
clear_nat(struct er_nat_rule *r)
{
	r->xlat = NULL;
	r->n_xlat = 0;
}

static void
clear_pp(struct er_prefix_paths *pp)
{
	pp->paths = NULL;
	pp->n_paths = 0;
}

void
er_observed_wire_encode(const struct er_observed *obs, struct er_wbuf *b)
{
	size_t i;

	er_wbuf_u64(b, (uint64_t)obs->collected_at);
	er_wbuf_put(b, obs->src, sizeof(obs->src));
	PUT_LIST(b, obs->nbrs, obs->n_nbrs, clear_nbr);
	for (i = 0; i < obs->n_nbrs; i++) {
		const struct er_bgp_neighbor *n = &obs->nbrs[i];
		PUT_LIST(b, n->adv, n->n_adv, NO_CLEAR);
		PUT_LIST(b, n->rcv, n->n_rcv, NO_CLEAR);
		PUT_LIST(b, n->paths, n->n_paths, NO_CLEAR);
	}
	PUT_LIST(b, obs->bfd, obs->n_bfd, NO_CLEAR);
	er_wbuf_put(b, &obs->tcp_md5, sizeof(obs->tcp_md5));
	PUT_LIST(b, obs->ifs, obs->n_ifs, clear_if);
	for (i = 0; i < obs->n_ifs; i++)
		PUT_LIST(b, obs->ifs[i].addrs, obs->ifs[i].n_addrs, NO_CLEAR);
	PUT_LIST(b, obs->neigh, obs->n_neigh, NO_CLEAR);
	PUT_LIST(b, obs->nat, obs->n_nat, clear_nat);
	for (i = 0; i < obs->n_nat; i++)
		PUT_LIST(b, obs->nat[i].xlat, obs->nat[i].n_xlat, NO_CLEAR);
	er_wbuf_u32(b, obs->conntrack_count);
	er_wbuf_u32(b, obs->conntrack_max);
	er_wbuf_u32(b, obs->have_ct_stats);
	er_wbuf_u64(b, obs->ct_insert_failed);
	er_wbuf_u64(b, obs->ct_drop);
	er_wbuf_u64(b, obs->ct_early_drop);
	PUT_LIST(b, obs->lookups, obs->n_lookups, NO_CLEAR);
	PUT_LIST(b, obs->pfx_paths, obs->n_pfx_paths, clear_pp);
	for (i = 0; i < obs->n_pfx_paths; i++)
		PUT_LIST(b, obs->pfx_paths[i].paths, obs->pfx_paths[i].n_paths, NO_CLEAR);
	PUT_LIST(b, obs->dscp, obs->n_dscp, NO_CLEAR);
	PUT_LIST(b, obs->queues, obs->n_queues, NO_CLEAR);
}

/*
 * Read a list into a fresh array owned by @p obs at once (*arr, *n grow
 * together), so er_observed_free() is right at any refusal: every element
 * read has had its pointers cleared before the next read.
 */
#define GET_LIST(r, arr, n, what, clear, check)                                              \
	do {                                                                                 \
		size_t cnt_, i_;                                                             \
		if (!er_rbuf_count((r), sizeof(*(arr)), LIST_MAX, &cnt_, (what)))            \
			goto bad;                                                            \
		(arr) = cnt_ ? xcalloc(cnt_, sizeof(*(arr))) : NULL;                         \
		for (i_ = 0; i_ < cnt_; i_++) {                                              \
			if (!er_rbuf_get((r), &(arr)[i_], sizeof(*(arr)), (what)))           \
				goto bad;                                                    \
			clear(&(arr)[i_]);                                                   \
			(n) = i_ + 1;                                                        \
			if (!check((r), &(arr)[i_]))                                         \
				goto bad;                                                    \
		}                                                                            \
	} while (0)

static bool
ok_route(struct er_rbuf *r, const struct er_route *rt)
{
	return er_wire_prefix_ok(&rt->pfx) || er_rbuf_fail(r, "route", "bad prefix");
}

static bool
ok_u32(struct er_rbuf *r, const uint32_t *v)
{
	(void)r;
	(void)v;
	return true;
}

static bool
ok_prefix(struct er_rbuf *r, const struct er_prefix *p)
{
	return er_wire_prefix_ok(p) || er_rbuf_fail(r, "prefix", "bad family or length");
}

static bool
ok_nbr(struct er_rbuf *r, const struct er_bgp_neighbor *n)
{
	if (!er_wire_addr_ok(&n->addr) || !er_wire_addr_ok(&n->local))
		return er_rbuf_fail(r, "neighbor", "bad address");
	if (!CSTR_OK(n->ifname) || !CSTR_OK(n->last_error))
		return er_rbuf_fail(r, "neighbor", "unterminated string");
	if ((unsigned)n->state > ER_BGP_ESTABLISHED)
		return er_rbuf_fail(r, "neighbor", "state %u", (unsigned)n->state);
	if (!er_wire_bool_ok(n->have_adv) || !er_wire_bool_ok(n->have_rcv))
		return er_rbuf_fail(r, "neighbor", "bad flag");
	return true;
}

static bool
ok_bfd(struct er_rbuf *r, const struct er_bfd_peer *b)
{
	if (!er_wire_addr_ok(&b->peer) || !CSTR_OK(b->ifname) || b->state < ER_BFD_ADMIN_DOWN || b->state > ER_BFD_NONE)
		return er_rbuf_fail(r, "bfd", "bad peer, interface or state");
	return true;
}

static bool
ok_if(struct er_rbuf *r, const struct er_interface *f)
{
	if (!CSTR_OK(f->name) || !CSTR_OK(f->kind) || !CSTR_OK(f->link) || !CSTR_OK(f->master))
		return er_rbuf_fail(r, "interface", "unterminated string");
	if ((unsigned)f->oper > ER_OPER_LOWER_DOWN || f->mac_len > sizeof(f->mac) || f->rr_groups >= 1u << ER_RRG_COUNT)
		return er_rbuf_fail(r, "interface", "bad state, address length or groups");
	return true;
}

static bool
ok_neigh(struct er_rbuf *r, const struct er_neighbor_entry *e)
{
	if (!er_wire_addr_ok(&e->addr) || !CSTR_OK(e->ifname) || (unsigned)e->state > ER_NEIGH_PERMANENT)
		return er_rbuf_fail(r, "neighbor entry", "bad address, interface or state");
	return true;
}

static bool
ok_nat(struct er_rbuf *r, const struct er_nat_rule *n)
{
	if (!CSTR_OK(n->family) || !CSTR_OK(n->hook) || !CSTR_OK(n->oif) ||
	    (n->action != ER_NAT_SNAT && n->action != ER_NAT_MASQUERADE))
		return er_rbuf_fail(r, "nat rule", "bad string or action");
	return true;
}

static bool
ok_lookup(struct er_rbuf *r, const struct er_route_lookup *l)
{
	if (!er_wire_prefix_ok(&l->pfx) || (unsigned)l->type > ER_RT_OTHER || !CSTR_OK(l->oif) ||
	    !er_wire_addr_ok(&l->gateway))
		return er_rbuf_fail(r, "route lookup", "bad prefix, type, interface or gateway");
	return true;
}

static bool
ok_pp(struct er_rbuf *r, const struct er_prefix_paths *pp)
{
	return er_wire_prefix_ok(&pp->pfx) || er_rbuf_fail(r, "prefix paths", "bad prefix");
}

static bool
ok_path(struct er_rbuf *r, const struct er_bgp_path *p)
{
	if (!er_wire_addr_ok(&p->peer) || !er_wire_bool_ok(p->best) || !er_wire_bool_ok(p->has_local_pref) ||
	    p->n_comm > ER_PATH_COMMUNITIES)
		return er_rbuf_fail(r, "bgp path", "bad peer, flag or community count");
	return true;
}

static bool
ok_dscp(struct er_rbuf *r, const struct er_dscp_rule *d)
{
	if (!CSTR_OK(d->ifname) || (unsigned)d->dir > ER_DIR_INGRESS || d->set_dscp > 63 ||
	    (unsigned)d->match > ER_DSCP_OTHER)
		return er_rbuf_fail(r, "dscp rule", "bad interface, direction, value or match");
	return true;
}

static bool
ok_queue(struct er_rbuf *r, const struct er_queue *q)
{
	if (!CSTR_OK(q->ifname) || !CSTR_OK(q->qdisc) || !er_wire_bool_ok(q->classful) ||
	    !er_wire_bool_ok(q->ef_priority))
		return er_rbuf_fail(r, "queue", "bad string or flag");
	return true;
}

/* Every route's AS path lies within its neighbour's pool. */
static bool
ok_paths(struct er_rbuf *r, const struct er_bgp_neighbor *n)
{
	const struct er_route *lists[2] = { n->adv, n->rcv };
	size_t counts[2] = { n->n_adv, n->n_rcv }, k, i;

	for (k = 0; k < 2; k++)
		for (i = 0; i < counts[k]; i++)
			if ((size_t)lists[k][i].path_off + lists[k][i].path_len > n->n_paths)
				return er_rbuf_fail(r, "route", "AS path %u+%u outside a pool of %zu", lists[k][i].path_off,
				    lists[k][i].path_len, n->n_paths);
	return true;
}

struct er_observed *
er_observed_wire_decode(const void *p, size_t len, char *err, size_t errlen)
{
	struct er_observed *obs = er_observed_new();
	struct er_rbuf r;
	uint64_t at;
	uint32_t have_ct;
	size_t i;
	int s;

	er_rbuf_init(&r, p, len, err, errlen);
	if (!er_rbuf_u64(&r, &at, "collected-at") || !er_rbuf_get(&r, obs->src, sizeof(obs->src), "sources"))
		goto bad;
	obs->collected_at = (long long)at;
	for (s = 0; s < ER_SRC_COUNT; s++)
		if ((unsigned)obs->src[s].status > ER_COLL_DISABLED || !CSTR_OK(obs->src[s].daemon) ||
		    !CSTR_OK(obs->src[s].message)) {
			er_rbuf_fail(&r, "sources", "bad status or string of source %d", s);
			goto bad;
		}
	GET_LIST(&r, obs->nbrs, obs->n_nbrs, "neighbors", clear_nbr, ok_nbr);
	for (i = 0; i < obs->n_nbrs; i++) {
		struct er_bgp_neighbor *n = &obs->nbrs[i];
		GET_LIST(&r, n->adv, n->n_adv, "advertised routes", NO_CLEAR, ok_route);
		GET_LIST(&r, n->rcv, n->n_rcv, "received routes", NO_CLEAR, ok_route);
		GET_LIST(&r, n->paths, n->n_paths, "AS paths", NO_CLEAR, ok_u32);
		if (!ok_paths(&r, n))
			goto bad;
	}
	GET_LIST(&r, obs->bfd, obs->n_bfd, "bfd", NO_CLEAR, ok_bfd);
	if (!er_rbuf_get(&r, &obs->tcp_md5, sizeof(obs->tcp_md5), "tcp-md5"))
		goto bad;
	if (!er_wire_bool_ok(obs->tcp_md5.have) || !er_wire_bool_ok(obs->tcp_md5.have_rise)) {
		memset(&obs->tcp_md5, 0, sizeof(obs->tcp_md5));
		er_rbuf_fail(&r, "tcp-md5", "bad flag");
		goto bad;
	}
	GET_LIST(&r, obs->ifs, obs->n_ifs, "interfaces", clear_if, ok_if);
	for (i = 0; i < obs->n_ifs; i++)
		GET_LIST(&r, obs->ifs[i].addrs, obs->ifs[i].n_addrs, "interface addresses", NO_CLEAR, ok_prefix);
	GET_LIST(&r, obs->neigh, obs->n_neigh, "neighbor entries", NO_CLEAR, ok_neigh);
	GET_LIST(&r, obs->nat, obs->n_nat, "nat rules", clear_nat, ok_nat);
	for (i = 0; i < obs->n_nat; i++)
		GET_LIST(&r, obs->nat[i].xlat, obs->nat[i].n_xlat, "nat targets", NO_CLEAR, ok_prefix);
	if (!er_rbuf_u32(&r, &obs->conntrack_count, "conntrack") || !er_rbuf_u32(&r, &obs->conntrack_max, "conntrack") ||
	    !er_rbuf_u32(&r, &have_ct, "conntrack") || !er_rbuf_u64(&r, &obs->ct_insert_failed, "conntrack") ||
	    !er_rbuf_u64(&r, &obs->ct_drop, "conntrack") || !er_rbuf_u64(&r, &obs->ct_early_drop, "conntrack"))
		goto bad;
	if (have_ct > 1) {
		er_rbuf_fail(&r, "conntrack", "bad flag");
		goto bad;
	}
	obs->have_ct_stats = have_ct;
	GET_LIST(&r, obs->lookups, obs->n_lookups, "route lookups", NO_CLEAR, ok_lookup);
	GET_LIST(&r, obs->pfx_paths, obs->n_pfx_paths, "prefix paths", clear_pp, ok_pp);
	for (i = 0; i < obs->n_pfx_paths; i++)
		GET_LIST(&r, obs->pfx_paths[i].paths, obs->pfx_paths[i].n_paths, "bgp paths", NO_CLEAR, ok_path);
	GET_LIST(&r, obs->dscp, obs->n_dscp, "dscp rules", NO_CLEAR, ok_dscp);
	GET_LIST(&r, obs->queues, obs->n_queues, "queues", NO_CLEAR, ok_queue);
	if (!er_rbuf_end(&r, "observed state"))
		goto bad;
	er_observed_finalize(obs);
	return obs;
bad:
	er_observed_unref(obs);
	return NULL;
}
