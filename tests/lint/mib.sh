#!/bin/sh
# The MIB must be clean under `smilint -l 6` with the IETF base MIBs, and
# load in snmptranslate without a warning. Debian ships none of the IETF
# base MIBs (README, "IETF base MIBs"): without them the test is skipped
# (exit 77, ctest's SKIP_RETURN_CODE), not failed.
set -eu
mib=$1
base=$2
if [ ! -f "$base/SNMPv2-SMI" ] && [ ! -f "$base/SNMPv2-SMI.txt" ]; then
	echo "SKIP: IETF base MIBs (SNMPv2-SMI, INET-ADDRESS-MIB, ...) not found at $base;" \
		"configure with -DERREADY_SHARED_MIBS=DIR (README: IETF base MIBs)" >&2
	exit 77
fi
mibdir=$(dirname "$mib")
module=$(basename "$mib" .txt)
out=$(SMIPATH="$base:$mibdir" smilint -l 6 "$mib" 2>&1 || true)
if [ -n "$out" ]; then
	printf '%s\n' "$out"
	echo "smilint -l 6 reported the lines above" >&2
	exit 1
fi
# snmptranslate prints its MIB-loading complaints on stderr; on a fresh
# machine the first Net-SNMP tool run also says it created its persistent
# directory, which is not about the MIB.
err=$(snmptranslate -M "$base:$mibdir" -m "$module" -Tp 2>&1 >/dev/null | grep -v '^Created directory: ' || true)
if [ -n "$err" ]; then
	printf '%s\n' "$err"
	echo "snmptranslate could not load $module cleanly" >&2
	exit 1
fi
n=$(snmptranslate -M "$base:$mibdir" -m "$module" -Tp 2>/dev/null | grep -c .)
echo "smilint -l 6: $module clean; snmptranslate loaded it ($n lines in its tree)"
