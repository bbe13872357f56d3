/*
 * Admission of unauthenticated SSH connections (see nc_gate.h).
 */
#include "nc_gate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/*
 * Sources with a handshake in progress or a penalty running; others are
 * forgotten. The cap bounds memory under a spoofed-looking flood (every
 * entry holds a real TCP connection or a penalty): past it a new source
 * is treated as unknown, as sshd does when its penalty table is full.
 */
#define GATE_MAX_SOURCES 4096

struct src {
	char host[64];
	unsigned pending;
	uint64_t until;  /* penalty runs until then */
	bool enforced;   /* the penalty reached penalty_min_ms */
};

struct er_nc_gate {
	struct er_nc_gate_cfg cfg;
	struct src *s;
	size_t n, cap;
	unsigned pending;
	/* log rate limit */
	uint64_t log_start;
	unsigned log_lines, log_dropped;
};

struct er_nc_gate *
er_nc_gate_new(const struct er_nc_gate_cfg *cfg)
{
	struct er_nc_gate *g = xcalloc(1, sizeof(*g));

	g->cfg = *cfg;
	return g;
}

void
er_nc_gate_free(struct er_nc_gate *g)
{
	if (!g)
		return;
	free(g->s);
	free(g);
}

void
er_nc_gate_configure(struct er_nc_gate *g, const struct er_nc_gate_cfg *cfg)
{
	g->cfg = *cfg;
}

static void
penalty_expire(struct er_nc_gate *g, struct src *e, uint64_t now)
{
	(void)g;
	if (e->until <= now) {
		e->until = 0;
		e->enforced = false;
	}
}

static struct src *
find(struct er_nc_gate *g, const char *host, uint64_t now, bool create)
{
	size_t i, fr = g->n;

	for (i = 0; i < g->n; i++) {
		penalty_expire(g, &g->s[i], now);
		if (!strcmp(g->s[i].host, host))
			return &g->s[i];
		if (fr == g->n && !g->s[i].pending && !g->s[i].until)
			fr = i;
	}
	if (!create)
		return NULL;
	if (fr == g->n) {
		if (g->n == GATE_MAX_SOURCES)
			return NULL;
		if (g->n == g->cap) {
			g->cap = g->cap ? 2 * g->cap : 16;
			g->s = xreallocarray(g->s, g->cap, sizeof(*g->s));
		}
		g->n++;
	}
	memset(&g->s[fr], 0, sizeof(g->s[fr]));
	snprintf(g->s[fr].host, sizeof(g->s[fr].host), "%s", host);
	return &g->s[fr];
}

enum er_nc_gate_verdict
er_nc_gate_admit(struct er_nc_gate *g, const char *host, uint64_t now_ms, uint32_t rnd)
{
	struct src *e = find(g, host, now_ms, true);
	const struct er_nc_gate_cfg *c = &g->cfg;

	if (e && e->enforced)
		return ER_NC_GATE_PENALTY;
	if (g->pending >= c->full)
		return ER_NC_GATE_FULL;
	if (e && c->per_source && e->pending >= c->per_source)
		return ER_NC_GATE_PER_SOURCE;
	/* sshd's drop(): rate % at start, rising linearly to 100 % at full */
	if (g->pending >= c->start && (!e || e->pending)) {
		unsigned span = c->full > c->start ? c->full - c->start : 1;
		unsigned p = c->rate + (100 - c->rate) * (g->pending - c->start) / span;
		if (rnd % 100 < p)
			return ER_NC_GATE_EARLY_DROP;
	}
	if (!e)
		return ER_NC_GATE_FULL; /* source table full: nothing to count it by */
	e->pending++;
	g->pending++;
	return ER_NC_GATE_ADMIT;
}

void
er_nc_gate_release(struct er_nc_gate *g, const char *host)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (!strcmp(g->s[i].host, host) && g->s[i].pending) {
			g->s[i].pending--;
			g->pending--;
			return;
		}
}

void
er_nc_gate_penalise(struct er_nc_gate *g, const char *host, uint64_t now_ms, unsigned add_ms)
{
	struct src *e;
	uint64_t base;

	if (!add_ms || !(e = find(g, host, now_ms, true)))
		return;
	base = e->until > now_ms ? e->until : now_ms;
	e->until = base + add_ms;
	if (e->until > now_ms + g->cfg.penalty_max_ms)
		e->until = now_ms + g->cfg.penalty_max_ms;
	if (e->until - now_ms >= g->cfg.penalty_min_ms)
		e->enforced = true;
}

unsigned
er_nc_gate_pending(const struct er_nc_gate *g)
{
	return g->pending;
}

void
er_nc_gate_log_flush(struct er_nc_gate *g, uint64_t now_ms, char *summary, size_t summary_len)
{
	if (summary && summary_len)
		summary[0] = '\0';
	if (g->log_dropped && summary && summary_len)
		snprintf(summary, summary_len, "%u more refused or failed connections in the last %llu s (not logged one by one)",
		    g->log_dropped, (unsigned long long)((now_ms - g->log_start + 999) / 1000));
	g->log_start = now_ms;
	g->log_lines = g->log_dropped = 0;
}

bool
er_nc_gate_log_ok(struct er_nc_gate *g, uint64_t now_ms, char *summary, size_t summary_len)
{
	if (summary && summary_len)
		summary[0] = '\0';
	if (now_ms - g->log_start >= g->cfg.log_interval_ms)
		er_nc_gate_log_flush(g, now_ms, summary, summary_len);
	if (g->log_lines < g->cfg.log_burst) {
		g->log_lines++;
		return true;
	}
	g->log_dropped++;
	return false;
}

const char *
er_nc_gate_verdict_str(enum er_nc_gate_verdict v)
{
	switch (v) {
	case ER_NC_GATE_ADMIT:
		return "admitted";
	case ER_NC_GATE_FULL:
		return "too many unauthenticated connections (max-startups full)";
	case ER_NC_GATE_EARLY_DROP:
		return "dropped early: many unauthenticated connections (max-startups)";
	case ER_NC_GATE_PER_SOURCE:
		return "too many unauthenticated connections from this address (per-source-max-startups)";
	case ER_NC_GATE_PENALTY:
		return "refused: this address is penalised for failed or unfinished logins";
	}
	return "?";
}
