/*
 * The NETCONF operations (nc_ops.c with nc_rpc, nc_get, nc_edit, nc_ds):
 * what the daemon hands to the transport (er_nc_start's env->ops).
 */
#ifndef ER_NC_OPS_H
#define ER_NC_OPS_H

struct er_nc_ops;

extern const struct er_nc_ops er_nc_operations;

#endif
