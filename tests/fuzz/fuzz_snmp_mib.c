/*
 * The SNMP MIB lookup (agent/snmp/snmp_mib.c): GET and GETNEXT on OIDs built
 * from the input, checked against a brute-force answer over the same rows.
 * At start a walk lists every instance (strictly increasing, as many as
 * er_mib_count says); then for any OID, GET must find exactly the listed
 * instances with the listed value, and GETNEXT must answer the first listed
 * instance after it (at or after it when inclusive), found by a linear scan.
 * Two views: the example config with the healthy observed state, and the
 * same config with nothing observed.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "datastore.h"
#include "eval.h"
#include "fuzz.h"
#include "observed.h"
#include "snmp_mib.h"

struct inst {
	uint32_t oid[ER_MIB_MAX_OID];
	size_t len;
	struct er_mib_value v;
};

struct view {
	struct er_snapshot *snap;
	struct er_mib *mib;
	struct inst *all;
	size_t n;
};

static struct er_ds *ds;
static struct view views[2];
static const uint32_t ROOT[] = { ER_MIB_ROOT };

static int
oid_cmp(const uint32_t *a, size_t al, const uint32_t *b, size_t bl)
{
	for (size_t i = 0; i < al && i < bl; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return al < bl ? -1 : al > bl ? 1 : 0;
}

/* A kept value's octets: its own copy (octets NULL) or what it points at. */
static const void *
octets_of(const struct er_mib_value *v)
{
	return v->octets ? (const void *)v->octets : (const void *)v->buf;
}

static bool
value_eq(const struct er_mib_value *a, const struct er_mib_value *b)
{
	if (a->type != b->type)
		return false;
	if (a->type == ER_MIB_OCTETS)
		return a->len == b->len && (!a->len || !memcmp(octets_of(a), octets_of(b), a->len));
	return a->num == b->num;
}

/*
 * A value whose octets point into the view's own buffer: the copy is in
 * dst->buf, marked by octets NULL (a pointer to dst->buf would dangle once
 * the array of kept values is reallocated).
 */
static void
value_keep(struct er_mib_value *dst, const struct er_mib_value *src)
{
	*dst = *src;
	if (src->type == ER_MIB_OCTETS && src->octets == src->buf)
		dst->octets = NULL;
}

static void
view_init(struct view *w, struct er_observed *obs)
{
	const struct er_config *cfg = er_ds_config(ds);
	uint32_t cur[ER_MIB_MAX_OID];
	size_t len = ER_MIB_ROOT_LEN, cap = 0;
	struct er_mib_value v;
	struct inst next;

	w->snap = er_evaluate(cfg, obs, NULL, 1795000000);
	er_ds_config_unref(cfg);
	w->mib = er_mib_new(w->snap);
	memcpy(cur, ROOT, sizeof(ROOT));
	while (er_mib_next(w->mib, cur, len, false, next.oid, &next.len, &v) == ER_MIB_FOUND) {
		if (oid_cmp(cur, len, next.oid, next.len) >= 0)
			fz_fail("the walk does not increase");
		if (w->n == cap) {
			cap = cap ? cap * 2 : 1024;
			if (!(w->all = realloc(w->all, cap * sizeof(*w->all))))
				abort();
		}
		memcpy(w->all[w->n].oid, next.oid, next.len * sizeof(*next.oid));
		w->all[w->n].len = next.len;
		value_keep(&w->all[w->n].v, &v);
		w->n++;
		memcpy(cur, next.oid, next.len * sizeof(*next.oid));
		len = next.len;
	}
	if (w->n != er_mib_count(w->mib))
		fz_fail("the walk found %zu instances, er_mib_count says %zu", w->n, er_mib_count(w->mib));
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[ER_ERRLEN];

	(void)argc;
	(void)argv;
	fz_quiet();
	ds = fz_ds_new();
	if (er_ds_load_mem(ds, fz_example_config(), ER_FMT_JSON, "erready.json", err, sizeof(err)) < 0)
		fz_fail("%s", err);
	view_init(&views[0], fz_healthy_observed());
	view_init(&views[1], NULL);
	return 0;
}

/* The input, consumed byte by byte (zeros once it runs out). */
struct rd {
	const uint8_t *p;
	size_t n;
};

static unsigned
rd_byte(struct rd *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

/* A sub-identifier: small ones are likely, any 32-bit value is possible. */
static uint32_t
rd_subid(struct rd *r)
{
	unsigned b = rd_byte(r);

	if (b < 0xf0)
		return b;
	if (b < 0xff)
		return (uint32_t)((b & 0x0f) << 8 | rd_byte(r));
	return (uint32_t)rd_byte(r) << 24 | (uint32_t)rd_byte(r) << 16 | (uint32_t)rd_byte(r) << 8 | rd_byte(r);
}

static void
check_oid(const struct view *w, const uint32_t *oid, size_t len)
{
	uint32_t out[ER_MIB_MAX_OID];
	size_t outlen, i;
	struct er_mib_value v;
	enum er_mib_result res;
	const struct inst *want = NULL;

	for (i = 0; i < w->n && !want; i++)
		if (!oid_cmp(w->all[i].oid, w->all[i].len, oid, len))
			want = &w->all[i];
	res = er_mib_get(w->mib, oid, len, &v);
	if (want && (res != ER_MIB_FOUND || !value_eq(&v, &want->v)))
		fz_fail("GET of a listed instance: result %d", res);
	if (!want && res == ER_MIB_FOUND)
		fz_fail("GET found an instance the walk did not list");
	for (int inclusive = 0; inclusive < 2; inclusive++) {
		want = NULL;
		for (i = 0; i < w->n && !want; i++) {
			int c = oid_cmp(w->all[i].oid, w->all[i].len, oid, len);
			if (c > 0 || (inclusive && c == 0))
				want = &w->all[i];
		}
		res = er_mib_next(w->mib, oid, len, inclusive, out, &outlen, &v);
		if (!want && res != ER_MIB_END)
			fz_fail("GETNEXT past the last instance: result %d", res);
		if (want && (res != ER_MIB_FOUND || oid_cmp(out, outlen, want->oid, want->len) || !value_eq(&v, &want->v)))
			fz_fail("GETNEXT (inclusive %d) differs from the brute-force answer: result %d", inclusive, res);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = { data, size };
	uint32_t oid[ER_MIB_MAX_OID];

	while (r.n) {
		unsigned mode = rd_byte(&r);
		const struct view *w = &views[mode & 1];
		size_t len = 0, extra;

		switch ((mode >> 1) & 3) {
		case 0: /* anything */
			break;
		case 1: /* under erRoot */
			memcpy(oid, ROOT, sizeof(ROOT));
			len = ER_MIB_ROOT_LEN;
			break;
		default: /* near an instance: a prefix of it, then whatever follows */
			if (w->n) {
				const struct inst *in = &w->all[(rd_byte(&r) << 8 | rd_byte(&r)) % w->n];
				len = in->len - rd_byte(&r) % (in->len + 1);
				memcpy(oid, in->oid, len * sizeof(*oid));
				if (len && (mode & 8))
					oid[len - 1] += (mode & 16) ? 1 : (uint32_t)-1;
			}
		}
		extra = (mode >> 5) + rd_byte(&r) % 4;
		while (extra-- && len < ER_MIB_MAX_OID)
			oid[len++] = rd_subid(&r);
		check_oid(w, oid, len);
	}
	return 0;
}
