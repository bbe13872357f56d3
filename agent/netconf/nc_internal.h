/* Shared between the NETCONF transport (nc_view.c) and its operations (nc_ops.c). */
#ifndef ER_NC_INTERNAL_H
#define ER_NC_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <nc_server.h>

#include "nc_filter.h"
#include "nc_view.h"

struct er_nc_log;
struct er_nacm;

struct er_nc_sess {
	struct nc_session *s;
	struct nc_pollsession *ps;
	int fd;             /* the socket poll() watches */
	int wake[2];        /* notifications, kill, stop */
	pthread_t th;
	uint32_t id;
	bool unix_transport;
	bool recovery;      /* uid 0 over the UNIX socket: RFC 8341 3.2's recovery session, not subject to NACM */
	struct er_nacm *nacm; /* the access rules of the RPC being handled (session thread, set by er_nc_dispatch) */
	struct er_nc_guard *guard; /* between the client and libnetconf2 (UNIX) */
	char user[64];
	char host[64];
	time_t login;
	uint64_t last_rpc_ms;
	/* counters (ietf-netconf-monitoring), under the session list lock */
	uint32_t in_rpcs, in_bad_rpcs, out_rpc_errors, out_notifications;
	/* kill-session */
	bool killed;
	uint32_t killed_by;
	/* subscription (session thread only, except the flag) */
	bool subscribed;
	struct er_nc_filter filter;
	uint64_t cursor;          /* next event-log entry to send */
	uint64_t replay_end;      /* entries before this are replay */
	bool replaying;
	long long stop_us;        /* stopTime, 0: none */

	struct er_nc_sess *next;
};

/* nc_view.c: the transport */
extern const struct er_nc_env *er_nc_env;
extern struct er_nc_log *er_nc_events;
struct er_nc_sess *er_nc_sess_of(const struct nc_session *s);
/** Find session @p id and run @p fn on it under the session list lock; false if none. */
bool er_nc_sess_with(uint32_t id, void (*fn)(struct er_nc_sess *ss, void *arg), void *arg);
void er_nc_sess_wake(struct er_nc_sess *ss);
/** Append the monitoring data of the sessions under @p sessions (a netconf-state/sessions node). */
void er_nc_sessions_state(struct lyd_node *sessions);
/** The same for netconf-state/statistics. */
void er_nc_statistics_state(struct lyd_node *stats);
/** Send one notification on the session (its own thread); takes @p tree. Returns -1 if the session broke. */
int er_nc_send_notif(struct er_nc_sess *ss, struct lyd_node *tree, long long time_us);
uint64_t er_nc_now_ms(void);
long long er_nc_now_real_us(void);
long long er_nc_start_time_us(void);

/*
 * What the transport (nc_view.c: sessions, their threads, the listeners)
 * asks of the operations (nc_ops.c and the files under it). The daemon
 * hands the table over in struct er_nc_env, so the transport never names
 * the operations and they build on it, not the other way round.
 */
struct er_nc_ops {
	int (*init)(const struct er_config *cfg, char *err, size_t errlen);
	void (*fini)(void);
	/* libnetconf2's RPC callback */
	struct nc_server_reply *(*dispatch)(struct lyd_node *rpc, struct nc_session *s);
	/* Send what the session's subscription has pending (session thread); -1 if the session broke. */
	int (*deliver)(struct er_nc_sess *ss);
	/* Next time (monotonic ms) the session's subscription needs attention (stopTime), UINT64_MAX if none. */
	uint64_t (*sub_deadline)(const struct er_nc_sess *ss);
	/* Session @p ss is ending: its locks go, a confirmed commit of its own is rolled back. */
	void (*session_end)(struct er_nc_sess *ss);
	void (*timeout)(int *timeout_ms, uint64_t now_ms);
	void (*process)(uint64_t now_ms);
	/* The session holding the global lock of datastore @p ds (0 running, 1 candidate, 2 startup), 0 if none. */
	uint32_t (*lock_holder)(int ds);
	/* Whether a confirmed commit is pending, and in @p left_s (may be NULL) the seconds until its rollback. */
	bool (*confirm_pending)(uint64_t *left_s);
};

/* nc_ops.c */
struct nc_server_reply *er_nc_dispatch(struct lyd_node *rpc, struct nc_session *s);
int er_nc_ops_init(const struct er_config *cfg, char *err, size_t errlen);
void er_nc_ops_fini(void);
/** Session @p ss is ending: its locks go, a confirmed commit of its own is rolled back. */
void er_nc_ops_session_end(struct er_nc_sess *ss);
/** Send what the session's subscription has pending (session thread). Returns -1 if the session broke. */
int er_nc_ops_deliver(struct er_nc_sess *ss);
/** Next time (monotonic ms) the session's subscription needs attention (stopTime), UINT64_MAX if none. */
uint64_t er_nc_ops_sub_deadline(const struct er_nc_sess *ss);
void er_nc_ops_timeout(int *timeout_ms, uint64_t now_ms);
void er_nc_ops_process(uint64_t now_ms);
/** The session holding the global lock of datastore @p ds (0 running, 1 candidate, 2 startup), 0 if none (nc_ds.c). */
uint32_t er_nc_ops_lock_holder(int ds);
/** Whether a confirmed commit is pending, and in @p left_s (may be NULL) the seconds until its rollback. */
bool er_nc_ops_confirm_pending(uint64_t *left_s);

#endif
