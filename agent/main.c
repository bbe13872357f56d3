/*
 * erreadyd: Azure ExpressRoute readiness agent.
 *
 * This file holds the command line; the readiness core lives in src/.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datastore.h"
#include "eval.h"
#include "log.h"
#include "observed.h"
#include "partner.h"
#include "util.h"
#include "checks.h"
#include "collect.h"
#include "report.h"
#include "daemon.h"
#include "nc_relay.h"
#include "partner_client.h"
#include "privdrop.h"

#define EXIT_BAD_CONFIG 4
#define EXIT_USAGE 64

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: erreadyd -c FILE [--state-dir DIR] [--user USER] [-s] [-d] [--observed FILE]\n"
	    "                [--timeout MS]\n"
	    "       erreadyd --check -c FILE [--observed FILE] [--json] [--timeout MS]\n"
	    "       erreadyd --dump-observed -c FILE [--timeout MS]\n"
	    "       erreadyd -n -c FILE [--print-config]\n"
	    "       erreadyd --list-checks\n"
	    "       erreadyd --netconf-relay [SOCKET]\n"
	    "\n"
	    "  -c, --config FILE     configuration (JSON or XML of expressroute-readiness);\n"
	    "                        without --check/-n/--dump-observed: run the agent (SNMP and\n"
	    "                        NETCONF views, evaluation every poll interval) in the\n"
	    "                        foreground until SIGTERM; SIGHUP reloads FILE; SNMP SETs and\n"
	    "                        NETCONF commits rewrite it (atomically: its directory must be\n"
	    "                        writable)\n"
	    "      --state-dir DIR   the NETCONF SSH host key, event log (replay) and pending\n"
	    "                        confirmed commit (default " ER_DEFAULT_STATE_DIR "); Net-SNMP's\n"
	    "                        files too when given (without it Net-SNMP keeps nothing)\n"
"      --user USER       started as root: the user both processes switch to (default\n"
	    "                        " ER_DEFAULT_USER "); the collector process keeps CAP_NET_ADMIN\n"
	    "                        and the groups frrvty and bird, the SNMP/NETCONF process\n"
	    "                        nothing; \"--user root\" only trims capabilities (default:\n"
	    "                        $ERREADYD_USER when set; see erreadyd(8), PRIVILEGE SEPARATION)\n"
	    "  -s, --syslog          log to syslog (facility daemon) instead of stderr; on stderr\n"
	    "                        lines carry a timestamp, or syslog's <N> level prefix when\n"
	    "                        stderr is the systemd journal ($JOURNAL_STREAM)\n"
	    "      --check           evaluate every check once, print the report and exit:\n"
	    "                        0 ready, 1 not ready, 2 degraded, 3 unknown, 4 bad config\n"
	    "      --observed FILE   take the host state from a JSON snapshot instead of the host\n"
	    "      --partner NAME=FILE\n"
	    "                        with --observed: partner NAME's reply (the XML <data> of its\n"
	    "                        partner <get>) instead of fetching it; its age is measured\n"
	    "                        against the snapshot's collected-at (repeatable)\n"
	    "      --timeout MS      deadline of each collector (default 5000)\n"
	    "      --dump-observed   print the collected host state (one fact per line) and exit\n"
	    "      --json            print the report as RFC 7951 JSON state data\n"
	    "  -n, --validate        only validate the configuration (exit 0 or 4)\n"
	    "      --print-config    print the canonical configuration (secrets removed)\n"
	    "      --list-checks     print the check catalogue as a Markdown table\n"
	    "      --netconf-relay [SOCKET]\n"
	    "                        copy stdin/stdout to and from the NETCONF UNIX socket\n"
	    "                        (default " ER_NC_RELAY_DEFAULT_SOCKET "), for sshd_config's\n"
	    "                        'Subsystem netconf /usr/sbin/erreadyd --netconf-relay'\n"
	    "  -d, --debug           verbose logging\n"
	    "  -h, --help            this text\n"
	    "  -V, --version         print the version\n"
	    "\n"
	    "NETCONF (SSH and UNIX socket) and SNMP (AgentX subagent or embedded master) are set\n"
	    "in the configuration's agent container: see erready.json(5).\n");
}

/* A whole text file, NUL-terminated; NULL with the reason in @p err. */
static char *
read_text(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, n;

	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	do {
		buf = xreallocarray(buf, len + 65536 + 1, 1);
		n = fread(buf + len, 1, 65536, f);
		len += n;
	} while (n == 65536);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static void
list_checks(void)
{
	static const char *const scope[] = { "account", "circuit", "peering", "each link" };
	const struct er_check_def *defs;
	size_t n, i;

	defs = er_checks(&n);
	printf("| Code | Check | Area | Severity | Per | Peerings | Since | Rule (expressroute-rules.md) |\n");
	printf("|---:|---|---|---|---|---|---|---|\n");
	for (i = 0; i < n; i++) {
		const struct er_check_def *d = &defs[i];
		char peerings[64] = "";
		int t;

		for (t = ER_PEERING_PRIVATE; t <= ER_PEERING_PUBLIC; t++)
			if (d->peerings & ER_PEERING_MASK(t))
				snprintf(peerings + strlen(peerings), sizeof(peerings) - strlen(peerings), "%s%s",
				    peerings[0] ? ", " : "", t == ER_PEERING_PRIVATE ? "private" : t == ER_PEERING_MICROSOFT ? "Microsoft" : "public");
		printf("| %u | `%s` | %s | %s | %s | %s | %u | %s |\n", d->code, d->name, er_area_name(d->area),
		    er_severity_name(d->severity), scope[d->scope], peerings[0] ? peerings : "-", d->since, d->rule);
	}
}

int
main(int argc, char **argv)
{
	enum { OPT_CHECK = 256, OPT_OBSERVED, OPT_JSON, OPT_PRINT, OPT_LIST, OPT_TIMEOUT, OPT_DUMP, OPT_STATE, OPT_RELAY,
		OPT_PARTNER, OPT_USER };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "observed", required_argument, NULL, OPT_OBSERVED },
		{ "partner", required_argument, NULL, OPT_PARTNER },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "validate", no_argument, NULL, 'n' },
		{ "print-config", no_argument, NULL, OPT_PRINT },
		{ "list-checks", no_argument, NULL, OPT_LIST },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "dump-observed", no_argument, NULL, OPT_DUMP },
		{ "state-dir", required_argument, NULL, OPT_STATE },
		{ "netconf-relay", no_argument, NULL, OPT_RELAY },
		{ "user", required_argument, NULL, OPT_USER },
		{ "syslog", no_argument, NULL, 's' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *observed = NULL, *state_dir = NULL, *user = NULL;
	int check = 0, json = 0, validate = 0, print = 0, dump = 0, relay = 0, use_syslog = 0, ch, rc;
	unsigned long timeout_ms = 5000;
	char *end;
	char err[ER_ERRLEN];
	struct er_ds *ds;
	struct er_observed *obs = NULL;
	const struct er_config *cfg;
	struct er_snapshot *snap;
	const char *partners[8];
	size_t n_partners = 0, i;
	long long now = (long long)time(NULL);

	log_init("erreadyd", 1, ER_LOG_INFO);
	while ((ch = getopt_long(argc, argv, "c:ndshV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case OPT_CHECK:
			check = 1;
			break;
		case OPT_OBSERVED:
			observed = optarg;
			break;
		case OPT_PARTNER:
			if (n_partners == sizeof(partners) / sizeof(partners[0]) || !strchr(optarg, '=') || optarg[0] == '=') {
				log_warnx("--partner: '%s' is not NAME=FILE (at most %zu)", optarg, sizeof(partners) / sizeof(partners[0]));
				return EXIT_USAGE;
			}
			partners[n_partners++] = optarg;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case 'n':
			validate = 1;
			break;
		case OPT_PRINT:
			print = 1;
			break;
		case OPT_LIST:
			list_checks();
			return 0;
		case OPT_TIMEOUT:
			timeout_ms = strtoul(optarg, &end, 10);
			if (*end || !timeout_ms || timeout_ms > 600000) {
				log_warnx("--timeout: '%s' is not a number of milliseconds (1..600000)", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_DUMP:
			dump = 1;
			break;
		case OPT_STATE:
			state_dir = optarg;
			break;
		case OPT_RELAY:
			relay = 1;
			break;
		case OPT_USER:
			user = optarg;
			break;
		case 's':
			use_syslog = 1;
			break;
		case 'd':
			log_set_level(ER_LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("erreadyd %s (YANG %s@%s)\n", ERREADY_VERSION, ER_YANG_MODULE, ER_YANG_REVISION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (relay) {
		/* Run by sshd for every NETCONF session: nothing but the relay. */
		if (argc - optind > 1 || config || observed || state_dir || user || check || json || validate || print || dump) {
			log_warnx("--netconf-relay takes one optional SOCKET path and no other mode or file option");
			return EXIT_USAGE;
		}
		return er_nc_relay(optind < argc ? argv[optind] : ER_NC_RELAY_DEFAULT_SOCKET);
	}
	if (optind < argc || !config) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (n_partners && (!check || !observed)) {
		log_warnx("--partner needs --check and --observed");
		return EXIT_USAGE;
	}
	if (!check && !validate && !dump) {
		struct er_daemon_opts d = { config, observed, state_dir, (unsigned)timeout_ms, user };

		/* the default of --user for harnesses that run many daemons as root in root-only directories */
		if (!user && getenv("ERREADYD_USER") && *getenv("ERREADYD_USER"))
			d.user = getenv("ERREADYD_USER");

		log_set_dest(use_syslog ? ER_LOG_SYSLOG : ER_LOG_DAEMON);
		return er_daemon_run(&d);
	}

	if (!(ds = er_ds_new(err, sizeof(err))))
		fatalx("%s", err);
	if (er_ds_load_file(ds, config, err, sizeof(err)) < 0) {
		log_warnx("bad configuration: %s", err);
		er_ds_free(ds);
		return EXIT_BAD_CONFIG;
	}
	if (validate) {
		if (print) {
			char *text = er_ds_print(ds, ER_FMT_JSON, false);
			fputs(text, stdout);
			free(text);
		} else
			printf("%s: configuration OK\n", config);
		er_ds_free(ds);
		return 0;
	}

	cfg = er_ds_config(ds);
	if (observed) {
		if (!(obs = er_observed_load_json(observed, err, sizeof(err)))) {
			log_warnx("bad observed-state snapshot: %s", err);
			er_ds_config_unref(cfg);
			er_ds_free(ds);
			return EXIT_USAGE;
		}
	} else {
		struct er_collect_opts co;

		struct er_partners *ps = er_partners_new(state_dir ? state_dir : "/var/lib/erready");

		er_partners_sync(ps, cfg);
		er_partners_kick(ps);
		er_collect_opts_init(&co, cfg);
		co.timeout_ms = (unsigned)timeout_ms;
		obs = er_collect_all(&co);
		er_partners_attach(ps, obs);
		er_partners_free(ps);
	}
	if (dump) {
		er_observed_dump(obs, stdout);
		er_observed_unref(obs);
		er_ds_config_unref(cfg);
		er_ds_free(ds);
		return 0;
	}
	for (i = 0; i < n_partners; i++) {
		char name[65], *text;
		const char *eq = strchr(partners[i], '=');
		struct er_partner_view *pv;

		snprintf(name, sizeof(name), "%.*s", (int)(eq - partners[i]), partners[i]);
		rc = 0;
		if (!(text = read_text(eq + 1, err, sizeof(err)))) {
			log_warnx("--partner %s: %s", name, err);
			rc = EXIT_USAGE;
			goto partner_fail;
		}
		pv = er_partner_view_new(name);
		if (er_partner_view_parse(pv, er_ds_ctx(ds), text, err, sizeof(err)) < 0) {
			log_warnx("--partner %s: %s: %s", name, eq + 1, err);
			rc = EXIT_USAGE;
		} else
			er_observed_add_partner(obs, pv);
		er_partner_view_unref(pv);
		free(text);
		if (rc == EXIT_USAGE)
			goto partner_fail;
		/* A captured pair: the partner's age counts from the local capture. */
		if (obs->collected_at)
			now = obs->collected_at;
	}
	snap = er_evaluate(cfg, obs, NULL, now);
	er_ds_config_unref(cfg);
	er_observed_unref(obs);
	if (json) {
		if (er_report_json(stdout, snap, er_ds_ctx(ds)) < 0)
			fatalx("cannot build the JSON report");
	} else
		er_report_text(stdout, snap);
	rc = er_report_exit_code(snap->overall.readiness);
	er_snapshot_unref(snap);
	er_ds_free(ds);
	return rc;
partner_fail:
	er_observed_unref(obs);
	er_ds_config_unref(cfg);
	er_ds_free(ds);
	return rc;
}
