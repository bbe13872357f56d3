#!/usr/bin/env bash
# tests/bench/bench_netconf_flood.sh - benchmark (not a test) of erreadyd's
# connection limits (issue 16): 200 silent SSH connections from 127.0.0.2,
# held and reopened for SECONDS (default 40), while an operator logs in over
# SSH from 127.0.0.1 again and again and a local tool uses the UNIX socket.
# Prints logins, their latency (min/median/max, how many within 1 s), UNIX
# sessions, log lines added by the flood and erreadyd's CPU time.
# It runs tests/integration/netconf_flood.py (the CI variant runs 15 s);
# no root needed, nothing leaves 127.0.0.0/8.
#
# usage: tests/bench/bench_netconf_flood.sh [-b BUILD_DIR] [SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build="$here/../../build"
if [ "${1:-}" = "-b" ]; then
	build=$2
	shift 2
fi
exec /usr/bin/python3 "$here/../integration/netconf_flood.py" "$build/agent/erreadyd" "${1:-40}"
