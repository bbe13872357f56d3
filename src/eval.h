/*
 * Evaluation: (config, observed) -> an immutable snapshot of check results
 * and readiness. Views read only snapshots; a new evaluation publishes a
 * new one and readers keep a reference to the one they hold.
 */
#ifndef ER_EVAL_H
#define ER_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks.h"

struct er_result {
	const struct er_check_def *def;
	const char *circuit; /* "" for account checks; owned by the snapshot's config */
	int circuit_idx;     /* index in cfg->circuits, -1 for account checks */
	enum er_peering_type peering;
	enum er_path path;
	enum er_status status;
	long long since; /* unix time the status was first seen */
	const char *detail; /* never NULL; "" when the check said nothing; owned by the snapshot's pool */
};

struct er_summary {
	enum er_readiness readiness;
	uint32_t count[ER_NA + 1]; /* indexed by enum er_status */
};

/* A resiliency group's tier at evaluation time (YANG resiliency-group/state). */
struct er_group_state {
	enum er_res_tier reached; /* none when not known */
	bool known;
	char reason[ER_DETAIL_LEN];
};

struct er_text_block;

struct er_snapshot {
	int refs;
	const struct er_config *cfg; /* reference held */
	struct er_observed *obs;     /* reference held */
	struct er_observed *base;    /* the poll before obs (reference held), NULL if none: counters' rise */
	struct er_result *results;
	size_t n_results;
	struct er_summary overall;
	struct er_summary *circuit; /* one per cfg->circuits[] */
	struct er_group_state *groups; /* one per cfg->groups[] */
	struct er_text_block *pool;    /* the results' detail texts, in blocks that never move */
	long long evaluated_at;
	unsigned long long eval_us; /* how long the evaluation took */
};

/**
 * Evaluate every check. Takes its own references to @p cfg and @p obs
 * (obs may be NULL: nothing observed). @p prev (may be NULL) carries the
 * "since" time of results whose status did not change, and its poll is
 * the baseline of counters (its own baseline when @p obs is its poll).
 */
struct er_snapshot *er_evaluate(const struct er_config *cfg, struct er_observed *obs,
    const struct er_snapshot *prev, long long now);
struct er_snapshot *er_snapshot_ref(struct er_snapshot *s);
void er_snapshot_unref(struct er_snapshot *s);

/** Readiness from status counts: not-ready > degraded > unknown > ready. */
enum er_readiness er_readiness_of(const uint32_t count[ER_NA + 1]);
/** Stable result id: "name[/circuit[/peering[/path]]]". */
const char *er_result_id(const struct er_result *r, char *buf, size_t len);
/** Order of results: circuit name, peering, code, path (snapshots keep theirs sorted so). */
int er_result_key_cmp(const struct er_result *a, const struct er_result *b);
/** Find a result by its key; NULL if absent. */
const struct er_result *er_snapshot_find(const struct er_snapshot *s, const char *circuit,
    enum er_peering_type peering, uint32_t code, enum er_path path);

#endif
