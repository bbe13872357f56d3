/*
 * Internal to the nftables collector: the ruleset's sets and counter
 * objects as the netlink dump gives them, and one rule decoded from its
 * expressions into what the checks read (nft_rule.c). collect_nft.c walks
 * the dump, turns decoded rules into er_nat_rule / er_dscp_rule.
 */
#ifndef ER_NFT_RULE_H
#define ER_NFT_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "observed.h"

struct nftnl_rule;

/* The longest key or data nf_tables holds (NFT_DATA_VALUE_MAXLEN). */
#define ND_MAXDATA 64

/* A list of interface names. */
struct nd_names {
	char (*v)[ER_OBS_IFNAMSIZ];
	size_t n, cap;
};

struct nd_elem {
	uint8_t key[ND_MAXDATA], data[ND_MAXDATA];
	uint32_t klen, dlen, flags;
	int32_t verdict;
	bool has_verdict;
	char *chain; /* jump/goto target of a verdict map's element */
};

struct nd_set {
	uint32_t family, flags, klen, dlen;
	char *table, *name;
	struct nd_elem *e;
	size_t n, cap;
};

struct nd_obj {
	uint32_t family;
	char *table, *name;
	uint64_t packets;
};

/* The sets (sorted by family, table, name, their elements by key) and counter objects (sorted) of a dump. */
struct nd_tables {
	struct nd_set *sets;
	size_t n_sets, cap_sets;
	struct nd_obj *objs;
	size_t n_objs, cap_objs;
};

/* One interface match (oifname or iifname) seen in a rule. */
struct nd_iface_sel {
	bool seen;   /* matched at all */
	bool opaque; /* negated, or a form not understood: no name can be given */
	bool named;  /* names holds the interfaces (possibly none: an empty set) */
	struct nd_names names;
};

/* The selectors in front of an action. */
struct nd_sel {
	struct nd_iface_sel oif, iif;
	uint64_t allowed; /* DSCP values the dscp matches let through */
	bool dscp_in;     /* a positive dscp match */
	bool dscp_not_in; /* a negative one */
	bool other;       /* any other selector: ports, addresses, protocols, limits, forms not understood */
};

/* What one rule does, as far as the checks care. */
struct nd_rule {
	uint32_t family;
	bool nat, nat_masq, dscp; /* it translates (the first snat/masquerade), it writes a DSCP (the last write) */
	char nat_family[8];
	struct er_prefix *xlat; /* snat: every address it may translate to */
	size_t n_xlat;
	struct nd_sel nat_sel, dscp_sel; /* the selectors in front of each action */
	unsigned dscp_val;
	uint64_t packets; /* of its first counter */
	char **jumps;     /* chains it jumps or goes to, verdict maps included */
	size_t n_jumps, cap_jumps;
};

const char *nd_family_name(uint32_t family);
int nd_key3_cmp(uint32_t fa, const char *ta, const char *na, uint32_t fb, const char *tb, const char *nb);
bool nd_names_add(struct nd_names *l, const char *s);
bool nd_names_has(const struct nd_names *l, const char *s);
void nd_sel_free(struct nd_sel *s);
struct nd_set *nd_find_set(const struct nd_tables *t, uint32_t family, const char *table, const char *name);
/** Sort the sets and objects for lookups (after the sets and objects are read). */
void nd_tables_sort(struct nd_tables *t);
/** Sort every set's elements by key (after the elements are read). */
void nd_tables_sort_elements(struct nd_tables *t);
/** Decode @p nr, a rule of @p table, into @p r (freed with nd_rule_free). */
void nd_rule_decode(const struct nd_tables *t, struct nftnl_rule *nr, const char *table, struct nd_rule *r);
void nd_rule_free(struct nd_rule *r);

#endif
