#!/usr/bin/python3
"""tests/bench/bench_exporter.py - scrape time of packaging/prometheus/snmp.yml's
two modules, through Debian's prometheus-snmp-exporter, against erreadyd's
embedded master holding SESSIONS BGP sessions (default 1000; synthetic
config and observed snapshot from gen_synthetic.py). Prints figures, never
fails on a slow machine. As root: it runs everything in a network namespace
of its own (loopback only) and removes it on exit.

usage: bench_exporter.py ERREADYD [SESSIONS] [ROUNDS]

Figures per module (erready, erready_lean), alternating the modules round
by round: wall time of a whole scrape as the client sees it (min / median /
max), snmp_exporter's own snmp_scrape_duration_seconds, samples returned,
and the CPU (user + system, from /proc) erreadyd and snmp_exporter spent
per scrape; the load average before and after.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("ERREADYD_USER", "root")  # root-only temporary files: no user switch (testlib.py)

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
SNMP_YML = os.path.join(TOP, "packaging", "prometheus", "snmp.yml")
FETCH = r"""
import sys, time, urllib.request
t0 = time.monotonic()
body = urllib.request.urlopen(sys.argv[1], timeout=120).read().decode()
dt = time.monotonic() - t0
n = sum(1 for l in body.splitlines() if l and not l.startswith("#"))
d = [l.split()[-1] for l in body.splitlines() if l.startswith("snmp_scrape_duration_seconds")]
print("%.6f %d %s" % (dt, n, d[0] if d else "nan"))
"""
TCK = os.sysconf("SC_CLK_TCK")


def cpu(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TCK


def loadavg():
    return open("/proc/loadavg").read().split()[:3]


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[8], file=sys.stderr)
        return 64
    erreadyd = os.path.abspath(sys.argv[1])
    sessions = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    ns = "erbx%d" % os.getpid()
    tmp = tempfile.mkdtemp(prefix="erready-bench-exporter-")
    procs = []
    try:
        subprocess.run(["ip", "netns", "add", ns], check=True)
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        inns = ["ip", "netns", "exec", ns]
        subprocess.run(["/usr/bin/python3", os.path.join(HERE, "gen_synthetic.py"), "--snmp-mode", "master",
                        "--listen", "udp:127.0.0.1:1161", str(sessions), tmp], check=True)
        os.makedirs(os.path.join(tmp, "state"))
        log = open(os.path.join(tmp, "erreadyd.log"), "w")
        er = subprocess.Popen(inns + [erreadyd, "-c", os.path.join(tmp, "erready.json"), "--observed",
                                      os.path.join(tmp, "observed.json"), "--state-dir", os.path.join(tmp, "state")],
                              stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        procs.append(er)
        ex = subprocess.Popen(inns + ["prometheus-snmp-exporter", "--config.file=" + SNMP_YML,
                                      "--web.listen-address=127.0.0.1:9116"],
                              stdout=open(os.path.join(tmp, "exporter.log"), "w"), stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL)
        procs.append(ex)

        def scrape(module):
            r = subprocess.run(inns + ["/usr/bin/python3", "-c", FETCH,
                                       "http://127.0.0.1:9116/snmp?target=127.0.0.1:1161&module=" + module],
                               capture_output=True, text=True, timeout=300)
            if r.returncode != 0:
                return None
            dt, n, d = r.stdout.split()
            return float(dt), int(n), float(d)

        # Wait until the whole session table is there (the lean module's sessions).
        deadline = time.monotonic() + 120
        while True:
            s = scrape("erready_lean")
            if s and s[1] >= sessions:
                break
            if time.monotonic() > deadline or er.poll() is not None:
                print("erreadyd did not serve %d sessions: %s" % (sessions, open(log.name).read()[-2000:]))
                return 1
            time.sleep(0.5)
        # The exporter's pid is the child of `ip netns exec` (it execs): the same pid.
        res = {"erready": [], "erready_lean": []}
        la0 = loadavg()
        for _ in range(rounds):
            for module in ("erready", "erready_lean"):
                c0 = (cpu(er.pid), cpu(ex.pid))
                s = scrape(module)
                c1 = (cpu(er.pid), cpu(ex.pid))
                if s:
                    res[module].append(s + (c1[0] - c0[0], c1[1] - c0[1]))
        la1 = loadavg()
        print("bench_exporter: %d sessions (gen_synthetic.py), erreadyd embedded master, snmp_exporter %s, %d rounds"
              % (sessions, subprocess.run(["prometheus-snmp-exporter", "--version"], capture_output=True,
                                          text=True).stderr.split()[2], rounds))
        print("load average before %s, after %s; %d cores" % (" ".join(la0), " ".join(la1), os.cpu_count()))
        print("%-13s %8s %28s %14s %12s %12s" % ("module", "samples", "wall ms min/median/max", "exporter ms",
                                                  "erreadyd CPU", "exporter CPU"))
        for module, rs in res.items():
            if not rs:
                print("%-13s no successful scrape" % module)
                continue
            w = sorted(r[0] * 1000 for r in rs)
            print("%-13s %8d %10.0f / %6.0f / %6.0f %14.0f %10.0f ms %10.0f ms" % (
                module, rs[0][1], w[0], statistics.median(w), w[-1], statistics.median(r[2] * 1000 for r in rs),
                statistics.mean(r[3] * 1000 for r in rs), statistics.mean(r[4] * 1000 for r in rs)))
        return 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())
