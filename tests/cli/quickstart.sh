#!/bin/bash
# The README's first Quick start command, and the commands it prints, as a
# user pastes them (as root): scripts/quickstart runs until interrupted; the
# printed SNMP walk shows the readiness MIB (with names when the IETF base
# MIBs are there), the printed fault command makes a trap that snmptrapd
# logs (by name), the printed NETCONF SSH line reaches erreadyd with the
# host key verified, and Ctrl-C removes the lab.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out=$(mktemp)
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
setsid scripts/quickstart >"$out" 2>&1 &
qs=$!
cleanup() {
	if kill -0 "$qs" 2>/dev/null; then kill -INT -- -"$qs" 2>/dev/null; fi
	for _ in $(seq 300); do kill -0 "$qs" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$qs" 2>/dev/null && kill -KILL -- -"$qs" 2>/dev/null
	rm -f "$out"
}
trap cleanup EXIT
for _ in $(seq 1800); do
	grep -q '^From another shell' "$out" && break
	kill -0 "$qs" 2>/dev/null || break
	sleep 0.2
done
if ! grep -q '^From another shell' "$out"; then
	cat "$out"
	echo "FAIL scripts/quickstart did not get to its printed commands"
	exit 1
fi
id=$(sed -n 's/^ERLAB_ID=//p; s/.*erreadyd is running in namespace erl\([0-9]*\)-ce.*/\1/p' "$out" | tail -n 1)
grep -Eq 'erOverallReadiness|\.1\.1\.1\.0 = INTEGER' "$out" && ok "the first walk printed the readiness summary" ||
	bad "the first walk printed no readiness"
walk=$(grep -m1 'snmpwalk .*# the whole readiness MIB' "$out" | sed 's/ *#.*//')
fault=$(grep -m1 'lab.sh fault stop-msee-priv-secondary' "$out" | sed 's/ *#.*//')
restore=$(grep -m1 'lab.sh restore stop-msee-priv-secondary' "$out")
sshline=$(grep -m1 ' ssh -i .* netconf$' "$out")
traps=$(grep -m1 'traps land in' "$out" | sed 's/.*traps land in //')
named=0
[[ -f ../shared/mibs/ietf/SNMPv2-SMI.txt ]] && named=1

w=$(eval "$walk" 2>&1)
n=$(grep -c . <<<"$w")
if ((named)); then
	grep -q '^EXPRESSROUTE-READINESS-MIB::erSessionState' <<<"$w" && grep -q 'erCheckName' <<<"$w" &&
		ok "the printed walk shows the whole readiness MIB by name ($n lines)" ||
		bad "the printed walk: $(head -n 3 <<<"$w")"
else
	grep -q '^.1.3.6.1.4.1.8072.9999.9999.1.6' <<<"$w" && ok "the printed walk shows the readiness MIB ($n lines)" ||
		bad "the printed walk: $(head -n 3 <<<"$w")"
fi

eval "$fault" >/dev/null 2>&1 && ok "the printed fault command runs" || bad "the printed fault command failed"
trap_seen=0
for _ in $(seq 300); do
	if ((named)); then grep -q 'erRedundancyLost' "$traps" 2>/dev/null && trap_seen=1 && break
	else grep -q '8072.9999.9999.0.4' "$traps" 2>/dev/null && trap_seen=1 && break; fi
	sleep 0.1
done
((trap_seen)) && ok "snmptrapd logged the redundancy-lost trap$( ((named)) && echo ' by name')" ||
	bad "no redundancy-lost trap in $traps: $(tail -n 5 "$traps" 2>/dev/null)"
eval "$restore" >/dev/null 2>&1 && ok "the printed restore command runs" || bad "the printed restore command failed"

hello='<?xml version="1.0" encoding="UTF-8"?><hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>]]>]]><rpc message-id="1" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><close-session/></rpc>]]>]]>'
r=$(printf '%s' "$hello" | timeout 20 bash -c "$sshline" 2>&1)
grep -q 'urn:ietf:params:netconf:base:1.1' <<<"$r" && grep -q '<ok/>' <<<"$r" &&
	ok "the printed NETCONF SSH line: hello, close-session ok, host key verified" ||
	bad "the printed NETCONF SSH line: $(head -c 400 <<<"$r")"

kill -INT -- -"$qs"
for _ in $(seq 300); do kill -0 "$qs" 2>/dev/null || break; sleep 0.1; done
kill -0 "$qs" 2>/dev/null && bad "quickstart still running 30 s after Ctrl-C" || ok "Ctrl-C stops the quick start"
if [[ -n $id ]] && ip netns list | grep -q "^erl$id-"; then bad "namespaces erl$id-* left behind"; else
	ok "the lab is removed"; fi
echo "$fails failure(s)"
((fails == 0))
