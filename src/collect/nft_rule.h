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

struct nlattr;
struct nl_msgpos;

/* Attribute types read here are all below this (NFTA_SET_*, the largest family, ends near 20). */
#define ND_ATTR_MAX 31
/* The key length of a set with an element of a form not understood: it matches no register. */
#define ND_SET_UNREADABLE UINT32_MAX
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

/*
 * Attributes as the kernel writes them, every size checked: libnftnl
 * exit()s the process on an attribute of an unexpected size, which a
 * daemon (and its fuzzer) cannot have.
 */
/** The attributes nested in @p a into @p tb (ND_ATTR_MAX + 1 entries); -1 with a message when malformed. */
int nd_attrs(const struct nl_msgpos *m, const char *where, const struct nlattr *a, const struct nlattr **tb);
/** Check that @p data holds well-formed attributes (a list); -1 with a message. */
int nd_attrs_check(const struct nl_msgpos *m, const char *where, const void *data, size_t len);
/** A big-endian integer attribute; 0 when absent or of another size. */
uint32_t nd_be32(const struct nlattr *a);
uint64_t nd_be64(const struct nlattr *a);
/** A NUL-terminated string attribute, or NULL. */
const char *nd_str(const struct nlattr *a);
/** The bytes of the NFTA_DATA_VALUE nested in @p a, or NULL. */
const uint8_t *nd_value(const struct nlattr *a, uint32_t *len);
/** The verdict (NFTA_DATA_VERDICT) nested in @p a: its code and chain (NULL if none); false if there is none. */
bool nd_verdict(const struct nlattr *a, int32_t *code, const char **chain);

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
/**
 * Decode the expressions (NFTA_RULE_EXPRESSIONS, may be NULL) of a rule of
 * @p table into @p r (freed with nd_rule_free, also after an error).
 * Expressions not understood make the rule's selectors "other"; -1 with a
 * message only when the attributes are malformed.
 */
int nd_rule_decode(const struct nd_tables *t, const struct nl_msgpos *m, uint32_t family, const char *table,
    const struct nlattr *exprs, struct nd_rule *r);
void nd_rule_free(struct nd_rule *r);

#endif
