#include "snmp_agent.h"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/agent/agent_callbacks.h>
#include <net-snmp/library/large_fd_set.h>

#include <arpa/inet.h>
#include <errno.h>
#include <libyang/libyang.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "alerts.h"
#include "config_diff.h"
#include "datastore.h"
#include "log.h"
#include "nc_view.h"
#include "agentx_glue.h"
#include "snmp_mib.h"
#include "snmp_notif.h"
#include "snmp_set.h"
#include "util.h"

#define APP "erreadyd"

/* Net-SNMP's SNMPv2-MIB system group (libnetsnmpmibs), for the embedded master. */
void init_system_mib(void);

static const oid root_oid[] = { ER_MIB_ROOT };

static struct {
	bool started;
	bool subagent;
	bool connected;
	struct er_snmp_env env;
	struct er_mib *mib;
	struct er_alerts *alerts;
	struct er_snmp_set *set;   /* embedded master: the SET in progress */
	struct er_agentx *agentx;  /* subagent: our own AgentX session */
	netsnmp_large_fd_set fds;
	int numfds;
	uint64_t sent_while_away_logged;
	char last_log[512]; /* Net-SNMP's last message */
	u_int usm_seen[3];  /* usm_failures' counters at the last look */
	/* tooBig answers: logged once a minute with a count (a client may send them in a loop) */
	unsigned long long toobig_logged_ms;
	unsigned long toobig_since;
	bool vb_dump; /* Net-SNMP is listing the varbinds of a response it could not send */
} S;

/* ---- logging: Net-SNMP's messages through ours ---- */

static int
log_cb(int major, int minor, void *server_arg, void *client_arg)
{
	const struct snmp_log_message *m = server_arg;
	char buf[512];
	size_t n;

	(void)major;
	(void)minor;
	(void)client_arg;
	snprintf(buf, sizeof(buf), "%s", m->msg ? m->msg : "");
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (!n)
		return 0;
	/*
 * After "send response: ..." Net-SNMP logs every varbind of the
	 * response, one line each: thousands for a large request. One stands
	 * for all.
	 */
	if (!strncmp(buf, "    -- ", 7)) {
		if (S.vb_dump)
			return 0;
		S.vb_dump = true;
		log_warnx("snmp: %s (and the response's other varbinds)", buf);
		return 0;
	}
	S.vb_dump = false;
	/*
	 * The same message again (the subagent's "Failed to connect to the
	 * agentx master agent" every ping interval while snmpd is away) is
	 * news only once: repeats go to debug. Main thread only.
	 */
	if (!strcmp(buf, S.last_log)) {
		log_debug("snmp: %s", buf);
		return 0;
	}
	snprintf(S.last_log, sizeof(S.last_log), "%s", buf);
	/* Net-SNMP's info is per request ("Connection from UDP: ..."): debug detail */
	log_msg(m->priority <= LOG_ERR ? ER_LOG_ERR : m->priority == LOG_WARNING ? ER_LOG_WARN :
	    m->priority == LOG_NOTICE ? ER_LOG_NOTICE : ER_LOG_DEBUG, "snmp: %s", buf);
	return 0;
}

/* ---- answering ---- */

static size_t
to_u32(const oid *name, size_t len, uint32_t *out)
{
	size_t i;

	if (len > ER_MIB_MAX_OID)
		len = ER_MIB_MAX_OID;
	for (i = 0; i < len; i++)
		out[i] = name[i] > UINT32_MAX ? UINT32_MAX : (uint32_t)name[i];
	return len;
}

static void
set_value(netsnmp_variable_list *vb, const struct er_mib_value *v)
{
	long l;
	struct counter64 c;

	switch (v->type) {
	case ER_MIB_INTEGER:
	case ER_MIB_GAUGE:
		l = (long)v->num;
		snmp_set_var_typed_value(vb, (u_char)v->type, &l, sizeof(l));
		break;
	case ER_MIB_COUNTER64:
		c.high = (u_long)((uint64_t)v->num >> 32);
		c.low = (u_long)((uint64_t)v->num & 0xffffffffu);
		snmp_set_var_typed_value(vb, ASN_COUNTER64, &c, sizeof(c));
		break;
	case ER_MIB_OCTETS:
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, v->len ? v->octets : "", v->len);
		break;
	}
}

static void
answer_get(netsnmp_agent_request_info *reqinfo, netsnmp_request_info *req)
{
	uint32_t name[ER_MIB_MAX_OID];
	size_t len = to_u32(req->requestvb->name, req->requestvb->name_length, name);
	struct er_mib_value *v = malloc(sizeof(*v));

	if (!v) {
		netsnmp_set_request_error(reqinfo, req, SNMP_ERR_GENERR);
		return;
	}
	switch (S.mib ? er_mib_get(S.mib, name, len, v) : ER_MIB_NO_INSTANCE) {
	case ER_MIB_FOUND:
		set_value(req->requestvb, v);
		break;
	case ER_MIB_NO_OBJECT:
		netsnmp_set_request_error(reqinfo, req, SNMP_NOSUCHOBJECT);
		break;
	default:
		netsnmp_set_request_error(reqinfo, req, SNMP_NOSUCHINSTANCE);
		break;
	}
	free(v);
}

static void
answer_next(netsnmp_request_info *req, struct er_mib_value *v)
{
	uint32_t name[ER_MIB_MAX_OID], out[ER_MIB_MAX_OID];
	oid o[ER_MIB_MAX_OID];
	size_t len = to_u32(req->requestvb->name, req->requestvb->name_length, name), outlen = 0, i;

	if (!S.mib || er_mib_next(S.mib, name, len, req->inclusive != 0, out, &outlen, v) != ER_MIB_FOUND)
		return; /* nothing more here: the agent moves on (endOfMibView past the last subtree) */
	for (i = 0; i < outlen; i++)
		o[i] = out[i];
	snmp_set_var_objid(req->requestvb, o, outlen);
	set_value(req->requestvb, v);
}

/* ---- responses too large to send (RFC 3416 4.2.1) ---- */

/* The largest SNMP message over UDP (IPv4: 65535 - 8 UDP - 20 IP), our local constraint. */
#define SNMP_MAX_UDP 65507
/* Room for the message around the varbinds: version, community or USM parameters, PDU header. */
#define SNMP_OVERHEAD 600

static size_t
ber_tlv(size_t n)
{
	return 1 + (n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x1000000 ? 4 : 5) + n;
}

static size_t
ber_oid(const oid *o, size_t n)
{
	size_t b = 1, i;

	for (i = 2; i < n; i++) {
		unsigned long long x = o[i];
		b++;
		while (x >>= 7)
			b++;
	}
	return b;
}

/* What the varbinds of @p vars take in BER, at most (integers counted at their longest). */
static size_t
ber_varbinds(const netsnmp_variable_list *vars)
{
	size_t total = 0;

	for (; vars; vars = vars->next_variable) {
		size_t val;
		switch (vars->type) {
		case ASN_OCTET_STR:
		case ASN_OPAQUE:
		case ASN_IPADDRESS:
			val = vars->val_len;
			break;
		case ASN_OBJECT_ID:
			val = ber_oid(vars->val.objid, vars->val_len / sizeof(oid));
			break;
		case ASN_COUNTER64:
			val = 9;
			break;
		case ASN_NULL:
		case SNMP_NOSUCHOBJECT:
		case SNMP_NOSUCHINSTANCE:
		case SNMP_ENDOFMIBVIEW:
			val = 0;
			break;
		default:
			val = 5;
		}
		total += ber_tlv(ber_tlv(ber_oid(vars->name, vars->name_length)) + ber_tlv(val));
	}
	return ber_tlv(total);
}

/*
 * RFC 3416 4.2.1: a response larger than the originator's maximum message
 * size or a local constraint is replaced by one with error-status tooBig,
 * error-index zero and no varbinds. Net-SNMP 5.9.3 instead fails in
 * sendto(), sends nothing and logs every varbind. Checked once our
 * varbinds have their values; the embedded master only (as an AgentX
 * subagent the master builds the message). True if the answer is tooBig.
 */
static bool
answer_too_big(netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	netsnmp_agent_session *asp = reqinfo->asp;
	size_t limit = SNMP_MAX_UDP, size, n = 0;
	unsigned long long now;
	char peer[128] = "";

	if (S.subagent || !asp || !asp->pdu || asp->pdu->command == SNMP_MSG_GETBULK)
		return false; /* GETBULK: the agent fits what it can (RFC 3416 4.2.3) */
	if (asp->pdu->version == SNMP_VERSION_3 && asp->pdu->msgMaxSize > 0 && (size_t)asp->pdu->msgMaxSize < limit)
		limit = (size_t)asp->pdu->msgMaxSize;
	size = ber_varbinds(asp->pdu->variables) + SNMP_OVERHEAD;
	if (size <= limit)
		return false;
	for (const netsnmp_variable_list *v = asp->pdu->variables; v; v = v->next_variable)
		n++;
	if (asp->orig_pdu) {
		/* the agent answers an error with its copy of the request: an empty one */
		snmp_free_varbind(asp->orig_pdu->variables);
		asp->orig_pdu->variables = NULL;
	}
	/*
	 * The agent takes error-index from the erring request's index: 0 there
	 * gives the error-index zero the RFC asks for (index only names the
	 * varbind in error reports).
	 */
	netsnmp_set_request_error(reqinfo, requests, SNMP_ERR_TOOBIG);
	requests->index = 0;
	asp->index = 0;
	S.toobig_since++;
	now = er_now_ms();
	if (!S.toobig_logged_ms || now - S.toobig_logged_ms >= 60000) {
		netsnmp_transport *t = asp->session ? snmp_sess_transport(snmp_sess_pointer(asp->session)) : NULL;
		if (t && t->f_fmtaddr) {
			char *a = t->f_fmtaddr(t, asp->pdu->transport_data, asp->pdu->transport_data_length);
			snprintf(peer, sizeof(peer), " from %s", a ? a : "?");
			free(a);
		}
		log_warnx("snmp: a request%s for %zu varbinds would need a response of about %zu bytes, over %zu: "
			  "answered tooBig (RFC 3416 4.2.1); %lu such since this was last logged, at most once a minute",
		    peer, n, size, limit, S.toobig_since);
		S.toobig_logged_ms = now;
		S.toobig_since = 0;
	}
	return true;
}

/* ---- SET (the phases are snmp_set.c's) ---- */

static void
to_set_vb(const netsnmp_variable_list *vb, uint32_t *name, struct er_snmp_set_vb *sv)
{
	sv->name = name;
	sv->len = to_u32(vb->name, vb->name_length, name);
	sv->type = vb->type;
	sv->int_sized = vb->val_len == sizeof(long);
	sv->value = sv->int_sized ? *vb->val.integer : 0;
}

/* RESERVE2: every varbind of ours in one datastore edit, validated. */
static void
reserve2(netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	netsnmp_request_info *r, **of;
	struct er_snmp_set_vb *sv;
	uint32_t (*names)[ER_MIB_MAX_OID];
	size_t n = 0, bad = 0;
	int rc;

	for (r = requests; r; r = r->next)
		n += !r->processed;
	sv = xcalloc(n ? n : 1, sizeof(*sv));
	names = xcalloc(n ? n : 1, sizeof(*names));
	of = xcalloc(n ? n : 1, sizeof(*of));
	n = 0;
	for (r = requests; r; r = r->next) {
		if (r->processed)
			continue;
		to_set_vb(r->requestvb, names[n], &sv[n]);
		of[n++] = r;
	}
	if ((rc = er_snmp_set_prepare(S.set, S.mib, sv, n, &bad)) != SNMP_ERR_NOERROR)
		netsnmp_set_request_error(reqinfo, n ? of[bad] : requests, rc);
	free(sv);
	free(names);
	free(of);
}

/*
 * Who sent a SET, for the log: the v3 user, or that it was a v2c community
 * (never the community itself, it is the password), and from where.
 */
static void
set_who(const netsnmp_agent_request_info *reqinfo, char *buf, size_t len)
{
	const netsnmp_pdu *pdu = reqinfo && reqinfo->asp ? reqinfo->asp->pdu : NULL;
	netsnmp_transport *t;
	char *peer = NULL;

	if (!pdu) {
		snprintf(buf, len, "SNMP SET (no request information)");
		return;
	}
	if (reqinfo->asp->session && (t = snmp_sess_transport(snmp_sess_pointer(reqinfo->asp->session))))
		peer = netsnmp_transport_peer_string(t, pdu->transport_data, pdu->transport_data_length);
	if (pdu->version == SNMP_VERSION_3)
		snprintf(buf, len, "SNMP SET of v3 user \"%.*s\" from %s", (int)pdu->securityNameLen,
		    pdu->securityName ? pdu->securityName : "", peer ? peer : "?");
	else
		snprintf(buf, len, "SNMP SET of a v%s community from %s", pdu->version == SNMP_VERSION_1 ? "1" : "2c",
		    peer ? peer : "?");
	free(peer);
}

static int
handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg, netsnmp_agent_request_info *reqinfo,
    netsnmp_request_info *requests)
{
	netsnmp_request_info *r;
	struct er_mib_value *v;
	char who[256];
	int rc;

	(void)h;
	(void)reg;
	switch (reqinfo->mode) {
	case MODE_GET:
		for (r = requests; r; r = r->next)
			if (!r->processed)
				answer_get(reqinfo, r);
		answer_too_big(reqinfo, requests);
		break;
	case MODE_GETNEXT:
		if (!(v = malloc(sizeof(*v))))
			return SNMP_ERR_GENERR;
		for (r = requests; r; r = r->next)
			if (!r->processed)
				answer_next(r, v);
		free(v);
		answer_too_big(reqinfo, requests);
		break;
	case MODE_SET_RESERVE1:
		for (r = requests; r; r = r->next) {
			struct er_snmp_set_vb sv;
			uint32_t name[ER_MIB_MAX_OID];

			if (r->processed)
				continue;
			to_set_vb(r->requestvb, name, &sv);
			if ((rc = er_snmp_set_check(S.mib, &sv)) != SNMP_ERR_NOERROR) {
				netsnmp_set_request_error(reqinfo, r, rc);
				break;
			}
		}
		break;
	case MODE_SET_RESERVE2:
		reserve2(reqinfo, requests);
		break;
	case MODE_SET_ACTION:
		set_who(reqinfo, who, sizeof(who));
		if ((rc = er_snmp_set_apply(S.set, who)) != SNMP_ERR_NOERROR)
			netsnmp_set_request_error(reqinfo, requests, rc);
		break;
	case MODE_SET_COMMIT:
		er_snmp_set_reset(S.set);
		break;
	case MODE_SET_UNDO:
		if ((rc = er_snmp_set_undo(S.set)) != SNMP_ERR_NOERROR)
			netsnmp_set_request_error(reqinfo, requests, rc);
		er_snmp_set_reset(S.set);
		break;
	case MODE_SET_FREE:
		er_snmp_set_reset(S.set);
		break;
	default:
		return SNMP_ERR_GENERR;
	}
	return SNMP_ERR_NOERROR;
}

/* ---- notifications ---- */

static void
send_trap(const struct er_event *e)
{
	struct er_notif_vb vbs[ER_NOTIF_MAX_VBS];
	netsnmp_variable_list *vars = NULL;
	size_t n = er_notif_varbinds(e, vbs), i, k;

	for (i = 0; i < n; i++) {
		const struct er_notif_vb *v = &vbs[i];
		oid name[ER_NOTIF_OID_MAX], o[ER_NOTIF_OID_MAX];
		long num = v->num;

		for (k = 0; k < v->len; k++)
			name[k] = v->name[k];
		if (v->type == ASN_OBJECT_ID) {
			for (k = 0; k < v->oid_len; k++)
				o[k] = v->oid[k];
			snmp_varlist_add_variable(&vars, name, v->len, ASN_OBJECT_ID, o, v->oid_len * sizeof(oid));
		} else if (v->type == ASN_OCTET_STR) {
			snmp_varlist_add_variable(&vars, name, v->len, ASN_OCTET_STR, v->octets, v->olen);
		} else {
			snmp_varlist_add_variable(&vars, name, v->len, v->type, &num, sizeof(num));
		}
	}
	send_v2trap(vars);
	snmp_free_varbind(vars);
	log_info("snmp notification %s sent: %s", er_event_kind_name(e->kind), e->detail);
}

static void
pump(uint64_t now_ms)
{
	struct er_event e;

	if (!S.connected)
		return;
	while (er_alerts_pop(S.alerts, now_ms, &e))
		send_trap(&e);
}

/* ---- refused requests (embedded master) ---- */

/* "127.0.0.1:40000" for a UDP/TCP request; Net-SNMP keeps the peer in transport_data. */
static void
peer_str(const netsnmp_pdu *pdu, char *buf, size_t len)
{
	const netsnmp_indexed_addr_pair *a = pdu->transport_data;
	char host[INET6_ADDRSTRLEN];

	snprintf(buf, len, "an unknown address");
	if (!a || pdu->transport_data_length < (int)sizeof(a->remote_addr))
		return;
	if (a->remote_addr.sa.sa_family == AF_INET &&
	    inet_ntop(AF_INET, &a->remote_addr.sin.sin_addr, host, sizeof(host)))
		snprintf(buf, len, "%s:%u", host, ntohs(a->remote_addr.sin.sin_port));
	else if (a->remote_addr.sa.sa_family == AF_INET6 &&
	    inet_ntop(AF_INET6, &a->remote_addr.sin6.sin6_addr, host, sizeof(host)))
		snprintf(buf, len, "[%s]:%u", host, ntohs(a->remote_addr.sin6.sin6_port));
}

/*
 * A v1/v2c request whose community matches no rocommunity line (or comes
 * from a source that line does not allow) leaves VACM's initial check with
 * VACM_NOSECNAME. This runs after VACM's own callback (lowest priority) and
 * logs the source and the method, never the community: it may be a
 * mistyped password.
 */
static int
acm_cb(int major, int minor, void *server_arg, void *client_arg)
{
	const struct view_parameters *vp = server_arg;
	char peer[80];

	(void)major;
	(void)minor;
	(void)client_arg;
	if (!vp || !vp->pdu || vp->errorcode != VACM_NOSECNAME || vp->pdu->version == SNMP_VERSION_3)
		return 0;
	peer_str(vp->pdu, peer, sizeof(peer));
	log_warnx("snmp: authentication failure: SNMP%s from %s, method community (unknown community, or a source "
		  "community-source does not allow)", vp->pdu->version == SNMP_VERSION_1 ? "v1" : "v2c", peer);
	return 0;
}

/*
 * SNMPv3 failures happen in Net-SNMP's USM, which has no hook: its
 * counters (usmStats*) are compared after each read. Discovery's own
 * reports (unknown engine id, not in time window) are not failures.
 */
static const struct {
	int stat;
	const char *what;
} usm_failures[] = {
	{ STAT_USMSTATSUNKNOWNUSERNAMES, "unknown user name" },
	{ STAT_USMSTATSWRONGDIGESTS, "wrong digest (authentication key)" },
	{ STAT_USMSTATSDECRYPTIONERRORS, "decryption error (privacy key)" },
};

static void
usm_check(void)
{
	size_t i;

	for (i = 0; i < sizeof(usm_failures) / sizeof(usm_failures[0]); i++) {
		u_int v = snmp_get_statistic(usm_failures[i].stat);
		if (v > S.usm_seen[i])
			log_warnx("snmp: authentication failure: SNMPv3, %u x %s (Net-SNMP's USM does not say from where)",
			    v - S.usm_seen[i], usm_failures[i].what);
		S.usm_seen[i] = v;
	}
}

/* ---- setup ---- */

/* Does an AgentX master answer on @p sock (a UNIX path, or unix:PATH)? */
static bool
agentx_master_answers(const char *sock)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, ok;

	if (!strncmp(sock, "unix:", 5))
		sock += 5;
	else if (strchr(sock, ':'))
		return true; /* tcp:host:port: let the subagent try it */
	if (strlen(sock) >= sizeof(sun.sun_path) || (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return false;
	memcpy(sun.sun_path, sock, strlen(sock) + 1);
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return ok;
}

static void
remember(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
remember(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	netsnmp_config_remember(line);
}

static void
master_config(const struct er_snmp_cfg *c)
{
	static const char *const auth[] = { "SHA", "SHA-256", "SHA-512" };
	static const char *const priv[] = { "AES", "AES-256" };
	char buf[ER_PREFIX_STRLEN];
	size_t i;

	remember("sysDescr erreadyd %s: Azure ExpressRoute readiness agent (EXPRESSROUTE-READINESS-MIB)", ERREADY_VERSION);
	remember("sysObjectID .1.3.6.1.4.1.8072.9999.9999");
	remember("sysServices 72");
	/* set from config, Net-SNMP keeps them read-only: only the MIB's three objects are writable */
	if (gethostname(buf, sizeof(buf)) == 0 && buf[0] && !strpbrk(buf, " \"'\\"))
		remember("sysName %.*s", (int)sizeof(buf) - 1, buf);
	remember("sysContact root");
	remember("sysLocation unknown");
	for (i = 0; i < c->n_community_src; i++) {
		const struct er_prefix *p = &c->community_src[i];
		remember("%s %s %s", p->addr.family == ER_AF_INET6 ? "rocommunity6" : "rocommunity", c->community,
		    er_prefix_str(p, buf, sizeof(buf)));
	}
	for (i = 0; i < c->n_users; i++) {
		const struct er_snmp_user *u = &c->users[i];
		remember("createUser %s %s %s %s %s", u->name, auth[u->auth], u->auth_key, priv[u->priv], u->priv_key);
		remember("%s %s priv", u->read_write ? "rwuser" : "rouser", u->name);
	}
	for (i = 0; i < c->n_sinks; i++) {
		const struct er_trap_sink *t = &c->sinks[i];
		er_addr_str(&t->addr, buf, sizeof(buf));
		if (t->addr.family == ER_AF_INET6)
			remember("trap2sink udp6:[%s]:%u %s", buf, t->port, t->community);
		else
			remember("trap2sink udp:%s:%u %s", buf, t->port, t->community);
	}
}

/* Our own AgentX subagent (agentx.c): Net-SNMP is not started at all. */
static int
start_subagent(const struct er_snmp_cfg *c, const struct er_snmp_env *env, char *err, size_t errlen)
{
	S.alerts = er_alerts_new();
	er_alerts_configure(S.alerts, 0, c->queue_size, c->rate);
	if (!(S.agentx = er_agentx_new(c, env, S.alerts, err, errlen))) {
		er_alerts_free(S.alerts);
		memset(&S, 0, sizeof(S));
		return -1;
	}
	log_info("snmp: AgentX subagent of %s (ping every %u s)", c->agentx_socket, c->ping_interval);
	S.started = true;
	return 0;
}

int
er_snmp_start(const struct er_snmp_cfg *c, const struct er_snmp_env *env, char *err, size_t errlen)
{
	netsnmp_handler_registration *reg;
	char *ports = NULL;
	size_t i, n = 0;

	memset(&S, 0, sizeof(S));
	S.env = *env;
	S.subagent = c->mode == ER_SNMP_SUBAGENT || (c->mode == ER_SNMP_AUTO && agentx_master_answers(c->agentx_socket));
	if (S.subagent)
		return start_subagent(c, env, err, errlen);

	setenv("MIBS", "", 1); /* we serve numbers; no MIB files to parse */
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, log_cb, NULL);
	snmp_enable_calllog();
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_NO_TOKEN_WARNINGS, 1);
	if (env->state_dir) {
		netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_PERSISTENT_DIR, env->state_dir);
		netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_CONFIGURATION_DIR, env->state_dir);
	}
	for (i = 0; i < c->n_listen; i++)
		n += strlen(c->listen[i]) + 1;
	ports = xcalloc(1, n + 1);
	for (i = 0; i < c->n_listen; i++)
		strlcatf(ports, n + 1, "%s%s", i ? "," : "", c->listen[i]);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 0);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_PORTS, ports);
	free(ports);
	add_to_init_list("-smux"); /* else Net-SNMP listens for SMUX on TCP 0.0.0.0:199 */
	if (init_agent(APP) != 0) {
		snprintf(err, errlen, "cannot initialise the Net-SNMP agent");
		return -1;
	}
	/* A master of its own answers sysUpTime, sysDescr, sysObjectID like any agent an NMS discovers. */
	init_system_mib();
	reg = netsnmp_create_handler_registration("expressroute-readiness", handler, root_oid, OID_LENGTH(root_oid),
	    HANDLER_CAN_RWRITE);
	if (!reg || netsnmp_register_handler(reg) != MIB_REGISTERED_OK) {
		snprintf(err, errlen, "cannot register the MIB subtree");
		snmp_shutdown(APP);
		return -1;
	}
	S.alerts = er_alerts_new();
	er_alerts_configure(S.alerts, 0, c->queue_size, c->rate);
	S.set = er_snmp_set_new(env);
	master_config(c);
	init_snmp(APP);
	if (init_master_agent() != 0) {
		snprintf(err, errlen, "cannot listen on %s (in use, or not an address of this host?)",
		    netsnmp_ds_get_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_PORTS));
		er_alerts_free(S.alerts);
		er_snmp_set_free(S.set);
		snmp_shutdown(APP);
		memset(&S, 0, sizeof(S));
		return -1;
	}
	S.connected = true;
	netsnmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_ACM_CHECK_INITIAL, acm_cb, NULL,
	    NETSNMP_CALLBACK_LOWEST_PRIORITY);
	for (i = 0; i < sizeof(usm_failures) / sizeof(usm_failures[0]); i++)
		S.usm_seen[i] = snmp_get_statistic(usm_failures[i].stat);
	log_info("snmp: master agent on %s (%zu v3 users, %zu trap sinks)",
	    netsnmp_ds_get_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_PORTS), c->n_users, c->n_sinks);
	netsnmp_large_fd_set_init(&S.fds, FD_SETSIZE);
	S.started = true;
	return 0;
}

void
er_snmp_stop(void)
{
	if (!S.started)
		return;
	if (S.subagent) {
		er_agentx_free(S.agentx);
	} else {
		er_snmp_set_free(S.set);
		snmp_shutdown(APP);
		shutdown_agent();
		netsnmp_large_fd_set_cleanup(&S.fds);
	}
	er_mib_free(S.mib);
	er_alerts_free(S.alerts);
	memset(&S, 0, sizeof(S));
}

const char *
er_snmp_role(void)
{
	return S.subagent ? "subagent" : "master";
}

bool
er_snmp_connected(void)
{
	return S.subagent ? S.agentx && er_agentx_ready(S.agentx) : S.connected;
}

void
er_snmp_publish(struct er_mib *mib)
{
	er_mib_free(S.mib);
	S.mib = mib;
	if (S.agentx)
		er_agentx_set_mib(S.agentx, mib);
}

void
er_snmp_notify(const struct er_event_list *evs, uint64_t now_ms)
{
	if (!S.started)
		return;
	er_alerts_push(S.alerts, evs, now_ms);
	if (S.subagent)
		er_agentx_pump(S.agentx, now_ms);
	else
		pump(now_ms);
}

void
er_snmp_reconfigure(const struct er_config *cfg)
{
	if (S.started)
		er_alerts_configure(S.alerts, cfg->agent.alert_hold_down, cfg->agent.snmp.queue_size, cfg->agent.snmp.rate);
}

size_t
er_snmp_poll_prepare(struct pollfd *pfd, size_t max, int *timeout_ms, uint64_t now_ms)
{
	struct timeval tv = { 0, 0 };
	int block = 1, fd;
	size_t n = 0;
	uint64_t next;

	if (!S.started)
		return 0;
	if (S.subagent)
		return er_agentx_poll_prepare(S.agentx, pfd, max, timeout_ms, now_ms);
	S.numfds = 0;
	NETSNMP_LARGE_FD_ZERO(&S.fds);
	snmp_select_info2(&S.numfds, &S.fds, &tv, &block);
	for (fd = 0; fd < S.numfds && n < max; fd++) {
		if (NETSNMP_LARGE_FD_ISSET(fd, &S.fds)) {
			pfd[n].fd = fd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			n++;
		}
	}
	if (!block) {
		long long ms = (long long)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
		if (*timeout_ms < 0 || ms < *timeout_ms)
			*timeout_ms = (int)ms;
	}
	if ((next = er_alerts_next_ms(S.alerts, now_ms)) != UINT64_MAX) {
		long long ms = next > now_ms ? (long long)(next - now_ms) : 0;
		if (*timeout_ms < 0 || ms < *timeout_ms)
			*timeout_ms = (int)ms;
	}
	return n;
}

void
er_snmp_poll_process(const struct pollfd *pfd, size_t n, uint64_t now_ms)
{
	size_t i;
	int any = 0;

	if (!S.started)
		return;
	if (S.subagent) {
		er_agentx_poll_process(S.agentx, pfd, n, now_ms);
		return;
	}
	NETSNMP_LARGE_FD_ZERO(&S.fds);
	for (i = 0; i < n; i++) {
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) {
			NETSNMP_LARGE_FD_SET(pfd[i].fd, &S.fds);
			any = 1;
		}
	}
	if (any) {
		snmp_read2(&S.fds);
		usm_check();
	} else
		snmp_timeout();
	run_alarms();
	netsnmp_check_outstanding_agent_requests();
	pump(now_ms);
}
