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
	free(obs->nbrs);
	free(obs->bfd);
	free(obs->ifs);
	free(obs->neigh);
	free(obs->nat);
	free(obs->dscp);
	free(obs->queues);
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

void
er_observed_finalize(struct er_observed *obs)
{
	size_t i;

	if (obs->n_nbrs)
		qsort(obs->nbrs, obs->n_nbrs, sizeof(*obs->nbrs), nbr_cmp);
	if (obs->n_ifs)
		qsort(obs->ifs, obs->n_ifs, sizeof(*obs->ifs), if_cmp);
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
	size_t i;

	for (i = 0; obs && i < obs->n_bfd; i++)
		if (er_addr_eq(&obs->bfd[i].peer, a))
			return &obs->bfd[i];
	return NULL;
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
