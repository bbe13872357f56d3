/*
 * Small readers of libyang data trees, shared by the config view, the
 * partner reply parser and the NETCONF operations.
 */
#ifndef ER_LYD_UTIL_H
#define ER_LYD_UTIL_H

struct lyd_node;

/** The first child of @p parent named @p name, or NULL (@p parent may be NULL). */
const struct lyd_node *er_lyd_child(const struct lyd_node *parent, const char *name);
/** The value of leaf @p name under @p parent, or NULL when there is none (or it is not a leaf). */
const char *er_lyd_value(const struct lyd_node *parent, const char *name);

#endif
