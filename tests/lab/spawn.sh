# shellcheck shell=bash
# tests/lab/spawn.sh - sourced by tests/lab/lab.sh and tests/bench/lib.sh.
#
# er_spawn LOG CMD...: run CMD (a daemon that forks, or one exec'd in the
# background) with /dev/null and LOG as stdio and no other inherited
# descriptor: it must not keep the caller's lock or a pipe open.
er_spawn() {
	local log=$1
	shift
	(
		for fd in "/proc/$BASHPID/fd/"*; do
			fd=${fd##*/}
			[[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null
		done
		exec "$@" </dev/null >>"$log" 2>&1
	)
}
