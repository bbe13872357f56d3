/*
 * FRR collector: BGP neighbours, BFD peers and the route lists of the
 * neighbours the config names, from vtysh's JSON.
 *
 * vtysh runs at most three times a collection, all under one deadline:
 * neighbours and BFD peers first, then the route lists, whose commands
 * need each neighbour's VRF and address families from the first answer.
 * A vtysh run costs a few tens of milliseconds, far less than guessing
 * VRFs and asking for routes that do not exist. `-E` echoes each command
 * before its answer, so the answers are told apart even when one of them
 * is an error line rather than JSON.
 *
 * FRR's JSON keys, as bgpd/bgp_vty.c, bgpd/bgp_route.c and bfdd/bfdd_vty.c
 * print them in 8.4 to 10.x:
 *  - the neighbours of `vrf all` are grouped per VRF (views too), keyed by
 *    address, or by interface name for unnumbered peers;
 *  - 9.0 added as-notation: with `as-notation dot` or `dot+` AS numbers
 *    (remoteAs, localAs, AS path strings) are printed as "1.10" strings;
 *  - route entries gained "valid"/"best" in 9.0 and lost
 *    "appliedStatusSymbols"/"bgpOriginCode" in 10.0; 10.x prints route
 *    lists unindented, 10.3 streams the advertised-routes answer;
 *  - `vrf all` answers have come out as one object per VRF (`show ip
 *    route vrf all json` before 10.1) or with a ',' missing between VRFs:
 *    should bgpd's do the same, both are accepted.
 */
#include "collect.h"

#include <ctype.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "util.h"

#define CMD_NEIGHBORS "show bgp vrf all neighbors json"
#define CMD_BFD "show bfd peers json"
/* Missing separators repaired in one answer before it counts as broken. */
#define MAX_REPAIRS 64

/* What a parse error names: "neighbor 172.16.0.2 (vrf default)". */
struct pctx {
	char what[160];
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 3, 4)))
pfail(struct pctx *c, const char *key, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (key)
		snprintf(c->err, c->errlen, "%s: %s: %s", c->what, key, msg);
	else
		snprintf(c->err, c->errlen, "%s: %s", c->what, msg);
	return -1;
}

static json_object *
member(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!json_object_is_type(o, json_type_object))
		return NULL;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *
type_name(json_object *v)
{
	return json_type_to_name(json_object_get_type(v));
}

/* A string member: 1 and *out when present, 0 when absent, -1 when not a string. */
static int
get_str(struct pctx *c, json_object *o, const char *key, const char *path, const char **out)
{
	json_object *v = member(o, key);

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return pfail(c, path ? path : key, "expected a string, got %s", type_name(v));
	*out = json_object_get_string(v);
	return 1;
}

static int
get_uint(struct pctx *c, json_object *o, const char *key, const char *path, uint64_t max, uint64_t *out)
{
	json_object *v = member(o, key);

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return pfail(c, path ? path : key, "expected an integer, got %s", type_name(v));
	if (json_object_get_int64(v) < 0 || json_object_get_uint64(v) > max)
		return pfail(c, path ? path : key, "%s is out of range 0..%llu", json_object_to_json_string(v),
		    (unsigned long long)max);
	*out = json_object_get_uint64(v);
	return 1;
}

static json_object *
get_obj(struct pctx *c, json_object *o, const char *key, const char *path, int *rc)
{
	json_object *v = member(o, key);

	*rc = 0;
	if (!v)
		return NULL;
	if (!json_object_is_type(v, json_type_object)) {
		*rc = pfail(c, path ? path : key, "expected an object, got %s", type_name(v));
		return NULL;
	}
	return v;
}

/* "12076", "0.12076" or "1.10" (asdot: high.low) of [s, s+len). */
static int
parse_asn(const char *s, size_t len, uint32_t *out)
{
	unsigned long long hi = 0, lo = 0, *cur = &lo;
	bool dot = false, digit = false;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '.' && !dot && digit) {
			dot = true;
			hi = lo;
			lo = 0;
			digit = false;
		} else if (isdigit((unsigned char)s[i])) {
			*cur = *cur * 10 + (unsigned)(s[i] - '0');
			if (*cur > UINT32_MAX)
				return -1;
			digit = true;
		} else
			return -1;
	}
	if (!digit)
		return -1;
	if (dot) {
		if (hi > UINT16_MAX || lo > UINT16_MAX)
			return -1;
		lo |= hi << 16;
	}
	*out = (uint32_t)lo;
	return 0;
}

static int
get_asn(struct pctx *c, json_object *o, const char *key, uint32_t *out)
{
	json_object *v = member(o, key);
	const char *s;
	int64_t n;

	if (!v)
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		n = json_object_get_int64(v);
		if (n < 0 || n > UINT32_MAX)
			return pfail(c, key, "%s is not an AS number", json_object_to_json_string(v));
		*out = (uint32_t)n;
		return 1;
	}
	if (!json_object_is_type(v, json_type_string))
		return pfail(c, key, "expected an AS number, got %s", type_name(v));
	s = json_object_get_string(v);
	if (parse_asn(s, strlen(s), out) < 0)
		return pfail(c, key, "'%s' is not an AS number", s);
	return 1;
}

/*
 * Parse every JSON document of text[0..len): one per answer, or one per
 * VRF from a `vrf all` printed the broken way.
 * With @p repair, a ',' missing between two members (a '}' or ']' followed
 * by '"') is put back. Returns 0, or -1 with a message.
 */
static int
parse_docs(const char *text, size_t len, bool repair, json_object ***docs, size_t *ndocs, char *err,
    size_t errlen)
{
	struct json_tokener *tok;
	size_t pos = 0, cap = 0, repairs = 0, bufcap = len + 1;
	char *buf;
	int rc = 0;

	*docs = NULL;
	*ndocs = 0;
	if (len > INT_MAX - MAX_REPAIRS) {
		snprintf(err, errlen, "answer of %zu bytes is too large", len);
		return -1;
	}
	if (!(tok = json_tokener_new()))
		fatal("json_tokener_new");
	buf = xcalloc(1, bufcap + MAX_REPAIRS);
	memcpy(buf, text, len);
	for (;;) {
		json_object *o;
		enum json_tokener_error jerr;
		size_t at, k;

		while (pos < len && isspace((unsigned char)buf[pos]))
			pos++;
		if (pos == len)
			break;
		json_tokener_reset(tok);
		o = json_tokener_parse_ex(tok, buf + pos, (int)(len - pos));
		jerr = json_tokener_get_error(tok);
		if (o || (jerr == json_tokener_success && json_tokener_get_parse_end(tok) > 0)) {
			/* a JSON null parses to NULL with success */
			if (*ndocs == cap) {
				cap = cap ? cap * 2 : 4;
				*docs = xreallocarray(*docs, cap, sizeof(**docs));
			}
			(*docs)[(*ndocs)++] = o;
			pos += json_tokener_get_parse_end(tok);
			continue;
		}
		if (jerr == json_tokener_continue) {
			snprintf(err, errlen, "truncated JSON: the answer ends inside a document (%zu bytes)", len);
			rc = -1;
			break;
		}
		at = pos + json_tokener_get_parse_end(tok);
		if (repair && repairs < MAX_REPAIRS && at < len && buf[at] == '"') {
			for (k = at; k > pos && isspace((unsigned char)buf[k - 1]); k--)
				;
			if (k > pos && (buf[k - 1] == '}' || buf[k - 1] == ']')) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = ',';
				len++;
				repairs++;
				continue;
			}
		}
		if (buf[pos] != '{' && buf[pos] != '[') {
			size_t n = strcspn(buf + pos, "\r\n");
			snprintf(err, errlen, "not JSON: '%.*s'", (int)(n > 120 ? 120 : n), buf + pos);
		} else
			snprintf(err, errlen, "invalid JSON at byte %zu: %s", at, json_tokener_error_desc(jerr));
		rc = -1;
		break;
	}
	if (rc < 0) {
		while (*ndocs)
			json_object_put((*docs)[--*ndocs]);
		free(*docs);
		*docs = NULL;
	} else if (repairs)
		log_debug("FRR: repaired %zu missing separators in a vtysh answer", repairs);
	json_tokener_free(tok);
	free(buf);
	return rc;
}

static void
free_docs(json_object **docs, size_t n)
{
	while (n)
		json_object_put(docs[--n]);
	free(docs);
}

/* Names of BGP notification codes and subcodes (RFC 4271 6, RFC 4486, RFC 8203, RFC 9003). */
static const char *const notify_codes[] = { NULL, "Message Header Error", "OPEN Message Error",
	"UPDATE Message Error", "Hold Timer Expired", "Neighbor Events Error", "Cease",
	"ROUTE-REFRESH Message Error" };
static const char *const cease_subcodes[] = { "Unspecific", "Maximum Number of Prefixes Reached",
	"Administrative Shutdown", "Peer De-configured", "Administrative Reset", "Connection Rejected",
	"Other Configuration Change", "Connection Collision Resolution", "Out of Resources", "Hard Reset",
	"BFD Down" };

/* "0601" (lastErrorCodeSubcode: code and subcode in hex) as words. */
static void
decode_notify(const char *hex, char *buf, size_t len)
{
	unsigned code, sub;
	char *end;
	unsigned long v = strtoul(hex, &end, 16);

	buf[0] = '\0';
	if (strlen(hex) != 4 || *end)
		return;
	code = (unsigned)(v >> 8);
	sub = (unsigned)(v & 0xff);
	if (code >= ARRAY_SIZE(notify_codes) || !notify_codes[code])
		snprintf(buf, len, "Notification %u/%u", code, sub);
	else if (code == 6 && sub < ARRAY_SIZE(cease_subcodes))
		snprintf(buf, len, "%s/%s", notify_codes[code], cease_subcodes[sub]);
	else if (sub)
		snprintf(buf, len, "%s/subcode %u", notify_codes[code], sub);
	else
		snprintf(buf, len, "%s", notify_codes[code]);
}

static enum er_bgp_state
frr_bgp_state(const char *s)
{
	/* bgpd's transient states after a session drops */
	if (!strcasecmp(s, "Clearing") || !strcasecmp(s, "Deleted"))
		return ER_BGP_IDLE;
	return er_bgp_state_from_name(s);
}

/* What the collector needs beyond struct er_bgp_neighbor to ask for routes. */
struct nbr_meta {
	char vrf[64];
	char key[64]; /* the neighbour as vtysh names it: address or interface */
	unsigned afis; /* bit n: ER_AFI_n unicast activated */
};

struct nbr_list {
	struct er_bgp_neighbor *v;
	struct nbr_meta *meta;
	size_t n, cap;
};

static int
parse_afi_info(struct pctx *c, json_object *o, struct er_bgp_neighbor *n, struct nbr_meta *m)
{
	static const char *const afi_keys[ER_AFI_COUNT] = { "ipv4Unicast", "ipv6Unicast" };
	json_object *afis, *a;
	char path[96];
	uint64_t v;
	int afi, rc;

	if (!(afis = get_obj(c, o, "addressFamilyInfo", NULL, &rc)))
		return rc;
	for (afi = 0; afi < ER_AFI_COUNT; afi++) {
		snprintf(path, sizeof(path), "addressFamilyInfo.%s", afi_keys[afi]);
		if (!(a = get_obj(c, afis, afi_keys[afi], path, &rc))) {
			if (rc < 0)
				return -1;
			continue;
		}
		m->afis |= 1u << afi;
		snprintf(path, sizeof(path), "addressFamilyInfo.%s.acceptedPrefixCounter", afi_keys[afi]);
		if ((rc = get_uint(c, a, "acceptedPrefixCounter", path, UINT32_MAX, &v)) < 0)
			return -1;
		if (rc)
			n->pfx_rcvd[afi] = (uint32_t)v;
		snprintf(path, sizeof(path), "addressFamilyInfo.%s.sentPrefixCounter", afi_keys[afi]);
		if ((rc = get_uint(c, a, "sentPrefixCounter", path, UINT32_MAX, &v)) < 0)
			return -1;
		if (rc)
			n->pfx_adv[afi] = (uint32_t)v;
	}
	return 0;
}

static int
parse_last_error(struct pctx *c, json_object *o, struct er_bgp_neighbor *n)
{
	const char *reason = NULL, *hex = NULL, *due = NULL;
	char decoded[96];

	if (get_str(c, o, "lastNotificationReason", NULL, &reason) < 0 ||
	    get_str(c, o, "lastErrorCodeSubcode", NULL, &hex) < 0 || get_str(c, o, "lastResetDueTo", NULL, &due) < 0)
		return -1;
	if (!reason && hex) {
		decode_notify(hex, decoded, sizeof(decoded));
		if (decoded[0])
			reason = decoded;
	}
	if (due && !due[0])
		due = NULL;
	/* "Notification received" says who ended it: keep it beside the reason. */
	if (reason && due)
		snprintf(n->last_error, sizeof(n->last_error), "%s (%s)", reason, due);
	else if (reason || due)
		snprintf(n->last_error, sizeof(n->last_error), "%s", reason ? reason : due);
	return 0;
}

static int
parse_neighbor(struct pctx *c, const char *vrf, const char *key, json_object *o, struct nbr_list *l)
{
	struct er_bgp_neighbor n;
	struct nbr_meta m;
	const char *s = NULL;
	uint64_t v;
	int rc;

	memset(&n, 0, sizeof(n));
	memset(&m, 0, sizeof(m));
	snprintf(c->what, sizeof(c->what), "neighbor %s (vrf %s)", key, vrf);
	snprintf(m.vrf, sizeof(m.vrf), "%s", vrf);
	snprintf(m.key, sizeof(m.key), "%s", key);
	if (er_addr_parse(key, &n.addr) < 0) {
		/* unnumbered: keyed by interface, the address learnt from the peer */
		const char *const addr_keys[] = { "bgpNeighborAddr", "neighborAddr", "hostForeign" };
		size_t i;

		snprintf(n.ifname, sizeof(n.ifname), "%s", key);
		for (i = 0; i < ARRAY_SIZE(addr_keys) && !n.addr.family; i++) {
			if (get_str(c, o, addr_keys[i], NULL, &s) < 0)
				return -1;
			if (s && er_addr_parse(s, &n.addr) < 0)
				n.addr.family = 0;
			s = NULL;
		}
		if (!n.addr.family) {
			log_debug("FRR: %s has no address yet, skipped", c->what);
			return 0;
		}
	}
	if (get_asn(c, o, "remoteAs", &n.remote_as) < 0 || get_asn(c, o, "localAs", &n.local_as) < 0)
		return -1;
	if ((rc = get_str(c, o, "bgpState", NULL, &s)) < 0)
		return -1;
	if (rc)
		n.state = frr_bgp_state(s);
	if ((rc = get_str(c, o, "hostLocal", NULL, &s)) < 0)
		return -1;
	if (rc && er_addr_parse(s, &n.local) < 0)
		n.local.family = 0; /* "Unknown" while down */
	if (n.state == ER_BGP_ESTABLISHED) {
		/* Timers and uptime mean something only while Established. */
		if ((rc = get_uint(c, o, "bgpTimerUpMsec", NULL, UINT64_MAX, &v)) < 0)
			return -1;
		if (rc)
			n.uptime = v / 1000 > UINT32_MAX ? UINT32_MAX : (uint32_t)(v / 1000);
		else {
			if ((rc = get_uint(c, o, "bgpTimerUpEstablishedEpoch", NULL, UINT64_MAX, &v)) < 0)
				return -1;
			if (rc && (uint64_t)time(NULL) >= v)
				n.uptime = (uint32_t)((uint64_t)time(NULL) - v);
		}
		if ((rc = get_uint(c, o, "bgpTimerHoldTimeMsecs", NULL, UINT16_MAX * 1000ull, &v)) < 0)
			return -1;
		if (rc)
			n.hold_time = (uint16_t)(v / 1000);
		if ((rc = get_uint(c, o, "bgpTimerKeepAliveIntervalMsecs", NULL, UINT16_MAX * 1000ull, &v)) < 0)
			return -1;
		if (rc)
			n.keepalive = (uint16_t)(v / 1000);
	}
	if (parse_afi_info(c, o, &n, &m) < 0 || parse_last_error(c, o, &n) < 0)
		return -1;
	/*
	 * FRR keeps the reason of the last reset after the session is back
	 * ("Waiting for peer OPEN" on one that never failed): it explains a
	 * session only while that one is down.
	 */
	if (n.state == ER_BGP_ESTABLISHED)
		n.last_error[0] = '\0';
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
		l->meta = xreallocarray(l->meta, l->cap, sizeof(*l->meta));
	}
	l->v[l->n] = n;
	l->meta[l->n++] = m;
	return 0;
}

static bool
is_neighbor(json_object *o)
{
	return member(o, "bgpState") || member(o, "remoteAs");
}

static int
parse_vrf(struct pctx *c, const char *vrf, json_object *o, struct nbr_list *l)
{
	json_object_object_foreach(o, key, val) {
		/* vrfId, vrfName and bgpNoSuchNeighbor sit beside the neighbours */
		if (json_object_is_type(val, json_type_object) && is_neighbor(val) &&
		    parse_neighbor(c, vrf, key, val, l) < 0)
			return -1;
	}
	return 0;
}

/*
 * Neighbours of one `show bgp vrf all neighbors json` answer, appended to
 * @p obs; with @p meta, what the collector needs to ask for their routes
 * (parallel to the appended neighbours, *nmeta of them).
 */
static int
parse_neighbors(const char *json, size_t len, struct er_observed *obs, struct nbr_meta **meta, size_t *nmeta,
    char *err, size_t errlen)
{
	struct pctx c = { "", err, errlen };
	struct nbr_list l = { NULL, NULL, 0, 0 };
	json_object **docs;
	size_t ndocs, i;
	int rc = 0;

	if (parse_docs(json, len, true, &docs, &ndocs, err, errlen) < 0)
		return -1;
	for (i = 0; i < ndocs && rc == 0; i++) {
		if (!json_object_is_type(docs[i], json_type_object)) {
			snprintf(c.what, sizeof(c.what), "show bgp vrf all neighbors");
			rc = pfail(&c, NULL, "expected an object of VRFs, got %s", type_name(docs[i]));
			break;
		}
		json_object_object_foreach(docs[i], key, val) {
			if (!json_object_is_type(val, json_type_object))
				continue;
			/* `show bgp neighbors json` (one VRF) has no VRF level */
			if (is_neighbor(val))
				rc = parse_neighbor(&c, "default", key, val, &l);
			else
				rc = parse_vrf(&c, key, val, &l);
			if (rc < 0)
				break;
		}
	}
	free_docs(docs, ndocs);
	if (rc == 0 && l.n) {
		obs->nbrs = xreallocarray(obs->nbrs, obs->n_nbrs + l.n, sizeof(*obs->nbrs));
		memcpy(obs->nbrs + obs->n_nbrs, l.v, l.n * sizeof(*l.v));
		obs->n_nbrs += l.n;
	}
	free(l.v);
	if (rc == 0 && meta) {
		*meta = l.meta;
		*nmeta = l.n;
	} else
		free(l.meta);
	return rc;
}

int
er_frr_parse_neighbors(const char *json, struct er_observed *obs, char *err, size_t errlen)
{
	return parse_neighbors(json, strlen(json), obs, NULL, NULL, err, errlen);
}

static enum er_bfd_state
frr_bfd_state(const char *s)
{
	if (!strcasecmp(s, "up"))
		return ER_BFD_UP;
	if (!strcasecmp(s, "init"))
		return ER_BFD_INIT;
	/* bfdd prints "shutdown" for AdminDown */
	if (!strcasecmp(s, "shutdown") || !strcasecmp(s, "adminDown") || !strcasecmp(s, "admin-down"))
		return ER_BFD_ADMIN_DOWN;
	return ER_BFD_DOWN;
}

static int
parse_bfd(const char *json, size_t len, struct er_observed *obs, char *err, size_t errlen)
{
	struct pctx c = { "show bfd peers", err, errlen };
	struct er_bfd_peer *peers = NULL;
	size_t ndocs, d, i, n = 0, cap = 0;
	json_object **docs;
	int rc = 0;

	if (parse_docs(json, len, false, &docs, &ndocs, err, errlen) < 0)
		return -1;
	for (d = 0; d < ndocs && rc == 0; d++) {
		json_object *arr = docs[d];
		size_t cnt;

		/* `show bfd peer X json` answers with one object */
		if (json_object_is_type(arr, json_type_object))
			cnt = 1;
		else if (json_object_is_type(arr, json_type_array))
			cnt = json_object_array_length(arr);
		else {
			rc = pfail(&c, NULL, "expected an array of peers, got %s", type_name(arr));
			break;
		}
		for (i = 0; i < cnt; i++) {
			json_object *p = cnt == 1 && !json_object_is_type(arr, json_type_array) ? arr :
			    json_object_array_get_idx(arr, i);
			struct er_bfd_peer b;
			const char *s = NULL;

			memset(&b, 0, sizeof(b));
			snprintf(c.what, sizeof(c.what), "BFD peer %zu", n);
			if (!json_object_is_type(p, json_type_object)) {
				rc = pfail(&c, NULL, "expected an object, got %s", type_name(p));
				break;
			}
			if ((rc = get_str(&c, p, "peer", NULL, &s)) <= 0) {
				rc = rc < 0 ? -1 : pfail(&c, "peer", "missing");
				break;
			}
			if (er_addr_parse(s, &b.peer) < 0) {
				rc = pfail(&c, "peer", "'%s' is not an address", s);
				break;
			}
			snprintf(c.what, sizeof(c.what), "BFD peer %s", s);
			if ((rc = get_str(&c, p, "interface", NULL, &s)) < 0)
				break;
			if (rc)
				snprintf(b.ifname, sizeof(b.ifname), "%s", s);
			if ((rc = get_str(&c, p, "status", NULL, &s)) <= 0) {
				rc = rc < 0 ? -1 : pfail(&c, "status", "missing");
				break;
			}
			b.state = frr_bfd_state(s);
			rc = 0;
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				peers = xreallocarray(peers, cap, sizeof(*peers));
			}
			peers[n++] = b;
		}
	}
	free_docs(docs, ndocs);
	if (rc == 0 && n) {
		obs->bfd = xreallocarray(obs->bfd, obs->n_bfd + n, sizeof(*obs->bfd));
		memcpy(obs->bfd + obs->n_bfd, peers, n * sizeof(*peers));
		obs->n_bfd += n;
	}
	free(peers);
	return rc;
}

int
er_frr_parse_bfd(const char *json, struct er_observed *obs, char *err, size_t errlen)
{
	return parse_bfd(json, strlen(json), obs, err, errlen);
}

/* Routes of one answer, before they join the neighbour's list. */
struct route_buf {
	struct er_route *r;
	size_t n, cap;
	uint32_t *paths;
	size_t npaths, pcap;
};

/*
 * An AS path as FRR prints it: "12076 65515", "" for a local route,
 * "{64500,64501}" for an AS_SET, "(65001 65002)" for a confederation
 * segment; asdot numbers with as-notation dot. Sets and confederation
 * members are kept in order: the checks count ASes, not segments.
 */
static int
parse_path(struct route_buf *b, const char *s, uint32_t *off, uint16_t *plen)
{
	size_t start = b->npaths, i = 0, k;

	while (s[i]) {
		uint32_t asn;

		if (strchr(" \t{}(),[]", s[i])) {
			i++;
			continue;
		}
		k = strcspn(s + i, " \t{}(),[]");
		if (parse_asn(s + i, k, &asn) < 0) {
			b->npaths = start;
			return -1;
		}
		if (b->npaths == b->pcap) {
			b->pcap = b->pcap ? b->pcap * 2 : 64;
			b->paths = xreallocarray(b->paths, b->pcap, sizeof(*b->paths));
		}
		b->paths[b->npaths++] = asn;
		i += k;
	}
	if (b->npaths - start > UINT16_MAX) {
		b->npaths = start;
		return -1;
	}
	*off = (uint32_t)start;
	*plen = (uint16_t)(b->npaths - start);
	return 0;
}

/* The path object of a received prefix: the best, else a valid one, else the first. */
static json_object *
pick_path(json_object *paths)
{
	json_object *valid = NULL, *p;
	size_t i, n = json_object_array_length(paths);

	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(paths, i);
		if (json_object_get_boolean(member(p, "bestpath")) || json_object_get_boolean(member(p, "best")))
			return p;
		if (!valid && json_object_get_boolean(member(p, "valid")))
			valid = p;
	}
	return valid ? valid : n ? json_object_array_get_idx(paths, 0) : NULL;
}

static int
parse_route(struct pctx *c, const char *map, const char *pfx, json_object *val, struct route_buf *b)
{
	json_object *p = val, *aspath;
	struct er_route r;
	const char *s = NULL;
	char path[128];
	int rc;

	memset(&r, 0, sizeof(r));
	snprintf(path, sizeof(path), "%s[\"%s\"]", map, pfx);
	if (er_prefix_parse(pfx, false, true, &r.pfx) < 0)
		return pfail(c, path, "not an IP prefix");
	if (json_object_is_type(val, json_type_array)) {
		if (!(p = pick_path(val)))
			return 0; /* a prefix without paths: nothing received */
	}
	if (!json_object_is_type(p, json_type_object))
		return pfail(c, path, "expected an object, got %s", type_name(p));
	strlcatf(path, sizeof(path), ".path");
	if ((rc = get_str(c, p, "path", path, &s)) < 0)
		return -1;
	if (!rc) {
		/* detail answers carry "aspath": {"string": ...} instead */
		if ((aspath = get_obj(c, p, "aspath", NULL, &rc)) && get_str(c, aspath, "string", "aspath.string", &s) < 0)
			return -1;
		if (rc < 0)
			return -1;
	}
	if (s && parse_path(b, s, &r.path_off, &r.path_len) < 0)
		return pfail(c, path, "'%s' is not an AS path", s);
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->r = xreallocarray(b->r, b->cap, sizeof(*b->r));
	}
	b->r[b->n++] = r;
	return 0;
}

static int
parse_routes(const char *json, size_t len, struct er_bgp_neighbor *n, bool advertised, char *err, size_t errlen)
{
	static const char *const adv_maps[] = { "advertisedRoutes", NULL };
	static const char *const rcv_maps[] = { "routes", "receivedRoutes", NULL };
	struct pctx c = { "", err, errlen };
	struct route_buf b = { NULL, 0, 0, NULL, 0, 0 };
	struct er_route **list = advertised ? &n->adv : &n->rcv;
	size_t *count = advertised ? &n->n_adv : &n->n_rcv;
	bool found = false;
	json_object **docs;
	size_t ndocs, d, i;
	char a[ER_PREFIX_STRLEN];
	int rc = 0;

	snprintf(c.what, sizeof(c.what), "neighbor %s %s routes", er_addr_str(&n->addr, a, sizeof(a)),
	    advertised ? "advertised" : "received");
	if (parse_docs(json, len, false, &docs, &ndocs, err, errlen) < 0)
		return -1;
	for (d = 0; d < ndocs && rc == 0; d++) {
		const char *const *m;
		json_object *map = NULL;

		if (!json_object_is_type(docs[d], json_type_object)) {
			rc = pfail(&c, NULL, "expected an object, got %s", type_name(docs[d]));
			break;
		}
		for (m = advertised ? adv_maps : rcv_maps; *m; m++)
			if ((map = get_obj(&c, docs[d], *m, NULL, &rc)) || rc < 0)
				break;
		if (rc < 0)
			break;
		/* {"warning": "No such neighbor or address family"}: not collected */
		if (!map)
			continue;
		found = true;
		json_object_object_foreach(map, key, val) {
			if ((rc = parse_route(&c, *m, key, val, &b)) < 0)
				break;
		}
	}
	free_docs(docs, ndocs);
	if (rc == 0 && found) {
		size_t base = n->n_paths;
		if (b.npaths) {
			n->paths = xreallocarray(n->paths, n->n_paths + b.npaths, sizeof(*n->paths));
			memcpy(n->paths + n->n_paths, b.paths, b.npaths * sizeof(*b.paths));
			n->n_paths += b.npaths;
		}
		if (b.n) {
			*list = xreallocarray(*list, *count + b.n, sizeof(**list));
			for (i = 0; i < b.n; i++) {
				b.r[i].path_off += (uint32_t)base;
				(*list)[*count + i] = b.r[i];
			}
			*count += b.n;
		}
		if (advertised)
			n->have_adv = true;
		else
			n->have_rcv = true;
	}
	free(b.r);
	free(b.paths);
	return rc;
}

int
er_frr_parse_routes(const char *json, struct er_bgp_neighbor *n, bool advertised, char *err, size_t errlen)
{
	return parse_routes(json, strlen(json), n, advertised, err, errlen);
}

/* vtysh's argument vector; every element is ours to free. */
struct argv {
	char **v;
	size_t n, cap;
};

static void
av_add(struct argv *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

static void
av_cmd(struct argv *a, const char *cmd)
{
	av_add(a, "-c");
	av_add(a, cmd);
}

static void
av_init(struct argv *a, const struct er_collect_opts *o)
{
	memset(a, 0, sizeof(*a));
	av_add(a, o->vtysh ? o->vtysh : "vtysh");
	if (o->frr_pathspace && o->frr_pathspace[0]) {
		av_add(a, "-N");
		av_add(a, o->frr_pathspace);
	}
	/* -E echoes each command before its answer; -H keeps the commands out of ~/.history_frr */
	av_add(a, "-E");
	av_add(a, "-H");
	av_add(a, "/dev/null");
}

static void
av_free(struct argv *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

struct answer {
	const char *text;
	size_t len;
};

/*
 * Find the answer to each command in vtysh -E output: the text after the
 * line echoing it ("host# CMD"), up to the next echo line. A command
 * without an echo line has no answer (text NULL).
 */
static void
split_answers(const char *out, size_t len, char *const *cmds, size_t ncmds, struct answer *ans)
{
	const char *end = out + len, *pos = out, *ls, *le;
	struct answer *prev = NULL;
	size_t k;

	for (k = 0; k < ncmds; k++) {
		size_t cl = strlen(cmds[k]);

		ans[k].text = NULL;
		ans[k].len = 0;
		for (ls = pos; ls < end; ls = le + 1) {
			if (!(le = memchr(ls, '\n', (size_t)(end - ls))))
				le = end;
			if ((size_t)(le - ls) >= cl + 2 && !memcmp(le - cl, cmds[k], cl) && le[-(ptrdiff_t)cl - 1] == ' ' &&
			    le[-(ptrdiff_t)cl - 2] == '#') {
				if (prev)
					prev->len = (size_t)(ls - prev->text);
				ans[k].text = le < end ? le + 1 : end;
				ans[k].len = (size_t)(end - ans[k].text);
				prev = &ans[k];
				pos = ans[k].text;
				break;
			}
			if (le == end)
				break;
		}
	}
}

/* Run vtysh with @p a's commands and split its answers (ans[i] for the i-th command). */
static int
run_vtysh(struct argv *a, unsigned long long deadline_us, char **out, struct answer **ans, size_t *nans,
    char *err, size_t errlen)
{
	char **cmds = xcalloc(a->n, sizeof(*cmds));
	size_t i, n = 0, len = 0;
	int rc;

	*ans = NULL;
	*nans = 0;
	for (i = 1; i + 1 < a->n; i++)
		if (!strcmp(a->v[i], "-c"))
			cmds[n++] = a->v[++i];
	rc = er_run_command(a->v, deadline_us, out, &len, err, errlen);
	if (rc == ER_COLLECT_OK) {
		*ans = xcalloc(n, sizeof(**ans));
		*nans = n;
		split_answers(*out, len, cmds, n, *ans);
	}
	free(cmds);
	return rc;
}

/* A neighbour the config names: an MSEE of some peering or an internet neighbour. */
struct wanted {
	struct er_addr addr;
	bool received; /* an MSEE: its received routes are checked too */
};

static size_t
wanted_neighbors(const struct er_config *cfg, struct wanted **out)
{
	size_t i, j, k, n = 0, cap = 0;
	struct wanted *w = NULL;

	*out = NULL;
	if (!cfg)
		return 0;
	for (i = 0; i < cfg->n_circuits; i++) {
		for (j = 0; j < cfg->circuits[i].n_peerings; j++) {
			const struct er_peering_cfg *p = &cfg->circuits[i].peerings[j];
			const struct er_prefix *sub[4];
			size_t ns = er_peering_subnets(p, sub);

			for (k = 0; k < ns; k++) {
				struct er_addr customer;
				if (n == cap) {
					cap = cap ? cap * 2 : 8;
					w = xreallocarray(w, cap, sizeof(*w));
				}
				er_link_addrs(sub[k], &customer, &w[n].addr);
				w[n++].received = true; /* VNets (rule 6), Microsoft's prefixes (rule 32) */
			}
		}
	}
	for (i = 0; i < cfg->n_internet_nbrs; i++) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			w = xreallocarray(w, cap, sizeof(*w));
		}
		w[n].addr = cfg->internet_nbrs[i];
		w[n++].received = false;
	}
	*out = w;
	return n;
}

/* One route-list command of the second vtysh run and the neighbour it fills. */
struct route_cmd {
	size_t nbr; /* index in obs->nbrs */
	bool advertised;
};

static size_t
route_commands(const struct er_collect_opts *o, const struct er_observed *obs, size_t first,
    const struct nbr_meta *meta, size_t nmeta, struct argv *a, struct route_cmd **rcmds)
{
	static const char *const afi_names[ER_AFI_COUNT] = { "ipv4", "ipv6" };
	struct wanted *w;
	size_t nw = wanted_neighbors(o->cfg, &w), i, k, n = 0, cap = 0;
	char cmd[256], vrf[80];
	int afi, kind;

	*rcmds = NULL;
	for (i = 0; i < nmeta; i++) {
		const struct er_bgp_neighbor *nb = &obs->nbrs[first + i];
		bool want = false, rcv = false;

		for (k = 0; k < nw; k++)
			if (er_addr_eq(&w[k].addr, &nb->addr)) {
				want = true;
				rcv |= w[k].received;
			}
		/* Down sessions advertise nothing: no question to ask. */
		if (!want || nb->state != ER_BGP_ESTABLISHED)
			continue;
		if (!strcmp(meta[i].vrf, "default"))
			vrf[0] = '\0';
		else
			snprintf(vrf, sizeof(vrf), " vrf %s", meta[i].vrf);
		for (afi = 0; afi < ER_AFI_COUNT; afi++) {
			if (!(meta[i].afis & (1u << afi)))
				continue;
			for (kind = 0; kind < (rcv ? 2 : 1); kind++) {
				/* `routes` shows what the neighbour sent, without soft-reconfiguration */
				snprintf(cmd, sizeof(cmd), "show bgp%s %s unicast neighbors %s %s json", vrf, afi_names[afi],
				    meta[i].key, kind == 0 ? "advertised-routes" : "routes");
				av_cmd(a, cmd);
				if (n == cap) {
					cap = cap ? cap * 2 : 8;
					*rcmds = xreallocarray(*rcmds, cap, sizeof(**rcmds));
				}
				(*rcmds)[n].nbr = first + i;
				(*rcmds)[n++].advertised = kind == 0;
			}
		}
	}
	free(w);
	return n;
}

/* Second run: the route lists. Failures short of the deadline leave the lists out. */
static int
collect_routes(const struct er_collect_opts *o, struct er_observed *obs, size_t first, const struct nbr_meta *meta,
    size_t nmeta, unsigned long long deadline_us, char *err, size_t errlen)
{
	struct route_cmd *rc_list;
	struct answer *ans = NULL;
	struct argv a;
	char *out = NULL, perr[256];
	size_t n, nans, i;
	int rc;

	av_init(&a, o);
	if (!(n = route_commands(o, obs, first, meta, nmeta, &a, &rc_list))) {
		av_free(&a);
		return ER_COLLECT_OK;
	}
	rc = run_vtysh(&a, deadline_us, &out, &ans, &nans, err, errlen);
	/*
	 * The sessions are already read: without route lists (error or
	 * deadline) they stay, and the checks that need the lists say so.
	 */
	if (rc != ER_COLLECT_OK) {
		log_warnx("FRR: route lists not collected: %s", err);
		err[0] = '\0';
		rc = ER_COLLECT_OK;
	}
	for (i = 0; rc == ER_COLLECT_OK && i < nans && i < n; i++) {
		struct er_bgp_neighbor *nb = &obs->nbrs[rc_list[i].nbr];
		if (!ans[i].text) {
			log_warnx("FRR: no answer to '%s'", a.v[a.n - 2 * (n - i) + 1]);
			continue;
		}
		if (parse_routes(ans[i].text, ans[i].len, nb, rc_list[i].advertised, perr, sizeof(perr)) < 0)
			log_warnx("FRR: %s", perr);
	}
	free(ans);
	free(out);
	free(rc_list);
	av_free(&a);
	return rc;
}

/*
 * Third run (rules 25, 26): every path of each prefix received from
 * Microsoft, in the VRF of a neighbour that sent it. Failures short of the
 * deadline leave the paths out; the checks say so.
 */
static int
collect_prefixes(const struct er_collect_opts *o, struct er_observed *obs, size_t first, const struct nbr_meta *meta,
    size_t nmeta, unsigned long long deadline_us, char *err, size_t errlen)
{
	struct er_prefix *t;
	size_t n = er_route_lookup_targets(o->cfg, obs, &t), i, k, r, nans;
	struct answer *ans = NULL;
	struct argv a;
	char *out = NULL, cmd[256], p[ER_PREFIX_STRLEN], perr[256];
	int rc;

	if (!n)
		return ER_COLLECT_OK;
	av_init(&a, o);
	for (i = 0; i < n; i++) {
		const char *vrf = "default";
		struct er_prefix net;
		for (k = 0; k < nmeta && !strcmp(vrf, "default"); k++)
			for (r = 0; r < obs->nbrs[first + k].n_rcv; r++) {
				er_prefix_network(&obs->nbrs[first + k].rcv[r].pfx, &net);
				if (!er_prefix_cmp(&net, &t[i])) {
					vrf = meta[k].vrf;
					break;
				}
			}
		snprintf(cmd, sizeof(cmd), "show bgp%s%s %s unicast %s json", strcmp(vrf, "default") ? " vrf " : "",
		    strcmp(vrf, "default") ? vrf : "", t[i].addr.family == ER_AF_INET ? "ipv4" : "ipv6",
		    er_prefix_str(&t[i], p, sizeof(p)));
		av_cmd(&a, cmd);
	}
	rc = run_vtysh(&a, deadline_us, &out, &ans, &nans, err, errlen);
	if (rc != ER_COLLECT_OK) {
		log_warnx("FRR: paths of the prefixes received from Microsoft not collected: %s", err);
		err[0] = '\0';
		rc = ER_COLLECT_OK;
	}
	for (i = 0; i < nans && i < n; i++) {
		if (!ans[i].text)
			continue;
		if (er_frr_parse_prefix(ans[i].text, ans[i].len, obs, perr, sizeof(perr)) < 0)
			log_warnx("FRR: %s: %s", er_prefix_str(&t[i], p, sizeof(p)), perr);
	}
	free(ans);
	free(out);
	free(t);
	av_free(&a);
	return rc;
}

int
er_collect_frr(const struct er_collect_opts *o, struct er_observed *obs, unsigned long long deadline_us,
    char *err, size_t errlen)
{
	struct nbr_meta *meta = NULL;
	struct answer *ans = NULL;
	struct argv a;
	char *out = NULL, first_err[256] = "";
	size_t nans, nmeta = 0, first = obs->n_nbrs;
	bool bfd = true;
	int rc;

	av_init(&a, o);
	av_cmd(&a, CMD_NEIGHBORS);
	av_cmd(&a, CMD_BFD);
	rc = run_vtysh(&a, deadline_us, &out, &ans, &nans, err, errlen);
	if (rc == ER_COLLECT_ERROR) {
		/*
		 * vtysh stops at the first command a daemon cannot answer:
		 * "bfdd is not running" when BFD is not used. Ask again without
		 * it; if that fails too, FRR itself is not answering.
		 */
		snprintf(first_err, sizeof(first_err), "%s", err);
		av_free(&a);
		av_init(&a, o);
		av_cmd(&a, CMD_NEIGHBORS);
		bfd = false;
		rc = run_vtysh(&a, deadline_us, &out, &ans, &nans, err, errlen);
	}
	if (rc != ER_COLLECT_OK)
		goto done;
	if (!bfd)
		log_debug("FRR: no BFD peers (%s)", first_err);
	if (!ans[0].text) {
		snprintf(err, errlen, "vtysh printed no answer to '%s'", CMD_NEIGHBORS);
		rc = ER_COLLECT_ERROR;
		goto done;
	}
	if (parse_neighbors(ans[0].text, ans[0].len, obs, &meta, &nmeta, err, errlen) < 0) {
		rc = ER_COLLECT_ERROR;
		goto done;
	}
	if (bfd) {
		char berr[256];
		/* bfdd answering with an error line is no reason to drop the BGP state */
		if (!ans[1].text)
			log_debug("FRR: no answer to '%s'", CMD_BFD);
		else if (parse_bfd(ans[1].text, ans[1].len, obs, berr, sizeof(berr)) < 0)
			log_debug("FRR: BFD peers not read: %s", berr);
	}
	rc = collect_routes(o, obs, first, meta, nmeta, deadline_us, err, errlen);
	if (rc == ER_COLLECT_OK)
		rc = collect_prefixes(o, obs, first, meta, nmeta, deadline_us, err, errlen);
	if (rc == ER_COLLECT_OK && errlen)
		err[0] = '\0'; /* the first run's complaint about bfdd is not the outcome */
done:
	free(meta);
	free(ans);
	free(out);
	av_free(&a);
	return rc;
}
