/*
 * Observed state from a JSON snapshot file: used by tests and by
 * `erreadyd --check --observed FILE`. Strict: an unknown key, a wrong type
 * or a bad address is an error naming the JSON path, never a silent skip.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "observed.h"
#include "util.h"

struct jctx {
	const char *origin;
	char path[256];
	char *err;
	size_t errlen;
	int failed;
};

static int __attribute__((format(printf, 3, 4)))
jfail(struct jctx *j, const char *key, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (j->failed++)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(j->err, j->errlen, "%s: %s%s%s: %s", j->origin, j->path[0] ? j->path : "/",
	    key && j->path[0] ? "/" : "", key ? key : "", msg);
	return -1;
}

static size_t
jpush(struct jctx *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static size_t
jpush(struct jctx *j, const char *fmt, ...)
{
	size_t old = strlen(j->path);
	va_list ap;

	if (old + 1 < sizeof(j->path)) {
		j->path[old] = '/';
		va_start(ap, fmt);
		vsnprintf(j->path + old + 1, sizeof(j->path) - old - 1, fmt, ap);
		va_end(ap);
	}
	return old;
}

static void
jpop(struct jctx *j, size_t old)
{
	j->path[old] = '\0';
}

static int
check_keys(struct jctx *j, json_object *o, const char *const *allowed)
{
	if (!json_object_is_type(o, json_type_object))
		return jfail(j, NULL, "expected an object");
	json_object_object_foreach(o, key, val) {
		const char *const *a;
		(void)val;
		for (a = allowed; *a; a++)
			if (!strcmp(*a, key))
				break;
		if (!*a)
			return jfail(j, key, "unknown key");
	}
	return 0;
}

static json_object *
member(json_object *o, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static int
get_str(struct jctx *j, json_object *o, const char *key, char *buf, size_t len)
{
	json_object *v = member(o, key);

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return jfail(j, key, "expected a string");
	if ((size_t)json_object_get_string_len(v) >= len)
		return jfail(j, key, "string longer than %zu characters", len - 1);
	snprintf(buf, len, "%s", json_object_get_string(v));
	return 1;
}

static int
get_u64(struct jctx *j, json_object *o, const char *key, uint64_t max, uint64_t *out)
{
	json_object *v = member(o, key);
	uint64_t n;

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return jfail(j, key, "expected an integer");
	/* json-c keeps integers above INT64_MAX as unsigned; negatives read 0 here. */
	n = json_object_get_uint64(v);
	if (json_object_get_int64(v) < 0 || n > max)
		return jfail(j, key, "%s out of range 0..%llu", json_object_to_json_string(v),
		    (unsigned long long)max);
	*out = n;
	return 1;
}

static int
get_u32(struct jctx *j, json_object *o, const char *key, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int rc = get_u64(j, o, key, max, &v);

	if (rc == 1)
		*out = (uint32_t)v;
	return rc;
}

static int
get_bool(struct jctx *j, json_object *o, const char *key, bool *out)
{
	json_object *v = member(o, key);

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return jfail(j, key, "expected true or false");
	*out = json_object_get_boolean(v);
	return 1;
}

static int
get_addr(struct jctx *j, json_object *o, const char *key, bool required, struct er_addr *out)
{
	char buf[64];
	int rc = get_str(j, o, key, buf, sizeof(buf));

	if (rc < 0)
		return -1;
	if (rc == 0)
		return required ? jfail(j, key, "missing") : 0;
	if (er_addr_parse(buf, out) < 0)
		return jfail(j, key, "'%s' is not an IPv4 or IPv6 address", buf);
	return 1;
}

static json_object *
get_array(struct jctx *j, json_object *o, const char *key)
{
	json_object *v = member(o, key);

	if (v && !json_object_is_type(v, json_type_array)) {
		jfail(j, key, "expected an array");
		return NULL;
	}
	return v;
}

/* "prefix" strings or {"prefix": ..., "as-path": [...]} objects. */
static int
parse_routes(struct jctx *j, json_object *arr, struct er_bgp_neighbor *n, bool adv)
{
	static const char *const keys[] = { "prefix", "as-path", NULL };
	size_t cnt = json_object_array_length(arr), i;
	struct er_route *r = xcalloc(cnt, sizeof(*r));

	if (adv) {
		n->adv = r;
		n->n_adv = cnt;
		n->have_adv = true;
	} else {
		n->rcv = r;
		n->n_rcv = cnt;
		n->have_rcv = true;
	}
	for (i = 0; i < cnt; i++) {
		json_object *e = json_object_array_get_idx(arr, i), *pathv;
		size_t old = jpush(j, "%zu", i);
		char buf[64];
		const char *text;

		if (json_object_is_type(e, json_type_string))
			text = json_object_get_string(e);
		else {
			if (check_keys(j, e, keys) < 0 || get_str(j, e, "prefix", buf, sizeof(buf)) != 1)
				return j->failed ? -1 : jfail(j, "prefix", "missing");
			text = buf;
			if ((pathv = get_array(j, e, "as-path"))) {
				size_t k, plen = json_object_array_length(pathv);
				if (plen > UINT16_MAX)
					return jfail(j, "as-path", "too long");
				n->paths = xreallocarray(n->paths, n->n_paths + plen, sizeof(*n->paths));
				r[i].path_off = (uint32_t)n->n_paths;
				r[i].path_len = (uint16_t)plen;
				for (k = 0; k < plen; k++) {
					json_object *asn = json_object_array_get_idx(pathv, k);
					int64_t v = json_object_get_int64(asn);
					if (!json_object_is_type(asn, json_type_int) || v < 0 || v > UINT32_MAX)
						return jfail(j, "as-path", "element %zu is not an AS number", k);
					n->paths[n->n_paths++] = (uint32_t)v;
				}
			} else if (j->failed)
				return -1;
		}
		if (er_prefix_parse(text, false, true, &r[i].pfx) < 0)
			return jfail(j, NULL, "'%s' is not an IP prefix", text);
		jpop(j, old);
	}
	return 0;
}

static int
parse_afi_counts(struct jctx *j, json_object *o, const char *key, uint32_t out[ER_AFI_COUNT])
{
	static const char *const keys[] = { "ipv4", "ipv6", NULL };
	json_object *v = member(o, key);
	size_t old;
	int rc = 0;

	if (!v)
		return 0;
	old = jpush(j, "%s", key);
	if (check_keys(j, v, keys) < 0 || get_u32(j, v, "ipv4", UINT32_MAX, &out[ER_AFI_V4]) < 0 ||
	    get_u32(j, v, "ipv6", UINT32_MAX, &out[ER_AFI_V6]) < 0)
		rc = -1;
	jpop(j, old);
	return rc;
}

static int
parse_neighbor(struct jctx *j, json_object *o, struct er_bgp_neighbor *n)
{
	static const char *const keys[] = { "address", "local-address", "interface", "remote-as",
		"local-as", "state", "uptime", "hold-time", "keepalive", "prefixes-received",
		"prefixes-advertised", "last-error", "md5-failures", "advertised", "received", NULL };
	char state[32];
	uint32_t v = 0;
	json_object *arr;

	if (check_keys(j, o, keys) < 0 || get_addr(j, o, "address", true, &n->addr) < 0 ||
	    get_addr(j, o, "local-address", false, &n->local) < 0 ||
	    get_str(j, o, "interface", n->ifname, sizeof(n->ifname)) < 0 ||
	    get_u32(j, o, "remote-as", UINT32_MAX, &n->remote_as) < 0 ||
	    get_u32(j, o, "local-as", UINT32_MAX, &n->local_as) < 0 ||
	    get_u32(j, o, "uptime", UINT32_MAX, &n->uptime) < 0 ||
	    get_str(j, o, "last-error", n->last_error, sizeof(n->last_error)) < 0 ||
	    get_u32(j, o, "md5-failures", UINT32_MAX, &n->md5_failures) < 0 ||
	    parse_afi_counts(j, o, "prefixes-received", n->pfx_rcvd) < 0 ||
	    parse_afi_counts(j, o, "prefixes-advertised", n->pfx_adv) < 0)
		return -1;
	if (get_u32(j, o, "hold-time", UINT16_MAX, &v) == 1)
		n->hold_time = (uint16_t)v;
	if (get_u32(j, o, "keepalive", UINT16_MAX, &v) == 1)
		n->keepalive = (uint16_t)v;
	if (j->failed)
		return -1;
	switch (get_str(j, o, "state", state, sizeof(state))) {
	case -1:
		return -1;
	case 0:
		return jfail(j, "state", "missing");
	default:
		if ((n->state = er_bgp_state_from_name(state)) == ER_BGP_UNKNOWN)
			return jfail(j, "state", "'%s' is not a BGP state (idle, connect, active, opensent, openconfirm, established)", state);
	}
	if ((arr = get_array(j, o, "advertised"))) {
		size_t old = jpush(j, "advertised");
		if (parse_routes(j, arr, n, true) < 0)
			return -1;
		jpop(j, old);
	}
	if ((arr = get_array(j, o, "received"))) {
		size_t old = jpush(j, "received");
		if (parse_routes(j, arr, n, false) < 0)
			return -1;
		jpop(j, old);
	}
	return j->failed ? -1 : 0;
}

static int
parse_bfd(struct jctx *j, json_object *o, struct er_bfd_peer *b)
{
	static const char *const keys[] = { "peer", "interface", "state", NULL };
	char state[32];

	if (check_keys(j, o, keys) < 0 || get_addr(j, o, "peer", true, &b->peer) < 0 ||
	    get_str(j, o, "interface", b->ifname, sizeof(b->ifname)) < 0)
		return -1;
	if (get_str(j, o, "state", state, sizeof(state)) != 1)
		return j->failed ? -1 : jfail(j, "state", "missing");
	if (!(b->state = er_bfd_state_from_name(state)))
		return jfail(j, "state", "'%s' is not a BFD state (admin-down, down, init, up)", state);
	return 0;
}

static int
parse_interface(struct jctx *j, json_object *o, struct er_interface *ifp)
{
	static const char *const keys[] = { "name", "oper-status", "mtu", "kind", "vlan-id",
		"vlan-protocol", "mac", "link", "master", "redundancy-groups", "addresses", NULL };
	char oper[32] = "", proto[16] = "", mac[32] = "";
	json_object *arr;
	uint32_t v = 0;
	size_t i;

	if (check_keys(j, o, keys) < 0)
		return -1;
	if (get_str(j, o, "name", ifp->name, sizeof(ifp->name)) != 1)
		return j->failed ? -1 : jfail(j, "name", "missing");
	if (get_str(j, o, "oper-status", oper, sizeof(oper)) < 0 ||
	    get_u32(j, o, "mtu", UINT32_MAX, &ifp->mtu) < 0 ||
	    get_str(j, o, "kind", ifp->kind, sizeof(ifp->kind)) < 0 ||
	    get_str(j, o, "vlan-protocol", proto, sizeof(proto)) < 0 ||
	    get_str(j, o, "mac", mac, sizeof(mac)) < 0 ||
	    get_str(j, o, "link", ifp->link, sizeof(ifp->link)) < 0 ||
	    get_str(j, o, "master", ifp->master, sizeof(ifp->master)) < 0)
		return -1;
	if (mac[0]) {
		if (er_mac_parse(mac, ifp->mac) < 0)
			return jfail(j, "mac", "'%s' is not a MAC address (aa:bb:cc:dd:ee:ff)", mac);
		ifp->mac_len = sizeof(ifp->mac);
	}
	if (get_u32(j, o, "vlan-id", 4095, &v) == 1)
		ifp->vlan_id = (uint16_t)v;
	if (j->failed)
		return -1;
	if (!oper[0] || !strcmp(oper, "unknown"))
		ifp->oper = ER_OPER_UNKNOWN;
	else if (!strcmp(oper, "up"))
		ifp->oper = ER_OPER_UP;
	else if (!strcmp(oper, "down"))
		ifp->oper = ER_OPER_DOWN;
	else if (!strcmp(oper, "lower-layer-down"))
		ifp->oper = ER_OPER_LOWER_DOWN;
	else
		return jfail(j, "oper-status", "'%s' is not up, down, lower-layer-down or unknown", oper);
	if (!proto[0])
		ifp->vlan_proto = ifp->vlan_id ? 0x8100 : 0;
	else if (!strcmp(proto, "802.1Q"))
		ifp->vlan_proto = 0x8100;
	else if (!strcmp(proto, "802.1ad"))
		ifp->vlan_proto = 0x88a8;
	else
		return jfail(j, "vlan-protocol", "'%s' is not 802.1Q or 802.1ad", proto);
	if ((arr = get_array(j, o, "redundancy-groups"))) {
		for (i = 0; i < json_object_array_length(arr); i++) {
			json_object *e = json_object_array_get_idx(arr, i);
			const char *g = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : "";
			int k;
			for (k = 0; k < ER_RRG_COUNT && strcmp(g, er_rr_group_addr(k)); k++)
				;
			if (k == ER_RRG_COUNT)
				return jfail(j, "redundancy-groups", "element %zu is not 224.0.0.18, ff02::12, 224.0.0.102 "
				    "or ff02::66", i);
			ifp->rr_groups |= (uint8_t)(1 << k);
		}
	}
	if ((arr = get_array(j, o, "addresses"))) {
		ifp->n_addrs = json_object_array_length(arr);
		ifp->addrs = xcalloc(ifp->n_addrs, sizeof(*ifp->addrs));
		for (i = 0; i < ifp->n_addrs; i++) {
			json_object *e = json_object_array_get_idx(arr, i);
			if (!json_object_is_type(e, json_type_string) ||
			    er_ifaddr_parse(json_object_get_string(e), &ifp->addrs[i]) < 0)
				return jfail(j, "addresses", "element %zu is not an address/prefix-length", i);
		}
	}
	return j->failed ? -1 : 0;
}

static int
parse_neigh(struct jctx *j, json_object *o, struct er_neighbor_entry *ne)
{
	static const char *const keys[] = { "address", "interface", "state", NULL };
	static const char *const states[] = { "other", "reachable", "stale", "failed", "incomplete", "permanent" };
	char st[32] = "";
	size_t i;

	if (check_keys(j, o, keys) < 0 || get_addr(j, o, "address", true, &ne->addr) < 0 ||
	    get_str(j, o, "interface", ne->ifname, sizeof(ne->ifname)) < 0 ||
	    get_str(j, o, "state", st, sizeof(st)) < 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(states); i++)
		if (!strcmp(st, states[i]))
			ne->state = (enum er_neigh_state)i;
	return 0;
}

static int
parse_nat_rule(struct jctx *j, json_object *o, struct er_nat_rule *r)
{
	static const char *const keys[] = { "family", "hook", "output-interface", "action",
		"translated", "packets", NULL };
	char action[16] = "";
	json_object *arr;
	size_t i;

	if (check_keys(j, o, keys) < 0 || get_str(j, o, "family", r->family, sizeof(r->family)) < 0 ||
	    get_str(j, o, "hook", r->hook, sizeof(r->hook)) < 0 ||
	    get_str(j, o, "output-interface", r->oif, sizeof(r->oif)) < 0 ||
	    get_str(j, o, "action", action, sizeof(action)) < 0 ||
	    get_u64(j, o, "packets", UINT64_MAX, &r->packets) < 0)
		return -1;
	if (!strcmp(action, "snat"))
		r->action = ER_NAT_SNAT;
	else if (!strcmp(action, "masquerade"))
		r->action = ER_NAT_MASQUERADE;
	else
		return jfail(j, "action", "'%s' is not snat or masquerade", action);
	if ((arr = get_array(j, o, "translated"))) {
		r->n_xlat = json_object_array_length(arr);
		r->xlat = xcalloc(r->n_xlat, sizeof(*r->xlat));
		for (i = 0; i < r->n_xlat; i++) {
			json_object *e = json_object_array_get_idx(arr, i);
			if (!json_object_is_type(e, json_type_string) ||
			    er_prefix_parse(json_object_get_string(e), false, true, &r->xlat[i]) < 0)
				return jfail(j, "translated", "element %zu is not an address or prefix", i);
		}
	}
	return j->failed ? -1 : 0;
}

static int
dscp_list(struct jctx *j, json_object *o, const char *key, uint64_t *set)
{
	json_object *arr = get_array(j, o, key);
	size_t i;

	if (!arr)
		return j->failed ? -1 : 0;
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		int64_t v = json_object_get_int64(e);
		if (!json_object_is_type(e, json_type_int) || v < 0 || v > 63)
			return jfail(j, key, "element %zu is not a DSCP value (0..63)", i);
		*set |= 1ull << v;
	}
	return 0;
}

static int
parse_dscp_rule(struct jctx *j, json_object *o, struct er_dscp_rule *r)
{
	static const char *const keys[] = { "interface", "direction", "set-dscp", "match",
		"match-dscp", "packets", NULL };
	static const char *const matches[] = { "any", "dscp-in", "dscp-not-in", "other" };
	char dir[16] = "egress", match[16] = "any";
	uint32_t v = 0;
	size_t i;

	if (check_keys(j, o, keys) < 0 || get_str(j, o, "interface", r->ifname, sizeof(r->ifname)) < 0 ||
	    get_str(j, o, "direction", dir, sizeof(dir)) < 0 || get_str(j, o, "match", match, sizeof(match)) < 0 ||
	    get_u64(j, o, "packets", UINT64_MAX, &r->packets) < 0 || dscp_list(j, o, "match-dscp", &r->match_set) < 0)
		return -1;
	switch (get_u32(j, o, "set-dscp", 63, &v)) {
	case -1:
		return -1;
	case 0:
		return jfail(j, "set-dscp", "missing");
	default:
		r->set_dscp = (uint8_t)v;
	}
	if (!strcmp(dir, "egress"))
		r->dir = ER_DIR_EGRESS;
	else if (!strcmp(dir, "ingress"))
		r->dir = ER_DIR_INGRESS;
	else
		return jfail(j, "direction", "'%s' is not ingress or egress", dir);
	for (i = 0; i < ARRAY_SIZE(matches); i++)
		if (!strcmp(match, matches[i]))
			break;
	if (i == ARRAY_SIZE(matches))
		return jfail(j, "match", "'%s' is not any, dscp-in, dscp-not-in or other", match);
	r->match = (enum er_dscp_match)i;
	return 0;
}

static int
parse_queue(struct jctx *j, json_object *o, struct er_queue *q)
{
	static const char *const keys[] = { "interface", "qdisc", "classful", "ef-priority-class", "rate", NULL };

	if (check_keys(j, o, keys) < 0)
		return -1;
	if (get_str(j, o, "interface", q->ifname, sizeof(q->ifname)) != 1)
		return j->failed ? -1 : jfail(j, "interface", "missing");
	if (get_str(j, o, "qdisc", q->qdisc, sizeof(q->qdisc)) < 0 ||
	    get_bool(j, o, "classful", &q->classful) < 0 ||
	    get_bool(j, o, "ef-priority-class", &q->ef_priority) < 0 ||
	    get_u64(j, o, "rate", UINT64_MAX, &q->rate_bps) < 0)
		return -1;
	return 0;
}

/* Parse every element of array @p key of @p o into *items (of @p size bytes each). */
/* Rule 32: {"prefix": received prefix, "type": "unicast", "interface": "eth1.300", "gateway": "131.107.0.2"}. */
static int
parse_lookup(struct jctx *j, json_object *o, struct er_route_lookup *l)
{
	static const char *const keys[] = { "prefix", "type", "interface", "gateway", NULL };
	char buf[ER_PREFIX_STRLEN + 8], type[16] = "";

	if (check_keys(j, o, keys) < 0)
		return -1;
	if (get_str(j, o, "prefix", buf, sizeof(buf)) != 1)
		return j->failed ? -1 : jfail(j, "prefix", "missing");
	if (er_prefix_parse(buf, false, true, &l->pfx) < 0)
		return jfail(j, "prefix", "'%s' is not an IP prefix", buf);
	if (get_str(j, o, "type", type, sizeof(type)) != 1)
		return j->failed ? -1 : jfail(j, "type", "missing");
	if (er_route_type_parse(type, &l->type) < 0)
		return jfail(j, "type", "'%s' is not none, unicast, blackhole, unreachable, prohibit, local or other", type);
	if (get_str(j, o, "interface", l->oif, sizeof(l->oif)) < 0 || get_addr(j, o, "gateway", false, &l->gateway) < 0)
		return -1;
	return 0;
}

#define PARSE_LIST(j, o, key, items, nitems, fn)                                          \
	do {                                                                              \
		json_object *arr_ = get_array(j, o, key);                                 \
		size_t i_, old_;                                                          \
		if (!arr_) {                                                              \
			if ((j)->failed)                                                  \
				goto fail;                                                \
			break;                                                            \
		}                                                                         \
		(nitems) = json_object_array_length(arr_);                                \
		(items) = xcalloc((nitems), sizeof(*(items)));                            \
		for (i_ = 0; i_ < (nitems); i_++) {                                       \
			old_ = jpush(j, "%s/%zu", key, i_);                               \
			if (fn(j, json_object_array_get_idx(arr_, i_), &(items)[i_]) < 0) \
				goto fail;                                                \
			jpop(j, old_);                                                    \
		}                                                                         \
	} while (0)

/* Rules 25, 26: {"peer": A, "best": true, "local-pref": N, "as-path-length": N, "communities": ["12076:5010"]}. */
static int
parse_bgp_path(struct jctx *j, json_object *o, struct er_bgp_path *p)
{
	static const char *const keys[] = { "peer", "best", "local-pref", "as-path-length", "communities", NULL };
	json_object *comm;
	uint32_t len = 0;
	int rc;

	if (check_keys(j, o, keys) < 0 || get_addr(j, o, "peer", true, &p->peer) < 0 || get_bool(j, o, "best", &p->best) < 0 ||
	    (rc = get_u32(j, o, "local-pref", UINT32_MAX, &p->local_pref)) < 0 ||
	    get_u32(j, o, "as-path-length", UINT16_MAX, &len) < 0)
		return -1;
	p->has_local_pref = rc == 1;
	p->as_path_len = (uint16_t)len;
	if ((comm = get_array(j, o, "communities"))) {
		size_t i, n = json_object_array_length(comm);
		for (i = 0; i < n; i++) {
			json_object *c = json_object_array_get_idx(comm, i);
			unsigned a, b;
			char tail;
			if (!json_object_is_type(c, json_type_string) ||
			    sscanf(json_object_get_string(c), "%u:%u%c", &a, &b, &tail) != 2 || a > 65535 || b > 65535)
				return jfail(j, "communities", "element %zu is not a community ASN:value", i);
			if (p->n_comm < ER_PATH_COMMUNITIES)
				p->comm[p->n_comm++] = a << 16 | b;
		}
	} else if (j->failed)
		return -1;
	return 0;
}

static int
parse_prefix_paths(struct jctx *j, json_object *o, struct er_prefix_paths *pp)
{
	static const char *const keys[] = { "prefix", "paths", NULL };
	char buf[ER_PREFIX_STRLEN + 8];

	if (check_keys(j, o, keys) < 0)
		return -1;
	if (get_str(j, o, "prefix", buf, sizeof(buf)) != 1)
		return j->failed ? -1 : jfail(j, "prefix", "missing");
	if (er_prefix_parse(buf, false, true, &pp->pfx) < 0)
		return jfail(j, "prefix", "'%s' is not an IP prefix", buf);
	PARSE_LIST(j, o, "paths", pp->paths, pp->n_paths, parse_bgp_path);
	return 0;
fail:
	return -1;
}

static int
parse_sources(struct jctx *j, json_object *o, struct er_observed *obs, bool given[ER_SRC_COUNT])
{
	static const char *const keys[] = { "status", "daemon", "message", "duration-ms", NULL };
	size_t old;

	if (!json_object_is_type(o, json_type_object))
		return jfail(j, "sources", "expected an object");
	old = jpush(j, "sources");
	json_object_object_foreach(o, key, val) {
		int s = er_source_from_name(key);
		struct er_source_status *ss;
		char st[16] = "";
		size_t old2;

		if (s < 0)
			return jfail(j, key, "unknown source (bgp, interfaces, nat, qos, conntrack)");
		ss = &obs->src[s];
		old2 = jpush(j, "%s", key);
		if (check_keys(j, val, keys) < 0 || get_str(j, val, "daemon", ss->daemon, sizeof(ss->daemon)) < 0 ||
		    get_str(j, val, "message", ss->message, sizeof(ss->message)) < 0 ||
		    get_u32(j, val, "duration-ms", UINT32_MAX, &ss->duration_ms) < 0)
			return -1;
		if (get_str(j, val, "status", st, sizeof(st)) != 1)
			return j->failed ? -1 : jfail(j, "status", "missing");
		if (!(ss->status = er_collector_status_from_name(st)))
			return jfail(j, "status", "'%s' is not ok, error, timeout or disabled", st);
		given[s] = true;
		jpop(j, old2);
	}
	jpop(j, old);
	return 0;
}

/* Host-wide TCP-MD5 counters: cumulative values, and what a running agent saw between two readings. */
static int
parse_tcp_md5(struct jctx *j, json_object *o, struct er_tcp_md5 *m)
{
	static const char *const keys[] = { "failure", "not-found", "unexpected", "rise", "watched-ms", "last-rise-at",
		NULL };
	size_t old = jpush(j, "tcp-md5");
	uint64_t at = 0;
	int rc;

	if (check_keys(j, o, keys) < 0 || get_u64(j, o, "failure", INT64_MAX, &m->failure) < 0 ||
	    get_u64(j, o, "not-found", INT64_MAX, &m->not_found) < 0 ||
	    get_u64(j, o, "unexpected", INT64_MAX, &m->unexpected) < 0 ||
	    (rc = get_u64(j, o, "rise", INT64_MAX, &m->rise)) < 0 || get_u32(j, o, "watched-ms", UINT32_MAX, &m->watched_ms) < 0 ||
	    get_u64(j, o, "last-rise-at", INT64_MAX, &at) < 0)
		return -1;
	m->have = true;
	m->have_rise = rc == 1;
	m->last_rise_at = (long long)at;
	jpop(j, old);
	return 0;
}

struct er_observed *
er_observed_parse_json(const char *text, const char *origin, char *err, size_t errlen)
{
	static const char *const top_keys[] = { "collected-at", "sources", "bgp", "interfaces",
		"neighbors", "route-lookups", "nat", "qos", NULL };
	static const char *const bgp_keys[] = { "neighbors", "bfd", "tcp-md5", "prefixes", NULL };
	static const char *const nat_keys[] = { "rules", "conntrack-count", "conntrack-max", "conntrack-insert-failed",
		"conntrack-drop", "conntrack-early-drop", NULL };
	static const char *const qos_keys[] = { "dscp-rules", "queues", NULL };
	struct jctx jc = { origin, "", err, errlen, 0 }, *j = &jc;
	struct er_observed *obs = er_observed_new();
	bool given[ER_SRC_COUNT] = { false };
	enum json_tokener_error jerr = json_tokener_success;
	json_object *root = json_tokener_parse_verbose(text, &jerr), *o;
	uint64_t at;
	size_t old;

	if (!root) {
		snprintf(err, errlen, "%s: not valid JSON: %s", origin, json_tokener_error_desc(jerr));
		er_observed_free(obs);
		return NULL;
	}
	if (check_keys(j, root, top_keys) < 0)
		goto fail;
	if (get_u64(j, root, "collected-at", INT64_MAX, &at) == 1)
		obs->collected_at = (long long)at;
	if (j->failed)
		goto fail;
	if ((o = member(root, "sources")) && parse_sources(j, o, obs, given) < 0)
		goto fail;
	if ((o = member(root, "bgp"))) {
		old = jpush(j, "bgp");
		if (check_keys(j, o, bgp_keys) < 0)
			goto fail;
		PARSE_LIST(j, o, "neighbors", obs->nbrs, obs->n_nbrs, parse_neighbor);
		PARSE_LIST(j, o, "bfd", obs->bfd, obs->n_bfd, parse_bfd);
		if (member(o, "tcp-md5") && parse_tcp_md5(j, member(o, "tcp-md5"), &obs->tcp_md5) < 0)
			goto fail;
		PARSE_LIST(j, o, "prefixes", obs->pfx_paths, obs->n_pfx_paths, parse_prefix_paths);
		jpop(j, old);
		if (!given[ER_SRC_BGP])
			er_observed_set_status(obs, ER_SRC_BGP, ER_COLL_OK, "snapshot", 0, NULL);
	}
	PARSE_LIST(j, root, "interfaces", obs->ifs, obs->n_ifs, parse_interface);
	PARSE_LIST(j, root, "neighbors", obs->neigh, obs->n_neigh, parse_neigh);
	PARSE_LIST(j, root, "route-lookups", obs->lookups, obs->n_lookups, parse_lookup);
	if (member(root, "interfaces") && !given[ER_SRC_INTERFACES])
		er_observed_set_status(obs, ER_SRC_INTERFACES, ER_COLL_OK, "snapshot", 0, NULL);
	if ((o = member(root, "nat"))) {
		old = jpush(j, "nat");
		if (check_keys(j, o, nat_keys) < 0)
			goto fail;
		PARSE_LIST(j, o, "rules", obs->nat, obs->n_nat, parse_nat_rule);
		if (!given[ER_SRC_NAT])
			er_observed_set_status(obs, ER_SRC_NAT, ER_COLL_OK, "snapshot", 0, NULL);
		if (get_u32(j, o, "conntrack-count", UINT32_MAX, &obs->conntrack_count) < 0 ||
		    get_u32(j, o, "conntrack-max", UINT32_MAX, &obs->conntrack_max) < 0)
			goto fail;
		/* The per-CPU statistics come as one group: all three or none. */
		{
			int a = get_u64(j, o, "conntrack-insert-failed", UINT64_MAX, &obs->ct_insert_failed),
			    b = get_u64(j, o, "conntrack-drop", UINT64_MAX, &obs->ct_drop),
			    c = get_u64(j, o, "conntrack-early-drop", UINT64_MAX, &obs->ct_early_drop);
			if (a < 0 || b < 0 || c < 0)
				goto fail;
			if (a + b + c != 0 && a + b + c != 3) {
				jfail(j, "conntrack-insert-failed", "conntrack-insert-failed, conntrack-drop and "
				    "conntrack-early-drop go together");
				goto fail;
			}
			obs->have_ct_stats = a == 1;
		}
		if (member(o, "conntrack-max") && !given[ER_SRC_CONNTRACK])
			er_observed_set_status(obs, ER_SRC_CONNTRACK, ER_COLL_OK, "snapshot", 0, NULL);
		jpop(j, old);
	}
	if ((o = member(root, "qos"))) {
		old = jpush(j, "qos");
		if (check_keys(j, o, qos_keys) < 0)
			goto fail;
		PARSE_LIST(j, o, "dscp-rules", obs->dscp, obs->n_dscp, parse_dscp_rule);
		PARSE_LIST(j, o, "queues", obs->queues, obs->n_queues, parse_queue);
		jpop(j, old);
		if (!given[ER_SRC_QOS])
			er_observed_set_status(obs, ER_SRC_QOS, ER_COLL_OK, "snapshot", 0, NULL);
	}
	json_object_put(root);
	er_observed_finalize(obs);
	return obs;
fail:
	json_object_put(root);
	er_observed_free(obs);
	return NULL;
}

struct er_observed *
er_observed_load_json(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct er_observed *obs;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	len = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	if (len < 0) {
		snprintf(err, errlen, "%s: empty or unreadable", path);
		free(buf);
		return NULL;
	}
	obs = er_observed_parse_json(buf, path, err, errlen);
	free(buf);
	return obs;
}
