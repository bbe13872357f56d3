/*
 * Fetching a partner router's view of the links that terminate there
 * (agent/partner): one thread per partner keeps a NETCONF session over SSH
 * (libssh for the transport, public-key auth and the host-key check;
 * libnetconf2 for the session) and sends it the filtered <get> of
 * partner.h when kicked. The collector thread kicks every partner when a
 * collection starts and attaches what they answered, waiting at most each
 * partner's timeout: a hung partner never delays the local evaluation by
 * more than that, and never the SNMP/NETCONF answers at all.
 */
#ifndef ER_PARTNER_CLIENT_H
#define ER_PARTNER_CLIENT_H

#include <stdint.h>

#include "config.h"
#include "observed.h"

struct er_partners;

/** An empty set; @p state_dir resolves relative key-file paths. */
struct er_partners *er_partners_new(const char *state_dir);
/** Stop every fetch thread (a thread stuck in a fetch exits when it returns). */
void er_partners_free(struct er_partners *ps);
/** Match the set to cfg->agent.partners: new ones start, changed ones restart, gone ones stop. */
void er_partners_sync(struct er_partners *ps, const struct er_config *cfg);
/** Ask every partner for fresh data now (returns at once). */
void er_partners_kick(struct er_partners *ps);
/**
 * Wait until every partner kicked last answered, or its timeout passed
 * since the kick, then attach each partner's latest view to @p obs (a
 * fetch still running past its timeout is attached as status timeout).
 */
void er_partners_attach(struct er_partners *ps, struct er_observed *obs);

#endif
