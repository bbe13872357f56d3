#!/usr/bin/python3
"""Integration test and benchmark: a flood of unauthenticated SSH
connections keeps no operator out (issue 16, "Connection limits").

erreadyd with NETCONF over SSH on 127.0.0.1 and its UNIX socket. An
attacker holds 200 TCP connections to the SSH port from 127.0.0.2 (its
sockets bound there), never says a word, and reopens each one as soon as
erreadyd closes it, for SECONDS (default 15; tests/bench/bench_netconf_flood.sh
runs 40). Meanwhile a legitimate operator logs in over SSH from 127.0.0.1
(ncclient, public key) again and again, and a local tool opens a session on
the UNIX socket every second.

Then the places kept: one SSH user with many sessions, and 200 silent UNIX
connections of user nobody, keep neither root on the UNIX socket nor (for
the latter) an SSH login out.

Asserted: at least 95 % of the SSH logins succeed, every UNIX session opens,
and the flood adds fewer than 100 lines to erreadyd's log (the operator's
own sessions are logged as always, two lines each, and not counted). Printed: logins, their
latency (min / median / max, and how many within 1 s), attacker connections
made, log lines, erreadyd's CPU time. Latency is printed, not asserted:
the machine running the tests may be loaded.
Usage: netconf_flood.py ERREADYD [SECONDS]
"""
import errno
import json
import re
import os
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import nclib  # noqa: E402
from nclib import check, free_tcp_port, poll  # noqa: E402

ATTACKER = "127.0.0.2"
HOSTILE = 200
PER_USER = 16  # max-sessions-per-user's default


class Attacker(threading.Thread):
    """HOSTILE silent connections from ATTACKER, each reopened when closed."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.stop = threading.Event()
        self.opened = 0
        self.sel = selectors.DefaultSelector()

    def _open(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((ATTACKER, 0))
        e = s.connect_ex(("127.0.0.1", self.port))
        if e not in (0, errno.EINPROGRESS):
            s.close()
            return False
        self.sel.register(s, selectors.EVENT_READ)
        self.opened += 1
        return True

    def run(self):
        missing = HOSTILE
        while not self.stop.is_set():
            while missing and self._open():
                missing -= 1
            for k, _ in self.sel.select(0.05):
                s = k.fileobj
                try:
                    data = s.recv(4096)  # the server's banner: read, never answered
                except OSError:
                    data = b""
                if not data:
                    self.sel.unregister(s)
                    s.close()
                    missing += 1
        for k in list(self.sel.get_map().values()):
            k.fileobj.close()


def cpu_seconds(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def places(sock, port, key):
    """Places kept: one SSH user cannot take every session, a local user's
    200 silent UNIX connections hold only that user's places, and root on
    the UNIX socket always gets in."""
    held = []
    for _ in range(PER_USER + 4):
        m = nclib.try_(lambda: nclib.connect_ssh("127.0.0.1", port, "admin", key, timeout=10))
        if m is not None and nclib.try_(lambda: m.get_config("running")) is not None:
            held.append(m)
        else:
            nclib.close_quietly(m)
    check(len(held) == PER_USER, "one SSH user gets max-sessions-per-user (%d) sessions: %d of %d"
          % (PER_USER, len(held), PER_USER + 4))
    u = nclib.try_(lambda: nclib.connect_unix(sock, timeout=10))
    check(u is not None and nclib.try_(lambda: u.get_config("running")) is not None,
          "root on the UNIX socket gets in beside them")
    nclib.close_quietly(u)
    for m in held:
        nclib.close_quietly(m)
    if os.geteuid() != 0:
        return
    # 200 silent UNIX connections of an unprivileged user (nobody), held in their hello
    os.chmod(os.path.dirname(sock), 0o711)  # mkdtemp's 0700: nobody must reach the socket
    flood = subprocess.Popen([sys.executable, "-c", (
        "import os, socket, sys, time\n"
        "os.setgroups([]); os.setgid(65534); os.setuid(65534)\n"
        "s = []\n"
        "for _ in range(200):\n"
        "    c = socket.socket(socket.AF_UNIX)\n"
        "    c.connect(sys.argv[1]); s.append(c)\n"
        "print('held', flush=True)\n"
        "sys.stdin.read()\n"), sock], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        check(flood.stdout.readline().strip() == "held", "200 silent UNIX connections of user nobody opened")
        time.sleep(0.5)
        t = time.monotonic()
        u = nclib.try_(lambda: nclib.connect_unix(sock, timeout=10))
        ok = u is not None and nclib.try_(lambda: u.get_config("running")) is not None
        check(ok, "root on the UNIX socket gets in behind them (%.2f s)" % (time.monotonic() - t))
        nclib.close_quietly(u)
        t = time.monotonic()
        m = nclib.try_(lambda: nclib.connect_ssh("127.0.0.1", port, "admin", key, timeout=10))
        check(m is not None and m.connected, "an SSH login gets in behind them (%.2f s)" % (time.monotonic() - t))
        nclib.close_quietly(m)
    finally:
        flood.stdin.close()
        flood.wait(10)


def guess(port, src):
    """One connection from @p src that offers one wrong password: (seconds, how it ended)."""
    import paramiko
    s = socket.socket()
    s.settimeout(10)
    s.bind((src, 0))
    t0 = time.monotonic()
    try:
        s.connect(("127.0.0.1", port))
        tr = paramiko.Transport(s)
        tr.start_client(timeout=10)
        try:
            tr.auth_password("ops", "wrong-guess")
            how = "accepted"
        except paramiko.AuthenticationException:
            how = "refused"
        tr.close()
    except (paramiko.SSHException, OSError, EOFError):
        how = "closed"
    finally:
        s.close()
    return time.monotonic() - t0, how


def guessing(port, key):
    """Password guessing: each wrong password answered after 0.5 s, and once
    failed connections add up to penalty-min (15 s: three or four times
    penalty-authfail 5 s, as they run out while they add up) the guessing
    address is refused before the SSH exchange; others are not."""
    tries = [guess(port, "127.0.0.3") for _ in range(8)]
    print("info password guesses from 127.0.0.3: %s" % ", ".join("%s %.2f s" % (h, t) for t, h in tries))
    check([h for _, h in tries[:3]] == ["refused"] * 3 and min(t for t, _ in tries[:3]) >= 0.5,
          "the first three wrong passwords are refused, each after at least 0.5 s")
    # the penalty of a connection counts once erreadyd has seen it end, maybe after the next one began
    check([h for _, h in tries[5:]] == ["closed"] * 3 and max(t for t, _ in tries[5:]) < 0.5,
          "then the guessing address is refused at once (penalty)")
    m = nclib.try_(lambda: nclib.connect_ssh("127.0.0.1", port, "admin", key, timeout=10))
    check(m is not None and m.connected, "the penalty of 127.0.0.3 keeps nobody else out")
    nclib.close_quietly(m)


def main():
    erreadyd = os.path.abspath(sys.argv[1])
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 15.0
    d = tempfile.mkdtemp(prefix="erready-ncflood-")
    agent = None
    attacker = None
    logp = os.path.join(d, "erreadyd.log")
    try:
        sock = os.path.join(d, "nc.sock")
        key = os.path.join(d, "id_ed25519")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        port = free_tcp_port()
        cfgp = os.path.join(d, "erready.json")
        cfg = json.load(open(os.path.join(SRC, "examples/erready.json")))
        cfg["expressroute-readiness:expressroute"].setdefault("agent", {}).update({
            "snmp": {"enabled": False},
            "netconf": {"ssh": {"address": "127.0.0.1", "port": port},
                        "unix-socket": {"path": sock, "mode": "0666"},
                        "user": [{"name": "admin", "authorized-key": [open(key + ".pub").read().strip()]},
                                 {"name": "ops", "password": subprocess.run(
                                     ["openssl", "passwd", "-6", "Flood-Pass-1"], capture_output=True, text=True,
                                     check=True).stdout.strip()}]}})
        json.dump(cfg, open(cfgp, "w"))
        log = open(logp, "w")
        agent = subprocess.Popen([erreadyd, "-c", cfgp, "--observed",
                                  os.path.join(SRC, "tests/data/observed-healthy.json"),
                                  "--state-dir", os.path.join(d, "state")], stdout=log, stderr=subprocess.STDOUT)
        check(poll(lambda: os.path.exists(sock), 60), "UNIX socket appears")
        m = poll(lambda: nclib.try_(lambda: nclib.connect_ssh("127.0.0.1", port, "admin", key)), 30)
        check(m is not None, "SSH login before the flood")
        nclib.close_quietly(m)
        try:
            socket.socket().bind((ATTACKER, 0))
        except OSError as e:
            check(False, "cannot bind %s on loopback: %s" % (ATTACKER, e))
            return nclib.summary()

        time.sleep(0.5)
        log.flush()
        lines0 = len(open(logp, errors="replace").readlines())
        cpu0 = cpu_seconds(agent.pid)
        attacker = Attacker(port)
        attacker.start()
        time.sleep(1.0)  # the 200 are in place

        unix = {"ok": 0, "fail": 0}
        ustop = threading.Event()

        def unix_prober():
            while not ustop.is_set():
                u = nclib.try_(lambda: nclib.connect_unix(sock, timeout=10))
                ok = u is not None and nclib.try_(lambda: u.get_config("running")) is not None
                unix["ok" if ok else "fail"] += 1
                nclib.close_quietly(u)
                ustop.wait(1.0)

        ut = threading.Thread(target=unix_prober, daemon=True)
        ut.start()
        lat, fails = [], 0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            t = time.monotonic()
            m = nclib.try_(lambda: nclib.connect_ssh("127.0.0.1", port, "admin", key, timeout=10))
            if m is not None and m.connected:
                lat.append(time.monotonic() - t)
            else:
                fails += 1
            nclib.close_quietly(m)
            time.sleep(0.2)
        ustop.set()
        ut.join(30)
        attacker.stop.set()
        attacker.join(30)
        cpu = cpu_seconds(agent.pid) - cpu0
        time.sleep(0.5)
        grown = open(logp, errors="replace").readlines()[lines0:]
        # the operator's own sessions are logged as usual (opened, closed): the rest is the attack's
        lines = [x for x in grown if not re.search(r"NETCONF: session \d+ (opened|closed)", x)]
        for x in lines:
            print("log " + x.rstrip())

        n = len(lat) + fails
        within = sum(1 for x in lat if x <= 1.0)
        print("info %.0f s, %d hostile connections from %s held and reopened: %d attacker connects"
              % (seconds, HOSTILE, ATTACKER, attacker.opened))
        if lat:
            print("info SSH logins from 127.0.0.1: %d/%d succeeded, %d within 1 s; latency min %.0f ms, "
                  "median %.0f ms, max %.0f ms" % (len(lat), n, within, min(lat) * 1000,
                                                    statistics.median(lat) * 1000, max(lat) * 1000))
        print("info UNIX sessions: %d opened, %d failed" % (unix["ok"], unix["fail"]))
        print("info log grew by %d lines, %d of them not about the operator's sessions; erreadyd used %.2f s of "
              "CPU (%.0f %% of one core)" % (len(grown), len(lines), cpu, 100.0 * cpu / seconds))
        check(n >= 5, "the operator tried %d logins" % n)
        check(n and len(lat) >= 0.95 * n, "at least 95 %% of the SSH logins succeed (%d of %d)" % (len(lat), n))
        check(unix["ok"] >= 3 and unix["fail"] == 0,
              "the UNIX socket stays usable (%d sessions, %d failed)" % (unix["ok"], unix["fail"]))
        check(len(lines) < 100, "the flood adds fewer than 100 lines to the log (%d)" % len(lines))
        check(attacker.opened > HOSTILE, "the attacker's connections were closed and reopened (%d connects)"
              % attacker.opened)
        places(sock, port, key)
        guessing(port, key)
    finally:
        if attacker:
            attacker.stop.set()
        if agent:
            rc = nclib.stop(agent, 20)
            check(rc == 0, "erreadyd stops cleanly after the flood (exit %s)" % rc)
        nclib.log_tail_on_failure(logp, 5000)
        shutil.rmtree(d, ignore_errors=True)
    return nclib.summary()


if __name__ == "__main__":
    sys.exit(main())
