/*
 * RFC 6241 edit-config semantics over libyang trees: the operations merge,
 * replace, create, delete, remove and none (nc:operation attribute and
 * default-operation), with stop-on-error, continue-on-error and
 * rollback-on-error. libyang parses and validates; the operation semantics
 * are ours.
 */
#ifndef ER_NC_EDIT_H
#define ER_NC_EDIT_H

#include "nc_err.h"

struct lyd_node;

enum er_nc_defop { ER_NC_DEFOP_MERGE = 0, ER_NC_DEFOP_REPLACE, ER_NC_DEFOP_NONE };
enum er_nc_errop { ER_NC_STOP_ON_ERROR = 0, ER_NC_CONTINUE_ON_ERROR, ER_NC_ROLLBACK_ON_ERROR };

/**
 * Apply the content of an edit-config <config> to @p target.
 *
 * @p edit is the first top-level sibling of the <config> anyxml value as
 * libyang parsed it (lyd_node_any value of type LYD_ANYDATA_DATATREE):
 * schema nodes carrying "ietf-netconf:operation" metadata where the input
 * was valid, opaque nodes where it was not (unknown element, wrong
 * namespace, value out of range, list without its keys). NULL is an empty
 * config. @p target is a config tree of the same context (NULL when
 * empty) and may be replaced through the pointer.
 *
 * Only the edit's own errors are found here (unknown element, invalid
 * value, missing key, data-exists, data-missing, bad operation attribute,
 * state data in a config); whole-tree validation (must, mandatory,
 * leafref, our semantic checks) is the caller's. The edited tree gets its
 * implicit defaults (those of new nodes, and a deleted leaf's default), as
 * validation would add them, so an unvalidated result reads right too.
 *
 * stop-on-error and rollback-on-error: the first error ends the edit,
 * @p target is left exactly as it was, returns -1. continue-on-error: a
 * node that fails is skipped with its subtree and reported, the rest is
 * applied, returns -1 if anything failed. Returns 0 when all applied.
 */
int er_nc_edit_apply(struct lyd_node **target, const struct lyd_node *edit, enum er_nc_defop defop,
    enum er_nc_errop errop, struct er_nc_errs *errs);
/**
 * er_nc_edit_apply() on a @p target that is the caller's scratch copy:
 * nothing is copied first, and after an error with stop-on-error or
 * rollback-on-error *@p target holds a half-applied tree the caller must
 * discard (free it; do not use it). Default nodes are not added: validate
 * the result (which adds them) or call lyd_new_implicit_all() on it.
 */
int er_nc_edit_apply_scratch(struct lyd_node **target, const struct lyd_node *edit, enum er_nc_defop defop,
    enum er_nc_errop errop, struct er_nc_errs *errs);

#endif
