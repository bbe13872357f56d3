#include "config.h"

#include <libyang/libyang.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "lyd_util.h"
#include "util.h"

const char *
er_conn_model_name(enum er_conn_model m)
{
	static const char *const n[] = { "", "cloud-exchange-colocation", "point-to-point-ethernet",
		"any-to-any-ipvpn", "expressroute-direct" };
	return (unsigned)m < ARRAY_SIZE(n) ? n[m] : "";
}

const char *
er_tier_name(enum er_sku_tier t)
{
	static const char *const n[] = { "", "local", "standard", "premium" };
	return (unsigned)t < ARRAY_SIZE(n) ? n[t] : "";
}

const char *
er_family_name(enum er_sku_family f)
{
	static const char *const n[] = { "", "metered-data", "unlimited-data" };
	return (unsigned)f < ARRAY_SIZE(n) ? n[f] : "";
}

const char *
er_prov_state_name(enum er_prov_state s)
{
	static const char *const n[] = { "", "not-provisioned", "provisioning", "provisioned",
		"deprovisioning" };
	return (unsigned)s < ARRAY_SIZE(n) ? n[s] : "";
}

const char *
er_qos_profile_name(enum er_qos_profile p)
{
	static const char *const n[] = { "none", "current", "legacy-2016" };
	return (unsigned)p < ARRAY_SIZE(n) ? n[p] : "";
}

const char *
er_res_tier_name(enum er_res_tier t)
{
	static const char *const n[] = { "", "none", "standard", "high", "maximum" };
	return (unsigned)t < ARRAY_SIZE(n) ? n[t] : "";
}

static int
name_index(const char *const *names, size_t n, const char *v)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		if (names[i][0] && strcmp(names[i], v) == 0)
			return (int)i;
	return 0;
}

#define ENUM_OF(names, v) name_index(names, ARRAY_SIZE(names), v)

static bool
cbool(const struct lyd_node *parent, const char *name, bool dflt)
{
	const char *v = er_lyd_value(parent, name);

	return v ? !strcmp(v, "true") : dflt;
}

static unsigned long
cnum(const struct lyd_node *parent, const char *name, unsigned long dflt)
{
	const char *v = er_lyd_value(parent, name);

	return v ? strtoul(v, NULL, 10) : dflt;
}

static char *
cstrdup(const struct lyd_node *parent, const char *name, const char *dflt)
{
	const char *v = er_lyd_value(parent, name);

	if (!v)
		v = dflt;
	return v ? xstrdup(v) : NULL;
}

static size_t
count_children(const struct lyd_node *parent, const char *name)
{
	const struct lyd_node *n;
	size_t cnt = 0;

	if (!parent)
		return 0;
	LY_LIST_FOR(lyd_child(parent), n) {
		if (!strcmp(LYD_NAME(n), name))
			cnt++;
	}
	return cnt;
}

/* Collect a leaf-list of prefixes; libyang has already checked the syntax. */
static struct er_prefix *
prefix_list(const struct lyd_node *parent, const char *name, size_t *n_out)
{
	size_t n = count_children(parent, name), i = 0;
	struct er_prefix *v = n ? xcalloc(n, sizeof(*v)) : NULL;
	const struct lyd_node *c;

	if (n) {
		LY_LIST_FOR(lyd_child(parent), c) {
			if (strcmp(LYD_NAME(c), name) != 0)
				continue;
			if (er_prefix_parse(lyd_get_value(c), false, true, &v[i]) == 0)
				i++;
		}
	}
	*n_out = i;
	return v;
}

size_t
er_peering_subnets(const struct er_peering_cfg *p, const struct er_prefix *out[4])
{
	size_t n = 0;

	if (p->has_v4) {
		out[n++] = &p->v4[0];
		out[n++] = &p->v4[1];
	}
	if (p->has_v6) {
		out[n++] = &p->v6[0];
		out[n++] = &p->v6[1];
	}
	return n;
}

void
er_link_addrs(const struct er_prefix *subnet, struct er_addr *customer, struct er_addr *msee)
{
	/* R16/HC24: the customer router takes the first usable address. */
	er_prefix_nth(subnet, 1, customer);
	er_prefix_nth(subnet, 2, msee);
}

static void
link_subnets(const struct lyd_node *af, struct er_prefix out[2], struct er_prefix *block, bool *has)
{
	const char *p = er_lyd_value(af, "primary-subnet"), *s = er_lyd_value(af, "secondary-subnet");
	const char *blk = er_lyd_value(af, "subnet");

	*has = false;
	memset(block, 0, sizeof(*block));
	if (p && s && er_prefix_parse(p, false, false, &out[0]) == 0 &&
	    er_prefix_parse(s, false, false, &out[1]) == 0)
		*has = true;
	else if (blk && er_prefix_parse(blk, false, false, block) == 0) {
		er_prefix_halves(block, &out[0], &out[1]);
		*has = true;
	}
}

static int
partner_index(const struct er_agent_cfg *a, const char *name)
{
	size_t i;

	for (i = 0; name && i < a->n_partners; i++)
		if (!strcmp(a->partners[i].name, name))
			return (int)i;
	return -1;
}

static void
peering_from_tree(const struct lyd_node *pn, const struct er_agent_cfg *agent, struct er_peering_cfg *p)
{
	static const char *const qos[] = { "none", "current", "legacy-2016" };
	const char *v;

	p->type = er_peering_from_name(er_lyd_value(pn, "type"));
	p->enabled = cbool(pn, "enabled", true);
	p->vlan_id = (uint16_t)cnum(pn, "vlan-id", 0);
	p->customer_asn = (uint32_t)cnum(pn, "customer-asn", 0);
	p->has_md5 = er_lyd_value(pn, "md5-key") != NULL;
	link_subnets(er_lyd_child(pn, "ipv4"), p->v4, &p->v4_block, &p->has_v4);
	link_subnets(er_lyd_child(pn, "ipv6"), p->v6, &p->v6_block, &p->has_v6);
	if ((v = er_lyd_value(pn, "primary-interface")))
		snprintf(p->ifname[0], sizeof(p->ifname[0]), "%s", v);
	if ((v = er_lyd_value(pn, "secondary-interface")))
		snprintf(p->ifname[1], sizeof(p->ifname[1]), "%s", v);
	/* The leafrefs are validated by libyang: a name always resolves. */
	p->router[0] = partner_index(agent, er_lyd_value(pn, "primary-router"));
	p->router[1] = partner_index(agent, er_lyd_value(pn, "secondary-router"));
	p->bfd_expected = cbool(pn, "bfd-expected", true);
	p->adv_public = prefix_list(pn, "advertised-public-prefix", &p->n_adv_public);
	if ((v = er_lyd_value(pn, "routing-registry")))
		snprintf(p->registry, sizeof(p->registry), "%s", v);
	p->nat_pool = prefix_list(pn, "nat-pool", &p->n_nat_pool);
	v = er_lyd_value(pn, "qos-profile");
	p->qos = v ? (enum er_qos_profile)ENUM_OF(qos, v) : ER_QOS_CURRENT;
	p->limit_warn_pct = (uint8_t)cnum(pn, "prefix-limit-warning", 90);
}

static int
group_index(const struct er_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; name && i < cfg->n_groups; i++)
		if (!strcmp(cfg->groups[i].name, name))
			return (int)i;
	return -1;
}

static void
circuit_from_tree(const struct lyd_node *cn, const struct er_config *cfg, struct er_circuit_cfg *c)
{
	static const char *const model[] = { "", "cloud-exchange-colocation", "point-to-point-ethernet",
		"any-to-any-ipvpn", "expressroute-direct" };
	static const char *const tier[] = { "", "local", "standard", "premium" };
	static const char *const fam[] = { "", "metered-data", "unlimited-data" };
	static const char *const prov[] = { "", "not-provisioned", "provisioning", "provisioned",
		"deprovisioning" };
	const struct lyd_node *sku = er_lyd_child(cn, "sku"), *n;
	const char *v;
	size_t i = 0;

	snprintf(c->name, sizeof(c->name), "%s", er_lyd_value(cn, "name"));
	if ((v = er_lyd_value(cn, "service-key")))
		snprintf(c->service_key, sizeof(c->service_key), "%s", v);
	c->provider = cstrdup(cn, "provider", NULL);
	c->location = cstrdup(cn, "peering-location", NULL);
	c->secondary_location = cstrdup(cn, "secondary-peering-location", NULL);
	c->group = group_index(cfg, er_lyd_value(cn, "resiliency-group"));
	c->model = (enum er_conn_model)ENUM_OF(model, er_lyd_value(cn, "connectivity-model"));
	v = er_lyd_value(cn, "service-layer");
	c->layer = v && !strcmp(v, "managed-layer-3") ? ER_LAYER_MANAGED_3 : ER_LAYER_2;
	c->bandwidth_mbps = (uint32_t)cnum(cn, "bandwidth", 0);
	c->tier = (enum er_sku_tier)ENUM_OF(tier, er_lyd_value(sku, "tier"));
	c->family = (enum er_sku_family)ENUM_OF(fam, er_lyd_value(sku, "family"));
	c->prov_state = (enum er_prov_state)ENUM_OF(prov, er_lyd_value(cn, "provider-provisioning-state"));
	if ((v = er_lyd_value(cn, "created")))
		snprintf(c->created, sizeof(c->created), "%s", v);
	c->maintenance = cbool(cn, "maintenance", false);
	c->vnets = prefix_list(cn, "vnet-address-space", &c->n_vnets);
	c->n_peerings = count_children(cn, "peering");
	c->peerings = c->n_peerings ? xcalloc(c->n_peerings, sizeof(*c->peerings)) : NULL;
	LY_LIST_FOR(lyd_child(cn), n) {
		if (!strcmp(LYD_NAME(n), "peering"))
			peering_from_tree(n, &cfg->agent, &c->peerings[i++]);
	}
}

struct subnet_ref {
	struct er_prefix net; /* the subnet with its host bits cleared: the sort key */
	const struct er_prefix *pfx; /* as the user wrote it: the /30 or /126, or the whole /29 or /125 block */
	const char *circuit;
	enum er_peering_type type;
	const char *leaf;
	size_t pos; /* order in the configuration, for the message */
};

static void
subnet_path(const struct subnet_ref *r, char *buf, size_t len)
{
	snprintf(buf, len,
	    "/expressroute-readiness:expressroute/circuit[name='%s']/peering[type='%s']/%s",
	    r->circuit, er_peering_name(r->type), r->leaf);
}

static int
subnet_ref_cmp(const void *a, const void *b)
{
	const struct subnet_ref *x = a, *y = b;
	int c = er_prefix_cmp(&x->net, &y->net);

	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/*
 * Link subnets must be unique across every peering of every circuit
 * (rule 5); YANG cannot say "no two prefixes overlap", so it is done here.
 * Two prefixes overlap only when one covers the other, and in (network,
 * length) order a covering prefix sorts first: one pass over the sorted
 * list with a stack of the prefixes still open finds an overlap in
 * O(n log n) (a commit on a 1000-circuit config must not be quadratic).
 */
static int
check_overlaps(const struct er_config *cfg, char *err, size_t errlen, char *where, size_t wherelen)
{
	static const char *const leaf[2][2] = {
		{ "ipv4/primary-subnet", "ipv4/secondary-subnet" },
		{ "ipv6/primary-subnet", "ipv6/secondary-subnet" },
	};
	static const char *const block_leaf[2] = { "ipv4/subnet", "ipv6/subnet" };
	struct subnet_ref *refs = NULL, **open = NULL;
	size_t n = 0, cap = 0, depth = 0, i, j, k;
	int rc = 0;

	for (i = 0; i < cfg->n_circuits; i++) {
		const struct er_circuit_cfg *c = &cfg->circuits[i];
		for (j = 0; j < c->n_peerings; j++) {
			const struct er_peering_cfg *p = &c->peerings[j];
			for (k = 0; k < 4; k++) {
				bool v6 = k >= 2;
				const struct er_prefix *blk = v6 ? &p->v6_block : &p->v4_block;
				if (!(v6 ? p->has_v6 : p->has_v4))
					continue;
				if (n == cap) {
					cap = cap ? cap * 2 : 16;
					refs = xreallocarray(refs, cap, sizeof(*refs));
				}
				er_prefix_network(v6 ? &p->v6[k - 2] : &p->v4[k], &refs[n].net);
				/* A half of a block is not in the file: name the block the user wrote. */
				refs[n].pfx = blk->len ? blk : v6 ? &p->v6[k - 2] : &p->v4[k];
				refs[n].leaf = blk->len ? block_leaf[v6] : leaf[v6][k % 2];
				refs[n].circuit = c->name;
				refs[n].type = p->type;
				refs[n].pos = n;
				n++;
			}
		}
	}
	if (n)
		qsort(refs, n, sizeof(*refs), subnet_ref_cmp);
	open = n ? xcalloc(n, sizeof(*open)) : NULL;
	for (i = 0; i < n && !rc; i++) {
		const struct subnet_ref *a, *b;
		char pa[ER_PREFIX_STRLEN], pb[ER_PREFIX_STRLEN], path_a[256], path_b[256];

		while (depth && !er_prefix_covers(&open[depth - 1]->net, &refs[i].net))
			depth--;
		if (!depth) {
			open[depth++] = &refs[i];
			continue;
		}
		/* name the one that comes first in the configuration as the one overlapped */
		a = open[depth - 1]->pos < refs[i].pos ? open[depth - 1] : &refs[i];
		b = a == &refs[i] ? open[depth - 1] : &refs[i];
		subnet_path(a, path_a, sizeof(path_a));
		subnet_path(b, path_b, sizeof(path_b));
		snprintf(where, wherelen, "%s", path_b);
		snprintf(err, errlen, "%s: link subnet %s overlaps %s at %s (rule 5: link subnets must be unique per peering)",
		    path_b, er_prefix_str(b->pfx, pb, sizeof(pb)), er_prefix_str(a->pfx, pa, sizeof(pa)), path_a);
		rc = -1;
	}
	free(open);
	free(refs);
	return rc;
}

/*
 * One link of each peering terminates on this router: erreadyd observes
 * it and fetches the other from the partner. A peering with both links on
 * partners belongs in those partners' erreadyd (YANG cannot say it
 * without relating the entries of the circuit list, which scoped
 * validation must not see).
 */
static int
check_routers(const struct er_config *cfg, char *err, size_t errlen)
{
	size_t i, j;

	for (i = 0; i < cfg->n_circuits; i++)
		for (j = 0; j < cfg->circuits[i].n_peerings; j++) {
			const struct er_peering_cfg *p = &cfg->circuits[i].peerings[j];
			if (p->router[0] >= 0 && p->router[1] >= 0) {
				snprintf(err, errlen,
				    "/expressroute-readiness:expressroute/circuit[name='%s']/peering[type='%s']/secondary-router: both links on partner routers (%s, %s): one of them must terminate on this router",
				    cfg->circuits[i].name, er_peering_name(p->type), cfg->agent.partners[p->router[0]].name,
				    cfg->agent.partners[p->router[1]].name);
				return -1;
			}
		}
	return 0;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
prefix_cmp(const void *a, const void *b)
{
	return er_prefix_cmp(a, b);
}

static void
build_indexes(struct er_config *cfg)
{
	size_t c, p, n_if = 0, n_sn = 0;
	int k;

	for (c = 0; c < cfg->n_circuits; c++) {
		n_if += cfg->circuits[c].n_peerings * 2;
		n_sn += cfg->circuits[c].n_peerings * 4;
	}
	cfg->peering_ifnames = xcalloc(n_if ? n_if : 1, sizeof(*cfg->peering_ifnames));
	cfg->link_subnets = xcalloc(n_sn ? n_sn : 1, sizeof(*cfg->link_subnets));
	for (c = 0; c < cfg->n_circuits; c++)
		for (p = 0; p < cfg->circuits[c].n_peerings; p++) {
			const struct er_peering_cfg *pc = &cfg->circuits[c].peerings[p];
			for (k = 0; k < 2; k++) {
				if (pc->ifname[k][0])
					cfg->peering_ifnames[cfg->n_peering_ifnames++] = pc->ifname[k];
				if (pc->has_v4)
					cfg->link_subnets[cfg->n_link_subnets++] = pc->v4[k];
				if (pc->has_v6)
					cfg->link_subnets[cfg->n_link_subnets++] = pc->v6[k];
			}
		}
	qsort(cfg->peering_ifnames, cfg->n_peering_ifnames, sizeof(*cfg->peering_ifnames), str_cmp);
	qsort(cfg->link_subnets, cfg->n_link_subnets, sizeof(*cfg->link_subnets), prefix_cmp);
}

void
er_config_build_indexes(struct er_config *cfg)
{
	free(cfg->peering_ifnames);
	free(cfg->link_subnets);
	cfg->peering_ifnames = NULL;
	cfg->link_subnets = NULL;
	cfg->n_peering_ifnames = cfg->n_link_subnets = 0;
	build_indexes(cfg);
}

bool
er_config_is_peering_interface(const struct er_config *cfg, const char *name)
{
	return cfg->n_peering_ifnames &&
	    bsearch(&name, cfg->peering_ifnames, cfg->n_peering_ifnames, sizeof(name), str_cmp) != NULL;
}

const struct er_prefix *
er_config_link_subnet_covering(const struct er_config *cfg, const struct er_prefix *p)
{
	size_t lo = 0, hi = cfg->n_link_subnets;

	/* The last subnet sorting at or before p is the only one that can cover it. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (er_prefix_cmp(&cfg->link_subnets[mid], p) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && er_prefix_covers(&cfg->link_subnets[lo - 1], p))
		return &cfg->link_subnets[lo - 1];
	return NULL;
}

const struct er_prefix *
er_config_link_subnet_within(const struct er_config *cfg, const struct er_prefix *p)
{
	struct er_prefix key;
	size_t lo = 0, hi = cfg->n_link_subnets;

	/* Subnets inside p sort from p's network address on. */
	er_prefix_network(p, &key);
	key.len = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (er_prefix_cmp(&cfg->link_subnets[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < cfg->n_link_subnets && er_prefix_covers(p, &cfg->link_subnets[lo]))
		return &cfg->link_subnets[lo];
	return NULL;
}

static void
snmp_from_tree(const struct lyd_node *snmp, struct er_snmp_cfg *sc)
{
	static const char *const mode[] = { "auto", "subagent", "master" };
	static const char *const auth[] = { "sha", "sha-256", "sha-512" };
	static const char *const priv[] = { "aes", "aes-256" };
	const struct lyd_node *n;
	const char *v;

	sc->enabled = cbool(snmp, "enabled", true);
	sc->mode = (enum er_snmp_mode)ENUM_OF(mode, er_lyd_value(snmp, "mode"));
	sc->agentx_socket = cstrdup(snmp, "agentx-socket", "/var/agentx/master");
	sc->ping_interval = (uint16_t)cnum(snmp, "agentx-ping-interval", 1);
	snprintf(sc->community, sizeof(sc->community), "%s", (v = er_lyd_value(snmp, "community")) ? v : "public");
	sc->queue_size = (uint32_t)cnum(snmp, "trap-queue-size", 1000);
	sc->rate = (uint32_t)cnum(snmp, "trap-rate", 100);

	sc->n_listen = count_children(snmp, "listen");
	sc->listen = xcalloc(sc->n_listen ? sc->n_listen : 1, sizeof(*sc->listen));
	sc->n_community_src = count_children(snmp, "community-source");
	sc->community_src = xcalloc(sc->n_community_src ? sc->n_community_src : 2, sizeof(*sc->community_src));
	sc->n_users = count_children(snmp, "user");
	sc->users = sc->n_users ? xcalloc(sc->n_users, sizeof(*sc->users)) : NULL;
	sc->n_sinks = count_children(snmp, "trap-sink");
	sc->sinks = sc->n_sinks ? xcalloc(sc->n_sinks, sizeof(*sc->sinks)) : NULL;
	sc->n_listen = sc->n_community_src = sc->n_users = sc->n_sinks = 0;
	if (snmp) {
		LY_LIST_FOR(lyd_child(snmp), n) {
			const char *name = LYD_NAME(n);
			if (!strcmp(name, "listen"))
				sc->listen[sc->n_listen++] = xstrdup(lyd_get_value(n));
			else if (!strcmp(name, "community-source")) {
				if (er_prefix_parse(lyd_get_value(n), false, false, &sc->community_src[sc->n_community_src]) == 0)
					sc->n_community_src++;
			} else if (!strcmp(name, "user")) {
				struct er_snmp_user *u = &sc->users[sc->n_users++];
				snprintf(u->name, sizeof(u->name), "%s", er_lyd_value(n, "name"));
				u->auth = (enum er_snmp_auth)ENUM_OF(auth, er_lyd_value(n, "auth-protocol"));
				u->auth_key = cstrdup(n, "auth-key", "");
				u->priv = (enum er_snmp_priv)ENUM_OF(priv, er_lyd_value(n, "priv-protocol"));
				u->priv_key = cstrdup(n, "priv-key", "");
				u->read_write = (v = er_lyd_value(n, "access")) && !strcmp(v, "read-write");
			} else if (!strcmp(name, "trap-sink")) {
				struct er_trap_sink *t = &sc->sinks[sc->n_sinks];
				if (er_addr_parse(er_lyd_value(n, "address"), &t->addr) == 0) {
					t->port = (uint16_t)cnum(n, "port", 162);
					snprintf(t->community, sizeof(t->community), "%s",
					    (v = er_lyd_value(n, "community")) ? v : "public");
					sc->n_sinks++;
				}
			}
		}
	}
	if (!sc->n_listen)
		sc->listen[sc->n_listen++] = xstrdup("udp:127.0.0.1:1161");
	if (!sc->n_community_src) {
		er_prefix_parse("127.0.0.0/8", true, false, &sc->community_src[0]);
		er_prefix_parse("::1/128", true, false, &sc->community_src[1]);
		sc->n_community_src = 2;
	}
}

static void
netconf_from_tree(const struct lyd_node *nc, struct er_netconf_cfg *c)
{
	const struct lyd_node *ssh = er_lyd_child(nc, "ssh"), *ux = er_lyd_child(nc, "unix-socket"), *n, *k;
	const char *v;

	c->enabled = cbool(nc, "enabled", true);
	c->ssh_enabled = cbool(ssh, "enabled", true);
	snprintf(c->ssh_address, sizeof(c->ssh_address), "%s", (v = er_lyd_value(ssh, "address")) ? v : "127.0.0.1");
	c->ssh_port = (uint16_t)cnum(ssh, "port", 830);
	c->host_key = cstrdup(ssh, "host-key", "ssh_host_ed25519_key");
	c->unix_enabled = cbool(ux, "enabled", true);
	c->unix_path = cstrdup(ux, "path", ER_NC_DEFAULT_SOCKET);
	c->unix_mode = (unsigned)strtoul((v = er_lyd_value(ux, "mode")) ? v : "0660", NULL, 8);
	snprintf(c->unix_group, sizeof(c->unix_group), "%s", (v = er_lyd_value(ux, "group")) ? v : "");
	c->max_sessions = (uint16_t)cnum(nc, "max-sessions", 64);
	c->max_sessions_per_user = (uint16_t)cnum(nc, "max-sessions-per-user", 16);
	c->unix_reserved_sessions = (uint16_t)cnum(nc, "unix-reserved-sessions", 4);
	c->hello_timeout = (uint16_t)cnum(nc, "hello-timeout", 30);
	c->idle_timeout = (uint32_t)cnum(nc, "idle-timeout", 3600);
	c->event_log_size = (uint32_t)cnum(nc, "event-log-size", 1000);
	c->max_message_size = (uint32_t)cnum(nc, "max-message-size", 16777216);
	c->max_buffered = (uint32_t)cnum(nc, "max-buffered", 67108864);
	{
		const struct lyd_node *cl = er_lyd_child(ssh, "connection-limits");
		struct er_nc_conn_limits *l = &c->limits;

		l->startups_start = (uint16_t)cnum(cl, "max-startups-start", 10);
		l->startups_rate = (uint16_t)cnum(cl, "max-startups-rate", 30);
		l->startups_full = (uint16_t)cnum(cl, "max-startups-full", 100);
		l->per_source = (uint16_t)cnum(cl, "per-source-max-startups", 10);
		l->login_grace = (uint16_t)cnum(cl, "login-grace-time", 10);
		l->pen_authfail = (uint32_t)cnum(cl, "penalty-authfail", 5);
		l->pen_noauth = (uint32_t)cnum(cl, "penalty-noauth", 1);
		l->pen_grace = (uint32_t)cnum(cl, "penalty-grace-exceeded", 10);
		l->pen_min = (uint32_t)cnum(cl, "penalty-min", 15);
		l->pen_max = (uint32_t)cnum(cl, "penalty-max", 600);
		l->log_burst = (uint16_t)cnum(cl, "log-burst", 10);
		l->log_interval = (uint16_t)cnum(cl, "log-interval", 60);
	}
	c->n_users = count_children(nc, "user");
	c->users = c->n_users ? xcalloc(c->n_users, sizeof(*c->users)) : NULL;
	c->n_users = 0;
	if (!nc)
		return;
	LY_LIST_FOR(lyd_child(nc), n) {
		struct er_netconf_user *u;

		if (strcmp(LYD_NAME(n), "user"))
			continue;
		u = &c->users[c->n_users++];
		snprintf(u->name, sizeof(u->name), "%s", er_lyd_value(n, "name"));
		u->password = (v = er_lyd_value(n, "password")) ? xstrdup(v) : NULL;
		u->n_keys = count_children(n, "authorized-key");
		u->keys = xcalloc(u->n_keys ? u->n_keys : 1, sizeof(*u->keys));
		u->n_keys = 0;
		LY_LIST_FOR(lyd_child(n), k)
			if (!strcmp(LYD_NAME(k), "authorized-key"))
				u->keys[u->n_keys++] = xstrdup(lyd_get_value(k));
	}
}

static void
netconf_free(struct er_netconf_cfg *c)
{
	size_t i, j;

	free(c->host_key);
	free(c->unix_path);
	for (i = 0; i < c->n_users; i++) {
		for (j = 0; j < c->users[i].n_keys; j++)
			free(c->users[i].keys[j]);
		free(c->users[i].keys);
		free(c->users[i].password);
	}
	free(c->users);
}

static void
snmp_free(struct er_snmp_cfg *sc)
{
	size_t i;

	free(sc->agentx_socket);
	for (i = 0; i < sc->n_listen; i++)
		free(sc->listen[i]);
	free(sc->listen);
	free(sc->community_src);
	for (i = 0; i < sc->n_users; i++) {
		free(sc->users[i].auth_key);
		free(sc->users[i].priv_key);
	}
	free(sc->users);
	free(sc->sinks);
}

static void
partners_from_tree(const struct lyd_node *agent, struct er_agent_cfg *a)
{
	const struct lyd_node *n;
	size_t i = 0;

	a->n_partners = count_children(agent, "partner");
	a->partners = a->n_partners ? xcalloc(a->n_partners, sizeof(*a->partners)) : NULL;
	if (!agent)
		return;
	LY_LIST_FOR(lyd_child(agent), n) {
		struct er_partner_cfg *p;
		if (strcmp(LYD_NAME(n), "partner"))
			continue;
		p = &a->partners[i++];
		snprintf(p->name, sizeof(p->name), "%s", er_lyd_value(n, "name"));
		if (er_addr_parse(er_lyd_value(n, "address"), &p->addr) < 0)
			memset(&p->addr, 0, sizeof(p->addr));
		p->port = (uint16_t)cnum(n, "port", 830);
		snprintf(p->user, sizeof(p->user), "%s", er_lyd_value(n, "user") ? er_lyd_value(n, "user") : "");
		p->key_file = cstrdup(n, "key-file", "");
		p->host_key = cstrdup(n, "host-key", "");
		p->timeout_ms = (uint32_t)cnum(n, "timeout", 2000);
	}
}

static void
groups_from_tree(const struct lyd_node *top, struct er_config *cfg)
{
	static const char *const tier[] = { "", "", "standard", "high", "maximum" };
	const struct lyd_node *n;
	size_t i = 0;
	int t;

	cfg->n_groups = count_children(top, "resiliency-group");
	cfg->groups = cfg->n_groups ? xcalloc(cfg->n_groups, sizeof(*cfg->groups)) : NULL;
	if (!top)
		return;
	LY_LIST_FOR(lyd_child(top), n) {
		struct er_group_cfg *g;
		if (strcmp(LYD_NAME(n), "resiliency-group"))
			continue;
		g = &cfg->groups[i++];
		snprintf(g->name, sizeof(g->name), "%s", er_lyd_value(n, "name"));
		t = ENUM_OF(tier, er_lyd_value(n, "intended-tier"));
		g->intended = t ? (enum er_res_tier)t : ER_RTIER_STANDARD;
		g->description = cstrdup(n, "description", NULL);
	}
}

int
er_config_from_tree(const struct lyd_node *tree, struct er_config **out, char *err, size_t errlen)
{
	char where[256];

	return er_config_from_tree_at(tree, out, err, errlen, where, sizeof(where));
}

static void *
xmemdup(const void *p, size_t len)
{
	void *q = xreallocarray(NULL, len, 1);

	memcpy(q, p, len);
	return q;
}

/* @p dst: a deep copy of @p src (every pointer of er_circuit_cfg and er_peering_cfg, see config.h). */
static void
circuit_copy(struct er_circuit_cfg *dst, const struct er_circuit_cfg *src)
{
	size_t j;

	*dst = *src;
	dst->provider = src->provider ? xstrdup(src->provider) : NULL;
	dst->location = src->location ? xstrdup(src->location) : NULL;
	dst->secondary_location = src->secondary_location ? xstrdup(src->secondary_location) : NULL;
	dst->vnets = src->n_vnets ? xmemdup(src->vnets, src->n_vnets * sizeof(*src->vnets)) : NULL;
	dst->peerings = src->n_peerings ? xmemdup(src->peerings, src->n_peerings * sizeof(*src->peerings)) : NULL;
	for (j = 0; j < src->n_peerings; j++) {
		const struct er_peering_cfg *sp = &src->peerings[j];
		struct er_peering_cfg *dp = &dst->peerings[j];

		dp->adv_public = sp->n_adv_public ? xmemdup(sp->adv_public, sp->n_adv_public * sizeof(*sp->adv_public)) : NULL;
		dp->nat_pool = sp->n_nat_pool ? xmemdup(sp->nat_pool, sp->n_nat_pool * sizeof(*sp->nat_pool)) : NULL;
	}
}

/* The circuit named @p name in @p prev, looked for at @p *cursor first (the trees keep their order). */
static const struct er_circuit_cfg *
prev_circuit(const struct er_config *prev, size_t *cursor, const char *name)
{
	const struct er_circuit_cfg *c;

	if (*cursor < prev->n_circuits && !strcmp(prev->circuits[*cursor].name, name))
		c = &prev->circuits[*cursor];
	else if (!(c = er_config_circuit(prev, name)))
		return NULL;
	*cursor = (size_t)(c - prev->circuits) + 1;
	return c;
}

/* The key of circuit entry @p n is one of @p keys. */
static bool
key_in(const struct lyd_node *n, const char *const *keys, size_t nkeys)
{
	const char *v = er_lyd_value(n, "name");
	size_t i;

	for (i = 0; v && i < nkeys; i++)
		if (!strcmp(v, keys[i]))
			return true;
	return false;
}

static int
config_build(const struct lyd_node *tree, const struct er_config *prev, const char *const *keys, size_t nkeys,
    struct er_config **out, char *err, size_t errlen, char *where, size_t wherelen);

int
er_config_from_tree_at(const struct lyd_node *tree, struct er_config **out, char *err, size_t errlen, char *where,
    size_t wherelen)
{
	return config_build(tree, NULL, NULL, 0, out, err, errlen, where, wherelen);
}

int
er_config_from_tree_reusing(const struct lyd_node *tree, const struct er_config *prev, const char *const *keys,
    size_t nkeys, struct er_config **out, char *err, size_t errlen, char *where, size_t wherelen)
{
	return config_build(tree, prev, keys, nkeys, out, err, errlen, where, wherelen);
}

/*
 * The C view of @p tree; with @p prev, the circuits outside @p keys are
 * copied from it, not read from the tree again: a walk of every node of a
 * 2,500-circuit tree is about 10 ms of cache misses, and a one-circuit
 * commit need not pay it. The rest (account, agent, groups) is small and
 * read as always; the indexes and the overlap check cover everything.
 */
static int
config_build(const struct lyd_node *tree, const struct er_config *prev, const char *const *keys, size_t nkeys,
    struct er_config **out, char *err, size_t errlen, char *where, size_t wherelen)
{
	size_t cursor = 0;
	static const char *const src[] = { "auto", "frr", "bird", "none" };
	struct er_config *cfg = xcalloc(1, sizeof(*cfg));
	const struct lyd_node *top = NULL, *n, *acct, *edge, *agent, *bgp;
	size_t i = 0;
	const char *v;

	LY_LIST_FOR(tree, n) {
		if (!strcmp(LYD_NAME(n), "expressroute"))
			top = n;
	}
	acct = er_lyd_child(top, "account");
	if ((v = er_lyd_value(acct, "subscription-id")))
		snprintf(cfg->subscription_id, sizeof(cfg->subscription_id), "%s", v);
	cfg->microsoft_365 = cbool(acct, "microsoft-365", false);

	edge = er_lyd_child(top, "edge");
	cfg->n_internet_nbrs = count_children(edge, "internet-bgp-neighbor");
	if (cfg->n_internet_nbrs) {
		cfg->internet_nbrs = xcalloc(cfg->n_internet_nbrs, sizeof(*cfg->internet_nbrs));
		LY_LIST_FOR(lyd_child(edge), n) {
			if (!strcmp(LYD_NAME(n), "internet-bgp-neighbor") &&
			    er_addr_parse(lyd_get_value(n), &cfg->internet_nbrs[i]) == 0)
				i++;
		}
		cfg->n_internet_nbrs = i;
	}

	agent = er_lyd_child(top, "agent");
	partners_from_tree(agent, &cfg->agent);
	groups_from_tree(top, cfg);

	cfg->n_circuits = count_children(top, "circuit");
	cfg->circuits = cfg->n_circuits ? xcalloc(cfg->n_circuits, sizeof(*cfg->circuits)) : NULL;
	i = 0;
	if (top) {
		LY_LIST_FOR(lyd_child(top), n) {
			const struct er_circuit_cfg *old;

			if (strcmp(LYD_NAME(n), "circuit"))
				continue;
			if (prev && !key_in(n, keys, nkeys) && (old = prev_circuit(prev, &cursor, er_lyd_value(n, "name"))))
				circuit_copy(&cfg->circuits[i++], old);
			else
				circuit_from_tree(n, cfg, &cfg->circuits[i++]);
		}
	}

	bgp = er_lyd_child(agent, "bgp");
	cfg->agent.poll_interval = (uint32_t)cnum(agent, "poll-interval", 30);
	cfg->agent.alert_hold_down = (uint32_t)cnum(agent, "alert-hold-down", 10);
	if ((v = er_lyd_value(agent, "router-name")))
		snprintf(cfg->agent.router_name, sizeof(cfg->agent.router_name), "%s", v);
	else if (gethostname(cfg->agent.router_name, sizeof(cfg->agent.router_name) - 1) < 0)
		snprintf(cfg->agent.router_name, sizeof(cfg->agent.router_name), "%s", "erreadyd");
	cfg->agent.bgp_source = (enum er_bgp_source)ENUM_OF(src, er_lyd_value(bgp, "source"));
	cfg->agent.frr_pathspace = cstrdup(bgp, "frr-pathspace", NULL);
	cfg->agent.bird_socket = cstrdup(bgp, "bird-socket", "/run/bird/bird.ctl");
	snmp_from_tree(er_lyd_child(agent, "snmp"), &cfg->agent.snmp);
	netconf_from_tree(er_lyd_child(agent, "netconf"), &cfg->agent.netconf);

	build_indexes(cfg);
	where[0] = '\0';
	if (check_overlaps(cfg, err, errlen, where, wherelen) < 0 || check_routers(cfg, err, errlen) < 0) {
		er_config_free(cfg);
		return -1;
	}
	*out = cfg;
	return 0;
}

void
er_config_free(struct er_config *cfg)
{
	size_t i, j;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n_circuits; i++) {
		struct er_circuit_cfg *c = &cfg->circuits[i];
		for (j = 0; j < c->n_peerings; j++) {
			free(c->peerings[j].adv_public);
			free(c->peerings[j].nat_pool);
		}
		free(c->peerings);
		free(c->provider);
		free(c->location);
		free(c->secondary_location);
		free(c->vnets);
	}
	free(cfg->circuits);
	for (i = 0; i < cfg->n_groups; i++)
		free(cfg->groups[i].description);
	free(cfg->groups);
	for (i = 0; i < cfg->agent.n_partners; i++) {
		free(cfg->agent.partners[i].key_file);
		free(cfg->agent.partners[i].host_key);
	}
	free(cfg->agent.partners);
	free(cfg->internet_nbrs);
	free(cfg->peering_ifnames);
	free(cfg->link_subnets);
	free(cfg->agent.frr_pathspace);
	free(cfg->agent.bird_socket);
	snmp_free(&cfg->agent.snmp);
	netconf_free(&cfg->agent.netconf);
	free(cfg);
}

const struct er_config *
er_config_ref(const struct er_config *ccfg)
{
	struct er_config *cfg = (struct er_config *)ccfg;

	__atomic_add_fetch(&cfg->refs, 1, __ATOMIC_RELAXED);
	return cfg;
}

void
er_config_unref(const struct er_config *ccfg)
{
	struct er_config *cfg = (struct er_config *)ccfg;

	if (cfg && __atomic_sub_fetch(&cfg->refs, 1, __ATOMIC_ACQ_REL) == 0)
		er_config_free(cfg);
}

const struct er_circuit_cfg *
er_config_circuit(const struct er_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_circuits; i++)
		if (!strcmp(cfg->circuits[i].name, name))
			return &cfg->circuits[i];
	return NULL;
}

const struct er_partner_cfg *
er_peering_router(const struct er_config *cfg, const struct er_peering_cfg *p, enum er_path path)
{
	int r = p->router[path == ER_PATH_SECONDARY ? 1 : 0];

	return r >= 0 && (size_t)r < cfg->agent.n_partners ? &cfg->agent.partners[r] : NULL;
}

const struct er_peering_cfg *
er_circuit_peering(const struct er_circuit_cfg *c, enum er_peering_type t)
{
	size_t i;

	for (i = 0; i < c->n_peerings; i++)
		if (c->peerings[i].type == t)
			return &c->peerings[i];
	return NULL;
}
