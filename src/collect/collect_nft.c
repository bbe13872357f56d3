/*
 * nftables collector: one `list ruleset` through libnftables, in JSON
 * (libnftables-json(5), json_schema_version 1), gives both the NAT rules
 * (SNAT/masquerade) and the DSCP re-marking rules.
 *
 * The parser reads the ruleset the way the checks need it, not as nft
 * would evaluate it: per rule, the interfaces it applies to, what it
 * translates to or which DSCP value it writes, and for DSCP whether the
 * rule is narrowed by the packet's current DSCP only (dscp-in/-not-in) or
 * by something else as well (other). Statements it does not understand
 * are skipped; a ruleset that does not follow the schema is an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <nftables/libnftables.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "util.h"

/* The only schema version this parser was written against. */
#define NFT_JSON_SCHEMA 1

/* A range may cover at most 2 * 128 - 2 prefixes; keep room. */
#define MAX_RANGE_PFX 256

/* ------------------------------------------------------------------ */
/* JSON helpers */

static json_object *
member(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *
member_str(json_object *o, const char *key)
{
	json_object *v = member(o, key);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* The one key of a statement or expression object ({"match": {...}}), and its value. */
static const char *
only_key(json_object *o, json_object **val)
{
	struct json_object_iterator it, end;

	*val = NULL;
	if (!json_object_is_type(o, json_type_object) || json_object_object_length(o) != 1)
		return NULL;
	it = json_object_iter_begin(o);
	end = json_object_iter_end(o);
	if (json_object_iter_equal(&it, &end))
		return NULL;
	*val = json_object_iter_peek_value(&it);
	return json_object_iter_peek_name(&it);
}

/* A non-negative JSON integer; json-c keeps values above INT64_MAX as unsigned. */
static bool
get_count(json_object *v, uint64_t *out)
{
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return false;
	*out = json_object_get_uint64(v);
	return true;
}

/* ------------------------------------------------------------------ */
/* Parser state */

/* A chain, keyed by family/table/name; strings point into the JSON tree. */
struct nchain {
	const char *family, *table, *name;
	const char *hook; /* own hook, or that of a base chain jumping here; NULL when neither */
	json_object *dev; /* netdev chains: the device (string) or devices (array) */
};

/* A named set, map or counter, for "@name" references and `counter name`. */
struct nnamed {
	char kind; /* 's' set or map, 'c' counter */
	const char *family, *table, *name;
	json_object *obj;
};

/* A jump or goto, to give regular chains the hook of the base chain that calls them. */
struct nedge {
	const char *family, *table, *from, *to;
};

/* A list of interface names. */
struct names {
	const char **v;
	size_t n, cap;
};

struct pctx {
	struct nchain *chains;
	size_t n_chains, cap_chains;
	struct nnamed *named;
	size_t n_named, cap_named;
	struct nedge *edges;
	size_t n_edges, cap_edges;
	/* Results, moved into the observed state only when the whole ruleset parsed. */
	struct er_nat_rule *nat;
	size_t n_nat, cap_nat;
	struct er_dscp_rule *dscp;
	size_t n_dscp, cap_dscp;
	char where[192]; /* "rule inet qos filter handle 7" */
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 2, 3)))
pfail(struct pctx *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "nft JSON: %s%s%s", p->where, p->where[0] ? ": " : "", msg);
	return -1;
}


static int
key3_cmp(const char *fa, const char *ta, const char *na, const char *fb, const char *tb, const char *nb)
{
	int c;

	if ((c = strcmp(fa, fb)) != 0 || (c = strcmp(ta, tb)) != 0)
		return c;
	return strcmp(na, nb);
}

static int
chain_cmp(const void *a, const void *b)
{
	const struct nchain *x = a, *y = b;

	return key3_cmp(x->family, x->table, x->name, y->family, y->table, y->name);
}

static int
named_cmp(const void *a, const void *b)
{
	const struct nnamed *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return key3_cmp(x->family, x->table, x->name, y->family, y->table, y->name);
}

static struct nchain *
find_chain(struct pctx *p, const char *family, const char *table, const char *name)
{
	struct nchain key = { .family = family, .table = table, .name = name };

	return p->n_chains ? bsearch(&key, p->chains, p->n_chains, sizeof(key), chain_cmp) : NULL;
}

static json_object *
find_named(struct pctx *p, char kind, const char *family, const char *table, const char *name)
{
	struct nnamed key = { .kind = kind, .family = family, .table = table, .name = name }, *r;

	r = p->n_named ? bsearch(&key, p->named, p->n_named, sizeof(key), named_cmp) : NULL;
	return r ? r->obj : NULL;
}

/* The elements of "@name", a named set or map in the rule's table; *elems is NULL when it is empty. */
static bool
set_ref_elems(struct pctx *p, const char *family, const char *table, const char *ref, json_object **elems)
{
	json_object *s = find_named(p, 's', family, table, ref + 1);

	*elems = s ? member(s, "elem") : NULL;
	return s != NULL;
}

/* A set element may carry a timeout or comment: {"elem": {"val": X, ...}}. */
static json_object *
elem_val(json_object *e)
{
	json_object *v = member(e, "elem");

	return v ? member(v, "val") : e;
}

/*
 * The members of a set-like right-hand side: an anonymous {"set": X | [..]}
 * or a named "@set" (*arr, NULL when empty), or a single value (*single).
 * False for a reference to a set not in the ruleset.
 */
static bool
set_members(struct pctx *p, const char *family, const char *table, json_object *v, json_object **arr,
    json_object **single)
{
	json_object *s;

	*arr = *single = NULL;
	if (json_object_is_type(v, json_type_string) && json_object_get_string(v)[0] == '@')
		return set_ref_elems(p, family, table, json_object_get_string(v), arr);
	if ((s = member(v, "set"))) {
		if (json_object_is_type(s, json_type_array))
			*arr = s;
		else
			*single = s;
		return true;
	}
	*single = v;
	return true;
}

static size_t
arr_len(json_object *arr)
{
	return json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
}

/* ------------------------------------------------------------------ */
/* Values: DSCP code points, interface names, addresses */

/* nft's symbolic DSCP constants (`nft describe ip dscp`). */
static const struct {
	const char *name;
	uint8_t val;
} dscp_names[] = {
	{ "cs0", 0 }, { "cs1", 8 }, { "cs2", 16 }, { "cs3", 24 }, { "cs4", 32 }, { "cs5", 40 },
	{ "cs6", 48 }, { "cs7", 56 }, { "df", 0 }, { "be", 0 }, { "lephb", 1 }, { "af11", 10 },
	{ "af12", 12 }, { "af13", 14 }, { "af21", 18 }, { "af22", 20 }, { "af23", 22 }, { "af31", 26 },
	{ "af32", 28 }, { "af33", 30 }, { "af41", 34 }, { "af42", 36 }, { "af43", 38 }, { "va", 44 },
	{ "ef", 46 },
};

/* A DSCP value: a number, a symbol (ef) or a number in a string (nft prints 0x05). */
static bool
dscp_value(json_object *v, unsigned *out)
{
	const char *s;
	char *end;
	unsigned long n;
	size_t i;

	if (json_object_is_type(v, json_type_int)) {
		int64_t x = json_object_get_int64(v);
		if (x < 0 || x > 63)
			return false;
		*out = (unsigned)x;
		return true;
	}
	if (!json_object_is_type(v, json_type_string))
		return false;
	s = json_object_get_string(v);
	for (i = 0; i < ARRAY_SIZE(dscp_names); i++)
		if (!strcmp(s, dscp_names[i].name)) {
			*out = dscp_names[i].val;
			return true;
		}
	errno = 0;
	n = strtoul(s, &end, 0);
	if (end == s || *end || errno || n > 63)
		return false;
	*out = (unsigned)n;
	return true;
}

/* One DSCP element: a value or a {"range": [lo, hi]}, as a bitmask. */
static bool
dscp_elem_mask(json_object *e, uint64_t *mask)
{
	json_object *r;
	unsigned lo, hi, v;

	e = elem_val(e);
	if ((r = member(e, "range"))) {
		if (!json_object_is_type(r, json_type_array) || json_object_array_length(r) != 2 ||
		    !dscp_value(json_object_array_get_idx(r, 0), &lo) ||
		    !dscp_value(json_object_array_get_idx(r, 1), &hi) || lo > hi)
			return false;
		for (v = lo; v <= hi; v++)
			*mask |= 1ull << v;
		return true;
	}
	if (!dscp_value(e, &v))
		return false;
	*mask |= 1ull << v;
	return true;
}

/* The right-hand side of a DSCP match as a bitmask. */
static bool
dscp_mask(struct pctx *p, const char *family, const char *table, json_object *right, uint64_t *mask)
{
	json_object *single, *arr;
	size_t i;

	*mask = 0;
	if (!set_members(p, family, table, right, &arr, &single))
		return false;
	if (single)
		return dscp_elem_mask(single, mask);
	for (i = 0; i < arr_len(arr); i++)
		if (!dscp_elem_mask(json_object_array_get_idx(arr, i), mask))
			return false;
	return true;
}

static bool
name_add(struct names *l, json_object *v)
{
	const char *s;

	v = elem_val(v);
	if (!json_object_is_type(v, json_type_string))
		return false;
	s = json_object_get_string(v);
	/* Longer than IFNAMSIZ - 1 cannot be an interface name; "" is never one. */
	if (!s[0] || strlen(s) >= ER_OBS_IFNAMSIZ)
		return false;
	ER_GROW(l->v, l->n, l->cap);
	l->v[l->n++] = s;
	return true;
}

/*
 * Interface names on the right of an oifname/iifname match: a string, an
 * anonymous set or a named set. A wildcard ("msft*") is kept as written:
 * which interfaces it covers is not known here.
 */
static bool
iface_names(struct pctx *p, const char *family, const char *table, json_object *right, struct names *out)
{
	json_object *single, *arr;
	size_t i;

	out->n = 0;
	if (!set_members(p, family, table, right, &arr, &single))
		return false;
	if (single)
		return name_add(out, single);
	for (i = 0; i < arr_len(arr); i++)
		if (!name_add(out, json_object_array_get_idx(arr, i)))
			return false;
	return true;
}

static bool
names_has(const struct names *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

/* Bytes of an address as one big-endian number of 32 or 128 bits. */
static unsigned
addr_bits(const struct er_addr *a)
{
	return a->family == ER_AF_INET ? 32 : 128;
}

static bool
bit_is_set(const struct er_addr *a, unsigned i)
{
	return a->bytes[i / 8] & (0x80 >> (i % 8));
}

/* Set the low @p host bits of @p a. */
static void
set_low_bits(struct er_addr *a, unsigned host)
{
	unsigned bits = addr_bits(a), i;

	for (i = bits - host; i < bits; i++)
		a->bytes[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

/* a + 1; false when it wraps past the all-ones address. */
static bool
addr_inc(struct er_addr *a)
{
	int i;

	for (i = (int)addr_bits(a) / 8 - 1; i >= 0; i--)
		if (++a->bytes[i] != 0)
			return true;
	return false;
}

/*
 * A range lo-hi as the smallest list of prefixes covering exactly those
 * addresses (10.9.0.1-10.9.0.6: .1/32 .2/31 .4/31 .6/32). Exact, so the
 * checks see every translated address and no other.
 */
static size_t
range_prefixes(const struct er_addr *lo_in, const struct er_addr *hi, struct er_prefix *out, size_t max)
{
	struct er_addr lo = *lo_in, last;
	unsigned bits = addr_bits(&lo);
	size_t n = 0;

	while (n < max && memcmp(lo.bytes, hi->bytes, bits / 8) <= 0) {
		unsigned host = 0;
		/* Grow the block while lo stays aligned to it and it stays within hi. */
		while (host < bits && !bit_is_set(&lo, bits - host - 1)) {
			last = lo;
			set_low_bits(&last, host + 1);
			if (memcmp(last.bytes, hi->bytes, bits / 8) > 0)
				break;
			host++;
		}
		out[n].addr = lo;
		out[n].len = (uint8_t)(bits - host);
		n++;
		set_low_bits(&lo, host);
		if (!addr_inc(&lo))
			break;
	}
	return n;
}

static bool
parse_addr(json_object *v, struct er_addr *a)
{
	return json_object_is_type(v, json_type_string) && er_addr_parse(json_object_get_string(v), a) == 0;
}

/* Append the prefixes of one translation target: an address, a prefix or a range. */
static bool
xlat_add(json_object *v, struct er_prefix **xl, size_t *n, size_t *cap)
{
	struct er_prefix tmp[MAX_RANGE_PFX];
	json_object *o;
	struct er_addr lo, hi;
	size_t k = 0, i;

	v = elem_val(v);
	if (parse_addr(v, &tmp[0].addr)) {
		tmp[0].len = (uint8_t)addr_bits(&tmp[0].addr);
		k = 1;
	} else if ((o = member(v, "prefix"))) {
		json_object *len = member(o, "len");
		int64_t l = json_object_get_int64(len);
		if (!parse_addr(member(o, "addr"), &tmp[0].addr) || !json_object_is_type(len, json_type_int) ||
		    l < 0 || l > (int64_t)addr_bits(&tmp[0].addr))
			return false;
		tmp[0].len = (uint8_t)l;
		er_prefix_network(&tmp[0], &tmp[0]);
		k = 1;
	} else if ((o = member(v, "range"))) {
		if (!json_object_is_type(o, json_type_array) || json_object_array_length(o) != 2 ||
		    !parse_addr(json_object_array_get_idx(o, 0), &lo) ||
		    !parse_addr(json_object_array_get_idx(o, 1), &hi) || lo.family != hi.family ||
		    memcmp(lo.bytes, hi.bytes, addr_bits(&lo) / 8) > 0)
			return false;
		k = range_prefixes(&lo, &hi, tmp, ARRAY_SIZE(tmp));
	} else
		return false;
	for (i = 0; i < k; i++) {
		ER_GROW(*xl, *n, *cap);
		(*xl)[(*n)++] = tmp[i];
	}
	return true;
}

/*
 * What an snat statement translates to. Besides a single target, a map
 * (`snat to ip saddr map { 10.0.0.0/8 : 1.2.3.4 }`) gives the union of its
 * values: every address the rule may translate to.
 */
static bool
snat_targets(struct pctx *p, const char *family, const char *table, json_object *addr, struct er_prefix **xl,
    size_t *n)
{
	json_object *map = member(addr, "map"), *single, *arr;
	size_t cap = 0, i;

	*xl = NULL;
	*n = 0;
	if (!map)
		return xlat_add(addr, xl, n, &cap);
	if (!set_members(p, family, table, member(map, "data"), &arr, &single) || single)
		goto fail;
	for (i = 0; i < arr_len(arr); i++) {
		json_object *pair = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(pair, json_type_array) || json_object_array_length(pair) != 2 ||
		    !xlat_add(json_object_array_get_idx(pair, 1), xl, n, &cap))
			goto fail;
	}
	if (*n)
		return true;
fail:
	free(*xl);
	*xl = NULL;
	*n = 0;
	return false;
}

/* ------------------------------------------------------------------ */
/* Rules */

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

/* One interface match (oifname or iifname) seen in a rule. */
struct iface_sel {
	bool seen;     /* matched at all */
	bool opaque;   /* negated, or a form not understood: no name can be given */
	bool named;    /* names holds the interfaces (possibly none: an empty set) */
	struct names names;
};

/* The selectors in front of an action statement. */
struct sel {
	struct iface_sel oif, iif;
	uint64_t allowed;  /* DSCP values the dscp matches let through */
	bool dscp_in;      /* a positive dscp match */
	bool dscp_not_in;  /* a negative one */
	bool other;        /* any other selector: ports, addresses, protocols, limits */
};

struct rule_ctx {
	const char *family, *table, *chain;
	const struct nchain *ch;
	json_object *expr;
	size_t nstmt;
};

static void
sel_free(struct sel *s)
{
	free(s->oif.names.v);
	free(s->iif.names.v);
}

static void
iface_match(struct pctx *p, const struct rule_ctx *r, struct iface_sel *is, const char *op, json_object *right)
{
	struct names got = { 0 };
	size_t i, k;

	is->seen = true;
	if (is->opaque)
		return;
	if (strcmp(op, "==") != 0 && strcmp(op, "in") != 0) {
		/* oifname != "lo": every interface but some; no list to give. */
		is->opaque = true;
		return;
	}
	if (!iface_names(p, r->family, r->table, right, &got)) {
		free(got.v);
		is->opaque = true;
		return;
	}
	if (!is->named) {
		is->names = got;
		is->named = true;
		return;
	}
	/* Two positive matches: the rule applies to the names in both. */
	for (i = 0, k = 0; i < is->names.n; i++)
		if (names_has(&got, is->names.v[i]))
			is->names.v[k++] = is->names.v[i];
	is->names.n = k;
	free(got.v);
}

static void
dscp_match(struct pctx *p, const struct rule_ctx *r, struct sel *s, const char *op, json_object *right)
{
	uint64_t m;

	if (!dscp_mask(p, r->family, r->table, right, &m)) {
		s->other = true;
		return;
	}
	if (!strcmp(op, "==") || !strcmp(op, "in")) {
		s->allowed &= m;
		s->dscp_in = true;
	} else if (!strcmp(op, "!=")) {
		s->allowed &= ~m;
		s->dscp_not_in = true;
	} else
		s->other = true; /* <, > ...: not a set of values the model can hold */
}

static bool
is_dscp_payload(json_object *e)
{
	json_object *pl = member(e, "payload");
	const char *proto = member_str(pl, "protocol"), *field = member_str(pl, "field");

	return proto && field && (!strcmp(proto, "ip") || !strcmp(proto, "ip6")) && !strcmp(field, "dscp");
}

/* Collect the selectors of statements [0, upto). Statement shapes were checked by check_stmt(). */
static void
scan_selectors(struct pctx *p, const struct rule_ctx *r, size_t upto, struct sel *s)
{
	static const char *const narrowing[] = { "limit", "quota", "ct count", "meter", "synproxy" };
	size_t i, k;

	memset(s, 0, sizeof(*s));
	s->allowed = ~0ull;
	for (i = 0; i < upto; i++) {
		json_object *v, *left, *right;
		const char *kind = only_key(json_object_array_get_idx(r->expr, i), &v), *key, *op;

		if (!strcmp(kind, "match")) {
			left = member(v, "left");
			right = member(v, "right");
			op = member_str(v, "op");
			key = member_str(member(left, "meta"), "key");
			if (key && (!strcmp(key, "oifname") || !strcmp(key, "oif")))
				iface_match(p, r, &s->oif, op, right);
			else if (key && (!strcmp(key, "iifname") || !strcmp(key, "iif")))
				iface_match(p, r, &s->iif, op, right);
			else if (key && (!strcmp(key, "nfproto") || !strcmp(key, "protocol")))
				; /* the address family a dscp or nat statement implies anyway */
			else if (is_dscp_payload(left))
				dscp_match(p, r, s, op, right);
			else
				s->other = true;
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(narrowing); k++)
			if (!strcmp(kind, narrowing[k]))
				s->other = true;
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
emit_nat(struct pctx *p, const struct rule_ctx *r, size_t at, const char *kind, json_object *stmt, uint64_t packets)
{
	struct er_nat_rule tmpl;
	struct er_prefix *xl = NULL;
	struct sel s;
	size_t n = 0, i;
	const char *fam = member_str(stmt, "family");

	memset(&tmpl, 0, sizeof(tmpl));
	if (!strcmp(kind, "snat")) {
		if (!snat_targets(p, r->family, r->table, member(stmt, "addr"), &xl, &n))
			return; /* no address, or a form not understood */
		tmpl.action = ER_NAT_SNAT;
	} else
		tmpl.action = ER_NAT_MASQUERADE;
	/* In an inet table the statement says which family it translates. */
	snprintf(tmpl.family, sizeof(tmpl.family), "%s", fam ? fam : r->family);
	snprintf(tmpl.hook, sizeof(tmpl.hook), "%s", r->ch && r->ch->hook ? r->ch->hook : "");
	tmpl.packets = packets;
	scan_selectors(p, r, at, &s);
	if (!s.oif.opaque && s.oif.named)
		for (i = 0; i < s.oif.names.n; i++)
			push_nat(p, &tmpl, s.oif.names.v[i], xl, n);
	else
		/*
		 * No oifname, `oifname != X` (the model has no "all but") or a
		 * form not understood (an oif by index): any interface.
		 */
		push_nat(p, &tmpl, "", xl, n);
	sel_free(&s);
	free(xl);
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

/* The interface names of a netdev chain's "dev": a string or an array. */
static void
dev_names(json_object *dev, struct names *out)
{
	size_t i;

	if (json_object_is_type(dev, json_type_array)) {
		for (i = 0; i < json_object_array_length(dev); i++)
			name_add(out, json_object_array_get_idx(dev, i));
	} else if (dev)
		name_add(out, dev);
}

/*
 * Direction from the chain's hook; the interface is the output interface
 * on egress hooks and the input interface on ingress hooks, the other one
 * being just another selector. A chain no base chain reaches has no hook:
 * an oifname then says egress, an iifname ingress.
 */
static void
emit_dscp(struct pctx *p, const struct rule_ctx *r, size_t at, unsigned val, uint64_t packets)
{
	struct er_dscp_rule tmpl;
	struct names devs = { 0 };
	struct iface_sel *own, *other;
	enum hook_dir d = hook_dir(r->ch ? r->ch->hook : NULL);
	struct sel s;
	size_t i;

	memset(&tmpl, 0, sizeof(tmpl));
	scan_selectors(p, r, at, &s);
	if (d == HOOK_UNKNOWN)
		d = !s.oif.seen && s.iif.seen ? HOOK_INGRESS : HOOK_EGRESS;
	own = d == HOOK_INGRESS ? &s.iif : &s.oif;
	other = d == HOOK_INGRESS ? &s.oif : &s.iif;
	if (other->seen || own->opaque)
		s.other = true;
	tmpl.dir = (enum er_direction)d;
	tmpl.set_dscp = (uint8_t)val;
	tmpl.packets = packets;
	if (s.other)
		tmpl.match = ER_DSCP_OTHER;
	else if (s.dscp_in) {
		tmpl.match = ER_DSCP_IN;
		tmpl.match_set = s.allowed;
	} else if (s.dscp_not_in) {
		tmpl.match = ER_DSCP_NOT_IN;
		tmpl.match_set = ~s.allowed;
	} else
		tmpl.match = ER_DSCP_ANY;
	if (!own->seen && r->ch)
		dev_names(r->ch->dev, &devs);
	if (own->seen && !own->opaque)
		for (i = 0; i < own->names.n; i++)
			push_dscp(p, &tmpl, own->names.v[i]);
	else if (devs.n)
		for (i = 0; i < devs.n; i++)
			push_dscp(p, &tmpl, devs.v[i]);
	else
		push_dscp(p, &tmpl, "");
	free(devs.v);
	sel_free(&s);
}

/*
 * Check the shape of the statements this parser reads; any other
 * statement is skipped unread. Returns the statement's kind, or NULL
 * after pfail().
 */
static const char *
check_stmt(struct pctx *p, json_object *st, size_t i)
{
	json_object *v, *x;
	const char *kind = only_key(st, &v);

	if (!kind) {
		pfail(p, "statement %zu is not an object with one key", i);
		return NULL;
	}
	if (!strcmp(kind, "match")) {
		if (!json_object_is_type(v, json_type_object) || !member(v, "left") || !member(v, "right")) {
			pfail(p, "statement %zu (match) lacks left or right", i);
			return NULL;
		}
		if (!member_str(v, "op")) {
			pfail(p, "statement %zu (match): \"op\" is not a string", i);
			return NULL;
		}
	} else if (!strcmp(kind, "counter")) {
		uint64_t n;
		if (!json_object_is_type(v, json_type_string) &&
		    (!json_object_is_type(v, json_type_object) || ((x = member(v, "packets")) && !get_count(x, &n)))) {
			pfail(p, "statement %zu (counter): \"packets\" is not a non-negative integer", i);
			return NULL;
		}
	} else if (!strcmp(kind, "mangle")) {
		if (!json_object_is_type(v, json_type_object) || !member(v, "key") || !member(v, "value")) {
			pfail(p, "statement %zu (mangle) lacks key or value", i);
			return NULL;
		}
	} else if (!strcmp(kind, "snat") || !strcmp(kind, "masquerade")) {
		if (v && !json_object_is_type(v, json_type_object)) {
			pfail(p, "statement %zu (%s) is not an object or null", i, kind);
			return NULL;
		}
		if ((x = member(v, "family")) && !json_object_is_type(x, json_type_string)) {
			pfail(p, "statement %zu (%s): \"family\" is not a string", i, kind);
			return NULL;
		}
	}
	return kind;
}

/* Packets of a counter statement: inline, or a named counter object in the table. */
static uint64_t
counter_packets(struct pctx *p, const struct rule_ctx *r, json_object *v)
{
	uint64_t n = 0;

	if (json_object_is_type(v, json_type_string))
		v = find_named(p, 'c', r->family, r->table, json_object_get_string(v));
	if (!get_count(member(v, "packets"), &n))
		n = 0;
	return n;
}

static int
parse_rule(struct pctx *p, json_object *rule, size_t idx)
{
	struct rule_ctx r;
	json_object *h = member(rule, "handle"), *nat_stmt = NULL, *v;
	const char *nat_kind = NULL;
	size_t i, nat_at = 0, dscp_at = 0;
	uint64_t packets = 0;
	bool counted = false, have_dscp = false;
	unsigned dscp_val = 0;

	memset(&r, 0, sizeof(r));
	r.family = member_str(rule, "family");
	r.table = member_str(rule, "table");
	r.chain = member_str(rule, "chain");
	if (!r.family || !r.table || !r.chain) {
		snprintf(p->where, sizeof(p->where), "nftables[%zu] (rule)", idx);
		return pfail(p, "\"%s\" is not a string", !r.family ? "family" : !r.table ? "table" : "chain");
	}
	if (h && !json_object_is_type(h, json_type_int)) {
		snprintf(p->where, sizeof(p->where), "rule %s %s %s", r.family, r.table, r.chain);
		return pfail(p, "\"handle\" is not an integer");
	}
	snprintf(p->where, sizeof(p->where), "rule %s %s %s handle %lld", r.family, r.table, r.chain,
	    h ? (long long)json_object_get_int64(h) : -1ll);
	r.expr = member(rule, "expr");
	if (!json_object_is_type(r.expr, json_type_array))
		return pfail(p, "\"expr\" is not an array");
	r.ch = find_chain(p, r.family, r.table, r.chain);
	r.nstmt = json_object_array_length(r.expr);
	for (i = 0; i < r.nstmt; i++) {
		json_object *st = json_object_array_get_idx(r.expr, i);
		const char *kind = check_stmt(p, st, i);
		unsigned val;

		if (!kind)
			return -1;
		only_key(st, &v);
		if (!strcmp(kind, "counter") && !counted) {
			packets = counter_packets(p, &r, v);
			counted = true;
		} else if ((!strcmp(kind, "snat") || !strcmp(kind, "masquerade")) && !nat_kind) {
			nat_kind = kind;
			nat_stmt = v;
			nat_at = i;
		} else if (!strcmp(kind, "mangle") && is_dscp_payload(member(v, "key")) &&
		    dscp_value(member(v, "value"), &val)) {
			/* The last write is the value the packet leaves with. */
			have_dscp = true;
			dscp_val = val;
			dscp_at = i;
		}
	}
	if (nat_kind)
		emit_nat(p, &r, nat_at, nat_kind, nat_stmt, packets);
	if (have_dscp)
		emit_dscp(p, &r, dscp_at, dscp_val, packets);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The ruleset */

/* Every jump/goto target inside @p o (statements, and verdict maps). */
static void
collect_jumps(struct pctx *p, const char *family, const char *table, const char *from, json_object *o)
{
	const char *t;
	size_t i;

	if (json_object_is_type(o, json_type_array)) {
		for (i = 0; i < json_object_array_length(o); i++)
			collect_jumps(p, family, table, from, json_object_array_get_idx(o, i));
		return;
	}
	if (!json_object_is_type(o, json_type_object))
		return;
	json_object_object_foreach(o, key, val) {
		if ((!strcmp(key, "jump") || !strcmp(key, "goto")) && (t = member_str(val, "target"))) {
			ER_GROW(p->edges, p->n_edges, p->cap_edges);
			p->edges[p->n_edges++] = (struct nedge){ family, table, from, t };
		} else
			collect_jumps(p, family, table, from, val);
	}
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

/* First pass: schema version, chains, named sets and counters, jumps. */
static int
index_ruleset(struct pctx *p, json_object *arr, bool *have_meta)
{
	size_t i, n = json_object_array_length(arr);

	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(arr, i), *v, *x;
		const char *kind = only_key(o, &v), *family, *table, *name;

		if (!kind) {
			p->where[0] = '\0';
			return pfail(p, "nftables[%zu] is not an object with one key", i);
		}
		snprintf(p->where, sizeof(p->where), "nftables[%zu] (%s)", i, kind);
		if (!strcmp(kind, "metainfo")) {
			x = member(v, "json_schema_version");
			if (!json_object_is_type(x, json_type_int))
				return pfail(p, "\"json_schema_version\" is missing or not an integer");
			if (json_object_get_int64(x) != NFT_JSON_SCHEMA) {
				p->where[0] = '\0';
				return pfail(p, "json_schema_version %lld is not supported (this parser reads version %d)",
				    (long long)json_object_get_int64(x), NFT_JSON_SCHEMA);
			}
			*have_meta = true;
			continue;
		}
		if (strcmp(kind, "chain") && strcmp(kind, "set") && strcmp(kind, "map") && strcmp(kind, "counter") &&
		    strcmp(kind, "rule"))
			continue; /* tables, flowtables, ct helpers...: nothing the checks read */
		family = member_str(v, "family");
		table = member_str(v, "table");
		name = member_str(v, !strcmp(kind, "rule") ? "chain" : "name");
		if (!family || !table || !name)
			return pfail(p, "\"%s\" is not a string",
			    !family ? "family" : !table ? "table" : !strcmp(kind, "rule") ? "chain" : "name");
		if (!strcmp(kind, "rule")) {
			collect_jumps(p, family, table, name, member(v, "expr"));
		} else if (!strcmp(kind, "chain")) {
			struct nchain *c;
			x = member(v, "hook");
			if (x && !json_object_is_type(x, json_type_string))
				return pfail(p, "chain %s %s %s: \"hook\" is not a string", family, table, name);
			ER_GROW(p->chains, p->n_chains, p->cap_chains);
			c = &p->chains[p->n_chains++];
			c->family = family;
			c->table = table;
			c->name = name;
			c->hook = x ? json_object_get_string(x) : NULL;
			c->dev = member(v, "dev");
		} else {
			x = member(v, "elem");
			if (strcmp(kind, "counter") && x && !json_object_is_type(x, json_type_array))
				return pfail(p, "%s %s %s %s: \"elem\" is not an array", kind, family, table, name);
			ER_GROW(p->named, p->n_named, p->cap_named);
			p->named[p->n_named++] = (struct nnamed){ !strcmp(kind, "counter") ? 'c' : 's', family, table,
				name, v };
		}
	}
	p->where[0] = '\0';
	return 0;
}

static void
pctx_free(struct pctx *p)
{
	size_t i;

	for (i = 0; i < p->n_nat; i++)
		free(p->nat[i].xlat);
	free(p->nat);
	free(p->dscp);
	free(p->chains);
	free(p->named);
	free(p->edges);
}

/* Move the parsed rules to the end of @p obs's lists. */
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

static json_object *
parse_text(const char *json, char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	size_t len = strlen(json), used;
	enum json_tokener_error je;
	json_object *root;

	if (!tok) {
		snprintf(err, errlen, "nft JSON: cannot allocate a parser");
		return NULL;
	}
	if (strspn(json, " \t\r\n") == len) {
		json_tokener_free(tok);
		snprintf(err, errlen, "nft JSON: empty answer");
		return NULL;
	}
	root = json_tokener_parse_ex(tok, json, (int)(len > (size_t)INT32_MAX ? INT32_MAX : len));
	je = json_tokener_get_error(tok);
	used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (je == json_tokener_continue) {
		snprintf(err, errlen, "nft JSON: truncated: the text ends after %zu bytes, inside a value", len);
		return NULL;
	}
	if (!root || je != json_tokener_success) {
		json_object_put(root);
		snprintf(err, errlen, "nft JSON: not valid JSON at byte %zu: %s", used, json_tokener_error_desc(je));
		return NULL;
	}
	while (used < len && strchr(" \t\r\n", json[used]))
		used++;
	if (used < len) {
		json_object_put(root);
		snprintf(err, errlen, "nft JSON: unexpected text after the JSON value at byte %zu", used);
		return NULL;
	}
	return root;
}

/*
 * In the query process, which exits right after parsing, freeing the
 * JSON tree of a large ruleset costs as much as parsing it: keep it.
 */
static bool child_keeps_tree;
static json_object *child_tree;
static struct nft_ctx *child_ctx;
static struct er_observed *child_obs;

int
er_nft_parse_ruleset(const char *json, struct er_observed *obs, char *err, size_t errlen)
{
	struct pctx p;
	json_object *root, *arr;
	bool have_meta = false;
	size_t i, n;
	int rc = -1;

	if (!(root = parse_text(json, err, errlen)))
		return -1;
	memset(&p, 0, sizeof(p));
	p.err = err;
	p.errlen = errlen;
	arr = member(root, "nftables");
	if (!json_object_is_type(arr, json_type_array)) {
		pfail(&p, "no \"nftables\" array at the top level");
		goto out;
	}
	if (index_ruleset(&p, arr, &have_meta) < 0)
		goto out;
	if (!have_meta) {
		pfail(&p, "no metainfo.json_schema_version (not the output of `nft -j list ruleset`?)");
		goto out;
	}
	if (p.n_chains)
		qsort(p.chains, p.n_chains, sizeof(*p.chains), chain_cmp);
	if (p.n_named)
		qsort(p.named, p.n_named, sizeof(*p.named), named_cmp);
	inherit_hooks(&p);
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		json_object *v;
		const char *kind = only_key(json_object_array_get_idx(arr, i), &v);
		if (!strcmp(kind, "rule") && parse_rule(&p, v, i) < 0)
			goto out;
	}
	commit(&p, obs);
	rc = 0;
out:
	pctx_free(&p);
	if (child_keeps_tree && rc == 0)
		child_tree = root; /* freed by the process exit (and still reachable for valgrind) */
	else
		json_object_put(root);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The query */


static void
write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, s, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(3);
		s += w;
		len -= (size_t)w;
	}
}

/*
 * The wire format from the query child: the parsed rules, not the JSON.
 * Parsing (and, above all, freeing) a 10,000-rule JSON tree costs more
 * than the query; the child does it and exits without freeing, and the
 * parent only copies records. Same binary on both ends, so raw structs.
 */
struct wire_head {
	uint32_t n_nat, n_dscp;
};
static const uint32_t wire_end = 0x54464e45; /* "ENFT": the stream is complete */

/*
 * The child: libnftables cannot be interrupted, so it runs here and the
 * parent gives up on it (SIGKILL) at the deadline. Records go to @p out;
 * nft's error text to @p errfd with exit status 1.
 */
static void __attribute__((noreturn))
query_child(int out, int errfd, pid_t parent)
{
	struct nft_ctx *ctx;
	struct er_observed *obs;
	struct wire_head h;
	const char *s;
	char perr[512];
	size_t i;

	/* Die with the collector rather than linger. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(2);
	/* libnftables also prints some errors straight to stderr ("you must be root"): collect those too. */
	if (dup2(errfd, 2) < 0)
		_exit(2);
	if (!(ctx = nft_ctx_new(NFT_CTX_DEFAULT))) {
		dprintf(errfd, "cannot create an nftables context\n");
		_exit(2);
	}
	/* The library's default output flags plus JSON: the same text as `nft -j list ruleset`. */
	nft_ctx_output_set_flags(ctx, nft_ctx_output_get_flags(ctx) | NFT_CTX_OUTPUT_JSON);
	if (nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0) {
		dprintf(errfd, "cannot buffer nftables output\n");
		_exit(2);
	}
	if (nft_run_cmd_from_buffer(ctx, "list ruleset") != 0) {
		s = nft_ctx_get_error_buffer(ctx);
		write_all(errfd, s ? s : "", s ? strlen(s) : 0);
		_exit(1);
	}
	s = nft_ctx_get_output_buffer(ctx);
	child_ctx = ctx;
	child_obs = obs = er_observed_new();
	child_keeps_tree = true;
	if (er_nft_parse_ruleset(s ? s : "", obs, perr, sizeof(perr)) < 0) {
		write_all(errfd, perr, strlen(perr));
		_exit(1);
	}
	h.n_nat = (uint32_t)obs->n_nat;
	h.n_dscp = (uint32_t)obs->n_dscp;
	write_all(out, (const char *)&h, sizeof(h));
	for (i = 0; i < obs->n_nat; i++) {
		write_all(out, (const char *)&obs->nat[i], sizeof(obs->nat[i]));
		write_all(out, (const char *)obs->nat[i].xlat, obs->nat[i].n_xlat * sizeof(*obs->nat[i].xlat));
	}
	if (obs->n_dscp)
		write_all(out, (const char *)obs->dscp, obs->n_dscp * sizeof(*obs->dscp));
	write_all(out, (const char *)&wire_end, sizeof(wire_end));
	/*
	 * The parent has all it needs once `out` closes and stops waiting for
	 * us then; what follows (freeing a large tree) is off its clock.
	 */
	close(out);
	child_keeps_tree = false;
	json_object_put(child_tree);
	er_observed_unref(obs);
	nft_ctx_free(ctx);
	_exit(0);
}

static bool wire_decode_into(const char *buf, size_t len, struct er_observed *obs);

/* Rebuild the rules the child sent; false (and nothing added) if the stream is short or inconsistent. */
static bool
wire_decode(const char *buf, size_t len, struct er_observed *obs)
{
	size_t i;

	if (wire_decode_into(buf, len, obs))
		return true;
	for (i = 0; i < obs->n_nat; i++)
		free(obs->nat[i].xlat);
	free(obs->nat);
	free(obs->dscp);
	obs->nat = NULL;
	obs->dscp = NULL;
	obs->n_nat = obs->n_dscp = 0;
	return false;
}

static bool
wire_decode_into(const char *buf, size_t len, struct er_observed *obs)
{
	const char *p = buf, *end = buf + len;
	struct wire_head h;
	size_t i;

	if ((size_t)(end - p) < sizeof(h))
		return false;
	memcpy(&h, p, sizeof(h));
	p += sizeof(h);
	if (h.n_nat > len || h.n_dscp > len)
		return false;
	obs->nat = h.n_nat ? xcalloc(h.n_nat, sizeof(*obs->nat)) : NULL;
	for (i = 0; i < h.n_nat; i++) {
		struct er_nat_rule *r = &obs->nat[i];
		if ((size_t)(end - p) < sizeof(*r))
			return false;
		memcpy(r, p, sizeof(*r));
		p += sizeof(*r);
		r->xlat = NULL;
		obs->n_nat = i + 1;
		if (r->n_xlat > (size_t)(end - p) / sizeof(*r->xlat)) {
			r->n_xlat = 0;
			return false;
		}
		if (r->n_xlat) {
			r->xlat = xcalloc(r->n_xlat, sizeof(*r->xlat));
			memcpy(r->xlat, p, r->n_xlat * sizeof(*r->xlat));
			p += r->n_xlat * sizeof(*r->xlat);
		}
	}
	if ((size_t)(end - p) != (size_t)h.n_dscp * sizeof(*obs->dscp) + sizeof(wire_end) ||
	    memcmp(end - sizeof(wire_end), &wire_end, sizeof(wire_end)) != 0)
		return false;
	if (h.n_dscp) {
		obs->dscp = xcalloc(h.n_dscp, sizeof(*obs->dscp));
		memcpy(obs->dscp, p, (size_t)h.n_dscp * sizeof(*obs->dscp));
		obs->n_dscp = h.n_dscp;
	}
	return true;
}

/* nft's error text on one line: its non-empty lines joined by "; ". */
static void
one_line(const char *s, char *out, size_t len)
{
	size_t n;

	out[0] = '\0';
	while (*s) {
		n = strcspn(s, "\n");
		if (n)
			strlcatf(out, len, "%s%.*s", out[0] ? "; " : "", (int)n, s);
		s += n;
		if (*s)
			s++;
	}
}

/* Wait for @p pid until the deadline; false when it is still running then. */
static bool
reap(pid_t pid, int *status, unsigned long long deadline_us)
{
	const struct timespec ms = { 0, 1000000 };
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return true;
		if (er_now_us() >= deadline_us)
			return false;
		nanosleep(&ms, NULL);
	}
}

int
er_nft_start(struct er_nft_query *q, char *err, size_t errlen)
{
	int op[2] = { -1, -1 }, ep[2] = { -1, -1 };
	pid_t self = getpid();

	q->pid = -1;
	q->out = q->err = -1;
	if (pipe2(op, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "nft list ruleset: pipe: %s", strerror(errno));
		goto fail;
	}
	if ((q->pid = fork()) < 0) {
		snprintf(err, errlen, "nft list ruleset: fork: %s", strerror(errno));
		goto fail;
	}
	if (q->pid == 0) {
		close(op[0]);
		close(ep[0]);
		er_child_reset(op[1], ep[1]);
		query_child(op[1], ep[1], self);
	}
	close(op[1]);
	close(ep[1]);
	q->out = op[0];
	q->err = ep[0];
	return ER_COLLECT_OK;
fail:
	er_close_fds(op, 2);
	er_close_fds(ep, 2);
	q->pid = -1;
	return ER_COLLECT_ERROR;
}

int
er_nft_finish(struct er_nft_query *q, struct er_observed *obs, unsigned long long deadline_us, char *err,
    size_t errlen)
{
	struct er_child_output c;
	int status = 0, rc = ER_COLLECT_ERROR, step;
	char msg[512], perr[128];

	if (q->pid < 0) {
		snprintf(err, errlen, "nft list ruleset: query not started");
		return ER_COLLECT_ERROR;
	}
	er_child_output_init(&c, q->out, q->err);
	q->out = q->err = -1;
	/*
	 * Past the deadline the reader still takes what is already in the
	 * pipes: the caller may have been busy with other collectors while the
	 * query finished in time.
	 */
	for (;;) {
		/* A complete record stream is the answer; the child may still be cleaning up. */
		if (c.out < 0 && c.len && wire_decode(c.buf, c.len, obs)) {
			rc = ER_COLLECT_OK;
			goto out;
		}
		if ((step = er_child_output_step(&c, deadline_us, perr, sizeof(perr))) != 1)
			break;
	}
	if (step == ER_COLLECT_TIMEOUT)
		goto timeout;
	if (step == ER_COLLECT_ERROR) {
		snprintf(err, errlen, "nft list ruleset: %s", perr);
		goto out;
	}
	if (!reap(q->pid, &status, deadline_us))
		goto timeout;
	q->pid = -1;
	one_line(c.ebuf, msg, sizeof(msg));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		if (wire_decode(c.buf, c.len, obs))
			rc = ER_COLLECT_OK;
		else
			snprintf(err, errlen, "nft list ruleset: the query process sent %zu bytes that do not decode", c.len);
	} else if (WIFEXITED(status))
		snprintf(err, errlen, "nft list ruleset: %s", msg[0] ? msg : "failed without a message");
	else
		snprintf(err, errlen, "nft list ruleset: query process killed by signal %d", WTERMSIG(status));
	goto out;
timeout:
	snprintf(err, errlen, "nft list ruleset: no answer before the deadline");
	rc = ER_COLLECT_TIMEOUT;
out:
	er_nft_abort(q);
	er_child_output_free(&c);
	return rc;
}

void
er_nft_abort(struct er_nft_query *q)
{
	int status;

	if (q->pid > 0) {
		kill(q->pid, SIGKILL);
		while (waitpid(q->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	q->pid = -1;
	if (q->out >= 0)
		close(q->out);
	if (q->err >= 0)
		close(q->err);
	q->out = q->err = -1;
}

int
er_collect_nft(const struct er_collect_opts *o, struct er_observed *obs, unsigned long long deadline_us,
    char *err, size_t errlen)
{
	struct er_nft_query q;
	int rc;

	(void)o;
	if (er_ms_left(deadline_us) == 0) {
		snprintf(err, errlen, "nft list ruleset: no time left before the deadline");
		return ER_COLLECT_TIMEOUT;
	}
	if ((rc = er_nft_start(&q, err, errlen)) != ER_COLLECT_OK)
		return rc;
	return er_nft_finish(&q, obs, deadline_us, err, errlen);
}
