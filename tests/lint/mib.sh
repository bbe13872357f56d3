#!/bin/sh
# The MIB must be clean under `smilint -l 6` with the IETF base MIBs, and
# load in snmptranslate without a warning.
set -eu
mib=$1
base=$2
if [ ! -d "$base" ]; then
	echo "IETF base MIBs not found at $base (set -DERREADY_SHARED_MIBS=DIR)" >&2
	exit 1
fi
mibdir=$(dirname "$mib")
module=$(basename "$mib" .txt)
out=$(SMIPATH="$base:$mibdir" smilint -l 6 "$mib" 2>&1 || true)
if [ -n "$out" ]; then
	printf '%s\n' "$out"
	echo "smilint -l 6 reported the lines above" >&2
	exit 1
fi
# snmptranslate prints its MIB-loading complaints on stderr.
err=$(snmptranslate -M "$base:$mibdir" -m "$module" -Tp 2>&1 >/dev/null || true)
if [ -n "$err" ]; then
	printf '%s\n' "$err"
	echo "snmptranslate could not load $module cleanly" >&2
	exit 1
fi
n=$(snmptranslate -M "$base:$mibdir" -m "$module" -Tp 2>/dev/null | grep -c .)
echo "smilint -l 6: $module clean; snmptranslate loaded it ($n lines in its tree)"
