/*
 * The NETCONF message guard's checks (agent/netconf/nc_guard.c,
 * er_nc_guard_check): one client message after the hellos, the first byte
 * choosing base:1.0 or base:1.1. Whatever the message, the answer is
 * either "pass it on" or one well-formed <rpc-reply> with an <rpc-error>.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "datastore.h"
#include "fuzz.h"
#include "nc_guard.h"
#include "nc_schema.h"

static struct er_ds *ds;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[ER_ERRLEN];

	(void)argc;
	(void)argv;
	fz_quiet();
	er_nc_guard_init();
	if (!(ds = er_ds_new_with(er_nc_ctx_hook, err, sizeof(err))))
		fz_fail("datastore: %s", err);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[512], *msg, *r;
	bool skip;

	if (size < 1)
		return 0;
	msg = fz_strndup(data + 1, size - 1);
	why[0] = '\0';
	r = er_nc_guard_check(msg, size - 1, data[0] & 1, er_ds_ctx(ds), &skip, why, sizeof(why));
	if (r) {
		xmlDocPtr doc = xmlReadMemory(r, (int)strlen(r), NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
		    XML_PARSE_NOWARNING);
		if (!doc || !strstr(r, "<rpc-error>") || skip || !why[0])
			fz_fail("bad answer (%s): %s", why, r);
		xmlFreeDoc(doc);
		free(r);
	}
	free(msg);
	return 0;
}
