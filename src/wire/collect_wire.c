#include "collect_wire.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define PEERINGS_MAX 65536u
#define INTERNET_MAX 65536u
#define TIMEOUT_MAX_MS 600000u
#define SUN_PATH_MAX 107
#define STR_MAX 4096

/* One peering as sent: what wanted_neighbors(), the route lookups, tc and the MD5 watch read. */
struct wire_peering {
	uint8_t type;
	uint8_t flags; /* WP_* */
	struct er_prefix v4[2], v6[2];
	char ifname[2][ER_IFNAMSIZ];
};

enum { WP_ENABLED = 1, WP_MD5 = 2, WP_V4 = 4, WP_V6 = 8, WP_ALL = 15 };

void
er_collect_wire_encode(const struct er_collect_opts *o, struct er_wbuf *b)
{
	const struct er_config *cfg = o->cfg;
	size_t c, p, n = 0;

	er_wbuf_u32(b, o->timeout_ms);
	er_wbuf_u32(b, (uint32_t)o->bgp);
	er_wbuf_str(b, o->frr_pathspace);
	er_wbuf_str(b, o->bird_socket);
	for (c = 0; cfg && c < cfg->n_circuits; c++)
		n += cfg->circuits[c].n_peerings;
	er_wbuf_u32(b, (uint32_t)n);
	for (c = 0; cfg && c < cfg->n_circuits; c++)
		for (p = 0; p < cfg->circuits[c].n_peerings; p++) {
			const struct er_peering_cfg *pc = &cfg->circuits[c].peerings[p];
			struct wire_peering w;

			memset(&w, 0, sizeof(w));
			w.type = (uint8_t)pc->type;
			w.flags = (uint8_t)((pc->enabled ? WP_ENABLED : 0) | (pc->has_md5 ? WP_MD5 : 0) |
			    (pc->has_v4 ? WP_V4 : 0) | (pc->has_v6 ? WP_V6 : 0));
			memcpy(w.v4, pc->v4, sizeof(w.v4));
			memcpy(w.v6, pc->v6, sizeof(w.v6));
			memcpy(w.ifname, pc->ifname, sizeof(w.ifname));
			er_wbuf_put(b, &w, sizeof(w));
		}
	er_wbuf_u32(b, cfg ? (uint32_t)cfg->n_internet_nbrs : 0);
	if (cfg)
		er_wbuf_put(b, cfg->internet_nbrs, cfg->n_internet_nbrs * sizeof(*cfg->internet_nbrs));
}

/* FRR's pathspace goes to vtysh -N: a plain name, never an option. */
static bool
pathspace_ok(const char *s)
{
	size_t i;

	if (strlen(s) > 64)
		return false;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return false;
	return !strstr(s, "..");
}

/* BIRD's control socket: where the collector process connects, with the group bird. */
static bool
bird_socket_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n && n <= SUN_PATH_MAX && s[0] == '/' && !strstr(s, "/../") && (n < 3 || strcmp(s + n - 3, "/.."));
}

int
er_collect_wire_decode(const void *p, size_t len, struct er_collect_opts *o, struct er_config **out, char *err,
    size_t errlen)
{
	struct er_config *cfg = xcalloc(1, sizeof(*cfg));
	struct er_circuit_cfg *circ;
	struct er_rbuf r;
	const char *policy = NULL;
	uint32_t timeout, bgp;
	size_t n, i;
	int k;

	*out = NULL;
	cfg->refs = 1;
	er_rbuf_init(&r, p, len, err, errlen);
	if (!er_rbuf_u32(&r, &timeout, "timeout") || !er_rbuf_u32(&r, &bgp, "bgp source") ||
	    !er_rbuf_str(&r, STR_MAX, &cfg->agent.frr_pathspace, "frr pathspace") ||
	    !er_rbuf_str(&r, STR_MAX, &cfg->agent.bird_socket, "bird socket"))
		goto bad;
	if (!timeout || timeout > TIMEOUT_MAX_MS) {
		er_rbuf_fail(&r, "timeout", "%u ms is not within 1..%u", timeout, TIMEOUT_MAX_MS);
		goto bad;
	}
	if (bgp > ER_BGPSRC_NONE) {
		er_rbuf_fail(&r, "bgp source", "%u is not a source", bgp);
		goto bad;
	}
	if (!er_rbuf_count(&r, sizeof(struct wire_peering), PEERINGS_MAX, &n, "peerings"))
		goto bad;
	if (n) {
		cfg->circuits = circ = xcalloc(1, sizeof(*circ));
		cfg->n_circuits = 1;
		circ->group = -1;
		circ->peerings = xcalloc(n, sizeof(*circ->peerings));
		for (i = 0; i < n; i++) {
			struct er_peering_cfg *pc = &circ->peerings[i];
			struct wire_peering w;

			if (!er_rbuf_get(&r, &w, sizeof(w), "peering"))
				goto bad;
			circ->n_peerings = i + 1;
			if (w.type < ER_PEERING_PRIVATE || w.type > ER_PEERING_PUBLIC || (w.flags & ~WP_ALL)) {
				er_rbuf_fail(&r, "peering", "type %u or flags 0x%x", w.type, w.flags);
				goto bad;
			}
			for (k = 0; k < 2; k++)
				if (!er_wire_prefix_ok(&w.v4[k]) || !er_wire_prefix_ok(&w.v6[k]) ||
				    !er_wire_cstr_ok(w.ifname[k], sizeof(w.ifname[k]))) {
					er_rbuf_fail(&r, "peering", "bad link subnet or interface");
					goto bad;
				}
			pc->type = (enum er_peering_type)w.type;
			pc->enabled = w.flags & WP_ENABLED;
			pc->has_md5 = w.flags & WP_MD5;
			pc->has_v4 = w.flags & WP_V4;
			pc->has_v6 = w.flags & WP_V6;
			memcpy(pc->v4, w.v4, sizeof(pc->v4));
			memcpy(pc->v6, w.v6, sizeof(pc->v6));
			memcpy(pc->ifname, w.ifname, sizeof(pc->ifname));
			pc->router[0] = pc->router[1] = -1;
		}
	}
	if (!er_rbuf_count(&r, sizeof(struct er_addr), INTERNET_MAX, &n, "internet neighbors"))
		goto bad;
	if (n) {
		cfg->internet_nbrs = xcalloc(n, sizeof(*cfg->internet_nbrs));
		if (!er_rbuf_get(&r, cfg->internet_nbrs, n * sizeof(*cfg->internet_nbrs), "internet neighbors"))
			goto bad;
		cfg->n_internet_nbrs = n;
		for (i = 0; i < n; i++)
			if (!er_wire_addr_ok(&cfg->internet_nbrs[i])) {
				er_rbuf_fail(&r, "internet neighbors", "bad address");
				goto bad;
			}
	}
	if (!er_rbuf_end(&r, "collect request"))
		goto bad;
	cfg->agent.bgp_source = (enum er_bgp_source)bgp;
	/*
	 * A configuration can hold these (YANG allows them): the collector
	 * does not use them, says why in the BGP source's status, and goes on.
	 */
	if (cfg->agent.frr_pathspace && !pathspace_ok(cfg->agent.frr_pathspace))
		policy = "frr-pathspace is not a plain name: not used by the collector process";
	else if (!bird_socket_ok(cfg->agent.bird_socket))
		policy = "bird-socket is not an absolute path (without ..) of at most 107 bytes: not used by the "
			 "collector process";
	if (policy) {
		snprintf(err, errlen, "%s", policy);
		cfg->agent.bgp_source = ER_BGPSRC_NONE;
	}
	er_config_build_indexes(cfg);
	o->cfg = cfg;
	o->timeout_ms = timeout;
	o->bgp = cfg->agent.bgp_source;
	o->frr_pathspace = cfg->agent.frr_pathspace;
	o->bird_socket = cfg->agent.bird_socket;
	*out = cfg;
	return policy ? 1 : 0;
bad:
	er_config_free(cfg);
	return -1;
}
