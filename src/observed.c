#include "observed.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct er_observed *
er_observed_new(void)
{
	struct er_observed *obs = xcalloc(1, sizeof(*obs));

	obs->refs = 1;
	return obs;
}

void
er_observed_free(struct er_observed *obs)
{
	size_t i;

	if (!obs)
		return;
	for (i = 0; i < obs->n_nbrs; i++) {
		free(obs->nbrs[i].adv);
		free(obs->nbrs[i].rcv);
		free(obs->nbrs[i].paths);
	}
	for (i = 0; i < obs->n_ifs; i++)
		free(obs->ifs[i].addrs);
	for (i = 0; i < obs->n_nat; i++)
		free(obs->nat[i].xlat);
	free(obs->addr_idx.v);
	free(obs->snat_idx.v);
	free(obs->nbrs);
	free(obs->bfd);
	free(obs->ifs);
	free(obs->neigh);
	free(obs->nat);
	free(obs->dscp);
	free(obs->queues);
	free(obs->lookups);
	for (i = 0; i < obs->n_pfx_paths; i++)
		free(obs->pfx_paths[i].paths);
	free(obs->pfx_paths);
	if (obs->release_partners)
		obs->release_partners(obs);
	free(obs);
}

struct er_observed *
er_observed_ref(struct er_observed *obs)
{
	__atomic_add_fetch(&obs->refs, 1, __ATOMIC_RELAXED);
	return obs;
}

void
er_observed_unref(struct er_observed *obs)
{
	if (obs && __atomic_sub_fetch(&obs->refs, 1, __ATOMIC_ACQ_REL) == 0)
		er_observed_free(obs);
}

static int
nbr_cmp(const void *a, const void *b)
{
	return er_addr_cmp(&((const struct er_bgp_neighbor *)a)->addr,
	    &((const struct er_bgp_neighbor *)b)->addr);
}

static int
if_cmp(const void *a, const void *b)
{
	return strcmp(((const struct er_interface *)a)->name, ((const struct er_interface *)b)->name);
}

static int
route_cmp(const void *a, const void *b)
{
	return er_prefix_cmp(&((const struct er_route *)a)->pfx, &((const struct er_route *)b)->pfx);
}

static int
bfd_cmp(const void *a, const void *b)
{
	return er_addr_cmp(&((const struct er_bfd_peer *)a)->peer, &((const struct er_bfd_peer *)b)->peer);
}

static int
queue_cmp(const void *a, const void *b)
{
	return strcmp(((const struct er_queue *)a)->ifname, ((const struct er_queue *)b)->ifname);
}

static int
addr_ref_cmp(const void *a, const void *b)
{
	return er_prefix_cmp(&((const struct er_addr_ref *)a)->net, &((const struct er_addr_ref *)b)->net);
}

static void
index_add(struct er_prefix_index *idx, size_t *cap, const struct er_prefix *p, const struct er_interface *ifp,
    const struct er_nat_rule *rule)
{
	struct er_addr_ref *r;

	if (idx->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		idx->v = xreallocarray(idx->v, *cap, sizeof(*idx->v));
	}
	r = &idx->v[idx->n++];
	er_prefix_network(p, &r->net);
	r->ifp = ifp;
	r->rule = rule;
	r->ifa = p;
}

static void
build_indexes(struct er_observed *obs)
{
	size_t i, j, cap = 0;

	free(obs->addr_idx.v);
	memset(&obs->addr_idx, 0, sizeof(obs->addr_idx));
	for (i = 0; i < obs->n_ifs; i++)
		for (j = 0; j < obs->ifs[i].n_addrs; j++)
			index_add(&obs->addr_idx, &cap, &obs->ifs[i].addrs[j], &obs->ifs[i], NULL);
	if (obs->addr_idx.n)
		qsort(obs->addr_idx.v, obs->addr_idx.n, sizeof(*obs->addr_idx.v), addr_ref_cmp);
	free(obs->snat_idx.v);
	memset(&obs->snat_idx, 0, sizeof(obs->snat_idx));
	cap = 0;
	for (i = 0; i < obs->n_nat; i++)
		for (j = 0; obs->nat[i].action == ER_NAT_SNAT && j < obs->nat[i].n_xlat; j++)
			index_add(&obs->snat_idx, &cap, &obs->nat[i].xlat[j], NULL, &obs->nat[i]);
	if (obs->snat_idx.n)
		qsort(obs->snat_idx.v, obs->snat_idx.n, sizeof(*obs->snat_idx.v), addr_ref_cmp);
}

/* Index of the first entry sorting at or after @p key. */
static size_t
lower_bound(const struct er_prefix_index *idx, const struct er_prefix *key)
{
	size_t lo = 0, hi = idx->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (er_prefix_cmp(&idx->v[mid].net, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct er_addr_ref *
er_prefix_index_overlapping(const struct er_prefix_index *idx, const struct er_prefix *p,
    bool (*skip)(const struct er_addr_ref *r, const void *arg), const void *arg)
{
	struct er_prefix key;
	size_t i;
	int len;

	if (!idx->n)
		return NULL;
	/* Networks inside p sort contiguously from p's network address. */
	er_prefix_network(p, &key);
	key.len = 0;
	for (i = lower_bound(idx, &key); i < idx->n; i++) {
		const struct er_addr_ref *r = &idx->v[i];
		if (!er_prefix_contains(p, &r->net.addr))
			break;
		if (er_prefix_overlaps(p, &r->net) && !(skip && skip(r, arg)))
			return r;
	}
	/* Networks that contain p: one candidate per shorter length. */
	for (len = 0; len < p->len; len++) {
		key = *p;
		key.len = (uint8_t)len;
		er_prefix_network(&key, &key);
		for (i = lower_bound(idx, &key); i < idx->n && er_prefix_cmp(&idx->v[i].net, &key) == 0; i++)
			if (!(skip && skip(&idx->v[i], arg)))
				return &idx->v[i];
	}
	return NULL;
}

const struct er_interface *
er_observed_interface_with(const struct er_observed *obs, const struct er_addr *a, const struct er_prefix **ifa)
{
	struct er_prefix key;
	size_t i;
	int len;

	const struct er_prefix_index *idx = obs ? &obs->addr_idx : NULL;

	if (!idx || !idx->n)
		return NULL;
	for (len = 0; len <= (int)er_addr_maxlen(a); len++) {
		key.addr = *a;
		key.len = (uint8_t)len;
		er_prefix_network(&key, &key);
		for (i = lower_bound(idx, &key); i < idx->n && er_prefix_cmp(&idx->v[i].net, &key) == 0; i++)
			if (er_addr_eq(&idx->v[i].ifa->addr, a)) {
				if (ifa)
					*ifa = idx->v[i].ifa;
				return idx->v[i].ifp;
			}
	}
	return NULL;
}

static int
lookup_cmp(const void *a, const void *b)
{
	return er_prefix_cmp(&((const struct er_route_lookup *)a)->pfx, &((const struct er_route_lookup *)b)->pfx);
}

static int
pfx_paths_cmp(const void *a, const void *b)
{
	return er_prefix_cmp(&((const struct er_prefix_paths *)a)->pfx, &((const struct er_prefix_paths *)b)->pfx);
}

static const char *const rr_addr[ER_RRG_COUNT] = { "224.0.0.18", "ff02::12", "224.0.0.102", "ff02::66" };
static const char *const rr_proto[ER_RRG_COUNT] = { "VRRP", "VRRP (IPv6)", "HSRP version 2", "HSRP (IPv6)" };

const char *
er_rr_group_addr(int i)
{
	return i >= 0 && i < ER_RRG_COUNT ? rr_addr[i] : "";
}

const char *
er_rr_group_proto(int i)
{
	return i >= 0 && i < ER_RRG_COUNT ? rr_proto[i] : "";
}

/* Neighbour entries by address, then interface (the rtnetlink collector's order too). */
static int
neigh_cmp(const void *a, const void *b)
{
	const struct er_neighbor_entry *x = a, *y = b;
	int c = er_addr_cmp(&x->addr, &y->addr);

	return c ? c : strcmp(x->ifname, y->ifname);
}

const struct er_neighbor_entry *
er_observed_neigh(const struct er_observed *obs, const struct er_addr *a, const char *ifname)
{
	size_t lo = 0, hi = obs ? obs->n_neigh : 0, first;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (er_addr_cmp(&obs->neigh[mid].addr, a) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	for (; lo < (obs ? obs->n_neigh : 0) && er_addr_eq(&obs->neigh[lo].addr, a); lo++)
		if (!ifname || !strcmp(obs->neigh[lo].ifname, ifname))
			return &obs->neigh[lo];
	return obs && first < obs->n_neigh && er_addr_eq(&obs->neigh[first].addr, a) ? &obs->neigh[first] : NULL;
}

void
er_observed_finalize(struct er_observed *obs)
{
	size_t i;

	if (obs->n_bfd)
		qsort(obs->bfd, obs->n_bfd, sizeof(*obs->bfd), bfd_cmp);
	if (obs->n_queues)
		qsort(obs->queues, obs->n_queues, sizeof(*obs->queues), queue_cmp);
	if (obs->n_nbrs)
		qsort(obs->nbrs, obs->n_nbrs, sizeof(*obs->nbrs), nbr_cmp);
	if (obs->n_ifs)
		qsort(obs->ifs, obs->n_ifs, sizeof(*obs->ifs), if_cmp);
	if (obs->n_lookups)
		qsort(obs->lookups, obs->n_lookups, sizeof(*obs->lookups), lookup_cmp);
	if (obs->n_pfx_paths)
		qsort(obs->pfx_paths, obs->n_pfx_paths, sizeof(*obs->pfx_paths), pfx_paths_cmp);
	if (obs->n_neigh)
		qsort(obs->neigh, obs->n_neigh, sizeof(*obs->neigh), neigh_cmp);
	build_indexes(obs);
	for (i = 0; i < obs->n_nbrs; i++) {
		struct er_bgp_neighbor *n = &obs->nbrs[i];
		if (n->n_adv)
			qsort(n->adv, n->n_adv, sizeof(*n->adv), route_cmp);
		if (n->n_rcv)
			qsort(n->rcv, n->n_rcv, sizeof(*n->rcv), route_cmp);
	}
}

bool
er_observed_ok(const struct er_observed *obs, enum er_source s)
{
	return obs && obs->src[s].status == ER_COLL_OK;
}

const struct er_bgp_neighbor *
er_observed_neighbor(const struct er_observed *obs, const struct er_addr *a)
{
	struct er_bgp_neighbor key;

	if (!obs || !obs->n_nbrs)
		return NULL;
	key.addr = *a;
	return bsearch(&key, obs->nbrs, obs->n_nbrs, sizeof(key), nbr_cmp);
}

const struct er_interface *
er_observed_interface(const struct er_observed *obs, const char *name)
{
	struct er_interface key;

	if (!obs || !obs->n_ifs || !name[0])
		return NULL;
	snprintf(key.name, sizeof(key.name), "%s", name);
	return bsearch(&key, obs->ifs, obs->n_ifs, sizeof(key), if_cmp);
}

const struct er_bfd_peer *
er_observed_bfd(const struct er_observed *obs, const struct er_addr *a)
{
	struct er_bfd_peer key;

	if (!obs || !obs->n_bfd)
		return NULL;
	key.peer = *a;
	return bsearch(&key, obs->bfd, obs->n_bfd, sizeof(key), bfd_cmp);
}

const struct er_queue *
er_observed_queue(const struct er_observed *obs, const char *ifname)
{
	struct er_queue key;

	if (!obs || !obs->n_queues || !ifname[0])
		return NULL;
	snprintf(key.ifname, sizeof(key.ifname), "%s", ifname);
	return bsearch(&key, obs->queues, obs->n_queues, sizeof(key), queue_cmp);
}

const struct er_route_lookup *
er_observed_lookup(const struct er_observed *obs, const struct er_prefix *p)
{
	struct er_route_lookup key;

	if (!obs || !obs->n_lookups)
		return NULL;
	key.pfx = *p;
	return bsearch(&key, obs->lookups, obs->n_lookups, sizeof(key), lookup_cmp);
}

const struct er_prefix_paths *
er_observed_prefix_paths(const struct er_observed *obs, const struct er_prefix *p)
{
	struct er_prefix_paths key;

	if (!obs || !obs->n_pfx_paths)
		return NULL;
	key.pfx = *p;
	return bsearch(&key, obs->pfx_paths, obs->n_pfx_paths, sizeof(key), pfx_paths_cmp);
}

static const char *const route_types[] = { "none", "unicast", "blackhole", "unreachable", "prohibit", "local",
	"other" };

const char *
er_route_type_name(enum er_route_type t)
{
	return (size_t)t < ARRAY_SIZE(route_types) ? route_types[t] : "other";
}

int
er_route_type_parse(const char *s, enum er_route_type *out)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(route_types); i++)
		if (!strcmp(s, route_types[i])) {
			*out = (enum er_route_type)i;
			return 0;
		}
	return -1;
}

const uint32_t *
er_route_path(const struct er_bgp_neighbor *n, const struct er_route *r)
{
	return r->path_len ? n->paths + r->path_off : NULL;
}

uint32_t
er_neighbor_adv_count(const struct er_bgp_neighbor *n, int afi)
{
	uint8_t fam = afi == ER_AFI_V4 ? ER_AF_INET : ER_AF_INET6;
	uint32_t cnt = 0;
	size_t i;

	if (!n->have_adv)
		return n->pfx_adv[afi];
	for (i = 0; i < n->n_adv; i++)
		if (n->adv[i].pfx.addr.family == fam)
			cnt++;
	return cnt;
}

void
er_observed_set_status(struct er_observed *obs, enum er_source s, enum er_collector_status st,
    const char *daemon, uint32_t duration_ms, const char *fmt, ...)
{
	struct er_source_status *ss = &obs->src[s];
	va_list ap;

	ss->status = st;
	snprintf(ss->daemon, sizeof(ss->daemon), "%s", daemon ? daemon : "");
	ss->duration_ms = duration_ms;
	ss->message[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(ss->message, sizeof(ss->message), fmt, ap);
		va_end(ap);
	}
}
