#!/usr/bin/env bash
# tests/bench/collect/measure.sh - the timing loop of bench_collect.sh.
#
# Runs inside the benchmark's network namespace (bench_collect.sh starts it
# with `ip netns exec NS`), so no `ip netns exec` start-up is timed.
# Alternates, N times, the raw commands and one erreadyd collection cycle
# (ABBA order: odd repetitions raw first, even ones cycle first).
#
# usage: measure.sh N PATHSPACE ERREADYD CONFIG BGPD_PID WORKDIR
# Prints one line per timed command:
#   KIND REP WALL_US USER_MS SYS_MS MAXRSS_KIB BGPD_TICKS
# KIND is vtysh, nft or cycle. USER/SYS are the CPU of the command and of
# every process it waited for (bash `times`, children), MAXRSS the peak RSS
# of the largest of them (GNU time %M), BGPD_TICKS the CPU clock ticks bgpd
# spent meanwhile (the server side of `show bgp ... json`).
set -u
n=$1 ps=$2 erreadyd=$3 config=$4 bgpd_pid=$5
tf=$6/time.out # GNU time's output; WORKDIR belongs to bench_collect.sh, which removes it

# ticks of CPU (user + system) bgpd has used so far
bgpd_ticks() {
	local line rest
	read -r line <"/proc/$bgpd_pid/stat" 2>/dev/null || { echo 0; return; }
	rest=${line##*) }
	# shellcheck disable=SC2086
	set -- $rest
	echo $((${12} + ${13}))
}

# "0m1.234s" -> milliseconds
to_ms() {
	local m=${1%%m*} s=${1#*m}
	s=${s%s}
	echo $((10#$m * 60000 + 10#${s%.*} * 1000 + 10#${s#*.}))
}

# timed KIND REP CMD...: one line as described above
timed() {
	local kind=$1 rep=$2 b0 b1 out w0 w1 u s
	shift 2
	b0=$(bgpd_ticks)
	# In a subshell: `times` then reports exactly this command's children.
	out=$(
		w0=$EPOCHREALTIME
		/usr/bin/time -f %M -o "$tf" "$@" >/dev/null 2>>"$tf.err"
		w1=$EPOCHREALTIME
		echo "${w0/[.,]/} ${w1/[.,]/}"
		times
	)
	b1=$(bgpd_ticks)
	read -r w0 w1 <<<"${out%%$'\n'*}"
	read -r u s <<<"${out##*$'\n'}"
	echo "$kind $rep $((w1 - w0)) $(to_ms "$u") $(to_ms "$s") $(tail -n 1 "$tf") $((b1 - b0))"
}

raw() {
	timed vtysh "$1" vtysh -N "$ps" -c 'show bgp vrf all neighbors json'
	timed nft "$1" nft -j list ruleset
}
cycle() { timed cycle "$1" "$erreadyd" --dump-observed -c "$config" --timeout 30000; }

# harness overhead: GNU time and the subshell around a command doing nothing
timed overhead 0 true
for ((i = 1; i <= n; i++)); do
	if ((i % 2)); then raw "$i"; cycle "$i"; else cycle "$i"; raw "$i"; fi
done
if [[ -s $tf.err ]]; then
	echo "stderr of the timed commands (last lines):" >&2
	tail -n 5 "$tf.err" >&2
fi
rm -f "$tf" "$tf.err"
