/*
 * erreadyd --netconf-relay: NETCONF behind OpenSSH's "Subsystem netconf".
 *
 * sshd authenticates the user and runs the relay as that user with the SSH
 * channel on stdin/stdout; the relay connects to erreadyd's NETCONF UNIX
 * socket (where the session user is the peer's uid) and copies bytes both
 * ways, unchanged. No YANG context, no daemon: it starts in a few ms.
 */
#ifndef ER_NC_RELAY_H
#define ER_NC_RELAY_H

/* The default of agent/netconf/unix-socket/path in the YANG module. */
#include "config.h"

#define ER_NC_RELAY_DEFAULT_SOCKET ER_NC_DEFAULT_SOCKET

/**
 * Relay stdin/stdout to the UNIX socket at @p path until erreadyd closes the
 * connection (stdin's EOF is passed on as a half-close). Returns the exit
 * status: 0 at a clean end (or when the SSH side went away), 1 when the
 * socket cannot be reached or an I/O error ended the relay; the reason is on
 * stderr and in syslog (sshd discards a subsystem's stderr).
 */
int er_nc_relay(const char *path);

#endif
