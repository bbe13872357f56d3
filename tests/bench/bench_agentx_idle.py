#!/usr/bin/python3
"""Benchmark (not a test): erreadyd's idle CPU with an AgentX connection.

A real snmpd on loopback (AgentX on a UNIX socket in a temporary directory,
UDP on 127.0.0.1), erreadyd as its subagent (ping every second, the default)
on the example config with the healthy observed state (--observed), and 10
NETCONF sessions on erreadyd's UNIX socket that say hello and then nothing.
Over SECONDS (default 60) the CPU erreadyd uses is read from the scheduler
(/proc/PID/task/*/schedstat, nanoseconds, every thread). The same run
without SNMP gives the AgentX connection's own share. Target (issue 17):
<= 0.05 % of a core for the whole daemon. Prints figures and one RESULT
line; exits 0 whenever it could measure.
Usage: bench_agentx_idle.py ERREADYD [SECONDS]
"""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
import nclib  # noqa: E402
from testlib import free_udp_port, poll  # noqa: E402

SESSIONS = 10


def cpu_ns(pid):
    total = 0
    for p in glob.glob("/proc/%d/task/*/schedstat" % pid):
        try:
            with open(p) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def stop(p):
    if p and p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def run(erreadyd, d, seconds, snmp):
    """erreadyd idle for @seconds: (cpu ms, registered)."""
    sock = os.path.join(d, "agentx.sock")
    ncsock = os.path.join(d, "nc-%s.sock" % ("snmp" if snmp else "nosnmp"))
    with open(os.path.join(SRC, "examples", "erready.json")) as f:
        cfg = json.load(f)
    cfg["expressroute-readiness:expressroute"]["agent"].update({
        "snmp": {"mode": "subagent", "agentx-socket": "unix:" + sock} if snmp else {"enabled": False},
        "netconf": {"ssh": {"enabled": False}, "unix-socket": {"path": ncsock, "mode": "0600"}}})
    path = os.path.join(d, "erready.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    log = open(os.path.join(d, "erreadyd.log"), "ab")
    p = subprocess.Popen([erreadyd, "-c", path, "--observed", os.path.join(SRC, "tests", "data",
                                                                            "observed-healthy.json"),
                          "--state-dir", os.path.join(d, "state")], stdout=log, stderr=subprocess.STDOUT)
    clients = []
    try:
        if not poll(lambda: os.path.exists(ncsock), 30):
            sys.exit("bench_agentx_idle: erreadyd did not open its NETCONF socket (see %s)" % d)
        registered = True
        if snmp:
            registered = bool(poll(lambda: "registered with the AgentX master" in
                                   open(os.path.join(d, "erreadyd.log"), errors="replace").read(), 30))
        clients = [nclib.RawUnixNetconf(ncsock, timeout=30, base11=True) for _ in range(SESSIONS)]
        time.sleep(2.0)  # the start-up evaluation and the hellos are not idle time
        c0 = cpu_ns(p.pid)
        time.sleep(seconds)
        c1 = cpu_ns(p.pid)
        return (c1 - c0) / 1e6, registered
    finally:
        for c in clients:
            c.close()
        stop(p)


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 64
    erreadyd = os.path.abspath(sys.argv[1])
    seconds = float(sys.argv[2]) if len(sys.argv) == 3 else 60.0
    d = tempfile.mkdtemp(prefix="erready-axidle-")
    snmpd = None
    try:
        port = free_udp_port()
        conf = os.path.join(d, "snmpd.conf")
        with open(conf, "w") as f:
            f.write("master agentx\nagentXSocket unix:%s/agentx.sock\nagentaddress udp:127.0.0.1:%d\n"
                    "rocommunity public 127.0.0.1\n" % (d, port))
        env = dict(os.environ, SNMP_PERSISTENT_DIR=d, SNMPCONFPATH=d, MIBS="")
        snmpd = subprocess.Popen(["/usr/sbin/snmpd", "-f", "-Lf", os.path.join(d, "snmpd.log"), "-C", "-c", conf,
                                  "-I", "-smux"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        load0 = open("/proc/loadavg").read().split()[:3]
        with_ms, registered = run(erreadyd, d, seconds, True)
        without_ms, _ = run(erreadyd, d, seconds, False)
        load1 = open("/proc/loadavg").read().split()[:3]
        pct = with_ms / (seconds * 1000) * 100
        pct0 = without_ms / (seconds * 1000) * 100
        with open(os.path.join(SRC, "examples", "erready.json")) as f:
            pi = json.load(f)["expressroute-readiness:expressroute"]["agent"].get("poll-interval", 30)
        print("erreadyd idle over %.0f s, example config (poll interval %s s), %d idle NETCONF sessions:"
              % (seconds, pi, SESSIONS))
        print("  with an AgentX connection (ping every 1 s): %.1f ms CPU = %.4f %% of a core%s"
              % (with_ms, pct, "" if registered else " (NOT registered with snmpd)"))
        print("  without SNMP:                               %.1f ms CPU = %.4f %% of a core" % (without_ms, pct0))
        print("  load average %s before, %s after; target <= 0.05 %% of a core: %s"
              % (" ".join(load0), " ".join(load1), "met" if pct <= 0.05 else "missed"))
        print("RESULT agentx-idle-cpu | erreadyd idle CPU, AgentX connection + %d idle NETCONF sessions, %.0f s | "
              "<= 0.05 %% of a core | %.3f %% (%.1f ms; %.3f %% without SNMP; load %s -> %s)"
              % (SESSIONS, seconds, pct, with_ms, pct0, " ".join(load0), " ".join(load1)))
    finally:
        stop(snmpd)
        shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
