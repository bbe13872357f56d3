/*
 * Privilege separation (OpenBSD bgpd and snmpd are the model): erreadyd is
 * two processes. The collector process reads the host (FRR, BIRD,
 * rtnetlink, nftables, tc, procfs) with CAP_NET_ADMIN and the groups of
 * vtysh and BIRD's socket, and does nothing else: it takes one kind of
 * request on its socketpair, "collect now with these parameters"
 * (collect_wire.h), and answers the observed state (observed_wire.h). The
 * view process (SNMP, NETCONF and SSH, the XML guard, the datastore, the
 * partners) runs as the service user with no capability left.
 *
 * Either side ending ends the other at once: the collector reads end of
 * file on the socketpair and has the kernel kill it when the view process
 * dies (PR_SET_PDEATHSIG); the view process sees SIGCHLD and exits with
 * ER_EXIT_PRIVSEP, so systemd restarts the whole service. A malformed
 * message ends the connection, hence the service (fail closed).
 */
#ifndef ER_PRIVSEP_H
#define ER_PRIVSEP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "collect.h"
#include "privdrop.h"

/* The exit status when the other process ended or broke the protocol (EX_SOFTWARE). */
#define ER_EXIT_PRIVSEP 70

/* Largest request and answer accepted. */
#define ER_PRIVSEP_REQUEST_MAX (16u << 20)
#define ER_PRIVSEP_ANSWER_MAX (1024u << 20)

struct er_privsep;

/**
 * Resolve the user (@p user NULL: ER_DEFAULT_USER) and, with @p collector,
 * fork the collector process, which drops its privileges and waits for
 * requests. Call first thing, while the process has one thread. NULL with
 * the reason in @p err.
 */
struct er_privsep *er_privsep_start(const char *user, bool collector, char *err, size_t errlen);

const struct er_creds *er_privsep_creds(const struct er_privsep *ps);
/** The collector's pid, or -1 when there is none. */
pid_t er_privsep_collector_pid(const struct er_privsep *ps);

/**
 * Collect through the collector process (one caller at a time). The
 * finalized observed state, or NULL with the reason in @p err when the
 * collector ended, broke the protocol or did not answer in time: the
 * caller then ends the service.
 */
struct er_observed *er_privsep_collect(struct er_privsep *ps, const struct er_collect_opts *o, char *err,
    size_t errlen);

/** After SIGCHLD: true when the collector has ended, with how in @p msg. */
bool er_privsep_collector_gone(struct er_privsep *ps, char *msg, size_t len);

/** Close the socketpair (the collector then ends) and reap it; NULL is fine. */
void er_privsep_free(struct er_privsep *ps);

#endif
