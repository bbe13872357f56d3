/*
 * Malformed configuration: each is rejected with a message naming the
 * line, the data path and the reason, and the running config is untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

#define P_PRIV "/expressroute-readiness:expressroute/circuit[name='er-ams-1']/peering[type='azure-private']"
#define P_MSFT "/expressroute-readiness:expressroute/circuit[name='er-ams-1']/peering[type='microsoft']"
#define P_CIRCUIT "/expressroute-readiness:expressroute/circuit[name='er-ams-1']"

struct bad_case {
	const char *name;
	const char *from, *to; /* edit of examples/erready.json */
	const char *error;     /* exact message */
};

/* Two edits at once: a clash needs both of its ends. */
struct bad_case2 {
	struct bad_case c;
	const char *from2, *to2;
};

static const struct bad_case cases[] = {
	{ "wrong type: VLAN as text", "\"vlan-id\": 100,", "\"vlan-id\": \"hundred\",",
	    "cfg.json: line 26: " P_PRIV "/vlan-id: Invalid non-number-encoded uint16 value \"hundred\"." },
	{ "wrong type: boolean as number", "\"microsoft-365\": false", "\"microsoft-365\": 0",
	    "cfg.json: line 6: /expressroute-readiness:expressroute/account/microsoft-365: Invalid non-boolean-encoded boolean value \"0\"." },
	{ "VLAN out of range", "\"vlan-id\": 100,", "\"vlan-id\": 5000,",
	    "cfg.json: line 26: " P_PRIV "/vlan-id: Unsatisfied range - value \"5000\" is out of the allowed range." },
	{ "bad prefix", "172.16.0.0/30", "172.16.0.300/30",
	    "cfg.json: line 29: " P_PRIV "/ipv4/primary-subnet: Unsatisfied pattern - \"172.16.0.300/30\" does not conform to \"(([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])\\.){3}([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])/(([0-9])|([1-2][0-9])|(3[0-2]))\"." },
	{ "/31 instead of /30", "172.16.0.4/30", "172.16.0.4/31",
	    "cfg.json: line 31: " P_PRIV "/ipv4/secondary-subnet: IPv4 link subnet must be a /30" },
	{ "/127 instead of /126", "\"ipv4\": {\n              \"primary-subnet\": \"131.107.0.0/30\",",
	    "\"ipv6\": { \"primary-subnet\": \"2001:db8:1::/127\", \"secondary-subnet\": \"2001:db8:1::4/126\" },\n"
	    "            \"ipv4\": {\n              \"primary-subnet\": \"131.107.0.0/30\",",
	    "cfg.json: line 40: " P_MSFT "/ipv6/primary-subnet: IPv6 link subnet must be a /126" },
	{ "overlapping subnets across peerings", "131.107.0.4/30", "172.16.0.4/30",
	    "cfg.json: line 42: " P_MSFT "/ipv4/secondary-subnet: link subnet 172.16.0.4/30 overlaps 172.16.0.4/30 at " P_PRIV
	    "/ipv4/secondary-subnet (rule 5: link subnets must be unique per peering)" },
	{ "primary and secondary overlap", "172.16.0.4/30", "172.16.0.0/30",
	    "cfg.json: line 30: " P_PRIV "/ipv4/secondary-subnet: link subnet 172.16.0.0/30 overlaps 172.16.0.0/30 at " P_PRIV
	    "/ipv4/primary-subnet (rule 5: link subnets must be unique per peering)" },
	/* A block is named as written (the /29 at ipv4/subnet), never as a derived /30 the file does not hold. */
	{ "/29 block overlaps a /30 of another peering",
	    "\"ipv4\": {\n              \"primary-subnet\": \"131.107.0.0/30\",\n              \"secondary-subnet\": \"131.107.0.4/30\"\n            }",
	    "\"ipv4\": { \"subnet\": \"172.16.0.0/29\" }",
	    "cfg.json: line 40: " P_MSFT "/ipv4/subnet: link subnet 172.16.0.0/29 overlaps 172.16.0.0/30 at " P_PRIV
	    "/ipv4/primary-subnet (rule 5: link subnets must be unique per peering)" },
	{ "reserved ASN 65515", "\"customer-asn\": 65010,", "\"customer-asn\": 65515,",
	    "cfg.json: line 27: " P_PRIV "/customer-asn: AS number not usable for an ExpressRoute peering (0, 23456, 64496-64511 documentation, 65515-65520 reserved by Azure and 4294967295 are not allowed)" },
	{ "documentation ASN 64500", "\"customer-asn\": 23500,", "\"customer-asn\": 64500,",
	    "cfg.json: line 39: " P_MSFT "/customer-asn: AS number not usable for an ExpressRoute peering (0, 23456, 64496-64511 documentation, 65515-65520 reserved by Azure and 4294967295 are not allowed)" },
	{ "bad GUID", "97f85950-01dd-4d30-a73c-bf683b3a6e5c", "97f85950-01dd-4d30-a73c",
	    "cfg.json: line 13: " P_CIRCUIT "/service-key: not a GUID (expected 8-4-4-4-12 hexadecimal digits)" },
	{ "bandwidth not offered", "\"bandwidth\": 1000,", "\"bandwidth\": 300,",
	    "cfg.json: line 18: " P_CIRCUIT "/bandwidth: bandwidth must be one of 50, 100, 200, 500, 1000, 2000, 5000, 10000, 40000, 100000 Mbps" },
	{ "MD5 key with special characters", "\"customer-asn\": 65010,", "\"customer-asn\": 65010, \"md5-key\": \"p@ss!\",",
	    "cfg.json: line 27: " P_PRIV "/md5-key: MD5 key must be 1 to 25 letters or digits (Azure accepts no special characters)" },
	{ "unknown element", "\"poll-interval\": 30,", "\"poll-interval\": 30, \"polling\": 5,",
	    "cfg.json: line 55: /expressroute-readiness:expressroute/agent: Node \"polling\" not found as a child of \"agent\" node." },
	{ "state data in a config file", "\"vlan-id\": 100,", "\"vlan-id\": 100, \"state\": {},",
	    "cfg.json: line 26: " P_PRIV "/state: Unexpected data state node \"state\" found." },
	{ "missing mandatory VLAN", "\"vlan-id\": 300,", "",
	    "cfg.json: " P_MSFT "/vlan-id: Mandatory node \"vlan-id\" instance does not exist." },
	{ "declared prefix on private peering", "\"bfd-expected\": true", "\"bfd-expected\": true, \"advertised-public-prefix\": [\"123.0.0.0/24\"]",
	    "cfg.json: " P_PRIV "/advertised-public-prefix[.='123.0.0.0/24']: When condition \"../type != 'azure-private'\" not satisfied." },
	{ "bad date", "\"created\": \"2024-03-01\"", "\"created\": \"2024-13-01\"",
	    "cfg.json: line 21: " P_CIRCUIT "/created: not a date (expected YYYY-MM-DD)" },
	{ "truncated JSON", "\"agent\": {", "\"agent\": {{",
	    "cfg.json: line 54: /expressroute-readiness:expressroute: Invalid character sequence \"{\n      \"poll-interv\", expected a JSON object's member." },
};

static const struct bad_case2 cases2[] = {
	{ { "/126 overlaps a /125 block (value written in capitals)", "\"customer-asn\": 65010,",
	    "\"customer-asn\": 65010, \"ipv6\": { \"subnet\": \"2001:db8:1::/125\" },",
	    "cfg.json: line 40: " P_MSFT "/ipv6/primary-subnet: link subnet 2001:db8:1::4/126 overlaps 2001:db8:1::/125 at "
	    P_PRIV "/ipv6/subnet (rule 5: link subnets must be unique per peering)" },
	    "\"customer-asn\": 23500,",
	    "\"customer-asn\": 23500,\n            \"ipv6\": { \"primary-subnet\": \"2001:DB8:1::4/126\", \"secondary-subnet\": \"2001:db8:2::/126\" }," },
	{ { "two /29 blocks", "\"ipv4\": {\n              \"primary-subnet\": \"172.16.0.0/30\",\n              \"secondary-subnet\": \"172.16.0.4/30\"\n            }",
	    "\"ipv4\": {\n              \"subnet\": \"172.16.0.0/29\"\n            }",
	    "cfg.json: line 40: " P_MSFT "/ipv4/subnet: link subnet 172.16.0.0/29 overlaps 172.16.0.0/29 at " P_PRIV
	    "/ipv4/subnet (rule 5: link subnets must be unique per peering)" },
	    "\"ipv4\": {\n              \"primary-subnet\": \"131.107.0.0/30\",\n              \"secondary-subnet\": \"131.107.0.4/30\"\n            }",
	    "\"ipv4\": {\n              \"subnet\": \"172.16.0.0/29\"\n            }" },
};

static int mismatches;

static void
test_case(const struct bad_case *bc, const char *from2, const char *to2)
{
	char err[ER_ERRLEN], *text = fx_read_data(FX_CONFIG), *bad = fx_replace(text, bc->from, bc->to);

	if (from2) {
		char *twice = fx_replace(bad, from2, to2);
		free(bad);
		bad = twice;
	}
	struct er_ds *ds = er_ds_new(err, sizeof(err));
	char *before, *after;

	assert_int_equal(er_ds_load_mem(ds, text, ER_FMT_JSON, "good.json", err, sizeof(err)), 0);
	before = er_ds_print(ds, ER_FMT_JSON, true);
	err[0] = '\0';
	if (er_ds_load_mem(ds, bad, ER_FMT_JSON, "cfg.json", err, sizeof(err)) == 0)
		fail_msg("%s: accepted", bc->name);
	if (strcmp(err, bc->error) != 0) {
		print_error("%s:\n  got:  %s\n  want: %s\n", bc->name, err, bc->error);
		mismatches++;
	}
	after = er_ds_print(ds, ER_FMT_JSON, true);
	assert_string_equal(before, after);
	assert_int_equal(er_ds_generation(ds), 1);
	free(before);
	free(after);
	free(bad);
	free(text);
	er_ds_free(ds);
}

static void
test_bad_configs(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_case(&cases[i], NULL, NULL);
	for (i = 0; i < sizeof(cases2) / sizeof(cases2[0]); i++)
		test_case(&cases2[i].c, cases2[i].from2, cases2[i].to2);
	assert_int_equal(mismatches, 0);
}

static void
test_bad_xml(void **state)
{
	char err[ER_ERRLEN];
	struct er_ds *ds = er_ds_new(err, sizeof(err));

	(void)state;
	assert_int_equal(er_ds_load_mem(ds,
	    "<expressroute xmlns=\"urn:erready:params:xml:ns:yang:expressroute-readiness\"><agent><poll-interval>x"
	    "</poll-interval></agent></expressroute>", ER_FMT_AUTO, "cfg.xml", err, sizeof(err)), -1);
	assert_string_equal(err, "cfg.xml: line 1: /expressroute-readiness:expressroute/agent/poll-interval: "
	    "Invalid type uint32 value \"x\".");
	assert_int_equal(er_ds_load_mem(ds, "<expressroute xmlns=\"urn:wrong\"/>", ER_FMT_AUTO, "cfg.xml", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "cfg.xml: line 1: No module with namespace \"urn:wrong\" in the context.");
	/* An overlap found after parsing names its line in XML too, and the block as written. */
	assert_int_equal(er_ds_load_mem(ds,
	    "<expressroute xmlns=\"urn:erready:params:xml:ns:yang:expressroute-readiness\">\n"
	    " <circuit><name>c1</name>\n"
	    "  <peering><type>azure-private</type><vlan-id>100</vlan-id><customer-asn>65010</customer-asn>\n"
	    "   <ipv4><subnet>172.16.0.0/29</subnet></ipv4></peering>\n"
	    " </circuit>\n"
	    " <circuit><name>c2</name>\n"
	    "  <peering><type>azure-private</type><vlan-id>200</vlan-id><customer-asn>65010</customer-asn>\n"
	    "   <ipv4>\n\n    <subnet>172.16.0.0/29</subnet>\n   </ipv4></peering>\n"
	    " </circuit>\n</expressroute>\n", ER_FMT_AUTO, "cfg.xml", err, sizeof(err)), -1);
	assert_string_equal(err, "cfg.xml: line 10: /expressroute-readiness:expressroute/circuit[name='c2']/peering[type='azure-private']"
	    "/ipv4/subnet: link subnet 172.16.0.0/29 overlaps 172.16.0.0/29 at /expressroute-readiness:expressroute/"
	    "circuit[name='c1']/peering[type='azure-private']/ipv4/subnet (rule 5: link subnets must be unique per peering)");
	er_ds_free(ds);
}

/*
 * A file is the whole configuration: one without the module's data is a
 * mistake (an empty or truncated file), never "no circuits". The running
 * configuration stays.
 */
static void
test_empty_config_is_rejected(void **state)
{
	static const char *const texts[] = { "", "{}", "\n  \n", "{\"broken\":", "{\"expressroute-readiness:expressroute\":",
		"{\"expressroute-readiness:expressroute\": {}}",
		"<expressroute xmlns=\"urn:erready:params:xml:ns:yang:expressroute-readiness\"/>" };
	char err[ER_ERRLEN], *text = fx_read_data(FX_CONFIG), *before, *after;
	struct er_ds *ds = er_ds_new(err, sizeof(err));
	const struct er_config *cfg;
	size_t i;

	(void)state;
	assert_int_equal(er_ds_load_mem(ds, text, ER_FMT_JSON, "good.json", err, sizeof(err)), 0);
	before = er_ds_print(ds, ER_FMT_JSON, true);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		err[0] = '\0';
		if (er_ds_load_mem(ds, texts[i], ER_FMT_AUTO, "empty.json", err, sizeof(err)) == 0)
			fail_msg("accepted as a configuration: '%s'", texts[i]);
		assert_string_equal(err, "empty.json: no /expressroute-readiness:expressroute data: an empty or truncated "
		                         "file is not a configuration");
	}
	after = er_ds_print(ds, ER_FMT_JSON, true);
	assert_string_equal(before, after);
	assert_int_equal(er_ds_generation(ds), 1);
	cfg = er_ds_config(ds);
	assert_int_equal(cfg->n_circuits, 1);
	er_ds_config_unref(cfg);
	/* The smallest real configuration: the module's container with one setting. */
	assert_int_equal(er_ds_load_mem(ds, "{\"expressroute-readiness:expressroute\": {\"agent\": {\"poll-interval\": 60}}}",
	                     ER_FMT_JSON, "small.json", err, sizeof(err)), 0);
	cfg = er_ds_config(ds);
	assert_int_equal(cfg->n_circuits, 0);
	assert_int_equal(cfg->agent.poll_interval, 60);
	er_ds_config_unref(cfg);
	free(before);
	free(after);
	free(text);
	er_ds_free(ds);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_bad_xml),
		cmocka_unit_test(test_empty_config_is_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
