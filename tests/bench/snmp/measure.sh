#!/usr/bin/env bash
# tests/bench/snmp/measure.sh - the timing loop of bench_snmp.sh.
#
# Runs inside the benchmark's network namespace (bench_snmp.sh starts it with
# `ip netns exec NS`), so no `ip netns exec` start-up is timed.
#
# usage: measure.sh N MAXREP PLAN WORKDIR
#   N       repetitions
#   MAXREP  snmpbulkwalk -Cr (max-repetitions of each GETBULK)
#   PLAN    a file of lines "GROUP KIND PORT MODE OID PIDS":
#           GROUP  walks of one group are timed back to back, in the order of
#                  the plan on odd repetitions and in reverse on even ones
#                  (ABBA), so slow drifts hit both sides alike
#           KIND   a name for the figures
#           PORT   UDP port on 127.0.0.1 (community public)
#           MODE   bulk (snmpbulkwalk -CrMAXREP) or walk (snmpwalk: GETNEXT)
#           OID    numeric subtree to walk
#           PIDS   the pids serving it, whose CPU is counted: MASTER,AGENT
#                  for an AgentX walk (snmpd, subagent), AGENT alone when one
#                  process answers, - for none
#   WORKDIR scratch directory (belongs to bench_snmp.sh, which removes it)
# Prints one line per timed walk:
#   KIND REP WALL_US VARBINDS RC NOTINC MASTER_TICKS AGENT_TICKS CLIENT_MS
# VARBINDS counts the output lines that start an OID (-On -Oq: one a varbind;
# long hex strings continue on further lines), RC is the walk's exit status,
# NOTINC 1 when the walk stopped on "OID not increasing", MASTER_TICKS and
# AGENT_TICKS the CPU clock ticks (user + system) the master (0 when none)
# and the agent used meanwhile, CLIENT_MS the CPU of the walk command itself
# (bash `times`).
set -u
n=$1 maxrep=$2 plan=$3 work=$4
out=$work/walk.out err=$work/walk.err

ticks1() { # PID: utime + stime
	local line rest
	read -r line <"/proc/$1/stat" 2>/dev/null || { echo 0; return; }
	rest=${line##*) }
	# shellcheck disable=SC2086
	set -- $rest
	echo $((${12} + ${13}))
}
ticks() { # PIDS: "MASTER_TICKS AGENT_TICKS"
	case $1 in
	-) echo "0 0" ;;
	*,*) echo "$(ticks1 "${1%%,*}") $(ticks1 "${1#*,}")" ;;
	*) echo "0 $(ticks1 "$1")" ;;
	esac
}

# "0m1.234s" -> milliseconds
to_ms() {
	local m=${1%%m*} s=${1#*m}
	s=${s%s}
	echo $((10#$m * 60000 + 10#${s%.*} * 1000 + 10#${s#*.}))
}

walk() { # MODE PORT OID
	local cmd=snmpwalk
	local -a extra=()
	if [[ $1 == bulk ]]; then cmd=snmpbulkwalk extra=(-Cr"$maxrep"); fi
	# -r0: a lost answer is an error here, not a silent 10 s retry inside the timing
	"$cmd" -v2c -c public -On -Oq -r0 -t10 -m '' "${extra[@]}" "udp:127.0.0.1:$2" "$3" >"$out" 2>"$err"
}

timed() { # KIND REP PORT MODE OID PIDS
	local kind=$1 rep=$2 port=$3 mode=$4 oid=$5 pids=$6 m0 a0 m1 a1 res rc vb ni u s
	read -r m0 a0 <<<"$(ticks "$pids")"
	res=$(
		w0=$EPOCHREALTIME
		walk "$mode" "$port" "$oid"
		rc=$?
		w1=$EPOCHREALTIME
		echo "${w0/[.,]/} ${w1/[.,]/} $rc"
		times
	)
	read -r m1 a1 <<<"$(ticks "$pids")"
	read -r w0 w1 rc <<<"${res%%$'\n'*}"
	read -r u s <<<"${res##*$'\n'}"
	vb=$(grep -c '^\.[0-9]' "$out")
	ni=0
	grep -q 'OID not increasing' "$err" && ni=1
	if [[ $rc != 0 || $ni == 1 ]]; then
		echo "measure: $kind rep $rep: exit $rc: $(head -c 300 "$err")" >&2
	fi
	echo "$kind $rep $((w1 - w0)) $vb $rc $ni $((m1 - m0)) $((a1 - a0)) $(($(to_ms "$u") + $(to_ms "$s")))"
}

mapfile -t lines <"$plan"
groups=()
for l in "${lines[@]}"; do
	read -r g _ <<<"$l"
	[[ " ${groups[*]} " == *" $g "* ]] || groups+=("$g")
done

# harness overhead: client start-up and one round trip (a walk of sysUpTime on snmpd)
read -r _ _ p0 _ <<<"${lines[0]}"
timed overhead 0 "$p0" bulk 1.3.6.1.2.1.1.3 -

for ((i = 1; i <= n; i++)); do
	for g in "${groups[@]}"; do
		sel=()
		for l in "${lines[@]}"; do
			[[ ${l%% *} == "$g" ]] && sel+=("$l")
		done
		if ((i % 2 == 0)); then # reverse on even repetitions
			rev=()
			for ((k = ${#sel[@]} - 1; k >= 0; k--)); do rev+=("${sel[k]}"); done
			sel=("${rev[@]}")
		fi
		for l in "${sel[@]}"; do
			read -r _ kind port mode oid pids <<<"$l"
			timed "$kind" "$i" "$port" "$mode" "$oid" "$pids"
		done
	done
done
rm -f "$out" "$err"
