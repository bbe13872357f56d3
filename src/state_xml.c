#include "state_xml.h"

#include <libyang/libyang.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "datastore.h"
#include "model.h"
#include "observed.h"
#include "partner.h"
#include "state_tree.h"

#define RD "/" ER_YANG_MODULE ":expressroute/readiness"
#define LINK "/" ER_YANG_MODULE ":expressroute/circuit/peering/state/link"

/*
 * Leaves whose canonical form (and validity) is libyang's to say
 * (date-and-time, ip-address, ip-prefix, a patterned string): one memo each.
 */
enum canon_slot {
	CANON_LAST_EVAL,
	CANON_SINCE,
	CANON_XLAT,
	CANON_LINK_ADDR,
	CANON_NEIGHBOR,
	CANON_LOCAL_ADDR,
	CANON_ROUTE,
	CANON_N
};
static const char *const canon_path[CANON_N] = { RD "/last-evaluation", RD "/check/since", RD "/nat/rule/translated",
	LINK "/address", LINK "/bgp-session/neighbor-address", LINK "/bgp-session/local-address",
	LINK "/bgp-session/advertised-route/prefix" };

struct px {
	struct er_buf *out;
	const struct ly_ctx *ctx;
	er_state_xml_may_read may_read;
	void *arg;
	int bad;
	struct {
		const struct lysc_node *schema;
		char in[64], out[96];
		bool set;
	} canon[CANON_N];
	/* leaf_const: the printed leaves of constant strings (a check's name, rule, area...), by address */
	struct {
		const char *name, *v;
		char *xml;
		size_t len;
	} memo[256];
	size_t n_memo;
};

/* Append @p n bytes: in place while the buffer has room (a 10,000-session reply is ~1.6 million leaves). */
static inline void
put(struct px *p, const char *s, size_t n)
{
	struct er_buf *b = p->out;

	if (n && b->off + b->len + n <= b->cap) {
		memcpy(b->p + b->off + b->len, s, n);
		b->len += n;
	} else {
		er_buf_add(b, s, n);
	}
}

#define PUTS(p, lit) put((p), (lit), sizeof(lit) - 1)

/* Length of a valid UTF-8 sequence at @p s (not a control character), or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n, i;
	unsigned cp;

	if (c < 0x80)
		return c >= 0x20 || c == '\t' || c == '\n' || c == '\r' ? (c == 0x7f ? 0 : 1) : 0;
	if ((c & 0xe0) == 0xc0)
		n = 2, cp = c & 0x1f;
	else if ((c & 0xf0) == 0xe0)
		n = 3, cp = c & 0x0f;
	else if ((c & 0xf8) == 0xf0)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF and the C1 controls are left to libyang */
	if ((n == 2 && cp < 0xa0) || (n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* Text content as libyang's lyxml_dump_text() writes it: &, < and > escaped. */
static void
text(struct px *p, const char *v)
{
	const unsigned char *s = (const unsigned char *)v, *run = s;

	for (;;) {
		size_t n;
		const char *esc = NULL;
		unsigned c = *s;

		/* the common case: printable ASCII that needs no escape */
		if (c >= 0x20 && c < 0x7f && c != '&' && c != '<' && c != '>') {
			s++;
			continue;
		}
		if (!c)
			break;
		if (c == '&')
			esc = "&amp;";
		else if (c == '<')
			esc = "&lt;";
		else if (c == '>')
			esc = "&gt;";
		if (esc) {
			put(p, (const char *)run, (size_t)(s - run));
			put(p, esc, strlen(esc));
			run = ++s;
			continue;
		}
		if (!(n = utf8_len(s))) {
			p->bad = 1;
			return;
		}
		s += n;
	}
	put(p, (const char *)run, (size_t)(s - run));
}

/* <name>value</name>, or <name/> for an empty value (libyang's xml_print_term) */
static void
leaf(struct px *p, const char *name, const char *v)
{
	size_t n = strlen(name);

	put(p, "<", 1);
	put(p, name, n);
	if (!v[0]) {
		PUTS(p, "/>");
		return;
	}
	put(p, ">", 1);
	text(p, v);
	PUTS(p, "</");
	put(p, name, n);
	put(p, ">", 1);
}

/*
 * leaf() of a string that does not change while the printer runs (a
 * check's name, rule, area and severity, the name of a status): printed
 * once and copied after. At 10,000 sessions the same 60-odd rules are
 * printed 135,000 times, about a third of the reply.
 */
static void
leaf_const(struct px *p, const char *name, const char *v)
{
	size_t h = (((uintptr_t)v >> 3) ^ ((uintptr_t)name >> 3)) % ARRAY_SIZE(p->memo);
	struct er_buf *out = p->out, tmp = { 0 };

	while (p->memo[h].v && (p->memo[h].v != v || p->memo[h].name != name))
		h = (h + 1) % ARRAY_SIZE(p->memo);
	if (p->memo[h].v) {
		put(p, p->memo[h].xml, p->memo[h].len);
		return;
	}
	if (p->n_memo >= ARRAY_SIZE(p->memo) / 2) {
		leaf(p, name, v); /* the table is for a catalogue's worth */
		return;
	}
	p->out = &tmp;
	leaf(p, name, v);
	p->out = out;
	if (p->bad) {
		er_buf_free(&tmp);
		return;
	}
	p->memo[h].name = name;
	p->memo[h].v = v;
	p->memo[h].xml = tmp.p;
	p->memo[h].len = tmp.len;
	p->n_memo++;
	put(p, tmp.p, tmp.len);
}

/* The end of a print into @p p->out begun at @p start: 0, or -1 with nothing appended when a value was refused. */
static int
finish(struct px *p, size_t start)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(p->memo); i++)
		free(p->memo[i].xml);
	if (p->bad) {
		p->out->len = start;
		return -1;
	}
	return 0;
}

static void leaf_canon(struct px *p, enum canon_slot slot, const char *name, const char *v);

/*
 * An address leaf (inet:ip-address). An IPv4 address as inet_ntop writes
 * it is already libyang's canonical form and valid: printed as is (at
 * 10,000 sessions two thirds of the circuit state's time was libyang
 * checking them one by one); IPv6 and anything else ask libyang.
 */
static void
leaf_addr(struct px *p, enum canon_slot slot, const char *name, const struct er_addr *a)
{
	char buf[ER_PREFIX_STRLEN];

	er_addr_str(a, buf, sizeof(buf));
	if (a->family == ER_AF_INET)
		leaf(p, name, buf);
	else
		leaf_canon(p, slot, name, buf);
}

/* An inet:ip-prefix leaf: an IPv4 network without host bits is canonical as printed; the rest asks libyang. */
static void
leaf_prefix(struct px *p, enum canon_slot slot, const char *name, const struct er_prefix *pf)
{
	char buf[ER_PREFIX_STRLEN];
	struct er_prefix net;

	er_prefix_str(pf, buf, sizeof(buf));
	er_prefix_network(pf, &net);
	if (pf->addr.family == ER_AF_INET && pf->len <= 32 && !memcmp(net.addr.bytes, pf->addr.bytes, 4))
		leaf(p, name, buf);
	else
		leaf_canon(p, slot, name, buf);
}

static void
leaf_u(struct px *p, const char *name, unsigned long long v)
{
	char b[24], *d = b + sizeof(b) - 1;

	/* decimal, as "%llu" writes it */
	*d = '\0';
	do
		*--d = (char)('0' + v % 10);
	while ((v /= 10));
	leaf(p, name, d);
}

/* @p v in libyang's canonical form for the leaf of @p slot. */
static void
leaf_canon(struct px *p, enum canon_slot slot, const char *name, const char *v)
{
	const char *c = NULL;

	if (!p->canon[slot].set || strcmp(p->canon[slot].in, v)) {
		if (!p->canon[slot].schema &&
		    !(p->canon[slot].schema = lys_find_path(p->ctx, NULL, canon_path[slot], 0))) {
			p->bad = 1;
			return;
		}
		if (strlen(v) >= sizeof(p->canon[slot].in) ||
		    lyd_value_validate(p->ctx, p->canon[slot].schema, v, strlen(v), NULL, NULL, &c) != LY_SUCCESS || !c ||
		    strlen(c) >= sizeof(p->canon[slot].out)) {
			if (c)
				lydict_remove(p->ctx, c);
			p->bad = 1;
			return;
		}
		snprintf(p->canon[slot].in, sizeof(p->canon[slot].in), "%s", v);
		snprintf(p->canon[slot].out, sizeof(p->canon[slot].out), "%s", c);
		p->canon[slot].set = true;
		lydict_remove(p->ctx, c);
	}
	leaf(p, name, p->canon[slot].out);
}

static bool
readable(struct px *p, const char *path, const char *key)
{
	return !p->may_read || p->may_read(p->arg, path, key);
}

/* readiness opens when its first child is printed: libyang leaves out an empty container */
static void
open_rd(struct px *p, bool *open)
{
	if (!*open)
		PUTS(p, "<readiness>");
	*open = true;
}

static void
summary(struct px *p, const struct er_snapshot *s, bool *open)
{
	static const char *const name[] = { "checks-pass", "checks-warn", "checks-fail", "checks-unknown" };
	static const enum er_status st[] = { ER_PASS, ER_WARN, ER_FAIL, ER_UNKNOWN };
	char ts[32], path[128];
	size_t i;

	if (readable(p, RD "/readiness", NULL)) {
		open_rd(p, open);
		leaf(p, "readiness", er_readiness_name(s->overall.readiness));
	}
	if (readable(p, RD "/last-evaluation", NULL)) {
		open_rd(p, open);
		leaf_canon(p, CANON_LAST_EVAL, "last-evaluation", er_time_str(s->evaluated_at, ts, sizeof(ts)));
	}
	for (i = 0; i < ARRAY_SIZE(name); i++) {
		snprintf(path, sizeof(path), RD "/%s", name[i]);
		if (readable(p, path, NULL)) {
			open_rd(p, open);
			leaf_u(p, name[i], s->overall.count[st[i]]);
		}
	}
}

static void
collectors(struct px *p, const struct er_snapshot *s, bool *open)
{
	int src;

	for (src = 0; src < ER_SRC_COUNT; src++) {
		const struct er_source_status *ss = &s->obs->src[src];
		const char *name = er_source_name((enum er_source)src);

		if (!readable(p, RD "/collector", name))
			continue;
		open_rd(p, open);
		PUTS(p, "<collector>");
		leaf(p, "source", name);
		if (ss->daemon[0])
			leaf(p, "daemon", ss->daemon);
		leaf(p, "status", er_collector_status_name(ss->status ? ss->status : ER_COLL_DISABLED));
		if (ss->message[0])
			leaf(p, "message", ss->message);
		else if (!ss->status)
			leaf(p, "message", "not collected");
		leaf_u(p, "duration", ss->duration_ms);
		PUTS(p, "</collector>");
	}
}

static void
checks(struct px *p, const struct er_snapshot *s, bool lean, bool *open)
{
	long long since = 0;
	char ts[32] = "";
	size_t i;

	/* room for all of them at once (about 520 bytes each whole, 200 lean): no copy as the buffer grows */
	if (s->n_results)
		er_buf_space(p->out, s->n_results * (lean ? 200 : 520));
	for (i = 0; i < s->n_results && !p->bad; i++) {
		const struct er_result *r = &s->results[i];
		char id[256];

		er_result_id(r, id, sizeof(id));
		if (!readable(p, RD "/check", id))
			continue;
		open_rd(p, open);
		PUTS(p, "<check>");
		leaf(p, "id", id);
		if (!lean)
			leaf_const(p, "name", r->def->name);
		leaf_u(p, "code", r->def->code);
		if (!lean)
			leaf_const(p, "area", er_area_name(r->def->area));
		if (r->circuit[0])
			leaf(p, "circuit", r->circuit);
		if (r->peering)
			leaf(p, "peering", er_peering_name(r->peering));
		if (r->path)
			leaf_const(p, "path", er_path_name(r->path));
		leaf_const(p, "status", er_status_name(r->status));
		if (!lean)
			leaf_const(p, "severity", er_severity_name(r->def->severity));
		if (r->detail[0])
			leaf(p, "detail", r->detail);
		if (!lean) {
			leaf_const(p, "rule", r->def->rule);
			/* most results share their evaluation's time: formatted once per value */
			if (!ts[0] || r->since != since)
				er_time_str((since = r->since), ts, sizeof(ts));
			leaf_canon(p, CANON_SINCE, "since", ts);
		}
		PUTS(p, "</check>");
	}
}

static void
nat(struct px *p, const struct er_observed *obs, bool *open)
{
	char idx[24], buf[ER_PREFIX_STRLEN];
	bool any = false;
	size_t i, j;

	if (!readable(p, RD "/nat", NULL))
		return;
	for (i = 0; i < obs->n_nat; i++) {
		const struct er_nat_rule *r = &obs->nat[i];

		snprintf(idx, sizeof(idx), "%zu", i + 1);
		if (!readable(p, RD "/nat/rule", idx))
			continue;
		open_rd(p, open);
		if (!any)
			PUTS(p, "<nat>");
		any = true;
		PUTS(p, "<rule>");
		leaf(p, "index", idx);
		if (r->family[0])
			leaf(p, "family", r->family);
		if (r->hook[0])
			leaf(p, "hook", r->hook);
		if (r->oif[0])
			leaf(p, "output-interface", r->oif);
		leaf(p, "action", r->action == ER_NAT_MASQUERADE ? "masquerade" : "snat");
		for (j = 0; j < r->n_xlat; j++)
			leaf_canon(p, CANON_XLAT, "translated", er_prefix_str(&r->xlat[j], buf, sizeof(buf)));
		leaf_u(p, "packets", (unsigned long long)r->packets);
		PUTS(p, "</rule>");
	}
	if (er_observed_ok(obs, ER_SRC_CONNTRACK)) {
		open_rd(p, open);
		if (!any)
			PUTS(p, "<nat>");
		any = true;
		leaf_u(p, "conntrack-count", obs->conntrack_count);
		leaf_u(p, "conntrack-max", obs->conntrack_max);
	}
	if (any)
		PUTS(p, "</nat>");
}

static void
qos(struct px *p, const struct er_observed *obs, bool *open)
{
	static const char *const match[] = { "any", "dscp-in", "dscp-not-in", "other" };
	char idx[24];
	bool any = false;
	size_t i;
	int v;

	if (!readable(p, RD "/qos", NULL))
		return;
	for (i = 0; i < obs->n_dscp; i++) {
		const struct er_dscp_rule *r = &obs->dscp[i];

		snprintf(idx, sizeof(idx), "%zu", i + 1);
		if (!readable(p, RD "/qos/dscp-rule", idx))
			continue;
		open_rd(p, open);
		if (!any)
			PUTS(p, "<qos>");
		any = true;
		PUTS(p, "<dscp-rule>");
		leaf(p, "index", idx);
		if (r->ifname[0])
			leaf(p, "interface", r->ifname);
		leaf(p, "direction", r->dir == ER_DIR_INGRESS ? "ingress" : "egress");
		leaf_u(p, "set-dscp", r->set_dscp);
		leaf(p, "match", match[r->match]);
		for (v = 0; v < 64; v++)
			if (r->match_set & (1ull << v))
				leaf_u(p, "match-dscp", (unsigned long long)v);
		leaf_u(p, "packets", (unsigned long long)r->packets);
		PUTS(p, "</dscp-rule>");
	}
	for (i = 0; i < obs->n_queues; i++) {
		const struct er_queue *q = &obs->queues[i];

		if (!readable(p, RD "/qos/queue", q->ifname))
			continue;
		open_rd(p, open);
		if (!any)
			PUTS(p, "<qos>");
		any = true;
		PUTS(p, "<queue>");
		leaf(p, "interface", q->ifname);
		if (q->qdisc[0])
			leaf(p, "qdisc", q->qdisc);
		leaf(p, "classful", q->classful ? "true" : "false");
		leaf(p, "ef-priority-class", q->ef_priority ? "true" : "false");
		if (q->rate_bps)
			leaf_u(p, "rate", (unsigned long long)q->rate_bps);
		PUTS(p, "</queue>");
	}
	if (any)
		PUTS(p, "</qos>");
}

/* ---- the answer to a partner's fetch (er_state_xml_partner) ---- */

/*
 * The advertised routes of @p n, sorted by prefix (er_observed_finalize).
 * Two entries with one prefix are one list key twice: libyang refuses the
 * tree, so this printer refuses too (the caller then builds it, as before).
 */
static void
routes(struct px *p, const struct er_bgp_neighbor *n)
{
	size_t i;

	for (i = 0; n->have_adv && i < n->n_adv && !p->bad; i++) {
		const struct er_route *r = &n->adv[i];
		const uint32_t *path = er_route_path(n, r);
		char asp[256] = "";
		unsigned k;

		if (i && !er_prefix_cmp(&n->adv[i - 1].pfx, &r->pfx)) {
			p->bad = 1;
			break;
		}
		for (k = 0; k < r->path_len; k++)
			strlcatf(asp, sizeof(asp), "%s%u", k ? " " : "", path[k]);
		PUTS(p, "<advertised-route>");
		leaf_prefix(p, CANON_ROUTE, "prefix", &r->pfx);
		leaf(p, "as-path", asp);
		PUTS(p, "</advertised-route>");
	}
}

/* One bgp-session entry, as state_tree.c session() builds it. */
static void
session(struct px *p, const struct er_bgp_neighbor *n, const struct er_observed *obs)
{
	const struct er_bfd_peer *b = er_observed_bfd(obs, &n->addr);

	PUTS(p, "<bgp-session>");
	leaf_addr(p, CANON_NEIGHBOR, "neighbor-address", &n->addr);
	if (n->local.family)
		leaf_addr(p, CANON_LOCAL_ADDR, "local-address", &n->local);
	if (n->state)
		leaf(p, "state", er_bgp_state_name(n->state));
	leaf_u(p, "uptime", n->uptime);
	if (n->remote_as)
		leaf_u(p, "remote-as", n->remote_as);
	if (n->local_as)
		leaf_u(p, "local-as", n->local_as);
	if (n->hold_time)
		leaf_u(p, "hold-time", n->hold_time);
	if (n->keepalive)
		leaf_u(p, "keepalive", n->keepalive);
	leaf_u(p, "prefixes-received", n->have_rcv ? (unsigned)n->n_rcv : n->pfx_rcvd[ER_AFI_V4] + n->pfx_rcvd[ER_AFI_V6]);
	leaf_u(p, "prefixes-advertised", er_neighbor_adv_count(n, ER_AFI_V4) + er_neighbor_adv_count(n, ER_AFI_V6));
	leaf(p, "bfd-state", er_bfd_state_name(b ? b->state : ER_BFD_NONE));
	if (n->last_error[0])
		leaf(p, "last-error", n->last_error);
	routes(p, n);
	PUTS(p, "</bgp-session>");
}

/*
 * Link @p k (0 primary, 1 secondary) of peering @p pc, as state_tree.c
 * links() builds it: observed here (@p router NULL, @p obs this router's
 * state) or on partner @p router (@p obs its data when fresh, else NULL).
 */
static void
link_state(struct px *p, const struct er_snapshot *s, const struct er_peering_cfg *pc, int k, const char *router,
    const struct er_observed *obs)
{
	static const char *const oper[] = { "unknown", "up", "down", "lower-layer-down" };
	const struct er_interface *ifp = er_observed_interface(obs, pc->ifname[k]);
	char buf[ER_PREFIX_STRLEN];
	size_t i;
	int fam;

	PUTS(p, "<link>");
	leaf(p, "path", k ? "secondary" : "primary");
	leaf(p, "observed-by", router ? router : "local");
	if (router) {
		const struct er_partner_view *pv = er_observed_partner(s->obs, router);
		if (pv && pv->evaluated_at)
			leaf_u(p, "observed-age", er_partner_view_age(pv, s->evaluated_at));
	} else {
		leaf(p, "observed-age", "0");
	}
	if (!obs) {
		if (pc->ifname[k][0])
			leaf(p, "interface", pc->ifname[k]);
		PUTS(p, "</link>");
		return;
	}
	if (pc->ifname[k][0]) {
		leaf(p, "interface", pc->ifname[k]);
		if (er_observed_ok(obs, ER_SRC_INTERFACES))
			leaf(p, "oper-status", ifp ? oper[ifp->oper] : "not-present");
	}
	if (ifp) {
		if (ifp->mtu)
			leaf_u(p, "mtu", ifp->mtu);
		if (ifp->vlan_id)
			leaf_u(p, "vlan-id", ifp->vlan_id);
		/* address-and-prefix-length is a string: what er_prefix_str writes for an address matches its pattern */
		for (i = 0; i < ifp->n_addrs; i++) {
			er_prefix_str(&ifp->addrs[i], buf, sizeof(buf));
			if (ifp->addrs[i].addr.family == ER_AF_INET || ifp->addrs[i].addr.family == ER_AF_INET6)
				leaf(p, "address", buf);
			else
				leaf_canon(p, CANON_LINK_ADDR, "address", buf);
		}
	}
	for (fam = 0; fam < 2; fam++) {
		const struct er_bgp_neighbor *n;
		if (er_link_session(obs, pc, k, fam, &n) && n)
			session(p, n, obs);
	}
	PUTS(p, "</link>");
}

/*
 * The circuits with a link observed here: their keys, and under each
 * peering's state those links whole (what <link><observed-by>local
 * </observed-by></link> selects).
 */
static void
local_links(struct px *p, const struct er_snapshot *s)
{
	const struct er_config *cfg = s->cfg;
	size_t c, j;
	int k;

	for (c = 0; c < cfg->n_circuits && !p->bad; c++) {
		const struct er_circuit_cfg *cc = &cfg->circuits[c];
		bool circuit_open = false;

		for (j = 0; j < cc->n_peerings; j++) {
			const struct er_peering_cfg *pc = &cc->peerings[j];
			bool peering_open = false;

			for (k = 0; k < 2; k++) {
				if (er_peering_router(cfg, pc, (enum er_path)(k + 1)))
					continue; /* on a partner: not this router's to tell */
				if (!circuit_open) {
					PUTS(p, "<circuit>");
					leaf(p, "name", cc->name);
					circuit_open = true;
				}
				if (!peering_open) {
					PUTS(p, "<peering>");
					leaf(p, "type", er_peering_name(pc->type));
					PUTS(p, "<state>");
					peering_open = true;
				}
				link_state(p, s, pc, k, NULL, s->obs);
			}
			if (peering_open)
				PUTS(p, "</state></peering>");
		}
		if (circuit_open)
			PUTS(p, "</circuit>");
	}
}

/* The results (of path @p only, unless ER_PATH_NONE): id, [path,] status and detail. */
static void
partner_checks(struct px *p, const struct er_snapshot *s, enum er_path only)
{
	size_t i;

	for (i = 0; i < s->n_results && !p->bad; i++) {
		const struct er_result *r = &s->results[i];
		char id[256];

		if (only && r->path != only)
			continue;
		PUTS(p, "<check>");
		leaf(p, "id", er_result_id(r, id, sizeof(id)));
		if (only)
			leaf_const(p, "path", er_path_name(r->path));
		leaf_const(p, "status", er_status_name(r->status));
		if (r->detail[0])
			leaf(p, "detail", r->detail);
		PUTS(p, "</check>");
	}
}

int
er_state_xml_partner(const struct er_snapshot *s, const struct ly_ctx *ctx, enum er_path only, struct er_buf *out)
{
	struct px p;
	size_t start = out->len;
	char ts[32];
	bool open = false;

	memset(&p, 0, sizeof(p));
	p.out = out;
	p.ctx = ctx;
	PUTS(&p, "<expressroute xmlns=\"" ER_YANG_NS "\">");
	local_links(&p, s);
	open_rd(&p, &open);
	leaf_canon(&p, CANON_LAST_EVAL, "last-evaluation", er_time_str(s->evaluated_at, ts, sizeof(ts)));
	collectors(&p, s, &open);
	partner_checks(&p, s, only);
	PUTS(&p, "</readiness></expressroute>");
	return finish(&p, start);
}

/* ---- the config of a full <get> with the state of its lists spliced in (er_state_xml_splice) ---- */

/* peering/state: both links, wherever each is observed (state_tree.c links()) */
static void
peering_state(struct px *p, const struct er_snapshot *s, const struct er_peering_cfg *pc)
{
	int k;

	PUTS(p, "<state>");
	for (k = 0; k < 2 && !p->bad; k++) {
		const char *router;
		char why[320];
		const struct er_observed *obs =
		    er_link_obs(s->cfg, s->obs, s->evaluated_at, pc, (enum er_path)(k + 1), &router, why, sizeof(why));
		link_state(p, s, pc, k, router, obs);
	}
	PUTS(p, "</state>");
}

/* circuit/state: the circuit's summary (state_tree.c summary()) */
static void
circuit_state(struct px *p, const struct er_summary *sum, long long at)
{
	char ts[32];

	PUTS(p, "<state>");
	leaf(p, "readiness", er_readiness_name(sum->readiness));
	leaf_canon(p, CANON_LAST_EVAL, "last-evaluation", er_time_str(at, ts, sizeof(ts)));
	leaf_u(p, "checks-pass", sum->count[ER_PASS]);
	leaf_u(p, "checks-warn", sum->count[ER_WARN]);
	leaf_u(p, "checks-fail", sum->count[ER_FAIL]);
	leaf_u(p, "checks-unknown", sum->count[ER_UNKNOWN]);
	PUTS(p, "</state>");
}

/* resiliency-group/state (state_tree.c resiliency()) */
static void
group_state(struct px *p, const struct er_snapshot *s, size_t i)
{
	PUTS(p, "<state>");
	leaf(p, "tier-intended", er_res_tier_name(s->cfg->groups[i].intended));
	leaf(p, "tier-reached", er_res_tier_name(s->groups[i].reached));
	if (s->groups[i].reason[0])
		leaf(p, "reason", s->groups[i].reason);
	PUTS(p, "</state>");
}

/* agent/partner/state (state_tree.c resiliency()) */
static void
partner_state(struct px *p, const struct er_snapshot *s, const struct er_partner_cfg *pc)
{
	const struct er_partner_view *pv = er_observed_partner(s->obs, pc->name);
	char why[320];
	bool fresh;

	PUTS(p, "<state>");
	if (!pv) {
		leaf(p, "status", "not-contacted");
		PUTS(p, "</state>");
		return;
	}
	fresh = er_partner_view_fresh(pv, s->evaluated_at, s->cfg->agent.poll_interval, why, sizeof(why));
	leaf(p, "status", er_partner_status_name(!fresh && pv->status == ER_PARTNER_OK ? ER_PARTNER_STALE : pv->status));
	if (!fresh)
		leaf(p, "message", why);
	if (pv->evaluated_at)
		leaf_u(p, "data-age", er_partner_view_age(pv, s->evaluated_at));
	leaf_u(p, "duration", pv->duration_ms);
	leaf_u(p, "bytes", pv->bytes);
	PUTS(p, "</state>");
}

/* The list entries whose state is spliced in (the state container is the last child of each). */
enum entry { E_NONE, E_CIRCUIT, E_PEERING, E_GROUP, E_PARTNER };

/* An open element of the config text, down to the depth spliced. */
struct open_el {
	const char *name;
	size_t n;
	enum entry kind;
	bool keyed; /* its key leaf was read and found in the snapshot's config */
	size_t idx;  /* there: circuits[], its circuit's peerings[], groups[], agent.partners[] */
};

static bool
name_is(const char *name, size_t n, const char *lit)
{
	return strlen(lit) == n && !memcmp(name, lit, n);
}

/* Which entry element @p name opens at @p depth (0: /expressroute), under @p open[0 .. depth-1]. */
static enum entry
entry_of(const struct open_el *open, size_t depth, const char *name, size_t n)
{
	if (depth == 1 && name_is(name, n, "circuit"))
		return E_CIRCUIT;
	if (depth == 1 && name_is(name, n, "resiliency-group"))
		return E_GROUP;
	if (depth == 2 && open[1].kind == E_CIRCUIT && name_is(name, n, "peering"))
		return E_PEERING;
	if (depth == 2 && name_is(open[1].name, open[1].n, "agent") && name_is(name, n, "partner"))
		return E_PARTNER;
	return E_NONE;
}

/* The text of the element that starts at @p t (a key leaf: no markup inside), into @p buf; false if unusual. */
static bool
key_text(const char *t, const char *end, char *buf, size_t len)
{
	const char *gt = memchr(t, '>', (size_t)(end - t)), *lt;
	size_t n;

	if (!gt || gt[-1] == '/' || !(lt = memchr(gt, '<', (size_t)(end - gt))))
		return false;
	n = (size_t)(lt - gt - 1);
	if (n >= len || memchr(gt + 1, '&', n))
		return false; /* an escaped key: compared as text it could not be found */
	memcpy(buf, gt + 1, n);
	buf[n] = '\0';
	return true;
}

/*
 * The index of the entry named @p key among the @p n entries of @p base
 * (each @p size bytes, the name a char array at @p off), looked for from
 * @p hint on first: the text lists them in the config's order. @p n if none.
 */
static size_t
find_named(const void *base, size_t n, size_t size, size_t off, const char *key, size_t hint)
{
	size_t i;

	for (i = hint; i < n; i++)
		if (!strcmp((const char *)base + i * size + off, key))
			return i;
	for (i = 0; i < hint && i < n; i++)
		if (!strcmp((const char *)base + i * size + off, key))
			return i;
	return n;
}

/*
 * Entry @p e's key leaf starts at @p lt: find the entry in the snapshot's
 * config (@p parent: the circuit of a peering). False when it is not there.
 */
static bool
key_entry(const struct er_config *cfg, struct open_el *e, const struct open_el *parent, const char *lt, const char *end,
    size_t *hint)
{
	const struct er_circuit_cfg *cc;
	char key[128];
	size_t n = 0;

	if (!key_text(lt, end, key, sizeof(key)))
		return false;
	switch (e->kind) {
	case E_CIRCUIT:
		n = cfg->n_circuits;
		e->idx = find_named(cfg->circuits, n, sizeof(*cfg->circuits), offsetof(struct er_circuit_cfg, name), key,
		    hint[E_CIRCUIT]);
		break;
	case E_GROUP:
		n = cfg->n_groups;
		e->idx = find_named(cfg->groups, n, sizeof(*cfg->groups), offsetof(struct er_group_cfg, name), key,
		    hint[E_GROUP]);
		break;
	case E_PARTNER:
		n = cfg->agent.n_partners;
		e->idx = find_named(cfg->agent.partners, n, sizeof(*cfg->agent.partners),
		    offsetof(struct er_partner_cfg, name), key, hint[E_PARTNER]);
		break;
	case E_PEERING:
		cc = &cfg->circuits[parent->idx];
		n = cc->n_peerings;
		for (e->idx = 0; e->idx < n && strcmp(er_peering_name(cc->peerings[e->idx].type), key); e->idx++)
			;
		break;
	case E_NONE:
		return false;
	}
	if (e->idx == n)
		return false; /* in running, not in the config evaluated */
	hint[e->kind] = e->idx + 1;
	e->keyed = true;
	return true;
}

/* The state container of entry @p e (under @p parent), printed from @p s. */
static void
entry_state(struct px *p, const struct er_snapshot *s, const struct open_el *e, const struct open_el *parent)
{
	switch (e->kind) {
	case E_CIRCUIT:
		circuit_state(p, &s->circuit[e->idx], s->evaluated_at);
		break;
	case E_PEERING:
		peering_state(p, s, &s->cfg->circuits[parent->idx].peerings[e->idx]);
		break;
	case E_GROUP:
		group_state(p, s, e->idx);
		break;
	case E_PARTNER:
		partner_state(p, s, &s->cfg->agent.partners[e->idx]);
		break;
	case E_NONE:
		break;
	}
}

int
er_state_xml_splice(const struct er_snapshot *s, const struct ly_ctx *ctx, const char *config, size_t len,
    struct er_buf *out)
{
	const struct er_config *cfg = s->cfg;
	const char *t = config, *end = config + len, *run = config;
	size_t start = out->len, depth = 0, matched = 0, hint[E_PARTNER + 1] = { 0 };
	size_t want = cfg->n_circuits + cfg->n_groups + cfg->agent.n_partners, i;
	struct open_el open[4];
	struct px p;

	for (i = 0; i < cfg->n_circuits; i++)
		want += cfg->circuits[i].n_peerings;
	memset(&p, 0, sizeof(p));
	memset(open, 0, sizeof(open));
	p.out = out;
	p.ctx = ctx;
	er_buf_space(out, len + len / 2);
	while (t < end && !p.bad) {
		const char *lt = memchr(t, '<', (size_t)(end - t)), *name, *gt;
		char q = 0;
		size_t n;
		bool close;

		if (!lt)
			break;
		if (lt + 1 >= end || lt[1] == '!' || lt[1] == '?') {
			p.bad = 1; /* libyang prints neither comments nor CDATA nor PIs: not its print */
			break;
		}
		close = lt[1] == '/';
		name = lt + 1 + close;
		for (gt = name; gt < end && *gt != '>' && *gt != ' ' && *gt != '/'; gt++)
			;
		n = (size_t)(gt - name);
		/* the end of the tag: attribute values (namespaces) are quoted and may hold anything */
		for (; gt < end && (q || *gt != '>'); gt++)
			if (*gt == '"' || *gt == '\'')
				q = q == *gt ? 0 : q ? q : *gt;
		if (gt >= end || (close && !depth)) {
			p.bad = 1;
			break;
		}
		t = gt + 1;
		if (close) {
			struct open_el *e = --depth < ARRAY_SIZE(open) ? &open[depth] : NULL;
			if (!e || !e->kind)
				continue;
			if (!e->keyed) {
				p.bad = 1;
				break;
			}
			/* the state container is the entry's last child: it goes before the end tag */
			put(&p, run, (size_t)(lt - run));
			run = lt;
			entry_state(&p, s, e, depth ? &open[depth - 1] : NULL);
		} else if (gt[-1] != '/') {
			/* an entry's first child is its key leaf (name; a peering's type) */
			if (depth && depth - 1 < ARRAY_SIZE(open) && open[depth - 1].kind && !open[depth - 1].keyed) {
				struct open_el *e = &open[depth - 1];
				if (!name_is(name, n, e->kind == E_PEERING ? "type" : "name") ||
				    !key_entry(cfg, e, depth > 1 ? &open[depth - 2] : NULL, lt, end, hint)) {
					p.bad = 1;
					break;
				}
				matched++;
			}
			if (depth < ARRAY_SIZE(open))
				open[depth] = (struct open_el){ name, n, entry_of(open, depth, name, n), false, 0 };
			depth++;
		}
	}
	if (!p.bad && (depth || matched != want))
		p.bad = 1; /* an entry evaluated that running no longer has (or one met twice): the tree decides */
	if (!p.bad)
		put(&p, run, (size_t)(end - run));
	return finish(&p, start);
}

int
er_state_xml_readiness(const struct er_snapshot *s, const struct ly_ctx *ctx, unsigned parts,
    er_state_xml_may_read may_read, void *arg, struct er_buf *out)
{
	struct px p;
	size_t start = out->len;
	bool open = false;

	memset(&p, 0, sizeof(p));
	p.out = out;
	p.ctx = ctx;
	p.may_read = may_read;
	p.arg = arg;
	if (parts & ER_ST_SUMMARY)
		summary(&p, s, &open);
	if (parts & ER_ST_COLLECTORS)
		collectors(&p, s, &open);
	if (parts & ER_ST_CHECKS)
		checks(&p, s, (parts & ER_ST_CHECKS_LEAN) != 0, &open);
	if (parts & ER_ST_HOST) {
		nat(&p, s->obs, &open);
		qos(&p, s->obs, &open);
	}
	if (open)
		PUTS(&p, "</readiness>");
	return finish(&p, start);
}
