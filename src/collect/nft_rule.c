/*
 * One nf_tables rule, decoded (collect_nft.c reads the dump around it):
 * the kernel keeps rules as expressions over registers, not as the
 * statements nft prints, so each rule is replayed on a small model of the
 * registers. What a register holds (a meta key, a payload field after a
 * mask and shift, a constant, a map's value) decides what a comparison
 * means. nft writes one statement in several forms (`oifname "x"` is a
 * cmp on a 16-byte padded name, "x*" a shorter cmp, `{ a, b }` a lookup
 * in an anonymous set, `ip dscp set` a masked 2-byte payload write);
 * anything the model cannot name is "other", so a check can never pass
 * on a rule that was not understood.
 */
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <endian.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "netlink_attr.h"
#include "nft_rule.h"
#include "util.h"

/* A range may cover at most 2 * 128 - 2 prefixes; keep room. */
#define MAX_RANGE_PFX 256
/* Registers in 32-bit words: the verdict (0-3) and NFT_REG_1..4 = NFT_REG32_00..15 (4-19). */
#define NREGW 20

enum rvkind { RV_NONE = 0, RV_OTHER, RV_META, RV_PAYLOAD, RV_IMM, RV_MAP };

/* What one register word holds: a value and which 32-bit part of it. */
struct rv {
	enum rvkind kind;
	uint32_t key;             /* RV_META */
	uint32_t base, off, len;  /* RV_PAYLOAD (len also of RV_IMM) */
	bool masked;              /* RV_PAYLOAD after `& mask ^ xor` */
	unsigned shift;           /* RV_PAYLOAD after `>> shift` */
	uint8_t mask[16], xr[16]; /* RV_PAYLOAD */
	uint8_t data[ND_MAXDATA];    /* RV_IMM */
	const struct nd_set *set;   /* RV_MAP */
	unsigned part;            /* word of the value this register word holds */
};

/* The scan of one rule. */
struct rscan {
	const struct nd_tables *t;
	struct nd_rule *r;
	const char *table;
	struct rv reg[NREGW];
	struct nd_sel cur;
	int l3;             /* 4 or 6: the network header's protocol, once known; 0 before */
	bool counted, nat_done;
	int pending_ge;     /* register word of a `>=` waiting for its `<=` (a range), or -1 */
	uint8_t ge_data[16];
	uint32_t ge_len;
	bool pending_dscp;  /* ...and whether that register is the DSCP field */
};

/* ------------------------------------------------------------------ */
/* Attributes: nf_tables integers are big-endian; every size is checked */

int
nd_attrs(const struct nl_msgpos *m, const char *where, const struct nlattr *a, const struct nlattr **tb)
{
	return nl_attr_nested(m, where, a, tb, ND_ATTR_MAX);
}

int
nd_attrs_check(const struct nl_msgpos *m, const char *where, const void *data, size_t len)
{
	const struct nlattr *tb[ND_ATTR_MAX + 1];

	return nl_attr_table(m, where, data, len, tb, ND_ATTR_MAX);
}

uint32_t
nd_be32(const struct nlattr *a)
{
	uint32_t v;

	if (!a || mnl_attr_get_payload_len(a) != sizeof(v))
		return 0;
	memcpy(&v, mnl_attr_get_payload(a), sizeof(v));
	return ntohl(v);
}

uint64_t
nd_be64(const struct nlattr *a)
{
	uint64_t v;

	if (!a || mnl_attr_get_payload_len(a) != sizeof(v))
		return 0;
	memcpy(&v, mnl_attr_get_payload(a), sizeof(v));
	return be64toh(v);
}

const char *
nd_str(const struct nlattr *a)
{
	const char *p;
	size_t n;

	if (!a)
		return NULL;
	p = mnl_attr_get_payload(a);
	n = mnl_attr_get_payload_len(a);
	return n && memchr(p, '\0', n) ? p : NULL;
}

/* The attributes nested in @p a, or false when they are malformed (no message: the caller decides). */
static bool
quiet_nested(const struct nlattr *a, const struct nlattr **tb)
{
	char err[8];
	struct nl_msgpos m = { "", 0, err, sizeof(err) };

	return a && nl_attr_nested(&m, "", a, tb, ND_ATTR_MAX) == 0;
}

const uint8_t *
nd_value(const struct nlattr *a, uint32_t *len)
{
	const struct nlattr *tb[ND_ATTR_MAX + 1];

	if (!quiet_nested(a, tb) || !tb[NFTA_DATA_VALUE] || mnl_attr_get_payload_len(tb[NFTA_DATA_VALUE]) > ND_MAXDATA)
		return NULL;
	*len = mnl_attr_get_payload_len(tb[NFTA_DATA_VALUE]);
	return mnl_attr_get_payload(tb[NFTA_DATA_VALUE]);
}

bool
nd_verdict(const struct nlattr *a, int32_t *code, const char **chain)
{
	const struct nlattr *tb[ND_ATTR_MAX + 1], *vt[ND_ATTR_MAX + 1];

	if (!quiet_nested(a, tb) || !quiet_nested(tb[NFTA_DATA_VERDICT], vt) || !vt[NFTA_VERDICT_CODE] ||
	    mnl_attr_get_payload_len(vt[NFTA_VERDICT_CODE]) != 4 || (vt[NFTA_VERDICT_CHAIN] && !nd_str(vt[NFTA_VERDICT_CHAIN])))
		return false;
	if (code)
		*code = (int32_t)nd_be32(vt[NFTA_VERDICT_CODE]);
	if (chain)
		*chain = nd_str(vt[NFTA_VERDICT_CHAIN]);
	return true;
}

/* ------------------------------------------------------------------ */
/* Names and lookups */

const char *
nd_family_name(uint32_t f)
{
	switch (f) {
	case NFPROTO_INET:
		return "inet";
	case NFPROTO_IPV4:
		return "ip";
	case NFPROTO_ARP:
		return "arp";
	case NFPROTO_NETDEV:
		return "netdev";
	case NFPROTO_BRIDGE:
		return "bridge";
	case NFPROTO_IPV6:
		return "ip6";
	default:
		return "unknown";
	}
}

int
nd_key3_cmp(uint32_t fa, const char *ta, const char *na, uint32_t fb, const char *tb, const char *nb)
{
	int c;

	if (fa != fb)
		return fa < fb ? -1 : 1;
	if ((c = strcmp(ta, tb)) != 0)
		return c;
	return strcmp(na, nb);
}

static int
set_cmp(const void *a, const void *b)
{
	const struct nd_set *x = a, *y = b;

	return nd_key3_cmp(x->family, x->table, x->name, y->family, y->table, y->name);
}

static int
obj_cmp(const void *a, const void *b)
{
	const struct nd_obj *x = a, *y = b;

	return nd_key3_cmp(x->family, x->table, x->name, y->family, y->table, y->name);
}

struct nd_set *
nd_find_set(const struct nd_tables *t, uint32_t family, const char *table, const char *name)
{
	struct nd_set key = { .family = family, .table = (char *)table, .name = (char *)name };

	return t->n_sets ? bsearch(&key, t->sets, t->n_sets, sizeof(key), set_cmp) : NULL;
}

static struct nd_obj *
find_obj(const struct nd_tables *t, uint32_t family, const char *table, const char *name)
{
	struct nd_obj key = { .family = family, .table = (char *)table, .name = (char *)name };

	return t->n_objs ? bsearch(&key, t->objs, t->n_objs, sizeof(key), obj_cmp) : NULL;
}

bool
nd_names_add(struct nd_names *l, const char *s)
{
	/* Longer than IFNAMSIZ - 1 cannot be an interface name; "" is never one. */
	if (!s[0] || strlen(s) >= ER_OBS_IFNAMSIZ)
		return false;
	ER_GROW(l->v, l->n, l->cap);
	snprintf(l->v[l->n++], ER_OBS_IFNAMSIZ, "%s", s);
	return true;
}

bool
nd_names_has(const struct nd_names *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

static void
names_copy(struct nd_names *dst, const struct nd_names *src)
{
	*dst = *src;
	dst->cap = src->n;
	dst->v = src->n ? xcalloc(src->n, sizeof(*src->v)) : NULL;
	if (src->n)
		memcpy(dst->v, src->v, src->n * sizeof(*src->v));
}

/*
 * An interface name as meta oifname compares it: the name and its NUL
 * padding (IFNAMSIZ bytes) for an exact name, the bytes before the "*"
 * without a NUL for a wildcard ("msft*" is a 4-byte compare).
 */
static bool
name_from_data(const uint8_t *d, uint32_t len, struct nd_names *out)
{
	char s[ER_OBS_IFNAMSIZ + 1];
	const uint8_t *nul = memchr(d, '\0', len);

	if (nul) {
		size_t n = (size_t)(nul - d);
		if (n >= ER_OBS_IFNAMSIZ)
			return false;
		memcpy(s, d, n);
		s[n] = '\0';
	} else {
		if (len + 1 >= ER_OBS_IFNAMSIZ)
			return false;
		memcpy(s, d, len);
		s[len] = '*';
		s[len + 1] = '\0';
	}
	return nd_names_add(out, s);
}

/* meta oif/iif compare interface indexes (host order): this namespace's names for them. */
static bool
name_from_index(const uint8_t *d, uint32_t len, struct nd_names *out)
{
	char s[IF_NAMESIZE];
	uint32_t idx;

	if (len != sizeof(idx))
		return false;
	memcpy(&idx, d, sizeof(idx));
	return idx && if_indextoname(idx, s) && nd_names_add(out, s);
}

/*
 * Elements in key order, as nft lists them (the kernel's order depends on
 * the set's backend): names and translated addresses come out in the
 * order a reader of `nft list ruleset` sees them.
 */
static int
elem_key_cmp(const void *a, const void *b)
{
	const struct nd_elem *x = a, *y = b;
	uint32_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->key, y->key, n);

	if (c)
		return c;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	/* An interval's end sorts before a start at the same key. */
	return (int)(y->flags & NFT_SET_ELEM_INTERVAL_END) - (int)(x->flags & NFT_SET_ELEM_INTERVAL_END);
}

void
nd_tables_sort(struct nd_tables *t)
{
	if (t->n_sets)
		qsort(t->sets, t->n_sets, sizeof(*t->sets), set_cmp);
	if (t->n_objs)
		qsort(t->objs, t->n_objs, sizeof(*t->objs), obj_cmp);
}

void
nd_tables_sort_elements(struct nd_tables *t)
{
	size_t i;

	for (i = 0; i < t->n_sets; i++)
		if (t->sets[i].n > 1)
			qsort(t->sets[i].e, t->sets[i].n, sizeof(*t->sets[i].e), elem_key_cmp);
}

/* ------------------------------------------------------------------ */
/* Addresses */

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
 * checks see every translated address and no other. nft sends a prefix
 * (`snat to 10.0.0.0/30`) as the range it covers: one prefix again.
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

/* Append the prefixes of lo-hi (@p alen bytes each) to @p xl; false for an empty range. */
static bool
xlat_add(const uint8_t *lo_b, const uint8_t *hi_b, uint32_t alen, struct er_prefix **xl, size_t *n, size_t *cap)
{
	struct er_prefix tmp[MAX_RANGE_PFX];
	struct er_addr lo = { 0 }, hi = { 0 };
	size_t k, i;

	lo.family = hi.family = alen == 4 ? ER_AF_INET : ER_AF_INET6;
	memcpy(lo.bytes, lo_b, alen);
	memcpy(hi.bytes, hi_b, alen);
	if (memcmp(lo.bytes, hi.bytes, alen) > 0)
		return false;
	k = range_prefixes(&lo, &hi, tmp, ARRAY_SIZE(tmp));
	for (i = 0; i < k; i++) {
		ER_GROW(*xl, *n, *cap);
		(*xl)[(*n)++] = tmp[i];
	}
	return k > 0;
}

/* ------------------------------------------------------------------ */
/* Registers */

/* The first word of register @p r, or -1 for a number nf_tables does not have. */
static int
reg_word(uint32_t r)
{
	if (r >= NFT_REG_1 && r <= NFT_REG_4)
		return (int)(r * 4);
	if (r >= NFT_REG32_00 && r <= NFT_REG32_15)
		return (int)(r - NFT_REG32_00 + 4);
	return -1;
}

/* Store @p v (of @p len bytes) in register @p r. */
static void
reg_store(struct rscan *s, uint32_t r, const struct rv *v, uint32_t len)
{
	int w = reg_word(r), i, nw = (int)((len + 3) / 4);

	if (w < 0)
		return;
	if (nw < 1)
		nw = 1;
	for (i = 0; i < nw && w + i < NREGW; i++) {
		s->reg[w + i] = *v;
		s->reg[w + i].part = (unsigned)i;
	}
	/* A value that does not fit leaves nothing readable behind it. */
	if (w + nw > NREGW)
		for (i = w; i < NREGW; i++)
			s->reg[i].kind = RV_OTHER;
}

static const struct rv *
reg_get(const struct rscan *s, uint32_t r)
{
	static const struct rv other = { .kind = RV_OTHER };
	int w = reg_word(r);

	return w < 0 ? &other : &s->reg[w];
}

/* An expression this model does not follow: nothing in any register can be named any more. */
static void
regs_forget(struct rscan *s)
{
	size_t i;

	for (i = 0; i < NREGW; i++)
		s->reg[i].kind = RV_OTHER;
}

/* ------------------------------------------------------------------ */
/* The DSCP field */

/* The 6 DSCP bits, counted from the first bit of the network header: IPv4 TOS and IPv6 traffic class. */
static unsigned
dscp_first_bit(int l3)
{
	return l3 == 4 ? 8 : 4;
}

static bool
bit_of(const uint8_t *b, unsigned i)
{
	return b[i / 8] & (0x80 >> (i % 8));
}

/*
 * Where a register that loaded network-header bytes holds the DSCP: the
 * bit position of its lowest bit in the register read as a big-endian
 * number, or -1 unless the mask keeps exactly the DSCP bits (`ip dscp` is
 * `& 0xfc` on byte 1; `ip6 dscp` `& 0x0fc0` on bytes 0-1).
 */
static int
dscp_pos(const struct rv *d, int l3)
{
	unsigned fb, fe, wb, we, i;

	if (d->kind != RV_PAYLOAD || d->part || d->base != NFT_PAYLOAD_NETWORK_HEADER || !d->masked || !l3 ||
	    d->len == 0 || d->len > 16)
		return -1;
	fb = dscp_first_bit(l3);
	fe = fb + 6;
	wb = d->off * 8;
	we = wb + d->len * 8;
	if (fb < wb || fe > we)
		return -1;
	for (i = wb; i < we; i++)
		if (bit_of(d->mask, i - wb) != (i >= fb && i < fe) || bit_of(d->xr, i - wb))
			return -1;
	if (d->shift > we - fe)
		return -1;
	return (int)(we - fe - d->shift);
}

/* DSCP @p x as the register holds it at @p pos: @p len big-endian bytes. */
static void
dscp_bytes(unsigned x, int pos, uint32_t len, uint8_t *out)
{
	unsigned i;

	memset(out, 0, len);
	for (i = 0; i < 6; i++)
		if (x & (1u << i)) {
			unsigned bit = (unsigned)pos + i; /* from the least significant end */
			out[len - 1 - bit / 8] |= (uint8_t)(1u << (bit % 8));
		}
}

/*
 * The value a payload write gives the DSCP field, from its source
 * register: the same bytes loaded, `& mask ^ xor` with the mask clearing
 * exactly the DSCP bits. -1 when the write does not touch the DSCP; -2
 * when it does in a way not understood.
 */
static int
dscp_written(const struct rv *src, uint32_t base, uint32_t off, uint32_t len, int l3)
{
	unsigned fb, fe, wb = off * 8, we = (off + len) * 8, i, v = 0;

	if (base != NFT_PAYLOAD_NETWORK_HEADER || !l3)
		return -1;
	fb = dscp_first_bit(l3);
	fe = fb + 6;
	if (fe <= wb || fb >= we)
		return -1;
	if (fb < wb || fe > we || len > 16 || src->kind != RV_PAYLOAD || src->part || !src->masked || src->shift ||
	    src->base != base || src->off != off || src->len != len)
		return -2;
	for (i = wb; i < we; i++) {
		bool in = i >= fb && i < fe;
		if (bit_of(src->mask, i - wb) == in)
			return -2; /* keeps a DSCP bit, or writes another field too */
		if (in)
			v = v << 1 | (bit_of(src->xr, i - wb) ? 1u : 0u);
		else if (bit_of(src->xr, i - wb))
			return -2;
	}
	return (int)v;
}

/* ------------------------------------------------------------------ */
/* Set contents */

/* An element's key (or, for an interval set, range) compared with @p c of @p len bytes. */
struct ival {
	const uint8_t *lo, *hi; /* hi: NULL = to the largest value; exclusive otherwise */
};

/*
 * The intervals of an interval set (its elements sorted by key): a start
 * element, then the end element that closes it (exclusive), or none when
 * it runs to the largest value. False for a layout not understood.
 */
static bool
set_intervals(const struct nd_set *set, struct ival **out, size_t *n)
{
	const struct nd_elem *v = set->e;
	size_t i, k = 0;

	*out = set->n ? xcalloc(set->n, sizeof(**out)) : NULL;
	for (i = 0; i < set->n; i++) {
		if (v[i].flags & NFT_SET_ELEM_INTERVAL_END)
			continue; /* the end of the gap below the first interval */
		if (i + 1 < set->n && !(v[i + 1].flags & NFT_SET_ELEM_INTERVAL_END)) {
			free(*out);
			*out = NULL;
			return false;
		}
		(*out)[k].lo = v[i].key;
		(*out)[k].hi = i + 1 < set->n ? v[i + 1].key : NULL;
		k++;
		i++;
	}
	*n = k;
	return true;
}

/* ------------------------------------------------------------------ */
/* Matches */

void
nd_sel_free(struct nd_sel *s)
{
	free(s->oif.names.v);
	free(s->iif.names.v);
	memset(s, 0, sizeof(*s));
}

static void
sel_copy(struct nd_sel *dst, const struct nd_sel *src)
{
	*dst = *src;
	names_copy(&dst->oif.names, &src->oif.names);
	names_copy(&dst->iif.names, &src->iif.names);
}

/* An interface match: @p positive with @p got (NULL when the names could not be read). */
static void
iface_match(struct nd_iface_sel *is, bool positive, struct nd_names *got)
{
	size_t i, k;

	is->seen = true;
	if (is->opaque || !positive || !got) {
		/* oifname != "lo": every interface but some; no list to give. */
		is->opaque = true;
		return;
	}
	if (!is->named) {
		is->names = *got;
		memset(got, 0, sizeof(*got));
		is->named = true;
		return;
	}
	/* Two positive matches: the rule applies to the names in both. */
	for (i = 0, k = 0; i < is->names.n; i++)
		if (nd_names_has(got, is->names.v[i]))
			memmove(is->names.v[k++], is->names.v[i], sizeof(is->names.v[i]));
	is->names.n = k;
}

static void
dscp_match(struct nd_sel *s, bool positive, uint64_t m)
{
	if (positive) {
		s->allowed &= m;
		s->dscp_in = true;
	} else {
		s->allowed &= ~m;
		s->dscp_not_in = true;
	}
}

/* A `>=` not followed by its `<=`: a one-sided comparison, which the model holds as "other". */
static void
flush_pending(struct rscan *s)
{
	if (s->pending_ge >= 0)
		s->cur.other = true;
	s->pending_ge = -1;
}

/* What a register names for a match: an interface, the DSCP field, or something else. */
enum mkind { MK_OTHER, MK_OIF, MK_IIF, MK_OIFIDX, MK_IIFIDX, MK_L3, MK_DSCP };

static enum mkind
match_kind(const struct rscan *s, const struct rv *d, int *pos)
{
	if (d->kind == RV_META && d->part == 0) {
		switch (d->key) {
		case NFT_META_OIFNAME:
			return MK_OIF;
		case NFT_META_IIFNAME:
			return MK_IIF;
		case NFT_META_OIF:
			return MK_OIFIDX;
		case NFT_META_IIF:
			return MK_IIFIDX;
		case NFT_META_NFPROTO:
		case NFT_META_PROTOCOL:
			return MK_L3;
		default:
			return MK_OTHER;
		}
	}
	if ((*pos = dscp_pos(d, s->l3)) >= 0)
		return MK_DSCP;
	return MK_OTHER;
}

/* The family a dependency names: `meta nfproto ipv4` (inet) or `meta protocol ip` (netdev, bridge). */
static void
learn_l3(struct rscan *s, const struct rv *d, const uint8_t *data, uint32_t len)
{
	if (d->key == NFT_META_NFPROTO && len == 1)
		s->l3 = data[0] == NFPROTO_IPV4 ? 4 : data[0] == NFPROTO_IPV6 ? 6 : 0;
	else if (d->key == NFT_META_PROTOCOL && len == 2) {
		uint16_t proto = (uint16_t)(data[0] << 8 | data[1]);
		s->l3 = proto == 0x0800 ? 4 : proto == 0x86dd ? 6 : 0;
	}
}

static void
on_cmp(struct rscan *s, const struct nlattr *const *tb)
{
	uint32_t op = nd_be32(tb[NFTA_CMP_OP]), len = 0, sreg = nd_be32(tb[NFTA_CMP_SREG]);
	const uint8_t *data = nd_value(tb[NFTA_CMP_DATA], &len);
	const struct rv *d = reg_get(s, sreg);
	struct nd_names got = { 0 };
	enum mkind k;
	uint64_t m = 0;
	uint8_t c[16];
	int pos = -1;
	unsigned x;

	/* `ip dscp 10-20` is `>= 10` then `<= 20` on the same register. */
	if (s->pending_ge >= 0) {
		if (op == NFT_CMP_LTE && reg_word(sreg) == s->pending_ge && data && len == s->ge_len) {
			if (s->pending_dscp) {
				pos = dscp_pos(d, s->l3);
				for (x = 0; x < 64; x++) {
					dscp_bytes(x, pos, len, c);
					if (memcmp(c, s->ge_data, len) >= 0 && memcmp(c, data, len) <= 0)
						m |= 1ull << x;
				}
				dscp_match(&s->cur, true, m);
			} else
				s->cur.other = true;
			s->pending_ge = -1;
			return;
		}
		flush_pending(s);
	}
	if (!data) {
		s->cur.other = true;
		return;
	}
	k = match_kind(s, d, &pos);
	switch (k) {
	case MK_OIF:
	case MK_IIF:
	case MK_OIFIDX:
	case MK_IIFIDX: {
		bool ok = op == NFT_CMP_EQ &&
		    (k == MK_OIF || k == MK_IIF ? name_from_data(data, len, &got) : name_from_index(data, len, &got));
		iface_match(k == MK_OIF || k == MK_OIFIDX ? &s->cur.oif : &s->cur.iif, op == NFT_CMP_EQ,
		    ok ? &got : NULL);
		free(got.v);
		return;
	}
	case MK_L3:
		/* The address family a dscp or nat statement implies anyway: not a selector. */
		if (op == NFT_CMP_EQ)
			learn_l3(s, d, data, len);
		return;
	case MK_DSCP:
		if (len != d->len) {
			s->cur.other = true;
			return;
		}
		if (op == NFT_CMP_GTE) {
			s->pending_ge = reg_word(sreg);
			s->pending_dscp = true;
			memcpy(s->ge_data, data, len);
			s->ge_len = len;
			return;
		}
		if (op != NFT_CMP_EQ && op != NFT_CMP_NEQ) {
			s->cur.other = true; /* <, > ...: not a set of values the model can hold */
			return;
		}
		for (x = 0; x < 64; x++) {
			dscp_bytes(x, pos, len, c);
			if (!memcmp(c, data, len))
				m |= 1ull << x;
		}
		dscp_match(&s->cur, op == NFT_CMP_EQ, m);
		return;
	default:
		if (op == NFT_CMP_GTE && len <= sizeof(s->ge_data) && reg_word(sreg) >= 0) {
			s->pending_ge = reg_word(sreg);
			s->pending_dscp = false;
			memcpy(s->ge_data, data, len);
			s->ge_len = len;
			return;
		}
		s->cur.other = true;
	}
}

static void
on_range(struct rscan *s, const struct nlattr *const *tb)
{
	uint32_t op = nd_be32(tb[NFTA_RANGE_OP]), flen = 0, tlen = 0;
	const uint8_t *from = nd_value(tb[NFTA_RANGE_FROM_DATA], &flen),
	              *to = nd_value(tb[NFTA_RANGE_TO_DATA], &tlen);
	const struct rv *d = reg_get(s, nd_be32(tb[NFTA_RANGE_SREG]));
	uint64_t m = 0;
	uint8_t c[16];
	int pos = -1;
	unsigned x;

	if (!from || !to || match_kind(s, d, &pos) != MK_DSCP || flen != d->len || tlen != d->len) {
		s->cur.other = true;
		return;
	}
	for (x = 0; x < 64; x++) {
		dscp_bytes(x, pos, d->len, c);
		if (memcmp(c, from, flen) >= 0 && memcmp(c, to, tlen) <= 0)
			m |= 1ull << x;
	}
	dscp_match(&s->cur, op == NFT_RANGE_EQ, m);
}

/* DSCP values whose register form is in @p set; false when the set's layout is not understood. */
static bool
dscp_set_mask(const struct nd_set *set, int pos, uint32_t len, uint64_t *m)
{
	struct ival *iv = NULL;
	size_t n = 0, i;
	uint8_t c[16];
	unsigned x;

	*m = 0;
	if (set->klen != len)
		return false;
	if (set->flags & NFT_SET_INTERVAL) {
		if (!set_intervals(set, &iv, &n))
			return false;
		for (x = 0; x < 64; x++) {
			dscp_bytes(x, pos, len, c);
			for (i = 0; i < n; i++)
				if (memcmp(c, iv[i].lo, len) >= 0 && (!iv[i].hi || memcmp(c, iv[i].hi, len) < 0))
					*m |= 1ull << x;
		}
		free(iv);
		return true;
	}
	for (i = 0; i < set->n; i++) {
		if (set->e[i].klen != len)
			return false;
		for (x = 0; x < 64; x++) {
			dscp_bytes(x, pos, len, c);
			if (!memcmp(c, set->e[i].key, len))
				*m |= 1ull << x;
		}
	}
	return true;
}

/* Interface names in a set of names or of interface indexes; false when not understood. */
static bool
set_names(const struct nd_set *set, bool by_index, struct nd_names *out)
{
	size_t i;

	/* A wildcard in a set makes it an interval set: which names it covers is not listed. */
	if ((set->flags & NFT_SET_INTERVAL) || set->klen == ND_SET_UNREADABLE)
		return false;
	for (i = 0; i < set->n; i++)
		if (!(by_index ? name_from_index(set->e[i].key, set->e[i].klen, out)
		               : name_from_data(set->e[i].key, set->e[i].klen, out)))
			return false;
	return true;
}

static void
jump_add(struct nd_rule *r, const char *to)
{
	if (!to)
		return;
	ER_GROW(r->jumps, r->n_jumps, r->cap_jumps);
	r->jumps[r->n_jumps++] = xstrdup(to);
}

static void
on_lookup(struct rscan *s, const struct nlattr *const *tb)
{
	const char *name = nd_str(tb[NFTA_LOOKUP_SET]);
	const struct nd_set *set = name ? nd_find_set(s->t, s->r->family, s->table, name) : NULL;
	const struct rv *d = reg_get(s, nd_be32(tb[NFTA_LOOKUP_SREG]));
	bool inv = tb[NFTA_LOOKUP_FLAGS] &&
	    (nd_be32(tb[NFTA_LOOKUP_FLAGS]) & NFT_LOOKUP_F_INV);
	struct nd_names got = { 0 };
	enum mkind k;
	uint64_t m;
	int pos = -1;
	size_t i;

	if (tb[NFTA_LOOKUP_DREG]) {
		uint32_t dreg = nd_be32(tb[NFTA_LOOKUP_DREG]);
		struct rv v = { .kind = set ? RV_MAP : RV_OTHER, .set = set };
		/* A verdict map: its jumps give the chains they reach this chain's hook. */
		if (dreg == NFT_REG_VERDICT) {
			for (i = 0; set && i < set->n; i++)
				if (set->e[i].has_verdict &&
				    (set->e[i].verdict == NFT_JUMP || set->e[i].verdict == NFT_GOTO))
					jump_add(s->r, set->e[i].chain);
			return;
		}
		/* A map's value fills as many registers as its data is long. */
		reg_store(s, dreg, &v, set && set->dlen ? set->dlen : 4);
		return;
	}
	k = match_kind(s, d, &pos);
	switch (k) {
	case MK_OIF:
	case MK_IIF:
	case MK_OIFIDX:
	case MK_IIFIDX: {
		bool ok = !inv && set && set_names(set, k == MK_OIFIDX || k == MK_IIFIDX, &got);
		iface_match(k == MK_OIF || k == MK_OIFIDX ? &s->cur.oif : &s->cur.iif, !inv, ok ? &got : NULL);
		free(got.v);
		return;
	}
	case MK_DSCP:
		if (!set || !dscp_set_mask(set, pos, d->len, &m)) {
			s->cur.other = true;
			return;
		}
		dscp_match(&s->cur, !inv, m);
		return;
	case MK_L3:
	default:
		s->cur.other = true;
	}
}

/* ------------------------------------------------------------------ */
/* Actions */

/* The translated addresses of a nat expression, from its address registers. */
static bool
nat_targets(struct rscan *s, const struct nlattr *const *tb, uint32_t alen)
{
	const struct rv *lo, *hi;
	size_t cap = 0, i;
	struct nd_rule *r = s->r;

	if (!tb[NFTA_NAT_REG_ADDR_MIN])
		return false; /* `snat to :1024` and the like: no address */
	lo = reg_get(s, nd_be32(tb[NFTA_NAT_REG_ADDR_MIN]));
	hi = tb[NFTA_NAT_REG_ADDR_MAX] ? reg_get(s, nd_be32(tb[NFTA_NAT_REG_ADDR_MAX]))
	                                                       : lo;
	if (lo->kind == RV_IMM && hi->kind == RV_IMM) {
		if (lo->part * 4 + alen > lo->len || hi->part * 4 + alen > hi->len)
			return false;
		return xlat_add(lo->data + lo->part * 4, hi->data + hi->part * 4, alen, &r->xlat, &r->n_xlat, &cap);
	}
	/* `snat to ip saddr map { ... }`: every address the rule may translate to. */
	if (lo->kind == RV_MAP && hi->kind == RV_MAP && lo->set && lo->set == hi->set &&
	    lo->set->klen != ND_SET_UNREADABLE) {
		for (i = 0; i < lo->set->n; i++) {
			const struct nd_elem *el = &lo->set->e[i];
			if (el->flags & NFT_SET_ELEM_INTERVAL_END)
				continue;
			if (lo->part * 4 + alen > el->dlen || hi->part * 4 + alen > el->dlen ||
			    !xlat_add(el->data + lo->part * 4, el->data + hi->part * 4, alen, &r->xlat, &r->n_xlat, &cap))
				goto fail;
		}
		if (r->n_xlat)
			return true;
	}
fail:
	free(r->xlat);
	r->xlat = NULL;
	r->n_xlat = 0;
	return false;
}

static void
on_nat(struct rscan *s, const struct nlattr *const *tb, bool masq)
{
	uint32_t fam;
	struct nd_rule *r = s->r;

	if (s->nat_done)
		return;
	if (!masq) {
		if (nd_be32(tb[NFTA_NAT_TYPE]) != NFT_NAT_SNAT)
			return; /* dnat: not what the checks read */
		s->nat_done = true;
		fam = nd_be32(tb[NFTA_NAT_FAMILY]);
		if ((fam != NFPROTO_IPV4 && fam != NFPROTO_IPV6) || !nat_targets(s, tb, fam == NFPROTO_IPV4 ? 4 : 16))
			return; /* no address, or a form not understood */
		snprintf(r->nat_family, sizeof(r->nat_family), "%s", nd_family_name(fam));
	} else {
		s->nat_done = true;
		snprintf(r->nat_family, sizeof(r->nat_family), "%s", nd_family_name(r->family));
	}
	r->nat = true;
	r->nat_masq = masq;
	sel_copy(&r->nat_sel, &s->cur);
}

static void
on_payload(struct rscan *s, const struct nlattr *const *tb)
{
	uint32_t base = nd_be32(tb[NFTA_PAYLOAD_BASE]), off = nd_be32(tb[NFTA_PAYLOAD_OFFSET]),
	         len = nd_be32(tb[NFTA_PAYLOAD_LEN]);
	struct rv v = { .kind = RV_PAYLOAD, .base = base, .off = off, .len = len };
	int val;

	if (tb[NFTA_PAYLOAD_DREG]) {
		reg_store(s, nd_be32(tb[NFTA_PAYLOAD_DREG]), &v, len);
		return;
	}
	if (!tb[NFTA_PAYLOAD_SREG])
		return;
	val = dscp_written(reg_get(s, nd_be32(tb[NFTA_PAYLOAD_SREG])), base, off, len, s->l3);
	if (val < 0)
		return; /* another field, or a DSCP write not understood: not a re-marking the checks can count */
	/* The last write is the value the packet leaves with. */
	if (s->r->dscp)
		nd_sel_free(&s->r->dscp_sel);
	s->r->dscp = true;
	s->r->dscp_val = (unsigned)val;
	sel_copy(&s->r->dscp_sel, &s->cur);
}

static void
on_bitwise(struct rscan *s, const struct nlattr *const *tb)
{
	const struct rv *src = reg_get(s, nd_be32(tb[NFTA_BITWISE_SREG]));
	uint32_t dreg = nd_be32(tb[NFTA_BITWISE_DREG]), len = nd_be32(tb[NFTA_BITWISE_LEN]),
	         op = tb[NFTA_BITWISE_OP] ? nd_be32(tb[NFTA_BITWISE_OP])
	                                                           : NFT_BITWISE_BOOL,
	         mlen = 0, xlen = 0, dlen = 0;
	struct rv v = *src;

	if (src->kind != RV_PAYLOAD || src->part || src->len != len || len > 16 || src->shift) {
		v.kind = RV_OTHER;
	} else if (op == NFT_BITWISE_BOOL && !src->masked) {
		const void *mask = nd_value(tb[NFTA_BITWISE_MASK], &mlen),
		           *xr = nd_value(tb[NFTA_BITWISE_XOR], &xlen);
		if (!mask || !xr || mlen < len || xlen < len) {
			v.kind = RV_OTHER;
		} else {
			memcpy(v.mask, mask, len);
			memcpy(v.xr, xr, len);
			v.masked = true;
		}
	} else if (op == NFT_BITWISE_RSHIFT && src->masked && len == 1) {
		/* Only one byte: the kernel shifts 32-bit words in host order, the same for one byte either way. */
		const void *d = nd_value(tb[NFTA_BITWISE_DATA], &dlen);
		uint32_t sh = 0;
		if (d && dlen == sizeof(sh))
			memcpy(&sh, d, sizeof(sh));
		if (!d || dlen != sizeof(sh) || sh >= 8)
			v.kind = RV_OTHER;
		else
			v.shift = sh;
	} else
		v.kind = RV_OTHER;
	reg_store(s, dreg, &v, len);
}

static void
on_immediate(struct rscan *s, const struct nlattr *const *tb)
{
	uint32_t dreg = nd_be32(tb[NFTA_IMMEDIATE_DREG]), len = 0;
	struct rv v = { .kind = RV_IMM };
	const char *chain = NULL;
	const void *d;
	int32_t code;

	if (dreg == NFT_REG_VERDICT) {
		if (nd_verdict(tb[NFTA_IMMEDIATE_DATA], &code, &chain) && (code == NFT_JUMP || code == NFT_GOTO))
			jump_add(s->r, chain);
		return;
	}
	d = nd_value(tb[NFTA_IMMEDIATE_DATA], &len);
	if (!d || len > sizeof(v.data)) {
		v.kind = RV_OTHER;
		len = 4;
	} else {
		memcpy(v.data, d, len);
		v.len = len;
	}
	reg_store(s, dreg, &v, len);
}

static void
take_packets(struct rscan *s, uint64_t n)
{
	if (!s->counted)
		s->r->packets = n;
	s->counted = true;
}

/* Expressions that neither narrow what a rule matches nor write a register this model reads. */
static bool
inert(const char *name)
{
	static const char *const names[] = { "log", "reject", "notrack", "queue", "dup", "fwd", "last", "redir",
		"tproxy" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* Expressions that load a register for a later match: that match is "other". */
static bool
loads_other(const char *name)
{
	static const char *const names[] = { "ct", "byteorder", "hash", "numgen", "fib", "rt", "socket", "osf",
		"exthdr", "xfrm", "tunnel", "inner" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* What the attributes of the expressions this model follows must be; anything else is not understood. */
enum akind { A_NONE = 0, A_U32, A_U64, A_STR, A_DATA };

struct epolicy {
	const char *name;
	unsigned char kind[ND_ATTR_MAX + 1];
};

static const struct epolicy policies[] = {
	{ "meta", { [NFTA_META_DREG] = A_U32, [NFTA_META_KEY] = A_U32, [NFTA_META_SREG] = A_U32 } },
	{ "payload", { [NFTA_PAYLOAD_DREG] = A_U32, [NFTA_PAYLOAD_BASE] = A_U32, [NFTA_PAYLOAD_OFFSET] = A_U32,
		[NFTA_PAYLOAD_LEN] = A_U32, [NFTA_PAYLOAD_SREG] = A_U32 } },
	{ "bitwise", { [NFTA_BITWISE_SREG] = A_U32, [NFTA_BITWISE_DREG] = A_U32, [NFTA_BITWISE_LEN] = A_U32,
		[NFTA_BITWISE_MASK] = A_DATA, [NFTA_BITWISE_XOR] = A_DATA, [NFTA_BITWISE_OP] = A_U32,
		[NFTA_BITWISE_DATA] = A_DATA } },
	{ "cmp", { [NFTA_CMP_SREG] = A_U32, [NFTA_CMP_OP] = A_U32, [NFTA_CMP_DATA] = A_DATA } },
	{ "range", { [NFTA_RANGE_SREG] = A_U32, [NFTA_RANGE_OP] = A_U32, [NFTA_RANGE_FROM_DATA] = A_DATA,
		[NFTA_RANGE_TO_DATA] = A_DATA } },
	{ "lookup", { [NFTA_LOOKUP_SET] = A_STR, [NFTA_LOOKUP_SREG] = A_U32, [NFTA_LOOKUP_DREG] = A_U32,
		[NFTA_LOOKUP_FLAGS] = A_U32 } },
	{ "immediate", { [NFTA_IMMEDIATE_DREG] = A_U32, [NFTA_IMMEDIATE_DATA] = A_DATA } },
	{ "counter", { [NFTA_COUNTER_PACKETS] = A_U64, [NFTA_COUNTER_BYTES] = A_U64 } },
	{ "objref", { [NFTA_OBJREF_IMM_TYPE] = A_U32, [NFTA_OBJREF_IMM_NAME] = A_STR } },
	{ "nat", { [NFTA_NAT_TYPE] = A_U32, [NFTA_NAT_FAMILY] = A_U32, [NFTA_NAT_REG_ADDR_MIN] = A_U32,
		[NFTA_NAT_REG_ADDR_MAX] = A_U32, [NFTA_NAT_REG_PROTO_MIN] = A_U32, [NFTA_NAT_REG_PROTO_MAX] = A_U32,
		[NFTA_NAT_FLAGS] = A_U32 } },
	{ "masq", { [NFTA_MASQ_FLAGS] = A_U32, [NFTA_MASQ_REG_PROTO_MIN] = A_U32, [NFTA_MASQ_REG_PROTO_MAX] = A_U32 } },
};

/* Every attribute the policy names has the size and form it must have. */
static bool
attrs_follow(const struct epolicy *pol, const struct nlattr *const *tb)
{
	unsigned i;
	uint32_t len;

	for (i = 0; i <= ND_ATTR_MAX; i++) {
		if (!tb[i])
			continue;
		switch (pol->kind[i]) {
		case A_U32:
			if (mnl_attr_get_payload_len(tb[i]) != 4)
				return false;
			break;
		case A_U64:
			if (mnl_attr_get_payload_len(tb[i]) != 8)
				return false;
			break;
		case A_STR:
			if (!nd_str(tb[i]))
				return false;
			break;
		case A_DATA:
			if (!nd_value(tb[i], &len) && !nd_verdict(tb[i], NULL, NULL))
				return false;
			break;
		default:
			break;
		}
	}
	return true;
}

static void
on_expr(struct rscan *s, const char *name, const struct nlattr *const *tb)
{
	const struct epolicy *pol = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(policies); i++)
		if (!strcmp(name, policies[i].name))
			pol = &policies[i];
	if (pol && !attrs_follow(pol, tb)) {
		/* An attribute of another size than the kernel's own: not read, not trusted. */
		flush_pending(s);
		regs_forget(s);
		s->cur.other = true;
		return;
	}
	if (!strcmp(name, "cmp")) {
		on_cmp(s, tb);
		return;
	}
	/* Only the very next cmp can close a range opened by a `>=`. */
	flush_pending(s);
	if (!strcmp(name, "meta") && tb[NFTA_META_DREG]) {
		uint32_t key = nd_be32(tb[NFTA_META_KEY]);
		struct rv v = { .kind = RV_META, .key = key };
		reg_store(s, nd_be32(tb[NFTA_META_DREG]), &v,
		    key == NFT_META_OIFNAME || key == NFT_META_IIFNAME ? IFNAMSIZ : 4);
	} else if (!strcmp(name, "meta")) {
		/* meta set: writes the packet, not a register */
	} else if (!strcmp(name, "payload")) {
		on_payload(s, tb);
	} else if (!strcmp(name, "bitwise")) {
		on_bitwise(s, tb);
	} else if (!strcmp(name, "range")) {
		on_range(s, tb);
	} else if (!strcmp(name, "lookup")) {
		on_lookup(s, tb);
	} else if (!strcmp(name, "immediate")) {
		on_immediate(s, tb);
	} else if (!strcmp(name, "counter")) {
		take_packets(s, nd_be64(tb[NFTA_COUNTER_PACKETS]));
	} else if (!strcmp(name, "objref") && tb[NFTA_OBJREF_IMM_TYPE]) {
		uint32_t type = nd_be32(tb[NFTA_OBJREF_IMM_TYPE]);
		const char *oname = nd_str(tb[NFTA_OBJREF_IMM_NAME]);
		if (type == NFT_OBJECT_COUNTER) {
			const struct nd_obj *o = oname ? find_obj(s->t, s->r->family, s->table, oname) : NULL;
			take_packets(s, o ? o->packets : 0);
		} else if (type == NFT_OBJECT_QUOTA || type == NFT_OBJECT_LIMIT || type == NFT_OBJECT_CONNLIMIT ||
		    type == NFT_OBJECT_SYNPROXY)
			s->cur.other = true;
	} else if (!strcmp(name, "nat")) {
		on_nat(s, tb, false);
	} else if (!strcmp(name, "masq")) {
		on_nat(s, tb, true);
	} else if (inert(name)) {
		/* nothing the checks read */
	} else if (loads_other(name)) {
		regs_forget(s);
	} else {
		/* limit, quota, connlimit, dynset (meters), synproxy, xtables matches, and what is not known here. */
		regs_forget(s);
		s->cur.other = true;
	}
}

/* ------------------------------------------------------------------ */
/* A rule */

int
nd_rule_decode(const struct nd_tables *t, const struct nl_msgpos *m, uint32_t family, const char *table,
    const struct nlattr *exprs, struct nd_rule *r)
{
	const struct nlattr *e;
	struct rscan s;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	r->family = family;
	memset(&s, 0, sizeof(s));
	s.t = t;
	s.r = r;
	s.table = table;
	s.pending_ge = -1;
	s.cur.allowed = ~0ull;
	s.l3 = family == NFPROTO_IPV4 ? 4 : family == NFPROTO_IPV6 ? 6 : 0;
	if (exprs && nd_attrs_check(m, "expressions", mnl_attr_get_payload(exprs), mnl_attr_get_payload_len(exprs)) < 0)
		rc = -1;
	else if (exprs) {
		mnl_attr_for_each_nested(e, exprs) {
			const struct nlattr *et[ND_ATTR_MAX + 1], *dt[ND_ATTR_MAX + 1];
			const char *name;
			if (nd_attrs(m, "expression", e, et) < 0) {
				rc = -1;
				break;
			}
			if (!(name = nd_str(et[NFTA_EXPR_NAME]))) {
				flush_pending(&s);
				regs_forget(&s);
				s.cur.other = true;
				continue;
			}
			memset(dt, 0, sizeof(dt));
			if (et[NFTA_EXPR_DATA] && nd_attrs(m, name, et[NFTA_EXPR_DATA], dt) < 0) {
				rc = -1;
				break;
			}
			on_expr(&s, name, dt);
		}
	}
	flush_pending(&s);
	nd_sel_free(&s.cur);
	return rc;
}

void
nd_rule_free(struct nd_rule *r)
{
	size_t i;

	free(r->xlat);
	nd_sel_free(&r->nat_sel);
	nd_sel_free(&r->dscp_sel);
	for (i = 0; i < r->n_jumps; i++)
		free(r->jumps[i]);
	free(r->jumps);
}
