#!/usr/bin/python3
"""tests/bench/bench_partner.py - figures of the partner exchange (issue 12).

Benchmark, not a test. Generates N circuits (gen_synthetic.py, one private
peering each), runs two erreadyd on loopback as ce-a (primary links) and
ce-b (secondary links), each the other's partner over NETCONF/SSH, and
prints: ce-a's fetch time and reply size on the open session (median of
the polls sampled), the first fetch with the SSH setup, and the evaluation
with the partner's data against the same circuits on one router
(bench_partner_eval).
usage: bench_partner.py ERREADYD BENCH_PARTNER_EVAL [CIRCUITS ...]   (default: 1 100)
"""
import copy
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import nclib  # noqa: E402
import partner_loopback as pl  # noqa: E402
from testlib import poll, try_  # noqa: E402
from lxml import etree  # noqa: E402

NS = pl.NS
POLL = 5


def configs(a, b, base):
    for r, other, role in ((a, b, "a"), (b, a, "b")):
        cfg = copy.deepcopy(base)
        top = cfg["expressroute-readiness:expressroute"]
        top["agent"] = {
            "poll-interval": POLL, "alert-hold-down": 0, "router-name": r.name, "bgp": {"source": "none"},
            "partner": [{"name": other.name, "address": "127.0.0.1", "port": other.port, "user": "erready",
                         "key-file": "partner_ed25519", "host-key": other.fp, "timeout": 5000}],
            "snmp": {"enabled": False},
            "netconf": {"ssh": {"address": "127.0.0.1", "port": r.port},
                        "unix-socket": {"path": r.sock, "mode": "0600"},
                        "user": [{"name": "erready", "authorized-key": [open(other.key + ".pub").read().strip()]}]}}
        for c in top["circuit"]:
            for p in c["peering"]:
                p["secondary-router" if role == "a" else "primary-router"] = other.name
        json.dump(cfg, open(r.cfgp, "w"), indent=1)


def run(erreadyd, evalbin, n):
    d = tempfile.mkdtemp(prefix="er-bench-partner-")
    try:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_synthetic.py"), str(4 * n), d], check=True,
                       stdout=subprocess.DEVNULL)
        base = json.load(open(os.path.join(d, "erready.json")))
        a, b = pl.Router(d, "ce-a", erreadyd), pl.Router(d, "ce-b", erreadyd)
        for r in (a, b):
            shutil.copy(os.path.join(d, "observed.json"), r.obsp)
            r.fp = "SHA256:" + "A" * 43
        configs(a, b, base)
        for r in (a, b):
            r.start()
            r.stop()
        a.fp, b.fp = a.host_key_fp(), b.host_key_fp()
        configs(a, b, base)
        b.start()
        a.start()

        def partner_state():
            _, _, _, t = a.checks()
            st = t.find(".//e:agent/e:partner/e:state", NS)
            return (st.findtext("e:status", "", NS), int(st.findtext("e:duration", "0", NS)),
                    int(st.findtext("e:bytes", "0", NS)), t.findtext(".//e:readiness/e:readiness", "", NS))
        first = poll(lambda: try_(lambda: partner_state()[0] == "ok" and partner_state()), 60, 0.5)
        m = re.search(r"partner ce-b: connected \(reply of (\d+) bytes in (\d+) ms\)", open(a.logp).read())
        samples = []
        for _ in range(4):
            time.sleep(POLL)
            s = try_(partner_state)
            if s and s[0] == "ok":
                samples.append(s)
        # ce-b's reply, as ce-a gets it, for the evaluation figure
        mb = nclib.connect_unix(b.sock)
        r = nclib.rpc(mb, '<get><filter type="subtree">%s</filter></get>' % (
            '<expressroute xmlns="%s"><circuit><name/><peering><type/><state><link/></state></peering></circuit>'
            '<readiness><last-evaluation/><collector/><check><circuit/><peering/><path/><code/><status/><detail/>'
            '</check></readiness></expressroute>' % NS["e"]), timeout=60)
        data = etree.fromstring(r.xml.encode()).find("{urn:ietf:params:xml:ns:netconf:base:1.0}data")
        reply = os.path.join(d, "reply.xml")
        open(reply, "w").write("".join(etree.tostring(c, encoding="unicode") for c in data))
        nclib.close_quietly(mb)
        single = os.path.join(d, "single.json")
        json.dump(base, open(single, "w"))
        a.stop()
        b.stop()
        print("%d circuit(s), %d peering(s) of 2 links:" % (n, n))
        if m:
            print("  first fetch (SSH and NETCONF setup + <get>): %s bytes in %s ms" % m.groups())
        if samples:
            print("  fetch on the open session, median of %d polls: %d bytes in %d ms (readiness %s)" % (
                len(samples), statistics.median(s[2] for s in samples), statistics.median(s[1] for s in samples),
                samples[-1][3]))
        else:
            print("  no fetch sampled (%s)" % (first,))
        out = subprocess.run([evalbin, a.cfgp, single, os.path.join(d, "observed.json"), reply],
                             capture_output=True, text=True)
        print("  " + out.stdout.strip().replace("\n", "\n  ") + out.stderr.strip())
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    for n in [int(x) for x in sys.argv[3:]] or [1, 100]:
        run(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), n)
