/*
 * The NETCONF view: libnetconf2 2.0.24 sessions serving
 * expressroute-readiness over SSH (RFC 6242, terminated by nc_ssh.c) and a
 * local UNIX socket.
 *
 * Threads: each SSH connection has its own thread for its handshake and
 * then relays its channel; every session (SSH or UNIX) has a message guard
 * thread (nc_guard.c) in front of libnetconf2 and its own session thread
 * blocked in poll(), so an idle session costs nothing and a slow one delays
 * nobody else. RPCs touch the datastore and the published snapshot under
 * the daemon's agent lock. Notifications go through the event log (replay)
 * to each subscribed session's thread.
 */
#ifndef ER_NC_VIEW_H
#define ER_NC_VIEW_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "events.h"

struct er_ds;
struct er_snapshot;

struct er_nc_ops;

struct er_nc_env {
	struct er_ds *ds;
	const char *startup_path;  /* the config file erreadyd started with: the startup datastore */
	const char *state_dir;     /* host key, event log, pending confirmed commit */
	pthread_mutex_t *lock;     /* the agent lock: datastore, views */
	/* The published snapshot (a reference: er_snapshot_unref it). Any thread. */
	struct er_snapshot *(*snapshot)(void);
	/* Running changed: re-evaluate and publish. Called with the agent lock held. */
	void (*config_changed)(void *arg);
	/* Collect and evaluate now, wait up to @p timeout_ms for it to be published. No lock held. */
	int (*evaluate_now)(unsigned timeout_ms);
	/* Poke the daemon's loop (its timers changed). Any thread. */
	void (*wake)(void);
	/* The operations the sessions run: er_nc_operations (nc_ops.h). */
	const struct er_nc_ops *ops;
};

/**
 * Start the view (first start also creates the host key if missing).
 * Called in the main thread with the agent lock held. Returns 0, or -1
 * with a message in @p err (address in use, unreadable host key...).
 */
int er_nc_start(const struct er_config *cfg, const struct er_nc_env *env, char *err, size_t errlen);
/** End every session and thread. */
void er_nc_stop(void);
/** Users, keys, timeouts, alert settings after a config change (agent lock held). */
void er_nc_reconfigure(const struct er_config *cfg);
/** Queue the notifications of @p evs (alert policy applied; agent lock held). */
void er_nc_notify(const struct er_event_list *evs, uint64_t now_ms);
/**
 * The collector thread begins (@p on true) and ends an observation and its
 * evaluation: the full <get> reply cached for the old snapshot is released
 * by the next er_nc_process() (poke the main loop), so it does not share
 * memory with the poll. Any thread, no lock taken.
 */
void er_nc_collecting(bool on);
/** Main-loop integration: the next deadline (alerts, confirmed-commit timeout), and its work. */
void er_nc_poll_timeout(int *timeout_ms, uint64_t now_ms);
void er_nc_process(uint64_t now_ms);
/** The session id holding the lock on running (0: none): SNMP SETs honour it. */
uint32_t er_nc_running_lock_holder(void);
/**
 * Whether a NETCONF confirmed commit is pending (agent lock held), and in
 * @p left_s (may be NULL) the seconds until its rollback. While it is,
 * SNMP SETs and SIGHUP reloads are refused: the rollback restores the
 * config from before the commit, and would undo them or leave the file
 * disagreeing with running.
 */
bool er_nc_confirm_pending(uint64_t *left_s);

#endif
