#!/usr/bin/env python3
"""Prometheus snmp_exporter (Debian's, the real one) scraping erreadyd on the
live lab, with packaging/prometheus/snmp.yml (as root).

In the lab's customer-edge namespace: erreadyd as its own SNMP master agent
(v2c, loopback) and prometheus-snmp-exporter. Then:
  - module erready: overall readiness, circuit, peering and path names as
    label values (not numbers), the IPv6 BGP session's address as a label,
    the check name as a label of the check metrics, collectors ok, the
    shaping rate as a gauge;
  - module erready_lean: sessions and readiness, no check table;
  - the secondary private MSEE stopped: the session's state and check 20
    change in the next scrape; restored, they come back.
Usage: nms_exporter.py ERREADYD
"""
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from lab_checks import Lab  # noqa: E402
from snmp_lab import Env, POLL, ROOT  # noqa: E402
from testlib import check, free_tcp_port, info, summary  # noqa: E402

SNMP_YML = os.path.join(TOP, "packaging", "prometheus", "snmp.yml")
FETCH = ("import sys, urllib.request\n"
         "sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=30).read().decode())\n")


def scrape(env, port, target, module):
    t0 = time.monotonic()
    r = subprocess.run(env.ns + ["/usr/bin/python3", "-c", FETCH,
                                 "http://127.0.0.1:%d/snmp?target=%s&module=%s" % (port, target, module)],
                       capture_output=True, text=True, timeout=60)
    return (r.stdout if r.returncode == 0 else ""), time.monotonic() - t0, r.stderr


def samples(text):
    """[(name, {label: value}, value)] of a Prometheus text exposition."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? (\S+)$', line)
        if m:
            labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
            out.append((m.group(1), labels, float(m.group(3))))
    return out


def find(ss, name, **want):
    return [v for n, lab, v in ss if n == name and all(lab.get(k) == w for k, w in want.items())]


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 64
    t0 = time.monotonic()
    lab = Lab("frr")
    env = None
    try:
        lab.lab("wait", "30")
        env = Env(lab, os.path.abspath(sys.argv[1]), False)
        circuit = env.circuit
        cfg = env.config(os.path.join(env.dir, "master.json"),
                         {"mode": "master", "listen": ["udp:127.0.0.1:%d" % env.master_port]})
        env.start("master", env.erreadyd_cmd(cfg), "master.log")
        target = "127.0.0.1:%d" % env.master_port
        up = env.wait(lambda: (env.get(ROOT + ".1.1.1.0", env.master_port) or "").startswith(ROOT), 30, 0.2)
        if not check(bool(up), "erreadyd answers SNMP on %s in the lab" % target):
            return summary(t0)
        port = free_tcp_port()
        env.start("exporter", ["prometheus-snmp-exporter", "--config.file=" + SNMP_YML,
                               "--web.listen-address=127.0.0.1:%d" % port], "exporter.log")
        text = env.wait(lambda: scrape(env, port, target, "erready")[0], 20, 0.2)
        if not check(bool(text), "snmp_exporter scrapes module erready"):
            return summary(t0)
        ss = samples(text)
        check(find(ss, "snmp_scrape_pdus_returned") and find(ss, "snmp_scrape_pdus_returned")[0] > 0,
              "the scrape returned PDUs")
        check(len(find(ss, "erOverallReadiness")) == 4 and sum(find(ss, "erOverallReadiness")) == 1,
              "erOverallReadiness: one state set of 4 states, one of them 1")
        check(find(ss, "erCircuitReadiness", erCircuitName=circuit), "erCircuitReadiness labelled with the circuit name %s" % circuit)
        peer = find(ss, "erSessionState", erCircuitName=circuit, erPeeringTypeIndex="azurePrivate",
                    erSessionPath="secondary", erSessionNeighborAddr="172.16.0.6", erSessionState="established")
        check(peer == [1.0], "private secondary session 172.16.0.6: peering and path as names, established 1 (%s)" % peer)
        v6 = [lab_ for n, lab_, v in ss if n == "erSessionState" and lab_.get("erSessionState") == "established"
              and lab_.get("erPeeringTypeIndex") == "microsoft" and ":" in lab_.get("erSessionNeighborAddr", "")]
        addrs = sorted({x["erSessionNeighborAddr"] for x in v6})
        check(len(addrs) == 2 and all(a.replace(":", "").upper().endswith(("0002", "0006")) for a in addrs),
              "the IPv6 Microsoft-peering sessions carry their address as a label: %s" % addrs)
        chk = find(ss, "erCheckResult", erCheckCircuit=circuit, erCheckPeering="azurePrivate", erCheckPath="secondary",
                   erCheckCode="20", erCheckName="bgp-both-established", erCheckResult="pass")
        check(chk == [1.0], "check 20 on the private secondary link: its name bgp-both-established as a label, pass")
        check(not [1 for n, lab_, v in ss if n == "erCheckResult" and "erCheckName" not in lab_],
              "every check metric has its erCheckName label")
        check(find(ss, "erCollectorResult", erCollectorSource="bgp", erCollectorResult="ok") == [1.0],
              "collector bgp ok (source as a name)")
        rate = find(ss, "erQueueShapingRate", erQueueIfName="msft1")
        check(rate == [1000000.0], "erQueueShapingRate of msft1 is a gauge in kbit/s: %s" % rate)
        check("# TYPE erQueueShapingRate gauge" in text, "erQueueShapingRate typed gauge")
        check(not [n for n, _, _ in ss if n in ("erCheckDetail", "erCollectorMessage", "erSessionLastError")],
              "free-text columns are not exported")
        sec = find(ss, "erPeeringIpv6SecNet", erCircuitName=circuit, erPeeringTypeIndex="microsoft")
        secl = [lab_.get("erPeeringIpv6SecNet", "") for n, lab_, v in ss if n == "erPeeringIpv6SecNet"
                and lab_.get("erPeeringTypeIndex") == "microsoft"]
        check(sec and secl and ":" in secl[0] and not secl[0].startswith("0x"),
              "the secondary IPv6 link subnet is an address, not hex: %s" % secl)

        lean, dt_lean, _ = scrape(env, port, target, "erready_lean")
        ls = samples(lean)
        check(find(ls, "erSessionState", erCircuitName=circuit, erPeeringTypeIndex="azurePrivate",
                   erSessionPath="primary", erSessionState="established") == [1.0],
              "module erready_lean: session state with names")
        check(not find(ls, "erCheckResult"), "module erready_lean has no check table")
        _, dt_full, _ = scrape(env, port, target, "erready")
        info("scrape of the lab (%d sessions): erready %.0f ms (%d samples), erready_lean %.0f ms (%d samples)"
             % (len({tuple(sorted(l.items())) for n, l, v in ss if n == "erSessionUptime"}), dt_full * 1000, len(ss),
                dt_lean * 1000, len(ls)))

        env.lab.lab("fault", "stop-msee-priv-secondary")

        def down():
            s2 = samples(scrape(env, port, target, "erready")[0])
            st = find(s2, "erSessionState", erCircuitName=circuit, erPeeringTypeIndex="azurePrivate",
                      erSessionPath="secondary", erSessionNeighborAddr="172.16.0.6", erSessionState="established")
            c20 = find(s2, "erCheckResult", erCheckCircuit=circuit, erCheckPeering="azurePrivate", erCheckPath="secondary",
                       erCheckName="bgp-both-established", erCheckResult="fail")
            return st == [0.0] and c20 == [1.0]
        check(env.wait(down, POLL * 4 + 30, 0.5),
              "fault stop-msee-priv-secondary: the session leaves established and check 20 fails in the scrape")
        env.lab.lab("restore", "stop-msee-priv-secondary")

        def back():
            s2 = samples(scrape(env, port, target, "erready")[0])
            return find(s2, "erSessionState", erCircuitName=circuit, erPeeringTypeIndex="azurePrivate",
                        erSessionPath="secondary", erSessionNeighborAddr="172.16.0.6",
                        erSessionState="established") == [1.0]
        check(env.wait(back, POLL * 4 + 60, 0.5), "restored: the session is established again in the scrape")
    finally:
        if env:
            from testlib import failures
            if failures():
                for name in ("master.log", "exporter.log"):
                    p = os.path.join(env.dir, name)
                    if os.path.exists(p):
                        print("---- %s (tail)" % name)
                        print("".join(open(p, errors="replace").readlines()[-30:]))
            env.cleanup()
        lab.down()
    return summary(t0)


if __name__ == "__main__":
    sys.exit(main())
