/*
 * nftables decoder: the ruleset as the kernel dumps it over netlink
 * (collect_nft_query.c), decoded into the facts the checks use:
 * SNAT/masquerade rules (hook, output interface, translated addresses)
 * and DSCP re-marking rules (interface, direction, value written, and
 * whether the rule is narrowed by the packet's current DSCP only
 * (dscp-in/-not-in) or by something else as well (other)), with their
 * packet counters. Each rule's expressions are decoded by nft_rule.c;
 * here the chains give them a hook (their own, or that of the base chain
 * that jumps to them) and the interfaces they apply to.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "collect.h"
#include "netlink_attr.h"
#include "nft_rule.h"
#include "util.h"

#define NFT_TYPE(m) ((uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | (m)))

/* ------------------------------------------------------------------ */
/* The ruleset */

struct nchain {
	uint32_t family;
	char *table, *name;
	const char *hook;        /* own hook, or that of a base chain jumping here; NULL when neither */
	const struct nd_names *dev; /* netdev chains: the devices (of this chain or the one whose hook it has) */
	struct nd_names devs;
};

struct nedge {
	uint32_t family;
	const char *table, *from, *to;
};

/* One rule, decoded; emitted once every chain knows its hook. */
struct nrule {
	struct nchain *ch; /* NULL for a rule of a chain the dump does not have */
	struct nd_rule f;
};

struct pctx {
	struct nchain *chains;
	size_t n_chains, cap_chains;
	struct nd_tables t;
	struct nedge *edges;
	size_t n_edges, cap_edges;
	size_t *elem_msgs, n_elem_msgs, cap_elem_msgs; /* offsets of NEWSETELEM messages */
	size_t *rule_msgs, n_rule_msgs, cap_rule_msgs; /* and of NEWRULE messages, in order */
	struct nrule *rules;
	size_t n_rules, cap_rules;
	/* Results, moved into the observed state only when the whole dump decoded. */
	struct er_nat_rule *nat;
	size_t n_nat, cap_nat;
	struct er_dscp_rule *dscp;
	size_t n_dscp, cap_dscp;
};

/* ------------------------------------------------------------------ */
/* Chains */

static const char *
hook_name(uint32_t family, uint32_t hooknum)
{
	static const char *const inet[] = { "prerouting", "input", "forward", "output", "postrouting", "ingress" };

	if (family == NFPROTO_NETDEV)
		return hooknum == 0 ? "ingress" : hooknum == 1 ? "egress" : NULL;
	if (family == NFPROTO_ARP)
		return hooknum == 0 ? "input" : hooknum == 1 ? "output" : NULL;
	return hooknum < ARRAY_SIZE(inet) ? inet[hooknum] : NULL;
}

static int
chain_cmp(const void *a, const void *b)
{
	const struct nchain *x = a, *y = b;

	return nd_key3_cmp(x->family, x->table, x->name, y->family, y->table, y->name);
}

static struct nchain *
find_chain(struct pctx *p, uint32_t family, const char *table, const char *name)
{
	struct nchain key = { .family = family, .table = (char *)table, .name = (char *)name };

	return p->n_chains ? bsearch(&key, p->chains, p->n_chains, sizeof(key), chain_cmp) : NULL;
}

/* ------------------------------------------------------------------ */
/* Messages */

/* The family header and top-level attributes of an nf_tables message. */
static int
msg_attrs(const struct nlmsghdr *nlh, const struct nl_msgpos *m, uint32_t *family, const struct nlattr **tb)
{
	struct nfgenmsg nfg;
	const void *attrs;
	size_t alen;

	if (nl_msg_payload(m, nlh, &nfg, sizeof(nfg), &attrs, &alen) < 0 ||
	    nl_attr_table(m, "attributes", attrs, alen, tb, ND_ATTR_MAX) < 0)
		return -1;
	*family = nfg.nfgen_family;
	return 0;
}

/* Table and name, which every object has. */
static int
table_name(const struct nl_msgpos *m, const char *what, const struct nlattr *t, const struct nlattr *n,
    const char **table, const char **name)
{
	if (!(*table = nd_str(t)) || !(*name = nd_str(n)))
		return nl_perr(m, "a %s without a table or a name", what);
	return 0;
}

static int
on_chain(struct pctx *p, const struct nlmsghdr *nlh, const struct nl_msgpos *m)
{
	const struct nlattr *tb[ND_ATTR_MAX + 1], *hk[ND_ATTR_MAX + 1], *dv[ND_ATTR_MAX + 1], *d;
	const char *table, *name, *dev;
	struct nchain *ch;
	uint32_t family;

	if (msg_attrs(nlh, m, &family, tb) < 0 ||
	    table_name(m, "chain", tb[NFTA_CHAIN_TABLE], tb[NFTA_CHAIN_NAME], &table, &name) < 0)
		return -1;
	ER_GROW(p->chains, p->n_chains, p->cap_chains);
	ch = &p->chains[p->n_chains++];
	memset(ch, 0, sizeof(*ch));
	ch->family = family;
	ch->table = xstrdup(table);
	ch->name = xstrdup(name);
	if (!tb[NFTA_CHAIN_HOOK])
		return 0; /* a regular chain */
	if (nd_attrs(m, "chain hook", tb[NFTA_CHAIN_HOOK], hk) < 0)
		return -1;
	if (hk[NFTA_HOOK_HOOKNUM] && mnl_attr_get_payload_len(hk[NFTA_HOOK_HOOKNUM]) == 4)
		ch->hook = hook_name(family, nd_be32(hk[NFTA_HOOK_HOOKNUM]));
	if ((dev = nd_str(hk[NFTA_HOOK_DEV])))
		nd_names_add(&ch->devs, dev);
	if (hk[NFTA_HOOK_DEVS]) {
		if (nd_attrs(m, "chain devices", hk[NFTA_HOOK_DEVS], dv) < 0)
			return -1;
		mnl_attr_for_each_nested(d, hk[NFTA_HOOK_DEVS])
			if ((dev = nd_str(d)) && !nd_names_has(&ch->devs, dev))
				nd_names_add(&ch->devs, dev);
	}
	return 0;
}

static int
on_set(struct pctx *p, const struct nlmsghdr *nlh, const struct nl_msgpos *m)
{
	const struct nlattr *tb[ND_ATTR_MAX + 1];
	const char *table, *name;
	struct nd_set *ns;
	uint32_t family;

	if (msg_attrs(nlh, m, &family, tb) < 0 ||
	    table_name(m, "set", tb[NFTA_SET_TABLE], tb[NFTA_SET_NAME], &table, &name) < 0)
		return -1;
	ER_GROW(p->t.sets, p->t.n_sets, p->t.cap_sets);
	ns = &p->t.sets[p->t.n_sets++];
	memset(ns, 0, sizeof(*ns));
	ns->family = family;
	ns->table = xstrdup(table);
	ns->name = xstrdup(name);
	ns->flags = nd_be32(tb[NFTA_SET_FLAGS]);
	/* A key length that cannot be read matches no register: the set is then not understood. */
	ns->klen = tb[NFTA_SET_KEY_LEN] ? nd_be32(tb[NFTA_SET_KEY_LEN]) : 0;
	ns->dlen = nd_be32(tb[NFTA_SET_DATA_LEN]);
	return 0;
}

/* One element: its key, flags, and value or verdict. False for a form not understood. */
static bool
read_elem(const struct nlattr *const *et, struct nd_elem *el)
{
	const uint8_t *d;
	const char *chain = NULL;
	uint32_t len = 0;

	memset(el, 0, sizeof(*el));
	if (et[NFTA_SET_ELEM_KEY]) {
		if (!(d = nd_value(et[NFTA_SET_ELEM_KEY], &len)))
			return false;
		memcpy(el->key, d, len);
		el->klen = len;
	}
	el->flags = nd_be32(et[NFTA_SET_ELEM_FLAGS]);
	if (et[NFTA_SET_ELEM_DATA]) {
		if ((d = nd_value(et[NFTA_SET_ELEM_DATA], &len))) {
			memcpy(el->data, d, len);
			el->dlen = len;
		} else if (nd_verdict(et[NFTA_SET_ELEM_DATA], &el->verdict, &chain)) {
			el->has_verdict = true;
			el->chain = chain ? xstrdup(chain) : NULL;
		} else
			return false;
	}
	/* A concatenation's range end (pipapo): not a layout this decoder reads. */
	return !et[NFTA_SET_ELEM_KEY_END];
}

static int
on_setelem(struct pctx *p, const struct nlmsghdr *nlh, const struct nl_msgpos *m)
{
	const struct nlattr *tb[ND_ATTR_MAX + 1], *et[ND_ATTR_MAX + 1], *e;
	const char *table, *name;
	struct nd_set *set;
	uint32_t family;
	bool bad = false;

	if (msg_attrs(nlh, m, &family, tb) < 0 ||
	    table_name(m, "set element list", tb[NFTA_SET_ELEM_LIST_TABLE], tb[NFTA_SET_ELEM_LIST_SET], &table,
	        &name) < 0)
		return -1;
	if (!(set = nd_find_set(&p->t, family, table, name)))
		return nl_perr(m, "elements of set %s %s %s, which the dump does not have", nd_family_name(family), table,
		    name);
	if (!tb[NFTA_SET_ELEM_LIST_ELEMENTS])
		return 0;
	if (nd_attrs_check(m, "set elements", mnl_attr_get_payload(tb[NFTA_SET_ELEM_LIST_ELEMENTS]),
	        mnl_attr_get_payload_len(tb[NFTA_SET_ELEM_LIST_ELEMENTS])) < 0)
		return -1;
	mnl_attr_for_each_nested(e, tb[NFTA_SET_ELEM_LIST_ELEMENTS]) {
		if (nd_attrs(m, "set element", e, et) < 0)
			return -1;
		ER_GROW(set->e, set->n, set->cap);
		if (!read_elem(et, &set->e[set->n++]))
			bad = true;
	}
	/* Keys or values of a form not understood: a set whose contents cannot be named. */
	if (bad)
		set->klen = ND_SET_UNREADABLE;
	return 0;
}

static int
on_obj(struct pctx *p, const struct nlmsghdr *nlh, const struct nl_msgpos *m)
{
	const struct nlattr *tb[ND_ATTR_MAX + 1], *dt[ND_ATTR_MAX + 1];
	const char *table, *name;
	uint32_t family;

	if (msg_attrs(nlh, m, &family, tb) < 0 ||
	    table_name(m, "object", tb[NFTA_OBJ_TABLE], tb[NFTA_OBJ_NAME], &table, &name) < 0)
		return -1;
	if (nd_be32(tb[NFTA_OBJ_TYPE]) != NFT_OBJECT_COUNTER || !tb[NFTA_OBJ_DATA])
		return 0;
	if (nd_attrs(m, "counter", tb[NFTA_OBJ_DATA], dt) < 0)
		return -1;
	ER_GROW(p->t.objs, p->t.n_objs, p->t.cap_objs);
	p->t.objs[p->t.n_objs++] = (struct nd_obj){ family, xstrdup(table), xstrdup(name),
		nd_be64(dt[NFTA_COUNTER_PACKETS]) };
	return 0;
}

static int
on_rule(struct pctx *p, const struct nlmsghdr *nlh, const struct nl_msgpos *m)
{
	const struct nlattr *tb[ND_ATTR_MAX + 1];
	const char *table, *chain;
	struct nrule *r;
	uint32_t family;
	size_t i;

	if (msg_attrs(nlh, m, &family, tb) < 0 ||
	    table_name(m, "rule", tb[NFTA_RULE_TABLE], tb[NFTA_RULE_CHAIN], &table, &chain) < 0)
		return -1;
	ER_GROW(p->rules, p->n_rules, p->cap_rules);
	r = &p->rules[p->n_rules++];
	r->ch = find_chain(p, family, table, chain);
	if (nd_rule_decode(&p->t, m, family, table, tb[NFTA_RULE_EXPRESSIONS], &r->f) < 0)
		return -1;
	/* Its jumps give the chains they reach this chain's hook. */
	for (i = 0; r->ch && i < r->f.n_jumps; i++) {
		ER_GROW(p->edges, p->n_edges, p->cap_edges);
		p->edges[p->n_edges++] = (struct nedge){ r->ch->family, r->ch->table, r->ch->name, r->f.jumps[i] };
	}
	return 0;
}

/* First walk: chains, sets, counter objects; where the element lists and rules are. */
static int
index_msg(const struct nlmsghdr *nlh, const struct nl_msgpos *m, void *arg)
{
	struct pctx *p = arg;

	switch (nlh->nlmsg_type) {
	case NFT_TYPE(NFT_MSG_NEWCHAIN):
		return on_chain(p, nlh, m);
	case NFT_TYPE(NFT_MSG_NEWSET):
		return on_set(p, nlh, m);
	case NFT_TYPE(NFT_MSG_NEWOBJ):
		return on_obj(p, nlh, m);
	case NFT_TYPE(NFT_MSG_NEWSETELEM):
		ER_GROW(p->elem_msgs, p->n_elem_msgs, p->cap_elem_msgs);
		p->elem_msgs[p->n_elem_msgs++] = m->off;
		return 0;
	case NFT_TYPE(NFT_MSG_NEWRULE):
		ER_GROW(p->rule_msgs, p->n_rule_msgs, p->cap_rule_msgs);
		p->rule_msgs[p->n_rule_msgs++] = m->off;
		return 0;
	case NFT_TYPE(NFT_MSG_NEWTABLE):
	case NFT_TYPE(NFT_MSG_NEWGEN):
	case NFT_TYPE(NFT_MSG_NEWFLOWTABLE):
		return 0; /* nothing the checks read */
	default:
		return nl_perr(m, "message type 0x%04x is not an nf_tables object", nlh->nlmsg_type);
	}
}

/* ------------------------------------------------------------------ */
/* Emitting the facts */

enum hook_dir { HOOK_UNKNOWN = -1, HOOK_EGRESS = ER_DIR_EGRESS, HOOK_INGRESS = ER_DIR_INGRESS };

static enum hook_dir
hook_dir(const char *hook)
{
	static const char *const egress[] = { "postrouting", "output", "forward", "egress" };
	static const char *const ingress[] = { "prerouting", "input", "ingress" };
	size_t i;

	for (i = 0; hook && i < ARRAY_SIZE(egress); i++)
		if (!strcmp(hook, egress[i]))
			return HOOK_EGRESS;
	for (i = 0; hook && i < ARRAY_SIZE(ingress); i++)
		if (!strcmp(hook, ingress[i]))
			return HOOK_INGRESS;
	return HOOK_UNKNOWN;
}

/* A regular chain runs at the hook of the first base chain that jumps to it (transitively). */
static void
inherit_hooks(struct pctx *p)
{
	bool changed = true;
	size_t i, rounds = 0;

	while (changed && rounds++ <= p->n_chains) {
		changed = false;
		for (i = 0; i < p->n_edges; i++) {
			const struct nedge *e = &p->edges[i];
			struct nchain *from = find_chain(p, e->family, e->table, e->from), *to;
			if (!from || !from->hook || !(to = find_chain(p, e->family, e->table, e->to)) || to->hook)
				continue;
			to->hook = from->hook;
			to->dev = from->dev;
			changed = true;
		}
	}
}

static void
push_nat(struct pctx *p, const struct er_nat_rule *tmpl, const char *oif, const struct er_prefix *xl, size_t n)
{
	struct er_nat_rule *nr;

	ER_GROW(p->nat, p->n_nat, p->cap_nat);
	nr = &p->nat[p->n_nat++];
	*nr = *tmpl;
	snprintf(nr->oif, sizeof(nr->oif), "%s", oif);
	nr->n_xlat = n;
	nr->xlat = n ? xcalloc(n, sizeof(*xl)) : NULL;
	if (n)
		memcpy(nr->xlat, xl, n * sizeof(*xl));
}

/*
 * One er_nat_rule per output interface the rule names (`oifname { "msft1",
 * "msft2" }` is two), or one for any interface.
 */
static void
emit_nat(struct pctx *p, const struct nrule *r)
{
	const struct nd_sel *s = &r->f.nat_sel;
	struct er_nat_rule tmpl;
	size_t i;

	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.action = r->f.nat_masq ? ER_NAT_MASQUERADE : ER_NAT_SNAT;
	snprintf(tmpl.family, sizeof(tmpl.family), "%s", r->f.nat_family);
	snprintf(tmpl.hook, sizeof(tmpl.hook), "%s", r->ch && r->ch->hook ? r->ch->hook : "");
	tmpl.packets = r->f.packets;
	if (!s->oif.opaque && s->oif.named)
		for (i = 0; i < s->oif.names.n; i++)
			push_nat(p, &tmpl, s->oif.names.v[i], r->f.xlat, r->f.n_xlat);
	else
		/*
		 * No oifname, `oifname != X` (the model has no "all but") or a
		 * form not understood: any interface.
		 */
		push_nat(p, &tmpl, "", r->f.xlat, r->f.n_xlat);
}

static void
push_dscp(struct pctx *p, const struct er_dscp_rule *tmpl, const char *ifname)
{
	struct er_dscp_rule *dr;

	ER_GROW(p->dscp, p->n_dscp, p->cap_dscp);
	dr = &p->dscp[p->n_dscp++];
	*dr = *tmpl;
	snprintf(dr->ifname, sizeof(dr->ifname), "%s", ifname);
}

/*
 * Direction from the chain's hook; the interface is the output interface
 * on egress hooks and the input interface on ingress hooks, the other one
 * being just another selector. A chain no base chain reaches has no hook:
 * an oifname then says egress, an iifname ingress. A netdev chain without
 * an interface match applies to its devices.
 */
static void
emit_dscp(struct pctx *p, const struct nrule *r)
{
	const struct nd_sel *s = &r->f.dscp_sel;
	const struct nd_iface_sel *own, *other;
	enum hook_dir d = hook_dir(r->ch ? r->ch->hook : NULL);
	struct er_dscp_rule tmpl;
	bool narrowed = s->other;
	size_t i;

	memset(&tmpl, 0, sizeof(tmpl));
	if (d == HOOK_UNKNOWN)
		d = !s->oif.seen && s->iif.seen ? HOOK_INGRESS : HOOK_EGRESS;
	own = d == HOOK_INGRESS ? &s->iif : &s->oif;
	other = d == HOOK_INGRESS ? &s->oif : &s->iif;
	if (other->seen || own->opaque)
		narrowed = true;
	tmpl.dir = (enum er_direction)d;
	tmpl.set_dscp = (uint8_t)r->f.dscp_val;
	tmpl.packets = r->f.packets;
	if (narrowed)
		tmpl.match = ER_DSCP_OTHER;
	else if (s->dscp_in) {
		tmpl.match = ER_DSCP_IN;
		tmpl.match_set = s->allowed;
	} else if (s->dscp_not_in) {
		tmpl.match = ER_DSCP_NOT_IN;
		tmpl.match_set = ~s->allowed;
	} else
		tmpl.match = ER_DSCP_ANY;
	if (own->seen && !own->opaque)
		for (i = 0; i < own->names.n; i++)
			push_dscp(p, &tmpl, own->names.v[i]);
	else if (!own->seen && r->ch && r->ch->dev && r->ch->dev->n)
		for (i = 0; i < r->ch->dev->n; i++)
			push_dscp(p, &tmpl, r->ch->dev->v[i]);
	else
		push_dscp(p, &tmpl, "");
}

static void
pctx_free(struct pctx *p)
{
	size_t i, j;

	for (i = 0; i < p->n_chains; i++) {
		free(p->chains[i].table);
		free(p->chains[i].name);
		free(p->chains[i].devs.v);
	}
	for (i = 0; i < p->t.n_sets; i++) {
		for (j = 0; j < p->t.sets[i].n; j++)
			free(p->t.sets[i].e[j].chain);
		free(p->t.sets[i].e);
		free(p->t.sets[i].table);
		free(p->t.sets[i].name);
	}
	for (i = 0; i < p->t.n_objs; i++) {
		free(p->t.objs[i].table);
		free(p->t.objs[i].name);
	}
	for (i = 0; i < p->n_rules; i++)
		nd_rule_free(&p->rules[i].f);
	for (i = 0; i < p->n_nat; i++)
		free(p->nat[i].xlat);
	free(p->chains);
	free(p->t.sets);
	free(p->t.objs);
	free(p->edges);
	free(p->elem_msgs);
	free(p->rule_msgs);
	free(p->rules);
	free(p->nat);
	free(p->dscp);
}

/* Move the decoded rules to the end of @p obs's lists. */
static void
commit(struct pctx *p, struct er_observed *obs)
{
	if (p->n_nat) {
		obs->nat = xreallocarray(obs->nat, obs->n_nat + p->n_nat, sizeof(*obs->nat));
		memcpy(obs->nat + obs->n_nat, p->nat, p->n_nat * sizeof(*p->nat));
		obs->n_nat += p->n_nat;
		p->n_nat = 0;
	}
	if (p->n_dscp) {
		obs->dscp = xreallocarray(obs->dscp, obs->n_dscp + p->n_dscp, sizeof(*obs->dscp));
		memcpy(obs->dscp + obs->n_dscp, p->dscp, p->n_dscp * sizeof(*p->dscp));
		obs->n_dscp += p->n_dscp;
		p->n_dscp = 0;
	}
}

/* Decode the messages at @p offs (validated by the first walk) with @p fn. */
static int
decode_at(struct pctx *p, const char *buf, const size_t *offs, size_t n, const char *what,
    int (*fn)(struct pctx *, const struct nlmsghdr *, const struct nl_msgpos *), char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const void *at = buf + offs[i];
		struct nl_msgpos m = { what, offs[i], err, errlen };
		if (fn(p, at, &m) < 0)
			return -1;
	}
	return 0;
}

int
er_nft_parse(const void *buf, size_t len, struct er_observed *obs, char *err, size_t errlen)
{
	struct pctx p;
	void *copy;
	const char *b = nl_aligned(buf, len, &copy);
	size_t i;
	int rc = -1;

	memset(&p, 0, sizeof(p));
	if (nl_walk(b, len, index_msg, &p, err, errlen) < 0)
		goto out;
	if (p.n_chains)
		qsort(p.chains, p.n_chains, sizeof(*p.chains), chain_cmp);
	nd_tables_sort(&p.t);
	for (i = 0; i < p.n_chains; i++)
		p.chains[i].dev = &p.chains[i].devs;
	if (decode_at(&p, b, p.elem_msgs, p.n_elem_msgs, "NFT_MSG_NEWSETELEM", on_setelem, err, errlen) < 0)
		goto out;
	nd_tables_sort_elements(&p.t);
	if (decode_at(&p, b, p.rule_msgs, p.n_rule_msgs, "NFT_MSG_NEWRULE", on_rule, err, errlen) < 0)
		goto out;
	inherit_hooks(&p);
	for (i = 0; i < p.n_rules; i++) {
		if (p.rules[i].f.nat)
			emit_nat(&p, &p.rules[i]);
		if (p.rules[i].f.dscp)
			emit_dscp(&p, &p.rules[i]);
	}
	commit(&p, obs);
	rc = 0;
out:
	pctx_free(&p);
	free(copy);
	return rc;
}
