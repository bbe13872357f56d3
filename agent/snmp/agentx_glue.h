/*
 * EXPRESSROUTE-READINESS-MIB behind our AgentX subagent (agentx.c): GET,
 * GETNEXT and GETBULK answered from the published view (snmp_mib.c), SETs
 * through snmp_set.c, notifications from the alert queue, one Notify in
 * flight at a time (given back to the queue if the master goes away before
 * it answers). The same lookups Net-SNMP's embedded master uses.
 */
#ifndef ER_AGENTX_GLUE_H
#define ER_AGENTX_GLUE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct er_agentx;
struct er_alerts;
struct er_mib;
struct er_snmp_env;

/** NULL with a message in @p err when the master's address does not parse. */
struct er_agentx *er_agentx_new(const struct er_snmp_cfg *cfg, const struct er_snmp_env *env,
    struct er_alerts *alerts, char *err, size_t errlen);
void er_agentx_free(struct er_agentx *x);
/** The view requests are answered from (not owned; NULL: everything is noSuchInstance). */
void er_agentx_set_mib(struct er_agentx *x, const struct er_mib *mib);
bool er_agentx_ready(const struct er_agentx *x);
/** Send what the alert queue has ready, if registered. */
void er_agentx_pump(struct er_agentx *x, uint64_t now_ms);

size_t er_agentx_poll_prepare(struct er_agentx *x, struct pollfd *pfd, size_t max, int *timeout_ms, uint64_t now_ms);
void er_agentx_poll_process(struct er_agentx *x, const struct pollfd *pfd, size_t n, uint64_t now_ms);

#endif
