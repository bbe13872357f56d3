#include "agentx_glue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentx.h"
#include "alerts.h"
#include "log.h"
#include "snmp_agent.h"
#include "snmp_mib.h"
#include "snmp_notif.h"
#include "snmp_set.h"
#include "util.h"

struct er_agentx {
	struct ax_session *ax;
	const struct er_mib *mib;
	struct er_alerts *alerts;
	struct er_snmp_set *set;
	struct er_event inflight; /* the Notify the master has not answered yet */
	bool has_inflight;
	struct er_mib_value v;   /* one value at a time: no allocation per request */
};

static const uint32_t root[] = { ER_MIB_ROOT };

static void
put_value(struct ax_buf *b, const uint32_t *name, size_t n, const struct er_mib_value *v)
{
	switch (v->type) {
	case ER_MIB_INTEGER:
		ax_put_vb_num(b, name, n, AX_V_INTEGER, (uint64_t)v->num);
		break;
	case ER_MIB_GAUGE:
		ax_put_vb_num(b, name, n, AX_V_GAUGE32, (uint64_t)v->num);
		break;
	case ER_MIB_COUNTER64:
		ax_put_vb_num(b, name, n, AX_V_COUNTER64, (uint64_t)v->num);
		break;
	case ER_MIB_OCTETS:
		ax_put_vb_octets(b, name, n, AX_V_OCTETS, v->len ? v->octets : "", v->len);
		break;
	}
}

static void
op_get(void *arg, const uint32_t *name, size_t n, struct ax_buf *b)
{
	struct er_agentx *x = arg;

	switch (x->mib ? er_mib_get(x->mib, name, n, &x->v) : ER_MIB_NO_INSTANCE) {
	case ER_MIB_FOUND:
		put_value(b, name, n, &x->v);
		break;
	case ER_MIB_NO_OBJECT:
		ax_put_vb_none(b, name, n, AX_V_NOSUCHOBJECT);
		break;
	default:
		ax_put_vb_none(b, name, n, AX_V_NOSUCHINSTANCE);
		break;
	}
}

static bool
op_next(void *arg, const uint32_t *start, size_t n, bool include, const struct ax_oid *end, struct ax_buf *b,
    uint32_t *out, size_t *outn)
{
	struct er_agentx *x = arg;

	if (!x->mib || er_mib_next(x->mib, start, n, include, out, outn, &x->v) != ER_MIB_FOUND)
		return false;
	if (end->n && er_mib_oid_cmp(out, *outn, end->sub, end->n) >= 0)
		return false; /* past the range the master asked about */
	put_value(b, out, *outn, &x->v);
	return true;
}

static void
to_set_vb(const struct ax_vb *a, struct er_snmp_set_vb *s)
{
	s->name = a->name.sub;
	s->len = a->name.n;
	s->type = (uint8_t)(a->type > 0xff ? 0 : a->type);
	s->int_sized = a->type == AX_V_INTEGER || a->type == AX_V_GAUGE32 || a->type == AX_V_COUNTER32 ||
	               a->type == AX_V_TIMETICKS;
	s->value = a->type == AX_V_INTEGER ? (long)(int64_t)a->num : (long)(a->num & 0xffffffffu);
}

static unsigned
op_test_set(void *arg, const struct ax_vb *vbs, size_t n, unsigned *index)
{
	struct er_agentx *x = arg;
	struct er_snmp_set_vb *sv = xcalloc(n ? n : 1, sizeof(*sv));
	size_t i, bad = 0;
	int rc = ER_SNMP_NOERROR;

	er_snmp_set_reset(x->set);
	for (i = 0; i < n; i++) {
		to_set_vb(&vbs[i], &sv[i]);
		if (!x->mib) {
			rc = ER_SNMP_GENERR;
			break;
		}
		if ((rc = er_snmp_set_check(x->mib, &sv[i])) != ER_SNMP_NOERROR)
			break;
	}
	if (rc == ER_SNMP_NOERROR) {
		rc = er_snmp_set_prepare(x->set, x->mib, sv, n, &bad);
		i = bad;
	}
	free(sv);
	*index = (unsigned)i + 1;
	return (unsigned)rc;
}

static unsigned
op_commit_set(void *arg)
{
	struct er_agentx *x = arg;

	/* the master authenticated the request; AgentX tells us neither who nor from where */
	return (unsigned)er_snmp_set_apply(x->set, "SNMP SET through the AgentX master");
}

static unsigned
op_undo_set(void *arg)
{
	struct er_agentx *x = arg;
	int rc = er_snmp_set_undo(x->set);

	er_snmp_set_reset(x->set);
	return (unsigned)rc;
}

static void
op_cleanup_set(void *arg)
{
	struct er_agentx *x = arg;

	er_snmp_set_reset(x->set);
}

static void
op_state(void *arg, bool ready)
{
	struct er_agentx *x = arg;

	if (ready && er_alerts_pending(x->alerts))
		log_notice("snmp: %zu notifications queued while the master was away are sent now",
		    er_alerts_pending(x->alerts));
}

static void
op_notified(void *arg, bool delivered)
{
	struct er_agentx *x = arg;

	if (!x->has_inflight)
		return;
	x->has_inflight = false;
	if (!delivered) {
		/* the master went away before answering: send it again after the re-open */
		er_alerts_unpop(x->alerts, &x->inflight);
		return;
	}
	log_info("snmp notification %s sent: %s", er_event_kind_name(x->inflight.kind), x->inflight.detail);
}

struct er_agentx *
er_agentx_new(const struct er_snmp_cfg *cfg, const struct er_snmp_env *env, struct er_alerts *alerts, char *err,
    size_t errlen)
{
	struct er_agentx *x = xcalloc(1, sizeof(*x));
	char descr[128];
	struct ax_session_cfg sc = {
		.address = cfg->agentx_socket,
		.subtree = root,
		.subtree_len = ER_MIB_ROOT_LEN,
		.descr = descr,
		.ping_ms = (uint32_t)cfg->ping_interval * 1000,
		.deadline_ms = 5000,
	};
	struct ax_ops ops = {
		.arg = x,
		.get = op_get,
		.next = op_next,
		.test_set = op_test_set,
		.commit_set = op_commit_set,
		.undo_set = op_undo_set,
		.cleanup_set = op_cleanup_set,
		.state = op_state,
		.notified = op_notified,
	};

	snprintf(descr, sizeof(descr), "erreadyd %s: EXPRESSROUTE-READINESS-MIB", ERREADY_VERSION);
	x->alerts = alerts;
	x->set = er_snmp_set_new(env);
	if (!(x->ax = ax_session_new(&sc, &ops, err, errlen))) {
		er_snmp_set_free(x->set);
		free(x);
		return NULL;
	}
	return x;
}

void
er_agentx_free(struct er_agentx *x)
{
	if (!x)
		return;
	ax_session_free(x->ax);
	er_snmp_set_free(x->set);
	free(x);
}

void
er_agentx_set_mib(struct er_agentx *x, const struct er_mib *mib)
{
	x->mib = mib;
}

bool
er_agentx_ready(const struct er_agentx *x)
{
	return ax_session_ready(x->ax);
}

void
er_agentx_pump(struct er_agentx *x, uint64_t now_ms)
{
	struct er_notif_vb vbs[ER_NOTIF_MAX_VBS];
	struct ax_buf *b;
	size_t n, i;

	while (ax_session_can_notify(x->ax) && !x->has_inflight && er_alerts_pop(x->alerts, now_ms, &x->inflight)) {
		x->has_inflight = true;
		n = er_notif_varbinds(&x->inflight, vbs);
		b = ax_session_notify_begin(x->ax);
		for (i = 0; i < n; i++) {
			const struct er_notif_vb *v = &vbs[i];
			if (v->type == AX_V_OID)
				ax_put_vb_oid(b, v->name, v->len, v->oid, v->oid_len);
			else if (v->type == AX_V_OCTETS)
				ax_put_vb_octets(b, v->name, v->len, AX_V_OCTETS, v->octets, v->olen);
			else
				ax_put_vb_num(b, v->name, v->len, v->type, (uint64_t)(int64_t)v->num);
		}
		ax_session_notify_end(x->ax, now_ms);
	}
}

size_t
er_agentx_poll_prepare(struct er_agentx *x, struct pollfd *pfd, size_t max, int *timeout_ms, uint64_t now_ms)
{
	short events = 0;
	int fd = ax_session_poll_fd(x->ax, &events);
	uint64_t next;

	ax_session_timeout(x->ax, timeout_ms, now_ms);
	if (ax_session_can_notify(x->ax) && !x->has_inflight &&
	    (next = er_alerts_next_ms(x->alerts, now_ms)) != UINT64_MAX) {
		long long ms = next > now_ms ? (long long)(next - now_ms) : 0;
		if (*timeout_ms < 0 || ms < *timeout_ms)
			*timeout_ms = (int)ms;
	}
	if (fd < 0 || !max)
		return 0;
	pfd[0].fd = fd;
	pfd[0].events = events;
	pfd[0].revents = 0;
	return 1;
}

void
er_agentx_poll_process(struct er_agentx *x, const struct pollfd *pfd, size_t n, uint64_t now_ms)
{
	ax_session_process(x->ax, n ? pfd[0].revents : 0, now_ms);
	er_agentx_pump(x, now_ms);
}
