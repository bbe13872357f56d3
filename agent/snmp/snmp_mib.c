#include "snmp_mib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "observed.h"
#include "partner.h"
#include "util.h"

/* One conceptual row: its index (in the pool) and what its values come from. */
struct row {
	uint32_t off; /* index OID in m->pool */
	uint16_t len;
	uint16_t k;   /* path or source, by table */
	const void *a, *b, *c;
};

struct er_mib;
typedef int (*get_fn)(const struct er_mib *m, const struct row *r, uint32_t col, struct er_mib_value *v);

struct table_def {
	const char *name;
	uint32_t prefix[4]; /* under erObjects (erRoot.1); ".1" entry arc included for tables */
	uint8_t prefix_len;
	uint32_t first_col, last_col; /* accessible columns */
	get_fn get;
};

enum {
	T_SUMMARY,
	T_SETTINGS,
	T_CIRCUIT,
	T_PEERING,
	T_LINK,
	T_SESSION,
	T_CHECK,
	T_COLLECTOR,
	T_NAT_SCALARS,
	T_NAT_RULE,
	T_DSCP,
	T_QUEUE,
	T_RGROUP,
	T_COUNT
};

struct table {
	struct row *rows; /* sorted by index OID */
	size_t n, cap;
};

struct er_mib {
	struct er_snapshot *snap;
	struct table t[T_COUNT];
	uint32_t *pool;
	size_t pool_n, pool_cap;
	size_t instances;
};

static const uint32_t root[] = { ER_MIB_ROOT };

/* ---- values ---- */

static int
set_int(struct er_mib_value *v, int64_t n)
{
	v->type = ER_MIB_INTEGER;
	v->num = n;
	return 0;
}

static int
set_gauge(struct er_mib_value *v, uint32_t n)
{
	v->type = ER_MIB_GAUGE;
	v->num = n;
	return 0;
}

static int
set_c64(struct er_mib_value *v, uint64_t n)
{
	v->type = ER_MIB_COUNTER64;
	v->num = (int64_t)n;
	return 0;
}

static int
set_bytes(struct er_mib_value *v, const void *p, size_t len)
{
	v->type = ER_MIB_OCTETS;
	v->octets = p;
	v->len = len;
	return 0;
}

static int
set_str(struct er_mib_value *v, const char *s)
{
	return set_bytes(v, s ? s : "", s ? strlen(s) : 0);
}

/* A string cut to the MIB's SIZE limit in octets, at a UTF-8 character boundary. */
static int
set_str_max(struct er_mib_value *v, const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n > max) {
		n = max;
		while (n && ((uint8_t)s[n] & 0xc0) == 0x80)
			n--;
	}
	return set_bytes(v, n ? s : "", n);
}

static int
set_truth(struct er_mib_value *v, bool b)
{
	return set_int(v, b ? 1 : 2);
}

static int
set_addr(struct er_mib_value *v, const struct er_addr *a)
{
	return set_bytes(v, a->bytes, a->family == ER_AF_INET ? 4 : a->family == ER_AF_INET6 ? 16 : 0);
}

static int
addr_type(const struct er_addr *a)
{
	return a->family == ER_AF_INET ? 1 : a->family == ER_AF_INET6 ? 2 : 0;
}

size_t
er_mib_date_and_time(long long t, uint8_t out[11])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || !gmtime_r(&tt, &tm)) {
		memset(out, 0, 8);
		return 8;
	}
	out[0] = (uint8_t)((tm.tm_year + 1900) >> 8);
	out[1] = (uint8_t)((tm.tm_year + 1900) & 0xff);
	out[2] = (uint8_t)(tm.tm_mon + 1);
	out[3] = (uint8_t)tm.tm_mday;
	out[4] = (uint8_t)tm.tm_hour;
	out[5] = (uint8_t)tm.tm_min;
	out[6] = (uint8_t)(tm.tm_sec > 59 ? 59 : tm.tm_sec);
	out[7] = 0;
	out[8] = '+';
	out[9] = 0;
	out[10] = 0;
	return 11;
}

static int
set_time(struct er_mib_value *v, long long t)
{
	return set_bytes(v, v->buf, er_mib_date_and_time(t, v->buf));
}

static int
set_summary(struct er_mib_value *v, const struct er_summary *s, long long at, uint32_t col)
{
	switch (col) {
	case 1:
		return set_int(v, s->readiness);
	case 2:
		return set_time(v, at);
	case 3:
		return set_gauge(v, s->count[ER_PASS]);
	case 4:
		return set_gauge(v, s->count[ER_WARN]);
	case 5:
		return set_gauge(v, s->count[ER_FAIL]);
	case 6:
		return set_gauge(v, s->count[ER_UNKNOWN]);
	}
	return -1;
}

/* ---- getters, one per table ---- */

static int
get_summary(const struct er_mib *m, const struct row *r, uint32_t col, struct er_mib_value *v)
{
	(void)r;
	return set_summary(v, &m->snap->overall, m->snap->evaluated_at, col);
}

static int
get_settings(const struct er_mib *m, const struct row *r, uint32_t col, struct er_mib_value *v)
{
	const struct er_config *cfg = m->snap->cfg;

	(void)r;
	switch (col) {
	case 1:
		return set_gauge(v, cfg->agent.poll_interval);
	case 2:
		return set_gauge(v, cfg->agent.alert_hold_down);
	case 3:
		return set_str(v, cfg->subscription_id);
	case 4:
		return set_truth(v, cfg->microsoft_365);
	case 5:
		return set_gauge(v, (uint32_t)cfg->n_internet_nbrs);
	}
	return -1;
}

static int
get_circuit(const struct er_mib *m, const struct row *r, uint32_t col, struct er_mib_value *v)
{
	const struct er_circuit_cfg *c = r->a;
	uint8_t *b = v->buf;
	int y, mo, d;

	switch (col) {
	case 2:
		return set_str(v, c->service_key);
	case 3: /* SnmpAdminString (SIZE (0..128)); YANG counts characters, not octets */
		return set_str_max(v, c->provider, 128);
	case 4:
		return set_str_max(v, c->location, 128);
	case 5:
		return set_int(v, c->model);
	case 6:
		return set_int(v, c->layer + 1);
	case 7:
		return set_gauge(v, c->bandwidth_mbps);
	case 8:
		return set_int(v, c->tier);
	case 9:
		return set_int(v, c->family);
	case 10:
		return set_int(v, c->prov_state);
	case 11:
		memset(b, 0, 8);
		if (sscanf(c->created, "%4d-%2d-%2d", &y, &mo, &d) == 3) {
			b[0] = (uint8_t)(y >> 8);
			b[1] = (uint8_t)(y & 0xff);
			b[2] = (uint8_t)mo;
			b[3] = (uint8_t)d;
		}
		return set_bytes(v, b, 8);
	case 12:
		return set_truth(v, c->maintenance);
	case 13:
		return set_gauge(v, (uint32_t)c->n_vnets);
	default:
		return set_summary(v, &m->snap->circuit[c - m->snap->cfg->circuits], m->snap->evaluated_at, col - 13);
	}
}

static int
registry_value(const char *s)
{
	static const char *const names[] = { "ARIN", "APNIC", "AFRINIC", "LACNIC", "RIPENCC", "RADB", "ALTDB" };
	size_t i;

	for (i = 0; s && i < ARRAY_SIZE(names); i++)
		if (!strcasecmp(s, names[i]))
			return (int)i + 1;
	return 0;
}

static int
get_peering(const struct er_mib *m, const struct row *r, uint32_t col, struct er_mib_value *v)
{
	const struct er_peering_cfg *p = r->b;
	const struct er_prefix *sn = NULL;

	(void)m;
	switch (col) {
	case 2:
		return set_truth(v, p->enabled);
	case 3:
		return set_gauge(v, p->vlan_id);
	case 4:
		return set_gauge(v, p->customer_asn);
	case 5:
		return set_truth(v, p->has_md5);
	case 6:
		return set_int(v, p->has_v4 ? 1 : 0);
	case 7:
	case 9:
		sn = p->has_v4 ? &p->v4[col == 9] : NULL;
		return sn ? set_addr(v, &sn->addr) : set_bytes(v, "", 0);
	case 8:
	case 10:
		return set_gauge(v, p->has_v4 ? p->v4[col == 10].len : 0);
	case 11:
		return set_int(v, p->has_v6 ? 2 : 0);
	case 12:
	case 14:
		sn = p->has_v6 ? &p->v6[col == 14] : NULL;
		return sn ? set_addr(v, &sn->addr) : set_bytes(v, "", 0);
	case 13:
	case 15:
		return set_gauge(v, p->has_v6 ? p->v6[col == 15].len : 0);
	case 16:
	case 17:
		return set_str(v, p->ifname[col - 16]);
	case 18:
		return set_truth(v, p->bfd_expected);
	case 19:
		return set_gauge(v, (uint32_t)p->n_adv_public);
	case 20:
		return set_int(v, registry_value(p->registry));
	case 21:
		return set_gauge(v, (uint32_t)p->n_nat_pool);
	case 22:
		return set_int(v, p->qos + 1);
	case 23:
		return set_gauge(v, p->limit_warn_pct);
	case 24: /* the secondary subnets again, each after its own InetAddressType (RFC 4001 4.1) */
		return set_int(v, p->has_v4 ? 1 : 0);
	case 25:
		return p->has_v4 ? set_addr(v, &p->v4[1].addr) : set_bytes(v, "", 0);
	case 26:
		return set_int(v, p->has_v6 ? 2 : 0);
	case 27:
		return p->has_v6 ? set_addr(v, &p->v6[1].addr) : set_bytes(v, "", 0);
	}
	return -1;
}

static int
get_link(const struct er_mib *m, const struct row *r, uint32_t col, struct er_mib_value *v)
{
	static const int oper[] = { 4, 1, 2, 3 }; /* er_oper -> erLinkOperStatus */
	const struct er_peering_cfg *p = r->b;
	const char *ifname = p->ifname[r->k - 1], *router;
	char why[320];
	/* A link on a partner router reads the partner's data (unknown while it is not fresh). */
	const struct er_observed *obs = er_link_obs(m->snap->cfg, m->snap->obs, m->snap->evaluated_at, p,
	    (enum er_path)r->k, &router, why, sizeof(why));
	const struct er_interface *ifp = er_observed_interface(obs, ifname);
	const struct er_partner_view *pv;

	switch (col) {
	case 2:
		return set_str(v, ifname);
	case 3:
		if (!obs || !er_observed_ok(obs, ER_SRC_INTERFACES))
			return set_int(v, 4);
		return set_int(v, !ifp ? 5 : (unsigned)ifp->oper < ARRAY_SIZE(oper) ? oper[ifp->oper] : 4);
	case 4:
		return set_gauge(v, ifp ? ifp->mtu : 0);
	case 5:
		return set_gauge(v, ifp ? ifp->vlan_id : 0);
	case 6:
		return set_str(v, router ? router : "local");
	case 7:
		pv = router ? er_observed_partner(m->snap->obs, router) : NULL;
		return set_gauge(v, pv ? er_partner_view_age(pv, m->snap->evaluated_at) : 0);
	}
	return -1;
}

static int
get_rgroup(const struct er_mib *m, const struct row *r, uint32_t col, struct er_mib_value *v)
{
	const struct er_group_cfg *g = r->a;
	const struct er_group_state *gs = &m->snap->groups[r->k];

	switch (col) {
	case 2:
		return set_int(v, g->intended);
	case 3:
		return set_int(v, gs->reached ? gs->reached : ER_RTIER_NONE);
	case 4:
		return set_str_max(v, gs->reason, 1024);
	case 5:
		return set_str_max(v, g->description, 255);
	}
	return -1;
}

static int
get_session(const struct er_mib *m, const struct row *r, uint32_t col, struct er_mib_value *v)
{
	const struct er_bgp_neighbor *n = r->c;
	const struct er_bfd_peer *bfd;

	switch (col) {
	case 4:
		return set_int(v, addr_type(&n->local));
	case 5:
		return set_addr(v, &n->local);
	case 6:
		return set_int(v, n->state ? n->state : ER_BGP_IDLE);
	case 7:
		return set_gauge(v, n->uptime);
	case 8:
		return set_gauge(v, n->remote_as);
	case 9:
		return set_gauge(v, n->local_as);
	case 10:
		return set_gauge(v, n->hold_time);
	case 11:
		return set_gauge(v, n->keepalive);
	case 12:
		return set_gauge(v, n->have_rcv ? (uint32_t)n->n_rcv : n->pfx_rcvd[ER_AFI_V4] + n->pfx_rcvd[ER_AFI_V6]);
	case 13:
		return set_gauge(v, er_neighbor_adv_count(n, ER_AFI_V4) + er_neighbor_adv_count(n, ER_AFI_V6));
	case 14:
		bfd = er_observed_bfd(m->snap->obs, &n->addr);
		return set_int(v, bfd ? bfd->state : ER_BFD_NONE);
	case 15:
		return set_str(v, n->last_error);
	}
	return -1;
}

static int
get_check(const struct er_mib *m, const struct row *r, uint32_t col, struct er_mib_value *v)
{
	const struct er_result *res = r->a;

	(void)m;
	switch (col) {
	case 5:
		er_result_id(res, (char *)v->buf, sizeof(v->buf));
		return set_str(v, (const char *)v->buf);
	case 6:
		return set_str(v, res->def->name);
	case 7:
		return set_int(v, res->def->area);
	case 8:
		return set_int(v, res->status);
	case 9:
		return set_int(v, res->def->severity);
	case 10:
		return set_str(v, res->detail);
	case 11:
		return set_str(v, res->def->rule);
	case 12:
		return set_time(v, res->since);
	}
	return -1;
}

static int
get_collector(const struct er_mib *m, const struct row *r, uint32_t col, struct er_mib_value *v)
{
	const struct er_source_status *s = &m->snap->obs->src[r->k];

	switch (col) {
	case 2:
		return set_str(v, s->daemon);
	case 3:
		return set_int(v, s->status ? s->status : ER_COLL_DISABLED);
	case 4:
		return set_str(v, s->message[0] || s->status ? s->message : "not collected");
	case 5:
		return set_gauge(v, s->duration_ms);
	}
	return -1;
}

static int
get_nat_scalars(const struct er_mib *m, const struct row *r, uint32_t col, struct er_mib_value *v)
{
	(void)r;
	switch (col) {
	case 1:
		return set_gauge(v, m->snap->obs->conntrack_count);
	case 2:
		return set_gauge(v, m->snap->obs->conntrack_max);
	}
	return -1;
}

/* Append to a comma-separated list in v->buf; cut with ",..." when it does not fit. */
static bool
list_add(struct er_mib_value *v, const char *item)
{
	size_t cap = sizeof(v->buf), need = strlen(item) + (v->len ? 1 : 0);

	if (v->len + need + 4 > cap) {
		memcpy(v->buf + v->len, ",...", 4);
		v->len += 4;
		return false;
	}
	if (v->len)
		v->buf[v->len++] = ',';
	memcpy(v->buf + v->len, item, strlen(item));
	v->len += strlen(item);
	return true;
}

static int
get_nat_rule(const struct er_mib *m, const struct row *r, uint32_t col, struct er_mib_value *v)
{
	const struct er_nat_rule *n = r->a;
	char buf[ER_PREFIX_STRLEN];
	size_t i;

	(void)m;
	switch (col) {
	case 2:
		return set_str(v, n->family);
	case 3:
		return set_str(v, n->hook);
	case 4:
		return set_str(v, n->oif);
	case 5:
		return set_int(v, n->action == ER_NAT_MASQUERADE ? 2 : 1);
	case 6:
		v->len = 0;
		for (i = 0; i < n->n_xlat && list_add(v, er_prefix_str(&n->xlat[i], buf, sizeof(buf))); i++)
			;
		return set_bytes(v, v->buf, v->len);
	case 7:
		return set_c64(v, n->packets);
	}
	return -1;
}

static int
get_dscp(const struct er_mib *m, const struct row *r, uint32_t col, struct er_mib_value *v)
{
	const struct er_dscp_rule *d = r->a;
	char buf[8];
	int i;

	(void)m;
	switch (col) {
	case 2:
		return set_str(v, d->ifname);
	case 3:
		return set_int(v, d->dir == ER_DIR_INGRESS ? 1 : 2);
	case 4:
		return set_gauge(v, d->set_dscp);
	case 5:
		return set_int(v, (int)d->match + 1);
	case 6:
		v->len = 0;
		for (i = 0; i < 64; i++) {
			if (d->match_set & (1ull << i)) {
				snprintf(buf, sizeof(buf), "%s%d", v->len ? "," : "", i);
				memcpy(v->buf + v->len, buf, strlen(buf));
				v->len += strlen(buf);
			}
		}
		return set_bytes(v, v->buf, v->len);
	case 7:
		return set_c64(v, d->packets);
	}
	return -1;
}

static int
get_queue(const struct er_mib *m, const struct row *r, uint32_t col, struct er_mib_value *v)
{
	const struct er_queue *q = r->a;

	(void)m;
	switch (col) {
	case 2:
		return set_str(v, q->qdisc);
	case 3:
		return set_truth(v, q->classful);
	case 4:
		return set_truth(v, q->ef_priority);
	case 5:
		return set_c64(v, q->rate_bps);
	case 6:
		return set_gauge(v, q->rate_bps / 1000 > UINT32_MAX ? UINT32_MAX : (uint32_t)(q->rate_bps / 1000));
	}
	return -1;
}

/* In OID order: the walk visits the tables as listed. */
static const struct table_def defs[T_COUNT] = {
	[T_SUMMARY] = { "erSummary", { 1 }, 1, 1, 6, get_summary },
	[T_SETTINGS] = { "erSettings", { 2 }, 1, 1, 5, get_settings },
	[T_CIRCUIT] = { "erCircuitTable", { 3, 1 }, 2, 2, 19, get_circuit },
	[T_PEERING] = { "erPeeringTable", { 4, 1 }, 2, 2, 27, get_peering },
	[T_LINK] = { "erLinkTable", { 5, 1 }, 2, 2, 7, get_link },
	[T_SESSION] = { "erSessionTable", { 6, 1 }, 2, 4, 15, get_session },
	[T_CHECK] = { "erCheckTable", { 7, 1 }, 2, 5, 12, get_check },
	[T_COLLECTOR] = { "erCollectorTable", { 8, 1 }, 2, 2, 5, get_collector },
	[T_NAT_SCALARS] = { "erNatObjects", { 9 }, 1, 1, 2, get_nat_scalars },
	[T_NAT_RULE] = { "erNatRuleTable", { 9, 3, 1 }, 3, 2, 7, get_nat_rule },
	[T_DSCP] = { "erDscpRuleTable", { 10, 1, 1 }, 3, 2, 7, get_dscp },
	[T_QUEUE] = { "erQueueTable", { 10, 2, 1 }, 3, 2, 6, get_queue },
	[T_RGROUP] = { "erResiliencyGroupTable", { 12, 1 }, 2, 2, 5, get_rgroup },
};

/* ---- building ---- */

struct idx {
	uint32_t v[ER_MIB_MAX_OID];
	size_t n;
};

static void
idx_num(struct idx *x, uint32_t n)
{
	if (x->n < ER_MIB_MAX_OID)
		x->v[x->n++] = n;
}

static void
idx_str(struct idx *x, const char *s)
{
	size_t len = strlen(s), i;

	idx_num(x, (uint32_t)len);
	for (i = 0; i < len; i++)
		idx_num(x, (uint8_t)s[i]);
}

static void
idx_addr(struct idx *x, const struct er_addr *a)
{
	size_t len = a->family == ER_AF_INET ? 4 : 16, i;

	idx_num(x, (uint32_t)addr_type(a));
	idx_num(x, (uint32_t)len);
	for (i = 0; i < len; i++)
		idx_num(x, a->bytes[i]);
}

static void
add_row(struct er_mib *m, int t, const struct idx *x, uint16_t k, const void *a, const void *b, const void *c)
{
	struct table *tb = &m->t[t];
	struct row *r;

	if (m->pool_n + x->n > m->pool_cap) {
		while (m->pool_n + x->n > m->pool_cap)
			m->pool_cap = m->pool_cap ? m->pool_cap * 2 : 1024;
		m->pool = xreallocarray(m->pool, m->pool_cap, sizeof(*m->pool));
	}
	memcpy(m->pool + m->pool_n, x->v, x->n * sizeof(uint32_t));
	ER_GROW(tb->rows, tb->n, tb->cap);
	r = &tb->rows[tb->n++];
	r->off = (uint32_t)m->pool_n;
	r->len = (uint16_t)x->n;
	r->k = k;
	r->a = a;
	r->b = b;
	r->c = c;
	m->pool_n += x->n;
}

int
er_mib_oid_cmp(const uint32_t *a, size_t alen, const uint32_t *b, size_t blen)
{
	size_t i, n = alen < blen ? alen : blen;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static int
row_cmp(const void *x, const void *y, void *arg)
{
	const struct er_mib *m = arg;
	const struct row *a = x, *b = y;

	return er_mib_oid_cmp(m->pool + a->off, a->len, m->pool + b->off, b->len);
}

static void
build_config_rows(struct er_mib *m)
{
	const struct er_config *cfg = m->snap->cfg;
	const struct er_observed *obs = m->snap->obs;
	size_t c, p;
	int k, fam;

	for (c = 0; c < cfg->n_circuits; c++) {
		const struct er_circuit_cfg *cc = &cfg->circuits[c];
		struct idx ci = { .n = 0 };

		idx_str(&ci, cc->name);
		add_row(m, T_CIRCUIT, &ci, 0, cc, NULL, NULL);
		for (p = 0; p < cc->n_peerings; p++) {
			const struct er_peering_cfg *pc = &cc->peerings[p];
			struct idx pi = ci;

			idx_num(&pi, pc->type);
			add_row(m, T_PEERING, &pi, 0, cc, pc, NULL);
			for (k = ER_PATH_PRIMARY; k <= ER_PATH_SECONDARY; k++) {
				struct idx li = pi;

				idx_num(&li, (uint32_t)k);
				const char *router;
				char why[320];
				const struct er_observed *lobs = er_link_obs(cfg, obs, m->snap->evaluated_at, pc, (enum er_path)k,
				    &router, why, sizeof(why));

				add_row(m, T_LINK, &li, (uint16_t)k, cc, pc, NULL);
				for (fam = 0; lobs && fam < 2; fam++) {
					const struct er_prefix *sn = fam ? (pc->has_v6 ? &pc->v6[k - 1] : NULL)
					                                 : (pc->has_v4 ? &pc->v4[k - 1] : NULL);
					const struct er_bgp_neighbor *n;
					struct er_addr cust, msee;
					struct idx si = li;

					if (!sn)
						continue;
					er_link_addrs(sn, &cust, &msee);
					if (!(n = er_observed_neighbor(lobs, &msee)))
						continue;
					idx_addr(&si, &n->addr);
					add_row(m, T_SESSION, &si, (uint16_t)k, cc, pc, n);
				}
			}
		}
	}
}

static void
build_rows(struct er_mib *m)
{
	const struct er_snapshot *s = m->snap;
	const struct er_observed *obs = s->obs;
	struct idx zero = { { 0 }, 1 };
	size_t i;
	int t;

	add_row(m, T_SUMMARY, &zero, 0, NULL, NULL, NULL);
	add_row(m, T_SETTINGS, &zero, 0, NULL, NULL, NULL);
	build_config_rows(m);
	for (i = 0; i < s->n_results; i++) {
		const struct er_result *r = &s->results[i];
		struct idx x = { .n = 0 };

		idx_str(&x, r->circuit);
		idx_num(&x, r->peering);
		idx_num(&x, r->def->code);
		idx_num(&x, r->path);
		add_row(m, T_CHECK, &x, 0, r, NULL, NULL);
	}
	for (t = 0; obs && t < ER_SRC_COUNT; t++) {
		struct idx x = { { (uint32_t)t + 1 }, 1 };
		add_row(m, T_COLLECTOR, &x, (uint16_t)t, NULL, NULL, NULL);
	}
	if (obs && er_observed_ok(obs, ER_SRC_CONNTRACK))
		add_row(m, T_NAT_SCALARS, &zero, 0, NULL, NULL, NULL);
	for (i = 0; obs && i < obs->n_nat; i++) {
		struct idx x = { { (uint32_t)i + 1 }, 1 };
		add_row(m, T_NAT_RULE, &x, 0, &obs->nat[i], NULL, NULL);
	}
	for (i = 0; obs && i < obs->n_dscp; i++) {
		struct idx x = { { (uint32_t)i + 1 }, 1 };
		add_row(m, T_DSCP, &x, 0, &obs->dscp[i], NULL, NULL);
	}
	for (i = 0; obs && i < obs->n_queues; i++) {
		struct idx x = { .n = 0 };
		idx_str(&x, obs->queues[i].ifname);
		add_row(m, T_QUEUE, &x, 0, &obs->queues[i], NULL, NULL);
	}
	for (i = 0; i < s->cfg->n_groups; i++) {
		struct idx x = { .n = 0 };
		idx_str(&x, s->cfg->groups[i].name);
		add_row(m, T_RGROUP, &x, (uint16_t)i, &s->cfg->groups[i], NULL, NULL);
	}
	for (t = 0; t < T_COUNT; t++) {
		struct table *tb = &m->t[t];
		if (tb->n > 1)
			qsort_r(tb->rows, tb->n, sizeof(*tb->rows), row_cmp, m);
		m->instances += tb->n * (defs[t].last_col - defs[t].first_col + 1);
	}
}

struct er_mib *
er_mib_new(struct er_snapshot *snap)
{
	struct er_mib *m = xcalloc(1, sizeof(*m));

	m->snap = er_snapshot_ref(snap);
	build_rows(m);
	return m;
}

void
er_mib_free(struct er_mib *m)
{
	int t;

	if (!m)
		return;
	for (t = 0; t < T_COUNT; t++)
		free(m->t[t].rows);
	free(m->pool);
	er_snapshot_unref(m->snap);
	free(m);
}

const struct er_snapshot *
er_mib_snapshot(const struct er_mib *m)
{
	return m->snap;
}

size_t
er_mib_count(const struct er_mib *m)
{
	return m->instances;
}

/* ---- lookups ---- */

/* First row whose index is > (or >= when @p incl) the key. */
static size_t
row_lower(const struct er_mib *m, const struct table *tb, const uint32_t *key, size_t klen, bool incl)
{
	size_t lo = 0, hi = tb->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct row *r = &tb->rows[mid];
		int c = er_mib_oid_cmp(m->pool + r->off, r->len, key, klen);
		if (c < 0 || (c == 0 && !incl))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Which table and column a relative OID (under erObjects) names: -1 if none. */
static int
find_table(const uint32_t *rel, size_t len)
{
	int t;

	for (t = 0; t < T_COUNT; t++) {
		const struct table_def *d = &defs[t];
		if (len > d->prefix_len && !er_mib_oid_cmp(rel, d->prefix_len, d->prefix, d->prefix_len) &&
		    rel[d->prefix_len] >= d->first_col && rel[d->prefix_len] <= d->last_col)
			return t;
	}
	return -1;
}

enum er_mib_result
er_mib_get(const struct er_mib *m, const uint32_t *name, size_t len, struct er_mib_value *v)
{
	const uint32_t *rel;
	const struct table_def *d;
	const struct table *tb;
	size_t rl, i;
	int t;

	if (len < ER_MIB_ROOT_LEN + 2 || er_mib_oid_cmp(name, ER_MIB_ROOT_LEN, root, ER_MIB_ROOT_LEN) ||
	    name[ER_MIB_ROOT_LEN] != 1)
		return ER_MIB_NO_OBJECT;
	rel = name + ER_MIB_ROOT_LEN + 1;
	rl = len - ER_MIB_ROOT_LEN - 1;
	if ((t = find_table(rel, rl)) < 0)
		return ER_MIB_NO_OBJECT;
	d = &defs[t];
	tb = &m->t[t];
	rel += d->prefix_len + 1;
	rl -= d->prefix_len + 1;
	i = row_lower(m, tb, rel, rl, true);
	if (i == tb->n || er_mib_oid_cmp(m->pool + tb->rows[i].off, tb->rows[i].len, rel, rl))
		return ER_MIB_NO_INSTANCE;
	memset(v, 0, offsetof(struct er_mib_value, buf));
	if (d->get(m, &tb->rows[i], name[ER_MIB_ROOT_LEN + 1 + d->prefix_len], v) < 0)
		return ER_MIB_NO_INSTANCE;
	return ER_MIB_FOUND;
}

static bool
emit(const struct er_mib *m, int t, uint32_t col, size_t row, uint32_t *out, size_t *outlen, struct er_mib_value *v)
{
	const struct table_def *d = &defs[t];
	const struct row *r = &m->t[t].rows[row];
	size_t n = 0;

	memset(v, 0, offsetof(struct er_mib_value, buf));
	if (d->get(m, r, col, v) < 0)
		return false;
	if (ER_MIB_ROOT_LEN + 2 + d->prefix_len + r->len > ER_MIB_MAX_OID)
		return false;
	memcpy(out, root, sizeof(root));
	n = ER_MIB_ROOT_LEN;
	out[n++] = 1;
	memcpy(out + n, d->prefix, d->prefix_len * sizeof(uint32_t));
	n += d->prefix_len;
	out[n++] = col;
	memcpy(out + n, m->pool + r->off, r->len * sizeof(uint32_t));
	*outlen = n + r->len;
	return true;
}

/* The first instance of table @p t at column >= @p col, after @p key (if any). */
static bool
next_in_table(const struct er_mib *m, int t, uint32_t col, const uint32_t *key, size_t klen, bool have_key,
    bool incl, uint32_t *out, size_t *outlen, struct er_mib_value *v)
{
	const struct table_def *d = &defs[t];
	const struct table *tb = &m->t[t];
	uint32_t c;

	if (col < d->first_col) {
		col = d->first_col;
		have_key = false;
	}
	for (c = col; c <= d->last_col; c++) {
		size_t i = (c == col && have_key) ? row_lower(m, tb, key, klen, incl) : 0;
		for (; i < tb->n; i++)
			if (emit(m, t, c, i, out, outlen, v))
				return true;
	}
	return false;
}

enum er_mib_result
er_mib_next(const struct er_mib *m, const uint32_t *name, size_t len, bool inclusive, uint32_t *out,
    size_t *outlen, struct er_mib_value *v)
{
	static const uint32_t objects[] = { ER_MIB_ROOT, 1 };
	const uint32_t *rel = NULL;
	size_t rl = 0;
	int t, c;

	c = er_mib_oid_cmp(name, len < ER_MIB_ROOT_LEN + 1 ? len : ER_MIB_ROOT_LEN + 1, objects, ER_MIB_ROOT_LEN + 1);
	if (c > 0)
		return ER_MIB_END;
	if (c == 0 && len > ER_MIB_ROOT_LEN + 1) {
		rel = name + ER_MIB_ROOT_LEN + 1;
		rl = len - ER_MIB_ROOT_LEN - 1;
	}
	/* else: before erObjects (or erObjects itself): the first instance of all */
	for (t = 0; t < T_COUNT; t++) {
		const struct table_def *d = &defs[t];
		size_t n = rl < d->prefix_len ? rl : d->prefix_len;
		int k = er_mib_oid_cmp(rel, n, d->prefix, n);

		if (!rel || k < 0 || (k == 0 && rl <= d->prefix_len)) {
			/* the request is before this table: its first instance */
			if (next_in_table(m, t, 0, NULL, 0, false, false, out, outlen, v))
				return ER_MIB_FOUND;
			continue;
		}
		if (k > 0)
			continue; /* after this table */
		/* inside the table's subtree */
		if (next_in_table(m, t, rel[d->prefix_len], rel + d->prefix_len + 1, rl - d->prefix_len - 1, true,
		        inclusive, out, outlen, v))
			return ER_MIB_FOUND;
	}
	return ER_MIB_END;
}

void
er_mib_target(const struct er_mib *m, const uint32_t *name, size_t len, struct er_mib_target *tg)
{
	const uint32_t *rel;
	size_t rl, i;
	int t;
	uint32_t col;
	const struct table *tb;
	const struct row *r;

	memset(tg, 0, sizeof(*tg));
	if (len < ER_MIB_ROOT_LEN + 3 || er_mib_oid_cmp(name, ER_MIB_ROOT_LEN, root, ER_MIB_ROOT_LEN) ||
	    name[ER_MIB_ROOT_LEN] != 1)
		return;
	rel = name + ER_MIB_ROOT_LEN + 1;
	rl = len - ER_MIB_ROOT_LEN - 1;
	if ((t = find_table(rel, rl)) < 0)
		return;
	col = rel[defs[t].prefix_len];
	if (!((t == T_SETTINGS && col == 1) || (t == T_CIRCUIT && col == 12) || (t == T_PEERING && col == 23)))
		return;
	tg->what = t == T_SETTINGS ? ER_MIB_W_POLL_INTERVAL : t == T_CIRCUIT ? ER_MIB_W_MAINTENANCE : ER_MIB_W_LIMIT_WARN;
	rel += defs[t].prefix_len + 1;
	rl -= defs[t].prefix_len + 1;
	tb = &m->t[t];
	i = row_lower(m, tb, rel, rl, true);
	if (i == tb->n || er_mib_oid_cmp(m->pool + tb->rows[i].off, tb->rows[i].len, rel, rl))
		return;
	r = &tb->rows[i];
	tg->exists = true;
	if (t == T_CIRCUIT || t == T_PEERING)
		snprintf(tg->circuit, sizeof(tg->circuit), "%s", ((const struct er_circuit_cfg *)r->a)->name);
	if (t == T_PEERING)
		tg->peering = ((const struct er_peering_cfg *)r->b)->type;
}
