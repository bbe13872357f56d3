/*
 * A partner router's <get> reply -> its view (see partner.h): the links it
 * observed itself and its check results, each value checked, as the reply
 * is untrusted. Apart from partner.c so that the catalogue (checks/),
 * which reads views, and this file, which checks the names of the
 * partner's checks against the catalogue, do not depend on each other.
 */
#include "partner.h"

#include <libyang/libyang.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datastore.h"
#include "lyd_util.h"
#include "util.h"

static long long
parse_time(const char *s)
{
	struct tm tm;
	const char *end;
	long long t;
	int sign, hh, mm;

	memset(&tm, 0, sizeof(tm));
	if (!s || !(end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return 0;
	t = (long long)timegm(&tm);
	while (*end == '.' || (*end >= '0' && *end <= '9'))
		end++; /* fractions of a second */
	/* yang:date-and-time: "Z" or a +hh:mm / -hh:mm offset from UTC */
	if ((*end == '+' || *end == '-') && sscanf(end + 1, "%2d:%2d", &hh, &mm) == 2) {
		sign = *end == '-' ? -1 : 1;
		t -= sign * (hh * 3600LL + mm * 60LL);
	}
	return t;
}

/* A link the partner observed itself: its key, to keep only its check results. */
struct link_key {
	const char *circuit;
	enum er_peering_type peering;
	enum er_path path;
};

static int
link_key_cmp(const void *a, const void *b)
{
	const struct link_key *x = a, *y = b;
	int c = strcmp(x->circuit, y->circuit);

	if (c)
		return c;
	if (x->peering != y->peering)
		return x->peering < y->peering ? -1 : 1;
	return (x->path > y->path) - (x->path < y->path);
}

struct parse {
	struct er_observed *obs;
	size_t cap_nbrs, cap_ifs, cap_bfd;
	struct link_key *links;
	size_t n_links, cap_links;
	char bad[160]; /* the first value refused: the whole reply is */
};

/*
 * The reply is read leaf by leaf and every value used is checked here: the
 * fetch's context has expressroute-readiness as one anydata node
 * (agent/partner_client.c), so libyang keeps the partner's data as opaque
 * nodes and has typed nothing. A typed tree (a reply parsed with the real
 * module: --partner, the tests) is read the same way.
 */

/* The text of leaf (or leaf-list entry) @p n; NULL when it is no leaf. */
static const char *
node_text(const struct lyd_node *n)
{
	if (!n)
		return NULL;
	if (n->schema)
		return (n->schema->nodetype & LYD_NODE_TERM) ? lyd_get_value(n) : NULL;
	return lyd_child(n) ? NULL : ((const struct lyd_node_opaq *)n)->value;
}

/* The text of leaf @p name under @p parent; NULL when absent or not a leaf. */
static const char *
leaf(const struct lyd_node *parent, const char *name)
{
	return node_text(er_lyd_child(parent, name));
}

static void
bad(struct parse *ps, const char *what, const char *v)
{
	if (!ps->bad[0])
		snprintf(ps->bad, sizeof(ps->bad), "%s \"%.40s%s\"", what, v ? v : "", v && strlen(v) > 40 ? "..." : "");
}

/* Leaf @p name as a decimal number of at most @p max (0 when absent); anything else is refused. */
static uint32_t
unum(struct parse *ps, const struct lyd_node *parent, const char *name, uint32_t max)
{
	const char *v = leaf(parent, name), *p;
	uint64_t x = 0;

	if (!v)
		return 0;
	for (p = v; *p >= '0' && *p <= '9' && x <= max; p++)
		x = x * 10 + (uint64_t)(*p - '0');
	if (p == v || *p || x > max) {
		bad(ps, name, v);
		return 0;
	}
	return (uint32_t)x;
}

/*
 * A name leaf that must fit @p size bytes with its NUL (NULL when absent or
 * refused). Free text (a detail, a message, an error) is cut to fit instead,
 * as the partner's own copy would be.
 */
static const char *
text(struct parse *ps, const struct lyd_node *parent, const char *name, size_t size)
{
	const char *v = leaf(parent, name);

	if (v && strlen(v) >= size) {
		bad(ps, name, v);
		return NULL;
	}
	return v;
}

/* A circuit name as the YANG model has it: 1-64 of [A-Za-z0-9._-], the first a letter or digit. */
static bool
circuit_name_ok(const char *v)
{
	size_t i;

	if (!v || !isalnum((unsigned char)v[0]))
		return false;
	for (i = 0; v[i]; i++)
		if (i >= 64 || !(isalnum((unsigned char)v[i]) || strchr("._-", v[i])))
			return false;
	return true;
}

static enum er_oper
oper_of(const char *v)
{
	if (!v)
		return ER_OPER_UNKNOWN;
	if (!strcmp(v, "up"))
		return ER_OPER_UP;
	if (!strcmp(v, "down"))
		return ER_OPER_DOWN;
	if (!strcmp(v, "lower-layer-down"))
		return ER_OPER_LOWER_DOWN;
	return ER_OPER_UNKNOWN;
}

static void
add_routes(struct parse *ps, struct er_bgp_neighbor *n, const struct lyd_node *sess)
{
	const struct lyd_node *r;
	size_t cap = 0;

	n->have_adv = true;
	LY_LIST_FOR(lyd_child(sess), r) {
		struct er_route *rt;
		const char *p, *path;
		char *end;

		if (strcmp(LYD_NAME(r), "advertised-route") || !(p = leaf(r, "prefix")))
			continue;
		if (n->n_adv == cap) {
			cap = cap ? cap * 2 : 8;
			n->adv = xreallocarray(n->adv, cap, sizeof(*n->adv));
		}
		rt = &n->adv[n->n_adv];
		memset(rt, 0, sizeof(*rt));
		if (er_prefix_parse(p, false, false, &rt->pfx) < 0) {
			bad(ps, "advertised-route", p);
			continue;
		}
		rt->path_off = (uint32_t)n->n_paths;
		/* AS numbers (uint32) separated by single spaces */
		for (path = leaf(r, "as-path"); path && *path; path = *end ? end + 1 : end) {
			unsigned long long asn = 0;
			if (*path < '0' || *path > '9' || (asn = strtoull(path, &end, 10)) > UINT32_MAX ||
			    (*end && (*end != ' ' || !end[1]))) {
				bad(ps, "as-path", leaf(r, "as-path"));
				break;
			}
			n->paths = xreallocarray(n->paths, n->n_paths + 1, sizeof(*n->paths));
			n->paths[n->n_paths++] = (uint32_t)asn;
			rt->path_len++;
		}
		n->n_adv++;
	}
}

static void
add_session(struct parse *ps, const struct lyd_node *sess, const char *ifname)
{
	struct er_observed *obs = ps->obs;
	struct er_bgp_neighbor *n;
	const char *v;

	if (obs->n_nbrs == ps->cap_nbrs) {
		ps->cap_nbrs = ps->cap_nbrs ? ps->cap_nbrs * 2 : 8;
		obs->nbrs = xreallocarray(obs->nbrs, ps->cap_nbrs, sizeof(*obs->nbrs));
	}
	n = &obs->nbrs[obs->n_nbrs];
	memset(n, 0, sizeof(*n));
	if (er_addr_parse((v = leaf(sess, "neighbor-address")), &n->addr) < 0) {
		bad(ps, "neighbor-address", v);
		return;
	}
	if ((v = leaf(sess, "local-address")) && er_addr_parse(v, &n->local) < 0)
		bad(ps, "local-address", v);
	if (ifname)
		snprintf(n->ifname, sizeof(n->ifname), "%s", ifname);
	n->state = er_bgp_state_from_name(leaf(sess, "state"));
	n->uptime = unum(ps, sess, "uptime", UINT32_MAX);
	n->remote_as = unum(ps, sess, "remote-as", UINT32_MAX);
	n->local_as = unum(ps, sess, "local-as", UINT32_MAX);
	n->hold_time = (uint16_t)unum(ps, sess, "hold-time", UINT16_MAX);
	n->keepalive = (uint16_t)unum(ps, sess, "keepalive", UINT16_MAX);
	n->pfx_rcvd[n->addr.family == ER_AF_INET6 ? ER_AFI_V6 : ER_AFI_V4] = unum(ps, sess, "prefixes-received", UINT32_MAX);
	n->pfx_adv[n->addr.family == ER_AF_INET6 ? ER_AFI_V6 : ER_AFI_V4] = unum(ps, sess, "prefixes-advertised", UINT32_MAX);
	if ((v = leaf(sess, "last-error")))
		snprintf(n->last_error, sizeof(n->last_error), "%s", v);
	/* The partner lists advertised routes when it collected them; their absence means not collected. */
	if (er_lyd_child(sess, "advertised-route") || n->pfx_adv[ER_AFI_V4] + n->pfx_adv[ER_AFI_V6] == 0)
		add_routes(ps, n, sess);
	obs->n_nbrs++;
	if ((v = leaf(sess, "bfd-state")) && strcmp(v, "none")) {
		struct er_bfd_peer *b;
		if (obs->n_bfd == ps->cap_bfd) {
			ps->cap_bfd = ps->cap_bfd ? ps->cap_bfd * 2 : 8;
			obs->bfd = xreallocarray(obs->bfd, ps->cap_bfd, sizeof(*obs->bfd));
		}
		b = &obs->bfd[obs->n_bfd++];
		memset(b, 0, sizeof(*b));
		b->peer = n->addr;
		if (ifname)
			snprintf(b->ifname, sizeof(b->ifname), "%s", ifname);
		b->state = er_bfd_state_from_name(v);
	}
}

static void
add_link(struct parse *ps, const char *circuit, enum er_peering_type peering, const struct lyd_node *link)
{
	struct er_observed *obs = ps->obs;
	const char *by = leaf(link, "observed-by"), *ifname = text(ps, link, "interface", ER_OBS_IFNAMSIZ), *v;
	const struct lyd_node *n;
	struct link_key *k;

	/* A partner that reports our own link back (observed-by names a partner) is not a source for it. */
	if (by && strcmp(by, "local"))
		return;
	if (ps->n_links == ps->cap_links) {
		ps->cap_links = ps->cap_links ? ps->cap_links * 2 : 8;
		ps->links = xreallocarray(ps->links, ps->cap_links, sizeof(*ps->links));
	}
	k = &ps->links[ps->n_links++];
	k->circuit = circuit;
	k->peering = peering;
	v = leaf(link, "path");
	if (!v || (strcmp(v, "primary") && strcmp(v, "secondary"))) {
		bad(ps, "link path", v);
		ps->n_links--;
		return;
	}
	k->path = !strcmp(v, "secondary") ? ER_PATH_SECONDARY : ER_PATH_PRIMARY;

	if (ifname && (v = leaf(link, "oper-status")) && strcmp(v, "not-present")) {
		struct er_interface *ifp;
		size_t cap = 0;

		if (obs->n_ifs == ps->cap_ifs) {
			ps->cap_ifs = ps->cap_ifs ? ps->cap_ifs * 2 : 8;
			obs->ifs = xreallocarray(obs->ifs, ps->cap_ifs, sizeof(*obs->ifs));
		}
		ifp = &obs->ifs[obs->n_ifs++];
		memset(ifp, 0, sizeof(*ifp));
		snprintf(ifp->name, sizeof(ifp->name), "%s", ifname);
		ifp->oper = oper_of(v);
		ifp->mtu = unum(ps, link, "mtu", UINT32_MAX);
		ifp->vlan_id = (uint16_t)unum(ps, link, "vlan-id", 4094);
		if (ifp->vlan_id)
			ifp->vlan_proto = 0x8100;
		LY_LIST_FOR(lyd_child(link), n) {
			if (strcmp(LYD_NAME(n), "address"))
				continue;
			if (ifp->n_addrs == cap) {
				cap = cap ? cap * 2 : 4;
				ifp->addrs = xreallocarray(ifp->addrs, cap, sizeof(*ifp->addrs));
			}
			if (er_prefix_parse((v = node_text(n)), false, true, &ifp->addrs[ifp->n_addrs]) == 0)
				ifp->n_addrs++;
			else
				bad(ps, "address", v);
		}
	}
	LY_LIST_FOR(lyd_child(link), n) {
		if (!strcmp(LYD_NAME(n), "bgp-session"))
			add_session(ps, n, ifname);
	}
}

static bool
own_link(const struct parse *ps, const char *circuit, enum er_peering_type peering, enum er_path path)
{
	struct link_key key = { circuit, peering, path };

	return ps->n_links && bsearch(&key, ps->links, ps->n_links, sizeof(key), link_key_cmp) != NULL;
}

int
er_partner_check_id(const char *id, struct er_partner_result *r)
{
	const char *slash1, *slash3, *slash2;
	const struct er_check_def *def;
	char name[64], peering[32];
	size_t len;

	memset(r, 0, sizeof(*r));
	/* "check-name/circuit/peering/path"; a circuit name has no '/' (YANG pattern), so split at the ends */
	if (!id || !(slash1 = strchr(id, '/')) || !(slash3 = strrchr(id, '/')) || slash3 == slash1)
		goto fail;
	for (slash2 = slash3 - 1; slash2 > slash1 && *slash2 != '/'; slash2--)
		;
	if (slash2 == slash1)
		goto fail;
	len = (size_t)(slash1 - id);
	if (len >= sizeof(name))
		goto fail;
	memcpy(name, id, len);
	name[len] = '\0';
	len = (size_t)(slash2 - slash1 - 1);
	if (!len || len >= sizeof(r->circuit) || memchr(slash1 + 1, '/', len))
		goto fail;
	memcpy(r->circuit, slash1 + 1, len);
	len = (size_t)(slash3 - slash2 - 1);
	if (len >= sizeof(peering))
		goto fail;
	memcpy(peering, slash2 + 1, len);
	peering[len] = '\0';
	if (!(def = er_check_by_name(name)) || !(r->peering = er_peering_from_name(peering)))
		goto fail;
	if (!strcmp(slash3 + 1, "primary"))
		r->path = ER_PATH_PRIMARY;
	else if (!strcmp(slash3 + 1, "secondary"))
		r->path = ER_PATH_SECONDARY;
	else
		goto fail;
	r->code = def->code;
	return 0;
fail:
	memset(r, 0, sizeof(*r));
	return -1;
}

static void
readiness(struct er_partner_view *pv, struct parse *ps, const struct lyd_node *rd)
{
	static const char *const st[] = { "", "pass", "warn", "fail", "unknown", "not-applicable" };
	struct er_partner_result key;
	const struct lyd_node *n;
	size_t cap = 0, i;

	const char *v;

	if ((v = leaf(rd, "last-evaluation")) && !(pv->evaluated_at = parse_time(v)))
		bad(ps, "last-evaluation", v);
	LY_LIST_FOR(lyd_child(rd), n) {
		if (!strcmp(LYD_NAME(n), "collector")) {
			int src = er_source_from_name(leaf(n, "source"));
			enum er_collector_status cs = er_collector_status_from_name(leaf(n, "status"));
			const char *msg = leaf(n, "message");
			const char *daemon = leaf(n, "daemon");
			uint32_t ms = unum(ps, n, "duration", UINT32_MAX);
			if (src >= 0 && cs)
				er_observed_set_status(ps->obs, (enum er_source)src, cs, daemon ? daemon : "", ms, "%s", msg ? msg : "");
		} else if (!strcmp(LYD_NAME(n), "check")) {
			struct er_partner_result *r;
			const char *s = leaf(n, "status"), *p = leaf(n, "path"), *d;

			if (!s || er_partner_check_id(leaf(n, "id"), &key) < 0)
				continue;
			/* a path leaf (the content match of a one-path filter) that contradicts the id: not trusted */
			if (p && strcmp(p, er_path_name(key.path)))
				continue;
			if (!own_link(ps, key.circuit, key.peering, key.path))
				continue;
			if (pv->n_results == cap) {
				cap = cap ? cap * 2 : 32;
				pv->results = xreallocarray(pv->results, cap, sizeof(*pv->results));
			}
			r = &pv->results[pv->n_results];
			*r = key;
			for (i = 1; i < ARRAY_SIZE(st); i++)
				if (!strcmp(s, st[i]))
					r->status = (enum er_status)i;
			if (!r->status)
				continue;
			if ((d = leaf(n, "detail")))
				snprintf(r->detail, sizeof(r->detail), "%s", d);
			pv->n_results++;
		}
	}
	if (pv->n_results)
		qsort(pv->results, pv->n_results, sizeof(*pv->results), er_partner_result_cmp);
}

/* The first of @p first and its siblings named @p name. */
static const struct lyd_node *
sibling(const struct lyd_node *first, const char *name)
{
	const struct lyd_node *n;

	LY_LIST_FOR(first, n) {
		if (!strcmp(LYD_NAME(n), name))
			return n;
	}
	return NULL;
}

int
er_partner_view_from_tree(struct er_partner_view *pv, const struct lyd_node *data, char *err, size_t errlen)
{
	struct parse ps;
	const struct lyd_node *top = NULL, *first = NULL, *c, *p, *l;

	LY_LIST_FOR(data, c) {
		/* ours by namespace: a typed node's module, or the one an opaque node was sent in */
		const char *ns = c->schema ? c->schema->module->ns : ((const struct lyd_node_opaq *)c)->name.module_ns;
		if (!strcmp(LYD_NAME(c), "expressroute") && ns && !strcmp(ns, ER_YANG_NS))
			top = c;
	}
	/* the module's container, or the anydata the fetch's context has in its place */
	if (top && top->schema && (top->schema->nodetype & LYD_NODE_ANY)) {
		const struct lyd_node_any *any = (const struct lyd_node_any *)top;
		first = any->value_type == LYD_ANYDATA_DATATREE ? any->value.tree : NULL;
	} else if (top) {
		first = lyd_child(top);
	}
	if (!top) {
		snprintf(err, errlen, "the reply has no expressroute data");
		er_partner_view_fail(pv, ER_PARTNER_ERROR, "%s", err);
		return -1;
	}
	if (!sibling(first, "readiness")) {
		snprintf(err, errlen, "the reply has no readiness data");
		er_partner_view_fail(pv, ER_PARTNER_ERROR, "%s", err);
		return -1;
	}
	er_partner_view_drop(pv);
	memset(&ps, 0, sizeof(ps));
	ps.obs = er_observed_new();
	LY_LIST_FOR(first, c) {
		const char *cname;
		if (strcmp(LYD_NAME(c), "circuit"))
			continue;
		if (!circuit_name_ok(cname = leaf(c, "name"))) {
			bad(&ps, "circuit name", cname);
			continue;
		}
		LY_LIST_FOR(lyd_child(c), p) {
			enum er_peering_type pt;
			const char *v;
			if (strcmp(LYD_NAME(p), "peering"))
				continue;
			if (!(pt = er_peering_from_name(v = leaf(p, "type")))) {
				bad(&ps, "peering type", v);
				continue;
			}
			LY_LIST_FOR(lyd_child(er_lyd_child(p, "state")), l) {
				if (!strcmp(LYD_NAME(l), "link"))
					add_link(&ps, cname, pt, l);
			}
		}
	}
	if (ps.n_links)
		qsort(ps.links, ps.n_links, sizeof(*ps.links), link_key_cmp);
	readiness(pv, &ps, sibling(first, "readiness"));
	free(ps.links);
	if (ps.bad[0]) {
		er_observed_unref(ps.obs);
		free(pv->results);
		pv->results = NULL;
		pv->n_results = 0;
		snprintf(err, errlen, "the reply has an invalid %s", ps.bad);
		er_partner_view_fail(pv, ER_PARTNER_ERROR, "%s", err);
		return -1;
	}
	er_observed_finalize(ps.obs);
	pv->obs = ps.obs;
	pv->status = ER_PARTNER_OK;
	pv->message[0] = '\0';
	return 0;
}

static const char PARTNER_YANG[] = "module " ER_YANG_MODULE " {\n"
				   "  yang-version 1.1;\n"
				   "  namespace \"" ER_YANG_NS "\";\n"
				   "  prefix err;\n"
				   "  revision " ER_YANG_REVISION ";\n"
				   "  anydata expressroute;\n"
				   "}\n";

int
er_partner_reply_module(struct ly_ctx *ctx, char *err, size_t errlen)
{
	if (lys_parse_mem(ctx, PARTNER_YANG, LYS_IN_YANG, NULL) != LY_SUCCESS) {
		snprintf(err, errlen, "the partner's YANG module: %s", ly_errmsg(ctx) ? ly_errmsg(ctx) : "not parsed");
		return -1;
	}
	return 0;
}

/* Whether /expressroute of @p ctx is the anydata of er_partner_reply_module(). */
static bool
opaque_ctx(const struct ly_ctx *ctx)
{
	const struct lys_module *m = ly_ctx_get_module_implemented(ctx, ER_YANG_MODULE);
	const struct lysc_node *top = m ? lys_find_child(NULL, m, "expressroute", 0, 0, 0) : NULL;

	return top && (top->nodetype & LYD_NODE_ANY);
}

int
er_partner_view_parse(struct er_partner_view *pv, const struct ly_ctx *ctx, const char *xml, char *err, size_t errlen)
{
	struct lyd_node *tree = NULL;
	const struct ly_err_item *e;
	int rc;

	/* Parse only: state data of a partner is not validated against our config. */
	if (lyd_parse_data_mem(ctx, xml, LYD_XML, LYD_PARSE_ONLY | (opaque_ctx(ctx) ? LYD_PARSE_OPAQ : LYD_PARSE_STRICT), 0,
	        &tree) != LY_SUCCESS) {
		e = ly_err_last(ctx);
		snprintf(err, errlen, "the reply is not expressroute-readiness data: %s", e && e->msg ? e->msg : "parse error");
		er_partner_view_fail(pv, ER_PARTNER_ERROR, "%s", err);
		lyd_free_all(tree);
		return -1;
	}
	rc = er_partner_view_from_tree(pv, tree, err, errlen);
	lyd_free_all(tree);
	if (rc == 0)
		pv->bytes = (uint32_t)strlen(xml);
	return rc;
}
