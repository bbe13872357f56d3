#!/bin/sh
# tests/integration/memcheck.sh - run erreadyd under valgrind memcheck, for an
# integration test that takes the path of an erreadyd to start: give it this
# script, with the real binary in ERREADY_MEMCHECK_BIN. valgrind's own errors
# (an invalid read or write, uninitialised bytes in a syscall, a definite
# leak) make erreadyd exit 99, which the test sees as an unclean stop.
# Each process logs to ERREADY_MEMCHECK_LOG.PID when that is set (stderr
# otherwise, where the test's log of erreadyd has it).
here=$(cd "$(dirname "$0")" && pwd)
: "${ERREADY_MEMCHECK_BIN:?ERREADY_MEMCHECK_BIN names the erreadyd to run}"
set -- -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --suppressions="$here/../valgrind.supp" ${ERREADY_MEMCHECK_LOG:+--log-file="$ERREADY_MEMCHECK_LOG.%p"} \
    "$ERREADY_MEMCHECK_BIN" "$@"
exec valgrind "$@"
