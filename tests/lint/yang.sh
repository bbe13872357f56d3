#!/bin/sh
# The YANG module must be yanglint-clean and identical to its canonical
# `yanglint -f yang` form (the module is its own canonical printout).
set -eu
yang=$1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
yanglint "$yang" 2>&1 | tee "$out.lint"
if [ -s "$out.lint" ]; then
	echo "yanglint reported problems in $yang" >&2
	rm -f "$out.lint"
	exit 1
fi
rm -f "$out.lint"
yanglint -f yang "$yang" >"$out"
if ! diff -u "$yang" "$out"; then
	echo "$yang differs from its 'yanglint -f yang' form (diff above)" >&2
	exit 1
fi
echo "yanglint: $yang clean and canonical"
