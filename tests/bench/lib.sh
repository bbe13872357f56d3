# shellcheck shell=bash
# tests/bench/lib.sh - helpers shared by the benchmark scripts (sourced).
# They expect $tmp (the run's temp directory: a pid is "ours" when its
# command line names it) and a say() function.

# erreadyd started as root would switch to the user erready, who cannot
# reach $tmp: the benchmarks run it as --user root (split, capabilities
# trimmed, no switch), as the test suite does.
export ERREADYD_USER=${ERREADYD_USER:-root}

us() { local t=$EPOCHREALTIME; echo "${t/[.,]/}"; }
# poll TIMEOUT_S INTERVAL CMD...: run CMD until it succeeds, fail after the timeout
poll() {
	local deadline=$(($(us) + $1 * 1000000)) interval=$2
	shift 2
	while :; do
		"$@" && return 0
		(($(us) >= deadline)) && return 1
		sleep "$interval"
	done
}
# a pid is ours when its command line names our temp directory
pid_ours() {
	[[ $1 =~ ^[0-9]+$ && -r /proc/$1/cmdline && -n $tmp ]] || return 1
	[[ $(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline") == *"$tmp/"* ]]
}
pid_gone() { ! pid_ours "$1"; }
proc_gone() { # gone or a zombie
	local st
	[[ -r /proc/$1/stat ]] || return 0
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[[ -z $st || $st == Z ]]
}
# stop_pid PID: TERM one of our processes, KILL it if it lingers
stop_pid() {
	pid_ours "$1" || return 0
	kill -TERM "$1" 2>/dev/null
	poll 5 0.02 pid_gone "$1" || { say "pid $1 ignored TERM, sending KILL"; kill -KILL "$1" 2>/dev/null; }
}
stop_pidfile() {
	local pid
	[[ -s $1 ]] && read -r pid <"$1" 2>/dev/null || return 0
	stop_pid "$pid"
}
# ns_remove NS: stop what still runs in our own namespace NS (it was started
# by this run), then delete the namespace (and with it its veths)
ns_remove() {
	local pids pid
	[[ -n $1 && -e /run/netns/$1 ]] || return 0
	pids=$(ip netns pids "$1" 2>/dev/null | tr "\n" " ")
	if [[ -n $pids ]]; then
		say "stopping leftover pids in $1: $pids"
		# shellcheck disable=SC2086
		kill -TERM $pids 2>/dev/null
		for pid in $pids; do poll 3 0.02 proc_gone "$pid" || kill -KILL "$pid" 2>/dev/null; done
	fi
	ip netns del "$1" 2>/dev/null || say "could not delete namespace $1"
}
# er_spawn LOG CMD...: a daemon with only /dev/null and LOG as stdio (shared with the lab)
# shellcheck source=tests/lab/spawn.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lab/spawn.sh"
