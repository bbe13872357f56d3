#!/bin/sh
# Every rule of the catalogue (expressroute-rules.md: the numbered rules of
# its section 1, and its section 2 of configuration records) is either
# implemented by a check in the README's checks table or listed in the
# README's not-host-checkable table with a reason. Fails naming each rule
# that is neither. Usage: rules.sh README [CATALOGUE]
# Exits 77 (skipped) when the catalogue, which lives outside the repository
# (../shared/reference/expressroute-rules.md), is not there.
set -eu
readme=$1
catalogue=${2:-$(dirname "$0")/../../../shared/reference/expressroute-rules.md}
if [ ! -r "$catalogue" ]; then
	echo "SKIP: the rules catalogue $catalogue is not present (it lives in ../shared beside the repository)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# "N<TAB>title" for each rule of section 1 ("N. **Title** ..."), then "section 2".
awk '
	/^## / { sec = $2 }
	sec == "1." && match($0, /^[0-9]+\. \*\*[^*]+\*\*/) {
		n = $0; sub(/\..*/, "", n)
		t = $0; sub(/^[0-9]+\. \*\*/, "", t); sub(/\*\*.*/, "", t)
		print n "\t" t
	}
	sec == "2." && !s2 { print "section 2\tprerequisites a host cannot check (configuration records)"; s2 = 1 }
' "$catalogue" >"$tmp/rules"
if [ "$(grep -c . "$tmp/rules")" -lt 2 ]; then
	echo "FAIL: no rules found in $catalogue (has its layout changed?)"
	exit 1
fi

# Rules named by the checks table: the last column starts "N: ...", "N, M: ..." or "section 2 and 40: ...";
# checks of rules the catalogue does not have say "N (extends the catalogue): ..." and are left out.
awk -F'|' '
	/<!-- checks:begin/ { in_t = 1; next }
	/<!-- checks:end/ { in_t = 0 }
	in_t && /^\| *[0-9]/ {
		r = $(NF - 1); sub(/^ */, "", r); sub(/:.*/, "", r)
		# our own rules beyond the catalogue say so: "42 (extends the catalogue)"
		if (r ~ /extends the catalogue/) next
		if (r ~ /^section 2/) { print "section 2"; sub(/^section 2/, "", r) }
		gsub(/[^0-9]+/, " ", r)
		n = split(r, v, " ")
		for (i = 1; i <= n; i++) print v[i]
	}' "$readme" | sort -u >"$tmp/checked"

# Rules listed as not host-checkable: "| N | title | reason |" between the markers; a reason is required.
bad=0
awk -F'|' '
	/<!-- not-host-checkable:begin/ { in_t = 1; next }
	/<!-- not-host-checkable:end/ { in_t = 0 }
	in_t && /^\| *(section 2|[0-9])/ {
		r = $2; gsub(/^ *| *$/, "", r)
		why = $(NF - 1); gsub(/^ *| *$/, "", why)
		print r "\t" why
	}' "$readme" >"$tmp/unchecked"
while IFS='	' read -r rule why; do
	if [ -z "$why" ]; then
		echo "FAIL: rule $rule is listed as not host-checkable without a reason"
		bad=1
	fi
	if grep -qx "$rule" "$tmp/checked"; then
		echo "FAIL: rule $rule is listed as not host-checkable, but the checks table has a check for it"
		bad=1
	fi
done <"$tmp/unchecked"
cut -f1 "$tmp/unchecked" | sort -u >>"$tmp/checked"

covered=0
missing=0
while IFS='	' read -r rule title; do
	if grep -qx "$rule" "$tmp/checked"; then
		covered=$((covered + 1))
	else
		echo "FAIL: rule $rule ($title) is neither in the README's checks table nor in its not-host-checkable list"
		missing=$((missing + 1))
	fi
done <"$tmp/rules"
# A rule the README names that the catalogue does not have is a typo or a stale number.
while read -r rule; do
	if ! cut -f1 "$tmp/rules" | grep -qx "$rule"; then
		echo "FAIL: the README names rule $rule, which the catalogue does not have"
		bad=1
	fi
done <"$tmp/checked"
echo "$covered of $(grep -c . "$tmp/rules") catalogue rules covered by the README ($missing missing)"
[ "$missing" -eq 0 ] && [ "$bad" -eq 0 ]
