/* Canonical text form of an observed state, for golden-file tests and debugging. */
#include <stdio.h>
#include <string.h>

#include "collect.h"
#include "util.h"

static const char *
pfx(const struct er_prefix *p, char *buf)
{
	return er_prefix_str(p, buf, ER_PREFIX_STRLEN);
}

static const char *
addr(const struct er_addr *a, char *buf)
{
	return er_addr_str(a, buf, ER_PREFIX_STRLEN);
}

static void
routes(FILE *out, const char *kind, const struct er_bgp_neighbor *n, const struct er_route *r, size_t cnt)
{
	char b[ER_PREFIX_STRLEN];
	size_t i, k;

	for (i = 0; i < cnt; i++) {
		const uint32_t *path = er_route_path(n, &r[i]);
		fprintf(out, "  %s %s", kind, pfx(&r[i].pfx, b));
		if (r[i].path_len) {
			fprintf(out, " path=");
			for (k = 0; k < r[i].path_len; k++)
				fprintf(out, "%s%u", k ? "," : "", path[k]);
		}
		fputc('\n', out);
	}
}

void
er_observed_dump(const struct er_observed *obs, FILE *out)
{
	static const char *const oper[] = { "unknown", "up", "down", "lower-layer-down" };
	static const char *const neigh[] = { "other", "reachable", "stale", "failed", "incomplete", "permanent" };
	static const char *const match[] = { "any", "dscp-in", "dscp-not-in", "other" };
	char a[ER_PREFIX_STRLEN], b[ER_PREFIX_STRLEN];
	size_t i, j;
	int v;

	for (i = 0; i < obs->n_nbrs; i++) {
		const struct er_bgp_neighbor *n = &obs->nbrs[i];
		fprintf(out, "neighbor %s state=%s remote-as=%u local-as=%u local=%s if=%s hold=%u keepalive=%u "
		             "rcvd=%u/%u adv=%u/%u md5-failures=%u last-error=\"%s\"%s%s\n",
		    addr(&n->addr, a), er_bgp_state_name(n->state), n->remote_as, n->local_as,
		    n->local.family ? addr(&n->local, b) : "-", n->ifname[0] ? n->ifname : "-", n->hold_time,
		    n->keepalive, n->pfx_rcvd[ER_AFI_V4], n->pfx_rcvd[ER_AFI_V6], n->pfx_adv[ER_AFI_V4],
		    n->pfx_adv[ER_AFI_V6], n->md5_failures, n->last_error, n->have_adv ? " adv-list" : "",
		    n->have_rcv ? " rcv-list" : "");
		routes(out, "adv", n, n->adv, n->n_adv);
		routes(out, "rcv", n, n->rcv, n->n_rcv);
	}
	if (obs->tcp_md5.have) {
		const struct er_tcp_md5 *m = &obs->tcp_md5;
		fprintf(out, "tcp-md5 failure=%llu not-found=%llu unexpected=%llu", (unsigned long long)m->failure,
		    (unsigned long long)m->not_found, (unsigned long long)m->unexpected);
		if (m->have_rise)
			fprintf(out, " rise=%llu watched-ms=%u", (unsigned long long)m->rise, m->watched_ms);
		if (m->last_rise_at)
			fprintf(out, " last-rise-at=%lld", m->last_rise_at);
		fputc('\n', out);
	}
	for (i = 0; i < obs->n_bfd; i++)
		fprintf(out, "bfd %s if=%s state=%s\n", addr(&obs->bfd[i].peer, a),
		    obs->bfd[i].ifname[0] ? obs->bfd[i].ifname : "-", er_bfd_state_name(obs->bfd[i].state));
	for (i = 0; i < obs->n_ifs; i++) {
		const struct er_interface *f = &obs->ifs[i];
		fprintf(out, "interface %s oper=%s mtu=%u kind=%s", f->name, oper[f->oper], f->mtu,
		    f->kind[0] ? f->kind : "-");
		if (f->vlan_id)
			fprintf(out, " vlan=%u proto=0x%04x", f->vlan_id, f->vlan_proto);
		if (f->mac_len)
			fprintf(out, " mac=%s", er_mac_str(f->mac, a));
		if (f->link[0])
			fprintf(out, " link=%s", f->link);
		if (f->master[0])
			fprintf(out, " master=%s", f->master);
		for (v = 0, j = 0; v < ER_RRG_COUNT; v++)
			if (f->rr_groups & (1 << v))
				fprintf(out, "%s%s", j++ ? "," : " groups=", er_rr_group_addr(v));
		fputc('\n', out);
		for (j = 0; j < f->n_addrs; j++)
			fprintf(out, "  addr %s\n", pfx(&f->addrs[j], a));
	}
	for (i = 0; i < obs->n_neigh; i++)
		fprintf(out, "neigh %s if=%s state=%s\n", addr(&obs->neigh[i].addr, a), obs->neigh[i].ifname,
		    neigh[obs->neigh[i].state]);
	for (i = 0; i < obs->n_lookups; i++) {
		const struct er_route_lookup *l = &obs->lookups[i];
		fprintf(out, "lookup %s type=%s oif=%s via=%s\n", pfx(&l->pfx, a), er_route_type_name(l->type),
		    l->oif[0] ? l->oif : "-", l->gateway.family ? addr(&l->gateway, b) : "-");
	}
	for (i = 0; i < obs->n_pfx_paths; i++) {
		const struct er_prefix_paths *pp = &obs->pfx_paths[i];
		fprintf(out, "paths %s\n", pfx(&pp->pfx, a));
		for (j = 0; j < pp->n_paths; j++) {
			const struct er_bgp_path *p = &pp->paths[j];
			fprintf(out, "  path %s best=%d local-pref=", addr(&p->peer, b), p->best);
			if (p->has_local_pref)
				fprintf(out, "%u", p->local_pref);
			else
				fputc('-', out);
			fprintf(out, " as-path-length=%u communities=", p->as_path_len);
			for (v = 0; v < p->n_comm; v++)
				fprintf(out, "%s%u:%u", v ? "," : "", p->comm[v] >> 16, p->comm[v] & 0xffff);
			fprintf(out, "%s\n", p->n_comm ? "" : "-");
		}
	}
	for (i = 0; i < obs->n_nat; i++) {
		const struct er_nat_rule *r = &obs->nat[i];
		fprintf(out, "nat family=%s hook=%s oif=%s action=%s", r->family[0] ? r->family : "-",
		    r->hook[0] ? r->hook : "-", r->oif[0] ? r->oif : "*", r->action == ER_NAT_MASQUERADE ? "masquerade" : "snat");
		for (j = 0; j < r->n_xlat; j++)
			fprintf(out, "%s%s", j ? "," : " to=", pfx(&r->xlat[j], a));
		fprintf(out, " packets=%llu\n", (unsigned long long)r->packets);
	}
	for (i = 0; i < obs->n_dscp; i++) {
		const struct er_dscp_rule *r = &obs->dscp[i];
		fprintf(out, "dscp if=%s dir=%s set=%u match=%s", r->ifname[0] ? r->ifname : "*",
		    r->dir == ER_DIR_INGRESS ? "ingress" : "egress", r->set_dscp, match[r->match]);
		if (r->match_set) {
			fprintf(out, " values=");
			for (v = 0, j = 0; v < 64; v++)
				if (r->match_set & (1ull << v))
					fprintf(out, "%s%d", j++ ? "," : "", v);
		}
		fprintf(out, " packets=%llu\n", (unsigned long long)r->packets);
	}
	for (i = 0; i < obs->n_queues; i++) {
		const struct er_queue *q = &obs->queues[i];
		fprintf(out, "queue %s qdisc=%s classful=%d ef-priority=%d rate=%llu\n", q->ifname,
		    q->qdisc[0] ? q->qdisc : "-", q->classful, q->ef_priority, (unsigned long long)q->rate_bps);
	}
	if (obs->conntrack_max)
		fprintf(out, "conntrack count=%u max=%u\n", obs->conntrack_count, obs->conntrack_max);
	if (obs->have_ct_stats)
		fprintf(out, "conntrack-stats insert-failed=%llu drop=%llu early-drop=%llu\n",
		    (unsigned long long)obs->ct_insert_failed, (unsigned long long)obs->ct_drop,
		    (unsigned long long)obs->ct_early_drop);
}
