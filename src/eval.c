#include "eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum er_readiness
er_readiness_of(const uint32_t count[ER_NA + 1])
{
	if (count[ER_FAIL])
		return ER_NOT_READY;
	if (count[ER_WARN])
		return ER_DEGRADED;
	if (count[ER_UNKNOWN])
		return ER_UNKNOWN_READINESS;
	return ER_READY;
}

const char *
er_result_id(const struct er_result *r, char *buf, size_t len)
{
	const char *part[4] = { r->def->name, r->circuit[0] ? r->circuit : NULL,
		r->peering ? er_peering_name(r->peering) : NULL, r->path ? er_path_name(r->path) : NULL };
	size_t at = 0, i, n;

	/* "name/circuit/peering/path", cut to fit as snprintf would: a <get> at 10,000 sessions names 135,000 */
	if (!len)
		return buf;
	for (i = 0; i < 4; i++) {
		if (!part[i])
			continue;
		if (i && at < len - 1)
			buf[at++] = '/';
		n = strlen(part[i]);
		if (n > len - 1 - at)
			n = len - 1 - at;
		memcpy(buf + at, part[i], n);
		at += n;
	}
	buf[at] = '\0';
	return buf;
}

int
er_result_key_cmp(const struct er_result *a, const struct er_result *b)
{
	int c = strcmp(a->circuit, b->circuit);

	if (c)
		return c;
	if (a->peering != b->peering)
		return a->peering < b->peering ? -1 : 1;
	if (a->def->code != b->def->code)
		return a->def->code < b->def->code ? -1 : 1;
	if (a->path != b->path)
		return a->path < b->path ? -1 : 1;
	return 0;
}

static int
result_cmp(const void *a, const void *b)
{
	return er_result_key_cmp(a, b);
}

/*
 * The details of one snapshot: 135,000 results at 10,000 sessions, most of
 * their texts far shorter than ER_DETAIL_LEN. Each is copied, at its own
 * length, into blocks that are never moved or reallocated, so a result
 * points at its text for the life of the snapshot.
 */
struct er_text_block {
	struct er_text_block *next;
	size_t used, cap;
	char text[];
};

#define TEXT_BLOCK_BYTES (64 * 1024)

static const char *
pool_add(struct er_text_block **pool, const char *text)
{
	size_t n = strlen(text) + 1;
	struct er_text_block *b = *pool;
	char *at;

	if (n == 1)
		return "";
	if (!b || b->cap - b->used < n) {
		size_t cap = n > TEXT_BLOCK_BYTES ? n : TEXT_BLOCK_BYTES;

		b = xreallocarray(NULL, 1, sizeof(*b) + cap);
		b->next = *pool;
		b->used = 0;
		b->cap = cap;
		*pool = b;
	}
	at = b->text + b->used;
	memcpy(at, text, n);
	b->used += n;
	return at;
}

static void
pool_free(struct er_text_block *b)
{
	while (b) {
		struct er_text_block *next = b->next;

		free(b);
		b = next;
	}
}

struct builder {
	struct er_snapshot *snap;
	size_t cap;
	const struct er_snapshot *prev;
	char detail[ER_DETAIL_LEN]; /* what the check being run writes */
};

static void
run_one(struct builder *b, const struct er_check_def *def, struct er_check_ctx *ctx)
{
	struct er_snapshot *s = b->snap;
	struct er_result *r;
	const struct er_result *old;

	if (s->n_results == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		s->results = xreallocarray(s->results, b->cap, sizeof(*s->results));
	}
	r = &s->results[s->n_results++];
	r->def = def;
	r->circuit = ctx->circuit ? ctx->circuit->name : "";
	r->circuit_idx = ctx->circuit ? (int)(ctx->circuit - ctx->cfg->circuits) : -1;
	r->peering = ctx->peering ? ctx->peering->type : ER_PEERING_NONE;
	r->path = ctx->path;
	ctx->detail = b->detail;
	r->status = er_check_run(def, ctx);
	r->detail = pool_add(&s->pool, b->detail);
	r->since = s->evaluated_at;
	if (b->prev && (old = bsearch(r, b->prev->results, b->prev->n_results, sizeof(*r), result_cmp)) &&
	    old->status == r->status)
		r->since = old->since;
}

struct er_snapshot *
er_evaluate(const struct er_config *cfg, struct er_observed *obs, const struct er_snapshot *prev, long long now)
{
	unsigned long long t0 = er_now_us();
	struct er_snapshot *s = xcalloc(1, sizeof(*s));
	struct builder b = { .snap = s, .prev = prev };
	struct er_check_ctx ctx;
	const struct er_check_def *defs;
	size_t n_defs, d, c, p, i;

	s->refs = 1;
	s->cfg = er_config_ref(cfg);
	s->obs = obs ? er_observed_ref(obs) : er_observed_new();
	/* A re-evaluation of the same poll (a reload) keeps the baseline it had. */
	if (prev && prev->obs != s->obs)
		s->base = er_observed_ref(prev->obs);
	else if (prev && prev->base)
		s->base = er_observed_ref(prev->base);
	s->evaluated_at = now;
	s->circuit = xcalloc(cfg->n_circuits ? cfg->n_circuits : 1, sizeof(*s->circuit));
	defs = er_checks(&n_defs);

	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = cfg;
	ctx.obs = s->obs;
	ctx.prev_obs = s->base;
	ctx.now = now;
	for (d = 0; d < n_defs; d++)
		if (defs[d].scope == ER_SCOPE_ACCOUNT)
			run_one(&b, &defs[d], &ctx);
	for (c = 0; c < cfg->n_circuits; c++) {
		ctx.circuit = &cfg->circuits[c];
		ctx.peering = NULL;
		ctx.path = ER_PATH_NONE;
		for (d = 0; d < n_defs; d++)
			if (defs[d].scope == ER_SCOPE_CIRCUIT)
				run_one(&b, &defs[d], &ctx);
		for (p = 0; p < ctx.circuit->n_peerings; p++) {
			ctx.peering = &ctx.circuit->peerings[p];
			for (d = 0; d < n_defs; d++) {
				const struct er_check_def *def = &defs[d];
				if (def->scope < ER_SCOPE_PEERING || !(def->peerings & ER_PEERING_MASK(ctx.peering->type)))
					continue;
				if (def->scope == ER_SCOPE_PEERING) {
					ctx.path = ER_PATH_NONE;
					run_one(&b, def, &ctx);
				} else {
					ctx.path = ER_PATH_PRIMARY;
					run_one(&b, def, &ctx);
					ctx.path = ER_PATH_SECONDARY;
					run_one(&b, def, &ctx);
				}
			}
		}
	}
	qsort(s->results, s->n_results, sizeof(*s->results), result_cmp);

	for (i = 0; i < s->n_results; i++) {
		const struct er_result *r = &s->results[i];
		s->overall.count[r->status]++;
		if (r->circuit_idx >= 0)
			s->circuit[r->circuit_idx].count[r->status]++;
	}
	s->overall.readiness = er_readiness_of(s->overall.count);
	for (c = 0; c < cfg->n_circuits; c++)
		s->circuit[c].readiness = er_readiness_of(s->circuit[c].count);
	s->groups = xcalloc(cfg->n_groups ? cfg->n_groups : 1, sizeof(*s->groups));
	for (c = 0; c < cfg->n_groups; c++)
		s->groups[c].known = er_group_tier(cfg, s->obs, now, c, &s->groups[c].reached, s->groups[c].reason,
		    sizeof(s->groups[c].reason)) == 0;
	s->eval_us = er_now_us() - t0;
	return s;
}

struct er_snapshot *
er_snapshot_ref(struct er_snapshot *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	return s;
}

void
er_snapshot_unref(struct er_snapshot *s)
{
	if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	er_config_unref(s->cfg);
	er_observed_unref(s->obs);
	er_observed_unref(s->base);
	free(s->results);
	pool_free(s->pool);
	free(s->circuit);
	free(s->groups);
	free(s);
}

const struct er_result *
er_snapshot_find(const struct er_snapshot *s, const char *circuit, enum er_peering_type peering, uint32_t code,
    enum er_path path)
{
	struct er_check_def def = { 0 };
	struct er_result key;

	def.code = code;
	key.def = &def;
	key.circuit = circuit ? circuit : "";
	key.peering = peering;
	key.path = path;
	return bsearch(&key, s->results, s->n_results, sizeof(key), result_cmp);
}
