#!/bin/sh
# erreadyd --check as an operator runs it: exit codes, report, JSON and
# bad-config handling. Usage: check.sh ERREADYD SOURCE_DIR
set -u
bin=$1
src=$2
cfg=$src/examples/erready.json
obs=$src/tests/data/observed-healthy.json
# Microsoft's recommended design: this router (ce-a) holds the primary links, its partner ce-b the secondary ones
cfg2=$src/examples/erready-two-routers.json
obs2=$src/tests/data/observed-two-circuits.json
ceb="ce-b=$src/tests/fixtures/partner/ce-b-healthy.xml"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
passes=0

expect() { # expect NAME WANT_EXIT CMD...
	name=$1 want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL $name: exit $got, expected $want"
		sed 's/^/  | /' "$tmp/out" "$tmp/err" | head -20
		fails=$((fails + 1))
	else
		echo "ok   $name"
		passes=$((passes + 1))
	fi
}

grep_out() { # grep_out NAME FILE PATTERN
	if grep -q -- "$3" "$2"; then
		echo "ok   $1"
		passes=$((passes + 1))
	else
		echo "FAIL $1: '$3' not in output"
		sed 's/^/  | /' "$2" | head -20
		fails=$((fails + 1))
	fi
}

# One router terminating both links of every peering: healthy, but only degraded (check 11)
expect "healthy single-router snapshot exits 2 (degraded)" 2 "$bin" --check -c "$cfg" --observed "$obs"
grep_out "single-router headline" "$tmp/out" "ExpressRoute readiness: DEGRADED"
grep_out "the same-router warning" "$tmp/out" \
	"WARN     11  link-separate-routers                       primary and secondary terminate on the same router: one device failure takes both down (Microsoft HA guidance)"
if [ "$(grep -c '^ *WARN' "$tmp/out")" -eq 2 ] && [ "$(grep -c '^ *WARN     11 ' "$tmp/out")" -eq 2 ]; then
	echo "ok   check 11 is the only warning"; passes=$((passes + 1))
else
	echo "FAIL other warnings than check 11:"; grep '^ *WARN' "$tmp/out"; fails=$((fails + 1))
fi
grep_out "report groups by peering" "$tmp/out" "^  Microsoft peering"

expect "two-router snapshot with the partner's reply exits 0" 0 "$bin" --check -c "$cfg2" --observed "$obs2" --partner "$ceb"
grep_out "report headline" "$tmp/out" "ExpressRoute readiness: READY"
grep_out "the partner's link, named" "$tmp/out" "PASS     20  bgp-both-established             secondary  on ce-b: secondary session to 172.16.0.6 Established"
expect "two-router snapshot without the partner exits 2" 2 "$bin" --check -c "$cfg2" --observed "$obs2"
grep_out "partner link unknown" "$tmp/out" "UNKNOWN  20  bgp-both-established             secondary  the secondary link terminates on partner ce-b, whose data is not available (not contacted yet)"
expect "--partner without --observed is a usage error" 64 "$bin" --check -c "$cfg2" --partner "$ceb"
expect "--partner file that is not a reply" 64 "$bin" --check -c "$cfg2" --observed "$obs2" --partner "ce-b=$obs2"

echo '{ "collected-at": 1795000000 }' >"$tmp/empty.json"
expect "nothing observed exits 3 (unknown)" 3 "$bin" --check -c "$cfg2" --observed "$tmp/empty.json" --partner "$ceb"
grep_out "unknown, never pass" "$tmp/out" "UNKNOWN  20  bgp-both-established             primary"

sed 's/"state": "established", "uptime": 86400,/"state": "active", "uptime": 0,/' "$obs" >"$tmp/down.json"
expect "sessions down exits 1 (not ready)" 1 "$bin" --check -c "$cfg" --observed "$tmp/down.json"
grep_out "detail names the session" "$tmp/out" "primary session to 172.16.0.2 is Active, not Established"

sed 's/"rate": 1000000000/"rate": 2000000000/' "$obs2" >"$tmp/shaper.json"
expect "warning exits 2 (degraded)" 2 "$bin" --check -c "$cfg2" --observed "$tmp/shaper.json" --partner "$ceb"
grep_out "the warning is the shaper" "$tmp/out" "WARN    400  capacity-shaper                  primary"

expect "--json exits like the text report" 0 "$bin" --check --json -c "$cfg2" --observed "$obs2" --partner "$ceb"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["expressroute-readiness:expressroute"]; assert d["readiness"]["readiness"]=="ready"; assert len(d["readiness"]["check"])>=80' "$tmp/out"; then
	echo "ok   --json is RFC 7951 state data"; passes=$((passes + 1))
else
	echo "FAIL --json output"; fails=$((fails + 1))
fi

sed 's/65010/65515/' "$cfg" >"$tmp/asn.json"
expect "reserved ASN exits 4" 4 "$bin" --check -c "$tmp/asn.json"
grep_out "bad config names file, line, path and reason" "$tmp/err" \
	"asn.json: line 27: /expressroute-readiness:expressroute/circuit\[name='er-ams-1'\]/peering\[type='azure-private'\]/customer-asn: AS number not usable"
printf '{ "expressroute-readiness:expressroute": { "circuit": [ { "name": ' >"$tmp/trunc.json"
expect "truncated JSON exits 4" 4 "$bin" --check -c "$tmp/trunc.json"
# A file without the module's data is a bad configuration, not "no circuits".
: >"$tmp/zero.json"
expect "-n: empty file exits 4" 4 "$bin" -n -c "$tmp/zero.json"
grep_out "empty file named" "$tmp/err" "zero.json: no /expressroute-readiness:expressroute data: an empty or truncated file is not a configuration"
echo '{}' >"$tmp/braces.json"
expect "-n: {} exits 4" 4 "$bin" -n -c "$tmp/braces.json"
grep_out "{} named" "$tmp/err" "braces.json: no /expressroute-readiness:expressroute data"
printf '{"broken":' >"$tmp/broken.json"
expect "-n: truncated {\"broken\": exits 4" 4 "$bin" -n -c "$tmp/broken.json"
expect "--check: truncated {\"broken\": exits 4" 4 "$bin" --check -c "$tmp/broken.json" --observed "$obs"
grep_out "truncated file named" "$tmp/err" "broken.json: no /expressroute-readiness:expressroute data"
expect "missing file exits 4" 4 "$bin" --check -c "$tmp/nonexistent.json"
grep_out "missing file named" "$tmp/err" "nonexistent.json: cannot open"
expect "no config is a usage error" 64 "$bin" --json
expect "-n validates" 0 "$bin" -n -c "$cfg"
expect "--print-config" 0 "$bin" -n --print-config -c "$cfg"
grep_out "canonical print" "$tmp/out" '"customer-asn": 65010'

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
