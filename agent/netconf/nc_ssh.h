/*
 * erreadyd's SSH server for NETCONF (RFC 6242), on libssh.
 *
 * libnetconf2 2.0.24's own SSH endpoint hands the channel straight to its
 * parser, so nothing can look at a message before it does (nc_guard.h).
 * Here erreadyd accepts the TCP connection, runs the key exchange and
 * authentication, takes one session channel with the "netconf" subsystem,
 * and then relays that channel's bytes to a socketpair: the other end goes
 * to the caller, which runs it like a UNIX client (guard, nc_accept_inout).
 * One thread per connection, from its first byte: a client that stalls in
 * its handshake holds only its own thread, until the auth timeout.
 */
#ifndef ER_NC_SSH_H
#define ER_NC_SSH_H

#include <stdbool.h>
#include <stdint.h>

#include <libssh/libssh.h>

struct er_nc_ssh_hooks {
	/** May @p user log in with @p key? */
	bool (*pubkey_ok)(const char *user, const ssh_key key, const char *host);
	/** ... with @p password? */
	bool (*password_ok)(const char *user, const char *password, const char *host);
	/** Offer password authentication at all? */
	bool (*password_offered)(void);
	/**
	 * @p user from @p host is in, with a netconf subsystem: @p fd carries its
	 * bytes (taken, also on false). false: refused (max-sessions), closed.
	 */
	bool (*session)(int fd, const char *user, const char *host);
	/** A connection that did not get that far; @p log false: counted, not logged (rate limit). */
	void (*failed)(const char *host, const char *why, bool log);
};

/** Listen on @p addr:@p port with the private host key at @p host_key. */
int er_nc_ssh_start(const char *addr, uint16_t port, const char *host_key, const struct er_nc_ssh_hooks *hooks,
    const volatile bool *stop, char *err, size_t errlen);
struct er_nc_gate_cfg;
/**
 * Limits on unauthenticated connections (nc_gate.h) and the login grace
 * time; before er_nc_ssh_start() (else OpenSSH's defaults) or any time after.
 */
void er_nc_ssh_configure(const struct er_nc_gate_cfg *gate, unsigned login_grace_ms);
/** After *stop was set: end the accept thread and wait for every connection thread. */
void er_nc_ssh_stop(void);

#endif
