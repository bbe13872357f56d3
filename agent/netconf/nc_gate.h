/*
 * Who may start an SSH handshake with erreadyd's NETCONF server, as
 * OpenSSH's sshd decides it (sshd_config(5): MaxStartups,
 * PerSourceMaxStartups, PerSourcePenalties, LoginGraceTime):
 *
 * - random early drop of unauthenticated connections: below "start" all
 *   are taken; from "start" on a new one is dropped with probability "rate"
 *   percent, rising linearly to 100 % at "full";
 * - at most per-source-max unauthenticated connections from one address;
 * - a penalty per source: a connection that failed authentication or did
 *   not finish it within the login grace time adds seconds to a penalty;
 *   while it lasts, new connections from that address are refused;
 * - log lines about refused connections are rate-limited: a few per
 *   interval, then one summary line.
 *
 * One difference from sshd, so that one flooding address cannot push the
 * others into the random drop: a source with no handshake in progress is
 * never dropped early (only when "full" is reached); the drop applies to
 * a source's second and later concurrent handshakes.
 *
 * Not thread-safe: the caller serialises (nc_ssh.c holds its lock).
 * Time and randomness come from the caller, so the unit test can drive it.
 */
#ifndef ER_NC_GATE_H
#define ER_NC_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct er_nc_gate_cfg {
	unsigned start, rate, full;     /* MaxStartups start:rate:full */
	unsigned per_source;            /* PerSourceMaxStartups; 0: no limit */
	unsigned penalty_authfail_ms;   /* a connection ended with refused keys or passwords */
	unsigned penalty_noauth_ms;     /* ... closed before authenticating */
	unsigned penalty_grace_ms;      /* ... not authenticated within the login grace time */
	unsigned penalty_min_ms;        /* a penalty below this does not refuse yet */
	unsigned penalty_max_ms;        /* cap of one source's penalty */
	unsigned log_burst;             /* refusal lines per interval before the summary */
	unsigned log_interval_ms;
};

enum er_nc_gate_verdict {
	ER_NC_GATE_ADMIT,
	ER_NC_GATE_FULL,       /* "full" unauthenticated connections */
	ER_NC_GATE_EARLY_DROP, /* random early drop */
	ER_NC_GATE_PER_SOURCE, /* per-source limit */
	ER_NC_GATE_PENALTY,    /* source penalised */
};

struct er_nc_gate;

struct er_nc_gate *er_nc_gate_new(const struct er_nc_gate_cfg *cfg);
void er_nc_gate_free(struct er_nc_gate *g);
void er_nc_gate_configure(struct er_nc_gate *g, const struct er_nc_gate_cfg *cfg);

/** A connection from @p host at @p now_ms; @p rnd a uniform random number. ADMIT counts it. */
enum er_nc_gate_verdict er_nc_gate_admit(struct er_nc_gate *g, const char *host, uint64_t now_ms, uint32_t rnd);
/** An admitted connection from @p host left the unauthenticated state (in a session, or gone). */
void er_nc_gate_release(struct er_nc_gate *g, const char *host);
/** Add @p add_ms (one of the cfg's penalty_*_ms) to @p host's penalty. */
void er_nc_gate_penalise(struct er_nc_gate *g, const char *host, uint64_t now_ms, unsigned add_ms);
/** Unauthenticated connections now (all sources). */
unsigned er_nc_gate_pending(const struct er_nc_gate *g);

/**
 * Rate-limited logging of an event about @p host: true when the caller
 * should log it now. When an interval ends with events suppressed, @p summary
 * (if not NULL) gets one line to log ("" otherwise).
 */
bool er_nc_gate_log_ok(struct er_nc_gate *g, uint64_t now_ms, char *summary, size_t summary_len);
/** Flush: the summary of what is suppressed so far, "" when nothing. */
void er_nc_gate_log_flush(struct er_nc_gate *g, uint64_t now_ms, char *summary, size_t summary_len);

const char *er_nc_gate_verdict_str(enum er_nc_gate_verdict v);

#endif
