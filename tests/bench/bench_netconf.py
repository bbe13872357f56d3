#!/usr/bin/python3
"""tests/bench/bench_netconf.py - benchmark (not a test) of erreadyd's NETCONF view.

usage: bench_netconf.py [-s SESSIONS] [-c CIRCUITS] [-n REPEAT] [--idle S] [--rounds get,idle,edit] ERREADYD

Prints, for erreadyd on synthetic configurations and snapshots from
gen_synthetic.py (--observed, so no lab or routing daemon is involved):
  1. full-state <get> with SESSIONS BGP sessions (default 1000), from ncclient
     over the UNIX socket: median and min of REPEAT runs; beside it the same
     request read as bytes by a raw socket client (server time without
     ncclient's XML parsing) and erreadyd's own CPU per request;
     and a filtered <get> of one leaf;
  2. 100 sequential single-leaf edit-config (candidate) + commit, each
     toggling one circuit's maintenance leaf, on the SESSIONS configuration
     (SESSIONS / 4 circuits) and on one with CIRCUITS circuits (default 500:
     with their 500 peerings, the issue's 1000 list entries; 4 x CIRCUITS
     sessions): total wall time, median/min/max of one edit+commit and
     erreadyd's CPU; then the same 100 edits on running;
  3. erreadyd's CPU while 10 NETCONF sessions (5 SSH, 5 UNIX) sit idle for
     --idle seconds (default 30) on the CIRCUITS configuration, as % of one
     core, and the part outside the collector thread (whose polls run
     whether sessions are open or not);
  4. erreadyd's peak RSS (VmHWM) in each run.
Figures only: nothing here fails on a slow machine. Targets (issue 5): get
<= 100 ms, 100 edits+commits <= 1 s, idle <= 1 % of a core.
Run as any user; needs python3-ncclient and ssh-keygen. /usr/bin/python3.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import nclib  # noqa: E402

ER_NS = "urn:erready:params:xml:ns:yang:expressroute-readiness"
TCK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TCK


def thread_cpu_s(pid, name):
    """CPU seconds of the threads of @p pid named @p name (comm), of its main thread, and of the others."""
    mine = main = other = 0.0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            comm = open("/proc/%d/task/%s/comm" % (pid, tid)).read().strip()
            f = open("/proc/%d/task/%s/stat" % (pid, tid)).read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a thread that ended meanwhile
        t = (int(f[11]) + int(f[12])) / TCK
        if comm == name:
            mine += t
        elif int(tid) == pid:
            main += t
        else:
            other += t
    return mine, main, other


def vm(pid, key):
    for line in open("/proc/%d/status" % pid):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024.0
    return 0.0


class Agent(object):
    """erreadyd on gen_synthetic.py output, NETCONF on a UNIX socket and SSH."""

    def __init__(self, erreadyd, sessions, work):
        self.sessions = sessions
        self.dir = os.path.join(work, "s%d" % sessions)
        if os.path.exists(self.dir):  # -s equal to 4 x -c
            self.dir += "-2"
        os.makedirs(self.dir)
        subprocess.run([sys.executable, os.path.join(HERE, "gen_synthetic.py"), str(sessions), self.dir],
                       check=True, stdout=subprocess.DEVNULL)
        self.key = os.path.join(work, "id_ed25519")
        if not os.path.exists(self.key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", self.key], check=True)
        self.sock = os.path.join(self.dir, "nc.sock")
        self.port = nclib.free_tcp_port()
        cfgp = os.path.join(self.dir, "erready.json")
        cfg = json.load(open(cfgp))
        cfg["expressroute-readiness:expressroute"]["agent"]["netconf"] = {
            "ssh": {"address": "127.0.0.1", "port": self.port},
            "unix-socket": {"path": self.sock, "mode": "0600"},
            "user": [{"name": "bench", "authorized-key": [open(self.key + ".pub").read().strip()]}]}
        # the SNMP master on a free port: another erreadyd on this host must not stop this one
        cfg["expressroute-readiness:expressroute"]["agent"].setdefault("snmp", {})["listen"] = [
            "udp:127.0.0.1:%d" % nclib.free_udp_port()]
        json.dump(cfg, open(cfgp, "w"))
        self.log = open(os.path.join(self.dir, "erreadyd.log"), "w")
        self.proc = subprocess.Popen([erreadyd, "-c", cfgp, "--observed", os.path.join(self.dir, "observed.json"),
                                      "--state-dir", os.path.join(self.dir, "state")],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        end = time.time() + 120
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None or time.time() > end:
                self.log.flush()
                raise SystemExit("erreadyd did not start; the end of its log:\n%s"
                                 % "".join(open(self.log.name).readlines()[-10:]))
            time.sleep(0.05)
        self.m = nclib.connect_unix(self.sock, timeout=120)
        # the first evaluation must be published before timing anything
        nclib.rpc(self.m, '<evaluate-now xmlns="%s"/>' % ER_NS)

    def cpu(self):
        return cpu_s(self.proc.pid)

    def cpu_split(self):
        """(collector thread, main thread, the others: NETCONF sessions, SSH): evaluations are the
        collector's, publishing them (SNMP view, events) and SNMP the main thread's."""
        return thread_cpu_s(self.proc.pid, "er-collector")

    def hwm(self):
        return vm(self.proc.pid, "VmHWM")

    def stop(self):
        nclib.close_quietly(self.m)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def bench_get(a, repeat):
    m = a.m
    m.get()  # warm
    ts = []
    c0 = a.cpu()
    for _ in range(repeat):
        t = time.perf_counter()
        r = m.get()
        ts.append(time.perf_counter() - t)
    cpu = (a.cpu() - c0) / repeat
    size = len(r.xml)
    nsess = r.xml.count("<bgp-session>")
    # A byte-level client (no XML parsing): what the server and the
    # transfer cost, repeated and first after an evaluation.
    raw = nclib.RawUnixNetconf(a.sock, timeout=300, base11=True)
    raw.rpc("<get/>", message_id="0")
    rts, rcpu = [], []
    for i in range(repeat):
        c, t = a.cpu(), time.perf_counter()
        raw.rpc("<get/>", message_id=str(i + 1))
        rts.append(time.perf_counter() - t)
        rcpu.append(a.cpu() - c)
    fcts, fcpu = [], []
    for i in range(repeat):
        nclib.rpc(m, '<evaluate-now xmlns="%s"/>' % ER_NS)
        c, t = a.cpu(), time.perf_counter()
        raw.rpc("<get/>", message_id="f%d" % i)
        fcts.append(time.perf_counter() - t)
        fcpu.append(a.cpu() - c)
    raw.close()
    load = loadavg()
    # the first full <get> after an evaluation: nothing cached
    cts = []
    for _ in range(repeat):
        nclib.rpc(m, '<evaluate-now xmlns="%s"/>' % ER_NS)
        t = time.perf_counter()
        m.get()
        cts.append(time.perf_counter() - t)
    fts = []
    flt = ('<expressroute xmlns="%s"><readiness><readiness/></readiness></expressroute>' % ER_NS)
    for _ in range(repeat):
        t = time.perf_counter()
        m.get(filter=("subtree", flt))
        fts.append(time.perf_counter() - t)
    ms = lambda v: v * 1000.0  # noqa: E731
    print("  full <get>, ncclient:        median %7.1f ms  min %7.1f ms  (%d bytes, %d bgp-session entries;"
          " repeated: printed state cached)" % (ms(statistics.median(ts)), ms(min(ts)), size, nsess))
    print("  first full <get> after an evaluation: median %7.1f ms  min %7.1f ms  (built and printed)"
          % (ms(statistics.median(cts)), ms(min(cts))))
    print("  full <get>, raw socket:      median %7.1f ms  min %7.1f ms  (server + transfer, no XML parsing)"
          % (ms(statistics.median(rts)), ms(min(rts))))
    print("  full <get>, raw socket, first after an evaluation: median %7.1f ms  min %7.1f ms"
          "  (erreadyd CPU median %.1f ms)" % (ms(statistics.median(fcts)), ms(min(fcts)), ms(statistics.median(fcpu))))
    print("  erreadyd CPU per full <get>: %7.1f ms (ncclient's), %.1f ms (raw client's, median)"
          % (ms(cpu), ms(statistics.median(rcpu))))
    print("  filtered <get> (one leaf):   median %7.1f ms" % ms(statistics.median(fts)))
    n = (a.sessions + 3) // 4
    print("RESULT get-repeat-big | full <get> repeated, byte-level client over the UNIX socket, %d sessions, %d circuits"
          " | <= 150 ms | median %.1f ms, min %.1f of %d, %d bytes; erreadyd CPU %.1f ms each (load %s)"
          % (a.sessions, n, ms(statistics.median(rts)), ms(min(rts)), repeat, size, ms(statistics.median(rcpu)), load))
    print("RESULT get-first-big | first full <get> after an evaluation, byte-level client, %d sessions | <= 300 ms |"
          " median %.1f ms, min %.1f of %d; erreadyd CPU %.1f ms each (load %s)"
          % (a.sessions, ms(statistics.median(fcts)), ms(min(fcts)), repeat, ms(statistics.median(fcpu)), load))
    return statistics.median(ts), statistics.median(cts)


def loadavg():
    return open("/proc/loadavg").read().split()[0]


def bench_commit(a, circuits, edits=100, tag=None):
    """edit+commit rounds; @p tag: "big" (the -s config) or "small" (the -c one), for the RESULT ids."""
    m = a.m
    edit = ('<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><expressroute xmlns="%s"><circuit>'
            '<name>erbench-%05d</name><maintenance>%s</maintenance></circuit></expressroute></config>')
    res = {}
    # Every edit is a real change: each flips its circuit's maintenance from
    # the value running has (all false at start), so no edit re-sends what
    # the previous round committed.
    state = {}
    for target in ("candidate", "running"):
        m.get_config("running")  # warm (nothing changed)
        c0 = a.cpu()
        _, m0, v0 = a.cpu_split()
        ts = []
        t = time.perf_counter()
        for i in range(edits):
            c = i % circuits + 1
            state[c] = not state.get(c, False)
            t1 = time.perf_counter()
            m.edit_config(target=target, config=edit % (ER_NS, c, "true" if state[c] else "false"))
            if target == "candidate":
                m.commit()
            ts.append(time.perf_counter() - t1)
        wall = time.perf_counter() - t
        cpu = a.cpu() - c0
        _, m1, v1 = a.cpu_split()
        # the evaluation's helper threads come and go: what no other live thread took is the re-evaluations'
        serve, publish = v1 - v0, m1 - m0
        res[target] = (wall, cpu, statistics.median(ts), min(ts), max(ts), serve, publish, cpu - serve - publish)
        what = "edit-config candidate + commit" if target == "candidate" else "edit-config running (no commit)"
        print("  %d x %-32s %7.3f s total  (%.1f ms each: median %.1f, min %.1f, max %.1f; erreadyd CPU %.3f s:"
              " %.3f s in the session threads, %.3f s publishing on the main thread, %.3f s re-evaluating)"
              % (edits, what + ":", wall, wall * 1000.0 / edits, statistics.median(ts) * 1000.0,
                 min(ts) * 1000.0, max(ts) * 1000.0, cpu, serve, publish, cpu - serve - publish))
    r = m.get_config("running", filter=("subtree", '<expressroute xmlns="%s"><circuit><name/><peering><type/>'
                                        '</peering></circuit></expressroute>' % ER_NS))
    ncirc, npeer = r.xml.count("<circuit>"), r.xml.count("<peering>")
    print("  (configuration: %d list entries: %d circuits, %d peerings)" % (ncirc + npeer, ncirc, npeer))
    wall, cpu, med, lo, hi, serve, publish, reeval = res["candidate"]
    size = "%d circuits, %d sessions" % (ncirc, a.sessions)
    load = "load %s" % loadavg()
    # the ids are literal (results.py --check finds them here)
    one, many = {"big": ("edit-one-big", "edit-100-big"), "small": ("edit-one-small", "edit-100-small")}.get(
        tag, (None, None))
    if one:
        print("RESULT %s | one edit-config (candidate) + commit, %s, from ncclient | <= %s | "
              "median %.1f ms, min %.1f, max %.1f of %d; erreadyd CPU %.1f ms each in the session threads"
              " (+ %.1f ms publishing and %.1f ms re-evaluating, in the background; %s)"
              % (one, size, "10 ms" if tag == "big" else "8 ms", med * 1000.0, lo * 1000.0, hi * 1000.0, edits,
                 serve * 1000.0 / edits, publish * 1000.0 / edits, reeval * 1000.0 / edits, load))
        print("RESULT %s | %d edit-config (candidate) + commit in a row, %s | %s | "
              "%.2f s wall, %.2f s erreadyd CPU (%s)"
              % (many, edits, size, "<= 1 s" if tag == "small" else "none (<= 1 s at 500 circuits)", wall, cpu, load))
    return wall


def bench_idle(a, seconds):
    sess = []
    for _ in range(5):
        sess.append(nclib.connect_ssh("127.0.0.1", a.port, "bench", a.key))
        sess.append(nclib.connect_unix(a.sock))
    time.sleep(1.0)
    c0, t0 = a.cpu(), time.perf_counter()
    _, m0, v0 = a.cpu_split()
    time.sleep(seconds)
    cpu, wall = a.cpu() - c0, time.perf_counter() - t0
    _, m1, v1 = a.cpu_split()
    for s in sess:
        nclib.close_quietly(s)
    # the collector's polls (every poll-interval, 30 s here) are the daemon's work, idle sessions or not
    # the evaluation's helper threads come and go: what no live thread but the collector took is the polls'
    sessions, publish = v1 - v0, m1 - m0
    polls = cpu - sessions - publish
    print("  10 idle sessions (5 SSH, 5 UNIX) for %.0f s: erreadyd CPU %.3f s = %.3f %% of a core"
          " (NETCONF session and SSH threads %.3f s = %.3f %%; main thread (SNMP, publishing the polls) %.3f s;"
          " the collector's polls and their evaluations %.3f s)"
          % (wall, cpu, 100.0 * cpu / wall, sessions, 100.0 * sessions / wall, publish, polls))
    print("RESULT idle-nc-10 | erreadyd CPU with 10 idle NETCONF sessions (5 SSH, 5 UNIX), %d circuits |"
          " <= 0.05 %% of a core (with an AgentX connection) | %.3f %% of a core over %.0f s: %.3f %% in the"
          " NETCONF session and SSH threads, the rest the 30 s polls (collect, evaluate, publish; load %s)"
          % ((a.sessions + 3) // 4, 100.0 * cpu / wall, wall, 100.0 * sessions / wall, loadavg()))
    return 100.0 * cpu / wall


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-s", "--sessions", type=int, default=1000)
    ap.add_argument("-c", "--circuits", type=int, default=500)
    ap.add_argument("-n", "--repeat", type=int, default=9)
    ap.add_argument("--idle", type=float, default=30)
    ap.add_argument("--rounds", default="get,idle,edit",
                    help="comma-separated rounds to run: get, idle, edit (default all)")
    ap.add_argument("erreadyd")
    o = ap.parse_args()
    erreadyd = os.path.abspath(o.erreadyd)
    # ncclient's reader thread wakes every TICK (0.1 s) before sending a
    # queued request: at the default every RPC would cost up to 100 ms of
    # client-side waiting (nclib.set_tick).
    nclib.set_tick(0.001)
    work = tempfile.mkdtemp(prefix="erready-bench-nc-")
    agents = []
    try:
        print("erreadyd %s, ncclient TICK 0.001 s; load average %s; %d cores"
              % (erreadyd, " ".join(open("/proc/loadavg").read().split()[:3]), os.cpu_count()))
        print("[1] %d BGP sessions (%d circuits)" % (o.sessions, (o.sessions + 3) // 4))
        a = Agent(erreadyd, o.sessions, work)
        agents.append(a)
        rounds = o.rounds.split(",")
        get = cold = idle = commit_small = commit = float("nan")
        if "get" in rounds:
            get, cold = bench_get(a, o.repeat)
        if "edit" in rounds:
            commit_small = bench_commit(a, (o.sessions + 3) // 4, tag="big")
        print("  peak RSS (VmHWM): %.1f MiB" % a.hwm())
        if "get" in rounds:
            print("RESULT get-rss-big | erreadyd peak RSS (VmHWM) with full <get>s served, %d sessions | <= 300 MiB |"
                  " %.1f MiB (load %s)" % (o.sessions, a.hwm(), loadavg()))
        a.stop()
        if "edit" in rounds or "idle" in rounds:
            print("[2] %d circuits, %d peerings (%d BGP sessions)" % (o.circuits, o.circuits, 4 * o.circuits))
            b = Agent(erreadyd, 4 * o.circuits, work)
            agents.append(b)
            # idle on the 500-circuit config, before any edit
            if "idle" in rounds:
                idle = bench_idle(b, o.idle)
            if "edit" in rounds:
                commit = bench_commit(b, o.circuits, tag="small")
            print("  peak RSS (VmHWM): %.1f MiB" % b.hwm())
            b.stop()
        print("summary (ncclient, its XML parsing included; the RESULT lines give the byte-level client's): "
              "full get %.1f ms repeated, %.1f ms first after an evaluation; "
              "100 edit+commit %.2f s with %d circuits, %.2f s with %d list entries (target <= 1 s); "
              "idle %.2f %% of a core (target <= 1 %%)"
              % (get * 1000.0, cold * 1000.0, commit_small, (o.sessions + 3) // 4, commit, 2 * o.circuits, idle))
        print("load average at the end: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
    finally:
        for a in agents:
            try:
                a.stop()
            except Exception:
                pass
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
