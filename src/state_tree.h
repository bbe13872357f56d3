/*
 * The snapshot as YANG state data (config false nodes of
 * expressroute-readiness), for `erreadyd --check --json` and NETCONF <get>.
 */
#ifndef ER_STATE_TREE_H
#define ER_STATE_TREE_H

#include "eval.h"

struct ly_ctx;
struct lyd_node;

/** Build the state tree of @p s. Returns 0, or -1 if libyang refused a node. */
int er_state_tree(const struct er_snapshot *s, const struct ly_ctx *ctx, struct lyd_node **out);

/* Parts of the state, so a filtered NETCONF <get> builds only what it needs. */
#define ER_ST_CIRCUITS 0x01   /* circuit/state and peering/state (links, sessions) */
#define ER_ST_SUMMARY 0x02    /* readiness summary leaves */
#define ER_ST_COLLECTORS 0x04 /* readiness/collector */
#define ER_ST_CHECKS 0x08     /* readiness/check */
#define ER_ST_HOST 0x10       /* readiness/nat and readiness/qos */
#define ER_ST_RESILIENCY 0x20 /* resiliency-group/state and agent/partner/state */
#define ER_ST_ALL 0x3f
/*
 * Trims, for a filter that selects less than a whole part (a partner's
 * fetch at 100 circuits: building and then filtering away nodes was most
 * of the partner's answer time). Never in ER_ST_ALL.
 */
#define ER_ST_CHECKS_LEAN 0x40      /* readiness/check without name, area, severity, rule, since */
#define ER_ST_NO_CIRCUIT_STATE 0x80 /* circuit/state left out; peering/state still built */
#define ER_ST_CHECKS_NO_REFS 0x100  /* readiness/check without code, circuit, peering (its id names them) */
#define ER_ST_CHECKS_PRIMARY 0x200  /* readiness/check: only the results of primary links */
#define ER_ST_CHECKS_SECONDARY 0x400 /* readiness/check: only the results of secondary links */
int er_state_tree_parts(const struct er_snapshot *s, const struct ly_ctx *ctx, unsigned parts, struct lyd_node **out);

#endif
