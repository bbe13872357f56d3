/*
 * The YANG modules the NETCONF view needs besides ours: ietf-netconf (with
 * the features we implement), -monitoring, -with-defaults and RFC 5277's
 * notifications, loaded at run time from Debian's libyuma-base (libnetconf2
 * ships none). Loaded into the datastore's context before any data exists.
 */
#ifndef ER_NC_SCHEMA_H
#define ER_NC_SCHEMA_H

#include <stddef.h>

struct ly_ctx;

#ifndef ER_NC_MODULE_DIR
#define ER_NC_MODULE_DIR "/usr/share/yuma/modules"
#endif

/** er_ds_ctx_hook: load the NETCONF modules into @p ctx. */
int er_nc_ctx_hook(struct ly_ctx *ctx, char *err, size_t errlen);

#endif
