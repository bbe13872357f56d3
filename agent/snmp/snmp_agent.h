/*
 * The SNMP view: EXPRESSROUTE-READINESS-MIB served either by our own AgentX
 * subagent of the host's snmpd (agentx_glue.c) or by Net-SNMP as
 * erreadyd's own master agent. Runs in the daemon's main thread: its fds
 * go into the daemon's poll(), requests are answered from the published
 * snapshot (snmp_mib.c), SETs go through the datastore (snmp_set.c),
 * notifications come from the alert queue (snmp_notif.c).
 */
#ifndef ER_SNMP_AGENT_H
#define ER_SNMP_AGENT_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "events.h"

struct er_ds;
struct er_mib;
struct er_snapshot;

struct er_snmp_env {
	struct er_ds *ds;
	const char *config_path; /* SETs are saved here */
	const char *state_dir;   /* Net-SNMP's files (may be NULL: nothing persisted) */
	/* A SET changed the running config: re-evaluate and publish. */
	void (*config_changed)(void *arg);
	void *arg;
};

/**
 * Start the view with @p cfg's settings. Mode auto picks subagent when an
 * AgentX master answers on the socket, else master. Returns 0, or -1 with
 * a message in @p err (e.g. the listen address is taken).
 */
int er_snmp_start(const struct er_snmp_cfg *cfg, const struct er_snmp_env *env, char *err, size_t errlen);
void er_snmp_stop(void);
/** "subagent" or "master". */
const char *er_snmp_role(void);
/** The subagent is registered with its master (always true for a master). */
bool er_snmp_connected(void);

/** Serve @p mib from now on (takes ownership; the previous view is freed). */
void er_snmp_publish(struct er_mib *mib);
/** Queue the notifications of @p evs (alert policy applied). */
void er_snmp_notify(const struct er_event_list *evs, uint64_t now_ms);
/** New alert settings (hold-down, queue, rate) after a config change. */
void er_snmp_reconfigure(const struct er_config *cfg);

/**
 * Loop integration. prepare fills up to @p max pollfds (returns how many)
 * and lowers *@p timeout_ms to the agent's and the alert queue's next
 * deadline; process handles what poll() reported, timers and the queue.
 */
size_t er_snmp_poll_prepare(struct pollfd *pfd, size_t max, int *timeout_ms, uint64_t now_ms);
void er_snmp_poll_process(const struct pollfd *pfd, size_t n, uint64_t now_ms);

#endif
