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

#endif
