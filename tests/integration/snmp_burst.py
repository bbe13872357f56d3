#!/usr/bin/env python3
"""Integration test: a burst of thousands of events does not stall the agent.

erreadyd runs as its own SNMP master on loopback with a synthetic 1000-session
config (tests/bench/gen_synthetic.py) and host state from an --observed file,
and a real snmptrapd as its trap sink. The observed file is then swapped for
one where every session is down: a burst of several thousand events (sessions,
redundancy, checks, readiness). While the queue drains:
  - snmpget keeps answering promptly (the loop is never blocked);
  - notifications go out no faster than trap-rate, in full (the queue is
    sized for the burst), and stop once the queue is empty;
  - a second burst larger than trap-queue-size drops the oldest, logged.
Usage: snmp_burst.py ERREADYD
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from snmp_lab import ROOT  # noqa: E402
from testlib import check, failures, free_udp_port, summary  # noqa: E402

GEN = os.path.join(HERE, "..", "bench", "gen_synthetic.py")
RATE = 500

def count_traps(path):
    try:
        with open(path) as f:
            return f.read().count("TRAP ")
    except FileNotFoundError:
        return 0


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 64
    erreadyd = os.path.abspath(sys.argv[1])
    d = tempfile.mkdtemp(prefix="erready-burst-")
    procs = []
    env = dict(os.environ, SNMP_PERSISTENT_DIR=d, SNMPCONFPATH=d, MIBS="")
    try:
        port, trap_port = free_udp_port(), free_udp_port()
        subprocess.run(["/usr/bin/python3", GEN, "1000", d], check=True, capture_output=True)
        cfgp, obsp = os.path.join(d, "erready.json"), os.path.join(d, "observed.json")
        cfg = json.load(open(cfgp))
        cfg["expressroute-readiness:expressroute"]["agent"].update({
            "poll-interval": 5, "alert-hold-down": 0, "netconf": {"enabled": False},
            "snmp": {"mode": "master", "listen": ["udp:127.0.0.1:%d" % port], "trap-rate": RATE,
                     "trap-queue-size": 20000,
                     "trap-sink": [{"address": "127.0.0.1", "port": trap_port}]}})
        json.dump(cfg, open(cfgp, "w"))
        healthy = open(obsp).read()
        down = json.loads(healthy)
        for n in down["bgp"]["neighbors"]:
            n["state"] = "idle"
            n["uptime"] = 0
            n.pop("received", None)
            n.pop("advertised", None)
            n["prefixes-received"] = {"ipv4": 0, "ipv6": 0}
            n["prefixes-advertised"] = {"ipv4": 0, "ipv6": 0}
        down = json.dumps(down)

        traps = os.path.join(d, "traps.log")
        with open(os.path.join(d, "snmptrapd.conf"), "w") as f:
            f.write("disableAuthorization yes\n")
        procs.append(subprocess.Popen(["/usr/sbin/snmptrapd", "-f", "-On", "-C", "-c",
                                       os.path.join(d, "snmptrapd.conf"), "-F", "TRAP %v\\n", "-Lf", traps,
                                       "udp:127.0.0.1:%d" % trap_port], env=env))
        log = open(os.path.join(d, "erreadyd.log"), "wb")
        agent = subprocess.Popen([erreadyd, "-c", cfgp, "--observed", obsp], stdout=log,
                                 stderr=subprocess.STDOUT, env=env)
        procs.append(agent)

        def get():
            t = time.monotonic()
            r = subprocess.run(["snmpget", "-v2c", "-c", "public", "-On", "-t", "1", "-r", "0",
                                "127.0.0.1:%d" % port, ROOT + ".1.1.1.0"], capture_output=True, text=True)
            return (r.stdout.strip() if r.returncode == 0 else None), time.monotonic() - t

        # The synthetic edge terminates both links of every peering on one router: evaluated,
        # it reads degraded(2) (check 11 link-separate-routers warns), every session up.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (get()[0] or "").endswith("INTEGER: 2"):
            time.sleep(0.2)
        if not check((get()[0] or "").endswith("INTEGER: 2"), "synthetic 1000-session agent is evaluated (degraded: one router)"):
            return 1

        # Burst 1: every session goes down at the next poll.
        with open(obsp + ".tmp", "w") as f:
            f.write(down)
        os.rename(obsp + ".tmp", obsp)
        t0 = time.monotonic()
        worst, answered, first_trap = 0.0, 0, None
        last, last_change = 0, time.monotonic()
        while time.monotonic() - t0 < 60:
            v, dt = get()
            answered += v is not None
            worst = max(worst, dt)
            n = count_traps(traps)
            if n and first_trap is None:
                first_trap = time.monotonic()
            if n != last:
                last, last_change = n, time.monotonic()
            elif n and time.monotonic() - last_change > 3:
                break
            time.sleep(0.02)
        total = count_traps(traps)
        span = last_change - (first_trap or last_change)
        logtext = open(os.path.join(d, "erreadyd.log"), errors="replace").read()
        sent = logtext.count("snmp notification ")
        check(total > 1000, "burst of %d notifications received" % total)
        check(total == sent, "every queued notification arrived (%d sent, %d received)" % (sent, total))
        # A token bucket: a tenth of a second's worth at once, then trap-rate per second.
        least = (total - RATE / 10) / RATE
        check(span >= least * 0.95, "sent within trap-rate %d/s: %d in %.1f s (at least %.1f s)"
              % (RATE, total, span, least))
        check(answered > 50 and worst < 0.5,
              "snmpget answered %d times during the burst, slowest %.0f ms" % (answered, worst * 1000))

        # Burst 2, back up, with a queue smaller than the burst: the oldest go, and it says so.
        agent.send_signal(signal.SIGTERM)
        agent.wait(timeout=30)
        cfg["expressroute-readiness:expressroute"]["agent"]["snmp"]["trap-queue-size"] = 100
        json.dump(cfg, open(cfgp, "w"))
        open(traps, "w").close()
        agent = subprocess.Popen([erreadyd, "-c", cfgp, "--observed", obsp], stdout=log,
                                 stderr=subprocess.STDOUT, env=env)
        procs.append(agent)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not get()[0]:
            time.sleep(0.2)
        with open(obsp + ".tmp", "w") as f:
            f.write(healthy)
        os.rename(obsp + ".tmp", obsp)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "alert queue full" not in open(
                os.path.join(d, "erreadyd.log"), errors="replace").read():
            time.sleep(0.2)
        time.sleep(2)
        check("alert queue full (100)" in open(os.path.join(d, "erreadyd.log"), errors="replace").read(),
              "a burst beyond trap-queue-size drops the oldest and logs it")
        check(agent.poll() is None and get()[0] is not None, "agent alive and answering after the bursts")
        agent.send_signal(signal.SIGTERM)
        check(agent.wait(timeout=30) == 0, "agent stops cleanly")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if failures():
            p = os.path.join(d, "erreadyd.log")
            if os.path.exists(p):
                print("".join(open(p, errors="replace").readlines()[-30:]))
        shutil.rmtree(d, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
