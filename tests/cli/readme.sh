#!/bin/sh
# The README's checks table is what `erreadyd --list-checks` prints.
# With --update, rewrite it in place. Usage: readme.sh ERREADYD README [--update]
set -eu
bin=$1
readme=$2
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.new"' EXIT
"$bin" --list-checks >"$tmp"
awk -v table="$tmp" '
	/<!-- checks:begin/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
	/<!-- checks:end/ { skip = 0 }
	!skip { print }' "$readme" >"$tmp.new"
if [ "${3:-}" = "--update" ]; then
	cp "$tmp.new" "$readme"
	exit 0
fi
if ! diff -u "$readme" "$tmp.new"; then
	echo "README checks table is stale: run tests/cli/readme.sh $bin $readme --update" >&2
	exit 1
fi
echo "README checks table matches erreadyd --list-checks"
