#include "nc_schema.h"

#include <stdio.h>
#include <stdlib.h>

#include <libyang/libyang.h>

#include "util.h"

/* ietf-netconf features = the capabilities we implement (libnetconf2 derives <hello> from them). */
static const char *netconf_features[] = {
	"writable-running", "candidate", "confirmed-commit", "rollback-on-error", "validate", "startup", "xpath", NULL,
};

static const struct {
	const char *name, *revision;
} modules[] = {
	{ "ietf-netconf-monitoring", "2010-10-04" },
	{ "ietf-netconf-with-defaults", "2011-06-01" },
	{ "notifications", "2008-07-14" },
	{ "nc-notifications", "2008-07-14" },
};

int
er_nc_ctx_hook(struct ly_ctx *ctx, char *err, size_t errlen)
{
	static const char *subdirs[] = { "ietf", "ietf-derived", "netconfcentral" };
	const char *base = getenv("ERREADY_NC_MODULE_DIR");
	char dir[512];
	size_t i;

	if (!base || !*base)
		base = ER_NC_MODULE_DIR;
	for (i = 0; i < ARRAY_SIZE(subdirs); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", base, subdirs[i]);
		ly_ctx_set_searchdir(ctx, dir);
	}
	if (!ly_ctx_load_module(ctx, "ietf-netconf", "2011-06-01", netconf_features)) {
		snprintf(err, errlen, "cannot load YANG module ietf-netconf@2011-06-01 from %s (package libyuma-base): %s",
		    base, ly_errmsg(ctx) ? ly_errmsg(ctx) : "not found");
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(modules); i++) {
		if (!ly_ctx_load_module(ctx, modules[i].name, modules[i].revision, NULL)) {
			snprintf(err, errlen, "cannot load YANG module %s@%s from %s (package libyuma-base): %s",
			    modules[i].name, modules[i].revision, base, ly_errmsg(ctx) ? ly_errmsg(ctx) : "not found");
			return -1;
		}
	}
	/* Only the directories above: the context must not pick up other files later. */
	ly_ctx_unset_searchdir(ctx, NULL);
	return 0;
}
