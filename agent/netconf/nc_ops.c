/*
 * NETCONF operations (RFC 6241, 6243, 6022, 5277) over the datastore:
 * the dispatch of an RPC to its handler, edit-config and friends,
 * confirmed commit, subscriptions. The datastores and their locks are
 * nc_ds.c's, get and get-config nc_get.c's, the RPC reading and reply
 * helpers nc_rpc.c's. Every handler runs in its session's thread;
 * datastore state is touched under the agent lock.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libyang/libyang.h>
#include <nc_server.h>

#include "config_diff.h"
#include "datastore.h"
#include "eval.h"
#include "log.h"
#include "lyd_util.h"
#include "model.h"
#include "nc_ds.h"
#include "nc_edit.h"
#include "nc_err.h"
#include "nc_get.h"
#include "nc_guard.h"
#include "nc_internal.h"
#include "nc_log.h"
#include "nc_nacm.h"
#include "nc_ops.h"
#include "nc_rpc.h"
#include "state_tree.h"
#include "util.h"

#define NC_NS "urn:ietf:params:xml:ns:netconf:base:1.0"
#define EVALUATE_NOW_TIMEOUT_MS 60000


/* All under the agent lock. */
static struct {
	/* a confirmed commit waiting for its confirmation */
	bool cc;
	uint32_t cc_sid;     /* the session that must confirm (no persist) */
	char *cc_persist;    /* persist id, NULL: bound to cc_sid */
	struct lyd_node *cc_rollback;
	uint64_t cc_deadline_ms;
	long long cc_deadline_real_us;
	char *cc_path;
} O;

/* ------------------------------------------------------------------ */
/* access control (RFC 8341; the rules are nc_nacm.c's) */

/* The rules of @p ss's user, from running's ietf-netconf-acm config as it is now. */
static struct er_nacm *
sess_nacm(const struct er_nc_sess *ss)
{
	struct er_nacm *nacm;

	er_nc_lock();
	nacm = er_nacm_new(er_ds_running(er_nc_env->ds), ss->user, ss->recovery);
	er_nc_unlock();
	return nacm;
}

/*
 * RFC 8341 3.4.5: a write needs create, update or delete access to every
 * data node it changes from @p before to @p after. A denial is an
 * access-denied rpc-error (error-type application) whose error-path names
 * the node, and counts in denied-data-writes.
 */
static bool
write_denied(const struct er_nacm *nacm, const struct lyd_node *before, const struct lyd_node *after,
    struct er_nc_errs *errs)
{
	char path[1024] = "";
	unsigned op = 0;
	int rc;

	if (!er_nacm_enforced(nacm))
		return false;
	if ((rc = er_nacm_check_write(nacm, before, after, path, sizeof(path), &op)) == 0)
		return false;
	er_nacm_count(ER_NACM_DENIED_WRITE);
	if (rc < 0)
		er_nc_errs_add(errs, NC_ERR_ACCESS_DENIED, NC_ERR_TYPE_APP, NULL,
		    "access denied: the changes of user \"%s\" cannot be checked against the access rules", er_nacm_user(nacm));
	else
		er_nc_errs_add(errs, NC_ERR_ACCESS_DENIED, NC_ERR_TYPE_APP, path,
		    "access denied: user \"%s\" may not %s %s (NACM, RFC 8341)", er_nacm_user(nacm), er_nacm_op_name(op), path);
	return true;
}


/* ------------------------------------------------------------------ */
/* confirmed commit */

/* Seconds until a pending confirmed commit is rolled back (rounded up). */
static uint64_t
cc_left_s(void)
{
	uint64_t now = er_nc_now_ms();

	return O.cc_deadline_ms > now ? (O.cc_deadline_ms - now + 999) / 1000 : 0;
}

static void
cc_clear(void)
{
	lyd_free_all(O.cc_rollback);
	O.cc_rollback = NULL;
	free(O.cc_persist);
	O.cc_persist = NULL;
	O.cc = false;
	O.cc_sid = 0;
	if (O.cc_path)
		unlink(O.cc_path);
}

/*
 * One rule for every writer while a confirmed commit is pending: running
 * and startup change only through that commit (a confirming commit, or
 * cancel-commit) or its rollback. The rollback restores the config from
 * before the confirmed commit (RFC 6241 8.4.1), so an edit accepted
 * meanwhile would be silently undone, and one saved to the file would come
 * back at the next start; it is refused instead. SNMP SETs (resourceUnavailable)
 * and SIGHUP ask er_nc_ops_confirm_pending().
 */
static bool
cc_refuses(const char *what, struct er_nc_errs *errs)
{
	if (!O.cc)
		return false;
	er_nc_errs_add(errs, NC_ERR_IN_USE, NC_ERR_TYPE_PROT, NULL,
	    "%s: a confirmed commit is pending (rolled back in %llu s unless confirmed); until it is confirmed "
	    "(commit) or cancelled (cancel-commit), running and startup change only through it",
	    what, (unsigned long long)cc_left_s());
	return true;
}

static char *
one_line(const struct lyd_node *tree)
{
	char *s = tree ? er_ds_print_mem(tree, LYD_JSON, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK) : NULL;

	if (!s || !s[0]) {
		free(s);
		return xstrdup("{}");
	}
	return s;
}

/*
 * A pending confirmed commit with persist, in the state directory, so a
 * restart still restores it or rolls it back. One without persist ends
 * with its session, so with erreadyd too: nothing of it is kept.
 */
static void
cc_save(void)
{
	char *tmp = NULL, *rb = one_line(O.cc_rollback), *cur = one_line(er_ds_running(er_nc_env->ds));
	FILE *f;
	int fd;

	if (asprintf(&tmp, "%s.tmp.XXXXXX", O.cc_path) < 0)
		fatalx("out of memory");
	if ((fd = mkstemp(tmp)) < 0 || !(f = fdopen(fd, "w"))) {
		log_warnx("confirmed commit: cannot save %s: %s", O.cc_path, strerror(errno));
		if (fd >= 0)
			close(fd);
	} else {
		fchmod(fd, 0600);
		fprintf(f, "%lld %u %s\n%s\n%s\n", O.cc_deadline_real_us, O.cc_sid, O.cc_persist ? O.cc_persist : "-", rb,
		    cur);
		if (fflush(f) != 0 || fsync(fd) < 0 || fclose(f) != 0 || rename(tmp, O.cc_path) < 0)
			log_warnx("confirmed commit: cannot save %s: %s", O.cc_path, strerror(errno));
	}
	unlink(tmp);
	free(tmp);
	free(rb);
	free(cur);
}

static void
cc_rollback(const char *why)
{
	struct er_nc_errs errs = { NULL, 0 };
	struct lyd_node *rb = O.cc_rollback;

	O.cc_rollback = NULL;
	er_nc_who_set("NETCONF confirmed-commit rollback (%s)", why);
	if (er_nc_commit_tree(rb, &errs) < 0)
		log_warnx("confirmed commit: rollback (%s) refused: %s", why, errs.n ? errs.v[0].msg : "?");
	else
		log_info("confirmed commit: rolled back (%s)", why);
	er_nc_errs_clear(&errs);
	cc_clear();
}

static int
parse_cfg_line(const char *line, struct lyd_node **tree)
{
	char err[ER_ERRLEN];

	*tree = NULL;
	if (!strcmp(line, "{}"))
		return 0;
	return er_ds_parse(er_nc_env->ds, line, ER_FMT_JSON, "confirmed-commit", tree, err, sizeof(err));
}

/* At start: a confirmed commit was pending when erreadyd stopped. */
static void
cc_restore(void)
{
	FILE *f = fopen(O.cc_path, "re");
	char *l1 = NULL, *l2 = NULL, *l3 = NULL, persist[512];
	size_t c1 = 0, c2 = 0, c3 = 0;
	long long deadline;
	unsigned sid;
	struct lyd_node *rb = NULL, *cur = NULL;
	struct er_nc_errs errs = { NULL, 0 };

	if (!f)
		return;
	if (getline(&l1, &c1, f) <= 0 || getline(&l2, &c2, f) <= 0 || getline(&l3, &c3, f) <= 0 ||
	    sscanf(l1, "%lld %u %511s", &deadline, &sid, persist) != 3) {
		log_warnx("confirmed commit: %s is unreadable; ignored", O.cc_path);
		goto out;
	}
	l2[strcspn(l2, "\n")] = '\0';
	l3[strcspn(l3, "\n")] = '\0';
	if (parse_cfg_line(l2, &rb) < 0 || parse_cfg_line(l3, &cur) < 0) {
		log_warnx("confirmed commit: %s does not parse; ignored", O.cc_path);
		goto out;
	}
	if (!strcmp(persist, "-")) {
		/*
		 * Written by an erreadyd before this one, which saved commits
		 * without persist too. Its session ended with the stop, which undid
		 * the commit (RFC 6241 8.4.1); running is not kept across a
		 * restart, so it starts from startup as it would had the session's
		 * end been seen before the stop.
		 */
		log_info("confirmed commit: its session ended with erreadyd's stop; running starts from startup");
		goto out;
	}
	O.cc_rollback = rb;
	rb = NULL;
	if (deadline <= er_nc_now_real_us()) {
		cc_rollback("its timeout passed while erreadyd was stopped");
		goto out;
	}
	er_nc_who_set("NETCONF confirmed commit restored at start");
	if (er_nc_commit_tree(cur, &errs) < 0) {
		cur = NULL;
		cc_rollback("the confirmed config no longer validates");
		goto out;
	}
	cur = NULL;
	O.cc = true;
	O.cc_persist = xstrdup(persist);
	O.cc_deadline_real_us = deadline;
	O.cc_deadline_ms = er_nc_now_ms() + (uint64_t)((deadline - er_nc_now_real_us()) / 1000);
	log_info("confirmed commit (persist id %s) restored; rolls back in %lld s unless confirmed", persist,
	    (deadline - er_nc_now_real_us()) / 1000000);
out:
	er_nc_errs_clear(&errs);
	lyd_free_all(rb);
	lyd_free_all(cur);
	free(l1);
	free(l2);
	free(l3);
	fclose(f);
	if (!O.cc)
		cc_clear();
}

/* ------------------------------------------------------------------ */
/* edit-config and friends */

/*
 * The circuits an edit names when it names nothing else (no other part of
 * the config, no operation on the expressroute container, not
 * default-operation replace): then only those need libyang's validation
 * (er_ds_txn_validate_entries). false: validate everything.
 */
static bool
edit_circuits(const struct lyd_node *edit, enum er_nc_defop defop, const char **keys, size_t max, size_t *n)
{
	const struct lyd_node *c;
	const struct lyd_meta *m;

	*n = 0;
	if (defop == ER_NC_DEFOP_REPLACE || !edit || edit->next || !edit->schema ||
	    strcmp(edit->schema->name, "expressroute") || strcmp(edit->schema->module->name, ER_YANG_MODULE))
		return false;
	LY_LIST_FOR(edit->meta, m)
		if (!strcmp(m->name, "operation"))
			return false;
	LY_LIST_FOR(lyd_child(edit), c) {
		const struct lyd_node *k = lyd_child(c);
		if (!c->schema || c->schema->nodetype != LYS_LIST || strcmp(c->schema->name, "circuit") || *n >= max ||
		    !k || !k->schema || !(k->schema->flags & LYS_KEY))
			return false;
		keys[(*n)++] = lyd_get_value(k);
	}
	return *n > 0;
}

/* Validate an edited @p txn: only the circuits the edit names when its base was valid. */
static int
validate_edit(struct er_ds_txn *txn, bool base_valid, const struct lyd_node *edit, enum er_nc_defop defop,
    struct er_nc_errs *errs)
{
	const char *keys[64];
	char err[ER_ERRLEN];
	size_t n;

	if (!base_valid || !edit_circuits(edit, defop, keys, 64, &n))
		return er_nc_validate_txn(txn, errs);
	if (er_ds_txn_validate_entries(txn, "circuit", keys, n, err, sizeof(err)) < 0) {
		er_nc_validation_error(errs, err);
		return -1;
	}
	return 0;
}

static struct nc_server_reply *
op_edit_config(const struct lyd_node *rpc, uint32_t sid, const struct er_nacm *nacm)
{
	struct er_nc_errs errs = { NULL, 0 };
	enum dsid target = er_nc_which_ds(rpc, "target", NULL);
	const char *v;
	enum er_nc_defop defop = ER_NC_DEFOP_MERGE;
	enum er_nc_errop errop = ER_NC_STOP_ON_ERROR;
	enum { TEST_THEN_SET, SET, TEST_ONLY } test = TEST_THEN_SET;
	const struct lyd_node *cfg = er_lyd_child(rpc, "config");
	struct er_ds_txn *txn;
	struct lyd_node **work;
	const char *keys[64];
	size_t nkeys;
	bool base_valid;
	int rc;

	if (target == DS_NONE)
		return er_nc_missing1("target", "edit-config needs a <target> datastore");
	if (target != DS_RUNNING && target != DS_CANDIDATE)
		return er_nc_fail1(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, "%s",
		    "edit-config target must be running or candidate");
	if (!cfg)
		return er_nc_fail1(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, "%s",
		    "edit-config needs <config> (the :url capability is not supported)");
	if ((v = er_lyd_value(rpc, "default-operation")))
		defop = !strcmp(v, "replace") ? ER_NC_DEFOP_REPLACE : !strcmp(v, "none") ? ER_NC_DEFOP_NONE : ER_NC_DEFOP_MERGE;
	if ((v = er_lyd_value(rpc, "error-option")))
		errop = !strcmp(v, "continue-on-error") ? ER_NC_CONTINUE_ON_ERROR
		    : !strcmp(v, "rollback-on-error")   ? ER_NC_ROLLBACK_ON_ERROR
							: ER_NC_STOP_ON_ERROR;
	if ((v = er_lyd_value(rpc, "test-option")))
		test = !strcmp(v, "set") ? SET : !strcmp(v, "test-only") ? TEST_ONLY : TEST_THEN_SET;

	er_nc_lock();
	if (er_nc_locked_by_other(target, sid, &errs) ||
	    (target == DS_RUNNING && test != TEST_ONLY && cc_refuses("edit-config of running", &errs))) {
		er_nc_unlock();
		return er_nc_fail(&errs);
	}
	/* running is always valid; the candidate is when its edits were validated */
	base_valid = target == DS_RUNNING || !er_nc_cand() || er_ds_txn_validated(er_nc_cand());
	txn = er_ds_txn_begin_from(er_nc_env->ds, target == DS_RUNNING ? er_ds_running(er_nc_env->ds) : er_nc_cand_tree());
	/*
	 * The txn's tree is already a copy: the edit engine need not copy it
	 * again. An edit naming only circuits changes only those: the
	 * datastore then keeps its spare copy of running by patching them.
	 */
	if (edit_circuits(er_nc_any_tree(cfg), defop, keys, ARRAY_SIZE(keys), &nkeys))
		work = er_ds_txn_tree_scoped(txn, er_nc_any_tree(cfg)->schema, "circuit", keys, nkeys);
	else
		work = er_ds_txn_tree(txn);
	rc = er_nc_edit_apply_scratch(work, er_nc_any_tree(cfg), defop, errop, &errs);
	if ((rc < 0 && errop != ER_NC_CONTINUE_ON_ERROR) ||
	    write_denied(nacm, target == DS_RUNNING ? er_ds_running(er_nc_env->ds) : er_nc_cand_tree(), er_ds_txn_peek(txn),
		&errs)) {
		er_ds_txn_abort(txn);
		er_nc_unlock();
		return er_nc_fail(&errs);
	}
	if (test == TEST_ONLY) {
		validate_edit(txn, base_valid, er_nc_any_tree(cfg), defop, &errs);
		er_ds_txn_abort(txn);
	} else if (target == DS_RUNNING) {
		/* running is always valid: :set on running still validates */
		if (validate_edit(txn, base_valid, er_nc_any_tree(cfg), defop, &errs) == 0)
			er_nc_commit_txn(txn, &errs);
		else
			er_ds_txn_abort(txn);
	} else if (test == SET) {
		/* not validated (the commit will): its defaults as validation would add them */
		if (lyd_new_implicit_all(er_ds_txn_tree(txn), er_nc_ctx(), LYD_IMPLICIT_NO_STATE, NULL) != LY_SUCCESS)
			er_nc_errs_add(&errs, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "cannot add default values: %s",
			    ly_errmsg(er_nc_ctx()) ? ly_errmsg(er_nc_ctx()) : "libyang error");
		er_nc_cand_set(txn);
	} else if (validate_edit(txn, base_valid, er_nc_any_tree(cfg), defop, &errs) == 0) {
		/* validated now, the commit applies it without validating it again */
		er_nc_cand_set(txn);
	} else
		er_ds_txn_abort(txn);
	er_nc_unlock();
	if (errs.n)
		return er_nc_fail(&errs);
	return nc_server_reply_ok();
}

static struct nc_server_reply *
op_copy_config(const struct lyd_node *rpc, uint32_t sid, const struct er_nacm *nacm)
{
	struct er_nc_errs errs = { NULL, 0 };
	const struct lyd_node *inl = NULL;
	enum dsid target = er_nc_which_ds(rpc, "target", NULL), source = er_nc_which_ds(rpc, "source", &inl);
	struct lyd_node *tree = NULL;

	if (!lyd_child(er_lyd_child(rpc, "target")))
		return er_nc_missing1("target", "copy-config needs a <target> datastore");
	if (!lyd_child(er_lyd_child(rpc, "source")))
		return er_nc_missing1("source", "copy-config needs a <source> datastore or <config>");
	if (target == DS_NONE || target == DS_INLINE || source == DS_NONE)
		return er_nc_fail1(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, "%s",
		    "copy-config: target and source must be running, candidate or startup (source also <config>); "
		    ":url is not supported");
	if (target == source)
		return er_nc_fail1(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, "copy-config: source and target are both %s",
		    er_nc_ds_names[target]);
	er_nc_lock();
	if (er_nc_locked_by_other(target, sid, &errs) ||
	    (target != DS_CANDIDATE &&
		cc_refuses(target == DS_RUNNING ? "copy-config to running" : "copy-config to startup", &errs)) ||
	    er_nc_ds_copy(source, inl, &tree, &errs) < 0) {
		er_nc_unlock();
		return er_nc_fail(&errs);
	}
	if (er_nacm_enforced(nacm)) {
		struct lyd_node *old = NULL;
		if (er_nc_ds_copy(target, NULL, &old, &errs) < 0 || write_denied(nacm, old, tree, &errs)) {
			lyd_free_all(old);
			lyd_free_all(tree);
			er_nc_unlock();
			return er_nc_fail(&errs);
		}
		lyd_free_all(old);
	}
	if (target == DS_RUNNING)
		er_nc_commit_tree(tree, &errs);
	else if (target == DS_CANDIDATE) {
		struct er_ds_txn *txn = er_nc_txn_of(tree);
		if (er_nc_validate_txn(txn, &errs) == 0)
			er_nc_cand_set(txn);
		else
			er_ds_txn_abort(txn);
	} else if (er_nc_validate_tree(&tree, &errs) < 0)
		lyd_free_all(tree);
	else {
		er_nc_save_startup(tree, &errs);
		lyd_free_all(tree);
	}
	er_nc_unlock();
	return errs.n ? er_nc_fail(&errs) : nc_server_reply_ok();
}

static struct nc_server_reply *
op_delete_config(const struct lyd_node *rpc, uint32_t sid, const struct er_nacm *nacm)
{
	struct er_nc_errs errs = { NULL, 0 };
	enum dsid target = er_nc_which_ds(rpc, "target", NULL);

	if (!lyd_child(er_lyd_child(rpc, "target")))
		return er_nc_missing1("target", "delete-config needs a <target> datastore");
	if (target != DS_STARTUP)
		return er_nc_fail1(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, "%s",
		    "delete-config: only startup can be deleted");
	er_nc_lock();
	if (!er_nc_locked_by_other(target, sid, &errs) && !cc_refuses("delete-config of startup", &errs)) {
		struct lyd_node *old = NULL;
		/* every top-level node of startup is deleted: delete access to each (RFC 8341 3.4.5) */
		if (!er_nacm_enforced(nacm) || (er_nc_ds_copy(DS_STARTUP, NULL, &old, &errs) == 0 &&
						   !write_denied(nacm, old, NULL, &errs)))
			er_nc_save_startup(NULL, &errs);
		lyd_free_all(old);
	}
	er_nc_unlock();
	return errs.n ? er_nc_fail(&errs) : nc_server_reply_ok();
}

static struct nc_server_reply *
op_validate(const struct lyd_node *rpc)
{
	struct er_nc_errs errs = { NULL, 0 };
	const struct lyd_node *inl = NULL;
	enum dsid source = er_nc_which_ds(rpc, "source", &inl);
	struct lyd_node *tree = NULL;

	if (!lyd_child(er_lyd_child(rpc, "source")))
		return er_nc_missing1("source", "validate needs a <source> datastore or <config>");
	if (source == DS_NONE)
		return er_nc_fail1(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, "%s", "validate: :url is not supported");
	er_nc_lock();
	if (er_nc_ds_copy(source, inl, &tree, &errs) == 0)
		er_nc_validate_tree(&tree, &errs);
	er_nc_unlock();
	lyd_free_all(tree);
	return errs.n ? er_nc_fail(&errs) : nc_server_reply_ok();
}


static struct nc_server_reply *
op_commit(const struct lyd_node *rpc, uint32_t sid, const struct er_nacm *nacm)
{
	struct er_nc_errs errs = { NULL, 0 };
	bool confirmed = er_lyd_child(rpc, "confirmed") != NULL;
	const char *persist = er_lyd_value(rpc, "persist"), *persist_id = er_lyd_value(rpc, "persist-id"), *v;
	uint32_t timeout = (v = er_lyd_value(rpc, "confirm-timeout")) ? (uint32_t)strtoul(v, NULL, 10) : 600;
	struct lyd_node *before = NULL;

	er_nc_lock();
	if (er_nc_locked_by_other(DS_RUNNING, sid, &errs) || er_nc_locked_by_other(DS_CANDIDATE, sid, &errs))
		goto out;
	if (O.cc) {
		/* this commit confirms or extends the pending one */
		if (O.cc_persist) {
			if (!persist_id || strcmp(persist_id, O.cc_persist)) {
				er_nc_errs_add(&errs, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, "%s",
				    persist_id ? "persist-id does not match the pending confirmed commit"
					       : "a confirmed commit with persist is pending: give its persist-id");
				goto out;
			}
		} else if (O.cc_sid != sid) {
			er_nc_errs_add(&errs, NC_ERR_IN_USE, NC_ERR_TYPE_PROT, NULL,
			    "a confirmed commit of session %u is pending; only that session can confirm it", O.cc_sid);
			goto out;
		}
	} else if (persist_id) {
		er_nc_errs_add(&errs, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, "%s",
		    "persist-id given but no confirmed commit is pending");
		goto out;
	}
	if (confirmed && !O.cc && er_ds_running(er_nc_env->ds) &&
	    lyd_dup_siblings(er_ds_running(er_nc_env->ds), NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &before) !=
		LY_SUCCESS)
		fatalx("out of memory");
	/*
	 * The candidate's transaction becomes running, not a copy of it; one
	 * validated by its edit-config is not validated again. A failed
	 * validation leaves the candidate as it was. An unchanged candidate
	 * changes nothing.
	 */
	if (er_nc_cand()) {
		/* what the commit changes in running needs write access, whoever edited the candidate */
		if (write_denied(nacm, er_ds_running(er_nc_env->ds), er_ds_txn_peek(er_nc_cand()), &errs) ||
		    (!er_ds_txn_validated(er_nc_cand()) && er_nc_validate_txn(er_nc_cand(), &errs) < 0)) {
			lyd_free_all(before);
			goto out;
		}
		er_nc_cand_commit(&errs);
		if (errs.n) {
			lyd_free_all(before);
			goto out;
		}
	}
	if (confirmed) {
		if (!O.cc) {
			O.cc = true;
			O.cc_rollback = before;
		}
		O.cc_sid = sid;
		free(O.cc_persist);
		O.cc_persist = persist ? xstrdup(persist) : NULL;
		O.cc_deadline_ms = er_nc_now_ms() + (uint64_t)timeout * 1000;
		O.cc_deadline_real_us = er_nc_now_real_us() + (long long)timeout * 1000000;
		if (O.cc_persist)
			cc_save();
		else
			unlink(O.cc_path); /* an earlier persist one this commit replaced */
		log_info("NETCONF: confirmed commit by session %u: rolls back in %u s unless confirmed", sid, timeout);
		if (er_nc_env->wake)
			er_nc_env->wake();
	} else if (O.cc) {
		log_info("NETCONF: confirmed commit confirmed by session %u", sid);
		lyd_free_all(O.cc_rollback);
		O.cc_rollback = NULL;
		cc_clear();
	}
out:
	er_nc_unlock();
	return errs.n ? er_nc_fail(&errs) : nc_server_reply_ok();
}

static struct nc_server_reply *
op_cancel_commit(const struct lyd_node *rpc, uint32_t sid)
{
	struct er_nc_errs errs = { NULL, 0 };
	const char *persist_id = er_lyd_value(rpc, "persist-id");

	er_nc_lock();
	if (!O.cc)
		er_nc_errs_add(&errs, NC_ERR_OP_FAILED, NC_ERR_TYPE_PROT, NULL, "%s", "no confirmed commit is pending");
	else if (O.cc_persist && (!persist_id || strcmp(persist_id, O.cc_persist)))
		er_nc_errs_add(&errs, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, "%s",
		    "persist-id does not match the pending confirmed commit");
	else if (!O.cc_persist && O.cc_sid != sid)
		er_nc_errs_add(&errs, NC_ERR_IN_USE, NC_ERR_TYPE_PROT, NULL,
		    "the pending confirmed commit belongs to session %u", O.cc_sid);
	else
		cc_rollback("cancel-commit");
	er_nc_unlock();
	return errs.n ? er_nc_fail(&errs) : nc_server_reply_ok();
}

static void
kill_one(struct er_nc_sess *ss, void *arg)
{
	ss->killed = true;
	ss->killed_by = *(uint32_t *)arg;
	er_nc_sess_wake(ss);
}

static struct nc_server_reply *
op_kill_session(const struct lyd_node *rpc, uint32_t sid)
{
	const char *v = er_lyd_value(rpc, "session-id");
	uint32_t id = v ? (uint32_t)strtoul(v, NULL, 10) : 0;

	if (!id)
		return v ? er_nc_fail1(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, "%s", "session-id 0 names no session")
			 : er_nc_missing1("session-id", "kill-session needs a session-id");
	if (id == sid)
		return er_nc_fail1(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, "%s",
		    "kill-session of the current session: use close-session");
	if (!er_nc_sess_with(id, kill_one, &sid))
		return er_nc_fail1(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, "no session %s", v);
	log_info("NETCONF: session %u killed by session %u", id, sid);
	return nc_server_reply_ok();
}

static struct nc_server_reply *
op_get_schema(const struct lyd_node *rpc)
{
	const char *id = er_lyd_value(rpc, "identifier"), *ver = er_lyd_value(rpc, "version"), *fmt = er_lyd_value(rpc, "format");
	const struct lys_module *mod = NULL;
	const struct lysp_submodule *sub = NULL;
	LYS_OUTFORMAT of = LYS_OUT_YANG;
	char *txt = NULL;

	if (!id)
		return er_nc_missing1("identifier", "get-schema needs an identifier");
	if (fmt && strstr(fmt, "yin"))
		of = LYS_OUT_YIN;
	else if (fmt && !strstr(fmt, "yang"))
		return er_nc_fail1(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, NULL, "get-schema: format %s is not supported (yang, yin)",
		    fmt);
	mod = ver && *ver ? ly_ctx_get_module(er_nc_ctx(), id, ver) : ly_ctx_get_module_latest(er_nc_ctx(), id);
	if (!mod)
		sub = ver && *ver ? ly_ctx_get_submodule(er_nc_ctx(), id, ver) : ly_ctx_get_submodule_latest(er_nc_ctx(), id);
	if (!mod && !sub)
		return er_nc_fail1(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, "/ietf-netconf-monitoring:get-schema/identifier",
		    "no schema %s in the requested version", id);
	if ((mod ? lys_print_mem(&txt, mod, of, 0) : lys_print_submodule(NULL, sub, of, 0, 0)) != LY_SUCCESS || !txt)
		return er_nc_fail1(NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "cannot print schema %s", id);
	return er_nc_reply_any(rpc, txt, LYD_ANYDATA_STRING, NC_WD_EXPLICIT);
}

static struct nc_server_reply *
op_evaluate_now(const struct lyd_node *rpc)
{
	struct er_snapshot *snap;
	struct lyd_node *out = NULL;
	const struct lys_module *m = lyd_owner_module(rpc);
	const struct er_summary *sum;
	char b[64];

	if (er_nc_env->evaluate_now(EVALUATE_NOW_TIMEOUT_MS) < 0)
		return er_nc_fail1(NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "%s",
		    "the evaluation did not finish in time (collectors are still running)");
	snap = er_nc_env->snapshot();
	if (lyd_dup_single(rpc, NULL, 0, &out) != LY_SUCCESS) {
		er_snapshot_unref(snap);
		return er_nc_fail1(NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "%s", "cannot build the reply");
	}
	sum = &snap->overall;
	lyd_new_term(out, m, "readiness", er_readiness_name(sum->readiness), 1, NULL);
	lyd_new_term(out, m, "last-evaluation", er_time_str(snap->evaluated_at, b, sizeof(b)), 1, NULL);
	snprintf(b, sizeof(b), "%u", sum->count[ER_PASS]);
	lyd_new_term(out, m, "checks-pass", b, 1, NULL);
	snprintf(b, sizeof(b), "%u", sum->count[ER_WARN]);
	lyd_new_term(out, m, "checks-warn", b, 1, NULL);
	snprintf(b, sizeof(b), "%u", sum->count[ER_FAIL]);
	lyd_new_term(out, m, "checks-fail", b, 1, NULL);
	snprintf(b, sizeof(b), "%u", sum->count[ER_UNKNOWN]);
	lyd_new_term(out, m, "checks-unknown", b, 1, NULL);
	er_snapshot_unref(snap);
	return nc_server_reply_data(out, NC_WD_EXPLICIT, NC_PARAMTYPE_FREE);
}

/* ------------------------------------------------------------------ */
/* notifications (RFC 5277) */

static struct nc_server_reply *
op_subscribe(const struct lyd_node *rpc, struct er_nc_sess *ss)
{
	struct er_nc_errs errs = { NULL, 0 };
	const char *stream = er_lyd_value(rpc, "stream"), *start = er_lyd_value(rpc, "startTime"),
		   *stop = er_lyd_value(rpc, "stopTime");
	long long start_us = 0, stop_us = 0, now = er_nc_now_real_us();
	struct er_nc_filter f = { false, NULL, 0 };

	if (ss->subscribed)
		return er_nc_fail1(NC_ERR_IN_USE, NC_ERR_TYPE_PROT, NULL, "%s", "this session already has a subscription");
	if (stream && strcmp(stream, "NETCONF"))
		return er_nc_fail1(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, "/notifications:create-subscription/stream",
		    "no stream %s (the one stream is NETCONF)", stream);
	if (start && er_nc_time_parse(start, &start_us) < 0)
		return er_nc_fail1(NC_ERR_BAD_ELEM, NC_ERR_TYPE_PROT, NULL, "startTime %s is not a date-and-time", start);
	if (stop && er_nc_time_parse(stop, &stop_us) < 0)
		return er_nc_fail1(NC_ERR_BAD_ELEM, NC_ERR_TYPE_PROT, NULL, "stopTime %s is not a date-and-time", stop);
	if (stop && !start)
		return er_nc_missing1("startTime", "stopTime needs startTime (RFC 5277 2.1.1)");
	if (start && start_us > now)
		return er_nc_fail1(NC_ERR_BAD_ELEM, NC_ERR_TYPE_PROT, NULL, "startTime %s is in the future", start);
	if (stop && stop_us < start_us)
		return er_nc_fail1(NC_ERR_BAD_ELEM, NC_ERR_TYPE_PROT, NULL, "stopTime %s is earlier than startTime", stop);
	if (er_nc_filter_parse(er_nc_ctx(), er_lyd_child(rpc, "filter"), &f, &errs) < 0)
		return er_nc_fail(&errs);
	er_nc_filter_clear(&ss->filter);
	ss->filter = f;
	ss->replay_end = er_nc_log_next_seq(er_nc_events);
	ss->cursor = start ? er_nc_log_seek(er_nc_events, start_us) : ss->replay_end;
	ss->replaying = start != NULL;
	ss->stop_us = stop ? stop_us : 0;
	ss->subscribed = true;
	nc_session_inc_notif_status(ss->s);
	er_nc_sess_wake(ss); /* deliver after this reply */
	return nc_server_reply_ok();
}

static int
send_marker(struct er_nc_sess *ss, const char *name)
{
	const struct lys_module *m = ly_ctx_get_module_implemented(er_nc_ctx(), "nc-notifications");
	struct lyd_node *n = NULL;

	if (!m || lyd_new_inner(NULL, m, name, 0, &n) != LY_SUCCESS)
		return -1;
	return er_nc_send_notif(ss, n, er_nc_now_real_us());
}

static int
sub_end(struct er_nc_sess *ss)
{
	/* libnetconf2 sends notifications only while the session's notif status is set: the marker first */
	int rc = send_marker(ss, "notificationComplete");

	ss->subscribed = false;
	nc_session_dec_notif_status(ss->s);
	er_nc_filter_clear(&ss->filter);
	return rc;
}

static int
deliver(struct er_nc_sess *ss, const struct er_nacm *nacm)
{
	struct er_nc_entry e;

	while (ss->subscribed) {
		if (ss->replaying && ss->cursor >= ss->replay_end) {
			ss->replaying = false;
			if (send_marker(ss, "replayComplete") < 0)
				return -1;
			continue;
		}
		if (er_nc_log_get(er_nc_events, ss->cursor, &e) < 0)
			break;
		ss->cursor = e.seq + 1;
		if (ss->stop_us && e.time_us > ss->stop_us) {
			lyd_free_all(e.tree);
			if (ss->replaying) {
				ss->replaying = false;
				if (send_marker(ss, "replayComplete") < 0)
					return -1;
			}
			return sub_end(ss);
		}
		if (!er_nc_filter_match(&ss->filter, e.tree)) {
			lyd_free_all(e.tree);
			continue;
		}
		/* RFC 8341 3.4.6: an event type the user may not read is dropped, and counted */
		if (!er_nacm_notif_allowed(nacm, e.tree ? e.tree->schema : NULL)) {
			er_nacm_count(ER_NACM_DENIED_NOTIFICATION);
			lyd_free_all(e.tree);
			continue;
		}
		er_nacm_prune_children(nacm, e.tree);
		if (er_nc_send_notif(ss, e.tree, e.time_us) < 0)
			return -1;
	}
	if (ss->subscribed && !ss->replaying && ss->stop_us && er_nc_now_real_us() >= ss->stop_us)
		return sub_end(ss);
	return 0;
}

int
er_nc_ops_deliver(struct er_nc_sess *ss)
{
	/* the rules as they are when the notifications go out, not when the subscription began */
	struct er_nacm *nacm = sess_nacm(ss);
	int rc = deliver(ss, nacm);

	er_nacm_free(nacm);
	return rc;
}

uint64_t
er_nc_ops_sub_deadline(const struct er_nc_sess *ss)
{
	long long left;

	if (!ss->subscribed || !ss->stop_us)
		return UINT64_MAX;
	left = ss->stop_us - er_nc_now_real_us();
	return er_nc_now_ms() + (left > 0 ? (uint64_t)(left / 1000) + 1 : 0);
}

/* ------------------------------------------------------------------ */

static struct nc_server_reply *
dispatch_op(struct lyd_node *rpc, struct er_nc_sess *ss, uint32_t sid)
{
	const char *mod = lyd_owner_module(rpc)->name, *op = LYD_NAME(rpc);

	if (!strcmp(mod, "ietf-netconf")) {
		if (!strcmp(op, "get"))
			return er_nc_op_get(ss, rpc, false);
		if (!strcmp(op, "get-config"))
			return er_nc_op_get(ss, rpc, true);
		if (!strcmp(op, "edit-config"))
			return op_edit_config(rpc, sid, ss->nacm);
		if (!strcmp(op, "copy-config"))
			return op_copy_config(rpc, sid, ss->nacm);
		if (!strcmp(op, "delete-config"))
			return op_delete_config(rpc, sid, ss->nacm);
		if (!strcmp(op, "lock"))
			return er_nc_op_lock(rpc, sid, true);
		if (!strcmp(op, "unlock"))
			return er_nc_op_lock(rpc, sid, false);
		if (!strcmp(op, "validate"))
			return op_validate(rpc);
		if (!strcmp(op, "commit"))
			return op_commit(rpc, sid, ss->nacm);
		if (!strcmp(op, "discard-changes"))
			return er_nc_op_discard(sid);
		if (!strcmp(op, "cancel-commit"))
			return op_cancel_commit(rpc, sid);
		if (!strcmp(op, "kill-session"))
			return op_kill_session(rpc, sid);
	} else if (!strcmp(mod, "ietf-netconf-monitoring") && !strcmp(op, "get-schema")) {
		return op_get_schema(rpc);
	} else if (!strcmp(mod, "notifications") && !strcmp(op, "create-subscription")) {
		return op_subscribe(rpc, ss);
	} else if (!strcmp(mod, ER_YANG_MODULE) && !strcmp(op, "evaluate-now")) {
		return op_evaluate_now(rpc);
	}
	return er_nc_fail1(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, "operation %s is not supported", op);
}

struct nc_server_reply *
er_nc_dispatch(struct lyd_node *rpc, struct nc_session *s)
{
	struct er_nc_sess *ss = er_nc_sess_of(s);
	struct nc_server_reply *reply;
	uint32_t sid = nc_session_get_id(s);

	if (!ss)
		return er_nc_fail1(NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "%s", "session not ready");
	er_nc_who_set("NETCONF user \"%s\" session %u (%s%s%s)", ss->user, sid,
	    ss->unix_transport ? "UNIX socket" : "SSH", ss->host[0] ? " from " : "", ss->host);
	/* RFC 8341 3.4.4: exec access first, from the rules as they are now (an edit of /nacm counts at once) */
	ss->nacm = sess_nacm(ss);
	if (!er_nacm_rpc_allowed(ss->nacm, rpc->schema)) {
		er_nacm_count(ER_NACM_DENIED_OPERATION);
		reply = er_nc_fail1(NC_ERR_ACCESS_DENIED, NC_ERR_TYPE_PROT, NULL,
		    "access denied: user \"%s\" may not execute %s:%s (NACM, RFC 8341)", ss->user,
		    lyd_owner_module(rpc)->name, LYD_NAME(rpc));
	} else
		reply = dispatch_op(rpc, ss, sid);
	er_nacm_free(ss->nacm);
	ss->nacm = NULL;
	return reply;
}

int
er_nc_ops_init(const struct er_config *cfg, char *err, size_t errlen)
{
	(void)cfg;
	(void)err;
	(void)errlen;
	memset(&O, 0, sizeof(O));
	er_nacm_counters_reset();
	er_nc_get_init();
	if (asprintf(&O.cc_path, "%s/confirmed-commit", er_nc_env->state_dir) < 0)
		fatalx("out of memory");
	cc_restore();
	return 0;
}

void
er_nc_ops_fini(void)
{
	/* A pending confirmed commit stays in its file: the next start rolls it back or restores it. */
	lyd_free_all(O.cc_rollback);
	free(O.cc_persist);
	free(O.cc_path);
	er_nc_ds_fini();
	er_nc_get_fini();
	memset(&O, 0, sizeof(O));
}

void
er_nc_ops_session_end(struct er_nc_sess *ss)
{
	er_nc_ds_session_end(ss->id);
	if (O.cc && !O.cc_persist && O.cc_sid == ss->id)
		cc_rollback("the session that made it ended");
}

void
er_nc_ops_timeout(int *timeout_ms, uint64_t now_ms)
{
	int t;

	if (!O.cc)
		return;
	t = O.cc_deadline_ms <= now_ms ? 0 : (int)(O.cc_deadline_ms - now_ms > 3600000 ? 3600000 : O.cc_deadline_ms - now_ms);
	if (*timeout_ms < 0 || t < *timeout_ms)
		*timeout_ms = t;
}

void
er_nc_ops_process(uint64_t now_ms)
{
	if (O.cc && now_ms >= O.cc_deadline_ms)
		cc_rollback("confirm-timeout passed");
	er_nc_get_expire();
}

bool
er_nc_ops_confirm_pending(uint64_t *left_s)
{
	if (O.cc && left_s)
		*left_s = cc_left_s();
	return O.cc;
}

const struct er_nc_ops er_nc_operations = {
	.init = er_nc_ops_init,
	.fini = er_nc_ops_fini,
	.dispatch = er_nc_dispatch,
	.deliver = er_nc_ops_deliver,
	.sub_deadline = er_nc_ops_sub_deadline,
	.session_end = er_nc_ops_session_end,
	.timeout = er_nc_ops_timeout,
	.process = er_nc_ops_process,
	.lock_holder = er_nc_ops_lock_holder,
	.confirm_pending = er_nc_ops_confirm_pending,
};
