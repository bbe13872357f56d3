#!/usr/bin/python3
"""tests/bench/bench_partner.py - figures of the partner exchange (issue 12).

Benchmark, not a test. Generates N circuits (gen_synthetic.py, one private
peering each), runs two erreadyd on loopback as ce-a (primary links) and
ce-b (secondary links), each the other's partner over NETCONF/SSH, and
prints: ce-a's fetch time and reply size on the open session (median and
best of the polls sampled, with ce-a's CPU time for it from its -d log),
the first fetch with the SSH setup, the partner's side in CPU time
(bench_partner_answer: ce-b's answer and ce-a's parse of it, in one
process), and the evaluation with the partner's data against the same
circuits on one router (bench_partner_eval). Wall times on a shared
machine swing with its load: the load average is printed beside them.
Besides the text, one line per figure:
  RESULT <id> | <figure> | <target> | <measured>
usage: bench_partner.py ERREADYD BENCH_PARTNER_EVAL [CIRCUITS ...]   (default: 1 100)
(bench_partner_answer is looked for next to BENCH_PARTNER_EVAL)
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
SAMPLES = 8


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
        a.args = ["-d"]  # the fetch log: bytes, wall and CPU of every fetch
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
            # a small filtered <get>: the sampling must not load ce-a while it fetches
            m = nclib.connect_unix(a.sock)
            try:
                r = nclib.rpc(m, '<get><filter type="subtree"><expressroute xmlns="%s"><agent><partner><state/>'
                              '</partner></agent><readiness><readiness/><last-evaluation/></readiness></expressroute>'
                              '</filter></get>' % NS["e"])
            finally:
                nclib.close_quietly(m)
            t = etree.fromstring(r.xml.encode())
            st = t.find(".//e:agent/e:partner/e:state", NS)
            return (st.findtext("e:status", "", NS), int(st.findtext("e:duration", "0", NS)),
                    int(st.findtext("e:bytes", "0", NS)), t.findtext(".//e:readiness/e:readiness", "", NS))
        first = poll(lambda: try_(lambda: partner_state()[0] == "ok" and partner_state()), 60, 0.5)
        log = open(a.logp).read()
        m = re.search(r"partner ce-b: connected \(reply of (\d+) bytes in (\d+) ms\)", log)
        loads = []
        # every fetch of the sampling window, from ce-a's -d log: bytes, wall ms, ce-a's CPU ms
        skip = len(re.findall(r"partner ce-b: ok, ", log))
        time.sleep(POLL * SAMPLES)
        loads.append(os.getloadavg()[0])
        s = try_(partner_state)
        alog = open(a.logp).read()
        fetches = [(int(b), int(w), float(c)) for b, w, c in re.findall(
            r"partner ce-b: ok, (\d+) bytes in (\d+) ms \(([0-9.]+) ms CPU here\)", alog)][skip:]
        # each fetch's wall split: until libnetconf2 returned the parsed reply, then reading it into a view
        splits = [(int(r), int(p)) for r, p in re.findall(
            r"partner ce-b: reply after (\d+) ms, read in (\d+) ms", alog)][skip:]
        # ce-b's reply, as ce-a gets it, for the evaluation figure
        mb = nclib.connect_unix(b.sock)
        r = nclib.rpc(mb, '<get><filter type="subtree">%s</filter></get>' % (
            '<expressroute xmlns="%s"><circuit><peering><state><link><observed-by>local</observed-by></link></state>'
            '</peering></circuit><readiness><last-evaluation/><collector/><check><path>secondary</path><status/>'
            '<detail/></check></readiness></expressroute>' % NS["e"]), timeout=60)
        data = etree.fromstring(r.xml.encode()).find("{urn:ietf:params:xml:ns:netconf:base:1.0}data")
        reply = os.path.join(d, "reply.xml")
        open(reply, "w").write("".join(etree.tostring(c, encoding="unicode") for c in data))
        nclib.close_quietly(mb)
        single = os.path.join(d, "single.json")
        json.dump(base, open(single, "w"))
        a.stop()
        b.stop()
        load = statistics.mean(loads)
        print("%d circuit(s), %d peering(s) of 2 links (load average %.1f):" % (n, n, load))
        if m:
            print("  first fetch (SSH and NETCONF setup + <get>): %s bytes in %s ms" % m.groups())
        if fetches:
            wall = statistics.median(f[1] for f in fetches)
            cpu = statistics.median(f[2] for f in fetches)
            size = statistics.median(f[0] for f in fetches)
            print("  fetch on the open session, %d polls: %d bytes in %d ms median, %d ms best; ce-a's CPU %.1f ms "
                  "median (readiness %s)" % (len(fetches), size, wall, min(f[1] for f in fetches), cpu,
                                             s[3] if s else "?"))
            if splits:
                print("  of which: request to parsed reply %d ms median, reading it into a view %d ms median" % (
                    statistics.median(x[0] for x in splits), statistics.median(x[1] for x in splits)))
        else:
            print("  no fetch sampled (%s)" % (first,))
        out = subprocess.run([evalbin, a.cfgp, single, os.path.join(d, "observed.json"), reply],
                             capture_output=True, text=True)
        print("  " + out.stdout.strip().replace("\n", "\n  ") + out.stderr.strip())
        ev = re.search(r"with partner data ([0-9.]+) ms .* one router ([0-9.]+) ms .*: ([0-9.]+)x", out.stdout)
        ans = None
        answer_bin = os.path.join(os.path.dirname(evalbin), "bench_partner_answer")
        if os.path.exists(answer_bin):
            o = subprocess.run([answer_bin, os.path.join(d, "erready.json"), os.path.join(d, "observed.json")],
                               capture_output=True, text=True)
            print("  partner's side, CPU: " + o.stdout.strip().replace("\n", "\n  ") + o.stderr.strip())
            ans = (re.search(r"what erreadyd sends\), CPU median of \d+: ([0-9.]+) ms", o.stdout) or
                   re.search(r"trimmed ([0-9.]+) ms", o.stdout), re.search(r"parse of it.*?: ([0-9.]+) ms, "
                                                                          r"reading it .*?([0-9.]+) ms", o.stdout))
        tag = "%d" % n
        target = "<= 50 ms" if n == 100 else "-"
        if fetches:
            cpu_note = ""
            if ans and ans[0] and ans[1]:
                cpu_note = "; CPU: partner's answer %s ms + ce-a's fetch thread %.1f ms (of which libyang's untyped " \
                           "parse of the reply's data: %s ms)" % (ans[0].group(1), cpu, ans[1].group(1))
            else:
                cpu_note = "; ce-a CPU %.1f ms" % cpu
            print("RESULT partner-fetch-%s | partner fetch on the open session, %d circuit(s) (%d links) | %s | "
                  "%d ms wall median, %d ms best, %d bytes%s (load %.1f)" % (
                      tag, n, 2 * n, target, wall, min(f[1] for f in fetches), size, cpu_note, load))
        if m:
            print("RESULT partner-first-fetch-%s | first partner fetch with SSH and NETCONF setup, %d circuit(s) | - | "
                  "%s ms wall, %s bytes (load %.1f)" % (tag, n, m.group(2), m.group(1), load))
        if ev:
            print("RESULT partner-eval-%s | evaluation with partner data vs one router, %d circuit(s) | <= 1.2x | "
                  "%sx (%s ms vs %s ms, wall, load %.1f)" % (tag, n, ev.group(3), ev.group(1), ev.group(2), load))
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    for n in [int(x) for x in sys.argv[3:]] or [1, 100]:
        run(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), n)
