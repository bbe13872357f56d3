#!/bin/sh
# One fuzz target as CI runs it (ctest fuzz.*):
#   smoke.sh BINARY REGRESS_DIR DICT|- SEED_DIR...
# First every input under REGRESS_DIR (crashes found before, kept so they
# stay fixed) runs once; then the target fuzzes for ERREADY_FUZZ_SECONDS
# (default 20) starting from the seeds, with new inputs kept in a scratch
# directory. A crash leaves its input in ./fuzz-artifacts/ (of the ctest
# working directory): copy it to REGRESS_DIR once it is fixed.
set -eu
bin=$1 regress=$2 dict=$3
shift 3
secs=${ERREADY_FUZZ_SECONDS:-20}
name=$(basename "$bin")

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

if [ -d "$regress" ] && [ -n "$(ls -A "$regress")" ]; then
	echo "$name: replaying $(find "$regress" -type f | wc -l) regression input(s) from $regress"
	# shellcheck disable=SC2046
	"$bin" -runs=1 -timeout=10 $(find "$regress" -type f | sort)
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/erready-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' HUP INT TERM
mkdir -p fuzz-artifacts
set -- "$work" "$@"
[ "$dict" = - ] || set -- "-dict=$dict" "$@"
echo "$name: fuzzing for ${secs}s"
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
	-artifact_prefix="$PWD/fuzz-artifacts/$name-" "$@"
