/*
 * "Collect now with these parameters": what the view process sends to the
 * collector process (agent/privsep.h). Only what the collectors read: the
 * deadline, the BGP source, FRR's pathspace, BIRD's socket, and from the
 * configuration which sessions and interfaces matter (every peering's type,
 * state, link subnets and interfaces, whether it has an MD5 key, and the
 * Internet neighbours). No secret, no path to run: the vtysh binary and the
 * procfs root are the collector's own.
 */
#ifndef ER_COLLECT_WIRE_H
#define ER_COLLECT_WIRE_H

#include <stddef.h>

#include "collect.h"
#include "wire.h"

/** Append the parameters of @p o (its cfg may be NULL) to @p b. */
void er_collect_wire_encode(const struct er_collect_opts *o, struct er_wbuf *b);

/**
 * Parse a request into @p o (prev, vtysh and proc_root left as they were)
 * and a configuration holding only the collectors' scope, *@p cfg, which
 * o->cfg, o->frr_pathspace and o->bird_socket point into: release it with
 * er_config_unref(). 0; 1 when the message is sound but names an FRR
 * pathspace or BIRD socket the collector must not use: BGP is then not
 * collected (o->bgp none) and @p err says why, for the BGP status; -1
 * with the reason in @p err when the message is malformed.
 */
int er_collect_wire_decode(const void *p, size_t len, struct er_collect_opts *o, struct er_config **cfg, char *err,
    size_t errlen);

#endif
