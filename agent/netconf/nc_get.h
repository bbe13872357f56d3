/* Internal to the NETCONF operations: <get> and <get-config> (nc_get.c). */
#ifndef ER_NC_GET_H
#define ER_NC_GET_H

#include <stdbool.h>

#include <libyang/libyang.h>
#include <nc_server.h>

#include "nc_internal.h"

/** <get>, or <get-config> when @p config_only. */
struct nc_server_reply *er_nc_op_get(struct er_nc_sess *ss, const struct lyd_node *rpc, bool config_only);
/** A fresh splice nonce and no cached <get>; er_nc_get_fini() drops the cache. */
void er_nc_get_init(void);
void er_nc_get_fini(void);
/** Release what a served <get> cached once a newer snapshot is published (agent lock held). */
void er_nc_get_expire(void);

#endif
