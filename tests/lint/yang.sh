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
# Every data node, choice, case, type, enum, RPC and notification says what it is.
yanglint -f yin "$yang" >"$out"
python3 - "$out" <<'PY'
import sys
import xml.etree.ElementTree as ET
ns = "{urn:ietf:params:xml:ns:yang:yin:1}"
kinds = {"container", "leaf", "leaf-list", "list", "choice", "case", "notification",
         "rpc", "typedef", "enum", "grouping", "identity"}
missing = []
def walk(e, path):
    for c in e:
        tag = c.tag.replace(ns, "")
        p = "%s/%s:%s" % (path, tag, c.get("name") or "")
        if tag in kinds and c.find(ns + "description") is None:
            missing.append(p)
        walk(c, p)
walk(ET.parse(sys.argv[1]).getroot(), "")
for m in missing:
    print("no description:", m)
sys.exit(1 if missing else 0)
PY
echo "yanglint: $yang clean, canonical, every node described"
