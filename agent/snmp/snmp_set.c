#include "snmp_set.h"

#include <libyang/libyang.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_diff.h"
#include "datastore.h"
#include "log.h"
#include "nc_view.h"
#include "snmp_mib.h"
#include "util.h"

#define BER_INTEGER 0x02
#define BER_UNSIGNED 0x42

/* A SET in progress (requests are handled one at a time in the main thread). */
struct er_snmp_set {
	struct er_snmp_env env;
	struct er_ds_txn *txn;  /* prepare .. apply */
	struct lyd_node *undo;  /* running before apply, for undo */
	bool applied;
};

struct er_snmp_set *
er_snmp_set_new(const struct er_snmp_env *env)
{
	struct er_snmp_set *s = xcalloc(1, sizeof(*s));

	s->env = *env;
	return s;
}

void
er_snmp_set_reset(struct er_snmp_set *s)
{
	er_ds_txn_abort(s->txn);
	lyd_free_all(s->undo);
	s->txn = NULL;
	s->undo = NULL;
	s->applied = false;
}

void
er_snmp_set_free(struct er_snmp_set *s)
{
	if (!s)
		return;
	er_snmp_set_reset(s);
	free(s);
}

static void
xpath_quote(char *buf, size_t len, const char *s)
{
	snprintf(buf, len, strchr(s, '\'') ? "\"%s\"" : "'%s'", s);
}

int
er_snmp_set_check(const struct er_mib *m, const struct er_snmp_set_vb *vb)
{
	struct er_mib_target t;
	long v;

	er_mib_target(m, vb->name, vb->len, &t);
	if (t.what == ER_MIB_W_NONE)
		return ER_SNMP_NOTWRITABLE;
	/* RFC 3416 4.2.5: type, length and value come before noCreation */
	if (vb->type != (t.what == ER_MIB_W_MAINTENANCE ? BER_INTEGER : BER_UNSIGNED))
		return ER_SNMP_WRONGTYPE;
	if (!vb->int_sized)
		return ER_SNMP_WRONGLENGTH;
	v = vb->value;
	if ((t.what == ER_MIB_W_POLL_INTERVAL && (v < 5 || v > 86400)) ||
	    (t.what == ER_MIB_W_MAINTENANCE && v != 1 && v != 2) || (t.what == ER_MIB_W_LIMIT_WARN && (v < 1 || v > 100)))
		return ER_SNMP_WRONGVALUE;
	return t.exists ? ER_SNMP_NOERROR : ER_SNMP_NOCREATION;
}

int
er_snmp_set_prepare(struct er_snmp_set *s, const struct er_mib *m, const struct er_snmp_set_vb *vbs, size_t n,
    size_t *bad)
{
	char err[ER_ERRLEN], xp[256], q[80], val[16];
	uint32_t holder;
	uint64_t left;
	size_t i;

	er_snmp_set_reset(s);
	*bad = 0;
	/* one datastore: a NETCONF session's lock on running holds against SNMP too (RFC 6241 7.5) */
	if ((holder = er_nc_running_lock_holder())) {
		log_warnx("snmp set refused: running is locked by NETCONF session %u", holder);
		return ER_SNMP_RESOURCEUNAVAILABLE;
	}
	/*
	 * Nor is running written while a NETCONF confirmed commit is pending:
	 * its rollback restores the config from before it, which would undo an
	 * acknowledged SET in running while the file kept it (see nc_view.h).
	 */
	if (er_nc_confirm_pending(&left)) {
		log_warnx("snmp set refused: a NETCONF confirmed commit is pending (rolled back in %llu s unless "
			  "confirmed); running changes only through it until it is confirmed or cancelled",
		    (unsigned long long)left);
		return ER_SNMP_RESOURCEUNAVAILABLE;
	}
	s->txn = er_ds_txn_begin(s->env.ds);
	for (i = 0; i < n; i++) {
		struct er_mib_target t;
		long v = vbs[i].value;

		*bad = i;
		er_mib_target(m, vbs[i].name, vbs[i].len, &t);
		if (!t.exists) /* the row went away since the check */
			return ER_SNMP_NOCREATION;
		xpath_quote(q, sizeof(q), t.circuit);
		switch (t.what) {
		case ER_MIB_W_POLL_INTERVAL:
			snprintf(xp, sizeof(xp), "/%s:expressroute/agent/poll-interval", ER_YANG_MODULE);
			snprintf(val, sizeof(val), "%ld", v);
			break;
		case ER_MIB_W_MAINTENANCE:
			snprintf(xp, sizeof(xp), "/%s:expressroute/circuit[name=%s]/maintenance", ER_YANG_MODULE, q);
			snprintf(val, sizeof(val), "%s", v == 1 ? "true" : "false");
			break;
		case ER_MIB_W_LIMIT_WARN:
			snprintf(xp, sizeof(xp), "/%s:expressroute/circuit[name=%s]/peering[type='%s']/prefix-limit-warning",
			    ER_YANG_MODULE, q, er_peering_name((enum er_peering_type)t.peering));
			snprintf(val, sizeof(val), "%ld", v);
			break;
		default:
			return ER_SNMP_NOTWRITABLE;
		}
		if (er_ds_txn_set(s->txn, xp, val, err, sizeof(err)) < 0) {
			log_warnx("snmp set %s = %s refused: %s", xp, val, err);
			return ER_SNMP_INCONSISTENTVALUE;
		}
	}
	*bad = 0;
	if (er_ds_txn_validate(s->txn, err, sizeof(err)) < 0) {
		log_warnx("snmp set refused: %s", err);
		return ER_SNMP_INCONSISTENTVALUE;
	}
	return ER_SNMP_NOERROR;
}

static int
save_running(const struct er_snmp_set *s, char *err, size_t errlen)
{
	if (!s->env.config_path)
		return 0;
	return er_ds_save(s->env.ds, s->env.config_path, err, errlen);
}

int
er_snmp_set_apply(struct er_snmp_set *s, const char *who)
{
	char err[ER_ERRLEN];
	const struct lyd_node *run = er_ds_running(s->env.ds);

	if (!s->txn)
		return ER_SNMP_NOERROR; /* no varbind of ours */
	/*
	 * Behind an AgentX master the check and the apply are separate PDUs, so
	 * the agent lock was free in between: a NETCONF lock or confirmed
	 * commit taken since then holds here too.
	 */
	if (er_nc_running_lock_holder() || er_nc_confirm_pending(NULL)) {
		log_warnx("snmp set refused: NETCONF locked running or made a confirmed commit since the SET "
			  "was checked");
		er_ds_txn_abort(s->txn);
		s->txn = NULL;
		return ER_SNMP_COMMITFAILED;
	}
	if (run && lyd_dup_siblings(run, NULL, LYD_DUP_RECURSIVE, &s->undo) != LY_SUCCESS)
		return ER_SNMP_COMMITFAILED;
	if (er_ds_txn_commit(s->txn, err, sizeof(err)) < 0) {
		s->txn = NULL;
		log_warnx("snmp set refused: %s", err);
		return ER_SNMP_COMMITFAILED;
	}
	s->txn = NULL;
	s->applied = true;
	/* evaluate now: the master may never send the CleanupSet that ends this SET */
	if (s->env.config_changed)
		s->env.config_changed(s->env.arg);
	if (save_running(s, err, sizeof(err)) < 0) {
		log_warnx("snmp set not saved, undoing it: %s", err);
		return ER_SNMP_COMMITFAILED;
	}
	er_config_log_change(who, s->undo, er_ds_running(s->env.ds));
	log_debug("snmp set applied and saved (config generation %lu)", er_ds_generation(s->env.ds));
	return ER_SNMP_NOERROR;
}

int
er_snmp_set_undo(struct er_snmp_set *s)
{
	char err[ER_ERRLEN];
	int rc;
	struct er_ds_txn *txn;
	struct lyd_node **tree;

	if (!s->applied)
		return ER_SNMP_NOERROR;
	txn = er_ds_txn_begin(s->env.ds);
	tree = er_ds_txn_tree(txn);
	lyd_free_all(*tree);
	*tree = s->undo;
	s->undo = NULL;
	s->applied = false;
	rc = er_ds_txn_commit(txn, err, sizeof(err));
	if (s->env.config_changed)
		s->env.config_changed(s->env.arg);
	if (rc < 0 || save_running(s, err, sizeof(err)) < 0) {
		log_warnx("snmp set undo failed: %s", err);
		return ER_SNMP_UNDOFAILED;
	}
	log_notice("config changed by SNMP SET undo: the SET's changes are reverted");
	return ER_SNMP_NOERROR;
}
