/*
 * What changed between two configurations, for the log line every change
 * of running gets ("config changed by WHO: WHAT"). Paths only: no value is
 * ever printed (md5-key, SNMP keys and communities, password hashes are
 * leaves of the model), and a leaf-list entry is named by its leaf-list,
 * not by its value.
 */
#ifndef ER_CONFIG_DIFF_H
#define ER_CONFIG_DIFF_H

#include <stdbool.h>

#include <stddef.h>

struct lyd_node;
struct lysc_node;

/**
 * "replace /m:a/b, create /m:a/c[name='x']": at most @p max operations,
 * then "and N more". NULL when the trees hold the same configuration.
 * The caller frees the result.
 */
char *er_config_diff_paths(const struct lyd_node *old, const struct lyd_node *new, size_t max);

/**
 * er_config_diff_paths() when @p old and @p new differ at most in the
 * entries @p keys of list @p list below top-level container @p top (a
 * scoped datastore txn): only those are compared.
 */
char *er_config_diff_paths_scoped(const struct lyd_node *old, const struct lyd_node *new, const struct lysc_node *top,
    const char *list, const char *const *keys, size_t nkeys, size_t max);

/** Log (notice) "config changed by @p who: PATHS"; nothing when nothing changed. True when it logged. */
bool er_config_log_change(const char *who, const struct lyd_node *old, const struct lyd_node *new);

#endif
