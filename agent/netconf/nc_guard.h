/*
 * NETCONF message guard: sits between a client's byte stream and
 * libnetconf2, and answers the messages libnetconf2 2.0.24 would mishandle.
 *
 * libnetconf2 parses every <rpc> with libyang before erreadyd sees it and
 * answers the bad ones itself: an <rpc> without message-id is executed,
 * XML whose envelope cannot be parsed gets no reply at all on a base:1.0
 * session, a wrong root element or namespace likewise, and a bad
 * ietf-netconf:operation attribute gets operation-failed. The guard reads
 * each client message in the session's framing (RFC 6242: ]]>]]> until
 * both hellos offer base:1.1, then chunks), checks it with libxml2, and
 * either passes it on or sends the rpc-error RFC 6241 asks for in its
 * place, after the replies to the requests before it (RFC 6241 4.1 keeps
 * replies in request order). Everything libnetconf2 sends passes through
 * unchanged.
 */
#ifndef ER_NC_GUARD_H
#define ER_NC_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct er_nc_guard;
struct ly_ctx;

/** Once, before the first guard starts (libxml2's global setup is not thread-safe). */
void er_nc_guard_init(void);

/**
 * Check one client message (framing removed) sent after the hellos.
 * Returns NULL when it may go to libnetconf2, otherwise the <rpc-reply>
 * to send instead (malloc'd, no framing) and, in @p why, what was wrong.
 * @p base11: the session uses base:1.1 (malformed-message exists only there).
 * A message of nothing but white space gives NULL and *@p skip true: it
 * is dropped without a reply. With @p ctx, what passes is also parsed as
 * libnetconf2 will parse it, so a fault libyang finds in the operation
 * (an unknown element or namespace, a bad value, a missing operation) gets
 * its own error-tag rather than libnetconf2's operation-failed.
 * The byte msg[len] is read: a NUL there saves a copy for libyang.
 */
char *er_nc_guard_check(const char *msg, size_t len, bool base11, const struct ly_ctx *ctx, bool *skip, char *why,
    size_t whylen);

/* Defaults of agent/netconf/max-message-size and max-buffered. */
#define ER_NC_MAX_MSG_DEFAULT ((size_t)16 << 20)
#define ER_NC_MAX_BUFFERED_DEFAULT ((size_t)64 << 20)

/**
 * What the guards of one server may hold of client messages: at most
 * max_msg bytes per message (framing removed), at most max_total bytes
 * across every session at once (what is being read and what waits for
 * libnetconf2). Bytes beyond either are counted and dropped as they
 * arrive, never buffered; the client gets too-big or resource-denied.
 * The owner sets the limits with er_nc_limits_set() at any time; guards
 * read them at each message.
 */
struct er_nc_limits {
	size_t max_msg, max_total;
	size_t used; /* bytes held by all guards now (atomic) */
};
void er_nc_limits_set(struct er_nc_limits *l, size_t max_msg, size_t max_total);

/** Called from the guard's thread for every message it answered itself; @p sid from the server's hello. */
typedef void (*er_nc_guard_bad_fn)(void *arg, uint32_t sid, const char *why);

/**
 * Start a guard thread on @p client_fd (taken: the guard closes it), within
 * @p lim (shared by the server's guards; NULL: the defaults, for this guard
 * alone). Returns
 * the guard and, in @p inner_fd, the descriptor to give nc_accept_inout()
 * for both directions (the caller closes it when the session ends, then
 * calls er_nc_guard_join()). NULL on failure, with @p client_fd untouched.
 * @p stop: when true, the guard stops waiting for a slow client at the end.
 */
struct er_nc_guard *er_nc_guard_start(int client_fd, const struct ly_ctx *ctx, struct er_nc_limits *lim,
    er_nc_guard_bad_fn bad, void *arg, const volatile bool *stop, int *inner_fd);

/** Immutable text shared between threads (reference counted). */
struct er_nc_text;
/** Wraps @p data (malloc'd, taken) of @p len bytes, one reference. */
struct er_nc_text *er_nc_text_new(char *data, size_t len);
struct er_nc_text *er_nc_text_ref(struct er_nc_text *t);
void er_nc_text_unref(struct er_nc_text *t);

/**
 * The next message libnetconf2 sends on this session that contains
 * @p marker (an XML comment, at most 63 bytes) goes to the client with
 * @p text (reference taken) in the marker's place, in base:1.1 chunks of
 * at most 64 KiB. So a large reply printed once can be sent to many
 * sessions without libnetconf2 printing it again. Session thread, before
 * its reply is written.
 */
void er_nc_guard_splice(struct er_nc_guard *g, const char *marker, struct er_nc_text *text);

/** Wait for the guard to end (after the inner descriptor was closed) and free it. */
void er_nc_guard_join(struct er_nc_guard *g);

#endif
