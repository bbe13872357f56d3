/*
 * The datastores as NETCONF sees them (nc_ds.h): running (the daemon's),
 * candidate (shared, kept here), startup (the config file), their copies,
 * validation and commit, and the global locks of RFC 6241 7.5.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libyang/libyang.h>
#include <nc_server.h>

#include "config_diff.h"
#include "datastore.h"
#include "log.h"
#include "lyd_util.h"
#include "nc_ds.h"
#include "nc_err.h"
#include "nc_internal.h"
#include "nc_rpc.h"
#include "util.h"

/*
 * Who is changing running on this thread, for the log line of the change:
 * set per RPC by er_nc_dispatch, and by a confirmed commit's rollback.
 */
static __thread char who[200];

/* The log names at most this many changed paths of one commit. */
#define ER_NC_LOG_CHANGES_MAX 8

const char *const er_nc_ds_names[] = { "running", "candidate", "startup" };

/* All under the agent lock. */
static struct {
	/* the candidate: NULL is the same as running; validated when er_ds_txn_validated() */
	struct er_ds_txn *cand;
	uint32_t lock_sid[3];
	time_t lock_time[3];
} O;

void
er_nc_who_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(who, sizeof(who), fmt, ap);
	va_end(ap);
}

/* The datastore named in <target> or <source>. */
enum dsid
er_nc_which_ds(const struct lyd_node *rpc, const char *param, const struct lyd_node **inline_cfg)
{
	const struct lyd_node *p = er_lyd_child(rpc, param), *c;

	if (!p)
		return DS_NONE;
	c = lyd_child(p);
	if (!c)
		return DS_NONE;
	if (!strcmp(LYD_NAME(c), "running"))
		return DS_RUNNING;
	if (!strcmp(LYD_NAME(c), "candidate"))
		return DS_CANDIDATE;
	if (!strcmp(LYD_NAME(c), "startup"))
		return DS_STARTUP;
	if (!strcmp(LYD_NAME(c), "config")) {
		if (inline_cfg)
			*inline_cfg = c;
		return DS_INLINE;
	}
	return DS_NONE;
}

bool
er_nc_locked_by_other(enum dsid ds, uint32_t sid, struct er_nc_errs *errs)
{
	struct er_nc_err *e;

	if (ds > DS_STARTUP || !O.lock_sid[ds] || O.lock_sid[ds] == sid)
		return false;
	e = er_nc_errs_add(errs, NC_ERR_LOCK_DENIED, NC_ERR_TYPE_PROT, NULL,
	    "the %s datastore is locked by session %u", er_nc_ds_names[ds], O.lock_sid[ds]);
	e->sid = O.lock_sid[ds];
	return true;
}

const struct lyd_node *
er_nc_cand_tree(void)
{
	return O.cand ? er_ds_txn_peek(O.cand) : er_ds_running(er_nc_env->ds);
}

/* The startup datastore: the config file. NULL when there is none; -1 on error. */
static int
startup_tree(struct lyd_node **out, struct er_nc_errs *errs)
{
	char err[ER_ERRLEN];

	*out = NULL;
	if (access(er_nc_env->startup_path, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (er_ds_parse_file(er_nc_env->ds, er_nc_env->startup_path, out, err, sizeof(err)) < 0) {
		er_nc_errs_add(errs, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "startup: %s", err);
		return -1;
	}
	return 0;
}

/* A copy of the tree of @p ds (with secrets). */
int
er_nc_ds_copy(enum dsid ds, const struct lyd_node *inline_cfg, struct lyd_node **out, struct er_nc_errs *errs)
{
	const struct lyd_node *src = NULL;

	*out = NULL;
	switch (ds) {
	case DS_RUNNING:
		src = er_ds_running(er_nc_env->ds);
		break;
	case DS_CANDIDATE:
		src = er_nc_cand_tree();
		break;
	case DS_STARTUP:
		return startup_tree(out, errs);
	case DS_INLINE: {
		/* an inline <config>: a whole configuration, checked like a file */
		struct lyd_node *t = er_nc_any_tree(inline_cfg);
		char *xml, err[ER_ERRLEN];
		int rc;
		if (!t || !(xml = er_ds_print_mem(t, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK)))
			return 0;
		rc = er_ds_parse(er_nc_env->ds, xml, ER_FMT_XML, "config", out, err, sizeof(err));
		free(xml);
		if (rc < 0) {
			er_nc_errs_add(errs, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, NULL, "%s", err);
			return -1;
		}
		return 0;
	}
	case DS_NONE:
		break;
	}
	if (src && lyd_dup_siblings(src, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, out) != LY_SUCCESS) {
		er_nc_errs_add(errs, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "%s", "out of memory");
		return -1;
	}
	return 0;
}

/* A transaction holding @p tree (taken). */
struct er_ds_txn *
er_nc_txn_of(struct lyd_node *tree)
{
	struct er_ds_txn *txn = er_ds_txn_begin_from(er_nc_env->ds, NULL);

	*er_ds_txn_tree(txn) = tree;
	return txn;
}

/* Make the tree of @p txn (taken) the running config. Returns 0, or -1 with errors. */
int
er_nc_commit_txn(struct er_ds_txn *txn, struct er_nc_errs *errs)
{
	char err[ER_ERRLEN], *what;

	/* the change, in paths, before running is replaced (the txn holds the new tree) */
	what = er_ds_txn_diff_paths(txn, ER_NC_LOG_CHANGES_MAX);
	if (er_ds_txn_commit(txn, err, sizeof(err)) < 0) {
		free(what);
		er_nc_validation_error(errs, err);
		return -1;
	}
	if (what)
		log_notice("config changed by %s: %s", who[0] ? who : "NETCONF", what);
	free(what);
	er_nc_env->config_changed(NULL);
	return 0;
}

int
er_nc_commit_tree(struct lyd_node *tree, struct er_nc_errs *errs)
{
	return er_nc_commit_txn(er_nc_txn_of(tree), errs);
}

/* Validate @p txn, keeping what it prepared for a commit. */
int
er_nc_validate_txn(struct er_ds_txn *txn, struct er_nc_errs *errs)
{
	char err[ER_ERRLEN];

	if (er_ds_txn_validate(txn, err, sizeof(err)) < 0) {
		er_nc_validation_error(errs, err);
		return -1;
	}
	return 0;
}

int
er_nc_validate_tree(struct lyd_node **tree, struct er_nc_errs *errs)
{
	struct er_ds_txn *txn = er_nc_txn_of(*tree);
	int rc = er_nc_validate_txn(txn, errs);

	*tree = *er_ds_txn_tree(txn); /* validation adds defaults */
	*er_ds_txn_tree(txn) = NULL;
	er_ds_txn_abort(txn);
	return rc;
}

int
er_nc_save_startup(const struct lyd_node *tree, struct er_nc_errs *errs)
{
	char err[ER_ERRLEN];

	if (er_ds_save_tree(er_nc_env->ds, tree, er_nc_env->startup_path, err, sizeof(err)) < 0) {
		er_nc_errs_add(errs, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "startup: %s", err);
		return -1;
	}
	return 0;
}

void
er_nc_cand_set(struct er_ds_txn *txn)
{
	er_ds_txn_abort(O.cand);
	O.cand = txn;
}

static void
cand_reset(void)
{
	er_nc_cand_set(NULL);
}

struct nc_server_reply *
er_nc_op_lock(const struct lyd_node *rpc, uint32_t sid, bool take)
{
	struct er_nc_errs errs = { NULL, 0 };
	enum dsid target = er_nc_which_ds(rpc, "target", NULL);
	struct er_nc_err *e;

	if (target == DS_NONE)
		return er_nc_missing1("target", take ? "lock needs a <target> datastore" : "unlock needs a <target> datastore");
	if (target > DS_STARTUP)
		return er_nc_fail1(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, "%s", "lock target must be a datastore");
	er_nc_lock();
	if (take) {
		if (O.lock_sid[target]) {
			e = er_nc_errs_add(&errs, NC_ERR_LOCK_DENIED, NC_ERR_TYPE_PROT, NULL,
			    "the %s datastore is already locked by session %u", er_nc_ds_names[target], O.lock_sid[target]);
			e->sid = O.lock_sid[target];
		} else if (target == DS_CANDIDATE && O.cand) {
			e = er_nc_errs_add(&errs, NC_ERR_LOCK_DENIED, NC_ERR_TYPE_PROT, NULL, "%s",
			    "the candidate has changes not committed or discarded (RFC 6241 7.5): discard-changes first");
			e->sid = 0;
		} else {
			O.lock_sid[target] = sid;
			O.lock_time[target] = time(NULL);
		}
	} else {
		if (O.lock_sid[target] != sid)
			er_nc_errs_add(&errs, NC_ERR_OP_FAILED, NC_ERR_TYPE_PROT, NULL,
			    O.lock_sid[target] ? "the %s datastore is locked by another session" : "the %s datastore is not locked",
			    er_nc_ds_names[target]);
		else
			O.lock_sid[target] = 0;
	}
	er_nc_unlock();
	return errs.n ? er_nc_fail(&errs) : nc_server_reply_ok();
}

struct nc_server_reply *
er_nc_op_discard(uint32_t sid)
{
	struct er_nc_errs errs = { NULL, 0 };

	er_nc_lock();
	if (!er_nc_locked_by_other(DS_CANDIDATE, sid, &errs))
		cand_reset();
	er_nc_unlock();
	return errs.n ? er_nc_fail(&errs) : nc_server_reply_ok();
}

uint32_t
er_nc_ops_lock_holder(int ds)
{
	return O.lock_sid[ds];
}

time_t
er_nc_ds_lock_time(int ds)
{
	return O.lock_time[ds];
}

struct er_ds_txn *
er_nc_cand(void)
{
	return O.cand;
}

void
er_nc_cand_commit(struct er_nc_errs *errs)
{
	er_nc_commit_txn(O.cand, errs);
	O.cand = NULL;
}

void
er_nc_ds_session_end(uint32_t sid)
{
	int i;

	for (i = 0; i <= DS_STARTUP; i++)
		if (O.lock_sid[i] == sid) {
			O.lock_sid[i] = 0;
			if (i == DS_CANDIDATE)
				cand_reset(); /* RFC 6241 8.3.5.2: the holder's uncommitted changes go */
		}
}

void
er_nc_ds_fini(void)
{
	cand_reset();
	memset(&O, 0, sizeof(O));
}
