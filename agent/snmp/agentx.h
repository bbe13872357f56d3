/*
 * An AgentX (RFC 2741) subagent session, non-blocking, driven by the
 * daemon's poll loop: this module owns the socket to the master, the
 * Open -> Register -> ready states, pings with a deadline, and reconnects
 * with back-off. Nothing here ever waits on the master: reads are taken as
 * they come, writes are buffered and flushed on POLLOUT, and a master that
 * leaves a request unanswered past its deadline is dropped.
 * What the MIB answers comes from the ops (agentx_glue.c).
 */
#ifndef ER_AGENTX_H
#define ER_AGENTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agentx_pdu.h"

struct ax_session;

struct ax_ops {
	void *arg;
	/** Get: append one varbind for @p name (its value, noSuchObject or noSuchInstance). */
	void (*get)(void *arg, const uint32_t *name, size_t n, struct ax_buf *b);
	/**
	 * GetNext: append the first instance after @p start (at it when @p include)
	 * and before @p end (no bound when its n is 0), its name into @p out /
	 * @p outn (AX_MAX_OID room); false when there is none (the session then
	 * appends endOfMibView).
	 */
	bool (*next)(void *arg, const uint32_t *start, size_t n, bool include, const struct ax_oid *end,
	    struct ax_buf *b, uint32_t *out, size_t *outn);
	/** TestSet: an SNMP error-status, with @p index the 1-based varbind at fault. */
	unsigned (*test_set)(void *arg, const struct ax_vb *vbs, size_t n, unsigned *index);
	unsigned (*commit_set)(void *arg);
	unsigned (*undo_set)(void *arg);
	void (*cleanup_set)(void *arg);
	/** The session is registered (true) or lost (false). */
	void (*state)(void *arg, bool ready);
	/**
	 * The master answered the Notify last sent (@p delivered), or the session
	 * was lost before it did (the Notify may not have reached it).
	 */
	void (*notified)(void *arg, bool delivered);
};

struct ax_session_cfg {
	const char *address;      /* "/path", "unix:/path", "tcp:HOST:PORT" (port 705 when absent) */
	const uint32_t *subtree;  /* registered at priority 127 */
	size_t subtree_len;
	const char *descr;        /* the Open's description */
	uint32_t ping_ms;         /* keepalive interval, and the longest reconnect back-off */
	uint32_t deadline_ms;     /* how long a request to the master may stay unanswered */
};

/** NULL with a message in @p err when the address does not parse (or a TCP host does not resolve). */
struct ax_session *ax_session_new(const struct ax_session_cfg *cfg, const struct ax_ops *ops, char *err,
    size_t errlen);
/** Closes the session (a Close PDU is sent if the socket takes it at once). NULL is fine. */
void ax_session_free(struct ax_session *s);

bool ax_session_ready(const struct ax_session *s);
/** Whether a Notify may be sent now: registered, and no Notify waiting for its answer. */
bool ax_session_can_notify(const struct ax_session *s);
/**
 * Build a Notify: begin returns the buffer to append varbinds to (ax_put_vb_*),
 * end sends it. Only when ax_session_can_notify().
 */
struct ax_buf *ax_session_notify_begin(struct ax_session *s);
void ax_session_notify_end(struct ax_session *s, uint64_t now_ms);

/**
 * Loop integration: the fd and events to poll (-1: none now), and the next
 * deadline lowers *@p timeout_ms. process handles @p revents (0 when only
 * time passed) and every timer due at @p now_ms.
 */
int ax_session_poll_fd(const struct ax_session *s, short *events);
void ax_session_timeout(const struct ax_session *s, int *timeout_ms, uint64_t now_ms);
void ax_session_process(struct ax_session *s, short revents, uint64_t now_ms);

struct ax_stats {
	uint64_t opens, drops, requests, varbinds, parse_errors, notifies;
};
void ax_session_stats(const struct ax_session *s, struct ax_stats *st);

#endif
