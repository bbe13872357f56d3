/*
 * Internal to the NETCONF operations: the datastores (running, candidate,
 * startup), their copies, validation and commit, and their global locks.
 * Everything here but er_nc_who_set() runs under the agent lock
 * (er_nc_lock()).
 */
#ifndef ER_NC_DS_H
#define ER_NC_DS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <libyang/libyang.h>
#include <nc_server.h>

#include "datastore.h"
#include "nc_err.h"

enum dsid { DS_RUNNING = 0, DS_CANDIDATE, DS_STARTUP, DS_INLINE, DS_NONE };
/** The names of DS_RUNNING .. DS_STARTUP. */
extern const char *const er_nc_ds_names[];

/** Who changes running on this thread, for the log line of the change (printf format). */
void er_nc_who_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** The datastore named in <target> or <source>; an inline <config> in *@p inline_cfg. */
enum dsid er_nc_which_ds(const struct lyd_node *rpc, const char *param, const struct lyd_node **inline_cfg);
/** Whether another session than @p sid holds the lock of @p ds (an rpc-error added when it does). */
bool er_nc_locked_by_other(enum dsid ds, uint32_t sid, struct er_nc_errs *errs);
/** The candidate's tree (running's when the candidate has no changes). */
const struct lyd_node *er_nc_cand_tree(void);
/** A copy of the tree of @p ds (with secrets). */
int er_nc_ds_copy(enum dsid ds, const struct lyd_node *inline_cfg, struct lyd_node **out, struct er_nc_errs *errs);

/** A transaction holding @p tree (taken). */
struct er_ds_txn *er_nc_txn_of(struct lyd_node *tree);
/** Make the tree of @p txn (taken) the running config. Returns 0, or -1 with errors. */
int er_nc_commit_txn(struct er_ds_txn *txn, struct er_nc_errs *errs);
int er_nc_commit_tree(struct lyd_node *tree, struct er_nc_errs *errs);
/** Validate @p txn, keeping what it prepared for a commit. */
int er_nc_validate_txn(struct er_ds_txn *txn, struct er_nc_errs *errs);
/** Validate *@p tree, which gets the defaults validation adds. */
int er_nc_validate_tree(struct lyd_node **tree, struct er_nc_errs *errs);
int er_nc_save_startup(const struct lyd_node *tree, struct er_nc_errs *errs);

/** The candidate's transaction; NULL: the candidate is running. */
struct er_ds_txn *er_nc_cand(void);
/** Make @p txn (taken; NULL: running) the candidate. */
void er_nc_cand_set(struct er_ds_txn *txn);
/** The candidate's transaction becomes running (er_nc_commit_txn()); the candidate is running again. */
void er_nc_cand_commit(struct er_nc_errs *errs);

/** <lock> and <unlock> (RFC 6241 7.5, 7.6); <discard-changes> (8.3.4.2). */
struct nc_server_reply *er_nc_op_lock(const struct lyd_node *rpc, uint32_t sid, bool take);
struct nc_server_reply *er_nc_op_discard(uint32_t sid);
/** When the lock of @p ds was taken (meaningful while er_nc_ops_lock_holder() is not 0). */
time_t er_nc_ds_lock_time(int ds);
/** Session @p sid ended: its locks go, and with the candidate's its uncommitted changes. */
void er_nc_ds_session_end(uint32_t sid);
/** Drop the candidate and the locks. */
void er_nc_ds_fini(void);

#endif
