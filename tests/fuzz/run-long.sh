#!/bin/sh
# Run the fuzz targets longer than CI's smoke run, by hand:
#   tests/fuzz/run-long.sh [SECONDS_EACH] [TARGET...]      (default 600 s, every target)
# Builds build-fuzz/ with clang (-DENABLE_FUZZ=ON) if needed, then runs each
# target's ctest smoke run for SECONDS_EACH. A crash leaves its input in
# build-fuzz/tests/fuzz/fuzz-artifacts/; after fixing it, copy the input to
# tests/fuzz/regress/<target>/ so every later run replays it.
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-600}
[ $# -gt 0 ] && shift
CC=clang scripts/build build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DENABLE_FUZZ=ON \
	-DENABLE_BENCH=OFF
if [ $# -eq 0 ]; then
	filter='^fuzz\.'
else
	filter="^fuzz\.($(echo "$@" | tr ' ' '|'))\$"
fi
cd build-fuzz
ERREADY_FUZZ_SECONDS=$secs ctest --output-on-failure --timeout $((secs + 600)) -R "$filter"
