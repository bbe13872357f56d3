#!/bin/sh
# The Prometheus files of packaging/prometheus stay true:
#  - snmp.yml is exactly what Debian's prometheus-snmp-generator makes of
#    generator.yml and the MIB (rerun it after changing either:
#    tests/lint/prometheus.sh --update);
#  - the alert rules pass `promtool check rules` and their unit tests
#    (`promtool test rules`);
#  - the Grafana dashboard and the rules use only metrics the modules make.
# Skips (exit 77) when the IETF base MIBs the generator needs are absent.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
base=${1:-$top/../shared/mibs/ietf}
update=${2:-}
case $base in /*) ;; *) base=$(pwd)/$base ;; esac
dir=$top/packaging/prometheus
if [ ! -f "$base/SNMPv2-SMI" ] && [ ! -f "$base/SNMPv2-SMI.txt" ]; then
	echo "SKIP: IETF base MIBs not found at $base (README: IETF base MIBs)" >&2
	exit 77
fi
for t in prometheus-snmp-generator promtool python3; do
	command -v "$t" >/dev/null || { echo "$t not installed (scripts/deps installs it)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$dir/generator.yml" "$tmp/"
(cd "$tmp" && MIBDIRS="$base:$top/mibs" prometheus-snmp-generator --fail-on-parse-errors \
	--log.level=warn generate -o "$tmp/snmp.yml") || { echo "prometheus-snmp-generator failed" >&2; exit 1; }
if [ "$update" = --update ]; then
	cp "$tmp/snmp.yml" "$dir/snmp.yml"
	echo "rewrote $dir/snmp.yml"
elif ! diff -u "$dir/snmp.yml" "$tmp/snmp.yml" >"$tmp/diff"; then
	head -60 "$tmp/diff"
	echo "packaging/prometheus/snmp.yml is not what the generator makes of generator.yml and the MIB;" \
		"rerun tests/lint/prometheus.sh DIR --update and commit the result" >&2
	exit 1
fi
echo "snmp.yml: in step with generator.yml and the MIB"
(cd "$dir" && promtool check rules erready-alerts.yml && promtool test rules erready-alerts.test.yml)
python3 "$top/tests/lint/prometheus_metrics.py" "$dir"
