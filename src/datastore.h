/*
 * The configuration datastore: the running config as a libyang tree of
 * expressroute-readiness plus its C view (struct er_config). Every change
 * (file load, NETCONF edit, SNMP SET) goes validate -> prepare -> apply:
 * a change that fails any step leaves the running config untouched.
 */
#ifndef ER_DATASTORE_H
#define ER_DATASTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

struct ly_ctx;
struct lyd_node;
struct lysc_node;
struct er_ds;
struct er_ds_txn;

#define ER_YANG_MODULE "expressroute-readiness"
#define ER_YANG_REVISION "2026-12-07"
#define ER_YANG_NS "urn:erready:params:xml:ns:yang:expressroute-readiness"
#define ER_ERRLEN 1024

enum er_ds_format { ER_FMT_AUTO = 0, ER_FMT_JSON, ER_FMT_XML };

/** A datastore with an empty running config. Returns NULL with @p err set. */
struct er_ds *er_ds_new(char *err, size_t errlen);
/**
 * The same, with @p hook called on the fresh libyang context before our
 * module is loaded (the NETCONF view loads ietf-netconf and friends there).
 * The context then also has ietf-yang-library. A hook returning -1 (with
 * @p err set) fails the call.
 */
typedef int (*er_ds_ctx_hook)(struct ly_ctx *ctx, char *err, size_t errlen);
struct er_ds *er_ds_new_with(er_ds_ctx_hook hook, char *err, size_t errlen);
void er_ds_free(struct er_ds *ds);

struct ly_ctx *er_ds_ctx(const struct er_ds *ds);
/** The running tree (read-only; may be NULL when empty). */
const struct lyd_node *er_ds_running(const struct er_ds *ds);
/**
 * lyd_print_mem() of @p tree (LYD_XML or LYD_JSON as @p lyd_format, with
 * LYD_PRINT_* @p lyd_options) into a buffer that doubles as it grows:
 * libyang's own memory output grows by each write's size, a realloc per
 * write, which is quadratic where realloc cannot grow in place (ASan).
 * Returns a malloc'd string ("" for an empty tree), NULL on error.
 */
char *er_ds_print_mem(const struct lyd_node *tree, int lyd_format, uint32_t lyd_options);
/**
 * The C view of running. The caller gets a reference: release it with
 * er_ds_config_unref(). Stays valid after later commits.
 */
const struct er_config *er_ds_config(struct er_ds *ds);
void er_ds_config_unref(const struct er_config *cfg);
/** Bumped on every successful commit. */
unsigned long er_ds_generation(const struct er_ds *ds);

/**
 * Replace running with the content of @p path (JSON or XML of the module,
 * by extension or content). On error @p err holds "<file>: <path>: <reason>"
 * and running is unchanged. A file without any data of the module (empty,
 * "{}", truncated) is an error, not an empty configuration.
 */
int er_ds_load_file(struct er_ds *ds, const char *path, char *err, size_t errlen);
int er_ds_load_mem(struct er_ds *ds, const char *data, enum er_ds_format fmt, const char *origin,
    char *err, size_t errlen);
/** Parse a config file (JSON or XML) without touching running; errors name the file. */
int er_ds_parse_file(struct er_ds *ds, const char *path, struct lyd_node **tree, char *err, size_t errlen);
/** Parse and validate a whole config without touching running. */
int er_ds_parse(struct er_ds *ds, const char *data, enum er_ds_format fmt, const char *origin,
    struct lyd_node **tree, char *err, size_t errlen);

/** Start an edit on a private copy of running (the spare one when the datastore keeps it). */
struct er_ds_txn *er_ds_txn_begin(struct er_ds *ds);
/** Start an edit on a private copy of @p tree (NULL: empty), e.g. the candidate. */
struct er_ds_txn *er_ds_txn_begin_from(struct er_ds *ds, const struct lyd_node *tree);
/** The copy to edit (libyang calls); may be replaced through the pointer. */
/** Write access to the txn's tree; a validation done before no longer counts. */
struct lyd_node **er_ds_txn_tree(struct er_ds_txn *txn);
/**
 * er_ds_txn_tree() for a caller that changes nothing but the entries
 * @p keys of list @p list (added, changed or deleted) below top-level
 * container @p top, e.g. a NETCONF edit naming only some circuits (may be
 * called again: the keys add up). The datastore then keeps a spare copy of
 * running in step at commit or abort by patching just those entries, so
 * the next txn starts from it instead of copying the whole config: the
 * cost of an edit follows its size, not the config's.
 */
struct lyd_node **er_ds_txn_tree_scoped(struct er_ds_txn *txn, const struct lysc_node *top, const char *list,
    const char *const *keys, size_t n);
/**
 * er_config_diff_paths() of running and the txn's tree (the change a
 * commit would make, for its log line): only the scope's entries compared
 * when the txn is scoped and running has not changed since it began.
 */
char *er_ds_txn_diff_paths(const struct er_ds_txn *txn, size_t max);
/** Read access to the txn's tree. */
const struct lyd_node *er_ds_txn_peek(const struct er_ds_txn *txn);
/** er_ds_txn_validate() succeeded and the tree was not changed since. */
bool er_ds_txn_validated(const struct er_ds_txn *txn);
/** Set a leaf by XPath in the copy. */
int er_ds_txn_set(struct er_ds_txn *txn, const char *xpath, const char *value, char *err, size_t errlen);
/** Merge a config fragment into the copy. */
int er_ds_txn_merge(struct er_ds_txn *txn, const char *data, enum er_ds_format fmt, char *err, size_t errlen);
/** Validate and prepare only (SNMP reserve phase, NETCONF test-only); keeps the txn. */
int er_ds_txn_validate(struct er_ds_txn *txn, char *err, size_t errlen);
/**
 * er_ds_txn_validate() when the tree was valid apart from the entries of
 * top-level list @p list whose keys are in @p keys (changed, added or gone):
 * libyang validates a copy holding only those entries and the rest of the
 * top container, and the validated entries replace theirs. Sound because
 * the model relates no two entries (no must, unique, leafref, min/max-
 * elements, or when outside an entry; test_datastore checks the YANG).
 * Our own rules still see the whole tree.
 */
int er_ds_txn_validate_entries(struct er_ds_txn *txn, const char *list, const char *const *keys, size_t n,
    char *err, size_t errlen);
/**
 * Validate, prepare and apply; the txn is consumed whatever the result.
 * A txn validated and not changed since is applied without validating again.
 */
int er_ds_txn_commit(struct er_ds_txn *txn, char *err, size_t errlen);
void er_ds_txn_abort(struct er_ds_txn *txn);

/** Canonical print of running. Secrets (md5-key) only when @p with_secrets. Caller frees. */
char *er_ds_print(const struct er_ds *ds, enum er_ds_format fmt, bool with_secrets);
char *er_ds_print_tree(const struct lyd_node *tree, enum er_ds_format fmt, bool with_secrets);

/**
 * Save running (with secrets) atomically: temp file in the same directory,
 * fsync, rename over @p path, fsync the directory. Mode 0600.
 */
int er_ds_save(const struct er_ds *ds, const char *path, char *err, size_t errlen);
/** The same for another tree (startup written from candidate or an inline config). */
int er_ds_save_tree(const struct er_ds *ds, const struct lyd_node *tree, const char *path, char *err, size_t errlen);

/** Test hook: replace write(2) used by er_ds_save (fault injection). */
typedef ssize_t (*er_ds_write_fn)(int fd, const void *buf, size_t len);
void er_ds_set_write_fn(struct er_ds *ds, er_ds_write_fn fn);

/** Remove write-only leaves (md5-key, SNMP keys, NETCONF passwords) from a tree about to be read. */
void er_ds_strip_secrets(struct lyd_node *tree);
struct lysc_node;
/** Whether @p s is one of those write-only leaves (its value is never shown). */
bool er_ds_is_secret(const struct lysc_node *s);

#endif
